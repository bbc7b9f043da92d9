//! The value laid out across lines as Python's
//! `pprint.pformat(value, width=…, sort_dicts=False)` does (CPython 3.11's
//! `PrettyPrinter`, followed step by step): a value that fits in what is
//! left of the line is written flat, a container that does not is broken
//! one item a line, long strings and bytes are split into adjacent
//! literals. Dicts keep their order (`sort_dicts=False`: keyword
//! arguments read in the order they were given). Calls this reader shows
//! (objects, unknown reductions), which have no `repr` of their own, are
//! laid out with their items on lines of their own under the call.
//!
//! Each value's fit is measured with an [`Out`] cut just past the room
//! left, so a check costs at most a line however big the value is, and
//! everything stops once the output's own cap is reached.

use super::graph::{Coerce, Id, Node, Seq};
use super::known::{Known, known};
use super::repr::{MAX_DEPTH, Part, Render, counter_order, stable_sort};
use super::text::{
    HAS_DOUBLE, HAS_SINGLE, Out, bytes_escape_len, code_points, quote_for, str_escape_len,
    write_bytes_repr, write_str_repr,
};

/// Something to lay out: a node, or a view the printer makes of one
/// (an OrderedDict's items as a list of pairs, a call's items).
#[derive(Clone, Copy)]
enum Item {
    Node(Id),
    Dict(Seq),
    List(Seq),
    /// Keys and values, as a list of `(key, value)` tuples.
    PairList(Seq),
    Pair(Id, Id),
}

/// How far a broken call's items are indented.
const HANGING: isize = 4;

pub(crate) struct Pretty<'r, 'g> {
    r: &'r mut Render<'g>,
    width: isize,
    pub out: Out,
    /// Where the line of a `key=value` starts: a call as the value hangs
    /// its items from there, not from after the key.
    hang_from: Option<isize>,
}

impl<'r, 'g> Pretty<'r, 'g> {
    pub fn new(r: &'r mut Render<'g>, width: usize, limit: usize) -> Self {
        Pretty {
            r,
            width: width as isize,
            out: Out::new(limit),
            hang_from: None,
        }
    }

    pub fn format_root(&mut self, id: Id) {
        self.format(Item::Node(id), 0, 0, 0, 0);
    }

    fn flat(&mut self, item: Item, depth: usize, out: &mut Out) {
        let g = self.r.g;
        match item {
            Item::Node(id) => self.r.repr(id, depth, out),
            Item::Dict(seq) => {
                out.char('{');
                self.r.pairs(g.seq(seq), depth, out);
                out.char('}');
            }
            Item::List(seq) => {
                out.char('[');
                self.r.seq(g.seq(seq), depth, out);
                out.char(']');
            }
            Item::PairList(seq) => self.r.pair_list(g.seq(seq), depth, out),
            Item::Pair(k, v) => {
                out.char('(');
                self.r.seq(&[k, v], depth, out);
                out.char(')');
            }
        }
    }

    /// Writes the flat form into the output, and how many characters it
    /// took.
    fn write_flat(&mut self, item: Item, depth: usize) -> usize {
        let before = self.out.chars;
        let mut out = std::mem::replace(&mut self.out, Out::new(0));
        self.flat(item, depth, &mut out);
        self.out = out;
        self.out.chars - before
    }

    fn spaces(&mut self, n: isize) {
        for _ in 0..n.max(0) {
            self.out.char(' ');
        }
    }

    fn newline(&mut self, indent: isize) {
        self.out.char('\n');
        self.spaces(indent);
    }

