//! A Paperless-ngx tasks API as v3.0.5 answers it (API 10, with the API 9
//! emulation), or as a 2.x server answers it (API 9 only).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::{any, get};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::drf::{self, Credentials, Params};
use crate::seed::PaperlessRow;

pub struct User {
    pub id: u64,
    pub username: &'static str,
    pub password: &'static str,
    pub token: &'static str,
    pub staff: bool,
    pub can_view: bool,
    pub can_change: bool,
}

/// The users of the recorded server, with the same throw-away credentials.
pub const USERS: &[User] = &[
    User {
        id: 2,
        username: "admin",
        password: "admin-password-123",
        token: "f6ba261cbdbf9193851c690b641447f4b6ea12af",
        staff: true,
        can_view: true,
        can_change: true,
    },
    User {
        id: 3,
        username: "noperms",
        password: "noperms-password-123",
        token: "f7986330fd9d23d6b65e2fe3c22f5aac737f3cf0",
        staff: false,
        can_view: false,
        can_change: false,
    },
    User {
        id: 4,
        username: "taskviewer",
        password: "taskviewer-password-123",
        token: "ead84a97473a8a2362a092b32bb23518689af5c9",
        staff: false,
        can_view: true,
        can_change: false,
    },
    User {
        id: 5,
        username: "taskadmin",
        password: "taskadmin-password-123",
        token: "a8ffdb20dfc235586ef4e146faa8d93b48897cb8",
        staff: false,
        can_view: true,
        can_change: true,
    },
];

pub const ADMIN_TOKEN: &str = "f6ba261cbdbf9193851c690b641447f4b6ea12af";

const STATUSES: &[&str] = &["pending", "started", "success", "failure", "revoked"];
const TASK_TYPES: &[(&str, &str)] = &[
    ("consume_file", "Consume File"),
    ("train_classifier", "Train Classifier"),
    ("sanity_check", "Sanity Check"),
    ("index_optimize", "Index Optimize"),
    ("mail_fetch", "Mail Fetch"),
    ("llm_index", "LLM Index"),
    ("empty_trash", "Empty Trash"),
    ("check_workflows", "Check Workflows"),
    ("bulk_update", "Bulk Update"),
    ("reprocess_document", "Reprocess Document"),
    ("build_share_link", "Build Share Link"),
    ("bulk_delete", "Bulk Delete"),
];
const TRIGGERS: &[(&str, &str)] = &[
    ("scheduled", "Scheduled"),
    ("web_ui", "Web UI"),
    ("api_upload", "API Upload"),
    ("folder_consume", "Folder Consume"),
    ("email_consume", "Email Consume"),
    ("system", "System"),
    ("manual", "Manual"),
];

