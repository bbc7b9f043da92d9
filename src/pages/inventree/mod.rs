//! InvenTree's three queues. They share one screen frame (worker status,
//! queue tabs, search, paging, selection, delete, details); each queue's file
//! says how its rows look and how they are fetched and deleted.

pub mod failed;
pub mod pending;
pub mod scheduled;

use std::collections::HashSet;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::pages::ConnectionGate;

use crate::api::Call;
use crate::api::inventree::{
    DeleteOutcome, FailedTask, InvenTreeClient, Overview, PendingTask, ScheduledTask,
};
use crate::api::{ApiError, Page};
use crate::components::dialog::ConfirmDialog;
use crate::components::drawer::{DetailDrawer, Field};
use crate::components::feedback::{EmptyState, ErrorBanner, SkeletonRows, ToastKind, Toasts};
use crate::components::loader::Loader;
use crate::components::refresh::{RefreshBar, use_auto_refresh};
use crate::components::selection::{ConfirmList, SelectionBar, plural};
use crate::components::table::{PageCheckbox, Pager, SortHeader};
use crate::components::url_view::UrlView;
use crate::context::Connections;
use crate::reactive::effect;
use crate::state::connections::{Connection, ServerKind};
use crate::state::inventree_view::{Queue, QueueColumn, QueueView};
use crate::state::route::Route;
use crate::state::table::{Paging, Picked, Sort};
use crate::web;

/// Largest number of rows fetched to check whether picked rows still exist.
const VERIFY_LIMIT: u32 = 10_000;

/// What each queue's file says about its rows. Object-safe, so the screen is
/// compiled once for all three queues: a screen generic over the row type
/// was compiled three times and cost 12.6 KB of the gzipped download.
pub trait QueueRow {
    fn key(&self) -> String;
    /// How the row is named in a confirmation.
    fn label(&self) -> String;
    fn cells(&self) -> AnyView;
    fn details(&self) -> (String, String, Vec<Field>);
}

/// A row of any of the three queues.
#[derive(Clone, PartialEq)]
pub enum QueueTask {
    Pending(PendingTask),
    Failed(FailedTask),
    Scheduled(ScheduledTask),
}

impl QueueTask {
    fn row(&self) -> &dyn QueueRow {
        match self {
            QueueTask::Pending(t) => t,
            QueueTask::Failed(t) => t,
            QueueTask::Scheduled(t) => t,
        }
    }

    fn key(&self) -> String {
        self.row().key()
    }

    fn label(&self) -> String {
        self.row().label()
    }
}

/// Column headers after the checkbox: label, column (sortable where the
/// server allows it).
fn columns(queue: Queue) -> &'static [(&'static str, Option<QueueColumn>)] {
    match queue {
        Queue::Pending => pending::COLUMNS,
        Queue::Failed => failed::COLUMNS,
        Queue::Scheduled => scheduled::COLUMNS,
    }
}

async fn list_queue(
    client: &InvenTreeClient,
    queue: Queue,
    view: &QueueView,
) -> Result<Page<QueueTask>, ApiError> {
    let transport = web::transport();
    Ok(match queue {
        Queue::Pending => pending::list_call(client, view)
            .send(transport)
            .await?
            .map(QueueTask::Pending),
        Queue::Failed => failed::list_call(client, view)
            .send(transport)
            .await?
            .map(QueueTask::Failed),
        Queue::Scheduled => scheduled::list_call(client, view)
            .send(transport)
            .await?
            .map(QueueTask::Scheduled),
    })
}

/// `None` for queues the API cannot delete from.
fn delete_call(
    client: &InvenTreeClient,
    queue: Queue,
    keys: Vec<String>,
) -> Option<Result<Call<DeleteOutcome>, ApiError>> {
    match queue {
        Queue::Pending => Some(pending::delete_call(client, keys)),
        Queue::Failed => Some(failed::delete_call(client, keys)),
        Queue::Scheduled => None,
    }
}

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
                        <A href=href attr:class="tab" attr:data-tab=q.slug()>
                            <span aria-current=move || (q == current).then_some("page")>{q.label()}</span>
                            <span class=if q == Queue::Failed { "count count-alert" } else { "count" }>{count}</span>
                        </A>
                    }
                })
                .collect_view()}
        </nav>
    }
}

