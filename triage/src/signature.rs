//! What a failure *is*, independent of which row it happened on: its
//! [`Signature`], the task it belongs to and its message with everything
//! that changes from row to row (ids, numbers, file names, paths, times,
//! addresses) masked by [`RULES`].
//!
//! Where the message comes from, per server (read in their sources):
//! - Paperless-ngx API 10: `result_data.error_message` (its type in
//!   `error_type`), or a duplicate's `duplicate_of`; the API crate turns
//!   both into `PaperlessTask::result_message`. API 9 (2.x): the `result`
//!   text, which the API crate splits from a traceback when one follows.
//!   Consume failures start with the file name: v3.0.5
//!   `src/documents/consumer.py:234` raises
//!   `ConsumerError(f"{self.filename}: {log_message or message}")`.
//! - InvenTree (django-q2): a failed task's `result` is
//!   `f"{e} : {traceback.format_exc()}"` (django-q2
//!   `django_q/worker.py:109`), so the message is what comes before
//!   `" : Traceback (most recent call last):"` and the exception type is in
//!   the traceback's last block.
//! - Paperless processed mail: `error` holds only the traceback
//!   (`processed_mail_list` recording), so the message is its last block.

use std::borrow::Cow;

use taskdeck_api::ServerKind;

use crate::scan::{self, before, digits, ends_word, is_hex, is_word, rewrite, run, starts_token};

/// Where a failure was recorded: which server kind, and its task type
/// (Paperless), function (InvenTree) or the mail record.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// A Paperless task, by its API 10 type (`consume_file`; API 9 names
    /// such as `check_sanity` are read as their API 10 type).
    PaperlessTask(String),
    /// A failed record of Paperless's processed mail.
    PaperlessMail,
    /// An InvenTree (django-q) task, by its function's dotted path.
    InvenTreeTask(String),
}

impl Source {
    pub fn kind(&self) -> ServerKind {
        match self {
            Source::PaperlessTask(_) | Source::PaperlessMail => ServerKind::Paperless,
            Source::InvenTreeTask(_) => ServerKind::InvenTree,
        }
    }

    /// The task type, function, or `processed mail`.
    pub fn task(&self) -> &str {
        match self {
            Source::PaperlessTask(task) | Source::InvenTreeTask(task) => task,
            Source::PaperlessMail => "processed mail",
        }
    }
}

/// One cause of failure: stable across the rows it caused, distinct from
/// other causes.
///
/// The exception type is *not* part of it (it is kept beside it, in
/// [`crate::groups::Group::exception`]): a 2.x server's API 9 `result`
/// carries only the message, so the same failure read from a 2.x and a
/// 3.x server would otherwise form two groups. Within one task the masked
/// message already tells causes apart.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Signature {
    pub source: Source,
    /// The first meaningful line of the message, masked.
    pub message: String,
}

impl Signature {
    pub fn kind(&self) -> ServerKind {
        self.source.kind()
    }
}

impl std::fmt::Display for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} · {}", self.source.task(), self.message)
    }
}

/// The longest message line read, and the longest masked message kept:
/// the start of a line tells its cause, and a bound keeps one huge
/// message from costing every grouping.
const READ_AT_MOST: usize = 600;
const KEEP_AT_MOST: usize = 240;

/// What a row says about its failure, before masking.
#[derive(Clone, Copy, Debug, Default)]
pub struct FailureText<'a> {
    /// The message as the server gives it (may be several lines).
    pub message: Option<&'a str>,
    /// The traceback, when it is apart from the message.
    pub traceback: Option<&'a str>,
    /// Names the row itself carries (its file name), masked wherever they
    /// appear whatever characters they hold.
    pub known_names: &'a [&'a str],
}

/// The signature of a failure of `source` that said `text`.
pub fn signature(source: Source, text: &FailureText) -> Signature {
    let line = message_line(text);
    Signature {
        message: mask_line(line, text.known_names),
        source,
    }
}

/// The first meaningful line of the message, or of the traceback's
/// exception when there is no message; empty when neither says anything.
pub fn message_line<'a>(text: &FailureText<'a>) -> &'a str {
    let from_message = text.message.and_then(first_meaningful_line);
    let from_traceback = || {
        text.traceback
            .or(text.message)
            .and_then(exception_line)
            .map(|(_, message)| message)
    };
    // A message that is itself a traceback (processed mail, some 2.x
    // results) is read from its exception line.
    match from_message {
        Some(line) if !line.starts_with(TRACEBACK_START) => line,
        _ => from_traceback().unwrap_or(""),
    }
}

/// `text` masked by every rule in [`RULES`], cut to a bounded length.
pub fn mask_line(line: &str, known_names: &[&str]) -> String {
    let mut masked: Cow<str> = Cow::Borrowed(scan::cut(line.trim(), READ_AT_MOST));
    let context = Context { known_names };
    for rule in RULES {
        if let Cow::Owned(changed) = (rule.apply)(&masked, &context) {
            masked = Cow::Owned(changed);
        }
    }
    let masked = masked.trim();
    scan::cut(masked, KEEP_AT_MOST).to_string()
}

