//! Acting on chosen rows, on the engine's protocol ([`crate::engine::act`]):
//! before anything is sent the chosen rows are looked up (those gone are
//! named and left out, and the user confirms the rest); after the action
//! they are looked up again, and the report says what really changed.
//!
//! Once confirmed, an action belongs to the app, not to the screen: it
//! keeps running and reports (a toast, the server's lists read again) if
//! the user leaves. The screen's own values (the dialog, the selection) are
//! only ever touched through `try_` accessors, which do nothing once the
//! screen is gone.

use std::collections::HashSet;

use leptos::prelude::*;

use super::{Params, RowAction, RowSource};
use crate::action_log::ActionLog;
use crate::components::dialog::ConfirmDialog;
use crate::components::feedback::{ToastKind, Toasts};
use crate::components::selection::{ConfirmList, plural};
use crate::context::Changed;
use crate::engine::act::{Checked, Outcome, act};
use crate::state::action_log::report_outcomes;
use crate::state::outcome::{Tone, pruned, report};
use crate::state::table::Picked;

type Source = StoredValue<std::rc::Rc<dyn RowSource>, LocalStorage>;

/// What a confirmation is about to act on.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Keys and labels; `None` while the rows matching a query are collected.
    pub rows: Option<Vec<(String, String)>>,
    /// The query, in words, for "… all matching".
    pub description: Option<String>,
    /// What changed since the rows were chosen, or why nothing was sent.
    pub note: Option<String>,
    /// The rows that are still running (not finished), which the user may
    /// leave out.
    pub running: Vec<String>,
}

impl Plan {
    fn of(rows: Vec<(String, String)>) -> Plan {
        Plan {
            rows: Some(rows),
            description: None,
            note: None,
            running: vec![],
        }
    }
}

#[derive(Clone, Copy)]
pub struct Acting {
    pub plan: RwSignal<Option<Plan>>,
    /// Bumped whenever a dialog opens or closes: a collection or check
    /// started for one dialog never fills another.
    generation: StoredValue<u64>,
    source: Source,
    picked: RwSignal<Picked<String>>,
    toasts: Toasts,
    changed: Changed,
    /// Whose lists an action changes; `None` for a list across servers.
    connection: StoredValue<Option<String>>,
    action: Option<RowAction>,
    noun: &'static str,
    /// Where what was sent and its report are kept (app-level).
    log: Option<ActionLog>,
}

impl Acting {
    pub fn new(
        source: Source,
        picked: RwSignal<Picked<String>>,
        toasts: Toasts,
        changed: Changed,
        connection: Option<String>,
    ) -> Acting {
        Acting {
            plan: RwSignal::new(None),
            generation: StoredValue::new(0),
            source,
            picked,
            toasts,
            changed,
            connection: StoredValue::new(connection),
            action: source.with_value(|s| s.action()),
            noun: source.with_value(|s| s.noun()),
            log: use_context::<ActionLog>(),
        }
    }

    pub fn is_open(&self) -> Signal<bool> {
        let plan = self.plan;
        Signal::derive(move || plan.with(Option::is_some))
    }

    fn open(&self, plan: Plan) -> u64 {
        self.generation.update_value(|g| *g += 1);
        self.plan.set(Some(plan));
        self.generation.get_value()
    }

    /// Closes the dialog, if the screen is still there.
    fn close(&self) {
        self.generation.try_update_value(|g| *g += 1);
        self.plan.try_set(None);
    }

    fn current(&self, generation: u64) -> bool {
        self.generation.try_get_value() == Some(generation)
    }

    pub fn ask(&self, rows: Vec<(String, String)>) {
        self.open(Plan::of(rows));
    }