#[component]
pub fn QueueScreen(connection: Connection, queue: Queue) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let toasts = expect_context::<Toasts>();
    let conn = StoredValue::new(connection.clone());
    let query = use_query_map();
    let url = UrlView::new();
    let view = Memo::new(move |_| QueueView::from_params(&*query.read()));
    let list = Loader::<Page<QueueTask>>::new();
    let overview = Loader::<Overview>::new();
    let load = move || {
        let v = view.get_untracked();
        let client = connections.inventree(&conn.get_value());
        let overview_call = client.overview_call();
        list.run(async move { list_queue(&client, queue, &v).await });
        overview.run(async move { overview_call.send(web::transport()).await });
    };
    effect(move || {
        view.track();
        load();
    });

    let picked = RwSignal::new(Picked::<String>::default());
    let page_keys = Memo::new(move |_| {
        list.data
            .with(|d| {
                d.as_ref()
                    .map(|p| p.items.iter().map(QueueTask::key).collect::<Vec<_>>())
            })
            .unwrap_or_default()
    });
    forget_vanished(queue, list, page_keys, picked, view, conn, toasts);

    // Deleting.
    let confirm = RwSignal::new(None::<(Vec<String>, Vec<String>)>);
    let dialog_open = Signal::derive(move || confirm.with(Option::is_some));
    let delete = Action::new_local(move |keys: &Vec<String>| {
        let keys = keys.clone();
        let client = connections.inventree(&conn.get_value());
        async move {
            match delete_call(&client, queue, keys.clone()) {
                Some(call) => call?
                    .send(web::transport())
                    .await
                    .map(|outcome| (keys, outcome)),
                None => Err(ApiError::Unsupported {
                    detail: format!("{} tasks cannot be deleted", queue.label()),
                }),
            }
        }
    });
    effect(move || {
        let Some(result) = delete.value().get() else {
            return;
        };
        match result {
            Ok((keys, outcome)) => {
                let asked = keys.len();
                let gone: HashSet<String> = keys.into_iter().collect();
                picked.update(|p| {
                    p.forget_missing(&gone);
                });
                let text = match outcome.deleted {
                    Some(n) if n as usize == asked => format!("Deleted {}", plural(asked, "task")),
                    Some(n) => format!(
                        "Deleted {} of {} selected; the others were already gone",
                        n,
                        plural(asked, "task")
                    ),
                    None => format!("Deleted {}", plural(asked, "task")),
                };
                toasts.show(ToastKind::Success, text);
                confirm.set(None);
                load();
            }
            Err(e) => {
                toasts.show(ToastKind::Error, format!("Nothing was deleted: {e}"));
                confirm.set(None);
            }
        }
    });
    let busy = Signal::derive(move || delete.pending().get());

    use_auto_refresh(dialog_open, list.loading.into(), load);

    let set_view = move |next: QueueView| url.push(next.to_query_string());
    let on_sort = Callback::new(move |sort: Sort<QueueColumn>| {
        let mut v = view.get_untracked();
        v.sort = Some(sort);
        v.paging.page = 1;
        set_view(v);
    });
    let sort_signal = Signal::derive(move || view.get().sort);
    let close = Callback::new(move |_| {
        let mut v = view.get_untracked();
        v.open = None;
        set_view(v);
    });
    let retry = Callback::new(move |_| load());
    let search = RwSignal::new(view.get_untracked().search);
    let on_search = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        search.set(value.clone());
        set_timeout(
            move || {
                if search.try_get_untracked().as_deref() == Some(value.as_str()) {
                    let next = view.get_untracked().refiltered(|v| v.search = value);
                    url.replace(next.to_query_string());
                }
            },
            std::time::Duration::from_millis(300),
        );
    };
    let columns = self::columns(queue).len() + 2;

    view! {
        <section class="screen" aria-labelledby="screen-title">
            <header class="screen-head">
                <div>
                    <h1 id="screen-title">{format!("{} tasks", queue.label())}</h1>
                    <p class="muted">{connection.name.clone()} " · InvenTree"</p>
                </div>
                <RefreshBar loading=list.loading updated=list.updated on_refresh=retry />
            </header>
            {move || overview.data.get().filter(|o| !o.is_running).map(|_| view! {
                <div class="banner banner-warn" role="status" data-testid="worker-stopped">
                    <strong>"The background worker is not running."</strong>
                    " Pending tasks will not be processed until it is started."
                </div>
            })}
            <QueueTabs connection_id=connection.id.clone() current=queue overview />

            <div class="filters" role="search">
                {queue.searchable().then(|| view! {
                    <label class="search">
                        <span class="visually-hidden">"Search by function"</span>
                        <input
                            type="search"
                            data-search="true"
                            data-testid="queue-search"
                            placeholder="Search function ( / )"
                            prop:value=move || search.get()
                            on:input=on_search
                        />
                    </label>
                    <label class="check">
                        <input
                            type="checkbox"
                            prop:checked=move || view.get().regex
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                set_view(view.get_untracked().refiltered(|v| v.regex = on));
                            }
                        />
                        " Regular expression"
                    </label>
                })}
                {(!queue.searchable()).then(|| view! {
                    <p class="muted">"InvenTree does not search or sort the pending queue."</p>
                })}
            </div>

            {queue.deletable().then(|| view! {
                <SelectionBar count=Signal::derive(move || picked.with(Picked::len)) on_clear=move |_| picked.update(Picked::clear)>
                    <button
                        class="btn btn-danger"
                        data-testid="delete-selected"
                        disabled=move || picked.with(Picked::is_empty)
                        on:click=move |_| confirm.set(Some(picked.with_untracked(|p| (p.ids(), p.labels()))))
                    >
                        "Delete selected…"
                    </button>
                </SelectionBar>
            })}

            <ErrorBanner
                error=list.error
                kind=ServerKind::InvenTree
                stale=Signal::derive(move || list.data.with(Option::is_some))
                on_retry=retry
            />

            <div class="table-wrap">
                <table class="data-table" data-testid="tasks-table" aria-busy=move || list.loading.get().to_string()>
                    <thead>
                        <tr>
                            <th scope="col" class="col-check">
                                {queue.deletable().then(|| view! {
                                    <PageCheckbox
                                        state=Signal::derive(move || page_keys.with(|k| picked.with(|p| p.page_state(k))))
                                        on_toggle=move |_| {
                                            let rows: Vec<(String, String)> = list.data.with_untracked(|d| {
                                                d.iter().flat_map(|p| p.items.iter()).map(|r| (r.key(), r.label())).collect()
                                            });
                                            picked.update(|p| p.toggle_page(rows));
                                        }
                                    />
                                })}
                            </th>
                            {self::columns(queue).iter().map(|(label, column)| match column {
                                Some(c) => view! {
                                    <SortHeader
                                        label=*label
                                        key=*c
                                        current=sort_signal
                                        sortable=c.sortable_in(queue)
                                        starts_descending=c.starts_descending()
                                        on_sort
                                    />
                                }.into_any(),
                                None => view! { <th scope="col">{*label}</th> }.into_any(),
                            }).collect_view()}
                            <th scope="col"><span class="visually-hidden">"Details"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || match list.data.get() {
                            None if list.error.with(Option::is_some) => view! {
                                <tr><td colspan=columns class="muted">"No data."</td></tr>
                            }.into_any(),
                            None => view! { <SkeletonRows columns /> }.into_any(),
                            Some(page) if page.items.is_empty() => view! {
                                <tr><td colspan=columns>
                                    <EmptyState title=format!("No {} tasks", queue.label().to_lowercase()) />
                                </td></tr>
                            }.into_any(),
                            Some(page) => page.items.into_iter().map(|row| {
                                let key = row.key();
                                let label = row.label();
                                let (k1, k2, k3, k4) = (key.clone(), key.clone(), key.clone(), key.clone());
                                view! {
                                    <tr data-task-id=key.clone() class:selected=move || picked.with(|p| p.contains(&k1))>
                                        <td class="col-check">
                                            {queue.deletable().then(|| view! {
                                                <input
                                                    type="checkbox"
                                                    aria-label=format!("Select {label}")
                                                    data-testid="row-check"
                                                    prop:checked=move || picked.with(|p| p.contains(&k2))
                                                    on:change=move |_| picked.update(|p| p.toggle(k3.clone(), label.clone()))
                                                />
                                            })}
                                        </td>
                                        {row.row().cells()}
                                        <td class="col-actions">
                                            <button
                                                class="btn btn-small"
                                                data-testid="open-task"
                                                on:click=move |_| {
                                                    let mut v = view.get_untracked();
                                                    v.open = Some(k4.clone());
                                                    set_view(v);
                                                }
                                            >
                                                "Details"
                                            </button>
                                        </td>
                                    </tr>
                                }
                            }).collect_view().into_any(),
                        }}
                    </tbody>
                </table>
            </div>

            <Pager
                paging=Signal::derive(move || view.get().paging)
                total=Signal::derive(move || list.data.with(|d| d.as_ref().map_or(0, |p| p.count)))
                on_change=move |paging| {
                    let mut v = view.get_untracked();
                    v.paging = paging;
                    set_view(v);
                }
            />

            {move || view.get().open.map(|key| {
                let row = list.data.with(|d| d.as_ref().and_then(|p| p.items.iter().find(|r| r.key() == key).cloned()));
                match row {
                    Some(row) => {
                        let (title, subtitle, fields) = row.row().details();
                        view! { <DetailDrawer title subtitle fields on_close=close /> }.into_any()
                    }
                    None if list.data.with(Option::is_none) => ().into_any(),
                    None => view! {
                        <DetailDrawer
                            title=format!("Task {key}")
                            subtitle="Not on this page: it may have finished or been deleted."
                            fields=vec![]
                            on_close=close
                        />
                    }.into_any(),
                }
            })}

            {move || confirm.get().map(|(keys, labels)| {
                let n = keys.len();
                view! {
                    <ConfirmDialog
                        title=format!("Delete {}?", plural(n, &format!("{} task", queue.label().to_lowercase())))
                        confirm_label=format!("Delete {}", plural(n, "task"))
                        busy=busy
                        on_confirm=move |_| { delete.dispatch(keys.clone()); }
                        on_cancel=move |_| confirm.set(None)
                    >
                        <p>"These tasks will be removed from InvenTree's queue. This cannot be undone."</p>
                        <ConfirmList labels />
                    </ConfirmDialog>
                }
            })}
        </section>
    }
}

