//! The value graph as Python's `repr` writes it, on one line, into a
//! bounded [`Out`]: a shared value is written again wherever it appears
//! (as Python does), but never past the output's cap, which is checked
//! before each value, so time is bounded by the text produced.

use std::fmt::Write as _;

use super::graph::{Clock, Coerce, Day, Graph, Id, Moment, NONE, Node, Seq};
use super::known::{Delta, Kind, Known, Name, attribute_of, dict_get, kind, known, name_of};
use super::text::{
    MAX_INT_DIGITS, Out, ShortestFloat, code_points, float_repr, le_bits, write_bytes_repr,
    write_str_repr,
};

/// Deeper nesting is shown as `...` (Python's own repr gives up with a
/// RecursionError somewhat deeper).
pub(crate) const MAX_DEPTH: usize = 100;

/// Fields that say which row a Django model instance is, in the order
/// they are shown after its pk (at most three of them).
const IDENTIFYING: &[&str] = &[
    "name",
    "IPN",
    "reference",
    "serial",
    "batch",
    "title",
    "username",
    "email",
    "slug",
    "key",
    "code",
    "label",
];
/// A field of the short form is cut at this many characters.
const SHORT_FIELD: usize = 40;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// Everything the pickle says.
    Full,
    /// Model instances as `<Part pk=12 name='M3 screw'>`.
    Short,
}

pub(crate) struct Render<'g> {
    pub g: &'g Graph,
    pub shortest: ShortestFloat,
    pub form: Form,
    /// Values being written (on the path from the root): a value inside
    /// itself reads as Python shows it, `[...]`.
    open: Vec<bool>,
}

/// A callable's dotted name, as a call shows it.
pub(crate) enum Callee<'g> {
    Name(Name<'g>),
    Attribute(Name<'g>, &'g str),
    Other(Id),
}

