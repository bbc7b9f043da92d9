//! A Paperless-ngx tasks API as v3.0.5 answers it (API 10, with the API 9
//! emulation), or as a 2.x server answers it (API 9 only).
//!
//! - this file: users, the instance's state, routes, and the request
//!   preamble every endpoint shares ([`respond`]).
//! - [`filter`]: the list filters, ordering and per-user visibility.
//! - [`wire`]: rows as API 10 and API 9 serialise them.
//! - [`tasks`]: the task endpoints and the token endpoint.
//! - [`system`]: status, system tasks, summary, running now.
//! - [`mail`]: mail accounts, rules, processed mail, logs.

mod filter;
mod mail;
mod system;
mod tasks;
mod wire;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::{any, get};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::drf::{self, Credentials};
use crate::seed::PaperlessRow;
use crate::worker::{self, Worker};

pub use wire::django_time;

pub struct User {
    pub id: u64,
    pub username: &'static str,
    pub password: &'static str,
    pub token: &'static str,
    pub staff: bool,
    pub can_view: bool,
    pub can_change: bool,
    /// Superuser: may run system tasks and read the system status.
    pub superuser: bool,
    /// Holds the `paperless_mail` permissions (reads accounts and processed
    /// mail, deletes the records it owns, starts a fetch).
    pub mail: bool,
    /// Holds `documents.view_uisettings`, so `/api/ui_settings/` tells it
    /// what it may do (others get 403 there: `ui_settings_alice_403_live`).
    pub ui_settings: bool,
}

/// The users of the recorded server, with the same throw-away credentials.
pub const USERS: &[User] = &[
    // The rebuilt server of 2026-12-03: task permissions only (no mail, no
    // system monitoring).
    User {
        id: 6,
        username: "alice",
        password: "alice-password-123",
        token: "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
        staff: false,
        can_view: true,
        can_change: true,
        mail: false,
        superuser: false,
        ui_settings: false,
    },
    User {
        id: 2,
        username: "admin",
        password: "admin-password-123",
        token: "f6ba261cbdbf9193851c690b641447f4b6ea12af",
        staff: true,
        can_view: true,
        can_change: true,
        mail: true,
        superuser: true,
        ui_settings: true,
    },
    User {
        id: 3,
        username: "noperms",
        password: "noperms-password-123",
        token: "f7986330fd9d23d6b65e2fe3c22f5aac737f3cf0",
        staff: false,
        can_view: false,
        can_change: false,
        mail: false,
        superuser: false,
        ui_settings: false,
    },
    User {
        id: 4,
        username: "taskviewer",
        password: "taskviewer-password-123",
        token: "ead84a97473a8a2362a092b32bb23518689af5c9",
        staff: false,
        can_view: true,
        can_change: false,
        mail: false,
        superuser: false,
        ui_settings: false,
    },
    User {
        id: 5,
        username: "taskadmin",
        password: "taskadmin-password-123",
        token: "a8ffdb20dfc235586ef4e146faa8d93b48897cb8",
        staff: false,
        can_view: true,
        can_change: true,
        mail: true,
        superuser: false,
        ui_settings: true,
    },
    // Views tasks and reads its own permissions, but may not change tasks:
    // the console can tell it the Dismiss buttons will not work.
    User {
        id: 7,
        username: "auditor",
        password: "auditor-password-123",
        token: "5e7a0c1d2b3f4a5968778695a4b3c2d1e0f9a8b7",
        staff: false,
        can_view: true,
        can_change: false,
        mail: false,
        superuser: false,
        ui_settings: true,
    },
];

pub const ADMIN_TOKEN: &str = "f6ba261cbdbf9193851c690b641447f4b6ea12af";

pub struct PaperlessState {
    pub tasks: Vec<PaperlessRow>,
    pub documents: HashMap<u64, String>,
    /// 10 for a 3.x server, 9 for a 2.x server.
    pub max_api: u32,
    pub version: &'static str,
    pub token_rate_per_minute: usize,
    token_attempts: VecDeque<Instant>,
    /// The demo's celery worker (`--worker-stopped`, a hung one).
    pub worker: Worker,
    pub mail: mail::MailState,
    /// Lines written to `paperless.log` by what happened here (a skipped
    /// LLM index run, a 2.x status check without a worker), besides the
    /// failures the log shows.
    pub server_log: Vec<String>,
    /// Whether the AI features' LLM index is enabled (the demo's is not:
    /// `llmindex_status` says DISABLED, as in `api_status`).
    pub llm_index_enabled: bool,
}

impl PaperlessState {
    pub fn new(
        tasks: Vec<PaperlessRow>,
        documents: Vec<(u64, String)>,
        max_api: u32,
        worker: Worker,
    ) -> Self {
        PaperlessState {
            tasks,
            documents: documents.into_iter().collect(),
            max_api,
            version: if max_api >= 10 { "3.0.5" } else { "2.20.15" },
            token_rate_per_minute: 5,
            token_attempts: VecDeque::new(),
            worker,
            mail: mail::MailState::seeded(chrono::Utc::now()),
            server_log: Vec::new(),
            llm_index_enabled: false,
        }
    }

