//! One Paperless task as a table row: its cells and its details.

use leptos::prelude::*;

use super::fetch::FetchAgain;
use crate::api::BaseUrl;
use crate::api::paperless::{PaperlessTask, TaskStatus};
use crate::components::drawer::{Detail, Field, field};
use crate::components::time::When;
use crate::state::time::duration;
use crate::table::cells::{self, cell, number};
use crate::table::{Column, Row, RowDetails, Width};

// At 1280 px the name and the result share what the narrow columns leave
// (about 180 px each, more where no task of the page has a document).
pub const COLUMNS: [Column; 11] = [
    Column::sorted("Status", "status", false, Width::Narrow),
    Column::plain("Name", Width::Fill),
    Column::sorted("Type", "type", false, Width::S),
    Column::plain("Trigger", Width::M).optional(),
    Column::sorted("Created", "created", true, Width::Narrow),
    Column::plain("Started", Width::Narrow).optional(),
    Column::sorted("Done", "done", true, Width::Narrow),
    Column::sorted("Duration", "duration", true, Width::Narrow),
    Column::plain("Result", Width::Fill),
    Column::plain("Document", Width::Narrow).collapses(),
    Column::plain("Dismissed", Width::Xs).optional(),
];

/// What an API 9 server does not send.
pub const NOT_IN_API_9: [&str; 2] = ["Started", "Duration"];

pub struct TaskRow {
    pub task: PaperlessTask,
    pub base: BaseUrl,
    pub connection_id: String,
}

pub fn status_class(status: &TaskStatus) -> &'static str {
    match status {
        TaskStatus::Success => "badge badge-ok",
        TaskStatus::Failure => "badge badge-bad",
        TaskStatus::Revoked => "badge badge-warn",
        TaskStatus::Started | TaskStatus::Retry => "badge badge-busy",
        TaskStatus::Pending => "badge badge-wait",
        TaskStatus::Other(_) => "badge",
    }
}

pub use crate::state::runs::status_label;

/// The document's page in the Paperless web UI.
pub fn document_url(base: &BaseUrl, id: u64) -> String {
    format!("{base}/documents/{id}/details")
}

impl Row for TaskRow {
    fn key(&self) -> String {
        self.task.id.to_string()
    }

    /// Id, name and when it was created: several tasks share a name
    /// ("Sanity Check").
    fn label(&self) -> String {
        let created = self
            .task
            .created
            .map(|t| format!(", created {}", t.format("%Y-%m-%d %H:%M UTC")))
            .unwrap_or_default();
        format!("#{} {}{created}", self.task.id, self.task.display_name())
    }

    fn actionable(&self) -> bool {
        !self.task.acknowledged
    }

    fn is_blank(&self, column: &str) -> bool {
        column == "Document" && self.task.related_document.is_none()
    }

    fn export(&self) -> Vec<(&'static str, String)> {
        let t = &self.task;
        let time = |at: Option<chrono::DateTime<chrono::Utc>>| {
            at.map(|t| t.to_rfc3339()).unwrap_or_default()
        };
        let seconds = |s: Option<f64>| s.map(crate::web::shortest_float).unwrap_or_default();
        let json =
            |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
        vec![
            ("Id", t.id.to_string()),
            ("Status", status_label(&t.status)),
            ("Name", t.display_name().to_string()),
            ("Type", t.task_type.label().to_string()),
            ("Trigger", t.trigger.label().to_string()),
            ("Created", time(t.created)),
            ("Started", time(t.started)),
            ("Done", time(t.done)),
            ("Duration (s)", seconds(t.duration_seconds)),
            ("Waited (s)", seconds(t.wait_time_seconds)),
            ("Result", t.result_message.clone().unwrap_or_default()),
            ("Error type", t.error_type.clone().unwrap_or_default()),
            ("Traceback", t.traceback.clone().unwrap_or_default()),
            (
                "Document",
                t.related_document
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            ),
            (
                "Dismissed",
                if t.acknowledged { "yes" } else { "no" }.into(),
            ),
            ("Task id", t.task_id.clone()),
            ("Input data", json(&t.input_data)),
            ("Result data", json(&t.result_data)),
        ]
    }

