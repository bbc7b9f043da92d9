//! Error banners, empty states, skeletons and toasts.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use leptos::prelude::*;

use crate::api::ApiError;
use crate::state::connections::ServerKind;
use crate::state::errors::explain;
use crate::web;

/// An error above the data it failed to refresh; the data stays visible.
#[component]
pub fn ErrorBanner(
    #[prop(into)] error: Signal<Option<ApiError>>,
    kind: ServerKind,
    /// Shown while the last good data is still on screen.
    #[prop(into, optional)]
    stale: Signal<bool>,
    #[prop(into)] on_retry: Callback<()>,
) -> impl IntoView {
    move || {
        error.get().map(|e| {
            let x = explain(&e, kind, &web::origin());
            view! {
                <div class="banner banner-error" role="alert" data-testid="error-banner">
                    <div class="banner-text">
                        <strong>{x.title}</strong>
                        <p>{x.detail}</p>
                        {x.hint.map(|h| view! { <p class="hint">{h}</p> })}
                        {move || stale.get().then(|| view! {
                            <p class="hint">"Showing the last data received."</p>
                        })}
                    </div>
                    <button class="btn" on:click=move |_| on_retry.run(())>"Retry"</button>
                </div>
            }
        })
    }
}

#[component]
pub fn EmptyState(
    #[prop(into)] title: String,
    #[prop(into, optional)] detail: String,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="empty-state" data-testid="empty-state">
            <h2>{title}</h2>
            {(!detail.is_empty()).then(|| view! { <p>{detail}</p> })}
            {children.map(|c| c())}
        </div>
    }
}

/// Grey rows in the shape of the table while the first page loads.
#[component]
pub fn SkeletonRows(columns: usize, #[prop(default = 8)] rows: usize) -> impl IntoView {
    (0..rows)
        .map(|_| {
            view! {
                <tr class="skeleton-row" aria-hidden="true">
                    {(0..columns).map(|_| view! { <td><span class="skeleton"></span></td> }).collect_view()}
                </tr>
            }
        })
        .collect_view()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ToastKind {
    Success,
    Error,
    Info,
    /// Work in flight (an action, an export): stays until it ends.
    Progress,
}

#[derive(Clone, Debug)]
pub struct Toast {
    id: u64,
    kind: ToastKind,
    text: String,
    /// Set by the toast's Cancel button; the work looks at it.
    cancel: Option<Arc<AtomicBool>>,
}

/// Short messages after actions, announced to screen readers, and the
/// work in flight whatever screen the user is on. App-level: what outlives
/// a screen reports here.
#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    pub fn new() -> Toasts {
        Toasts {
            items: RwSignal::new(vec![]),
            next: StoredValue::new(0),
        }
    }

    fn push(&self, kind: ToastKind, text: String, cancel: Option<Arc<AtomicBool>>) -> Option<u64> {
        let id = self.next.try_update_value(|n| {
            *n += 1;
            *n
        })?;
        self.items.try_update(|items| {
            items.push(Toast {
                id,
                kind,
                text,
                cancel,
            })
        })?;
        Some(id)
    }

    pub fn show(&self, kind: ToastKind, text: impl Into<String>) {
        let Some(id) = self.push(kind, text.into(), None) else {
            return;
        };
        self.expire(id, kind);
    }

    /// Errors stay until dismissed: they may need reading twice.
    fn expire(&self, id: u64, kind: ToastKind) {
        if matches!(kind, ToastKind::Error | ToastKind::Progress) {
            return;
        }
        let items = self.items;
        set_timeout(
            move || {
                items.try_update(|items| items.retain(|t| t.id != id));
            },
            std::time::Duration::from_secs(6),
        );
    }

    /// A message for work in flight, until [`Progress::finish`]; with a
    /// Cancel button when `cancel` is given.
    pub fn progress(&self, text: impl Into<String>, cancel: Option<Arc<AtomicBool>>) -> Progress {
        Progress {
            toasts: *self,
            id: self.push(ToastKind::Progress, text.into(), cancel),
        }
    }

    fn dismiss(&self, id: u64) {
        self.items.try_update(|items| items.retain(|t| t.id != id));
    }
}

/// Work in flight, shown until it ends.
pub struct Progress {
    toasts: Toasts,
    id: Option<u64>,
}

impl Progress {
    pub fn update(&self, text: impl Into<String>) {
        let Some(id) = self.id else { return };
        let text = text.into();
        self.toasts.items.try_update(|items| {
            if let Some(t) = items.iter_mut().find(|t| t.id == id) {
                t.text = text;
            }
        });
    }

    /// Replaces the message with the outcome.
    pub fn finish(mut self, kind: ToastKind, text: impl Into<String>) {
        let Some(id) = self.id.take() else { return };
        let text = text.into();
        self.toasts.items.try_update(|items| {
            if let Some(t) = items.iter_mut().find(|t| t.id == id) {
                t.kind = kind;
                t.text = text;
                t.cancel = None;
            }
        });
        self.toasts.expire(id, kind);
    }
}

impl Drop for Progress {
    /// Work dropped without an outcome leaves no message behind.
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.toasts.dismiss(id);
        }
    }
}

impl Default for Toasts {
    fn default() -> Self {
        Self::new()
    }
}

#[component]
pub fn ToastRegion() -> impl IntoView {
    let toasts = expect_context::<Toasts>();
    view! {
        <div class="toasts" role="status" aria-live="polite" data-testid="toasts">
            <For each=move || toasts.items.get() key=|t| (t.id, t.kind) let:toast>
                <div
                    class=match toast.kind {
                        ToastKind::Success => "toast toast-success",
                        ToastKind::Error => "toast toast-error",
                        ToastKind::Info => "toast",
                        ToastKind::Progress => "toast toast-progress",
                    }
                    data-kind=format!("{:?}", toast.kind).to_lowercase()
                >
                    <span data-testid="toast-text">{move || {
                        let id = toast.id;
                        toasts.items.with(|items| items.iter().find(|t| t.id == id).map(|t| t.text.clone()))
                    }}</span>
                    {toast.cancel.clone().map(|flag| view! {
                        <button
                            class="btn btn-small"
                            data-testid="toast-cancel"
                            on:click=move |_| flag.store(true, Ordering::Relaxed)
                        >
                            "Cancel"
                        </button>
                    })}
                    {(toast.kind != ToastKind::Progress).then(|| view! {
                        <button
                            class="btn-icon"
                            aria-label="Dismiss message"
                            on:click=move |_| toasts.dismiss(toast.id)
                        >
                            "×"
                        </button>
                    })}
                </div>
            </For>
        </div>
    }
}
