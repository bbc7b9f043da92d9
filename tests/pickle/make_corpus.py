#!/usr/bin/env python3
"""Writes tests/pickle/corpus.json: pickles made by Python's own
pickle.dumps for protocols 0 to 5, with the text Taskdeck must show for
each. Run once (`python3 tests/pickle/make_corpus.py`); the output is kept
in the repository, so the tests need no Python.

Plain data is expected to read exactly as Python's repr(); objects (class
and function references, reductions) as the dotted name called with what
the pickle gives it, written out by hand below.
"""

import base64
import collections
import datetime
import json
import os.path
import pickle
import random
import sys

SEED = 20261203
PER_PROTOCOL = 150

rng = random.Random(SEED)

STRINGS = [
    "", "a", "it's", 'say "hi"', "both ' and \"", "back\\slash", "line\nbreak\ttab\r",
    "Grüße", "請求書", "emoji 🎉", "\x00\x01\x7f", "zero\u200bwidth", "<img src=x onerror=alert(1)>",
    "{'not': 'a dict'}", "\u00e9\u00ff\u0100",
]


def rand_str():
    if rng.random() < 0.5:
        return rng.choice(STRINGS)
    alphabet = "abcXYZ019 _-'\"\\\n\té請🎉\x05"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))


def rand_int():
    return rng.choice([
        0, 1, -1, 255, 256, 65535, 65536, -129, 2**31 - 1, -2**31, 2**31, 2**63 - 1, -2**63,
        2**64, -(2**64) - 1, 2**200 + 7, -(3**150), rng.randint(-10**6, 10**6),
        rng.randint(-2**70, 2**70),
    ])


def rand_float():
    return rng.choice([
        0.0, -0.0, 0.1, 1.0, -2.5, 1e16, 1e15, 123456789.125, 1.5e-5, 0.0001, 1e-300, 5e-324,
        1.7976931348623157e308, float("inf"), float("-inf"), 3.141592653589793,
        rng.uniform(-1e6, 1e6), rng.random() * 10 ** rng.randint(-20, 20),
    ])


def rand_bytes():
    return bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 10))) + rng.choice([b"", b"'", b'"', b"\\"])


def rand_hashable(depth):
    kind = rng.randint(0, 4)
    if kind == 0:
        return rand_str()
    if kind == 1:
        return rand_int()
    if kind == 2 and depth > 0:
        return tuple(rand_hashable(depth - 1) for _ in range(rng.randint(0, 3)))
    if kind == 3:
        return rng.choice([None, True, False])
    return rand_float() if rng.random() < 0.3 else rand_str()


def rand_value(depth):
    kind = rng.randint(0, 11 if depth > 0 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rand_int()
    if kind == 3:
        return rand_float()
    if kind == 4:
        return rand_str()
    if kind == 5:
        return rand_bytes()
    if kind == 6:
        return tuple(rand_value(depth - 1) for _ in range(rng.randint(0, 4)))
    if kind == 7:
        return [rand_value(depth - 1) for _ in range(rng.randint(0, 4))]
    if kind == 8:
        return {rand_hashable(1): rand_value(depth - 1) for _ in range(rng.randint(0, 4))}
    if kind == 9:
        return {rand_hashable(1) for _ in range(rng.randint(0, 4))}
    if kind == 10:
        return frozenset(rand_hashable(1) for _ in range(rng.randint(0, 3)))
    return bytearray(rand_bytes())


class Part:
    def __init__(self, pk):
        self.pk = pk


def objects(protocol):
    """Objects, with the text the pickle says (not what Python would print)."""
    part = Part(12)
    cases = [
        (part, "__main__.Part(pk=12)"),
        ((part, {"model": "StockItem"}), "(__main__.Part(pk=12), {'model': 'StockItem'})"),
        (os.path.join, "posixpath.join"),
        (datetime.date(2026, 12, 3), "datetime.date(b'\\x07\\xea\\x0c\\x03')"),
        (collections.OrderedDict([("a", 1)]), "collections.OrderedDict({'a': 1})"),
    ]
    shared = [1, 2]
    cases.append(((shared, shared), "([1, 2], [1, 2])"))
    loop = []
    loop.append(loop)
    cases.append((loop, "[[...]]"))
    return cases


def main():
    out = []
    for protocol in range(0, 6):
        for _ in range(PER_PROTOCOL):
            value = rand_value(3)
            out.append({
                "protocol": protocol,
                "pickle": base64.b64encode(pickle.dumps(value, protocol=protocol)).decode(),
                "text": repr(value),
            })
        for value, text in objects(protocol):
            out.append({
                "protocol": protocol,
                "pickle": base64.b64encode(pickle.dumps(value, protocol=protocol)).decode(),
                "text": text,
            })
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"python": sys.version.split()[0], "seed": SEED, "cases": out}, f, ensure_ascii=False, indent=0)
        f.write("\n")
    print(f"{len(out)} cases written to {path}")


if __name__ == "__main__":
    main()
