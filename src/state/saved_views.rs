//! Saved views: a list's filters under a name, kept in this browser (or
//! this desktop install: its webview's storage) and one click away. A
//! saved view is a path with its query, so it is also a link.

use super::connections::KeyValueStore;

const KEY: &str = "taskdeck.views";

/// At most this many are kept; a longer name is cut.
pub const MAX_VIEWS: usize = 50;
pub const MAX_NAME: usize = 60;

/// Query parameters that are not filters: the open row's drawer and the page.
const NOT_FILTERS: [&str; 2] = ["task", "page"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedView {
    pub name: String,
    /// The app path with its query: `/paperless/c1?status=attention`.
    pub path: String,
}

/// The views kept, one a line, name and path split by a tab (a name holds
/// neither, a path no tab): plain text, so no JSON code in the download.
/// Unreadable lines (or a path that is not the app's) are left out.
pub fn load(store: &dyn KeyValueStore) -> Vec<SavedView> {
    let Some(text) = store.get(KEY) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(name, path)| SavedView {
            name: name.trim().to_string(),
            path: path.to_string(),
        })
        .filter(|v| is_app_path(&v.path) && !v.name.is_empty())
        .take(MAX_VIEWS)
        .collect()
}

pub fn save(store: &dyn KeyValueStore, views: &[SavedView]) {
    if views.is_empty() {
        store.remove(KEY);
        return;
    }
    let lines: Vec<String> = views
        .iter()
        .map(|v| format!("{}\t{}", v.name, v.path))
        .collect();
    store.set(KEY, &lines.join("\n"));
}

/// A path inside the app (never another site, never a script).
fn is_app_path(path: &str) -> bool {
    path.starts_with('/') && !path.starts_with("//") && !path.contains(['\\', '#', '\n', '\t'])
}

/// The view of `path` with `query`: the filters and sort, not the open
/// row or the page.
pub fn view_path(path: &str, query: &[(String, String)]) -> String {
    let mut w = super::url::QueryWriter::default();
    let mut params: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| !NOT_FILTERS.contains(&k.as_str()))
        .cloned()
        .collect();
    // Sorted as the table screen sorts its parameters (the same type: no
    // second copy of the sort in the download).
    params.sort();
    for (k, v) in &params {
        w.put(k, v);
    }
    format!("{path}{}", w.finish())
}

/// Adds a view, or replaces the one of the same name (compared without
/// case). Returns why not, in words.
pub fn add(views: &mut Vec<SavedView>, name: &str, path: &str) -> Result<(), String> {
    let name: String = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err("Give the view a name.".into());
    }
    if !is_app_path(path) {
        return Err("Only the console's own screens can be saved.".into());
    }
    let name: String = name.chars().take(MAX_NAME).collect();
    let view = SavedView {
        name,
        path: path.to_string(),
    };
    if let Some(existing) = views
        .iter_mut()
        .find(|v| v.name.to_lowercase() == view.name.to_lowercase())
    {
        *existing = view;
        return Ok(());
    }
    if views.len() >= MAX_VIEWS {
        return Err(format!(
            "{MAX_VIEWS} views are kept at most: remove one first."
        ));
    }
    views.push(view);
    Ok(())
}

pub fn remove(views: &mut Vec<SavedView>, name: &str) {
    views.retain(|v| v.name != name);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::connections::memory::MemoryStore;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_view_keeps_the_filters_and_sort_but_not_the_open_row_or_page() {
        assert_eq!(
            view_path(
                "/paperless/c1",
                &q(&[
                    ("status", "attention"),
                    ("task", "42"),
                    ("page", "3"),
                    ("q", "März & x"),
                    ("sort", "-created")
                ])
            ),
            "/paperless/c1?q=M%C3%A4rz%20%26%20x&sort=-created&status=attention"
        );
        assert_eq!(view_path("/attention", &[]), "/attention");
    }

    #[test]
    fn views_are_named_replaced_by_name_removed_and_kept_across_loads() {
        let store = MemoryStore::default();
        assert!(load(&store).is_empty());
        let mut views = Vec::new();
        add(
            &mut views,
            "  Needs   attention ",
            "/paperless/c1?status=attention",
        )
        .unwrap();
        add(&mut views, "Lab failures", "/inventree/lab/failed?q=sqrt").unwrap();
        assert_eq!(views[0].name, "Needs attention");
        add(
            &mut views,
            "needs ATTENTION",
            "/paperless/c2?status=attention",
        )
        .unwrap();
        assert_eq!(views.len(), 2, "the same name replaces");
        assert_eq!(views[0].path, "/paperless/c2?status=attention");
        assert_eq!(
            add(&mut views, " ", "/x"),
            Err("Give the view a name.".into())
        );
        for foreign in [
            "https://evil.example/",
            "//evil.example",
            "javascript:alert(1)",
            "/a#b",
        ] {
            assert!(add(&mut views, "x", foreign).is_err(), "{foreign}");
        }
        save(&store, &views);
        assert_eq!(load(&store), views);
        remove(&mut views, "needs ATTENTION");
        remove(&mut views, "Lab failures");
        assert!(views.is_empty());
        save(&store, &views);
        assert_eq!(store.get(KEY), None);
    }

    #[test]
    fn a_damaged_store_loses_only_the_damaged_entries() {
        let store = MemoryStore::default();
        store.set(
            KEY,
            "ok\t/attention\nno path here\nfar\thttps://x\n\t/connections\nalso ok\t/failures?days=7",
        );
        assert_eq!(
            load(&store),
            [
                SavedView {
                    name: "ok".into(),
                    path: "/attention".into()
                },
                SavedView {
                    name: "also ok".into(),
                    path: "/failures?days=7".into()
                }
            ]
        );
        store.set(KEY, "not a view");
        assert!(load(&store).is_empty());
    }

    #[test]
    fn there_is_a_limit_and_long_names_are_cut() {
        let mut views = Vec::new();
        for n in 0..MAX_VIEWS {
            add(&mut views, &format!("v{n}"), "/attention").unwrap();
        }
        assert!(add(&mut views, "one more", "/attention").is_err());
        add(&mut views, "v1", "/connections").unwrap();
        let mut fresh = Vec::new();
        add(&mut fresh, &"x".repeat(100), "/").unwrap();
        assert_eq!(fresh[0].name.chars().count(), MAX_NAME);
    }
}
