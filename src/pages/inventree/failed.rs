//! InvenTree's failed tasks, with their tracebacks.

use leptos::prelude::*;

use super::iso;
use crate::api::Call;
use crate::api::Page;
use crate::api::inventree::{FailedTask, InvenTreeClient};
use crate::components::drawer::{Detail, field};
use crate::components::time::ServerWhen;
use crate::state::arguments::{Argument, calls_on_load, full_text, summary};
use crate::state::inventree_view::{QueueView, short_func};
use crate::table::cells::{self, cell, number};
use crate::table::{Column, Row, RowDetails, Width};

pub(super) const COLUMNS: [Column; 8] = [
    Column::sorted("Function", "func", false, Width::Fill),
    // Wide enough for a short form's start (`(<Part pk=12 name=…`).
    Column::plain("Arguments", Width::L),
    Column::plain("Error", Width::Fill),
    Column::sorted("Started", "started", true, Width::M).optional(),
    Column::sorted("Stopped", "stopped", true, Width::M),
    Column::plain("Took", Width::S),
    Column::plain("Attempts", Width::Xs),
    Column::sorted("Task id", "id", false, Width::M),
];

pub(super) fn list_call(client: &InvenTreeClient, view: &QueueView) -> Call<Page<FailedTask>> {
    client.failed_call(&view.failed_query())
}

/// A failed task with its arguments read, once, when the row arrives:
/// the table, the details, the search and the export only show what was
/// read then.
pub struct FailedRow {
    pub task: FailedTask,
    pub args: Argument,
    pub kwargs: Argument,
}

impl FailedRow {
    pub fn new(mut task: FailedTask) -> FailedRow {
        let args = Argument::from_stored(task.args.as_ref(), crate::web::shortest_float);
        let kwargs = Argument::from_stored(task.kwargs.as_ref(), crate::web::shortest_float);
        // Read now; the raw value is kept only where it was not readable.
        task.args = None;
        task.kwargs = None;
        FailedRow { task, args, kwargs }
    }

    /// The Arguments cell, marked when loading the arguments in Python
    /// would call something (a crafted `os.system(…)`).
    fn arguments_cell(&self) -> AnyView {
        let text = summary(&self.args, &self.kwargs);
        let calls = calls_on_load(&self.args, &self.kwargs);
        if calls.is_empty() {
            return cells::code(text);
        }
        let warning = calls_warning(&calls);
        let title = format!("{text}\n{warning}");
        view! {
            <td class="clip mono" title=title>
                <span class="badge badge-warn" title=warning>"calls code"</span>
                " "
                {text}
            </td>
        }
        .into_any()
    }
}

fn calls_warning(calls: &[String]) -> String {
    format!(
        "Loading these arguments in Python would call {}. Shown here, never run.",
        calls.join(", ")
    )
}

/// From start to failure, at the minute resolution the server sends.
fn took(task: &FailedTask) -> String {
    task.duration().map_or_else(
        || "–".into(),
        |d| crate::state::time::approximate_minutes(d.num_seconds()),
    )
}

impl Row for FailedRow {
    fn key(&self) -> String {
        self.task.pk.clone()
    }

    /// Function, when it failed and its id: the same function fails often.
    fn label(&self) -> String {
        let task = &self.task;
        let func = task.func.as_deref().map(short_func).unwrap_or("(unknown)");
        let stopped = task
            .stopped
            .map(|t| format!(", failed {}", t.to_wire()))
            .unwrap_or_default();
        format!("{func}{stopped} (task {})", task.pk)
    }

    fn arguments_text(&self) -> String {
        full_text(&self.args, &self.kwargs)
    }

    fn export(&self) -> Vec<(&'static str, String)> {
        let task = &self.task;
        vec![
            ("Task id", task.pk.clone()),
            ("Function", task.func.clone().unwrap_or_default()),
            ("Name", task.name.clone().unwrap_or_default()),
            ("Arguments", summary(&self.args, &self.kwargs)),
            ("Args", self.args.text().unwrap_or_default()),
            ("Kwargs", self.kwargs.text().unwrap_or_default()),
            ("Started (server time, no zone)", iso(task.started)),
            ("Stopped (server time, no zone)", iso(task.stopped)),
            (
                "Took (s)",
                task.duration()
                    .map(|d| d.num_seconds().to_string())
                    .unwrap_or_default(),
            ),
            ("Attempts", task.attempt_count.to_string()),
            (
                "Error",
                task.error_summary().unwrap_or_default().to_string(),
            ),
            ("Traceback", task.result.clone().unwrap_or_default()),
        ]
    }

    fn cells(&self) -> Vec<AnyView> {
        let task = &self.task;
        vec![
            cells::python_path(task.func.as_deref().unwrap_or_default()),
            self.arguments_cell(),
            cells::text(task.error_summary().unwrap_or_default()),
            cell(view! { <ServerWhen at=task.started /> }),
            cell(view! { <ServerWhen at=task.stopped /> }),
            number(took(task)),
            number(task.attempt_count),
            cells::code(task.pk.clone()),
        ]
    }

    fn details(&self) -> RowDetails {
        let task = &self.task;
        let title = task
            .func
            .as_deref()
            .map(short_func)
            .unwrap_or("Failed task")
            .to_string();
        let calls = calls_on_load(&self.args, &self.kwargs);
        let mut fields = vec![
            field("Error", Detail::text_or_missing(task.error_summary())),
            field("Traceback", Detail::code_or_missing(task.result.clone())),
            field("Function", Detail::code_or_missing(task.func.clone())),
            field("Name", Detail::text_or_missing(task.name.clone())),
            field("Started", Detail::ServerTime(task.started)),
            field("Stopped", Detail::ServerTime(task.stopped)),
            field("Took", Detail::Text(took(task))),
            field("Attempts", Detail::Text(task.attempt_count.to_string())),
            field("Args", Detail::laid_out_or_missing(self.args.detail())),
            field("Kwargs", Detail::laid_out_or_missing(self.kwargs.detail())),
        ];
        if !calls.is_empty() {
            fields.push(field("Calls on load", Detail::Text(calls_warning(&calls))));
        }
        fields.push(field("Task id", Detail::Code(task.pk.clone())));
        RowDetails {
            title,
            subtitle: match task.attempt_count {
                1 => "Failed after 1 attempt".to_string(),
                n => format!("Failed after {n} attempts"),
            },
            fields,
        }
    }
}
