//! Reads a Python pickle (protocols 0 to 5) as Python-literal text, so
//! InvenTree's failed tasks (arguments pickled and base64-encoded) read
//! like its pending and scheduled ones (arguments as `repr` text).
//!
//! Nothing is evaluated: a reference to a class or function is shown by
//! its dotted name, a call by what it is called with (`part.models.Part(
//! pk=12)`), whatever the pickle says. `serde-pickle` was the first
//! choice, but it can only refuse or drop such objects (its
//! `replace_unresolved_globals` turns them into `None`), and showing them
//! is the point here; so this is a small opcode walker of its own.
//!
//! Bounded: the input size, the size of integers it turns into decimals,
//! the nesting it renders and the length of the text are capped, and
//! every opcode consumes input, so time is linear in the input.

use std::collections::HashSet;
use std::fmt::Write as _;

/// Larger payloads are not read (InvenTree's are a few hundred bytes).
pub const MAX_INPUT: usize = 1 << 20;
/// Longer texts end in `…`.
pub const MAX_TEXT: usize = 64 * 1024;
/// Integers longer than this (in bytes) are shown by their size.
const MAX_INT_BYTES: usize = 2048;
/// Deeper nesting is shown as `...`.
const MAX_DEPTH: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickleError {
    pub reason: String,
    /// Where in the input it stopped.
    pub offset: usize,
}

impl std::fmt::Display for PickleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at byte {})", self.reason, self.offset)
    }
}

type Id = usize;

#[derive(Clone, Debug)]
enum Py {
    None,
    Bool(bool),
    /// Decimal digits, with a sign.
    Int(String),
    Float(f64),
    /// Protocol 0 writes `repr(float)` itself.
    FloatText(String),
    Str(String),
    Bytes(Vec<u8>),
    ByteArray(Vec<u8>),
    Tuple(Vec<Id>),
    List(Vec<Id>),
    Dict(Vec<(Id, Id)>),
    Set(Vec<Id>),
    FrozenSet(Vec<Id>),
    /// `module.name`.
    Global(String),
    /// `func(*args, **kwargs)`, then `state` set on it.
    Call {
        func: Id,
        args: Vec<Id>,
        kwargs: Vec<(Id, Id)>,
        state: Option<Id>,
        /// Appended to the new object (`__reduce__`'s list items).
        appended: Vec<Id>,
        /// Set on the new object (`__reduce__`'s dict items).
        items: Vec<(Id, Id)>,
    },
}

enum Slot {
    Value(Id),
    Mark,
}

/// The shortest decimal that reads back as the same float, in any usual
/// notation (`0.000015`, `1.5e-5`, `1e+21`). Rust's float formatting is
/// large in WASM, so the browser passes its own (JavaScript's `String(x)`).
pub type ShortestFloat = fn(f64) -> String;

/// Rust's: `1.5e-5`.
pub fn rust_shortest(f: f64) -> String {
    format!("{f:e}")
}

struct Machine<'a> {
    shortest: ShortestFloat,
    input: &'a [u8],
    at: usize,
    arena: Vec<Py>,
    stack: Vec<Slot>,
    memo: std::collections::HashMap<u64, Id>,
}

/// Reads the base64 text InvenTree sends (`gAUpLg==`) as Python text (`()`).
pub fn base64_to_python(text: &str) -> Result<String, PickleError> {
    base64_to_python_with(text, rust_shortest)
}

pub fn base64_to_python_with(text: &str, shortest: ShortestFloat) -> Result<String, PickleError> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| PickleError {
            reason: format!("not base64: {e}"),
            offset: 0,
        })?;
    to_python_with(&bytes, shortest)
}

/// Reads a pickle as Python-literal text.
pub fn to_python(input: &[u8]) -> Result<String, PickleError> {
    to_python_with(input, rust_shortest)
}