    /// A line of `paperless.log` as Paperless's formatter writes it.
    pub fn log(
        &mut self,
        at: chrono::DateTime<chrono::Utc>,
        level: &str,
        logger: &str,
        message: &str,
    ) {
        self.server_log.push(log_line(at, level, logger, message));
    }
}

/// `[2026-12-05 23:56:53,691] [ERROR] [paperless_mail] message`
/// (`logs_mail_connection_refused_live`, `logs_paperless`).
pub fn log_line(
    at: chrono::DateTime<chrono::Utc>,
    level: &str,
    logger: &str,
    message: &str,
) -> String {
    format!(
        "{} [{level}] [{logger}] {message}",
        at.format("[%Y-%m-%d %H:%M:%S,%3f]")
    )
}

pub type Shared = Arc<Mutex<PaperlessState>>;

/// Not finished yet, and not one of the console's own runs (which finish
/// on their own schedule).
fn waiting(row: &PaperlessRow) -> bool {
    matches!(row.status, "pending" | "started" | "retry") && row.finishes.is_none()
}

impl PaperlessState {
    /// The demo's worker, up to `now`: tasks started from the console
    /// finish when due; live, new files arrive and waiting tasks finish
    /// one after the other. A stopped or hung worker finishes nothing.
    pub fn work(&mut self, now: DateTime<Utc>) {
        if self.worker.running {
            // The mail fetches a 2.x server queued without a task.
            self.mail.run_queued(now);
            let due: Vec<usize> = (0..self.tasks.len())
                .filter(|&i| self.tasks[i].finishes.is_some_and(|(at, _)| at <= now))
                .collect();
            for i in due {
                let (at, ok) = self.tasks[i].finishes.expect("due");
                self.finish_run(i, at, ok);
            }
        }
        for at in self.worker.arrivals(now) {
            self.arrive(at);
        }
        while let Some(i) = self.oldest_waiting(now) {
            let queued = self.tasks[i].date_created;
            let Some(done) = self.worker.finish(queued, now) else {
                break;
            };
            self.consume(i, done);
        }
    }

    /// Starts or stops the worker. Without live time a started worker
    /// catches up at once: every waiting task finishes now.
    pub fn set_worker_running(&mut self, running: bool, now: DateTime<Utc>) {
        self.worker.set_running(running, now);
        if running && !self.worker.live {
            while let Some(i) = self.oldest_waiting(now) {
                self.consume(i, now);
            }
        }
        self.work(now);
    }

    /// Finishes a task the console started (a system task or a mail fetch).
    pub(crate) fn finish_run(&mut self, i: usize, at: DateTime<Utc>, ok: bool) {
        let row = &mut self.tasks[i];
        row.status = if ok { "success" } else { "failure" };
        row.date_started.get_or_insert(row.date_created);
        row.date_done = Some(at);
        let mut skipped_llm = false;
        row.result_data = if row.task_type == "mail_fetch" {
            self.mail.fetched(&row.input_data, at)
        } else if row.task_type == "llm_index" && !self.llm_index_enabled {
            // 3.0.5's `llmindex_index`: logs and returns nothing.
            skipped_llm = true;
            None
        } else if row.task_type == "train_classifier" && ok {
            // What the recorded 2.20.15 run said (no tag matches automatically).
            Some(json!({ "reason": "No automatic matching items, not training" }))
        } else if ok {
            Some(json!({ "reason": "No issues detected." }))
        } else {
            Some(
                json!({ "error_type": "SanityCheckFailedException", "error_message": "2 document(s) with errors found. Check logs for details." }),
            )
        };
        row.finishes = None;
        if skipped_llm {
            self.log(
                at,
                "INFO",
                "paperless.tasks",
                "LLM index is disabled, skipping update.",
            );
        }
    }

    fn oldest_waiting(&self, now: DateTime<Utc>) -> Option<usize> {
        (0..self.tasks.len())
            .filter(|&i| waiting(&self.tasks[i]) && self.tasks[i].date_created <= now)
            .min_by_key(|&i| (self.tasks[i].date_created, self.tasks[i].id))
    }

    /// A waiting task done by the worker: a consumed file becomes a
    /// document; other tasks succeed.
    fn consume(&mut self, i: usize, done: DateTime<Utc>) {
        let document = self.tasks.iter().map(|t| t.id).max().unwrap_or(0) + 10_000;
        let row = &mut self.tasks[i];
        row.status = "success";
        let started = (done - worker::PACE).max(row.date_created);
        row.date_started = Some(started);
        row.date_done = Some(done);
        row.result_data = match row.input_data.get("filename").and_then(Value::as_str) {
            Some(name) => {
                let title = name.trim_end_matches(".pdf").replace('_', " ");
                self.documents.insert(document, title);
                Some(json!({ "document_id": document }))
            }
            None => None,
        };
    }

