//! One attention inbox across every connected server, of either kind:
//! Paperless failures not yet dismissed, InvenTree failed tasks, stopped
//! workers and health checks in error; newest first, each linking to its
//! table and details, new ones (since that list was last opened) marked.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use crate::location::Link;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::api::UnreadableRow;
use crate::api::inventree::{FailedOrder, FailedQuery, SortDirection};
use crate::api::paperless::{PaperlessApi, TaskOrderField, TaskOrdering, TaskQuery, TaskStatus};
use crate::api::paperless_admin::Health;
use crate::api::time::ServerTime;
use crate::components::drawer::{Detail, field};
use crate::components::time::{ServerWhen, When};
use crate::context::Connections;
use crate::pages::health::{StatusAge, paperless_health};
use crate::state::connections::{Connection, KeyValueStore, ServerKind};
use crate::state::inventree_view::Queue;
use crate::state::notify::Item;
use crate::state::plural;
use crate::state::route::Route;
use crate::state::seen::{Watched, is_new, last_seen, local_server_time, mark_seen};
use crate::store::full_lists::FullList;
use crate::table::cells::{self, cell};
use crate::table::local::{ListMeta, LocalRow, LocalSource};
use crate::table::{Column, Row, RowDetails, TableScreen, Width};
use crate::web;

/// Failures read per server: the newest.
const PER_SERVER: u32 = 100;

/// The "new" marks' column, named for screen readers only.
const NEW_MARK: &str = "New since last seen";

const COLUMNS: [Column; 5] = [
    // The "new" marks: no column where nothing is new.
    Column::plain(NEW_MARK, Width::Xs)
        .collapses()
        .label_for_screen_readers(),
    Column::sorted("When", "when", true, Width::M),
    Column::sorted("Server", "server", false, Width::M),
    Column::plain("What", Width::Fill),
    Column::plain("Error", Width::Fill),
];

pub struct AttentionRow {
    key: String,
    server: String,
    /// A stopped worker or a health error, not a failed task.
    problem: bool,
    what: String,
    error: String,
    /// For ordering; InvenTree's zone-less times taken as local time.
    at: Option<DateTime<Utc>>,
    server_time: Option<ServerTime>,
    href: String,
    new: bool,
}

impl AttentionRow {
    pub fn is_new(&self) -> bool {
        self.new
    }

    /// The row as the notification rule sees it.
    pub fn item(&self) -> Item<'_> {
        Item {
            key: &self.key,
            server: &self.server,
            new: self.new,
            problem: self.problem.then_some(self.what.as_str()),
        }
    }
}

impl Row for AttentionRow {
    fn key(&self) -> String {
        self.key.clone()
    }

    fn is_blank(&self, column: &str) -> bool {
        column == NEW_MARK && !self.new
    }

    fn label(&self) -> String {
        format!("{}: {}", self.server, self.what)
    }

    fn cells(&self) -> Vec<AnyView> {
        let when = match self.server_time {
            Some(t) => view! { <ServerWhen at=Some(t) /> }.into_any(),
            None => view! { <When at=self.at /> }.into_any(),
        };
        vec![
            cell(
                self.new
                    .then(|| view! { <span class="badge badge-new">"new"</span> }),
            ),
            cell(when),
            cells::text(self.server.clone()),
            {
                let (href, what) = (self.href.clone(), self.what.clone());
                cell(view! { <Link href=href>{what}</Link> })
            },
            cells::text(self.error.clone()),
        ]
    }

    fn details(&self) -> RowDetails {
        RowDetails {
            title: self.what.clone(),
            subtitle: self.server.clone(),
            fields: vec![
                field(
                    "Error",
                    Detail::text_or_missing(Some(self.error.clone()).filter(|e| !e.is_empty())),
                ),
                match self.server_time {
                    Some(t) => field("When", Detail::ServerTime(Some(t))),
                    None => field("When", Detail::Time(self.at)),
                },
                field(
                    "New",
                    Detail::Text(if self.new { "yes" } else { "no" }.into()),
                ),
                field(
                    "Open",
                    Detail::View(ViewFn::from({
                        let href = self.href.clone();
                        move || view! { <Link href=href.clone()>"In its table"</Link> }.into_any()
                    })),
                ),
            ],
        }
    }
}

