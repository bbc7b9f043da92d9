//! Trends of one server: finished tasks per day (all, or one type), the
//! failure rate, duration and wait per type, the oldest waiting task, and
//! markers where the server's version changed. From the history of a
//! connected watcher (or the desktop app's own) where it watches this
//! server; else from what the server returns now, which knows less, and
//! the screen says so.

use chrono::{DateTime, Duration, FixedOffset, Utc};
use leptos::prelude::*;

use crate::api::inventree::{
    FailedOrder, FailedQuery, InvenTreeClient, PendingQuery, SortDirection,
};
use crate::api::paperless::{
    PaperlessClient, PaperlessTask, TaskOrderField, TaskOrdering, TaskQuery, TaskStatus,
};
use crate::api::{ApiError, ServerKind};
use crate::components::choice::ChoiceSelect;
use crate::components::feedback::ErrorBanner;
use crate::components::loader::Loader;
use crate::components::refresh::RefreshBar;
use crate::components::url_view::UrlView;
use crate::context::{Connections, reload_on_change};
use crate::location::{Link, use_location};
use crate::pages::ConnectionGate;
use crate::reactive::effect;
use crate::state::connections::Connection;
use crate::state::time::{duration, month_day};
use crate::state::trends::{
    Day, SpreadFrom, Trends, from_history, from_inventree, from_paperless, percent,
};
use crate::table::screen::sorted_params;
use crate::table::{param, to_query_string, with_param};
use crate::watching::{HistoryFrom, Watching};
use crate::web;

const PERIODS: [u32; 4] = [7, 14, 30, 90];
const DEFAULT_DAYS: u32 = 30;
/// Finished Paperless tasks read per page, and pages at most, without a
/// watcher (20,000 tasks: the newest of a busy server's month).
const PAGE: u32 = 1000;
const MAX_PAGES: u32 = 20;
/// InvenTree failed tasks read at most, without a watcher.
const FAILED_READ: u32 = 5000;

/// Where the figures came from.
#[derive(Clone, Debug, PartialEq)]
enum Source {
    History(HistoryFrom),
    /// What the server returns now.
    Server,
}

#[derive(Clone, Debug, PartialEq)]
struct Loaded {
    trends: Trends,
    source: Source,
    /// What the figures leave out.
    notes: Vec<String>,
}

fn days_of(params: &crate::table::Params) -> u32 {
    param(params, "days")
        .and_then(|d| d.parse().ok())
        .filter(|d| PERIODS.contains(d))
        .unwrap_or(DEFAULT_DAYS)
}

#[component]
pub fn TrendsPage(connection: String) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let id = connection.clone();
    // Either kind: the gate checks the one the connection has.
    let kind = Memo::new(move |_| {
        connections
            .find(&id)
            .map_or(ServerKind::Paperless, |c| c.kind)
    });
    move || {
        let connection = connection.clone();
        view! {
            <ConnectionGate id=connection kind=kind.get() let:connection>
                <TrendsScreen connection />
            </ConnectionGate>
        }
    }
}

/// The newest finished Paperless tasks back to `since` (bounded), and
/// whether the bound cut the period short.
async fn finished_since(
    client: &PaperlessClient,
    since: DateTime<Utc>,
) -> Result<(Vec<PaperlessTask>, bool), ApiError> {
    let transport = crate::transport::current();
    let mut tasks = Vec::new();
    for page in 1..=MAX_PAGES {
        let query = TaskQuery {
            is_complete: Some(true),
            ordering: Some(TaskOrdering {
                field: TaskOrderField::DateDone,
                descending: true,
            }),
            page: Some(page),
            page_size: Some(PAGE),
            ..TaskQuery::default()
        };
        let got = client.list_tasks(transport, &query).await?;
        let full = got.items.len() as u32 >= PAGE;
        // A 2.x server sends every task at once, whatever was asked.
        let whole = !got.server_paged;
        let reached = got
            .items
            .last()
            .and_then(|t| t.done)
            .is_some_and(|d| d < since);
        tasks.extend(got.items);
        if whole || !full || reached {
            return Ok((tasks, false));
        }
    }
    Ok((tasks, true))
}

