//! Numbers for the overview: task outcomes per day for the small chart.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};

use crate::api::paperless::{PaperlessTask, StatusGroup};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayOutcomes {
    pub day: NaiveDate,
    pub succeeded: u32,
    pub failed: u32,
}

/// Finished tasks per local day, for the last `days` days up to `now`
/// (oldest first, empty days included so the chart has a steady axis).
pub fn outcomes_per_day(
    tasks: &[PaperlessTask],
    now: DateTime<Utc>,
    days: u32,
    offset: FixedOffset,
) -> Vec<DayOutcomes> {
    let today = now.with_timezone(&offset).date_naive();
    let first = today - Duration::days(i64::from(days.max(1)) - 1);
    let mut out: Vec<DayOutcomes> = (0..days.max(1))
        .map(|i| DayOutcomes {
            day: first + Duration::days(i64::from(i)),
            succeeded: 0,
            failed: 0,
        })
        .collect();
    for task in tasks {
        let Some(at) = task.done.or(task.created) else {
            continue;
        };
        let day = at.with_timezone(&offset).date_naive();
        if day < first || day > today {
            continue;
        }
        let slot = &mut out[(day - first).num_days() as usize];
        match task.status.group() {
            Some(StatusGroup::Completed) => slot.succeeded += 1,
            Some(StatusGroup::NeedsAttention) => slot.failed += 1,
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::paperless::TaskStatus;

    fn done(status: TaskStatus, at: &str) -> PaperlessTask {
        PaperlessTask {
            done: Some(at.parse().unwrap()),
            ..crate::state::blank_task(1, status.as_wire())
        }
    }

    #[test]
    fn buckets_by_local_day_with_empty_days() {
        let now: DateTime<Utc> = "2026-11-22T12:00:00Z".parse().unwrap();
        let tasks = vec![
            done(TaskStatus::Success, "2026-11-22T08:00:00Z"),
            done(TaskStatus::Failure, "2026-11-22T09:00:00Z"),
            done(TaskStatus::Revoked, "2026-11-20T09:00:00Z"),
            // 23:30 UTC on the 20th is the 21st in UTC+1.
            done(TaskStatus::Success, "2026-11-20T23:30:00Z"),
            done(TaskStatus::Started, "2026-11-22T10:00:00Z"),
            done(TaskStatus::Success, "2026-11-01T10:00:00Z"),
        ];
        let plus_one = FixedOffset::east_opt(3600).unwrap();
        let days = outcomes_per_day(&tasks, now, 3, plus_one);
        let summary: Vec<(String, u32, u32)> = days
            .iter()
            .map(|d| (d.day.to_string(), d.succeeded, d.failed))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("2026-11-20".into(), 0, 1),
                ("2026-11-21".into(), 1, 0),
                ("2026-11-22".into(), 1, 1),
            ]
        );
    }
}