fn label(table: &[(&str, &'static str)], value: &str) -> &'static str {
    table
        .iter()
        .find(|(k, _)| *k == value)
        .map(|(_, l)| *l)
        .unwrap_or("Unknown")
}

fn capitalised(status: &str) -> String {
    let mut c = status.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// Django's JSON datetime: `Z`, microseconds only when non-zero.
pub fn django_time(t: &DateTime<Utc>) -> String {
    if t.timestamp_subsec_micros() == 0 {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }
}

fn seconds_between(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<f64> {
    let ms = (b? - a?).num_milliseconds();
    Some((ms as f64 / 1000.0 * 1000.0).round() / 1000.0)
}

pub struct PaperlessState {
    pub tasks: Vec<PaperlessRow>,
    pub documents: HashMap<u64, String>,
    /// 10 for a 3.x server, 9 for a 2.x server.
    pub max_api: u32,
    pub version: &'static str,
    pub token_rate_per_minute: usize,
    token_attempts: VecDeque<Instant>,
}

impl PaperlessState {
    pub fn new(tasks: Vec<PaperlessRow>, documents: Vec<(u64, String)>, max_api: u32) -> Self {
        PaperlessState {
            tasks,
            documents: documents.into_iter().collect(),
            max_api,
            version: if max_api >= 10 { "3.0.5" } else { "2.20.15" },
            token_rate_per_minute: 5,
            token_attempts: VecDeque::new(),
        }
    }
}

pub type Shared = Arc<Mutex<PaperlessState>>;

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/api/tasks/", any(list))
        .route("/api/tasks/status_counts/", any(status_counts))
        .route("/api/tasks/acknowledge/", any(acknowledge))
        .route("/api/tasks/{id}/", any(retrieve))
        .route("/api/token/", any(token))
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
fn guard<'a>(headers: &HeaderMap, state: &PaperlessState) -> Result<(&'a User, u32), Response> {
    let user = authenticate(headers)?;
    let version = api_version(headers, state.max_api)?;
    if !user.can_view {
        return Err(drf::forbidden());
    }
    Ok((user, version))
}

fn visible(user: &User, row: &PaperlessRow) -> bool {
    user.staff || row.owner.is_none() || row.owner == Some(user.id)
}

fn v9_to_v10_type(name: &str) -> &str {
    match name {
        "check_sanity" => "sanity_check",
        "llmindex_update" => "llm_index",
        other => other,
    }
}

fn v9_type(trigger: &str) -> &'static str {
    match trigger {
        "scheduled" => "scheduled_task",
        "system" | "email_consume" | "folder_consume" => "auto_task",
        _ => "manual_task",
    }
}

struct Filter {
    statuses: Vec<String>,
    types: Vec<String>,
    triggers: Vec<String>,
    acknowledged: Option<bool>,
    is_complete: Option<bool>,
    name: Option<String>,
    result: Option<String>,
    task_id: Option<String>,
    owner: Option<u64>,
    after: Option<DateTime<Utc>>,
    before: Option<DateTime<Utc>>,
}

fn choice_error(field: &str, value: &str) -> Response {
    drf::field_error(
        field,
        &format!("Select a valid choice. {value} is not one of the available choices."),
    )
}

fn parse_datetime(field: &str, value: &str) -> Result<DateTime<Utc>, Response> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
        })
        .map_err(|_| drf::field_error(field, "Enter a valid date/time."))
}

impl Filter {
    fn parse(params: &Params, version: u32, with_status: bool) -> Result<Filter, Response> {
        let mut types: Vec<String> = params
            .all("task_type")
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut triggers: Vec<String> = params
            .all("trigger_source")
            .iter()
            .map(|s| s.to_string())
            .collect();
        if version <= 9 {
            types.extend(
                params
                    .all("task_name")
                    .iter()
                    .map(|s| v9_to_v10_type(s).to_string()),
            );
            for kind in params.all("type") {
                triggers.extend(
                    TRIGGERS
                        .iter()
                        .map(|(t, _)| *t)
                        .filter(|t| v9_type(t) == kind)
                        .map(str::to_string),
                );
            }
        }
        for value in &types {
            if !TASK_TYPES.iter().any(|(t, _)| t == value) {
                return Err(choice_error("task_type", value));
            }
        }
        for value in &triggers {
            if !TRIGGERS.iter().any(|(t, _)| t == value) {
                return Err(choice_error("trigger_source", value));
            }
        }
        let statuses: Vec<String> = if with_status {
            params.all("status").iter().map(|s| s.to_string()).collect()
        } else {
            Vec::new()
        };
        for value in &statuses {
            if !STATUSES.contains(&value.as_str()) {
                return Err(choice_error("status", value));
            }
        }
        let owner = match params.get("owner").filter(|v| !v.is_empty()) {
            None => None,
            Some(v) => match v.parse::<u64>() {
                Ok(id) if id == 1 || USERS.iter().any(|u| u.id == id) => Some(id),
                _ => {
                    return Err(drf::field_error(
                        "owner",
                        "Select a valid choice. That choice is not one of the available choices.",
                    ));
                }
            },
        };
        let date = |field: &str| -> Result<Option<DateTime<Utc>>, Response> {
            params
                .get(field)
                .filter(|v| !v.is_empty())
                .map(|v| parse_datetime(field, v))
                .transpose()
        };
        Ok(Filter {
            statuses,
            types,
            triggers,
            acknowledged: params.boolean("acknowledged"),
            is_complete: if with_status {
                params.boolean("is_complete")
            } else {
                None
            },
            name: params
                .get("name")
                .filter(|v| !v.is_empty())
                .map(str::to_lowercase),
            result: params
                .get("result")
                .filter(|v| !v.is_empty())
                .map(str::to_lowercase),
            task_id: params
                .get("task_id")
                .filter(|v| !v.is_empty())
                .map(str::to_string),
            owner,
            after: date("date_created_after")?,
            before: date("date_created_before")?,
        })
    }

