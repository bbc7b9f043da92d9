//! Per task type over the last days: runs, failures, average duration and
//! wait, last success and failure (`/api/tasks/summary/`, API 10).

use std::cmp::Ordering;
use std::rc::Rc;
use std::sync::Arc;

use crate::location::use_location;
use leptos::prelude::*;

use crate::api::ApiError;
use crate::api::paperless::{PaperlessApi, PaperlessClient};
use crate::api::paperless_admin::TypeSummary;
use crate::components::choice::ChoiceSelect;
use crate::components::drawer::{Detail, field};
use crate::components::feedback::EmptyState;
use crate::components::time::When;
use crate::components::url_view::UrlView;
use crate::context::Connections;
use crate::location::Link;
use crate::pages::ConnectionGate;
use crate::state::connections::{Connection, ServerKind};
use crate::state::route::{PaperlessList, Route};
use crate::state::time::duration;
use crate::table::cells::{self, cell, number};
use crate::table::local::{ListMeta, LocalRow, LocalSource, missing_last};
use crate::table::screen::sorted_params;
use crate::table::{
    Column, Params, Row, RowDetails, RowSource, TableScreen, Width, param, to_query_string,
    with_param,
};

// Wide enough for each header with its sort arrow.
const COLUMNS: [Column; 8] = [
    Column::sorted("Type", "type", false, Width::Fill),
    Column::sorted("Runs", "runs", true, Width::S),
    Column::sorted("Failed", "failed", true, Width::S),
    Column::sorted("Avg. duration", "duration", true, Width::M),
    Column::sorted("Avg. wait", "wait", true, Width::M),
    Column::plain("Waiting now", Width::M).optional(),
    Column::sorted("Last success", "success", true, Width::M),
    Column::sorted("Last failure", "failure", true, Width::M),
];

const PERIODS: [u32; 4] = [1, 7, 30, 90];
const DEFAULT_DAYS: u32 = 30;

fn days(query: &Params) -> u32 {
    param(query, "days")
        .and_then(|d| d.parse().ok())
        .filter(|d| PERIODS.contains(d))
        .unwrap_or(DEFAULT_DAYS)
}

fn seconds(value: Option<f64>) -> AnyView {
    number(value.map(duration).unwrap_or_else(|| "–".into()))
}

impl Row for TypeSummary {
    fn key(&self) -> String {
        self.task_type.as_wire().to_string()
    }

    fn label(&self) -> String {
        self.task_type.label().to_string()
    }

    fn cells(&self) -> Vec<AnyView> {
        vec![
            cells::name(self.task_type.label()),
            number(self.total_count.to_string()),
            cell(view! {
                <span class=crate::table::parts::alert_class(self.failure_count > 0)>{self.failure_count}</span>
            }),
            seconds(self.avg_duration_seconds),
            seconds(self.avg_wait_time_seconds),
            number(self.pending_count.to_string()),
            cell(view! { <When at=self.last_success /> }),
            cell(view! { <When at=self.last_failure /> }),
        ]
    }

    fn details(&self) -> RowDetails {
        let text = |n: u64| Detail::Text(n.to_string());
        let secs = |s: Option<f64>| Detail::text_or_missing(s.map(duration));
        RowDetails {
            title: self.task_type.label().to_string(),
            subtitle: "Figures over the chosen period".into(),
            fields: vec![
                field("Runs", text(self.total_count)),
                field("Succeeded", text(self.success_count)),
                field("Failed", text(self.failure_count)),
                field("Waiting now", text(self.pending_count)),
                field("Average duration", secs(self.avg_duration_seconds)),
                field("Average wait", secs(self.avg_wait_time_seconds)),
                field("Last run", Detail::Time(self.last_run)),
                field("Last success", Detail::Time(self.last_success)),
                field("Last failure", Detail::Time(self.last_failure)),
            ],
        }
    }
}

impl LocalRow for TypeSummary {
    fn haystack(&self) -> String {
        format!("{} {}", self.task_type.label(), self.task_type.as_wire()).to_lowercase()
    }

