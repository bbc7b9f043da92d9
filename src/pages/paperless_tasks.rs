//! Paperless-ngx tasks: status tabs with counts, filters, sortable columns,
//! pages, details, and acknowledging (dismissing) exactly what was chosen.
//!
//! API 10 servers filter, sort and page on the server. API 9 servers send
//! every task at once, so the same view is computed locally
//! ([`PaperlessView::apply_locally`]); the screen works the same on both.

use std::collections::HashSet;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::paperless::{
    AckTarget, PaperlessApi, PaperlessTask, StatusCounts, TaskStatus, TaskType, TriggerSource,
};
use crate::api::{ApiError, Page, Selection};
use crate::components::choice::ChoiceSelect;
use crate::components::dialog::ConfirmDialog;
use crate::components::drawer::{Detail, DetailDrawer, Field, field};
use crate::components::feedback::{EmptyState, ErrorBanner, SkeletonRows, ToastKind, Toasts};
use crate::components::loader::Loader;
use crate::components::refresh::{RefreshBar, use_auto_refresh};
use crate::components::selection::{ConfirmList, SelectionBar, plural};
use crate::components::table::{PageCheckbox, Pager, SortHeader};
use crate::components::time::When;
use crate::components::url_view::UrlView;
use crate::context::Connections;
use crate::pages::ConnectionGate;
use crate::reactive::effect;
use crate::state::connections::{Connection, ServerKind};
use crate::state::paperless_view::{AckFilter, PaperlessView, StatusTab, TaskColumn, TextScope};
use crate::state::table::{Picked, Sort};
use crate::state::time::duration;
use crate::web;

/// Acknowledge requests carry at most this many ids each.
const ACK_BATCH: usize = 500;
/// How many rows are fetched per request when collecting "all matching".
const COLLECT_PAGE: u32 = 1000;

#[component]
pub fn PaperlessTasksPage(connection: String) -> impl IntoView {
    view! {
        <ConnectionGate id=connection kind=ServerKind::Paperless let:connection>
            <PaperlessTasks connection=connection />
        </ConnectionGate>
    }
}

/// What the table shows, whichever API produced it.
#[derive(Clone, Debug, PartialEq)]
struct Shown {
    rows: Vec<PaperlessTask>,
    total: u64,
    /// Tab counts computed locally (API 9); API 10 asks the server.
    local_counts: Option<StatusCounts>,
    /// Every matching id (API 9 only; API 10 collects them on demand).
    matching: Option<Vec<u64>>,
}

/// What a confirmation is about to acknowledge.
#[derive(Clone, Debug, PartialEq)]
enum AckPlan {
    Chosen {
        ids: Vec<u64>,
        labels: Vec<String>,
    },
    /// Every task matching the filter; `ids` is `None` while they are collected.
    Matching {
        description: String,
        ids: Option<Vec<u64>>,
    },
}

impl AckPlan {
    fn ids(&self) -> Option<&[u64]> {
        match self {
            AckPlan::Chosen { ids, .. } => Some(ids),
            AckPlan::Matching { ids, .. } => ids.as_deref(),
        }
    }
}

fn status_class(status: &TaskStatus) -> &'static str {
    match status {
        TaskStatus::Success => "badge badge-ok",
        TaskStatus::Failure => "badge badge-bad",
        TaskStatus::Revoked => "badge badge-warn",
        TaskStatus::Started => "badge badge-busy",
        TaskStatus::Pending => "badge badge-wait",
        TaskStatus::Other(_) => "badge",
    }
}

