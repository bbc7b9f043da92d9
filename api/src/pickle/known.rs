//! What a reference or a call in a pickle stands for, by the name it
//! gives: the standard library's values (dates, decimals, UUIDs, ...)
//! are recognised by the shape Python pickles them in, so they can read
//! as Python prints them. Nothing is imported or called: a name is only
//! a name, and a shape that does not match reads as the plain call.

use super::graph::{Clock, Coerce, Day, Graph, How, Id, Node, Seq};
use super::text::code_points;

/// A module and a name in it, with the Python 2 names protocols 0 to 2
/// use mapped to Python 3's, as `pickle` does (`_compat_pickle`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Name<'a> {
    pub module: &'a str,
    pub name: &'a str,
}

pub(crate) fn name_of(g: &Graph, id: Id) -> Option<Name<'_>> {
    let Node::Global(index) = g.node(id) else {
        return None;
    };
    let global = g.globals[index as usize];
    let (module, name) = (g.str(global.module), g.str(global.name));
    let module = match module {
        "__builtin__" | "exceptions" => "builtins",
        "copy_reg" => "copyreg",
        "UserDict" | "UserList" | "UserString" => "collections",
        m => m,
    };
    let (module, name) = match (module, name) {
        ("builtins", "xrange") => ("builtins", "range"),
        ("builtins", "unicode" | "basestring") => ("builtins", "str"),
        ("builtins", "long") => ("builtins", "int"),
        ("builtins", "unichr") => ("builtins", "chr"),
        ("builtins", "StandardError") => ("builtins", "Exception"),
        ("builtins", "reduce") => ("functools", "reduce"),
        ("builtins", "intern") => ("sys", "intern"),
        ("collections", "IterableUserDict") => ("collections", "UserDict"),
        other => other,
    };
    Some(Name { module, name })
}

/// What a name refers to, as far as the name tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Class,
    Function,
    /// A function of `builtins` (`<built-in function len>`).
    BuiltinFunction,
    /// `Ellipsis`, `NotImplemented`.
    Constant,
}

const BUILTIN_CLASSES: &[&str] = &[
    "bool",
    "bytearray",
    "bytes",
    "classmethod",
    "complex",
    "dict",
    "enumerate",
    "filter",
    "float",
    "frozenset",
    "int",
    "list",
    "map",
    "memoryview",
    "object",
    "property",
    "range",
    "reversed",
    "set",
    "slice",
    "staticmethod",
    "str",
    "super",
    "tuple",
    "type",
    "zip",
];

/// Classes of the standard library whose names are not capitalised.
const LOWERCASE_CLASSES: &[(&str, &str)] = &[
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("datetime", "tzinfo"),
    ("collections", "deque"),
    ("collections", "defaultdict"),
    ("array", "array"),
    ("functools", "partial"),
    ("operator", "attrgetter"),
    ("operator", "itemgetter"),
    ("operator", "methodcaller"),
];

pub(crate) fn is_exception_name(name: &str) -> bool {
    name.ends_with("Error")
        || name.ends_with("Exception")
        || name.ends_with("Warning")
        || matches!(
            name,
            "BaseExceptionGroup"
                | "ExceptionGroup"
                | "GeneratorExit"
                | "KeyboardInterrupt"
                | "StopAsyncIteration"
                | "StopIteration"
                | "SystemExit"
        )
}

/// Classes are told from functions by Python's naming convention
/// (`CapWords`), with the standard library's exceptions to it listed:
/// the name is all a pickle says.
pub(crate) fn kind(module: &str, name: &str) -> Kind {
    if module == "builtins" {
        return if matches!(name, "Ellipsis" | "NotImplemented") {
            Kind::Constant
        } else if BUILTIN_CLASSES.contains(&name) || is_exception_name(name) {
            Kind::Class
        } else {
            Kind::BuiltinFunction
        };
    }
    if LOWERCASE_CLASSES.contains(&(module, name)) {
        return Kind::Class;
    }
    let last = name.rsplit('.').next().unwrap_or(name);
    if last.starts_with(|c: char| c.is_ascii_uppercase()) {
        Kind::Class
    } else {
        Kind::Function
    }
}

