//! The watcher's HTTP side (127.0.0.1 by default): its own health, a
//! server's history, Prometheus metrics, and the action log consoles post
//! to. Who may ask:
//!
//! - A request must name this machine as its `Host`: an IP address,
//!   `localhost`, or a configured name. A web page that points its own
//!   name at 127.0.0.1 (DNS rebinding) is refused.
//! - A browser request carries an `Origin`; only configured origins are
//!   answered, with CORS headers for them. Any other page is refused
//!   before anything is read or written, whatever CORS would let it see.
//!   Posting needs `Content-Type: application/json`, which a page can only
//!   send after a CORS preflight the watcher answers for configured
//!   origins only.
//! - With a token configured, every request needs `Authorization: Bearer`.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::clock::Clock;
use crate::config::{Config, HttpSettings};
use crate::report::ActionEntry;
use crate::store::{Store, millis};

pub struct Shared {
    pub store: Arc<Mutex<Store>>,
    pub clock: Arc<dyn Clock>,
    pub http: HttpSettings,
    pub servers: Vec<String>,
    pub channels: Vec<(String, &'static str)>,
    pub rules: Vec<RuleInfo>,
    pub started_at: DateTime<Utc>,
}

#[derive(Clone, Serialize)]
pub struct RuleInfo {
    pub name: String,
    pub kind: &'static str,
    pub servers: Vec<String>,
    pub channels: Vec<String>,
    /// `active`, or why it is not evaluated.
    pub state: &'static str,
}

impl Shared {
    pub fn new(config: &Config, store: Arc<Mutex<Store>>, clock: Arc<dyn Clock>) -> Shared {
        Shared {
            store,
            started_at: clock.now(),
            clock,
            http: config.http.clone(),
            servers: config.servers.iter().map(|s| s.id.clone()).collect(),
            channels: config
                .channels
                .iter()
                .map(|c| (c.name.clone(), c.kind.as_str()))
                .collect(),
            rules: config
                .rules
                .iter()
                .map(|r| RuleInfo {
                    name: r.name.clone(),
                    kind: r.kind.as_str(),
                    servers: r.servers.clone(),
                    channels: r.channels.clone(),
                    state: "active",
                })
                .collect(),
        }
    }
}

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/history", get(history))
        .route("/api/actions", get(list_actions).post(add_actions))
        .route("/metrics", get(metrics))
        .fallback(|| async {
            problem(
                StatusCode::NOT_FOUND,
                "no such endpoint: /api/health, /api/history, /api/actions, /metrics",
            )
        })
        .layer(axum::middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

fn problem(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    eprintln!("taskdeck-watch: {e}");
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the history could not be read; see the watcher's log",
    )
}

/// Whether a `Host` header names this machine rather than someone's domain.
fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        // [::1]:8095
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                name
            } else {
                host
            }
        })
    };
    let name = name.to_ascii_lowercase();
    name.parse::<IpAddr>().is_ok() || name == "localhost" || allowed.contains(&name)
}

/// Compares without stopping at the first difference.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn cors(headers: &mut HeaderMap, origin: &HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
}

async fn guard(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !host_allowed(host, &shared.http.allowed_hosts) {
        return problem(
            StatusCode::MISDIRECTED_REQUEST,
            "this host name is not one the watcher answers to (http.allowed_hosts)",
        );
    }
    let origin = headers.get(header::ORIGIN).cloned();
    if let Some(origin) = &origin {
        let allowed = origin
            .to_str()
            .is_ok_and(|o| shared.http.allowed_origins.iter().any(|a| a == o));
        if !allowed {
            return problem(
                StatusCode::FORBIDDEN,
                "this page's origin is not in http.allowed_origins",
            );
        }
    }
    if request.method() == Method::OPTIONS {
        let mut response = StatusCode::NO_CONTENT.into_response();
        if let Some(origin) = &origin {
            let h = response.headers_mut();
            cors(h, origin);
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("Content-Type, Authorization"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
        }
        return response;
    }
    if let Some(token) = &shared.http.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .unwrap_or("");
        if !same_secret(given.trim().as_bytes(), token.expose().as_bytes()) {
            let mut response = problem(
                StatusCode::UNAUTHORIZED,
                "this watcher needs its token: Authorization: Bearer <token>",
            );
            if let Some(origin) = &origin {
                cors(response.headers_mut(), origin);
            }
            return response;
        }
    }
    let mut response = next.run(request).await;
    if let Some(origin) = &origin {
        cors(response.headers_mut(), origin);
    }
    response
}

