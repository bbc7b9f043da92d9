//! A row marked as new since the user last opened its list.

use leptos::prelude::AnyView;

use super::{Row, RowDetails};

pub struct Marked<R> {
    pub row: R,
    pub new: bool,
}

impl<R: Row> Row for Marked<R> {
    fn key(&self) -> String {
        self.row.key()
    }
    fn label(&self) -> String {
        self.row.label()
    }
    fn cells(&self) -> Vec<AnyView> {
        self.row.cells()
    }
    fn across(&self) -> Option<AnyView> {
        self.row.across()
    }
    fn is_blank(&self, column: &str) -> bool {
        self.row.is_blank(column)
    }
    fn details(&self) -> RowDetails {
        self.row.details()
    }
    fn actionable(&self) -> bool {
        self.row.actionable()
    }
    fn export(&self) -> Vec<(&'static str, String)> {
        self.row.export()
    }
    fn is_new(&self) -> bool {
        self.new
    }
    fn arguments_text(&self) -> String {
        self.row.arguments_text()
    }
}
