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
    /// Let this many requests through, then fail every later one with the
    /// HTML 500 page, the request not carried out (a batch failing halfway).
    pub fail_after: Option<u32>,
    /// Carry the request out, then wait this long before answering (a
    /// timeout after the server committed).
    pub slow_answer: Duration,
    /// Answer 200 with a login page, as a proxy in front of the server
    /// does; the request never reaches the server.
    pub login_page: bool,
    /// Answer 429 with `Retry-After` in seconds; nothing is carried out.
    pub throttle_secs: Option<u64>,
    /// Only requests with this method ("DELETE"); all when `None`.
    pub only_method: Option<&'static str>,
    /// Set this field of the answer's first row to null (a server sending
    /// one row the console cannot read).
    pub null_in_first_row: Option<&'static str>,
}

#[derive(Default)]
pub struct FaultTable {
    /// Path prefix, fault, and how many requests the rule has seen.
    rules: Vec<(String, Fault, u32)>,
    rng: Option<Rng>,
}

impl FaultTable {
    /// Applies `fault` to every path starting with `path_prefix` ("" for all),
    /// replacing an earlier rule for the same prefix.
    pub fn set(&mut self, path_prefix: &str, fault: Fault) {
        self.rules.retain(|(p, _, _)| p != path_prefix);
        if fault != Fault::default() {
            self.rules.push((path_prefix.to_string(), fault, 0));
        }
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// The most specific rule for a path, and how many requests it saw
    /// before this one.
    fn for_path(&mut self, path: &str, method: &str) -> Option<(Fault, u32)> {
        let rule = self
            .rules
            .iter_mut()
            .filter(|(p, f, _)| {
                path.starts_with(p.as_str()) && f.only_method.is_none_or(|m| m == method)
            })
            .max_by_key(|(p, _, _)| p.len())?;
        rule.2 = rule.2.saturating_add(1);
        Some((rule.1.clone(), rule.2 - 1))
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
    let method = request.method().clone();
    let chosen = {
        let mut table = faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        table
            .for_path(request.uri().path(), method.as_str())
            .map(|(fault, seen)| {
                let fail = (fault.error_rate > 0.0 && table.roll(fault.error_rate))
                    || fault.fail_after.is_some_and(|n| seen >= n);
                (fault, fail)
            })
    };
    let Some((fault, fail)) = chosen else {
        return next.run(request).await;
    };
    if !fault.latency.is_zero() {
        tokio::time::sleep(fault.latency).await;
    }
    if let Some(secs) = fault.throttle_secs {
        let mut r = Response::new(Body::from(format!(
            "{{\"detail\":\"Request was throttled. Expected available in {secs} seconds.\"}}"
        )));
        *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return r;
    }
    if fault.login_page {
        let mut r = Response::new(Body::from(
            "<!doctype html><html><head><title>Sign in</title></head><body><h1>Sign in to continue</h1><form method=\"post\"><input name=\"username\"><input type=\"password\" name=\"password\"></form></body></html>",
        ));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        return r;
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
    if !fault.slow_answer.is_zero() {
        tokio::time::sleep(fault.slow_answer).await;
    }
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
    if let Some(field) = fault.null_in_first_row {
        let (mut parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        let mut json: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let rows = match json.get_mut("results") {
            Some(results) => results,
            None => &mut json,
        };
        if let Some(first) = rows.get_mut(0).and_then(|r| r.as_object_mut()) {
            first.insert(field.to_string(), serde_json::Value::Null);
        }
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::from(json.to_string()));
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