pub(crate) const TRACEBACK_START: &str = "Traceback (most recent call last)";

fn first_meaningful_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).find(|l| !l.is_empty())
}

/// InvenTree's failed `result`: the message and the traceback after it.
pub fn split_django_q_result(result: &str) -> (&str, Option<&str>) {
    const SEPARATOR: &str = " : Traceback (most recent call last):";
    match result.find(SEPARATOR) {
        Some(at) => (&result[..at], Some(&result[at + 3..])),
        None => match result.strip_prefix(TRACEBACK_START) {
            Some(_) => ("", Some(result)),
            None => (result, None),
        },
    }
}

/// The exception a traceback ends with: its type as printed and its
/// message's first line. Python prints the raised exception as the first
/// unindented line after the last frame (`  File …` and its indented
/// source lines); a traceback without frames ends with it.
pub fn exception_line(traceback: &str) -> Option<(&str, &str)> {
    let lines: Vec<&str> = traceback.lines().collect();
    let last_frame = lines
        .iter()
        .rposition(|l| l.trim_start().starts_with("File \""));
    let candidate = match last_frame {
        Some(frame) => lines[frame + 1..]
            .iter()
            .find(|l| !l.is_empty() && !l.starts_with([' ', '\t'])),
        None => lines.iter().rev().find(|l| !l.trim().is_empty()),
    }?;
    let candidate = candidate.trim();
    if candidate.starts_with(TRACEBACK_START) || candidate.starts_with("During handling") {
        return None;
    }
    let name_end = candidate
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(candidate.len());
    let name = &candidate[..name_end];
    let rest = &candidate[name_end..];
    let looks_like_type = !name.is_empty()
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
        && (rest.is_empty() || rest.starts_with(':'));
    if looks_like_type {
        Some((name, rest.strip_prefix(':').unwrap_or(rest).trim()))
    } else {
        Some(("", candidate))
    }
}

/// What a rule may know besides the text.
pub struct Context<'a> {
    pub known_names: &'a [&'a str],
}

/// One masking rule: a name, the placeholder it writes, what it masks,
/// and its scanner.
pub struct Rule {
    pub name: &'static str,
    pub placeholder: &'static str,
    pub masks: &'static str,
    pub apply: for<'t> fn(&'t str, &Context) -> Cow<'t, str>,
}

/// The masking rules, in the order they run: exact names first (they may
/// hold anything), then shapes that contain other shapes (a URL holds a
/// host and numbers; a date holds numbers), numbers last.
pub const RULES: &[Rule] = &[
    Rule {
        name: "known names",
        placeholder: "<file>",
        masks: "the row's own file name, wherever it appears",
        apply: mask_known_names,
    },
    Rule {
        name: "URLs",
        placeholder: "<url>",
        masks: "scheme://… addresses",
        apply: mask_urls,
    },
    Rule {
        name: "e-mail addresses",
        placeholder: "<email>",
        masks: "local@domain.tld",
        apply: mask_emails,
    },
    Rule {
        name: "UUIDs",
        placeholder: "<uuid>",
        masks: "8-4-4-4-12 hexadecimal ids (celery task ids)",
        apply: mask_uuids,
    },
    Rule {
        name: "times and dates",
        placeholder: "<time>",
        masks: "ISO dates and times, clock times with seconds",
        apply: mask_times,
    },
    Rule {
        name: "IP addresses",
        placeholder: "<ip>",
        masks: "IPv4 addresses with their port",
        apply: mask_ips,
    },
    Rule {
        name: "quoted paths and file names",
        placeholder: "'<path>'",
        masks: "a quoted absolute path or file name, spaces and all",
        apply: mask_quoted_files,
    },
    Rule {
        name: "paths",
        placeholder: "<path>",
        masks: "absolute paths (/…, ~/…, C:\\…)",
        apply: mask_paths,
    },
    Rule {
        name: "file names",
        placeholder: "<file>",
        masks: "words ending in a document or image extension",
        apply: mask_file_names,
    },
    Rule {
        name: "quoted values",
        placeholder: "'<value>'",
        masks: "the offending value Python quotes after a colon (`base 10: '12 pcs'`)",
        apply: mask_quoted_values,
    },
    Rule {
        name: "MIME types",
        placeholder: "<mime>",
        masks: "type/subtype of the registered top-level types",
        apply: mask_mime_types,
    },
    Rule {
        name: "host names",
        placeholder: "<host>",
        masks: "dotted names ending in a top-level domain, and `host=` values",
        apply: mask_hosts,
    },
    Rule {
        name: "hexadecimal",
        placeholder: "<hex>",
        masks: "0x… values and runs of 7 or more hex digits holding a digit and a letter",
        apply: mask_hex,
    },
    Rule {
        name: "ids",
        placeholder: "#<id>",
        masks: "#123, id=123, pk 123",
        apply: mask_ids,
    },
    Rule {
        name: "numbers",
        placeholder: "<n>",
        masks: "free-standing numbers (not inside names like utf-8 or b64decode, not errno values)",
        apply: mask_numbers,
    },
];

