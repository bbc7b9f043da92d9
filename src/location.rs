//! Where the user is: the route and query after `#` in the address.
//!
//! The site is static and may be served from any path prefix by any file
//! server, so the screen lives in the fragment (`…/taskdeck/#/paperless/c1?page=2`):
//! a reload or a shared link asks the server only for the directory's
//! `index.html`, which every server has, and no rewrite rule is needed.
//! Assets are loaded relative to that directory for the same reason.

use leptos::prelude::*;

use crate::state::route::Route;
use crate::web;

/// The current address after `#`, split into path and query.
#[derive(Clone, Copy)]
pub struct Location {
    hash: RwSignal<String>,
    pub path: Memo<String>,
    pub query: Memo<Vec<(String, String)>>,
}

/// `#/paperless/c1?page=2` → (`/paperless/c1`, `?page=2`); an empty or
/// foreign fragment (`#main`) is the overview.
pub fn split_fragment(fragment: &str) -> (&str, &str) {
    let rest = fragment.trim_start_matches('#');
    if !rest.starts_with('/') {
        return ("/", "");
    }
    match rest.find('?') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, ""),
    }
}

impl Location {
    /// Starts following the address; provided once by the app shell.
    pub fn provide() -> Location {
        let hash = RwSignal::new(web::fragment());
        let path = Memo::new(move |_| hash.with(|h| split_fragment(h).0.to_string()));
        let query =
            Memo::new(move |_| hash.with(|h| crate::state::url::parse_query(split_fragment(h).1)));
        let follow = move || {
            let now = web::fragment();
            if split_fragment(&now).0 != path.get_untracked() {
                web::scroll_to_top();
            }
            hash.set(now);
        };
        let _ = window_event_listener(leptos::ev::hashchange, move |_| follow());
        let _ = window_event_listener(leptos::ev::popstate, move |_| follow());
        let location = Location { hash, path, query };
        provide_context(location);
        location
    }

    pub fn route(&self) -> Route {
        Route::parse(&self.path.get())
    }

    /// Goes to `target` (`/path?query`, or just `?query` for this screen).
    /// `replace` keeps the history entry (typing into a search box).
    pub fn navigate(&self, target: &str, replace: bool) {
        let target = if target.starts_with('?') || target.is_empty() {
            format!("{}{target}", self.path.get_untracked())
        } else {
            target.to_string()
        };
        let fragment = format!("#{target}");
        if fragment == self.hash.get_untracked() {
            return;
        }
        web::set_fragment(&fragment, replace);
        if split_fragment(&fragment).0 != self.path.get_untracked() {
            web::scroll_to_top();
        }
        self.hash.set(fragment);
    }
}

pub fn use_location() -> Location {
    expect_context::<Location>()
}

/// The href of an in-app link to `path`.
pub fn href(path: &str) -> String {
    format!("#{path}")
}

/// A link to a screen, marked as the current page when it is the one shown
/// (the query does not count: a filtered list is still that list).
#[component]
pub fn Link(#[prop(into)] href: String, children: Children) -> impl IntoView {
    let location = use_location();
    let target = split_fragment(&crate::location::href(&href)).0.to_string();
    let current = move || (location.path.get() == target).then_some("page");
    view! {
        <a href=crate::location::href(&href) aria-current=current>{children()}</a>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_split_into_path_and_query() {
        assert_eq!(split_fragment(""), ("/", ""));
        assert_eq!(split_fragment("#"), ("/", ""));
        assert_eq!(split_fragment("#/"), ("/", ""));
        assert_eq!(split_fragment("#main"), ("/", ""));
        assert_eq!(split_fragment("#/connections"), ("/connections", ""));
        assert_eq!(
            split_fragment("#/paperless/c1?page=2&q=a%3Fb"),
            ("/paperless/c1", "?page=2&q=a%3Fb")
        );
        assert_eq!(
            Route::parse(split_fragment("#/inventree/lab/failed?args=1").0),
            Route::queue("lab", crate::state::inventree_view::Queue::Failed)
        );
    }

    #[test]
    fn links_are_fragments_of_the_page_they_are_on() {
        assert_eq!(href("/paperless/c1"), "#/paperless/c1");
        assert_eq!(href(&Route::Attention.path()), "#/attention");
    }
}
