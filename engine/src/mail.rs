//! Paperless-ngx mail: releasing processed mail for re-import, and fetching
//! an account now, following the task that fetch queued.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;

use crate::act::{Sent, Target};
use crate::api::paperless::{PaperlessApi, PaperlessClient, StatusGroup};
use crate::api::paperless_mail::{
    MAIL_LOG_TAIL, MailQuery, account_log, lines_after, new_mail_fetch,
};
use crate::api::{ApiError, LocalBoxFuture, Transport};
use crate::clock::Clock;
pub use crate::follow::MailLog;
use crate::follow::{Pace, RunState, follow_on_the_way, past};
use crate::walk::{Bounds, PageRead, which_of};

/// Records per request when the whole processed-mail record is read.
const SCAN_PAGE: u32 = 1000;
/// A bound on the record read (a million mails).
const SCAN_MAX_ROWS: u64 = 1_000_000;
/// How many times the task list is looked at for the fetch's task (every
/// [`Pace::every`]) before the outcome is reported as unknown; on a server
/// that lists no task for it, how often the mail log is read for the fetch
/// to begin.
pub const APPEAR_WITHIN: u32 = 15;
/// Once a fetch began in the mail log of a server that records no task for
/// it, how many more reads without an error for the account before that is
/// said (the log has no line for a fetch's end).
pub const SETTLE_READS: u32 = 5;

/// The mail log's newest lines; `Ok(None)` where no mail log exists yet.
async fn mail_log(
    client: &PaperlessClient,
    transport: &dyn Transport,
) -> Result<Option<Vec<String>>, ApiError> {
    match client
        .log_tail_call("mail", MAIL_LOG_TAIL)?
        .send(transport)
        .await
    {
        Ok(lines) => Ok(Some(lines)),
        Err(ApiError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Where the mail log stood before a fetch: its last line, or unreadable.
struct LogMark {
    readable: bool,
    last: Option<String>,
}

impl LogMark {
    async fn read(client: &PaperlessClient, transport: &dyn Transport) -> LogMark {
        match mail_log(client, transport).await {
            Ok(lines) => LogMark {
                readable: true,
                last: lines.and_then(|l| l.last().cloned()),
            },
            Err(_) => LogMark {
                readable: false,
                last: None,
            },
        }
    }

    /// What the log says about `account` since the mark, or why not.
    async fn since(
        &self,
        client: &PaperlessClient,
        transport: &dyn Transport,
        account: Option<&str>,
    ) -> Result<crate::api::paperless_mail::AccountLog, MailLog> {
        let Some(account) = account.filter(|_| self.readable) else {
            return Err(MailLog::Unreadable);
        };
        match mail_log(client, transport).await {
            Ok(lines) => {
                let lines = lines.unwrap_or_default();
                Ok(account_log(
                    lines_after(&lines, self.last.as_deref()),
                    account,
                ))
            }
            Err(_) => Err(MailLog::Unreadable),
        }
    }
}

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

/// Whose fetch of a server goes next. A server speaking API 9 (2.x)
/// records no task for a fetch, so each is followed in its mail log: there
/// they go one after the other, in the order they were asked for, so one
/// fetch's lines are read while no other is under way.
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
/// queued (the answer names none), follows it to its end, and reads the
/// mail log for the account's errors. A 2.x server records no task for a
/// mail fetch (its `before_task_publish_handler` records `consume_file`
/// only): there the mail log is all there is, and it is watched instead.
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
    // The log names accounts by name.
    let name: Option<String> = match client.mail_accounts_call().send(transport).await {
        Ok(page) => page
            .items
            .into_iter()
            .find(|a| a.id == account)
            .map(|a| a.name),
        Err(e) => return finish(RunState::NotStarted(e), seen),
    };
    let mark = LogMark::read(client, transport).await;
    let unlisted = client.api() == PaperlessApi::V9;
    // The fetches listed before the request, so an older one is never
    // mistaken for the new one.
    let known: HashSet<String> = if unlisted {
        HashSet::new()
    } else {
        match client.manual_mail_fetches(transport).await {
            Ok(tasks) => tasks.into_iter().map(|t| t.task_id).collect(),
            Err(e) => return finish(RunState::NotStarted(e), seen),
        }
    };
    if let Err(e) = client.fetch_mail_call(account).send(transport).await {
        return finish(RunState::NotStarted(e), seen);
    }
    if unlisted {
        let state = watch_log(
            client, transport, clock, pace, started_ms, &mark, name, seen,
        )
        .await;
        return finish(state, seen);
    }
    seen(&RunState::Requested);
    for _ in 0..APPEAR_WITHIN {
        clock.sleep(pace.every).await;
        match client.manual_mail_fetches(transport).await {
            Ok(tasks) => {
                if let Some(task) = new_mail_fetch(&tasks, &known, account) {
                    let task_id = task.task_id.clone();
                    let state = follow_on_the_way(
                        client, transport, clock, pace, started_ms, &task_id, seen,
                    )
                    .await;
                    let state = match state {
                        RunState::Task { status, message }
                            if status.group() != Some(StatusGroup::InProgress) =>
                        {
                            let log = match mark.since(client, transport, name.as_deref()).await {
                                Ok(found) if !found.errors.is_empty() => {
                                    MailLog::Errors(found.errors)
                                }
                                Ok(_) => MailLog::Clean,
                                Err(why) => why,
                            };
                            RunState::Fetched {
                                status,
                                message,
                                log,
                            }
                        }
                        other => other,
                    };
                    return finish(state, seen);
                }
            }
            Err(e) => return finish(RunState::LostTrack(e), seen),
        }
    }
    finish(RunState::NeverListed, seen)
}

/// A fetch a server records no task for: its mail log is read until the
/// fetch begins and either logs an error for the account or stays quiet
/// for [`SETTLE_READS`] reads, or nothing appears in time.
#[allow(clippy::too_many_arguments)]
async fn watch_log(
    client: &PaperlessClient,
    transport: &dyn Transport,
    clock: &dyn Clock,
    pace: Pace,
    started_ms: i64,
    mark: &LogMark,
    name: Option<String>,
    seen: &mut dyn FnMut(&RunState),
) -> RunState {
    let unlisted = |log| RunState::Unlisted { log };
    if !mark.readable || name.is_none() {
        return unlisted(MailLog::Unreadable);
    }
    seen(&unlisted(MailLog::Watching));
    let mut began_at = None;
    for read in 0..APPEAR_WITHIN + SETTLE_READS {
        if past(clock, started_ms, pace.deadline) {
            break;
        }
        clock.sleep(pace.every).await;
        let found = match mark.since(client, transport, name.as_deref()).await {
            Ok(found) => found,
            Err(why) => return unlisted(why),
        };
        if !found.errors.is_empty() {
            return unlisted(MailLog::Errors(found.errors));
        }
        if found.began {
            let began = *began_at.get_or_insert(read);
            if read - began >= SETTLE_READS {
                return unlisted(MailLog::Clean);
            }
        } else if read + 1 >= APPEAR_WITHIN {
            return unlisted(MailLog::Silent);
        }
    }
    unlisted(if began_at.is_some() {
        MailLog::Clean
    } else {
        MailLog::Silent
    })
}
