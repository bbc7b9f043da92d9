//! The history as the console reads it, per UTC day, and its upkeep:
//! per-poll rows and finished tasks older than `raw_days` are compacted
//! into one row per server and day (the same figures the history computes
//! for recent days from the raw rows), and everything older than `days`
//! is deleted.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{Transaction, params};
use serde::Serialize;

use crate::config::Retention;
use crate::store::{Millis, Store, from_millis, millis};

/// One server's day.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DayRow {
    pub day: String,
    pub polls: u32,
    pub ok_polls: u32,
    /// Polls that could tell whether the worker ran, and those where it did not.
    pub worker_known_polls: u32,
    pub worker_down_polls: u32,
    /// Polls whose health checks had one in error.
    pub health_error_polls: u32,
    pub oldest_pending_max_seconds: Option<f64>,
    pub open_failures_max: Option<u64>,
    /// The version at the day's last successful poll.
    pub server_version: Option<String>,
    pub api_version: Option<u32>,
    /// Tasks by status: at the day's last successful poll, and the most.
    pub statuses: BTreeMap<String, StatusDay>,
    /// Tasks that finished that day, per type.
    pub types: Vec<TypeDay>,
    /// Read from compacted rows (older than `raw_days`).
    pub compacted: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StatusDay {
    pub last: u64,
    pub max: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TypeDay {
    pub task_type: String,
    pub success: u64,
    pub failure: u64,
    pub revoked: u64,
    pub duration_p50: Option<f64>,
    pub duration_p95: Option<f64>,
    pub wait_p50: Option<f64>,
    pub wait_p95: Option<f64>,
}

pub fn day_of(ms: Millis) -> String {
    from_millis(ms).date_naive().to_string()
}

fn day_start(day: NaiveDate) -> Millis {
    millis(day.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
}

/// The value at quantile `q` of sorted values (nearest rank).
fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Day rows worked out from the raw rows in `[from, to)`.
fn raw_days(
    tx: &rusqlite::Connection,
    server: &str,
    from: Millis,
    to: Millis,
) -> rusqlite::Result<BTreeMap<String, DayRow>> {
    let mut days: BTreeMap<String, DayRow> = BTreeMap::new();
    let day = |key: String| -> DayRow {
        DayRow {
            day: key,
            ..DayRow::default()
        }
    };
    let mut statement = tx.prepare_cached(
        "SELECT id, at, ok, worker_up, health, oldest_pending_at, open_failures, server_version, api_version
         FROM polls WHERE server = ?1 AND at >= ?2 AND at < ?3 ORDER BY at, id",
    )?;
    let mut last_ok_poll: BTreeMap<String, i64> = BTreeMap::new();
    let mut rows = statement.query(params![server, from, to])?;
    while let Some(r) = rows.next()? {
        let (id, at, ok): (i64, Millis, bool) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let key = day_of(at);
        let row = days.entry(key.clone()).or_insert_with(|| day(key.clone()));
        row.polls += 1;
        if !ok {
            continue;
        }
        row.ok_polls += 1;
        if let Some(up) = r.get::<_, Option<bool>>(3)? {
            row.worker_known_polls += 1;
            row.worker_down_polls += u32::from(!up);
        }
        if r.get::<_, Option<String>>(4)?.as_deref() == Some("error") {
            row.health_error_polls += 1;
        }
        if let Some(oldest) = r.get::<_, Option<Millis>>(5)? {
            let age = (at - oldest).max(0) as f64 / 1000.0;
            row.oldest_pending_max_seconds =
                Some(row.oldest_pending_max_seconds.map_or(age, |m| m.max(age)));
        }
        if let Some(open) = r.get::<_, Option<i64>>(6)? {
            let open = open as u64;
            row.open_failures_max = Some(row.open_failures_max.map_or(open, |m| m.max(open)));
        }
        if let Some(v) = r.get::<_, Option<String>>(7)? {
            row.server_version = Some(v);
        }
        if let Some(v) = r.get::<_, Option<u32>>(8)? {
            row.api_version = Some(v);
        }
        last_ok_poll.insert(key, id);
    }
    drop(rows);
    let mut statement = tx.prepare_cached(
        "SELECT p.id, p.at, s.status, s.count FROM poll_statuses s JOIN polls p ON p.id = s.poll
         WHERE p.server = ?1 AND p.at >= ?2 AND p.at < ?3",
    )?;
    let mut rows = statement.query(params![server, from, to])?;
    while let Some(r) = rows.next()? {
        let (poll, at, status, count): (i64, Millis, String, i64) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        let key = day_of(at);
        let Some(row) = days.get_mut(&key) else {
            continue;
        };
        let entry = row.statuses.entry(status).or_default();
        entry.max = entry.max.max(count as u64);
        if last_ok_poll.get(&key) == Some(&poll) {
            entry.last = count as u64;
        }
    }
    drop(rows);
    // Finished tasks per day and type, with their durations and waits.
    type Samples = (u64, u64, u64, Vec<f64>, Vec<f64>);
    let mut per_type: BTreeMap<(String, String), Samples> = BTreeMap::new();
    let mut statement = tx.prepare_cached(
        "SELECT done_at, task_type, status, duration, wait FROM finished
         WHERE server = ?1 AND done_at >= ?2 AND done_at < ?3",
    )?;
    let mut rows = statement.query(params![server, from, to])?;
    while let Some(r) = rows.next()? {
        let key = day_of(r.get(0)?);
        let entry = per_type.entry((key, r.get(1)?)).or_default();
        match r.get::<_, String>(2)?.as_str() {
            "success" => entry.0 += 1,
            "failure" => entry.1 += 1,
            _ => entry.2 += 1,
        }
        if let Some(d) = r.get::<_, Option<f64>>(3)? {
            entry.3.push(d);
        }
        if let Some(w) = r.get::<_, Option<f64>>(4)? {
            entry.4.push(w);
        }
    }
    for ((key, task_type), (success, failure, revoked, mut durations, mut waits)) in per_type {
        durations.sort_by(f64::total_cmp);
        waits.sort_by(f64::total_cmp);
        days.entry(key.clone())
            .or_insert_with(|| day(key))
            .types
            .push(TypeDay {
                task_type,
                success,
                failure,
                revoked,
                duration_p50: quantile(&durations, 0.5),
                duration_p95: quantile(&durations, 0.95),
                wait_p50: quantile(&waits, 0.5),
                wait_p95: quantile(&waits, 0.95),
            });
    }
    Ok(days)
}

fn compacted_days(
    conn: &rusqlite::Connection,
    server: &str,
    from: &str,
    to: &str,
) -> rusqlite::Result<BTreeMap<String, DayRow>> {
    let mut days = BTreeMap::new();
    let mut statement = conn.prepare_cached(
        "SELECT day, polls, ok_polls, worker_known_polls, worker_down_polls, health_error_polls,
                oldest_pending_max, open_failures_max, server_version, api_version
         FROM days WHERE server = ?1 AND day >= ?2 AND day < ?3",
    )?;
    let mut rows = statement.query(params![server, from, to])?;
    while let Some(r) = rows.next()? {
        let day: String = r.get(0)?;
        days.insert(
            day.clone(),
            DayRow {
                day,
                polls: r.get(1)?,
                ok_polls: r.get(2)?,
                worker_known_polls: r.get(3)?,
                worker_down_polls: r.get(4)?,
                health_error_polls: r.get(5)?,
                oldest_pending_max_seconds: r.get(6)?,
                open_failures_max: r.get::<_, Option<i64>>(7)?.map(|n| n as u64),
                server_version: r.get(8)?,
                api_version: r.get(9)?,
                compacted: true,
                ..DayRow::default()
            },
        );
    }
    drop(rows);
    let mut statement = conn.prepare_cached(
        "SELECT day, status, last, max FROM day_statuses WHERE server = ?1 AND day >= ?2 AND day < ?3",
    )?;
    let mut rows = statement.query(params![server, from, to])?;
    while let Some(r) = rows.next()? {
        let day: String = r.get(0)?;
        if let Some(row) = days.get_mut(&day) {
            row.statuses.insert(
                r.get(1)?,
                StatusDay {
                    last: r.get::<_, i64>(2)? as u64,
                    max: r.get::<_, i64>(3)? as u64,
                },
            );
        }
    }
    drop(rows);
    let mut statement = conn.prepare_cached(
        "SELECT day, task_type, success, failure, revoked, duration_p50, duration_p95, wait_p50, wait_p95
         FROM day_types WHERE server = ?1 AND day >= ?2 AND day < ?3 ORDER BY day, task_type",
    )?;
    let mut rows = statement.query(params![server, from, to])?;
    while let Some(r) = rows.next()? {
        let day: String = r.get(0)?;
        let row = days.entry(day.clone()).or_insert_with(|| DayRow {
            day,
            compacted: true,
            ..DayRow::default()
        });
        row.types.push(TypeDay {
            task_type: r.get(1)?,
            success: r.get::<_, i64>(2)? as u64,
            failure: r.get::<_, i64>(3)? as u64,
            revoked: r.get::<_, i64>(4)? as u64,
            duration_p50: r.get(5)?,
            duration_p95: r.get(6)?,
            wait_p50: r.get(7)?,
            wait_p95: r.get(8)?,
        });
    }
    Ok(days)
}

fn write_day(tx: &Transaction, server: &str, row: &DayRow) -> rusqlite::Result<()> {
    // A day compacted before (a clock set back) gains the new polls.
    tx.execute(
        "INSERT INTO days (server, day, polls, ok_polls, worker_known_polls, worker_down_polls,
                           health_error_polls, oldest_pending_max, open_failures_max, server_version, api_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (server, day) DO UPDATE SET polls = polls + excluded.polls,
             ok_polls = ok_polls + excluded.ok_polls,
             worker_known_polls = worker_known_polls + excluded.worker_known_polls,
             worker_down_polls = worker_down_polls + excluded.worker_down_polls,
             health_error_polls = health_error_polls + excluded.health_error_polls,
             oldest_pending_max = max(coalesce(oldest_pending_max, 0), coalesce(excluded.oldest_pending_max, 0)),
             open_failures_max = max(coalesce(open_failures_max, 0), coalesce(excluded.open_failures_max, 0)),
             server_version = coalesce(excluded.server_version, server_version),
             api_version = coalesce(excluded.api_version, api_version)",
        params![
            server,
            row.day,
            row.polls,
            row.ok_polls,
            row.worker_known_polls,
            row.worker_down_polls,
            row.health_error_polls,
            row.oldest_pending_max_seconds,
            row.open_failures_max.map(|n| n as i64),
            row.server_version,
            row.api_version
        ],
    )?;
    for (status, figures) in &row.statuses {
        tx.execute(
            "INSERT INTO day_statuses (server, day, status, last, max) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (server, day, status) DO UPDATE SET last = excluded.last, max = max(max, excluded.max)",
            params![server, row.day, status, figures.last as i64, figures.max as i64],
        )?;
    }
    for t in &row.types {
        tx.execute(
            "INSERT INTO day_types (server, day, task_type, success, failure, revoked,
                                    duration_p50, duration_p95, wait_p50, wait_p95)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (server, day, task_type) DO UPDATE SET success = success + excluded.success,
                 failure = failure + excluded.failure, revoked = revoked + excluded.revoked",
            params![
                server,
                row.day,
                t.task_type,
                t.success as i64,
                t.failure as i64,
                t.revoked as i64,
                t.duration_p50,
                t.duration_p95,
                t.wait_p50,
                t.wait_p95
            ],
        )?;
    }
    Ok(())
}

/// What one compaction did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Upkeep {
    pub days_compacted: u32,
    pub polls_compacted: u64,
    pub finished_compacted: u64,
    pub deleted: u64,
}

