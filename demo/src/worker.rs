//! The demo's background worker, one per instance: whether it takes tasks,
//! what the server says about it, and the pace of work.
//!
//! A running worker finishes waiting tasks one after the other, oldest
//! first; a stopped or hung one finishes nothing while tasks keep arriving
//! (a stall). Everything is a function of the time it is given
//! (`work(now)` on each instance's state), so tests can drive it with any
//! clock; the server gives it the wall clock. Time moves work on only when
//! the worker is `live` (the demo binary); tests that count seeded rows
//! keep it off, and then nothing changes unless a test asks.

use chrono::{DateTime, Duration, Utc};

/// How an instance's worker starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerStart {
    Running,
    /// Stopped, and the server says so (`--worker-stopped`).
    Stopped,
    /// Hung: it takes nothing, yet the server still reports it running,
    /// the failure admins fear most (InvenTree #12123: ~10,000 pending,
    /// worker "running"; Paperless-ngx #7516). The seed shows the last
    /// [`STALLED_FOR`] of work piling up.
    Hung,
}

/// How long a hung worker has been hung when the demo starts.
pub const STALLED_FOR: Duration = Duration::minutes(40);

/// How long the worker takes per task.
pub const PACE: Duration = Duration::seconds(4);

/// How often a new task arrives while the worker is live (a scan in the
/// consumption folder, a task queued by the web server).
pub const ARRIVAL: Duration = Duration::seconds(20);

#[derive(Clone, Debug)]
pub struct Worker {
    /// Takes tasks.
    pub running: bool,
    /// What the server says: InvenTree's `is_running` and `worker_running`,
    /// Paperless's celery status.
    pub reported_running: bool,
    /// Time moves work on by itself: tasks arrive, and a running worker
    /// finishes them. Off: nothing moves unless asked.
    pub live: bool,
    /// When the worker is through with what it took so far.
    busy_until: DateTime<Utc>,
    /// When the next task arrives (live only).
    next_arrival: DateTime<Utc>,
}

impl Worker {
    pub fn new(start: WorkerStart, live: bool, now: DateTime<Utc>) -> Worker {
        Worker {
            running: start == WorkerStart::Running,
            reported_running: start != WorkerStart::Stopped,
            live,
            busy_until: now,
            next_arrival: now + ARRIVAL,
        }
    }

    /// Starts or stops the worker, and the server says so. A worker that
    /// starts again begins with the oldest waiting task now.
    pub fn set_running(&mut self, running: bool, now: DateTime<Utc>) {
        if running && !self.running {
            self.busy_until = self.busy_until.max(now);
        }
        self.running = running;
        self.reported_running = running;
    }

    /// The moments tasks arrived since the last call, up to `now` (live only).
    pub fn arrivals(&mut self, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let mut arrived = Vec::new();
        if !self.live {
            return arrived;
        }
        // A long pause (the laptop slept) brings a bounded burst, not hours of tasks.
        let lag = now - self.next_arrival;
        if lag > ARRIVAL * 30 {
            let skipped = lag.num_milliseconds() / ARRIVAL.num_milliseconds() - 30;
            self.next_arrival += ARRIVAL * skipped as i32;
        }
        while self.next_arrival <= now {
            arrived.push(self.next_arrival);
            self.next_arrival += ARRIVAL;
        }
        arrived
    }

