//! Paperless-ngx mail: releasing processed mail for re-import, and fetching
//! an account now, following the task that fetch queued.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;

use crate::act::{Sent, Target};
use crate::api::paperless::{PaperlessApi, PaperlessClient};
use crate::api::paperless_mail::{MailQuery, new_mail_fetch};
use crate::api::{ApiError, LocalBoxFuture, Transport};
use crate::clock::Clock;
use crate::follow::{Pace, RunState, follow_task, past};
use crate::walk::{Bounds, PageRead, which_of};

/// Records per request when the whole processed-mail record is read.
const SCAN_PAGE: u32 = 1000;
/// A bound on the record read (a million mails).
const SCAN_MAX_ROWS: u64 = 1_000_000;
/// How many times the task list is looked at for the fetch's task (every
/// [`Pace::every`]) before the outcome is reported as unknown.
pub const APPEAR_WITHIN: u32 = 15;

/// "Allow re-import": deleting the chosen processed-mail records. The
/// server's reply echoes the requested ids whatever happened, so only the
/// record read again says what went.
pub struct Release<'t> {
    pub client: Rc<PaperlessClient>,
    pub transport: &'t dyn Transport,
}

impl Release<'_> {
    async fn still_recorded(&self, keys: &[String]) -> Result<HashSet<String>, ApiError> {
        let (client, transport) = (&self.client, self.transport);
        which_of(
            keys,
            "GET /api/processed_mail/",
            Bounds::for_rows(SCAN_MAX_ROWS, SCAN_PAGE),
            |page| async move {
                let query = MailQuery {
                    page: Some(page),
                    page_size: Some(SCAN_PAGE),
                    ..MailQuery::default()
                };
                let got = client.processed_mail_call(&query).send(transport).await?;
                let mut rows: Vec<String> = got.items.iter().map(|m| m.id.to_string()).collect();
                rows.extend(got.unreadable.into_iter().filter_map(|u| u.key));
                Ok(PageRead {
                    rows,
                    total: got.count,
                })
            },
        )
        .await
    }

    async fn release(&self, keys: &[String]) -> Result<Sent, ApiError> {
        let ids = keys
            .iter()
            .map(|k| k.parse::<u64>())
            .collect::<Result<Vec<u64>, _>>()
            .map_err(|_| ApiError::InvalidInput {
                detail: "a chosen mail has no number".into(),
            })?;
        self.client
            .allow_reimport_call(&ids)?
            .send(self.transport)
            .await?;
        Ok(Sent { changed: None })
    }
}

impl Target for Release<'_> {
    fn needing<'a>(
        &'a self,
        keys: &'a [String],
    ) -> LocalBoxFuture<'a, Result<HashSet<String>, ApiError>> {
        Box::pin(self.still_recorded(keys))
    }

    fn send<'a>(&'a self, keys: &'a [String]) -> LocalBoxFuture<'a, Result<Sent, ApiError>> {
        Box::pin(self.release(keys))
    }
}

/// Whose fetch of a server goes next. API 9 lists a fetch's task without
/// naming its account, so two fetches of one such server at once could
/// each take the other's task for its own: there they go one after the
/// other, in the order they were asked for.
#[derive(Clone, Default)]
pub struct Turns {
    queues: Rc<RefCell<HashMap<String, VecDeque<u64>>>>,
    next: Rc<RefCell<u64>>,
}

/// A place in a server's queue, left when dropped.
pub struct Place {
    turns: Turns,
    server: String,
    ticket: u64,
}

impl Turns {
    pub fn enter(&self, server: &str) -> Place {
        let ticket = {
            let mut next = self.next.borrow_mut();
            *next += 1;
            *next
        };
        self.queues
            .borrow_mut()
            .entry(server.to_string())
            .or_default()
            .push_back(ticket);
        Place {
            turns: self.clone(),
            server: server.to_string(),
            ticket,
        }
    }
}

impl Place {
    pub fn is_first(&self) -> bool {
        self.turns
            .queues
            .borrow()
            .get(&self.server)
            .and_then(|q| q.front())
            == Some(&self.ticket)
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut queues = self.turns.queues.borrow_mut();
        if let Some(queue) = queues.get_mut(&self.server) {
            queue.retain(|t| *t != self.ticket);
            if queue.is_empty() {
                queues.remove(&self.server);
            }
        }
    }
}

/// Asks the server to fetch one account now, finds the task that fetch
/// queued (the answer names none) and follows it to its end.
#[allow(clippy::too_many_arguments)]
pub async fn fetch_account(
    client: &PaperlessClient,
    transport: &dyn Transport,
    clock: &dyn Clock,
    pace: Pace,
    turns: &Turns,
    server: &str,
    account: u64,
    seen: &mut dyn FnMut(&RunState),
) -> RunState {
    let started_ms = clock.now_ms();
    let _place = if client.api() == PaperlessApi::V9 {
        let place = turns.enter(server);
        if !place.is_first() {
            seen(&RunState::WaitingTurn);
            while !place.is_first() {
                if past(clock, started_ms, pace.deadline) {
                    let state = RunState::NoLongerFollowed { status: None };
                    seen(&state);
                    return state;
                }
                clock.sleep(pace.every).await;
            }
        }
        Some(place)
    } else {
        None
    };
    let finish = |state: RunState, seen: &mut dyn FnMut(&RunState)| {
        seen(&state);
        state
    };
    // The fetches listed before the request, so an older one is never
    // mistaken for the new one.
    let known: HashSet<String> = match client.manual_mail_fetches(transport).await {
        Ok(tasks) => tasks.into_iter().map(|t| t.task_id).collect(),
        Err(e) => return finish(RunState::NotStarted(e), seen),
    };
    if let Err(e) = client.fetch_mail_call(account).send(transport).await {
        return finish(RunState::NotStarted(e), seen);
    }
    seen(&RunState::Requested);
    for _ in 0..APPEAR_WITHIN {
        clock.sleep(pace.every).await;
        match client.manual_mail_fetches(transport).await {
            Ok(tasks) => {
                if let Some(task) = new_mail_fetch(&tasks, &known, account) {
                    let task_id = task.task_id.clone();
                    return follow_task(client, transport, clock, pace, started_ms, &task_id, seen)
                        .await;
                }
            }
            Err(e) => return finish(RunState::LostTrack(e), seen),
        }
    }
    finish(RunState::NeverListed, seen)
}
