//! One InvenTree queue as a row source.

use std::rc::Rc;
use std::sync::Arc;

use super::{failed, pending, scheduled};
use crate::api::inventree::InvenTreeClient;
use crate::api::{ApiError, LocalBoxFuture, Page};
use crate::engine::act::Target;
use crate::engine::inventree::{Delete, DeleteFrom, SCAN_MAX_ROWS, SCAN_PAGE};
use crate::engine::walk::{Bounds, Flow, PageRead, walk};
use crate::state::inventree_view::{Queue, QueueView, regex_problem};
use crate::state::seen::{is_new, local_server_time};
use crate::state::table::Paging;
use crate::table::local::page_of;
use crate::table::marked::Marked;
use crate::table::{Column, Params, Row, RowAction, RowRef, RowSource, Rows};
use crate::web;
use chrono::{DateTime, Utc};

#[derive(Clone)]
pub struct QueueSource {
    pub client: InvenTreeClient,
    pub queue: Queue,
    /// When the user last opened the failed queue before now: later
    /// failures are marked new.
    pub seen: Option<DateTime<Utc>>,
}

fn rows<T: Row>(page: Page<T>) -> Rows {
    let rows = page
        .items
        .into_iter()
        .map(|t| Arc::new(t) as RowRef)
        .collect();
    Rows::with_unreadable(rows, page.count, page.unreadable)
}

impl QueueSource {
    async fn fetch(&self, view: &QueueView) -> Result<Rows, ApiError> {
        let (client, transport) = (&self.client, crate::transport::current());
        Ok(match self.queue {
            Queue::Pending => rows(pending::list_call(client, view).send(transport).await?),
            Queue::Failed => {
                let page = failed::list_call(client, view).send(transport).await?;
                let offset = web::local_offset_at(web::now());
                let seen = self.seen;
                // Each row's arguments are read here, once per fetch.
                rows(page.map(|task| {
                    let at = task.stopped.and_then(|t| local_server_time(t, offset));
                    Marked {
                        new: is_new(at, seen),
                        row: failed::FailedRow::new(
                            task,
                            self.client.connection().unwrap_or_default(),
                        ),
                    }
                }))
            }
            Queue::Scheduled => rows(scheduled::list_call(client, view).send(transport).await?),
        })
    }
}

impl QueueSource {
    /// Reads the queue with `view`'s search and order, `SCAN_PAGE` rows a
    /// request, handing each page's rows to `take`, until the queue ends or
    /// `take` says it has enough (every page bounded by the engine's walk).
    async fn scan(
        &self,
        view: &QueueView,
        take: impl FnMut(Vec<RowRef>) -> Flow,
    ) -> Result<(), ApiError> {
        let scan = QueueView {
            arguments: String::new(),
            ..view.clone()
        };
        let endpoint = format!("GET /api/background-task/{}/", self.queue.slug());
        walk(
            &endpoint,
            Bounds::for_rows(SCAN_MAX_ROWS, SCAN_PAGE),
            |page| {
                let view = QueueView {
                    paging: Paging {
                        page,
                        size: SCAN_PAGE,
                    },
                    ..scan.clone()
                };
                async move {
                    let got = self.fetch(&view).await?;
                    Ok(PageRead {
                        rows: got.rows,
                        total: got.total,
                    })
                }
            },
            |row| row.key(),
            take,
        )
        .await
        .map(|_| ())
    }

    /// The rows whose arguments contain the text: the whole queue is read
    /// (with the server's own search and order) and matched here.
    async fn with_arguments(&self, view: &QueueView) -> Result<Rows, ApiError> {
        let needle = view.arguments.trim().to_lowercase();
        let mut matching: Vec<RowRef> = Vec::new();
        self.scan(view, |rows| {
            matching.extend(
                rows.into_iter()
                    .filter(|r| r.arguments_text().to_lowercase().contains(&needle)),
            );
            Flow::More
        })
        .await?;
        Ok(page_of(&matching, view.paging, RowRef::clone))
    }
}

impl RowSource for QueueSource {
    fn columns(&self) -> Vec<Column> {
        match self.queue {
            Queue::Pending => pending::COLUMNS.to_vec(),
            Queue::Failed => failed::COLUMNS.to_vec(),
            Queue::Scheduled => scheduled::COLUMNS.to_vec(),
        }
    }

