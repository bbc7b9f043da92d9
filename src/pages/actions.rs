//! The action log: every action and run sent from this console (and, with
//! a watcher connected, from the consoles that share it), with the outcome
//! the engine saw. Filtered by server, action and outcome, searched,
//! sorted, paged and exported on the table screen.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;

use crate::action_log::{ActionLog, Kept, Logbook, Logged};
use crate::api::watcher::{ACTIONS, OUTCOMES};
use crate::api::{ApiError, LocalBoxFuture, ServerKind};
use crate::components::choice::ChoiceSelect;
use crate::components::drawer::{Detail, field};
use crate::components::time::When;
use crate::components::url_view::UrlView;
use crate::location::use_location;
use crate::state::action_log::{action_label, outcome_label, outcomes_text};
use crate::table::cells::{self, cell};
use crate::table::local::{LocalRow, local_page};
use crate::table::screen::sorted_params;
use crate::table::{
    Column, Params, Row, RowDetails, RowRef, RowSource, Rows, TableScreen, Width, param,
    to_query_string, with_param,
};
use crate::watching::Watching;

const COLUMNS: [Column; 9] = [
    Column::sorted("When", "at", true, Width::M),
    Column::sorted("Who", "who", false, Width::S),
    Column::sorted("Server", "server", false, Width::M),
    Column::sorted("Action", "action", false, Width::S),
    Column::plain("On", Width::S),
    Column::sorted("How many", "count", true, Width::Xs),
    Column::sorted("Outcome", "outcome", false, Width::S),
    Column::plain("Report", Width::Fill),
    Column::plain("Kept by", Width::S).optional(),
];

pub struct LogRow(Logged);

impl LogRow {
    fn server(&self) -> String {
        let s = &self.0.entry.server;
        s.name.clone().unwrap_or_else(|| s.url.clone())
    }

    fn kept(&self) -> String {
        match &self.0.kept {
            Kept::Here if crate::ipc::in_desktop_app() => "this app".into(),
            Kept::Here => "this browser".into(),
            Kept::Watcher { origin } if origin == "local" => "the watcher".into(),
            Kept::Watcher { origin } => format!("the watcher (from {origin})"),
        }
    }

    fn who(&self) -> String {
        let e = &self.0.entry;
        match (e.who.trim(), e.installation.as_deref()) {
            ("", Some(i)) => i.to_string(),
            ("", None) => "–".into(),
            (who, _) => who.to_string(),
        }
    }
}

impl Row for LogRow {
    fn key(&self) -> String {
        self.0.entry.id.clone()
    }

    fn label(&self) -> String {
        let e = &self.0.entry;
        format!("{} on {}", action_label(&e.action), self.server())
    }

    fn cells(&self) -> Vec<AnyView> {
        let e = &self.0.entry;
        let outcome = e.outcome();
        vec![
            cell(view! { <When at=Some(e.at) /> }),
            cells::text(self.who()),
            cells::text(self.server()),
            cells::text(action_label(&e.action).to_string()),
            cells::text(e.target.clone().unwrap_or_default()),
            cells::number(e.count),
            cell(view! {
                <span class=format!("outcome outcome-{outcome}") data-testid="log-outcome" data-outcome=outcome title=outcomes_text(e)>
                    {outcome_label(outcome).to_string()}
                </span>
            }),
            cells::text(e.report.clone().unwrap_or_default()),
            cells::text(self.kept()),
        ]
    }

