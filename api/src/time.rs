//! Timestamps as the servers send them.
//!
//! Paperless-ngx sends RFC 3339 in UTC with or without fractional seconds.
//! InvenTree sends `YYYY-MM-DD HH:MM` in the server's configured zone with no
//! offset, so those values stay zone-less ([`ServerTime`]) and are labelled as
//! server time instead of being silently treated as UTC.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerTime(pub NaiveDateTime);

impl ServerTime {
    /// Accepts `YYYY-MM-DD HH:MM`, with optional seconds and fractions, a `T`
    /// separator, and a zone suffix from servers configured with a zone-aware
    /// format (the wall-clock time is kept).
    pub fn parse(text: &str) -> Result<Self, String> {
        let invalid = || format!("`{}` is not a YYYY-MM-DD HH:MM time", text.trim());
        match WireTime::parse(text).ok_or_else(invalid)? {
            WireTime {
                time: Some(time),
                date,
                ..
            } => Ok(ServerTime(NaiveDateTime::new(date, time))),
            _ => Err(invalid()),
        }
    }

    /// The wire format, for round trips (the demo backend emits these).
    pub fn to_wire(&self) -> String {
        let t = self.0;
        let minutes = format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute()
        );
        if t.second() == 0 && t.nanosecond() == 0 {
            minutes
        } else {
            format!("{minutes}:{:02}", t.second())
        }
    }
}

impl fmt::Display for ServerTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_wire())
    }
}

impl<'de> Deserialize<'de> for ServerTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ServerTime::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Serialize for ServerTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_wire())
    }
}

/// The parts of `YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]][Z|±HH:MM]]`.
///
/// Hand-written rather than chrono's parser, which would add its format
/// machinery (about 12 KB) to the WASM download for three simple shapes.
struct WireTime {
    date: NaiveDate,
    time: Option<NaiveTime>,
    /// Seconds east of UTC, when the text names a zone.
    offset: Option<i32>,
}

impl WireTime {
    fn parse(text: &str) -> Option<WireTime> {
        let text = text.trim();
        let number = |s: &str| -> Option<u32> {
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        let (date, rest) = match text.split_once([' ', 'T']) {
            Some((date, rest)) => (date, Some(rest)),
            None => (text, None),
        };
        let mut d = date.splitn(3, '-');
        let year = i32::try_from(number(d.next()?)?).ok()?;
        let date = NaiveDate::from_ymd_opt(year, number(d.next()?)?, number(d.next()?)?)?;
        let Some(rest) = rest else {
            return Some(WireTime {
                date,
                time: None,
                offset: None,
            });
        };
        let (clock, offset) = if let Some(clock) = rest.strip_suffix(['Z', 'z']) {
            (clock, Some(0))
        } else if let Some(at) = rest.rfind(['+', '-']) {
            let (sign, zone) = (&rest[at..at + 1], &rest[at + 1..]);
            let (h, m) = zone.split_once(':').unwrap_or((zone, "00"));
            let (h, m) = (number(h)?, number(m)?);
            if h > 23 || m > 59 {
                return None;
            }
            let seconds = (h * 3600 + m * 60) as i32;
            (
                &rest[..at],
                Some(if sign == "-" { -seconds } else { seconds }),
            )
        } else {
            (rest, None)
        };
        let (clock, fraction) = match clock.split_once('.') {
            Some((clock, fraction)) => (clock, Some(fraction)),
            None => (clock, None),
        };
        let mut c = clock.splitn(3, ':');
        let hour = number(c.next()?)?;
        let minute = number(c.next()?)?;
        let second = c.next().map(number).unwrap_or(Some(0))?;
        let nanos = match fraction {
            None => 0,
            // Digits beyond nanoseconds are dropped.
            Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
                let digits = &f[..f.len().min(9)];
                number(digits)? * 10u32.pow(9 - digits.len() as u32)
            }
            Some(_) => return None,
        };
        Some(WireTime {
            date,
            time: Some(NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?),
            offset,
        })
    }
}

/// An RFC 3339 timestamp (`2026-11-22T13:08:09.5Z`, `…+01:00`) as UTC.
/// A timestamp without a zone is refused: its instant would be a guess.
pub fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    let WireTime {
        date,
        time: Some(time),
        offset: Some(offset),
    } = WireTime::parse(text)?
    else {
        return None;
    };
    let local = NaiveDateTime::new(date, time);
    let utc = local.checked_sub_signed(chrono::TimeDelta::seconds(offset.into()))?;
    Some(DateTime::from_naive_utc_and_offset(utc, Utc))
}