    fn exportable(&self) -> bool {
        true
    }

    fn noun(&self) -> &'static str {
        match self.queue {
            Queue::Pending => "pending task",
            Queue::Failed => "failed task",
            Queue::Scheduled => "scheduled task",
        }
    }

    fn table_id(&self) -> &'static str {
        match self.queue {
            Queue::Pending => "inventree-pending",
            Queue::Failed => "inventree-failed",
            Queue::Scheduled => "inventree-scheduled",
        }
    }

    fn default_sort(&self) -> Option<&'static str> {
        // Newest failure first, as an admin reads them.
        (self.queue == Queue::Failed).then_some("-stopped")
    }

    fn search_placeholder(&self, _query: &Params) -> Option<&'static str> {
        self.queue.searchable().then_some("Search function ( / )")
    }

    fn list(
        &self,
        query: &Params,
        _refresh: bool,
    ) -> LocalBoxFuture<'static, Result<Rows, ApiError>> {
        let this = self.clone();
        let view = QueueView::from_params(query);
        Box::pin(async move {
            if !view.arguments.trim().is_empty() {
                return this.with_arguments(&view).await;
            }
            let search = view.search.trim();
            if view.regex
                && !search.is_empty()
                && let Some(problem) = regex_problem(search)
            {
                return Err(ApiError::InvalidInput {
                    detail: format!(
                        "“{search}” is not a regular expression the server can use: {problem}."
                    ),
                });
            }
            let rows = match this.fetch(&view).await {
                Err(ApiError::Server { status, .. }) if view.regex && !search.is_empty() => {
                    return Err(ApiError::InvalidInput {
                        detail: format!(
                            "The server could not use the regular expression “{search}” (it answered HTTP {status}). Check it, or untick “Regular expression”."
                        ),
                    });
                }
                other => other?,
            };
            // Past the last page: the last page there is.
            let last = view.paging.page_count(rows.total);
            if rows.rows.is_empty() && view.paging.page > last {
                let mut back = view.clone();
                back.paging.page = last;
                return Ok(Rows {
                    page: Some(last),
                    ..this.fetch(&back).await?
                });
            }
            Ok(rows)
        })
    }

    /// A failed task not on the page (opened from a link: the inbox, a
    /// failure group) is looked for in the whole queue, page by page.
    fn detail(&self, key: String) -> LocalBoxFuture<'static, Result<RowRef, ApiError>> {
        let this = self.clone();
        Box::pin(async move {
            let mut found = None;
            if this.queue == Queue::Failed {
                let view = QueueView::from_params(&Params::new());
                this.scan(&view, |rows| {
                    found = rows.into_iter().find(|r| r.key() == key);
                    if found.is_some() {
                        Flow::Enough
                    } else {
                        Flow::More
                    }
                })
                .await?;
            }
            found.ok_or_else(|| ApiError::NotFound {
                message: "Not in the queue: it may have finished or been deleted.".into(),
            })
        })
    }

    fn action(&self) -> Option<RowAction> {
        self.queue.deletable().then_some(RowAction {
            verb: "Delete",
            done: "Deleted",
            consequence: "will be removed from InvenTree's queue. This cannot be undone:",
            danger: true,
            unit: "task",
            testid: "delete-selected",
            per_row: false,
            log: "delete",
        })
    }

    fn target(&self) -> Option<Rc<dyn Target>> {
        let queue = match self.queue {
            Queue::Pending => DeleteFrom::Pending,
            Queue::Failed => DeleteFrom::Failed,
            Queue::Scheduled => return None,
        };
        Some(Rc::new(Delete {
            client: self.client.clone(),
            transport: crate::transport::current(),
            queue,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::inventree_view::QueueColumn;
    use crate::state::table::SortKey;

    /// A header offers sorting only where the server really orders by it
    /// (it silently ignores other `ordering` values).
    #[test]
    fn sortable_headers_are_orderings_the_server_honours() {
        for queue in Queue::ALL {
            let source = QueueSource {
                client: InvenTreeClient::new(crate::api::BaseUrl::parse("http://h").unwrap(), None),
                queue,
                seen: None,
            };
            for column in source.columns() {
                if let Some(name) = column.sort {
                    let key = QueueColumn::from_name(name).expect("a queue column");
                    assert!(key.sortable_in(queue), "{queue:?} {name}");
                }
            }
        }
    }
}
