//! Every connected server at a glance; each number opens its table.

use crate::location::Link;
use leptos::prelude::*;

use crate::api::ApiError;
use crate::api::inventree::Overview;
use crate::api::paperless::{
    PaperlessApi, PaperlessTask, StatusCounts, TaskOrderField, TaskOrdering, TaskQuery,
};
use crate::components::feedback::{EmptyState, ErrorBanner};
use crate::components::loader::Loader;
use crate::components::refresh::use_auto_refresh;
use crate::context::{Clock, Connections};
use crate::pages::failures::stalls::StallNote;
use crate::pages::health::{StatusAge, paperless_health};
use crate::state::connections::{Connection, ServerKind};
use crate::state::inventree_view::Queue;
use crate::state::overview::{
    DayOutcomes, HealthSummary, WORKER_DOWN, health_summary, outcomes_per_day,
};
use crate::state::route::Route;
use crate::store::full_lists::FullList;
use crate::web;
use std::rc::Rc;

/// Recent tasks read for the outcome chart (API 10; API 9 sends all anyway).
const RECENT_TASKS: u32 = 500;
const CHART_DAYS: u32 = 14;

#[component]
pub fn OverviewPage() -> impl IntoView {
    let connections = expect_context::<Connections>();
    view! {
        <section class="screen" aria-labelledby="screen-title">
            <header class="screen-head">
                <h1 id="screen-title" tabindex="-1">"Overview"</h1>
            </header>
            {move || {
                let list = connections.list.get();
                if list.is_empty() {
                    if !connections.ready.get() {
                        return view! { <p class="muted">"Loading…"</p> }.into_any();
                    }
                    return view! {
                        <EmptyState
                            title="No servers connected"
                            detail="Taskdeck shows the task queues of your Paperless-ngx and InvenTree servers: what is pending, what failed and why, and what runs on a schedule."
                        >
                            <Link href="/connections" attr:class="btn btn-primary" attr:data-testid="add-first">"Add a server"</Link>
                        </EmptyState>
                    }
                    .into_any();
                }
                view! {
                    <div class="cards">
                        {list.into_iter().map(|c| match c.kind {
                            ServerKind::Paperless => view! { <PaperlessCard connection=c /> }.into_any(),
                            ServerKind::InvenTree => view! { <InvenTreeCard connection=c /> }.into_any(),
                        }).collect_view()}
                    </div>
                }
                .into_any()
            }}
        </section>
    }
}

/// The `count` most recently created tasks (what API 10 sends for the chart).
fn newest(tasks: &[PaperlessTask], count: usize) -> Vec<PaperlessTask> {
    let mut order: Vec<&PaperlessTask> = tasks.iter().collect();
    let by_newest = |a: &&PaperlessTask, b: &&PaperlessTask| b.created.cmp(&a.created);
    if order.len() > count {
        order.select_nth_unstable_by(count, by_newest);
        order.truncate(count);
    }
    order.into_iter().cloned().collect()
}

#[derive(Clone, Debug, PartialEq)]
struct PaperlessSummary {
    api: PaperlessApi,
    open: StatusCounts,
    recent: Vec<PaperlessTask>,
    /// The worst state of `/api/status/` and its words; `None` when this
    /// account may not read it (or the server cannot say).
    health: Option<HealthSummary>,
}

/// `reuse`: a first load may take a 2.x server's list another screen has
/// just read; a refresh asks the server.
async fn paperless_summary(
    connections: Connections,
    c: Connection,
    reuse: bool,
) -> Result<PaperlessSummary, ApiError> {
    let client = connections.paperless(&c);
    let recent_query = TaskQuery {
        ordering: Some(TaskOrdering {
            field: TaskOrderField::DateCreated,
            descending: true,
        }),
        page_size: Some(RECENT_TASKS),
        ..TaskQuery::default()
    };
    let shared = connections.full_lists;
    let reused = shared
        .recent(&c.id, None)
        .filter(|_| reuse && client.api() == PaperlessApi::V9);
    let all: FullList = match reused {
        // A 2.x server's whole list, read by another screen moments ago.
        Some(all) => all,
        None => {
            let _reading = (client.api() == PaperlessApi::V9).then(|| shared.reading(&c.id));
            let page = client
                .list_tasks(crate::transport::current(), &recent_query)
                .await?;
            if client.api() == PaperlessApi::V10 {
                let q = TaskQuery {
                    acknowledged: Some(false),
                    ..TaskQuery::default()
                };
                let open = client
                    .status_counts(crate::transport::current(), &q)
                    .await?;
                return summary(connections, &c, &client, open, page.items).await;
            }
            // API 9 sent every task, ignoring the page size.
            let all: FullList = Rc::new((page.items, page.unreadable));
            shared.keep(&c.id, None, all.clone());
            all
        }
    };
    let open = StatusCounts::of(all.0.iter().filter(|t| !t.acknowledged));
    summary(
        connections,
        &c,
        &client,
        open,
        newest(&all.0, RECENT_TASKS as usize),
    )
    .await
}

