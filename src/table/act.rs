//! Acting on chosen rows: the plan a confirmation shows, collecting "all
//! matching", the action itself and what it reports.

use std::collections::HashSet;

use leptos::prelude::*;

use super::{ActOutcome, Params, RowAction, RowSource};
use crate::api::ApiError;
use crate::components::dialog::ConfirmDialog;
use crate::components::feedback::{ToastKind, Toasts};
use crate::components::selection::{ConfirmList, plural};
use crate::reactive::effect;
use crate::state::table::Picked;

type Source = StoredValue<std::rc::Rc<dyn RowSource>, LocalStorage>;
type Outcome = Result<(Vec<String>, ActOutcome), ApiError>;

/// What a confirmation is about to act on.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// `None` while the rows matching a query are collected.
    pub keys: Option<Vec<String>>,
    pub labels: Vec<String>,
    /// The query, in words, for "… all matching".
    pub description: Option<String>,
}

#[derive(Clone, Copy)]
pub struct Acting {
    pub plan: RwSignal<Option<Plan>>,
    /// Bumped whenever a dialog opens or closes: a collection started for
    /// one dialog never fills another.
    generation: StoredValue<u64>,
    act: Action<Vec<String>, Outcome>,
    source: Source,
    toasts: Toasts,
    noun: &'static str,
}

impl Acting {
    pub fn new(
        source: Source,
        picked: RwSignal<Picked<String>>,
        toasts: Toasts,
        reload: impl Fn() + 'static,
    ) -> Acting {
        let noun = source.with_value(|s| s.noun());
        let act = Action::new_local(move |keys: &Vec<String>| {
            let keys = keys.clone();
            let fut = source.with_value(|s| s.act(keys.clone()));
            async move { fut.await.map(|outcome| (keys, outcome)) }
        });
        let this = Acting {
            plan: RwSignal::new(None),
            generation: StoredValue::new(0),
            act,
            source,
            toasts,
            noun,
        };
        let action = source.with_value(|s| s.action());
        effect(move || {
            let (Some(result), Some(action)) = (act.value().get(), action) else {
                return;
            };
            match result {
                Ok((keys, ActOutcome { changed })) => {
                    let gone: HashSet<String> = keys.iter().cloned().collect();
                    picked.update(|p| {
                        p.forget_missing(&gone);
                    });
                    let asked = keys.len();
                    let text = match changed {
                        Some(n) if n as usize != asked => format!(
                            "{} {n} of {}; the others were already done",
                            action.done,
                            plural(asked, action.unit)
                        ),
                        _ => format!("{} {}", action.done, plural(asked, action.unit)),
                    };
                    toasts.show(ToastKind::Success, text);
                }
                Err(e) => toasts.show(
                    ToastKind::Error,
                    format!("Nothing was {}: {e}", action.done.to_lowercase()),
                ),
            }
            this.close();
            reload();
        });
        this
    }

    pub fn is_open(&self) -> Signal<bool> {
        let plan = self.plan;
        Signal::derive(move || plan.with(Option::is_some))
    }

    fn close(&self) {
        self.generation.update_value(|g| *g += 1);
        self.plan.set(None);
    }

    pub fn ask(&self, keys: Vec<String>, labels: Vec<String>) {
        self.generation.update_value(|g| *g += 1);
        self.plan.set(Some(Plan {
            keys: Some(keys),
            labels,
            description: None,
        }));
    }

    /// Collects every row matching `query`, then asks.
    pub fn ask_matching(&self, query: Params) {
        let Some(collect) = self.source.with_value(|s| s.matching(&query)) else {
            return;
        };
        self.generation.update_value(|g| *g += 1);
        let generation = self.generation.get_value();
        self.plan.set(Some(Plan {
            keys: None,
            labels: vec![],
            description: None,
        }));
        let this = *self;
        leptos::task::spawn_local(async move {
            let result = collect.await;
            if this.generation.try_get_value() != Some(generation) {
                return;
            }
            match result {
                Ok(found) => this.plan.set(Some(Plan {
                    keys: Some(found.keys),
                    labels: found.labels,
                    description: Some(found.description),
                })),
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
}

/// The confirmation of the current plan.
#[component]
pub fn PlanDialog(acting: Acting, action: RowAction) -> impl IntoView {
    let noun = acting.noun;
    let busy = Signal::derive(move || acting.act.pending().get());
    move || {
        acting.plan.get().map(|p| {
            let count = p.keys.as_ref().map(Vec::len);
            let title = match count {
                Some(n) => format!("{} {}?", action.verb, plural(n, noun)),
                None => format!("Collecting the matching {noun}s…"),
            };
            let confirm_label = match count {
                Some(n) => format!("{} {}", action.verb, plural(n, action.unit)),
                None => action.verb.to_string(),
            };
            let keys = p.keys.clone();
            view! {
                <ConfirmDialog
                    title
                    confirm_label
                    busy
                    not_ready=count.is_none_or(|n| n == 0)
                    danger=action.danger
                    on_confirm=move |_| {
                        if let Some(keys) = keys.clone().filter(|k| !k.is_empty()) {
                            acting.act.dispatch(keys);
                        }
                    }
                    on_cancel=move |_| acting.close()
                >
                    {p.description.clone().map(|d| view! {
                        <p>{format!("Every {noun} that matches:")}</p>
                        <p class="confirm-filter">{d}</p>
                    })}
                    {match count {
                        None => view! { <p>{format!("Collecting the {noun}s that match…")}</p> }.into_any(),
                        Some(0) => view! { <p>{format!("No {noun} matches.")}</p> }.into_any(),
                        Some(n) => view! {
                            <p>{if n == 1 { format!("This {noun} {}", action.consequence) } else { format!("These {noun}s {}", action.consequence) }}</p>
                            <ConfirmList labels=p.labels.clone() />
                        }.into_any(),
                    }}
                </ConfirmDialog>
            }
        })
    }
}
