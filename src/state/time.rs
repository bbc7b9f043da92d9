//! How times read in the console: relative ("4 min ago") with the absolute
//! time on hover, in the browser's zone or in UTC.
//!
//! InvenTree sends zone-less wall-clock times in the server's zone, so they are
//! shown as they are and labelled "server time" rather than converted with a
//! guessed offset.

use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};

use crate::api::time::ServerTime;

/// Which zone absolute times are shown in. `Local` carries the offset of the
/// browser at the instant being formatted (so DST is right for old tasks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    Local,
    Utc,
}

impl Zone {
    pub fn toggled(self) -> Zone {
        match self {
            Zone::Local => Zone::Utc,
            Zone::Utc => Zone::Local,
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

// Formatting is written out instead of using chrono's format strings, whose
// parser would otherwise be compiled into the WASM binary.
fn ymd(t: &impl Datelike) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), t.month(), t.day())
}

fn hm(t: &impl Timelike) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

fn offset_label(offset: FixedOffset) -> String {
    let seconds = offset.local_minus_utc();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// `Nov 2` for chart labels.
pub fn month_day(d: &impl Datelike) -> String {
    format!("{} {}", MONTHS[d.month0() as usize], d.day())
}

/// `2026-11-22 14:05:09 +01:00` in the chosen zone.
pub fn absolute(t: DateTime<Utc>, zone: Zone, local_offset: FixedOffset) -> String {
    let (t, suffix) = match zone {
        Zone::Utc => (t.naive_utc(), "UTC".to_string()),
        Zone::Local => (
            t.with_timezone(&local_offset).naive_local(),
            offset_label(local_offset),
        ),
    };
    format!("{} {}:{:02} {suffix}", ymd(&t), hm(&t), t.second())
}

/// A compact absolute time for table cells: `14:05` today, `Nov 21 14:05`
/// this year, `2025-11-21` otherwise.
pub fn short(
    t: DateTime<Utc>,
    now: DateTime<Utc>,
    zone: Zone,
    local_offset: FixedOffset,
) -> String {
    let offset = match zone {
        Zone::Utc => FixedOffset::east_opt(0).expect("zero offset"),
        Zone::Local => local_offset,
    };
    let t = t.with_timezone(&offset);
    let now = now.with_timezone(&offset);
    if t.date_naive() == now.date_naive() {
        hm(&t)
    } else if t.year() == now.year() {
        format!("{} {}", month_day(&t), hm(&t))
    } else {
        ymd(&t)
    }
}

/// "just now", "4 min ago", "in 3 h", "2 days ago".
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - t).num_seconds();
    let future = seconds < 0;
    let s = seconds.unsigned_abs();
    let amount = if s < 45 {
        return "just now".into();
    } else if s < 90 * 60 {
        format!("{} min", (s + 30) / 60)
    } else if s < 36 * 3600 {
        format!("{} h", (s + 1800) / 3600)
    } else if s < 60 * 86400 {
        let days = (s + 43200) / 86400;
        format!("{days} {}", if days == 1 { "day" } else { "days" })
    } else {
        let months = s / (30 * 86400);
        format!("{months} months")
    };
    if future {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

/// An InvenTree time, labelled so nobody mistakes it for local time.
pub fn server_time(t: &ServerTime) -> String {
    format!("{} (server time)", t.to_wire())
}

/// `0.4 s`, `12 s`, `3 min 05 s`, `2 h 10 min`, `3 d 4 h`.
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "–".into();
    }
    if seconds < 10.0 {
        // Tenths by integer arithmetic: float formatting is large in WASM.
        let tenths = (seconds * 10.0).round() as u64;
        return format!("{}.{} s", tenths / 10, tenths % 10);
    }
    let s = seconds.round() as u64;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {:02} s", s / 60, s % 60)
    } else if s < 86_400 {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    } else {
        format!("{} d {} h", s / 86_400, (s % 86_400) / 3600)
    }
}

