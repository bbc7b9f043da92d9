//! Stalls seen from the outside: a worker that silently stopped while the
//! server looks healthy leaves no failed row, only work that does not
//! move. Detection is pure: a series of observations of one server in,
//! `Option<Stall>` with its evidence out (the UI words it).
//!
//! What is observed, per server:
//! - Paperless-ngx: the tasks not finished yet (pending, started,
//!   retrying: the active list) and the newest finished ones (their
//!   `date_done`), celery's and redis's status from `/api/status/`.
//! - InvenTree: the pending queue (its `lock` is when a task was queued or
//!   last claimed: django-q2 `brokers/orm.py`), whether the server says
//!   its worker runs, and the schedules: InvenTree shows no finished
//!   tasks, only failures, so the newest `last_run` of a schedule is the
//!   nearest sign that the cluster finishes work, and a schedule overdue
//!   by more than one period is a sign that it does not.

use chrono::{DateTime, Duration, FixedOffset, Utc};
use taskdeck_api::inventree::{PendingTask, ScheduledTask};
use taskdeck_api::inventree_admin::{ScheduleWarning, latest_run, schedule_warnings};
use taskdeck_api::paperless::{PaperlessTask, TaskStatus};
use taskdeck_api::paperless_admin::{Health, HealthReport};

use crate::failure::utc;

/// What the server says about its worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerState {
    Running,
    NotRunning,
    /// Not said (or not readable by this user).
    Unknown,
}

/// A schedule that should have run by now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverdueSchedule {
    pub name: String,
    /// How much later than its due time it is.
    pub late: Duration,
}

/// One look at one server.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    pub at: DateTime<Utc>,
    /// Tasks waiting or running, not finished.
    pub pending: u64,
    /// When the oldest of them was queued.
    pub oldest_pending: Option<DateTime<Utc>>,
    /// The newest completion known (success or failure), if any is visible.
    pub newest_completion: Option<DateTime<Utc>>,
    pub worker: WorkerState,
    /// Paperless: celery's and redis's status as `/api/status/` says.
    pub celery: Option<Health>,
    pub redis: Option<Health>,
    /// InvenTree: schedules overdue by more than one period.
    pub overdue: Vec<OverdueSchedule>,
}

impl Observation {
    /// A Paperless server, from the tasks read (the active list and the
    /// newest finished tasks) and its status when readable.
    pub fn paperless(
        at: DateTime<Utc>,
        tasks: &[PaperlessTask],
        status: Option<&HealthReport>,
    ) -> Observation {
        let unfinished = |t: &&PaperlessTask| {
            matches!(
                t.status,
                TaskStatus::Pending | TaskStatus::Started | TaskStatus::Retry
            )
        };
        let finished =
            |t: &&PaperlessTask| matches!(t.status, TaskStatus::Success | TaskStatus::Failure);
        let check = |name: &str| {
            status
                .and_then(|s| s.checks.iter().find(|c| c.name.eq_ignore_ascii_case(name)))
                .map(|c| c.health)
        };
        let celery = check("Celery worker");
        Observation {
            at,
            pending: tasks.iter().filter(unfinished).count() as u64,
            oldest_pending: tasks
                .iter()
                .filter(unfinished)
                .filter_map(|t| t.created)
                .min(),
            newest_completion: tasks.iter().filter(finished).filter_map(|t| t.done).max(),
            worker: match celery {
                Some(Health::Ok) => WorkerState::Running,
                Some(Health::Warning | Health::Error) => WorkerState::NotRunning,
                _ => WorkerState::Unknown,
            },
            celery,
            redis: check("Redis"),
            overdue: Vec::new(),
        }
    }

