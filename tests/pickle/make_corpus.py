#!/usr/bin/env python3
"""Writes tests/pickle/corpus.json: pickles made by Python's own
pickle.dumps for protocols 0 to 5, with the text Taskdeck must show for
each. Run once (`python3 tests/pickle/make_corpus.py`); the output is kept
in the repository, so the tests need no Python (nor Django: the objects
Django and django-picklefield pickle are built here in their shapes).

Every expected text comes from Python, never typed in. Each case says
which rule made it (`how`):

- "repr": `repr()` of the value Python loads back from the pickle (for
  the random cases, of the value pickled: the same, in the pickle's order).
- "pformat": `pprint.pformat(value, width=W, sort_dicts=False)`, the
  details' layout (`width` given).
- "short": the short form the console's Arguments cell shows:
  `repr()`, except that a Django model instance reads as
  `<Part pk=12 name='M3 screw' IPN='SCR-003'>` (its class name, `pk=` its
  `id`, then up to three of IDENTIFYING that it has and that are not None,
  each value's repr cut at 40 characters with `…`).
- "named": a value Python's repr cannot show without an address or a
  module the reader does not know, in the form the console uses instead:
  a function as `<function module.qualname>` (builtins keep Python's
  `<built-in function len>`), an object made without `__init__` as
  `module.Class(attr=value, ...)` (its `__dict__`), any other reduction as
  the call it is (`module.func(args)`); django-picklefield's wrapper reads
  as the value it wraps (its `to_python` unwraps it).

`calls` lists what Python would call to load the pickle beyond the
standard types' own reconstructors: the console marks those (shown, never
run).
"""

import base64
import collections
import datetime
import decimal
import enum
import http
import json
import os
import os.path
import pickle
import pprint
import random
import sys
import types
import uuid
import zoneinfo

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


# Modules as InvenTree, Django and django-picklefield have them, made here
# so pickles name them as real ones do (`django.db.models.base
# model_unpickle`), without installing Django.

def module(name):
    parts = name.split(".")
    for i in range(1, len(parts) + 1):
        full = ".".join(parts[:i])
        if full not in sys.modules:
            sys.modules[full] = types.ModuleType(full)
        if i > 1:
            setattr(sys.modules[".".join(parts[:i - 1])], parts[i - 1], sys.modules[full])
    return sys.modules[name]


def place(mod, obj, name=None):
    name = name or obj.__name__
    obj.__module__ = mod.__name__
    obj.__qualname__ = name
    setattr(mod, name, obj)
    return obj


tasks = module("InvenTree.tasks")


def heartbeat():
    """InvenTree.tasks.heartbeat, referred to by name."""


place(tasks, heartbeat)

django_base = module("django.db.models.base")
MODELS = {}


class ModelState:
    def __init__(self):
        self.db = "default"
        self.adding = False
        self.fields_cache = {}


place(django_base, ModelState)


def model_unpickle(model_id):
    """Django's: the model class by (app_label, object_name), not initialised."""
    cls = MODELS[model_id]
    return cls.__new__(cls)


place(django_base, model_unpickle)

django_fields = module("django.db.models.fields")


def _load_field(app_label, model_name, field_name):
    return (app_label, model_name, field_name)


place(django_fields, _load_field)


class Field:
    """A model field; Django's Field.__reduce__ names it by model and name."""

    def __init__(self, app_label, model_name, name):
        self.key = (app_label, model_name, name)

    def __reduce__(self):
        return _load_field, self.key


django_files = module("django.db.models.fields.files")


class ImageFieldFile:
    """Django's FieldFile.__getstate__: name, flags, the instance and field."""

    def __init__(self, instance, field, name):
        self.instance, self.field, self.name = instance, field, name

    def __getstate__(self):
        return {"name": self.name, "closed": False, "_committed": True, "_file": None,
                "instance": self.instance, "field": self.field}


place(django_files, ImageFieldFile)


class Model:
    """Django's Model.__reduce__: model_unpickle((app_label, object_name)) and
    the instance's __dict__ (with a copy of _state) plus the Django version."""

    app_label = ""

    def __reduce__(self):
        data = dict(self.__dict__)
        data["_django_version"] = "5.2.4"
        return model_unpickle, ((self.app_label, type(self).__name__),), data

    def __setstate__(self, state):
        self.__dict__.update(state)


def model_class(app_label, name):
    mod = module(f"{app_label}.models")
    cls = type(name, (Model,), {"app_label": app_label})
    place(mod, cls)
    MODELS[(app_label, name)] = cls
    return cls


Part = model_class("part", "Part")
StockItem = model_class("stock", "StockItem")
StockLocation = model_class("stock", "StockLocation")


def part(pk, name, ipn, description=""):
    p = Part()
    p.__dict__.update({"_state": ModelState(), "id": pk, "name": name, "IPN": ipn,
                       "description": description, "active": True})
    p.image = ImageFieldFile(p, Field("part", "Part", "image"), f"part_images/{pk}.png")
    return p