    fn matches(&self, row: &PaperlessRow) -> bool {
        let any_of = |set: &[String], value: &str| set.is_empty() || set.iter().any(|s| s == value);
        if !any_of(&self.statuses, row.status)
            || !any_of(&self.types, row.task_type)
            || !any_of(&self.triggers, row.trigger_source)
        {
            return false;
        }
        if self.acknowledged.is_some_and(|a| a != row.acknowledged) {
            return false;
        }
        let complete = matches!(row.status, "success" | "failure" | "revoked");
        if self.is_complete.is_some_and(|c| c != complete) {
            return false;
        }
        if self.task_id.as_ref().is_some_and(|id| *id != row.task_id) {
            return false;
        }
        if self.owner.is_some() && self.owner != row.owner {
            return false;
        }
        if self.after.is_some_and(|t| row.date_created < t)
            || self.before.is_some_and(|t| row.date_created > t)
        {
            return false;
        }
        if let Some(name) = &self.name {
            let file = row
                .input_data
                .get("filename")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_lowercase();
            let type_label = label(TASK_TYPES, row.task_type).to_lowercase();
            let trigger_label = label(TRIGGERS, row.trigger_source).to_lowercase();
            if !file.contains(name.as_str())
                && !type_label.contains(name.as_str())
                && !trigger_label.contains(name.as_str())
            {
                return false;
            }
        }
        if let Some(text) = &self.result {
            let data = row.result_data.as_ref();
            let field = |k: &str| data.and_then(|d| d.get(k));
            let contains = |k: &str| {
                field(k)
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.to_lowercase().contains(text.as_str()))
            };
            let number = text.parse::<u64>().ok();
            let numeric = number.is_some_and(|n| {
                field("document_id").and_then(Value::as_u64) == Some(n)
                    || field("duplicate_of").and_then(Value::as_u64) == Some(n)
            });
            let duplicate =
                text.contains("duplicate") && field("duplicate_of").is_some_and(|v| !v.is_null());
            if !(contains("reason") || contains("error_message") || numeric || duplicate) {
                return false;
            }
        }
        true
    }
}

fn ordering(params: &Params) -> (String, bool) {
    const FIELDS: &[&str] = &[
        "date_created",
        "date_done",
        "status",
        "task_type",
        "duration_seconds",
        "wait_time_seconds",
    ];
    params
        .get("ordering")
        .and_then(|o| {
            let (desc, field) = o.strip_prefix('-').map_or((false, o), |f| (true, f));
            FIELDS.contains(&field).then(|| (field.to_string(), desc))
        })
        .unwrap_or_else(|| ("date_created".into(), true))
}

/// SQLite order: NULLs first ascending, last descending; ties by id.
fn sort(rows: &mut [&PaperlessRow], field: &str, descending: bool) {
    rows.sort_by(|a, b| {
        let ord = match field {
            "date_done" => a.date_done.cmp(&b.date_done),
            "status" => a.status.cmp(b.status),
            "task_type" => a.task_type.cmp(b.task_type),
            "duration_seconds" => seconds_between(a.date_started, a.date_done)
                .partial_cmp(&seconds_between(b.date_started, b.date_done))
                .unwrap_or(std::cmp::Ordering::Equal),
            "wait_time_seconds" => seconds_between(Some(a.date_created), a.date_started)
                .partial_cmp(&seconds_between(Some(b.date_created), b.date_started))
                .unwrap_or(std::cmp::Ordering::Equal),
            _ => a.date_created.cmp(&b.date_created),
        }
        .then(a.id.cmp(&b.id));
        if descending { ord.reverse() } else { ord }
    });
}

#[derive(Serialize)]
struct TaskV10<'a> {
    id: u64,
    task_id: &'a str,
    task_type: &'a str,
    task_type_display: &'a str,
    trigger_source: &'a str,
    trigger_source_display: &'a str,
    status: &'a str,
    status_display: String,
    date_created: String,
    date_started: Option<String>,
    date_done: Option<String>,
    duration_seconds: Option<f64>,
    wait_time_seconds: Option<f64>,
    input_data: &'a Value,
    result_data: &'a Option<Value>,
    related_document_ids: Vec<u64>,
    acknowledged: bool,
    owner: Option<u64>,
}

