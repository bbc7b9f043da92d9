//! A task the server queued, followed to its end: looked up every few
//! seconds until it is terminal or a deadline passes. At the deadline the
//! run is let go with what was last seen ("still running on the server; no
//! longer followed"), so a run never holds its place forever.

use std::time::Duration;

use crate::api::paperless::{PaperlessClient, StatusGroup, TaskStatus};
use crate::api::paperless_admin::{Started, SystemTask};
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

/// A run as it is seen, step by step.
#[derive(Clone, Debug, PartialEq)]
pub enum RunState {
    /// Waiting for another run of the same server to end first.
    WaitingTurn,
    /// The server accepted the request; no task of it is listed yet.
    Requested,
    /// As the server reports the task.
    Task {
        status: TaskStatus,
        message: Option<String>,
    },
    /// The server did the work in place and answered its result.
    Answered { result: Option<String> },
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
            RunState::WaitingTurn | RunState::Requested => true,
            RunState::Task { status, .. } => status.group() == Some(StatusGroup::InProgress),
            _ => false,
        }
    }

    pub fn succeeded(&self) -> bool {
        matches!(
            self,
            RunState::Task {
                status: TaskStatus::Success,
                ..
            } | RunState::Answered { .. }
        )
    }
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

pub(crate) fn past(clock: &dyn Clock, started_ms: i64, after: Duration) -> bool {
    clock.now_ms() - started_ms >= after.as_millis() as i64
}

/// Starts a system task and follows the task it queued.
pub async fn run_system_task(
    client: &PaperlessClient,
    transport: &dyn Transport,
    clock: &dyn Clock,
    pace: Pace,
    task: SystemTask,
    seen: &mut dyn FnMut(&RunState),
) -> RunState {
    let started_ms = clock.now_ms();
    let state = match client.run(transport, task).await {
        Ok(Started::Queued { task_id }) => {
            seen(&RunState::Requested);
            return follow_task(client, transport, clock, pace, started_ms, &task_id, seen).await;
        }
        Ok(Started::Finished { result }) => RunState::Answered {
            result: Some(result),
        },
        Err(e) => RunState::NotStarted(e),
    };
    seen(&state);
    state
}
