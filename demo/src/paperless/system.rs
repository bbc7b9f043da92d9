//! The system side, as 3.0.5 answers it (and a 2.x server, which runs a
//! task before it answers): `/api/status/`, `/api/tasks/run/`,
//! `/api/tasks/summary/`, `/api/tasks/active/`. Shapes as recorded in
//! `api_status`, `run_*`, `v9_run_*`, `tasks_summary*`, `tasks_active*`.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use super::filter::visible;
use super::wire::{seconds_between, v10};
use super::{Caller, PaperlessState, Shared, respond};
use crate::drf::{self, Params};
use crate::seed::PaperlessRow;

/// Django's own 403 page for superuser-only views (`status_alice_403`).
pub(super) fn insufficient_permissions() -> Response {
    drf::html(StatusCode::FORBIDDEN, "Insufficient permissions")
}

/// The newest task of a type, for "last run" figures.
fn newest<'a>(state: &'a PaperlessState, task_type: &str) -> Option<&'a PaperlessRow> {
    state
        .tasks
        .iter()
        .filter(|t| t.task_type == task_type && t.date_done.is_some())
        .max_by_key(|t| t.date_done)
}

fn status_of(row: Option<&PaperlessRow>) -> (&'static str, Value, Value) {
    match row {
        Some(r) if r.status == "failure" => (
            "ERROR",
            json!(r.date_done.map(|t| super::django_time(&t))),
            json!(
                r.result_data
                    .as_ref()
                    .and_then(|d| d.get("error_message"))
                    .cloned()
                    .unwrap_or(json!("The last run failed."))
            ),
        ),
        Some(r) => (
            "OK",
            json!(r.date_done.map(|t| super::django_time(&t))),
            Value::Null,
        ),
        None => ("WARNING", Value::Null, json!("It has never run.")),
    }
}

pub(super) async fn status(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    respond(
        &state,
        &headers,
        &method,
        &[Method::GET],
        |state, Caller { user, .. }| {
            if !user.superuser && !user.staff {
                return Err(insufficient_permissions());
            }
            // A worker that does not answer the ping: 3.0.5 calls it a
            // warning; 2.20.15 fails on the empty answer, calls it an error
            // and writes the traceback to its log on every call (their
            // `SystemStatusView`).
            let (celery, celery_error) = if state.worker.reported_running {
                ("OK", Value::Null)
            } else if state.max_api >= 10 {
                (
                    "WARNING",
                    json!("No celery workers responded to ping. This may be temporary."),
                )
            } else {
                let now = Utc::now();
                let trace = "'NoneType' object has no attribute 'keys'";
                state.log(
                    now,
                    "ERROR",
                    "paperless.api",
                    &format!("System status detected a possible problem while connecting to celery: {trace}"),
                );
                state.server_log.extend([
                    "Traceback (most recent call last):".to_string(),
                    "  File \"/usr/src/paperless/src/documents/views.py\", line 3091, in get"
                        .into(),
                    "    celery_url = next(iter(celery_ping.keys()))".into(),
                    "                           ^^^^^^^^^^^^^^^^".into(),
                    format!("AttributeError: {trace}"),
                ]);
                (
                    "ERROR",
                    json!("Error connecting to celery, check logs for more detail."),
                )
            };
            let (classifier, classifier_at, classifier_error) =
                status_of(newest(state, "train_classifier"));
            let (sanity, sanity_at, sanity_error) = status_of(newest(state, "sanity_check"));
            let pending = state.tasks.iter().filter(|t| t.status == "pending").count();
            let since = Utc::now() - Duration::days(30);
            let recent: Vec<&PaperlessRow> = state
                .tasks
                .iter()
                .filter(|t| t.date_created >= since)
                .collect();
            let mut body = json!({
                "pngx_version": state.version,
                "server_os": "Linux-demo",
                "install_type": "bare-metal",
                "storage": {"total": 270_553_174_016u64, "available": 76_514_549_760u64},
                "database": {
                    "type": "sqlite", "url": "/demo/db.sqlite3", "status": "OK", "error": null,
                    "migration_status": {"latest_migration": "paperless_mail.0001_squashed", "unapplied_migrations": []}
                },
                "tasks": {
                    "redis_url": "redis://127.0.0.1:6379", "redis_status": "OK", "redis_error": null,
                    "celery_status": celery, "celery_url": null, "celery_error": celery_error,
                    "index_status": "OK", "index_last_modified": super::django_time(&Utc::now()), "index_error": null,
                    "classifier_status": classifier, "classifier_last_trained": classifier_at, "classifier_error": classifier_error,
                    "sanity_check_status": sanity, "sanity_check_last_run": sanity_at, "sanity_check_error": sanity_error,
                    "llmindex_status": "DISABLED", "llmindex_last_modified": null, "llmindex_error": null,
                    "summary": {
                        "days": 30,
                        "total_count": recent.len(),
                        "pending_count": pending,
                        "success_count": recent.iter().filter(|t| t.status == "success").count(),
                        "failure_count": recent.iter().filter(|t| t.status == "failure").count(),
                    }
                }
            });
            // 2.20.15 reports neither an LLM index nor a summary.
            if state.max_api < 10
                && let Some(tasks) = body.get_mut("tasks").and_then(Value::as_object_mut)
            {
                tasks.retain(|k, _| !k.starts_with("llmindex") && k != "summary");
            }
            Ok(drf::json_response(StatusCode::OK, &body))
        },
    )
}