fn mask_known_names<'t>(text: &'t str, context: &Context) -> Cow<'t, str> {
    let mut text = Cow::Borrowed(text);
    // Longest first, so a name that contains another is masked whole.
    let mut names: Vec<&str> = context
        .known_names
        .iter()
        .map(|n| n.trim())
        .filter(|n| n.len() >= 3)
        .collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for name in names {
        if text.contains(name) {
            text = Cow::Owned(text.replace(name, "<file>"));
        }
    }
    text
}

fn mask_urls<'t>(text: &'t str, _: &Context) -> Cow<'t, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    rewrite(text, |t, at| {
        scan::url(t.as_bytes(), at).map(|(_, end)| (end, Cow::Borrowed("<url>")))
    })
}

fn mask_emails<'t>(text: &'t str, _: &Context) -> Cow<'t, str> {
    if !text.contains('@') {
        return Cow::Borrowed(text);
    }
    rewrite(text, |t, at| {
        scan::email(t.as_bytes(), at).map(|end| (end, Cow::Borrowed("<email>")))
    })
}

fn mask_uuids<'t>(text: &'t str, _: &Context) -> Cow<'t, str> {
    rewrite(text, |t, at| {
        uuid(t.as_bytes(), at).map(|end| (end, Cow::Borrowed("<uuid>")))
    })
}

pub(crate) fn uuid(bytes: &[u8], at: usize) -> Option<usize> {
    if !is_hex(bytes[at]) || !starts_token(bytes, at) {
        return None;
    }
    let mut end = at;
    for (n, len) in [8, 4, 4, 4, 12].into_iter().enumerate() {
        if n > 0 {
            if bytes.get(end) != Some(&b'-') {
                return None;
            }
            end += 1;
        }
        if run(bytes, end, is_hex) != len {
            return None;
        }
        end += len;
    }
    ends_word(bytes, end).then_some(end)
}

fn mask_times<'t>(text: &'t str, _: &Context) -> Cow<'t, str> {
    rewrite(text, |t, at| {
        let bytes = t.as_bytes();
        if let Some((end, has_time)) = date_time(bytes, at) {
            return Some((
                end,
                Cow::Borrowed(if has_time { "<time>" } else { "<date>" }),
            ));
        }
        clock(bytes, at).map(|end| (end, Cow::Borrowed("<time>")))
    })
}

/// `YYYY-MM-DD`, optionally followed by ` HH:MM[:SS[.fff]]` or
/// `THH:MM…`, and a zone. Returns the end and whether a time was there.
fn date_time(bytes: &[u8], at: usize) -> Option<(usize, bool)> {
    if !bytes[at].is_ascii_digit() || !starts_token(bytes, at) {
        return None;
    }
    let mut end = at + digits(bytes, at, 4, 4)?;
    for _ in 0..2 {
        if bytes.get(end) != Some(&b'-') {
            return None;
        }
        end += 1 + digits(bytes, end + 1, 2, 2)?;
    }
    if bytes.get(end).is_some_and(|&b| b.is_ascii_digit()) {
        return None;
    }
    if matches!(bytes.get(end), Some(b' ' | b'T' | b'_'))
        && let Some(time_end) = clock_from(bytes, end + 1)
    {
        end = time_end;
        // A zone: Z, +01:00, +0100.
        if bytes.get(end) == Some(&b'Z') {
            end += 1;
        } else if matches!(bytes.get(end), Some(b'+' | b'-'))
            && let Some(h) = digits(bytes, end + 1, 2, 2)
        {
            let mut zone = end + 1 + h;
            if bytes.get(zone) == Some(&b':') {
                zone += 1;
            }
            if let Some(m) = digits(bytes, zone, 2, 2) {
                end = zone + m;
            }
        }
        return ends_word(bytes, end).then_some((end, true));
    }
    ends_word(bytes, end).then_some((end, false))
}

/// A clock time on its own: `HH:MM:SS[.fff|,fff]` at the start of a token.
fn clock(bytes: &[u8], at: usize) -> Option<usize> {
    if !bytes[at].is_ascii_digit() || !starts_token(bytes, at) {
        return None;
    }
    let end = clock_from(bytes, at).filter(|&end| ends_word(bytes, end))?;
    // Seconds are required here: `1:2` alone is more likely a ratio or a
    // line and column than a time.
    (bytes[at..end].iter().filter(|&&b| b == b':').count() == 2).then_some(end)
}