    fn format(&mut self, item: Item, indent: isize, allowance: isize, level: usize, depth: usize) {
        let hang_from = self.hang_from.take().unwrap_or(indent);
        if self.out.cut {
            return;
        }
        if let Item::Node(id) = item
            && (depth > MAX_DEPTH || self.r.is_open(id))
        {
            let mut out = std::mem::replace(&mut self.out, Out::new(0));
            self.r.write_recursion(id, &mut out);
            self.out = out;
            return;
        }
        let max_width = self.width - indent - allowance;
        if max_width >= 0 {
            let mut flat = Out::new(max_width as usize + 1);
            self.flat(item, depth, &mut flat);
            if !flat.cut && flat.chars as isize <= max_width {
                self.out.str(&flat.text);
                return;
            }
        }
        let level = level + 1;
        let g = self.r.g;
        match item {
            Item::Dict(seq) => self.dict(seq, indent, allowance, level, depth),
            Item::List(seq) => self.list(g.seq(seq), indent, allowance, level, depth),
            Item::PairList(seq) => {
                let pairs: Vec<Item> = g
                    .seq(seq)
                    .chunks(2)
                    .map(|p| Item::Pair(p[0], p[1]))
                    .collect();
                self.out.char('[');
                self.items(&pairs, indent, allowance + 1, level, depth);
                self.out.char(']');
            }
            Item::Pair(k, v) => {
                self.out.char('(');
                self.items(
                    &[Item::Node(k), Item::Node(v)],
                    indent,
                    allowance + 1,
                    level,
                    depth,
                );
                self.out.char(')');
            }
            Item::Node(id) => {
                self.r.enter(id);
                self.node(id, indent, hang_from, allowance, level, depth);
                self.r.leave(id);
            }
        }
    }

    fn node(
        &mut self,
        id: Id,
        indent: isize,
        hang_from: isize,
        allowance: isize,
        level: usize,
        depth: usize,
    ) {
        let g = self.r.g;
        match g.node(id) {
            Node::Dict(seq) => self.dict(seq, indent, allowance, level, depth),
            Node::List(seq) => self.list(g.seq(seq), indent, allowance, level, depth),
            Node::Tuple(seq) => {
                let items: Vec<Item> = g.seq(seq).iter().map(|i| Item::Node(*i)).collect();
                let end = if items.len() == 1 { ",)" } else { ")" };
                self.out.char('(');
                self.items(&items, indent, allowance + end.len() as isize, level, depth);
                self.out.str(end);
            }
            Node::Set(seq) => self.set(g.seq(seq), false, indent, allowance, level, depth),
            Node::FrozenSet(seq) => self.set(g.seq(seq), true, indent, allowance, level, depth),
            Node::Coerced(kind @ (Coerce::Set | Coerce::FrozenSet), list) => {
                let items = self.r.items_of(list);
                self.set(
                    items,
                    kind == Coerce::FrozenSet,
                    indent,
                    allowance,
                    level,
                    depth,
                );
            }
            Node::Str(t) => self.string(g.bytes(t), indent, allowance, level),
            Node::Bytes(t) => self.bytes(g.bytes(t).to_vec(), indent, allowance, level),
            Node::Coerced(Coerce::Latin1, text) => {
                let bytes = latin1(self.r, text);
                self.bytes(bytes, indent, allowance, level);
            }
            Node::ByteArray(t) => self.bytearray(g.bytes(t).to_vec(), indent, allowance, level),
            Node::Coerced(Coerce::ByteArray, inner) => {
                let bytes = match g.node(inner) {
                    Node::Bytes(t) => g.bytes(t).to_vec(),
                    Node::Coerced(Coerce::Latin1, text) => latin1(self.r, text),
                    _ => Vec::new(),
                };
                self.bytearray(bytes, indent, allowance, level);
            }
            Node::Call(c) => match known(g, id) {
                Some(Known::OrderedDict(Some(seq))) if !g.seq(seq).is_empty() => {
                    self.out.str("OrderedDict(");
                    self.format(
                        Item::PairList(seq),
                        indent + 12,
                        allowance + 1,
                        level,
                        depth + 1,
                    );
                    self.out.char(')');
                }
                Some(Known::DefaultDict {
                    factory,
                    items: Some(seq),
                }) if !g.seq(seq).is_empty() => {
                    let indent = indent + 12;
                    self.out.str("defaultdict(");
                    self.write_flat(Item::Node(factory), depth + 1);
                    self.out.char(',');
                    self.newline(indent);
                    self.dict(seq, indent, allowance + 1, level, depth);
                    self.out.char(')');
                }
                Some(Known::Counter(dict)) => match g.node(dict) {
                    Node::Dict(seq) if !g.seq(seq).is_empty() => {
                        let pairs = counter_order(g, g.seq(seq));
                        self.out.str("Counter({");
                        self.dict_items(&pairs, indent + 8, allowance + 2, level, depth);
                        self.out.str("})");
                    }
                    _ => {
                        self.write_flat(Item::Node(id), depth);
                    }
                },
                Some(Known::Wrapped(inner)) => {
                    self.format(Item::Node(inner), indent, allowance, level - 1, depth)
                }
                Some(Known::Model { .. }) | None => {
                    self.call(c, hang_from, allowance, level, depth)
                }
                _ => self.flat_open(id, depth),
            },
            _ => self.flat_open(id, depth),
        }
    }