#[derive(Serialize)]
struct HealthAnswer {
    source: &'static str,
    version: &'static str,
    #[serde(serialize_with = "crate::serde_time")]
    started_at: i64,
    #[serde(serialize_with = "crate::serde_time")]
    now: i64,
    /// Every server's last poll succeeded and no delivery was given up.
    ok: bool,
    servers: Vec<crate::report::ServerHealth>,
    channels: Vec<crate::report::ChannelHealth>,
    rules: Vec<RuleInfo>,
}

async fn health(State(shared): State<Arc<Shared>>) -> Response {
    let store = shared.store.lock().unwrap();
    let mut servers = Vec::new();
    for id in &shared.servers {
        match store
            .server_ref(id)
            .and_then(|r| r.map(|r| store.server_health(&r)).transpose())
        {
            Ok(Some(h)) => servers.push(h),
            Ok(None) => {}
            Err(e) => return internal(e),
        }
    }
    let mut channels = Vec::new();
    for (name, kind) in &shared.channels {
        match store.channel_health(name, kind) {
            Ok(c) => channels.push(c),
            Err(e) => return internal(e),
        }
    }
    let ok = servers.iter().all(|s| s.last_poll_ok != Some(false))
        && channels.iter().all(|c| c.failed == 0);
    axum::Json(HealthAnswer {
        source: "taskdeck-watch",
        version: env!("CARGO_PKG_VERSION"),
        started_at: millis(shared.started_at),
        now: millis(shared.clock.now()),
        ok,
        servers,
        channels,
        rules: shared.rules.clone(),
    })
    .into_response()
}

/// `2026-12-01` (that whole UTC day as `to`, its start as `from`) or RFC 3339.
fn time_param(text: &str, end_of_day: bool) -> Result<DateTime<Utc>, String> {
    if let Ok(day) = text.parse::<NaiveDate>() {
        let start = day.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        return Ok(if end_of_day {
            start + Duration::days(1) - Duration::milliseconds(1)
        } else {
            start
        });
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("“{text}” is neither a day (2026-12-01) nor an RFC 3339 time"))
}

#[derive(Deserialize)]
struct Range {
    server: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<u32>,
}

// The error is the answer to send at once, the axum idiom.
#[allow(clippy::result_large_err)]
fn range(q: &Range, now: DateTime<Utc>) -> Result<(DateTime<Utc>, DateTime<Utc>), Response> {
    let bad = |e: String| problem(StatusCode::BAD_REQUEST, &e);
    let to =
        q.to.as_deref()
            .map(|t| time_param(t, true))
            .transpose()
            .map_err(bad)?
            .unwrap_or(now);
    let from = q
        .from
        .as_deref()
        .map(|t| time_param(t, false))
        .transpose()
        .map_err(bad)?
        .unwrap_or(to - Duration::days(30));
    if from > to {
        return Err(problem(StatusCode::BAD_REQUEST, "from is after to"));
    }
    Ok((from, to))
}