    /// Collects every row matching `query`, then asks. A collection's
    /// result or error only ever lands in the dialog it was started for;
    /// leaving the screen drops it.
    pub fn ask_matching(&self, query: Params) {
        let Some(collect) = self.source.with_value(|s| s.matching(&query)) else {
            return;
        };
        let generation = self.open(Plan {
            rows: None,
            description: None,
            note: None,
            running: vec![],
        });
        let this = *self;
        leptos::task::spawn_local(async move {
            let result = collect.await;
            if !this.current(generation) {
                return;
            }
            match result {
                Ok(found) => {
                    let mut seen = HashSet::new();
                    let rows: Vec<(String, String)> = found
                        .keys
                        .into_iter()
                        .zip(found.labels)
                        .filter(|(k, _)| seen.insert(k.clone()))
                        .collect();
                    this.plan.try_set(Some(Plan {
                        rows: Some(rows),
                        description: Some(found.description),
                        note: None,
                        running: found.running,
                    }));
                }
                Err(e) => {
                    this.close();
                    this.toasts.show(
                        ToastKind::Error,
                        format!("Could not collect the matching {}s: {e}", this.noun),
                    );
                }
            }
        });
    }

    /// Leaves the still-running rows out of the plan.
    fn leave_out_running(&self) {
        self.plan.update(|p| {
            if let Some(p) = p {
                let running: HashSet<String> = p.running.drain(..).collect();
                if let Some(rows) = &mut p.rows {
                    rows.retain(|(k, _)| !running.contains(k));
                }
            }
        });
    }

    /// Checks, acts, checks again and reports, through the engine. The
    /// dialog closes at once: the work goes on whatever the user does next
    /// (its progress and outcome are a message), and holds only plain data
    /// (the target, words, app-level state) and the screen's values behind
    /// `try_` accessors. When rows turned out to be gone before anything
    /// was sent, the dialog opens again with them named, if the user is
    /// still on the screen and opened nothing else meanwhile.
    fn confirm(&self, rows: Vec<(String, String)>) {
        let Some(action) = self.action else { return };
        let Some(target) = self.source.with_value(|s| s.target()) else {
            return;
        };
        let follow_up = self.source.with_value(|s| s.follow_up());
        let this = *self;
        let description = self
            .plan
            .with_untracked(|p| p.as_ref().and_then(|p| p.description.clone()));
        self.close();
        let generation = self.generation.get_value();
        let connection = self.connection.get_value();
        let keys: Vec<String> = rows.iter().map(|(k, _)| k.clone()).collect();
        let progress = self.toasts.progress(
            format!("{}: {}…", action.verb, plural(keys.len(), action.unit)),
            None,
        );
        // Who sends what to which server, taken now (it is sent now).
        let sent = self.log.zip(connection.as_deref()).and_then(|(log, c)| {
            log.sent(c, action.log, format!("{}s", this.noun), keys.clone())
                .map(|sent| (log, sent))
        });
        leptos::task::spawn_local(async move {
            let outcome = act(&*target, &keys).await;
            let bump = || this.changed.bump(connection.as_deref().unwrap_or(""));
            let label_of = |gone: &[String]| -> Vec<String> {
                rows.iter()
                    .filter(|(k, _)| gone.contains(k))
                    .map(|(_, l)| l.clone())
                    .collect()
            };
            match outcome {
                Outcome::NotSent(Checked::Failed(e)) => {
                    progress.finish(
                        ToastKind::Error,
                        format!(
                            "Nothing was sent: the chosen {}s could not be looked up first ({e}).",
                            this.noun
                        ),
                    );
                }
                Outcome::NotSent(Checked::AllGone { gone }) => {
                    this.forget(&gone.iter().cloned().collect());
                    let labels = label_of(&gone);
                    progress.finish(
                        ToastKind::Info,
                        format!(
                            "Nothing was sent: {} no longer there: {}",
                            plural(labels.len(), action.unit),
                            labels.join(", ")
                        ),
                    );
                    bump();
                }
                Outcome::NotSent(Checked::SomeGone { left, gone }) => {
                    this.forget(&gone.iter().cloned().collect());
                    let labels = label_of(&gone);
                    let note = pruned(&labels, action.unit, action.verb, left.len());
                    if this.current(generation) {
                        let left: Vec<(String, String)> =
                            rows.into_iter().filter(|(k, _)| left.contains(k)).collect();
                        this.generation.try_update_value(|g| *g += 1);
                        this.plan.try_set(Some(Plan {
                            rows: Some(left),
                            description,
                            note: Some(note),
                            running: vec![],
                        }));
                        drop(progress);
                    } else {
                        progress.finish(
                            ToastKind::Info,
                            format!("Nothing was sent: {note} Open the list again to decide."),
                        );
                    }
                }
                Outcome::NotSent(Checked::Ready) => {}
                Outcome::Sent(seen) => {
                    let (tone, text) = report(&seen, action.done, action.unit);
                    if let Some((log, sent)) = sent {
                        log.record(sent.entry(report_outcomes(&seen), &text));
                    }
                    if let Some(done) = seen.no_longer_needing() {
                        this.forget(&done);
                        if let Some(follow_up) = follow_up.filter(|_| !done.is_empty()) {
                            follow_up(done);
                        }
                    }
                    let kind = match tone {
                        Tone::Done => ToastKind::Success,
                        Tone::Partial | Tone::Failed => ToastKind::Error,
                    };
                    progress.finish(kind, text);
                    bump();
                }
            }
        });
    }

