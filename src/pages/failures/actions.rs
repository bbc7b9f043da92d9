//! What can be done with a whole group: acknowledge, delete or release its
//! rows (whichever its list takes), export them, copy a report.
//!
//! Acting goes through the engine, one `Target` per server: the group's
//! servers are read again first and what changed since the group was
//! computed is named in the confirmation (`triage::groups::drift`);
//! exactly the rows still as they were are sent, and the engine looks them
//! up once more before sending and again after. Once confirmed the work is
//! the app's: it reports per server in a toast, whatever screen the user
//! goes to, and holds only plain data and app-level state.

use std::collections::{BTreeSet, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use taskdeck_triage::groups::{GroupOptions, drift};

use super::groups::GroupInfo;
use super::items;
use super::read::{Purpose, read_all};
use super::report::{ReportButton, ReportSubject};
use crate::components::dialog::ConfirmDialog;
use crate::components::feedback::{ToastKind, Toasts};
use crate::components::selection::plural;
use crate::context::{Changed, Connections};
use crate::engine::act::{Checked, Outcome, Target, act};
use crate::engine::inventree::{Delete, DeleteFrom};
use crate::engine::mail::Release;
use crate::engine::paperless::Acknowledge;
use crate::runs::Runs;
use crate::state::export::{Table, file_name, to_csv, to_json};
use crate::state::outcome::{Tone, report};
use crate::state::triage::{GroupAction, GroupPlan, plan};
use crate::web;

#[component]
pub fn GroupActions(info: Arc<GroupInfo>) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let toasts = expect_context::<Toasts>();
    let changed = expect_context::<Changed>();
    let runs = expect_context::<Runs>();
    let action = GroupAction::of_group(&info.group);
    let checking = RwSignal::new(false);
    let planned = RwSignal::new(None::<GroupPlan>);
    let stored = StoredValue::new(info.clone());

    // Reads the group's servers again and works out what changed, then
    // asks. Its result lands only in this screen's dialog, if still there.
    let check = move |action: GroupAction| {
        checking.set(true);
        let info = stored.get_value();
        leptos::task::spawn_local(async move {
            let mut servers = BTreeSet::new();
            for id in info.group.per_server.keys() {
                servers.insert(id.clone());
            }
            let read = read_all(connections, Purpose::Recheck, Some(servers.clone())).await;
            let unread: Vec<String> = read
                .iter()
                .filter_map(|r| {
                    r.error
                        .as_ref()
                        .map(|e| format!("{}: {e}", r.connection.name))
                })
                .chain(
                    servers
                        .iter()
                        .filter(|id| !read.iter().any(|r| &r.connection.id == *id))
                        .map(|id| format!("{}: no longer connected", info.name_of(id))),
                )
                .collect();
            checking.try_set(false);
            if !unread.is_empty() {
                toasts.show(
                    ToastKind::Error,
                    format!(
                        "Nothing was sent: the group's rows could not be looked up again ({}).",
                        unread.join("; ")
                    ),
                );
                return;
            }
            let now: Vec<_> = read.into_iter().flat_map(|r| r.failures).collect();
            let options = GroupOptions {
                window: info.window,
                ..GroupOptions::new(web::now())
            };
            let seen = drift(&info.group, &now, &options);
            let name = |id: &str| info.name_of(id);
            planned.try_set(Some(plan(&info.group, &seen, action, &name)));
        });
    };

    let export = move |json: bool| {
        let info = stored.get_value();
        leptos::task::spawn_local(export_group(info, json, toasts));
    };

    let count = info.group.count;
    let subject = ReportSubject::Group(info);
    view! {
        <div class="group-actions" data-testid="group-actions">
            {action.map(|action| view! {
                <button
                    class=if action.danger() { "btn btn-small btn-danger" } else { "btn btn-small btn-primary" }
                    data-testid=action.testid()
                    disabled=move || checking.get()
                    on:click=move |_| check(action)
                >
                    {move || if checking.get() {
                        "Checking the rows…".to_string()
                    } else {
                        format!("{} {}…", action.verb(), plural(count, action.unit()))
                    }}
                </button>
            })}
            <button class="btn btn-small" data-testid="group-export-csv" on:click=move |_| export(false)>"Export CSV"</button>
            <button class="btn btn-small" data-testid="group-export-json" on:click=move |_| export(true)>"JSON"</button>
            <ReportButton subject />
        </div>
        {move || planned.get().map(|p| {
            let info = stored.get_value();
            let count = p.count();
            let title = format!(
                "{} {} of “{}”?",
                p.action.verb(),
                plural(count, p.action.unit()),
                info.title()
            );
            let confirm_label = format!("{} {}", p.action.verb(), plural(count, p.action.unit()));
            let to_run = p.clone();
            view! {
                <ConfirmDialog
                    title
                    confirm_label
                    busy=false
                    not_ready=count == 0
                    danger=p.action.danger()
                    on_confirm=move |_| {
                        planned.set(None);
                        run(to_run.clone(), stored.get_value(), connections, toasts, changed, runs);
                    }
                    on_cancel=move |_| planned.set(None)
                >
                    // Exactly what a confirmation sends, per server, for tests
                    // that check the backends changed nothing else.
                    {p.parts.iter().map(|part| view! {
                        <span hidden data-testid="plan-keys" data-connection=part.connection.clone() data-keys=part.keys.join(",")></span>
                    }).collect_view()}
                    {(!p.changes.is_empty()).then(|| view! {
                        <div class="banner banner-warn" data-testid="plan-note">
                            <p>"Since the group was computed:"</p>
                            <ul>{items(p.changes.clone())}</ul>
                        </div>
                    })}
                    {if count == 0 {
                        view! { <p>"None of its rows is left to act on."</p> }.into_any()
                    } else {
                        let servers: Vec<String> = p
                            .parts
                            .iter()
                            .map(|part| format!("{}: {}", info.name_of(&part.connection), plural(part.keys.len(), p.action.unit())))
                            .collect();
                        view! {
                            <p>{p.action.consequence()}</p>
                            <ul class="confirm-servers" data-testid="plan-servers">{items(servers)}</ul>
                        }.into_any()
                    }}
                </ConfirmDialog>
            }
        })}
    }
}

