//! Small hand-written scanners shared by the masking rules and the
//! redaction: a regular-expression crate would cost the WASM download more
//! than every scanner here together, and these shapes are simple.
//!
//! They work on bytes: every boundary they test is an ASCII byte, so the
//! slices they cut always fall on character boundaries; bytes of other
//! characters count as word characters (a file name `Müller.pdf` is one
//! word).

use std::borrow::Cow;

/// Part of a word: letters, digits, `_`, and any non-ASCII character.
pub(crate) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

pub(crate) fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

/// The byte before `at`, if any.
pub(crate) fn before(bytes: &[u8], at: usize) -> Option<u8> {
    at.checked_sub(1).map(|i| bytes[i])
}

/// Nothing of a word (or of a dotted or dashed name) touches `at` from the left.
pub(crate) fn starts_token(bytes: &[u8], at: usize) -> bool {
    match before(bytes, at) {
        None => true,
        Some(b) => !is_word(b) && b != b'.' && b != b'-',
    }
}

/// Nothing of a word touches `end` from the right.
pub(crate) fn ends_word(bytes: &[u8], end: usize) -> bool {
    bytes.get(end).is_none_or(|&b| !is_word(b))
}

/// How many bytes from `at` satisfy `pred`.
pub(crate) fn run(bytes: &[u8], at: usize, pred: impl Fn(u8) -> bool) -> usize {
    bytes[at.min(bytes.len())..]
        .iter()
        .take_while(|&&b| pred(b))
        .count()
}

/// Digits from `at`: their count, only when it is within `min..=max`.
pub(crate) fn digits(bytes: &[u8], at: usize, min: usize, max: usize) -> Option<usize> {
    let n = run(bytes, at, |b| b.is_ascii_digit());
    (min..=max).contains(&n).then_some(n)
}

/// Rewrites `text`: at every character boundary, `at(text, i)` may claim
/// the bytes `i..end` and give their replacement; everything else is
/// copied. Borrows the text when nothing was claimed.
pub(crate) fn rewrite<'t>(
    text: &'t str,
    mut at: impl FnMut(&str, usize) -> Option<(usize, Cow<'static, str>)>,
) -> Cow<'t, str> {
    rewrite_with(text, &mut at)
}

/// What a scanner claims at a position: the end of the claim and its replacement.
type Claim<'c> = dyn FnMut(&str, usize) -> Option<(usize, Cow<'static, str>)> + 'c;

/// One copy of the loop for every rule (a generic one per rule would
/// cost the WASM download a copy each).
#[inline(never)]
fn rewrite_with<'t>(text: &'t str, at: &mut Claim) -> Cow<'t, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if text.is_char_boundary(i)
            && let Some((end, replacement)) = at(text, i)
            && end > i
        {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
            out.push_str(&text[copied..i]);
            out.push_str(&replacement);
            copied = end;
            i = end;
            continue;
        }
        i += 1;
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied..]);
            Cow::Owned(out)
        }
    }
}

/// Trailing punctuation that ends a sentence rather than a token.
pub(crate) fn trim_trailing_punctuation(bytes: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && matches!(bytes[end - 1], b'.' | b',' | b';' | b':' | b'!' | b'?') {
        end -= 1;
    }
    end
}

/// A URL at `at`: the end of its `scheme://` and the end of the URL.
pub(crate) fn url(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let after_scheme = url_scheme(bytes, at)?;
    let end = url_end(bytes, after_scheme);
    (end > after_scheme).then_some((after_scheme, end))
}

/// Where a URL starts: `scheme://` at the start of a token. Returns the
/// end of `scheme://`.
fn url_scheme(bytes: &[u8], at: usize) -> Option<usize> {
    if !bytes[at].is_ascii_alphabetic() || !starts_token(bytes, at) {
        return None;
    }
    let scheme = run(bytes, at, |b| {
        b.is_ascii_alphanumeric() || b == b'+' || b == b'.' || b == b'-'
    });
    bytes[at + scheme..]
        .starts_with(b"://")
        .then_some(at + scheme + 3)
}

/// The end of a URL that starts at `at` (its scheme already matched):
/// up to whitespace, a quote or an angle bracket, without the sentence's
/// final punctuation or a closing bracket it did not open.
fn url_end(bytes: &[u8], at: usize) -> usize {
    let end = at
        + run(bytes, at, |b| {
            !b.is_ascii_whitespace() && !matches!(b, b'"' | b'\'' | b'<' | b'>' | b'`')
        });
    let mut end = trim_trailing_punctuation(bytes, at, end);
    let opened = |close: u8, open: u8, end: usize| {
        bytes[at..end].iter().filter(|&&b| b == open).count()
            >= bytes[at..end].iter().filter(|&&b| b == close).count()
    };
    while end > at && matches!(bytes[end - 1], b')' | b']') {
        let close = bytes[end - 1];
        let open = if close == b')' { b'(' } else { b'[' };
        if opened(close, open, end) {
            break;
        }
        end -= 1;
    }
    end
}

