//! The value graph a pickle (or a JSON value) is read into: every value a
//! node in one arena, referred to by its index. A value the pickle reuses
//! (through its memo) is the same node wherever it appears: never copied,
//! so a small pickle that refers to one list a million times stays small.
//! Texts are spans of the input (or of one buffer for the texts that had
//! to be unescaped), never copies per use.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::PickleError;

pub(crate) type Id = u32;
/// Index into [`Graph::seqs`].
pub(crate) type Seq = u32;

/// More values than this in one pickle are not read: InvenTree's
/// arguments hold a handful; the cap keeps a hostile megabyte to a few
/// megabytes of memory.
pub const MAX_VALUES: usize = 100_000;

pub(crate) const NONE: Id = 0;
pub(crate) const TRUE: Id = 1;
pub(crate) const FALSE: Id = 2;
pub(crate) const EMPTY_TUPLE: Id = 3;

/// A run of bytes in the input or in the owned buffer, with what is known
/// about it (see [`super::text::HAS_SINGLE`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Text {
    pub at: u32,
    pub len: u32,
    pub owned: bool,
    pub flags: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Coerce {
    /// `set(list)`, as protocols before 4 write sets.
    Set,
    FrozenSet,
    /// `_codecs.encode(text, 'latin1')`, as protocols before 3 write bytes.
    Latin1,
    /// `bytearray(bytes)`.
    ByteArray,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Node {
    None,
    Bool(bool),
    Int(i64),
    /// LONG1/LONG4: two's-complement little-endian bytes.
    LongLe(Text),
    /// Decimal digits (protocol 0, JSON) and the sign.
    LongDec {
        negative: bool,
        digits: Text,
    },
    Float(f64),
    /// `repr(float)` as protocol 0 writes it.
    FloatText(Text),
    Str(Text),
    Bytes(Text),
    ByteArray(Text),
    /// A built-in value made from another node.
    Coerced(Coerce, Id),
    Tuple(Seq),
    List(Seq),
    /// Keys and values, alternating.
    Dict(Seq),
    Set(Seq),
    FrozenSet(Seq),
    Global(u32),
    Call(u32),
    /// A date or time read from JSON.
    Moment(u32),
}

/// How a call makes its object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum How {
    /// REDUCE, INST, OBJ: the callable is called.
    Called,
    /// NEWOBJ, NEWOBJ_EX, `copyreg._reconstructor`: `cls.__new__`, no
    /// `__init__`; the state comes after.
    New,
}

/// An optional index in four bytes (`Option<u32>` takes eight): calls
/// are most of a hostile pickle's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Maybe(u32);

impl Maybe {
    pub const NONE: Maybe = Maybe(u32::MAX);

    pub fn some(index: u32) -> Maybe {
        Maybe(index)
    }

