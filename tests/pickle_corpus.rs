//! The pickle reader against pickles made by Python's own `pickle.dumps`
//! (protocols 0 to 5, `tests/pickle/make_corpus.py`), and fuzzed with
//! random, truncated and corrupted input: no panic, bounded output.
//!
//! Each case's expected text was printed by Python; `how` says by which
//! rule (the script's docstring has them in full):
//! - `repr`: Python's `repr()` of the value, read with [`Reading::text`];
//! - `pformat`: `pprint.pformat(value, width, sort_dicts=False)`, read
//!   with [`Reading::pretty`];
//! - `short`: the Arguments cell's form, [`Reading::short`]: `repr()`
//!   with Django model instances as `<Part pk=12 name='M3 screw'
//!   IPN='SCR-003'>` (class name, `pk=` its id, up to three identifying
//!   fields, each cut at 40 characters);
//! - `named`: what has no address-free repr, as the console names it:
//!   `<function module.qualname>`, objects as `module.Class(attr=...)`,
//!   other reductions as the call they are, picklefield's wrapper as what
//!   it wraps.
//!
//! `calls`: what Python would call to load the pickle beyond the standard
//! types' reconstructors ([`Reading::calls_on_load`]); empty for the rest,
//! so standard values are never marked.

use std::time::{Duration, Instant};

use base64::Engine as _;
use taskdeck_api::pickle::{MAX_TEXT, Reading, read, read_json, rust_shortest, to_python};

struct Case {
    protocol: u64,
    bytes: Vec<u8>,
    text: String,
    how: String,
    width: Option<usize>,
    calls: Vec<String>,
}

fn corpus() -> Vec<Case> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pickle/corpus.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            protocol: c["protocol"].as_u64().unwrap(),
            bytes: base64::engine::general_purpose::STANDARD
                .decode(c["pickle"].as_str().unwrap())
                .unwrap(),
            text: c["text"].as_str().unwrap().to_string(),
            how: c["how"].as_str().unwrap().to_string(),
            width: c["width"].as_u64().map(|w| w as usize),
            calls: c["calls"]
                .as_array()
                .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
                .unwrap_or_default(),
        })
        .collect()
}

fn shown(reading: &Reading, case: &Case) -> String {
    match case.how.as_str() {
        "repr" | "named" => reading.text(),
        "short" => reading.short(MAX_TEXT),
        "pformat" => reading.pretty(case.width.expect("a width")),
        other => panic!("unknown rule {other}"),
    }
}

#[test]
fn every_pickle_python_made_reads_as_python_prints_it() {
    let cases = corpus();
    let mut per_protocol = [0; 6];
    let mut per_rule = std::collections::BTreeMap::new();
    let mut wrong = Vec::new();
    for case in &cases {
        per_protocol[case.protocol as usize] += 1;
        *per_rule.entry(case.how.as_str()).or_insert(0) += 1;
        match read(&case.bytes, rust_shortest) {
            Ok(reading) => {
                let text = shown(&reading, case);
                if text != case.text {
                    wrong.push(format!(
                        "protocol {} ({}):\n  got      {text}\n  expected {}",
                        case.protocol, case.how, case.text
                    ));
                }
                let calls = reading.calls_on_load();
                if calls != case.calls {
                    wrong.push(format!(
                        "protocol {}: {} marked {calls:?}, expected {:?}",
                        case.protocol, case.text, case.calls
                    ));
                }
            }
            Err(e) => wrong.push(format!("protocol {}: {e} for {}", case.protocol, case.text)),
        }
    }
    assert!(per_protocol.iter().all(|n| *n >= 100), "{per_protocol:?}");
    assert!(
        per_rule.values().all(|n| *n >= 30) && per_rule.len() == 4,
        "{per_rule:?}"
    );
    assert!(
        wrong.is_empty(),
        "{} of {} wrong:\n{}",
        wrong.len(),
        cases.len(),
        wrong[..wrong.len().min(60)].join("\n")
    );
}

#[test]
fn the_corpus_covers_every_kind_the_console_reads() {
    let cases = corpus();
    let has = |needle: &str| cases.iter().any(|c| c.text.contains(needle));
    for needle in [
        "datetime.date(2025, 3, 15)",
        "tzinfo=datetime.timezone.utc",
        "tzinfo=datetime.timezone(datetime.timedelta(seconds=19800))",
        "zoneinfo.ZoneInfo(key='America/New_York')",
        "fold=1",
        "datetime.time(",
        "datetime.timedelta(days=2, seconds=30)",
        "Decimal('2.5')",
        "UUID('12345678-1234-5678-1234-567812345678')",
        "\\udc80",
        "(1-2j)",
        "range(0, 10, 3)",
        "slice(1, 5, None)",
        "OrderedDict([",
        "defaultdict(<class 'list'>",
        "Counter({",
        "<HTTPStatus.NOT_FOUND: 404>",
        "ValueError('bad value')",
        "Ellipsis",
        "NotImplemented",
        "<function InvenTree.tasks.heartbeat>",
        "<built-in function len>",
        "<class 'part.models.Part'>",
        "<class 'int'>",
        "<Part pk=12 name='M3 screw' IPN='SCR-003'>",
        "posix.system(",
    ] {
        assert!(has(needle), "no case shows {needle}");
    }
}