/// How long an InvenTree task ran, from a start and a stop the server sends
/// to the minute (`%Y-%m-%d %H:%M`): their difference is whole minutes and
/// off by up to a minute either way, so it is said as approximate. Two runs
/// of 95 s read "about 2 min" or "about 1 min" depending on where their
/// seconds fell; neither is "2 min 00 s".
pub fn approximate_minutes(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    match minutes {
        0 => "under 1 min".into(),
        m if m < 60 => format!("about {m} min"),
        m => format!("about {} h {} min", m / 60, m % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn minute_resolution_durations_are_said_as_approximate() {
        assert_eq!(approximate_minutes(0), "under 1 min");
        assert_eq!(approximate_minutes(59), "under 1 min");
        assert_eq!(approximate_minutes(60), "about 1 min");
        assert_eq!(approximate_minutes(120), "about 2 min");
        assert_eq!(approximate_minutes(3 * 3600 + 5 * 60), "about 3 h 5 min");
        assert_eq!(approximate_minutes(-60), "under 1 min");
        // Never seconds that were not sent.
        assert!(!approximate_minutes(120).contains(" s"));
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = at("2026-11-22T12:00:00Z");
        assert_eq!(relative(at("2026-11-22T11:59:40Z"), now), "just now");
        assert_eq!(relative(at("2026-11-22T11:56:00Z"), now), "4 min ago");
        assert_eq!(relative(at("2026-11-22T09:00:00Z"), now), "3 h ago");
        assert_eq!(relative(at("2026-11-21T12:00:00Z"), now), "24 h ago");
        assert_eq!(relative(at("2026-11-19T12:00:00Z"), now), "3 days ago");
        assert_eq!(relative(at("2026-11-22T12:10:00Z"), now), "in 10 min");
        assert_eq!(relative(at("2026-06-01T12:00:00Z"), now), "5 months ago");
    }

    #[test]
    fn absolute_time_follows_the_zone_choice() {
        let t = at("2026-11-22T23:30:05Z");
        let berlin = FixedOffset::east_opt(3600).unwrap();
        assert_eq!(
            absolute(t, Zone::Local, berlin),
            "2026-11-23 00:30:05 +01:00"
        );
        assert_eq!(absolute(t, Zone::Utc, berlin), "2026-11-22 23:30:05 UTC");
        let new_york = FixedOffset::west_opt(5 * 3600).unwrap();
        assert_eq!(
            absolute(t, Zone::Local, new_york),
            "2026-11-22 18:30:05 -05:00"
        );
    }

    #[test]
    fn short_time_drops_what_is_obvious() {
        let now = at("2026-11-22T12:00:00Z");
        let utc = FixedOffset::east_opt(0).unwrap();
        assert_eq!(
            short(at("2026-11-22T08:15:00Z"), now, Zone::Local, utc),
            "08:15"
        );
        assert_eq!(
            short(at("2026-11-02T08:15:00Z"), now, Zone::Local, utc),
            "Nov 2 08:15"
        );
        assert_eq!(
            short(at("2025-11-02T08:15:00Z"), now, Zone::Local, utc),
            "2025-11-02"
        );
        // Late evening UTC is already tomorrow in Tokyo.
        let tokyo = FixedOffset::east_opt(9 * 3600).unwrap();
        let late = Utc.with_ymd_and_hms(2026, 11, 21, 20, 0, 0).unwrap();
        assert_eq!(short(late, now, Zone::Local, tokyo), "05:00");
        assert_eq!(short(late, now, Zone::Utc, tokyo), "Nov 21 20:00");
    }

    #[test]
    fn durations_and_server_times() {
        assert_eq!(duration(0.42), "0.4 s");
        assert_eq!(duration(42.4), "42 s");
        assert_eq!(duration(185.0), "3 min 05 s");
        assert_eq!(duration(7800.0), "2 h 10 min");
        assert_eq!(duration(3.0 * 86_400.0 + 4.0 * 3600.0 + 59.0), "3 d 4 h");
        assert_eq!(duration(-1.0), "–");
        let t = ServerTime::parse("2026-11-22 13:08").unwrap();
        assert_eq!(server_time(&t), "2026-11-22 13:08 (server time)");
    }
}