    /// Unpicks rows that are done or gone (if the screen is still there).
    fn forget(&self, keys: &HashSet<String>) {
        self.picked.try_update(|p| {
            p.forget_missing(keys);
        });
    }
}

/// The confirmation of the current plan.
#[component]
pub fn PlanDialog(acting: Acting, action: RowAction) -> impl IntoView {
    let noun = acting.noun;
    move || {
        acting.plan.get().map(|p| {
            let count = p.rows.as_ref().map(Vec::len);
            let title = match count {
                Some(n) => format!("{} {}?", action.verb, plural(n, noun)),
                None => format!("Collecting the matching {noun}s…"),
            };
            let confirm_label = match count {
                Some(n) => format!("{} {}", action.verb, plural(n, action.unit)),
                None => action.verb.to_string(),
            };
            let rows = p.rows.clone();
            let labels: Vec<String> = p.rows.iter().flatten().map(|(_, l)| l.clone()).collect();
            let keys = p
                .rows
                .iter()
                .flatten()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>()
                .join(",");
            let running = (!p.running.is_empty()).then_some(p.running.len());
            view! {
                <ConfirmDialog
                    title
                    confirm_label
                    busy=false
                    not_ready=count.is_none_or(|n| n == 0)
                    danger=action.danger
                    on_confirm=move |_| {
                        if let Some(rows) = rows.clone().filter(|r| !r.is_empty()) {
                            acting.confirm(rows);
                        }
                    }
                    on_cancel=move |_| acting.close()
                >
                    // Exactly what a confirmation sends, for tests that check
                    // the backend changed nothing else.
                    <span hidden data-testid="plan-keys" data-keys=keys></span>
                    {p.note.clone().map(|n| view! { <p class="banner banner-warn" data-testid="plan-note">{n}</p> })}
                    {p.description.clone().map(|d| view! {
                        <p>{format!("Every {noun} that matches:")}</p>
                        <p class="confirm-filter">{d}</p>
                    })}
                    {running.map(|n| {
                        view! {
                            <p class="banner banner-warn" data-testid="still-running">
                                {format!("{} still running (pending or started).", if n == 1 { "1 of them is".to_string() } else { format!("{n} of them are") })}
                                " "
                                <button class="btn btn-small" data-testid="leave-out-running" on:click=move |_| acting.leave_out_running()>
                                    "Leave those out"
                                </button>
                            </p>
                        }
                    })}
                    {match count {
                        None => view! { <p>{format!("Collecting the {noun}s that match…")}</p> }.into_any(),
                        Some(0) => view! { <p>{format!("No {noun} matches.")}</p> }.into_any(),
                        Some(n) => view! {
                            <p>{if n == 1 { format!("This {noun} {}", action.consequence) } else { format!("These {noun}s {}", action.consequence) }}</p>
                            <ConfirmList labels=labels.clone() />
                        }.into_any(),
                    }}
                </ConfirmDialog>
            }
        })
    }
}
