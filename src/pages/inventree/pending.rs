//! InvenTree's pending queue: tasks waiting for a worker.

use leptos::prelude::*;

use crate::api::Call;
use crate::api::inventree::{DeleteOutcome, InvenTreeClient, PendingTask};
use crate::api::{ApiError, Page, Selection};
use crate::components::drawer::{Detail, field};
use crate::components::time::ServerWhen;
use crate::state::inventree_view::{QueueView, short_func};
use crate::table::{Column, Row, RowDetails};

pub(super) const COLUMNS: [Column; 6] = [
    Column::plain("Function"),
    Column::plain("Name"),
    Column::plain("Queued"),
    Column::plain("Args"),
    Column::plain("Kwargs"),
    Column::plain("Task id"),
];

pub(super) fn list_call(client: &InvenTreeClient, view: &QueueView) -> Call<Page<PendingTask>> {
    client.pending_call(&view.pending_query())
}

pub(super) fn delete_call(
    client: &InvenTreeClient,
    keys: Vec<String>,
) -> Result<Call<DeleteOutcome>, ApiError> {
    // Pending pks are integers on the wire.
    let pks = Selection::new(keys.iter().filter_map(|k| k.parse::<i64>().ok()));
    pks.map(|pks| client.delete_pending_call(&pks))
}

impl Row for PendingTask {
    fn key(&self) -> String {
        self.pk.to_string()
    }

    fn label(&self) -> String {
        format!(
            "#{} {}",
            self.pk,
            self.func
                .as_deref()
                .map(short_func)
                .unwrap_or("(undecodable)")
        )
    }

    fn cells(&self) -> AnyView {
        let func = self.func.clone();
        view! {
            <td class="col-name" title=func.clone().unwrap_or_default()>
                {match func.clone() {
                    Some(f) => short_func(&f).to_string().into_any(),
                    None => view! { <span class="badge badge-warn">"Undecodable"</span> }.into_any(),
                }}
            </td>
            <td>{self.name.clone().unwrap_or_default()}</td>
            <td><ServerWhen at=self.lock /></td>
            <td class="col-code">{self.args.clone().unwrap_or_default()}</td>
            <td class="col-code">{self.kwargs.clone().unwrap_or_default()}</td>
            <td class="col-code">{self.task_id.clone()}</td>
        }
        .into_any()
    }

    fn details(&self) -> RowDetails {
        let title = self
            .func
            .as_deref()
            .map(short_func)
            .unwrap_or("Undecodable task")
            .to_string();
        let subtitle = if self.is_undecodable() {
            "InvenTree could not decode this task's payload; it will never run. Deleting it is safe.".to_string()
        } else {
            "Pending".to_string()
        };
        RowDetails {
            title,
            subtitle,
            fields: vec![
                field("Function", Detail::code_or_missing(self.func.clone())),
                field("Name", Detail::text_or_missing(self.name.clone())),
                field("Queued", Detail::ServerTime(self.lock)),
                field("Args", Detail::code_or_missing(self.args.clone())),
                field("Kwargs", Detail::code_or_missing(self.kwargs.clone())),
                field("Task id", Detail::Code(self.task_id.clone())),
                field("Key", Detail::text_or_missing(self.key.clone())),
                field("Queue row", Detail::Text(self.pk.to_string())),
            ],
        }
    }
}
