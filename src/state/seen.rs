//! "New since you last looked": when the user last saw each server's
//! failures, remembered across reloads. A failure is new when it happened
//! after that moment; opening the list moves the moment on.

use chrono::{DateTime, FixedOffset, Utc};

use crate::api::time::ServerTime;

use crate::state::connections::KeyValueStore;

/// The lists whose failures are watched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Watched {
    PaperlessTasks,
    InvenTreeFailed,
}

impl Watched {
    fn slug(self) -> &'static str {
        match self {
            Watched::PaperlessTasks => "paperless",
            Watched::InvenTreeFailed => "inventree-failed",
        }
    }
}

fn key(connection: &str, list: Watched) -> String {
    format!("taskdeck.seen.{connection}.{}", list.slug())
}

/// When the user last opened this list; `None` before the first time.
pub fn last_seen(
    store: &dyn KeyValueStore,
    connection: &str,
    list: Watched,
) -> Option<DateTime<Utc>> {
    store
        .get(&key(connection, list))
        .and_then(|ms| ms.parse::<i64>().ok())
        .and_then(DateTime::from_timestamp_millis)
}

/// The user has seen the list now.
pub fn mark_seen(store: &dyn KeyValueStore, connection: &str, list: Watched, now: DateTime<Utc>) {
    store.set(&key(connection, list), &now.timestamp_millis().to_string());
}

/// An InvenTree time (no zone) as the browser's local time, to compare.
pub fn local_server_time(t: ServerTime, offset: FixedOffset) -> Option<DateTime<Utc>> {
    t.0.and_local_timezone(offset)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// One rule for what counts as new, wherever it is asked: it happened
/// after the user last looked, and never looking makes everything new.
pub fn is_new(at: Option<DateTime<Utc>>, seen: Option<DateTime<Utc>>) -> bool {
    match (at, seen) {
        (Some(at), Some(seen)) => at > seen,
        (_, None) => true,
        (None, Some(_)) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::connections::memory::MemoryStore as Memory;

    fn at(s: &str) -> Option<DateTime<Utc>> {
        Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
    }

    #[test]
    fn failures_after_the_last_look_are_new_per_server_and_list() {
        let store = Memory::default();
        assert_eq!(last_seen(&store, "c1", Watched::PaperlessTasks), None);
        assert!(
            is_new(at("2026-12-01T00:00:00Z"), None),
            "never looked: all new"
        );
        mark_seen(
            &store,
            "c1",
            Watched::PaperlessTasks,
            at("2026-12-03T12:00:00Z").unwrap(),
        );
        let seen = last_seen(&store, "c1", Watched::PaperlessTasks);
        assert_eq!(seen, at("2026-12-03T12:00:00Z"));
        assert!(!is_new(at("2026-12-03T11:59:59Z"), seen));
        assert!(is_new(at("2026-12-03T12:00:01Z"), seen));
        assert!(!is_new(None, seen), "no time: not news");
        assert_eq!(
            last_seen(&store, "c2", Watched::PaperlessTasks),
            None,
            "per server"
        );
        assert_eq!(
            last_seen(&store, "c1", Watched::InvenTreeFailed),
            None,
            "per list"
        );
    }
}
