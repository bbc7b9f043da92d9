//! Paperless-ngx tasks as a row source. API 10 servers filter, sort and page
//! on the server; API 9 servers send every task at once, so the same view is
//! computed here ([`PaperlessView::apply_locally`]) from the one full list,
//! which is kept until a refresh or a change of the request it answered.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;

use super::row::{COLUMNS, TaskRow};
use crate::api::paperless::{
    AckTarget, PaperlessApi, PaperlessClient, PaperlessTask, StatusCounts, TaskQuery,
};
use crate::api::{ApiError, LocalBoxFuture, Selection};
use crate::state::connections::Connection;
use crate::state::paperless_view::{PaperlessView, TextScope};
use crate::table::{ActOutcome, Column, Matching, Params, RowAction, RowRef, RowSource, Rows};
use crate::web;

/// Acknowledge requests carry at most this many ids each.
const ACK_BATCH: usize = 500;
/// How many rows are fetched per request when collecting "all matching".
const COLLECT_PAGE: u32 = 1000;

type Everything = Rc<RefCell<Option<(TaskQuery, Rc<Vec<PaperlessTask>>)>>>;

#[derive(Clone)]
pub struct PaperlessSource {
    client: Rc<PaperlessClient>,
    connection: Connection,
    /// API 9: the full list, and the request it answered.
    everything: Everything,
    /// Tab counts computed here (API 9); API 10 asks the server.
    pub local_counts: RwSignal<Option<StatusCounts>>,
    /// The API version the client settled on, for the page to show.
    pub api: RwSignal<Option<PaperlessApi>>,
}

impl PaperlessSource {
    pub fn new(client: Rc<PaperlessClient>, connection: Connection) -> PaperlessSource {
        PaperlessSource {
            client,
            connection,
            everything: Rc::default(),
            local_counts: RwSignal::new(None),
            api: RwSignal::new(None),
        }
    }

    fn row(&self, task: PaperlessTask) -> RowRef {
        Arc::new(TaskRow {
            task,
            base: self.connection.base_url.clone(),
            connection_id: self.connection.id.clone(),
        })
    }

    fn locally(&self, view: &PaperlessView, all: &[PaperlessTask]) -> Rows {
        let shown = view.apply_locally(all);
        self.local_counts.set(Some(shown.counts));
        Rows {
            total: shown.total,
            rows: shown.page.into_iter().map(|t| self.row(t)).collect(),
        }
    }

    /// The full list, when this server sends it whole.
    fn at_hand(&self) -> Option<Rc<Vec<PaperlessTask>>> {
        self.everything
            .borrow()
            .as_ref()
            .map(|(_, all)| all.clone())
    }
}

fn ids(keys: &[String]) -> Vec<u64> {
    keys.iter().filter_map(|k| k.parse().ok()).collect()
}

impl RowSource for PaperlessSource {
    fn columns(&self) -> Vec<Column> {
        COLUMNS.to_vec()
    }

