//! InvenTree background tasks: overview, pending, scheduled and failed queues,
//! bulk delete, token, and the API root. Written against the recorded API 198
//! and API 477 servers, which differ in delete replies and error shapes but not
//! in row fields.
//!
//! Every list request sends `limit`: without it InvenTree returns every row as
//! a bare array. This module never sends `?all=true`, which deletes the whole
//! table on API 477 regardless of any search.

use base64::Engine as _;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use crate::call::{Call, decode_json, decode_page};
use crate::error::ApiError;
use crate::http::{BaseUrl, HttpRequest, HttpResponse, Method, Secret};
use crate::query::Query;
use crate::time::{ServerTime, date_opt};
use crate::{Page, Selection};

/// `GET /api/`: works anonymously; identifies the server and its API version.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ApiRoot {
    pub server: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub instance: Option<String>,
    #[serde(rename = "apiVersion")]
    pub api_version: u32,
    #[serde(default)]
    pub worker_running: Option<bool>,
    #[serde(default)]
    pub worker_count: Option<u32>,
    #[serde(default)]
    pub worker_pending_tasks: Option<u64>,
    /// The Django admin's path (`"admin"`), for staff; null or absent
    /// otherwise (and on older servers).
    #[serde(default)]
    pub django_admin: Option<String>,
}

