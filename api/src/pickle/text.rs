//! Python's text forms of its scalars (`str`, `bytes`, `float`, `int`),
//! written into a bounded [`Out`].

use std::fmt::Write as _;

/// Text being produced, cut at `limit` characters (Python's `len`, which
/// is what `pprint` measures widths in). Once cut, every write is ignored,
/// so a renderer that checks [`Out::cut`] in its loops stops early.
pub(crate) struct Out {
    pub text: String,
    pub chars: usize,
    limit: usize,
    pub cut: bool,
}

impl Out {
    pub fn new(limit: usize) -> Out {
        Out {
            text: String::new(),
            chars: 0,
            limit,
            cut: false,
        }
    }

    pub fn str(&mut self, s: &str) {
        if self.cut {
            return;
        }
        let n = if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        };
        if self.chars + n <= self.limit {
            self.text.push_str(s);
            self.chars += n;
            return;
        }
        let room = self.limit - self.chars;
        let end = s.char_indices().nth(room).map_or(s.len(), |(at, _)| at);
        self.text.push_str(&s[..end]);
        self.chars = self.limit;
        self.cut = true;
    }

    pub fn char(&mut self, c: char) {
        if self.cut {
            return;
        }
        if self.chars < self.limit {
            self.text.push(c);
            self.chars += 1;
        } else {
            self.cut = true;
        }
    }
}

/// What is known about a text without reading it again: which quotes it
/// holds (they choose the quote of its repr) and whether a code point is
/// past U+00FF (then it is no Latin-1 byte string).
pub(crate) const HAS_SINGLE: u8 = 1;
pub(crate) const HAS_DOUBLE: u8 = 2;
pub(crate) const WIDE: u8 = 4;

pub(crate) fn bytes_flags(bytes: &[u8]) -> u8 {
    let mut flags = 0;
    if bytes.contains(&b'\'') {
        flags |= HAS_SINGLE;
    }
    if bytes.contains(&b'"') {
        flags |= HAS_DOUBLE;
    }
    flags
}

/// The flags of UTF-8 text that may hold lone surrogates (as pickle's
/// `surrogatepass` writes them: `ED A0..BF xx`), or `None` for bytes
/// Python would refuse to decode.
pub(crate) fn wtf8_flags(bytes: &[u8]) -> Option<u8> {
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(_) => break,
            Err(e) => {
                let at = e.valid_up_to();
                match rest.get(at..at + 3) {
                    Some([0xed, 0xa0..=0xbf, 0x80..=0xbf]) => rest = &rest[at + 3..],
                    _ => return None,
                }
            }
        }
    }
    // A code point from U+0100 on starts with a byte from 0xC4 on.
    let wide = bytes.iter().any(|b| *b >= 0xc4);
    Some(bytes_flags(bytes) | if wide { WIDE } else { 0 })
}

/// The code points of text checked by [`wtf8_flags`] (or written by
/// [`push_code_point`]).
pub(crate) fn code_points(bytes: &[u8]) -> impl Iterator<Item = u32> + Clone + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let b = u32::from(*bytes.get(at)?);
        let (len, init) = match b {
            0..=0x7f => (1, b),
            0x80..=0xdf => (2, b & 0x1f),
            0xe0..=0xef => (3, b & 0x0f),
            _ => (4, b & 0x07),
        };
        let end = (at + len).min(bytes.len());
        let cp = bytes[at + 1..end]
            .iter()
            .fold(init, |acc, c| (acc << 6) | u32::from(c & 0x3f));
        at = end;
        Some(cp)
    })
}

/// Appends a code point as UTF-8, a lone surrogate as its three bytes.
pub(crate) fn push_code_point(buf: &mut Vec<u8>, cp: u32) {
    match cp {
        0..=0x7f => buf.push(cp as u8),
        0x80..=0x7ff => buf.extend_from_slice(&[0xc0 | (cp >> 6) as u8, 0x80 | (cp & 0x3f) as u8]),
        0x800..=0xffff => buf.extend_from_slice(&[
            0xe0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3f) as u8,
            0x80 | (cp & 0x3f) as u8,
        ]),
        _ => buf.extend_from_slice(&[
            0xf0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3f) as u8,
            0x80 | ((cp >> 6) & 0x3f) as u8,
            0x80 | (cp & 0x3f) as u8,
        ]),
    }
}

