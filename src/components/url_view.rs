//! Writing a screen's whole view state into the URL in one navigation.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate};

type Navigate = Box<dyn Fn(&str, NavigateOptions)>;

#[derive(Clone, Copy)]
pub struct UrlView {
    navigate: StoredValue<Navigate, LocalStorage>,
    pathname: Memo<String>,
}

impl UrlView {
    pub fn new() -> UrlView {
        let navigate = use_navigate();
        UrlView {
            navigate: StoredValue::new_local(Box::new(navigate)),
            pathname: use_location().pathname,
        }
    }

    /// A new history entry: Back returns to the previous view.
    pub fn push(&self, query: String) {
        self.go(query, false);
    }

    /// Same history entry, for typing in a search box.
    pub fn replace(&self, query: String) {
        self.go(query, true);
    }

    fn go(&self, query: String, replace: bool) {
        let url = format!("{}{query}", self.pathname.get_untracked());
        self.navigate.with_value(|navigate| {
            navigate(
                &url,
                NavigateOptions {
                    replace,
                    scroll: false,
                    ..NavigateOptions::default()
                },
            )
        });
    }
}

impl Default for UrlView {
    fn default() -> Self {
        Self::new()
    }
}