async fn history(State(shared): State<Arc<Shared>>, Query(q): Query<Range>) -> Response {
    let Some(server) = q.server.as_deref() else {
        return problem(
            StatusCode::BAD_REQUEST,
            &format!(
                "say which server: ?server= one of {}",
                shared.servers.join(", ")
            ),
        );
    };
    let (from, to) = match range(&q, shared.clock.now()) {
        Ok(r) => r,
        Err(response) => return response,
    };
    if !shared.servers.iter().any(|s| s == server) {
        return problem(
            StatusCode::NOT_FOUND,
            &format!(
                "no server “{server}”; watched: {}",
                shared.servers.join(", ")
            ),
        );
    }
    let store = shared.store.lock().unwrap();
    match store
        .server_ref(server)
        .and_then(|r| r.map(|r| store.history(&r, from, to)).transpose())
    {
        Ok(Some(history)) => axum::Json(history).into_response(),
        Ok(None) => problem(StatusCode::NOT_FOUND, "not polled yet"),
        Err(e) => internal(e),
    }
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    let store = shared.store.lock().unwrap();
    let latest = match store.latest(&shared.servers) {
        Ok(l) => l,
        Err(e) => return internal(e),
    };
    let mut channels = Vec::new();
    for (name, kind) in &shared.channels {
        match store.channel_health(name, kind) {
            Ok(c) => channels.push(c),
            Err(e) => return internal(e),
        }
    }
    (
        [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        crate::metrics::render(&latest, &channels, millis(shared.clock.now())),
    )
        .into_response()
}

async fn list_actions(State(shared): State<Arc<Shared>>, Query(q): Query<Range>) -> Response {
    let (from, to) = match range(&q, shared.clock.now()) {
        Ok(r) => r,
        Err(response) => return response,
    };
    let store = shared.store.lock().unwrap();
    match store.actions(
        from,
        to,
        q.server.as_deref(),
        q.limit.unwrap_or(1000).min(10_000),
    ) {
        Ok(actions) => axum::Json(json!({ "actions": actions })).into_response(),
        Err(e) => internal(e),
    }
}

/// The most entries one post may carry.
const MAX_BATCH: usize = 200;

async fn add_actions(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        });
    if !json_type {
        return problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send Content-Type: application/json",
        );
    }
    if body.len() > 1024 * 1024 {
        return problem(StatusCode::PAYLOAD_TOO_LARGE, "at most 1 MB per post");
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Many(Vec<ActionEntry>),
        One(Box<ActionEntry>),
    }
    let entries = match serde_json::from_slice::<OneOrMany>(&body) {
        Ok(OneOrMany::Many(entries)) => entries,
        Ok(OneOrMany::One(entry)) => vec![*entry],
        Err(_) => {
            // Say what is wrong with the first entry, as one entry.
            let detail = serde_json::from_slice::<serde_json::Value>(&body)
                .map_err(|e| e.to_string())
                .and_then(|v| {
                    let first = if v.is_array() {
                        v.get(0).cloned().unwrap_or_default()
                    } else {
                        v
                    };
                    serde_json::from_value::<ActionEntry>(first)
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                })
                .err()
                .unwrap_or_else(|| "not an action entry or a list of them".into());
            return problem(
                StatusCode::BAD_REQUEST,
                &format!("not an action entry: {detail}"),
            );
        }
    };
    if entries.len() > MAX_BATCH {
        return problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("at most {MAX_BATCH} entries per post"),
        );
    }
    for (n, entry) in entries.iter().enumerate() {
        if let Err(why) = entry.check() {
            return problem(StatusCode::BAD_REQUEST, &format!("entry {}: {why}", n + 1));
        }
    }
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .unwrap_or("local")
        .to_string();
    let now = shared.clock.now();
    let mut store = shared.store.lock().unwrap();
    let (mut added, mut already) = (0, 0);
    for entry in &entries {
        match store.add_action(entry, &origin, now) {
            Ok(true) => added += 1,
            Ok(false) => already += 1,
            Err(e) => return internal(e),
        }
    }
    (
        StatusCode::OK,
        axum::Json(json!({ "added": added, "already_kept": already })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_of_this_machine_are_answered() {
        let allowed = vec!["watch.example.org".to_string()];
        for host in [
            "127.0.0.1:8095",
            "localhost:8095",
            "[::1]:8095",
            "192.168.1.5",
            "WATCH.example.org:443",
        ] {
            assert!(host_allowed(host, &allowed), "{host}");
        }
        for host in ["evil.example:8095", "", "127.0.0.1.evil.example"] {
            assert!(!host_allowed(host, &allowed), "{host}");
        }
    }

    #[test]
    fn days_and_times_are_read_as_utc() {
        assert_eq!(
            time_param("2026-12-01", false).unwrap().to_rfc3339(),
            "2026-12-01T00:00:00+00:00"
        );
        assert_eq!(
            time_param("2026-12-01", true).unwrap().to_rfc3339(),
            "2026-12-01T23:59:59.999+00:00"
        );
        assert_eq!(
            time_param("2026-12-01T10:00:00+02:00", false)
                .unwrap()
                .to_rfc3339(),
            "2026-12-01T08:00:00+00:00"
        );
        assert!(time_param("yesterday", false).is_err());
    }
}
