//! Lists that are whole at hand (small server lists, or rows computed
//! here): searched, sorted and paged in the browser from the same URL
//! parameters the server-side lists use (`q`, `sort`, `page`, `size`).

use std::cell::RefCell;
use std::cmp::Ordering;
use std::rc::Rc;
use std::sync::Arc;

use super::{Column, Params, Row, RowRef, RowSource, Rows, param};
use crate::api::{ApiError, LocalBoxFuture};
use crate::state::table::Paging;

/// What a read-only local list is, besides its rows.
pub struct ListMeta {
    pub columns: &'static [Column],
    pub table_id: &'static str,
    pub noun: &'static str,
    pub default_sort: &'static str,
    pub search: &'static str,
    /// Why a row opened from a link is not there.
    pub gone: &'static str,
}

/// Rows and the filters they were loaded for.
type Loaded<T> = (Params, Rc<[Arc<T>]>);

type Load<T> = Rc<dyn Fn(&Params) -> LocalBoxFuture<'static, Result<Vec<Arc<T>>, ApiError>>>;

/// A read-only list whose rows are all loaded at once and then searched,
/// sorted and paged here.
pub struct LocalSource<T> {
    meta: ListMeta,
    load: Load<T>,
    /// Columns this server cannot fill, asked after every load.
    unavailable: Option<Rc<dyn Fn() -> Vec<&'static str>>>,
    /// The rows last loaded, and for which of the list's own filters: a
    /// keystroke, a sort or a page reuses them (shared, not copied).
    cache: Rc<RefCell<Option<Loaded<T>>>>,
}

/// The parameters this side applies; the others are the list's own filters.
const APPLIED_HERE: [&str; 4] = ["q", "sort", "page", "size"];

fn own_filters(query: &Params) -> Params {
    query
        .iter()
        .filter(|(k, _)| !APPLIED_HERE.contains(&k.as_str()))
        .cloned()
        .collect()
}

impl<T: LocalRow> LocalSource<T> {
    /// `load` fetches every row for the query's own filters (not `q`,
    /// `sort` or paging, which are applied here).
    pub fn shared(
        meta: ListMeta,
        load: impl Fn(&Params) -> LocalBoxFuture<'static, Result<Vec<Arc<T>>, ApiError>> + 'static,
    ) -> Rc<dyn RowSource> {
        Self::hiding(meta, load, None)
    }

    /// Like [`Self::shared`], with the columns a server cannot fill hidden
    /// (`unavailable` is asked after every load).
    pub fn hiding(
        meta: ListMeta,
        load: impl Fn(&Params) -> LocalBoxFuture<'static, Result<Vec<Arc<T>>, ApiError>> + 'static,
        unavailable: Option<Rc<dyn Fn() -> Vec<&'static str>>>,
    ) -> Rc<dyn RowSource> {
        Rc::new(LocalSource {
            meta,
            load: Rc::new(load),
            unavailable,
            cache: Rc::default(),
        })
    }
}

impl<T: LocalRow> RowSource for LocalSource<T> {
    fn columns(&self) -> Vec<Column> {
        self.meta.columns.to_vec()
    }

    fn table_id(&self) -> &'static str {
        self.meta.table_id
    }

    fn unavailable(&self) -> Vec<&'static str> {
        self.unavailable.as_ref().map(|f| f()).unwrap_or_default()
    }

    fn noun(&self) -> &'static str {
        self.meta.noun
    }

    fn default_sort(&self) -> Option<&'static str> {
        Some(self.meta.default_sort)
    }

    fn search_placeholder(&self, _query: &Params) -> Option<&'static str> {
        Some(self.meta.search)
    }

    fn filters_locally(&self) -> bool {
        true
    }

    fn list(
        &self,
        query: &Params,
        refresh: bool,
    ) -> LocalBoxFuture<'static, Result<Rows, ApiError>> {
        let (query, sort, cache) = (query.clone(), self.meta.default_sort, self.cache.clone());
        let filters = own_filters(&query);
        let cached = cache
            .borrow()
            .as_ref()
            .filter(|(f, _)| !refresh && *f == filters)
            .map(|(_, rows)| Rc::clone(rows));
        let load = (cached.is_none()).then(|| (self.load)(&filters));
        Box::pin(async move {
            let rows = match (cached, load) {
                (Some(rows), _) => rows,
                (None, Some(load)) => {
                    let rows: Rc<[Arc<T>]> = load.await?.into();
                    *cache.borrow_mut() = Some((filters, Rc::clone(&rows)));
                    rows
                }
                (None, None) => Rc::from([]),
            };
            Ok(local_page(&rows, &query, Some(sort)))
        })
    }

    fn detail(&self, _key: String) -> LocalBoxFuture<'static, Result<RowRef, ApiError>> {
        let message = self.meta.gone.to_string();
        Box::pin(async move { Err(ApiError::NotFound { message }) })
    }
}

/// A row a local list can search and sort.
pub trait LocalRow: Row + Sized {
    /// Everything the search box looks in, lower-cased.
    fn haystack(&self) -> String;
    /// The order by the column named `sort` (ascending).
    fn compare(&self, other: &Self, sort: &str) -> Ordering;
}