    /// When the worker finishes a task queued at `queued`, if it has by
    /// `now`: it takes tasks one after the other, each for [`PACE`]. Call
    /// it for the waiting tasks oldest first, and stop at the first `None`.
    pub fn finish(&mut self, queued: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if !self.running || !self.live {
            return None;
        }
        let done = self.busy_until.max(queued) + PACE;
        if done > now {
            return None;
        }
        self.busy_until = done;
        Some(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn a_live_running_worker_finishes_one_task_per_pace_oldest_first() {
        let mut w = Worker::new(WorkerStart::Running, true, t(0));
        // Two tasks waiting since long before: one every PACE from the start.
        assert_eq!(w.finish(t(-600), t(10)), Some(t(4)));
        assert_eq!(w.finish(t(-500), t(10)), Some(t(8)));
        assert_eq!(w.finish(t(-400), t(10)), None, "not yet: due at 12 s");
        assert_eq!(w.finish(t(-400), t(12)), Some(t(12)));
        // A task queued later starts when it arrives.
        assert_eq!(w.finish(t(100), t(200)), Some(t(104)));
    }

    #[test]
    fn a_stopped_or_hung_worker_finishes_nothing_but_tasks_still_arrive() {
        for start in [WorkerStart::Stopped, WorkerStart::Hung] {
            let mut w = Worker::new(start, true, t(0));
            assert_eq!(w.finish(t(-600), t(3600)), None);
            assert_eq!(w.arrivals(t(65)), [t(20), t(40), t(60)]);
            assert!(w.arrivals(t(70)).is_empty());
            assert_eq!(w.reported_running, start == WorkerStart::Hung);
        }
    }

    #[test]
    fn a_resumed_worker_starts_with_the_oldest_task_at_once() {
        let mut w = Worker::new(WorkerStart::Hung, true, t(0));
        w.set_running(true, t(1000));
        assert!(w.reported_running);
        assert_eq!(w.finish(t(-2400), t(1004)), Some(t(1004)));
        w.set_running(false, t(1010));
        assert!(!w.reported_running);
        assert_eq!(w.finish(t(-2300), t(2000)), None);
    }

    #[test]
    fn without_live_time_nothing_moves() {
        let mut w = Worker::new(WorkerStart::Running, false, t(0));
        assert!(w.arrivals(t(3600)).is_empty());
        assert_eq!(w.finish(t(-600), t(3600)), None);
    }

    fn paperless(start: WorkerStart, now: DateTime<Utc>) -> crate::paperless::PaperlessState {
        let mut rng = crate::seed::Rng::new(7);
        let (mut rows, documents) = crate::seed::paperless(120, now, &mut rng);
        if start == WorkerStart::Hung {
            crate::seed::stall_paperless(&mut rows, now - STALLED_FOR);
        }
        crate::paperless::PaperlessState::new(rows, documents, 10, Worker::new(start, true, now))
    }

    fn waiting(state: &crate::paperless::PaperlessState) -> usize {
        state
            .tasks
            .iter()
            .filter(|t| matches!(t.status, "pending" | "started" | "retry"))
            .count()
    }

    fn newest_done(state: &crate::paperless::PaperlessState) -> Option<DateTime<Utc>> {
        state.tasks.iter().filter_map(|t| t.date_done).max()
    }

    #[test]
    fn a_hung_paperless_worker_piles_work_up_and_finishes_it_once_resumed() {
        let mut state = paperless(WorkerStart::Hung, t(0));
        let before = waiting(&state);
        assert!(before >= 3, "the last 40 minutes wait: {before}");
        assert!(newest_done(&state).unwrap() <= t(0) - STALLED_FOR);

        state.work(t(60));
        assert_eq!(waiting(&state), before + 3, "a file every 20 s, none taken");
        assert!(
            newest_done(&state).unwrap() <= t(0) - STALLED_FOR,
            "nothing finished"
        );

        state.set_worker_running(true, t(60));
        state.work(t(64));
        assert_eq!(waiting(&state), before + 2, "the oldest first, at once");
        assert_eq!(newest_done(&state), Some(t(64)));
        state.work(t(610));
        assert_eq!(waiting(&state), 0, "caught up, arrivals included");
        let arrived = state.tasks.iter().filter(|t| {
            t.trigger_source == "folder_consume"
                && t.input_data["filename"]
                    .as_str()
                    .is_some_and(|f| f.ends_with("_arrived.pdf"))
        });
        assert!(arrived.clone().count() >= 27);
        assert!(arrived.clone().all(|t| {
            t.status == "success"
                && t.result_data
                    .as_ref()
                    .is_some_and(|r| r.get("document_id").is_some())
        }));
    }

    #[test]
    fn a_stopped_paperless_worker_leaves_the_consoles_own_runs_waiting() {
        let mut state = paperless(WorkerStart::Running, t(0));
        state.set_worker_running(false, t(0));
        let last = state.tasks.len() - 1;
        state.tasks[last].status = "pending";
        state.tasks[last].finishes = Some((t(3), true));
        state.work(t(100));
        assert_eq!(state.tasks[last].status, "pending");
        state.set_worker_running(true, t(100));
        assert_eq!(state.tasks[last].status, "success");
    }

    #[test]
    fn a_stopped_inventree_cluster_lets_the_queue_grow_and_a_running_one_empties_it() {
        let mut rng = crate::seed::Rng::new(7);
        let scale = crate::seed::Scale {
            inventree_pending: 20,
            inventree_failed: 10,
            inventree_scheduled: 12,
            paperless_tasks: 0,
        };
        let rows = crate::seed::inventree(scale, t(0), &mut rng);
        let mut state = crate::inventree::InvenTreeState::new(
            crate::inventree::InvenTreeApi::V477,
            Worker::new(WorkerStart::Stopped, true, t(0)),
            rows,
        );
        let undecodable = state
            .pending
            .iter()
            .filter(|p| p.task_id.starts_with('*'))
            .count();
        let before = state.pending.len();
        state.work(t(100));
        assert_eq!(
            state.pending.len(),
            before + 5,
            "queued every 20 s, nothing taken"
        );
        let heartbeat_due = state.scheduled[0].next_run;

        state.set_worker_running(true, t(100));
        state.work(t(100 + 4 * 3));
        assert_eq!(state.pending.len(), before + 5 - 3, "one per 4 s");
        state.work(t(3615));
        let retrying = state
            .pending
            .iter()
            .filter(|p| p.lock.is_some_and(|l| l > t(3615).naive_utc()))
            .count();
        assert_eq!(
            state.pending.len(),
            undecodable + retrying,
            "all but what cannot run yet"
        );
        assert!(
            state.scheduled[0].next_run > heartbeat_due
                || heartbeat_due.is_some_and(|d| d > t(3615).naive_utc())
        );
        assert!(
            state
                .scheduled
                .iter()
                .all(|s| s.repeats == 0 || s.next_run.is_none_or(|n| n > t(3615).naive_utc())),
            "every due schedule ran"
        );
    }

    #[test]
    fn a_long_pause_brings_a_bounded_burst() {
        let mut w = Worker::new(WorkerStart::Hung, true, t(0));
        assert_eq!(w.arrivals(t(86_400)).len(), 31);
    }
}