def stock_item(pk, serial, part_id):
    s = StockItem()
    s.__dict__.update({"_state": ModelState(), "id": pk, "part_id": part_id, "serial": serial,
                       "batch": None, "quantity": decimal.Decimal("1.00000")})
    return s


def location(pk):
    loc = StockLocation()
    loc.__dict__.update({"_state": ModelState(), "id": pk, "parent_id": None, "level": 0})
    return loc


picklefield = module("picklefield.fields")


class _ObjectWrapper:
    """django-picklefield's wrapper for callables and model instances."""
    __slots__ = ("_obj",)

    def __init__(self, obj):
        self._obj = obj


place(picklefield, _ObjectWrapper)


class Color(enum.Enum):
    RED = 1


class TaskError(Exception):
    pass


class Plain:
    """An object made without __init__: NEWOBJ and its __dict__."""

    def __init__(self, **attrs):
        self.__dict__.update(attrs)


class Evil:
    def __reduce__(self):
        return os.system, ("echo never run",)


# The console's forms where Python's repr has an address or needs the class.

IDENTIFYING = ["name", "IPN", "reference", "serial", "batch", "title", "username", "email",
               "slug", "key", "code", "label"]


def cut(text, n=40):
    return text if len(text) <= n else text[:n] + "…"


def short_model(obj):
    state = obj.__dict__
    fields = []
    if "id" in state:
        fields.append(f"pk={cut(repr(state['id']))}")
    named = [f for f in IDENTIFYING if f in state and state[f] is not None][:3]
    fields += [f"{f}={cut(repr(state[f]))}" for f in named]
    return "<" + " ".join([type(obj).__name__] + fields) + ">"


def named_function(f):
    if isinstance(f, types.BuiltinFunctionType) and f.__module__ == "builtins":
        return repr(f)
    return f"<function {f.__module__}.{f.__qualname__}>"


def named_object(obj):
    cls = type(obj)
    attrs = ", ".join(f"{k}={v!r}" for k, v in obj.__dict__.items())
    return f"{cls.__module__}.{cls.__qualname__}({attrs})"


def qualified(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


def cases_of_known_values():
    """(value, how, expected-or-None, calls, protocols); None: repr of the loaded value."""
    utc = datetime.timezone.utc
    india = datetime.timezone(datetime.timedelta(seconds=19800))
    new_york = zoneinfo.ZoneInfo("America/New_York")
    values = [
        datetime.date(2025, 3, 15),
        datetime.date(1, 1, 1),
        datetime.datetime(2025, 3, 15, 10, 30),
        datetime.datetime(2025, 3, 15, 10, 30, 5),
        datetime.datetime(2025, 3, 15, 10, 30, 0, 250000),
        datetime.datetime(2025, 3, 15, 10, 30, tzinfo=utc),
        datetime.datetime(2025, 3, 15, 10, 30, tzinfo=india),
        datetime.datetime(2025, 3, 15, 10, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))),
        datetime.datetime(2025, 3, 15, 10, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=1), "CET")),
        datetime.datetime(2025, 3, 15, 10, 30, tzinfo=new_york),
        datetime.datetime(2025, 11, 2, 1, 30, fold=1, tzinfo=new_york),
        datetime.time(10, 30),
        datetime.time(23, 59, 59, 999999),
        datetime.time(8, 0, tzinfo=utc),
        datetime.timedelta(days=2, seconds=30),
        datetime.timedelta(0),
        datetime.timedelta(microseconds=-1),
        datetime.timedelta(days=-1, seconds=68400),
        utc,
        india,
        new_york,
        decimal.Decimal("2.5"),
        decimal.Decimal("-0.00"),
        decimal.Decimal("1E+2"),
        decimal.Decimal("NaN"),
        decimal.Decimal("Infinity"),
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
        uuid.UUID(int=0),
        uuid.UUID(int=rng.getrandbits(128)),
        uuid.UUID(int=2**128 - 1),
        "\udc80",
        "lone \ud800 surrogate \U0001f389 and \udfff",
        complex(1, -2),
        complex(0, 2),
        complex(-0.0, -1),
        complex(0, 0),
        complex(1.5e16, float("inf")),
        complex(float("nan"), 0.5),
        range(10),
        range(0, 10, 3),
        range(5, -5, -1),
        slice(1, 5, None),
        slice(None),
        slice("a", [1], 2),
        collections.OrderedDict(),
        collections.OrderedDict([("a", 1), ("b", [2, 3])]),
        collections.defaultdict(list, {"a": [1]}),
        collections.defaultdict(None),
        collections.defaultdict(int),
        collections.Counter("abracadabra"),
        collections.Counter(),
        http.HTTPStatus.NOT_FOUND,
        http.HTTPStatus.OK,
        ValueError("bad value"),
        KeyError("k"),
        Exception(),
        ZeroDivisionError("division by zero", 2),
        Ellipsis,
        NotImplemented,
        len,
        int,
        dict,
        ValueError,
        datetime.date,
        collections.OrderedDict,
        decimal.Decimal,
        Part,
        (datetime.date(2025, 3, 15), {"due": datetime.datetime(2025, 3, 15, 9, 0, tzinfo=utc)}),
        {"amount": decimal.Decimal("12.50"), "ids": [uuid.UUID(int=1), uuid.UUID(int=2)]},
        [range(3), slice(2), 1j, Ellipsis, (NotImplemented,)],
    ]
    cases = [(v, "repr", None, [], range(6)) for v in values]
    # Functions: Python's repr has an address.
    for f in [heartbeat, os.path.join, print, len]:
        cases.append((f, "named", named_function(f), [], range(6)))
    cases.append(((heartbeat, 7), "named", f"({named_function(heartbeat)}, 7)", [], range(6)))
    factory = collections.defaultdict(heartbeat, {"x": 1})
    cases.append((factory, "named", repr(factory).replace(repr(heartbeat), named_function(heartbeat)), [],
                   range(6)))
    # Django model instances, alone, in arguments, and wrapped by picklefield.
    screw = part(12, "M3 screw", "SCR-003", "Stainless, DIN 912")
    long_name = part(40, "A part with a name much longer than forty characters", None)
    item = stock_item(7, "SN-0042", 12)
    shelf = location(3)
    for obj in [screw, long_name, item, shelf]:
        cases.append((obj, "short", short_model(obj), [], range(6)))
    cases.append(((screw, 5), "short", f"({short_model(screw)}, 5)", [], range(6)))
    cases.append(({"part": screw, "item": item}, "short",
                  f"{{'part': {short_model(screw)}, 'item': {short_model(item)}}}", [], range(6)))
    cases.append((_ObjectWrapper(screw), "short", short_model(screw), [], range(2, 6)))
    cases.append((_ObjectWrapper(heartbeat), "named", named_function(heartbeat), [], range(2, 6)))
    # Objects and reductions the reader does not know: the call they are.
    cases.append((Plain(pk=12, name="x"), "named", named_object(Plain(pk=12, name="x")), [], range(6)))
    cases.append((Color.RED, "named", f"{qualified(Color)}(1)", [qualified(Color)], range(6)))
    cases.append((TaskError("failed", 3), "named", f"{qualified(TaskError)}('failed', 3)",
                  [qualified(TaskError)], range(6)))
    system = f"{os.system.__module__}.system"
    cases.append((Evil(), "named", f"{system}('echo never run')", [system], range(6)))
    cases.append(([Evil(), 1], "named", f"[{system}('echo never run'), 1]", [system], range(6)))
    shared = [1, 2]
    cases.append(((shared, shared), "repr", None, [], range(6)))
    loop = []
    loop.append(loop)
    cases.append((loop, "repr", None, [], range(6)))
    return cases


