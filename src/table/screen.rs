//! The table screen every list shares. See [`super`] for the seam.

use std::rc::Rc;

use crate::location::use_location;
use leptos::prelude::*;

use super::act::{Acting, PlanDialog};
use super::columns::{self, ColumnChooser};
use super::export::ExportButtons;
use super::rows::{RowDrawer, TableRow, forget_vanished};
use super::search::{SearchBox, typed_search};
use super::{Params, RowSource, Rows, param, to_query_string, with_param};
use crate::api::ServerKind;
use crate::components::feedback::{EmptyState, ErrorBanner, SkeletonRows, Toasts};
use crate::components::loader::Loader;
use crate::components::refresh::{RefreshBar, use_auto_refresh};
use crate::components::saved_views::SaveViewButton;
use crate::components::selection::{SelectionBar, plural};
use crate::components::url_view::UrlView;
use crate::context::{Changed, reload_on_change};
use crate::reactive::effect;
use crate::state::permissions::MayAct;
use crate::state::table::{Paging, Picked};
use crate::table::parts::{PageCheckbox, Pager, SortHeader};
use crate::web;

/// The actions column: room for "Details", and for the row's own action
/// where it has one.
pub fn actions_class(action: Option<super::RowAction>) -> &'static str {
    if action.is_some_and(|a| a.per_row) {
        "col-actions col-actions-two"
    } else {
        "col-actions"
    }
}

pub fn sorted_params(query: &[(String, String)]) -> Params {
    let mut params: Params = query.to_vec();
    params.sort();
    params
}

