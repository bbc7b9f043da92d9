//! Timestamps as the servers send them.
//!
//! Paperless-ngx sends RFC 3339 in UTC with or without fractional seconds.
//! InvenTree sends `YYYY-MM-DD HH:MM` in the server's configured zone with no
//! offset, so those values stay zone-less ([`ServerTime`]) and are labelled as
//! server time instead of being silently treated as UTC.

use std::fmt;

use chrono::{NaiveDateTime, Timelike};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerTime(pub NaiveDateTime);

const INVENTREE_FORMATS: [&str; 3] = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%.f",
];

impl ServerTime {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        for format in INVENTREE_FORMATS {
            if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
                return Ok(ServerTime(t));
            }
        }
        // A server configured with a zone-aware format: keep its wall-clock time.
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| ServerTime(t.naive_local()))
            .map_err(|_| format!("`{text}` is not a YYYY-MM-DD HH:MM time"))
    }

    /// The wire format, for round trips (the demo backend emits these).
    pub fn to_wire(&self) -> String {
        if self.0.second() == 0 && self.0.nanosecond() == 0 {
            self.0.format("%Y-%m-%d %H:%M").to_string()
        } else {
            self.0.format("%Y-%m-%d %H:%M:%S").to_string()
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
    }
}
