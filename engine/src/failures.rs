//! Every failure a server keeps, read whole for triage: Paperless-ngx's
//! failed tasks and failed processed mail, InvenTree's failed queue. Each
//! list is read page by page through the bounded walk; a row that cannot
//! be read stays in the answer, with its key when that much reads.

use std::future::Future;

use crate::api::inventree::{FailedQuery, FailedTask, InvenTreeClient};
use crate::api::paperless::{PaperlessClient, PaperlessTask, TaskQuery, TaskStatus};
use crate::api::paperless_mail::{MailQuery, MailStatus, ProcessedMail};
use crate::api::{ApiError, Page, Transport, UnreadableRow};
use crate::inventree::{SCAN_MAX_ROWS, SCAN_PAGE};
use crate::walk::{Bounds, Flow, PageRead, walk};

/// A whole list: its rows, and those that could not be read.
#[derive(Clone, Debug, PartialEq)]
pub struct Whole<T> {
    pub rows: Vec<T>,
    pub unreadable: Vec<UnreadableRow>,
}

/// One row of a page as the walk sees it.
enum Read<T> {
    Row(T),
    Unreadable(UnreadableRow),
}

/// Every page of a list answered as [`Page`]s, each row once (by `key`;
/// an unreadable row by its own key, or its place when it has none).
async fn whole<T, F>(
    endpoint: &str,
    bounds: Bounds,
    mut read: impl FnMut(u32) -> F,
    key: impl Fn(&T) -> String,
) -> Result<Whole<T>, ApiError>
where
    F: Future<Output = Result<Page<T>, ApiError>>,
{
    let mut all = Whole {
        rows: Vec::new(),
        unreadable: Vec::new(),
    };
    walk(
        endpoint,
        bounds,
        |page| {
            let got = read(page);
            async move {
                let got = got.await?;
                let mut rows: Vec<Read<T>> = got.items.into_iter().map(Read::Row).collect();
                rows.extend(got.unreadable.into_iter().map(|mut u| {
                    // The place, for a row without a key: unique per page.
                    if u.key.is_none() {
                        u.raw = format!("{}\u{0}{page}:{}", u.raw, u.index);
                    }
                    Read::Unreadable(u)
                }));
                Ok(PageRead {
                    rows,
                    total: got.count,
                })
            }
        },
        |row: &Read<T>| match row {
            Read::Row(t) => key(t),
            Read::Unreadable(u) => match &u.key {
                Some(k) => k.clone(),
                None => format!("\u{0}{}", u.raw),
            },
        },
        |page| {
            for row in page {
                match row {
                    Read::Row(t) => all.rows.push(t),
                    Read::Unreadable(mut u) => {
                        if u.key.is_none()
                            && let Some((raw, _)) = u.raw.rsplit_once('\u{0}')
                        {
                            u.raw = raw.to_string();
                        }
                        all.unreadable.push(u);
                    }
                }
            }
            Flow::More
        },
    )
    .await?;
    Ok(all)
}

/// Every failed task of a Paperless server: `acknowledged` `Some(false)`
/// for those not dismissed yet, `None` for all of them. Through
/// [`crate::paperless::all_tasks`]: a 2.x server sends every task at once
/// and is filtered here.
pub async fn paperless_failed(
    client: &PaperlessClient,
    transport: &dyn Transport,
    acknowledged: Option<bool>,
) -> Result<Vec<PaperlessTask>, ApiError> {
    let query = TaskQuery {
        status: vec![TaskStatus::Failure],
        acknowledged,
        ..TaskQuery::default()
    };
    let tasks = crate::paperless::all_tasks(client, transport, &query).await?;
    Ok(tasks
        .into_iter()
        .filter(|t| t.status == TaskStatus::Failure)
        .collect())
}

/// Every failed record of a Paperless server's processed mail.
pub async fn failed_mail(
    client: &PaperlessClient,
    transport: &dyn Transport,
) -> Result<Whole<ProcessedMail>, ApiError> {
    const PAGE: u32 = 1000;
    whole(
        "GET /api/processed_mail/",
        Bounds::for_rows(SCAN_MAX_ROWS, PAGE),
        |page| {
            let query = MailQuery {
                status: Some(MailStatus::Failed),
                page: Some(page),
                page_size: Some(PAGE),
                ..MailQuery::default()
            };
            async move { client.processed_mail_call(&query).send(transport).await }
        },
        |m| m.id.to_string(),
    )
    .await
}

/// Every row of InvenTree's failed queue.
pub async fn inventree_failed(
    client: &InvenTreeClient,
    transport: &dyn Transport,
) -> Result<Whole<FailedTask>, ApiError> {
    whole(
        "GET /api/background-task/failed/",
        Bounds::for_rows(SCAN_MAX_ROWS, SCAN_PAGE),
        |page| {
            let query = FailedQuery {
                limit: SCAN_PAGE,
                offset: (page - 1) * SCAN_PAGE,
                ..FailedQuery::default()
            };
            async move { client.failed_call(&query).send(transport).await }
        },
        |t| t.pk.clone(),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::block_on;

    fn unreadable(index: usize, key: Option<&str>) -> UnreadableRow {
        UnreadableRow {
            index,
            reason: "bad".into(),
            raw: "{}".into(),
            key: key.map(str::to_string),
        }
    }

    #[test]
    fn every_page_is_read_and_unreadable_rows_are_kept_once_each() {
        let pages = [
            Page {
                count: 5,
                items: vec![1u32, 2],
                server_paged: true,
                unreadable: vec![unreadable(2, None)],
            },
            Page {
                count: 5,
                items: vec![3],
                server_paged: true,
                unreadable: vec![unreadable(1, Some("k")), unreadable(2, None)],
            },
        ];
        let got = block_on(whole(
            "GET /x/",
            Bounds { max_pages: 5 },
            |page| std::future::ready(Ok(pages[page as usize - 1].clone())),
            |n| n.to_string(),
        ))
        .unwrap();
        assert_eq!(got.rows, [1, 2, 3]);
        assert_eq!(got.unreadable.len(), 3);
        assert!(
            got.unreadable.iter().all(|u| u.raw == "{}"),
            "raw kept as sent"
        );
        assert_eq!(got.unreadable[1].key.as_deref(), Some("k"));
    }

    #[test]
    fn a_server_sending_the_same_page_again_is_named() {
        let page = Page {
            count: 10,
            items: vec![1u32, 2],
            server_paged: true,
            unreadable: vec![],
        };
        let err = block_on(whole(
            "GET /x/",
            Bounds { max_pages: 5 },
            |_| std::future::ready(Ok(page.clone())),
            |n| n.to_string(),
        ))
        .unwrap_err();
        assert!(
            matches!(err, ApiError::PagingIgnored { page: 2, .. }),
            "{err:?}"
        );
    }
}