pub fn to_python_with(input: &[u8], shortest: ShortestFloat) -> Result<String, PickleError> {
    if input.len() > MAX_INPUT {
        return Err(PickleError {
            reason: format!("{} bytes is more than this reads", input.len()),
            offset: 0,
        });
    }
    let mut m = Machine {
        shortest,
        input,
        at: 0,
        arena: Vec::new(),
        stack: Vec::new(),
        memo: Default::default(),
    };
    let root = m.run()?;
    let mut out = String::new();
    let mut open = HashSet::new();
    m.render(root, 0, &mut open, &mut out);
    if out.len() > MAX_TEXT {
        let mut cut = MAX_TEXT;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    Ok(out)
}

impl Machine<'_> {
    fn fail<T>(&self, reason: impl Into<String>) -> Result<T, PickleError> {
        Err(self.error(reason))
    }

    fn take(&mut self, n: usize) -> Result<&[u8], PickleError> {
        if self.input.len() - self.at < n {
            return self.fail("the pickle ends too early (truncated)");
        }
        let bytes = &self.input[self.at..self.at + n];
        self.at += n;
        Ok(bytes)
    }

    fn byte(&mut self) -> Result<u8, PickleError> {
        Ok(self.take(1)?[0])
    }

    fn le(&mut self, n: usize) -> Result<u64, PickleError> {
        let bytes = self.take(n)?;
        Ok(bytes
            .iter()
            .rev()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    /// A length that must fit in what is left of the input.
    fn length(&mut self, n: usize) -> Result<usize, PickleError> {
        let len = self.le(n)?;
        if len > (self.input.len() - self.at) as u64 {
            return self.fail("the pickle ends too early (truncated)");
        }
        Ok(len as usize)
    }

    fn raw_line(&mut self) -> Result<&[u8], PickleError> {
        let rest = &self.input[self.at..];
        let Some(end) = rest.iter().position(|b| *b == b'\n') else {
            return self.fail("the pickle ends too early (truncated)");
        };
        self.at += end + 1;
        Ok(&rest[..end])
    }

    fn line(&mut self) -> Result<&str, PickleError> {
        let at = self.at;
        let line = self.raw_line()?;
        std::str::from_utf8(line).map_err(|_| PickleError {
            reason: "a text line is not UTF-8".into(),
            offset: at,
        })
    }

    fn store(&mut self, value: Py) -> Id {
        self.arena.push(value);
        self.arena.len() - 1
    }

    fn push(&mut self, value: Py) {
        let id = self.store(value);
        self.stack.push(Slot::Value(id));
    }

    fn pop(&mut self) -> Result<Id, PickleError> {
        match self.stack.pop() {
            Some(Slot::Value(id)) => Ok(id),
            Some(Slot::Mark) => self.fail("a mark where a value was expected"),
            None => self.fail("the stack is empty"),
        }
    }

    fn top(&self) -> Result<Id, PickleError> {
        match self.stack.last() {
            Some(Slot::Value(id)) => Ok(*id),
            _ => self.fail("no value on the stack"),
        }
    }

    /// The values above the topmost mark, and the mark removed.
    fn pop_mark(&mut self) -> Result<Vec<Id>, PickleError> {
        let Some(mark) = self.stack.iter().rposition(|s| matches!(s, Slot::Mark)) else {
            return self.fail("no mark on the stack");
        };
        let items = self
            .stack
            .split_off(mark + 1)
            .into_iter()
            .map(|s| match s {
                Slot::Value(id) => id,
                Slot::Mark => unreachable!("the topmost mark was found"),
            })
            .collect();
        self.stack.pop();
        Ok(items)
    }

    fn pairs(&self, items: Vec<Id>) -> Result<Vec<(Id, Id)>, PickleError> {
        if !items.len().is_multiple_of(2) {
            return self.fail("a key without a value");
        }
        Ok(items.chunks(2).map(|p| (p[0], p[1])).collect())
    }

    fn int_from_le(&mut self, bytes: &[u8]) -> Py {
        if bytes.len() > MAX_INT_BYTES {
            return Py::Global(format!("<an integer of {} bytes>", bytes.len()));
        }
        Py::Int(signed_le_to_decimal(bytes))
    }

    fn memo_put(&mut self, key: u64) -> Result<(), PickleError> {
        let id = self.top()?;
        self.memo.insert(key, id);
        Ok(())
    }

    fn memo_get(&mut self, key: u64) -> Result<(), PickleError> {
        match self.memo.get(&key) {
            Some(id) => {
                self.stack.push(Slot::Value(*id));
                Ok(())
            }
            None => self.fail(format!("memo entry {key} was never stored")),
        }
    }

    fn append(&mut self, target: Id, items: Vec<Id>) -> Result<(), PickleError> {
        match &mut self.arena[target] {
            Py::List(list) => list.extend(items),
            Py::Set(set) => set.extend(items),
            Py::Call { appended, .. } => appended.extend(items),
            _ => return self.fail("appending to something that is not a list"),
        }
        Ok(())
    }

    fn set_items(&mut self, target: Id, items: Vec<(Id, Id)>) -> Result<(), PickleError> {
        match &mut self.arena[target] {
            Py::Dict(dict) => dict.extend(items),
            Py::Call { items: set, .. } => set.extend(items),
            _ => return self.fail("setting items on something that is not a dict"),
        }
        Ok(())
    }

    fn call(&mut self, func: Id, args: Vec<Id>, kwargs: Vec<(Id, Id)>) {
        self.push(Py::Call {
            func,
            args,
            kwargs,
            state: None,
            appended: Vec::new(),
            items: Vec::new(),
        });
    }

    fn tuple_items(&self, id: Id) -> Result<Vec<Id>, PickleError> {
        match &self.arena[id] {
            Py::Tuple(items) => Ok(items.clone()),
            _ => self.fail("call arguments are not a tuple"),
        }
    }

    fn run(&mut self) -> Result<Id, PickleError> {
        loop {
            let op = self.byte()?;
            match op {
                b'.' => return self.pop(),
                0x80 => {
                    let protocol = self.byte()?;
                    if protocol > 5 {
                        return self.fail(format!("pickle protocol {protocol} is newer than 5"));
                    }
                }
                0x95 => {
                    self.take(8)?;
                }
                b'(' => self.stack.push(Slot::Mark),
                b'0' => {
                    self.stack.pop();
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let top = self.top()?;
                    self.stack.push(Slot::Value(top));
                }
                b'N' => self.push(Py::None),
                0x88 => self.push(Py::Bool(true)),
                0x89 => self.push(Py::Bool(false)),
                b'I' => {
                    let value = match self.line()? {
                        "01" => Py::Bool(true),
                        "00" => Py::Bool(false),
                        text => Py::Int(decimal(text).ok_or_else(|| self.error("a bad INT"))?),
                    };
                    self.push(value);
                }
                b'L' => {
                    let text = self.line()?.trim_end_matches('L').to_string();
                    let digits = decimal(&text).ok_or_else(|| self.error("a bad LONG"))?;
                    self.push(Py::Int(digits));
                }
                b'J' => {
                    let v = self.le(4)? as u32 as i32;
                    self.push(Py::Int(v.to_string()));
                }
                b'K' => {
                    let v = self.byte()?;
                    self.push(Py::Int(v.to_string()));
                }
                b'M' => {
                    let v = self.le(2)?;
                    self.push(Py::Int(v.to_string()));
                }
                0x8a | 0x8b => {
                    let n = if op == 0x8a {
                        self.length(1)?
                    } else {
                        self.length(4)?
                    };
                    let bytes = self.take(n)?.to_vec();
                    let value = self.int_from_le(&bytes);
                    self.push(value);
                }
                b'F' => {
                    let text = self.line()?.trim().to_string();
                    if !is_float_text(&text) {
                        return self.fail("a bad FLOAT");
                    }
                    self.push(Py::FloatText(text));
                }
                b'G' => {
                    let bytes: [u8; 8] = self.take(8)?.try_into().expect("eight bytes");
                    self.push(Py::Float(f64::from_be_bytes(bytes)));
                }
                b'S' => {
                    let text = self.line()?.to_string();
                    let bytes = unquote_string(&text).ok_or_else(|| self.error("a bad STRING"))?;
                    // Python 2 `str`: shown as text when it is UTF-8.
                    self.push(match String::from_utf8(bytes) {
                        Ok(s) => Py::Str(s),
                        Err(e) => Py::Bytes(e.into_bytes()),
                    });
                }
                b'T' | b'U' => {
                    let n = if op == b'T' {
                        self.length(4)?
                    } else {
                        self.length(1)?
                    };
                    let bytes = self.take(n)?.to_vec();
                    self.push(match String::from_utf8(bytes) {
                        Ok(s) => Py::Str(s),
                        Err(e) => Py::Bytes(e.into_bytes()),
                    });
                }
                b'V' => {
                    // raw-unicode-escape: characters below U+0100 as single
                    // bytes (Latin-1), the others as `\uXXXX`.
                    let line = self.raw_line()?;
                    let latin1: String = line.iter().map(|b| char::from(*b)).collect();
                    self.push(Py::Str(raw_unicode_unescape(&latin1)));
                }
                b'X' | 0x8c | 0x8d => {
                    let n = match op {
                        b'X' => self.length(4)?,
                        0x8c => self.length(1)?,
                        _ => self.length(8)?,
                    };
                    let bytes = self.take(n)?;
                    // Lone surrogates (`surrogatepass`) are not UTF-8: kept visible.
                    let text = String::from_utf8_lossy(bytes).into_owned();
                    self.push(Py::Str(text));
                }
                b'B' | b'C' | 0x8e | 0x96 => {
                    let n = match op {
                        b'B' => self.length(4)?,
                        b'C' => self.length(1)?,
                        _ => self.length(8)?,
                    };
                    let bytes = self.take(n)?.to_vec();
                    self.push(if op == 0x96 {
                        Py::ByteArray(bytes)
                    } else {
                        Py::Bytes(bytes)
                    });
                }
                b')' => self.push(Py::Tuple(Vec::new())),
                b']' => self.push(Py::List(Vec::new())),
                b'}' => self.push(Py::Dict(Vec::new())),
                0x8f => self.push(Py::Set(Vec::new())),
                b't' => {
                    let items = self.pop_mark()?;
                    self.push(Py::Tuple(items));
                }
                0x85..=0x87 => {
                    let n = usize::from(op - 0x84);
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(self.pop()?);
                    }
                    items.reverse();
                    self.push(Py::Tuple(items));
                }
                b'l' => {
                    let items = self.pop_mark()?;
                    self.push(Py::List(items));
                }
                b'd' => {
                    let items = self.pop_mark()?;
                    let pairs = self.pairs(items)?;
                    self.push(Py::Dict(pairs));
                }
                0x91 => {
                    let items = self.pop_mark()?;
                    self.push(Py::FrozenSet(items));
                }
                b'a' => {
                    let item = self.pop()?;
                    let list = self.top()?;
                    self.append(list, vec![item])?;
                }
                b'e' | 0x90 => {
                    let items = self.pop_mark()?;
                    let target = self.top()?;
                    self.append(target, items)?;
                }
                b's' => {
                    let value = self.pop()?;
                    let key = self.pop()?;
                    let dict = self.top()?;
                    self.set_items(dict, vec![(key, value)])?;
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    let pairs = self.pairs(items)?;
                    let dict = self.top()?;
                    self.set_items(dict, pairs)?;
                }
                b'p' => {
                    let key = self
                        .line()?
                        .trim()
                        .parse()
                        .or_else(|_| self.fail("a bad PUT"))?;
                    self.memo_put(key)?;
                }
                b'q' => {
                    let key = self.le(1)?;
                    self.memo_put(key)?;
                }
                b'r' => {
                    let key = self.le(4)?;
                    self.memo_put(key)?;
                }
                0x94 => {
                    let key = self.memo.len() as u64;
                    self.memo_put(key)?;
                }
                b'g' => {
                    let key = self
                        .line()?
                        .trim()
                        .parse()
                        .or_else(|_| self.fail("a bad GET"))?;
                    self.memo_get(key)?;
                }
                b'h' => {
                    let key = self.le(1)?;
                    self.memo_get(key)?;
                }
                b'j' => {
                    let key = self.le(4)?;
                    self.memo_get(key)?;
                }
                b'c' => {
                    let module = self.line()?.to_string();
                    let name = self.line()?.to_string();
                    self.push(Py::Global(format!("{module}.{name}")));
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    match (&self.arena[module], &self.arena[name]) {
                        (Py::Str(m), Py::Str(n)) => {
                            let global = format!("{m}.{n}");
                            self.push(Py::Global(global));
                        }
                        _ => return self.fail("STACK_GLOBAL needs two strings"),
                    }
                }
                b'i' => {
                    let module = self.line()?.to_string();
                    let name = self.line()?.to_string();
                    let args = self.pop_mark()?;
                    let func = self.store(Py::Global(format!("{module}.{name}")));
                    self.call(func, args, Vec::new());
                }
                b'o' => {
                    let mut items = self.pop_mark()?;
                    if items.is_empty() {
                        return self.fail("OBJ without a class");
                    }
                    let func = items.remove(0);
                    self.call(func, items, Vec::new());
                }
                b'R' => {
                    let args = self.pop()?;
                    let func = self.pop()?;
                    let args = self.tuple_items(args)?;
                    self.reduce(func, args);
                }
                0x81 => {
                    let args = self.pop()?;
                    let cls = self.pop()?;
                    let args = self.tuple_items(args)?;
                    self.call(cls, args, Vec::new());
                }
                0x92 => {
                    let kwargs = self.pop()?;
                    let args = self.pop()?;
                    let cls = self.pop()?;
                    let args = self.tuple_items(args)?;
                    let kwargs = match &self.arena[kwargs] {
                        Py::Dict(pairs) => pairs.clone(),
                        _ => return self.fail("NEWOBJ_EX keyword arguments are not a dict"),
                    };
                    self.call(cls, args, kwargs);
                }
                b'b' => {
                    let state = self.pop()?;
                    let obj = self.top()?;
                    match &mut self.arena[obj] {
                        Py::Call { state: slot, .. } if slot.is_none() => *slot = Some(state),
                        _ => {
                            // State set on something that is not a fresh object:
                            // shown as such.
                            let func = self.store(Py::Global("setstate".into()));
                            let obj = self.pop()?;
                            self.call(func, vec![obj, state], Vec::new());
                        }
                    }
                }
                b'P' | b'Q' => {
                    return self.fail("a persistent id (not readable without its loader)");
                }
                0x82..=0x84 => return self.fail("an extension-registry reference"),
                0x97 | 0x98 => return self.fail("an out-of-band buffer"),
                other => return self.fail(format!("unknown opcode 0x{other:02x}")),
            }
        }
    }

    fn error(&self, reason: impl Into<String>) -> PickleError {
        PickleError {
            reason: reason.into(),
            offset: self.at,
        }
    }

    /// `copyreg._reconstructor(cls, object, None)` (`copy_reg` in the
    /// Python 2 names protocols 0 and 1 use) is how they write
    /// `object.__new__(cls)`: shown as `cls()`.
    fn reduce(&mut self, func: Id, args: Vec<Id>) {
        let reconstructs = matches!(&self.arena[func], Py::Global(g) if g == "copyreg._reconstructor" || g == "copy_reg._reconstructor")
            && args.len() == 3
            && matches!(&self.arena[args[1]], Py::Global(g) if g == "builtins.object" || g == "__builtin__.object")
            && matches!(self.arena[args[2]], Py::None);
        if reconstructs {
            return self.call(args[0], Vec::new(), Vec::new());
        }
        if let Some(value) = self.builtin(func, &args) {
            return self.push(value);
        }
        self.call(func, args, Vec::new());
    }

    /// How protocols before 3 (or 5) write built-in types: `bytes` as
    /// `_codecs.encode(text, 'latin1')`, sets and bytearrays as calls of
    /// their type. Read back as the values they are.
    fn builtin(&self, func: Id, args: &[Id]) -> Option<Py> {
        let Py::Global(name) = &self.arena[func] else {
            return None;
        };
        let name = name
            .strip_prefix("builtins.")
            .or_else(|| name.strip_prefix("__builtin__."))
            .unwrap_or(name);
        let items = |id: Id| match &self.arena[id] {
            Py::List(items) | Py::Tuple(items) => Some(items.clone()),
            _ => None,
        };
        let latin1 = |id: Id| match &self.arena[id] {
            Py::Str(s) => s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect(),
            Py::Bytes(b) => Some(b.clone()),
            _ => None,
        };
        match (name, args) {
            ("_codecs.encode", [text, encoding]) if matches!(&self.arena[*encoding], Py::Str(e) if e == "latin1" || e == "latin-1") => {
                latin1(*text).map(Py::Bytes)
            }
            ("bytes", []) => Some(Py::Bytes(Vec::new())),
            ("set", []) => Some(Py::Set(Vec::new())),
            ("set", [list]) => items(*list).map(Py::Set),
            ("frozenset", []) => Some(Py::FrozenSet(Vec::new())),
            ("frozenset", [list]) => items(*list).map(Py::FrozenSet),
            ("bytearray", []) => Some(Py::ByteArray(Vec::new())),
            ("bytearray", [bytes]) => latin1(*bytes).map(Py::ByteArray),
            ("bytearray", [text, encoding]) if matches!(&self.arena[*encoding], Py::Str(e) if e == "latin-1" || e == "latin1") => {
                latin1(*text).map(Py::ByteArray)
            }
            _ => None,
        }
    }

    fn render(&self, id: Id, depth: usize, open: &mut HashSet<Id>, out: &mut String) {
        if out.len() > MAX_TEXT {
            return;
        }
        if depth > MAX_DEPTH || open.contains(&id) {
            // As Python shows a container inside itself.
            out.push_str(match self.arena[id] {
                Py::List(_) => "[...]",
                Py::Dict(_) | Py::Set(_) => "{...}",
                _ => "...",
            });
            return;
        }
        let container = matches!(
            self.arena[id],
            Py::List(_)
                | Py::Dict(_)
                | Py::Set(_)
                | Py::Tuple(_)
                | Py::FrozenSet(_)
                | Py::Call { .. }
        );
        if container {
            open.insert(id);
        }
        let seq = |this: &Self, items: &[Id], open: &mut HashSet<Id>, out: &mut String| {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                this.render(*item, depth + 1, open, out);
            }
        };
        let pairs = |this: &Self, pairs: &[(Id, Id)], open: &mut HashSet<Id>, out: &mut String| {
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                this.render(*k, depth + 1, open, out);
                out.push_str(": ");
                this.render(*v, depth + 1, open, out);
            }
        };
        match &self.arena[id] {
            Py::None => out.push_str("None"),
            Py::Bool(true) => out.push_str("True"),
            Py::Bool(false) => out.push_str("False"),
            Py::Int(digits) => out.push_str(digits),
            Py::Float(f) => out.push_str(&float_repr(*f, self.shortest)),
            Py::FloatText(text) => out.push_str(text),
            Py::Str(s) => out.push_str(&str_repr(s)),
            Py::Bytes(b) => out.push_str(&bytes_repr(b)),
            Py::ByteArray(b) => {
                // CPython escapes `'` in a bytearray's repr even between
                // double quotes.
                let text = bytes_repr(b);
                let text = if text.starts_with("b\"") {
                    format!("b\"{}\"", text[2..text.len() - 1].replace('\'', "\\'"))
                } else {
                    text
                };
                let _ = write!(out, "bytearray({text})");
            }
            Py::Global(name) => out.push_str(name),
            Py::Tuple(items) => {
                out.push('(');
                seq(self, items, open, out);
                if items.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Py::List(items) => {
                out.push('[');
                seq(self, items, open, out);
                out.push(']');
            }
            Py::Dict(items) => {
                out.push('{');
                pairs(self, items, open, out);
                out.push('}');
            }
            Py::Set(items) if items.is_empty() => out.push_str("set()"),
            Py::Set(items) => {
                out.push('{');
                seq(self, items, open, out);
                out.push('}');
            }
            Py::FrozenSet(items) if items.is_empty() => out.push_str("frozenset()"),
            Py::FrozenSet(items) => {
                out.push_str("frozenset({");
                seq(self, items, open, out);
                out.push_str("})");
            }
            Py::Call {
                func,
                args,
                kwargs,
                state,
                appended,
                items,
            } => {
                self.render(*func, depth + 1, open, out);
                out.push('(');
                seq(self, args, open, out);
                let mut named = kwargs.clone();
                let mut other_state = None;
                if let Some(state) = state {
                    match &self.arena[*state] {
                        Py::Dict(items) => named.extend(items.iter().copied()),
                        _ => other_state = Some(*state),
                    }
                }
                if !named.is_empty() {
                    if !args.is_empty() {
                        out.push_str(", ");
                    }
                    let keywords = named
                        .iter()
                        .all(|(k, _)| matches!(&self.arena[*k], Py::Str(n) if is_identifier(n)));
                    if keywords {
                        for (i, (k, v)) in named.iter().enumerate() {
                            if i > 0 {
                                out.push_str(", ");
                            }
                            if let Py::Str(name) = &self.arena[*k] {
                                out.push_str(name);
                            }
                            out.push('=');
                            self.render(*v, depth + 1, open, out);
                        }
                    } else {
                        out.push_str("**{");
                        pairs(self, &named, open, out);
                        out.push('}');
                    }
                }
                let mut first = args.is_empty() && named.is_empty();
                let mut comma = |out: &mut String| {
                    if !first {
                        out.push_str(", ");
                    }
                    first = false;
                };
                if let Some(state) = other_state {
                    comma(out);
                    out.push_str("__setstate__=");
                    self.render(state, depth + 1, open, out);
                }
                if !appended.is_empty() {
                    comma(out);
                    out.push('[');
                    seq(self, appended, open, out);
                    out.push(']');
                }
                if !items.is_empty() {
                    comma(out);
                    out.push('{');
                    pairs(self, items, open, out);
                    out.push('}');
                }
                out.push(')');
            }
        }
        if container {
            open.remove(&id);
        }
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    // ASCII names only; others are shown in a `**{…}` dict.
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// A decimal integer line, normalised (`+5` → `5`, `-0` → `0`).
fn decimal(text: &str) -> Option<String> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = digits.trim_start_matches('0');
    Some(match (digits.is_empty(), negative) {
        (true, _) => "0".to_string(),
        (false, true) => format!("-{digits}"),
        (false, false) => digits.to_string(),
    })
}

/// Two's-complement little-endian bytes as a decimal number.
fn signed_le_to_decimal(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "0".into();
    }
    let negative = bytes[bytes.len() - 1] & 0x80 != 0;
    // Magnitude, big-endian.
    let mut magnitude: Vec<u8> = bytes.iter().rev().copied().collect();
    if negative {
        // Two's complement: invert and add one.
        for b in magnitude.iter_mut() {
            *b = !*b;
        }
        for b in magnitude.iter_mut().rev() {
            let (sum, carry) = b.overflowing_add(1);
            *b = sum;
            if !carry {
                break;
            }
        }
    }
    // Repeated division by 10^9 of the big-endian magnitude.
    let mut limbs: Vec<u32> = Vec::new();
    let mut number = magnitude;
    while number.iter().any(|b| *b != 0) {
        let mut remainder: u64 = 0;
        for b in number.iter_mut() {
            let current = (remainder << 8) | u64::from(*b);
            *b = (current / 1_000_000_000) as u8;
            remainder = current % 1_000_000_000;
        }
        limbs.push(remainder as u32);
        let zeros = number.iter().take_while(|b| **b == 0).count();
        number.drain(..zeros);
    }
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    match limbs.split_last() {
        None => return "0".into(),
        Some((last, rest)) => {
            let _ = write!(out, "{last}");
            for limb in rest.iter().rev() {
                let _ = write!(out, "{limb:09}");
            }
        }
    }
    out
}