#[component]
fn PaperlessTasks(connection: Connection) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let toasts = expect_context::<Toasts>();
    let conn = StoredValue::new(connection.clone());
    let query = use_query_map();
    let url = UrlView::new();
    let url_view = Memo::new(move |_| PaperlessView::from_params(&*query.read()));

    // The search box: applied locally on every keystroke (API 9), and to the
    // URL (and so to the server, API 10) after a short pause.
    let text = RwSignal::new(url_view.get_untracked().text);
    effect(move || {
        let from_url = url_view.with(|v| v.text.clone());
        if text.get_untracked().trim() != from_url.trim() {
            text.set(from_url);
        }
    });
    let view = Memo::new(move |_| PaperlessView {
        text: text.get(),
        ..url_view.get()
    });

    let id = connection.id.clone();
    let api = Memo::new(move |_| connections.paperless_api(&id));
    let is_v9 = move || api.get() == Some(PaperlessApi::V9);

    let list = Loader::<Page<PaperlessTask>>::new();
    let counts = Loader::<StatusCounts>::new();
    let fetched_for = StoredValue::new(None);
    let counted_for = StoredValue::new(None);

    // `refresh`: fetch again even what the view has not changed (the tab
    // counts do not depend on page or sort, so paging does not refetch them).
    let load = move |refresh: bool| {
        let view = url_view.get_untracked();
        let c = conn.get_value();
        let guess = connections
            .paperless_api(&c.id)
            .unwrap_or(PaperlessApi::V10);
        web::mark("taskdeck:tasks-request");
        list.run(async move {
            let client = connections.paperless(&c);
            let result = client
                .list_tasks(web::transport(), &view.server_query(guess))
                .await;
            connections.note_paperless_api(&c.id, client.api());
            fetched_for.set_value(Some(view.server_query(client.api())));
            result
        });
        let q = url_view.get_untracked().counts_query();
        if guess == PaperlessApi::V10 && (refresh || counted_for.get_value().as_ref() != Some(&q)) {
            counted_for.set_value(Some(q.clone()));
            let c = conn.get_value();
            counts.run(async move {
                connections
                    .paperless(&c)
                    .status_counts(web::transport(), &q)
                    .await
            });
        }
    };
    // Fetch when the request this view needs differs from the last one
    // (typing in the API 9 search box does not refetch).
    effect(move || {
        let needed = url_view
            .get()
            .server_query(api.get().unwrap_or(PaperlessApi::V10));
        if fetched_for.get_value().as_ref() != Some(&needed) {
            load(false);
        }
    });

    let shown = Memo::new(move |_| {
        list.data.with(|data| {
            data.as_ref().map(|page| {
                if page.server_paged {
                    Shown {
                        rows: page.items.clone(),
                        total: page.count,
                        local_counts: None,
                        matching: None,
                    }
                } else {
                    let local = view.with(|v| v.apply_locally(&page.items));
                    Shown {
                        rows: local.page,
                        total: local.total,
                        local_counts: Some(local.counts),
                        matching: Some(local.matching_ids),
                    }
                }
            })
        })
    });
    // For `cargo xtask bench`: decoding and first render of the list.
    effect(move || {
        if list.data.with(Option::is_some) {
            request_animation_frame(|| web::measure("taskdeck:tasks-shown", "taskdeck:response"));
        }
    });
    let tab_counts = Memo::new(move |_| {
        shown
            .with(|s| s.as_ref().and_then(|s| s.local_counts))
            .or_else(|| counts.data.get())
    });

    // Selection: by task id, across pages and refreshes.
    let picked = RwSignal::new(Picked::<u64>::default());
    let page_ids = Memo::new(move |_| {
        shown
            .with(|s| {
                s.as_ref()
                    .map(|s| s.rows.iter().map(|t| t.id).collect::<Vec<_>>())
            })
            .unwrap_or_default()
    });
    forget_vanished_selection(list, shown, picked, url_view, conn, toasts);

    // Acknowledging.
    let plan = RwSignal::new(None::<AckPlan>);
    let dialog_open = Signal::derive(move || plan.with(Option::is_some));
    let acknowledge = Action::new_local(move |ids: &Vec<u64>| {
        let ids = ids.clone();
        let c = conn.get_value();
        async move {
            acknowledge_in_batches(&connections, &c, &ids)
                .await
                .map(|n| (ids, n))
        }
    });
    effect(move || {
        let Some(result) = acknowledge.value().get() else {
            return;
        };
        match result {
            Ok((ids, matched)) => {
                let gone: HashSet<u64> = ids.iter().copied().collect();
                picked.update(|p| {
                    p.forget_missing(&gone);
                });
                toasts.show(
                    ToastKind::Success,
                    format!("Acknowledged {}", plural(matched as usize, "task")),
                );
                plan.set(None);
                load(true);
            }
            Err(e) => {
                toasts.show(ToastKind::Error, format!("Nothing was acknowledged: {e}"));
                plan.set(None);
            }
        }
    });
    let busy = Signal::derive(move || acknowledge.pending().get());

    let ask_matching = move || {
        let description = view.with_untracked(|v| v.describe());
        plan.set(Some(AckPlan::Matching {
            description,
            ids: None,
        }));
        if let Some(ids) = shown.with_untracked(|s| s.as_ref().and_then(|s| s.matching.clone())) {
            // API 9: the full list is here; only tasks not yet dismissed count.
            let open: Vec<u64> = list.data.with_untracked(|d| {
                let not_acked: HashSet<u64> = d
                    .iter()
                    .flat_map(|p| p.items.iter())
                    .filter(|t| !t.acknowledged)
                    .map(|t| t.id)
                    .collect();
                ids.into_iter()
                    .filter(|id| not_acked.contains(id))
                    .collect()
            });
            plan.update(|p| {
                if let Some(AckPlan::Matching { ids, .. }) = p {
                    *ids = Some(open);
                }
            });
        } else {
            let c = conn.get_value();
            let view = view.get_untracked();
            leptos::task::spawn_local(async move {
                match collect_matching_ids(&connections, &c, &view).await {
                    Ok(found) => plan.update(|p| {
                        if let Some(AckPlan::Matching { ids, .. }) = p {
                            *ids = Some(found);
                        }
                    }),
                    Err(e) => {
                        plan.set(None);
                        toasts.show(
                            ToastKind::Error,
                            format!("Could not count the matching tasks: {e}"),
                        );
                    }
                }
            });
        }
    };

    let refresh = move || load(true);
    use_auto_refresh(dialog_open, list.loading.into(), refresh);

    let set_view = move |next: PaperlessView| url.push(next.to_query_string());
    let refilter = move |change: Box<dyn FnOnce(&mut PaperlessView)>| {
        set_view(view.get_untracked().refiltered(change));
    };
    let on_sort = Callback::new(move |sort: Sort<TaskColumn>| {
        let mut v = view.get_untracked();
        v.sort = sort;
        v.paging.page = 1;
        set_view(v);
    });
    let sort_signal = Signal::derive(move || Some(view.get().sort));
    let open_task = move |id: u64| {
        let mut v = view.get_untracked();
        v.open = Some(id);
        set_view(v);
    };
    let close_task = Callback::new(move |_| {
        let mut v = view.get_untracked();
        v.open = None;
        set_view(v);
    });

    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        text.set(value.clone());
        set_timeout(
            move || {
                if text.try_get_untracked().as_deref() == Some(value.as_str())
                    && url_view.get_untracked().text != value
                {
                    let next = url_view.get_untracked().refiltered(|v| v.text = value);
                    url.replace(next.to_query_string());
                }
            },
            std::time::Duration::from_millis(250),
        );
    };

    let retry = Callback::new(move |_| load(true));
    let sort_header = move |label: &'static str, key: TaskColumn, starts_descending: bool| {
        view! { <SortHeader label key current=sort_signal starts_descending on_sort /> }
    };

    view! {
        <section class="screen" aria-labelledby="screen-title">
            <header class="screen-head">
                <div>
                    <h1 id="screen-title">"Tasks"</h1>
                    <p class="muted">
                        {connection.name.clone()} " · Paperless-ngx"
                        {move || api.get().map(|a| format!(" · API {}", a.number()))}
                        {move || is_v9().then_some(" · this server sends all tasks at once; filtering and paging happen here")}
                    </p>
                </div>
                <RefreshBar loading=list.loading updated=list.updated on_refresh=retry />
            </header>

            <div class="tabs" role="tablist" aria-label="Status">
                {StatusTab::ALL
                    .into_iter()
                    .map(|tab| {
                        view! {
                            <button
                                role="tab"
                                class="tab"
                                data-tab=tab.param()
                                aria-selected=move || (view.get().tab == tab).to_string()
                                on:click=move |_| refilter(Box::new(move |v| v.tab = tab))
                            >
                                {tab.label()}
                                <span class=move || if tab == StatusTab::NeedsAttention { "count count-alert" } else { "count" }>
                                    {move || tab_counts.get().map(|c| tab.count(&c).to_string())}
                                </span>
                            </button>
                        }
                    })
                    .collect_view()}
            </div>

            <div class="filters" role="search">
                <label class="search">
                    <span class="visually-hidden">"Search tasks"</span>
                    <input
                        type="search"
                        data-search="true"
                        data-testid="task-search"
                        placeholder=move || match view.get().scope {
                            TextScope::Name => "Search name, type or trigger  ( / )",
                            TextScope::Result => "Search results  ( / )",
                        }
                        prop:value=move || text.get()
                        on:input=on_input
                        on:keydown=move |ev| {
                            if ev.key() == "Escape" {
                                text.set(String::new());
                                let next = url_view.get_untracked().refiltered(|v| v.text.clear());
                                url.replace(next.to_query_string());
                            }
                        }
                    />
                </label>
                <ChoiceSelect
                    label=""
                    options=vec![("name".into(), "in name".into()), ("result".into(), "in result".into())]
                    selected=Signal::derive(move || view.get().scope.param().to_string())
                    on_pick=move |value: String| {
                        let scope = if value == "result" { TextScope::Result } else { TextScope::Name };
                        refilter(Box::new(move |v| v.scope = scope));
                    }
                />
                <ChoiceSelect
                    label="Type "
                    testid="filter-type"
                    any=true
                    options=TaskType::KNOWN.iter().map(|t| (t.as_wire().to_string(), t.label().to_string())).collect()
                    selected=Signal::derive(move || view.get().task_type.map(|t| t.as_wire().to_string()).unwrap_or_default())
                    on_pick=move |value: String| {
                        let t = (!value.is_empty()).then(|| TaskType::from_wire(&value));
                        refilter(Box::new(move |v| v.task_type = t));
                    }
                />
                <ChoiceSelect
                    label="Trigger "
                    testid="filter-trigger"
                    any=true
                    options=TriggerSource::KNOWN.iter().map(|t| (t.as_wire().to_string(), t.label().to_string())).collect()
                    selected=Signal::derive(move || view.get().trigger.map(|t| t.as_wire().to_string()).unwrap_or_default())
                    on_pick=move |value: String| {
                        let t = (!value.is_empty()).then(|| TriggerSource::from_wire(&value));
                        refilter(Box::new(move |v| v.trigger = t));
                    }
                />
                <ChoiceSelect
                    label="Show "
                    testid="filter-ack"
                    options=AckFilter::ALL.iter().map(|a| (a.param().to_string(), a.label().to_string())).collect()
                    selected=Signal::derive(move || view.get().ack.param().to_string())
                    on_pick=move |value: String| {
                        let ack = AckFilter::from_param(&value);
                        refilter(Box::new(move |v| v.ack = ack));
                    }
                />
                <button class="btn btn-link" on:click=move |_| {
                    text.set(String::new());
                    let v = view.get_untracked();
                    set_view(PaperlessView { sort: v.sort, paging: crate::state::table::Paging { page: 1, ..v.paging }, ..PaperlessView::default() });
                }>"Reset filters"</button>
            </div>

            <SelectionBar count=Signal::derive(move || picked.with(Picked::len)) on_clear=move |_| picked.update(Picked::clear)>
                <button
                    class="btn btn-primary"
                    data-testid="ack-selected"
                    disabled=move || picked.with(Picked::is_empty)
                    on:click=move |_| {
                        let (ids, labels) = picked.with_untracked(|p| (p.ids(), p.labels()));
                        plan.set(Some(AckPlan::Chosen { ids, labels }));
                    }
                >
                    "Dismiss selected"
                </button>
                <button
                    class="btn"
                    data-testid="ack-matching"
                    disabled=move || view.get().ack == AckFilter::Acknowledged || shown.with(|s| s.as_ref().is_none_or(|s| s.total == 0))
                    on:click=move |_| ask_matching()
                >
                    "Dismiss all matching…"
                </button>
            </SelectionBar>

            <ErrorBanner
                error=list.error
                kind=ServerKind::Paperless
                stale=Signal::derive(move || list.data.with(Option::is_some))
                on_retry=retry
            />

            <div class="table-wrap">
                <table class="data-table" data-testid="tasks-table" aria-busy=move || list.loading.get().to_string()>
                    <thead>
                        <tr>
                            <th scope="col" class="col-check">
                                <PageCheckbox
                                    state=Signal::derive(move || page_ids.with(|ids| picked.with(|p| p.page_state(ids))))
                                    on_toggle=move |_| {
                                        let rows: Vec<(u64, String)> = shown.with_untracked(|s| {
                                            s.iter().flat_map(|s| s.rows.iter()).map(|t| (t.id, t.display_name().to_string())).collect()
                                        });
                                        picked.update(|p| p.toggle_page(rows));
                                    }
                                />
                            </th>
                            {sort_header("Status", TaskColumn::Status, false)}
                            <th scope="col">"Name"</th>
                            {sort_header("Type", TaskColumn::Type, false)}
                            <th scope="col">"Trigger"</th>
                            {sort_header("Created", TaskColumn::Created, true)}
                            <th scope="col">"Started"</th>
                            {sort_header("Done", TaskColumn::Done, true)}
                            {sort_header("Duration", TaskColumn::Duration, true)}
                            <th scope="col">"Result"</th>
                            <th scope="col">"Document"</th>
                            <th scope="col">"Dismissed"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || match shown.get() {
                            None if list.error.with(Option::is_some) => view! {
                                <tr><td colspan="13" class="muted">"No data."</td></tr>
                            }.into_any(),
                            None => view! { <SkeletonRows columns=13 /> }.into_any(),
                            Some(s) if s.rows.is_empty() => view! {
                                <tr><td colspan="13">
                                    <EmptyState title="No tasks match" detail="Change the filters or the status tab." />
                                </td></tr>
                            }.into_any(),
                            Some(s) => s.rows.into_iter().map(|task| {
                                let id = task.id;
                                let name = task.display_name().to_string();
                                let label = name.clone();
                                let doc = task.related_document.map(|d| (d, conn.with_value(|c| document_url(c.base_url.as_str(), d))));
                                let result = task.result_message.clone().unwrap_or_default();
                                let acknowledged = task.acknowledged;
                                view! {
                                    <tr data-task-id=id.to_string() class:selected=move || picked.with(|p| p.contains(&id))>
                                        <td class="col-check">
                                            <input
                                                type="checkbox"
                                                aria-label=format!("Select {name}")
                                                data-testid="row-check"
                                                prop:checked=move || picked.with(|p| p.contains(&id))
                                                on:change=move |_| picked.update(|p| p.toggle(id, label.clone()))
                                            />
                                        </td>
                                        <td><span class=status_class(&task.status)>{task.status.label().to_string()}</span></td>
                                        <td class="col-name">
                                            <button class="link-button" data-testid="open-task" on:click=move |_| open_task(id)>
                                                {name.clone()}
                                            </button>
                                        </td>
                                        <td>{task.task_type.label().to_string()}</td>
                                        <td>{task.trigger.label().to_string()}</td>
                                        <td><When at=task.created /></td>
                                        <td><When at=task.started /></td>
                                        <td><When at=task.done /></td>
                                        <td class="num">{task.duration_seconds.map(duration).unwrap_or_else(|| "–".into())}</td>
                                        <td class="col-result" title=result.clone()>{result.clone()}</td>
                                        <td>{doc.map(|(d, href)| view! {
                                            <a href=href target="_blank" rel="noopener noreferrer" data-connection=conn.get_value().id>{format!("#{d}")}</a>
                                        })}</td>
                                        <td>{if acknowledged { "Yes" } else { "No" }}</td>
                                        <td class="col-actions">
                                            {(!acknowledged).then(|| {
                                                let name = name.clone();
                                                view! {
                                                    <button
                                                        class="btn btn-small"
                                                        data-testid="ack-row"
                                                        aria-label=format!("Dismiss {name}")
                                                        on:click=move |_| plan.set(Some(AckPlan::Chosen { ids: vec![id], labels: vec![name.clone()] }))
                                                    >
                                                        "Dismiss"
                                                    </button>
                                                }
                                            })}
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
                total=Signal::derive(move || shown.with(|s| s.as_ref().map_or(0, |s| s.total)))
                on_change=move |paging| {
                    let mut v = view.get_untracked();
                    v.paging = paging;
                    set_view(v);
                }
            />

            {move || view.get().open.map(|id| view! { <TaskDetails id shown conn on_close=close_task /> })}

            {move || plan.get().map(|p| {
                let count = p.ids().map(<[u64]>::len);
                let title = match count {
                    Some(n) => format!("Dismiss {}?", plural(n, "task")),
                    None => "Counting matching tasks…".to_string(),
                };
                let confirm_label = match count {
                    Some(n) => format!("Dismiss {}", plural(n, "task")),
                    None => "Dismiss".to_string(),
                };
                let not_ready = count.is_none_or(|n| n == 0);
                let body = match &p {
                    AckPlan::Chosen { labels, .. } => view! {
                        <p>"These tasks will be marked as acknowledged and leave the default task list:"</p>
                        <ConfirmList labels=labels.clone() />
                    }.into_any(),
                    AckPlan::Matching { description, ids } => view! {
                        <p>{match ids {
                            Some(ids) if ids.is_empty() => "No task that is not yet dismissed matches:".to_string(),
                            Some(ids) => format!("All {} not yet dismissed that match:", plural(ids.len(), "task")),
                            None => "Counting the tasks that match:".to_string(),
                        }}</p>
                        <p class="confirm-filter">{description.clone()}</p>
                    }.into_any(),
                };
                let ids = p.ids().map(<[u64]>::to_vec);
                view! {
                    <ConfirmDialog
                        title=title
                        confirm_label=confirm_label
                        busy=busy
                        not_ready=not_ready
                        danger=false
                        on_confirm=move |_| {
                            if let Some(ids) = ids.clone().filter(|ids| !ids.is_empty()) {
                                acknowledge.dispatch(ids);
                            }
                        }
                        on_cancel=move |_| plan.set(None)
                    >
                        {body}
                    </ConfirmDialog>
                }
            })}
        </section>
    }
}

/// Acknowledges exactly `ids`, in batches; returns how many the server matched.
async fn acknowledge_in_batches(
    connections: &Connections,
    connection: &Connection,
    ids: &[u64],
) -> Result<u64, ApiError> {
    let client = connections.paperless(connection);
    let mut matched = 0;
    for chunk in ids.chunks(ACK_BATCH) {
        let target = AckTarget::Tasks(Selection::new(chunk.iter().copied())?);
        matched += client.acknowledge(web::transport(), &target).await?;
    }
    Ok(matched)
}

/// API 10: every id matching the view's filters (not yet dismissed), page by page.
async fn collect_matching_ids(
    connections: &Connections,
    connection: &Connection,
    view: &PaperlessView,
) -> Result<Vec<u64>, ApiError> {
    let client = connections.paperless(connection);
    let mut query = view.server_query(PaperlessApi::V10);
    query.acknowledged = Some(false);
    query.page_size = Some(COLLECT_PAGE);
    let mut ids = Vec::new();
    for page in 1.. {
        query.page = Some(page);
        let got = client.list_tasks(web::transport(), &query).await?;
        let done = got.items.len() < COLLECT_PAGE as usize || !got.server_paged;
        ids.extend(got.items.iter().filter(|t| !t.acknowledged).map(|t| t.id));
        if done || ids.len() as u64 >= got.count {
            break;
        }
    }
    Ok(ids)
}

/// After a refresh of the same view, picked tasks that left the page are
/// checked; those gone from the server (or dismissed elsewhere, when only
/// open tasks are shown) are unpicked with a notice. Tasks merely pushed to
/// another page by new ones stay picked.
fn forget_vanished_selection(
    list: Loader<Page<PaperlessTask>>,
    shown: Memo<Option<Shown>>,
    picked: RwSignal<Picked<u64>>,
    url_view: Memo<PaperlessView>,
    conn: StoredValue<Connection>,
    toasts: Toasts,
) {
    let connections = expect_context::<Connections>();
    let previous = StoredValue::new((None::<PaperlessView>, Vec::<u64>::new()));
    effect(move || {
        let Some(ids) = shown.with(|s| {
            s.as_ref()
                .map(|s| s.rows.iter().map(|t| t.id).collect::<Vec<_>>())
        }) else {
            return;
        };
        let view = url_view.get_untracked();
        let (prev_view, prev_ids) = previous.get_value();
        previous.set_value((Some(view.clone()), ids.clone()));
        if picked.with_untracked(Picked::is_empty) {
            return;
        }
        // API 9: the whole list is at hand.
        let full: Option<Vec<(u64, bool)>> = list.data.with_untracked(|d| {
            d.as_ref()
                .filter(|p| !p.server_paged)
                .map(|p| p.items.iter().map(|t| (t.id, t.acknowledged)).collect())
        });
        if let Some(full) = full {
            let present: HashSet<u64> = full
                .into_iter()
                .filter(|(_, acked)| view.ack != AckFilter::Open || !acked)
                .map(|(id, _)| id)
                .collect();
            let gone: HashSet<u64> = picked
                .with_untracked(Picked::ids)
                .into_iter()
                .filter(|id| !present.contains(id))
                .collect();
            tell_forgotten(picked, &gone, toasts);
            return;
        }
        if prev_view.as_ref() != Some(&view) {
            return;
        }
        let vanished = picked.with_untracked(|p| p.vanished_from_view(&prev_ids, &ids));
        if vanished.is_empty() {
            return;
        }
        let c = conn.get_value();
        leptos::task::spawn_local(async move {
            let client = connections.paperless(&c);
            let mut gone = HashSet::new();
            for id in vanished {
                match client.task(web::transport(), id).await {
                    Err(ApiError::NotFound { .. }) => {
                        gone.insert(id);
                    }
                    Ok(task) if task.acknowledged && view.ack == AckFilter::Open => {
                        gone.insert(id);
                    }
                    _ => {}
                }
            }
            tell_forgotten(picked, &gone, toasts);
        });
    });
}

fn tell_forgotten(picked: RwSignal<Picked<u64>>, gone: &HashSet<u64>, toasts: Toasts) {
    if gone.is_empty() {
        return;
    }
    let Some(removed) = picked.try_update(|p| p.forget_missing(gone)) else {
        return;
    };
    if !removed.is_empty() {
        toasts.show(
            ToastKind::Info,
            format!(
                "{} no longer listed and removed from the selection: {}",
                plural(removed.len(), "selected task"),
                removed.join(", ")
            ),
        );
    }
}

#[component]
fn TaskDetails(
    id: u64,
    shown: Memo<Option<Shown>>,
    conn: StoredValue<Connection>,
    on_close: Callback<()>,
) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let fetched = Loader::<PaperlessTask>::new();
    let on_page = move || {
        shown.with(|s| {
            s.as_ref()
                .and_then(|s| s.rows.iter().find(|t| t.id == id).cloned())
        })
    };
    if on_page().is_none() {
        let c = conn.get_value();
        fetched.run(async move { connections.paperless(&c).task(web::transport(), id).await });
    }
    let base = conn.get_value().base_url;
    let connection_id = conn.get_value().id;
    move || {
        let task = on_page().or_else(|| fetched.data.get());
        match task {
            Some(task) => {
                let title = task.display_name().to_string();
                let subtitle = format!("{} · {}", task.task_type.label(), task.trigger.label());
                view! { <DetailDrawer title subtitle fields=task_fields(&task, base.as_str(), &connection_id) on_close /> }.into_any()
            }
            None => {
                let message = fetched
                    .error
                    .get()
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| "Loading…".into());
                view! {
                    <DetailDrawer title=format!("Task {id}") fields=vec![field("Status", Detail::Text(message))] on_close />
                }
                .into_any()
            }
        }
    }
}

/// The document's page in the Paperless web UI.
fn document_url(base: &str, id: u64) -> String {
    format!("{base}/documents/{id}/details")
}

fn task_fields(task: &PaperlessTask, base: &str, connection_id: &str) -> Vec<Field> {
    vec![
        field("Status", Detail::Text(task.status.label().to_string())),
        field(
            "Result",
            Detail::code_or_missing(task.result_message.clone()),
        ),
        field(
            "Error type",
            Detail::text_or_missing(task.error_type.clone()),
        ),
        field("Traceback", Detail::code_or_missing(task.traceback.clone())),
        field("File name", Detail::text_or_missing(task.file_name.clone())),
        field("Type", Detail::Text(task.task_type.label().to_string())),
        field("Trigger", Detail::Text(task.trigger.label().to_string())),
        field("Created", Detail::Time(task.created)),
        field("Started", Detail::Time(task.started)),
        field("Done", Detail::Time(task.done)),
        field(
            "Duration",
            Detail::text_or_missing(task.duration_seconds.map(duration)),
        ),
        field(
            "Waited",
            Detail::text_or_missing(task.wait_time_seconds.map(duration)),
        ),
        field(
            "Document",
            match task.related_document {
                Some(d) => Detail::Link {
                    href: document_url(base, d),
                    text: format!("Document #{d}"),
                    connection: connection_id.to_string(),
                },
                None => Detail::Missing,
            },
        ),
        field(
            "Duplicate of",
            Detail::text_or_missing((!task.duplicates.is_empty()).then(|| {
                task.duplicates
                    .iter()
                    .map(|d| match &d.title {
                        Some(t) => format!("#{} {t}", d.id),
                        None => format!("#{}", d.id),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })),
        ),
        field(
            "Dismissed",
            Detail::Text(if task.acknowledged { "Yes" } else { "No" }.into()),
        ),
        field("Task id", Detail::Code(task.task_id.clone())),
        field("Row id", Detail::Text(task.id.to_string())),
        field(
            "Owner",
            Detail::text_or_missing(task.owner.map(|o| o.to_string())),
        ),
        field(
            "Input data",
            task.input_data
                .clone()
                .map(Detail::Json)
                .unwrap_or(Detail::Missing),
        ),
        field(
            "Result data",
            task.result_data
                .clone()
                .map(Detail::Json)
                .unwrap_or(Detail::Missing),
        ),
    ]
}