    /// The flat form of a node that is marked open (being laid out).
    fn flat_open(&mut self, id: Id, depth: usize) {
        self.r.leave(id);
        self.write_flat(Item::Node(id), depth);
        self.r.enter(id);
    }

    fn dict(&mut self, seq: Seq, indent: isize, allowance: isize, level: usize, depth: usize) {
        let items = self.r.g.seq(seq);
        self.out.char('{');
        self.dict_items(items, indent, allowance + 1, level, depth);
        self.out.char('}');
    }

    fn dict_items(
        &mut self,
        items: &[Id],
        indent: isize,
        allowance: isize,
        level: usize,
        depth: usize,
    ) {
        let indent = indent + 1;
        let n = items.len() / 2;
        for (i, pair) in items.chunks(2).enumerate() {
            if self.out.cut {
                return;
            }
            let last = i + 1 == n;
            let key = self.write_flat(Item::Node(pair[0]), depth + 1) as isize;
            self.out.str(": ");
            self.format(
                Item::Node(pair[1]),
                indent + key + 2,
                if last { allowance } else { 1 },
                level,
                depth + 1,
            );
            if !last {
                self.out.char(',');
                self.newline(indent);
            }
        }
    }

    fn list(&mut self, items: &[Id], indent: isize, allowance: isize, level: usize, depth: usize) {
        let items: Vec<Item> = items.iter().map(|i| Item::Node(*i)).collect();
        self.out.char('[');
        self.items(&items, indent, allowance + 1, level, depth);
        self.out.char(']');
    }

    fn items(
        &mut self,
        items: &[Item],
        indent: isize,
        allowance: isize,
        level: usize,
        depth: usize,
    ) {
        let indent = indent + 1;
        for (i, item) in items.iter().enumerate() {
            if self.out.cut {
                return;
            }
            if i > 0 {
                self.out.char(',');
                self.newline(indent);
            }
            let last = i + 1 == items.len();
            self.format(
                *item,
                indent,
                if last { allowance } else { 1 },
                level,
                depth + 1,
            );
        }
    }

    /// pprint sorts a set it breaks (its flat repr keeps Python's order);
    /// sorted here when its items are all strings or all numbers, the
    /// order Python's `_safe_key` gives them.
    fn set(
        &mut self,
        items: &[Id],
        frozen: bool,
        indent: isize,
        allowance: isize,
        level: usize,
        depth: usize,
    ) {
        if items.is_empty() {
            self.out.str(if frozen { "frozenset()" } else { "set()" });
            return;
        }
        let (indent, end) = if frozen {
            self.out.str("frozenset({");
            (indent + 10, "})")
        } else {
            self.out.char('{');
            (indent, "}")
        };
        let sorted: Vec<Item> = sorted_set(self.r, items)
            .into_iter()
            .map(Item::Node)
            .collect();
        self.items(
            &sorted,
            indent,
            allowance + end.len() as isize,
            level,
            depth,
        );
        self.out.str(end);
    }

