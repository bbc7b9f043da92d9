//! A labelled `<select>` over wire values, "" meaning "any".

use leptos::prelude::*;

#[component]
pub fn ChoiceSelect(
    label: &'static str,
    #[prop(optional)] testid: &'static str,
    /// The select's name where `label` is empty (beside a search box).
    #[prop(optional)]
    aria_label: Option<&'static str>,
    /// `(value, label)` pairs in display order.
    options: Vec<(String, String)>,
    /// Adds an "Any" option with the value "".
    #[prop(default = false)]
    any: bool,
    #[prop(into)] selected: Signal<String>,
    #[prop(into)] on_pick: Callback<String>,
) -> impl IntoView {
    view! {
        <label>
            {label}
            <select data-testid=testid aria-label=aria_label on:change=move |ev| on_pick.run(event_target_value(&ev))>
                {any.then(|| view! { <option value="" selected=move || selected.get().is_empty()>"Any"</option> })}
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let v = value.clone();
                        view! { <option value=value selected=move || selected.get() == v>{text}</option> }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}
