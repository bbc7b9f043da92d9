//! InvenTree's error log and global settings, as 1.3.0 answers them
//! (`error_report_*`, `settings_global_*`): the error log is staff only
//! (`IsAdminUser`), a setting is read by any user and changed by staff.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use chrono::NaiveDateTime;
use serde_json::{Value, json};

use super::{Shared, authenticate, lock, paginate, staff, time};
use crate::drf::{self, Params};
use crate::seed::FailedRow;

#[derive(Clone, Debug)]
pub struct ErrorRow {
    pub pk: u64,
    pub when: NaiveDateTime,
    pub info: String,
    pub data: String,
    pub path: String,
}

impl ErrorRow {
    fn to_json(&self) -> Value {
        json!({
            "when": time(&self.when),
            "info": self.info,
            "data": self.data,
            "path": self.path,
            "pk": self.pk,
        })
    }
}

/// What the worker logged for each failed task, plus one request error,
/// as on the recorded server.
pub fn errors_of(failed: &[FailedRow]) -> Vec<ErrorRow> {
    let mut rows: Vec<ErrorRow> = failed
        .iter()
        .map(|f| ErrorRow {
            pk: 0,
            when: f.stopped,
            info: format!("Task '{}' failed after {} attempts", f.pk, f.attempt_count),
            data: f.result.clone(),
            path: "worker:task_failure".into(),
        })
        .collect();
    if let Some(first) = failed.iter().map(|f| f.started).min() {
        rows.push(ErrorRow {
            pk: 0,
            when: first,
            info: "RelatedObjectDoesNotExist: User has no profile.".into(),
            data: "Traceback (most recent call last):\n  File \"/opt/inventree/src/backend/InvenTree/users/api.py\", line 212, in get\nusers.models.User.profile.RelatedObjectDoesNotExist: User has no profile.\n".into(),
            path: "/api/user/token/".into(),
        });
    }
    rows.sort_by_key(|r| r.when);
    for (i, row) in rows.iter_mut().enumerate() {
        row.pk = i as u64 + 1;
    }
    rows
}

pub fn default_settings() -> BTreeMap<&'static str, i64> {
    BTreeMap::from([
        ("INVENTREE_DELETE_TASKS_DAYS", 30),
        ("INVENTREE_DELETE_ERRORS_DAYS", 30),
    ])
}

pub async fn error_reports(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(refused) = staff(&headers) {
        return refused;
    }
    if method != Method::GET {
        return drf::method_not_allowed(method.as_str());
    }
    let rows: Vec<Value> = lock(&state)
        .errors
        .iter()
        .rev()
        .map(ErrorRow::to_json)
        .collect();
    paginate(
        rows,
        &Params::parse(query.as_deref()),
        &headers,
        "/api/error-report/",
    )
}

pub async fn error_report(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    Path(pk): Path<String>,
) -> Response {
    if let Err(refused) = staff(&headers) {
        return refused;
    }
    if method != Method::GET {
        return drf::method_not_allowed(method.as_str());
    }
    let state = lock(&state);
    match pk
        .parse::<u64>()
        .ok()
        .and_then(|pk| state.errors.iter().find(|e| e.pk == pk))
    {
        Some(row) => drf::json_response(StatusCode::OK, &row.to_json()),
        None => drf::detail(StatusCode::NOT_FOUND, "No Error matches the given query."),
    }
}

fn setting_json(key: &str, value: i64, pk: usize) -> Value {
    let (name, description) = match key {
        "INVENTREE_DELETE_TASKS_DAYS" => (
            "Task Deletion Interval",
            "Background task results will be deleted after specified number of days",
        ),
        _ => (
            "Error Log Deletion Interval",
            "Error logs will be deleted after specified number of days",
        ),
    };
    json!({
        "pk": pk, "key": key, "value": value, "name": name, "description": description,
        "type": "integer", "units": "days", "choices": [], "model_name": null, "api_url": null,
        "typ": "inventree", "read_only": false, "confirm": false, "confirm_text": "",
    })
}

pub async fn setting(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    let user = match authenticate(&headers) {
        Ok(Some(user)) => user,
        Ok(None) => return drf::not_authenticated(),
        Err(refused) => return refused,
    };
    let mut state = lock(&state);
    let Some(index) = state.settings.keys().position(|k| *k == key) else {
        return drf::detail(
            StatusCode::NOT_FOUND,
            "No InvenTreeSetting matches the given query.",
        );
    };
    let pk = 18 + index;
    let key: &'static str = state
        .settings
        .keys()
        .nth(index)
        .copied()
        .unwrap_or_default();
    if method == Method::PATCH || method == Method::PUT {
        if !user.staff {
            return drf::forbidden();
        }
        let body = match drf::parse_json_body(&body) {
            Ok(b) => b.unwrap_or_else(|| json!({})),
            Err(r) => return r,
        };
        let value = match body.get("value") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        match value {
            Some(v) if v >= 7 => {
                state.settings.insert(key, v);
            }
            Some(_) => {
                return drf::json_response(
                    StatusCode::BAD_REQUEST,
                    &json!({ "non_field_errors": ["Ensure this value is greater than or equal to 7."] }),
                );
            }
            None => return drf::field_error("value", "A valid integer is required."),
        }
    } else if method != Method::GET {
        return drf::method_not_allowed(method.as_str());
    }
    drf::json_response(StatusCode::OK, &setting_json(key, state.settings[key], pk))
}
