//! Every page of a list, read one after the other, with an end that does
//! not depend on the server behaving: a server or a proxy that ignores
//! paging (sending the first page again, or pages without end) is found
//! out and named, instead of being read forever.
//!
//! A walk stops
//! - when as many different rows were read as the server's count says (the
//!   count of the latest page, since rows may come and go meanwhile);
//! - at an empty page (the list ended earlier than counted: rows went);
//! - when the reader has enough;
//! - with [`ApiError::PagingIgnored`] at a page whose rows were all read
//!   already (the server sent the same rows again);
//! - with [`ApiError::TooManyPages`] after [`Bounds::max_pages`].

use std::collections::HashSet;
use std::future::Future;
use std::hash::Hash;

use crate::api::ApiError;

/// What one page brought.
#[derive(Clone, Debug, PartialEq)]
pub struct PageRead<T> {
    pub rows: Vec<T>,
    /// How many rows the server says the whole list has.
    pub total: u64,
}

/// Whether the reader wants more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    More,
    Enough,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// At most this many pages are asked for.
    pub max_pages: u32,
}

impl Bounds {
    /// Enough pages of `page_size` for `rows` rows (and one more, for a
    /// list that grew while it was read).
    pub fn for_rows(rows: u64, page_size: u32) -> Bounds {
        let pages = rows.div_ceil(u64::from(page_size.max(1))) + 1;
        Bounds {
            max_pages: pages.min(u64::from(u32::MAX)) as u32,
        }
    }
}

/// How a walk ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Walked {
    pub pages: u32,
    /// Different rows handed to the reader.
    pub rows: u64,
    /// The count the last page gave.
    pub total: u64,
}

/// Reads pages 1, 2, … with `read`, handing each page's rows that were not
/// seen before (by `key`) to `take`. `endpoint` names the list in errors.
pub async fn walk<T, K, F>(
    endpoint: &str,
    bounds: Bounds,
    mut read: impl FnMut(u32) -> F,
    key: impl Fn(&T) -> K,
    mut take: impl FnMut(Vec<T>) -> Flow,
) -> Result<Walked, ApiError>
where
    K: Hash + Eq,
    F: Future<Output = Result<PageRead<T>, ApiError>>,
{
    let mut seen: HashSet<K> = HashSet::new();
    let mut walked = Walked {
        pages: 0,
        rows: 0,
        total: 0,
    };
    loop {
        if walked.pages >= bounds.max_pages {
            return Err(ApiError::TooManyPages {
                endpoint: endpoint.to_string(),
                pages: walked.pages,
                read: walked.rows,
                total: walked.total,
            });
        }
        let page = walked.pages + 1;
        let got = read(page).await?;
        walked.pages = page;
        walked.total = got.total;
        if got.rows.is_empty() {
            return Ok(walked);
        }
        let fresh: Vec<T> = got
            .rows
            .into_iter()
            .filter(|row| seen.insert(key(row)))
            .collect();
        if fresh.is_empty() {
            return Err(ApiError::PagingIgnored {
                endpoint: endpoint.to_string(),
                page,
            });
        }
        walked.rows += fresh.len() as u64;
        if take(fresh) == Flow::Enough || walked.rows >= walked.total {
            return Ok(walked);
        }
    }
}

/// Every row of the list, in the server's order, each once.
pub async fn collect<T, K, F>(
    endpoint: &str,
    bounds: Bounds,
    read: impl FnMut(u32) -> F,
    key: impl Fn(&T) -> K,
) -> Result<Vec<T>, ApiError>
where
    K: Hash + Eq,
    F: Future<Output = Result<PageRead<T>, ApiError>>,
{
    let mut all = Vec::new();
    walk(endpoint, bounds, read, key, |rows| {
        all.extend(rows);
        Flow::More
    })
    .await?;
    Ok(all)
}

