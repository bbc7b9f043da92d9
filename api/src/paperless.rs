//! Paperless-ngx tasks: `/api/tasks/`, status counts, acknowledge, token.
//!
//! Two wire shapes are normalised into one [`PaperlessTask`]:
//! - API 10 (Paperless-ngx 3.x): paginated, lowercase status, `task_type`,
//!   `trigger_source`, structured `input_data`/`result_data`, durations.
//! - API 9 (2.x, also emulated by 3.x): a plain array, UPPERCASE status,
//!   `task_name`, `type`, `task_file_name`, a `result` string.
//!
//! The shape is recognised from the body, not from `X-Api-Version`, because
//! Paperless does not expose that header to cross-origin pages.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::call::{Call, Transport, decode_json, decode_rows_as};
use crate::error::ApiError;
use crate::http::{BaseUrl, HttpRequest, HttpResponse, Method, Secret};
use crate::query::Query;
use crate::time::rfc3339_opt;
use crate::{Page, Selection};

/// The REST API version negotiated with `Accept: application/json; version=N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PaperlessApi {
    V10,
    V9,
}

impl PaperlessApi {
    pub fn number(self) -> u32 {
        match self {
            PaperlessApi::V10 => 10,
            PaperlessApi::V9 => 9,
        }
    }

    fn accept_header(self) -> String {
        format!("application/json; version={}", self.number())
    }
}

wire_enum! {
    TaskStatus {
        Pending = "pending", "Pending";
        Started = "started", "Started";
        // Celery's state for a task waiting to run again; only 2.x servers
        // store it (API 10 has no such value).
        Retry = "retry", "Retrying";
        Success = "success", "Success";
        Failure = "failure", "Failure";
        Revoked = "revoked", "Revoked";
    }
}

/// The three groups the Paperless UI and `status_counts` use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusGroup {
    NeedsAttention,
    InProgress,
    Completed,
}

impl TaskStatus {
    pub fn group(&self) -> Option<StatusGroup> {
        match self {
            TaskStatus::Failure | TaskStatus::Revoked => Some(StatusGroup::NeedsAttention),
            TaskStatus::Pending | TaskStatus::Started | TaskStatus::Retry => {
                Some(StatusGroup::InProgress)
            }
            TaskStatus::Success => Some(StatusGroup::Completed),
            TaskStatus::Other(_) => None,
        }
    }
}

wire_enum! {
    TaskType {
        ConsumeFile = "consume_file", "Consume File";
        TrainClassifier = "train_classifier", "Train Classifier";
        SanityCheck = "sanity_check", "Sanity Check";
        IndexOptimize = "index_optimize", "Index Optimize";
        MailFetch = "mail_fetch", "Mail Fetch";
        LlmIndex = "llm_index", "LLM Index";
        EmptyTrash = "empty_trash", "Empty Trash";
        CheckWorkflows = "check_workflows", "Check Workflows";
        BulkUpdate = "bulk_update", "Bulk Update";
        ReprocessDocument = "reprocess_document", "Reprocess Document";
        BuildShareLink = "build_share_link", "Build Share Link";
        BulkDelete = "bulk_delete", "Bulk Delete";
    }
    // API 9 names for the same tasks.
    aliases { "check_sanity" => SanityCheck, "llmindex_update" => LlmIndex }
}

wire_enum! {
    /// API 10 `trigger_source`; API 9 only has the coarser `type`, mapped onto
    /// `Scheduled`, `Manual` and `Auto`.
    TriggerSource {
        Scheduled = "scheduled", "Scheduled";
        WebUi = "web_ui", "Web UI";
        ApiUpload = "api_upload", "API Upload";
        FolderConsume = "folder_consume", "Folder Consume";
        EmailConsume = "email_consume", "Email Consume";
        System = "system", "System";
        Manual = "manual", "Manual";
        Auto = "auto_task", "Automatic";
    }
    aliases { "scheduled_task" => Scheduled, "manual_task" => Manual }
}

#[derive(Clone, Debug, PartialEq)]
pub struct DocumentRef {
    pub id: u64,
    pub title: Option<String>,
}