/// Code points `str.isprintable` refuses among the assigned ones (Python
/// 3.11's Unicode 14 database: categories Cc, Cf, Cs, Co, Zs but the space,
/// Zl, Zp), plus the noncharacters, which are never assigned. Unassigned
/// code points depend on the server's Unicode version and are shown as
/// themselves.
const NOT_PRINTABLE: &[(u32, u32)] = &[
    (0x0, 0x1f),
    (0x7f, 0xa0),
    (0xad, 0xad),
    (0x600, 0x605),
    (0x61c, 0x61c),
    (0x6dd, 0x6dd),
    (0x70f, 0x70f),
    (0x890, 0x891),
    (0x8e2, 0x8e2),
    (0x1680, 0x1680),
    (0x180e, 0x180e),
    (0x2000, 0x200f),
    (0x2028, 0x202f),
    (0x205f, 0x2064),
    (0x2066, 0x206f),
    (0x3000, 0x3000),
    (0xd800, 0xf8ff),
    (0xfdd0, 0xfdef),
    (0xfeff, 0xfeff),
    (0xfff9, 0xfffb),
    (0x110bd, 0x110bd),
    (0x110cd, 0x110cd),
    (0x13430, 0x13438),
    (0x1bca0, 0x1bca3),
    (0x1d173, 0x1d17a),
    (0xe0001, 0xe0001),
    (0xe0020, 0xe007f),
    (0xf0000, 0x10ffff),
];

pub(crate) fn is_printable(cp: u32) -> bool {
    if (0x20..0x7f).contains(&cp) {
        return true;
    }
    if cp & 0xfffe == 0xfffe {
        return false;
    }
    let at = NOT_PRINTABLE.partition_point(|(_, last)| *last < cp);
    NOT_PRINTABLE.get(at).is_none_or(|(first, _)| *first > cp)
}

/// The quote Python's repr puts around text with these flags.
pub(crate) fn quote_for(flags: u8) -> char {
    if flags & HAS_SINGLE != 0 && flags & HAS_DOUBLE == 0 {
        '"'
    } else {
        '\''
    }
}

/// How many characters one code point takes in a `str` repr.
pub(crate) fn str_escape_len(cp: u32, quote: char) -> usize {
    match cp {
        0x5c | 0x09 | 0x0a | 0x0d => 2,
        c if c == quote as u32 => 2,
        c if is_printable(c) => 1,
        0..=0xff => 4,
        0x100..=0xffff => 6,
        _ => 10,
    }
}

pub(crate) fn write_str_escaped(out: &mut Out, cp: u32, quote: char) {
    match cp {
        0x5c => out.str("\\\\"),
        0x09 => out.str("\\t"),
        0x0a => out.str("\\n"),
        0x0d => out.str("\\r"),
        c if c == quote as u32 => {
            out.char('\\');
            out.char(quote);
        }
        c if is_printable(c) => out.char(char::from_u32(c).unwrap_or('\u{fffd}')),
        0..=0xff => write_hex(out, 'x', cp, 2),
        0x100..=0xffff => write_hex(out, 'u', cp, 4),
        _ => write_hex(out, 'U', cp, 8),
    }
}

/// `\x41`, `\u200b`, `\U0001f389`.
fn write_hex(out: &mut Out, kind: char, value: u32, width: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.char('\\');
    out.char(kind);
    for shift in (0..width).rev() {
        out.char(HEX[((value >> (shift * 4)) & 15) as usize] as char);
    }
}

/// Python's `repr(str)` of WTF-8 text with its flags.
pub(crate) fn write_str_repr(out: &mut Out, text: &[u8], flags: u8) {
    let quote = quote_for(flags);
    out.char(quote);
    for cp in code_points(text) {
        if out.cut {
            return;
        }
        write_str_escaped(out, cp, quote);
    }
    out.char(quote);
}

/// Python's `repr(str)` as a string (for tests and names).
pub fn str_repr(s: &str) -> String {
    let mut out = Out::new(usize::MAX);
    write_str_repr(&mut out, s.as_bytes(), bytes_flags(s.as_bytes()));
    out.text
}

pub(crate) fn bytes_escape_len(b: u8, quote: u8) -> usize {
    match b {
        b'\\' | b'\n' | b'\r' | b'\t' => 2,
        q if q == quote => 2,
        0x20..=0x7e => 1,
        _ => 4,
    }
}

