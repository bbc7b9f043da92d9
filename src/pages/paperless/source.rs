//! Paperless-ngx tasks as a row source. API 10 servers filter, sort and page
//! on the server; API 9 servers send every task at once, so the same view is
//! computed here ([`PaperlessView::apply_locally`]) from the one full list,
//! which is kept until a refresh or a change of the request it answered.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;

use super::row::{COLUMNS, NOT_IN_API_9, TaskRow};
use crate::api::paperless::{
    PaperlessApi, PaperlessClient, PaperlessTask, StatusCounts, StatusGroup, TaskQuery,
};
use crate::api::{ApiError, LocalBoxFuture};
use crate::engine::act::Target;
use crate::engine::paperless::{Acknowledge, all_tasks};
use chrono::{DateTime, Utc};

use crate::state::connections::Connection;
use crate::state::paperless_view::{PaperlessView, TextScope};
use crate::state::permissions::{MayAct, may_dismiss};
use crate::state::seen::is_new;
use crate::table::marked::Marked;
use crate::table::{Column, Matching, Params, RowAction, RowRef, RowSource, Rows};

use crate::state::paperless_view::{TaskColumn, name_index};
use crate::state::table::Sort;
use crate::store::full_lists::{FullList, FullLists};

type Everything = Rc<RefCell<Option<(TaskQuery, FullList)>>>;

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
    /// When the user last opened this list before now: later failures are new.
    seen: Option<DateTime<Utc>>,
    /// API 9 lists shared with the other screens.
    shared: FullLists,
    /// The full list in the order last asked for.
    sorted: SortedOrder,
    /// What a search by name looks in, per task of the full list.
    names: NameIndex,
}

type NameIndex = PerList<(), [Box<str>]>;

fn per_list<K: PartialEq, V: ?Sized>(
    cache: &PerList<K, V>,
    list: &FullList,
    key: K,
    work_out: impl FnOnce() -> Rc<V>,
) -> Rc<V> {
    let mut cached = cache.borrow_mut();
    if let Some((kept, kept_key, value)) = &*cached
        && Rc::ptr_eq(kept, list)
        && *kept_key == key
    {
        return value.clone();
    }
    let value = work_out();
    *cached = Some((list.clone(), key, value.clone()));
    value
}

/// Something worked out from one full list (and a key, such as the sort),
/// kept until the list or the key changes.
type PerList<K, V> = Rc<RefCell<Option<(FullList, K, Rc<V>)>>>;
type SortedOrder = PerList<Sort<TaskColumn>, [u32]>;

impl PaperlessSource {
    pub fn new(
        client: Rc<PaperlessClient>,
        connection: Connection,
        seen: Option<DateTime<Utc>>,
    ) -> PaperlessSource {
        PaperlessSource {
            client,
            connection,
            seen,
            everything: Rc::default(),
            shared: expect_context::<crate::context::Connections>().full_lists,
            sorted: Rc::default(),
            names: Rc::default(),
            local_counts: RwSignal::new(None),
            api: RwSignal::new(None),
        }
    }

    fn row(&self, task: PaperlessTask) -> RowRef {
        let failed = task.status.group() == Some(StatusGroup::NeedsAttention) && !task.acknowledged;
        let new = failed && is_new(task.done.or(task.created), self.seen);
        let row = TaskRow {
            task,
            base: self.connection.base_url.clone(),
            connection_id: self.connection.id.clone(),
        };
        Arc::new(Marked { row, new })
    }

    /// The view computed here. Unreadable rows cannot be filtered or
    /// sorted, so they lead the first page.
    fn locally(&self, view: &PaperlessView, all: &FullList) -> Rows {
        let (tasks, unreadable) = &**all;
        let order = self.order(view, all);
        let names = view.searches_names().then(|| self.names(all));
        let shown = view.apply_in_order(tasks, &order, names.as_deref());
        self.local_counts.try_set(Some(shown.counts));
        let rows = shown.page.into_iter().map(|t| self.row(t)).collect();
        let unreadable = if view.paging.page == 1 {
            unreadable.clone()
        } else {
            vec![]
        };
        Rows {
            page: (shown.page_number != view.paging.page).then_some(shown.page_number),
            ..Rows::with_unreadable(rows, shown.total, unreadable)
        }
    }

    /// The list's order for the view's sort: sorted once per list and
    /// sort, not on every keystroke.
    fn order(&self, view: &PaperlessView, all: &FullList) -> Rc<[u32]> {
        per_list(&self.sorted, all, view.sort, || {
            view.sorted_order(&all.0).into()
        })
    }

    /// The list's [`name_index`], built on the first search.
    fn names(&self, all: &FullList) -> Rc<[Box<str>]> {
        per_list(&self.names, all, (), || name_index(&all.0).into())
    }

    /// The full list, when this server sends it whole.
    fn at_hand(&self) -> Option<FullList> {
        self.everything
            .borrow()
            .as_ref()
            .map(|(_, all)| all.clone())
    }
}

/// Not finished yet: dismissing it hides a task that may still fail.
fn is_running(task: &PaperlessTask) -> bool {
    task.status.group() == Some(crate::api::paperless::StatusGroup::InProgress)
}

