//! Paperless-ngx's system side: `GET /api/status/` (health), running a
//! system task (`POST /api/tasks/run/`) and following it, the per-type
//! summary (`/api/tasks/summary/`) and the tasks running now
//! (`/api/tasks/active/`). Written against the recordings `api_status`,
//! `v9_api_status`, `run_*`, `v9_run_*`, `tasks_summary*`, `tasks_active*`.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::json;

use crate::call::{Call, Transport, decode_json};
use crate::error::ApiError;
use crate::http::{HttpRequest, HttpResponse};
use crate::paperless::{PaperlessApi, PaperlessClient, PaperlessTask, TaskQuery, TaskType};
use crate::time::rfc3339_opt;

/// How a part of the server is, as `/api/status/` words it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Health {
    Ok,
    Disabled,
    /// Not reported.
    Unknown,
    Warning,
    Error,
}

impl Health {
    fn from_wire(value: Option<&str>) -> Health {
        match value.map(str::to_ascii_uppercase).as_deref() {
            Some("OK") => Health::Ok,
            Some("WARNING") => Health::Warning,
            Some("ERROR") => Health::Error,
            Some("DISABLED") => Health::Disabled,
            _ => Health::Unknown,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Health::Ok => "OK",
            Health::Disabled => "Disabled",
            Health::Unknown => "Unknown",
            Health::Warning => "Warning",
            Health::Error => "Error",
        }
    }
}

/// One line of the health report.
#[derive(Clone, Debug, PartialEq)]
pub struct HealthCheck {
    pub name: &'static str,
    pub health: Health,
    pub detail: Option<String>,
    /// When it last ran (index, classifier, sanity check).
    pub last_run: Option<DateTime<Utc>>,
    /// The last run is older than a day, as the server's own dialog marks it.
    pub stale: bool,
    /// The system task that refreshes this part, when there is one.
    pub run: Option<SystemTask>,
}

/// What `/api/status/` says, as a list of checks.
#[derive(Clone, Debug, PartialEq)]
pub struct HealthReport {
    pub version: Option<String>,
    pub checks: Vec<HealthCheck>,
}

impl HealthReport {
    /// The worst state of any check: what an overview shows at a glance.
    pub fn worst(&self) -> Health {
        self.checks
            .iter()
            .map(|c| {
                if c.stale && c.health == Health::Ok {
                    Health::Warning
                } else {
                    c.health
                }
            })
            .filter(|h| *h != Health::Disabled && *h != Health::Unknown)
            .max()
            .unwrap_or(Health::Unknown)
    }

    /// The check of this name, if the server reported it.
    pub fn check(&self, name: &str) -> Option<&HealthCheck> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// No Celery worker answers: nothing the server queues (consumption,
    /// mail, system tasks) runs until one does.
    pub fn worker_down(&self) -> bool {
        self.check(CELERY)
            .is_some_and(|c| c.health == Health::Error)
    }

    /// How many checks are in warning (stale runs included).
    pub fn warnings(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.health == Health::Warning || (c.stale && c.health == Health::Ok))
            .count()
    }

    /// How many checks are in error, for the window title and notifications.
    pub fn errors(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.health == Health::Error)
            .count()
    }
}

#[derive(Deserialize)]
struct StatusWire {
    #[serde(default)]
    pngx_version: Option<String>,
    #[serde(default)]
    storage: Option<StorageWire>,
    #[serde(default)]
    database: Option<DatabaseWire>,
    #[serde(default)]
    tasks: Option<TasksWire>,
}

#[derive(Deserialize)]
struct StorageWire {
    total: u64,
    available: u64,
}

#[derive(Deserialize)]
struct DatabaseWire {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    migration_status: Option<MigrationsWire>,
}

#[derive(Deserialize)]
struct MigrationsWire {
    #[serde(default)]
    unapplied_migrations: Vec<String>,
}

#[derive(Deserialize)]
struct TasksWire {
    #[serde(default)]
    redis_status: Option<String>,
    #[serde(default)]
    redis_error: Option<String>,
    #[serde(default)]
    celery_status: Option<String>,
    #[serde(default)]
    celery_error: Option<String>,
    #[serde(default)]
    index_status: Option<String>,
    #[serde(default, deserialize_with = "rfc3339_opt")]
    index_last_modified: Option<DateTime<Utc>>,
    #[serde(default)]
    index_error: Option<String>,
    #[serde(default)]
    classifier_status: Option<String>,
    #[serde(default, deserialize_with = "rfc3339_opt")]
    classifier_last_trained: Option<DateTime<Utc>>,
    #[serde(default)]
    classifier_error: Option<String>,
    #[serde(default)]
    sanity_check_status: Option<String>,
    #[serde(default, deserialize_with = "rfc3339_opt")]
    sanity_check_last_run: Option<DateTime<Utc>>,
    #[serde(default)]
    sanity_check_error: Option<String>,
    #[serde(default)]
    llmindex_status: Option<String>,
    #[serde(default, deserialize_with = "rfc3339_opt")]
    llmindex_last_modified: Option<DateTime<Utc>>,
    #[serde(default)]
    llmindex_error: Option<String>,
}

