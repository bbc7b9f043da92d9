//! InvenTree's background-task API as API 477 (1.3.0) or API 198 (0.16 dev)
//! answers it: lists with limit/offset (a bare array without `limit`), search
//! and ordering exactly where each version honours them, and bulk DELETE with
//! each version's replies.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::any;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

mod admin;

use crate::drf::{self, Credentials, Params};
use crate::seed::{FailedRow, PendingRow, ScheduledRow};
use crate::worker::Worker;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvenTreeApi {
    V198,
    V477,
}

pub struct User {
    pub username: &'static str,
    pub password: &'static str,
    pub token: &'static str,
    pub staff: bool,
    /// Superusers alone may open the Django admin's failed tasks; staff
    /// get 403 there (`user_me_viewer_live`).
    pub superuser: bool,
}

/// Same throw-away users as the recorded servers: staff is enough, superuser is not needed.
pub const USERS: &[User] = &[
    User {
        username: "admin",
        password: "admin-password-123",
        token: "inv-a8b367885bb893982c75bb3754a60b0ab6ece288-20261122",
        staff: true,
        superuser: true,
    },
    User {
        username: "staffer",
        password: "staffer-password-123",
        token: "inv-5b0c4ad1e8d2f7a9c3b6e1d4f7a2c5b8e1d4f7a2-20261122",
        staff: true,
        superuser: false,
    },
    User {
        username: "viewer",
        password: "viewer-password-123",
        token: "inv-0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6-20261122",
        staff: false,
        superuser: false,
    },
];

pub const ADMIN_TOKEN: &str = "inv-a8b367885bb893982c75bb3754a60b0ab6ece288-20261122";

pub struct InvenTreeState {
    pub api: InvenTreeApi,
    /// The demo's django-q cluster (`--worker-stopped`, a hung one).
    pub worker: Worker,
    pub pending: Vec<PendingRow>,
    pub failed: Vec<FailedRow>,
    pub scheduled: Vec<ScheduledRow>,
    /// The server's error log (`error_report.Error`), newest last.
    pub errors: Vec<admin::ErrorRow>,
    /// Global settings the console reads: key → days.
    pub settings: std::collections::BTreeMap<&'static str, i64>,
}

impl InvenTreeState {
    pub fn new(
        api: InvenTreeApi,
        worker: Worker,
        (pending, failed, scheduled): (Vec<PendingRow>, Vec<FailedRow>, Vec<ScheduledRow>),
    ) -> Self {
        InvenTreeState {
            errors: admin::errors_of(&failed),
            settings: admin::default_settings(),
            api,
            worker,
            pending,
            failed,
            scheduled,
        }
    }

    /// The demo's cluster, up to `now`: live, tasks keep being queued by
    /// the web server, and a running cluster takes them oldest first and
    /// runs the schedules that are due. A stopped or hung one does nothing,
    /// so the queue grows and the schedules fall behind.
    pub fn work(&mut self, now: DateTime<Utc>) {
        for at in self.worker.arrivals(now) {
            self.queue(at);
        }
        while let Some(i) = self.oldest_waiting(now) {
            let queued = self.pending[i].lock.map_or(now, |t| t.and_utc());
            if self.worker.finish(queued, now).is_none() {
                break;
            }
            self.pending.remove(i);
        }
        if self.worker.running && self.worker.live {
            self.run_due_schedules(now);
        }
    }

    /// Starts or stops the cluster. Without live time a started cluster
    /// catches up at once: the waiting tasks and the due schedules run now.
    pub fn set_worker_running(&mut self, running: bool, now: DateTime<Utc>) {
        self.worker.set_running(running, now);
        if running && !self.worker.live {
            while let Some(i) = self.oldest_waiting(now) {
                self.pending.remove(i);
            }
            self.run_due_schedules(now);
        }
        self.work(now);
    }