/// After a refresh of the same view, picked rows that left the page are
/// looked up in the whole queue; those gone are unpicked with a notice.
fn forget_vanished(
    queue: Queue,
    list: Loader<Page<QueueTask>>,
    page_keys: Memo<Vec<String>>,
    picked: RwSignal<Picked<String>>,
    view: Memo<QueueView>,
    conn: StoredValue<Connection>,
    toasts: Toasts,
) {
    let connections = expect_context::<Connections>();
    let previous = StoredValue::new((None::<QueueView>, Vec::<String>::new()));
    effect(move || {
        let keys = page_keys.get();
        if list.data.with_untracked(Option::is_none) {
            return;
        }
        let current = view.get_untracked();
        let (prev_view, prev_keys) = previous.get_value();
        previous.set_value((Some(current.clone()), keys.clone()));
        if prev_view.as_ref() != Some(&current) {
            return;
        }
        let vanished = picked.with_untracked(|p| p.vanished_from_view(&prev_keys, &keys));
        if vanished.is_empty() {
            return;
        }
        let client = connections.inventree(&conn.get_value());
        leptos::task::spawn_local(async move {
            let whole = QueueView {
                paging: Paging {
                    page: 1,
                    size: VERIFY_LIMIT,
                },
                ..QueueView::default()
            };
            let Ok(all) = list_queue(&client, queue, &whole).await else {
                return;
            };
            let present: HashSet<String> = all.items.iter().map(QueueTask::key).collect();
            let gone: HashSet<String> = vanished
                .into_iter()
                .filter(|k| !present.contains(k))
                .collect();
            if gone.is_empty() {
                return;
            }
            if let Some(removed) = picked.try_update(|p| p.forget_missing(&gone)) {
                toasts.show(
                    ToastKind::Info,
                    format!(
                        "{} no longer in the queue and removed from the selection: {}",
                        plural(removed.len(), "selected task"),
                        removed.join(", ")
                    ),
                );
            }
        });
    });
}