/// Older than this, a last run is marked stale (the server's own dialog).
pub const STALE_AFTER_HOURS: i64 = 24;

/// The name of the worker's check.
pub const CELERY: &str = "Celery worker";
/// The name of the LLM index's check.
pub const LLM_INDEX: &str = "LLM index";

fn check(
    name: &'static str,
    status: Option<String>,
    error: Option<String>,
    last_run: Option<DateTime<Utc>>,
    run: Option<SystemTask>,
    now: DateTime<Utc>,
) -> HealthCheck {
    let health = Health::from_wire(status.as_deref());
    HealthCheck {
        name,
        health,
        detail: error,
        stale: health != Health::Disabled
            && last_run.is_some_and(|t| now - t > Duration::hours(STALE_AFTER_HOURS)),
        last_run,
        run,
    }
}

/// `/api/status/` as checks, judged at `now`.
pub fn health_report(
    body: &str,
    request: &HttpRequest,
    now: DateTime<Utc>,
) -> Result<HealthReport, ApiError> {
    let wire: StatusWire = decode_json(request, body)?;
    let mut checks = Vec::new();
    if let Some(db) = wire.database {
        let pending = db
            .migration_status
            .map(|m| m.unapplied_migrations)
            .unwrap_or_default();
        let mut c = check("Database", db.status, db.error, None, None, now);
        if !pending.is_empty() {
            c.health = c.health.max(Health::Warning);
            c.detail = Some(format!(
                "{} unapplied migration(s): {}",
                pending.len(),
                pending.join(", ")
            ));
        }
        checks.push(c);
    }
    if let Some(t) = wire.tasks {
        checks.push(check(
            "Redis",
            t.redis_status,
            t.redis_error,
            None,
            None,
            now,
        ));
        let mut celery = check(CELERY, t.celery_status, t.celery_error, None, None, now);
        // A worker that does not answer stops every task. 3.0.5 calls it a
        // warning ("No celery workers responded to ping. This may be
        // temporary."), 2.20.15 an error ("Error connecting to celery"),
        // both from the same failed ping (their `SystemStatusView`): one
        // state for both, the one that says nothing runs.
        if celery.health == Health::Warning {
            celery.health = Health::Error;
        }
        checks.push(celery);
        checks.push(check(
            "Search index",
            t.index_status,
            t.index_error,
            t.index_last_modified,
            Some(SystemTask::IndexOptimize),
            now,
        ));
        checks.push(check(
            "Classifier",
            t.classifier_status,
            t.classifier_error,
            t.classifier_last_trained,
            Some(SystemTask::TrainClassifier),
            now,
        ));
        checks.push(check(
            "Sanity check",
            t.sanity_check_status,
            t.sanity_check_error,
            t.sanity_check_last_run,
            Some(SystemTask::SanityCheck),
            now,
        ));
        // 2.x has no LLM index and reports none (2.20.15's status has no
        // `llmindex_*` keys): no check, rather than an "unknown" one.
        if t.llmindex_status.is_some() {
            checks.push(check(
                LLM_INDEX,
                t.llmindex_status,
                t.llmindex_error,
                t.llmindex_last_modified,
                Some(SystemTask::LlmIndex),
                now,
            ));
        }
    }
    if let Some(s) = wire.storage {
        let free = (s.available.saturating_mul(100))
            .checked_div(s.total)
            .unwrap_or(0);
        checks.push(HealthCheck {
            name: "Storage",
            health: if free < 5 {
                Health::Error
            } else if free < 15 {
                Health::Warning
            } else {
                Health::Ok
            },
            detail: Some(format!(
                "{} GB free of {} GB ({free} %)",
                s.available / 1_000_000_000,
                s.total / 1_000_000_000
            )),
            last_run: None,
            stale: false,
            run: None,
        });
    }
    Ok(HealthReport {
        version: wire.pngx_version,
        checks,
    })
}