    fn cells(&self) -> Vec<AnyView> {
        let task = &self.task;
        let document = task.related_document.map(|d| {
            view! {
                <a href=document_url(&self.base, d) target="_blank" rel="noopener noreferrer" data-connection=self.connection_id.clone()>
                    {format!("#{d}")}
                </a>
            }
        });
        vec![
            cell(
                view! { <span class=status_class(&task.status)>{status_label(&task.status)}</span> },
            ),
            cells::name(task.display_name()),
            cells::text(task.task_type.label()),
            cells::text(task.trigger.label()),
            cell(view! { <When at=task.created /> }),
            cell(view! { <When at=task.started /> }),
            cell(view! { <When at=task.done /> }),
            number(
                task.duration_seconds
                    .map(duration)
                    .unwrap_or_else(|| "–".into()),
            ),
            cells::text(task.result_message.clone().unwrap_or_default()),
            cell(document),
            cell(if task.acknowledged { "Yes" } else { "No" }),
        ]
    }

    fn details(&self) -> RowDetails {
        let task = &self.task;
        RowDetails {
            title: task.display_name().to_string(),
            subtitle: format!("{} · {}", task.task_type.label(), task.trigger.label()),
            fields: task_fields(task, &self.base, &self.connection_id),
        }
    }
}

pub fn task_fields(task: &PaperlessTask, base: &BaseUrl, connection_id: &str) -> Vec<Field> {
    let json =
        |value: &Option<serde_json::Value>| value.clone().map_or(Detail::Missing, Detail::Json);
    vec![
        field("Status", Detail::Text(status_label(&task.status))),
        field(
            "Result",
            Detail::code_or_missing(task.result_message.clone()),
        ),
        field(
            "Error type",
            Detail::text_or_missing(task.error_type.clone()),
        ),
        field("Traceback", Detail::code_or_missing(task.traceback.clone())),
        field("Fetch again", fetch_again(task, connection_id)),
        field("File name", Detail::text_or_missing(task.file_name.clone())),
        field("Type", Detail::Text(task.task_type.label().to_string())),
        field("Trigger", Detail::Text(task.trigger.label().to_string())),
        field("Created", Detail::Time(task.created)),
        field("Started", Detail::Time(task.started)),
        field("Done", Detail::Time(task.done)),
        field(
            "Duration",
            Detail::text_or_missing(task.duration_seconds.map(duration)),
        ),
        field(
            "Waited",
            Detail::text_or_missing(task.wait_time_seconds.map(duration)),
        ),
        field(
            "Document",
            match task.related_document {
                Some(d) => Detail::Link {
                    href: document_url(base, d),
                    text: format!("Document #{d}"),
                    connection: connection_id.to_string(),
                },
                None => Detail::Missing,
            },
        ),
        field(
            "Duplicate of",
            Detail::text_or_missing((!task.duplicates.is_empty()).then(|| {
                task.duplicates
                    .iter()
                    .map(|d| match &d.title {
                        Some(t) => format!("#{} {t}", d.id),
                        None => format!("#{}", d.id),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })),
        ),
        field(
            "Dismissed",
            Detail::Text(if task.acknowledged { "Yes" } else { "No" }.into()),
        ),
        field("Task id", Detail::Code(task.task_id.clone())),
        field("Row id", Detail::Text(task.id.to_string())),
        field(
            "Owner",
            Detail::text_or_missing(task.owner.map(|o| o.to_string())),
        ),
        field("Input data", json(&task.input_data)),
        field("Result data", json(&task.result_data)),
    ]
}

/// A failed mail fetch names its accounts: offer to fetch each again.
fn fetch_again(task: &PaperlessTask, connection_id: &str) -> Detail {
    let accounts = match task.mail_account_ids() {
        Some(ids) if task.status == TaskStatus::Failure && !ids.is_empty() => ids,
        _ => return Detail::Missing,
    };
    let connection_id = connection_id.to_string();
    Detail::View(ViewFn::from(move || {
        accounts
            .iter()
            .map(|&account| {
                view! { <FetchAgain connection_id=connection_id.clone() account /> }
            })
            .collect_view()
    }))
}