impl<'g> Render<'g> {
    pub fn new(g: &'g Graph, shortest: ShortestFloat, form: Form) -> Render<'g> {
        Render {
            g,
            shortest,
            form,
            open: vec![false; g.nodes.len()],
        }
    }

    pub fn is_open(&self, id: Id) -> bool {
        self.open[id as usize]
    }

    pub fn enter(&mut self, id: Id) {
        self.open[id as usize] = true;
    }

    pub fn leave(&mut self, id: Id) {
        self.open[id as usize] = false;
    }

    /// `[...]`, `{...}` or `...` for a value inside itself.
    pub fn write_recursion(&self, id: Id, out: &mut Out) {
        out.str(match self.g.node(id) {
            Node::List(_) => "[...]",
            Node::Dict(_) | Node::Set(_) => "{...}",
            _ => "...",
        });
    }

    pub fn repr(&mut self, id: Id, depth: usize, out: &mut Out) {
        if out.cut {
            return;
        }
        if depth > MAX_DEPTH || self.is_open(id) {
            self.write_recursion(id, out);
            return;
        }
        let g = self.g;
        match g.node(id) {
            Node::None => out.str("None"),
            Node::Bool(true) => out.str("True"),
            Node::Bool(false) => out.str("False"),
            Node::Int(i) => write_int(out, i),
            Node::LongLe(t) => match g.big_digits(id, g.bytes(t)) {
                Some(digits) => out.str(&digits),
                None => {
                    let (negative, bits) = le_bits(g.bytes(t));
                    let sign = if negative { "negative " } else { "" };
                    out.str(&format!("<{sign}int of {bits} bits>"));
                }
            },
            Node::LongDec { negative, digits } => {
                if digits.len as usize > MAX_INT_DIGITS {
                    let sign = if negative { "negative " } else { "" };
                    out.str(&format!("<{sign}int of {} digits>", digits.len));
                } else {
                    if negative {
                        out.char('-');
                    }
                    out.str(g.str(digits));
                }
            }
            Node::Float(f) => out.str(&float_repr(f, self.shortest)),
            Node::FloatText(t) => out.str(g.str(t)),
            Node::Str(t) => write_str_repr(out, g.bytes(t), t.flags),
            Node::Bytes(t) => write_bytes_repr(out, g.bytes(t).iter().copied(), t.flags, false),
            Node::ByteArray(t) => {
                out.str("bytearray(");
                write_bytes_repr(out, g.bytes(t).iter().copied(), t.flags, true);
                out.char(')');
            }
            Node::Coerced(Coerce::Latin1, text) => self.latin1(text, false, out),
            Node::Coerced(Coerce::ByteArray, bytes) => {
                out.str("bytearray(");
                match g.node(bytes) {
                    Node::Bytes(t) => {
                        write_bytes_repr(out, g.bytes(t).iter().copied(), t.flags, true)
                    }
                    Node::Coerced(Coerce::Latin1, text) => self.latin1(text, true, out),
                    _ => out.str("b''"),
                }
                out.char(')');
            }
            Node::Coerced(kind @ (Coerce::Set | Coerce::FrozenSet), list) => {
                let items = self.items_of(list);
                self.contained(id, out, |r, out| {
                    r.set(items, kind == Coerce::FrozenSet, depth, out)
                });
            }
            Node::Tuple(seq) => self.contained(id, out, |r, out| {
                let items = r.g.seq(seq);
                out.char('(');
                r.seq(items, depth, out);
                if items.len() == 1 {
                    out.char(',');
                }
                out.char(')');
            }),
            Node::List(seq) => self.contained(id, out, |r, out| {
                out.char('[');
                r.seq(r.g.seq(seq), depth, out);
                out.char(']');
            }),
            Node::Dict(seq) => self.contained(id, out, |r, out| r.dict(seq, depth, out)),
            Node::Set(seq) => {
                self.contained(id, out, |r, out| r.set(r.g.seq(seq), false, depth, out))
            }
            Node::FrozenSet(seq) => {
                self.contained(id, out, |r, out| r.set(r.g.seq(seq), true, depth, out))
            }
            Node::Global(_) => self.global_value(id, out),
            Node::Call(c) => self.contained(id, out, |r, out| match known(r.g, id) {
                Some(Known::Model { object_name, state }) if r.form == Form::Short => {
                    r.model(object_name, state, depth, out)
                }
                Some(Known::Model { .. }) | None => r.call(c, depth, out),
                Some(k) => r.known(k, depth, out),
            }),
            Node::Moment(m) => write_moment(out, g.moments[m as usize]),
        }
    }

    fn contained(&mut self, id: Id, out: &mut Out, write: impl FnOnce(&mut Self, &mut Out)) {
        self.enter(id);
        write(self, out);
        self.leave(id);
    }

    pub fn items_of(&self, id: Id) -> &'g [Id] {
        match self.g.node(id) {
            Node::List(seq) | Node::Tuple(seq) => self.g.seq(seq),
            _ => &[],
        }
    }

    pub fn seq(&mut self, items: &[Id], depth: usize, out: &mut Out) {
        for (i, item) in items.iter().enumerate() {
            if out.cut {
                return;
            }
            if i > 0 {
                out.str(", ");
            }
            self.repr(*item, depth + 1, out);
        }
    }

    pub fn pairs(&mut self, items: &[Id], depth: usize, out: &mut Out) {
        for (i, pair) in items.chunks(2).enumerate() {
            if out.cut {
                return;
            }
            if i > 0 {
                out.str(", ");
            }
            self.repr(pair[0], depth + 1, out);
            out.str(": ");
            self.repr(pair[1], depth + 1, out);
        }
    }

    fn dict(&mut self, seq: Seq, depth: usize, out: &mut Out) {
        out.char('{');
        self.pairs(self.g.seq(seq), depth, out);
        out.char('}');
    }

    fn set(&mut self, items: &[Id], frozen: bool, depth: usize, out: &mut Out) {
        match (items.is_empty(), frozen) {
            (true, false) => out.str("set()"),
            (true, true) => out.str("frozenset()"),
            (false, frozen) => {
                out.str(if frozen { "frozenset({" } else { "{" });
                self.seq(items, depth, out);
                out.str(if frozen { "})" } else { "}" });
            }
        }
    }

    /// `bytes` that protocols before 3 wrote as Latin-1 text.
    fn latin1(&self, text: Id, escape_single: bool, out: &mut Out) {
        if let Node::Str(t) = self.g.node(text) {
            let bytes = code_points(self.g.bytes(t)).map(|cp| cp as u8);
            write_bytes_repr(out, bytes, t.flags, escape_single);
        }
    }

