//! Writing a screen's whole view state into the URL in one navigation.

use crate::location::{Location, use_location};

#[derive(Clone, Copy)]
pub struct UrlView {
    location: Location,
}

impl UrlView {
    pub fn new() -> UrlView {
        UrlView {
            location: use_location(),
        }
    }

    /// A new history entry: Back returns to the previous view.
    pub fn push(&self, query: String) {
        self.location.navigate(&query, false);
    }

    /// Same history entry, for typing in a search box.
    pub fn replace(&self, query: String) {
        self.location.navigate(&query, true);
    }
}

impl Default for UrlView {
    fn default() -> Self {
        Self::new()
    }
}