/// The card's figures, with the server's health (read at most once a
/// minute: the card refreshes more often).
async fn summary(
    connections: Connections,
    c: &Connection,
    client: &crate::api::paperless::PaperlessClient,
    open: StatusCounts,
    recent: Vec<PaperlessTask>,
) -> Result<PaperlessSummary, ApiError> {
    let health = paperless_health(
        client,
        connections.status_reads,
        &c.id,
        StatusAge::UpToAMinute,
    )
    .await
    .ok()
    .map(|r| health_summary(&r));
    Ok(PaperlessSummary {
        api: client.api(),
        open,
        recent,
        health,
    })
}

/// Still loading (no answer, no error, a token to send): the card keeps
/// the room its figures will take, so nothing below it moves when they come.
fn waiting(error: RwSignal<Option<ApiError>>, needs_token: bool) -> bool {
    !needs_token && error.with(Option::is_none)
}

/// The figures' boxes, without figures.
#[component]
fn StatsPlaceholder(labels: [&'static str; 3]) -> impl IntoView {
    view! {
        <div class="stats" aria-hidden="true" data-testid="stats-placeholder">
            {labels.map(|label| view! {
                <span class="stat stat-waiting">
                    <span class="stat-value">"…"</span>
                    <span class="stat-label">{label}</span>
                </span>
            }).into_iter().collect_view()}
        </div>
    }
}

#[component]
fn Stat(
    label: &'static str,
    value: u64,
    href: String,
    #[prop(default = false)] alert: bool,
) -> impl IntoView {
    let class = if alert && value > 0 {
        "stat stat-alert"
    } else {
        "stat"
    };
    view! {
        <Link href=href attr:class=class attr:data-stat=label>
            <span class="stat-value">{value.to_string()}</span>
            <span class="stat-label">{label}</span>
        </Link>
    }
}

#[component]
fn PaperlessCard(connection: Connection) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let summary = Loader::<PaperlessSummary>::new();
    let c = connection.clone();
    // Without a token no request could be answered: none is sent, and the
    // card says only that a token is needed.
    let needs_token = !connection.has_token();
    let load = move || {
        if !needs_token {
            summary.run(paperless_summary(connections, c.clone(), false));
        }
    };
    if !needs_token {
        summary.run(paperless_summary(connections, connection.clone(), true));
        use_auto_refresh(
            Signal::derive(|| false),
            summary.loading.into(),
            summary.retry_at.into(),
            load.clone(),
        );
    }
    let id = connection.id.clone();
    let health_id = connection.id.clone();
    let base = Route::paperless(&id).path();
    let Clock(now) = expect_context::<Clock>();
    view! {
        <article class="card" data-testid="server-card" data-kind="paperless">
            <header class="card-head">
                <h2><Link href=base.clone()>{connection.name.clone()}</Link></h2>
                <span class="muted">
                    "Paperless-ngx" {move || summary.data.get().map(|s| format!(" · API {}", s.api.number()))}
                </span>
                {move || summary.data.get().and_then(|s| s.health).map(|h| view! {
                    <Link href=Route::health(&health_id).path() attr:class="health-chip" attr:data-testid="health-chip" attr:title="Server health">
                        <span class=crate::pages::health::health_class(h.worst)>{h.words}</span>
                    </Link>
                })}
            </header>
            {needs_token.then(|| view! { <p class="hint">"Token needed: open Connections."</p> })}
            <StallNote connection=connection.id.clone() />
            {move || summary.data.get().and_then(|s| s.health).filter(|h| h.worker_down).map(|_| view! {
                <p class="worker worker-bad" data-testid="worker-status">{WORKER_DOWN}</p>
            })}
            <ErrorBanner error=summary.error kind=ServerKind::Paperless stale=Signal::derive(move || summary.data.with(Option::is_some)) on_retry=move |_| load() />
            {move || summary.data.get().map(|s| {
                let days = outcomes_per_day(&s.recent, now.get(), CHART_DAYS, web::local_offset_at(now.get()));
                view! {
                    <div class="stats">
                        <Stat label="Needs attention" value=s.open.needs_attention href=format!("{base}?status=attention") alert=true />
                        <Stat label="In progress" value=s.open.in_progress href=format!("{base}?status=progress") />
                        <Stat label="Completed" value=s.open.completed href=format!("{base}?status=completed") />
                    </div>
                    <p class="muted small">"Tasks not yet dismissed."</p>
                    <OutcomeChart days />
                }.into_any()
            }).or_else(|| waiting(summary.error, needs_token).then(|| view! {
                <StatsPlaceholder labels=["Needs attention", "In progress", "Completed"] />
                <p class="muted small">"Loading…"</p>
                <figure class="chart" aria-hidden="true">
                    <div class="chart-space"></div>
                    <div class="chart-axis"><span>"\u{a0}"</span></div>
                    <figcaption class="muted small">{format!("Last {CHART_DAYS} days: … succeeded, … failed or revoked (from the most recent tasks).")}</figcaption>
                </figure>
            }.into_any()))}
        </article>
    }
}

