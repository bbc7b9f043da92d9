//! taskdeck-watch: a headless watcher for Paperless-ngx and InvenTree
//! servers, built on the API crate. It polls every server through one
//! request gate, keeps their history in SQLite (compacted to days, bounded
//! in time), alerts through ntfy, Gotify or a webhook when a rule's
//! condition changes, and serves its history, its health, an action log
//! and Prometheus metrics over HTTP.
//!
//! - [`config`]: the TOML config; tokens only by reference.
//! - [`poll`]: one poll of one server, through the API crate.
//! - [`store`], [`history`], [`alerts`], [`report`]: the SQLite file.
//! - [`rules`]: when to alert; [`channels`]: where to; [`triaged`]: the
//!   history as `taskdeck-triage` reads it (stalls, new causes of failure).
//! - [`serve`], [`metrics`]: the HTTP side.
//! - [`watcher`]: [`Watcher`], which runs all of it on a thread of its own.

pub mod alerts;
pub mod channels;
pub mod clock;
pub mod config;
pub mod history;
pub mod metrics;
pub mod poll;
pub mod report;
pub mod rules;
pub mod serve;
pub mod store;
pub mod transport;
pub mod triaged;
pub mod watcher;

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

pub use config::Config;
pub use watcher::{Notice, Options, StartError, Watcher};

/// Milliseconds since the epoch as RFC 3339 (UTC, milliseconds).
pub fn rfc3339(ms: store::Millis) -> String {
    store::from_millis(ms).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) fn serde_time<S: serde::Serializer>(
    ms: &store::Millis,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*ms))
}

pub(crate) fn serde_time_opt<S: serde::Serializer>(
    ms: &Option<store::Millis>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match ms {
        Some(ms) => s.serialize_str(&rfc3339(*ms)),
        None => s.serialize_none(),
    }
}

/// Runs futures side by side on the current task and collects their
/// outputs in order (for futures that borrow, which cannot be spawned).
pub async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs
        .into_iter()
        .map(|o| o.expect("every future finished"))
        .collect()
}
