//! The selection bar above a table and the list a confirmation names.

use leptos::prelude::*;

/// How many confirmations list by name before summarising the rest.
const LISTED: usize = 10;

pub use crate::state::plural;

/// "3 tasks selected", "Clear selection", then the screen's actions.
#[component]
pub fn SelectionBar(
    /// What is counted: "task", "mail message".
    unit: &'static str,
    #[prop(into)] count: Signal<usize>,
    #[prop(into)] on_clear: Callback<()>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="toolbar" role="toolbar" aria-label=format!("Actions on {unit}s")>
            <span class="selection-count" data-testid="selection-count">
                {move || match count.get() {
                    0 => format!("No {unit}s selected"),
                    n => format!("{} selected", plural(n, unit)),
                }}
            </span>
            <button class="btn" disabled=move || count.get() == 0 on:click=move |_| on_clear.run(())>
                "Clear selection"
            </button>
            {children()}
        </div>
    }
}

#[component]
pub fn ConfirmList(labels: Vec<String>) -> impl IntoView {
    let more = labels.len().saturating_sub(LISTED);
    view! {
        <ul class="confirm-list">
            {labels.into_iter().take(LISTED).map(|l| view! { <li>{l}</li> }).collect_view()}
            {(more > 0).then(|| view! { <li class="muted">{format!("… and {more} more")}</li> })}
        </ul>
    }
}
