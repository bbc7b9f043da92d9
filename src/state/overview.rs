//! Numbers for the overview: task outcomes per day for the small chart.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};

use crate::api::paperless::{PaperlessTask, StatusGroup};
use crate::api::paperless_admin::{Health, HealthReport};

/// A server's health at a glance, in one wording for every version (how
/// many checks are in error or in warning), and whether its worker does
/// not answer, which stops every task and is said on its own line.
pub fn health_summary(report: &HealthReport) -> HealthSummary {
    let worst = report.worst();
    let words = match worst {
        Health::Error => format!("Health: {} in error", report.errors()),
        Health::Warning => format!("Health: {}", super::plural(report.warnings(), "warning")),
        Health::Ok => "Health: OK".to_string(),
        Health::Disabled | Health::Unknown => "Health: unknown".to_string(),
    };
    HealthSummary {
        worst,
        words,
        worker_down: report.worker_down(),
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct HealthSummary {
    pub worst: Health,
    pub words: String,
    pub worker_down: bool,
}

/// The line a card shows when no worker answers.
pub const WORKER_DOWN: &str = "No worker answers: no task runs";

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
    use crate::api::paperless_admin::health_report;

    fn status(celery: &str, error: &str) -> String {
        format!(
            r#"{{"pngx_version":"x","tasks":{{"redis_status":"OK","celery_status":"{celery}","celery_error":"{error}","classifier_status":"OK","sanity_check_status":"WARNING","sanity_check_error":"never"}}}}"#
        )
    }

    /// Issue 25, item 16: a stopped worker reads the same on 3.x (the
    /// server's WARNING) and 2.x (its ERROR), and as what stops everything.
    #[test]
    fn a_stopped_worker_reads_the_same_on_both_versions() {
        let request = crate::api::HttpRequest::new(
            crate::api::Method::Get,
            &crate::api::BaseUrl::parse("http://p").unwrap(),
            "/api/status/".into(),
        );
        let now = Utc::now();
        let three = health_report(
            &status(
                "WARNING",
                "No celery workers responded to ping. This may be temporary.",
            ),
            &request,
            now,
        )
        .unwrap();
        let two = health_report(
            &status(
                "ERROR",
                "Error connecting to celery, check logs for more detail.",
            ),
            &request,
            now,
        )
        .unwrap();
        assert_eq!(health_summary(&three), health_summary(&two));
        assert_eq!(
            health_summary(&three),
            HealthSummary {
                worst: Health::Error,
                words: "Health: 1 in error".into(),
                worker_down: true
            }
        );
        let running = health_report(&status("OK", ""), &request, now).unwrap();
        assert_eq!(
            health_summary(&running),
            HealthSummary {
                worst: Health::Warning,
                words: "Health: 1 warning".into(),
                worker_down: false
            }
        );
    }
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
