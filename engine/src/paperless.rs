//! Paperless-ngx: every task a query matches, the tasks running now, and
//! acknowledging chosen tasks.

use std::collections::HashSet;
use std::rc::Rc;

use crate::act::{Sent, Target};
use crate::api::paperless::{
    AckTarget, MAX_PAGE_SIZE, PaperlessApi, PaperlessClient, PaperlessTask, StatusGroup, TaskQuery,
    TaskStatus,
};
use crate::api::{ApiError, LocalBoxFuture, Selection, Transport};
use crate::walk::{Bounds, PageRead, collect};

/// Acknowledge requests carry at most this many ids each.
pub const ACK_BATCH: usize = 500;
/// Up to this many chosen tasks are looked up one by one; more, by reading
/// every task not yet dismissed.
pub const LOOKUP_ONE_BY_ONE: usize = 25;
/// The first request of [`all_tasks`]: most queries fit in it.
const FIRST_PAGE: u32 = 1000;

/// Every task `query` matches (its paging and ordering ignored), each once.
///
/// API 10 pages; the server orders only by fields with ties (`date_created`
/// shares seconds) and takes no id tie-breaker, so paging through them
/// could skip or repeat rows: they are read in pages of the largest size it
/// accepts, without repeats, and the walk is bounded. A server answering as
/// API 9 sends every task filtered by `acknowledged` alone; when it started
/// answering so during the reading while the query has other filters, the
/// answer would hold tasks the query does not match, so it is refused with
/// [`ApiError::VersionChanged`] rather than returned unfiltered.
pub async fn all_tasks(
    client: &PaperlessClient,
    transport: &dyn Transport,
    query: &TaskQuery,
) -> Result<Vec<PaperlessTask>, ApiError> {
    let asked_as = client.api();
    let mut q = TaskQuery {
        ordering: None,
        page: Some(1),
        page_size: Some(FIRST_PAGE),
        ..query.clone()
    };
    let first = client.list_tasks(transport, &q).await?;
    if !first.server_paged {
        if asked_as == PaperlessApi::V10 && !query.filters_only_acknowledged() {
            return Err(version_changed());
        }
        return Ok(first
            .items
            .into_iter()
            .filter(|t| query.acknowledged.is_none_or(|a| t.acknowledged == a))
            .collect());
    }
    if first.count <= first.items.len() as u64 {
        return Ok(first.items);
    }
    q.page_size = Some(MAX_PAGE_SIZE);
    let endpoint = client.list_tasks_call(&q).request.endpoint();
    collect(
        &endpoint,
        Bounds::for_rows(first.count, MAX_PAGE_SIZE),
        |page| {
            let q = TaskQuery {
                page: Some(page),
                ..q.clone()
            };
            async move {
                let got = client.list_tasks(transport, &q).await?;
                if !got.server_paged {
                    return Err(version_changed());
                }
                Ok(PageRead {
                    rows: got.items,
                    total: got.count,
                })
            }
        },
        |t| t.id,
    )
    .await
}

fn version_changed() -> ApiError {
    ApiError::VersionChanged {
        detail: "it now answers as Paperless-ngx 2.x (API 9), which sends every task unfiltered, \
                 so the tasks read may not match the filters."
            .into(),
    }
}

/// The tasks running now: `/api/tasks/active/` on API 10, and where the
/// server lacks it (API 9) the pending and started tasks of the list.
pub async fn running_now(
    client: &PaperlessClient,
    transport: &dyn Transport,
) -> Result<Vec<PaperlessTask>, ApiError> {
    let in_progress = |tasks: Vec<PaperlessTask>| -> Vec<PaperlessTask> {
        tasks
            .into_iter()
            .filter(|t| t.status.group() == Some(StatusGroup::InProgress))
            .collect()
    };
    // A 2.x server sends every task whatever the filters, so it is asked
    // for all of them; a 3.x server without the active list, for these.
    let mut query = TaskQuery {
        status: vec![TaskStatus::Pending, TaskStatus::Started],
        ..TaskQuery::default()
    };
    if client.api() == PaperlessApi::V10 {
        match client.active_call().send(transport).await {
            Ok(page) => return Ok(in_progress(page.items)),
            Err(ApiError::VersionNotSupported { .. }) => query = TaskQuery::default(),
            Err(ApiError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    } else {
        query = TaskQuery::default();
    }
    all_tasks(client, transport, &query).await.map(in_progress)
}

/// Acknowledging chosen tasks ("Dismiss"): a task needs it while it exists
/// and is not acknowledged yet.
pub struct Acknowledge<'t> {
    pub client: Rc<PaperlessClient>,
    pub transport: &'t dyn Transport,
}

fn ids(keys: &[String]) -> Vec<u64> {
    keys.iter().filter_map(|k| k.parse().ok()).collect()
}

impl Acknowledge<'_> {
    async fn needing_now(&self, keys: &[String]) -> Result<HashSet<String>, ApiError> {
        let wanted: HashSet<&String> = keys.iter().collect();
        let open = TaskQuery {
            acknowledged: Some(false),
            ..TaskQuery::default()
        };
        // API 9 answers every task in one list anyway; on API 10 a few are
        // looked up one by one, many by reading the open tasks.
        if self.client.api() == PaperlessApi::V10 && keys.len() <= LOOKUP_ONE_BY_ONE {
            let mut found = HashSet::new();
            for id in ids(keys) {
                match self.client.task(self.transport, id).await {
                    Ok(task) if !task.acknowledged => {
                        found.insert(id.to_string());
                    }
                    Ok(_) | Err(ApiError::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            return Ok(found);
        }
        let all = all_tasks(&self.client, self.transport, &open).await?;
        Ok(all
            .iter()
            .filter(|t| !t.acknowledged)
            .map(|t| t.id.to_string())
            .filter(|k| wanted.contains(k))
            .collect())
    }

    async fn send_batches(&self, keys: &[String]) -> Result<Sent, ApiError> {
        let mut changed = 0;
        for chunk in ids(keys).chunks(ACK_BATCH) {
            let target = AckTarget::Tasks(Selection::new(chunk.iter().copied())?);
            changed += self.client.acknowledge(self.transport, &target).await?;
        }
        Ok(Sent {
            changed: Some(changed),
        })
    }
}

impl Target for Acknowledge<'_> {
    fn needing<'a>(
        &'a self,
        keys: &'a [String],
    ) -> LocalBoxFuture<'a, Result<HashSet<String>, ApiError>> {
        Box::pin(self.needing_now(keys))
    }

    fn send<'a>(&'a self, keys: &'a [String]) -> LocalBoxFuture<'a, Result<Sent, ApiError>> {
        Box::pin(self.send_batches(keys))
    }
}