    /// An InvenTree server, from its pending queue, its schedules and
    /// whether it says its worker runs. Its times carry no zone: `offset`
    /// is the server's.
    pub fn inventree(
        at: DateTime<Utc>,
        worker_running: Option<bool>,
        pending_count: u64,
        pending: &[PendingTask],
        schedules: &[ScheduledTask],
        offset: FixedOffset,
    ) -> Observation {
        let server_now = taskdeck_api::time::ServerTime(at.with_timezone(&offset).naive_local());
        // The later of the server's own newest run and this clock: a
        // schedule is late against either.
        let now = latest_run(schedules).map_or(server_now, |latest| latest.max(server_now));
        let overdue = schedules
            .iter()
            .flat_map(|s| {
                schedule_warnings(s, Some(now))
                    .into_iter()
                    .filter_map(move |w| match w {
                        ScheduleWarning::Overdue { late, .. } => Some(OverdueSchedule {
                            name: s.name.clone().unwrap_or_else(|| s.func.clone()),
                            late,
                        }),
                        ScheduleWarning::LastRunFailed => None,
                    })
            })
            .collect();
        Observation {
            at,
            pending: pending_count,
            oldest_pending: pending
                .iter()
                .filter_map(|p| p.lock)
                .filter_map(|t| utc(t, offset))
                .filter(|t| *t <= at)
                .min(),
            newest_completion: schedules
                .iter()
                .filter_map(|s| s.last_run)
                .filter_map(|t| utc(t, offset))
                .max(),
            worker: match worker_running {
                Some(true) => WorkerState::Running,
                Some(false) => WorkerState::NotRunning,
                None => WorkerState::Unknown,
            },
            celery: None,
            redis: None,
            overdue,
        }
    }
}

/// When a server counts as stalled. Defaults fit a home server; each
/// server may have its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// Nothing completed for this long while work waits.
    pub quiet_for: Duration,
    /// At least this many tasks waiting.
    pub min_pending: u64,
    /// The pending count rose across this many observations in a row,
    /// with nothing completing between them.
    pub growing_over: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            quiet_for: Duration::minutes(15),
            min_pending: 1,
            growing_over: 3,
        }
    }
}

/// Why a server counts as stalled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Nothing completed for `quiet_for` while `pending` waited, the
    /// oldest for `oldest_waiting`.
    NothingCompleted,
    /// The pending count grew over the last observations, with nothing completing.
    PendingGrowing {
        from: u64,
        to: u64,
        observations: usize,
    },
    /// Schedules overdue by more than a period (InvenTree), while nothing completes.
    SchedulesOverdue,
}

/// A stalled server and the evidence, as plain data for the UI to word.
#[derive(Clone, Debug, PartialEq)]
pub struct Stall {
    pub reasons: Vec<Reason>,
    /// When the stall began, as far as the observations show: the newest
    /// completion, or the first observation with waiting work.
    pub since: DateTime<Utc>,
    pub pending: u64,
    /// How long the oldest waiting task has waited.
    pub oldest_waiting: Option<Duration>,
    /// How long since the last completion that was seen (`None`: none seen).
    pub quiet_for: Option<Duration>,
    pub worker: WorkerState,
    pub celery: Option<Health>,
    pub redis: Option<Health>,
    pub overdue: Vec<OverdueSchedule>,
    pub observed_at: DateTime<Utc>,
}

/// Whether a server with these observations (oldest first) is stalled
/// now. Cleared as soon as work is seen to move again.
pub fn detect(series: &[Observation], thresholds: &Thresholds) -> Option<Stall> {
    let latest = series.last()?;
    let now = latest.at;
    let last_completion = last_completion(series);
    // Work moved within the window: not stalled, whatever else holds.
    if last_completion.is_some_and(|t| now - t < thresholds.quiet_for) {
        return None;
    }
    let waiting = latest.pending >= thresholds.min_pending.max(1);
    let oldest_waiting = latest.oldest_pending.map(|t| now - t);
    let mut reasons = Vec::new();

    // A quiet stretch counts from the last completion, or, when none is
    // visible, from the oldest waiting task (it has been waiting that
    // long with nothing done for it).
    let quiet_since = last_completion.or(latest.oldest_pending);
    if waiting
        && oldest_waiting.is_some_and(|w| w >= thresholds.quiet_for)
        && quiet_since.is_some_and(|t| now - t >= thresholds.quiet_for)
    {
        reasons.push(Reason::NothingCompleted);
    }

    if let Some(growth) = growth(series, thresholds.growing_over.max(2))
        && waiting
    {
        reasons.push(growth);
    }

    if !latest.overdue.is_empty() && (waiting || latest.worker != WorkerState::Running) {
        reasons.push(Reason::SchedulesOverdue);
    }

    if reasons.is_empty() {
        return None;
    }
    let first_waiting = series
        .iter()
        .rev()
        .take_while(|o| o.pending > 0)
        .last()
        .map(|o| o.at);
    let since = last_completion
        .or(latest.oldest_pending)
        .or(first_waiting)
        .unwrap_or(now);
    Some(Stall {
        reasons,
        since,
        pending: latest.pending,
        oldest_waiting,
        quiet_for: last_completion.map(|t| now - t),
        worker: latest.worker,
        celery: latest.celery,
        redis: latest.redis,
        overdue: latest.overdue.clone(),
        observed_at: now,
    })
}

