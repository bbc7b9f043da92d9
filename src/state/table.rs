//! Table state shared by every screen: sort, paging and the selection of rows.

use std::collections::HashSet;
use std::hash::Hash;

/// Page sizes offered everywhere (InvenTree's own UI offers the same range).
pub const PAGE_SIZES: [u32; 5] = [25, 50, 100, 250, 500];
pub const DEFAULT_PAGE_SIZE: u32 = 25;

/// A 1-based page of a given size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    pub page: u32,
    pub size: u32,
}

impl Default for Paging {
    fn default() -> Self {
        Paging {
            page: 1,
            size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl Paging {
    /// Reads `page` and `size` from URL values, falling back to sane values
    /// for anything a hand-edited URL might contain.
    pub fn from_params(page: Option<&str>, size: Option<&str>) -> Paging {
        let size = size
            .and_then(|s| s.parse::<u32>().ok())
            .filter(|s| PAGE_SIZES.contains(s))
            .unwrap_or(DEFAULT_PAGE_SIZE);
        let page = page
            .and_then(|p| p.parse::<u32>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1);
        Paging { page, size }
    }

    pub fn offset(&self) -> u32 {
        (self.page - 1).saturating_mul(self.size)
    }

    pub fn page_count(&self, total: u64) -> u32 {
        (total.div_ceil(self.size as u64)).max(1) as u32
    }

    /// The same page clamped to what exists, e.g. after rows were removed
    /// from the last page.
    pub fn clamped(self, total: u64) -> Paging {
        Paging {
            page: self.page.min(self.page_count(total)),
            ..self
        }
    }

    /// `(first, last)` row numbers shown, 1-based, for "26–50 of 312".
    pub fn range(&self, total: u64) -> Option<(u64, u64)> {
        let first = self.offset() as u64 + 1;
        if total == 0 || first > total {
            return None;
        }
        Some((first, (first + self.size as u64 - 1).min(total)))
    }

    /// The rows of this page out of a list that was not paged by the server.
    pub fn slice<'a, T>(&self, rows: &'a [T]) -> &'a [T] {
        let start = (self.offset() as usize).min(rows.len());
        let end = (start + self.size as usize).min(rows.len());
        &rows[start..end]
    }
}

/// A sort column and direction, written `created` / `-created` in URLs as
/// the servers write `ordering`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort<K> {
    pub key: K,
    pub descending: bool,
}

/// A column key that has a URL name.
pub trait SortKey: Copy + PartialEq + 'static {
    const ALL: &'static [Self];
    fn name(self) -> &'static str;

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == name)
    }
}

impl<K: SortKey> Sort<K> {
    pub fn parse(text: &str) -> Option<Sort<K>> {
        let (descending, name) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        K::from_name(name).map(|key| Sort { key, descending })
    }

    pub fn to_param(self) -> String {
        format!(
            "{}{}",
            if self.descending { "-" } else { "" },
            self.key.name()
        )
    }
}

/// Whether the list is sorted by `name`: `Some(descending)`, or `None`.
/// `current` is the URL's `sort` (`-created`), `default` the list's own.
pub fn sorted_by(current: Option<&str>, default: Option<&str>, name: &str) -> Option<bool> {
    match current.or(default) {
        Some(s) if s == name => Some(false),
        Some(s) if s.strip_prefix('-') == Some(name) => Some(true),
        _ => None,
    }
}

/// The `sort` a click on the header of `name` asks for: the same column
/// flips, a new column starts descending for times and ascending otherwise.
pub fn sort_clicked(
    current: Option<&str>,
    default: Option<&str>,
    name: &str,
    starts_descending: bool,
) -> String {
    let descending = match sorted_by(current, default, name) {
        Some(descending) => !descending,
        None => starts_descending,
    };
    format!("{}{name}", if descending { "-" } else { "" })
}