/// `getattr(module.Class, 'attr')`: how pickle refers to a class's
/// method (`zoneinfo.ZoneInfo._unpickle`).
pub(crate) fn attribute_of(g: &Graph, id: Id) -> Option<(Name<'_>, &str)> {
    let Node::Call(c) = g.node(id) else {
        return None;
    };
    let call = g.call(c);
    match (name_of(g, call.func), g.tuple(call.args)) {
        (
            Some(Name {
                module: "builtins",
                name: "getattr",
            }),
            [owner, attr],
        ) if call.how == How::Called => Some((name_of(g, *owner)?, g.text_of(*attr)?)),
        _ => None,
    }
}

/// A value the standard library (or Django, or django-picklefield)
/// pickles in a known shape.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Known {
    Date(Day),
    DateTime {
        day: Day,
        clock: Clock,
        fold: bool,
        tz: Option<Id>,
    },
    Time {
        clock: Clock,
        fold: bool,
        tz: Option<Id>,
    },
    TimeDelta(Delta),
    /// `datetime.timezone(offset)`, `datetime.timezone.utc` when the
    /// offset is zero and it has no name.
    TimeZone {
        delta: Delta,
        name: Option<Id>,
    },
    ZoneInfo {
        key: Id,
    },
    Decimal(Id),
    Uuid(u128),
    Complex(Id, Id),
    Range(Id, Id, Id),
    Slice(Id, Id, Id),
    OrderedDict(Option<Seq>),
    DefaultDict {
        factory: Id,
        items: Option<Seq>,
    },
    Counter(Id),
    /// A built-in exception (its class) and its arguments.
    Exception {
        func: Id,
        args: Id,
    },
    HttpStatus(u16, &'static str),
    /// Django's `Model.__reduce__`: `model_unpickle((app_label,
    /// object_name))` with the instance's `__dict__` as state.
    Model {
        object_name: Id,
        state: Option<Id>,
    },
    /// django-picklefield's `_ObjectWrapper`, which its `to_python`
    /// unwraps: the value it wraps.
    Wrapped(Id),
}

/// `datetime.timedelta`'s normalised fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Delta {
    pub days: i64,
    pub seconds: i64,
    pub micros: i64,
}

impl Delta {
    pub fn is_zero(self) -> bool {
        self == Delta {
            days: 0,
            seconds: 0,
            micros: 0,
        }
    }

    /// An offset in seconds, normalised as `timedelta(seconds=n)` is.
    pub fn from_seconds(total: i64) -> Delta {
        Delta {
            days: total.div_euclid(86_400),
            seconds: total.rem_euclid(86_400),
            micros: 0,
        }
    }
}

/// Up to `N` bytes of a `bytes` value (or of the Latin-1 text protocols
/// before 3 write bytes as), if it has exactly `N`.
fn fixed_bytes<const N: usize>(g: &Graph, id: Id) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    match g.node(id) {
        Node::Bytes(t) => out.copy_from_slice(g.bytes(t).get(..N).filter(|_| t.len as usize == N)?),
        Node::Coerced(Coerce::Latin1, text) => {
            let Node::Str(t) = g.node(text) else {
                return None;
            };
            // Latin-1 text is at most two bytes a character.
            if t.len as usize > 2 * N {
                return None;
            }
            let mut n = 0;
            for cp in code_points(g.bytes(t)) {
                *out.get_mut(n)? = u8::try_from(cp).ok()?;
                n += 1;
            }
            if n != N {
                return None;
            }
        }
        _ => return None,
    }
    Some(out)
}

/// Year (two bytes), month (fold in its high bit), day.
fn day_of(bytes: &[u8]) -> Day {
    Day {
        year: u16::from_be_bytes([bytes[0], bytes[1]]),
        month: bytes[2] & 0x7f,
        day: bytes[3],
    }
}

fn clock(bytes: &[u8]) -> Clock {
    Clock {
        hour: bytes[0] & 0x7f,
        minute: bytes[1],
        second: bytes[2],
        micro: (u32::from(bytes[3]) << 16) | (u32::from(bytes[4]) << 8) | u32::from(bytes[5]),
    }
}

