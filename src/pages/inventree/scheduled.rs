//! InvenTree's scheduled tasks: what runs when, and whether it last worked.

use leptos::prelude::*;

use crate::api::Call;
use crate::api::Page;
use crate::api::inventree::{InvenTreeClient, ScheduledTask};
use crate::components::drawer::{Detail, field};
use crate::components::time::ServerWhen;
use crate::state::inventree_view::{QueueView, short_func};
use crate::table::{Column, Row, RowDetails};

fn outcome(success: Option<bool>) -> AnyView {
    match success {
        Some(true) => view! { <span class="badge badge-ok">"Succeeded"</span> }.into_any(),
        Some(false) => view! { <span class="badge badge-bad">"Failed"</span> }.into_any(),
        None => view! { <span class="muted">"–"</span> }.into_any(),
    }
}

pub(super) const COLUMNS: [Column; 6] = [
    Column::sorted("Task", "func", false),
    Column::plain("Schedule"),
    Column::plain("Repeats"),
    Column::sorted("Last run", "last_run", true),
    Column::plain("Last result"),
    Column::sorted("Next run", "next_run", true),
];

pub(super) fn list_call(client: &InvenTreeClient, view: &QueueView) -> Call<Page<ScheduledTask>> {
    client.scheduled_call(&view.scheduled_query())
}

impl Row for ScheduledTask {
    fn key(&self) -> String {
        self.pk.to_string()
    }

    fn label(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| short_func(&self.func).to_string())
    }

    fn cells(&self) -> AnyView {
        view! {
            <td class="col-name" title=self.func.clone()>{self.label()}</td>
            <td>{self.schedule_type.label().to_string()}</td>
            <td>{self.repeats_label()}</td>
            <td><ServerWhen at=self.last_run /></td>
            <td>{outcome(self.success)}</td>
            <td><ServerWhen at=self.next_run /></td>
        }
        .into_any()
    }

    fn details(&self) -> RowDetails {
        RowDetails {
            title: self.label(),
            subtitle: format!("{} · {}", self.schedule_type.label(), self.repeats_label()),
            fields: vec![
                field("Function", Detail::Code(self.func.clone())),
                field("Name", Detail::text_or_missing(self.name.clone())),
                field(
                    "Schedule",
                    Detail::Text(self.schedule_type.label().to_string()),
                ),
                field("Repeats", Detail::Text(self.repeats_label())),
                field("Last run", Detail::ServerTime(self.last_run)),
                field(
                    "Last result",
                    Detail::text_or_missing(
                        self.success.map(|s| if s { "Succeeded" } else { "Failed" }),
                    ),
                ),
                field("Next run", Detail::ServerTime(self.next_run)),
                field("Args", Detail::code_or_missing(self.args.clone())),
                field("Kwargs", Detail::code_or_missing(self.kwargs.clone())),
                field("Last task id", Detail::code_or_missing(self.task.clone())),
                field("Schedule id", Detail::Text(self.pk.to_string())),
            ],
        }
    }
}
