//! The search box of a table: the typed text is applied at once where the
//! list filters locally, and written to the URL (and so sent to the server)
//! after a pause.

use leptos::prelude::*;

use super::{Params, param, to_query_string, with_param};
use crate::components::url_view::UrlView;
use crate::reactive::effect;

/// Pause before the typed text goes to the URL: shorter where it only
/// records what is already shown.
const PAUSE_MS: u64 = 300;
const LOCAL_PAUSE_MS: u64 = 250;

/// The typed text, kept in step with the URL (Back, links, Escape).
pub fn typed_search(url_params: Memo<Params>) -> RwSignal<String> {
    let initial = param(&url_params.get_untracked(), "q")
        .unwrap_or("")
        .to_string();
    let search = RwSignal::new(initial);
    effect(move || {
        let from_url = url_params.with(|p| param(p, "q").unwrap_or("").to_string());
        if search.get_untracked().trim() != from_url.trim() {
            search.set(from_url);
        }
    });
    search
}

#[component]
pub fn SearchBox(
    placeholder: &'static str,
    search: RwSignal<String>,
    url_params: Memo<Params>,
    /// Whether the list filters locally (every keystroke shows at once).
    local: Memo<bool>,
) -> impl IntoView {
    let url = UrlView::new();
    let write = move |text: &str| {
        let text = text.trim();
        let p = with_param(
            url_params.get_untracked(),
            "q",
            (!text.is_empty()).then(|| text.to_string()),
        );
        url.replace(to_query_string(&with_param(
            with_param(p, "page", None),
            "task",
            None,
        )));
    };
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        search.set(value.clone());
        let pause = if local.get_untracked() {
            LOCAL_PAUSE_MS
        } else {
            PAUSE_MS
        };
        set_timeout(
            move || {
                if search.try_get_untracked().as_deref() == Some(value.as_str()) {
                    write(&value);
                }
            },
            std::time::Duration::from_millis(pause),
        );
    };
    view! {
        <label class="search">
            <span class="visually-hidden">"Search"</span>
            <input
                type="search"
                data-search="true"
                data-testid="task-search"
                placeholder=placeholder
                prop:value=move || search.get()
                on:input=on_input
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        search.set(String::new());
                        write("");
                    }
                }
            />
        </label>
    }
}
