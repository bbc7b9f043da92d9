//! Task arguments as Python text, alike in every InvenTree queue: pending
//! and scheduled rows send `repr` text (`(12,)`), failed rows base64
//! pickles (`gAUpLg==`), read here into the same text.

use crate::api::pickle::base64_to_python_with;

#[derive(Clone, Debug, PartialEq)]
pub enum Argument {
    Missing,
    Text(String),
    /// Shown as it came, with why it could not be read.
    Unreadable {
        raw: String,
        reason: String,
    },
}

impl Argument {
    pub fn from_repr(text: Option<&str>) -> Argument {
        match text {
            None => Argument::Missing,
            Some(t) => Argument::Text(t.to_string()),
        }
    }

    /// `float` writes a float as Python would (the browser's shortest
    /// form is much smaller in the download than Rust's).
    pub fn from_pickle(base64: Option<&str>, float: fn(f64) -> String) -> Argument {
        match base64 {
            None => Argument::Missing,
            Some(raw) => match base64_to_python_with(raw, float) {
                Ok(text) => Argument::Text(text),
                Err(e) => Argument::Unreadable {
                    raw: raw.to_string(),
                    reason: e.to_string(),
                },
            },
        }
    }

    /// The text, or the raw value with the reason.
    pub fn detail(&self) -> Option<String> {
        match self {
            Argument::Missing => None,
            Argument::Text(t) => Some(t.clone()),
            Argument::Unreadable { raw, reason } => {
                Some(format!("{raw}\n(not readable: {reason})"))
            }
        }
    }

    fn short(&self) -> Option<String> {
        match self {
            Argument::Missing => None,
            Argument::Text(t) if t == "()" || t == "{}" || t.is_empty() => None,
            Argument::Text(t) => Some(t.clone()),
            Argument::Unreadable { raw, .. } => Some(format!("{raw} (not readable)")),
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::pickle::rust_shortest;

    #[test]
    fn pickled_and_repr_arguments_read_alike() {
        let failed = (
            Argument::from_pickle(Some("gAWVBQAAAAAAAABLKoWULg=="), rust_shortest),
            Argument::from_pickle(Some("gAV9lC4="), rust_shortest),
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
        let nothing = Argument::from_pickle(Some("gAUpLg=="), rust_shortest);
        assert_eq!(summary(&nothing, &Argument::Missing), "");
        let bad = Argument::from_pickle(Some("not-base64!!"), rust_shortest);
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
}
