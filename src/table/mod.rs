//! One table screen for every list, over a row-source seam (the way
//! leptos-struct-table's data provider works): a list says how to fetch a
//! page for a query, how its rows look, which chosen rows still exist and
//! how to act on them; [`screen::TableScreen`] owns everything else (URL
//! state, loading with the last good data kept, selection across pages,
//! pruning of vanished rows, confirm → act → report → reload, the pager and
//! the detail drawer).
//!
//! Rows and sources are trait objects, so the screen is compiled once for
//! every list (each copy of a generic screen cost about 12 KB of the
//! gzipped download).

mod act;
pub mod cells;
mod columns;
pub mod export;
pub mod local;
pub mod marked;
pub mod parts;
mod rows;
pub mod screen;
mod search;
mod unreadable;

pub use unreadable::Unreadable;

use std::collections::HashSet;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;

use crate::api::{ApiError, LocalBoxFuture};
use crate::components::drawer::Field;
use crate::engine::act::Target;

pub use screen::TableScreen;

/// The URL's query parameters (sorted by name): what a list is asked for.
pub type Params = Vec<(String, String)>;

/// How wide a column is (a class: the page's CSP allows no inline styles).
/// `Fill` columns share what is left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    Xs,
    /// A status badge, a relative time, a duration.
    Narrow,
    S,
    M,
    L,
    Fill,
}

impl Width {
    pub fn class(self) -> &'static str {
        match self {
            Width::Xs => "w-xs",
            Width::Narrow => "w-narrow",
            Width::S => "w-s",
            Width::M => "w-m",
            Width::L => "w-l",
            Width::Fill => "w-fill",
        }
    }
}

/// A column after the selection checkbox.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Column {
    pub label: &'static str,
    /// The name sorting by this column has in URLs (`sort=-created`);
    /// `None` for columns the server cannot sort by.
    pub sort: Option<&'static str>,
    pub starts_descending: bool,
    pub width: Width,
    /// Shown unless the user hides it; `false`: hidden unless the user
    /// shows it (its value is in the details either way).
    pub shown: bool,
    /// Left out of a page where every row's cell is empty, so the others
    /// get its room ([`Row::is_blank`]).
    pub collapses: bool,
    /// Named for screen readers only (a marker column whose cells say
    /// what they are).
    pub label_hidden: bool,
}

impl Column {
    pub const fn plain(label: &'static str, width: Width) -> Column {
        Column {
            label,
            sort: None,
            starts_descending: false,
            width,
            shown: true,
            collapses: false,
            label_hidden: false,
        }
    }

    pub const fn sorted(
        label: &'static str,
        sort: &'static str,
        starts_descending: bool,
        width: Width,
    ) -> Column {
        Column {
            label,
            sort: Some(sort),
            starts_descending,
            width,
            shown: true,
            collapses: false,
            label_hidden: false,
        }
    }

    /// Left out of pages where it is empty in every row.
    pub const fn collapses(self) -> Column {
        Column {
            collapses: true,
            ..self
        }
    }

    /// Its header is read by screen readers but not shown.
    pub const fn label_for_screen_readers(self) -> Column {
        Column {
            label_hidden: true,
            ..self
        }
    }

    /// Hidden until the user picks it in the column chooser.
    pub const fn optional(self) -> Column {
        Column {
            shown: false,
            ..self
        }
    }
}

/// What the drawer shows for a row.
pub struct RowDetails {
    pub title: String,
    pub subtitle: String,
    pub fields: Vec<Field>,
}

/// One row as the screen sees it.
pub trait Row: Send + Sync + 'static {
    /// Unique within the list; what selections and actions are made of.
    fn key(&self) -> String;
    /// How a confirmation names the row.
    fn label(&self) -> String;
    /// The cells after the checkbox: one `<td>` per [`Column`], in order.
    fn cells(&self) -> Vec<AnyView>;
    /// A row shown as one cell across the table (an unreadable row).
    fn across(&self) -> Option<AnyView> {
        None
    }
    /// Whether its cell in the column labelled `column` is empty (for
    /// columns that collapse when empty on a whole page).
    fn is_blank(&self, _column: &str) -> bool {
        false
    }
    fn details(&self) -> RowDetails;
    /// Whether the list's action applies to this row (a dismissed task
    /// cannot be dismissed again).
    fn actionable(&self) -> bool {
        true
    }
    /// The row as exported: the columns as on screen plus the full error
    /// text, readable arguments and times in ISO 8601. Empty: not exported
    /// (an unreadable row).
    fn export(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// A failure since the user last opened this list.
    fn is_new(&self) -> bool {
        false
    }
    /// Its arguments as Python text, for a filter the server cannot apply.
    fn arguments_text(&self) -> String {
        String::new()
    }
}

pub type RowRef = Arc<dyn Row>;

/// A page of rows for a query, and how many match in all.
#[derive(Clone)]
pub struct Rows {
    pub rows: Vec<RowRef>,
    pub total: u64,
    /// Rows of the answer that could not be read (they are among `rows`,
    /// shown as such).
    pub unreadable: usize,
    /// The page served, when it is not the one asked for (past the last
    /// page: the last one). The screen puts it in the URL.
    pub page: Option<u32>,
    /// The query these rows answer (set by the screen).
    pub query: Params,
}