async fn from_paperless_server(
    client: &PaperlessClient,
    now: DateTime<Utc>,
    days: u32,
) -> Result<Loaded, ApiError> {
    let since = now - Duration::days(i64::from(days));
    let (tasks, cut) = finished_since(client, since).await?;
    let oldest = if tasks.iter().any(|t| t.status == TaskStatus::Pending) {
        // A 2.x server's whole list holds the waiting tasks too.
        tasks
            .iter()
            .filter(|t| t.status == TaskStatus::Pending)
            .filter_map(|t| t.created)
            .min()
    } else {
        let query = TaskQuery::oldest_pending();
        client
            .list_tasks(crate::transport::current(), &query)
            .await?
            .items
            .first()
            .and_then(|t| t.created)
    };
    let waited = Some(oldest.map_or(0.0, |o| (now - o).num_seconds().max(0) as f64));
    let trends = from_paperless(&tasks, waited, now, days);
    let mut notes = Vec::new();
    if cut {
        let reached = tasks.iter().filter_map(|t| t.done).min();
        notes.push(format!(
            "Only the newest {} finished tasks were read{}: the days before are incomplete.",
            PAGE * MAX_PAGES,
            reached.map_or(String::new(), |r| format!(" (back to {})", month_day(&r)))
        ));
    }
    if tasks.iter().all(|t| t.duration_seconds.is_none()) && !tasks.is_empty() {
        notes.push(
            "This server does not say how long tasks ran or waited (Paperless-ngx 2.x).".into(),
        );
    }
    Ok(Loaded {
        trends,
        source: Source::Server,
        notes,
    })
}

async fn from_inventree_server(
    client: &InvenTreeClient,
    now: DateTime<Utc>,
    days: u32,
) -> Result<Loaded, ApiError> {
    let transport = crate::transport::current();
    // InvenTree's times carry no zone: read in this computer's.
    let offset: FixedOffset = web::local_offset_at(now);
    let failed = client
        .failed_call(&FailedQuery {
            limit: FAILED_READ,
            ordering: Some((FailedOrder::Stopped, SortDirection::Descending)),
            ..FailedQuery::default()
        })
        .send(transport)
        .await?;
    let pending = client
        .pending_call(&PendingQuery {
            limit: 100,
            offset: 0,
        })
        .send(transport)
        .await?;
    // A lock in the future is a task held or waiting to be retried.
    let oldest = pending
        .items
        .iter()
        .filter_map(|p| p.lock)
        .filter_map(|l| l.0.and_local_timezone(offset).single())
        .map(|t| t.with_timezone(&Utc))
        .filter(|t| *t <= now)
        .min();
    let waited = Some(oldest.map_or(0.0, |o| (now - o).num_seconds().max(0) as f64));
    let mut notes = vec![
        "InvenTree keeps no record of tasks that succeeded, and forgets failed ones after its retention: only failures are shown. A watcher keeps both.".to_string(),
    ];
    if failed.count > failed.items.len() as u64 {
        notes.push(format!(
            "Only the newest {} of {} failed tasks were read.",
            failed.items.len(),
            failed.count
        ));
    }
    Ok(Loaded {
        trends: from_inventree(&failed.items, offset, waited, now, days),
        source: Source::Server,
        notes,
    })
}

async fn load(
    connections: Connections,
    watching: Watching,
    connection: Connection,
    days: u32,
) -> Result<Loaded, ApiError> {
    let now = web::now();
    let from = (now - Duration::days(i64::from(days))).date_naive();
    let mut notes = Vec::new();
    match watching.history(&connection, from).await {
        Ok(Some((history, from_where))) => {
            return Ok(Loaded {
                trends: from_history(&history, now, days),
                source: Source::History(from_where),
                notes,
            });
        }
        Ok(None) => {}
        // The server can still say something: said, and carried on.
        Err(e) => notes.push(format!(
            "The watcher could not be read ({e}); these figures are from the server."
        )),
    }
    let mut loaded = match connection.kind {
        ServerKind::Paperless => {
            from_paperless_server(&connections.paperless(&connection), now, days).await?
        }
        ServerKind::InvenTree => {
            from_inventree_server(&connections.inventree(&connection), now, days).await?
        }
    };
    notes.append(&mut loaded.notes);
    loaded.notes = notes;
    Ok(loaded)
}