/// The system tasks a superuser may start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SystemTask {
    TrainClassifier,
    SanityCheck,
    /// 3.x: the LLM index; 2.x has no such task.
    LlmIndex,
    /// 2.x only (`index_optimize`); 3.x refreshes the index otherwise.
    IndexOptimize,
}

impl SystemTask {
    pub fn label(self) -> &'static str {
        match self {
            SystemTask::TrainClassifier => "Train the classifier",
            SystemTask::SanityCheck => "Run the sanity check",
            SystemTask::LlmIndex => "Update the LLM index",
            SystemTask::IndexOptimize => "Optimize the search index",
        }
    }

    /// The name each API version takes: 3.x `{"task_type": …}` (also with
    /// API 9, `v9_run_sanity_check`); a real 2.x server `{"task_name": …}`
    /// with its own names (`v9_run_error_task_name_body`, its source).
    /// `None`: that server has no such task.
    fn wire(self, api: PaperlessApi) -> Option<(&'static str, &'static str)> {
        match (self, api) {
            (SystemTask::TrainClassifier, PaperlessApi::V10) => {
                Some(("task_type", "train_classifier"))
            }
            (SystemTask::SanityCheck, PaperlessApi::V10) => Some(("task_type", "sanity_check")),
            (SystemTask::LlmIndex, PaperlessApi::V10) => Some(("task_type", "llm_index")),
            (SystemTask::IndexOptimize, PaperlessApi::V10) => None,
            (SystemTask::TrainClassifier, PaperlessApi::V9) => {
                Some(("task_name", "train_classifier"))
            }
            (SystemTask::SanityCheck, PaperlessApi::V9) => Some(("task_name", "check_sanity")),
            (SystemTask::IndexOptimize, PaperlessApi::V9) => Some(("task_name", "index_optimize")),
            (SystemTask::LlmIndex, PaperlessApi::V9) => None,
        }
    }

    /// The task type its runs are listed under.
    pub fn task_type(self) -> TaskType {
        match self {
            SystemTask::TrainClassifier => TaskType::TrainClassifier,
            SystemTask::SanityCheck => TaskType::SanityCheck,
            SystemTask::LlmIndex => TaskType::LlmIndex,
            SystemTask::IndexOptimize => TaskType::IndexOptimize,
        }
    }

    pub fn available(self, api: PaperlessApi) -> bool {
        self.wire(api).is_some()
    }
}

/// What starting a system task answered: 3.x queues it and names it; a 2.x
/// server runs it before answering and returns what the task function
/// returned. That is `null` for a run that finished without a return value
/// (2.20.15's `train_classifier` returns nothing on either path, and
/// `index_optimize` never returns anything:
/// `v9_run_train_classifier_null_result_2x_live`); its message, where the
/// run recorded one, is only in the task list.
#[derive(Clone, Debug, PartialEq)]
pub enum Started {
    Queued { task_id: String },
    Finished { result: Option<String> },
}

/// One task type's figures over the last days (`/api/tasks/summary/`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TypeSummary {
    pub task_type: TaskType,
    pub total_count: u64,
    #[serde(default)]
    pub pending_count: u64,
    #[serde(default)]
    pub success_count: u64,
    #[serde(default)]
    pub failure_count: u64,
    #[serde(default)]
    pub avg_duration_seconds: Option<f64>,
    #[serde(default)]
    pub avg_wait_time_seconds: Option<f64>,
    #[serde(default, deserialize_with = "rfc3339_opt")]
    pub last_run: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "rfc3339_opt")]
    pub last_success: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "rfc3339_opt")]
    pub last_failure: Option<DateTime<Utc>>,
}

fn decode_status(req: &HttpRequest, res: &HttpResponse) -> Result<String, ApiError> {
    // Judged by the caller with its clock: the body is kept as it came.
    decode_json::<serde_json::Value>(req, &res.body).map(|_| res.body.clone())
}

impl PaperlessClient {
    /// `GET /api/status/`: the raw answer, checked to be JSON; read it with
    /// [`health_report`]. A user without the monitoring permission gets a
    /// 403 with an HTML body (`status_alice_403`).
    pub fn status_call(&self) -> Call<String> {
        Call::new(self.get("/api/status/".into()), decode_status)
    }

