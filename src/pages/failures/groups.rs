//! A failure group as a table row: one cause, every row it caused across
//! the servers, its known cause and what can be done about it.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use taskdeck_triage::groups::{Group, GroupOptions, Window};
use taskdeck_triage::order::sorted;
use taskdeck_triage::{Entry, Failure, List, RowRef};

use super::actions::GroupActions;
use super::cause::{KnownCause, known_cause};
use super::read::ServerFailures;
use super::view_field;
use crate::components::drawer::{Detail, field};
use crate::components::time::When;
use crate::location::Link;
use crate::state::connections::ServerKind;
use crate::state::inventree_view::{Queue, short_func};
use crate::state::plural;
use crate::state::route::{PaperlessList, Route};
use crate::state::triage::{group_key, window_words};
use crate::table::cells::{self, cell, number};
use crate::table::local::{LocalRow, missing_last};
use crate::table::{Column, Row, RowDetails, Width};

pub const COLUMNS: [Column; 8] = [
    Column::plain("", Width::Xs),
    Column::sorted("Cause", "cause", false, Width::Fill),
    Column::plain("Example", Width::Fill),
    Column::sorted("Rows", "count", true, Width::Xs),
    Column::sorted("Servers", "servers", true, Width::M),
    Column::sorted("First seen", "first", false, Width::S).optional(),
    Column::sorted("Last seen", "last", true, Width::S),
    Column::plain("Known cause", Width::M),
];

/// At most this many of a group's rows are listed in its details.
const ROWS_LISTED: usize = 100;

/// Everything about one group, shared (not copied) by its row, its details
/// and the work started from them.
pub struct GroupInfo {
    pub key: String,
    pub group: Group,
    pub kind: ServerKind,
    pub window: Window,
    /// `(connection id, name)` of each server with rows in it.
    pub servers: Vec<(String, String)>,
    /// Its rows, newest first.
    pub failures: Vec<Failure>,
    /// Failed mail: the rule each record came in through.
    pub mail_rules: HashMap<String, u64>,
    pub cause: Option<&'static Entry>,
}

impl GroupInfo {
    pub fn name_of(&self, connection: &str) -> String {
        self.servers
            .iter()
            .find(|(id, _)| id == connection)
            .map_or_else(|| connection.to_string(), |(_, name)| name.clone())
    }

    /// `consume_file: Not consuming: … #<id>`.
    pub fn title(&self) -> String {
        format!(
            "{}: {}",
            self.group.signature.source.task(),
            self.group.signature.message
        )
    }