    fn details(&self) -> RowDetails {
        let e = &self.0.entry;
        RowDetails {
            title: self.label(),
            subtitle: format!("{} · {}", outcome_label(e.outcome()), outcomes_text(e)),
            fields: vec![
                field("When", Detail::Time(Some(e.at))),
                field("Who", Detail::Text(self.who())),
                field(
                    "Installation",
                    Detail::text_or_missing(e.installation.clone()),
                ),
                field(
                    "Server",
                    Detail::Text(format!("{} ({})", self.server(), e.server.url)),
                ),
                field("Action", Detail::Text(action_label(&e.action).to_string())),
                field("On", Detail::text_or_missing(e.target.clone())),
                field("How many", Detail::Text(e.count.to_string())),
                field("Outcome", Detail::Text(outcomes_text(e))),
                field("Report", Detail::text_or_missing(e.report.clone())),
                field(
                    "Ids",
                    if e.ids.is_empty() {
                        Detail::Missing
                    } else {
                        Detail::Code(e.ids.join(", "))
                    },
                ),
                field("Kept by", Detail::Text(self.kept())),
                field("Entry id", Detail::Code(e.id.clone())),
            ],
        }
    }

    fn actionable(&self) -> bool {
        false
    }

    fn export(&self) -> Vec<(&'static str, String)> {
        let e = &self.0.entry;
        vec![
            ("at", e.at.to_rfc3339()),
            ("who", e.who.clone()),
            ("installation", e.installation.clone().unwrap_or_default()),
            ("server", self.server()),
            ("server_url", e.server.url.clone()),
            ("server_kind", e.server.kind.clone()),
            ("action", e.action.clone()),
            ("target", e.target.clone().unwrap_or_default()),
            ("count", e.count.to_string()),
            ("outcome", e.outcome().to_string()),
            ("outcomes", outcomes_text(e)),
            ("report", e.report.clone().unwrap_or_default()),
            ("ids", e.ids.join(" ")),
            ("kept_by", self.kept()),
            ("id", e.id.clone()),
        ]
    }
}

impl LocalRow for LogRow {
    fn haystack(&self) -> String {
        let e = &self.0.entry;
        format!(
            "{} {} {} {} {} {} {}",
            self.who(),
            self.server(),
            e.server.url,
            action_label(&e.action),
            e.target.as_deref().unwrap_or(""),
            e.report.as_deref().unwrap_or(""),
            e.ids.join(" ")
        )
        .to_lowercase()
    }

    fn compare(&self, other: &Self, sort: &str) -> Ordering {
        let (a, b) = (&self.0.entry, &other.0.entry);
        match sort {
            "who" => self.who().cmp(&other.who()),
            "server" => self.server().cmp(&other.server()),
            "action" => a.action.cmp(&b.action),
            "count" => a.count.cmp(&b.count),
            "outcome" => a.outcome().cmp(b.outcome()),
            _ => a.at.cmp(&b.at),
        }
        .then(a.at.cmp(&b.at))
    }
}

/// The rows last read.
type Cache = Rc<RefCell<Option<Rc<[Arc<LogRow>]>>>>;

/// The log, read once per refresh and filtered here.
struct LogSource {
    log: ActionLog,
    cache: Cache,
    /// What the last read could not reach, for the page to say.
    notes: RwSignal<Vec<String>>,
    /// The servers the log names, for the filter.
    servers: RwSignal<Vec<String>>,
}

/// Whether an entry passes the log's own filters.
fn passes(row: &LogRow, query: &Params) -> bool {
    let e = &row.0.entry;
    param(query, "server").is_none_or(|s| e.server.url == s)
        && param(query, "action").is_none_or(|a| e.action == a)
        && param(query, "outcome").is_none_or(|o| e.outcome() == o)
}

impl RowSource for LogSource {
    fn columns(&self) -> Vec<Column> {
        COLUMNS.to_vec()
    }

