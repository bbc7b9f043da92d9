//! The task endpoints and the token endpoint.

use std::collections::HashSet;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::filter::{Filter, ordering, sort, visible};
use super::wire::{TaskV9, v9, v10};
use super::{Caller, Shared, USERS, lock, respond};
use crate::drf::{self, Params};
use crate::seed::PaperlessRow;

pub(super) async fn list(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    respond(
        &state,
        &headers,
        &method,
        &[Method::GET],
        |state, Caller { user, version }| {
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
            drf::page_numbers(&rows, |r| v10(r), &params, &headers, "/api/tasks/")
        },
    )
}

pub(super) async fn retrieve(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond(
        &state,
        &headers,
        &method,
        &[Method::GET],
        |state, Caller { user, version }| {
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
        },
    )
}

pub(super) async fn status_counts(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    respond(
        &state,
        &headers,
        &method,
        &[Method::GET],
        |state, Caller { user, version }| {
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
                    "pending" | "started" | "retry" => progress += 1,
                    _ => completed += 1,
                }
            }
            Ok(drf::json_response(
                StatusCode::OK,
                &json!({ "all": all, "needs_attention": attention, "in_progress": progress, "completed": completed }),
            ))
        },
    )
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

pub(super) async fn acknowledge(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(
        &state,
        &headers,
        &method,
        &[Method::POST],
        |state, Caller { user, .. }| {
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
        },
    )
}

pub(super) async fn token(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = lock(&state);
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
