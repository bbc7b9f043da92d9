//! What the demo's servers were asked, and when: for benchmarks that must
//! show how a client spreads its requests (how many at once, whether one
//! server's refreshes overlap).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// One request, from its arrival to its answer being handed back.
#[derive(Clone, Debug)]
pub struct Span {
    /// The instance's index in the demo's list.
    pub instance: usize,
    pub method: String,
    pub path: String,
    pub start: Instant,
    pub end: Instant,
}

#[derive(Debug, Default)]
pub struct Traffic {
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    spans: Mutex<Vec<Span>>,
}

impl Traffic {
    /// The most requests any of the demo's servers were answering at once,
    /// all instances together.
    pub fn most_in_flight(&self) -> usize {
        self.most_in_flight.load(Ordering::SeqCst)
    }

    pub fn spans(&self) -> Vec<Span> {
        self.spans.lock().unwrap().clone()
    }

    /// Starts counting afresh.
    pub fn reset(&self) {
        self.most_in_flight
            .store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
        self.spans.lock().unwrap().clear();
    }

    /// Pairs of requests to the same instance and path (CORS preflights
    /// left out) that were answered at overlapping times.
    pub fn overlapping_repeats(&self) -> Vec<(Span, Span)> {
        let mut spans: Vec<Span> = self
            .spans()
            .into_iter()
            .filter(|s| s.method != "OPTIONS")
            .collect();
        spans.sort_by_key(|s| (s.instance, s.path.clone(), s.start));
        spans
            .windows(2)
            .filter(|w| {
                w[0].instance == w[1].instance && w[0].path == w[1].path && w[1].start < w[0].end
            })
            .map(|w| (w[0].clone(), w[1].clone()))
            .collect()
    }
}

pub async fn middleware(
    State((traffic, instance)): State<(Arc<Traffic>, usize)>,
    request: Request,
    next: Next,
) -> Response {
    let (method, path) = (
        request.method().to_string(),
        request.uri().path().to_string(),
    );
    let start = Instant::now();
    let now = traffic.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    traffic.most_in_flight.fetch_max(now, Ordering::SeqCst);
    let response = next.run(request).await;
    traffic.in_flight.fetch_sub(1, Ordering::SeqCst);
    traffic.spans.lock().unwrap().push(Span {
        instance,
        method,
        path,
        start,
        end: Instant::now(),
    });
    response
}
