//! InvenTree's scheduled tasks: what runs when, and whether it last worked.

use leptos::prelude::*;

use super::iso;
use crate::api::Call;
use crate::api::Page;
use crate::api::inventree::{InvenTreeClient, ScheduledTask};
use crate::components::drawer::{Detail, field};
use crate::components::time::ServerWhen;
use crate::state::arguments::{Argument, summary};
use crate::state::inventree_view::{QueueView, short_func};
use crate::table::cells::{self, cell};
use crate::table::{Column, Row, RowDetails, Width};

fn outcome(success: Option<bool>) -> AnyView {
    match success {
        Some(true) => view! { <span class="badge badge-ok">"Succeeded"</span> }.into_any(),
        Some(false) => view! { <span class="badge badge-bad">"Failed"</span> }.into_any(),
        None => view! { <span class="muted">"–"</span> }.into_any(),
    }
}

/// The function (what the server sorts and searches by) and the schedule's
/// name side by side, so what is sorted is what is shown.
pub(super) const COLUMNS: [Column; 8] = [
    Column::sorted("Function", "func", false, Width::Fill),
    Column::plain("Name", Width::M),
    Column::plain("Arguments", Width::M).optional(),
    Column::plain("Schedule", Width::M),
    Column::plain("Repeats", Width::S).optional(),
    Column::sorted("Last run", "last_run", true, Width::M),
    Column::plain("Last result", Width::S),
    Column::sorted("Next run", "next_run", true, Width::M),
];

pub(super) fn list_call(client: &InvenTreeClient, view: &QueueView) -> Call<Page<ScheduledTask>> {
    client.scheduled_call(&view.scheduled_query())
}

impl Row for ScheduledTask {
    fn key(&self) -> String {
        self.pk.to_string()
    }

    fn label(&self) -> String {
        let name = self
            .name
            .clone()
            .unwrap_or_else(|| short_func(&self.func).to_string());
        format!("{name} (schedule #{})", self.pk)
    }

    fn arguments_text(&self) -> String {
        summary(
            &Argument::from_repr(self.args.as_deref()),
            &Argument::from_repr(self.kwargs.as_deref()),
        )
    }

    fn export(&self) -> Vec<(&'static str, String)> {
        vec![
            ("Schedule id", self.pk.to_string()),
            ("Function", self.func.clone()),
            ("Name", self.name.clone().unwrap_or_default()),
            ("Schedule", self.schedule_type.label().to_string()),
            ("Repeats", self.repeats_label()),
            ("Args", self.args.clone().unwrap_or_default()),
            ("Kwargs", self.kwargs.clone().unwrap_or_default()),
            ("Last run (server time, no zone)", iso(self.last_run)),
            (
                "Last result",
                self.success
                    .map(|s| if s { "succeeded" } else { "failed" })
                    .unwrap_or_default()
                    .into(),
            ),
            ("Next run (server time, no zone)", iso(self.next_run)),
        ]
    }

    fn cells(&self) -> Vec<AnyView> {
        vec![
            cells::python_path(&self.func),
            cells::text(self.name.clone().unwrap_or_default()),
            cells::code(summary(
                &Argument::from_repr(self.args.as_deref()),
                &Argument::from_repr(self.kwargs.as_deref()),
            )),
            cells::text(self.schedule_type.label()),
            cells::text(self.repeats_label()),
            cell(view! { <ServerWhen at=self.last_run /> }),
            cell(outcome(self.success)),
            cell(view! { <ServerWhen at=self.next_run /> }),
        ]
    }

    fn details(&self) -> RowDetails {
        RowDetails {
            title: self
                .name
                .clone()
                .unwrap_or_else(|| short_func(&self.func).to_string()),
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
