//! InvenTree's failed tasks, with their tracebacks.

use leptos::prelude::*;

use crate::api::Call;
use crate::api::inventree::{DeleteOutcome, FailedTask, InvenTreeClient};
use crate::api::{ApiError, Page, Selection};
use crate::components::drawer::{Detail, field};
use crate::components::time::ServerWhen;
use crate::state::inventree_view::{QueueView, short_func};
use crate::table::{Column, Row, RowDetails};

pub(super) const COLUMNS: [Column; 6] = [
    Column::sorted("Function", "func", false),
    Column::plain("Error"),
    Column::sorted("Started", "started", true),
    Column::sorted("Stopped", "stopped", true),
    Column::plain("Attempts"),
    Column::sorted("Task id", "id", false),
];

pub(super) fn list_call(client: &InvenTreeClient, view: &QueueView) -> Call<Page<FailedTask>> {
    client.failed_call(&view.failed_query())
}

pub(super) fn delete_call(
    client: &InvenTreeClient,
    keys: Vec<String>,
) -> Result<Call<DeleteOutcome>, ApiError> {
    // Failed-task pks are strings; integers would match nothing.
    Selection::new(keys).map(|pks| client.delete_failed_call(&pks))
}

impl Row for FailedTask {
    fn key(&self) -> String {
        self.pk.clone()
    }

    fn label(&self) -> String {
        let func = self.func.as_deref().map(short_func).unwrap_or("(unknown)");
        format!("{func} ({})", self.pk)
    }

    fn cells(&self) -> AnyView {
        let func = self.func.clone().unwrap_or_default();
        let summary = self.error_summary().unwrap_or_default().to_string();
        view! {
            <td class="col-name" title=func.clone()>{short_func(&func).to_string()}</td>
            <td class="col-result" title=summary.clone()>{summary.clone()}</td>
            <td><ServerWhen at=self.started /></td>
            <td><ServerWhen at=self.stopped /></td>
            <td class="num">{self.attempt_count}</td>
            <td class="col-code">{self.pk.clone()}</td>
        }
        .into_any()
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
            subtitle: format!("Failed after {} attempt(s)", self.attempt_count),
            fields: vec![
                field("Error", Detail::text_or_missing(self.error_summary())),
                field("Traceback", Detail::code_or_missing(self.result.clone())),
                field("Function", Detail::code_or_missing(self.func.clone())),
                field("Name", Detail::text_or_missing(self.name.clone())),
                field("Started", Detail::ServerTime(self.started)),
                field("Stopped", Detail::ServerTime(self.stopped)),
                field("Attempts", Detail::Text(self.attempt_count.to_string())),
                field("Args", Detail::code_or_missing(self.args.clone())),
                field("Kwargs", Detail::code_or_missing(self.kwargs.clone())),
                field("Task id", Detail::Code(self.pk.clone())),
            ],
        }
    }
}