fn related_document(row: &PaperlessRow) -> Option<u64> {
    let data = row.result_data.as_ref()?;
    data.get("document_id")
        .or_else(|| data.get("duplicate_of"))
        .and_then(Value::as_u64)
}

fn v10(row: &PaperlessRow) -> TaskV10<'_> {
    TaskV10 {
        id: row.id,
        task_id: &row.task_id,
        task_type: row.task_type,
        task_type_display: label(TASK_TYPES, row.task_type),
        trigger_source: row.trigger_source,
        trigger_source_display: label(TRIGGERS, row.trigger_source),
        status: row.status,
        status_display: capitalised(row.status),
        date_created: django_time(&row.date_created),
        date_started: row.date_started.as_ref().map(django_time),
        date_done: row.date_done.as_ref().map(django_time),
        duration_seconds: seconds_between(row.date_started, row.date_done),
        wait_time_seconds: seconds_between(Some(row.date_created), row.date_started),
        input_data: &row.input_data,
        result_data: &row.result_data,
        related_document_ids: related_document(row).into_iter().collect(),
        acknowledged: row.acknowledged,
        owner: row.owner,
    }
}

#[derive(Serialize)]
struct DuplicateDocument {
    id: u64,
    title: String,
    deleted_at: Option<String>,
}

#[derive(Serialize)]
struct TaskV9<'a> {
    id: u64,
    task_id: &'a str,
    task_name: &'a str,
    task_file_name: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'a str,
    status: String,
    date_created: String,
    date_done: Option<String>,
    result: Option<String>,
    acknowledged: bool,
    related_document: Option<u64>,
    duplicate_documents: Vec<DuplicateDocument>,
    owner: Option<u64>,
}

fn v9<'a>(row: &'a PaperlessRow, documents: &HashMap<u64, String>) -> TaskV9<'a> {
    let data = row.result_data.as_ref();
    let field = |k: &str| data.and_then(|d| d.get(k));
    let result = if let Some(doc) = field("document_id").and_then(Value::as_u64) {
        Some(format!("Success. New document id {doc} created"))
    } else if let Some(reason) = field("reason").and_then(Value::as_str) {
        Some(reason.to_string())
    } else if let Some(doc) = field("duplicate_of").and_then(Value::as_u64) {
        Some(format!(
            "Not consuming: It is a duplicate of document #{doc}"
        ))
    } else {
        field("error_message")
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let duplicate = field("duplicate_of").and_then(Value::as_u64);
    TaskV9 {
        id: row.id,
        task_id: &row.task_id,
        task_name: match row.task_type {
            "sanity_check" => "check_sanity",
            "llm_index" => "llmindex_update",
            other => other,
        },
        task_file_name: row.input_data.get("filename").and_then(Value::as_str),
        kind: v9_type(row.trigger_source),
        status: row.status.to_uppercase(),
        date_created: django_time(&row.date_created),
        date_done: row.date_done.as_ref().map(django_time),
        result,
        acknowledged: row.acknowledged,
        related_document: related_document(row),
        duplicate_documents: duplicate
            .map(|id| DuplicateDocument {
                id,
                title: documents
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| format!("Document {id}")),
                deleted_at: None,
            })
            .into_iter()
            .collect(),
        owner: row.owner,
    }
}

fn only_get(method: &Method) -> Result<(), Response> {
    if method == Method::GET || method == Method::HEAD {
        Ok(())
    } else {
        Err(drf::method_not_allowed(method.as_str()))
    }
}

