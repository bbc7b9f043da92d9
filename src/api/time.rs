//! Timestamps as the servers send them.
//!
//! Paperless-ngx sends RFC 3339 in UTC with or without fractional seconds.
//! InvenTree sends `YYYY-MM-DD HH:MM` in the server's configured zone with no
//! offset, so those values stay zone-less ([`ServerTime`]) and are labelled as
//! server time instead of being silently treated as UTC.

use std::fmt;

use chrono::{Datelike, NaiveDateTime, Timelike};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerTime(pub NaiveDateTime);

impl ServerTime {
    /// Accepts `YYYY-MM-DD HH:MM`, with optional seconds and fractions, a `T`
    /// separator, and a zone suffix from servers configured with a zone-aware
    /// format (the wall-clock time is kept). Hand-written rather than chrono's
    /// format strings, which would add their parser to the WASM binary.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let invalid = || format!("`{text}` is not a YYYY-MM-DD HH:MM time");
        let number = |s: &str| s.parse::<u32>().map_err(|_| invalid());
        let (date, time) = text.split_once([' ', 'T']).ok_or_else(invalid)?;
        let mut d = date.splitn(3, '-');
        let (year, month, day) = (
            d.next()
                .ok_or_else(invalid)?
                .parse::<i32>()
                .map_err(|_| invalid())?,
            number(d.next().ok_or_else(invalid)?)?,
            number(d.next().ok_or_else(invalid)?)?,
        );
        // Drop a zone suffix: `Z`, `+01:00`, `-05:00`.
        let time = time
            .trim_end_matches('Z')
            .split(['+', '-'])
            .next()
            .unwrap_or_default();
        let (clock, fraction) = time.split_once('.').unwrap_or((time, ""));
        let mut c = clock.splitn(3, ':');
        let hour = number(c.next().ok_or_else(invalid)?)?;
        let minute = number(c.next().ok_or_else(invalid)?)?;
        let second = c.next().map(number).transpose()?.unwrap_or(0);
        let nanos = if fraction.is_empty() {
            0
        } else {
            let digits: String = fraction.chars().take(9).collect();
            number(&digits)? * 10u32.pow(9 - digits.len() as u32)
        };
        let date = chrono::NaiveDate::from_ymd_opt(year, month, day).ok_or_else(invalid)?;
        let time = chrono::NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
            .ok_or_else(invalid)?;
        Ok(ServerTime(NaiveDateTime::new(date, time)))
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
    }
}
