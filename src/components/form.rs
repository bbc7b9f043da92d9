//! Form inputs bound to signals. One component per kind of input, so a form
//! reuses the same compiled code for every field instead of a pair of
//! closures per field (each pair adds to the WASM download).

use leptos::prelude::*;

/// A labelled text input; `kind` is the input type (`text`, `url`,
/// `password`).
#[component]
pub fn TextField(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    view! {
        <label>
            {label}
            <input
                type=kind
                name=name
                placeholder=placeholder
                autocomplete=autocomplete
                inputmode=inputmode
                required=required
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </label>
    }
}

/// A checkbox with its explanation after it.
#[component]
pub fn CheckField(name: &'static str, value: RwSignal<bool>, label: &'static str) -> impl IntoView {
    view! {
        <label class="check">
            <input
                type="checkbox"
                name=name
                prop:checked=move || value.get()
                on:change=move |ev| value.set(event_target_checked(&ev))
            />
            " "
            {label}
        </label>
    }
}

/// One option of a radio group whose choice lives in `current`.
#[component]
pub fn RadioOption<T>(
    group: &'static str,
    value: &'static str,
    choice: T,
    current: RwSignal<T>,
    label: &'static str,
) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    view! {
        <label>
            <input
                type="radio"
                name=group
                value=value
                prop:checked=move || current.get() == choice
                on:change=move |_| current.set(choice)
            />
            " "
            {label}
        </label>
    }
}
