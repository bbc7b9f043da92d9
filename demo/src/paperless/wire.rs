//! Task rows as API 10 and API 9 serialise them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::filter::v9_type;
use crate::seed::PaperlessRow;

pub(super) const STATUSES: &[&str] = &["pending", "started", "success", "failure", "revoked"];
pub(super) const TASK_TYPES: &[(&str, &str)] = &[
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
pub(super) const TRIGGERS: &[(&str, &str)] = &[
    ("scheduled", "Scheduled"),
    ("web_ui", "Web UI"),
    ("api_upload", "API Upload"),
    ("folder_consume", "Folder Consume"),
    ("email_consume", "Email Consume"),
    ("system", "System"),
    ("manual", "Manual"),
];

pub(super) fn label(table: &[(&str, &'static str)], value: &str) -> &'static str {
    table
        .iter()
        .find(|(k, _)| *k == value)
        .map(|(_, l)| *l)
        .unwrap_or("Unknown")
}

pub(super) fn capitalised(status: &str) -> String {
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

pub(super) fn seconds_between(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<f64> {
    let ms = (b? - a?).num_milliseconds();
    Some((ms as f64 / 1000.0 * 1000.0).round() / 1000.0)
}

#[derive(Serialize)]
pub(super) struct TaskV10<'a> {
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

pub(super) fn related_document(row: &PaperlessRow) -> Option<u64> {
    let data = row.result_data.as_ref()?;
    data.get("document_id")
        .or_else(|| data.get("duplicate_of"))
        .and_then(Value::as_u64)
}

pub(super) fn v10(row: &PaperlessRow) -> TaskV10<'_> {
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
pub(super) struct DuplicateDocument {
    id: u64,
    title: String,
    deleted_at: Option<String>,
}

#[derive(Serialize)]
pub(super) struct TaskV9<'a> {
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

pub(super) fn v9<'a>(row: &'a PaperlessRow, documents: &HashMap<u64, String>) -> TaskV9<'a> {
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