    /// "Office: 12, Lab: 3".
    pub fn per_server(&self) -> String {
        self.group
            .per_server
            .iter()
            .map(|(c, n)| format!("{}: {n}", self.name_of(c)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub struct GroupRow(pub Arc<GroupInfo>);

/// The groups of every server's failures over `window`, each with its rows
/// and known cause; failures after `new_since` are new.
pub fn group_rows(
    read: Vec<ServerFailures>,
    window: Window,
    now: DateTime<Utc>,
    new_since: Option<DateTime<Utc>>,
) -> Vec<GroupRow> {
    let names: HashMap<String, (String, ServerKind)> = read
        .iter()
        .map(|r| {
            (
                r.connection.id.clone(),
                (r.connection.name.clone(), r.connection.kind),
            )
        })
        .collect();
    let mut mail_rules = HashMap::new();
    let mut failures = Vec::new();
    for server in read {
        for (key, rule) in server.mail_rules {
            mail_rules.insert((server.connection.id.clone(), key), rule);
        }
        failures.extend(server.failures);
    }
    let options = GroupOptions {
        window,
        new_since,
        ..GroupOptions::new(now)
    };
    let grouping = taskdeck_triage::groups::group(&failures, &options);
    // Each failure goes to its group: moved, not copied.
    let mut by_row: HashMap<RowRef, Failure> =
        failures.into_iter().map(|f| (f.row.clone(), f)).collect();
    grouping
        .groups
        .into_iter()
        .map(|group| {
            let rows: Vec<Failure> = group.rows.iter().filter_map(|r| by_row.remove(r)).collect();
            let rows = sorted(rows, |a, b| b.at.cmp(&a.at).then(a.row.cmp(&b.row)));
            let kind = group.signature.kind();
            let servers = group
                .per_server
                .keys()
                .map(|c| {
                    let name = names.get(c).map_or_else(|| c.clone(), |(n, _)| n.clone());
                    (c.clone(), name)
                })
                .collect();
            let group_mail = rows
                .iter()
                .filter(|f| f.row.list == List::PaperlessProcessedMail)
                .filter_map(|f| {
                    mail_rules
                        .get(&(f.row.connection.clone(), f.row.key.clone()))
                        .map(|rule| (f.row.key.clone(), *rule))
                })
                .collect();
            GroupRow(Arc::new(GroupInfo {
                key: group_key(&group.signature),
                cause: rows.first().and_then(known_cause),
                kind,
                window,
                servers,
                failures: rows,
                mail_rules: group_mail,
                group,
            }))
        })
        .collect()
}

/// Where a failed row is shown in its own list, its details open.
pub fn row_href(row: &RowRef) -> String {
    let path = match row.list {
        List::PaperlessTasks => Route::paperless(&row.connection).path(),
        List::PaperlessProcessedMail => {
            // Mail of any status, so the record is there whatever it is now.
            return format!(
                "{}?status=all&task={}",
                Route::paperless_list(&row.connection, PaperlessList::Mail).path(),
                row.key
            );
        }
        List::InvenTreeFailed => Route::queue(&row.connection, Queue::Failed).path(),
    };
    format!(
        "{path}?task={}",
        crate::state::url::percent_encode(&row.key)
    )
}

impl Row for GroupRow {
    fn key(&self) -> String {
        self.0.key.clone()
    }

    fn label(&self) -> String {
        self.0.title()
    }

    fn is_new(&self) -> bool {
        self.0.group.new > 0
    }

    fn cells(&self) -> Vec<AnyView> {
        let info = &self.0;
        let g = &info.group;
        let new = (g.new > 0).then(|| {
            view! { <span class="badge badge-new" title="Failed since you last opened this list">{format!("{} new", g.new)}</span> }
        });
        // The function's own name (its module on hover), then the message.
        let task = short_func(g.signature.source.task()).to_string();
        let message = g.signature.message.clone();
        let title = info.title();
        let servers = match info.servers.as_slice() {
            [(_, name)] => name.clone(),
            all => format!("{} servers", all.len()),
        };
        vec![
            cell(new),
            view! {
                <td class="clip cause-cell" title=title>
                    <span class="mono">{task}</span>
                    " "
                    <span class="muted">{message}</span>
                </td>
            }
            .into_any(),
            cells::text(g.example.clone()),
            number(g.count),
            view! { <td class="clip" title=info.per_server()>{servers}</td> }.into_any(),
            cell(view! { <When at=g.first_seen /> }),
            cell(view! { <When at=g.last_seen /> }),
            match info.cause {
                Some(entry) => {
                    let (title, cause) = (entry.title.clone(), entry.cause.clone());
                    view! { <td class="clip known-text" title=cause>{title}</td> }.into_any()
                }
                None => cell(view! { <span class="muted">"–"</span> }),
            },
        ]
    }

    fn details(&self) -> RowDetails {
        let info = self.0.clone();
        let g = &info.group;
        let listed = {
            let info = info.clone();
            Arc::new(move || {
                let more = info.failures.len().saturating_sub(ROWS_LISTED);
                view! {
                    <ul class="group-rows" data-testid="group-rows">
                        {info.failures.iter().take(ROWS_LISTED).map(|f| {
                            let label = format!("{} · #{}", info.name_of(&f.row.connection), f.row.key);
                            view! {
                                <li data-row=f.row.key.clone() data-connection=f.row.connection.clone()>
                                    <Link href=row_href(&f.row)>{label}</Link>
                                    " "
                                    <When at=f.at />
                                    <span class="muted small clip-line" title=f.message.clone()>{f.message.clone()}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {(more > 0).then(|| view! { <p class="muted small">{format!("and {more} more, in their lists")}</p> })}
                }
                .into_any()
            })
        };
        let cause = {
            let info = info.clone();
            Arc::new(move || {
                let servers: Vec<String> = info.servers.iter().map(|(id, _)| id.clone()).collect();
                view! { <KnownCause entry=info.cause servers document=None /> }.into_any()
            })
        };
        let actions = {
            let info = info.clone();
            Arc::new(move || view! { <GroupActions info=info.clone() /> }.into_any())
        };
        RowDetails {
            title: info.title(),
            subtitle: format!(
                "{} in {} · {}",
                plural(g.count, "failure"),
                window_words(info.window),
                info.per_server()
            ),
            fields: vec![
                field("Known cause", view_field(cause)),
                field("Do", view_field(actions)),
                field("Task", Detail::Code(g.signature.source.task().to_string())),
                field("Signature", Detail::Code(g.signature.message.clone())),
                field("Exception", Detail::text_or_missing(g.exception.clone())),
                field("Newest message", Detail::Code(g.example.clone())),
                field("Rows", Detail::Text(g.count.to_string())),
                field("Per server", Detail::Text(info.per_server())),
                field("First seen", Detail::Time(g.first_seen)),
                field("Last seen", Detail::Time(g.last_seen)),
                field(
                    "New",
                    Detail::Text(match g.new {
                        0 => "none since you last opened this list".into(),
                        n => format!("{n} since you last opened this list"),
                    }),
                ),
                field("Its rows", view_field(listed)),
            ],
        }
    }

    fn export(&self) -> Vec<(&'static str, String)> {
        let info = &self.0;
        let g = &info.group;
        let time = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
        vec![
            ("Task", g.signature.source.task().to_string()),
            ("Signature", g.signature.message.clone()),
            ("Exception", g.exception.clone().unwrap_or_default()),
            ("Newest message", g.example.clone()),
            ("Rows", g.count.to_string()),
            ("Per server", info.per_server()),
            ("First seen", time(g.first_seen)),
            ("Last seen", time(g.last_seen)),
            ("New", g.new.to_string()),
            (
                "Known cause",
                info.cause.map(|e| e.id.clone()).unwrap_or_default(),
            ),
        ]
    }
}

impl LocalRow for GroupRow {
    fn haystack(&self) -> String {
        let info = &self.0;
        format!(
            "{} {} {} {} {}",
            info.group.signature.source.task(),
            info.group.signature.message,
            info.group.example,
            info.per_server(),
            info.cause.map_or("", |e| e.title.as_str())
        )
        .to_lowercase()
    }

    fn compare(&self, other: &Self, sort: &str) -> Ordering {
        let (a, b) = (&self.0.group, &other.0.group);
        match sort {
            "cause" => a.signature.cmp(&b.signature),
            "servers" => a
                .per_server
                .len()
                .cmp(&b.per_server.len())
                .then(a.count.cmp(&b.count)),
            "first" => missing_last(a.first_seen, b.first_seen),
            "last" => missing_last(a.last_seen, b.last_seen),
            _ => a.count.cmp(&b.count).then(a.last_seen.cmp(&b.last_seen)),
        }
    }
}