def pformat_cases():
    """Nested values laid out by pprint at a few widths."""
    long_text = ("Failed to print labels for 12 parts: the printer 'Zebra ZT410' "
                 "at 10.0.0.7 did not answer within 30 seconds.\nRetry later.")
    values = [
        {"template": 7, "items": list(range(30)), "options": {"copies": 2, "cut": True}},
        [("part", i, f"SCR-{i:03}") for i in range(8)],
        long_text,
        {"message": long_text, "ids": (1, 2, 3)},
        (bytes(range(40)),),
        bytearray(b"abc'def" * 6),
        collections.OrderedDict((f"key{i}", [i] * 5) for i in range(6)),
        collections.defaultdict(list, {f"k{i}": list(range(i * 3)) for i in range(5)}),
        {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n"},
        frozenset(range(40)),
        [datetime.datetime(2025, 3, 15, 10, i, tzinfo=datetime.timezone.utc) for i in range(4)],
        {"nested": {"deeper": {"deepest": ["x" * 30, "y" * 30, {"z": "w" * 50}]}}},
        ("one",),
        collections.Counter("mississippi river banks"),
    ]
    return [(v, width) for v in values for width in (40, 80)]


def case(protocol, value, text, how, calls=(), width=None):
    c = {
        "protocol": protocol,
        "pickle": base64.b64encode(pickle.dumps(value, protocol=protocol)).decode(),
        "text": text,
        "how": how,
    }
    if calls:
        c["calls"] = list(calls)
    if width is not None:
        c["width"] = width
    return c


def main():
    out = []
    for protocol in range(0, 6):
        for _ in range(PER_PROTOCOL):
            value = rand_value(3)
            out.append(case(protocol, value, repr(value), "repr"))
    for value, how, expected, calls, protocols in cases_of_known_values():
        for protocol in protocols:
            data = pickle.dumps(value, protocol=protocol)
            text = expected if expected is not None else repr(pickle.loads(data))
            out.append(case(protocol, value, text, how, calls))
    for value, width in pformat_cases():
        for protocol in (2, 5):
            loaded = pickle.loads(pickle.dumps(value, protocol=protocol))
            text = pprint.pformat(loaded, width=width, sort_dicts=False)
            out.append(case(protocol, value, text, "pformat", width=width))
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"python": sys.version.split()[0], "seed": SEED, "cases": out}, f,
                  ensure_ascii=True, indent=0)
        f.write("\n")
    print(f"{len(out)} cases written to {path}")


if __name__ == "__main__":
    main()