/// The rows a user picked, keyed by id, with what is needed to name each one
/// in a confirmation even when it is on another page.
///
/// Selection survives paging and refresh. It only loses an id when the row is
/// known to be gone ([`Picked::forget_missing`]) or after an action used it.
///
/// Kept as a vector sorted by id: selections are small, and a `BTreeMap`
/// compiled for each id type cost several KB of the WASM download.
#[derive(Clone, Debug, PartialEq)]
pub struct Picked<K: Ord> {
    rows: Vec<(K, String)>,
}

impl<K: Ord> Default for Picked<K> {
    fn default() -> Self {
        Picked { rows: Vec::new() }
    }
}

impl<K: Ord + Clone + Hash> Picked<K> {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn position(&self, id: &K) -> Result<usize, usize> {
        self.rows.binary_search_by(|(k, _)| k.cmp(id))
    }

    pub fn contains(&self, id: &K) -> bool {
        self.position(id).is_ok()
    }

    pub fn toggle(&mut self, id: K, label: String) {
        let on = !self.contains(&id);
        self.set(id, label, on);
    }

    pub fn set(&mut self, id: K, label: String, on: bool) {
        match (self.position(&id), on) {
            (Ok(at), true) => self.rows[at].1 = label,
            (Err(at), true) => self.rows.insert(at, (id, label)),
            (Ok(at), false) => {
                self.rows.remove(at);
            }
            (Err(_), false) => {}
        }
    }

    /// The header checkbox: picks every row of the page, or, when all are
    /// already picked, unpicks them (rows on other pages stay picked).
    pub fn toggle_page(&mut self, page: impl IntoIterator<Item = (K, String)> + Clone) {
        let all_picked = page.clone().into_iter().all(|(id, _)| self.contains(&id));
        for (id, label) in page {
            self.set(id, label, !all_picked);
        }
    }

    /// `Some(true)` all, `Some(false)` none, `None` some of the page's rows.
    pub fn page_state(&self, page: &[K]) -> Option<bool> {
        let n = page.iter().filter(|id| self.contains(id)).count();
        match n {
            0 => Some(false),
            n if n == page.len() => Some(true),
            _ => None,
        }
    }

    pub fn ids(&self) -> Vec<K> {
        self.rows.iter().map(|(id, _)| id.clone()).collect()
    }

    pub fn labels(&self) -> Vec<String> {
        self.rows.iter().map(|(_, label)| label.clone()).collect()
    }

    pub fn clear(&mut self) {
        self.rows.clear();
    }

    /// Removes the ids in `gone` and returns the labels of those removed, for
    /// the notice that tells the user.
    pub fn forget_missing(&mut self, gone: &HashSet<K>) -> Vec<String> {
        let mut removed = Vec::new();
        self.rows.retain(|(id, label)| {
            let keep = !gone.contains(id);
            if !keep {
                removed.push(label.clone());
            }
            keep
        });
        removed
    }

    /// Picked ids that were on the previous fetch of a view and are not on the
    /// new one: candidates to check, not yet proof that they are gone (new
    /// rows may have pushed them onto the next page).
    pub fn vanished_from_view(&self, before: &[K], after: &[K]) -> Vec<K> {
        let after: HashSet<&K> = after.iter().collect();
        before
            .iter()
            .filter(|id| self.contains(id) && !after.contains(id))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Col {
        Created,
        Status,
    }

    impl SortKey for Col {
        const ALL: &'static [Col] = &[Col::Created, Col::Status];
        fn name(self) -> &'static str {
            match self {
                Col::Created => "created",
                Col::Status => "status",
            }
        }
    }

