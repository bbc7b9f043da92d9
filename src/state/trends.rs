//! A server's trends in numbers: tasks finished per UTC day (succeeded,
//! failed) and per task type over the period (counts, failure rate,
//! duration and wait p50/p95), the oldest waiting task, and where the
//! server's version changed. From a watcher's history, or from what the
//! server itself returns (Paperless rows; InvenTree's failed queue), which
//! knows less: the screen says which.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};

use crate::api::inventree::FailedTask;
use crate::api::paperless::{PaperlessTask, TaskStatus};
use crate::api::watcher::History;

/// One UTC day: finished tasks per type `(succeeded, failed)`, and the
/// longest any task waited to start that day.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Day {
    pub day: NaiveDate,
    pub by_type: BTreeMap<String, (u64, u64)>,
    pub oldest_pending_seconds: Option<f64>,
}

impl Day {
    /// `(succeeded, failed)`, of one type or all.
    pub fn outcomes(&self, task_type: Option<&str>) -> (u64, u64) {
        match task_type {
            Some(t) => self.by_type.get(t).copied().unwrap_or_default(),
            None => self
                .by_type
                .values()
                .fold((0, 0), |(s, f), (ds, df)| (s + ds, f + df)),
        }
    }
}

/// A middle and a tail.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Spread {
    pub p50: Option<f64>,
    pub p95: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TypeTrend {
    pub task_type: String,
    pub succeeded: u64,
    pub failed: u64,
    pub revoked: u64,
    pub duration: Spread,
    pub wait: Spread,
}

impl TypeTrend {
    pub fn rate(&self) -> Option<f64> {
        failure_rate(self.succeeded, self.failed)
    }
}

/// A version change, for a marker on its day.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub day: NaiveDate,
    pub label: String,
}

/// How the per-type spreads were found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpreadFrom {
    /// From every task's own figures.
    Tasks,
    /// From a watcher's figures per day: the middle of the daily medians
    /// (weighted by tasks) and the highest daily 95th percentile.
    Days,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Trends {
    /// Oldest first, every day of the period (empty ones included).
    pub days: Vec<Day>,
    /// Most finished first.
    pub types: Vec<TypeTrend>,
    /// How long the oldest waiting task has waited, as last seen.
    pub oldest_pending_seconds: Option<f64>,
    pub markers: Vec<Marker>,
    /// The server's version as last seen.
    pub version: Option<String>,
    /// Whether succeeded tasks are known (InvenTree keeps none).
    pub successes_known: bool,
    /// Whether the oldest waiting task is known per day (a watcher's).
    pub waits_per_day: bool,
    pub spread_from: SpreadFrom,
}

impl Trends {
    /// `(succeeded, failed)` over the period, of one type or all.
    pub fn totals(&self, task_type: Option<&str>) -> (u64, u64) {
        self.days.iter().fold((0, 0), |(s, f), d| {
            let (ds, df) = d.outcomes(task_type);
            (s + ds, f + df)
        })
    }

    pub fn failure_rate(&self, task_type: Option<&str>) -> Option<f64> {
        if !self.successes_known {
            return None;
        }
        let (s, f) = self.totals(task_type);
        failure_rate(s, f)
    }
}

pub fn failure_rate(succeeded: u64, failed: u64) -> Option<f64> {
    let all = succeeded + failed;
    (all > 0).then(|| failed as f64 / all as f64)
}

/// `12 %`, without float formatting (large in WASM).
pub fn percent(rate: f64) -> String {
    format!("{} %", (rate * 100.0).round() as u64)
}

/// The UTC days of the period that ends today.
fn period(now: DateTime<Utc>, days: u32) -> Vec<Day> {
    let today = now.date_naive();
    let first = today - Duration::days(i64::from(days.max(1)) - 1);
    (0..days.max(1))
        .map(|i| Day {
            day: first + Duration::days(i64::from(i)),
            ..Day::default()
        })
        .collect()
}

fn slot(days: &mut [Day], day: NaiveDate) -> Option<&mut Day> {
    let first = days.first()?.day;
    let at = (day - first).num_days();
    if at < 0 {
        return None;
    }
    days.get_mut(at as usize)
}

/// The value at quantile `q` (nearest rank), as the watcher computes it.
fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

fn spread(mut values: Vec<f64>) -> Spread {
    values.retain(|v| v.is_finite());
    values.sort_by(f64::total_cmp);
    Spread {
        p50: quantile(&values, 0.5),
        p95: quantile(&values, 0.95),
    }
}

fn sorted_types(mut types: Vec<TypeTrend>) -> Vec<TypeTrend> {
    types.sort_by(|a, b| {
        (b.succeeded + b.failed + b.revoked)
            .cmp(&(a.succeeded + a.failed + a.revoked))
            .then(a.task_type.cmp(&b.task_type))
    });
    types
}

