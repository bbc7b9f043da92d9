//! Paperless tasks running now, longest waiting first: the queue at a glance.

use std::cmp::Ordering;
use std::rc::Rc;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::row::{TaskRow, status_class, status_label, task_fields};
use crate::api::paperless::{PaperlessApi, PaperlessClient};
use crate::components::time::When;
use crate::context::Connections;
use crate::pages::ConnectionGate;
use crate::state::connections::{Connection, ServerKind};
use crate::state::running::{QueueFigures, queue_figures};
use crate::state::time::duration;
use crate::table::cells::{self, cell, number};
use crate::table::local::{ListMeta, LocalRow, LocalSource, missing_last};
use crate::table::{Column, Row, RowDetails, RowSource, TableScreen, Width};
use crate::web;

const COLUMNS: [Column; 7] = [
    Column::sorted("Status", "status", false, Width::S),
    Column::sorted("Name", "name", false, Width::Fill),
    Column::sorted("Type", "type", false, Width::M),
    Column::sorted("Created", "created", true, Width::S),
    Column::sorted("Waiting", "waiting", true, Width::S),
    Column::sorted("Running", "running", true, Width::S),
    // API 9 only: it sends no start time, so the age is all that is known.
    Column::sorted("Age", "waiting", true, Width::S),
];

/// What an API 9 server cannot fill, and what an API 10 one needs not.
const NOT_IN_API_9: [&str; 2] = ["Waiting", "Running"];
const ONLY_IN_API_9: [&str; 1] = ["Age"];

/// A running task with how long it has waited and run, as of `now`.
struct RunningRow {
    row: TaskRow,
    now: DateTime<Utc>,
}

impl RunningRow {
    fn figures(&self) -> QueueFigures {
        queue_figures(&self.row.task, self.now)
    }

    /// How long it has waited; where that is not known (API 9), its age
    /// stands in for ordering, so the oldest still come first.
    fn waiting_or_age(&self) -> Option<f64> {
        let f = self.figures();
        f.waiting.or(f.age)
    }
}

impl Row for RunningRow {
    fn key(&self) -> String {
        self.row.key()
    }

    fn label(&self) -> String {
        self.row.label()
    }

    fn cells(&self) -> Vec<AnyView> {
        let task = &self.row.task;
        let shown = |s: Option<f64>| number(s.map(duration).unwrap_or_else(|| "–".into()));
        let figures = self.figures();
        let age = figures.age.map(duration);
        let age = view! {
            <td
                class="num"
                title=age.as_ref().map(|a| format!(
                    "Created {a} ago. Paperless-ngx 2.x does not record when a task started, so how long it waited and ran is not known."
                ))
            >
                {age.clone().unwrap_or_else(|| "–".into())}
            </td>
        }
        .into_any();
        vec![
            cell(
                view! { <span class=status_class(&task.status)>{status_label(&task.status)}</span> },
            ),
            cells::name(task.display_name()),
            cells::text(task.task_type.label()),
            cell(view! { <When at=task.created /> }),
            shown(figures.waiting),
            shown(figures.running),
            age,
        ]
    }

    fn details(&self) -> RowDetails {
        let task = &self.row.task;
        RowDetails {
            title: task.display_name().to_string(),
            subtitle: format!("{} · {}", task.task_type.label(), task.trigger.label()),
            fields: task_fields(task, &self.row.base, &self.row.connection_id),
        }
    }
}

impl LocalRow for RunningRow {
    fn haystack(&self) -> String {
        let task = &self.row.task;
        format!(
            "{} {} {}",
            task.display_name(),
            task.task_type.label(),
            task.task_id
        )
        .to_lowercase()
    }

    fn compare(&self, other: &Self, sort: &str) -> Ordering {
        let (a, b) = (&self.row.task, &other.row.task);
        match sort {
            "status" => status_label(&a.status).cmp(&status_label(&b.status)),
            "name" => a.display_name().cmp(b.display_name()),
            "type" => a.task_type.label().cmp(b.task_type.label()),
            "waiting" => missing_last(self.waiting_or_age(), other.waiting_or_age()),
            "running" => missing_last(self.figures().running, other.figures().running),
            _ => a.created.cmp(&b.created),
        }
    }
}

fn source(client: Rc<PaperlessClient>, connection: Connection) -> Rc<dyn RowSource> {
    let meta = ListMeta {
        columns: &COLUMNS,
        table_id: "paperless-running",
        noun: "running task",
        default_sort: "-waiting",
        search: "Search name or type ( / )",
        gone: "Not running any more: find it under Tasks.",
    };
    let hidden = {
        let client = client.clone();
        Rc::new(move || {
            if client.api() == PaperlessApi::V9 {
                NOT_IN_API_9.to_vec()
            } else {
                ONLY_IN_API_9.to_vec()
            }
        }) as Rc<dyn Fn() -> Vec<&'static str>>
    };
    LocalSource::hiding(
        meta,
        move |_| {
            let (client, connection) = (client.clone(), connection.clone());
            Box::pin(async move {
                let tasks =
                    crate::engine::paperless::running_now(&client, crate::transport::current())
                        .await?;
                let now = web::now();
                Ok(tasks
                    .into_iter()
                    .map(|task| {
                        let row = TaskRow {
                            task,
                            base: connection.base_url.clone(),
                            connection_id: connection.id.clone(),
                        };
                        Arc::new(RunningRow { row, now })
                    })
                    .collect())
            })
        },
        Some(hidden),
    )
}

#[component]
pub fn RunningPage(connection: String) -> impl IntoView {
    view! {
        <ConnectionGate id=connection kind=ServerKind::Paperless let:connection>
            <Running connection />
        </ConnectionGate>
    }
}

#[component]
fn Running(connection: Connection) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let client = connections.paperless(&connection);
    let name = connection.name.clone();
    let connection_id = connection.id.clone();
    view! {
        <TableScreen
            source=source(client, connection)
            kind=ServerKind::Paperless
            title="Running now"
            subtitle=move || format!("{name} · Paperless-ngx · pending and started tasks")
            connection=connection_id
        />
    }
}