fn clock_from(bytes: &[u8], at: usize) -> Option<usize> {
    let mut end = at + digits(bytes, at, 1, 2)?;
    if bytes.get(end) != Some(&b':') {
        return None;
    }
    end += 1 + digits(bytes, end + 1, 2, 2)?;
    if bytes.get(end) == Some(&b':')
        && let Some(s) = digits(bytes, end + 1, 2, 2)
    {
        end += 1 + s;
        if matches!(bytes.get(end), Some(b'.' | b','))
            && let Some(f) = digits(bytes, end + 1, 1, 9)
        {
            end += 1 + f;
        }
    }
    Some(end)
}

fn mask_ips<'t>(text: &'t str, _: &Context) -> Cow<'t, str> {
    rewrite(text, |t, at| {
        scan::ipv4(t.as_bytes(), at).map(|end| (end, Cow::Borrowed("<ip>")))
    })
}

/// Extensions that make a word a file name: documents, images and mail,
/// as Paperless consumes them and InvenTree stores them.
const FILE_EXTENSIONS: &[&str] = &[
    "pdf", "png", "jpg", "jpeg", "tif", "tiff", "gif", "webp", "heic", "bmp", "txt", "csv", "eml",
    "msg", "doc", "docx", "odt", "ods", "xls", "xlsx", "ppt", "pptx", "rtf", "html", "htm", "md",
    "zip", "json", "xml", "svg", "log",
];

fn has_file_extension(name: &str) -> bool {
    match name.rsplit_once('.') {
        Some((stem, ext)) => {
            !stem.is_empty() && FILE_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext))
        }
        None => false,
    }
}

fn looks_like_path(content: &str) -> bool {
    let b = content.as_bytes();
    content.starts_with('/')
        || content.starts_with("~/")
        || content.starts_with("./")
        || content.starts_with("../")
        || (b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\')
}

/// A quoted string from `at` (`'…'` or `"…"`): the end after the closing
/// quote, when the opening quote starts a token and the closing one ends
/// it (so the apostrophe of `can't` is not a quote).
pub(crate) fn quoted(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let quote = bytes[at];
    if quote != b'\'' && quote != b'"' {
        return None;
    }
    if before(bytes, at).is_some_and(|b| is_word(b) || b == quote) {
        return None;
    }
    let content = at + 1;
    let len = run(bytes, content, |b| b != quote && b != b'\n');
    let close = content + len;
    if bytes.get(close) != Some(&quote) || len == 0 {
        return None;
    }
    let end = close + 1;
    ends_word(bytes, end).then_some((content, close))
}

fn mask_quoted_files<'t>(text: &'t str, _: &Context) -> Cow<'t, str> {
    if !text.contains(['\'', '"']) {
        return Cow::Borrowed(text);
    }
    rewrite(text, |t, at| {
        let bytes = t.as_bytes();
        let (content, close) = quoted(bytes, at)?;
        let inner = scan::text_of(bytes, content, close);
        let placeholder = if looks_like_path(inner) {
            "<path>"
        } else if has_file_extension(inner) {
            "<file>"
        } else {
            return None;
        };
        let q = if bytes[at] == b'"' { "\"" } else { "'" };
        Some((close + 1, Cow::Owned(format!("{q}{placeholder}{q}"))))
    })
}

fn mask_paths<'t>(text: &'t str, _: &Context) -> Cow<'t, str> {
    if !text.contains(['/', '\\']) {
        return Cow::Borrowed(text);
    }
    rewrite(text, |t, at| {
        path(t.as_bytes(), at).map(|end| (end, Cow::Borrowed("<path>")))
    })
}

/// An unquoted absolute path at `at`, up to whitespace or a quote,
/// without a sentence's final punctuation.
pub(crate) fn path(bytes: &[u8], at: usize) -> Option<usize> {
    let opens = match bytes[at] {
        b'/' => bytes.get(at + 1).is_some_and(|&b| is_word(b) || b == b'.'),
        b'~' => bytes.get(at + 1) == Some(&b'/'),
        b if b.is_ascii_alphabetic() => {
            bytes.get(at + 1) == Some(&b':') && bytes.get(at + 2) == Some(&b'\\')
        }
        _ => false,
    };
    let free = before(bytes, at)
        .is_none_or(|b| b.is_ascii_whitespace() || matches!(b, b'(' | b'[' | b'=' | b':' | b','));
    if !opens || !free {
        return None;
    }
    let end = at
        + run(bytes, at, |b| {
            !b.is_ascii_whitespace() && !matches!(b, b'\'' | b'"' | b',' | b')' | b']' | b'`')
        });
    Some(scan::trim_trailing_punctuation(bytes, at, end))
}