#[component]
fn TrendsScreen(connection: Connection) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let watching = expect_context::<Watching>();
    let query = use_location().query;
    let url = UrlView::new();
    let current = move || sorted_params(&query.read());
    let days = Memo::new(move |_| days_of(&current()));
    let task_type = Memo::new(move |_| param(&current(), "type").map(str::to_string));
    let data = Loader::<Loaded>::new();
    let c = connection.clone();
    let fetch = move || data.run(load(connections, watching, c.clone(), days.get_untracked()));
    let fetch_again = fetch.clone();
    effect(move || {
        days.track();
        fetch_again();
    });
    let on_refresh = {
        let fetch = fetch.clone();
        Callback::new(move |_| fetch())
    };
    reload_on_change(Some(connection.id.clone()), fetch);
    let kind = connection.kind;
    let name = connection.name.clone();
    let pick = move |key: &'static str| {
        move |value: String| {
            let p = with_param(current(), key, (!value.is_empty()).then_some(value));
            url.push(to_query_string(&p));
        }
    };
    let types = Memo::new(move |_| {
        data.data.with(|d| {
            d.as_ref()
                .map(|l| {
                    l.trends
                        .types
                        .iter()
                        .map(|t| t.task_type.clone())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    view! {
        <section class="screen" aria-labelledby="screen-title">
            <header class="screen-head">
                <div>
                    <h1 id="screen-title">"Trends"</h1>
                    <p class="muted">{format!("{name} · {} · per UTC day", kind.label())}</p>
                </div>
                <RefreshBar loading=data.loading updated=data.updated failed=Signal::derive(move || data.error.with(Option::is_some)) on_refresh />
            </header>
            <div class="filters">
                <ChoiceSelect
                    label="Over the last "
                    testid="trends-days"
                    options=PERIODS.iter().map(|d| (d.to_string(), format!("{d} days"))).collect()
                    selected=Signal::derive(move || days.get().to_string())
                    on_pick=pick("days")
                />
                {move || {
                    let options: Vec<(String, String)> = types.get().into_iter().map(|t| (t.clone(), t)).collect();
                    view! {
                        <ChoiceSelect
                            label=if kind == ServerKind::Paperless { "Task type " } else { "Function " }
                            testid="trends-type"
                            any=true
                            options
                            selected=Signal::derive(move || task_type.get().unwrap_or_default())
                            on_pick=pick("type")
                        />
                    }
                }}
            </div>
            <ErrorBanner error=data.error kind stale=Signal::derive(move || data.data.with(Option::is_some)) on_retry=on_refresh />
            {move || match data.data.get() {
                None if data.error.with(Option::is_some) => None,
                None => Some(view! { <p class="muted" data-testid="trends-loading">"Reading the history…"</p> }.into_any()),
                Some(loaded) => Some(view! { <TrendsView loaded task_type=task_type.get() /> }.into_any()),
            }}
        </section>
    }
}

#[component]
fn TrendsView(loaded: Loaded, task_type: Option<String>) -> impl IntoView {
    let Loaded {
        trends,
        source,
        notes,
    } = loaded;
    let (source_kind, said) = match &source {
        Source::History(HistoryFrom::Watcher(url)) => (
            "watcher",
            format!(
                "From the history of the watcher at {url}: every poll of this server, kept beyond what the server itself keeps."
            ),
        ),
        Source::History(HistoryFrom::Desktop) => (
            "desktop",
            "From this app's own history: it watches this server while it runs, also in the tray."
                .to_string(),
        ),
        Source::Server => (
            "server",
            if crate::ipc::in_desktop_app() {
                "From what the server returns now: this app's watcher has no history of this server yet.".to_string()
            } else {
                "From what the server returns now. Connect a watcher under Connections for a history that outlasts the server's own.".to_string()
            },
        ),
    };
    let filter = task_type.as_deref();
    let (succeeded, failed) = trends.totals(filter);
    let rate = trends.failure_rate(filter);
    let oldest = trends.oldest_pending_seconds;
    view! {
        <p class="banner banner-info" data-testid="trends-source" data-source=source_kind>
            {said}
            {(source_kind == "server").then(|| view! { " " <Link href="/connections">"Connections"</Link> })}
        </p>
        {notes.into_iter().map(|n| view! { <p class="banner banner-warn" data-testid="trends-note">{n}</p> }).collect_view()}
        <div class="stats trends-stats" data-testid="trends-stats">
            {trends.successes_known.then(|| view! { <Figure label="Succeeded" value=succeeded.to_string() /> })}
            <Figure label="Failed" value=failed.to_string() alert={failed > 0} />
            {trends.successes_known.then(|| view! { <Figure label="Failure rate" value=rate.map_or("–".into(), percent) /> })}
            <Figure label="Oldest waiting now" value=oldest.map_or("–".into(), |s| if s <= 0.0 { "none".into() } else { duration(s) }) />
            {trends.version.clone().map(|v| view! { <Figure label="Version" value=v /> })}
        </div>
        <DayChart days=trends.days.clone() markers=trends.markers.clone() task_type=task_type.clone() successes=trends.successes_known />
        {trends.waits_per_day.then(|| view! { <WaitChart days=trends.days.clone() /> })}
        <TypeTable trends />
    }
}

#[component]
fn Figure(
    label: &'static str,
    value: String,
    #[prop(default = false)] alert: bool,
) -> impl IntoView {
    view! {
        <div class=if alert { "stat stat-alert" } else { "stat" } data-stat=label>
            <span class="stat-value">{value}</span>
            <span class="stat-label">{label}</span>
        </div>
    }
}

/// The first, a middle and the last day.
fn axis(days: &[Day]) -> Vec<String> {
    match days {
        [] => vec![],
        [only] => vec![month_day(&only.day)],
        [first, .., last] => vec![
            month_day(&first.day),
            month_day(&days[days.len() / 2].day),
            month_day(&last.day),
        ],
    }
}

/// Succeeded and failed tasks per day, stacked, with a line where the
/// server's version changed. Plain SVG: integer coordinates, which the
/// SVG scales (float formatting would grow the download).
#[component]
fn DayChart(
    days: Vec<Day>,
    markers: Vec<crate::state::trends::Marker>,
    task_type: Option<String>,
    successes: bool,
) -> impl IntoView {
    let filter = task_type.as_deref();
    let counts: Vec<(u64, u64)> = days.iter().map(|d| d.outcomes(filter)).collect();
    let max = counts.iter().map(|(s, f)| s + f).max().unwrap_or(0).max(1);
    let (width, height) = (14u64, 80u64);
    let bar = |n: u64| height * n / max;
    let what = task_type.clone().unwrap_or_else(|| "all tasks".into());
    let summary = format!(
        "Finished per day over {} days ({what}): {} succeeded, {} failed.",
        days.len(),
        counts.iter().map(|c| c.0).sum::<u64>(),
        counts.iter().map(|c| c.1).sum::<u64>()
    );
    let first = days.first().map(|d| d.day);
    let marker_x = move |day: chrono::NaiveDate| {
        first.map(|f| (day - f).num_days().max(0) as u64 * width + width / 2)
    };
    view! {
        <figure class="chart trends-chart" data-testid="trends-chart">
            <h2 class="chart-title">{if successes { "Finished per day" } else { "Failed per day" }}</h2>
            <svg viewBox=format!("0 0 {} {height}", days.len() as u64 * width) role="img" aria-label=summary.clone() preserveAspectRatio="none">
                {days.iter().zip(&counts).enumerate().map(|(i, (d, (ok, bad)))| {
                    let x = i as u64 * width + 2;
                    let (ok_h, bad_h) = (bar(*ok), bar(*bad));
                    view! {
                        <g data-testid="trends-day" data-day=d.day.to_string() data-ok=ok.to_string() data-failed=bad.to_string()>
                            <title>{format!("{}: {ok} succeeded, {bad} failed", month_day(&d.day))}</title>
                            <rect class="bar-ok" x=x y=height - ok_h width=width - 4 height=ok_h />
                            <rect class="bar-bad" x=x y=height - ok_h - bad_h width=width - 4 height=bad_h />
                        </g>
                    }
                }).collect_view()}
                {markers.iter().filter_map(|m| marker_x(m.day).map(|x| view! {
                    <line class="version-marker" x1=x x2=x y1=0 y2=height data-testid="version-marker">
                        <title>{format!("{}: {}", month_day(&m.day), m.label)}</title>
                    </line>
                })).collect_view()}
            </svg>
            <div class="chart-axis" aria-hidden="true">
                {axis(&days).into_iter().map(|d| view! { <span>{d}</span> }).collect_view()}
            </div>
            <figcaption class="muted small">
                {summary}
                {markers.iter().map(|m| view! {
                    " " <span class="version-note" data-testid="version-note">{format!("Version {} from {}.", m.label, month_day(&m.day))}</span>
                }).collect_view()}
            </figcaption>
        </figure>
    }
}

/// The longest wait of each day (a watcher's polls).
#[component]
fn WaitChart(days: Vec<Day>) -> impl IntoView {
    let waits: Vec<u64> = days
        .iter()
        .map(|d| d.oldest_pending_seconds.map_or(0, |s| s.max(0.0) as u64))
        .collect();
    let max = waits.iter().copied().max().unwrap_or(0).max(1);
    let (width, height) = (14u64, 48u64);
    let worst = waits.iter().copied().max().unwrap_or(0);
    let summary = format!(
        "The oldest waiting task, per day: at worst {}.",
        if worst == 0 {
            "none waited".to_string()
        } else {
            duration(worst as f64)
        }
    );
    view! {
        <figure class="chart trends-chart" data-testid="wait-chart">
            <h2 class="chart-title">"Oldest waiting task per day"</h2>
            <svg viewBox=format!("0 0 {} {height}", days.len() as u64 * width) role="img" aria-label=summary.clone() preserveAspectRatio="none">
                {days.iter().zip(&waits).enumerate().map(|(i, (d, w))| {
                    let h = height * w / max;
                    view! {
                        <g>
                            <title>{format!("{}: {}", month_day(&d.day), if d.oldest_pending_seconds.is_none() { "not polled".to_string() } else { duration(*w as f64) })}</title>
                            <rect class="bar-wait" x=i as u64 * width + 2 y=height - h width=width - 4 height=h />
                        </g>
                    }
                }).collect_view()}
            </svg>
            <div class="chart-axis" aria-hidden="true">
                {axis(&days).into_iter().map(|d| view! { <span>{d}</span> }).collect_view()}
            </div>
            <figcaption class="muted small">{summary}</figcaption>
        </figure>
    }
}

#[component]
fn TypeTable(trends: Trends) -> impl IntoView {
    let spread = |s: Option<f64>| s.map_or("–".to_string(), duration);
    let note = match trends.spread_from {
        SpreadFrom::Days => {
            "Per type over the period. Duration and wait: p50 is the median of the daily medians (weighted by tasks), p95 the highest daily 95th percentile."
        }
        SpreadFrom::Tasks => "Per type over the period; duration and wait over every task read.",
    };
    let successes = trends.successes_known;
    view! {
        <h2 class="section-title">{if successes { "Per task type" } else { "Per function" }}</h2>
        <div class="table-wrap">
            <table class="data-table trends-types" data-testid="trends-types">
                <thead>
                    <tr>
                        <th scope="col" class="w-fill">{if successes { "Type" } else { "Function" }}</th>
                        {successes.then(|| view! { <th scope="col" class="num w-xs">"Succeeded"</th> })}
                        <th scope="col" class="num w-xs">"Failed"</th>
                        {successes.then(|| view! {
                            <th scope="col" class="num w-xs">"Revoked"</th>
                            <th scope="col" class="num w-xs">"Failure rate"</th>
                        })}
                        <th scope="col" class="num w-s">"Duration p50 / p95"</th>
                        {successes.then(|| view! { <th scope="col" class="num w-s">"Wait p50 / p95"</th> })}
                    </tr>
                </thead>
                <tbody>
                    {trends.types.is_empty().then(|| view! { <tr><td colspan="7" class="muted">"Nothing finished in this period."</td></tr> })}
                    {trends.types.iter().map(|t| view! {
                        <tr data-testid="trends-type-row" data-type=t.task_type.clone()>
                            <td class="clip" title=t.task_type.clone()>{t.task_type.clone()}</td>
                            {successes.then(|| view! { <td class="num">{t.succeeded.to_string()}</td> })}
                            <td class="num">{t.failed.to_string()}</td>
                            {successes.then(|| view! {
                                <td class="num">{t.revoked.to_string()}</td>
                                <td class="num" data-testid="type-rate">{t.rate().map_or("–".into(), percent)}</td>
                            })}
                            <td class="num">{format!("{} / {}", spread(t.duration.p50), spread(t.duration.p95))}</td>
                            {successes.then(|| view! { <td class="num">{format!("{} / {}", spread(t.wait.p50), spread(t.wait.p95))}</td> })}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <p class="muted small">{note}</p>
    }
}