/// From a watcher's history of the period that ends `now`.
pub fn from_history(history: &History, now: DateTime<Utc>, days: u32) -> Trends {
    let mut period = period(now, days);
    // Per type: counts, and the daily figures `(tasks, p50, p95)`.
    type Daily = Vec<(u64, Option<f64>, Option<f64>)>;
    let mut types: BTreeMap<String, (TypeTrend, Daily, Daily)> = BTreeMap::new();
    for d in &history.days {
        let Some(day) = slot(&mut period, d.day) else {
            continue;
        };
        day.oldest_pending_seconds = d.oldest_pending_max_seconds;
        for t in &d.types {
            let counts = day.by_type.entry(t.task_type.clone()).or_default();
            counts.0 += t.success;
            counts.1 += t.failure;
            let (trend, durations, waits) = types.entry(t.task_type.clone()).or_insert_with(|| {
                (
                    TypeTrend {
                        task_type: t.task_type.clone(),
                        ..TypeTrend::default()
                    },
                    Vec::new(),
                    Vec::new(),
                )
            });
            trend.succeeded += t.success;
            trend.failed += t.failure;
            trend.revoked += t.revoked;
            let n = t.success + t.failure + t.revoked;
            durations.push((n, t.duration_p50, t.duration_p95));
            waits.push((n, t.wait_p50, t.wait_p95));
        }
    }
    let daily_spread = |daily: &Daily| Spread {
        p50: weighted_median(daily.iter().filter_map(|(n, p50, _)| p50.map(|v| (v, *n)))),
        p95: daily
            .iter()
            .filter_map(|(_, _, p95)| *p95)
            .filter(|v| v.is_finite())
            .max_by(f64::total_cmp),
    };
    let types = types
        .into_values()
        .map(|(mut trend, durations, waits)| {
            trend.duration = daily_spread(&durations);
            trend.wait = daily_spread(&waits);
            trend
        })
        .collect();
    // The first version is the one in force at the start (or first seen):
    // a marker is a change after it.
    let markers = history
        .versions
        .windows(2)
        .filter(|w| {
            w[0].server_version != w[1].server_version || w[0].api_version != w[1].api_version
        })
        .filter_map(|w| {
            let change = &w[1];
            let day = change.at.date_naive();
            slot(&mut period, day)?;
            Some(Marker {
                day,
                label: version_label(change.server_version.as_deref(), change.api_version),
            })
        })
        .collect();
    let version = history
        .versions
        .last()
        .map(|v| version_label(v.server_version.as_deref(), v.api_version));
    Trends {
        days: period,
        types: sorted_types(types),
        oldest_pending_seconds: history
            .polls
            .iter()
            .find(|p| p.ok)
            .map(|p| p.oldest_pending_seconds.unwrap_or(0.0)),
        markers,
        version,
        successes_known: history.server.kind == "paperless",
        waits_per_day: true,
        spread_from: SpreadFrom::Days,
    }
}

fn version_label(server: Option<&str>, api: Option<u32>) -> String {
    match (server, api) {
        (Some(s), Some(a)) => format!("{s} (API {a})"),
        (Some(s), None) => s.to_string(),
        (None, Some(a)) => format!("API {a}"),
        (None, None) => "unknown version".into(),
    }
}

/// The value with half the weight on either side.
fn weighted_median(values: impl Iterator<Item = (f64, u64)>) -> Option<f64> {
    let mut values: Vec<(f64, u64)> = values.filter(|(v, _)| v.is_finite()).collect();
    values.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: u64 = values.iter().map(|(_, n)| (*n).max(1)).sum();
    let mut seen = 0;
    for (value, n) in &values {
        seen += (*n).max(1);
        if seen * 2 >= total {
            return Some(*value);
        }
    }
    None
}

