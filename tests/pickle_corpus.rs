//! The pickle reader against pickles made by Python's own `pickle.dumps`
//! (protocols 0 to 5, `tests/pickle/make_corpus.py`), and fuzzed with
//! random, truncated and corrupted input: no panic, bounded output.

use std::time::{Duration, Instant};

use base64::Engine as _;
use taskdeck_api::pickle::{MAX_TEXT, to_python};

struct Case {
    protocol: u64,
    bytes: Vec<u8>,
    text: String,
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
        })
        .collect()
}

#[test]
fn every_pickle_python_made_reads_as_python_prints_it() {
    let cases = corpus();
    let mut per_protocol = [0; 6];
    let mut wrong = Vec::new();
    for case in &cases {
        per_protocol[case.protocol as usize] += 1;
        match to_python(&case.bytes) {
            Ok(text) if text == case.text => {}
            Ok(text) => wrong.push(format!(
                "protocol {}: {} != {}",
                case.protocol, text, case.text
            )),
            Err(e) => wrong.push(format!("protocol {}: {e} for {}", case.protocol, case.text)),
        }
    }
    assert!(per_protocol.iter().all(|n| *n >= 100), "{per_protocol:?}");
    assert!(
        wrong.is_empty(),
        "{} of {} wrong:\n{}",
        wrong.len(),
        cases.len(),
        wrong[..wrong.len().min(20)].join("\n")
    );
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

fn survives(input: &[u8]) {
    let started = Instant::now();
    if let Ok(text) = to_python(input) {
        assert!(text.len() <= MAX_TEXT + 4, "unbounded text from {input:?}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "slow on {input:?}"
    );
}

#[test]
fn truncated_corrupted_and_random_input_never_panics_and_stays_bounded() {
    let cases = corpus();
    for case in &cases {
        for end in 0..case.bytes.len() {
            let cut = &case.bytes[..end];
            survives(cut);
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
        survives(&bytes);
    }
    for _ in 0..20_000 {
        let len = (rng.next() % 64) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if rng.next().is_multiple_of(2) {
            bytes.insert(0, 0x80);
            bytes.insert(1, (rng.next() % 6) as u8);
        }
        survives(&bytes);
    }
}

#[test]
fn hostile_shapes_are_bounded() {
    // Two hundred thousand nested lists would overflow a naive recursive reader.
    let mut deep = vec![0x80, 4];
    deep.extend(std::iter::repeat_n(b']', 200_000));
    deep.extend(std::iter::repeat_n(b'a', 199_999));
    deep.push(b'.');
    let started = Instant::now();
    let text = to_python(&deep).unwrap();
    assert!(text.len() < 1000, "deep nesting is cut: {}", text.len());
    assert!(started.elapsed() < Duration::from_secs(2));
    // A huge integer is named by its size, not turned into digits.
    let mut huge = vec![0x80, 4, 0x8b];
    huge.extend_from_slice(&(100_000u32).to_le_bytes());
    huge.extend(std::iter::repeat_n(0x7f, 100_000));
    huge.push(b'.');
    assert_eq!(to_python(&huge).unwrap(), "<an integer of 100000 bytes>");
    // Doubling through the memo (each tuple holds the previous one twice):
    // 2^40 leaves; the text stops at its cap, quickly.
    let mut wide = vec![0x80, 4, b']', 0x94];
    for k in 0..40u8 {
        wide.extend_from_slice(&[b'h', k, b'h', k, 0x86, 0x94]);
    }
    wide.push(b'.');
    let started = Instant::now();
    let text = to_python(&wide).unwrap();
    assert!(text.len() <= MAX_TEXT + 4);
    assert!(text.ends_with('…'));
    assert!(started.elapsed() < Duration::from_secs(2));
}
