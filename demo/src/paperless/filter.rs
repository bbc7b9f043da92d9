//! The task list's filters and ordering as DRF applies them, and which
//! tasks a user may see.

use chrono::{DateTime, Utc};

use super::wire::{STATUSES, TASK_TYPES, TRIGGERS, label, seconds_between};
use super::{USERS, User};
use crate::drf::{self, Params};
use crate::seed::PaperlessRow;
use axum::response::Response;
use serde_json::Value;

pub(super) fn visible(user: &User, row: &PaperlessRow) -> bool {
    user.staff || row.owner.is_none() || row.owner == Some(user.id)
}

pub(super) fn v9_to_v10_type(name: &str) -> &str {
    match name {
        "check_sanity" => "sanity_check",
        "llmindex_update" => "llm_index",
        other => other,
    }
}

pub(super) fn v9_type(trigger: &str) -> &'static str {
    match trigger {
        "scheduled" => "scheduled_task",
        "system" | "email_consume" | "folder_consume" => "auto_task",
        _ => "manual_task",
    }
}

pub(super) struct Filter {
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

pub(super) fn choice_error(field: &str, value: &str) -> Response {
    drf::field_error(
        field,
        &format!("Select a valid choice. {value} is not one of the available choices."),
    )
}

pub(super) fn parse_datetime(field: &str, value: &str) -> Result<DateTime<Utc>, Response> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
        })
        .map_err(|_| drf::field_error(field, "Enter a valid date/time."))
}

impl Filter {
    pub(super) fn parse(
        params: &Params,
        version: u32,
        with_status: bool,
    ) -> Result<Filter, Response> {
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

    pub(super) fn matches(&self, row: &PaperlessRow) -> bool {
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

pub(super) fn ordering(params: &Params) -> (String, bool) {
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
pub(super) fn sort(rows: &mut [&PaperlessRow], field: &str, descending: bool) {
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