#[component]
pub fn TableScreen(
    source: Rc<dyn RowSource>,
    kind: ServerKind,
    #[prop(into)] title: Signal<String>,
    /// Under the title: the server, and what the list is.
    #[prop(optional, into)]
    subtitle: ViewFn,
    /// Between the header and the filters: tabs, banners.
    #[prop(optional, into)]
    above: ViewFn,
    /// After the search box: the list's own filters.
    #[prop(optional, into)]
    filters: ViewFn,
    /// Told whenever the list is fetched again (refresh, after an action),
    /// so the page can refresh what it shows beside the table.
    #[prop(optional, into)]
    on_reload: Option<Callback<()>>,
    /// The server whose list this is: when something this console did
    /// changed it (an action, a finished run, wherever it was started), the
    /// list is fetched again. `None`: a list across servers, fetched again
    /// after a change on any.
    #[prop(optional, into)]
    connection: Option<String>,
    /// The server's name, for exported files; no export without it.
    #[prop(optional, into)]
    server: Option<String>,
) -> impl IntoView {
    let toasts = expect_context::<Toasts>();
    let source = StoredValue::new_local(source);
    let (columns, action, noun, default_sort, table_id) = source.with_value(|s| {
        (
            s.columns(),
            s.action(),
            s.noun(),
            s.default_sort(),
            s.table_id(),
        )
    });
    let url = UrlView::new();
    let query_map = use_location().query;
    let url_params = Memo::new(move |_| query_map.with(|q| sorted_params(q)));
    let set_params = move |params: Params| url.push(to_query_string(&params));

    let list = Loader::<Rows>::new();
    let search = typed_search(url_params);
    let local = Memo::new(move |_| {
        list.data.track();
        source.with_value(|s| s.filters_locally())
    });
    // Which columns show: defaults, the user's choice, what the server sends.
    let choices = RwSignal::new(columns::load(table_id));
    let unavailable = Memo::new(move |_| {
        list.data.track();
        source.with_value(|s| s.unavailable())
    });
    let all_columns = StoredValue::new(columns.clone());
    // Columns that give their room away where the page leaves them empty.
    let collapsed = Memo::new(move |_| {
        list.data.with(|d| {
            let Some(rows) = d.as_ref().filter(|r| !r.rows.is_empty()) else {
                return Vec::new();
            };
            all_columns.with_value(|all| {
                all.iter()
                    .filter(|c| c.collapses && rows.rows.iter().all(|r| r.is_blank(c.label)))
                    .map(|c| c.label)
                    .collect::<Vec<_>>()
            })
        })
    });
    let visible = Memo::new(move |_| {
        let mut hidden = unavailable.get();
        hidden.extend(collapsed.get());
        all_columns.with_value(|all| choices.with(|c| columns::visible(all, c, &hidden)))
    });
    // The query, derived once per change. The list is fetched whenever it
    // changes, never for opening a row, and with the typed text at once
    // where the list filters locally.
    let query = Memo::new(move |_| {
        let mut params = url_params.get();
        params.retain(|(k, _)| k != "task");
        if local.get() {
            let typed = search.get();
            let typed = typed.trim();
            params = with_param(params, "q", (!typed.is_empty()).then(|| typed.to_string()));
        }
        params
    });
    let fetch = move |q: Params, refresh: bool| {
        let rows = source.with_value(|s| s.list(&q, refresh));
        list.run(async move { rows.await.map(|rows| Rows { query: q, ..rows }) });
    };
    effect(move || {
        let q = query.get();
        web::mark("taskdeck:tasks-request");
        fetch(q, false);
    });
    let reload = move || {
        fetch(query.get_untracked(), true);
        if let Some(told) = on_reload {
            told.run(());
        }
    };
    let changed = expect_context::<Changed>();
    reload_on_change(connection.clone(), reload);
    // A page past the last one was asked for: the URL says which is shown.
    effect(move || {
        if let Some(page) = list.data.with(|d| d.as_ref().and_then(|r| r.page)) {
            let p = with_param(
                url_params.get_untracked(),
                "page",
                (page > 1).then(|| page.to_string()),
            );
            url.replace(to_query_string(&p));
        }
    });
    // For `cargo xtask bench`: from the response to the rows on screen.
    effect(move || {
        if list.data.with(Option::is_some) {
            request_animation_frame(|| web::measure("taskdeck:tasks-shown", "taskdeck:response"));
        }
    });

    // Selection, by key, across pages and refreshes.
    let picked = RwSignal::new(Picked::<String>::default());
    let page_keys = Memo::new(move |_| {
        list.data
            .with(|d| {
                d.as_ref()
                    .map(|r| r.rows.iter().map(|row| row.key()).collect::<Vec<_>>())
            })
            .unwrap_or_default()
    });
    forget_vanished(source, query, page_keys, picked, toasts);
    let acting = Acting::new(source, picked, toasts, changed, connection);
    // Whether this account may use the action: buttons it cannot use are
    // disabled with the reason; where that is not known, a warning.
    let may = RwSignal::new(MayAct::Yes);
    if let Some(asking) = source.with_value(|s| s.may_act()) {
        leptos::task::spawn_local(async move {
            let answer = asking.await;
            may.try_set(answer);
        });
    }
    let refused = Signal::derive(move || may.with(|m| m.refusal().map(str::to_string)));
    let offers_matching = source.with_value(|s| s.matching(&Params::new()).is_some());
    use_auto_refresh(
        acting.is_open(),
        list.loading.into(),
        list.retry_at.into(),
        reload,
    );
    let retry = Callback::new(move |_| reload());

    let sort = Signal::derive(move || url_params.with(|p| param(p, "sort").map(str::to_string)));
    let on_sort = Callback::new(move |value: String| {
        let p = with_param(url_params.get_untracked(), "sort", Some(value));
        set_params(with_param(p, "page", None));
    });
    let paging = Signal::derive(move || {
        url_params.with(|p| Paging::from_params(param(p, "page"), param(p, "size")))
    });
    let total = Signal::derive(move || list.data.with(|d| d.as_ref().map_or(0, |r| r.total)));
    let open = Memo::new(move |_| url_params.with(|p| param(p, "task").map(str::to_string)));
    let open_row =
        move |key: Option<String>| set_params(with_param(url_params.get_untracked(), "task", key));
    // Focus goes back to the row's Details button, where the user was.
    let close_drawer = move || {
        let key = open.get_untracked();
        open_row(None);
        if let Some(key) = key {
            web::focus_first(&format!(
                "tr[data-task-id={}] [data-testid=open-task]",
                web::css_string(&key)
            ));
        }
    };
    let placeholder = move || url_params.with(|p| source.with_value(|s| s.search_placeholder(p)));
    // The selection column only where rows can be chosen.
    let width = move || {
        visible.with(|v| v.iter().filter(|v| **v).count()) + 1 + usize::from(action.is_some())
    };

    view! {
        <section class="screen" aria-labelledby="screen-title">
            <header class="screen-head">
                <div>
                    <h1 id="screen-title" tabindex="-1">{move || title.get()}</h1>
                    <p class="muted">{subtitle.run()}</p>
                </div>
                <RefreshBar loading=list.loading updated=list.updated retry_at=list.retry_at failed=Signal::derive(move || list.error.with(Option::is_some)) on_refresh=retry />
            </header>
            {above.run()}
            <div class="filters" role="search">
                {move || placeholder().map(|placeholder| view! { <SearchBox placeholder search url_params local /> })}
                {filters.run()}
                {server.filter(|_| source.with_value(|s| s.exportable())).map(|server| view! {
                    <ExportButtons source query server list=title noun />
                })}
                <ColumnChooser columns=columns.clone() table=table_id choices unavailable />
                <SaveViewButton />
            </div>

            {action.map(|action| view! {
                <SelectionBar unit=action.unit count=Signal::derive(move || picked.with(Picked::len)) on_clear=move |_| picked.update(Picked::clear)>
                    <button
                        class=if action.danger { "btn btn-danger" } else { "btn btn-primary" }
                        data-testid=action.testid
                        disabled=move || picked.with(Picked::is_empty) || refused.with(Option::is_some)
                        title=refused
                        on:click=move |_| {
                            let (keys, labels) = picked.with_untracked(|p| (p.ids(), p.labels()));
                            acting.ask(keys.into_iter().zip(labels).collect());
                        }
                    >
                        {format!("{} selected…", action.verb)}
                    </button>
                    {offers_matching.then(|| view! {
                        <button
                            class="btn"
                            data-testid="ack-matching"
                            disabled=move || total.get() == 0 || refused.with(Option::is_some)
                            title=refused
                            on:click=move |_| acting.ask_matching(query.get_untracked())
                        >
                            {format!("{} all matching…", action.verb)}
                        </button>
                    })}
                </SelectionBar>
                {move || may.with(|m| m.refusal().or(m.warning()).map(str::to_string)).map(|why| view! {
                    <p class="muted small action-note" data-testid="action-note">{why}</p>
                })}
            })}

            <ErrorBanner error=list.error kind stale=Signal::derive(move || list.data.with(Option::is_some)) on_retry=retry />
            {move || {
                let other = list.error.with(Option::is_some)
                    && list.data.with(|d| d.as_ref().is_some_and(|r| r.query != query.get()));
                other.then(|| view! {
                    <div class="banner banner-warn" role="status" data-testid="rows-from-before">
                        "The rows below are from before the search or filters changed: the new request failed."
                    </div>
                })
            }}
            {move || {
                let n = list.data.with(|d| d.as_ref().map_or(0, |r| r.unreadable));
                (n > 0).then(|| view! {
                    <div class="banner banner-warn" role="status" data-testid="unreadable-count">
                        {format!(
                            "{} of this answer could not be read; {} shown with the reason, and the details have the data as sent.",
                            plural(n, "row"),
                            if n == 1 { "it is" } else { "they are" }
                        )}
                    </div>
                })
            }}

            <div class="table-wrap">
                <table class="data-table" data-testid="tasks-table" aria-busy=move || list.loading.get().to_string()>
                    <thead>
                        <tr>
                            {action.is_some().then(|| view! {
                                <th scope="col" class="col-check">
                                    <PageCheckbox
                                        state=Signal::derive(move || page_keys.with(|k| picked.with(|p| p.page_state(k))))
                                        on_toggle=move |_| {
                                            let rows: Vec<(String, String)> = list.data.with_untracked(|d| {
                                                d.iter().flat_map(|r| r.rows.iter()).filter(|r| r.actionable()).map(|r| (r.key(), r.label())).collect()
                                            });
                                            picked.update(|p| p.toggle_page(rows));
                                        }
                                    />
                                </th>
                            })}
                            {move || columns
                                .iter()
                                .zip(visible.get())
                                .filter(|(_, shown)| *shown)
                                .map(|(c, _)| view! { <SortHeader column=*c current=sort on_sort default=default_sort /> })
                                .collect_view()}
                            <th scope="col" class=actions_class(action)><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || match list.data.get() {
                            None if list.error.with(Option::is_some) => view! {
                                <tr><td colspan=width() class="muted">"No data."</td></tr>
                            }.into_any(),
                            // As many as a page shows, so the pager below does not move.
                            None => view! { <SkeletonRows columns=width() rows=paging.get().size as usize /> }.into_any(),
                            Some(rows) if rows.rows.is_empty() => view! {
                                <tr><td colspan=width()>
                                    <EmptyState title=format!("No {noun}s match") detail="Change the search or the filters." />
                                </td></tr>
                            }.into_any(),
                            Some(rows) => rows.rows.into_iter().map(|row| view! {
                                <TableRow
                                    row
                                    visible=visible.get()
                                    picked
                                    action
                                    refused
                                    on_open=move |key| open_row(Some(key))
                                    on_act=move |row| acting.ask(vec![row])
                                />
                            }).collect_view().into_any(),
                        }}
                    </tbody>
                </table>
            </div>

            <Pager
                paging
                total
                on_change=move |next: Paging| {
                    let p = with_param(url_params.get_untracked(), "page", (next.page != 1).then(|| next.page.to_string()));
                    set_params(with_param(p, "size", Some(next.size.to_string())));
                }
            />

            {move || open.get().map(|key| view! { <RowDrawer key source list on_close=move |_| close_drawer() /> })}
            {action.map(|action| view! { <PlanDialog acting action /> })}
        </section>
    }
}