impl ApiRoot {
    /// The Django admin's page of failed tasks, where InvenTree's only
    /// "retry" lives; `None` when the server does not say where its admin is.
    pub fn failed_tasks_admin_url(&self, base: &BaseUrl) -> Option<String> {
        let admin = self.django_admin.as_deref()?.trim_matches('/');
        (!admin.is_empty()).then(|| format!("{base}/{admin}/django_q/failure/"))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct Overview {
    pub is_running: bool,
    pub pending_tasks: u64,
    pub scheduled_tasks: u64,
    pub failed_tasks: u64,
}

/// A queued django-q task. For payloads the server cannot decode (after a
/// SECRET_KEY change) `task_id` is `"*BadSignature"` and the rest is null.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PendingTask {
    pub pk: i64,
    #[serde(default)]
    pub key: Option<String>,
    /// Enqueue time; a future time means claimed by a worker or waiting to retry.
    #[serde(default)]
    pub lock: Option<ServerTime>,
    pub task_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub func: Option<String>,
    /// Python repr, e.g. `(12,)`.
    #[serde(default)]
    pub args: Option<String>,
    #[serde(default)]
    pub kwargs: Option<String>,
}

impl PendingTask {
    pub fn is_undecodable(&self) -> bool {
        self.task_id.starts_with('*')
    }
}

wire_enum! {
    ScheduleType {
        Once = "O", "Once";
        Minutes = "I", "Every few minutes";
        Hourly = "H", "Hourly";
        Daily = "D", "Daily";
        Weekly = "W", "Weekly";
        Biweekly = "BW", "Every two weeks";
        Monthly = "M", "Monthly";
        Bimonthly = "BM", "Every two months";
        Quarterly = "Q", "Quarterly";
        Yearly = "Y", "Yearly";
        Cron = "C", "Cron";
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ScheduledTask {
    pub pk: i64,
    #[serde(default)]
    pub name: Option<String>,
    pub func: String,
    #[serde(default)]
    pub args: Option<String>,
    #[serde(default)]
    pub kwargs: Option<String>,
    pub schedule_type: ScheduleType,
    /// -1 repeats forever; n > 0 runs left.
    pub repeats: i64,
    /// The schema says required; it is null for schedules that never ran.
    #[serde(default)]
    pub last_run: Option<ServerTime>,
    #[serde(default)]
    pub next_run: Option<ServerTime>,
    #[serde(default)]
    pub success: Option<bool>,
    /// Id of the last run's task.
    #[serde(default)]
    pub task: Option<String>,
}

impl ScheduledTask {
    /// "Forever", "Once more", "3 more runs" — `repeats` as words.
    pub fn repeats_label(&self) -> String {
        match self.repeats {
            r if r < 0 => "Forever".into(),
            0 => "No more runs".into(),
            1 => "Once more".into(),
            r => format!("{r} more runs"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct FailedTask {
    /// A 32-hex-digit string (django-q's `Task.id`), not an integer.
    pub pk: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub func: Option<String>,
    /// Usually a base64 pickle; any JSON value (see [`StoredArgument`]).
    /// `None` when the field is absent; a JSON `null` is `Some`: the
    /// Python value `None` was stored.
    #[serde(default, deserialize_with = "stored_argument")]
    pub args: Option<StoredArgument>,
    #[serde(default, deserialize_with = "stored_argument")]
    pub kwargs: Option<StoredArgument>,
    #[serde(default)]
    pub started: Option<ServerTime>,
    #[serde(default)]
    pub stopped: Option<ServerTime>,
    #[serde(default)]
    pub attempt_count: i64,
    /// `"<exception> : <traceback>"`.
    #[serde(default)]
    pub result: Option<String>,
}

/// A failed task's `args` or `kwargs` as the server sent it: a base64
/// pickle as a rule, but InvenTree's serializer passes some stored values
/// through as they are (numbers, `null`, ISO 8601 dates; see
/// [`crate::pickle::read_json`]), so any JSON value is kept, as its JSON
/// text (integers stay exact), and never fails the row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredArgument(pub String);

impl StoredArgument {
    /// A JSON string's content (the base64 text), or the JSON text of
    /// any other value: what to show when it cannot be read.
    pub fn raw(&self) -> String {
        serde_json::from_str::<String>(&self.0).unwrap_or_else(|_| self.0.clone())
    }

    /// The Python value it stands for.
    pub fn read(
        &self,
        shortest: crate::pickle::ShortestFloat,
    ) -> Result<crate::pickle::Reading, crate::pickle::PickleError> {
        crate::pickle::read_json(&self.0, shortest)
    }
}

fn stored_argument<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<StoredArgument>, D::Error> {
    let raw: Box<serde_json::value::RawValue> = Deserialize::deserialize(d)?;
    Ok(Some(StoredArgument(raw.get().to_string())))
}

impl FailedTask {
    /// Stopped minus started. The server sends whole minutes (DRF's
    /// `DATETIME_FORMAT`), so a quick failure reads as zero.
    pub fn duration(&self) -> Option<chrono::Duration> {
        match (self.started, self.stopped) {
            (Some(started), Some(stopped)) if stopped >= started => Some(stopped.0 - started.0),
            _ => None,
        }
    }
}

impl FailedTask {
    /// The exception line before the traceback.
    pub fn error_summary(&self) -> Option<&str> {
        let result = self.result.as_deref()?;
        Some(result.split(" : Traceback").next().unwrap_or(result).trim())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct InvenTreeToken {
    pub token: Secret,
    pub name: Option<String>,
    pub expiry: Option<NaiveDate>,
}

#[derive(Deserialize)]
struct TokenWire {
    token: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "date_opt")]
    expiry: Option<NaiveDate>,
}

/// What a bulk delete reported. API 477 says `Deleted N items` (200); API 198
/// answers 204 with no body, even when no id matched, so `deleted` is `None`
/// and only a fresh list tells what is gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeleteOutcome {
    pub deleted: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortDirection {
    Ascending,
    Descending,
}

/// Sortable fields of the scheduled list (the server ignores others).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScheduledOrder {
    Pk,
    Func,
    LastRun,
    NextRun,
}

/// Sortable fields of the failed list (the server ignores others).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailedOrder {
    Pk,
    Func,
    Started,
    Stopped,
}

pub trait OrderField: Copy {
    fn as_wire(self) -> &'static str;
}

impl OrderField for ScheduledOrder {
    fn as_wire(self) -> &'static str {
        match self {
            ScheduledOrder::Pk => "pk",
            ScheduledOrder::Func => "func",
            ScheduledOrder::LastRun => "last_run",
            ScheduledOrder::NextRun => "next_run",
        }
    }
}

impl OrderField for FailedOrder {
    fn as_wire(self) -> &'static str {
        match self {
            FailedOrder::Pk => "pk",
            FailedOrder::Func => "func",
            FailedOrder::Started => "started",
            FailedOrder::Stopped => "stopped",
        }
    }
}

/// Paging only: the pending endpoint ignores search and ordering.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingQuery {
    pub limit: u32,
    pub offset: u32,
}

impl Default for PendingQuery {
    fn default() -> Self {
        PendingQuery {
            limit: 25,
            offset: 0,
        }
    }
}

/// Paging, ordering and search for the scheduled and failed lists. Search is a
/// case-insensitive substring match over `func` (and `name` for scheduled
/// tasks from API ~470 on); `search_regex` switches to regular expressions.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchQuery<F> {
    pub limit: u32,
    pub offset: u32,
    pub ordering: Option<(F, SortDirection)>,
    pub search: Option<String>,
    pub search_regex: bool,
}

impl<F> Default for SearchQuery<F> {
    fn default() -> Self {
        SearchQuery {
            limit: 25,
            offset: 0,
            ordering: None,
            search: None,
            search_regex: false,
        }
    }
}

impl<F: OrderField> SearchQuery<F> {
    fn to_query(&self) -> Query {
        let mut q = Query::new();
        q.push("limit", self.limit.max(1));
        if self.offset > 0 {
            q.push("offset", self.offset);
        }
        q.push_opt(
            "ordering",
            self.ordering.map(|(field, dir)| match dir {
                SortDirection::Ascending => field.as_wire().to_string(),
                SortDirection::Descending => format!("-{}", field.as_wire()),
            }),
        );
        let search = self
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        q.push_opt("search", search);
        if search.is_some() && self.search_regex {
            q.push("search_regex", "true");
        }
        q
    }
}

pub type ScheduledQuery = SearchQuery<ScheduledOrder>;
pub type FailedQuery = SearchQuery<FailedOrder>;

/// API 477 answers `{"success": "Deleted N items"}`; API 198 answers 204
/// with no body (even when no id matched). Any other answer is not the
/// server's documented reply, so what happened is unknown.
fn decode_delete(req: &HttpRequest, res: &HttpResponse) -> Result<DeleteOutcome, ApiError> {
    #[derive(Deserialize)]
    struct Reply {
        success: String,
    }
    if res.status == 204 && res.body.trim().is_empty() {
        return Ok(DeleteOutcome { deleted: None });
    }
    let reply: Reply = decode_json(req, &res.body)?;
    let deleted = reply
        .success
        .split_whitespace()
        .find_map(|word| word.parse::<u64>().ok())
        .ok_or_else(|| ApiError::Decode {
            endpoint: req.endpoint(),
            field: "success".into(),
            detail: format!("no count in “{}”", reply.success),
        })?;
    Ok(DeleteOutcome {
        deleted: Some(deleted),
    })
}

/// A client for one InvenTree server.
#[derive(Clone, Debug)]
pub struct InvenTreeClient {
    base: BaseUrl,
    token: Option<Secret>,
    /// The saved connection its requests are made for ([`HttpRequest::connection`]).
    connection: Option<String>,
}

impl InvenTreeClient {
    pub fn new(base: BaseUrl, token: Option<Secret>) -> Self {
        InvenTreeClient {
            base,
            token,
            connection: None,
        }
    }