async fn list(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let state = state.lock().unwrap();
    let result = (|| {
        let (user, version) = guard(&headers, &state)?;
        only_get(&method)?;
        let params = Params::parse(query.as_deref());
        let filter = Filter::parse(&params, version, true)?;
        let mut rows: Vec<&PaperlessRow> = state
            .tasks
            .iter()
            .filter(|r| visible(user, r) && filter.matches(r))
            .collect();
        let (field, descending) = ordering(&params);
        sort(&mut rows, &field, descending);
        if version <= 9 {
            let body: Vec<TaskV9> = rows.iter().map(|r| v9(r, &state.documents)).collect();
            return Ok(drf::json_response(StatusCode::OK, &body));
        }
        let page_size = params
            .get("page_size")
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n > 0)
            .map_or(25, |n| n.min(100_000));
        let page = match params.get("page") {
            None => 1,
            Some(p) => p
                .parse::<usize>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| drf::detail(StatusCode::NOT_FOUND, "Invalid page."))?,
        };
        let pages = rows.len().div_ceil(page_size).max(1);
        if page > pages {
            return Err(drf::detail(StatusCode::NOT_FOUND, "Invalid page."));
        }
        let link = |p: usize| {
            let value = (p > 1).then(|| p.to_string());
            drf::absolute_url(&headers, "/api/tasks/", &params.with("page", value))
        };
        let results: Vec<TaskV10> = rows
            .iter()
            .skip((page - 1) * page_size)
            .take(page_size)
            .map(|r| v10(r))
            .collect();
        Ok(drf::json_response(
            StatusCode::OK,
            &json!({
                "count": rows.len(),
                "next": (page < pages).then(|| link(page + 1)),
                "previous": (page > 1).then(|| link(page - 1)),
                "results": results,
            }),
        ))
    })();
    with_version_headers(result.unwrap_or_else(|e| e), &state)
}

async fn retrieve(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let state = state.lock().unwrap();
    let result = (|| {
        let (user, version) = guard(&headers, &state)?;
        only_get(&method)?;
        let id: u64 = id
            .parse()
            .map_err(|_| drf::detail(StatusCode::NOT_FOUND, "Not found."))?;
        let row = state
            .tasks
            .iter()
            .find(|r| r.id == id && visible(user, r))
            .ok_or_else(|| {
                drf::detail(
                    StatusCode::NOT_FOUND,
                    "No PaperlessTask matches the given query.",
                )
            })?;
        Ok(if version <= 9 {
            drf::json_response(StatusCode::OK, &v9(row, &state.documents))
        } else {
            drf::json_response(StatusCode::OK, &v10(row))
        })
    })();
    with_version_headers(result.unwrap_or_else(|e| e), &state)
}

async fn status_counts(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let state = state.lock().unwrap();
    let result = (|| {
        let (user, version) = guard(&headers, &state)?;
        only_get(&method)?;
        if state.max_api < 10 {
            return Err(drf::detail(StatusCode::NOT_FOUND, "Not found."));
        }
        let filter = Filter::parse(&Params::parse(query.as_deref()), version, false)?;
        let rows = state
            .tasks
            .iter()
            .filter(|r| visible(user, r) && filter.matches(r));
        let (mut all, mut attention, mut progress, mut completed) = (0, 0, 0, 0);
        for row in rows {
            all += 1;
            match row.status {
                "failure" | "revoked" => attention += 1,
                "pending" | "started" => progress += 1,
                _ => completed += 1,
            }
        }
        Ok(drf::json_response(
            StatusCode::OK,
            &json!({ "all": all, "needs_attention": attention, "in_progress": progress, "completed": completed }),
        ))
    })();
    with_version_headers(result.unwrap_or_else(|e| e), &state)
}

/// The request body as a JSON object, from JSON or a form, as DRF's parsers see it.
fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, Response> {
    let types: Vec<&str> = headers
        .get_all(header::CONTENT_TYPE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if types.len() > 1 {
        return Err(drf::detail(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!("Unsupported media type \"{}\" in request.", types.join(",")),
        ));
    }
    if types
        .first()
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
    {
        let mut object = serde_json::Map::new();
        for (k, v) in form_urlencoded::parse(body) {
            let entry = object
                .entry(k.into_owned())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items) = entry {
                items.push(Value::String(v.into_owned()));
            }
        }
        // A single form value is a scalar, except for list fields.
        if let Some(Value::Array(all)) = object.get("all").cloned() {
            object.insert("all".into(), all.into_iter().next().unwrap_or(Value::Null));
        }
        return Ok(Value::Object(object));
    }
    Ok(drf::parse_json_body(body)?.unwrap_or_else(|| json!({})))
}

