//! Rows a server sent that could not be read: kept in their place, shown
//! with the reason, their data in the details, never acted on.

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
/// its data in the details, never acted on.
pub struct Unreadable {
    pub row: crate::api::UnreadableRow,
}

impl Row for Unreadable {
    fn key(&self) -> String {
        format!("unreadable-{}", self.row.index)
    }
    fn label(&self) -> String {
        format!("Row {} (unreadable)", self.row.index + 1)
    }
    fn actionable(&self) -> bool {
        false
    }
    fn cells(&self) -> Vec<AnyView> {
        Vec::new()
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
