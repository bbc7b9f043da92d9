//! A task the server queued, followed to its end: looked up every few
//! seconds until it is terminal or a deadline passes. At the deadline the
//! run is let go with what was last seen ("still running on the server; no
//! longer followed"), so a run never holds its place forever.

use std::collections::HashSet;
use std::time::Duration;

use crate::api::paperless::{PaperlessApi, PaperlessClient, StatusGroup, TaskStatus};
use crate::api::paperless_admin::{Health, LLM_INDEX, Started, SystemTask, health_report};
use crate::api::{ApiError, Transport};
use crate::clock::Clock;

/// How often and how long a task is followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pace {
    pub every: Duration,
    /// From the start of the run.
    pub deadline: Duration,
}

impl Pace {
    /// Every 2 s, for at most 15 minutes: the sanity check of a large
    /// archive takes minutes, the classifier longer on a slow machine.
    pub const DEFAULT: Pace = Pace {
        every: Duration::from_secs(2),
        deadline: Duration::from_secs(15 * 60),
    };
}

/// What Paperless's mail log said about one account's fetch. The log is
/// the only record of a mailbox that could not be reached or refused the
/// login: `process_mail_accounts` catches those errors and its task ends in
/// success (2.20.15 and 3.0.5, `paperless_mail/tasks.py`;
/// `logs_mail_connection_refused_live`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailLog {
    /// Its errors, as logged since the fetch was asked for.
    Errors(Vec<String>),
    /// Read: no error for it.
    Clean,
    /// Not readable by this account (admins only), or not read.
    Unreadable,
    /// Being read for the fetch to begin and end (a 2.x server).
    Watching,
    /// Nothing about the account appeared in time (a 2.x server).
    Silent,
}

/// A run as it is seen, step by step.
#[derive(Clone, Debug, PartialEq)]
pub enum RunState {
    /// Being asked for; the server has not answered yet.
    Sending,
    /// Waiting for another run of the same server to end first.
    WaitingTurn,
    /// The server accepted the request; no task of it is listed yet.
    Requested,
    /// As the server reports the task.
    Task {
        status: TaskStatus,
        message: Option<String>,
    },
    /// The server did the work in place and answered its result (`None`:
    /// it answered none and listed no task of the run).
    Answered { result: Option<String> },
    /// A mail fetch's task ended as the server reports it, with what the
    /// mail log said about the account (the task succeeds even when the
    /// mailbox could not be reached: only the log says so).
    Fetched {
        status: TaskStatus,
        message: Option<String>,
        log: MailLog,
    },
    /// A mail fetch of a server that records no task for it (2.x): what its
    /// mail log showed.
    Unlisted { log: MailLog },
    /// The task ran and did nothing, as the server says.
    Skipped(Skip),
    /// Not started: the server refused, or could not be reached.
    NotStarted(ApiError),
    /// Started, then the task could no longer be looked up.
    LostTrack(ApiError),
    /// Accepted, but no task of it appeared in time: what happened is not
    /// known.
    NeverListed,
    /// The deadline passed while the task had not ended (last status seen).
    NoLongerFollowed { status: Option<TaskStatus> },
}

impl RunState {
    /// Started and not ended: no second run of the same thing meanwhile.
    pub fn in_progress(&self) -> bool {
        match self {
            RunState::Sending | RunState::WaitingTurn | RunState::Requested => true,
            RunState::Task { status, .. } => status.group() == Some(StatusGroup::InProgress),
            RunState::Unlisted { log } => *log == MailLog::Watching,
            _ => false,
        }
    }

    /// It did its work, as far as was seen.
    pub fn succeeded(&self) -> bool {
        match self {
            RunState::Task { status, .. } => *status == TaskStatus::Success,
            RunState::Answered { .. } => true,
            RunState::Fetched { status, log, .. } => {
                *status == TaskStatus::Success && !matches!(log, MailLog::Errors(_))
            }
            _ => false,
        }
    }
}

/// Why a run did nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// The LLM index is disabled on the server: its task logs "LLM index is
    /// disabled, skipping update" and ends in success (3.0.5's
    /// `llmindex_index`), and the status still says Disabled.
    LlmIndexDisabled,
}

/// Looks the task up until it ends or the deadline passes (counted from
/// `started_ms`), telling `seen` each state, and returns the last.
pub async fn follow_task(
    client: &PaperlessClient,
    transport: &dyn Transport,
    clock: &dyn Clock,
    pace: Pace,
    started_ms: i64,
    task_id: &str,
    seen: &mut dyn FnMut(&RunState),
) -> RunState {
    let mut last_status = None;
    loop {
        let state = match client.task_by_celery_id(transport, task_id).await {
            Ok(Some(t)) => {
                last_status = Some(t.status.clone());
                RunState::Task {
                    status: t.status,
                    message: t.result_message,
                }
            }
            Ok(None) => RunState::Requested,
            Err(e) => {
                let state = RunState::LostTrack(e);
                seen(&state);
                return state;
            }
        };
        seen(&state);
        if !state.in_progress() {
            return state;
        }
        if past(clock, started_ms, pace.deadline) {
            let state = RunState::NoLongerFollowed {
                status: last_status,
            };
            seen(&state);
            return state;
        }
        clock.sleep(pace.every).await;
    }
}

