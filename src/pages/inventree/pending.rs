//! InvenTree's pending queue: tasks waiting for a worker.

use leptos::prelude::*;

use super::iso;
use crate::api::Call;
use crate::api::Page;
use crate::api::inventree::{InvenTreeClient, PendingTask};
use crate::components::drawer::{Detail, field};
use crate::state::arguments::{Argument, summary};
use crate::state::inventree_view::{QueueView, lock_state, lock_words, short_func};
use crate::table::cells::{self, cell};
use crate::table::{Column, Row, RowDetails, Width};
use crate::web;

pub(super) const COLUMNS: [Column; 5] = [
    Column::plain("Function", Width::Fill),
    Column::plain("Name", Width::M),
    Column::plain("Worker", Width::L),
    Column::plain("Arguments", Width::L),
    Column::plain("Task id", Width::M),
];

pub(super) fn list_call(client: &InvenTreeClient, view: &QueueView) -> Call<Page<PendingTask>> {
    client.pending_call(&view.pending_query())
}

impl Row for PendingTask {
    fn key(&self) -> String {
        self.pk.to_string()
    }

    /// Queue row, function and task id: several rows may run the same function.
    fn label(&self) -> String {
        format!(
            "#{} {} (task {})",
            self.pk,
            self.func
                .as_deref()
                .map(short_func)
                .unwrap_or("(undecodable)"),
            self.task_id
        )
    }

    fn arguments_text(&self) -> String {
        summary(
            &Argument::from_repr(self.args.as_deref()),
            &Argument::from_repr(self.kwargs.as_deref()),
        )
    }

    fn export(&self) -> Vec<(&'static str, String)> {
        let (args, kwargs) = (
            Argument::from_repr(self.args.as_deref()),
            Argument::from_repr(self.kwargs.as_deref()),
        );
        vec![
            ("Queue row", self.pk.to_string()),
            ("Task id", self.task_id.clone()),
            ("Function", self.func.clone().unwrap_or_default()),
            ("Name", self.name.clone().unwrap_or_default()),
            ("Locked until (server time, no zone)", iso(self.lock)),
            ("Arguments", summary(&args, &kwargs)),
            ("Args", self.args.clone().unwrap_or_default()),
            ("Kwargs", self.kwargs.clone().unwrap_or_default()),
        ]
    }

    fn cells(&self) -> Vec<AnyView> {
        vec![
            match self.func.as_deref() {
                Some(f) => cells::python_path(f),
                None => cell(view! { <span class="badge badge-warn">"Undecodable"</span> }),
            },
            cells::text(self.name.clone().unwrap_or_default()),
            match self.lock {
                Some(lock) => {
                    let (words, why) = lock_words(lock_state(
                        lock,
                        web::now(),
                        web::local_offset_at(web::now()),
                    ));
                    view! { <td class="clip" title=why data-testid="lock">{words}</td> }.into_any()
                }
                None => cell(view! { <span class="muted">"–"</span> }),
            },
            cells::code(summary(
                &Argument::from_repr(self.args.as_deref()),
                &Argument::from_repr(self.kwargs.as_deref()),
            )),
            cells::code(self.task_id.clone()),
        ]
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
                field(
                    "Worker",
                    Detail::text_or_missing(self.lock.map(|lock| {
                        let (words, why) = lock_words(lock_state(
                            lock,
                            web::now(),
                            web::local_offset_at(web::now()),
                        ));
                        format!("{words}. {why}")
                    })),
                ),
                field("Locked until", Detail::ServerTime(self.lock)),
                field("Args", Detail::code_or_missing(self.args.clone())),
                field("Kwargs", Detail::code_or_missing(self.kwargs.clone())),
                field("Task id", Detail::Code(self.task_id.clone())),
                field("Key", Detail::text_or_missing(self.key.clone())),
                field("Queue row", Detail::Text(self.pk.to_string())),
            ],
        }
    }
}
