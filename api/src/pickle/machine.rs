//! The opcode walker: Python's `pickle._Unpickler` without calling
//! anything. Every opcode consumes input and adds at most a couple of
//! nodes (a call refers to its argument tuple, a set to the list it is
//! made from: nothing is copied), so time and memory are linear in the
//! input, with the number of values, the stack and the memo capped on top.

use std::collections::HashMap;
use std::ops::Range;

use super::PickleError;
use super::graph::{
    Call, Coerce, EMPTY_TUPLE, FALSE, Global, Graph, How, Id, MAX_VALUES, Maybe, NONE, Node, Seq,
    TRUE, Text,
};
use super::known::{Name, name_of};
use super::text::{
    bytes_flags, decimal_digits, decimal_value, is_float_text, push_code_point, small_int,
    wtf8_flags,
};

/// Memo keys below this are kept in a vector (Python numbers them from 0).
const DENSE_MEMO: u64 = 1 << 18;

pub(crate) struct Machine {
    pub g: Graph,
    at: usize,
    stack: Vec<Id>,
    /// Stack heights at each MARK.
    marks: Vec<usize>,
    memo: Vec<Id>,
    far_memo: HashMap<u64, Id>,
    memo_count: usize,
    small_ints: [Id; 256],
}

const UNSET: Id = Id::MAX;

/// Reads a pickle into its value graph and the root value.
pub(crate) fn read(input: Vec<u8>) -> Result<(Graph, Id), PickleError> {
    let mut m = Machine {
        g: Graph::new(input),
        at: 0,
        stack: Vec::new(),
        marks: Vec::new(),
        memo: Vec::new(),
        far_memo: HashMap::new(),
        memo_count: 0,
        small_ints: [UNSET; 256],
    };
    let root = m.run().map_err(|mut e| {
        if e.offset == 0 {
            e.offset = m.at;
        }
        e
    })?;
    Ok((m.g, root))
}

impl Machine {
    fn error(&self, reason: impl Into<String>) -> PickleError {
        PickleError {
            reason: reason.into(),
            offset: self.at,
        }
    }

    fn fail<T>(&self, reason: impl Into<String>) -> Result<T, PickleError> {
        Err(self.error(reason))
    }

    fn take(&mut self, n: usize) -> Result<Range<usize>, PickleError> {
        if self.g.input.len() - self.at < n {
            return self.fail("the pickle ends too early (truncated)");
        }
        self.at += n;
        Ok(self.at - n..self.at)
    }

    fn byte(&mut self) -> Result<u8, PickleError> {
        let at = self.take(1)?.start;
        Ok(self.g.input[at])
    }