/// Python's `repr(bytes)`; `bytearray` escapes a `'` even between double
/// quotes (CPython's bytearray repr), which `escape_single` asks for.
pub(crate) fn write_bytes_repr(
    out: &mut Out,
    bytes: impl Iterator<Item = u8>,
    flags: u8,
    escape_single: bool,
) {
    let quote = quote_for(flags) as u8;
    out.char('b');
    out.char(quote as char);
    for b in bytes {
        if out.cut {
            return;
        }
        match b {
            b'\\' => out.str("\\\\"),
            b'\n' => out.str("\\n"),
            b'\r' => out.str("\\r"),
            b'\t' => out.str("\\t"),
            b'\'' if quote == b'\'' || escape_single => out.str("\\'"),
            b'"' if quote == b'"' => out.str("\\\""),
            0x20..=0x7e => out.char(b as char),
            _ => write_hex(out, 'x', u32::from(b), 2),
        }
    }
    out.char(quote as char);
}

/// Python's `repr(bytes)` as a string.
pub fn bytes_repr(b: &[u8]) -> String {
    let mut out = Out::new(usize::MAX);
    write_bytes_repr(&mut out, b.iter().copied(), bytes_flags(b), false);
    out.text
}

/// The shortest decimal that reads back as the same float, in any usual
/// notation (`0.000015`, `1.5e-5`, `1e+21`). Rust's float formatting is
/// large in WASM, so the browser passes its own (JavaScript's `String(x)`).
pub type ShortestFloat = fn(f64) -> String;