    /// A call that does not fit on its line: its items one a line,
    /// indented under the call (a hanging indent: dotted names are long,
    /// and items aligned after them would run off the right edge).
    /// `indent` is where the line the call is on starts.
    fn call(&mut self, c: u32, indent: isize, allowance: isize, level: usize, depth: usize) {
        let call = *self.r.g.call(c);
        let mut out = std::mem::replace(&mut self.out, Out::new(0));
        self.r.write_callee(call.func, depth, &mut out);
        self.out = out;
        self.out.char('(');
        let indent = indent + HANGING;
        let parts = self.r.call_parts(c);
        for (i, part) in parts.iter().enumerate() {
            if self.out.cut {
                return;
            }
            self.out.str(if i == 0 { "" } else { "," });
            self.newline(indent);
            let last = i + 1 == parts.len();
            let allowance = if last { allowance + 1 } else { 1 };
            match part {
                Part::Arg(id) => self.format(Item::Node(*id), indent, allowance, level, depth + 1),
                Part::Keyword(name, id) => {
                    self.out.str(name);
                    self.out.char('=');
                    let key = name.chars().count() as isize + 1;
                    self.hang_from = Some(indent);
                    self.format(Item::Node(*id), indent + key, allowance, level, depth + 1);
                }
                Part::List(seq) => {
                    self.format(Item::List(*seq), indent, allowance, level, depth + 1)
                }
                Part::Dict(seq) => {
                    self.format(Item::Dict(*seq), indent, allowance, level, depth + 1)
                }
                Part::Keywords(_) => {
                    let mut out = std::mem::replace(&mut self.out, Out::new(0));
                    self.r.part(part, depth, &mut out);
                    self.out = out;
                }
            }
        }
        self.out.char(')');
    }

    /// `pprint`'s `_pprint_str`: lines apart, long lines split after
    /// whitespace, each piece its own literal (in parentheses at the top).
    fn string(&mut self, text: &[u8], indent: isize, allowance: isize, level: usize) {
        if text.is_empty() {
            self.out.str("''");
            return;
        }
        let (mut indent, mut allowance) = (indent, allowance);
        if level == 1 {
            indent += 1;
            allowance += 1;
        }
        let max_width = self.width - indent;
        let mut max_width1 = max_width;
        let mut chunks: Vec<(usize, usize, Measure)> = Vec::new();
        for (start, end) in lines(text) {
            let last_line = end == text.len();
            let measure = Measure::of_str(&text[start..end]);
            if last_line {
                max_width1 -= allowance;
            }
            if measure.str_len() as isize <= max_width1 {
                chunks.push((start, end, measure));
                continue;
            }
            let mut max_width2 = max_width;
            let mut current: Option<(usize, usize, Measure)> = None;
            for (p_start, p_end) in parts(text, start, end) {
                let part = Measure::of_str(&text[p_start..p_end]);
                let candidate = match current {
                    Some((c_start, _, m)) => (c_start, p_end, m.plus(part)),
                    None => (p_start, p_end, part),
                };
                if p_end == end && last_line {
                    max_width2 -= allowance;
                }
                if candidate.2.str_len() as isize > max_width2 {
                    if let Some(c) = current {
                        chunks.push(c);
                    }
                    current = Some((p_start, p_end, part));
                } else {
                    current = Some(candidate);
                }
            }
            if let Some(c) = current {
                chunks.push(c);
            }
        }
        if chunks.len() == 1 {
            let flags = Measure::of_str(text).flags();
            write_str_repr(&mut self.out, text, flags);
            return;
        }
        if level == 1 {
            self.out.char('(');
        }
        for (i, (start, end, m)) in chunks.iter().enumerate() {
            if self.out.cut {
                return;
            }
            if i > 0 {
                self.newline(indent);
            }
            write_str_repr(&mut self.out, &text[*start..*end], m.flags());
        }
        if level == 1 {
            self.out.char(')');
        }
    }