    fn compare(&self, other: &Self, sort: &str) -> Ordering {
        match sort {
            "runs" => self.total_count.cmp(&other.total_count),
            "failed" => self.failure_count.cmp(&other.failure_count),
            // Missing figures sort as the smallest, whichever the direction.
            "duration" => {
                missing_last(other.avg_duration_seconds, self.avg_duration_seconds).reverse()
            }
            "wait" => {
                missing_last(other.avg_wait_time_seconds, self.avg_wait_time_seconds).reverse()
            }
            "success" => self.last_success.cmp(&other.last_success),
            "failure" => self.last_failure.cmp(&other.last_failure),
            _ => self.task_type.label().cmp(other.task_type.label()),
        }
    }
}

/// `unsupported` is told when the server turns out to keep no summary.
fn source(client: Rc<PaperlessClient>, unsupported: RwSignal<bool>) -> Rc<dyn RowSource> {
    let meta = ListMeta {
        columns: &COLUMNS,
        table_id: "paperless-slow",
        noun: "task type",
        default_sort: "-duration",
        search: "Search type ( / )",
        gone: "No task of this type ran in the chosen period.",
    };
    LocalSource::shared(meta, move |query| {
        let (client, days) = (client.clone(), days(query));
        Box::pin(async move {
            let summary = client.summary(crate::transport::current(), days).await;
            if let Err(ApiError::Unsupported { .. }) = &summary {
                unsupported.try_set(true);
            }
            Ok(summary?.into_iter().map(Arc::new).collect())
        })
    })
}

#[component]
pub fn SlowPage(connection: String) -> impl IntoView {
    view! {
        <ConnectionGate id=connection kind=ServerKind::Paperless let:connection>
            <Slow connection />
        </ConnectionGate>
    }
}

#[component]
fn Slow(connection: Connection) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let client = connections.paperless(&connection);
    // A 2.x server keeps no per-type summary: said once, calmly, without a
    // table, a search or a period to pick.
    let unsupported = RwSignal::new(client.api() == PaperlessApi::V9);
    let query = use_location().query;
    let url = UrlView::new();
    let current = move || sorted_params(&query.read());
    let filters = move || {
        view! {
            <ChoiceSelect
                label="Over the last "
                testid="summary-days"
                options=PERIODS.iter().map(|d| (d.to_string(), if *d == 1 { "day".to_string() } else { format!("{d} days") })).collect()
                selected=Signal::derive(move || days(&current()).to_string())
                on_pick=move |value: String| {
                    let p = with_param(current(), "days", Some(value));
                    url.push(to_query_string(&with_param(p, "page", None)));
                }
            />
        }
    };
    let name = connection.name.clone();
    let id = connection.id.clone();
    let client = StoredValue::new_local(client);
    move || {
        if unsupported.get() {
            let running = Route::paperless_list(&id, PaperlessList::Running).path();
            let tasks = Route::paperless(&id).path();
            return view! {
                <section class="screen" aria-labelledby="screen-title">
                    <header class="screen-head">
                        <div>
                            <h1 id="screen-title">"Slow tasks"</h1>
                            <p class="muted">{format!("{name} · Paperless-ngx 2.x")}</p>
                        </div>
                    </header>
                    <div data-testid="no-summary">
                        <EmptyState
                            title="Not kept by this version"
                            detail="Paperless-ngx 2.x keeps no per-type task summary (runs, failures, durations): slow tasks need Paperless-ngx 3 (API 10). This server's task list and running tasks are here as usual."
                        >
                            <Link href=tasks>"Tasks"</Link>" · "<Link href=running>"Running now"</Link>
                        </EmptyState>
                    </div>
                </section>
            }
            .into_any();
        }
        let name = name.clone();
        view! {
            <TableScreen
                source=source(client.get_value(), unsupported)
                kind=ServerKind::Paperless
                title="Slow tasks"
                subtitle=move || format!("{name} · Paperless-ngx · average duration and wait per task type")
                filters=filters
                connection=id.clone()
            />
        }
        .into_any()
    }
}