/// Rust's: `1.5e-5`.
pub fn rust_shortest(f: f64) -> String {
    format!("{f:e}")
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
        return if f < 0.0 { "-?".into() } else { "?".into() };
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
pub(crate) fn scientific(text: &str) -> Option<(&'static str, String, i32)> {
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

/// A float as Python writes one: digits, one point, an exponent, or
/// `inf`/`nan`.
pub(crate) fn is_float_text(text: &str) -> bool {
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

/// Python shows at most this many digits of an `int` (its default
/// `sys.get_int_max_str_digits()`; past it `repr` raises).
pub(crate) const MAX_INT_DIGITS: usize = 4300;
/// Magnitudes up to this many bits have at most 4299 digits: they are
/// converted; larger ones are named by their size.
pub(crate) const MAX_INT_BITS: usize = 14_280;

/// The bits of a two's-complement little-endian magnitude, and whether it
/// is negative.
pub(crate) fn le_bits(bytes: &[u8]) -> (bool, usize) {
    let negative = bytes.last().is_some_and(|b| b & 0x80 != 0);
    let top = bytes
        .iter()
        .rposition(|b| if negative { *b != 0xff } else { *b != 0 });
    let bits = top.map_or(0, |at| {
        let b = if negative { !bytes[at] } else { bytes[at] };
        at * 8 + (8 - b.leading_zeros() as usize)
    });
    (negative, bits)
}

/// Two's-complement little-endian bytes as a decimal number, or `None`
/// past [`MAX_INT_BITS`]. Quadratic in the size, which the cap keeps to
/// about half a millisecond.
pub(crate) fn le_to_decimal(bytes: &[u8]) -> Option<String> {
    let (negative, bits) = le_bits(bytes);
    if bits > MAX_INT_BITS {
        return None;
    }
    // Magnitude as little-endian u32 limbs.
    let used = bits.div_ceil(8) + 1;
    let mut magnitude: Vec<u8> = bytes.iter().take(used).copied().collect();
    magnitude.resize(used, if negative { 0xff } else { 0 });
    if negative {
        let mut carry = true;
        for b in magnitude.iter_mut() {
            *b = !*b;
            if carry {
                let (sum, over) = b.overflowing_add(1);
                *b = sum;
                carry = over;
            }
        }
    }
    let mut limbs: Vec<u32> = magnitude
        .chunks(4)
        .map(|c| {
            c.iter()
                .rev()
                .fold(0u32, |acc, b| (acc << 8) | u32::from(*b))
        })
        .collect();
    while limbs.last() == Some(&0) {
        limbs.pop();
    }
    // Repeated division by 10^9, most significant limb first.
    let mut groups: Vec<u32> = Vec::new();
    while !limbs.is_empty() {
        let mut remainder: u64 = 0;
        for limb in limbs.iter_mut().rev() {
            let current = (remainder << 32) | u64::from(*limb);
            *limb = (current / 1_000_000_000) as u32;
            remainder = current % 1_000_000_000;
        }
        groups.push(remainder as u32);
        while limbs.last() == Some(&0) {
            limbs.pop();
        }
    }
    let mut out = String::with_capacity(groups.len() * 9 + 1);
    if negative {
        out.push('-');
    }
    match groups.split_last() {
        None => return Some("0".into()),
        Some((last, rest)) => {
            let _ = write!(out, "{last}");
            for group in rest.iter().rev() {
                let _ = write!(out, "{group:09}");
            }
        }
    }
    Some(out)
}

/// Plain decimal digits as a number (`None` if empty, not digits, or too
/// big): one small reader instead of `str::parse` for each integer type.
pub(crate) fn decimal_value(digits: &str) -> Option<u128> {
    if digits.is_empty() {
        return None;
    }
    digits.bytes().try_fold(0u128, |acc, b| {
        b.is_ascii_digit()
            .then_some(())
            .and(acc.checked_mul(10))
            .and_then(|acc| acc.checked_add(u128::from(b - b'0')))
    })
}

/// A signed value of [`decimal_digits`]'s parts, if it fits an `i64`.
pub(crate) fn small_int(negative: bool, digits: &str) -> Option<i64> {
    let value = i128::try_from(decimal_value(digits)?).ok()?;
    i64::try_from(if negative { -value } else { value }).ok()
}

/// A decimal integer line, as sign and digits without leading zeros
/// (`+5` → (false, `5`), `-0` → (false, `0`)); `None` if it is not one.
pub(crate) fn decimal_digits(text: &str) -> Option<(bool, &str)> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let trimmed = digits.trim_start_matches('0');
    Some(if trimmed.is_empty() {
        (false, &digits[digits.len() - 1..])
    } else {
        (negative, trimmed)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_of_any_size_read_as_python_writes_them() {
        assert_eq!(le_to_decimal(&[0xff]).unwrap(), "-1");
        assert_eq!(le_to_decimal(&[]).unwrap(), "0");
        assert_eq!(le_to_decimal(&[0x00, 0x01]).unwrap(), "256");
        assert_eq!(
            le_to_decimal(&[0, 0, 0, 0, 0, 0, 0, 0, 1]).unwrap(),
            "18446744073709551616"
        );
        assert_eq!(
            le_to_decimal(&[0, 0, 0, 0, 0, 0, 0, 0x80]).unwrap(),
            "-9223372036854775808"
        );
        assert_eq!(le_to_decimal(&[0x80, 0xff]).unwrap(), "-128");
        // 10^40 as Python writes it in LONG1 (`to_bytes(17, 'little', signed=True)`).
        let ten40: Vec<u8> = vec![
            0x00, 0x00, 0x00, 0x00, 0x00, 0x61, 0xf5, 0xb9, 0xab, 0xbf, 0xa4, 0x5c, 0xc3, 0xf1,
            0x29, 0x63, 0x1d,
        ];
        assert_eq!(
            le_to_decimal(&ten40).unwrap(),
            format!("1{}", "0".repeat(40))
        );
        let huge = vec![0x7f; MAX_INT_BITS / 8 + 1];
        assert_eq!(le_to_decimal(&huge), None);
        assert_eq!(le_bits(&huge), (false, (MAX_INT_BITS / 8 + 1) * 8 - 1));
        assert_eq!(decimal_digits("-000"), Some((false, "0")));
        assert_eq!(decimal_digits("+0012"), Some((false, "12")));
        assert_eq!(decimal_digits("-12"), Some((true, "12")));
        assert_eq!(decimal_digits("1a"), None);
    }

    #[test]
    fn floats_read_as_python_writes_them() {
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

    #[test]
    fn text_keeps_lone_surrogates_and_escapes_as_python() {
        let lone = [b'a', 0xed, 0xb2, 0x80, b'b'];
        let flags = wtf8_flags(&lone).expect("surrogatepass text");
        let mut out = Out::new(100);
        write_str_repr(&mut out, &lone, flags);
        assert_eq!(out.text, "'a\\udc80b'");
        assert_eq!(wtf8_flags(&[0xff]), None);
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(str_repr("both ' and \""), "'both \\' and \"'");
        assert_eq!(str_repr("\u{200b}\u{1f389}\u{7f}"), "'\\u200b🎉\\x7f'");
        assert_eq!(bytes_repr(b"a'\x00"), "b\"a'\\x00\"");
        let mut buf = Vec::new();
        push_code_point(&mut buf, 0xdc80);
        push_code_point(&mut buf, 0x1f389);
        assert_eq!(code_points(&buf).collect::<Vec<_>>(), [0xdc80, 0x1f389]);
    }

    #[test]
    fn out_cuts_at_its_limit_in_characters() {
        let mut out = Out::new(3);
        out.str("ab");
        out.str("écd");
        assert!(out.cut);
        assert_eq!(out.text, "abé");
        out.char('x');
        assert_eq!(out.chars, 3);
    }
}