async fn acknowledge(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = state.lock().unwrap();
    let result = (|| {
        let (user, _) = guard(&headers, &state)?;
        if method != Method::POST {
            return Err(drf::method_not_allowed(method.as_str()));
        }
        if !user.can_change {
            return Err(drf::forbidden());
        }
        let body = parse_body(&headers, &body)?;
        let all = match body.get("all") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => matches!(s.to_ascii_lowercase().as_str(), "true" | "1"),
            _ => false,
        };
        let tasks = body.get("tasks");
        let non_field = |m: &str| {
            drf::json_response(StatusCode::BAD_REQUEST, &json!({ "non_field_errors": [m] }))
        };
        if all && tasks.is_some() {
            return Err(non_field("Set either all or tasks, not both."));
        }
        if all {
            let mut count = 0;
            for row in state
                .tasks
                .iter_mut()
                .filter(|r| visible(user, r) && !r.acknowledged)
            {
                row.acknowledged = true;
                count += 1;
            }
            return Ok(drf::json_response(
                StatusCode::OK,
                &json!({ "result": count }),
            ));
        }
        let Some(tasks) = tasks else {
            return Err(non_field(
                "Either all must be true or tasks must be provided.",
            ));
        };
        let items = match tasks {
            Value::Array(items) => items,
            other => {
                let kind = match other {
                    Value::Number(n) if n.is_i64() || n.is_u64() => "int",
                    Value::Number(_) => "float",
                    Value::String(_) => "str",
                    Value::Bool(_) => "bool",
                    Value::Object(_) => "dict",
                    _ => "NoneType",
                };
                return Err(drf::field_error(
                    "tasks",
                    &format!("Expected a list of items but got type \"{kind}\"."),
                ));
            }
        };
        let mut ids = Vec::new();
        let mut errors = serde_json::Map::new();
        for (i, item) in items.iter().enumerate() {
            let id = match item {
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.trim().parse::<u64>().ok(),
                _ => None,
            };
            match (item, id) {
                (_, Some(id)) => ids.push(id),
                (Value::Null, _) => {
                    errors.insert(i.to_string(), json!(["This field may not be null."]));
                }
                _ => {
                    errors.insert(i.to_string(), json!(["A valid integer is required."]));
                }
            }
        }
        if !errors.is_empty() {
            return Err(drf::json_response(
                StatusCode::BAD_REQUEST,
                &json!({ "tasks": errors }),
            ));
        }
        let unique: HashSet<u64> = ids.iter().copied().collect();
        let known = state
            .tasks
            .iter()
            .filter(|r| unique.contains(&r.id) && visible(user, r))
            .count();
        if unique.len() != ids.len() || known != ids.len() {
            return Err(drf::field_error(
                "tasks",
                "Some tasks in tasks don't exist or were specified twice.",
            ));
        }
        for row in state.tasks.iter_mut().filter(|r| unique.contains(&r.id)) {
            row.acknowledged = true;
        }
        Ok(drf::json_response(
            StatusCode::OK,
            &json!({ "result": ids.len() }),
        ))
    })();
    with_version_headers(result.unwrap_or_else(|e| e), &state)
}

async fn token(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = state.lock().unwrap();
    if method != Method::POST {
        return drf::method_not_allowed(method.as_str());
    }
    let now = Instant::now();
    while state
        .token_attempts
        .front()
        .is_some_and(|t| now.duration_since(*t).as_secs() >= 60)
    {
        state.token_attempts.pop_front();
    }
    if state.token_attempts.len() >= state.token_rate_per_minute {
        let wait = 60
            - state
                .token_attempts
                .front()
                .map_or(0, |t| now.duration_since(*t).as_secs());
        let mut r = drf::detail(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("Request was throttled. Expected available in {wait} seconds."),
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return r;
    }
    state.token_attempts.push_back(now);
    let body = match parse_body(&headers, &body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let text = |k: &str| match body.get(k) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(a)) => a.first().and_then(Value::as_str).map(str::to_string),
        _ => None,
    };
    match (text("username"), text("password")) {
        (Some(u), Some(p)) => match USERS
            .iter()
            .find(|user| user.username == u && user.password == p)
        {
            Some(user) => drf::json_response(StatusCode::OK, &json!({ "token": user.token })),
            None => drf::json_response(
                StatusCode::BAD_REQUEST,
                &json!({ "non_field_errors": ["Unable to log in with provided credentials."] }),
            ),
        },
        (u, p) => {
            let mut errors = serde_json::Map::new();
            for (field, value) in [("username", u), ("password", p)] {
                if value.is_none() {
                    errors.insert(field.into(), json!(["This field is required."]));
                }
            }
            drf::json_response(StatusCode::BAD_REQUEST, &Value::Object(errors))
        }
    }
}