    fn le(&mut self, n: usize) -> Result<u64, PickleError> {
        let range = self.take(n)?;
        Ok(self.g.input[range]
            .iter()
            .rev()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    /// A length that must fit in what is left of the input.
    fn length(&mut self, n: usize) -> Result<usize, PickleError> {
        let len = self.le(n)?;
        if len > (self.g.input.len() - self.at) as u64 {
            return self.fail("the pickle ends too early (truncated)");
        }
        Ok(len as usize)
    }

    /// The bytes up to the next newline (which is consumed).
    fn line(&mut self) -> Result<Range<usize>, PickleError> {
        let rest = &self.g.input[self.at..];
        let Some(end) = rest.iter().position(|b| *b == b'\n') else {
            return self.fail("the pickle ends too early (truncated)");
        };
        let start = self.at;
        self.at += end + 1;
        Ok(start..start + end)
    }

    fn line_str(&mut self) -> Result<(Range<usize>, &str), PickleError> {
        let range = self.line()?;
        match std::str::from_utf8(&self.g.input[range.clone()]) {
            Ok(text) => Ok((range, text)),
            Err(_) => self.fail("a text line is not UTF-8"),
        }
    }

    fn span(&self, range: Range<usize>, flags: u8) -> Text {
        Text {
            at: range.start as u32,
            len: range.len() as u32,
            owned: false,
            flags,
        }
    }

    fn push(&mut self, id: Id) -> Result<(), PickleError> {
        if self.stack.len() >= MAX_VALUES {
            return self.fail(format!("its stack grows past {MAX_VALUES} values"));
        }
        self.stack.push(id);
        Ok(())
    }

    fn push_new(&mut self, node: Node) -> Result<(), PickleError> {
        let id = self.g.add(node)?;
        self.push(id)
    }

    fn frame_floor(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self) -> Result<Id, PickleError> {
        if self.stack.len() <= self.frame_floor() {
            return self.fail("a value is missing (the stack is empty)");
        }
        Ok(self.stack.pop().expect("above the floor"))
    }

    fn top(&self) -> Result<Id, PickleError> {
        if self.stack.len() <= self.frame_floor() {
            return self.fail("a value is missing (the stack is empty)");
        }
        Ok(*self.stack.last().expect("above the floor"))
    }

    /// The values above the topmost mark, and the mark removed.
    fn pop_mark(&mut self) -> Result<Vec<Id>, PickleError> {
        let Some(mark) = self.marks.pop() else {
            return self.fail("no mark on the stack");
        };
        Ok(self.stack.split_off(mark))
    }

    fn small_int(&mut self, v: u8) -> Result<Id, PickleError> {
        let slot = &mut self.small_ints[usize::from(v)];
        if *slot == UNSET {
            *slot = self.g.add(Node::Int(i64::from(v)))?;
        }
        Ok(self.small_ints[usize::from(v)])
    }

    fn memo_put(&mut self, key: u64) -> Result<(), PickleError> {
        let id = self.top()?;
        if key < DENSE_MEMO {
            let at = key as usize;
            if at >= self.memo.len() {
                self.memo.resize(at + 1, UNSET);
            }
            if self.memo[at] == UNSET {
                self.memo_count += 1;
            }
            self.memo[at] = id;
        } else {
            if self.far_memo.insert(key, id).is_none() {
                self.memo_count += 1;
            }
        }
        if self.memo_count > MAX_VALUES {
            return self.fail(format!("its memo grows past {MAX_VALUES} entries"));
        }
        Ok(())
    }

    fn memo_get(&mut self, key: u64) -> Result<(), PickleError> {
        let found = if key < DENSE_MEMO {
            self.memo
                .get(key as usize)
                .copied()
                .filter(|id| *id != UNSET)
        } else {
            self.far_memo.get(&key).copied()
        };
        match found {
            Some(id) => self.push(id),
            None => self.fail(format!("memo entry {key} was never stored")),
        }
    }

    /// The items a call's new object was given by APPENDS or SETITEMS.
    fn call_items(&mut self, c: u32, which: fn(&mut Call) -> &mut Maybe) -> Seq {
        if let Some(seq) = which(&mut self.g.calls[c as usize]).get() {
            return seq;
        }
        let seq = self.g.new_seq(Vec::new());
        *which(&mut self.g.calls[c as usize]) = Maybe::some(seq);
        seq
    }

    fn append(&mut self, target: Id, items: Vec<Id>) -> Result<(), PickleError> {
        let seq = match self.g.node(target) {
            Node::List(seq) | Node::Set(seq) => seq,
            Node::Call(c) => self.call_items(c, |call| &mut call.list_items),
            _ => return self.fail("appending to something that is not a list"),
        };
        self.g.seqs[seq as usize].extend(items);
        Ok(())
    }

    fn set_items(&mut self, target: Id, items: Vec<Id>) -> Result<(), PickleError> {
        if !items.len().is_multiple_of(2) {
            return self.fail("a key without a value");
        }
        let seq = match self.g.node(target) {
            Node::Dict(seq) => seq,
            Node::Call(c) => self.call_items(c, |call| &mut call.dict_items),
            _ => return self.fail("setting items on something that is not a dict"),
        };
        self.g.seqs[seq as usize].extend(items);
        Ok(())
    }

    fn call(
        &mut self,
        func: Id,
        args: Id,
        kwargs: Option<Id>,
        how: How,
    ) -> Result<(), PickleError> {
        let id = self.g.add_call(Call {
            func,
            args,
            kwargs: kwargs.map_or(Maybe::NONE, Maybe::some),
            state: Maybe::NONE,
            list_items: Maybe::NONE,
            dict_items: Maybe::NONE,
            how,
        })?;
        self.push(id)
    }

    fn tuple_of(&mut self, items: Vec<Id>) -> Result<Id, PickleError> {
        if items.is_empty() {
            return Ok(EMPTY_TUPLE);
        }
        self.g.add_seq(Node::Tuple, items)
    }

    fn args_tuple(&self, id: Id) -> Result<Id, PickleError> {
        match self.g.node(id) {
            Node::Tuple(_) => Ok(id),
            _ => self.fail("call arguments are not a tuple"),
        }
    }

    /// INT and LONG lines: small ones as numbers, others as their digits.
    fn int_line(&mut self, range: Range<usize>) -> Result<Node, PickleError> {
        let text = std::str::from_utf8(&self.g.input[range.clone()]).unwrap_or("");
        let text = text.strip_suffix('L').unwrap_or(text);
        let Some((negative, digits)) = decimal_digits(text) else {
            return self.fail("a bad INT or LONG");
        };
        if let Some(v) = small_int(negative, digits) {
            return Ok(Node::Int(v));
        }
        let offset = digits.as_ptr() as usize - self.g.input[range.clone()].as_ptr() as usize;
        let start = range.start + offset;
        Ok(Node::LongDec {
            negative,
            digits: self.span(start..start + digits.len(), 0),
        })
    }

    fn global(&mut self, module: Text, name: Text) -> Result<(), PickleError> {
        self.g.globals.push(Global { module, name });
        let index = (self.g.globals.len() - 1) as u32;
        self.push_new(Node::Global(index))
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
                // FRAME: only a hint for buffering; its length is not trusted.
                0x95 => {
                    self.take(8)?;
                }
                b'(' => self.marks.push(self.stack.len()),
                b'0' => {
                    if self.marks.last() == Some(&self.stack.len()) {
                        self.marks.pop();
                    } else {
                        self.pop()?;
                    }
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let top = self.top()?;
                    self.push(top)?;
                }
                b'N' => self.push(NONE)?,
                0x88 => self.push(TRUE)?,
                0x89 => self.push(FALSE)?,
                b'I' | b'L' => {
                    let line = self.line()?;
                    let node = match &self.g.input[line.clone()] {
                        b"01" if op == b'I' => Node::Bool(true),
                        b"00" if op == b'I' => Node::Bool(false),
                        _ => self.int_line(line)?,
                    };
                    match node {
                        Node::Bool(true) => self.push(TRUE)?,
                        Node::Bool(false) => self.push(FALSE)?,
                        node => self.push_new(node)?,
                    }
                }
                b'J' => {
                    let v = self.le(4)? as u32 as i32;
                    self.push_new(Node::Int(i64::from(v)))?;
                }
                b'K' => {
                    let v = self.byte()?;
                    let id = self.small_int(v)?;
                    self.push(id)?;
                }
                b'M' => {
                    let v = self.le(2)?;
                    self.push_new(Node::Int(v as i64))?;
                }
                0x8a | 0x8b => {
                    let n = self.length(if op == 0x8a { 1 } else { 4 })?;
                    let range = self.take(n)?;
                    let bytes = &self.g.input[range.clone()];
                    let node = if n <= 8 {
                        let negative = bytes.last().is_some_and(|b| b & 0x80 != 0);
                        let fill = if negative { u64::MAX } else { 0 };
                        let v = bytes
                            .iter()
                            .rev()
                            .fold(fill, |acc, b| (acc << 8) | u64::from(*b));
                        Node::Int(v as i64)
                    } else {
                        Node::LongLe(self.span(range, 0))
                    };
                    self.push_new(node)?;
                }
                b'F' => {
                    let (range, text) = self.line_str()?;
                    let trimmed = text.trim();
                    if !is_float_text(trimmed) {
                        return self.fail("a bad FLOAT");
                    }
                    let start = range.start + (trimmed.as_ptr() as usize - text.as_ptr() as usize);
                    let end = start + trimmed.len();
                    let t = self.span(start..end, 0);
                    self.push_new(Node::FloatText(t))?;
                }
                b'G' => {
                    let range = self.take(8)?;
                    let bytes: [u8; 8] = self.g.input[range].try_into().expect("eight bytes");
                    self.push_new(Node::Float(f64::from_be_bytes(bytes)))?;
                }
                b'S' => {
                    let line = self.line()?;
                    let text = String::from_utf8_lossy(&self.g.input[line]).into_owned();
                    let bytes = unquote_string(&text).ok_or_else(|| self.error("a bad STRING"))?;
                    self.python2_str(&bytes, None)?;
                }
                b'T' | b'U' => {
                    let n = self.length(if op == b'T' { 4 } else { 1 })?;
                    let range = self.take(n)?;
                    let bytes = self.g.input[range.clone()].to_vec();
                    self.python2_str(&bytes, Some(range))?;
                }
                b'V' => {
                    let line = self.line()?;
                    let mut text = Vec::with_capacity(line.len());
                    raw_unicode_unescape(&self.g.input[line], &mut text);
                    let flags = wtf8_flags(&text).unwrap_or(0);
                    let t = self.g.own(&text, flags);
                    self.push_new(Node::Str(t))?;
                }
                b'X' | 0x8c | 0x8d => {
                    let n = self.length(match op {
                        b'X' => 4,
                        0x8c => 1,
                        _ => 8,
                    })?;
                    let range = self.take(n)?;
                    let Some(flags) = wtf8_flags(&self.g.input[range.clone()]) else {
                        return self.fail("a text is not UTF-8");
                    };
                    let t = self.span(range, flags);
                    self.push_new(Node::Str(t))?;
                }
                b'B' | b'C' | 0x8e | 0x96 => {
                    let n = self.length(match op {
                        b'B' => 4,
                        b'C' => 1,
                        _ => 8,
                    })?;
                    let range = self.take(n)?;
                    let t = self.span(range.clone(), bytes_flags(&self.g.input[range]));
                    self.push_new(if op == 0x96 {
                        Node::ByteArray(t)
                    } else {
                        Node::Bytes(t)
                    })?;
                }
                b')' => self.push(EMPTY_TUPLE)?,
                b']' => {
                    let id = self.g.add_seq(Node::List, Vec::new())?;
                    self.push(id)?;
                }
                b'}' => {
                    let id = self.g.add_seq(Node::Dict, Vec::new())?;
                    self.push(id)?;
                }
                0x8f => {
                    let id = self.g.add_seq(Node::Set, Vec::new())?;
                    self.push(id)?;
                }
                b't' => {
                    let items = self.pop_mark()?;
                    let id = self.tuple_of(items)?;
                    self.push(id)?;
                }
                0x85..=0x87 => {
                    let n = usize::from(op - 0x84);
                    if self.stack.len() < self.frame_floor() + n {
                        return self.fail("a value is missing (the stack is empty)");
                    }
                    let items = self.stack.split_off(self.stack.len() - n);
                    let id = self.tuple_of(items)?;
                    self.push(id)?;
                }
                b'l' | b'd' | 0x91 => {
                    let items = self.pop_mark()?;
                    if op == b'd' && !items.len().is_multiple_of(2) {
                        return self.fail("a key without a value");
                    }
                    let make = match op {
                        b'l' => Node::List,
                        b'd' => Node::Dict,
                        _ => Node::FrozenSet,
                    };
                    let id = self.g.add_seq(make, items)?;
                    self.push(id)?;
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
                    self.set_items(dict, vec![key, value])?;
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    let dict = self.top()?;
                    self.set_items(dict, items)?;
                }
                b'p' | b'g' => {
                    let line = self.line()?;
                    let key = std::str::from_utf8(&self.g.input[line])
                        .ok()
                        .and_then(|t| decimal_value(t.trim()))
                        .and_then(|k| u64::try_from(k).ok())
                        .ok_or_else(|| self.error("a bad memo key"))?;
                    if op == b'p' {
                        self.memo_put(key)?;
                    } else {
                        self.memo_get(key)?;
                    }
                }
                b'q' | b'h' => {
                    let key = self.le(1)?;
                    if op == b'q' {
                        self.memo_put(key)?;
                    } else {
                        self.memo_get(key)?;
                    }
                }
                b'r' | b'j' => {
                    let key = self.le(4)?;
                    if op == b'r' {
                        self.memo_put(key)?;
                    } else {
                        self.memo_get(key)?;
                    }
                }
                0x94 => {
                    let key = self.memo_count as u64;
                    self.memo_put(key)?;
                }
                b'c' | b'i' => {
                    let (module, _) = self.line_str()?;
                    let (name, _) = self.line_str()?;
                    let (module, name) = (self.span(module, 0), self.span(name, 0));
                    if op == b'c' {
                        self.global(module, name)?;
                    } else {
                        let items = self.pop_mark()?;
                        let args = self.tuple_of(items)?;
                        self.global(module, name)?;
                        let func = self.pop()?;
                        self.call(func, args, None, How::Called)?;
                    }
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    match (self.g.node(module), self.g.node(name)) {
                        (Node::Str(m), Node::Str(n)) => self.global(m, n)?,
                        _ => return self.fail("STACK_GLOBAL needs two strings"),
                    }
                }
                b'o' => {
                    let mut items = self.pop_mark()?;
                    if items.is_empty() {
                        return self.fail("OBJ without a class");
                    }
                    let func = items.remove(0);
                    let args = self.tuple_of(items)?;
                    self.call(func, args, None, How::Called)?;
                }
                b'R' => {
                    let args = self.pop()?;
                    let func = self.pop()?;
                    let args = self.args_tuple(args)?;
                    self.reduce(func, args)?;
                }
                0x81 => {
                    let args = self.pop()?;
                    let cls = self.pop()?;
                    let args = self.args_tuple(args)?;
                    self.call(cls, args, None, How::New)?;
                }
                0x92 => {
                    let kwargs = self.pop()?;
                    let args = self.pop()?;
                    let cls = self.pop()?;
                    let args = self.args_tuple(args)?;
                    if !matches!(self.g.node(kwargs), Node::Dict(_)) {
                        return self.fail("NEWOBJ_EX keyword arguments are not a dict");
                    }
                    self.call(cls, args, Some(kwargs), How::New)?;
                }
                b'b' => {
                    let state = self.pop()?;
                    let obj = self.top()?;
                    match self.g.node(obj) {
                        Node::Call(c) if self.g.calls[c as usize].state.get().is_none() => {
                            self.g.calls[c as usize].state = Maybe::some(state);
                        }
                        _ => return self.fail("BUILD on something that is not a new object"),
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

    /// Python 2's `str` (STRING, BINSTRING): text when it is UTF-8, bytes
    /// otherwise.
    fn python2_str(&mut self, bytes: &[u8], span: Option<Range<usize>>) -> Result<(), PickleError> {
        let utf8 = std::str::from_utf8(bytes).is_ok();
        let flags = if utf8 {
            wtf8_flags(bytes).unwrap_or(0)
        } else {
            bytes_flags(bytes)
        };
        let t = match span {
            Some(range) => self.span(range, flags),
            None => self.g.own(bytes, flags),
        };
        self.push_new(if utf8 { Node::Str(t) } else { Node::Bytes(t) })
    }

    /// REDUCE: `copyreg._reconstructor(cls, object, None)` (`copy_reg` in
    /// the Python 2 names protocols 0 and 1 use) is how they write
    /// `object.__new__(cls)`; built-in types are read as what they are
    /// (protocols before 3 write `bytes` as `_codecs.encode(text,
    /// 'latin1')`, sets and bytearrays as calls of their type), referring
    /// to their argument instead of copying it.
    fn reduce(&mut self, func: Id, args: Id) -> Result<(), PickleError> {
        match self.builtin(func, args) {
            Plan::Call => self.call(func, args, None, How::Called),
            Plan::New(cls) => self.call(cls, EMPTY_TUPLE, None, How::New),
            Plan::Node(node) => self.push_new(node),
            Plan::Empty(make) => {
                let id = self.g.add_seq(make, Vec::new())?;
                self.push(id)
            }
            Plan::ByteArrayOfText(text) => {
                let bytes = self.g.add(Node::Coerced(Coerce::Latin1, text))?;
                self.push_new(Node::Coerced(Coerce::ByteArray, bytes))
            }
        }
    }

    fn builtin(&self, func: Id, args: Id) -> Plan {
        let g = &self.g;
        let Some(Name { module, name }) = name_of(g, func) else {
            return Plan::Call;
        };
        let str_latin1 =
            |id: Id| matches!(g.node(id), Node::Str(t) if t.flags & super::text::WIDE == 0);
        let latin1_name = |id: Id| matches!(g.text_of(id), Some("latin1" | "latin-1"));
        let sequence = |id: Id| matches!(g.node(id), Node::List(_) | Node::Tuple(_));
        let empty = Text {
            at: 0,
            len: 0,
            owned: false,
            flags: 0,
        };
        match (module, name, g.tuple(args)) {
            ("copyreg", "_reconstructor", [cls, base, NONE]) if is_object(g, *base) => {
                Plan::New(*cls)
            }
            ("_codecs", "encode", [text, encoding])
                if str_latin1(*text) && latin1_name(*encoding) =>
            {
                Plan::Node(Node::Coerced(Coerce::Latin1, *text))
            }
            ("builtins", "bytes", []) => Plan::Node(Node::Bytes(empty)),
            ("builtins", "bytearray", []) => Plan::Node(Node::ByteArray(empty)),
            ("builtins", "bytearray", [bytes])
                if matches!(
                    g.node(*bytes),
                    Node::Bytes(_) | Node::Coerced(Coerce::Latin1, _)
                ) =>
            {
                Plan::Node(Node::Coerced(Coerce::ByteArray, *bytes))
            }
            ("builtins", "bytearray", [text, encoding])
                if str_latin1(*text) && latin1_name(*encoding) =>
            {
                Plan::ByteArrayOfText(*text)
            }
            ("builtins", "set", []) => Plan::Empty(Node::Set),
            ("builtins", "frozenset", []) => Plan::Empty(Node::FrozenSet),
            ("builtins", "set", [list]) if sequence(*list) => {
                Plan::Node(Node::Coerced(Coerce::Set, *list))
            }
            ("builtins", "frozenset", [list]) if sequence(*list) => {
                Plan::Node(Node::Coerced(Coerce::FrozenSet, *list))
            }
            _ => Plan::Call,
        }
    }
}

/// What a REDUCE makes.
enum Plan {
    Call,
    New(Id),
    Node(Node),
    Empty(fn(super::graph::Seq) -> Node),
    ByteArrayOfText(Id),
}

fn is_object(g: &Graph, id: Id) -> bool {
    matches!(
        name_of(g, id),
        Some(Name {
            module: "builtins",
            name: "object"
        })
    )
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

/// Protocol 0 `UNICODE`: raw-unicode-escape (bytes as Latin-1, `\uXXXX`
/// and `\UXXXXXXXX`), into UTF-8 that keeps lone surrogates.
fn raw_unicode_unescape(line: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < line.len() {
        let b = line[i];
        if b == b'\\' && matches!(line.get(i + 1), Some(b'u' | b'U')) {
            let width = if line[i + 1] == b'u' { 4 } else { 8 };
            let decoded = line
                .get(i + 2..i + 2 + width)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .filter(|cp| *cp <= 0x10ffff);
            if let Some(cp) = decoded {
                push_code_point(out, cp);
                i += 2 + width;
                continue;
            }
        }
        push_code_point(out, u32::from(b));
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memoised_tuple_is_shared_by_every_call_not_copied() {
        // (f(*t), f(*t), ...) with t a tuple of 1000 items, 2000 times.
        let mut p = vec![0x80, 4, b'c'];
        p.extend_from_slice(b"m\nf\n");
        p.extend_from_slice(&[0x94, b'(']);
        p.extend(std::iter::repeat_n(b'N', 1000));
        p.extend_from_slice(&[b't', 0x94, b'(']);
        for _ in 0..2000 {
            p.extend_from_slice(&[b'h', 0, b'h', 1, b'R']);
        }
        p.extend_from_slice(b"t.");
        let (g, _) = read(p).unwrap();
        let items: usize = g.seqs.iter().map(Vec::len).sum();
        assert!(items < 5000, "{items} items held");
        assert!(g.nodes.len() < 2100, "{} nodes", g.nodes.len());
    }

    #[test]
    fn raw_unicode_escape_keeps_surrogates() {
        let mut out = Vec::new();
        raw_unicode_unescape(b"a\\udc80\xe9\\U0001f389\\ux", &mut out);
        let points: Vec<u32> = super::super::text::code_points(&out).collect();
        assert_eq!(points, [0x61, 0xdc80, 0xe9, 0x1f389, 0x5c, 0x75, 0x78]);
    }
}