/// An e-mail address starting at `at`: `local@domain.tld`. Returns its end.
pub(crate) fn email(bytes: &[u8], at: usize) -> Option<usize> {
    // Non-ASCII letters are allowed: `müller@beispiel.de`.
    let local_char = |b: u8| {
        b.is_ascii_alphanumeric() || b >= 0x80 || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
    };
    if !local_char(bytes[at]) || bytes[at] == b'.' {
        return None;
    }
    if before(bytes, at).is_some_and(local_char) {
        return None;
    }
    let local = run(bytes, at, local_char);
    if bytes.get(at + local) != Some(&b'@') {
        return None;
    }
    let domain = at + local + 1;
    let end = dotted_name(bytes, domain)?;
    Some(end)
}

/// A host name from `at`: two or more labels of letters, digits and `-`
/// joined by dots, the last one letters only. Returns its end (without a
/// sentence's final dot).
pub(crate) fn dotted_name(bytes: &[u8], at: usize) -> Option<usize> {
    let label = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
    let mut end = at;
    let mut labels = 0;
    let mut last_start = at;
    loop {
        let n = run(bytes, end, label);
        if n == 0 {
            break;
        }
        last_start = end;
        end += n;
        labels += 1;
        if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(|&b| label(b)) {
            end += 1;
        } else {
            break;
        }
    }
    let last = &bytes[last_start..end];
    (labels >= 2 && last.len() >= 2 && last.iter().all(u8::is_ascii_alphabetic)).then_some(end)
}

/// Top-level domains that mark a dotted word as a host name rather than
/// a Python name (`json.loads`, `InvenTree.tasks.heartbeat`): the generic
/// ones, the common country codes, and the names home networks use.
const TOP_LEVEL: &[&str] = &[
    "com",
    "org",
    "net",
    "edu",
    "gov",
    "int",
    "mil",
    "io",
    "app",
    "dev",
    "cloud",
    "online",
    "site",
    "xyz",
    "info",
    "biz",
    "tech",
    "email",
    "me",
    "tv",
    "eu",
    "de",
    "at",
    "ch",
    "fr",
    "nl",
    "be",
    "lu",
    "it",
    "es",
    "pt",
    "uk",
    "ie",
    "se",
    "no",
    "dk",
    "fi",
    "pl",
    "cz",
    "sk",
    "hu",
    "ro",
    "gr",
    "ru",
    "ua",
    "us",
    "ca",
    "mx",
    "br",
    "ar",
    "au",
    "nz",
    "jp",
    "cn",
    "kr",
    "in",
    "za",
    "local",
    "lan",
    "home",
    "internal",
    "intranet",
    "corp",
    "localdomain",
    "test",
    "example",
    "invalid",
    "box",
    "arpa",
];

/// A host name at `at` as a person would write it: a dotted name ending
/// in a known top-level domain, at the start of a token, not part of a
/// longer dotted or underscored name.
pub(crate) fn host(bytes: &[u8], at: usize) -> Option<usize> {
    if !bytes[at].is_ascii_alphanumeric()
        || !starts_token(bytes, at)
        || before(bytes, at) == Some(b'@')
    {
        return None;
    }
    let end = dotted_name(bytes, at)?;
    if bytes.get(end).is_some_and(|&b| is_word(b) || b == b'-') {
        return None;
    }
    // `a.b.c_d`: the dotted name goes on past what a host may hold.
    if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(|&b| is_word(b)) {
        return None;
    }
    let last = text_of(bytes, at, end)
        .rsplit('.')
        .next()
        .unwrap_or_default();
    TOP_LEVEL
        .iter()
        .any(|t| t.eq_ignore_ascii_case(last))
        .then_some(end)
}

/// An IPv4 address at `at`, with its `:port` when it has one. Returns its end.
pub(crate) fn ipv4(bytes: &[u8], at: usize) -> Option<usize> {
    if !bytes[at].is_ascii_digit() || !starts_token(bytes, at) {
        return None;
    }
    let mut end = at;
    for part in 0..4 {
        if part > 0 {
            if bytes.get(end) != Some(&b'.') {
                return None;
            }
            end += 1;
        }
        end += digits(bytes, end, 1, 3)?;
    }
    if bytes.get(end).is_some_and(|&b| is_word(b))
        || (bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit))
    {
        return None;
    }
    if bytes.get(end) == Some(&b':')
        && let Some(port) = digits(bytes, end + 1, 1, 5)
    {
        end += 1 + port;
    }
    Some(end)
}

/// The text of a byte range that [`rewrite`] handed over (always on
/// character boundaries, since every scanner stops at ASCII bytes).
pub(crate) fn text_of(bytes: &[u8], start: usize, end: usize) -> &str {
    std::str::from_utf8(&bytes[start..end]).unwrap_or_default()
}

/// Cuts `text` to at most `max` bytes on a character boundary.
pub(crate) fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
