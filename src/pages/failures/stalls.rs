//! Stalls, seen from outside: a look at each server taken with the
//! attention poll (which runs once a minute anyway, and lends its own
//! readings: the 2.x task list, the status, InvenTree's queue counts), the
//! note on the overview card, and each server's thresholds.

use chrono::Duration;
use leptos::prelude::*;
use taskdeck_triage::stall::{Observation, Thresholds};

use crate::api::LocalBoxFuture;
use crate::api::inventree::{Overview, PendingQuery, ScheduledQuery};
use crate::api::paperless::{
    PaperlessApi, PaperlessClient, PaperlessTask, TaskOrderField, TaskOrdering, TaskQuery,
    TaskStatus,
};
use crate::api::paperless_admin::HealthReport;
use crate::components::form::TextField;
use crate::context::Connections;
use crate::location::Link;
use crate::state::connections::Connection;
use crate::state::route::Route;
use crate::state::triage::{
    GROWING_OVER, MIN_PENDING, QUIET_MINUTES, span, stall_details, stall_evidence, stall_summary,
};
use crate::store::full_lists::FullList;
use crate::web;

/// Pending InvenTree tasks read for the oldest one's age (the queue is
/// listed oldest first).
const PENDING_LOOKED_AT: u32 = 100;
/// Schedules read (a server has a few dozen).
const SCHEDULES_LOOKED_AT: u32 = 500;

/// A look at a Paperless server: the tasks not finished and the newest
/// finished. A 2.x server's open list, when the poll read it, holds both;
/// a 3.x server is asked for its active list and its newest finished task.
/// `health` is the status the poll read.
pub fn look_at_paperless<'a>(
    connections: Connections,
    c: &'a Connection,
    client: &'a PaperlessClient,
    open_list: Option<&'a FullList>,
    health: Option<&'a HealthReport>,
) -> LocalBoxFuture<'a, ()> {
    Box::pin(look_at_paperless_now(
        connections,
        c,
        client,
        open_list,
        health,
    ))
}

async fn look_at_paperless_now(
    connections: Connections,
    c: &Connection,
    client: &PaperlessClient,
    open_list: Option<&FullList>,
    health: Option<&HealthReport>,
) {
    let transport = crate::transport::current();
    let tasks: Vec<PaperlessTask> = match (client.api(), open_list) {
        (PaperlessApi::V9, Some(list)) => list.0.clone(),
        (PaperlessApi::V9, None) => return,
        (PaperlessApi::V10, _) => {
            let Ok(mut tasks) = crate::engine::paperless::running_now(client, transport).await
            else {
                return;
            };
            let newest_done = TaskQuery {
                status: vec![TaskStatus::Success, TaskStatus::Failure],
                ordering: Some(TaskOrdering {
                    field: TaskOrderField::DateDone,
                    descending: true,
                }),
                page_size: Some(1),
                ..TaskQuery::default()
            };
            let Ok(done) = client.list_tasks(transport, &newest_done).await else {
                return;
            };
            // A server that turned out to send everything: the open list
            // of the next poll is the better look.
            if !done.server_paged {
                return;
            }
            tasks.extend(done.items);
            tasks
        }
    };
    connections
        .stalls
        .record(&c.id, Observation::paperless(web::now(), &tasks, health));
}

/// A look at an InvenTree server: the queue counts the poll read, the
/// oldest pending tasks and the schedules (InvenTree lists no finished
/// task: the schedules' last runs are the sign that work is done).
pub fn look_at_inventree<'a>(
    connections: Connections,
    c: &'a Connection,
    overview: Option<&'a Overview>,
) -> LocalBoxFuture<'a, ()> {
    Box::pin(look_at_inventree_now(connections, c, overview))
}

async fn look_at_inventree_now(
    connections: Connections,
    c: &Connection,
    overview: Option<&Overview>,
) {
    let Some(overview) = overview else { return };
    let client = connections.inventree(c);
    let transport = crate::transport::current();
    let pending = PendingQuery {
        limit: PENDING_LOOKED_AT,
        offset: 0,
    };
    let Ok(pending) = client.pending_call(&pending).send(transport).await else {
        return;
    };
    let schedules = ScheduledQuery {
        limit: SCHEDULES_LOOKED_AT,
        ..ScheduledQuery::default()
    };
    let Ok(schedules) = client.scheduled_call(&schedules).send(transport).await else {
        return;
    };
    let observation = Observation::inventree(
        web::now(),
        Some(overview.is_running),
        overview.pending_tasks,
        &pending.items,
        &schedules.items,
        web::local_offset_at(web::now()),
    );
    connections.stalls.record(&c.id, observation);
}

/// The stall of a server in one line, its evidence, and when it began,
/// for the inbox.
pub fn stall_words(
    connections: Connections,
    connection: &str,
) -> Option<(String, String, chrono::DateTime<chrono::Utc>)> {
    let stall = connections.stalls.of_untracked(connection)?;
    Some((
        stall_summary(&stall),
        stall_evidence(&stall).join(" "),
        stall.since,
    ))
}

/// On a server's overview card: stalled, and why (nothing when work moves).
#[component]
pub fn StallNote(connection: String) -> impl IntoView {
    let stalls = expect_context::<Connections>().stalls;
    move || {
        stalls.of(&connection).map(|stall| {
            let evidence = stall_details(&stall);
            view! {
                <div class="stall-note" role="status" data-testid="stall">
                    <strong>{stall_summary(&stall)}</strong>
                    <ul class="small">{super::items(evidence)}</ul>
                    <Link href=Route::Failures.path()>"Stall thresholds and failures by cause"</Link>
                </div>
            }
        })
    }
}