/// A float as Python writes one: digits, one point, an exponent, or
/// `inf`/`nan`.
fn is_float_text(text: &str) -> bool {
    let body = text.strip_prefix('-').unwrap_or(text);
    matches!(body, "inf" | "nan")
        || (!body.is_empty()
            && body
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_digit() || b == b'.')
            && body
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-')))
}

/// Python's `repr(float)`: the shortest digits that round-trip, in
/// scientific notation below 1e-4 and from 1e16 on.
pub fn float_repr(f: f64, shortest: ShortestFloat) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let Some((sign, digits, exponent)) = scientific(&shortest(f)) else {
        return rust_free_fallback(f);
    };
    if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        let text = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point as usize >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            format!(
                "{}.{}",
                &digits[..point as usize],
                &digits[point as usize..]
            )
        };
        format!("{sign}{text}")
    } else {
        let mantissa = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exponent.abs())
    }
}

/// Sign, significant digits and the exponent of the first digit, from a
/// decimal in any usual notation: `-0.000015` → (`-`, `15`, -5).
fn scientific(text: &str) -> Option<(&'static str, String, i32)> {
    let text = text.trim();
    let (sign, rest) = match text.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", text),
    };
    let (mantissa, exponent) = match rest.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.trim_start_matches('+').parse::<i32>().ok()?),
        None => (rest, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if !(whole.bytes().all(|b| b.is_ascii_digit()) && fraction.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let all = format!("{whole}{fraction}");
    let leading = all.bytes().take_while(|b| *b == b'0').count();
    let digits = all[leading..].trim_end_matches('0').to_string();
    if digits.is_empty() {
        return None;
    }
    let first = whole.len() as i32 - leading as i32 - 1 + exponent;
    Some((sign, digits, first))
}

/// Only for a formatter that answered nonsense.
fn rust_free_fallback(f: f64) -> String {
    if f < 0.0 { "-?".into() } else { "?".into() }
}

/// Python's `repr(str)`.
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c if (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push(quote);
    out
}

/// Close to Python's `str.isprintable`: not a control, separator (other
/// than the space) or unassigned/private character.
fn is_printable(c: char) -> bool {
    let u = c as u32;
    if c == ' ' {
        return true;
    }
    if u < 0x20 || (0x7f..0xa1).contains(&u) || u == 0xad {
        return false;
    }
    // Separators other than the space (Zs, Zl, Zp).
    if matches!(
        u,
        0x1680 | 0x2000..=0x200a | 0x2028 | 0x2029 | 0x202f | 0x205f | 0x3000
    ) {
        return false;
    }
    // Format characters, surrogates, private use, specials and noncharacters.
    !matches!(u,
        0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e | 0x200b..=0x200f | 0x202a..=0x202e
        | 0x2060..=0x206f | 0xd800..=0xf8ff | 0xfeff | 0xfff0..=0xfffb | 0xfffe | 0xffff
        | 0xe0000..=0xe0fff | 0xf0000..=0x10ffff)
        && (u & 0xfffe) != 0xfffe
}

/// Python's `repr(bytes)`.
pub fn bytes_repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = String::with_capacity(b.len() + 3);
    out.push('b');
    out.push(quote as char);
    for &byte in b {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            q if q == quote => {
                out.push('\\');
                out.push(q as char);
            }
            0x20..=0x7e => out.push(byte as char),
            _ => {
                let _ = write!(out, "\\x{byte:02x}");
            }
        }
    }
    out.push(quote as char);
    out
}