    /// Queued and due; a payload the server cannot decode never runs.
    fn oldest_waiting(&self, now: DateTime<Utc>) -> Option<usize> {
        let now = now.naive_utc();
        (0..self.pending.len())
            .filter(|&i| {
                let p = &self.pending[i];
                !p.task_id.starts_with('*') && p.lock.is_some_and(|t| t <= now)
            })
            .min_by_key(|&i| (self.pending[i].lock, self.pending[i].pk))
    }

    fn run_due_schedules(&mut self, now: DateTime<Utc>) {
        let now = now.naive_utc();
        for (n, schedule) in self.scheduled.iter_mut().enumerate() {
            let Some(due) = schedule.next_run.filter(|due| *due <= now) else {
                continue;
            };
            if schedule.repeats == 0 {
                continue;
            }
            schedule.last_run = Some(now);
            schedule.success = Some(true);
            schedule.task = Some(format!("{:016x}{:016x}", now.and_utc().timestamp(), n));
            match period(schedule.schedule_type) {
                Some(period) => {
                    let mut next = due;
                    while next <= now {
                        next += period;
                    }
                    schedule.next_run = Some(next);
                }
                None => schedule.repeats = 0,
            }
            if schedule.repeats > 0 {
                schedule.repeats -= 1;
            }
        }
    }

    /// A task the web server queued at `at` (a low-stock check, a mail).
    fn queue(&mut self, at: DateTime<Utc>) {
        const QUEUED: &[(&str, &str, &str)] = &[
            ("part.tasks.notify_low_stock_if_required", "(1024,)", "{}"),
            (
                "InvenTree.tasks.send_email",
                "('Low stock', 'Bitte nachbestellen', ['lager@example.com'])",
                "{}",
            ),
            ("report.tasks.cleanup_old_report_outputs", "()", "{}"),
        ];
        let pk = self.pending.iter().map(|p| p.pk).max().unwrap_or(99) + 1;
        let (func, args, kwargs) = QUEUED[pk as usize % QUEUED.len()];
        self.pending.push(PendingRow {
            pk,
            lock: Some(at.naive_utc()),
            task_id: format!("{:016x}{:016x}", at.timestamp(), pk),
            name: Some(format!("queued-{pk}")),
            func: Some(func.into()),
            args: Some(args.into()),
            kwargs: Some(kwargs.into()),
        });
    }
}

/// How often a schedule runs (`I`: InvenTree's every-few-minutes tasks
/// run every 5); `None` for a one-off.
fn period(kind: &str) -> Option<Duration> {
    Some(match kind {
        "I" => Duration::minutes(5),
        "H" => Duration::hours(1),
        "D" | "C" => Duration::days(1),
        "W" => Duration::days(7),
        "BW" => Duration::days(14),
        "M" => Duration::days(30),
        "BM" => Duration::days(61),
        "Q" => Duration::days(91),
        "Y" => Duration::days(365),
        _ => return None,
    })
}

pub type Shared = Arc<Mutex<InvenTreeState>>;

pub fn router(state: Shared) -> Router {
    let api = lock(&state).api;
    Router::new()
        .route("/api/", any(api_root))
        .route("/api/user/token/", any(token))
        .route("/api/user/me/", any(user_me))
        .route("/api/background-task/", any(overview))
        .route("/api/background-task/pending/", any(pending))
        .route("/api/background-task/failed/", any(failed))
        .route("/api/background-task/scheduled/", any(scheduled))
        .route("/api/error-report/", any(admin::error_reports))
        .route("/api/error-report/{pk}/", any(admin::error_report))
        .route("/api/settings/global/{key}/", any(admin::setting))
        .fallback(any(not_found))
        .with_state(state)
        .layer(axum::middleware::map_response(
            move |response: Response| async move { version_headers(response, api) },
        ))
}

