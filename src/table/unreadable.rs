//! Rows a server sent that could not be read: kept in their place, shown
//! with the reason, their data in the details; when their key could still
//! be read, they can be chosen and acted on by it like any other row.

use std::sync::Arc;

use leptos::prelude::*;

use super::{Params, Row, RowDetails, RowRef, Rows};

impl Rows {
    /// Readable rows, with the unreadable ones of the same answer put back
    /// where they were.
    pub fn with_unreadable(
        mut rows: Vec<RowRef>,
        total: u64,
        unreadable: Vec<crate::api::UnreadableRow>,
    ) -> Rows {
        let count = unreadable.len();
        for row in unreadable {
            let at = row.index.min(rows.len());
            rows.insert(at, Arc::new(Unreadable { row }));
        }
        Rows {
            rows,
            total,
            unreadable: count,
            page: None,
            query: Params::new(),
        }
    }
}

/// A row the server sent that could not be read: shown with the reason,
/// its data in the details, usable by its key when that was readable.
pub struct Unreadable {
    pub row: crate::api::UnreadableRow,
}

impl Row for Unreadable {
    fn key(&self) -> String {
        match &self.row.key {
            Some(key) => key.clone(),
            None => format!("unreadable-{}", self.row.index),
        }
    }
    fn label(&self) -> String {
        match &self.row.key {
            Some(key) => format!("{key} (unreadable row)"),
            None => format!("Row {} (unreadable)", self.row.index + 1),
        }
    }
    /// Only by a key the server itself sent: never a made-up one.
    fn actionable(&self) -> bool {
        self.row.key.is_some()
    }
    fn cells(&self) -> Vec<AnyView> {
        Vec::new()
    }
    /// Shown across the table: no cell of its own to keep a column for.
    fn is_blank(&self, _column: &str) -> bool {
        true
    }
    fn across(&self) -> Option<AnyView> {
        Some(
            format!(
                "Row {} of the answer could not be read: {}",
                self.row.index + 1,
                self.row.reason
            )
            .into_any(),
        )
    }
    fn details(&self) -> RowDetails {
        use crate::components::drawer::{Detail, field};
        let raw = serde_json::from_str::<serde_json::Value>(&self.row.raw)
            .map_or_else(|_| Detail::Code(self.row.raw.clone()), Detail::Json);
        RowDetails {
            title: self.label(),
            subtitle: "The server sent this row in a shape Taskdeck cannot read.".into(),
            fields: vec![
                field("Why", Detail::Text(self.row.reason.clone())),
                field("As sent", raw),
            ],
        }
    }
}