    fn default_sort(&self) -> Option<&'static str> {
        Some("-created")
    }

    fn search_placeholder(&self, query: &Params) -> Option<&'static str> {
        Some(match PaperlessView::from_params(query).scope {
            TextScope::Name => "Search name, type or trigger  ( / )",
            TextScope::Result => "Search results  ( / )",
        })
    }

    fn filters_locally(&self) -> bool {
        self.client.api() == PaperlessApi::V9
    }

    fn list(
        &self,
        query: &Params,
        refresh: bool,
    ) -> LocalBoxFuture<'static, Result<Rows, ApiError>> {
        let this = self.clone();
        let view = PaperlessView::from_params(query);
        Box::pin(async move {
            let wanted = view.server_query(this.client.api());
            if this.client.api() == PaperlessApi::V9 && !refresh {
                let cached = this.everything.borrow().clone();
                if let Some((_, all)) = cached.filter(|(answered, _)| *answered == wanted) {
                    return Ok(this.locally(&view, &all));
                }
            }
            let page = this.client.list_tasks(web::transport(), &wanted).await;
            this.api.set(Some(this.client.api()));
            let page = page?;
            if page.server_paged {
                this.local_counts.set(None);
                *this.everything.borrow_mut() = None;
                return Ok(Rows {
                    total: page.count,
                    rows: page.items.into_iter().map(|t| this.row(t)).collect(),
                });
            }
            let all = Rc::new(page.items);
            let answered = view.server_query(this.client.api());
            *this.everything.borrow_mut() = Some((answered, all.clone()));
            Ok(this.locally(&view, &all))
        })
    }

    fn detail(&self, key: String) -> LocalBoxFuture<'static, Result<RowRef, ApiError>> {
        let this = self.clone();
        Box::pin(async move {
            let id = key.parse().map_err(|_| ApiError::NotFound {
                message: format!("{key} is not a task id"),
            })?;
            let task = this.client.task(web::transport(), id).await?;
            Ok(this.row(task))
        })
    }

    /// Still there and not yet dismissed (dismissing twice means nothing).
    fn existing(
        &self,
        keys: Vec<String>,
    ) -> LocalBoxFuture<'static, Result<HashSet<String>, ApiError>> {
        let this = self.clone();
        Box::pin(async move {
            if let Some(all) = this.at_hand() {
                let open: HashSet<String> = all
                    .iter()
                    .filter(|t| !t.acknowledged)
                    .map(|t| t.id.to_string())
                    .collect();
                return Ok(keys.into_iter().filter(|k| open.contains(k)).collect());
            }
            let mut found = HashSet::new();
            for id in ids(&keys) {
                match this.client.task(web::transport(), id).await {
                    Ok(task) if !task.acknowledged => {
                        found.insert(id.to_string());
                    }
                    Ok(_) | Err(ApiError::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(found)
        })
    }

    fn action(&self) -> Option<RowAction> {
        Some(RowAction {
            verb: "Dismiss",
            done: "Acknowledged",
            consequence: "will be marked as acknowledged and leave the default task list:",
            danger: false,
            unit: "task",
            testid: "ack-selected",
            per_row: true,
        })
    }

    /// Acknowledges exactly these tasks, in batches.
    fn act(&self, keys: Vec<String>) -> LocalBoxFuture<'static, Result<ActOutcome, ApiError>> {
        let client = self.client.clone();
        Box::pin(async move {
            let mut changed = 0;
            for chunk in ids(&keys).chunks(ACK_BATCH) {
                let target = AckTarget::Tasks(Selection::new(chunk.iter().copied())?);
                changed += client.acknowledge(web::transport(), &target).await?;
            }
            Ok(ActOutcome {
                changed: Some(changed),
            })
        })
    }

    fn matching(
        &self,
        query: &Params,
    ) -> Option<LocalBoxFuture<'static, Result<Matching, ApiError>>> {
        let this = self.clone();
        let view = PaperlessView::from_params(query);
        Some(Box::pin(async move {
            let mut found: Vec<(u64, String)> = Vec::new();
            if let Some(all) = this.at_hand() {
                let matching: HashSet<u64> =
                    view.apply_locally(&all).matching_ids.into_iter().collect();
                found.extend(
                    all.iter()
                        .filter(|t| matching.contains(&t.id) && !t.acknowledged)
                        .map(|t| (t.id, t.display_name().to_string())),
                );
            } else {
                let mut q = view.server_query(PaperlessApi::V10);
                q.acknowledged = Some(false);
                q.page_size = Some(COLLECT_PAGE);
                for page in 1.. {
                    q.page = Some(page);
                    let got = this.client.list_tasks(web::transport(), &q).await?;
                    let last = got.items.len() < COLLECT_PAGE as usize || !got.server_paged;
                    found.extend(
                        got.items
                            .iter()
                            .filter(|t| !t.acknowledged)
                            .map(|t| (t.id, t.display_name().to_string())),
                    );
                    if last || found.len() as u64 >= got.count {
                        break;
                    }
                }
            }
            Ok(Matching {
                keys: found.iter().map(|(id, _)| id.to_string()).collect(),
                labels: found.into_iter().map(|(_, label)| label).collect(),
                description: view.describe(),
            })
        }))
    }
}