/// One task, whichever API version it came from. Fields API 9 does not have
/// (`started`, durations, structured data) are `None` there.
#[derive(Clone, Debug, PartialEq)]
pub struct PaperlessTask {
    pub id: u64,
    pub task_id: String,
    pub task_type: TaskType,
    pub trigger: TriggerSource,
    pub status: TaskStatus,
    pub file_name: Option<String>,
    pub created: Option<DateTime<Utc>>,
    pub started: Option<DateTime<Utc>>,
    pub done: Option<DateTime<Utc>>,
    pub duration_seconds: Option<f64>,
    pub wait_time_seconds: Option<f64>,
    /// A one-line result, worded as the Paperless UI words it.
    pub result_message: Option<String>,
    pub error_type: Option<String>,
    pub traceback: Option<String>,
    pub input_data: Option<Value>,
    pub result_data: Option<Value>,
    pub related_document: Option<u64>,
    pub duplicates: Vec<DocumentRef>,
    pub acknowledged: bool,
    pub owner: Option<u64>,
}

impl PaperlessTask {
    /// The file name, or the task type for tasks that have no file.
    pub fn display_name(&self) -> &str {
        self.file_name.as_deref().unwrap_or(self.task_type.label())
    }
}

#[derive(Deserialize)]
struct TaskV10 {
    id: u64,
    task_id: String,
    task_type: TaskType,
    trigger_source: TriggerSource,
    status: TaskStatus,
    #[serde(deserialize_with = "rfc3339_opt")]
    date_created: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "rfc3339_opt")]
    date_started: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "rfc3339_opt")]
    date_done: Option<DateTime<Utc>>,
    #[serde(default)]
    duration_seconds: Option<f64>,
    #[serde(default)]
    wait_time_seconds: Option<f64>,
    #[serde(default)]
    input_data: Option<Value>,
    #[serde(default)]
    result_data: Option<Value>,
    #[serde(default)]
    related_document_ids: Vec<u64>,
    acknowledged: bool,
    #[serde(default)]
    owner: Option<u64>,
}

impl From<TaskV10> for PaperlessTask {
    fn from(w: TaskV10) -> Self {
        let result = w.result_data.as_ref();
        let field = |name: &str| result.and_then(|r| r.get(name));
        let text = |name: &str| field(name).and_then(Value::as_str).map(str::to_string);
        let number = |name: &str| field(name).and_then(Value::as_u64);

        let duplicate_of = number("duplicate_of");
        let result_message = if let Some(doc) = number("document_id") {
            Some(format!("Success. New document id {doc} created"))
        } else if let Some(reason) = text("reason") {
            Some(reason)
        } else if let Some(doc) = duplicate_of {
            let in_trash = field("duplicate_in_trash").and_then(Value::as_bool) == Some(true);
            Some(format!(
                "Not consuming: It is a duplicate of document #{doc}{}",
                if in_trash { " (in trash)" } else { "" }
            ))
        } else {
            text("error_message")
        };
        let file_name = w
            .input_data
            .as_ref()
            .and_then(|i| i.get("filename"))
            .and_then(Value::as_str)
            .map(str::to_string);

        PaperlessTask {
            id: w.id,
            task_id: w.task_id,
            task_type: w.task_type,
            trigger: w.trigger_source,
            status: w.status,
            file_name,
            created: w.date_created,
            started: w.date_started,
            done: w.date_done,
            duration_seconds: w.duration_seconds,
            wait_time_seconds: w.wait_time_seconds,
            result_message,
            error_type: text("error_type"),
            traceback: text("traceback"),
            related_document: w.related_document_ids.first().copied(),
            duplicates: duplicate_of
                .map(|id| DocumentRef { id, title: None })
                .into_iter()
                .collect(),
            input_data: w.input_data,
            result_data: w.result_data,
            acknowledged: w.acknowledged,
            owner: w.owner,
        }
    }
}

#[derive(Deserialize)]
struct DuplicateV9 {
    id: u64,
    #[serde(default)]
    title: Option<String>,
}

#[derive(Deserialize)]
struct TaskV9 {
    id: u64,
    task_id: String,
    /// Added in 2.15; older 2.x servers only ran file consumption.
    #[serde(default)]
    task_name: Option<TaskType>,
    #[serde(default)]
    task_file_name: Option<String>,
    #[serde(rename = "type", default)]
    trigger: Option<TriggerSource>,
    status: TaskStatus,
    #[serde(default, deserialize_with = "rfc3339_opt")]
    date_created: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "rfc3339_opt")]
    date_done: Option<DateTime<Utc>>,
    #[serde(default)]
    result: Option<String>,
    acknowledged: bool,
    #[serde(default, deserialize_with = "lenient_id")]
    related_document: Option<u64>,
    #[serde(default)]
    duplicate_documents: Vec<DuplicateV9>,
    #[serde(default)]
    owner: Option<u64>,
}