/// The page of `all` that `query` asks for, and how many match.
pub fn local_page<T: LocalRow>(all: &[Arc<T>], query: &Params, default_sort: Option<&str>) -> Rows {
    let needle = param(query, "q").unwrap_or("").trim().to_lowercase();
    let mut matching: Vec<&Arc<T>> = all
        .iter()
        .filter(|row| needle.is_empty() || row.haystack().contains(&needle))
        .collect();
    if let Some(sort) = param(query, "sort").or(default_sort) {
        let (name, descending) = match sort.strip_prefix('-') {
            Some(name) => (name, true),
            None => (sort, false),
        };
        matching.sort_by(|a, b| {
            let order = a.compare(b, name);
            if descending { order.reverse() } else { order }
        });
    }
    let asked = Paging::from_params(param(query, "page"), param(query, "size"));
    page_of(&matching, asked, |row| Arc::clone(row) as RowRef)
}

/// The page `asked` of rows matched here (past the end: the last page,
/// said in [`Rows::page`]).
pub fn page_of<R>(matching: &[R], asked: Paging, to_row: impl Fn(&R) -> RowRef) -> Rows {
    let total = matching.len() as u64;
    let paging = asked.clamped(total);
    let rows = paging.slice(matching).iter().map(to_row).collect();
    Rows {
        page: (paging.page != asked.page).then_some(paging.page),
        ..Rows::with_unreadable(rows, total, Vec::new())
    }
}

/// Compares optional values with the missing ones last.
pub fn missing_last<T: PartialOrd>(a: Option<T>, b: Option<T>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::RowDetails;
    use leptos::prelude::AnyView;

    struct Item(u32, &'static str);

    impl Row for Item {
        fn key(&self) -> String {
            self.0.to_string()
        }
        fn label(&self) -> String {
            self.1.to_string()
        }
        fn cells(&self) -> Vec<AnyView> {
            Vec::new()
        }
        fn details(&self) -> RowDetails {
            RowDetails {
                title: String::new(),
                subtitle: String::new(),
                fields: Vec::new(),
            }
        }
    }

    impl LocalRow for Item {
        fn haystack(&self) -> String {
            self.1.to_lowercase()
        }
        fn compare(&self, other: &Self, _sort: &str) -> Ordering {
            self.0.cmp(&other.0)
        }
    }

    fn keys(rows: &Rows) -> Vec<String> {
        rows.rows.iter().map(|r| r.key()).collect()
    }

    #[test]
    fn searched_sorted_and_paged_like_the_server_lists() {
        let all: Vec<Arc<Item>> = (1..=60)
            .map(|n| Arc::new(Item(n, if n % 2 == 0 { "Even" } else { "odd" })))
            .collect();
        let q = |pairs: &[(&str, &str)]| -> Params {
            let mut p: Params = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            p.sort();
            p
        };
        let page = local_page(&all, &q(&[("q", "EVEN"), ("sort", "-n")]), None);
        assert_eq!(page.total, 30);
        assert_eq!(keys(&page)[..3], ["60", "58", "56"]);
        let second = local_page(&all, &q(&[("page", "3")]), Some("n"));
        assert_eq!(
            keys(&second),
            ["51", "52", "53", "54", "55", "56", "57", "58", "59", "60"]
        );
        let past = local_page(&all, &q(&[("page", "9")]), None);
        assert_eq!(past.page, Some(3), "past the end: the last page");
        assert_eq!(missing_last(Some(2.0), None), Ordering::Less);
    }

    /// Polls a future that needs no I/O to its end.
    fn ready<T>(future: impl std::future::Future<Output = T>) -> T {
        let mut future = std::pin::pin!(future);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match future.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(value) => value,
            std::task::Poll::Pending => panic!("the test's load is immediate"),
        }
    }

    #[test]
    fn keystrokes_sorts_and_pages_reuse_the_rows_and_a_refresh_or_filter_loads_again() {
        let loads = Rc::new(std::cell::Cell::new(0));
        let counted = loads.clone();
        let meta = ListMeta {
            columns: &[],
            table_id: "t",
            noun: "item",
            default_sort: "n",
            search: "",
            gone: "",
        };
        let source = LocalSource::shared(meta, move |_| {
            counted.set(counted.get() + 1);
            Box::pin(async { Ok(vec![Arc::new(Item(1, "one")), Arc::new(Item(2, "two"))]) })
        });
        let q = |pairs: &[(&str, &str)]| -> Params {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let total =
            |query: Params, refresh: bool| ready(source.list(&query, refresh)).ok().unwrap().total;
        assert_eq!(total(q(&[]), false), 2);
        assert_eq!(total(q(&[("q", "tw")]), false), 1);
        assert_eq!(
            total(q(&[("q", "two"), ("sort", "-n"), ("page", "1")]), false),
            1
        );
        assert_eq!(
            loads.get(),
            1,
            "typing, sorting and paging do not load again"
        );
        total(q(&[]), true);
        assert_eq!(loads.get(), 2, "a refresh loads again");
        total(q(&[("days", "7")]), false);
        assert_eq!(loads.get(), 3, "the list's own filter loads again");
    }
}
