//! InvenTree's failed tasks, with their tracebacks.

use leptos::prelude::*;

use super::iso;
use crate::api::Call;
use crate::api::Page;
use crate::api::inventree::{FailedTask, InvenTreeClient};
use crate::components::drawer::{Detail, field};
use crate::components::time::ServerWhen;
use crate::state::arguments::{Argument, summary};
use crate::state::inventree_view::{QueueView, short_func};
use crate::table::cells::{self, cell, number};
use crate::table::{Column, Row, RowDetails, Width};

pub(super) const COLUMNS: [Column; 8] = [
    Column::sorted("Function", "func", false, Width::Fill),
    Column::plain("Arguments", Width::M),
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

/// Failed rows carry pickles; read as the Python text the other queues show.
fn args(task: &FailedTask) -> Argument {
    Argument::from_pickle(task.args.as_deref(), crate::web::shortest_float)
}

fn kwargs(task: &FailedTask) -> Argument {
    Argument::from_pickle(task.kwargs.as_deref(), crate::web::shortest_float)
}

/// From start to failure, at the minute resolution the server sends.
fn took(task: &FailedTask) -> String {
    task.duration().map_or_else(
        || "–".into(),
        |d| crate::state::time::approximate_minutes(d.num_seconds()),
    )
}

impl Row for FailedTask {
    fn key(&self) -> String {
        self.pk.clone()
    }

    /// Function, when it failed and its id: the same function fails often.
    fn label(&self) -> String {
        let func = self.func.as_deref().map(short_func).unwrap_or("(unknown)");
        let stopped = self
            .stopped
            .map(|t| format!(", failed {}", t.to_wire()))
            .unwrap_or_default();
        format!("{func}{stopped} (task {})", self.pk)
    }

    fn arguments_text(&self) -> String {
        summary(&args(self), &kwargs(self))
    }

    fn export(&self) -> Vec<(&'static str, String)> {
        let text = |a: Argument| a.detail().unwrap_or_default();
        vec![
            ("Task id", self.pk.clone()),
            ("Function", self.func.clone().unwrap_or_default()),
            ("Name", self.name.clone().unwrap_or_default()),
            ("Arguments", summary(&args(self), &kwargs(self))),
            ("Args", text(args(self))),
            ("Kwargs", text(kwargs(self))),
            ("Started (server time, no zone)", iso(self.started)),
            ("Stopped (server time, no zone)", iso(self.stopped)),
            (
                "Took (s)",
                self.duration()
                    .map(|d| d.num_seconds().to_string())
                    .unwrap_or_default(),
            ),
            ("Attempts", self.attempt_count.to_string()),
            (
                "Error",
                self.error_summary().unwrap_or_default().to_string(),
            ),
            ("Traceback", self.result.clone().unwrap_or_default()),
        ]
    }

    fn cells(&self) -> Vec<AnyView> {
        vec![
            cells::python_path(self.func.as_deref().unwrap_or_default()),
            cells::code(summary(&args(self), &kwargs(self))),
            cells::text(self.error_summary().unwrap_or_default()),
            cell(view! { <ServerWhen at=self.started /> }),
            cell(view! { <ServerWhen at=self.stopped /> }),
            number(took(self)),
            number(self.attempt_count),
            cells::code(self.pk.clone()),
        ]
    }

    fn details(&self) -> RowDetails {
        let title = self
            .func
            .as_deref()
            .map(short_func)
            .unwrap_or("Failed task")
            .to_string();
        RowDetails {
            title,
            subtitle: match self.attempt_count {
                1 => "Failed after 1 attempt".to_string(),
                n => format!("Failed after {n} attempts"),
            },
            fields: vec![
                field("Error", Detail::text_or_missing(self.error_summary())),
                field("Traceback", Detail::code_or_missing(self.result.clone())),
                field("Function", Detail::code_or_missing(self.func.clone())),
                field("Name", Detail::text_or_missing(self.name.clone())),
                field("Started", Detail::ServerTime(self.started)),
                field("Stopped", Detail::ServerTime(self.stopped)),
                field("Took", Detail::Text(took(self))),
                field("Attempts", Detail::Text(self.attempt_count.to_string())),
                field("Args", Detail::code_or_missing(args(self).detail())),
                field("Kwargs", Detail::code_or_missing(kwargs(self).detail())),
                field("Task id", Detail::Code(self.pk.clone())),
            ],
        }
    }
}
