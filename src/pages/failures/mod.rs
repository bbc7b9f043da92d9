//! Failures by cause: every server's failures grouped by a normalised
//! signature over a stated window, on the one table screen, each group with
//! its rows, its known cause and what can be done with all of it at once;
//! and the stalls seen from outside, with each server's thresholds.

pub mod actions;
pub mod cause;
pub mod groups;
pub mod read;
pub mod report;
pub mod stalls;

use std::sync::Arc;

use leptos::prelude::*;

use crate::components::choice::ChoiceSelect;
use crate::components::drawer::Detail;
use crate::components::url_view::UrlView;
use crate::context::Connections;
use crate::location::use_location;
use crate::state::connections::ServerKind;
use crate::state::triage::{
    WINDOW_CHOICES, groups_seen, mark_groups_seen, window_of, window_words,
};
use crate::state::url::QueryParams;
use crate::table::local::{ListMeta, LocalSource};
use crate::table::screen::sorted_params;
use crate::table::{TableScreen, param, to_query_string, with_param};
use crate::web;
use groups::{COLUMNS, group_rows};
use read::{Purpose, read_all};
use stalls::StallPanel;

/// A drawer field showing `render`: one `ViewFn` for every view the
/// failure screens add to a drawer (each closure type given to
/// `ViewFn::from` compiles its own copy into the download).
pub fn view_field(render: Arc<dyn Fn() -> AnyView + Send + Sync>) -> Detail {
    Detail::View(ViewFn::from(move || render()))
}

/// Lines as list items: one copy of the list-building code for all of them.
pub fn items(lines: Vec<String>) -> AnyView {
    lines
        .into_iter()
        .map(|line| view! { <li>{line}</li> })
        .collect_view()
        .into_any()
}

#[component]
pub fn FailuresPage() -> impl IntoView {
    let connections = expect_context::<Connections>();
    let location = use_location();
    let url = UrlView::new();
    // New since the list was last opened: the moment before this visit,
    // kept for every refresh while on it.
    let store = web::local_store();
    let since = groups_seen(&store);
    mark_groups_seen(&store, web::now());
    let window = Memo::new(move |_| location.query.with(|q| window_of(q.get("days"))));
    // What could not be read, per server (shown above the groups).
    let problems = RwSignal::new(Vec::<String>::new());
    let meta = ListMeta {
        columns: &COLUMNS,
        table_id: "failure-groups",
        noun: "group",
        default_sort: "-count",
        search: "Search cause, message, server ( / )",
        gone: "No failure of this cause in the window any more.",
    };
    let source = LocalSource::shared(meta, move |params| {
        let window = window_of(param(params, "days"));
        Box::pin(async move {
            let read = read_all(connections, Purpose::Group, None).await;
            let notes: Vec<String> = read
                .iter()
                .flat_map(|r| {
                    let name = &r.connection.name;
                    r.error
                        .iter()
                        .map(move |e| format!("{name}: could not be read ({e})."))
                        .chain((r.unreadable > 0).then(|| {
                            format!(
                                "{name}: {} could not be read and {} not grouped (see its lists).",
                                crate::state::plural(r.unreadable, "row"),
                                if r.unreadable == 1 { "is" } else { "are" }
                            )
                        }))
                })
                .collect();
            problems.try_set(notes);
            Ok(group_rows(read, window, web::now(), since)
                .into_iter()
                .map(Arc::new)
                .collect())
        })
    });
    let choices: Vec<(String, String)> = WINDOW_CHOICES
        .iter()
        .map(|d| {
            let label = if *d == 1 {
                "1 day".to_string()
            } else {
                format!("{d} days")
            };
            (d.to_string(), label)
        })
        .collect();
    let filters = move || {
        view! {
            <ChoiceSelect
                label="Window "
                testid="failure-window"
                options=choices.clone()
                selected=Signal::derive(move || window.get().days.to_string())
                on_pick=move |days: String| {
                    let p = with_param(sorted_params(&location.query.get_untracked()), "days", Some(days));
                    url.push(to_query_string(&with_param(p, "page", None)));
                }
            />
        }
    };
    let above = move || {
        view! {
            {move || {
                let notes = problems.get();
                (!notes.is_empty()).then(|| view! {
                    <div class="banner banner-warn" role="status" data-testid="failure-read-problems">
                        <ul>{items(notes)}</ul>
                    </div>
                })
            }}
            <StallPanel />
        }
    };
    view! {
        <TableScreen
            source
            kind=ServerKind::Paperless
            title="Failures by cause"
            subtitle=move || view! {
                <span data-testid="failure-window-note">
                    {move || format!(
                        "Failures not dealt with yet on every server, grouped by cause over {}; “new” since you last opened this list.",
                        window_words(window.get())
                    )}
                </span>
            }
            above=above
            filters=filters
            server="all servers"
        />
    }
}