pub(crate) fn time(t: &NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn version_headers(mut response: Response, api: InvenTreeApi) -> Response {
    if api == InvenTreeApi::V477 {
        let h = response.headers_mut();
        h.insert("x-inventree-version", HeaderValue::from_static("1.3.0 dev"));
        h.insert("x-inventree-api", HeaderValue::from_static("477"));
    }
    response
}

pub(crate) fn authenticate(headers: &HeaderMap) -> Result<Option<&'static User>, Response> {
    match drf::credentials(headers) {
        Credentials::None => Ok(None),
        Credentials::Token(token) => USERS
            .iter()
            .find(|u| u.token == token)
            .map(Some)
            .ok_or_else(drf::invalid_token),
        Credentials::Basic { username, password } => USERS
            .iter()
            .find(|u| u.username == username && u.password == password)
            .map(Some)
            .ok_or_else(|| drf::detail(StatusCode::UNAUTHORIZED, "Invalid username/password.")),
        Credentials::Malformed => Err(drf::invalid_token()),
    }
}

/// The instance, locked. A handler that panicked must not take every later
/// request down with it, so a poisoned lock is taken over.
pub(crate) fn lock(state: &Shared) -> std::sync::MutexGuard<'_, InvenTreeState> {
    let mut state = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // The cluster catches up with the clock before anything is read.
    state.work(Utc::now());
    state
}

/// The preamble of every queue endpoint: staff authentication, then the
/// instance. (Version headers are added to every answer by the router.)
fn as_staff(
    state: &Shared,
    headers: &HeaderMap,
    handle: impl FnOnce(&mut InvenTreeState) -> Result<Response, Response>,
) -> Response {
    match staff(headers) {
        Ok(_) => handle(&mut lock(state)).unwrap_or_else(|e| e),
        Err(refused) => refused,
    }
}

pub(crate) fn staff(headers: &HeaderMap) -> Result<&'static User, Response> {
    match authenticate(headers)? {
        None => Err(drf::not_authenticated()),
        Some(user) if user.staff => Ok(user),
        Some(_) => Err(drf::forbidden()),
    }
}

async fn not_found(headers: HeaderMap, OriginalUri(uri): OriginalUri) -> Response {
    let url = drf::absolute_url(&headers, uri.path(), uri.query().unwrap_or(""));
    drf::json_response(
        StatusCode::NOT_FOUND,
        &json!({ "detail": "API endpoint not found", "url": url }),
    )
}

/// `/api/user/me/`: any signed-in user, in the recorded keys' order
/// (`user_me_*_live`; API 198 has no `profile`).
async fn user_me(State(state): State<Shared>, method: Method, headers: HeaderMap) -> Response {
    if method != Method::GET {
        return drf::method_not_allowed(method.as_str());
    }
    let user = match authenticate(&headers) {
        Ok(Some(user)) => user,
        Ok(None) => return drf::not_authenticated(),
        Err(refused) => return refused,
    };
    let api = lock(&state).api;
    let pk = USERS
        .iter()
        .position(|u| u.username == user.username)
        .unwrap_or(0)
        + 1;
    let mut me = json!({
        "pk": pk, "username": user.username, "first_name": "", "last_name": "",
        "email": format!("{}@example.com", user.username), "groups": [],
        "is_staff": user.staff, "is_superuser": user.superuser, "is_active": true,
    });
    if api == InvenTreeApi::V477 {
        me["profile"] = json!({
            "language": null, "theme": null, "widgets": null, "displayname": null,
            "position": null, "status": null, "location": null, "active": true,
            "contact": null, "type": "internal", "organisation": null, "primary_group": null,
        });
    }
    drf::json_response(StatusCode::OK, &me)
}

