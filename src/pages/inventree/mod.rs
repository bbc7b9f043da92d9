//! InvenTree's three queues on the shared table screen, with the worker's
//! state and the queue tabs above; [`source`] fetches and deletes, each
//! queue's file says how its rows look.

pub mod errors;
pub mod failed;
pub mod lists;
pub mod pending;
pub mod scheduled;
pub mod source;
pub mod warnings;

use std::rc::Rc;

use crate::location::Link;
use crate::location::use_location;
use leptos::prelude::*;

use crate::api::inventree::{InvenTreeClient, Overview};
use crate::components::loader::Loader;
use crate::components::url_view::UrlView;
use crate::context::Connections;
use crate::pages::ConnectionGate;
use crate::reactive::effect;
use crate::state::connections::{Connection, ServerKind};
use crate::state::inventree_view::{Queue, QueueView};
use crate::state::route::Route;
use crate::state::seen::{self, Watched};
use crate::table::TableScreen;
use crate::table::parts::alert_class;
use crate::web;
use source::QueueSource;

/// One queue of the connection named in the URL.
#[component]
pub fn QueuePage(connection: String, queue: Queue) -> impl IntoView {
    view! {
        <ConnectionGate id=connection kind=ServerKind::InvenTree let:connection>
            <QueueScreen connection queue />
        </ConnectionGate>
    }
}

/// Links between the three queues, with the counts of `/api/background-task/`.
#[component]
fn QueueTabs(connection_id: String, current: Queue, overview: Loader<Overview>) -> impl IntoView {
    view! {
        <nav class="tabs" aria-label="Queues">
            {Queue::ALL
                .into_iter()
                .map(|q| {
                    let href = Route::queue(&connection_id, q).path();
                    let count = move || {
                        overview.data.get().map(|o| match q {
                            Queue::Pending => o.pending_tasks,
                            Queue::Failed => o.failed_tasks,
                            Queue::Scheduled => o.scheduled_tasks,
                        }.to_string())
                    };
                    view! {
                        <Link href=href attr:class="tab" attr:data-tab=q.slug()>
                            <span aria-current=move || (q == current).then_some("page")>{q.label()}</span>
                            <span class=move || alert_class(q == Queue::Failed && count().is_some_and(|c| c != "0"))>{count}</span>
                        </Link>
                    }
                })
                .collect_view()}
        </nav>
    }
}

/// InvenTree's times carry no zone: ISO 8601 without an offset.
pub(super) fn iso(at: Option<crate::api::time::ServerTime>) -> String {
    at.map(|t| t.0.format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_default()
}

/// The worker's state and the queue counts (`/api/background-task/`),
/// loaded now and whenever the returned function is called.
pub fn use_overview(client: &InvenTreeClient) -> (Loader<Overview>, impl Fn() + Copy + 'static) {
    let overview = Loader::<Overview>::new();
    let stored = StoredValue::new(client.clone());
    let load = move || {
        let call = stored.with_value(|c| c.overview_call());
        overview.run(async move { call.send(crate::transport::current()).await });
    };
    effect(load);
    (overview, load)
}

#[component]
pub fn QueueScreen(connection: Connection, queue: Queue) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let client = connections.inventree(&connection);
    let store = web::local_store();
    let seen = seen::last_seen(&store, &connection.id, Watched::InvenTreeFailed);
    if queue == Queue::Failed {
        seen::mark_seen(&store, &connection.id, Watched::InvenTreeFailed, web::now());
    }
    let (overview, load_overview) = use_overview(&client);
    let query = use_location().query;
    let url = UrlView::new();
    let view = Memo::new(move |_| QueueView::from_params(&*query.read()));
    let connection_id = connection.id.clone();
    let above = move || {
        view! {
            {move || overview.data.get().filter(|o| !o.is_running).map(|_| view! {
                <div class="banner banner-warn" role="status" data-testid="worker-stopped">
                    <strong>"The background worker is not running."</strong>
                    " Pending tasks will not be processed until it is started."
                </div>
            })}
            <QueueTabs connection_id=connection_id.clone() current=queue overview />
            {(queue == Queue::Failed).then(|| view! {
                <p class="muted small" data-testid="no-retry-note">
                    "InvenTree's API lists failed, pending and scheduled tasks only: successful runs are not listed, and there is no API to run a failed task again (its Django admin can: see Health)."
                </p>
            })}
        }
    };
    let filters = move || {
        let server_search = if queue.searchable() {
            view! {
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=move || view.get().regex
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            url.push(view.get_untracked().refiltered(|v| v.regex = on).to_query_string());
                        }
                    />
                    " Regular expression"
                </label>
            }
            .into_any()
        } else {
            view! { <p class="muted">"InvenTree does not search or sort the pending queue."</p> }
                .into_any()
        };
        view! {
            {server_search}
            <label class="inline-field">
                "Arguments contain "
                <input
                    type="search"
                    data-testid="filter-arguments"
                    title="Matched here, in the readable arguments (the server cannot search them): the whole queue is read"
                    prop:value=move || view.get().arguments
                    on:change=move |ev| {
                        let text = event_target_value(&ev);
                        url.push(view.get_untracked().refiltered(|v| v.arguments = text).to_query_string());
                    }
                />
            </label>
        }
    };
    let subtitle = format!("{} · InvenTree", connection.name);
    view! {
        <TableScreen
            source=Rc::new(QueueSource { client, queue, seen })
            kind=ServerKind::InvenTree
            title=format!("{} tasks", queue.label())
            subtitle=move || subtitle.clone()
            above=above
            filters=filters
            on_reload=Callback::new(move |_| load_overview())
            server=connection.name.clone()
            connection=connection.id.clone()
        />
    }
}