    /// A class, function or constant referred to by name, said as what
    /// it is: `<class 'part.models.Part'>`, `<function
    /// InvenTree.tasks.heartbeat>` (Python adds an address), `<built-in
    /// function len>`, `Ellipsis`.
    fn global_value(&self, id: Id, out: &mut Out) {
        let Some(Name { module, name }) = name_of(self.g, id) else {
            return;
        };
        match kind(module, name) {
            Kind::Constant => out.str(name),
            Kind::Class if module == "builtins" => {
                out.str("<class '");
                out.str(name);
                out.str("'>");
            }
            Kind::Class => {
                out.str("<class '");
                out.str(module);
                out.char('.');
                out.str(name);
                out.str("'>");
            }
            Kind::BuiltinFunction => {
                out.str("<built-in function ");
                out.str(name);
                out.char('>');
            }
            Kind::Function => {
                out.str("<function ");
                out.str(module);
                out.char('.');
                out.str(name);
                out.char('>');
            }
        }
    }

    pub fn callee(&self, func: Id) -> Callee<'g> {
        if let Some(name) = name_of(self.g, func) {
            return Callee::Name(name);
        }
        if let Some((owner, attr)) = attribute_of(self.g, func) {
            return Callee::Attribute(owner, attr);
        }
        Callee::Other(func)
    }

    pub fn write_callee(&mut self, func: Id, depth: usize, out: &mut Out) {
        match self.callee(func) {
            Callee::Name(Name { module, name }) => {
                out.str(module);
                out.char('.');
                out.str(name);
            }
            Callee::Attribute(Name { module, name }, attr) => {
                out.str(module);
                out.char('.');
                out.str(name);
                out.char('.');
                out.str(attr);
            }
            Callee::Other(id) => self.repr(id, depth + 1, out),
        }
    }

    /// What a call is called with: positional arguments, then keywords
    /// (NEWOBJ_EX's and the state's, when it is a dict of names), the
    /// state when it is something else, and the items appended or set.
    pub fn call_parts(&self, c: u32) -> Vec<Part<'g>> {
        let g = self.g;
        let call = *g.call(c);
        let mut parts: Vec<Part<'g>> = g.tuple(call.args).iter().map(|a| Part::Arg(*a)).collect();
        let mut named: Vec<(Id, Id)> = Vec::new();
        let mut other_state = None;
        let dict_pairs = |dict: Id, named: &mut Vec<(Id, Id)>| {
            if let Node::Dict(seq) = g.node(dict) {
                named.extend(g.seq(seq).chunks(2).map(|p| (p[0], p[1])));
                true
            } else {
                false
            }
        };
        if let Some(kwargs) = call.kwargs.get() {
            dict_pairs(kwargs, &mut named);
        }
        if let Some(state) = call.state.get() {
            let handled = match g.node(state) {
                Node::Dict(_) => dict_pairs(state, &mut named),
                // `(dict or None, slots)`: what a class with `__slots__` gives.
                Node::Tuple(_) => match g.tuple(state) {
                    [first, slots] if matches!(g.node(*slots), Node::Dict(_)) => {
                        let first_ok = *first == NONE || dict_pairs(*first, &mut named);
                        first_ok && dict_pairs(*slots, &mut named)
                    }
                    _ => false,
                },
                _ => false,
            };
            if !handled {
                other_state = Some(state);
            }
        }
        let keywords = named
            .iter()
            .all(|(k, _)| g.text_of(*k).is_some_and(is_identifier));
        if keywords {
            parts.extend(
                named
                    .iter()
                    .map(|(k, v)| Part::Keyword(g.text_of(*k).unwrap_or("?"), *v)),
            );
        } else if !named.is_empty() {
            parts.push(Part::Keywords(named));
        }
        if let Some(state) = other_state {
            parts.push(Part::Keyword("__setstate__", state));
        }
        if let Some(seq) = call.list_items.get() {
            parts.push(Part::List(seq));
        }
        if let Some(seq) = call.dict_items.get() {
            parts.push(Part::Dict(seq));
        }
        parts
    }

    /// `module.func(args, key=value)`: the plain call, as the pickle says.
    fn call(&mut self, c: u32, depth: usize, out: &mut Out) {
        let call = *self.g.call(c);
        self.write_callee(call.func, depth, out);
        out.char('(');
        for (i, part) in self.call_parts(c).into_iter().enumerate() {
            if out.cut {
                return;
            }
            if i > 0 {
                out.str(", ");
            }
            self.part(&part, depth, out);
        }
        out.char(')');
    }

    pub fn part(&mut self, part: &Part<'g>, depth: usize, out: &mut Out) {
        match part {
            Part::Arg(id) => self.repr(*id, depth + 1, out),
            Part::Keyword(name, id) => {
                out.str(name);
                out.char('=');
                self.repr(*id, depth + 1, out);
            }
            Part::Keywords(pairs) => {
                out.str("**{");
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.str(", ");
                    }
                    self.repr(*k, depth + 1, out);
                    out.str(": ");
                    self.repr(*v, depth + 1, out);
                }
                out.char('}');
            }
            Part::List(seq) => {
                out.char('[');
                self.seq(self.g.seq(*seq), depth, out);
                out.char(']');
            }
            Part::Dict(seq) => self.dict(*seq, depth, out),
        }
    }

    /// `<Part pk=12 name='M3 screw' IPN='SCR-003'>`: the model's name, its
    /// primary key and up to three fields that say which row it is, each
    /// cut short.
    fn model(&mut self, object_name: Id, state: Option<Id>, depth: usize, out: &mut Out) {
        let g = self.g;
        out.char('<');
        out.str(g.text_of(object_name).unwrap_or("?"));
        if let Some(state) = state {
            let pk = dict_get(g, state, "id")
                .map(|v| ("pk", v))
                .or_else(|| dict_get(g, state, "pk").map(|v| ("pk", v)));
            let fields = IDENTIFYING
                .iter()
                .filter_map(|name| dict_get(g, state, name).map(|v| (*name, v)))
                .filter(|(_, v)| *v != NONE)
                .take(3);
            for (name, value) in pk.into_iter().chain(fields) {
                out.char(' ');
                out.str(name);
                out.char('=');
                let mut field = Out::new(SHORT_FIELD);
                self.repr(value, depth + 1, &mut field);
                out.str(&field.text);
                if field.cut {
                    out.char('…');
                }
            }
        }
        out.char('>');
    }

    fn known(&mut self, k: Known, depth: usize, out: &mut Out) {
        let g = self.g;
        match k {
            Known::Date(day) => write_date(out, day),
            Known::DateTime {
                day,
                clock,
                fold,
                tz,
            } => {
                write_datetime_start(out, day, clock);
                self.fold_and_zone(fold, tz, depth, out);
            }
            Known::Time { clock, fold, tz } => {
                out.str("datetime.time(");
                write_clock(out, clock);
                self.fold_and_zone(fold, tz, depth, out);
            }
            Known::TimeDelta(d) => write_delta(out, d),
            Known::TimeZone { delta, name } => {
                if delta.is_zero() && name.is_none() {
                    out.str("datetime.timezone.utc");
                } else {
                    out.str("datetime.timezone(");
                    write_delta(out, delta);
                    if let Some(name) = name {
                        out.str(", ");
                        self.repr(name, depth + 1, out);
                    }
                    out.char(')');
                }
            }
            Known::ZoneInfo { key } => {
                out.str("zoneinfo.ZoneInfo(key=");
                self.repr(key, depth + 1, out);
                out.char(')');
            }
            Known::Decimal(text) => {
                out.str("Decimal(");
                self.repr(text, depth + 1, out);
                out.char(')');
            }
            Known::Uuid(value) => {
                let hex = format!("{value:032x}");
                out.str(&format!(
                    "UUID('{}-{}-{}-{}-{}')",
                    &hex[..8],
                    &hex[8..12],
                    &hex[12..16],
                    &hex[16..20],
                    &hex[20..]
                ));
            }
            Known::Complex(real, imag) => {
                let re_text = self.float_text(real);
                let im_text = self.float_text(imag);
                let part = |text: String| match text.strip_suffix(".0") {
                    Some(whole) => whole.to_string(),
                    None => text,
                };
                let im_text = part(im_text);
                // A real part of +0 is left out, as Python does (not -0).
                let positive_zero =
                    !re_text.starts_with('-') && re_text.bytes().all(|b| matches!(b, b'0' | b'.'));
                if positive_zero {
                    out.str(&im_text);
                    out.char('j');
                } else {
                    out.char('(');
                    out.str(&part(re_text));
                    if !im_text.starts_with('-') {
                        out.char('+');
                    }
                    out.str(&im_text);
                    out.str("j)");
                }
            }
            Known::Range(start, stop, step) => {
                out.str("range(");
                self.repr(start, depth + 1, out);
                out.str(", ");
                self.repr(stop, depth + 1, out);
                if g.int_of(step) != Some(1) || matches!(g.node(step), Node::Bool(_)) {
                    out.str(", ");
                    self.repr(step, depth + 1, out);
                }
                out.char(')');
            }
            Known::Slice(start, stop, step) => {
                out.str("slice(");
                self.seq(&[start, stop, step], depth, out);
                out.char(')');
            }
            Known::OrderedDict(items) => {
                out.str("OrderedDict(");
                if let Some(seq) = items.filter(|s| !g.seq(*s).is_empty()) {
                    self.pair_list(g.seq(seq), depth, out);
                }
                out.char(')');
            }
            Known::DefaultDict { factory, items } => {
                out.str("defaultdict(");
                self.repr(factory, depth + 1, out);
                out.str(", {");
                if let Some(seq) = items {
                    self.pairs(g.seq(seq), depth, out);
                }
                out.str("})");
            }
            Known::Counter(dict) => {
                let Node::Dict(seq) = g.node(dict) else {
                    return;
                };
                let pairs = counter_order(g, g.seq(seq));
                if pairs.is_empty() {
                    out.str("Counter()");
                } else {
                    out.str("Counter({");
                    self.pairs(&pairs, depth, out);
                    out.str("})");
                }
            }
            Known::Exception { func, args } => {
                out.str(name_of(g, func).map_or("Exception", |n| n.name));
                out.char('(');
                self.seq(g.tuple(args), depth, out);
                out.char(')');
            }
            Known::HttpStatus(code, name) => {
                out.str(&format!("<HTTPStatus.{name}: {code}>"));
            }
            Known::Model { .. } => {}
            Known::Wrapped(inner) => self.repr(inner, depth, out),
        }
    }

    /// `[('a', 1), ('b', 2)]`: an OrderedDict's items, as Python 3.11
    /// writes them.
    pub fn pair_list(&mut self, items: &[Id], depth: usize, out: &mut Out) {
        out.char('[');
        for (i, pair) in items.chunks(2).enumerate() {
            if out.cut {
                return;
            }
            if i > 0 {
                out.str(", ");
            }
            out.char('(');
            self.repr(pair[0], depth + 2, out);
            out.str(", ");
            self.repr(pair[1], depth + 2, out);
            out.char(')');
        }
        out.char(']');
    }

    fn fold_and_zone(&mut self, fold: bool, tz: Option<Id>, depth: usize, out: &mut Out) {
        if fold {
            out.str(", fold=1");
        }
        if let Some(tz) = tz {
            out.str(", tzinfo=");
            self.repr(tz, depth + 1, out);
        }
        out.char(')');
    }

    /// A float's repr, from a float or an integer node.
    fn float_text(&self, id: Id) -> String {
        match self.g.node(id) {
            Node::Float(f) => float_repr(f, self.shortest),
            Node::FloatText(t) => self.g.str(t).to_string(),
            Node::Int(i) => float_repr(i as f64, self.shortest),
            _ => "nan".into(),
        }
    }
}