async fn api_root(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let state = lock(&state);
    let user = match authenticate(&headers) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let is_staff = user.is_some_and(|u| u.staff);
    let staff_only = |v: Value| if is_staff { v } else { Value::Null };
    let body = match state.api {
        InvenTreeApi::V477 => json!({
            "server": "InvenTree", "id": null, "version": "1.3.0 dev", "instance": "InvenTree",
            "apiVersion": 477, "worker_running": state.worker.reported_running, "worker_count": 1,
            "worker_pending_tasks": state.pending.len(), "plugins_enabled": false,
            "plugins_install_disabled": true, "email_configured": false, "debug_mode": true,
            "docker_mode": false, "default_locale": "en-us",
            "customize": { "logo": "/static/img/inventree.png", "splash": "/static/img/inventree_splash.jpg",
                           "login_message": null, "navbar_message": null, "disable_theme_storage": false },
            "active_plugins": false, "system_health": staff_only(json!(true)),
            "database": staff_only(json!("django.db.backends.sqlite3")), "platform": staff_only(json!("Linux")),
            "installer": staff_only(json!("DEMO")), "target": null, "django_admin": staff_only(json!("admin")),
            "settings": { "sso_registration": false, "registration_enabled": false, "password_forgotten_enabled": true }
        }),
        InvenTreeApi::V198 => json!({
            "server": "InvenTree", "version": "0.16.0 dev", "instance": "InvenTree", "apiVersion": 198,
            "worker_running": state.worker.reported_running, "worker_pending_tasks": state.pending.len(),
            "plugins_enabled": false, "plugins_install_disabled": false, "active_plugins": false,
            "email_configured": false, "debug_mode": true, "docker_mode": false, "default_locale": "en-us",
            "system_health": staff_only(json!(true)), "database": staff_only(json!("sqlite3")),
            "platform": staff_only(json!("Linux")), "installer": staff_only(json!("DEMO")), "target": null
        }),
    };
    drf::json_response(StatusCode::OK, &body)
}

async fn token(headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    match authenticate(&headers) {
        Err(r) => r,
        Ok(None) => drf::not_authenticated(),
        Ok(Some(user)) => {
            let params = Params::parse(query.as_deref());
            let name = params.get("name").unwrap_or("").to_string();
            let expiry = (chrono::Utc::now() + chrono::Duration::days(365))
                .format("%Y-%m-%d")
                .to_string();
            drf::json_response(
                StatusCode::OK,
                &json!({ "token": user.token, "name": name, "expiry": expiry }),
            )
        }
    }
}

async fn overview(State(state): State<Shared>, method: Method, headers: HeaderMap) -> Response {
    as_staff(&state, &headers, |state| {
        if method != Method::GET {
            return Err(drf::method_not_allowed(method.as_str()));
        }
        Ok(drf::json_response(
            StatusCode::OK,
            &json!({
                "is_running": state.worker.reported_running,
                "pending_tasks": state.pending.len(),
                "scheduled_tasks": state.scheduled.len(),
                "failed_tasks": state.failed.len(),
            }),
        ))
    })
}

/// DRF LimitOffsetPagination: no `limit`, no paging.
pub(crate) fn paginate<T: Serialize>(
    rows: Vec<T>,
    params: &Params,
    headers: &HeaderMap,
    path: &str,
) -> Response {
    let Some(limit) = params
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0)
    else {
        return drf::json_response(StatusCode::OK, &rows);
    };
    let offset = params
        .get("offset")
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0);
    let count = rows.len();
    let link = |offset: usize| {
        let mut p = Params(
            params
                .0
                .iter()
                .filter(|(k, _)| k != "offset" && k != "limit")
                .cloned()
                .collect(),
        );
        p.0.push(("limit".into(), limit.to_string()));
        if offset > 0 {
            p.0.push(("offset".into(), offset.to_string()));
        }
        drf::absolute_url(headers, path, &p.with("", None))
    };
    // Hand-written URLs may ask for any offset: no overflow, no panic.
    let next = offset
        .checked_add(limit)
        .filter(|end| *end < count)
        .map(link);
    let previous = (offset > 0).then(|| link(offset.saturating_sub(limit)));
    let results: Vec<T> = rows.into_iter().skip(offset).take(limit).collect();
    drf::json_response(
        StatusCode::OK,
        &json!({ "count": count, "next": next, "previous": previous, "results": results }),
    )
}