fn delta(g: &Graph, id: Id) -> Option<Delta> {
    match known(g, id)? {
        Known::TimeDelta(d) => Some(d),
        _ => None,
    }
}

/// A UUID's 128-bit integer.
fn u128_of(g: &Graph, id: Id) -> Option<u128> {
    match g.node(id) {
        Node::Int(i) => u128::try_from(i).ok(),
        Node::LongLe(t) => {
            let bytes = g.bytes(t);
            let (negative, bits) = super::text::le_bits(bytes);
            if negative || bits > 128 {
                return None;
            }
            Some(
                bytes
                    .iter()
                    .take(16)
                    .rev()
                    .fold(0u128, |acc, b| (acc << 8) | u128::from(*b)),
            )
        }
        Node::LongDec {
            negative: false,
            digits,
        } => super::text::decimal_value(g.str(digits)),
        _ => None,
    }
}

/// The value of `key` in a dict node with string keys.
pub(crate) fn dict_get(g: &Graph, dict: Id, key: &str) -> Option<Id> {
    let Node::Dict(seq) = g.node(dict) else {
        return None;
    };
    g.seq(seq)
        .chunks(2)
        .find(|pair| g.text_of(pair[0]) == Some(key))
        .map(|pair| pair[1])
}

pub(crate) fn known(g: &Graph, id: Id) -> Option<Known> {
    let Node::Call(c) = g.node(id) else {
        return None;
    };
    let call = g.call(c);
    if let Some((owner, attr)) = attribute_of(g, call.func) {
        // `ZoneInfo.__reduce__` is `(ZoneInfo._unpickle, (key, from_cache))`.
        return match (owner, attr, g.tuple(call.args)) {
            (
                Name {
                    module: "zoneinfo",
                    name: "ZoneInfo",
                },
                "_unpickle",
                [key, _],
            ) if g.text_of(*key).is_some() => Some(Known::ZoneInfo { key: *key }),
            _ => None,
        };
    }
    let Name { module, name } = name_of(g, call.func)?;
    let args = g.tuple(call.args);
    let plain = call.how == How::Called
        && call.kwargs.get().is_none()
        && call.state.get().is_none()
        && call.list_items.get().is_none()
        && call.dict_items.get().is_none();
    match (module, name, args) {
        // The C `datetime` types pickle as their packed state (and a
        // tzinfo): `date` 4 bytes, `datetime` 10, `time` 6; from protocol
        // 4 on, the high bit of the month (datetime) or hour (time) byte
        // is `fold`.
        ("datetime", "date", [state]) if plain => {
            let b = fixed_bytes::<4>(g, *state)?;
            Some(Known::Date(day_of(&b)))
        }
        ("datetime", "datetime", [state, tz @ ..]) if plain && tz.len() <= 1 => {
            let b = fixed_bytes::<10>(g, *state)?;
            Some(Known::DateTime {
                day: day_of(&b),
                clock: clock(&b[4..]),
                fold: b[2] & 0x80 != 0,
                tz: tz.first().copied().filter(|t| *t != super::graph::NONE),
            })
        }
        ("datetime", "time", [state, tz @ ..]) if plain && tz.len() <= 1 => {
            let b = fixed_bytes::<6>(g, *state)?;
            Some(Known::Time {
                clock: clock(&b),
                fold: b[0] & 0x80 != 0,
                tz: tz.first().copied().filter(|t| *t != super::graph::NONE),
            })
        }
        ("datetime", "timedelta", [days, seconds, micros]) if plain => {
            Some(Known::TimeDelta(Delta {
                days: g.int_of(*days)?,
                seconds: g.int_of(*seconds)?,
                micros: g.int_of(*micros)?,
            }))
        }
        ("datetime", "timezone", [offset, name @ ..]) if plain && name.len() <= 1 => {
            let name = name.first().copied();
            if name.is_some_and(|n| g.text_of(n).is_none()) {
                return None;
            }
            Some(Known::TimeZone {
                delta: delta(g, *offset)?,
                name,
            })
        }
        ("decimal", "Decimal", [text]) if plain && g.text_of(*text).is_some() => {
            Some(Known::Decimal(*text))
        }
        // `UUID.__getstate__`: `{'int': n}` (and `is_safe`), set on
        // `object.__new__(UUID)`.
        ("uuid", "UUID", []) if call.how == How::New => {
            let state = call.state.get()?;
            Some(Known::Uuid(u128_of(g, dict_get(g, state, "int")?)?))
        }
        ("builtins", "complex", [real, imag]) if plain && number(g, *real) && number(g, *imag) => {
            Some(Known::Complex(*real, *imag))
        }
        ("builtins", "range", [start, stop, step]) if plain => {
            Some(Known::Range(*start, *stop, *step))
        }
        ("builtins", "slice", [start, stop, step]) if plain => {
            Some(Known::Slice(*start, *stop, *step))
        }
        // `OrderedDict.__reduce__`: `(OrderedDict, (), state, None,
        // iter(items))`, the items set on the new dict.
        ("collections", "OrderedDict", [])
            if call.how == How::Called
                && call.list_items.get().is_none()
                && call.state.get().is_none() =>
        {
            Some(Known::OrderedDict(call.dict_items.get()))
        }
        ("collections", "defaultdict", factory)
            if call.how == How::Called
                && factory.len() <= 1
                && call.list_items.get().is_none()
                && call.state.get().is_none() =>
        {
            Some(Known::DefaultDict {
                factory: factory.first().copied().unwrap_or(super::graph::NONE),
                items: call.dict_items.get(),
            })
        }
        ("collections", "Counter", [dict]) if plain && matches!(g.node(*dict), Node::Dict(_)) => {
            Some(Known::Counter(*dict))
        }
        ("builtins", name, _) if call.how == How::Called && is_exception_name(name) => {
            Some(Known::Exception {
                func: call.func,
                args: call.args,
            })
        }
        ("http", "HTTPStatus", [code]) if plain => {
            let code = u16::try_from(g.int_of(*code)?).ok()?;
            let at = HTTP_STATUS.binary_search_by_key(&code, |(c, _)| *c).ok()?;
            Some(Known::HttpStatus(code, HTTP_STATUS[at].1))
        }
        ("django.db.models.base", "model_unpickle", [class_id, ..]) if call.how == How::Called => {
            match g.tuple(*class_id) {
                [app, object] if g.text_of(*app).is_some() && g.text_of(*object).is_some() => {
                    Some(Known::Model {
                        object_name: *object,
                        state: call.state.get(),
                    })
                }
                _ => None,
            }
        }
        // `_ObjectWrapper` has `__slots__ = ('_obj',)`: its state is
        // `(None, {'_obj': value})`.
        ("picklefield.fields", "_ObjectWrapper", []) if call.how == How::New => {
            match g.tuple(call.state.get()?) {
                [super::graph::NONE, slots] => Some(Known::Wrapped(dict_get(g, *slots, "_obj")?)),
                _ => None,
            }
        }
        _ => None,
    }
}