/// Bars of succeeded and failed tasks per day.
#[component]
fn OutcomeChart(days: Vec<DayOutcomes>) -> impl IntoView {
    let max = days
        .iter()
        .map(|d| d.succeeded + d.failed)
        .max()
        .unwrap_or(0)
        .max(1);
    let total_ok: u32 = days.iter().map(|d| d.succeeded).sum();
    let total_bad: u32 = days.iter().map(|d| d.failed).sum();
    // Integer coordinates: the SVG scales them, and formatting floats would
    // pull float printing into the WASM binary.
    let width: u32 = 14;
    let height: u32 = 48;
    let bar = |count: u32| height * count / max;
    let summary = format!(
        "Last {} days: {total_ok} succeeded, {total_bad} failed or revoked (from the most recent tasks).",
        days.len()
    );
    view! {
        <figure class="chart">
            <svg
                viewBox=format!("0 0 {} {height}", days.len() as u32 * width)
                role="img"
                aria-label=summary.clone()
                preserveAspectRatio="none"
            >
                {days.iter().enumerate().map(|(i, d)| {
                    let x = i as u32 * width + 2;
                    let ok_h = bar(d.succeeded);
                    let bad_h = bar(d.failed);
                    view! {
                        <g>
                            <title>{format!("{}: {} succeeded, {} failed", crate::state::time::month_day(&d.day), d.succeeded, d.failed)}</title>
                            <rect class="bar-ok" x=x y=height - ok_h width=width - 4 height=ok_h />
                            <rect class="bar-bad" x=x y=height - ok_h - bad_h width=width - 4 height=bad_h />
                        </g>
                    }
                }).collect_view()}
            </svg>
            // Day labels below the bars (text inside the stretched SVG would be distorted).
            <div class="chart-axis" aria-hidden="true" data-testid="chart-axis">
                {axis_days(&days).into_iter().map(|d| view! { <span>{crate::state::time::month_day(&d)}</span> }).collect_view()}
            </div>
            <figcaption class="muted small">{summary}</figcaption>
        </figure>
    }
}

/// The first, a middle and the last day of the chart.
fn axis_days(days: &[crate::state::overview::DayOutcomes]) -> Vec<chrono::NaiveDate> {
    match days {
        [] => vec![],
        [only] => vec![only.day],
        [first, .., last] => vec![first.day, days[days.len() / 2].day, last.day],
    }
}

#[component]
fn InvenTreeCard(connection: Connection) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let overview = Loader::<Overview>::new();
    let c = connection.clone();
    let needs_token = !connection.has_token();
    let load = move || {
        if needs_token {
            return;
        }
        let client = connections.inventree(&c);
        overview.run(async move {
            client
                .overview_call()
                .send(crate::transport::current())
                .await
        });
    };
    if !needs_token {
        load();
        use_auto_refresh(
            Signal::derive(|| false),
            overview.loading.into(),
            overview.retry_at.into(),
            load.clone(),
        );
    }
    let id = connection.id.clone();
    let queue = move |q| Route::queue(&id, q).path();
    view! {
        <article class="card" data-testid="server-card" data-kind="inventree">
            <header class="card-head">
                <h2><Link href=queue(Queue::Pending)>{connection.name.clone()}</Link></h2>
                <span class="muted">"InvenTree"</span>
            </header>
            <StallNote connection=connection.id.clone() />
            {needs_token.then(|| view! { <p class="hint">"Token needed: open Connections."</p> })}
            <ErrorBanner error=overview.error kind=ServerKind::InvenTree stale=Signal::derive(move || overview.data.with(Option::is_some)) on_retry=move |_| load() />
            {move || overview.data.get().map(|o| view! {
                <p class=if o.is_running { "worker worker-ok" } else { "worker worker-bad" } data-testid="worker-status">
                    {if o.is_running { "Background worker running" } else { "Background worker not running" }}
                </p>
                <div class="stats">
                    <Stat label="Pending" value=o.pending_tasks href=queue(Queue::Pending) />
                    <Stat label="Scheduled" value=o.scheduled_tasks href=queue(Queue::Scheduled) />
                    <Stat label="Failed" value=o.failed_tasks href=queue(Queue::Failed) alert=true />
                </div>
            }.into_any()).or_else(|| waiting(overview.error, needs_token).then(|| view! {
                <p class="worker worker-unknown">"Background worker: …"</p>
                <StatsPlaceholder labels=["Pending", "Scheduled", "Failed"] />
            }.into_any()))}
        </article>
    }
}