fn mask_file_names<'t>(text: &'t str, _: &Context) -> Cow<'t, str> {
    if !text.contains('.') {
        return Cow::Borrowed(text);
    }
    rewrite(text, |t, at| {
        let bytes = t.as_bytes();
        let free = before(bytes, at).is_none_or(|b| {
            b.is_ascii_whitespace() || matches!(b, b'(' | b'[' | b'\'' | b'"' | b'=')
        });
        if !free || bytes[at].is_ascii_whitespace() || bytes[at] == b'<' {
            return None;
        }
        let word = run(bytes, at, |b| {
            !b.is_ascii_whitespace() && !matches!(b, b'\'' | b'"' | b',' | b')' | b']')
        });
        let end = scan::trim_trailing_punctuation(bytes, at, at + word);
        let name = scan::text_of(bytes, at, end);
        (has_file_extension(name) && !name.contains("://"))
            .then_some((end, Cow::Borrowed("<file>")))
    })
}

fn mask_quoted_values<'t>(text: &'t str, _: &Context) -> Cow<'t, str> {
    if !text.contains(": '") && !text.contains(": \"") {
        return Cow::Borrowed(text);
    }
    rewrite(text, |t, at| {
        let bytes = t.as_bytes();
        if at < 2 || &bytes[at - 2..at] != b": " {
            return None;
        }
        let (content, close) = quoted(bytes, at)?;
        if scan::text_of(bytes, content, close).starts_with('<') {
            return None; // already masked
        }
        // The offending value ends the message (`…: 'x'` or `…: 'x'.`);
        // quoted words inside a sentence are its wording.
        let rest = scan::text_of(bytes, close + 1, bytes.len());
        if !rest.trim_start_matches(['.', ')']).trim().is_empty() {
            return None;
        }
        let q = if bytes[at] == b'"' { "\"" } else { "'" };
        Some((close + 1, Cow::Owned(format!("{q}<value>{q}"))))
    })
}

const MIME_TOP_LEVEL: &[&str] = &[
    "application",
    "image",
    "text",
    "audio",
    "video",
    "message",
    "multipart",
    "font",
    "model",
];

fn mask_mime_types<'t>(text: &'t str, _: &Context) -> Cow<'t, str> {
    if !text.contains('/') {
        return Cow::Borrowed(text);
    }
    rewrite(text, |t, at| {
        let bytes = t.as_bytes();
        if !bytes[at].is_ascii_alphabetic() || !starts_token(bytes, at) {
            return None;
        }
        let top = run(bytes, at, |b| b.is_ascii_alphabetic());
        let name = scan::text_of(bytes, at, at + top);
        if bytes.get(at + top) != Some(&b'/')
            || !MIME_TOP_LEVEL.iter().any(|m| m.eq_ignore_ascii_case(name))
        {
            return None;
        }
        let sub = run(bytes, at + top + 1, |b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-' | b'_')
        });
        let end = scan::trim_trailing_punctuation(bytes, at, at + top + 1 + sub);
        (end > at + top + 1).then_some((end, Cow::Borrowed("<mime>")))
    })
}

fn mask_hosts<'t>(text: &'t str, _: &Context) -> Cow<'t, str> {
    rewrite(text, |t, at| {
        let bytes = t.as_bytes();
        // `host='api.github.com'` (urllib3) names a host whatever it ends in.
        if at >= 5 && bytes[at - 5..at].eq_ignore_ascii_case(b"host=") {
            let quote = matches!(bytes[at], b'\'' | b'"').then_some(bytes[at]);
            let start = at + usize::from(quote.is_some());
            let len = run(bytes, start, |b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')
            });
            if len > 0 && bytes[start] != b'<' {
                let end = start + len;
                return match quote {
                    Some(q) if bytes.get(end) == Some(&q) => {
                        let q = if q == b'"' { "\"<host>\"" } else { "'<host>'" };
                        Some((end + 1, Cow::Borrowed(q)))
                    }
                    Some(_) => None,
                    None => Some((end, Cow::Borrowed("<host>"))),
                };
            }
        }
        scan::host(bytes, at).map(|end| (end, Cow::Borrowed("<host>")))
    })
}

fn mask_hex<'t>(text: &'t str, _: &Context) -> Cow<'t, str> {
    rewrite(text, |t, at| {
        hex(t.as_bytes(), at).map(|end| (end, Cow::Borrowed("<hex>")))
    })
}

pub(crate) fn hex(bytes: &[u8], at: usize) -> Option<usize> {
    if !is_word(bytes[at]) || before(bytes, at).is_some_and(is_word) {
        return None;
    }
    if bytes[at] == b'0' && matches!(bytes.get(at + 1), Some(b'x' | b'X')) {
        let n = run(bytes, at + 2, is_hex);
        return (n > 0 && ends_word(bytes, at + 2 + n)).then_some(at + 2 + n);
    }
    let n = run(bytes, at, is_hex);
    let word = &bytes[at..at + n];
    let mixed = word.iter().any(u8::is_ascii_digit) && word.iter().any(u8::is_ascii_alphabetic);
    (n >= 7 && mixed && ends_word(bytes, at + n)).then_some(at + n)
}