fn number(g: &Graph, id: Id) -> bool {
    matches!(
        g.node(id),
        Node::Float(_) | Node::FloatText(_) | Node::Int(_)
    )
}

/// The callables a pickle calls when Python loads it, other than the
/// standard types' own reconstructors above: `os.system` in a crafted
/// pickle. Shown, never run; the reader marks them.
pub(crate) fn calls_on_load(g: &Graph) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    // A pickle calls one callable many times through its memo: each is
    // looked at once.
    let mut seen = vec![false; g.nodes.len()];
    for (id, node) in g.nodes.iter().enumerate() {
        let Node::Call(c) = node else {
            continue;
        };
        let call = g.call(*c);
        if call.how != How::Called || found.len() >= 10 || seen[call.func as usize] {
            continue;
        }
        if known(g, id as Id).is_some() {
            // A known shape this time; the same callable in another shape
            // is still looked at.
            continue;
        }
        seen[call.func as usize] = true;
        let name = if let Some((owner, attr)) = attribute_of(g, call.func) {
            format!("{}.{}.{attr}", owner.module, owner.name)
        } else if let Some(Name { module, name }) = name_of(g, call.func) {
            if module == "builtins" && name == "getattr" {
                // Only fetches an attribute; calling what it fetched is
                // what counts, and is named as `module.Class.attr`.
                continue;
            }
            format!("{module}.{name}")
        } else {
            "a value the pickle computed".to_string()
        };
        if TRUSTED.contains(&name.as_str()) || found.contains(&name) {
            continue;
        }
        found.push(name);
    }
    found
}