/// Protocol 0 `STRING`: a quoted Python 2 literal with escapes.
fn unquote_string(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end();
    let quote = text.chars().next()?;
    if !(quote == '\'' || quote == '"') || text.len() < 2 || !text.ends_with(quote) {
        return None;
    }
    let inner = &text.as_bytes()[1..text.len() - 1];
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        let b = inner[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let next = *inner.get(i + 1)?;
        i += 2;
        match next {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'\\' | b'\'' | b'"' => out.push(next),
            b'x' => {
                let hex = std::str::from_utf8(inner.get(i..i + 2)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b'0'..=b'7' => {
                let mut value = u32::from(next - b'0');
                for _ in 0..2 {
                    match inner.get(i) {
                        Some(d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(value as u8);
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

/// Protocol 0 `UNICODE`: raw-unicode-escape (`\uXXXX`, `\UXXXXXXXX`).
fn raw_unicode_unescape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && matches!(chars.peek(), Some('u' | 'U')) {
            let width = if chars.next() == Some('u') { 4 } else { 8 };
            let hex: String = chars.clone().take(width).collect();
            match (hex.len() == width)
                .then(|| u32::from_str_radix(&hex, 16).ok())
                .flatten()
                .and_then(char::from_u32)
            {
                Some(decoded) => {
                    out.push(decoded);
                    for _ in 0..width {
                        chars.next();
                    }
                }
                None => {
                    out.push('\\');
                    out.push(if width == 4 { 'u' } else { 'U' });
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recorded_inventree_arguments_read_as_python() {
        for (b64, text) in [
            ("gAUpLg==", "()"),
            ("gAV9lC4=", "{}"),
            ("gAWVCAAAAAAAAABK/////4WULg==", "(-1,)"),
            (
                "gAWVEwAAAAAAAAB9lIwHcGFydF9pZJRKP0IPAHMu",
                "{'part_id': 999999}",
            ),
            (
                "gAWVJAAAAAAAAAB9lCiMCHRlbXBsYXRllEsHjAVpdGVtc5RdlChLAUsCSwNldS4=",
                "{'template': 7, 'items': [1, 2, 3]}",
            ),
            // Cut short: the same payload without its end.
            (
                "gAWVJAAAAAAAAAB9lCiMCHRlbXBsYXRllEsHjAVpdGVtc5RdlChLAUsCSwNl",
                "",
            ),
            ("gAWVEAAAAAAAAAB9lIwIdmFsaWRhdGWUiHMu", "{'validate': True}"),
        ] {
            if text.is_empty() {
                // Cut short where the recording's value was shown cut short.
                let e = base64_to_python(b64).unwrap_err();
                assert!(e.reason.contains("truncated"), "{b64}: {e}");
            } else {
                assert_eq!(base64_to_python(b64).unwrap(), text, "{b64}");
            }
        }
    }

    #[test]
    fn integers_of_any_size_and_floats_read_as_python_writes_them() {
        assert_eq!(signed_le_to_decimal(&[0xff]), "-1");
        assert_eq!(signed_le_to_decimal(&[0x00, 0x01]), "256");
        assert_eq!(
            signed_le_to_decimal(&[0, 0, 0, 0, 0, 0, 0, 0, 1]),
            "18446744073709551616"
        );
        assert_eq!(
            signed_le_to_decimal(&[0, 0, 0, 0, 0, 0, 0, 0x80]),
            "-9223372036854775808"
        );
        for (f, text) in [
            (0.1, "0.1"),
            (1.0, "1.0"),
            (1e16, "1e+16"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (123456789.125, "123456789.125"),
            (-2.5e300, "-2.5e+300"),
            (f64::NAN, "nan"),
            (-0.0, "-0.0"),
        ] {
            assert_eq!(float_repr(f, rust_shortest), text);
        }
        // JavaScript's notation (what the browser passes) reads the same.
        for (js, rust) in [
            ("0.000015", "1.5e-5"),
            ("10000000000000000", "1e16"),
            ("-2.5e+300", "-2.5e300"),
            ("0.0001", "1e-4"),
            ("123456789.125", "1.23456789125e8"),
            ("1.5e-7", "1.5e-7"),
        ] {
            assert_eq!(scientific(js), scientific(rust), "{js}");
            assert!(scientific(js).is_some());
        }
    }
}
