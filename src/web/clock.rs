//! The browser's time for the engine's protocols (following a run).

use std::time::Duration;

use crate::api::LocalBoxFuture;
use crate::engine::clock::Clock;

pub struct BrowserClock;

impl Clock for BrowserClock {
    fn now_ms(&self) -> i64 {
        super::now().timestamp_millis()
    }

    fn sleep(&self, duration: Duration) -> LocalBoxFuture<'_, ()> {
        Box::pin(super::sleep(duration))
    }
}
