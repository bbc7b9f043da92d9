//! Refreshing: a visible interval control and the ticking behind it.

use leptos::prelude::*;

use crate::context::{Clock, Settings};
use crate::reactive::effect;
use crate::state::refresh::{RefreshInterval, TickContext, tick_should_fetch};
use crate::state::time::relative;
use crate::web;

/// Calls `refresh` every interval, except while the tab is hidden, a dialog
/// is open or the previous request is still running (so requests never
/// overlap and a confirmation never changes under the user).
pub fn use_auto_refresh(
    dialog_open: Signal<bool>,
    in_flight: Signal<bool>,
    retry_at: Signal<Option<chrono::DateTime<chrono::Utc>>>,
    refresh: impl Fn() + Clone + 'static,
) {
    let settings = expect_context::<Settings>();
    let handle = StoredValue::new(None::<IntervalHandle>);
    effect(move || {
        if let Some(h) = handle.get_value() {
            h.clear();
        }
        let Some(seconds) = settings.refresh.get().seconds() else {
            handle.set_value(None);
            return;
        };
        let refresh = refresh.clone();
        let h = set_interval_with_handle(
            move || {
                let ctx = TickContext {
                    page_hidden: web::page_hidden(),
                    dialog_open: dialog_open.try_get_untracked().unwrap_or(true),
                    request_in_flight: in_flight.try_get_untracked().unwrap_or(true),
                    asked_to_wait_secs: retry_at
                        .try_get_untracked()
                        .flatten()
                        .map_or(0, |at| (at - web::now()).num_seconds()),
                };
                if tick_should_fetch(ctx) {
                    refresh();
                }
            },
            std::time::Duration::from_secs(seconds.into()),
        )
        .ok();
        handle.set_value(h);
    });
    on_cleanup(move || {
        if let Some(h) = handle.try_get_value().flatten() {
            h.clear();
        }
    });
}

#[component]
pub fn RefreshBar(
    #[prop(into)] loading: Signal<bool>,
    #[prop(into)] updated: Signal<Option<chrono::DateTime<chrono::Utc>>>,
    /// The server asked to wait until then (429): auto-refresh pauses.
    #[prop(into, optional)]
    retry_at: Signal<Option<chrono::DateTime<chrono::Utc>>>,
    /// The last update failed: what is shown is older than "updated" says.
    #[prop(into, optional)]
    failed: Signal<bool>,
    #[prop(into)] on_refresh: Callback<()>,
) -> impl IntoView {
    let settings = expect_context::<Settings>();
    let Clock(now) = expect_context::<Clock>();
    view! {
        <div class="refresh-bar">
            <span class="refresh-status" aria-live="polite">
                {move || if loading.get() {
                    view! { <span class="spinner" aria-hidden="true"></span> "Loading…" }.into_any()
                } else if let Some(at) = retry_at.get().filter(|at| *at > now.get()) {
                    view! {
                        <span data-testid="throttled">
                            {format!(
                                "The server asked to wait (about {} s more); auto-refresh pauses until then",
                                (at - now.get()).num_seconds().max(1)
                            )}
                        </span>
                    }.into_any()
                } else {
                    match (updated.get(), failed.get()) {
                        (Some(t), true) => format!("Update failed · data from {}", relative(t, now.get())).into_any(),
                        (Some(t), false) => format!("Updated {}", relative(t, now.get())).into_any(),
                        (None, _) => "".into_any(),
                    }
                }}
            </span>
            <label class="refresh-select">
                "Auto-refresh "
                <select
                    data-testid="refresh-interval"
                    on:change=move |ev| settings.refresh.set(RefreshInterval::from_param(&event_target_value(&ev)))
                >
                    {RefreshInterval::ALL
                        .iter()
                        .map(|r| {
                            let r = *r;
                            view! {
                                <option value=r.param() selected=move || settings.refresh.get() == r>
                                    {r.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <button
                class="btn"
                data-testid="refresh-now"
                disabled=move || loading.get()
                on:click=move |_| on_refresh.run(())
            >
                "Refresh"
            </button>
        </div>
    }
}