/// Parts of a call as written: `12`, `pk=12`, `**{1: 2}`, `[appended]`,
/// `{set: items}`.
#[derive(Clone, Debug)]
pub(crate) enum Part<'g> {
    Arg(Id),
    Keyword(&'g str, Id),
    Keywords(Vec<(Id, Id)>),
    List(Seq),
    Dict(Seq),
}

/// `Counter`'s repr lists its items most common first (ties in their
/// order), when the counts are integers.
pub(crate) fn counter_order(g: &Graph, items: &[Id]) -> Vec<Id> {
    // Pairs by their index.
    let mut pairs: Vec<Id> = (0..(items.len() / 2) as Id).collect();
    let count = |p: Id| g.int_of(items[2 * p as usize + 1]);
    if pairs.iter().all(|p| count(*p).is_some()) {
        stable_sort(&mut pairs, &|a, b| count(a) >= count(b));
    }
    pairs
        .into_iter()
        .flat_map(|p| [items[2 * p as usize], items[2 * p as usize + 1]])
        .collect()
}

/// A merge sort that keeps equal items in their order, by
/// `in_order(a, b)` (a may come before b): one small function for every
/// order this reader needs (the standard library's sort is several
/// kilobytes of WASM per comparison it is used with).
pub(crate) fn stable_sort(ids: &mut Vec<Id>, in_order: &dyn Fn(Id, Id) -> bool) {
    let mut from = std::mem::take(ids);
    let mut to = vec![0; from.len()];
    let mut width = 1;
    while width < from.len() {
        for start in (0..from.len()).step_by(2 * width) {
            let mid = (start + width).min(from.len());
            let end = (start + 2 * width).min(from.len());
            let (mut i, mut j) = (start, mid);
            for slot in &mut to[start..end] {
                let left = i < mid && (j >= end || in_order(from[i], from[j]));
                *slot = if left { from[i] } else { from[j] };
                if left {
                    i += 1;
                } else {
                    j += 1;
                }
            }
        }
        std::mem::swap(&mut from, &mut to);
        width *= 2;
    }
    *ids = from;
}

pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    // ASCII names only; others are shown in a `**{…}` dict.
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

fn write_int(out: &mut Out, i: i64) {
    let mut s = String::new();
    let _ = write!(s, "{i}");
    out.str(&s);
}

/// `10, 30` / `10, 30, 5` / `10, 30, 5, 250000`, as `datetime` and
/// `time` reprs leave out a zero second and microsecond.
fn write_clock(out: &mut Out, clock: Clock) {
    let mut s = format!("{}, {}", clock.hour, clock.minute);
    if clock.second != 0 || clock.micro != 0 {
        let _ = write!(s, ", {}", clock.second);
    }
    if clock.micro != 0 {
        let _ = write!(s, ", {}", clock.micro);
    }
    out.str(&s);
}

/// `datetime.timedelta(days=2, seconds=30)`, `datetime.timedelta(0)`.
pub(crate) fn write_delta(out: &mut Out, d: Delta) {
    let mut fields = Vec::new();
    if d.days != 0 {
        fields.push(format!("days={}", d.days));
    }
    if d.seconds != 0 {
        fields.push(format!("seconds={}", d.seconds));
    }
    if d.micros != 0 {
        fields.push(format!("microseconds={}", d.micros));
    }
    if fields.is_empty() {
        fields.push("0".into());
    }
    out.str(&format!("datetime.timedelta({})", fields.join(", ")));
}

