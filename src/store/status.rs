//! Paperless-ngx's `/api/status/`, read at most once a minute per server
//! unless its Health screen is open. A 2.x server without a worker writes a
//! six-line traceback to its own log on every call (2.20.15's
//! `SystemStatusView` fails on the worker's empty ping), so the overview's
//! refreshes and the inbox's polls share one answer instead of asking each
//! time; the Health screen always asks.

use leptos::prelude::*;

use crate::api::ApiError;

/// How long one answer serves everything but the Health screen.
pub const STATUS_FRESH_FOR_MS: i64 = 60_000;

/// The last answer per server (connection and address), and when it came.
#[derive(Default)]
pub struct StatusCache {
    kept: Vec<(String, i64, Result<String, ApiError>)>,
}

impl StatusCache {
    /// The answer kept for `key`, if younger than [`STATUS_FRESH_FOR_MS`].
    pub fn fresh(&self, key: &str, now_ms: i64) -> Option<Result<String, ApiError>> {
        self.kept
            .iter()
            .find(|(k, at, _)| k == key && now_ms - at < STATUS_FRESH_FOR_MS && now_ms >= *at)
            .map(|(_, _, answer)| answer.clone())
    }

    pub fn keep(&mut self, key: &str, now_ms: i64, answer: Result<String, ApiError>) {
        self.kept.retain(|(k, ..)| k != key);
        self.kept.push((key.to_string(), now_ms, answer));
    }
}

/// The app's one [`StatusCache`].
#[derive(Clone, Copy)]
pub struct StatusReads(StoredValue<StatusCache, LocalStorage>);

impl Default for StatusReads {
    fn default() -> Self {
        StatusReads(StoredValue::new_local(StatusCache::default()))
    }
}

impl StatusReads {
    pub fn fresh(&self, key: &str, now_ms: i64) -> Option<Result<String, ApiError>> {
        self.0.try_with_value(|c| c.fresh(key, now_ms)).flatten()
    }

    pub fn keep(&self, key: &str, now_ms: i64, answer: Result<String, ApiError>) {
        self.0.try_update_value(|c| c.keep(key, now_ms, answer));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_answer_serves_a_minute_per_server() {
        let mut cache = StatusCache::default();
        assert_eq!(cache.fresh("a", 0), None);
        cache.keep("a", 1_000, Ok("{}".into()));
        assert_eq!(cache.fresh("a", 1_000 + 59_999), Some(Ok("{}".into())));
        assert_eq!(cache.fresh("a", 1_000 + 60_000), None, "a minute later");
        assert_eq!(cache.fresh("b", 2_000), None, "per server");
        cache.keep(
            "a",
            70_000,
            Err(ApiError::Forbidden {
                message: "no".into(),
                required: None,
            }),
        );
        assert!(
            matches!(cache.fresh("a", 70_001), Some(Err(_))),
            "a refusal too"
        );
        assert_eq!(
            cache.fresh("a", 69_000),
            None,
            "a clock that went back asks again"
        );
    }
}
