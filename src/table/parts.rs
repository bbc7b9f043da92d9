//! Table parts every screen uses: sortable headers, the pager, and the
//! selection checkbox of a page.

use leptos::prelude::*;

use super::Column;
use crate::state::table::{PAGE_SIZES, Paging, sort_clicked, sorted_by};

/// A header cell; sortable ones are buttons and carry `aria-sort`.
/// `current` is the URL's `sort` (`-created`); `default` applies without one.
#[component]
pub fn SortHeader(
    column: Column,
    #[prop(into)] current: Signal<Option<String>>,
    default: Option<&'static str>,
    #[prop(into)] on_sort: Callback<String>,
) -> impl IntoView {
    let Some(name) = column.sort else {
        let label = if column.label_hidden {
            view! { <span class="visually-hidden">{column.label}</span> }.into_any()
        } else {
            column.label.into_any()
        };
        return view! { <th scope="col" class=column.width.class()>{label}</th> }.into_any();
    };
    let state = move || current.with(|c| sorted_by(c.as_deref(), default, name));
    let aria = move || match state() {
        Some(true) => "descending",
        Some(false) => "ascending",
        None => "none",
    };
    let arrow = move || match state() {
        Some(false) => "▲",
        Some(true) => "▼",
        None => "↕",
    };
    let clicked = move || {
        current
            .with_untracked(|c| sort_clicked(c.as_deref(), default, name, column.starts_descending))
    };
    view! {
        <th scope="col" aria-sort=aria class=format!("sortable {}", column.width.class())>
            <button class="th-button" data-sort=name on:click=move |_| on_sort.run(clicked())>
                {column.label}
                <span class="sort-arrow" aria-hidden="true">{arrow}</span>
            </button>
        </th>
    }
    .into_any()
}

#[component]
pub fn Pager(
    #[prop(into)] paging: Signal<Paging>,
    #[prop(into)] total: Signal<u64>,
    #[prop(into)] on_change: Callback<Paging>,
) -> impl IntoView {
    let pages = move || paging.get().page_count(total.get());
    let go = move |page: u32| {
        let p = paging.get_untracked();
        on_change.run(Paging { page, ..p });
    };
    let at_start = move || paging.get().page <= 1;
    let at_end = move || paging.get().page >= pages();
    view! {
        <nav class="pager" aria-label="Pages">
            <span class="pager-range" data-testid="pager-range">
                {move || match paging.get().range(total.get()) {
                    Some((a, b)) => format!("{a}–{b} of {}", total.get()),
                    None if total.get() == 0 => "Nothing matches".to_string(),
                    None => format!("Past the last page ({} in all)", total.get()),
                }}
            </span>
            <button class="btn" aria-label="First page" disabled=at_start on:click=move |_| go(1)>"«"</button>
            <button
                class="btn"
                data-testid="prev-page"
                disabled=at_start
                on:click=move |_| go(paging.get_untracked().page.saturating_sub(1).max(1))
            >
                <span aria-hidden="true">"‹ "</span>
                "Previous"
            </button>
            <span class="pager-page">
                {move || (total.get() > 0).then(|| format!("Page {} of {}", paging.get().page.min(pages()), pages()))}
            </span>
            <button
                class="btn"
                data-testid="next-page"
                disabled=at_end
                on:click=move |_| go(paging.get_untracked().page + 1)
            >
                "Next"
                <span aria-hidden="true">" ›"</span>
            </button>
            <button class="btn" aria-label="Last page" disabled=at_end on:click=move |_| go(pages())>"»"</button>
            <label class="pager-size">
                "Rows "
                <select
                    data-testid="page-size"
                    on:change=move |ev| {
                        if let Ok(size) = event_target_value(&ev).parse() {
                            on_change.run(Paging { page: 1, size });
                        }
                    }
                >
                    {PAGE_SIZES
                        .iter()
                        .map(|s| {
                            let s = *s;
                            view! {
                                <option value=s.to_string() selected=move || paging.get().size == s>
                                    {s.to_string()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
        </nav>
    }
}

/// The header checkbox: checked, unchecked or indeterminate for a page.
#[component]
pub fn PageCheckbox(
    /// `Some(true)` all rows picked, `Some(false)` none, `None` some.
    #[prop(into)]
    state: Signal<Option<bool>>,
    #[prop(into)] on_toggle: Callback<()>,
) -> impl IntoView {
    view! {
        <input
            type="checkbox"
            aria-label="Select all rows on this page"
            data-testid="select-page"
            prop:checked=move || state.get() == Some(true)
            prop:indeterminate=move || state.get().is_none()
            on:change=move |_| on_toggle.run(())
        />
    }
}

/// A count badge: red only when there is something that needs attention;
/// zero is neutral.
pub fn alert_class(alert: bool) -> &'static str {
    if alert { "count count-alert" } else { "count" }
}