/// Which of `keys` the list holds, reading pages of keys until all are
/// found or the list ends.
pub async fn which_of<F>(
    keys: &[String],
    endpoint: &str,
    bounds: Bounds,
    read: impl FnMut(u32) -> F,
) -> Result<HashSet<String>, ApiError>
where
    F: Future<Output = Result<PageRead<String>, ApiError>>,
{
    let wanted: HashSet<&String> = keys.iter().collect();
    let mut found = HashSet::new();
    walk(endpoint, bounds, read, String::clone, |page| {
        found.extend(page.into_iter().filter(|k| wanted.contains(k)));
        if found.len() == wanted.len() {
            Flow::Enough
        } else {
            Flow::More
        }
    })
    .await?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::block_on;
    use std::cell::Cell;

    /// A list of `n` rows served `size` at a time, as a server that pages.
    fn paged(
        n: u32,
        size: u32,
    ) -> impl FnMut(u32) -> std::future::Ready<Result<PageRead<u32>, ApiError>> {
        move |page| {
            let start = (page - 1) * size;
            let rows = (start..(start + size).min(n)).collect();
            std::future::ready(Ok(PageRead {
                rows,
                total: u64::from(n),
            }))
        }
    }

    #[test]
    fn a_list_is_read_to_its_count_and_no_further() {
        let asked = Cell::new(0);
        let mut pages = paged(25, 10);
        let all = block_on(collect(
            "GET /x/",
            Bounds { max_pages: 10 },
            |p| {
                asked.set(asked.get() + 1);
                pages(p)
            },
            |r| *r,
        ))
        .unwrap();
        assert_eq!(all, (0..25).collect::<Vec<_>>());
        assert_eq!(asked.get(), 3, "page 3 held the last five; no page 4");
    }

    #[test]
    fn an_empty_page_ends_a_list_that_shrank_while_it_was_read() {
        let walked = block_on(walk(
            "GET /x/",
            Bounds { max_pages: 10 },
            |page| {
                std::future::ready(Ok(PageRead {
                    rows: if page == 1 { vec![1, 2] } else { vec![] },
                    total: 50,
                }))
            },
            |r: &u32| *r,
            |_| Flow::More,
        ))
        .unwrap();
        assert_eq!((walked.pages, walked.rows), (2, 2));
    }

    #[test]
    fn a_server_that_sends_the_same_page_again_is_named() {
        let err = block_on(collect(
            "GET /api/background-task/pending/",
            Bounds { max_pages: 100 },
            |_| {
                std::future::ready(Ok(PageRead {
                    rows: vec![1, 2, 3],
                    total: 9,
                }))
            },
            |r: &u32| *r,
        ))
        .unwrap_err();
        assert_eq!(
            err,
            ApiError::PagingIgnored {
                endpoint: "GET /api/background-task/pending/".into(),
                page: 2
            }
        );
    }

    #[test]
    fn pages_without_end_stop_at_the_bound() {
        let err = block_on(collect(
            "GET /x/",
            Bounds { max_pages: 4 },
            |page| {
                // New rows on every page, and a count that keeps ahead.
                std::future::ready(Ok(PageRead {
                    rows: vec![page * 2, page * 2 + 1],
                    total: u64::from(page) * 2 + 10,
                }))
            },
            |r: &u32| *r,
        ))
        .unwrap_err();
        assert!(
            matches!(
                err,
                ApiError::TooManyPages {
                    pages: 4,
                    read: 8,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn the_reader_may_stop_early_and_errors_end_the_walk() {
        let mut pages = paged(100, 10);
        let walked = block_on(walk(
            "GET /x/",
            Bounds { max_pages: 20 },
            &mut pages,
            |r| *r,
            |rows| {
                if rows.contains(&15) {
                    Flow::Enough
                } else {
                    Flow::More
                }
            },
        ))
        .unwrap();
        assert_eq!(walked.pages, 2);
        let err = block_on(collect(
            "GET /x/",
            Bounds { max_pages: 20 },
            |_| std::future::ready(Err::<PageRead<u32>, _>(ApiError::NothingSelected)),
            |r| *r,
        ))
        .unwrap_err();
        assert_eq!(err, ApiError::NothingSelected);
    }

    #[test]
    fn bounds_leave_room_for_a_page_more_than_the_rows_need() {
        assert_eq!(Bounds::for_rows(25, 10).max_pages, 4);
        assert_eq!(Bounds::for_rows(0, 10).max_pages, 1);
    }
}