/// What a list lets the user do with chosen rows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RowAction {
    /// "Dismiss", "Delete".
    pub verb: &'static str,
    /// "Acknowledged", "Deleted".
    pub done: &'static str,
    /// What happens, for the confirmation: "… will be marked as acknowledged".
    pub consequence: &'static str,
    pub danger: bool,
    /// What the action counts in the button and the report: "task", "mail".
    pub unit: &'static str,
    /// `data-testid` of the "… selected" button.
    pub testid: &'static str,
    /// Whether each row has its own button.
    pub per_row: bool,
    /// What the action log calls it (`acknowledge`, `delete`, `allow_reimport`).
    pub log: &'static str,
}

/// All rows matching a query, collected before "… all matching" is confirmed.
#[derive(Clone, Debug, PartialEq)]
pub struct Matching {
    pub keys: Vec<String>,
    pub labels: Vec<String>,
    /// The query in words: "status “Needs attention”, not dismissed".
    pub description: String,
    /// Keys of rows that are still running, which the user may leave out.
    pub running: Vec<String>,
}

/// A list the table screen can show.
pub trait RowSource: 'static {
    fn columns(&self) -> Vec<Column>;
    /// Names the table, for remembering its columns ("paperless", "inventree-failed").
    fn table_id(&self) -> &'static str;
    /// Columns this server cannot fill (by label), hidden: asked after
    /// every load.
    fn unavailable(&self) -> Vec<&'static str> {
        Vec::new()
    }
    /// The noun for its rows: "task", "failed task".
    fn noun(&self) -> &'static str {
        "task"
    }
    /// The URL sort this list is in when the URL names none.
    fn default_sort(&self) -> Option<&'static str> {
        None
    }
    /// The search box's placeholder; `None` when the server cannot search.
    fn search_placeholder(&self, _query: &Params) -> Option<&'static str> {
        Some("Search ( / )")
    }
    /// Whether the whole list is at hand and filtered here, so every
    /// keystroke can filter at once instead of after a pause.
    fn filters_locally(&self) -> bool {
        false
    }
    /// The rows for `query`. `refresh`: fetch again even what is at hand.
    fn list(
        &self,
        query: &Params,
        refresh: bool,
    ) -> LocalBoxFuture<'static, Result<Rows, ApiError>>;
    /// A row that is not on the page (opened from a link).
    fn detail(&self, key: String) -> LocalBoxFuture<'static, Result<RowRef, ApiError>>;
    fn action(&self) -> Option<RowAction> {
        None
    }
    /// How the list's action is done: the engine's target, built from plain
    /// data (a client, a queue), never from a screen's values, because a
    /// confirmed action keeps running and reporting after the user left
    /// the screen. Read-only lists have none.
    fn target(&self) -> Option<Rc<dyn Target>> {
        None
    }
    /// What follows an action, given the rows it really changed (released
    /// mail is fetched again). Runs after the screen may be gone: plain
    /// data and app-level state only.
    fn follow_up(&self) -> Option<Rc<dyn Fn(HashSet<String>)>> {
        None
    }
    /// Whether this account may use the list's action, asked once per
    /// screen; `None`: nothing to ask (offered as it is).
    fn may_act(&self) -> Option<LocalBoxFuture<'static, crate::state::permissions::MayAct>> {
        None
    }
    /// Whether its rows can be exported (they say how in [`Row::export`]).
    fn exportable(&self) -> bool {
        false
    }
    /// Every actionable row matching `query`, for "… all matching"; `None`
    /// when the list does not offer it.
    fn matching(
        &self,
        _query: &Params,
    ) -> Option<LocalBoxFuture<'static, Result<Matching, ApiError>>> {
        None
    }
}

/// The value of `key` in sorted params.
pub fn param<'a>(params: &'a Params, key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// `params` with `key` set (or removed for `None`), still sorted.
pub fn with_param(mut params: Params, key: &str, value: Option<String>) -> Params {
    params.retain(|(k, _)| k != key);
    if let Some(value) = value {
        params.push((key.to_string(), value));
        params.sort();
    }
    params
}

/// `?a=1&b=2` from params.
pub fn to_query_string(params: &Params) -> String {
    let mut w = crate::state::url::QueryWriter::default();
    for (k, v) in params {
        w.put(k, v);
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_stay_sorted_and_round_trip() {
        let p = with_param(vec![], "sort", Some("-created".into()));
        let p = with_param(p, "page", Some("2".into()));
        let p = with_param(p, "q", Some("März & x".into()));
        assert_eq!(param(&p, "page"), Some("2"));
        assert_eq!(
            to_query_string(&p),
            "?page=2&q=M%C3%A4rz%20%26%20x&sort=-created"
        );
        let p = with_param(p, "page", None);
        assert_eq!(param(&p, "page"), None);
        assert_eq!(crate::state::url::parse_query(&to_query_string(&p)), p);
    }
}
