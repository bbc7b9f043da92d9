//! A failed task's `args` or `kwargs` as InvenTree's API really sends
//! them, which is not always a pickle.
//!
//! InvenTree's `FailedTaskSerializer` (`common/serializers.py`, a
//! `ModelSerializer` over django-q2's `Failure`) leaves `args` and
//! `kwargs`, django-picklefield `PickledObjectField`s, to DRF's
//! `ModelField`, whose `to_representation` returns the field's Python
//! value as it is when Django's `is_protected_type` says so (None, int,
//! float, Decimal, date, datetime, time; bool is an int) and
//! `value_to_string` (the base64 pickle) otherwise. DRF's JSON encoder
//! then writes those values as JSON: numbers, `null`, `true`/`false`,
//! Decimals as floats (`encoders.JSONEncoder`: `float(obj)`), dates and
//! times as `isoformat()` with a UTC offset of `+00:00` written `Z`.
//! (django-q2 normally stores a tuple and a dict, which are pickled; a
//! schedule whose `args` text evaluates to a plain value stores that.)
//!
//! So a JSON string is a base64 pickle, or ISO 8601 text: they never
//! overlap, since base64 has neither `-` nor `:`. Anything else is the
//! value itself; this reads it as the Python value it stands for.

use super::graph::{Clock, Day, Graph, Id, MAX_VALUES, Moment, Node};
use super::text::{ShortestFloat, decimal_digits, decimal_value, small_int, wtf8_flags};
use super::{MAX_INPUT, PickleError, Reading, read_base64};

/// Reads a failed task's `args` or `kwargs` as InvenTree sent it (its
/// JSON text).
pub fn read_json(raw: &str, shortest: ShortestFloat) -> Result<Reading, PickleError> {
    let raw = raw.trim();
    let refuse = |reason: String| PickleError { reason, offset: 0 };
    if raw.starts_with('"') {
        let text: String =
            serde_json::from_str(raw).map_err(|e| refuse(format!("not a JSON string: {e}")))?;
        return match iso_moment(&text) {
            Some(moment) => {
                let mut graph = Graph::new(Vec::new());
                graph.moments.push(moment);
                let root = graph.add(Node::Moment(0))?;
                Ok(Reading {
                    graph,
                    root,
                    shortest,
                })
            }
            None => read_base64(&text, shortest),
        };
    }
    if raw.len() > MAX_INPUT {
        return Err(refuse(format!(
            "{} bytes is more than this reads",
            raw.len()
        )));
    }
    let mut graph = Graph::new(Vec::new());
    // A number keeps its own digits: JSON integers are exact however
    // long (Python writes them so), which serde_json's numbers are not.
    let root = if let Some(node) = number(&mut graph, raw) {
        graph.add(node)?
    } else {
        let value: serde_json::Value =
            serde_json::from_str(raw).map_err(|e| refuse(format!("not JSON: {e}")))?;
        value_node(&mut graph, &value)?
    };
    Ok(Reading {
        graph,
        root,
        shortest,
    })
}

fn number(graph: &mut Graph, text: &str) -> Option<Node> {
    if let Some((negative, digits)) = decimal_digits(text) {
        if let Some(v) = small_int(negative, digits) {
            return Some(Node::Int(v));
        }
        let digits = graph.own(digits.as_bytes(), 0);
        return Some(Node::LongDec { negative, digits });
    }
    // serde_json's float reading (in the download anyway), not Rust's.
    let f: f64 = serde_json::from_str(text).ok()?;
    Some(Node::Float(f))
}

fn value_node(graph: &mut Graph, value: &serde_json::Value) -> Result<Id, PickleError> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => super::graph::NONE,
        Value::Bool(true) => super::graph::TRUE,
        Value::Bool(false) => super::graph::FALSE,
        Value::Number(n) => {
            let node = number(graph, &n.to_string()).unwrap_or(Node::Float(f64::NAN));
            graph.add(node)?
        }
        Value::String(s) => {
            let flags = wtf8_flags(s.as_bytes()).unwrap_or(0);
            let text = graph.own(s.as_bytes(), flags);
            graph.add(Node::Str(text))?
        }
        Value::Array(items) => {
            let ids = items
                .iter()
                .map(|v| value_node(graph, v))
                .collect::<Result<Vec<_>, _>>()?;
            graph.add_seq(Node::List, ids)?
        }
        Value::Object(map) => {
            if map.len() > MAX_VALUES {
                return Err(PickleError {
                    reason: format!("it holds more than {MAX_VALUES} values"),
                    offset: 0,
                });
            }
            let mut ids = Vec::with_capacity(map.len() * 2);
            for (key, value) in map {
                let flags = wtf8_flags(key.as_bytes()).unwrap_or(0);
                let text = graph.own(key.as_bytes(), flags);
                ids.push(graph.add(Node::Str(text))?);
                ids.push(value_node(graph, value)?);
            }
            graph.add_seq(Node::Dict, ids)?
        }
    })
}

