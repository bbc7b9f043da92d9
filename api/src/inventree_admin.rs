//! InvenTree's admin side beside the queues: error reports
//! (`GET /api/error-report/`), the retention settings
//! (`GET /api/settings/global/<key>/`) and warnings for scheduled tasks
//! that failed or fell behind. Written against the recordings of
//! 2026-12-03 (`error_report_*`, `settings_global_*`) and
//! `scheduled_*`.

use chrono::Duration;
use serde::Deserialize;

use crate::Page;
use crate::call::{Call, decode_json, decode_page};
use crate::http::Method;
use crate::inventree::{InvenTreeClient, ScheduleType, ScheduledTask};
use crate::time::ServerTime;

/// One entry of the server's error log. `when` is `YYYY-MM-DD HH:MM` in
/// the server's zone although the schema says date-time, and `path` can be
/// `worker:task_failure` although the schema says uri.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ErrorReport {
    pub pk: u64,
    #[serde(default)]
    pub when: Option<ServerTime>,
    #[serde(default)]
    pub info: String,
    #[serde(default)]
    pub data: String,
    #[serde(default)]
    pub path: String,
}

/// A global setting. `value` is a JSON number for integer settings
/// although the schema says string.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct GlobalSetting {
    pub key: String,
    pub value: serde_json::Value,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub units: String,
}

impl GlobalSetting {
    pub fn as_days(&self) -> Option<u64> {
        match &self.value {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// How long the server keeps finished tasks and error reports.
pub const DELETE_TASKS_DAYS: &str = "INVENTREE_DELETE_TASKS_DAYS";
pub const DELETE_ERRORS_DAYS: &str = "INVENTREE_DELETE_ERRORS_DAYS";

impl InvenTreeClient {
    /// One page of the error log (`limit`/`offset`), newest first
    /// (`ordering = -when`); staff only.
    pub fn error_reports_page_call(&self, limit: u32, offset: u32) -> Call<Page<ErrorReport>> {
        Call::new(
            self.request(
                Method::Get,
                format!("/api/error-report/?limit={limit}&offset={offset}"),
            ),
            decode_page,
        )
    }

    pub fn setting_call(&self, key: &'static str) -> Call<GlobalSetting> {
        Call::new(
            self.request(Method::Get, format!("/api/settings/global/{key}/")),
            |req, res| decode_json(req, &res.body),
        )
    }

    pub fn error_report_call(&self, pk: u64) -> Call<ErrorReport> {
        Call::new(
            self.request(Method::Get, format!("/api/error-report/{pk}/")),
            |req, res| decode_json(req, &res.body),
        )
    }
}

/// What is wrong with a schedule.
#[derive(Clone, Debug, PartialEq)]
pub enum ScheduleWarning {
    LastRunFailed,
    /// Its next run is more than one period in the past.
    Overdue {
        due: ServerTime,
        late: Duration,
    },
}

/// How late a run may be before it counts as overdue: one period of its
/// schedule. The list does not carry the minutes of an "every few
/// minutes" schedule nor a cron line, so those get an hour and a day.
fn allowed_delay(kind: &ScheduleType) -> Option<Duration> {
    Some(match kind {
        ScheduleType::Once => return None,
        ScheduleType::Minutes | ScheduleType::Hourly => Duration::hours(1),
        ScheduleType::Daily | ScheduleType::Cron => Duration::days(1),
        ScheduleType::Weekly => Duration::days(7),
        ScheduleType::Biweekly => Duration::days(14),
        ScheduleType::Monthly => Duration::days(31),
        ScheduleType::Bimonthly => Duration::days(62),
        ScheduleType::Quarterly => Duration::days(92),
        ScheduleType::Yearly => Duration::days(366),
        ScheduleType::Other(_) => return None,
    })
}

/// The server's clock as the schedules show it: the latest run of any of
/// them. Its times carry no zone (and the browser cannot read its `Date`
/// header across origins), so the browser's clock cannot be compared with
/// them; a schedule is overdue when others ran well after it was due.
pub fn latest_run(schedules: &[ScheduledTask]) -> Option<ServerTime> {
    schedules.iter().filter_map(|s| s.last_run).max()
}

/// The warnings for one schedule, given [`latest_run`].
pub fn schedule_warnings(task: &ScheduledTask, now: Option<ServerTime>) -> Vec<ScheduleWarning> {
    let mut warnings = Vec::new();
    if task.success == Some(false) {
        warnings.push(ScheduleWarning::LastRunFailed);
    }
    if let (Some(due), Some(now), Some(delay)) =
        (task.next_run, now, allowed_delay(&task.schedule_type))
    {
        let late = now.0 - due.0;
        if task.repeats != 0 && late > delay {
            warnings.push(ScheduleWarning::Overdue { due, late });
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(
        kind: ScheduleType,
        last: &str,
        next: &str,
        success: Option<bool>,
    ) -> ScheduledTask {
        ScheduledTask {
            pk: 1,
            name: None,
            func: "f".into(),
            args: None,
            kwargs: None,
            schedule_type: kind,
            repeats: -1,
            last_run: ServerTime::parse(last).ok(),
            next_run: ServerTime::parse(next).ok(),
            success,
            task: None,
        }
    }

    #[test]
    fn a_schedule_is_overdue_only_when_more_than_a_period_late() {
        let now = ServerTime::parse("2026-12-03 12:00").ok();
        let daily = |next| schedule(ScheduleType::Daily, "2026-12-01 00:00", next, Some(true));
        assert!(schedule_warnings(&daily("2026-12-02 13:00"), now).is_empty());
        let late = schedule_warnings(&daily("2026-12-02 11:00"), now);
        assert!(
            matches!(late.as_slice(), [ScheduleWarning::Overdue { .. }]),
            "{late:?}"
        );
        assert!(
            schedule_warnings(&daily("2026-12-02 11:00"), None).is_empty(),
            "no clock, no guess"
        );
        let hourly = schedule(ScheduleType::Hourly, "", "2026-12-03 10:30", None);
        assert_eq!(schedule_warnings(&hourly, now).len(), 1);
        let once = schedule(ScheduleType::Once, "", "2026-01-01 00:00", None);
        assert!(schedule_warnings(&once, now).is_empty());
    }

    #[test]
    fn a_failed_last_run_is_a_warning_and_the_latest_run_is_the_clock() {
        let failed = schedule(
            ScheduleType::Daily,
            "2026-12-03 11:00",
            "2026-12-04 11:00",
            Some(false),
        );
        let ok = schedule(
            ScheduleType::Daily,
            "2026-12-03 09:00",
            "2026-12-04 09:00",
            Some(true),
        );
        let now = latest_run(&[failed.clone(), ok.clone()]);
        assert_eq!(now, ServerTime::parse("2026-12-03 11:00").ok());
        assert_eq!(
            schedule_warnings(&failed, now),
            vec![ScheduleWarning::LastRunFailed]
        );
        assert!(schedule_warnings(&ok, now).is_empty());
    }
}