/// A 2.x server puts a failure's traceback into the result text: the
/// message before it, and the traceback itself.
fn split_traceback(result: Option<String>) -> (Option<String>, Option<String>) {
    const START: &str = "Traceback (most recent call last)";
    match result {
        Some(text) => match text.find(START) {
            Some(at) => {
                let message = text[..at].trim().trim_end_matches(':').trim().to_string();
                let traceback = text[at..].to_string();
                let message = if message.is_empty() {
                    traceback.lines().last().map(str::to_string)
                } else {
                    Some(message)
                };
                (message, Some(traceback))
            }
            None => (Some(text), None),
        },
        None => (None, None),
    }
}

impl From<TaskV9> for PaperlessTask {
    fn from(w: TaskV9) -> Self {
        let (result_message, traceback) = split_traceback(w.result);
        PaperlessTask {
            id: w.id,
            task_id: w.task_id,
            task_type: w.task_name.unwrap_or(TaskType::ConsumeFile),
            trigger: w.trigger.unwrap_or(TriggerSource::Auto),
            status: w.status,
            file_name: w.task_file_name,
            created: w.date_created,
            started: None,
            done: w.date_done,
            duration_seconds: None,
            wait_time_seconds: None,
            result_message,
            error_type: None,
            traceback,
            input_data: None,
            result_data: None,
            related_document: w.related_document,
            duplicates: w
                .duplicate_documents
                .into_iter()
                .map(|d| DocumentRef {
                    id: d.id,
                    title: d.title,
                })
                .collect(),
            acknowledged: w.acknowledged,
            owner: w.owner,
        }
    }
}

/// 2.x servers sent `related_document` as a number or a numeric string.
/// A visitor rather than an untagged enum, which would buffer every value
/// (slower on long API 9 lists, and more code in the WASM).
fn lenient_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    struct LenientId;
    impl<'de> serde::de::Visitor<'de> for LenientId {
        type Value = Option<u64>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a document id (number or numeric string) or null")
        }
        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Self::Value, E> {
            Ok(Some(n))
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
            Ok(s.trim().parse().ok())
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(LenientId)
}

pub(crate) fn decode_list(
    req: &HttpRequest,
    res: &HttpResponse,
) -> Result<Page<PaperlessTask>, ApiError> {
    decode_task_list(req, res)
}

fn decode_task_list(
    req: &HttpRequest,
    res: &HttpResponse,
) -> Result<Page<PaperlessTask>, ApiError> {
    fn page<W: serde::de::DeserializeOwned + Into<PaperlessTask>>(
        req: &HttpRequest,
        res: &HttpResponse,
    ) -> Result<Page<PaperlessTask>, ApiError> {
        let (items, unreadable, count) = decode_rows_as::<W, PaperlessTask>(req, &res.body)?;
        Ok(Page {
            count: count.unwrap_or((items.len() + unreadable.len()) as u64),
            server_paged: count.is_some(),
            items,
            unreadable,
        })
    }
    // The shape tells the version: API 9 sends a plain array of rows
    // without `task_type`; `/api/tasks/active/` sends a plain array of API
    // 10 rows (`tasks_active`).
    let body = res.body.trim_start();
    if body.starts_with('[') && !first_row_has_task_type(body) {
        page::<TaskV9>(req, res)
    } else {
        page::<TaskV10>(req, res)
    }
}

/// Whether the first row of a JSON array has a `task_type` key, reading
/// only that row.
fn first_row_has_task_type(array: &str) -> bool {
    let Some(first) = array
        .strip_prefix('[')
        .map(str::trim_start)
        .filter(|rest| rest.starts_with('{'))
    else {
        return false;
    };
    let mut rows =
        serde_json::Deserializer::from_str(first).into_iter::<serde_json::Map<String, Value>>();
    matches!(rows.next(), Some(Ok(row)) if row.contains_key("task_type"))
}