    /// A file dropped into the consumption folder at `at`.
    fn arrive(&mut self, at: DateTime<Utc>) {
        let id = self.tasks.iter().map(|t| t.id).max().unwrap_or(0) + 1;
        let name = format!("scan_{id:04}_arrived.pdf");
        self.tasks.push(PaperlessRow::queued(
            id,
            format!("{:08x}-0a1e-4000-8000-{:012x}", id, at.timestamp()),
            "consume_file",
            "folder_consume",
            at,
            json!({ "filename": name, "mime_type": "application/pdf" }),
        ));
    }
}

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/api/tasks/", any(tasks::list))
        .route("/api/tasks/status_counts/", any(tasks::status_counts))
        .route("/api/tasks/acknowledge/", any(tasks::acknowledge))
        .route("/api/tasks/{id}/", any(tasks::retrieve))
        .route("/api/token/", any(tasks::token))
        .route("/api/status/", any(system::status))
        .route("/api/tasks/run/", any(system::run))
        .route("/api/tasks/summary/", any(system::summary))
        .route("/api/tasks/active/", any(system::active))
        .route("/api/mail_accounts/", any(mail::accounts))
        .route("/api/mail_accounts/{id}/process/", any(mail::process))
        .route("/api/mail_rules/", any(mail::rules))
        .route("/api/processed_mail/", any(mail::processed))
        .route("/api/processed_mail/bulk_delete/", any(mail::bulk_delete))
        .route("/api/logs/", any(mail::logs))
        .route("/api/logs/{name}/", any(mail::log))
        .route("/api/ui_settings/", any(system::ui_settings))
        .route("/api/", get(|| async { drf::empty(StatusCode::FOUND) }))
        .with_state(state)
}

fn authenticate(headers: &HeaderMap) -> Result<&'static User, Response> {
    match drf::credentials(headers) {
        Credentials::None => Err(drf::not_authenticated()),
        Credentials::Token(token) => USERS
            .iter()
            .find(|u| u.token == token)
            .ok_or_else(drf::invalid_token),
        Credentials::Basic { username, password } => USERS
            .iter()
            .find(|u| u.username == username && u.password == password)
            .ok_or_else(|| {
                let mut r = drf::detail(StatusCode::UNAUTHORIZED, "Invalid username/password.");
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"api\""),
                );
                r
            }),
        Credentials::Malformed => Err(drf::invalid_token()),
    }
}

/// `Accept: application/json; version=N`.
fn api_version(headers: &HeaderMap, max_api: u32) -> Result<u32, Response> {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let requested = accept
        .split([';', ','])
        .filter_map(|part| part.trim().strip_prefix("version="))
        .next();
    let allowed = |v: u32| {
        if max_api >= 10 {
            v == 9 || v == 10
        } else {
            (1..=9).contains(&v)
        }
    };
    match requested {
        None => Ok(max_api),
        Some(v) => match v.trim().parse::<u32>() {
            Ok(n) if allowed(n) => Ok(n),
            _ => Err(drf::detail(
                StatusCode::NOT_ACCEPTABLE,
                "Invalid version in \"Accept\" header.",
            )),
        },
    }
}

fn with_version_headers(mut response: Response, state: &PaperlessState) -> Response {
    let h = response.headers_mut();
    h.insert("x-api-version", HeaderValue::from(state.max_api));
    h.insert("x-version", HeaderValue::from_static(state.version));
    response
}

/// Authentication, version negotiation and the view permission, as DRF checks them.
fn guard(headers: &HeaderMap, state: &PaperlessState) -> Result<(&'static User, u32), Response> {
    let user = authenticate(headers)?;
    let version = api_version(headers, state.max_api)?;
    if !user.can_view {
        return Err(drf::forbidden());
    }
    Ok((user, version))
}

/// Who is asking, and in which API version.
#[derive(Clone, Copy)]
pub struct Caller {
    pub user: &'static User,
    pub version: u32,
}

/// The instance, locked. A handler that panicked must not take every later
/// request down with it, so a poisoned lock is taken over.
fn lock(state: &Shared) -> MutexGuard<'_, PaperlessState> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The preamble of every task endpoint, in DRF's order: authentication,
/// version negotiation and the view permission, then the method; and the
/// version headers on every answer, errors included.
fn respond(
    state: &Shared,
    headers: &HeaderMap,
    method: &Method,
    allowed: &[Method],
    handle: impl FnOnce(&mut PaperlessState, Caller) -> Result<Response, Response>,
) -> Response {
    let mut state = lock(state);
    state.work(chrono::Utc::now());
    let result = guard(headers, &state).and_then(|(user, version)| {
        let allowed =
            allowed.contains(method) || (method == Method::HEAD && allowed.contains(&Method::GET));
        if !allowed {
            return Err(drf::method_not_allowed(method.as_str()));
        }
        handle(&mut state, Caller { user, version })
    });
    with_version_headers(result.unwrap_or_else(|e| e), &state)
}