    /// `pprint`'s `_pprint_bytes`: four bytes at a time, as many as fit a
    /// line.
    fn bytes(&mut self, bytes: Vec<u8>, indent: isize, allowance: isize, level: usize) {
        let flat = |out: &mut Out, b: &[u8]| {
            write_bytes_repr(out, b.iter().copied(), Measure::of_bytes(b).flags(), false)
        };
        if bytes.len() <= 4 {
            flat(&mut self.out, &bytes);
            return;
        }
        let (mut indent, mut allowance) = (indent, allowance);
        let parens = level == 1;
        if parens {
            indent += 1;
            allowance += 1;
            self.out.char('(');
        }
        let mut width = self.width - indent;
        let last = bytes.len() / 4 * 4;
        let mut chunks: Vec<(usize, usize)> = Vec::new();
        let mut current: Option<(usize, usize, Measure)> = None;
        for i in (0..bytes.len()).step_by(4) {
            let end = (i + 4).min(bytes.len());
            let part = Measure::of_bytes(&bytes[i..end]);
            let candidate = match current {
                Some((start, _, m)) => (start, end, m.plus(part)),
                None => (i, end, part),
            };
            // As pprint does: the allowance counts only when the last
            // group is short (`i == last` is never met otherwise).
            if i == last {
                width -= allowance;
            }
            if candidate.2.bytes_len() as isize > width {
                if let Some((s, e, _)) = current {
                    chunks.push((s, e));
                }
                current = Some((i, end, part));
            } else {
                current = Some(candidate);
            }
        }
        if let Some((s, e, _)) = current {
            chunks.push((s, e));
        }
        for (i, (s, e)) in chunks.into_iter().enumerate() {
            if self.out.cut {
                return;
            }
            if i > 0 {
                self.newline(indent);
            }
            flat(&mut self.out, &bytes[s..e]);
        }
        if parens {
            self.out.char(')');
        }
    }

    fn bytearray(&mut self, bytes: Vec<u8>, indent: isize, allowance: isize, level: usize) {
        self.out.str("bytearray(");
        self.bytes(bytes, indent + 10, allowance + 1, level + 1);
        self.out.char(')');
    }
}

fn latin1(r: &Render, text: Id) -> Vec<u8> {
    match r.g.node(text) {
        Node::Str(t) => code_points(r.g.bytes(t)).map(|cp| cp as u8).collect(),
        _ => Vec::new(),
    }
}

/// The length of a literal's repr, kept as sums so that two adjacent
/// pieces measure in constant time: the escaped length with quotes
/// counted as one, and how many of each quote there are (they decide the
/// quote, and `'` is escaped between single quotes).
#[derive(Clone, Copy, Default)]
struct Measure {
    base: usize,
    single: usize,
    double: usize,
}

impl Measure {
    fn of_str(text: &[u8]) -> Measure {
        let mut m = Measure::default();
        for cp in code_points(text) {
            match cp {
                0x27 => m.single += 1,
                0x22 => m.double += 1,
                _ => {}
            }
            m.base += if cp == 0x27 || cp == 0x22 {
                1
            } else {
                str_escape_len(cp, '\'')
            };
        }
        m
    }

    fn of_bytes(bytes: &[u8]) -> Measure {
        let mut m = Measure::default();
        for b in bytes {
            match b {
                b'\'' => m.single += 1,
                b'"' => m.double += 1,
                _ => {}
            }
            m.base += if matches!(b, b'\'' | b'"') {
                1
            } else {
                bytes_escape_len(*b, b'\'')
            };
        }
        m
    }

    fn plus(self, other: Measure) -> Measure {
        Measure {
            base: self.base + other.base,
            single: self.single + other.single,
            double: self.double + other.double,
        }
    }