fn decode_task(req: &HttpRequest, res: &HttpResponse) -> Result<PaperlessTask, ApiError> {
    let value: Value = decode_json(req, &res.body)?;
    if value.get("task_type").is_some() {
        decode_json::<TaskV10>(req, &res.body).map(Into::into)
    } else {
        decode_json::<TaskV9>(req, &res.body).map(Into::into)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct StatusCounts {
    pub all: u64,
    pub needs_attention: u64,
    pub in_progress: u64,
    pub completed: u64,
}

impl StatusCounts {
    /// Counts one task the way `status_counts` does, for API 9 servers, whose
    /// full list is counted locally.
    pub fn add(&mut self, task: &PaperlessTask) {
        self.all += 1;
        match task.status.group() {
            Some(StatusGroup::NeedsAttention) => self.needs_attention += 1,
            Some(StatusGroup::InProgress) => self.in_progress += 1,
            Some(StatusGroup::Completed) => self.completed += 1,
            None => {}
        }
    }

    pub fn of<'a>(tasks: impl IntoIterator<Item = &'a PaperlessTask>) -> StatusCounts {
        let mut counts = StatusCounts::default();
        for task in tasks {
            counts.add(task);
        }
        counts
    }
}

#[derive(Deserialize)]
struct AcknowledgeReply {
    result: u64,
}

#[derive(Deserialize)]
struct TokenReply {
    token: String,
}

/// Sortable fields the server accepts in `ordering`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaskOrderField {
    DateCreated,
    DateDone,
    Status,
    TaskType,
    DurationSeconds,
    WaitTimeSeconds,
}

impl TaskOrderField {
    pub fn as_wire(self) -> &'static str {
        match self {
            TaskOrderField::DateCreated => "date_created",
            TaskOrderField::DateDone => "date_done",
            TaskOrderField::Status => "status",
            TaskOrderField::TaskType => "task_type",
            TaskOrderField::DurationSeconds => "duration_seconds",
            TaskOrderField::WaitTimeSeconds => "wait_time_seconds",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TaskOrdering {
    pub field: TaskOrderField,
    pub descending: bool,
}

impl TaskOrdering {
    pub fn to_wire(self) -> String {
        let sign = if self.descending { "-" } else { "" };
        format!("{sign}{}", self.field.as_wire())
    }
}

/// The largest `page_size` Paperless accepts.
pub const MAX_PAGE_SIZE: u32 = 100_000;

/// Server-side filters of `/api/tasks/` (API 10). Multi-valued filters are sent
/// as repeated parameters, the only form the server understands.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskQuery {
    pub acknowledged: Option<bool>,
    pub status: Vec<TaskStatus>,
    pub task_type: Vec<TaskType>,
    pub trigger_source: Vec<TriggerSource>,
    pub is_complete: Option<bool>,
    pub name: Option<String>,
    pub result: Option<String>,
    pub task_id: Option<String>,
    pub owner: Option<u64>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub ordering: Option<TaskOrdering>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

impl TaskQuery {
    /// The oldest waiting task alone: its age is how long work has waited
    /// (the watcher's polls, the Trends screen).
    pub fn oldest_pending() -> TaskQuery {
        TaskQuery {
            status: vec![TaskStatus::Pending],
            ordering: Some(TaskOrdering {
                field: TaskOrderField::DateCreated,
                descending: false,
            }),
            page_size: Some(1),
            ..TaskQuery::default()
        }
    }

    /// Whether the only filter is `acknowledged`, the one API 9 sends; any
    /// other would be dropped by a server answering as API 9.
    pub fn filters_only_acknowledged(&self) -> bool {
        let blank = |v: &Option<String>| non_blank(v).is_none();
        self.status.is_empty()
            && self.task_type.is_empty()
            && self.trigger_source.is_empty()
            && self.is_complete.is_none()
            && blank(&self.name)
            && blank(&self.result)
            && blank(&self.task_id)
            && self.owner.is_none()
            && self.created_after.is_none()
            && self.created_before.is_none()
    }

    fn push_filters(&self, q: &mut Query, with_status: bool) {
        q.push_opt("acknowledged", self.acknowledged);
        if with_status {
            for s in &self.status {
                q.push("status", s.as_wire());
            }
        }
        for t in &self.task_type {
            q.push("task_type", t.as_wire());
        }
        for t in &self.trigger_source {
            q.push("trigger_source", t.as_wire());
        }
        if with_status {
            q.push_opt("is_complete", self.is_complete);
        }
        q.push_opt("name", non_blank(&self.name));
        q.push_opt("result", non_blank(&self.result));
        q.push_opt("task_id", non_blank(&self.task_id));
        q.push_opt("owner", self.owner);
        q.push_opt("date_created_after", self.created_after.map(rfc3339));
        q.push_opt("date_created_before", self.created_before.map(rfc3339));
    }
}

fn non_blank(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// What to acknowledge. `All` is "every unacknowledged task the user can see",
/// which Paperless applies server-side, so it is a separate, explicit choice.
#[derive(Clone, Debug, PartialEq)]
pub enum AckTarget {
    Tasks(Selection<u64>),
    All,
}

/// A client for one Paperless-ngx server. It starts at API 10 and drops to
/// 9 when the server itself says it does not speak 10 (a 2.x server), and
/// tries 10 again after a while (the server may have been upgraded).
pub struct PaperlessClient {
    base: BaseUrl,
    token: Option<Secret>,
    /// The saved connection its requests are made for ([`HttpRequest::connection`]).
    connection: Option<String>,
    api: Cell<PaperlessApi>,
    /// When it fell back to API 9, by the transport's clock.
    fell_back_at: Cell<Option<i64>>,
    /// Told when the version it speaks changes, to remember it.
    on_settled: RefCell<Option<Remember>>,
}

impl std::fmt::Debug for PaperlessClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaperlessClient")
            .field("base", &self.base)
            .field("api", &self.api.get())
            .field("fell_back_at", &self.fell_back_at.get())
            .finish_non_exhaustive()
    }
}

type Remember = Rc<dyn Fn(Settled)>;

/// The version a client settled on, kept across restarts so a 2.x server
/// is not asked for API 10 on every start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Settled {
    pub api: PaperlessApi,
    pub fell_back_at: Option<i64>,
}