    /// Its requests name this saved connection (the desktop app adds that
    /// connection's token to them, and no other's).
    pub fn for_connection(mut self, id: &str) -> Self {
        self.connection = Some(id.to_string());
        self
    }

    pub fn base(&self) -> &BaseUrl {
        &self.base
    }

    pub(crate) fn request(&self, method: Method, path_and_query: String) -> HttpRequest {
        let req = HttpRequest::new(method, &self.base, path_and_query)
            .for_connection(self.connection.as_deref())
            .header("Accept", "application/json");
        match &self.token {
            Some(token) => req.header("Authorization", format!("Token {}", token.expose())),
            None => req,
        }
    }

    pub fn api_root_call(&self) -> Call<ApiRoot> {
        Call::new(self.request(Method::Get, "/api/".into()), |req, res| {
            decode_json(req, &res.body)
        })
    }

    /// `GET /api/user/token/?name=...` with basic auth, the only place a
    /// password is sent. Asking again with the same name returns the same token.
    pub fn obtain_token_call(
        base: &BaseUrl,
        username: &str,
        password: &Secret,
        token_name: &str,
    ) -> Call<InvenTreeToken> {
        let credentials = base64::engine::general_purpose::STANDARD
            .encode(format!("{username}:{}", password.expose()));
        let mut q = Query::new();
        q.push("name", token_name);
        let request = HttpRequest::new(Method::Get, base, q.apply_to("/api/user/token/"))
            .header("Accept", "application/json")
            .header("Authorization", format!("Basic {credentials}"));
        Call::new(request, |req, res| {
            decode_json::<TokenWire>(req, &res.body).map(|w| InvenTreeToken {
                token: Secret::new(w.token),
                name: w.name,
                expiry: w.expiry,
            })
        })
    }

    pub fn overview_call(&self) -> Call<Overview> {
        Call::new(
            self.request(Method::Get, "/api/background-task/".into()),
            |req, res| decode_json(req, &res.body),
        )
    }

    pub fn pending_call(&self, query: &PendingQuery) -> Call<Page<PendingTask>> {
        let mut q = Query::new();
        q.push("limit", query.limit.max(1));
        if query.offset > 0 {
            q.push("offset", query.offset);
        }
        Call::new(
            self.request(Method::Get, q.apply_to("/api/background-task/pending/")),
            decode_page,
        )
    }

    pub fn scheduled_call(&self, query: &ScheduledQuery) -> Call<Page<ScheduledTask>> {
        Call::new(
            self.request(
                Method::Get,
                query.to_query().apply_to("/api/background-task/scheduled/"),
            ),
            decode_page,
        )
    }

    pub fn failed_call(&self, query: &FailedQuery) -> Call<Page<FailedTask>> {
        Call::new(
            self.request(
                Method::Get,
                query.to_query().apply_to("/api/background-task/failed/"),
            ),
            decode_page,
        )
    }

    /// Deletes exactly these pending tasks (integer pks).
    pub fn delete_pending_call(&self, pks: &Selection<i64>) -> Call<DeleteOutcome> {
        let request = self
            .request(Method::Delete, "/api/background-task/pending/".into())
            .json_body(json!({ "items": pks.ids() }));
        Call::new(request, decode_delete)
    }

    /// Deletes exactly these failed tasks (string pks: integers would match nothing).
    pub fn delete_failed_call(&self, pks: &Selection<String>) -> Call<DeleteOutcome> {
        let request = self
            .request(Method::Delete, "/api/background-task/failed/".into())
            .json_body(json!({ "items": pks.ids() }));
        Call::new(request, decode_delete)
    }
}
