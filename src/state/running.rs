//! How long a running task has waited and run, from what the server sent.

use chrono::{DateTime, Utc};

use crate::api::paperless::{PaperlessTask, TaskStatus};

/// Seconds; `None` where the server did not send what it takes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct QueueFigures {
    /// Created until started (or until now, not started yet).
    pub waiting: Option<f64>,
    /// Started until now.
    pub running: Option<f64>,
    /// Created until now: all that is known where the start is not.
    pub age: Option<f64>,
}

fn seconds(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_milliseconds().max(0) as f64 / 1000.0
}

/// API 10 sends when a task started; API 9 (2.x) does not, so a started or
/// retrying task there has only its age: none of it is counted as waiting.
pub fn queue_figures(task: &PaperlessTask, now: DateTime<Utc>) -> QueueFigures {
    let age = task.created.map(|c| seconds(c, now));
    match (task.started, &task.status) {
        (Some(started), _) => QueueFigures {
            waiting: task.created.map(|c| seconds(c, started)),
            running: Some(seconds(started, now)),
            age,
        },
        (None, TaskStatus::Pending) => QueueFigures {
            waiting: age,
            running: None,
            age,
        },
        (None, _) => QueueFigures {
            waiting: None,
            running: None,
            age,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Option<DateTime<Utc>> {
        Some(s.parse().unwrap())
    }

    /// Issue 25, item 5: a 2.x task that started has no start time; its
    /// week in the list is its age, not a week of waiting.
    #[test]
    fn an_api_9_started_task_has_only_its_age() {
        let now = at("2026-12-06T12:00:00Z").unwrap();
        let started = PaperlessTask {
            created: at("2026-11-28T20:00:00Z"),
            ..crate::state::blank_task(1, "started")
        };
        assert_eq!(
            queue_figures(&started, now),
            QueueFigures {
                waiting: None,
                running: None,
                age: Some((7.0 * 24.0 + 16.0) * 3600.0)
            }
        );
        let pending = PaperlessTask {
            created: at("2026-12-06T11:00:00Z"),
            ..crate::state::blank_task(2, "pending")
        };
        assert_eq!(queue_figures(&pending, now).waiting, Some(3600.0));
        let api10 = PaperlessTask {
            created: at("2026-12-06T11:00:00Z"),
            started: at("2026-12-06T11:30:00Z"),
            ..crate::state::blank_task(3, "started")
        };
        let figures = queue_figures(&api10, now);
        assert_eq!(figures.waiting, Some(1800.0));
        assert_eq!(figures.running, Some(1800.0));
    }
}