/// How long a fallback to API 9 holds before API 10 is tried again.
pub const RETRY_NEWER_API_AFTER_MS: i64 = 30 * 60 * 1000;

/// Paperless's own answer to a version it does not speak (DRF's
/// `AcceptHeaderVersioning`). A 406 from anything else (a proxy) is not a
/// reason to change versions.
pub fn is_version_refusal(message: &str) -> bool {
    message.contains("Invalid version in \"Accept\" header")
}

impl PaperlessClient {
    pub fn new(base: BaseUrl, token: Option<Secret>) -> Self {
        PaperlessClient {
            base,
            token,
            connection: None,
            api: Cell::new(PaperlessApi::V10),
            fell_back_at: Cell::new(None),
            on_settled: RefCell::new(None),
        }
    }

    pub fn settled(&self) -> Settled {
        Settled {
            api: self.api.get(),
            fell_back_at: self.fell_back_at.get(),
        }
    }

    /// Starts where an earlier run settled (API 10 is still tried again
    /// once the fallback is older than [`RETRY_NEWER_API_AFTER_MS`]).
    pub fn resume(self, settled: Settled) -> Self {
        self.api.set(settled.api);
        self.fell_back_at.set(settled.fell_back_at);
        self
    }

    /// `remember` is called whenever the version changes.
    pub fn on_settled(&self, remember: impl Fn(Settled) + 'static) {
        *self.on_settled.borrow_mut() = Some(Rc::new(remember));
    }

    /// Its requests name this saved connection (the desktop app adds that
    /// connection's token to them, and no other's).
    pub fn for_connection(mut self, id: &str) -> Self {
        self.connection = Some(id.to_string());
        self
    }

    /// The saved connection this client speaks for, if any.
    pub fn connection(&self) -> Option<&str> {
        self.connection.as_deref()
    }

    pub fn with_api(self, api: PaperlessApi) -> Self {
        self.api.set(api);
        self
    }

    pub fn api(&self) -> PaperlessApi {
        self.api.get()
    }

    pub fn base(&self) -> &BaseUrl {
        &self.base
    }

    fn request(&self, method: Method, path_and_query: String) -> HttpRequest {
        let req = HttpRequest::new(method, &self.base, path_and_query)
            .for_connection(self.connection.as_deref())
            .header("Accept", self.api.get().accept_header());
        match &self.token {
            Some(token) => req.header("Authorization", format!("Token {}", token.expose())),
            None => req,
        }
    }