/// 3.x: queues the task (the demo's worker finishes it a few seconds
/// later) and names it. 2.x: runs it at once and answers with its result.
pub(super) async fn run(
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
            if !user.superuser {
                return Err(insufficient_permissions());
            }
            let body: Value = drf::parse_json_body(&body)?.unwrap_or_else(|| json!({}));
            let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
            let (task_type, synchronous) = if state.max_api >= 10 {
                let Some(kind) = text("task_type") else {
                    return Err(drf::field_error("task_type", "This field is required."));
                };
                let known = [
                    "train_classifier",
                    "sanity_check",
                    "llm_index",
                    "consume_file",
                    "mail_fetch",
                    "index_optimize",
                    "empty_trash",
                    "check_workflows",
                ];
                if !known.contains(&kind.as_str()) {
                    return Err(drf::field_error(
                        "task_type",
                        &format!("\"{kind}\" is not a valid choice."),
                    ));
                }
                if !["train_classifier", "sanity_check", "llm_index"].contains(&kind.as_str()) {
                    return Err(drf::json_response(
                        StatusCode::BAD_REQUEST,
                        &json!({ "error": format!("Task type '{kind}' cannot be manually triggered") }),
                    ));
                }
                (kind, false)
            } else {
                let Some(name) = text("task_name") else {
                    return Err(drf::field_error("task_name", "This field is required."));
                };
                let kind = match name.as_str() {
                    "check_sanity" => "sanity_check",
                    "train_classifier" => "train_classifier",
                    "index_optimize" => "index_optimize",
                    other => {
                        return Err(drf::field_error(
                            "task_name",
                            &format!("\"{other}\" is not a valid choice."),
                        ));
                    }
                };
                (kind.to_string(), true)
            };
            let now = Utc::now();
            // 2.20.15's `index_optimize` records no task and returns nothing.
            if synchronous && task_type == "index_optimize" {
                return Ok(drf::json_response(
                    StatusCode::OK,
                    &json!({ "result": null }),
                ));
            }
            let id = state.tasks.iter().map(|t| t.id).max().unwrap_or(0) + 1;
            let task_id = format!("{:08x}-demo-4000-8000-{:012x}", id, now.timestamp_millis());
            let task_type: &'static str = match task_type.as_str() {
                "train_classifier" => "train_classifier",
                "sanity_check" => "sanity_check",
                "index_optimize" => "index_optimize",
                _ => "llm_index",
            };
            state.tasks.push(PaperlessRow {
                // The sanity check finds what the seeded one found; the others pass.
                finishes: Some((now + Duration::seconds(3), task_type != "sanity_check")),
                ..PaperlessRow::queued(id, task_id.clone(), task_type, "manual", now, json!({}))
            });
            if synchronous {
                // A 2.x server runs it in the web process, worker or not.
                let last = state.tasks.len() - 1;
                state.finish_run(
                    last,
                    now + Duration::seconds(3),
                    task_type != "sanity_check",
                );
                // What 2.20.15's functions return: the sanity check its
                // message, the classifier nothing
                // (`v9_run_train_classifier_null_result_2x_live`).
                let result = match task_type {
                    "sanity_check" => json!("No issues detected."),
                    _ => Value::Null,
                };
                return Ok(drf::json_response(
                    StatusCode::OK,
                    &json!({ "result": result }),
                ));
            }
            Ok(drf::json_response(
                StatusCode::OK,
                &json!({ "task_id": task_id }),
            ))
        },
    )
}