impl Store {
    /// Compacts whole UTC days older than `raw_days` and deletes what is
    /// older than `days`. Idempotent: run it as often as convenient.
    pub fn upkeep(&mut self, now: DateTime<Utc>, retention: Retention) -> rusqlite::Result<Upkeep> {
        let today = now.date_naive();
        let raw_from = day_start(today - Duration::days(i64::from(retention.raw_days)));
        let keep_from_day = today - Duration::days(i64::from(retention.days));
        let keep_from = day_start(keep_from_day);
        let mut done = Upkeep::default();
        let tx = self.conn.transaction()?;
        let servers: Vec<String> = {
            let mut s = tx.prepare(
                "SELECT DISTINCT server FROM polls WHERE at < ?1
                 UNION SELECT DISTINCT server FROM finished WHERE done_at < ?1",
            )?;
            let rows = s.query_map([raw_from], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for server in &servers {
            let days = raw_days(&tx, server, i64::MIN, raw_from)?;
            for row in days.values() {
                if row.day.as_str() >= keep_from_day.to_string().as_str() {
                    write_day(&tx, server, row)?;
                    done.days_compacted += 1;
                }
            }
            done.polls_compacted += tx.execute(
                "DELETE FROM polls WHERE server = ?1 AND at < ?2",
                params![server, raw_from],
            )? as u64;
            done.finished_compacted += tx.execute(
                "DELETE FROM finished WHERE server = ?1 AND done_at < ?2",
                params![server, raw_from],
            )? as u64;
        }
        let keep_day = keep_from_day.to_string();
        for (sql, value) in [
            (
                "DELETE FROM days WHERE day < ?1",
                rusqlite::types::Value::Text(keep_day.clone()),
            ),
            (
                "DELETE FROM day_statuses WHERE day < ?1",
                keep_day.clone().into(),
            ),
            (
                "DELETE FROM day_types WHERE day < ?1",
                keep_day.clone().into(),
            ),
            (
                "DELETE FROM failed_tasks WHERE last_seen < ?1",
                keep_from.into(),
            ),
            (
                "DELETE FROM failure_groups WHERE last_seen < ?1",
                keep_from.into(),
            ),
            ("DELETE FROM alerts WHERE at < ?1", keep_from.into()),
            ("DELETE FROM actions WHERE at < ?1", keep_from.into()),
            // A group gone with its failures can be announced again.
            (
                "DELETE FROM alert_state WHERE subject LIKE 'group:%' AND since < ?1 AND NOT EXISTS
                     (SELECT 1 FROM failure_groups g WHERE g.server = alert_state.server
                      AND 'group:' || g.group_key = alert_state.subject)",
                keep_from.into(),
            ),
            // The version in force at the start of the kept range stays.
            (
                "DELETE FROM versions WHERE at < ?1 AND rowid NOT IN
                 (SELECT max(rowid) FROM versions GROUP BY server)",
                keep_from.into(),
            ),
        ] {
            done.deleted += tx.execute(sql, [value])? as u64;
        }
        tx.commit()?;
        Ok(done)
    }

    /// Day rows of `[from, to)`: compacted days as stored, recent days
    /// worked out from the raw rows.
    pub fn days(
        &self,
        server: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> rusqlite::Result<Vec<DayRow>> {
        let from_day = from.date_naive();
        let to_day = to.date_naive() + Duration::days(1);
        let mut days = compacted_days(
            &self.conn,
            server,
            &from_day.to_string(),
            &to_day.to_string(),
        )?;
        for (day, row) in raw_days(&self.conn, server, day_start(from_day), day_start(to_day))? {
            match days.get_mut(&day) {
                // Compacted earlier and polled since (a clock set back).
                Some(existing) => {
                    existing.polls += row.polls;
                    existing.ok_polls += row.ok_polls;
                }
                None => {
                    days.insert(day, row);
                }
            }
        }
        Ok(days.into_values().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poll::{Check, Finished, Reading};

    fn t(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn reading(pending: u64, failed: u64, done: &[(&str, &str, &str, f64)]) -> Reading {
        Reading {
            api_version: Some(10),
            server_version: Some("3.0.5".into()),
            statuses: vec![("pending".into(), pending), ("failure".into(), failed)],
            worker_up: Some(true),
            checks: Some(vec![Check {
                name: "Redis".into(),
                health: "ok",
                detail: None,
            }]),
            oldest_pending: Some(t("2026-11-01T11:00:00Z")),
            open_failures: Some(failed),
            finished: done
                .iter()
                .map(|(id, status, at, duration)| Finished {
                    task: id.to_string(),
                    task_type: "consume_file".into(),
                    status: status.to_string(),
                    done_at: t(at),
                    duration: Some(*duration),
                    wait: Some(1.0),
                    error: None,
                    cause: None,
                })
                .collect(),
            ..Reading::default()
        }
    }

    const RETENTION: Retention = Retention {
        days: 400,
        raw_days: 14,
    };

    #[test]
    fn a_day_reads_the_same_before_and_after_it_is_compacted() {
        let mut store = Store::open_in_memory().unwrap();
        let day = "2026-11-01";
        store
            .record_poll(
                "p",
                t("2026-11-01T12:00:00Z"),
                40,
                &Ok(reading(
                    5,
                    2,
                    &[
                        ("1", "success", "2026-11-01T11:50:00Z", 2.0),
                        ("2", "failure", "2026-11-01T11:55:00Z", 4.0),
                    ],
                )),
            )
            .unwrap();
        store
            .record_poll("p", t("2026-11-01T12:01:00Z"), 40, &Err("down".into()))
            .unwrap();
        store
            .record_poll(
                "p",
                t("2026-11-01T12:02:00Z"),
                40,
                &Ok(reading(
                    3,
                    4,
                    &[
                        ("2", "failure", "2026-11-01T11:55:00Z", 4.0),
                        ("3", "success", "2026-11-01T12:01:00Z", 10.0),
                    ],
                )),
            )
            .unwrap();
        let range = (t("2026-11-01T00:00:00Z"), t("2026-11-01T23:00:00Z"));
        let before = store.days("p", range.0, range.1).unwrap();
        assert_eq!(before.len(), 1);
        let d = &before[0];
        assert_eq!(
            (
                d.day.as_str(),
                d.polls,
                d.ok_polls,
                d.worker_known_polls,
                d.worker_down_polls
            ),
            (day, 3, 2, 2, 0)
        );
        assert_eq!(d.statuses["pending"], StatusDay { last: 3, max: 5 });
        assert_eq!(d.statuses["failure"], StatusDay { last: 4, max: 4 });
        assert_eq!(d.open_failures_max, Some(4));
        assert_eq!(d.oldest_pending_max_seconds, Some(62.0 * 60.0));
        // Task 2 was seen twice and counts once.
        assert_eq!(
            d.types,
            [TypeDay {
                task_type: "consume_file".into(),
                success: 2,
                failure: 1,
                revoked: 0,
                duration_p50: Some(4.0),
                duration_p95: Some(10.0),
                wait_p50: Some(1.0),
                wait_p95: Some(1.0),
            }]
        );

        // 14 days later it is still raw; 15 days later it is compacted.
        let kept = store.upkeep(t("2026-11-15T10:00:00Z"), RETENTION).unwrap();
        assert_eq!(kept.polls_compacted, 0);
        let compacted = store.upkeep(t("2026-11-16T00:30:00Z"), RETENTION).unwrap();
        assert_eq!(
            (
                compacted.days_compacted,
                compacted.polls_compacted,
                compacted.finished_compacted
            ),
            (1, 3, 3)
        );
        let raw_left: i64 = store
            .conn
            .query_row("SELECT count(*) FROM polls", [], |r| r.get(0))
            .unwrap();
        assert_eq!(raw_left, 0);
        let children_left: i64 = store
            .conn
            .query_row("SELECT count(*) FROM poll_statuses", [], |r| r.get(0))
            .unwrap();
        assert_eq!(children_left, 0, "a compacted poll's figures go with it");
        let after = store.days("p", range.0, range.1).unwrap();
        assert_eq!(after.len(), 1);
        assert!(after[0].compacted);
        assert_eq!(
            DayRow {
                compacted: false,
                ..after[0].clone()
            },
            before[0]
        );
        // Compacting again changes nothing.
        assert_eq!(
            store.upkeep(t("2026-11-16T01:00:00Z"), RETENTION).unwrap(),
            Upkeep::default()
        );
        assert_eq!(store.days("p", range.0, range.1).unwrap(), after);
    }

    #[test]
    fn nothing_is_kept_beyond_the_retention() {
        let mut store = Store::open_in_memory().unwrap();
        store
            .record_poll(
                "p",
                t("2026-01-01T12:00:00Z"),
                1,
                &Ok(reading(
                    1,
                    1,
                    &[("1", "failure", "2026-01-01T11:00:00Z", 1.0)],
                )),
            )
            .unwrap();
        store
            .record_poll("p", t("2026-06-01T12:00:00Z"), 1, &Ok(reading(1, 1, &[])))
            .unwrap();
        store.upkeep(t("2026-06-20T00:00:00Z"), RETENTION).unwrap();
        let whole = (t("2025-01-01T00:00:00Z"), t("2027-01-01T00:00:00Z"));
        assert_eq!(store.days("p", whole.0, whole.1).unwrap().len(), 2);
        // 400 days after 2026-01-01 is 2027-02-05.
        store.upkeep(t("2027-02-05T00:00:00Z"), RETENTION).unwrap();
        assert_eq!(store.days("p", whole.0, whole.1).unwrap().len(), 2);
        store.upkeep(t("2027-02-06T00:00:00Z"), RETENTION).unwrap();
        let left: Vec<String> = store
            .days("p", whole.0, whole.1)
            .unwrap()
            .into_iter()
            .map(|d| d.day)
            .collect();
        assert_eq!(left, ["2026-06-01"]);
        let failed: i64 = store
            .conn
            .query_row("SELECT count(*) FROM failed_tasks", [], |r| r.get(0))
            .unwrap();
        assert_eq!(failed, 0, "a failure last seen 400 days ago is gone");
    }
}