    pub(crate) fn get(&self, path_and_query: String) -> HttpRequest {
        self.request(Method::Get, path_and_query)
    }

    pub(crate) fn post(&self, path: &str) -> HttpRequest {
        self.request(Method::Post, path.to_string())
    }

    /// API 10 filters and pages on the server. API 9 ignores paging and most
    /// filters, so only `acknowledged` is sent and the caller filters locally.
    pub fn list_tasks_call(&self, query: &TaskQuery) -> Call<Page<PaperlessTask>> {
        let mut q = Query::new();
        match self.api.get() {
            PaperlessApi::V10 => {
                query.push_filters(&mut q, true);
                q.push_opt("ordering", query.ordering.map(TaskOrdering::to_wire));
                q.push_opt("page", query.page);
                q.push_opt("page_size", query.page_size);
            }
            PaperlessApi::V9 => {
                q.push_opt("acknowledged", query.acknowledged);
            }
        }
        Call::new(
            self.request(Method::Get, q.apply_to("/api/tasks/")),
            decode_task_list,
        )
    }

    pub fn task_call(&self, id: u64) -> Call<PaperlessTask> {
        Call::new(
            self.request(Method::Get, format!("/api/tasks/{id}/")),
            decode_task,
        )
    }

    /// Counts per status group. Takes the list filters except status and
    /// completeness (the server ignores those here). API 10 only.
    pub fn status_counts_call(&self, query: &TaskQuery) -> Call<StatusCounts> {
        let mut q = Query::new();
        query.push_filters(&mut q, false);
        Call::new(
            self.request(Method::Get, q.apply_to("/api/tasks/status_counts/")),
            |req, res| decode_json(req, &res.body),
        )
    }

    /// Returns the number of rows the server matched.
    pub fn acknowledge_call(&self, target: &AckTarget) -> Result<Call<u64>, ApiError> {
        let body = match target {
            AckTarget::Tasks(ids) => json!({ "tasks": ids.ids() }),
            AckTarget::All if self.api.get() == PaperlessApi::V9 => {
                return Err(ApiError::Unsupported {
                    detail: "acknowledging all tasks at once needs Paperless-ngx 3 (API 10); \
                             select the tasks instead"
                        .into(),
                });
            }
            AckTarget::All => json!({ "all": true }),
        };
        let request = self
            .request(Method::Post, "/api/tasks/acknowledge/".into())
            .json_body(body);
        Ok(Call::new(request, |req, res| {
            decode_json::<AcknowledgeReply>(req, &res.body).map(|r| r.result)
        }))
    }

    /// `POST /api/token/`: exchanges a password for a token once. The password is
    /// only in this request and is never stored.
    pub fn obtain_token_call(
        base: &BaseUrl,
        username: &str,
        password: &Secret,
        mfa_code: Option<&str>,
    ) -> Call<Secret> {
        let mut body = json!({ "username": username, "password": password.expose() });
        if let Some(code) = mfa_code.map(str::trim).filter(|c| !c.is_empty()) {
            body["code"] = Value::String(code.to_string());
        }
        let request = HttpRequest::new(Method::Post, base, "/api/token/".into()).json_body(body);
        Call::new(request, |req, res| {
            decode_json::<TokenReply>(req, &res.body).map(|r| Secret::new(r.token))
        })
    }