fn mask_ids<'t>(text: &'t str, _: &Context) -> Cow<'t, str> {
    rewrite(text, |t, at| {
        let bytes = t.as_bytes();
        if bytes[at] == b'#' {
            let n = digits(bytes, at + 1, 1, 20)?;
            return ends_word(bytes, at + 1 + n).then_some((at + 1 + n, Cow::Borrowed("#<id>")));
        }
        // `id=12`, `pk 12`, `id: 12`
        if !starts_token(bytes, at) {
            return None;
        }
        let word = run(bytes, at, |b| b.is_ascii_alphabetic());
        let name = scan::text_of(bytes, at, at + word);
        if !["id", "pk", "uid"]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(name))
        {
            return None;
        }
        let sep = run(bytes, at + word, |b| matches!(b, b'=' | b':' | b' '));
        if sep == 0 || sep > 2 {
            return None;
        }
        let start = at + word + sep;
        let n = digits(bytes, start, 1, 20)?;
        ends_word(bytes, start + n).then(|| {
            let prefix = scan::text_of(bytes, at, start).to_string();
            (start + n, Cow::Owned(format!("{prefix}<id>")))
        })
    })
}

fn mask_numbers<'t>(text: &'t str, _: &Context) -> Cow<'t, str> {
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return Cow::Borrowed(text);
    }
    rewrite(text, |t, at| {
        let bytes = t.as_bytes();
        if !bytes[at].is_ascii_digit() {
            return None;
        }
        let joined = |i: usize| i >= 2 && is_word(bytes[i - 2]);
        match before(bytes, at) {
            Some(b) if is_word(b) => return None,
            // `python3.11`, `v1.2`: a number after a dotted name is part of it.
            Some(b'.') if joined(at) => return None,
            // `utf-8`, `ISO-8859-1`: a number joined to a name is part of it.
            Some(b'-') if joined(at) => return None,
            _ => {}
        }
        // `[Errno 2]`, `[Errno -3]` keep their number: it names the error.
        let sign = usize::from(before(bytes, at) == Some(b'-'));
        if at >= 6 + sign && bytes[at - 6 - sign..at - sign].eq_ignore_ascii_case(b"errno ") {
            return None;
        }
        let mut end = at + run(bytes, at, |b| b.is_ascii_digit());
        if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
            end += 1 + run(bytes, end + 1, |b| b.is_ascii_digit());
        }
        ends_word(bytes, end).then_some((end, Cow::Borrowed("<n>")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &str) -> &'static Rule {
        RULES
            .iter()
            .find(|r| r.name == name)
            .expect("a rule of that name")
    }

    fn apply(name: &str, text: &str) -> String {
        (rule(name).apply)(text, &Context { known_names: &[] }).into_owned()
    }

    #[test]
    fn every_rule_is_named_once_and_tested_below() {
        let mut names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), RULES.len());
    }

    #[test]
    fn rule_known_names_masks_the_rows_own_file_name_whatever_it_holds() {
        let name = "<img src=x onerror=alert(1)>.pdf";
        let text = format!(
            "{name}: Error occurred while consuming document {name}: PDF file is encrypted or damaged"
        );
        let masked = (rule("known names").apply)(
            &text,
            &Context {
                known_names: &[name, "x"],
            },
        );
        assert_eq!(
            masked,
            "<file>: Error occurred while consuming document <file>: PDF file is encrypted or damaged"
        );
        // Names of one or two characters would mask letters of words.
        assert_eq!(
            (rule("known names").apply)(
                "a b",
                &Context {
                    known_names: &["a"]
                }
            ),
            "a b"
        );
    }

    #[test]
    fn rule_urls_masks_whole_addresses_but_not_a_closing_bracket_or_full_stop() {
        assert_eq!(
            apply(
                "URLs",
                "Max retries exceeded with url: https://api.frankfurter.app/latest?from=EUR (Caused by x)."
            ),
            "Max retries exceeded with url: <url> (Caused by x)."
        );
        assert_eq!(
            apply("URLs", "see (http://a.example/x(1))."),
            "see (<url>)."
        );
        assert_eq!(
            apply("URLs", "no scheme: //x and a:b"),
            "no scheme: //x and a:b"
        );
    }

    #[test]
    fn rule_emails_masks_addresses_not_decorators_or_at_signs_alone() {
        assert_eq!(
            apply(
                "e-mail addresses",
                "Mailbox fixtures+demo@example.invalid refused; @shared_task"
            ),
            "Mailbox <email> refused; @shared_task"
        );
        assert_eq!(
            apply("e-mail addresses", "user@localhost"),
            "user@localhost"
        );
    }

    #[test]
    fn rule_uuids_masks_celery_task_ids_only_when_whole() {
        assert_eq!(
            apply("UUIDs", "Task 142d61a5-627c-530d-aa93-7ee8c600e082 failed"),
            "Task <uuid> failed"
        );
        assert_eq!(
            apply("UUIDs", "x142d61a5-627c-530d-aa93-7ee8c600e082"),
            "x142d61a5-627c-530d-aa93-7ee8c600e082"
        );
    }

    #[test]
    fn rule_times_masks_dates_datetimes_and_clock_times_with_seconds() {
        assert_eq!(
            apply(
                "times and dates",
                "at 2026-11-22T13:14:04.100000Z and 2026-12-05 23:56:53,659 on 2026-11-22"
            ),
            "at <time> and <time> on <date>"
        );
        assert_eq!(
            apply("times and dates", "since 13:14:04 ok"),
            "since <time> ok"
        );
        // A ratio, a line:column and a version are not times.
        assert_eq!(
            apply("times and dates", "1:2, 12:30pm, 1.2.3"),
            "1:2, 12:30pm, 1.2.3"
        );
    }

    #[test]
    fn rule_ips_masks_addresses_and_their_port_not_versions() {
        assert_eq!(
            apply("IP addresses", "connect to 127.0.0.1:6379 or 10.0.0.12."),
            "connect to <ip> or <ip>."
        );
        assert_eq!(
            apply("IP addresses", "version 1.2.3.4.5 and 1.2.3"),
            "version 1.2.3.4.5 and 1.2.3"
        );
    }

    #[test]
    fn rule_quoted_files_masks_quoted_paths_and_names_with_spaces() {
        assert_eq!(
            apply(
                "quoted paths and file names",
                "[Errno 13] Permission denied: '/share/paperless/consume/Informationen/2022-07-04 Betriebsanleitung.pdf'"
            ),
            "[Errno 13] Permission denied: '<path>'"
        );
        assert_eq!(
            apply(
                "quoted paths and file names",
                "could not open \"Rechnung Müller (1).pdf\" now"
            ),
            "could not open \"<file>\" now"
        );
        // Not a path or a file name; and the apostrophe of can't is no quote.
        assert_eq!(
            apply(
                "quoted paths and file names",
                "'utf-8' codec can't decode 'x.y'"
            ),
            "'utf-8' codec can't decode 'x.y'"
        );
    }

    #[test]
    fn rule_paths_masks_unquoted_absolute_paths_not_slashes_in_words() {
        assert_eq!(
            apply(
                "paths",
                "/tmp/paperless/paperless-ngxos9aq0fc/Lohn.pdf: invalid password"
            ),
            "<path>: invalid password"
        );
        assert_eq!(apply("paths", "see C:\\Users\\me\\x.pdf."), "see <path>.");
        assert_eq!(
            apply(
                "paths",
                "encrypted and/or signed; unsupported operand type(s) for /: 'str'"
            ),
            "encrypted and/or signed; unsupported operand type(s) for /: 'str'"
        );
    }

    #[test]
    fn rule_file_names_masks_words_with_a_document_extension() {
        assert_eq!(
            apply(
                "file names",
                "scan_0001.tiff: Error while processing attachment Rechnung_März_2026.pdf."
            ),
            "<file>: Error while processing attachment <file>."
        );
        assert_eq!(
            apply("file names", "json.loads and math.sqrt"),
            "json.loads and math.sqrt"
        );
    }

    #[test]
    fn rule_quoted_values_masks_the_value_after_a_colon_only() {
        assert_eq!(
            apply(
                "quoted values",
                "invalid literal for int() with base 10: '12 pcs'"
            ),
            "invalid literal for int() with base 10: '<value>'"
        );
        assert_eq!(
            apply("quoted values", "'utf-8' codec can't decode byte 0xff"),
            "'utf-8' codec can't decode byte 0xff"
        );
        // Inside a sentence a quoted word is wording, not a value.
        assert_eq!(
            apply(
                "quoted values",
                "unsupported operand type(s) for /: 'str' and 'int'"
            ),
            "unsupported operand type(s) for /: 'str' and 'int'"
        );
    }

    #[test]
    fn rule_mime_types_masks_registered_types_only() {
        assert_eq!(
            apply(
                "MIME types",
                "Unsupported mime type image/tiff, or application/vnd.ms-excel."
            ),
            "Unsupported mime type <mime>, or <mime>."
        );
        assert_eq!(
            apply("MIME types", "and/or Europe/Atlantis"),
            "and/or Europe/Atlantis"
        );
    }

    #[test]
    fn rule_hosts_masks_host_names_not_python_names() {
        assert_eq!(
            apply(
                "host names",
                "Error while authenticating account imap.example.com: [AUTHENTICATIONFAILED]"
            ),
            "Error while authenticating account <host>: [AUTHENTICATIONFAILED]"
        );
        assert_eq!(
            apply(
                "host names",
                "HTTPSConnectionPool(host='api.github.com', port=443) and host=redis"
            ),
            "HTTPSConnectionPool(host='<host>', port=443) and host=<host>"
        );
        assert_eq!(
            apply(
                "host names",
                "Function InvenTree.tasks.heartbeat is not defined; json.loads; paperless_mail.mail.com_x"
            ),
            "Function InvenTree.tasks.heartbeat is not defined; json.loads; paperless_mail.mail.com_x"
        );
    }

    #[test]
    fn rule_hex_masks_prefixed_values_and_long_mixed_runs() {
        assert_eq!(
            apply(
                "hexadecimal",
                "byte 0xff in task 000119ec2da34b018e4cb3f1f4b91163 at a613a7b"
            ),
            "byte <hex> in task <hex> at <hex>"
        );
        // Words and plain numbers are not hex.
        assert_eq!(
            apply("hexadecimal", "deadbeef facade 1234567"),
            "deadbeef facade 1234567"
        );
    }

    #[test]
    fn rule_ids_masks_numbered_references() {
        assert_eq!(
            apply("ids", "duplicate of document #21 (id=7, pk 12)"),
            "duplicate of document #<id> (id=<id>, pk <id>)"
        );
        assert_eq!(
            apply("ids", "channel#2x and idle 5"),
            "channel#2x and idle 5"
        );
    }

    #[test]
    fn rule_numbers_masks_free_numbers_not_names_or_errno() {
        assert_eq!(
            apply(
                "numbers",
                "Worker exited prematurely: signal 9 (SIGKILL) Job: 42."
            ),
            "Worker exited prematurely: signal <n> (SIGKILL) Job: <n>."
        );
        assert_eq!(
            apply(
                "numbers",
                "[Errno 111] [Errno -3] utf-8 b64decode in position 12, -1 and 2.5"
            ),
            "[Errno 111] [Errno -3] utf-8 b64decode in position <n>, -<n> and <n>"
        );
        assert_eq!(
            apply("numbers", "month must be in 1..12, python3.11, v1.2"),
            "month must be in <n>..<n>, python3.11, v1.2"
        );
    }

    #[test]
    fn a_traceback_gives_its_last_exception_and_message() {
        let tb = "Traceback (most recent call last):\n  File \"/x.py\", line 1, in f\n    raise ValueError(\n        'x')\nValueError: math domain error\n";
        assert_eq!(
            exception_line(tb),
            Some(("ValueError", "math domain error"))
        );
        let chained = "Traceback (most recent call last):\n  File \"a.py\", line 1\nKeyError: 'a'\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File \"b.py\", line 2\n    x\nzoneinfo._common.ZoneInfoNotFoundError: 'No time zone found with key Mars/Olympus_Mons'\n";
        assert_eq!(
            exception_line(chained),
            Some((
                "zoneinfo._common.ZoneInfoNotFoundError",
                "'No time zone found with key Mars/Olympus_Mons'"
            ))
        );
        assert_eq!(
            exception_line(
                "Traceback (most recent call last):\n  File \"p.py\", line 1265, in mark\n    raise WorkerLostError(\nbilliard.einfo.ExceptionWithTraceback\n"
            ),
            Some(("billiard.einfo.ExceptionWithTraceback", ""))
        );
    }

    #[test]
    fn django_q_results_split_at_the_traceback() {
        let result = "math domain error : Traceback (most recent call last):\n  File \"w.py\", line 1\nValueError: math domain error\n";
        let (message, traceback) = split_django_q_result(result);
        assert_eq!(message, "math domain error");
        assert!(
            traceback
                .unwrap()
                .starts_with("Traceback (most recent call last):")
        );
        // A message that itself holds " : " keeps it.
        assert_eq!(
            split_django_q_result("a : b : Traceback (most recent call last):\nX: y").0,
            "a : b"
        );
        assert_eq!(
            split_django_q_result("no traceback"),
            ("no traceback", None)
        );
    }

    #[test]
    fn the_message_line_falls_back_to_the_traceback() {
        let tb = "Traceback (most recent call last):\n  File \"m.py\", line 9\nConnectionRefusedError: [Errno 111] Connection refused\n";
        let text = FailureText {
            message: Some(tb),
            ..Default::default()
        };
        assert_eq!(message_line(&text), "[Errno 111] Connection refused");
        let text = FailureText {
            message: Some("\n  first\nsecond"),
            traceback: Some(tb),
            ..Default::default()
        };
        assert_eq!(message_line(&text), "first");
        assert_eq!(message_line(&FailureText::default()), "");
    }

    #[test]
    fn masking_is_bounded() {
        let long = "x ".repeat(10_000);
        assert!(mask_line(&long, &[]).len() <= KEEP_AT_MOST);
        let unicode = "é".repeat(1_000);
        assert!(mask_line(&unicode, &[]).len() <= KEEP_AT_MOST);
    }
}