/// `2025-03-15`, `10:30:00.250000`, `2025-03-15T10:30:00Z`,
/// `2025-03-15T10:30:00+05:30`: what `isoformat()` writes for a date, a
/// time and a datetime.
fn iso_moment(text: &str) -> Option<Moment> {
    let date = |s: &str| -> Option<Day> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year: u16 = digits(&s[..4])?;
        let month: u8 = digits(&s[5..7])?;
        let day: u8 = digits(&s[8..10])?;
        ((1..=12).contains(&month) && (1..=31).contains(&day) && year >= 1).then_some(Day {
            year,
            month,
            day,
        })
    };
    if let Some(day) = date(text) {
        return Some(Moment::Date(day));
    }
    if let Some((day_part, rest)) = text.split_once(['T', ' ']) {
        let day = date(day_part)?;
        let (time, offset) = if let Some(time) = rest.strip_suffix('Z') {
            (time, Some(0))
        } else if let Some(at) = rest.rfind(['+', '-']) {
            (&rest[..at], Some(offset(&rest[at..])?))
        } else {
            (rest, None)
        };
        return Some(Moment::DateTime {
            day,
            clock: clock(time)?,
            offset,
        });
    }
    clock(text).map(Moment::Time)
}

fn digits<T: TryFrom<u128>>(s: &str) -> Option<T> {
    T::try_from(decimal_value(s)?).ok()
}

/// `HH:MM:SS[.ffffff]`.
fn clock(text: &str) -> Option<Clock> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let mut parts = whole.split(':');
    let (hour, minute, second) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || [hour, minute, second].iter().any(|p| p.len() != 2) {
        return None;
    }
    if fraction.len() > 6 || (text.contains('.') && fraction.is_empty()) {
        return None;
    }
    let micro = if fraction.is_empty() {
        0
    } else {
        digits::<u32>(fraction)? * 10u32.pow(6 - fraction.len() as u32)
    };
    let clock = Clock {
        hour: digits(hour)?,
        minute: digits(minute)?,
        second: digits(second)?,
        micro,
    };
    (clock.hour < 24 && clock.minute < 60 && clock.second < 60).then_some(clock)
}

/// `+05:30`, `-04:00`, `+05:30:15`: seconds east of UTC.
fn offset(text: &str) -> Option<i32> {
    let sign = if text.starts_with('-') { -1 } else { 1 };
    let mut parts = text[1..].split(':');
    let hours: i32 = digits(parts.next()?)?;
    let minutes: i32 = digits(parts.next()?)?;
    let seconds: i32 = match parts.next() {
        Some(s) => digits(s.split('.').next()?)?,
        None => 0,
    };
    if parts.next().is_some() || hours >= 24 || minutes >= 60 || seconds >= 60 {
        return None;
    }
    Some(sign * (hours * 3600 + minutes * 60 + seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pickle::rust_shortest;

    fn text(raw: &str) -> String {
        read_json(raw, rust_shortest).unwrap().text()
    }

    /// Expected texts are Python's `repr` of the value DRF encoded.
    #[test]
    fn protected_values_read_as_the_python_values_they_stand_for() {
        assert_eq!(text("12"), "12");
        assert_eq!(text("-7"), "-7");
        assert_eq!(
            text("123456789012345678901234567890"),
            "123456789012345678901234567890"
        );
        assert_eq!(text("null"), "None");
        assert_eq!(text("true"), "True");
        assert_eq!(text("2.5"), "2.5");
        assert_eq!(text("1e+16"), "1e+16");
        assert_eq!(text("1E16"), "1e+16");
        assert_eq!(text("\"2025-03-15\""), "datetime.date(2025, 3, 15)");
        assert_eq!(
            text("\"2025-03-15T10:30:00Z\""),
            "datetime.datetime(2025, 3, 15, 10, 30, tzinfo=datetime.timezone.utc)"
        );
        assert_eq!(
            text("\"2025-03-15T10:30:05.250000+05:30\""),
            "datetime.datetime(2025, 3, 15, 10, 30, 5, 250000, tzinfo=datetime.timezone(datetime.timedelta(seconds=19800)))"
        );
        assert_eq!(
            text("\"2025-03-15T10:30:00-05:00\""),
            "datetime.datetime(2025, 3, 15, 10, 30, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=68400)))"
        );
        assert_eq!(
            text("\"2025-03-15T10:30:00\""),
            "datetime.datetime(2025, 3, 15, 10, 30)"
        );
        assert_eq!(text("\"10:30:00\""), "datetime.time(10, 30)");
        assert_eq!(text("\"10:30:00.5\""), "datetime.time(10, 30, 0, 500000)");
        assert_eq!(text("\"gAUpLg==\""), "()");
        assert_eq!(text("[1, \"a\", {\"k\": null}]"), "[1, 'a', {'k': None}]");
        let bad = read_json("\"not-base64!!\"", rust_shortest).unwrap_err();
        assert!(bad.reason.contains("base64"), "{bad}");
        assert!(read_json("\"2025-13-40\"", rust_shortest).is_err());
    }
}