    /// Sends a call built for the current API version. When the server says
    /// it does not speak API 10, it switches to API 9 and sends it once more.
    pub(crate) async fn negotiated<T>(
        &self,
        transport: &dyn Transport,
        build: impl Fn(&Self) -> Result<Call<T>, ApiError>,
    ) -> Result<T, ApiError> {
        let before = self.settled();
        let now = transport.now_millis();
        if let (Some(at), Some(now)) = (self.fell_back_at.get(), now)
            && now - at > RETRY_NEWER_API_AFTER_MS
        {
            self.fell_back_at.set(None);
            self.api.set(PaperlessApi::V10);
        }
        // What this request asked for: another request may have settled
        // the version while this one was on its way (the screens ask
        // several things at once), and its refusal is about what it asked.
        let asked = self.api.get();
        let result = match build(self)?.send(transport).await {
            Err(ApiError::VersionNotSupported { message })
                if asked == PaperlessApi::V10 && is_version_refusal(&message) =>
            {
                if self.api.get() == PaperlessApi::V10 {
                    self.api.set(PaperlessApi::V9);
                    self.fell_back_at.set(now);
                }
                build(self)?.send(transport).await
            }
            // A version remembered from an earlier run that this server no
            // longer speaks: negotiate afresh from the newest.
            Err(ApiError::VersionNotSupported { message })
                if asked == PaperlessApi::V9 && is_version_refusal(&message) =>
            {
                if self.api.get() == PaperlessApi::V9 {
                    self.api.set(PaperlessApi::V10);
                    self.fell_back_at.set(None);
                }
                build(self)?.send(transport).await
            }
            other => other,
        };
        let after = self.settled();
        if after != before {
            let remember = self.on_settled.borrow().clone();
            if let Some(remember) = remember {
                remember(after);
            }
        }
        result
    }

    pub async fn list_tasks(
        &self,
        transport: &dyn Transport,
        query: &TaskQuery,
    ) -> Result<Page<PaperlessTask>, ApiError> {
        self.negotiated(transport, |c| Ok(c.list_tasks_call(query)))
            .await
    }

    pub async fn task(
        &self,
        transport: &dyn Transport,
        id: u64,
    ) -> Result<PaperlessTask, ApiError> {
        self.negotiated(transport, |c| Ok(c.task_call(id))).await
    }

    pub async fn status_counts(
        &self,
        transport: &dyn Transport,
        query: &TaskQuery,
    ) -> Result<StatusCounts, ApiError> {
        if self.api.get() == PaperlessApi::V9 {
            return Err(ApiError::Unsupported {
                detail: "status counts need Paperless-ngx 3 (API 10)".into(),
            });
        }
        self.status_counts_call(query).send(transport).await
    }

    pub async fn acknowledge(
        &self,
        transport: &dyn Transport,
        target: &AckTarget,
    ) -> Result<u64, ApiError> {
        self.negotiated(transport, |c| c.acknowledge_call(target))
            .await
    }

    /// Checks the address, token and view permission with the smallest list
    /// request, and settles the API version.
    pub async fn probe(&self, transport: &dyn Transport) -> Result<PaperlessApi, ApiError> {
        let query = TaskQuery {
            page_size: Some(1),
            ..TaskQuery::default()
        };
        self.list_tasks(transport, &query).await?;
        Ok(self.api.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_traceback_in_a_2x_result_is_shown_as_a_traceback() {
        let (message, traceback) = split_traceback(Some(
            "scan.pdf: Error: Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: bad".into(),
        ));
        assert_eq!(message.as_deref(), Some("scan.pdf: Error"));
        assert!(
            traceback
                .unwrap()
                .starts_with("Traceback (most recent call last)")
        );
        let (message, traceback) = split_traceback(Some(
            "Traceback (most recent call last):\n  File \"x.py\"\nValueError: bad".into(),
        ));
        assert_eq!(message.as_deref(), Some("ValueError: bad"));
        assert!(traceback.is_some());
        assert_eq!(
            split_traceback(Some("fine".into())),
            (Some("fine".into()), None)
        );
        assert_eq!(TaskStatus::from_wire("RETRY"), TaskStatus::Retry);
        assert_eq!(TaskStatus::Retry.group(), Some(StatusGroup::InProgress));
    }

    #[test]
    fn related_document_is_a_number_or_a_numeric_string() {
        #[derive(Debug, Deserialize)]
        struct Row {
            #[serde(default, deserialize_with = "lenient_id")]
            related_document: Option<u64>,
        }
        let id = |json: &str| serde_json::from_str::<Row>(json).map(|r| r.related_document);
        assert_eq!(id(r#"{"related_document":42}"#).unwrap(), Some(42));
        assert_eq!(id(r#"{"related_document":" 42 "}"#).unwrap(), Some(42));
        assert_eq!(id(r#"{"related_document":"none"}"#).unwrap(), None);
        assert_eq!(id(r#"{"related_document":null}"#).unwrap(), None);
        assert_eq!(id("{}").unwrap(), None);
        assert!(id(r#"{"related_document":-1}"#).is_err());
        assert!(id(r#"{"related_document":[1]}"#).is_err());
    }
}