/// A tiny deterministic generator, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Every form the console shows, from whatever the input is: bounded
/// and quick.
fn survives(input: &[u8], all_forms: bool) {
    let started = Instant::now();
    if let Ok(reading) = read(input, rust_shortest) {
        assert!(reading.text().chars().count() <= MAX_TEXT + 1);
        if all_forms {
            assert!(reading.short(200).chars().count() <= 201);
            assert!(reading.pretty(60).chars().count() <= MAX_TEXT + 1);
            assert!(reading.calls_on_load().len() <= 10);
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "slow on {input:?}"
    );
}

#[test]
fn truncated_corrupted_and_random_input_never_panics_and_stays_bounded() {
    let cases = corpus();
    for (n, case) in cases.iter().enumerate() {
        for end in 0..case.bytes.len() {
            let cut = &case.bytes[..end];
            survives(cut, (n + end) % 7 == 0);
            assert!(
                to_python(cut).is_err() || end + 1 >= case.bytes.len() || cut.ends_with(b"."),
                "a cut pickle read as whole"
            );
        }
    }
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    for case in cases.iter().cycle().take(20_000) {
        let mut bytes = case.bytes.clone();
        for _ in 0..1 + rng.next() % 4 {
            let at = (rng.next() as usize) % bytes.len();
            bytes[at] = rng.next() as u8;
        }
        survives(&bytes, true);
    }
    for _ in 0..20_000 {
        let len = (rng.next() % 64) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if rng.next().is_multiple_of(2) {
            bytes.insert(0, 0x80);
            bytes.insert(1, (rng.next() % 6) as u8);
        }
        survives(&bytes, true);
    }
}

#[test]
fn json_values_the_server_sends_never_panic() {
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    let seeds = [
        "12",
        "-0",
        "null",
        "true",
        "2.5e-7",
        "123456789012345678901234567890",
        "\"2025-03-15\"",
        "\"2025-03-15T10:30:00.123456+05:30\"",
        "\"23:59:59.999999\"",
        "\"gAWVBQAAAAAAAABLKoWULg==\"",
        "[1, {\"a\": [null, 2.5]}]",
    ];
    let alphabet = b"0123456789-+:.TZe\"[]{},aE ";
    for round in 0..20_000 {
        let mut text = seeds[round % seeds.len()].as_bytes().to_vec();
        for _ in 0..1 + rng.next() % 3 {
            let at = (rng.next() as usize) % (text.len() + 1);
            let c = alphabet[(rng.next() as usize) % alphabet.len()];
            match rng.next() % 3 {
                0 if at < text.len() => text[at] = c,
                1 if at < text.len() => {
                    text.remove(at);
                }
                _ => text.insert(at, c),
            }
        }
        let text = String::from_utf8_lossy(&text);
        if let Ok(reading) = read_json(&text, rust_shortest) {
            assert!(reading.text().chars().count() <= MAX_TEXT + 1, "{text}");
            reading.short(200);
            reading.pretty(60);
        }
    }
}

#[test]
fn hostile_shapes_are_bounded() {
    // Ninety thousand nested lists would overflow a naive recursive reader.
    let mut deep = vec![0x80, 4];
    deep.extend(std::iter::repeat_n(b']', 90_000));
    deep.extend(std::iter::repeat_n(b'a', 89_999));
    deep.push(b'.');
    let started = Instant::now();
    let reading = read(&deep, rust_shortest).unwrap();
    let text = reading.text();
    assert!(text.len() < 1000, "deep nesting is cut: {}", text.len());
    assert!(reading.pretty(80).len() < 20_000);
    assert!(started.elapsed() < Duration::from_secs(2));
    // More values than the reader keeps: refused, not read.
    let mut many = vec![0x80, 4];
    many.extend(std::iter::repeat_n(b']', 150_000));
    many.push(b'.');
    let e = read(&many, rust_shortest).unwrap_err();
    assert!(e.reason.contains("more than"), "{e}");
    // A huge integer is named by its size, not turned into digits.
    let mut huge = vec![0x80, 4, 0x8b];
    huge.extend_from_slice(&(100_000u32).to_le_bytes());
    huge.extend(std::iter::repeat_n(0x7f, 100_000));
    huge.push(b'.');
    assert_eq!(to_python(&huge).unwrap(), "<int of 799999 bits>");
    // Doubling through the memo (each tuple holds the previous one twice):
    // 2^40 leaves; the text stops at its cap, quickly.
    let mut wide = vec![0x80, 4, b']', 0x94];
    for k in 0..40u8 {
        wide.extend_from_slice(&[b'h', k, b'h', k, 0x86, 0x94]);
    }
    wide.push(b'.');
    let started = Instant::now();
    let reading = read(&wide, rust_shortest).unwrap();
    let text = reading.text();
    assert!(text.chars().count() <= MAX_TEXT + 1);
    assert!(text.ends_with('…'));
    assert!(reading.pretty(80).ends_with('…'));
    assert!(reading.short(100).ends_with('…'));
    assert!(started.elapsed() < Duration::from_secs(2));
}