/// DRF SearchFilter: every word must match some field; `search_regex=true`
/// treats the term as a regular expression.
fn search_matches(params: &Params, fields: &[Option<&str>]) -> bool {
    let Some(term) = params.get("search").filter(|s| !s.trim().is_empty()) else {
        return true;
    };
    if params.boolean("search_regex") == Some(true) {
        return regex::RegexBuilder::new(term)
            .case_insensitive(true)
            .build()
            .is_ok_and(|re| fields.iter().flatten().any(|f| re.is_match(f)));
    }
    term.split_whitespace().all(|word| {
        let word = word.to_lowercase();
        fields
            .iter()
            .flatten()
            .any(|f| f.to_lowercase().contains(&word))
    })
}

/// `ordering=[-]field` among `allowed`; unknown fields are ignored. API 477
/// appends `pk` in the direction of the last field.
fn order_by<T>(
    rows: &mut [&T],
    params: &Params,
    allowed: &[&str],
    api: InvenTreeApi,
    default: (&str, bool),
    cmp: impl Fn(&T, &T, &str) -> std::cmp::Ordering,
) {
    let requested = params.get("ordering").and_then(|o| {
        let (desc, field) = o.strip_prefix('-').map_or((false, o), |f| (true, f));
        allowed.contains(&field).then_some((field, desc))
    });
    let (field, desc) = requested.unwrap_or(default);
    rows.sort_by(|a, b| {
        let mut ord = cmp(a, b, field);
        if api == InvenTreeApi::V477 || requested.is_none() {
            ord = ord.then_with(|| cmp(a, b, "pk"));
        }
        if desc { ord.reverse() } else { ord }
    });
}

#[derive(Serialize)]
struct PendingOut<'a> {
    pk: i64,
    key: &'a str,
    lock: Option<String>,
    task_id: &'a str,
    name: Option<&'a str>,
    func: Option<&'a str>,
    args: Option<&'a str>,
    kwargs: Option<&'a str>,
}

#[derive(Serialize)]
struct FailedOut<'a> {
    pk: &'a str,
    name: &'a str,
    func: &'a str,
    args: Option<&'a serde_json::Value>,
    kwargs: Option<&'a serde_json::Value>,
    started: String,
    stopped: String,
    attempt_count: i64,
    result: &'a str,
}

#[derive(Serialize)]
struct ScheduledOut<'a> {
    pk: i64,
    name: Option<&'a str>,
    func: &'a str,
    args: Option<&'a str>,
    kwargs: Option<&'a str>,
    schedule_type: &'a str,
    repeats: i64,
    last_run: Option<String>,
    next_run: Option<String>,
    success: Option<bool>,
    task: Option<&'a str>,
}

async fn pending(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    as_staff(&state, &headers, |state| {
        let params = Params::parse(query.as_deref());
        if method == Method::DELETE {
            return bulk_delete(state, Queue::Pending, &params, &headers, &body);
        }
        // Search and ordering are silently ignored here, in both versions.
        let mut rows: Vec<&PendingRow> = state.pending.iter().collect();
        rows.sort_by_key(|r| r.pk);
        let out: Vec<PendingOut> = rows
            .iter()
            .map(|r| PendingOut {
                pk: r.pk,
                key: "InvenTree",
                lock: r.lock.as_ref().map(time),
                task_id: &r.task_id,
                name: r.name.as_deref(),
                func: r.func.as_deref(),
                args: r.args.as_deref(),
                kwargs: r.kwargs.as_deref(),
            })
            .collect();
        Ok(paginate(
            out,
            &params,
            &headers,
            "/api/background-task/pending/",
        ))
    })
}

async fn failed(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    as_staff(&state, &headers, |state| {
        let api = state.api;
        let params = Params::parse(query.as_deref());
        if method == Method::DELETE {
            return bulk_delete(state, Queue::Failed, &params, &headers, &body);
        }
        let mut rows: Vec<&FailedRow> = state
            .failed
            .iter()
            .filter(|r| search_matches(&params, &[Some(&r.func)]))
            .collect();
        let default = if api == InvenTreeApi::V198 {
            ("stopped", true)
        } else {
            ("pk", false)
        };
        order_by(
            &mut rows,
            &params,
            &["pk", "func", "started", "stopped"],
            api,
            default,
            |a, b, field| match field {
                "func" => a.func.cmp(&b.func),
                "started" => a.started.cmp(&b.started),
                "stopped" => a.stopped.cmp(&b.stopped),
                _ => a.pk.cmp(&b.pk),
            },
        );
        let out: Vec<FailedOut> = rows
            .iter()
            .map(|r| FailedOut {
                pk: &r.pk,
                name: &r.name,
                func: &r.func,
                args: r.args.as_ref(),
                kwargs: r.kwargs.as_ref(),
                started: time(&r.started),
                stopped: time(&r.stopped),
                attempt_count: r.attempt_count,
                result: &r.result,
            })
            .collect();
        Ok(paginate(
            out,
            &params,
            &headers,
            "/api/background-task/failed/",
        ))
    })
}