    #[test]
    fn paging_reads_urls_defensively_and_counts() {
        assert_eq!(
            Paging::from_params(Some("3"), Some("50")),
            Paging { page: 3, size: 50 }
        );
        assert_eq!(Paging::from_params(Some("0"), Some("7")), Paging::default());
        assert_eq!(Paging::from_params(Some("x"), None), Paging::default());
        let p = Paging { page: 2, size: 25 };
        assert_eq!(p.offset(), 25);
        assert_eq!(p.page_count(51), 3);
        assert_eq!(p.page_count(0), 1);
        assert_eq!(p.range(51), Some((26, 50)));
        assert_eq!(Paging { page: 3, size: 25 }.range(51), Some((51, 51)));
        assert_eq!(Paging { page: 4, size: 25 }.range(51), None);
        assert_eq!(Paging { page: 9, size: 25 }.clamped(51).page, 3);
        let rows: Vec<u32> = (0..60).collect();
        assert_eq!(Paging { page: 3, size: 25 }.slice(&rows), &rows[50..60]);
        assert!(Paging { page: 4, size: 25 }.slice(&rows).is_empty());
    }

    #[test]
    fn sort_round_trips_and_cycles() {
        let s = Sort::<Col>::parse("-created").unwrap();
        assert_eq!(
            s,
            Sort {
                key: Col::Created,
                descending: true
            }
        );
        assert_eq!(s.to_param(), "-created");
        assert_eq!(Sort::<Col>::parse("status").unwrap().to_param(), "status");
        assert!(Sort::<Col>::parse("-nope").is_none());
        assert_eq!(
            sort_clicked(Some("-created"), None, "created", true),
            "created"
        );
        assert_eq!(
            sort_clicked(Some("-created"), None, "status", false),
            "status"
        );
        assert_eq!(
            sort_clicked(None, Some("-created"), "created", true),
            "created"
        );
        assert_eq!(sort_clicked(None, None, "done", true), "-done");
        assert_eq!(sorted_by(Some("-created"), None, "created"), Some(true));
        assert_eq!(
            sorted_by(Some("status"), Some("-created"), "status"),
            Some(false)
        );
        assert_eq!(sorted_by(Some("status"), Some("-created"), "created"), None);
        assert_eq!(sorted_by(None, Some("-created"), "created"), Some(true));
        // A longer name that starts the same is another column.
        assert_eq!(sorted_by(Some("-created_at"), None, "created"), None);
    }

    #[test]
    fn selection_survives_paging_and_forgets_only_what_is_gone() {
        let mut picked = Picked::default();
        picked.toggle(1u64, "a.pdf".into());
        picked.toggle(2, "b.pdf".into());
        picked.toggle(2, "b.pdf".into());
        assert_eq!(picked.ids(), vec![1]);
        // Picking a whole page keeps the picks from other pages.
        picked.toggle_page(vec![(10, "x".into()), (11, "y".into())]);
        assert_eq!(picked.ids(), vec![1, 10, 11]);
        assert_eq!(picked.page_state(&[10, 11]), Some(true));
        assert_eq!(picked.page_state(&[10, 12]), None);
        assert_eq!(picked.page_state(&[12]), Some(false));
        picked.toggle_page(vec![(10, "x".into()), (11, "y".into())]);
        assert_eq!(picked.ids(), vec![1]);

        picked.toggle(5, "e.pdf".into());
        assert_eq!(picked.vanished_from_view(&[1, 2, 5], &[2, 3]), vec![1, 5]);
        let removed = picked.forget_missing(&HashSet::from([5, 99]));
        assert_eq!(removed, vec!["e.pdf".to_string()]);
        assert_eq!(picked.ids(), vec![1]);
        assert_eq!(picked.labels(), vec!["a.pdf".to_string()]);

        // Ids come out in order whatever order they were picked in, and a
        // label follows its id.
        picked.toggle(9, "i.pdf".into());
        picked.toggle(3, "c.pdf".into());
        picked.set(9, "i2.pdf".into(), true);
        assert_eq!(picked.ids(), vec![1, 3, 9]);
        assert_eq!(picked.labels(), vec!["a.pdf", "c.pdf", "i2.pdf"]);
        picked.set(4, "d.pdf".into(), false);
        assert_eq!(picked.len(), 3);
    }
}