    pub fn get(self) -> Option<u32> {
        (self != Maybe::NONE).then_some(self.0)
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Call {
    pub func: Id,
    /// A tuple node.
    pub args: Id,
    /// A dict node (NEWOBJ_EX).
    pub kwargs: Maybe,
    /// BUILD's state.
    pub state: Maybe,
    /// APPENDS to the new object (`__reduce__`'s list items).
    pub list_items: Maybe,
    /// SETITEMS on the new object (`__reduce__`'s dict items).
    pub dict_items: Maybe,
    pub how: How,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Global {
    pub module: Text,
    pub name: Text,
}

/// A date or time from JSON (DRF's ISO 8601 text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Moment {
    Date(Day),
    DateTime {
        day: Day,
        clock: Clock,
        /// Seconds east of UTC; `None` for a naive time.
        offset: Option<i32>,
    },
    Time(Clock),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Day {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Clock {
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub micro: u32,
}

pub(crate) struct Graph {
    pub input: Vec<u8>,
    pub owned: Vec<u8>,
    pub nodes: Vec<Node>,
    pub seqs: Vec<Vec<Id>>,
    pub calls: Vec<Call>,
    pub globals: Vec<Global>,
    pub moments: Vec<Moment>,
    /// Decimal digits of big integers, converted once however often
    /// shown: which node's are where in `digits`.
    digits_of: RefCell<HashMap<u64, Id>>,
    digits: RefCell<Vec<Rc<str>>>,
}

impl Graph {
    pub fn new(input: Vec<u8>) -> Graph {
        Graph {
            input,
            owned: Vec::new(),
            nodes: vec![
                Node::None,
                Node::Bool(true),
                Node::Bool(false),
                Node::Tuple(0),
            ],
            seqs: vec![Vec::new()],
            calls: Vec::new(),
            globals: Vec::new(),
            moments: Vec::new(),
            digits_of: RefCell::default(),
            digits: RefCell::default(),
        }
    }

    pub fn add(&mut self, node: Node) -> Result<Id, PickleError> {
        if self.nodes.len() >= MAX_VALUES {
            return Err(PickleError {
                reason: format!("it holds more than {MAX_VALUES} values"),
                offset: 0,
            });
        }
        self.nodes.push(node);
        Ok((self.nodes.len() - 1) as Id)
    }

    pub fn new_seq(&mut self, items: Vec<Id>) -> Seq {
        self.seqs.push(items);
        (self.seqs.len() - 1) as Seq
    }

    pub fn add_seq(&mut self, make: fn(Seq) -> Node, items: Vec<Id>) -> Result<Id, PickleError> {
        let seq = self.new_seq(items);
        self.add(make(seq))
    }

    pub fn add_call(&mut self, call: Call) -> Result<Id, PickleError> {
        self.calls.push(call);
        self.add(Node::Call((self.calls.len() - 1) as u32))
    }

    /// Keeps bytes in the owned buffer.
    pub fn own(&mut self, bytes: &[u8], flags: u8) -> Text {
        let at = self.owned.len() as u32;
        self.owned.extend_from_slice(bytes);
        Text {
            at,
            len: bytes.len() as u32,
            owned: true,
            flags,
        }
    }

    pub fn bytes(&self, t: Text) -> &[u8] {
        let from = if t.owned { &self.owned } else { &self.input };
        &from[t.at as usize..(t.at + t.len) as usize]
    }

    /// Text that was checked to be UTF-8 when it was read.
    pub fn str(&self, t: Text) -> &str {
        std::str::from_utf8(self.bytes(t)).unwrap_or("?")
    }

    pub fn node(&self, id: Id) -> Node {
        self.nodes[id as usize]
    }

    pub fn seq(&self, seq: Seq) -> &[Id] {
        &self.seqs[seq as usize]
    }

    pub fn call(&self, index: u32) -> &Call {
        &self.calls[index as usize]
    }

    /// The items of a tuple node (empty for anything else).
    pub fn tuple(&self, id: Id) -> &[Id] {
        match self.node(id) {
            Node::Tuple(seq) => self.seq(seq),
            _ => &[],
        }
    }

    /// The text of a `str` node.
    pub fn text_of(&self, id: Id) -> Option<&str> {
        match self.node(id) {
            Node::Str(t) => std::str::from_utf8(self.bytes(t)).ok(),
            _ => None,
        }
    }

    pub fn int_of(&self, id: Id) -> Option<i64> {
        match self.node(id) {
            Node::Int(i) => Some(i),
            Node::Bool(b) => Some(i64::from(b)),
            _ => None,
        }
    }

    /// A big integer's digits, converted at most once; `None` past the
    /// size Python itself would print.
    pub fn big_digits(&self, id: Id, bytes: &[u8]) -> Option<Rc<str>> {
        if let Some(at) = self.digits_of.borrow().get(&u64::from(id)) {
            return Some(self.digits.borrow()[*at as usize].clone());
        }
        let text: Rc<str> = super::text::le_to_decimal(bytes)?.into();
        let mut digits = self.digits.borrow_mut();
        self.digits_of
            .borrow_mut()
            .insert(u64::from(id), digits.len() as Id);
        digits.push(text.clone());
        Some(text)
    }
}
