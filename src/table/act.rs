//! Acting on chosen rows. Before anything is sent, the chosen rows are
//! looked up: those gone are named and left out, and the user confirms the
//! rest. After the action they are looked up again, and the report says
//! what really changed (the server's reply alone is not trusted).

use std::collections::HashSet;

use leptos::prelude::*;

use super::{Params, RowAction, RowSource};
use crate::components::dialog::ConfirmDialog;
use crate::components::feedback::{ToastKind, Toasts};
use crate::components::selection::{ConfirmList, plural};
use crate::reactive::effect;
use crate::state::outcome::{Seen, Tone, pruned, report};
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
    busy: RwSignal<bool>,
    /// Bumped whenever a dialog opens or closes: a collection or check
    /// started for one dialog never fills another.
    generation: StoredValue<u64>,
    source: Source,
    picked: RwSignal<Picked<String>>,
    toasts: Toasts,
    reload: StoredValue<Box<dyn Fn()>, LocalStorage>,
    action: Option<RowAction>,
    noun: &'static str,
}

impl Acting {
    pub fn new(
        source: Source,
        picked: RwSignal<Picked<String>>,
        toasts: Toasts,
        reload: impl Fn() + 'static,
    ) -> Acting {
        let acting = Acting {
            plan: RwSignal::new(None),
            busy: RwSignal::new(false),
            generation: StoredValue::new(0),
            source,
            picked,
            toasts,
            reload: StoredValue::new_local(Box::new(reload)),
            action: source.with_value(|s| s.action()),
            noun: source.with_value(|s| s.noun()),
        };
        // A plan opened elsewhere (a row's own button) starts a new generation.
        effect(move || {
            if acting.plan.with(Option::is_none) {
                acting.busy.set(false);
            }
        });
        acting
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

    fn close(&self) {
        self.generation.update_value(|g| *g += 1);
        self.plan.set(None);
    }

    fn current(&self, generation: u64) -> bool {
        self.generation.try_get_value() == Some(generation)
    }

    pub fn ask(&self, rows: Vec<(String, String)>) {
        self.open(Plan::of(rows));
    }

    /// Collects every row matching `query`, then asks. A collection's
    /// result or error only ever lands in the dialog it was started for.
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
                    this.plan.set(Some(Plan {
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

    /// Checks, acts, checks again and reports.
    fn confirm(&self, rows: Vec<(String, String)>) {
        let Some(action) = self.action else { return };
        let this = *self;
        let generation = self.generation.get_value();
        self.busy.set(true);
        leptos::task::spawn_local(async move {
            let keys: Vec<String> = rows.iter().map(|(k, _)| k.clone()).collect();
            let check = this.source.with_value(|s| s.existing(keys.clone()));
            let existing = match check.await {
                Ok(existing) => existing,
                Err(e) => {
                    if this.current(generation) {
                        this.busy.set(false);
                        this.note(format!(
                            "Nothing was sent: the chosen {}s could not be looked up first ({e}).",
                            this.noun
                        ));
                    }
                    return;
                }
            };
            let (left, gone): (Vec<_>, Vec<_>) =
                rows.into_iter().partition(|(k, _)| existing.contains(k));
            if !gone.is_empty() {
                let gone_keys: HashSet<String> = gone.iter().map(|(k, _)| k.clone()).collect();
                this.picked.update(|p| {
                    p.forget_missing(&gone_keys);
                });
                let labels: Vec<String> = gone.into_iter().map(|(_, l)| l).collect();
                if left.is_empty() {
                    this.close();
                    this.toasts.show(
                        ToastKind::Info,
                        format!(
                            "Nothing was sent: {} no longer there: {}",
                            plural(labels.len(), action.unit),
                            labels.join(", ")
                        ),
                    );
                    this.reload.with_value(|r| r());
                } else if this.current(generation) {
                    this.busy.set(false);
                    let note = pruned(&labels, action.unit, action.verb, left.len());
                    this.plan.update(|p| {
                        if let Some(p) = p {
                            p.rows = Some(left);
                            p.note = Some(note);
                        }
                    });
                }
                return;
            }
            let act = this.source.with_value(|s| s.act(keys.clone()));
            let reply = act.await.map(|outcome| outcome.changed);
            let verify = this.source.with_value(|s| s.existing(keys.clone()));
            let still = verify.await;
            let verified = still
                .as_ref()
                .map(|still| keys.len() - still.len())
                .map_err(Clone::clone);
            let (tone, text) = report(&Seen {
                done_verb: action.done,
                unit: action.unit,
                asked: keys.len(),
                reply: &reply,
                verified: &verified,
            });
            if let Ok(still) = &still {
                let done: HashSet<String> =
                    keys.into_iter().filter(|k| !still.contains(k)).collect();
                if !done.is_empty() {
                    this.source.with_value(|s| s.acted(&done));
                }
                this.picked.update(|p| {
                    p.forget_missing(&done);
                });
            }
            let kind = match tone {
                Tone::Done => ToastKind::Success,
                Tone::Partial | Tone::Failed => ToastKind::Error,
            };
            this.toasts.show(kind, text);
            this.close();
            this.reload.with_value(|r| r());
        });
    }

    fn note(&self, text: String) {
        self.plan.update(|p| {
            if let Some(p) = p {
                p.note = Some(text);
            }
        });
    }
}

/// The confirmation of the current plan.
#[component]
pub fn PlanDialog(acting: Acting, action: RowAction) -> impl IntoView {
    let noun = acting.noun;
    let busy = Signal::derive(move || acting.busy.get());
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
            let running = (!p.running.is_empty()).then_some(p.running.len());
            view! {
                <ConfirmDialog
                    title
                    confirm_label
                    busy
                    not_ready=count.is_none_or(|n| n == 0)
                    danger=action.danger
                    on_confirm=move |_| {
                        if let Some(rows) = rows.clone().filter(|r| !r.is_empty()) {
                            acting.confirm(rows);
                        }
                    }
                    on_cancel=move |_| acting.close()
                >
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
