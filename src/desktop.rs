//! Desktop niceties: the window title counts what needs attention on all
//! servers (failed tasks, stopped workers, health errors), and opted-in
//! servers raise a notification for what is new.

use leptos::prelude::*;

use crate::api::ipc::{self, AttentionArgs, OpenArgs};
use crate::api::paperless::{PaperlessApi, StatusCounts, TaskQuery};
use crate::api::paperless_admin::Health;
use crate::components::feedback::{ToastKind, Toasts};
use crate::context::Connections;
use crate::pages::health::{StatusAge, paperless_health};
use crate::reactive::effect;
use crate::state::attention::{Attention, FailureWatch};
use crate::state::connections::{Connection, ServerKind};
use crate::web;

const POLL: std::time::Duration = std::time::Duration::from_secs(60);

/// What needs attention on one server: failed tasks, and problems (a
/// stopped worker, health checks in error). `None` when it cannot be read.
async fn attention(connections: Connections, c: &Connection) -> Option<Attention> {
    let failed = failures(connections, c).await?;
    let problems = match c.kind {
        // Only for users who may read the status; others get no problems.
        ServerKind::Paperless => match paperless_health(
            &connections.paperless(c),
            connections.status_reads,
            &c.id,
            StatusAge::UpToAMinute,
        )
        .await
        {
            Ok(report) => report
                .checks
                .iter()
                .filter(|check| check.health == Health::Error)
                .map(|check| format!("{}: error", check.name))
                .collect(),
            Err(_) => Vec::new(),
        },
        ServerKind::InvenTree => match connections
            .inventree(c)
            .overview_call()
            .send(crate::transport::current())
            .await
        {
            Ok(o) if !o.is_running => vec!["the background worker is not running".to_string()],
            _ => Vec::new(),
        },
    };
    Some(Attention { failed, problems })
}

/// Failed tasks needing attention on one server: unacknowledged failed or
/// revoked Paperless tasks, or InvenTree's failed queue.
async fn failures(connections: Connections, c: &Connection) -> Option<u64> {
    match c.kind {
        ServerKind::Paperless => {
            let client = connections.paperless(c);
            let open = TaskQuery {
                acknowledged: Some(false),
                ..TaskQuery::default()
            };
            if client.api() == PaperlessApi::V9 {
                let all = client
                    .list_tasks(crate::transport::current(), &open)
                    .await
                    .ok()?;
                return Some(StatusCounts::of(&all.items).needs_attention);
            }
            match client
                .status_counts(crate::transport::current(), &open)
                .await
            {
                Ok(counts) => Some(counts.needs_attention),
                Err(_) => {
                    // Perhaps a 2.x server: one list request settles the version.
                    client
                        .list_tasks(
                            crate::transport::current(),
                            &TaskQuery {
                                page_size: Some(1),
                                ..open
                            },
                        )
                        .await
                        .ok()?;
                    None
                }
            }
        }
        ServerKind::InvenTree => connections
            .inventree(c)
            .overview_call()
            .send(crate::transport::current())
            .await
            .ok()
            .map(|o| o.failed_tasks),
    }
}

/// Document links open in the system browser: the webview itself does not
/// navigate to other sites. The app's Rust side checks that the page
/// belongs to the connection's server.
fn open_server_links_in_browser() {
    let toasts = use_context::<Toasts>();
    web::intercept_server_links(move |connection_id, url| {
        leptos::task::spawn_local(async move {
            let args = OpenArgs { connection_id, url };
            if let Err(e) = crate::ipc::desktop::<_, ()>(ipc::OPEN_IN_BROWSER, &args).await
                && let Some(toasts) = toasts
            {
                toasts.show(ToastKind::Error, e);
            }
        });
    });
}

/// Starts the poll; does nothing outside the desktop app.
pub fn watch_attention(connections: Connections) {
    if !crate::ipc::in_desktop_app() {
        return;
    }
    open_server_links_in_browser();
    let watch = StoredValue::new_local(FailureWatch::default());
    let poll = move || {
        let list = connections.with_token();
        leptos::task::spawn_local(async move {
            let ids: Vec<String> = list.iter().map(|c| c.id.clone()).collect();
            for c in &list {
                let Some(now) = attention(connections, c).await else {
                    continue;
                };
                // Notifications follow the inbox's rule (`app::watch_new`);
                // here only the title's count.
                watch.update_value(|w| w.record(&c.id, now));
            }
            let count = watch
                .try_update_value(|w| {
                    w.forget_others(&ids);
                    w.total()
                })
                .unwrap_or(0);
            let _ =
                crate::ipc::desktop::<_, ()>(ipc::SET_ATTENTION, &AttentionArgs { count }).await;
        });
    };
    effect(move || {
        if connections.ready.get() {
            connections.list.track();
            poll();
        }
    });
    if let Ok(handle) = set_interval_with_handle(poll, POLL) {
        on_cleanup(move || handle.clear());
    }
}