impl LocalRow for AttentionRow {
    fn haystack(&self) -> String {
        format!("{} {} {}", self.server, self.what, self.error).to_lowercase()
    }

    /// A row without a time (a stopped worker, a health error, rows that
    /// could not be read) is a state of now: newest first puts it on top.
    fn compare(&self, other: &Self, sort: &str) -> Ordering {
        match sort {
            "server" => self.server.cmp(&other.server),
            _ => match (self.at, other.at) {
                (Some(a), Some(b)) => a.cmp(&b),
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
            },
        }
    }
}

fn problem(
    c: &Connection,
    what: String,
    error: String,
    href: String,
    seen: Option<DateTime<Utc>>,
) -> AttentionRow {
    AttentionRow {
        key: format!("{}:{what}", c.id),
        server: c.name.clone(),
        problem: true,
        what,
        error,
        at: None,
        server_time: None,
        href,
        new: is_new(None, seen),
    }
}

/// Rows of a server's answer that could not be read: one item that counts
/// them, linking to the one by its key when there is one, so a failure the
/// console cannot read is never silently left out of the inbox.
fn unreadable_row(
    c: &Connection,
    unreadable: &[UnreadableRow],
    noun: &str,
    list: &str,
    seen: Option<DateTime<Utc>>,
) -> AttentionRow {
    let href = match unreadable {
        [one] => match &one.key {
            Some(key) => format!("{list}?task={key}"),
            None => list.to_string(),
        },
        _ => list.to_string(),
    };
    AttentionRow {
        key: format!("{}:unreadable", c.id),
        server: c.name.clone(),
        problem: true,
        what: format!("{} could not be read", plural(unreadable.len(), noun)),
        error: unreadable
            .iter()
            .map(|u| u.reason.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        at: None,
        server_time: None,
        href,
        new: is_new(None, seen),
    }
}

async fn paperless_rows(
    connections: Connections,
    c: &Connection,
    seen_at: &SeenAt,
) -> Vec<AttentionRow> {
    let client = connections.paperless(c);
    let seen = seen_at(&c.id, Watched::PaperlessTasks);
    let query = TaskQuery {
        status: vec![TaskStatus::Failure],
        acknowledged: Some(false),
        ordering: Some(TaskOrdering {
            field: TaskOrderField::DateCreated,
            descending: true,
        }),
        page_size: Some(PER_SERVER),
        ..TaskQuery::default()
    };
    let shared = connections.full_lists;
    let reused = if client.api() == PaperlessApi::V9 {
        shared.recent_or_being_read(&c.id, Some(false)).await
    } else {
        None
    };
    let listed = match reused {
        Some(list) => Ok(list),
        None => {
            let _reading = (client.api() == PaperlessApi::V9).then(|| shared.reading(&c.id));
            client
                .list_tasks(crate::transport::current(), &query)
                .await
                .map(|page| {
                    let list: FullList = Rc::new((page.items, page.unreadable));
                    if !page.server_paged {
                        shared.keep(&c.id, Some(false), list.clone());
                    }
                    list
                })
        }
    };
    let mut rows = match listed {
        Ok(list) => std::iter::once(&list.1)
            .filter(|unreadable| !unreadable.is_empty())
            .map(|unreadable| {
                // API 10 was asked for failures; API 9 sends every task, so
                // there an unreadable row may or may not be one.
                let noun = if client.api() == PaperlessApi::V9 {
                    "task-list row"
                } else {
                    "failed task"
                };
                unreadable_row(c, unreadable, noun, &Route::paperless(&c.id).path(), seen)
            })
            .chain(
                list.0
                    .iter()
                    // API 9 filters here: failures only, newest first.
                    .filter(|t| t.status == TaskStatus::Failure && !t.acknowledged)
                    .map(|t| {
                        let at = t.done.or(t.created);
                        AttentionRow {
                            key: format!("{}:task:{}", c.id, t.id),
                            server: c.name.clone(),
                            problem: false,
                            what: format!("{} failed: {}", t.task_type.label(), t.display_name()),
                            error: t.result_message.clone().unwrap_or_default(),
                            at,
                            server_time: None,
                            href: format!("{}?task={}", Route::paperless(&c.id).path(), t.id),
                            new: is_new(at, seen),
                        }
                    }),
            )
            .collect(),
        Err(e) => vec![problem(
            c,
            "Tasks could not be read".into(),
            e.to_string(),
            Route::paperless(&c.id).path(),
            seen,
        )],
    };
    rows.truncate(PER_SERVER as usize);
    if let Ok(report) = paperless_health(
        &client,
        connections.status_reads,
        &c.id,
        StatusAge::UpToAMinute,
    )
    .await
    {
        rows.extend(
            report
                .checks
                .iter()
                .filter(|check| check.health == Health::Error)
                .map(|check| {
                    problem(
                        c,
                        format!("{}: error", check.name),
                        check.detail.clone().unwrap_or_default(),
                        Route::health(&c.id).path(),
                        seen,
                    )
                }),
        );
    }
    rows
}

async fn inventree_rows(
    connections: Connections,
    c: &Connection,
    seen_at: &SeenAt,
) -> Vec<AttentionRow> {
    let client = connections.inventree(c);
    let seen = seen_at(&c.id, Watched::InvenTreeFailed);
    let offset = web::local_offset_at(web::now());
    let query = FailedQuery {
        limit: PER_SERVER,
        ordering: Some((FailedOrder::Stopped, SortDirection::Descending)),
        ..FailedQuery::default()
    };
    let failed_href = Route::queue(&c.id, Queue::Failed).path();
    let mut rows: Vec<AttentionRow> = match client
        .failed_call(&query)
        .send(crate::transport::current())
        .await
    {
        Ok(page) => std::iter::once(&page.unreadable)
            .filter(|unreadable| !unreadable.is_empty())
            .map(|unreadable| unreadable_row(c, unreadable, "failed task", &failed_href, seen))
            .collect::<Vec<_>>()
            .into_iter()
            .chain(page.items.into_iter().map(|t| {
                let at = t.stopped.and_then(|s| local_server_time(s, offset));
                AttentionRow {
                    key: format!("{}:failed:{}", c.id, t.pk),
                    server: c.name.clone(),
                    problem: false,
                    what: format!(
                        "Failed: {}",
                        t.func.as_deref().unwrap_or("(unknown function)")
                    ),
                    error: t.error_summary().unwrap_or_default().to_string(),
                    at,
                    server_time: t.stopped,
                    href: format!("{failed_href}?task={}", t.pk),
                    new: is_new(at, seen),
                }
            }))
            .collect(),
        Err(e) => vec![problem(
            c,
            "Failed tasks could not be read".into(),
            e.to_string(),
            failed_href,
            seen,
        )],
    };
    if let Ok(overview) = client
        .overview_call()
        .send(crate::transport::current())
        .await
        && !overview.is_running
    {
        rows.push(problem(
            c,
            "the background worker is not running".into(),
            format!("{} tasks are waiting", overview.pending_tasks),
            Route::health(&c.id).path(),
            seen,
        ));
    }
    rows
}

/// When the user last looked at a server's list: what is newer is new.
pub type SeenAt = Rc<dyn Fn(&str, Watched) -> Option<DateTime<Utc>>>;

/// As the browser remembers it.
pub fn seen_as_stored() -> SeenAt {
    Rc::new(|connection, list| last_seen(&web::local_store(), connection, list))
}

/// Every server's rows, one server after the other (a server that fails
/// is a row of its own, never hiding the others).
pub async fn inbox(connections: Connections, seen_at: SeenAt) -> Vec<Arc<AttentionRow>> {
    let list = connections.with_token();
    let mut rows = Vec::new();
    for c in &list {
        rows.extend(match c.kind {
            ServerKind::Paperless => paperless_rows(connections, c, &seen_at).await,
            ServerKind::InvenTree => inventree_rows(connections, c, &seen_at).await,
        });
    }
    rows.into_iter().map(Arc::new).collect()
}

/// Per connection and list, when it was seen before the inbox was opened.
type SeenBefore = HashMap<(String, &'static str), Option<DateTime<Utc>>>;

/// Opening the inbox is seeing what it shows: each server's lists count as
/// seen from then on (the navigation's count clears), while this visit
/// still marks what was new before it, as the lists themselves do.
fn seen_by_opening() -> SeenAt {
    let before: Rc<RefCell<SeenBefore>> = Rc::default();
    Rc::new(move |connection, list| {
        let store = web::local_store();
        let slot = (
            connection.to_string(),
            match list {
                Watched::PaperlessTasks => "paperless",
                Watched::InvenTreeFailed => "inventree",
            },
        );
        let earlier = *before
            .borrow_mut()
            .entry(slot)
            .or_insert_with(|| last_seen(&store, connection, list));
        mark_seen(&store, connection, list, web::now());
        earlier
    })
}

/// How many new items the inbox holds, for the navigation.
#[derive(Clone, Copy)]
pub struct NewCount(pub RwSignal<Option<usize>>);

#[component]
pub fn AttentionPage() -> impl IntoView {
    let connections = expect_context::<Connections>();
    let count = use_context::<NewCount>();
    let meta = ListMeta {
        columns: &COLUMNS,
        table_id: "attention",
        noun: "item",
        default_sort: "-when",
        search: "Search server, task or error ( / )",
        gone: "No longer needs attention.",
    };
    let seen_at = seen_by_opening();
    let source = LocalSource::shared(meta, move |_| {
        let seen_at = seen_at.clone();
        Box::pin(async move {
            let rows = inbox(connections, seen_at).await;
            // All of it is on screen now: nothing unseen is left.
            if let Some(count) = count {
                count.0.try_set(Some(0));
            }
            Ok(rows)
        })
    });
    let above = || view! { <NotifyOptIn /> };
    view! {
        <TableScreen
            source
            kind=ServerKind::Paperless
            above=above
            title="Attention"
            subtitle=|| "Failures not dealt with, stopped workers and health errors on every server; “new” since that list was last opened"
        />
    }
}

/// Where the choice to be notified in this browser is kept.
pub const NOTIFY_KEY: &str = "taskdeck.notify";

/// Browser notifications, asked for only when the user clicks.
#[component]
fn NotifyOptIn() -> impl IntoView {
    if crate::ipc::in_desktop_app() {
        return view! {
            <p class="muted small">"The desktop app notifies per server: tick “notify” under Connections."</p>
        }
        .into_any();
    }
    let on =
        RwSignal::new(web::notifications_granted() && web::local_store().get(NOTIFY_KEY).is_some());
    let denied = RwSignal::new(false);
    let toggle = move |_| {
        if on.get_untracked() {
            web::local_store().remove(NOTIFY_KEY);
            on.set(false);
            return;
        }
        leptos::task::spawn_local(async move {
            if web::ask_notifications().await {
                web::local_store().set(NOTIFY_KEY, "on");
                on.try_set(true);
            } else {
                denied.try_set(true);
            }
        });
    };
    view! {
        <p class="notify-opt-in">
            <button class="btn btn-small" data-testid="notify-toggle" aria-pressed=move || on.get().to_string() on:click=toggle>
                {move || if on.get() { "Notifications on: turn off" } else { "Notify me of new failures" }}
            </button>
            <span class="muted small">
                {move || if denied.get() {
                    "This browser did not allow notifications (see its site settings)."
                } else {
                    " In this browser, also while the tab is in the background; many new failures are one notification."
                }}
            </span>
        </p>
    }
    .into_any()
}