pub(super) async fn summary(
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
        |state, Caller { user, .. }| {
            let params = Params::parse(query.as_deref());
            let days = match params.get("days") {
                None => 30,
                Some(d) => match d.parse::<i64>() {
                    Ok(n) if n > 0 => n.min(36_500),
                    _ => {
                        return Err(drf::json_response(
                            StatusCode::BAD_REQUEST,
                            &json!({ "days": "Must be a positive integer." }),
                        ));
                    }
                },
            };
            let since = Utc::now() - Duration::days(days);
            let mut by_type: BTreeMap<&str, Vec<&PaperlessRow>> = BTreeMap::new();
            for t in state
                .tasks
                .iter()
                .filter(|t| visible(user, t) && t.date_created >= since)
            {
                by_type.entry(t.task_type).or_default().push(t);
            }
            let average = |values: Vec<f64>| {
                (!values.is_empty()).then(|| {
                    (values.iter().sum::<f64>() / values.len() as f64 * 10.0).round() / 10.0
                })
            };
            let time = |t: Option<chrono::DateTime<Utc>>| t.map(|t| super::django_time(&t));
            let rows: Vec<Value> = by_type
            .into_iter()
            .map(|(task_type, rows)| {
                let last = |status: &str| rows.iter().filter(|t| t.status == status).filter_map(|t| t.date_done).max();
                json!({
                    "task_type": task_type,
                    "total_count": rows.len(),
                    "pending_count": rows.iter().filter(|t| t.status == "pending").count(),
                    "success_count": rows.iter().filter(|t| t.status == "success").count(),
                    "failure_count": rows.iter().filter(|t| t.status == "failure").count(),
                    "avg_duration_seconds": average(rows.iter().filter_map(|t| seconds_between(t.date_started, t.date_done)).collect()),
                    "avg_wait_time_seconds": average(rows.iter().filter_map(|t| seconds_between(Some(t.date_created), t.date_started)).collect()),
                    "last_run": time(rows.iter().map(|t| t.date_created).max()),
                    "last_success": time(last("success")),
                    "last_failure": time(last("failure")),
                })
            })
            .collect();
            Ok(drf::json_response(StatusCode::OK, &rows))
        },
    )
}

pub(super) async fn active(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    respond(
        &state,
        &headers,
        &method,
        &[Method::GET],
        |state, Caller { user, .. }| {
            let mut rows: Vec<&PaperlessRow> = state
                .tasks
                .iter()
                .filter(|t| visible(user, t) && matches!(t.status, "pending" | "started"))
                .collect();
            rows.sort_by(|a, b| b.date_created.cmp(&a.date_created).then(b.id.cmp(&a.id)));
            let body: Vec<_> = rows.into_iter().take(50).map(v10).collect();
            Ok(drf::json_response(StatusCode::OK, &body))
        },
    )
}

/// `/api/ui_settings/`: the account and its permissions beside the
/// settings, in the recorded keys' order (`ui_settings_admin_live`, and
/// `v9_ui_settings_admin_2x_live` without `ai_enabled`). Without
/// `view_uisettings`: DRF's 403 (`ui_settings_alice_403_live`).
pub(super) async fn ui_settings(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    respond(
        &state,
        &headers,
        &method,
        &[Method::GET],
        |state, Caller { user, .. }| {
            if !(user.superuser || user.ui_settings) {
                return Err(drf::forbidden());
            }
            let mut permissions: Vec<&str> = vec!["view_uisettings", "change_uisettings"];
            if user.superuser {
                permissions.extend([
                    "view_system_monitoring",
                    "add_processedmail",
                    "delete_processedmail",
                ]);
            }
            if user.can_view {
                permissions.push("view_paperlesstask");
            }
            if user.can_change {
                permissions.extend(["change_paperlesstask", "add_paperlesstask"]);
            }
            if user.mail {
                permissions.extend(["view_mailaccount", "view_processedmail", "view_mailrule"]);
            }
            let mut settings = json!({
                "update_checking": {"backend_setting": "default"},
                "trash_delay": 30,
                "version": state.version,
                "app_title": null,
                "app_logo": null,
                "auditlog_enabled": true,
                "email_enabled": false,
            });
            if state.max_api >= 10 {
                settings["ai_enabled"] = json!(state.llm_index_enabled);
            }
            Ok(drf::json_response(
                StatusCode::OK,
                &json!({
                    "user": {
                        "id": user.id,
                        "username": user.username,
                        "is_staff": user.staff,
                        "is_superuser": user.superuser,
                        "groups": [],
                    },
                    "settings": settings,
                    "permissions": permissions,
                }),
            ))
        },
    )
}