impl RowSource for PaperlessSource {
    fn exportable(&self) -> bool {
        true
    }

    fn columns(&self) -> Vec<Column> {
        COLUMNS.to_vec()
    }

    fn default_sort(&self) -> Option<&'static str> {
        Some("-created")
    }

    fn table_id(&self) -> &'static str {
        "paperless"
    }

    fn unavailable(&self) -> Vec<&'static str> {
        if self.client.api() == PaperlessApi::V9 {
            NOT_IN_API_9.to_vec()
        } else {
            Vec::new()
        }
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
                // Read by another screen moments ago (the overview, the inbox).
                if let Some(all) = this.shared.recent(&this.connection.id, wanted.acknowledged) {
                    this.api.try_set(Some(PaperlessApi::V9));
                    *this.everything.borrow_mut() = Some((wanted, all.clone()));
                    return Ok(this.locally(&view, &all));
                }
            }
            let mut served = None;
            let _reading = (this.client.api() == PaperlessApi::V9)
                .then(|| this.shared.reading(&this.connection.id));
            let page = match this
                .client
                .list_tasks(crate::transport::current(), &wanted)
                .await
            {
                // Past the last page (rows were dismissed, or a stale link):
                // the last page there is.
                Err(ApiError::NotFound { .. }) if view.paging.page > 1 => {
                    let first = TaskQuery {
                        page: Some(1),
                        ..wanted.clone()
                    };
                    let probe = this
                        .client
                        .list_tasks(crate::transport::current(), &first)
                        .await?;
                    let last = view.paging.page_count(probe.count);
                    served = Some(last);
                    if last == 1 {
                        probe
                    } else {
                        let last_page = TaskQuery {
                            page: Some(last),
                            ..wanted.clone()
                        };
                        this.client
                            .list_tasks(crate::transport::current(), &last_page)
                            .await?
                    }
                }
                other => other?,
            };
            // Known only once the server answered.
            this.api.try_set(Some(this.client.api()));
            if page.server_paged {
                this.local_counts.try_set(None);
                *this.everything.borrow_mut() = None;
                let rows = page.items.into_iter().map(|t| this.row(t)).collect();
                return Ok(Rows {
                    page: served,
                    ..Rows::with_unreadable(rows, page.count, page.unreadable)
                });
            }
            let all = Rc::new((page.items, page.unreadable));
            let answered = view.server_query(this.client.api());
            this.shared
                .keep(&this.connection.id, answered.acknowledged, all.clone());
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
            match this.client.task(crate::transport::current(), id).await {
                Ok(task) => Ok(this.row(task)),
                // Paperless answers the same for a task that does not exist
                // and one this account may not see.
                Err(ApiError::NotFound { .. }) => Err(ApiError::NotFound {
                    message: format!(
                        "Task {id} cannot be shown to this account: it no longer exists, or it \
                         belongs to another user. Paperless shows accounts that are not \
                         administrators only their own tasks and tasks without an owner."
                    ),
                }),
                Err(e) => Err(e),
            }
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
            log: "acknowledge",
        })
    }

    /// Dismissing needs `change_paperlesstask`; `/api/ui_settings/` says
    /// whether this account has it (or refuses to say).
    fn may_act(&self) -> Option<LocalBoxFuture<'static, MayAct>> {
        let client = self.client.clone();
        Some(Box::pin(async move {
            may_dismiss(&client.account(crate::transport::current()).await)
        }))
    }

    /// Still there and not yet dismissed (dismissing twice means nothing).
    fn target(&self) -> Option<Rc<dyn Target>> {
        Some(Rc::new(Acknowledge {
            client: self.client.clone(),
            transport: crate::transport::current(),
        }))
    }

    fn matching(
        &self,
        query: &Params,
    ) -> Option<LocalBoxFuture<'static, Result<Matching, ApiError>>> {
        let this = self.clone();
        let view = PaperlessView::from_params(query);
        Some(Box::pin(async move {
            let mut found: Vec<(u64, String, bool)> = Vec::new();
            if let Some(all) = this.at_hand() {
                let matching: HashSet<u64> = view
                    .apply_locally(&all.0)
                    .matching_ids
                    .into_iter()
                    .collect();
                found.extend(
                    all.0
                        .iter()
                        .filter(|t| matching.contains(&t.id) && !t.acknowledged)
                        .map(|t| (t.id, t.display_name().to_string(), is_running(t))),
                );
            } else {
                let mut q = view.server_query(PaperlessApi::V10);
                q.acknowledged = Some(false);
                let all = all_tasks(&this.client, crate::transport::current(), &q).await?;
                found.extend(
                    all.iter()
                        .filter(|t| !t.acknowledged)
                        .map(|t| (t.id, t.display_name().to_string(), is_running(t))),
                );
            }
            Ok(Matching {
                keys: found.iter().map(|(id, ..)| id.to_string()).collect(),
                running: found
                    .iter()
                    .filter(|(.., running)| *running)
                    .map(|(id, ..)| id.to_string())
                    .collect(),
                labels: found.into_iter().map(|(_, label, _)| label).collect(),
                description: view.describe(),
            })
        }))
    }
}