/// Every server's state as the looks show it, and its thresholds: folded
/// away while nothing is stalled.
#[component]
pub fn StallPanel() -> impl IntoView {
    let connections = expect_context::<Connections>();
    let stalls = connections.stalls;
    let servers = Memo::new(move |_| {
        connections
            .list
            .get()
            .into_iter()
            .filter(Connection::has_token)
            .collect::<Vec<_>>()
    });
    let stalled =
        move || servers.with(|list| list.iter().filter(|c| stalls.of(&c.id).is_some()).count());
    let any_stalled = move || stalled() > 0;
    view! {
        <details class="panel stall-panel" data-testid="stall-panel" prop:open=any_stalled>
            <summary class="panel-title">
                {move || match (stalled(), servers.with(Vec::len)) {
                    (0, n) => format!("Stalls: none of {}", crate::state::plural(n, "server")),
                    (s, n) => format!("Stalls: {s} of {}", crate::state::plural(n, "server")),
                }}
            </summary>
            <p class="muted small">
                "A stopped worker leaves no failed row: work just stops moving. Each server is looked at once a minute; it counts as stalled when nothing completes for a while as work waits, when waiting work keeps growing with nothing completing, or (InvenTree) when schedules are overdue."
            </p>
            <ul class="stall-list">
                {move || servers.get().into_iter().map(|c| {
                    let id = c.id.clone();
                    let state = {
                        let id = id.clone();
                        move || match (stalls.of(&id), stalls.last_look(&id)) {
                            (Some(stall), _) => view! {
                                <span class="badge badge-bad">"stalled"</span>
                                " "
                                <span>{stall_summary(&stall).trim_start_matches("Stalled: ").to_string()}</span>
                            }.into_any(),
                            (None, Some(_)) => view! { <span class="badge badge-ok">"work moves"</span> }.into_any(),
                            (None, None) => view! { <span class="muted">"not looked at yet"</span> }.into_any(),
                        }
                    };
                    view! {
                        <li data-connection=id.clone()>
                            <strong>{c.name.clone()}</strong>
                            " "
                            {state}
                            <ThresholdsForm connection=id.clone() />
                        </li>
                    }
                }).collect_view()}
            </ul>
        </details>
    }
}

/// A server's thresholds in words, with a form to change them.
#[component]
fn ThresholdsForm(connection: String) -> impl IntoView {
    let stalls = expect_context::<Connections>().stalls;
    let current = RwSignal::new(stalls.thresholds(&connection));
    let editing = RwSignal::new(false);
    let quiet = RwSignal::new(String::new());
    let pending = RwSignal::new(String::new());
    let growing = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let connection = StoredValue::new(connection);
    let edit = move |_| {
        let t = current.get_untracked();
        quiet.set(t.quiet_for.num_minutes().to_string());
        pending.set(t.min_pending.to_string());
        growing.set(t.growing_over.to_string());
        problem.set(None);
        editing.set(true);
    };
    let keep = move |t: Thresholds| {
        stalls.set_thresholds(&connection.get_value(), t);
        current.set(t);
        editing.set(false);
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let number = |s: &str| s.trim().parse::<i64>().ok();
        let within = |v: Option<i64>, (lo, hi): (i64, i64)| v.filter(|v| *v >= lo && *v <= hi);
        let q = within(number(&quiet.get_untracked()), QUIET_MINUTES);
        let p = within(
            number(&pending.get_untracked()),
            (MIN_PENDING.0 as i64, MIN_PENDING.1 as i64),
        );
        let g = within(
            number(&growing.get_untracked()),
            (GROWING_OVER.0 as i64, GROWING_OVER.1 as i64),
        );
        match (q, p, g) {
            (Some(q), Some(p), Some(g)) => keep(Thresholds {
                quiet_for: Duration::minutes(q),
                min_pending: p as u64,
                growing_over: g as usize,
            }),
            _ => problem.set(Some(format!(
                "Quiet for {}–{} minutes, at least {}–{} waiting, growing over {}–{} looks.",
                QUIET_MINUTES.0,
                QUIET_MINUTES.1,
                MIN_PENDING.0,
                MIN_PENDING.1,
                GROWING_OVER.0,
                GROWING_OVER.1
            ))),
        }
    };
    view! {
        <p class="muted small thresholds" data-testid="stall-thresholds">
            {move || {
                let t = current.get();
                format!(
                    "Stalled when nothing completes for {} while {} or more wait, or waiting work grows over {} looks{}.",
                    span(t.quiet_for),
                    t.min_pending,
                    t.growing_over,
                    if t == Thresholds::default() { " (the defaults)" } else { "" }
                )
            }}
            " "
            <button class="btn btn-link btn-small" data-testid="edit-thresholds" on:click=edit>"Change"</button>
        </p>
        {move || editing.get().then(|| view! {
            <form class="thresholds-form" on:submit=save>
                <TextField label="Quiet for (minutes) " name="stall-quiet" value=quiet kind="number" />
                <TextField label="At least waiting " name="stall-pending" value=pending kind="number" />
                <TextField label="Growing over (looks) " name="stall-growing" value=growing kind="number" />
                <button class="btn btn-small btn-primary" type="submit" data-testid="save-thresholds">"Save"</button>
                <button class="btn btn-small" type="button" on:click=move |_| keep(Thresholds::default())>"Defaults"</button>
                <button class="btn btn-small" type="button" on:click=move |_| editing.set(false)>"Cancel"</button>
                {move || problem.get().map(|p| view! { <p class="hint" role="alert">{p}</p> })}
            </form>
        })}
    }
}