/// The newest completion any observation showed.
fn last_completion(series: &[Observation]) -> Option<DateTime<Utc>> {
    series.iter().filter_map(|o| o.newest_completion).max()
}

/// The pending count rose over the last `n` observations (never falling,
/// higher at the end) and no completion appeared between them.
fn growth(series: &[Observation], n: usize) -> Option<Reason> {
    if series.len() < n {
        return None;
    }
    let window = &series[series.len() - n..];
    let never_falls = window.windows(2).all(|w| w[1].pending >= w[0].pending);
    let completions = window
        .windows(2)
        .any(|w| w[1].newest_completion > w[0].newest_completion);
    let (from, to) = (window[0].pending, window[n - 1].pending);
    (never_falls && to > from && !completions).then_some(Reason::PendingGrowing {
        from,
        to,
        observations: n,
    })
}

/// A bounded series of observations per server, for callers that poll.
#[derive(Clone, Debug, Default)]
pub struct Series {
    observations: Vec<Observation>,
}

impl Series {
    /// Observations kept: enough for the growth rule and a window of quiet.
    pub const KEEP: usize = 32;

    pub fn push(&mut self, observation: Observation) {
        // Out-of-order answers (a slow poll returning after a fast one) are dropped.
        if self
            .observations
            .last()
            .is_some_and(|o| o.at > observation.at)
        {
            return;
        }
        self.observations.push(observation);
        if self.observations.len() > Self::KEEP {
            self.observations.remove(0);
        }
    }

    pub fn observations(&self) -> &[Observation] {
        &self.observations
    }

