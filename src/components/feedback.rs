//! Error banners, empty states, skeletons and toasts.

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Error,
    Info,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Toast {
    id: u64,
    kind: ToastKind,
    text: String,
}

/// Short messages after actions, announced to screen readers.
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

    pub fn show(&self, kind: ToastKind, text: impl Into<String>) {
        let id = self.next.try_update_value(|n| {
            *n += 1;
            *n
        });
        let Some(id) = id else { return };
        self.items.update(|items| {
            items.push(Toast {
                id,
                kind,
                text: text.into(),
            })
        });
        let items = self.items;
        // Errors stay until dismissed: they may need reading twice.
        if kind != ToastKind::Error {
            set_timeout(
                move || {
                    items.try_update(|items| items.retain(|t| t.id != id));
                },
                std::time::Duration::from_secs(6),
            );
        }
    }

    fn dismiss(&self, id: u64) {
        self.items.update(|items| items.retain(|t| t.id != id));
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
            <For each=move || toasts.items.get() key=|t| t.id let:toast>
                <div class=move || match toast.kind {
                    ToastKind::Success => "toast toast-success",
                    ToastKind::Error => "toast toast-error",
                    ToastKind::Info => "toast",
                }>
                    <span>{toast.text.clone()}</span>
                    <button
                        class="btn-icon"
                        aria-label="Dismiss message"
                        on:click=move |_| toasts.dismiss(toast.id)
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}