async fn scheduled(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    as_staff(&state, &headers, |state| {
        let api = state.api;
        if method != Method::GET {
            return Err(drf::method_not_allowed(method.as_str()));
        }
        let params = Params::parse(query.as_deref());
        // Names became searchable in API ~470 (#11497); API 198 searches func only.
        let mut rows: Vec<&ScheduledRow> = state
            .scheduled
            .iter()
            .filter(|r| match api {
                InvenTreeApi::V477 => search_matches(&params, &[Some(&r.func), r.name.as_deref()]),
                InvenTreeApi::V198 => search_matches(&params, &[Some(&r.func)]),
            })
            .collect();
        let default = if api == InvenTreeApi::V198 {
            ("next_run", false)
        } else {
            ("pk", false)
        };
        order_by(
            &mut rows,
            &params,
            &["pk", "func", "last_run", "next_run"],
            api,
            default,
            |a, b, field| match field {
                "func" => a.func.cmp(&b.func),
                "last_run" => a.last_run.cmp(&b.last_run),
                "next_run" => a.next_run.cmp(&b.next_run),
                _ => a.pk.cmp(&b.pk),
            },
        );
        let out: Vec<ScheduledOut> = rows
            .iter()
            .map(|r| ScheduledOut {
                pk: r.pk,
                name: r.name.as_deref(),
                func: &r.func,
                args: r.args.as_deref(),
                kwargs: r.kwargs.as_deref(),
                schedule_type: r.schedule_type,
                repeats: r.repeats,
                last_run: r.last_run.as_ref().map(time),
                next_run: r.next_run.as_ref().map(time),
                success: r.success,
                task: r.task.as_deref(),
            })
            .collect();
        Ok(paginate(
            out,
            &params,
            &headers,
            "/api/background-task/scheduled/",
        ))
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Queue {
    Pending,
    Failed,
}

/// `DELETE` with `{"items": [...]}` (and, on API 198, `{"filters": {...}}`).
fn bulk_delete(
    state: &mut InvenTreeState,
    queue: Queue,
    params: &Params,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Response> {
    let path = match queue {
        Queue::Pending => "/api/background-task/pending/",
        Queue::Failed => "/api/background-task/failed/",
    };
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let api = state.api;
    let error = |message: &str| match api {
        InvenTreeApi::V477 => drf::json_response(
            StatusCode::BAD_REQUEST,
            &json!({ "non_field_errors": message }),
        ),
        InvenTreeApi::V198 => drf::json_response(
            StatusCode::BAD_REQUEST,
            &json!({ "non_field_errors": [message] }),
        ),
    };
    if form && !body.is_empty() {
        return Err(drf::inventree_server_error(
            path,
            "AttributeError",
            "This QueryDict instance is immutable",
        ));
    }
    let body = drf::parse_json_body(body)?;
    let object = match &body {
        None => serde_json::Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => {
            return Err(drf::inventree_server_error(
                path,
                "TypeError",
                "pop expected at most 1 argument, got 2",
            ));
        }
    };
    let removed = match api {
        InvenTreeApi::V477 => {
            match params.get("all") {
                Some(v) if v.eq_ignore_ascii_case("true") => {
                    let count = match queue {
                        Queue::Pending => std::mem::take(&mut state.pending).len(),
                        Queue::Failed => std::mem::take(&mut state.failed).len(),
                    };
                    if count == 0 {
                        return Err(error("No items match the provided criteria"));
                    }
                    return Ok(drf::json_response(
                        StatusCode::OK,
                        &json!({ "success": format!("Deleted {count} items") }),
                    ));
                }
                Some(_) => return Err(error("All filter must only be used with true")),
                None => {}
            }
            let items = match object.get("items") {
                None | Some(Value::Null) => {
                    return Err(error("List of items must be provided for bulk operation"));
                }
                Some(Value::Array(items)) if items.is_empty() => {
                    return Err(error("List of items must be provided for bulk operation"));
                }
                Some(Value::Array(items)) => items.clone(),
                Some(_) => return Err(error("Items must be provided as a list")),
            };
            let removed = remove_items(state, queue, &items)
                .map_err(|_| error("Invalid items list provided"))?;
            if removed == 0 {
                return Err(error("No items match the provided criteria"));
            }
            removed
        }
        InvenTreeApi::V198 => {
            let items = object.get("items");
            let filters = object
                .get("filters")
                .and_then(Value::as_object)
                .filter(|f| !f.is_empty());
            match (items, filters) {
                (Some(Value::Array(items)), _) if !items.is_empty() => {
                    remove_items(state, queue, items).map_err(|bad| {
                        drf::inventree_server_error(
                            path,
                            "ValueError",
                            &format!("Field 'id' expected a number but got '{bad}'."),
                        )
                    })?
                }
                (Some(v), _) if !v.is_array() && !v.is_null() => {
                    return Err(drf::json_response(
                        StatusCode::BAD_REQUEST,
                        &json!({ "items": ["'items' must be supplied as a list object"] }),
                    ));
                }
                (_, Some(filters)) => remove_by_filters(state, queue, filters),
                _ => {
                    return Err(error(
                        "List of items or filters must be provided for bulk deletion",
                    ));
                }
            };
            return Ok(drf::empty(StatusCode::NO_CONTENT));
        }
    };
    Ok(drf::json_response(
        StatusCode::OK,
        &json!({ "success": format!("Deleted {removed} items") }),
    ))
}

/// Removes rows whose pk is in `items` (`pk__in`): pending pks are integers
/// (numeric strings accepted), failed pks are strings (integers match nothing).
fn remove_items(
    state: &mut InvenTreeState,
    queue: Queue,
    items: &[Value],
) -> Result<usize, String> {
    match queue {
        Queue::Pending => {
            let mut pks = Vec::new();
            for item in items {
                match item {
                    Value::Number(n) if n.is_i64() => pks.push(n.as_i64().unwrap()),
                    Value::String(s) => pks.push(s.trim().parse::<i64>().map_err(|_| s.clone())?),
                    other => return Err(other.to_string()),
                }
            }
            let before = state.pending.len();
            state.pending.retain(|r| !pks.contains(&r.pk));
            Ok(before - state.pending.len())
        }
        Queue::Failed => {
            let pks: Vec<String> = items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect();
            let before = state.failed.len();
            state.failed.retain(|r| !pks.contains(&r.pk));
            Ok(before - state.failed.len())
        }
    }
}

/// API 198's `filters`: Django field lookups, here exact `func` and `name`.
fn remove_by_filters(
    state: &mut InvenTreeState,
    queue: Queue,
    filters: &serde_json::Map<String, Value>,
) -> usize {
    let wanted = |field: &str, value: Option<&str>| match filters.get(field).and_then(Value::as_str)
    {
        Some(expected) => value == Some(expected),
        None => true,
    };
    match queue {
        Queue::Pending => {
            let before = state.pending.len();
            state.pending.retain(|r| {
                !(wanted("func", r.func.as_deref()) && wanted("name", r.name.as_deref()))
            });
            before - state.pending.len()
        }
        Queue::Failed => {
            let before = state.failed.len();
            state
                .failed
                .retain(|r| !(wanted("func", Some(&r.func)) && wanted("name", Some(&r.name))));
            before - state.failed.len()
        }
    }
}
