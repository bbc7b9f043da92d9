//! Task arguments as Python text, alike in every InvenTree queue: pending
//! and scheduled rows send `repr` text (`(12,)`), failed rows a stored
//! value (a base64 pickle as a rule, `gAUpLg==`), read here into the same
//! text. A failed row's value is read once, when the row arrives, into
//! every form the screens use; rendering, searching and exporting only
//! read those strings.

use crate::api::inventree::StoredArgument;

/// The Arguments cell shows at most this many characters of each value.
pub const SHORT_CHARS: usize = 160;
/// The details lay values out at this width (`pprint`'s), which fits the
/// drawer's code block at its widest; narrower drawers wrap the lines.
pub const PRETTY_WIDTH: usize = 60;

#[derive(Clone, Debug, PartialEq)]
pub enum Argument {
    Missing,
    /// Python text as the server sent it (pending and scheduled queues).
    Text(String),
    /// A failed task's stored value, read.
    Read(Reading),
    /// Shown as it came, with why it could not be read.
    Unreadable {
        raw: String,
        reason: String,
    },
}

/// A stored value in the forms the screens show.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    /// For the table cell: bounded, model instances short.
    pub short: String,
    /// Python's `repr`, one line: searched and exported.
    pub text: String,
    /// Laid out across lines as `pprint` does: the details.
    pub pretty: String,
    /// What Python would call to load it, beyond the standard types:
    /// shown here, never run.
    pub calls: Vec<String>,
}

impl Argument {
    pub fn from_repr(text: Option<&str>) -> Argument {
        match text {
            None => Argument::Missing,
            Some(t) => Argument::Text(t.to_string()),
        }
    }

    /// Reads a failed task's stored value (all the work happens here).
    /// `float` writes a float as Python would (the browser's shortest form
    /// is much smaller in the download than Rust's).
    pub fn from_stored(stored: Option<&StoredArgument>, float: fn(f64) -> String) -> Argument {
        let Some(stored) = stored else {
            return Argument::Missing;
        };
        match stored.read(float) {
            Ok(reading) => Argument::Read(Reading {
                short: reading.short(SHORT_CHARS),
                text: reading.text(),
                pretty: reading.pretty(PRETTY_WIDTH),
                calls: reading.calls_on_load(),
            }),
            Err(e) => Argument::Unreadable {
                raw: stored.raw(),
                reason: e.to_string(),
            },
        }
    }

    /// The details' text: laid out, or the raw value with the reason.
    pub fn detail(&self) -> Option<String> {
        match self {
            Argument::Missing => None,
            Argument::Text(t) => Some(t.clone()),
            Argument::Read(r) => Some(r.pretty.clone()),
            Argument::Unreadable { raw, reason } => {
                Some(format!("{raw}\n(not readable: {reason})"))
            }
        }
    }

    /// Python's text on one line (the raw value when unreadable).
    pub fn text(&self) -> Option<String> {
        match self {
            Argument::Missing => None,
            Argument::Text(t) => Some(t.clone()),
            Argument::Read(r) => Some(r.text.clone()),
            Argument::Unreadable { raw, reason } => Some(format!("{raw} (not readable: {reason})")),
        }
    }

    /// What loading it in Python would call (see [`Reading::calls`]).
    pub fn calls(&self) -> &[String] {
        match self {
            Argument::Read(r) => &r.calls,
            _ => &[],
        }
    }

    fn worth_showing(text: &str) -> bool {
        !(text == "()" || text == "{}" || text.is_empty())
    }

    fn short(&self) -> Option<String> {
        match self {
            Argument::Missing => None,
            Argument::Text(t) => Some(cut(t, SHORT_CHARS)),
            Argument::Read(r) => Some(r.short.clone()),
            Argument::Unreadable { raw, .. } => {
                Some(format!("{} (not readable)", cut(raw, SHORT_CHARS)))
            }
        }
        .filter(|t| Self::worth_showing(t))
    }
}

fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// One line for the table: positional and keyword arguments, the empty
/// ones left out (`(12,) {'model': 'Part'}`).
pub fn summary(args: &Argument, kwargs: &Argument) -> String {
    [args.short(), kwargs.short()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The whole text of both, on one line, the empty ones left out: what the
/// "Arguments contain" filter searches.
pub fn full_text(args: &Argument, kwargs: &Argument) -> String {
    [args.text(), kwargs.text()]
        .into_iter()
        .flatten()
        .filter(|t| Argument::worth_showing(t))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Who is called on load, in both: `posix.system`.
pub fn calls_on_load(args: &Argument, kwargs: &Argument) -> Vec<String> {
    let mut calls: Vec<String> = args.calls().to_vec();
    calls.extend(
        kwargs
            .calls()
            .iter()
            .filter(|c| !args.calls().contains(c))
            .cloned(),
    );
    calls
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::pickle::rust_shortest;

    fn stored(json: &str) -> Argument {
        Argument::from_stored(Some(&StoredArgument(json.to_string())), rust_shortest)
    }

    #[test]
    fn pickled_and_repr_arguments_read_alike() {
        let failed = (
            stored("\"gAWVBQAAAAAAAABLKoWULg==\""),
            stored("\"gAV9lC4=\""),
        );
        let pending = (
            Argument::from_repr(Some("(42,)")),
            Argument::from_repr(Some("{}")),
        );
        assert_eq!(summary(&failed.0, &failed.1), "(42,)");
        assert_eq!(
            summary(&failed.0, &failed.1),
            summary(&pending.0, &pending.1)
        );
        assert_eq!(full_text(&failed.0, &failed.1), "(42,)");
        let nothing = stored("\"gAUpLg==\"");
        assert_eq!(summary(&nothing, &Argument::Missing), "");
        let bad = stored("\"not-base64!!\"");
        assert!(matches!(&bad, Argument::Unreadable { reason, .. } if reason.contains("base64")));
        assert_eq!(
            summary(&bad, &Argument::Missing),
            "not-base64!! (not readable)"
        );
        assert!(
            bad.detail()
                .unwrap()
                .starts_with("not-base64!!\n(not readable: ")
        );
    }

    /// What DRF passes through as it is (a number, `null`, an ISO date)
    /// reads as the Python value, never as an unreadable row.
    #[test]
    fn values_that_are_not_pickles_read_as_python_values() {
        assert_eq!(summary(&stored("12"), &stored("null")), "12 None");
        assert_eq!(
            summary(&stored("\"2025-03-15\""), &Argument::Missing),
            "datetime.date(2025, 3, 15)"
        );
    }

    #[test]
    fn the_cell_is_short_and_the_details_laid_out() {
        // (list(range(40)), 'word ' * 60), pickled by Python (protocol 5).
        let long = stored(
            "\"gAWViQEAAAAAAABdlChLAEsBSwJLA0sESwVLBksHSwhLCUsKSwtLDEsNSw5LD0sQSxFLEksTSxRLFUsWSxdLGEsZSxpLG0scSx1LHksfSyBLIUsiSyNLJEslSyZLJ2VYLAEAAHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIHdvcmQgd29yZCB3b3JkIJSGlC4=\"",
        );
        let cell = summary(&long, &Argument::Missing);
        assert_eq!(cell.chars().count(), SHORT_CHARS + 1, "{cell}");
        assert!(cell.ends_with('…'));
        let detail = long.detail().unwrap();
        assert!(detail.lines().count() > 10, "{detail}");
        assert!(detail.lines().all(|l| l.chars().count() <= PRETTY_WIDTH));
    }
}