/// The engine's target for one server's part.
fn target(
    connections: Connections,
    connection: &crate::state::connections::Connection,
    action: GroupAction,
) -> Rc<dyn Target> {
    let transport = crate::transport::current();
    match action {
        GroupAction::Acknowledge => Rc::new(Acknowledge {
            client: connections.paperless(connection),
            transport,
        }),
        GroupAction::Delete => Rc::new(Delete {
            client: connections.inventree(connection),
            transport,
            queue: DeleteFrom::Failed,
        }),
        GroupAction::Release => Rc::new(Release {
            client: connections.paperless(connection),
            transport,
        }),
    }
}

/// Acts on each server's part in turn and reports each: app-level work,
/// plain data only.
fn run(
    plan: GroupPlan,
    info: Arc<GroupInfo>,
    connections: Connections,
    toasts: Toasts,
    changed: Changed,
    runs: Runs,
) {
    let action = plan.action;
    for part in plan.parts {
        let name = info.name_of(&part.connection);
        let Some(connection) = connections.find_untracked(&part.connection) else {
            toasts.show(
                ToastKind::Error,
                format!("Nothing was sent to {name}: it is no longer connected."),
            );
            continue;
        };
        let progress = toasts.progress(
            format!(
                "{name}: {} {}…",
                action.verb(),
                plural(part.keys.len(), action.unit())
            ),
            None,
        );
        let target = target(connections, &connection, action);
        let info = info.clone();
        leptos::task::spawn_local(async move {
            let outcome = act(&*target, &part.keys).await;
            match outcome {
                Outcome::NotSent(Checked::Failed(e)) => progress.finish(
                    ToastKind::Error,
                    format!("{name}: nothing was sent, the rows could not be looked up first ({e})."),
                ),
                Outcome::NotSent(Checked::AllGone { gone } | Checked::SomeGone { gone, .. }) => {
                    progress.finish(
                        ToastKind::Info,
                        format!(
                            "{name}: nothing was sent: {} changed since you confirmed. Open the group again to decide.",
                            plural(gone.len(), action.unit())
                        ),
                    )
                }
                Outcome::NotSent(Checked::Ready) => {}
                Outcome::Sent(seen) => {
                    let (tone, text) = report(&seen, action.done(), action.unit());
                    if action == GroupAction::Release
                        && let Some(done) = seen.no_longer_needing()
                    {
                        fetch_again(connections, &connection, &info, &done, runs).await;
                    }
                    let kind = match tone {
                        Tone::Done => ToastKind::Success,
                        Tone::Partial | Tone::Failed => ToastKind::Error,
                    };
                    progress.finish(kind, format!("{name}: {text}"));
                }
            }
            changed.bump(&part.connection);
        });
    }
}

/// Released mail is imported again at the next fetch: its accounts are
/// fetched now (the runs are the app's, followed to their end).
async fn fetch_again(
    connections: Connections,
    connection: &crate::state::connections::Connection,
    info: &GroupInfo,
    released: &HashSet<String>,
    runs: Runs,
) {
    let rules: HashSet<u64> = released
        .iter()
        .filter_map(|k| info.mail_rules.get(k).copied())
        .collect();
    if rules.is_empty() {
        return;
    }
    let client = connections.paperless(connection);
    let Ok(all) = client
        .mail_rules_call()
        .send(crate::transport::current())
        .await
    else {
        return;
    };
    let mut accounts: Vec<u64> = Vec::new();
    for rule in all.items.iter().filter(|r| rules.contains(&r.id)) {
        if !accounts.contains(&rule.account) {
            accounts.push(rule.account);
        }
    }
    for account in accounts {
        runs.fetch_mail(&connection.id, client.clone(), account);
    }
}

/// The group's rows as a file: app-level, reported in a toast.
async fn export_group(info: Arc<GroupInfo>, json: bool, toasts: Toasts) {
    let time =
        |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    let records: Vec<Vec<(&'static str, String)>> = info
        .failures
        .iter()
        .map(|f| {
            vec![
                ("Server", info.name_of(&f.row.connection)),
                ("Row", f.row.key.clone()),
                ("When", time(f.at)),
                ("Task", f.signature.source.task().to_string()),
                ("Exception", f.exception.clone().unwrap_or_default()),
                ("Message", f.message.clone()),
                ("Signature", f.signature.message.clone()),
                ("Error", f.text.clone()),
            ]
        })
        .collect();
    let table = Table::from_records(&records);
    let (content, mime, extension) = if json {
        (to_json(&table), "application/json", "json")
    } else {
        (to_csv(&table), "text/csv;charset=utf-8", "csv")
    };
    let date = web::now().format("%Y-%m-%d").to_string();
    let list = format!("failures {}", info.group.signature.source.task());
    let name = file_name("all servers", &list, &date, extension);
    match crate::table::export::save(name, mime, content).await {
        Ok(Some(place)) => toasts.show(
            ToastKind::Success,
            format!("Exported {} to {place}", plural(records.len(), "failure")),
        ),
        Ok(None) => toasts.show(ToastKind::Info, "Export not saved: no place was chosen."),
        Err(e) => toasts.show(ToastKind::Error, e),
    }
}