    fn flags(self) -> u8 {
        (if self.single > 0 { HAS_SINGLE } else { 0 })
            | (if self.double > 0 { HAS_DOUBLE } else { 0 })
    }

    fn escaped_quotes(self) -> usize {
        if quote_for(self.flags()) == '\'' {
            self.single
        } else {
            0
        }
    }

    fn str_len(self) -> usize {
        2 + self.base + self.escaped_quotes()
    }

    fn bytes_len(self) -> usize {
        3 + self.base + self.escaped_quotes()
    }
}

/// Code points and the byte offset each starts at.
fn points_at(text: &[u8], from: usize, to: usize) -> impl Iterator<Item = (usize, u32)> + '_ {
    let mut at = from;
    code_points(&text[from..to]).map(move |cp| {
        let start = at;
        at += match cp {
            0..=0x7f => 1,
            0x80..=0x7ff => 2,
            0x800..=0xffff => 3,
            _ => 4,
        };
        (start, cp)
    })
}

/// `str.splitlines(True)`: byte ranges, each with its line break.
fn lines(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut points = points_at(text, 0, text.len()).peekable();
    while let Some((at, cp)) = points.next() {
        let end = match cp {
            0x0d => {
                if let Some((next, 0x0a)) = points.peek().copied() {
                    points.next();
                    next + 1
                } else {
                    at + 1
                }
            }
            0x0a | 0x0b | 0x0c | 0x1c | 0x1d | 0x1e => at + 1,
            0x85 => at + 2,
            0x2028 | 0x2029 => at + 3,
            _ => continue,
        };
        out.push((start, end));
        start = end;
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}

/// Python's `str.isspace` (what `\s` matches in `re`).
fn is_space(cp: u32) -> bool {
    matches!(
        cp,
        0x09..=0x0d
            | 0x1c..=0x20
            | 0x85
            | 0xa0
            | 0x1680
            | 0x2000..=0x200a
            | 0x2028
            | 0x2029
            | 0x202f
            | 0x205f
            | 0x3000
    )
}

/// `re.findall(r'\S*\s*', line)` without its empty last match.
fn parts(text: &[u8], start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut part_start = start;
    let mut in_space = false;
    for (at, cp) in points_at(text, start, end) {
        let space = is_space(cp);
        if !space && in_space {
            out.push((part_start, at));
            part_start = at;
        }
        in_space = space;
    }
    if part_start < end {
        out.push((part_start, end));
    }
    out
}

/// The order pprint gives a set's items, where it can be worked out here.
fn sorted_set(r: &Render, items: &[Id]) -> Vec<Id> {
    let g = r.g;
    let mut sorted = items.to_vec();
    if items.iter().all(|i| matches!(g.node(*i), Node::Str(_))) {
        let text = |i: Id| match g.node(i) {
            Node::Str(t) => g.bytes(t),
            _ => &[],
        };
        stable_sort(&mut sorted, &|a, b| text(a) <= text(b));
    } else if items
        .iter()
        .all(|i| g.int_of(*i).is_some() || matches!(g.node(*i), Node::Float(_)))
    {
        let value = |i: Id| match g.node(i) {
            Node::Float(f) => f,
            _ => g.int_of(i).unwrap_or(0) as f64,
        };
        stable_sort(&mut sorted, &|a, b| value(a) <= value(b));
    }
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_parts_split_as_python_does() {
        assert_eq!(lines(b"a\nb\r\nc\rd"), [(0, 2), (2, 5), (5, 7), (7, 8)]);
        assert_eq!(lines(b"a\n"), [(0, 2)]);
        assert_eq!(
            parts(b"  ab cd  e", 0, 10),
            [(0, 2), (2, 5), (5, 9), (9, 10)]
        );
        assert_eq!(parts(b"abc", 0, 3), [(0, 3)]);
    }
}
