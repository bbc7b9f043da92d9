//! The parts of the table screen around single rows: a table row, the
//! detail drawer, and the pruning of chosen rows that vanished.

use std::collections::HashSet;

use leptos::prelude::*;

use super::{Params, RowAction, RowRef, RowSource};
use crate::components::drawer::DetailDrawer;
use crate::components::feedback::{ToastKind, Toasts};
use crate::components::loader::Loader;
use crate::components::selection::plural;
use crate::reactive::effect;
use crate::state::table::Picked;

type Source = StoredValue<std::rc::Rc<dyn RowSource>, LocalStorage>;

#[component]
pub fn TableRow(
    row: RowRef,
    /// Per column: shown or not.
    visible: Vec<bool>,
    picked: RwSignal<Picked<String>>,
    action: Option<RowAction>,
    /// Why this account may not use the action, when it may not.
    #[prop(into)]
    refused: Signal<Option<String>>,
    #[prop(into)] on_open: Callback<String>,
    /// The row's own action button: key and label.
    #[prop(into)]
    on_act: Callback<(String, String)>,
) -> impl IntoView {
    let key = row.key();
    let label = row.label();
    let actionable = row.actionable();
    let new = row.is_new();
    let (k1, k2, k3, k4) = (key.clone(), key.clone(), key.clone(), key.clone());
    let check_label = label.clone();
    view! {
        <tr data-task-id=key class:row-new=new class:selected=move || picked.with(|p| p.contains(&k1))>
            {action.is_some().then(|| view! {
                <td class="col-check" title=new.then_some("New since you last opened this list")>
                    {new.then(|| view! { <span class="sr-only">"New: "</span> })}
                    {actionable.then(|| view! {
                        <input
                            type="checkbox"
                            aria-label=format!("Select {check_label}")
                            data-testid="row-check"
                            prop:checked=move || picked.with(|p| p.contains(&k2))
                            on:change=move |_| picked.update(|p| p.toggle(k3.clone(), check_label.clone()))
                        />
                    })}
                </td>
            })}
            {match row.across() {
                Some(content) => {
                    let span = visible.iter().filter(|v| **v).count();
                    view! { <td colspan=span class="unreadable" data-testid="unreadable-row">{content}</td> }.into_any()
                }
                None => row
                    .cells()
                    .into_iter()
                    .zip(visible)
                    .filter_map(|(cell, shown)| shown.then_some(cell))
                    .collect_view()
                    .into_any(),
            }}
            <td class=super::screen::actions_class(action)>
                <button class="btn btn-small" data-testid="open-task" on:click=move |_| on_open.run(k4.clone())>
                    "Details"
                </button>
                {action.filter(|a| a.per_row && actionable).map(|a| {
                    let (key, label) = (row.key(), label.clone());
                    view! {
                        <button
                            class="btn btn-small"
                            data-testid="ack-row"
                            aria-label=format!("{} {label}", a.verb)
                            disabled=move || refused.with(Option::is_some)
                            title=refused
                            on:click=move |_| on_act.run((key.clone(), label.clone()))
                        >
                            {a.verb}
                        </button>
                    }
                })}
            </td>
        </tr>
    }
}

/// The drawer of the row named in the URL: from the page when it is there,
/// else fetched on its own.
#[component]
pub fn RowDrawer(
    key: String,
    source: Source,
    list: Loader<super::Rows>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let fetched = Loader::<RowRef>::new();
    let on_page = {
        let key = key.clone();
        move || {
            list.data.with(|d| {
                d.as_ref()
                    .and_then(|r| r.rows.iter().find(|row| row.key() == key).cloned())
            })
        }
    };
    if on_page().is_none() {
        fetched.run(source.with_value(|s| s.detail(key.clone())));
    }
    move || match on_page().or_else(|| fetched.data.get()) {
        Some(row) => {
            let d = row.details();
            view! { <DetailDrawer title=d.title subtitle=d.subtitle fields=d.fields on_close /> }
                .into_any()
        }
        None => {
            let subtitle = fetched
                .error
                .get()
                .map(|e| e.to_string())
                .unwrap_or_else(|| "Loading…".into());
            view! { <DetailDrawer title=format!("Task {key}") subtitle fields=vec![] on_close /> }
                .into_any()
        }
    }
}

/// After a refresh of the same query, chosen rows that left the page are
/// checked on the server; those gone are unpicked with a notice. Rows that
/// new ones merely pushed onto another page stay picked.
pub fn forget_vanished(
    source: Source,
    query: Memo<Params>,
    page_keys: Memo<Vec<String>>,
    picked: RwSignal<Picked<String>>,
    toasts: Toasts,
) {
    let previous = StoredValue::new((None::<Params>, Vec::<String>::new()));
    effect(move || {
        let keys = page_keys.get();
        let current = query.get_untracked();
        let (before, before_keys) = previous.get_value();
        previous.set_value((Some(current.clone()), keys.clone()));
        if before.as_ref() != Some(&current) {
            return;
        }
        let vanished = picked.with_untracked(|p| p.vanished_from_view(&before_keys, &keys));
        if vanished.is_empty() {
            return;
        }
        let Some(target) = source.with_value(|s| s.target()) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let Ok(existing) = target.needing(&vanished).await else {
                return;
            };
            let gone: HashSet<String> = vanished
                .into_iter()
                .filter(|k| !existing.contains(k))
                .collect();
            tell_forgotten(picked, &gone, toasts);
        });
    });
}

pub fn tell_forgotten(picked: RwSignal<Picked<String>>, gone: &HashSet<String>, toasts: Toasts) {
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