/// Reconstructors that only look up what they rebuild: Django's model
/// fields (`Field.__reduce__`) are found by app, model and name.
const TRUSTED: &[&str] = &["django.db.models.fields._load_field"];

/// `http.HTTPStatus`'s members (Python 3.11), to read `HTTPStatus(404)`
/// as `<HTTPStatus.NOT_FOUND: 404>`; an enum that is not listed reads as
/// the call that makes it, since the pickle holds only its value.
const HTTP_STATUS: &[(u16, &str)] = &[
    (100, "CONTINUE"),
    (101, "SWITCHING_PROTOCOLS"),
    (102, "PROCESSING"),
    (103, "EARLY_HINTS"),
    (200, "OK"),
    (201, "CREATED"),
    (202, "ACCEPTED"),
    (203, "NON_AUTHORITATIVE_INFORMATION"),
    (204, "NO_CONTENT"),
    (205, "RESET_CONTENT"),
    (206, "PARTIAL_CONTENT"),
    (207, "MULTI_STATUS"),
    (208, "ALREADY_REPORTED"),
    (226, "IM_USED"),
    (300, "MULTIPLE_CHOICES"),
    (301, "MOVED_PERMANENTLY"),
    (302, "FOUND"),
    (303, "SEE_OTHER"),
    (304, "NOT_MODIFIED"),
    (305, "USE_PROXY"),
    (307, "TEMPORARY_REDIRECT"),
    (308, "PERMANENT_REDIRECT"),
    (400, "BAD_REQUEST"),
    (401, "UNAUTHORIZED"),
    (402, "PAYMENT_REQUIRED"),
    (403, "FORBIDDEN"),
    (404, "NOT_FOUND"),
    (405, "METHOD_NOT_ALLOWED"),
    (406, "NOT_ACCEPTABLE"),
    (407, "PROXY_AUTHENTICATION_REQUIRED"),
    (408, "REQUEST_TIMEOUT"),
    (409, "CONFLICT"),
    (410, "GONE"),
    (411, "LENGTH_REQUIRED"),
    (412, "PRECONDITION_FAILED"),
    (413, "REQUEST_ENTITY_TOO_LARGE"),
    (414, "REQUEST_URI_TOO_LONG"),
    (415, "UNSUPPORTED_MEDIA_TYPE"),
    (416, "REQUESTED_RANGE_NOT_SATISFIABLE"),
    (417, "EXPECTATION_FAILED"),
    (418, "IM_A_TEAPOT"),
    (421, "MISDIRECTED_REQUEST"),
    (422, "UNPROCESSABLE_ENTITY"),
    (423, "LOCKED"),
    (424, "FAILED_DEPENDENCY"),
    (425, "TOO_EARLY"),
    (426, "UPGRADE_REQUIRED"),
    (428, "PRECONDITION_REQUIRED"),
    (429, "TOO_MANY_REQUESTS"),
    (431, "REQUEST_HEADER_FIELDS_TOO_LARGE"),
    (451, "UNAVAILABLE_FOR_LEGAL_REASONS"),
    (500, "INTERNAL_SERVER_ERROR"),
    (501, "NOT_IMPLEMENTED"),
    (502, "BAD_GATEWAY"),
    (503, "SERVICE_UNAVAILABLE"),
    (504, "GATEWAY_TIMEOUT"),
    (505, "HTTP_VERSION_NOT_SUPPORTED"),
    (506, "VARIANT_ALSO_NEGOTIATES"),
    (507, "INSUFFICIENT_STORAGE"),
    (508, "LOOP_DETECTED"),
    (510, "NOT_EXTENDED"),
    (511, "NETWORK_AUTHENTICATION_REQUIRED"),
];
