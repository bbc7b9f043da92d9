//! Paperless-ngx tasks: status tabs with counts and the list's filters
//! around the shared table screen; [`source`] says how tasks are fetched and
//! acknowledged, [`row`] how one looks.

pub mod fetch;
pub mod logs;
pub mod mail;
pub mod mail_source;
pub mod row;
pub mod running;
pub mod slow;
pub mod source;

use std::rc::Rc;

use crate::location::use_location;
use leptos::prelude::*;

use crate::api::paperless::{PaperlessApi, StatusCounts, TaskType, TriggerSource};
use crate::components::choice::ChoiceSelect;
use crate::components::loader::Loader;
use crate::components::url_view::UrlView;
use crate::context::Connections;
use crate::pages::ConnectionGate;
use crate::reactive::effect;
use crate::state::connections::{Connection, ServerKind};
use crate::state::paperless_view::{AckFilter, PaperlessView, StatusTab, TextScope};
use crate::state::seen::{self, Watched};
use crate::state::table::Paging;
use crate::table::TableScreen;
use crate::table::parts::alert_class;
use crate::web;
use source::PaperlessSource;

#[component]
pub fn PaperlessTasksPage(connection: String) -> impl IntoView {
    view! {
        <ConnectionGate id=connection kind=ServerKind::Paperless let:connection>
            <PaperlessTasks connection=connection />
        </ConnectionGate>
    }
}

#[component]
fn PaperlessTasks(connection: Connection) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let store = web::local_store();
    let previously = seen::last_seen(&store, &connection.id, Watched::PaperlessTasks);
    seen::mark_seen(&store, &connection.id, Watched::PaperlessTasks, web::now());
    let source = PaperlessSource::new(
        connections.paperless(&connection),
        connection.clone(),
        previously,
    );
    let (local_counts, api) = (source.local_counts, source.api);
    let query = use_location().query;
    let url = UrlView::new();
    let view = Memo::new(move |_| PaperlessView::from_params(&*query.read()));
    let set_view = move |next: PaperlessView| url.push(next.to_query_string());
    let refilter = move |change: Box<dyn FnOnce(&mut PaperlessView)>| {
        set_view(view.get_untracked().refiltered(change));
    };

    // Tab counts: from the server (API 10), or counted here (API 9).
    let counts = Loader::<StatusCounts>::new();
    let counts_query = Memo::new(move |_| view.with(PaperlessView::counts_query));
    let client = StoredValue::new_local(connections.paperless(&connection));
    let count = move || {
        if api.get_untracked() == Some(PaperlessApi::V10) {
            let q = counts_query.get_untracked();
            let client = client.get_value();
            counts.run(async move { client.status_counts(crate::transport::current(), &q).await });
        }
    };
    effect(move || {
        counts_query.track();
        api.track();
        count();
    });
    let tab_counts = Memo::new(move |_| local_counts.get().or_else(|| counts.data.get()));

    let name = connection.name.clone();
    // A closure that returns a closure: re-rendered when the version is known.
    let subtitle = move || {
        let name = name.clone();
        move || {
            let api = api.get();
            format!(
                "{name} · Paperless-ngx{}{}",
                api.map(|a| format!(" · API {}", a.number()))
                    .unwrap_or_default(),
                if api == Some(PaperlessApi::V9) {
                    " · this server sends all tasks at once; filtering and paging happen here"
                } else {
                    ""
                }
            )
        }
    };
    let tabs = move || {
        view! {
            <div class="tabs" role="tablist" aria-label="Status">
                {StatusTab::ALL
                    .into_iter()
                    .map(|tab| view! {
                        <button
                            role="tab"
                            class="tab"
                            data-tab=tab.param()
                            aria-selected=move || (view.get().tab == tab).to_string()
                            on:click=move |_| refilter(Box::new(move |v| v.tab = tab))
                        >
                            {tab.label()}
                            <span class=move || alert_class(tab == StatusTab::NeedsAttention && tab_counts.get().is_some_and(|c| tab.count(&c) > 0))>
                                {move || tab_counts.get().map(|c| tab.count(&c).to_string())}
                            </span>
                        </button>
                    })
                    .collect_view()}
            </div>
        }
    };
    let filters = move || {
        view! {
            <ChoiceSelect
                label=""
                aria_label="Search in"
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
                let v = view.get_untracked();
                set_view(PaperlessView { sort: v.sort, paging: Paging { page: 1, ..v.paging }, ..PaperlessView::default() });
            }>"Reset filters"</button>
        }
    };

    view! {
        <TableScreen
            source=Rc::new(source)
            kind=ServerKind::Paperless
            title="Tasks"
            subtitle=subtitle
            above=tabs
            filters=filters
            on_reload=Callback::new(move |_| count())
            server=connection.name.clone()
            connection=connection.id.clone()
        />
    }
}
