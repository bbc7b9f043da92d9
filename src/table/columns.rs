//! Which columns a table shows: each column's default, what the user chose
//! (remembered per table), minus what the server cannot fill.

use leptos::prelude::*;

use super::Column;
use crate::state::connections::KeyValueStore;
use crate::web;

/// The user's choices: column label → shown.
pub type Choices = Vec<(String, bool)>;

/// Per column: shown or not.
pub fn visible(columns: &[Column], choices: &Choices, unavailable: &[&str]) -> Vec<bool> {
    columns
        .iter()
        .map(|c| {
            !unavailable.contains(&c.label)
                && choices
                    .iter()
                    .find(|(label, _)| label == c.label)
                    .map_or(c.shown, |(_, shown)| *shown)
        })
        .collect()
}

fn key(table: &str) -> String {
    format!("taskdeck.columns.{table}")
}

pub fn load(table: &str) -> Choices {
    web::local_store()
        .get(&key(table))
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

pub fn save(table: &str, choices: &Choices) {
    web::local_store().set(
        &key(table),
        &serde_json::to_string(choices).unwrap_or_default(),
    );
}

/// A menu of the table's columns with a checkbox each.
#[component]
pub fn ColumnChooser(
    columns: Vec<Column>,
    table: &'static str,
    choices: RwSignal<Choices>,
    #[prop(into)] unavailable: Signal<Vec<&'static str>>,
) -> impl IntoView {
    let all = columns.clone();
    view! {
        <details class="column-chooser" data-testid="column-chooser">
            <summary class="btn">"Columns"</summary>
            <div class="column-menu">
                {columns.into_iter().enumerate().map(|(i, column)| {
                    let all = all.clone();
                    let shown = move || choices.with(|c| visible(&all, c, &[]))[i];
                    let missing = move || unavailable.get().contains(&column.label);
                    view! {
                        <label class="check">
                            <input
                                type="checkbox"
                                prop:checked=shown
                                disabled=missing
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    choices.update(|c| {
                                        c.retain(|(label, _)| label != column.label);
                                        c.push((column.label.to_string(), on));
                                    });
                                    choices.with_untracked(|c| save(table, c));
                                }
                            />
                            " " {column.label}
                            {move || missing().then_some(" (not sent by this server)")}
                        </label>
                    }
                }).collect_view()}
            </div>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Width;

    #[test]
    fn choices_override_defaults_and_missing_columns_stay_hidden() {
        let columns = [
            Column::plain("Name", Width::Fill),
            Column::plain("Started", Width::S).optional(),
            Column::plain("Duration", Width::S),
        ];
        assert_eq!(visible(&columns, &vec![], &[]), vec![true, false, true]);
        let choices = vec![("Started".to_string(), true), ("Name".to_string(), false)];
        assert_eq!(visible(&columns, &choices, &[]), vec![false, true, true]);
        assert_eq!(
            visible(&columns, &choices, &["Started", "Duration"]),
            vec![false, false, false]
        );
    }
}
