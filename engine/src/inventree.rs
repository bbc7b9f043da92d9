//! InvenTree: reading a whole queue, and deleting chosen pending or failed
//! tasks.

use std::collections::HashSet;

use crate::act::{Sent, Target, Vanished};
use crate::api::inventree::{FailedQuery, InvenTreeClient, PendingQuery};
use crate::api::{ApiError, LocalBoxFuture, Page, Selection, Transport};
use crate::walk::{Bounds, PageRead, which_of};

/// Rows per request when a whole queue is read.
pub const SCAN_PAGE: u32 = 1000;
/// No queue is read past this many rows (a million): a bound, not a limit
/// any real server reaches.
pub const SCAN_MAX_ROWS: u64 = 1_000_000;

/// The queues tasks can be deleted from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteFrom {
    Pending,
    Failed,
}

/// The keys of a page: readable rows by their pk, unreadable ones by the
/// pk that could still be read (such a row stays usable by its key).
fn keys_of<T>(page: Page<T>, key: impl Fn(&T) -> String) -> PageRead<String> {
    let mut rows: Vec<String> = page.items.iter().map(key).collect();
    rows.extend(page.unreadable.into_iter().filter_map(|u| u.key));
    PageRead {
        rows,
        total: page.count,
    }
}

/// Which of `keys` the queue holds, its whole length read `SCAN_PAGE` keys
/// at a time.
pub async fn which_queued(
    client: &InvenTreeClient,
    transport: &dyn Transport,
    queue: DeleteFrom,
    keys: &[String],
) -> Result<HashSet<String>, ApiError> {
    let endpoint = match queue {
        DeleteFrom::Pending => "GET /api/background-task/pending/",
        DeleteFrom::Failed => "GET /api/background-task/failed/",
    };
    let offset = |page: u32| (page - 1) * SCAN_PAGE;
    which_of(
        keys,
        endpoint,
        Bounds::for_rows(SCAN_MAX_ROWS, SCAN_PAGE),
        |page| async move {
            Ok(match queue {
                DeleteFrom::Pending => {
                    let query = PendingQuery {
                        limit: SCAN_PAGE,
                        offset: offset(page),
                    };
                    let got = client.pending_call(&query).send(transport).await?;
                    keys_of(got, |t| t.pk.to_string())
                }
                DeleteFrom::Failed => {
                    let query = FailedQuery {
                        limit: SCAN_PAGE,
                        offset: offset(page),
                        ..FailedQuery::default()
                    };
                    let got = client.failed_call(&query).send(transport).await?;
                    keys_of(got, |t| t.pk.clone())
                }
            })
        },
    )
    .await
}

/// Deleting chosen tasks of one queue. A pending task a worker picks up
/// leaves the queue too, so there only the server's own count says what
/// this delete did.
pub struct Delete<'t> {
    pub client: InvenTreeClient,
    pub transport: &'t dyn Transport,
    pub queue: DeleteFrom,
}

impl Delete<'_> {
    async fn delete(&self, keys: &[String]) -> Result<Sent, ApiError> {
        let call = match self.queue {
            // Pending pks are integers on the wire.
            DeleteFrom::Pending => {
                let pks = Selection::new(keys.iter().filter_map(|k| k.parse::<i64>().ok()))?;
                self.client.delete_pending_call(&pks)
            }
            // Failed-task pks are strings; integers would match nothing.
            DeleteFrom::Failed => self
                .client
                .delete_failed_call(&Selection::new(keys.iter().cloned())?),
        };
        let outcome = call.send(self.transport).await?;
        Ok(Sent {
            changed: outcome.deleted,
        })
    }
}

impl Target for Delete<'_> {
    fn needing<'a>(
        &'a self,
        keys: &'a [String],
    ) -> LocalBoxFuture<'a, Result<HashSet<String>, ApiError>> {
        Box::pin(which_queued(&self.client, self.transport, self.queue, keys))
    }

    fn send<'a>(&'a self, keys: &'a [String]) -> LocalBoxFuture<'a, Result<Sent, ApiError>> {
        Box::pin(self.delete(keys))
    }

    fn vanished(&self) -> Vanished {
        match self.queue {
            DeleteFrom::Pending => Vanished::DoneOrStarted,
            DeleteFrom::Failed => Vanished::Done,
        }
    }
}