/// Follows the task, telling `seen` only the states on the way: the caller
/// tells how it ended, having more to say than the task's last state.
pub(crate) async fn follow_on_the_way(
    client: &PaperlessClient,
    transport: &dyn Transport,
    clock: &dyn Clock,
    pace: Pace,
    started_ms: i64,
    task_id: &str,
    seen: &mut dyn FnMut(&RunState),
) -> RunState {
    let mut on_the_way = |state: &RunState| {
        if state.in_progress() {
            seen(state)
        }
    };
    follow_task(
        client,
        transport,
        clock,
        pace,
        started_ms,
        task_id,
        &mut on_the_way,
    )
    .await
}

pub(crate) fn past(clock: &dyn Clock, started_ms: i64, after: Duration) -> bool {
    clock.now_ms() - started_ms >= after.as_millis() as i64
}

/// Starts a system task and follows the task it queued. A 2.x server runs
/// it before answering, with the function's return value as the answer:
/// `null` where the function returns nothing (`train_classifier`,
/// `index_optimize` in 2.20.15), so the run's own row in the task list
/// (where the server records one) says how it ended. A run the server
/// skipped is reported as skipped.
pub async fn run_system_task(
    client: &PaperlessClient,
    transport: &dyn Transport,
    clock: &dyn Clock,
    pace: Pace,
    task: SystemTask,
    seen: &mut dyn FnMut(&RunState),
) -> RunState {
    let started_ms = clock.now_ms();
    // The runs listed before, so an older one is never taken for this one
    // (only a 2.x server answers without naming its task).
    let known: Option<HashSet<String>> = if client.api() == PaperlessApi::V9 {
        match client.manual_tasks(transport, task.task_type()).await {
            Ok(tasks) => Some(tasks.into_iter().map(|t| t.task_id).collect()),
            Err(e) => {
                let state = RunState::NotStarted(e);
                seen(&state);
                return state;
            }
        }
    } else {
        None
    };
    let state = match client.run(transport, task).await {
        Ok(Started::Queued { task_id }) => {
            seen(&RunState::Requested);
            follow_on_the_way(client, transport, clock, pace, started_ms, &task_id, seen).await
        }
        Ok(Started::Finished {
            result: Some(result),
        }) => RunState::Answered {
            result: Some(result),
        },
        Ok(Started::Finished { result: None }) => {
            its_listed_run(
                client, transport, clock, pace, started_ms, task, known, seen,
            )
            .await
        }
        Err(e) => RunState::NotStarted(e),
    };
    let state = match state {
        state if task == SystemTask::LlmIndex && state.succeeded() => {
            skipped_if_disabled(client, transport, clock, state).await
        }
        state => state,
    };
    seen(&state);
    state
}

/// The row a finished 2.x run left in the task list: the newest manual
/// task of its type not listed before it was started. None (the task
/// records no row, as `index_optimize`): it finished, with no result.
#[allow(clippy::too_many_arguments)]
async fn its_listed_run(
    client: &PaperlessClient,
    transport: &dyn Transport,
    clock: &dyn Clock,
    pace: Pace,
    started_ms: i64,
    task: SystemTask,
    known: Option<HashSet<String>>,
    seen: &mut dyn FnMut(&RunState),
) -> RunState {
    let Some(known) = known else {
        return RunState::Answered { result: None };
    };
    let listed = match client.manual_tasks(transport, task.task_type()).await {
        Ok(tasks) => tasks,
        Err(e) => return RunState::LostTrack(e),
    };
    let Some(run) = listed.into_iter().find(|t| !known.contains(&t.task_id)) else {
        return RunState::Answered { result: None };
    };
    if run.status.group() == Some(StatusGroup::InProgress) {
        return follow_on_the_way(
            client,
            transport,
            clock,
            pace,
            started_ms,
            &run.task_id,
            seen,
        )
        .await;
    }
    RunState::Task {
        status: run.status,
        message: run.result_message,
    }
}

/// A successful LLM index run while the server says the index is disabled
/// did nothing: the status is read again to tell.
async fn skipped_if_disabled(
    client: &PaperlessClient,
    transport: &dyn Transport,
    clock: &dyn Clock,
    state: RunState,
) -> RunState {
    let Some(now) = chrono::DateTime::from_timestamp_millis(clock.now_ms()) else {
        return state;
    };
    let disabled = client.status(transport).await.is_ok_and(|body| {
        health_report(&body, &client.status_call().request, now).is_ok_and(|report| {
            report
                .check(LLM_INDEX)
                .is_some_and(|c| c.health == Health::Disabled)
        })
    });
    if disabled {
        RunState::Skipped(Skip::LlmIndexDisabled)
    } else {
        state
    }
}
