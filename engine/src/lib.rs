//! Taskdeck's engine: the protocols the console runs against servers, as
//! plain Rust that knows nothing of signals or screens, so that what an
//! admin's action really did can be tested natively, against the demo
//! backend and the recorded answers, one branch at a time.
//!
//! - [`act`]: choose → look up what still needs it → send → look up again →
//!   a [`act::Report`] of what was seen. One [`act::Target`] per
//!   destructive path: [`paperless::Acknowledge`], [`inventree::Delete`],
//!   [`mail::Release`].
//! - [`follow`]: a task the server queued, followed to its end or to a
//!   deadline; [`runs::Runs`] keeps one run per task per console.
//! - [`walk`]: every page of a list, bounded; [`failures`]: every failure
//!   a server keeps, read whole that way.
//! - [`gate`]: at most six requests in flight, servers taking turns.
//! - [`clock`]: the time and the waiting the protocols need, given by the
//!   caller (the browser's, a test's).
//!
//! Results are values handed back to the caller; where a screen shows them
//! is the UI's business, and a screen that is gone cannot be touched from
//! here.

pub mod act;
pub mod clock;
pub mod failures;
pub mod follow;
pub mod gate;
pub mod inventree;
pub mod mail;
pub mod paperless;
pub mod runs;
pub mod walk;

pub use taskdeck_api as api;

/// What the unit tests share: polling a future that never waits on I/O.
#[cfg(test)]
mod testing {
    /// Drives `future` to its end on this thread (the tests' transports
    /// answer at once, so a no-op waker is enough).
    pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
        use std::task::{Context, Poll, Waker};
        let mut future = std::pin::pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
                return value;
            }
        }
    }
}