/// From a Paperless server's finished tasks of the period (as many as
/// were read) and how long its oldest waiting task has waited.
pub fn from_paperless(
    tasks: &[PaperlessTask],
    oldest_pending_seconds: Option<f64>,
    now: DateTime<Utc>,
    days: u32,
) -> Trends {
    let mut period = period(now, days);
    let mut types: BTreeMap<String, (TypeTrend, Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for task in tasks {
        let (Some(done), kind) = (task.done, &task.status) else {
            continue;
        };
        let outcome = match kind {
            TaskStatus::Success => 0,
            TaskStatus::Failure => 1,
            TaskStatus::Revoked => 2,
            _ => continue,
        };
        let Some(day) = slot(&mut period, done.date_naive()) else {
            continue;
        };
        let name = task.task_type.as_wire().to_string();
        if outcome < 2 {
            let counts = day.by_type.entry(name.clone()).or_default();
            if outcome == 0 {
                counts.0 += 1
            } else {
                counts.1 += 1
            }
        }
        let (trend, durations, waits) = types.entry(name.clone()).or_insert_with(|| {
            (
                TypeTrend {
                    task_type: name,
                    ..TypeTrend::default()
                },
                Vec::new(),
                Vec::new(),
            )
        });
        match outcome {
            0 => trend.succeeded += 1,
            1 => trend.failed += 1,
            _ => trend.revoked += 1,
        }
        durations.extend(task.duration_seconds);
        waits.extend(task.wait_time_seconds);
    }
    Trends {
        days: period,
        types: sorted_types(
            types
                .into_values()
                .map(|(mut t, d, w)| {
                    t.duration = spread(d);
                    t.wait = spread(w);
                    t
                })
                .collect(),
        ),
        oldest_pending_seconds,
        markers: Vec::new(),
        version: None,
        successes_known: true,
        waits_per_day: false,
        spread_from: SpreadFrom::Tasks,
    }
}

/// From InvenTree's failed queue (it keeps no successes, and forgets
/// failures after its retention): failures per day and function, and how
/// long they ran.
pub fn from_inventree(
    failed: &[FailedTask],
    offset: FixedOffset,
    oldest_pending_seconds: Option<f64>,
    now: DateTime<Utc>,
    days: u32,
) -> Trends {
    let mut period = period(now, days);
    let mut types: BTreeMap<String, (TypeTrend, Vec<f64>)> = BTreeMap::new();
    for task in failed {
        let Some(stopped) = task
            .stopped
            .and_then(|t| t.0.and_local_timezone(offset).single())
            .map(|t| t.with_timezone(&Utc))
        else {
            continue;
        };
        let Some(day) = slot(&mut period, stopped.date_naive()) else {
            continue;
        };
        let func = task
            .func
            .clone()
            .unwrap_or_else(|| "(unknown function)".into());
        day.by_type.entry(func.clone()).or_default().1 += 1;
        let (trend, durations) = types.entry(func.clone()).or_insert_with(|| {
            (
                TypeTrend {
                    task_type: func,
                    ..TypeTrend::default()
                },
                Vec::new(),
            )
        });
        trend.failed += 1;
        durations.extend(
            task.duration()
                .map(|d| d.num_milliseconds() as f64 / 1000.0),
        );
    }
    Trends {
        days: period,
        types: sorted_types(
            types
                .into_values()
                .map(|(mut t, d)| {
                    t.duration = spread(d);
                    t
                })
                .collect(),
        ),
        oldest_pending_seconds,
        markers: Vec::new(),
        version: None,
        successes_known: false,
        waits_per_day: false,
        spread_from: SpreadFrom::Tasks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::paperless::TaskType;

    fn t(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn history() -> History {
        serde_json::from_value(serde_json::json!({
            "source": "taskdeck-watch",
            "server": {"id": "p", "name": "Docs", "kind": "paperless", "url": "https://p"},
            "from": "2026-11-28T00:00:00Z", "to": "2026-12-01T12:00:00Z",
            "days": [
                {"day": "2026-11-29", "oldest_pending_max_seconds": 600.0, "types": [
                    {"task_type": "consume_file", "success": 8, "failure": 2, "revoked": 0,
                     "duration_p50": 4.0, "duration_p95": 9.0, "wait_p50": 1.0, "wait_p95": 3.0}]},
                {"day": "2026-12-01", "types": [
                    {"task_type": "consume_file", "success": 1, "failure": 1, "revoked": 1,
                     "duration_p50": 10.0, "duration_p95": 30.0},
                    {"task_type": "train_classifier", "success": 0, "failure": 1, "revoked": 0}]},
                {"day": "2026-10-01", "types": [{"task_type": "consume_file", "success": 99}]}
            ],
            "polls": [{"at": "2026-12-01T11:59:00Z", "ok": true, "oldest_pending_seconds": 42.0}],
            "versions": [
                {"at": "2026-11-01T00:00:00Z", "server_version": "2.20.1", "api_version": 9},
                {"at": "2026-11-30T08:00:00Z", "server_version": "3.0.5", "api_version": 10},
                {"at": "2026-12-01T08:00:00Z", "server_version": "3.0.5", "api_version": 10}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn a_watchers_history_gives_days_types_rates_and_version_markers() {
        let trends = from_history(&history(), t("2026-12-01T12:00:00Z"), 4);
        let days: Vec<(String, (u64, u64))> = trends
            .days
            .iter()
            .map(|d| (d.day.to_string(), d.outcomes(None)))
            .collect();
        assert_eq!(
            days,
            [
                ("2026-11-28".into(), (0, 0)),
                ("2026-11-29".into(), (8, 2)),
                ("2026-11-30".into(), (0, 0)),
                ("2026-12-01".into(), (1, 2)),
            ],
            "every day of the period, none outside it"
        );
        assert_eq!(trends.totals(Some("consume_file")), (9, 3));
        assert_eq!(trends.failure_rate(None), Some(4.0 / 13.0));
        assert_eq!(percent(trends.failure_rate(None).unwrap()), "31 %");
        let consume = &trends.types[0];
        assert_eq!(
            (consume.succeeded, consume.failed, consume.revoked),
            (9, 3, 1)
        );
        // The typical day (10 tasks at 4 s against 3 at 10 s) and the worst.
        assert_eq!(
            consume.duration,
            Spread {
                p50: Some(4.0),
                p95: Some(30.0)
            }
        );
        assert_eq!(
            consume.wait,
            Spread {
                p50: Some(1.0),
                p95: Some(3.0)
            }
        );
        assert_eq!(trends.types[1].rate(), Some(1.0));
        assert_eq!(
            trends.markers,
            [Marker {
                day: "2026-11-30".parse().unwrap(),
                label: "3.0.5 (API 10)".into()
            }],
            "a change, not every sighting"
        );
        assert_eq!(trends.version.as_deref(), Some("3.0.5 (API 10)"));
        assert_eq!(trends.oldest_pending_seconds, Some(42.0));
        assert_eq!(trends.days[1].oldest_pending_seconds, Some(600.0));
        assert_eq!(trends.spread_from, SpreadFrom::Days);
    }

    fn task(id: u64, status: &str, done: &str, duration: Option<f64>) -> PaperlessTask {
        PaperlessTask {
            done: Some(t(done)),
            duration_seconds: duration,
            wait_time_seconds: duration.map(|d| d / 2.0),
            task_type: if id.is_multiple_of(2) {
                TaskType::ConsumeFile
            } else {
                TaskType::TrainClassifier
            },
            ..crate::state::blank_task(id, status)
        }
    }

    #[test]
    fn a_paperless_servers_rows_give_exact_spreads() {
        let mut tasks: Vec<PaperlessTask> = (0..20)
            .map(|n| {
                task(
                    n * 2,
                    "SUCCESS",
                    "2026-12-01T10:00:00Z",
                    Some((n + 1) as f64),
                )
            })
            .collect();
        tasks.push(task(1, "FAILURE", "2026-11-30T10:00:00Z", Some(100.0)));
        tasks.push(task(3, "PENDING", "2026-11-30T10:00:00Z", None));
        tasks.push(task(5, "FAILURE", "2026-01-01T10:00:00Z", None));
        let trends = from_paperless(&tasks, Some(90.0), t("2026-12-01T12:00:00Z"), 7);
        assert_eq!(trends.days.len(), 7);
        assert_eq!(
            trends.totals(None),
            (20, 1),
            "pending and old tasks left out"
        );
        let consume = trends
            .types
            .iter()
            .find(|t| t.task_type == "consume_file")
            .unwrap();
        assert_eq!(
            consume.duration,
            Spread {
                p50: Some(10.0),
                p95: Some(19.0)
            }
        );
        assert_eq!(consume.wait.p50, Some(5.0));
        assert_eq!(trends.oldest_pending_seconds, Some(90.0));
        assert!(trends.successes_known && !trends.waits_per_day);
    }

    #[test]
    fn inventree_without_a_watcher_knows_failures_only() {
        let failed: Vec<FailedTask> = serde_json::from_value(serde_json::json!([
            {"pk": "a", "name": "x", "func": "math.sqrt", "started": "2026-12-01T09:59:00",
             "stopped": "2026-12-01T10:00:00", "result": "math domain error", "attempt_count": 1},
            {"pk": "b", "name": "x", "func": "math.sqrt", "started": "2026-11-30T23:30:00",
             "stopped": "2026-11-30T23:30:30", "result": "math domain error", "attempt_count": 1}
        ]))
        .unwrap();
        // Server time UTC+2: 23:30 on the 30th is 21:30 UTC.
        let plus_two = FixedOffset::east_opt(7200).unwrap();
        let trends = from_inventree(&failed, plus_two, None, t("2026-12-01T12:00:00Z"), 2);
        assert_eq!(trends.days[0].outcomes(None), (0, 1));
        assert_eq!(trends.days[1].outcomes(Some("math.sqrt")), (0, 1));
        assert_eq!(trends.failure_rate(None), None, "no successes known");
        assert_eq!(trends.types[0].duration.p95, Some(60.0));
    }
}