    pub fn detect(&self, thresholds: &Thresholds) -> Option<Stall> {
        detect(&self.observations, thresholds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(minute: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-10T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + Duration::minutes(minute)
    }

    fn look(minute: i64, pending: u64, oldest: Option<i64>, completed: Option<i64>) -> Observation {
        Observation {
            at: t(minute),
            pending,
            oldest_pending: oldest.map(t),
            newest_completion: completed.map(t),
            worker: WorkerState::Running,
            celery: Some(Health::Ok),
            redis: Some(Health::Ok),
            overdue: vec![],
        }
    }

    #[test]
    fn nothing_completed_for_the_quiet_time_while_work_waits_is_a_stall() {
        let stall =
            detect(&[look(40, 3, Some(5), Some(10))], &Thresholds::default()).expect("stalled");
        assert_eq!(stall.reasons, [Reason::NothingCompleted]);
        assert_eq!(stall.pending, 3);
        assert_eq!(stall.oldest_waiting, Some(Duration::minutes(35)));
        assert_eq!(stall.quiet_for, Some(Duration::minutes(30)));
        assert_eq!(stall.since, t(10), "since the last completion");
        assert_eq!(
            stall.worker,
            WorkerState::Running,
            "the worker says it runs: a silent stall"
        );
    }

    #[test]
    fn a_recent_completion_clears_it() {
        assert_eq!(
            detect(&[look(40, 3, Some(5), Some(30))], &Thresholds::default()),
            None
        );
        // Work moved again after a stall: cleared on the next look.
        let series = [
            look(40, 3, Some(5), Some(10)),
            look(41, 2, Some(6), Some(41)),
        ];
        assert!(detect(&series[..1], &Thresholds::default()).is_some());
        assert_eq!(detect(&series, &Thresholds::default()), None);
    }

    #[test]
    fn young_work_or_no_work_is_no_stall() {
        // Nothing completed for a long time, but nothing waits: idle.
        assert_eq!(
            detect(&[look(60, 0, None, Some(0))], &Thresholds::default()),
            None
        );
        // One task queued a minute ago on an otherwise quiet server.
        assert_eq!(
            detect(&[look(60, 1, Some(59), Some(0))], &Thresholds::default()),
            None
        );
        assert_eq!(detect(&[], &Thresholds::default()), None);
    }

    #[test]
    fn without_any_visible_completion_the_oldest_waiting_task_counts() {
        // InvenTree shows no successes: a task queued 20 minutes ago and
        // still waiting is the evidence.
        let stall = detect(&[look(20, 4, Some(0), None)], &Thresholds::default()).expect("stalled");
        assert_eq!(stall.reasons, [Reason::NothingCompleted]);
        assert_eq!(stall.quiet_for, None);
        assert_eq!(stall.since, t(0));
    }

    #[test]
    fn pending_growing_with_nothing_completing_is_a_stall_before_the_quiet_time() {
        let series = [
            look(0, 2, Some(0), None),
            look(1, 3, Some(0), None),
            look(2, 5, Some(0), None),
        ];
        let stall = detect(&series, &Thresholds::default()).expect("stalled");
        assert_eq!(
            stall.reasons,
            [Reason::PendingGrowing {
                from: 2,
                to: 5,
                observations: 3
            }]
        );
        // Fewer observations than asked for, a fall, or a completion: not growing.
        assert_eq!(detect(&series[1..], &Thresholds::default()), None);
        let fell = [
            look(0, 2, Some(0), None),
            look(1, 1, Some(0), None),
            look(2, 5, Some(0), None),
        ];
        assert_eq!(detect(&fell, &Thresholds::default()), None);
        let moved = [
            look(0, 2, Some(0), None),
            look(1, 3, Some(0), Some(1)),
            look(2, 5, Some(0), Some(1)),
        ];
        assert_eq!(detect(&moved, &Thresholds::default()), None);
    }

    #[test]
    fn thresholds_are_per_server() {
        let series = [look(40, 3, Some(5), Some(10))];
        let patient = Thresholds {
            quiet_for: Duration::hours(1),
            ..Thresholds::default()
        };
        assert_eq!(detect(&series, &patient), None);
        let busy_only = Thresholds {
            min_pending: 5,
            ..Thresholds::default()
        };
        assert_eq!(detect(&series, &busy_only), None);
        let eager = Thresholds {
            growing_over: 2,
            ..Thresholds::default()
        };
        let two = [look(0, 1, Some(0), None), look(1, 2, Some(0), None)];
        assert!(detect(&two, &eager).is_some());
        assert_eq!(detect(&two, &Thresholds::default()), None);
    }

    #[test]
    fn overdue_schedules_count_only_while_nothing_moves() {
        let overdue = vec![OverdueSchedule {
            name: "InvenTree.tasks.heartbeat".into(),
            late: Duration::hours(3),
        }];
        let mut quiet = look(40, 0, None, Some(0));
        quiet.overdue = overdue.clone();
        quiet.worker = WorkerState::NotRunning;
        let stall = detect(&[quiet.clone()], &Thresholds::default()).expect("stalled");
        assert_eq!(stall.reasons, [Reason::SchedulesOverdue]);
        assert_eq!(stall.overdue, overdue);
        assert_eq!(stall.worker, WorkerState::NotRunning);
        // A running worker with nothing waiting: a schedule warning, not a stall.
        quiet.worker = WorkerState::Running;
        assert_eq!(detect(&[quiet.clone()], &Thresholds::default()), None);
        // Work that moved clears it too.
        quiet.newest_completion = Some(t(39));
        quiet.worker = WorkerState::NotRunning;
        assert_eq!(detect(&[quiet], &Thresholds::default()), None);
    }

    #[test]
    fn the_evidence_carries_celery_and_redis() {
        let mut o = look(40, 3, Some(5), Some(10));
        o.celery = Some(Health::Warning);
        o.worker = WorkerState::NotRunning;
        let stall = detect(&[o], &Thresholds::default()).unwrap();
        assert_eq!(
            (stall.celery, stall.redis, stall.worker),
            (
                Some(Health::Warning),
                Some(Health::Ok),
                WorkerState::NotRunning
            )
        );
    }

    #[test]
    fn a_series_is_bounded_and_ignores_late_answers() {
        let mut series = Series::default();
        for m in 0..100 {
            series.push(look(m, 1, Some(0), None));
        }
        assert_eq!(series.observations().len(), Series::KEEP);
        series.push(look(5, 9, Some(0), None));
        assert_eq!(series.observations().last().unwrap().at, t(99));
    }
}