/// `#[serde(deserialize_with)]` for optional RFC 3339 timestamps.
pub fn rfc3339_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    crate::wire_str::read_option(d, |text| {
        parse_rfc3339(text).ok_or_else(|| format!("`{text}` is not an RFC 3339 timestamp"))
    })
}

/// `#[serde(deserialize_with)]` for optional `YYYY-MM-DD` dates.
pub fn date_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(text) => match WireTime::parse(&text) {
            Some(WireTime {
                date, time: None, ..
            }) => Ok(Some(date)),
            _ => Err(serde::de::Error::custom(format!(
                "`{text}` is not a YYYY-MM-DD date"
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_inventree_minutes_without_zone() {
        let t = ServerTime::parse("2026-11-22 13:08").unwrap();
        assert_eq!(t.0.to_string(), "2026-11-22 13:08:00");
        assert_eq!(t.to_wire(), "2026-11-22 13:08");
        assert!(ServerTime::parse("22/11/2026").is_err());
        assert!(ServerTime::parse("2026-13-01 10:00").is_err());
        let seconds = ServerTime::parse("2026-11-22T13:08:09.5").unwrap();
        assert_eq!(seconds.0.to_string(), "2026-11-22 13:08:09.500");
        assert_eq!(seconds.to_wire(), "2026-11-22 13:08:09");
        let zoned = ServerTime::parse("2026-11-22T13:08:00+01:00").unwrap();
        assert_eq!(zoned.to_wire(), "2026-11-22 13:08");
        let behind = ServerTime::parse("2026-11-22 13:08:00-05:00").unwrap();
        assert_eq!(behind.to_wire(), "2026-11-22 13:08");
        assert!(ServerTime::parse("2026-11-22").is_err());
        assert!(ServerTime::parse("2026-11-22 25:00").is_err());
        assert!(ServerTime::parse("2026-11-22 1x:00").is_err());
    }

    /// Agrees with chrono's own RFC 3339 parser on what Paperless sends, and
    /// on the shapes it could send with a zone configured.
    #[test]
    fn rfc3339_matches_chrono() {
        for text in [
            "2026-11-22T13:08:09Z",
            "2026-11-22T13:08:09.416084Z",
            "2026-11-22T13:08:09.5+01:00",
            "2026-03-29T01:30:00-05:30",
            "2024-02-29T23:59:59.999999999+14:00",
            "1999-12-31T23:00:00-01:00",
            "2026-11-22 13:08:09z",
            "2026-11-22T13:08:09.1234567891Z",
        ] {
            let expected = DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc);
            assert_eq!(parse_rfc3339(text), Some(expected), "{text}");
        }
        for text in [
            "2026-11-22T13:08:09",
            "2026-11-22",
            "2026-02-30T10:00:00Z",
            "2026-11-22T13:08:09+25:00",
            "2026-11-22T13:08:09.Z",
            "2026-11-22T+1:08:09Z",
            "yesterday",
            "",
        ] {
            assert_eq!(parse_rfc3339(text), None, "{text}");
        }
    }

    #[test]
    fn optional_wire_fields() {
        #[derive(Debug, Deserialize)]
        struct Row {
            #[serde(default, deserialize_with = "rfc3339_opt")]
            at: Option<DateTime<Utc>>,
            #[serde(default, deserialize_with = "date_opt")]
            on: Option<NaiveDate>,
        }
        let row: Row =
            serde_json::from_str(r#"{"at":"2026-11-22T13:08:09Z","on":"2027-01-31"}"#).unwrap();
        assert_eq!(row.at.unwrap().to_rfc3339(), "2026-11-22T13:08:09+00:00");
        assert_eq!(row.on, NaiveDate::from_ymd_opt(2027, 1, 31));
        let empty: Row = serde_json::from_str(r#"{"at":null,"on":null}"#).unwrap();
        assert_eq!((empty.at, empty.on), (None, None));
        let missing: Row = serde_json::from_str("{}").unwrap();
        assert_eq!((missing.at, missing.on), (None, None));
        let error = serde_json::from_str::<Row>(r#"{"at":"2026-11-22T13:08:09"}"#).unwrap_err();
        assert!(
            error.to_string().contains("not an RFC 3339 timestamp"),
            "{error}"
        );
        assert!(serde_json::from_str::<Row>(r#"{"on":"2027-01-31 10:00"}"#).is_err());
    }
}