    fn table_id(&self) -> &'static str {
        "action-log"
    }

    fn noun(&self) -> &'static str {
        "action"
    }

    fn default_sort(&self) -> Option<&'static str> {
        Some("-at")
    }

    fn search_placeholder(&self, _query: &Params) -> Option<&'static str> {
        Some("Search who, server, report or id ( / )")
    }

    fn filters_locally(&self) -> bool {
        true
    }

    fn exportable(&self) -> bool {
        true
    }

    fn list(
        &self,
        query: &Params,
        refresh: bool,
    ) -> LocalBoxFuture<'static, Result<Rows, ApiError>> {
        let (query, cache, log) = (query.clone(), self.cache.clone(), self.log);
        let (notes, servers) = (self.notes, self.servers);
        let cached = cache.borrow().clone().filter(|_| !refresh);
        Box::pin(async move {
            let rows = match cached {
                Some(rows) => rows,
                None => {
                    let Logbook {
                        entries,
                        notes: said,
                    } = log.read().await;
                    let mut names: Vec<String> =
                        entries.iter().map(|l| l.entry.server.url.clone()).collect();
                    names.sort();
                    names.dedup();
                    servers.try_set(names);
                    notes.try_set(said);
                    let rows: Rc<[Arc<LogRow>]> =
                        entries.into_iter().map(|l| Arc::new(LogRow(l))).collect();
                    *cache.borrow_mut() = Some(rows.clone());
                    rows
                }
            };
            let matching: Vec<Arc<LogRow>> =
                rows.iter().filter(|r| passes(r, &query)).cloned().collect();
            Ok(local_page(&matching, &query, Some("-at")))
        })
    }

    fn detail(&self, key: String) -> LocalBoxFuture<'static, Result<RowRef, ApiError>> {
        let found = self
            .cache
            .borrow()
            .as_ref()
            .and_then(|rows| rows.iter().find(|r| r.key() == key).cloned());
        Box::pin(async move {
            found.map(|r| r as RowRef).ok_or(ApiError::NotFound {
                message: "This entry is not in the log as read.".into(),
            })
        })
    }
}

#[component]
pub fn ActionsPage() -> impl IntoView {
    let log = expect_context::<ActionLog>();
    let watching = expect_context::<Watching>();
    let notes = RwSignal::new(Vec::new());
    let servers = RwSignal::new(Vec::new());
    let source = Rc::new(LogSource {
        log,
        cache: Rc::default(),
        notes,
        servers,
    });
    let query = use_location().query;
    let url = UrlView::new();
    let current = move || sorted_params(&query.read());
    let pick = move |key: &'static str| {
        move |value: String| {
            let p = with_param(current(), key, (!value.is_empty()).then_some(value));
            url.push(to_query_string(&with_param(p, "page", None)));
        }
    };
    let selected = move |key: &'static str| {
        Signal::derive(move || param(&current(), key).unwrap_or("").to_string())
    };
    let filters = move || {
        view! {
            {move || {
                let options = servers.get().into_iter().map(|s| (s.clone(), s)).collect();
                view! { <ChoiceSelect label="Server " testid="log-server" any=true options selected=selected("server") on_pick=pick("server") /> }
            }}
            <ChoiceSelect
                label="Action "
                testid="log-action"
                any=true
                options=ACTIONS.iter().map(|a| (a.to_string(), action_label(a).to_string())).collect()
                selected=selected("action")
                on_pick=pick("action")
            />
            <ChoiceSelect
                label="Outcome "
                testid="log-outcome-filter"
                any=true
                options=OUTCOMES.iter().map(|o| (o.to_string(), outcome_label(o).to_string())).collect()
                selected=selected("outcome")
                on_pick=pick("outcome")
            />
        }
    };
    let above = move || {
        view! {
            {move || notes.get().into_iter().map(|n| view! {
                <p class="banner banner-warn" role="status" data-testid="log-note">{n}</p>
            }).collect_view()}
        }
    };
    let subtitle = move || {
        if crate::ipc::in_desktop_app() {
            "Every action and run sent from this app, with what was seen come of it; kept in the app's history file.".to_string()
        } else {
            match watching.link.get() {
                Some(link) => format!(
                    "Every action and run sent from this browser, with what was seen come of it, and what the consoles connected to the watcher at {} sent.",
                    link.url
                ),
                None => "Every action and run sent from this browser, with what was seen come of it; kept in this browser. Connect a watcher under Connections to share it.".to_string(),
            }
        }
    };
    view! {
        <TableScreen
            source
            kind=ServerKind::Paperless
            title="Action log"
            subtitle=subtitle
            above=above
            filters=filters
            server="action-log"
        />
    }
}
