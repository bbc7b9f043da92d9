//! Fault injection for tests and demos: added latency, an error rate, a
//! malformed body, or a dropped connection, per endpoint (path prefix).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::seed::Rng;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fault {
    pub latency: Duration,
    /// 0.0 to 1.0: share of requests answered with Django's HTML 500 page.
    pub error_rate: f64,
    /// Cut the body in half, so it is no longer valid JSON.
    pub malformed_body: bool,
    /// Send the status line, then abort the connection mid-body.
    pub drop_connection: bool,
}

#[derive(Default)]
pub struct FaultTable {
    rules: Vec<(String, Fault)>,
    rng: Option<Rng>,
}

impl FaultTable {
    /// Applies `fault` to every path starting with `path_prefix` ("" for all),
    /// replacing an earlier rule for the same prefix.
    pub fn set(&mut self, path_prefix: &str, fault: Fault) {
        self.rules.retain(|(p, _)| p != path_prefix);
        if fault != Fault::default() {
            self.rules.push((path_prefix.to_string(), fault));
        }
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// The most specific rule for a path.
    fn for_path(&self, path: &str) -> Option<Fault> {
        self.rules
            .iter()
            .filter(|(p, _)| path.starts_with(p.as_str()))
            .max_by_key(|(p, _)| p.len())
            .map(|(_, f)| f.clone())
    }

    fn roll(&mut self, rate: f64) -> bool {
        let rng = self.rng.get_or_insert_with(|| Rng::new(0x5EED));
        (rng.below(10_000) as f64) < rate * 10_000.0
    }
}

pub type SharedFaults = Arc<Mutex<FaultTable>>;

pub async fn middleware(
    State(faults): State<SharedFaults>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    let chosen = {
        let mut table = faults.lock().unwrap();
        table.for_path(request.uri().path()).map(|fault| {
            let fail = fault.error_rate > 0.0 && table.roll(fault.error_rate);
            (fault, fail)
        })
    };
    let Some((fault, fail)) = chosen else {
        return next.run(request).await;
    };
    if !fault.latency.is_zero() {
        tokio::time::sleep(fault.latency).await;
    }
    if fail {
        let mut r = Response::new(Body::from(
            "\n<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Server Error (500)</title>\n</head>\n<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n",
        ));
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        return r;
    }
    let response = next.run(request).await;
    if fault.drop_connection {
        let (parts, _) = response.into_parts();
        let failing = futures_util::stream::once(async {
            Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "injected drop",
            ))
        });
        let mut r = Response::from_parts(parts, Body::from_stream(failing));
        r.headers_mut().remove(header::CONTENT_LENGTH);
        return r;
    }
    if fault.malformed_body {
        let (mut parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        let half = bytes.slice(..bytes.len() / 2);
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::from(half));
    }
    response
}
