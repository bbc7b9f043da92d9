//! The benchmark's inputs: what InvenTree sends, and the shapes a small
//! hostile payload takes to make a reader copy, convert or print without
//! end, each grown to the 1 MB the reader accepts (or to the size a code
//! review measured).

use base64::Engine as _;

pub enum Input {
    /// Base64 of a pickle, as InvenTree sends it.
    Pickle(String),
    /// Any other JSON value the server sends for the arguments.
    Json(String),
}

impl Input {
    pub fn decoded_len(&self) -> usize {
        match self {
            Input::Pickle(b64) => b64.len() / 4 * 3,
            Input::Json(json) => json.len(),
        }
    }
}

const MB: usize = 1 << 20;

fn pickle(bytes: Vec<u8>) -> Input {
    Input::Pickle(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// `\x80\x04` and a FRAME, as Python writes protocol 4 and 5.
fn head() -> Vec<u8> {
    vec![0x80, 4]
}

fn global(p: &mut Vec<u8>, module: &str, name: &str) {
    p.push(b'c');
    p.extend_from_slice(module.as_bytes());
    p.push(b'\n');
    p.extend_from_slice(name.as_bytes());
    p.push(b'\n');
}

/// `f(*t)` again and again with one memoised tuple of 1000 items: the
/// review's 29.6 KB, 118 KB and then the whole megabyte.
fn reduce_shared_tuple(size: usize) -> Vec<u8> {
    let mut p = head();
    global(&mut p, "m", "f");
    p.push(0x94);
    p.push(b'(');
    p.extend(std::iter::repeat_n(b'N', 1000));
    p.extend_from_slice(&[b't', 0x94, b']', 0x94]);
    while p.len() + 6 < size {
        // list.append(f(*t)): the stack stays flat.
        p.extend_from_slice(&[b'h', 0, b'h', 1, b'R', b'a']);
    }
    p.push(b'.');
    p
}

/// `set(l)` again and again with one memoised list of 1000 items
/// (protocol 2's sets): the old reader copied the list each time.
fn set_of_shared_list(size: usize) -> Vec<u8> {
    let mut p = vec![0x80, 2];
    global(&mut p, "__builtin__", "set");
    p.extend_from_slice(&[b'q', 0, b'(']);
    for i in 0..1000u32 {
        p.push(b'J');
        p.extend_from_slice(&i.to_le_bytes());
    }
    p.extend_from_slice(&[b'l', b'q', 1, b']', b'q', 2]);
    while p.len() + 7 < size {
        p.extend_from_slice(&[b'h', 0, b'h', 1, 0x85, b'R', b'a']);
    }
    p.push(b'.');
    p
}

/// A tuple holding the same memoised list 1000 times, that tuple held
/// 1000 times by the next, 20 levels: 1000^20 leaves in 40 KB.
fn shared_levels() -> Vec<u8> {
    let mut p = head();
    p.extend_from_slice(&[b'(', b'K', 1, b'K', 2, b'K', 3, b'l', b'r']);
    p.extend_from_slice(&0u32.to_le_bytes());
    for level in 1..=20u32 {
        p.push(b'(');
        for _ in 0..1000 {
            p.push(b'j');
            p.extend_from_slice(&(level - 1).to_le_bytes());
        }
        p.push(b't');
        p.push(b'r');
        p.extend_from_slice(&level.to_le_bytes());
    }
    p.push(b'.');
    p
}

/// Lists nested through the memo: each new list holds the previous one.
fn deep_through_memo(size: usize) -> Vec<u8> {
    let mut p = head();
    p.extend_from_slice(b"]r");
    p.extend_from_slice(&0u32.to_le_bytes());
    let mut level = 0u32;
    while p.len() + 16 < size {
        p.push(b']');
        p.push(b'j');
        p.extend_from_slice(&level.to_le_bytes());
        p.push(b'a');
        level += 1;
        p.push(b'r');
        p.extend_from_slice(&level.to_le_bytes());
        p.push(b'0');
    }
    p.push(b'j');
    p.extend_from_slice(&level.to_le_bytes());
    p.push(b'.');
    p
}

/// One value put into the memo over and over.
fn binput_run(size: usize) -> Vec<u8> {
    let mut p = head();
    p.push(b'N');
    while p.len() + 3 < size {
        p.extend_from_slice(&[b'q', 7]);
    }
    p.push(b'.');
    p
}

/// One memo entry fetched over and over (each GET pushes a value).
fn binget_run(size: usize) -> Vec<u8> {
    let mut p = head();
    p.extend_from_slice(&[b'N', b'q', 0, b'(']);
    while p.len() + 3 < size {
        p.extend_from_slice(&[b'h', 0]);
    }
    p.extend_from_slice(b"l.");
    p
}

/// GET and POP over and over: the stack stays small, the work does not.
fn get_pop_run(size: usize) -> Vec<u8> {
    let mut p = head();
    p.extend_from_slice(&[b'N', 0x94]);
    while p.len() + 4 < size {
        p.extend_from_slice(&[b'h', 0, b'0']);
    }
    p.push(b'.');
    p
}

/// One integer filling the megabyte.
fn huge_long4() -> Vec<u8> {
    let n = MB - 16;
    let mut p = head();
    p.push(0x8b);
    p.extend_from_slice(&(n as u32).to_le_bytes());
    p.extend((0..n).map(|i| (i * 7 + 3) as u8 & 0x7f));
    p.push(b'.');
    p
}

/// A list of integers each as long as Python still prints (4299
/// digits): the quadratic conversion, as many times as fits.
fn many_big_ints(bytes_each: usize) -> Vec<u8> {
    let mut p = head();
    p.extend_from_slice(b"](");
    let mut i = 0usize;
    while p.len() + bytes_each + 8 < MB {
        if bytes_each < 256 {
            p.push(0x8a);
            p.push(bytes_each as u8);
        } else {
            p.push(0x8b);
            p.extend_from_slice(&(bytes_each as u32).to_le_bytes());
        }
        p.extend((0..bytes_each).map(|j| ((i * 31 + j * 7) as u8) & 0x7f));
        i += 1;
    }
    p.extend_from_slice(b"e.");
    p
}

/// A protocol 0 LONG line of a megabyte of digits.
fn long_text_line() -> Vec<u8> {
    let mut p = vec![b'L'];
    p.extend((0..MB - 8).map(|i| b'1' + (i % 9) as u8));
    p.extend_from_slice(b"L\n.");
    p
}

/// FRAME opcodes whose lengths do not match the data.
fn lying_frames(size: usize) -> Vec<u8> {
    let mut p = head();
    p.push(0x95);
    p.extend_from_slice(&u64::MAX.to_le_bytes());
    p.extend_from_slice(&[b']', 0x94]);
    while p.len() + 14 < size {
        p.push(0x95);
        p.extend_from_slice(&(1u64 << 40).to_le_bytes());
        p.extend_from_slice(&[b'K', 1, b'a']);
    }
    p.push(b'.');
    p
}

/// One string of a megabyte with quotes, newlines and spaces to split at.
fn one_long_string() -> Vec<u8> {
    let text: Vec<u8> = (0..MB - 16)
        .map(|i| match i % 61 {
            0 => b'\n',
            7 | 19 | 33 => b' ',
            11 => b'\'',
            45 => b'"',
            _ => b'a' + (i % 26) as u8,
        })
        .collect();
    let mut p = head();
    p.push(0x8d);
    p.extend_from_slice(&(text.len() as u64).to_le_bytes());
    p.extend_from_slice(&text);
    p.push(b'.');
    p
}

/// A memoised 64 KB string in a list 90,000 times.
fn repeated_string() -> Vec<u8> {
    let mut p = head();
    p.extend_from_slice(b"](X");
    let n = 64 * 1024u32;
    p.extend_from_slice(&n.to_le_bytes());
    p.extend((0..n).map(|i| if i % 9 == 0 { b' ' } else { b'x' }));
    p.push(0x94);
    for _ in 0..90_000 {
        p.extend_from_slice(&[b'h', 0]);
    }
    p.extend_from_slice(b"e.");
    p
}

/// Each tuple holds the previous one twice: 2^40 leaves.
fn doubling() -> Vec<u8> {
    let mut p = head();
    p.extend_from_slice(&[b']', 0x94]);
    for k in 0..40u8 {
        p.extend_from_slice(&[b'h', k, b'h', k, 0x86, 0x94]);
    }
    p.push(b'.');
    p
}

/// A dict holding itself under 45,000 keys.
fn self_holding_dict() -> Vec<u8> {
    let mut p = head();
    p.extend_from_slice(&[b'}', 0x94, b'(']);
    for i in 0..45_000u32 {
        p.push(b'J');
        p.extend_from_slice(&i.to_le_bytes());
        p.extend_from_slice(&[b'h', 0]);
    }
    p.extend_from_slice(b"u.");
    p
}

/// As many objects (NEWOBJ with a dict state) as the reader keeps.
fn many_objects() -> Vec<u8> {
    let mut p = head();
    global(&mut p, "part.models", "Part");
    p.extend_from_slice(&[0x94, b']', b'(']);
    let mut i = 0u32;
    while p.len() + 24 < MB {
        p.extend_from_slice(&[b'h', 0, b')', 0x81, b'}', 0x8c, 2, b'p', b'k', b'J']);
        p.extend_from_slice(&i.to_le_bytes());
        p.extend_from_slice(b"sb");
        i += 1;
    }
    p.extend_from_slice(b"e.");
    p
}

fn recorded() -> Input {
    Input::Pickle("gAWVJAAAAAAAAAB9lCiMCHRlbXBsYXRllEsHjAVpdGVtc5RdlChLAUsCSwNldS4=".into())
}

/// The largest pickle Python made in the corpus (a Django model instance
/// with its state, file field and the fields' references).
fn largest_corpus_case() -> Input {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/pickle/corpus.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the corpus")).expect("JSON");
    let largest = json["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter_map(|c| c["pickle"].as_str())
        .max_by_key(|p| p.len())
        .expect("a case");
    Input::Pickle(largest.to_string())
}

pub fn all() -> Vec<(&'static str, Input)> {
    vec![
        ("recorded kwargs (InvenTree 1.3)", recorded()),
        (
            "largest corpus pickle (Django model instance)",
            largest_corpus_case(),
        ),
        (
            "memoised tuple REDUCE'd, 29.6 KB",
            pickle(reduce_shared_tuple(29_600)),
        ),
        (
            "memoised tuple REDUCE'd, 118 KB",
            pickle(reduce_shared_tuple(118_000)),
        ),
        (
            "memoised tuple REDUCE'd, 512 KB",
            pickle(reduce_shared_tuple(MB / 2)),
        ),
        (
            "memoised tuple REDUCE'd, 1 MB",
            pickle(reduce_shared_tuple(MB)),
        ),
        (
            "set() of a memoised list, 1 MB (protocol 2)",
            pickle(set_of_shared_list(MB)),
        ),
        ("list shared 1000x, 20 levels", pickle(shared_levels())),
        (
            "lists nested through the memo, 1 MB",
            pickle(deep_through_memo(MB)),
        ),
        ("BINPUT run, 1 MB", pickle(binput_run(MB))),
        ("BINGET run, 1 MB", pickle(binget_run(MB))),
        ("BINGET + POP run, 1 MB", pickle(get_pop_run(MB))),
        ("one LONG4 of 1 MB", pickle(huge_long4())),
        (
            "LONG4s of 1786 bytes (4299 digits), 1 MB",
            pickle(many_big_ints(1786)),
        ),
        ("LONG1s of 255 bytes, 1 MB", pickle(many_big_ints(255))),
        ("protocol 0 LONG of 1 MB digits", pickle(long_text_line())),
        ("FRAME lengths that lie, 1 MB", pickle(lying_frames(MB))),
        ("one string of 1 MB", pickle(one_long_string())),
        ("a 64 KB string 90,000 times", pickle(repeated_string())),
        (
            "tuples doubling through the memo (2^40)",
            pickle(doubling()),
        ),
        (
            "a dict holding itself 45,000 times",
            pickle(self_holding_dict()),
        ),
        ("objects with state, 1 MB", pickle(many_objects())),
        ("JSON number of 1 MB digits", Input::Json("7".repeat(MB))),
        (
            "JSON ISO datetime",
            Input::Json("\"2025-03-15T10:30:00.250000+05:30\"".into()),
        ),
        (
            "JSON arrays 100,000 deep",
            Input::Json(format!("{}{}", "[".repeat(100_000), "]".repeat(100_000))),
        ),
    ]
}