    /// `POST /api/tasks/run/`, superusers only (others: 403).
    pub fn run_call(&self, task: SystemTask) -> Result<Call<Started>, ApiError> {
        let (field, name) = task.wire(self.api()).ok_or_else(|| ApiError::Unsupported {
            detail: format!("this Paperless-ngx version has no “{}”", task.label()),
        })?;
        let request = self
            .post("/api/tasks/run/")
            .json_body(json!({ field: name }));
        Ok(Call::new(request, |req, res| {
            // A map, not a struct: `{"result": null}` (a finished run) must
            // not read like an answer without a `result` at all.
            let reply: serde_json::Map<String, serde_json::Value> = decode_json(req, &res.body)?;
            let task_id = reply.get("task_id").and_then(|t| t.as_str());
            match (task_id, reply.get("result")) {
                (Some(task_id), _) => Ok(Started::Queued {
                    task_id: task_id.to_string(),
                }),
                (None, Some(serde_json::Value::Null)) => Ok(Started::Finished { result: None }),
                (None, Some(result)) => Ok(Started::Finished {
                    result: Some(
                        result
                            .as_str()
                            .map_or_else(|| result.to_string(), str::to_string),
                    ),
                }),
                (None, None) => Err(ApiError::Decode {
                    endpoint: req.endpoint(),
                    field: ".".into(),
                    detail: "neither a task id nor a result".into(),
                }),
            }
        }))
    }

    pub async fn run(
        &self,
        transport: &dyn Transport,
        task: SystemTask,
    ) -> Result<Started, ApiError> {
        self.negotiated(transport, |c| c.run_call(task)).await
    }

    /// `/api/status/` in the API version this server speaks.
    pub async fn status(&self, transport: &dyn Transport) -> Result<String, ApiError> {
        self.negotiated(transport, |c| Ok(c.status_call())).await
    }

    /// The task with this Celery id, if the server lists it (yet).
    pub async fn task_by_celery_id(
        &self,
        transport: &dyn Transport,
        task_id: &str,
    ) -> Result<Option<PaperlessTask>, ApiError> {
        let query = TaskQuery {
            task_id: Some(task_id.to_string()),
            ..TaskQuery::default()
        };
        let page = self.list_tasks(transport, &query).await?;
        Ok(page.items.into_iter().find(|t| t.task_id == task_id))
    }

    /// `GET /api/tasks/summary/?days=N` (API 10).
    pub fn summary_call(&self, days: u32) -> Call<Vec<TypeSummary>> {
        Call::new(
            self.get(format!("/api/tasks/summary/?days={}", days.max(1))),
            |req, res| decode_json(req, &res.body),
        )
    }

    /// The summary where the server has one (API 10); a 2.x server has
    /// none, said as [`ApiError::Unsupported`].
    pub async fn summary(
        &self,
        transport: &dyn Transport,
        days: u32,
    ) -> Result<Vec<TypeSummary>, ApiError> {
        self.negotiated(transport, |c| match c.api() {
            PaperlessApi::V10 => Ok(c.summary_call(days)),
            PaperlessApi::V9 => Err(ApiError::Unsupported {
                detail: "Paperless-ngx 2.x keeps no per-type task summary (it needs \
                         Paperless-ngx 3, API 10)"
                    .into(),
            }),
        })
        .await
    }

    /// `GET /api/tasks/active/` (API 10): pending and started, newest
    /// first, at most 50.
    pub fn active_call(&self) -> Call<crate::Page<PaperlessTask>> {
        Call::new(self.get("/api/tasks/active/".into()), |req, res| {
            crate::paperless::decode_list(req, res)
        })
    }
}

impl PaperlessClient {
    /// `GET /api/logs/`: the names of the log files that exist (admins only).
    pub fn logs_call(&self) -> Call<Vec<String>> {
        Call::new(self.get("/api/logs/".into()), |req, res| {
            decode_json(req, &res.body)
        })
    }

    /// `GET /api/logs/<name>/`: the whole file as lines.
    pub fn log_call(&self, name: &str) -> Result<Call<Vec<String>>, ApiError> {
        self.log_lines_call(name, None)
    }

    /// `GET /api/logs/<name>/?limit=N`: the file's last `limit` lines.
    pub fn log_tail_call(&self, name: &str, limit: u32) -> Result<Call<Vec<String>>, ApiError> {
        self.log_lines_call(name, Some(limit.max(1)))
    }

    fn log_lines_call(
        &self,
        name: &str,
        limit: Option<u32>,
    ) -> Result<Call<Vec<String>>, ApiError> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(ApiError::InvalidInput {
                detail: format!("“{name}” is not a log name"),
            });
        }
        let path = match limit {
            Some(limit) => format!("/api/logs/{name}/?limit={limit}"),
            None => format!("/api/logs/{name}/"),
        };
        Ok(Call::new(self.get(path), |req, res| {
            decode_json(req, &res.body)
        }))
    }
}