/// `datetime.date(2025, 3, 15)`.
fn write_date(out: &mut Out, d: Day) {
    out.str(&format!(
        "datetime.date({}, {}, {})",
        d.year, d.month, d.day
    ));
}

/// `datetime.datetime(2025, 3, 15, 10, 30`: what follows (fold, zone,
/// the closing parenthesis) is the caller's.
fn write_datetime_start(out: &mut Out, d: Day, clock: Clock) {
    out.str(&format!(
        "datetime.datetime({}, {}, {}, ",
        d.year, d.month, d.day
    ));
    write_clock(out, clock);
}

/// A date or time DRF sent as ISO 8601 text, as the Python value it was.
fn write_moment(out: &mut Out, m: Moment) {
    match m {
        Moment::Date(day) => write_date(out, day),
        Moment::DateTime { day, clock, offset } => {
            write_datetime_start(out, day, clock);
            match offset {
                None => {}
                Some(0) => out.str(", tzinfo=datetime.timezone.utc"),
                Some(seconds) => {
                    out.str(", tzinfo=datetime.timezone(");
                    write_delta(out, Delta::from_seconds(i64::from(seconds)));
                    out.char(')');
                }
            }
            out.char(')');
        }
        Moment::Time(clock) => {
            out.str("datetime.time(");
            write_clock(out, clock);
            out.char(')');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_merge_sort_sorts_and_keeps_ties_in_order() {
        let key = |i: Id| i / 10;
        for n in [0, 1, 2, 7, 64, 1000] {
            let mut ids: Vec<Id> = (0..n).map(|i| (i * 7919) % (n.max(1) * 3)).collect();
            let mut expected = ids.clone();
            expected.sort_by_key(|i| key(*i));
            stable_sort(&mut ids, &|a, b| key(a) <= key(b));
            assert_eq!(ids, expected, "{n}");
        }
    }
}
