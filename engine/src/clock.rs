//! Time and waiting, given by the caller: the engine has no clock of its
//! own (a browser has no `std` clock, and tests want time that moves only
//! when they say).

use std::cell::Cell;
use std::time::Duration;

use crate::api::LocalBoxFuture;

pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
    /// Waits without blocking anything else.
    fn sleep(&self, duration: Duration) -> LocalBoxFuture<'_, ()>;
}

/// A clock for tests: sleeping moves it forward at once.
#[derive(Debug, Default)]
pub struct ManualClock {
    now: Cell<i64>,
    slept: Cell<u32>,
}

impl ManualClock {
    pub fn at(ms: i64) -> ManualClock {
        ManualClock {
            now: Cell::new(ms),
            slept: Cell::new(0),
        }
    }

    pub fn advance(&self, duration: Duration) {
        self.now.set(self.now.get() + duration.as_millis() as i64);
    }

    /// How many times something slept on it.
    pub fn sleeps(&self) -> u32 {
        self.slept.get()
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now.get()
    }

    fn sleep(&self, duration: Duration) -> LocalBoxFuture<'_, ()> {
        self.advance(duration);
        self.slept.set(self.slept.get() + 1);
        Box::pin(async {})
    }
}
