//! What the HTTP side answers, read from the store: a server's history,
//! the latest figures (for `/metrics`), the watcher's own health, and the
//! action log.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

use crate::alerts::ServerRef;
use crate::history::DayRow;
use crate::store::{Millis, Store, millis};

#[derive(Serialize)]
pub struct History {
    pub source: &'static str,
    pub server: ServerRef,
    #[serde(serialize_with = "crate::serde_time")]
    pub from: Millis,
    #[serde(serialize_with = "crate::serde_time")]
    pub to: Millis,
    /// UTC days, oldest first.
    pub days: Vec<DayRow>,
    /// Each poll in the range not yet compacted, newest first (at most
    /// [`MAX_POLLS`]).
    pub polls: Vec<PollRow>,
    pub polls_truncated: bool,
    /// Failures first or last seen in the range, newest first.
    pub failures: Vec<FailureRow>,
    pub failure_groups: Vec<GroupRow>,
    /// Changes of version, oldest first, with the one in force at `from`.
    pub versions: Vec<VersionRow>,
    pub alerts: Vec<AlertRow>,
}

pub const MAX_POLLS: u32 = 5000;
pub const MAX_FAILURES: u32 = 1000;

#[derive(Serialize)]
pub struct PollRow {
    #[serde(serialize_with = "crate::serde_time")]
    pub at: Millis,
    pub ok: bool,
    pub took_ms: i64,
    pub error: Option<String>,
    pub api_version: Option<u32>,
    pub server_version: Option<String>,
    pub worker_up: Option<bool>,
    pub health: Option<String>,
    pub oldest_pending_seconds: Option<f64>,
    pub open_failures: Option<u64>,
    pub notes: Option<String>,
    pub statuses: BTreeMap<String, u64>,
    pub types: Vec<PollType>,
    pub checks: Vec<PollCheck>,
}

#[derive(Serialize)]
pub struct PollType {
    pub task_type: String,
    pub total: u64,
    pub pending: u64,
    pub success: u64,
    pub failure: u64,
    pub avg_duration_seconds: Option<f64>,
    pub avg_wait_seconds: Option<f64>,
}

#[derive(Serialize)]
pub struct PollCheck {
    pub name: String,
    pub health: String,
    pub detail: Option<String>,
}

#[derive(Serialize)]
pub struct FailureRow {
    pub task: String,
    pub task_type: String,
    #[serde(serialize_with = "crate::serde_time_opt")]
    pub failed_at: Option<Millis>,
    pub error: String,
    #[serde(serialize_with = "crate::serde_time")]
    pub first_seen: Millis,
    #[serde(serialize_with = "crate::serde_time")]
    pub last_seen: Millis,
    /// The failure group, once failure grouping is in place.
    pub group: Option<String>,
}

#[derive(Serialize)]
pub struct GroupRow {
    pub group: String,
    pub label: String,
    #[serde(serialize_with = "crate::serde_time")]
    pub first_seen: Millis,
    #[serde(serialize_with = "crate::serde_time")]
    pub last_seen: Millis,
}

#[derive(Serialize)]
pub struct VersionRow {
    #[serde(serialize_with = "crate::serde_time")]
    pub at: Millis,
    pub server_version: Option<String>,
    pub api_version: Option<u32>,
}

#[derive(Serialize)]
pub struct AlertRow {
    pub id: i64,
    #[serde(serialize_with = "crate::serde_time")]
    pub at: Millis,
    pub rule: String,
    pub rule_kind: String,
    pub subject: String,
    pub state: String,
    pub held_back: Option<String>,
    pub severity: String,
    pub title: String,
    pub message: String,
    pub deliveries: Vec<DeliveryRow>,
}

#[derive(Serialize)]
pub struct DeliveryRow {
    pub channel: String,
    pub status: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    #[serde(serialize_with = "crate::serde_time_opt")]
    pub done_at: Option<Millis>,
}

/// The latest figures of one server, for `/metrics`.
pub struct Latest {
    pub server: String,
    pub last_poll_at: Millis,
    pub last_poll_ok: bool,
    /// From the latest successful poll.
    pub ok_at: Option<Millis>,
    pub statuses: Vec<(String, u64)>,
    pub worker_up: Option<bool>,
    pub oldest_pending_at: Option<Millis>,
    pub open_failures: Option<u64>,
}

/// The watcher's own health.
#[derive(Serialize)]
pub struct ServerHealth {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub url: String,
    #[serde(serialize_with = "crate::serde_time_opt")]
    pub last_poll_at: Option<Millis>,
    pub last_poll_ok: Option<bool>,
    pub last_error: Option<String>,
    pub notes: Option<String>,
    #[serde(serialize_with = "crate::serde_time_opt")]
    pub last_ok_at: Option<Millis>,
    pub failures_in_a_row: u32,
}

#[derive(Serialize)]
pub struct ChannelHealth {
    pub name: String,
    pub kind: String,
    pub pending: u64,
    pub sent: u64,
    /// Deliveries given up after every retry.
    pub failed: u64,
    /// Failed attempts so far of deliveries still being retried.
    pub retrying: u64,
    pub last_error: Option<String>,
    #[serde(serialize_with = "crate::serde_time_opt")]
    pub last_error_at: Option<Millis>,
    #[serde(serialize_with = "crate::serde_time_opt")]
    pub last_sent_at: Option<Millis>,
}

pub use taskdeck_api::watcher::{ActionEntry, ActionServer};

/// A kept entry with where it came from.
#[derive(Serialize)]
pub struct StoredAction {
    #[serde(serialize_with = "crate::serde_time")]
    pub received_at: Millis,
    /// The page's origin that posted it, or `local` (no browser).
    pub origin: String,
    #[serde(flatten)]
    pub entry: ActionEntry,
}

impl Store {
    pub fn server_ref(&self, id: &str) -> rusqlite::Result<Option<ServerRef>> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(
                "SELECT id, name, kind, url FROM servers WHERE id = ?1",
                [id],
                |r| {
                    Ok(ServerRef {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        kind: r.get(2)?,
                        url: r.get(3)?,
                    })
                },
            )
            .optional()
    }

    pub fn history(
        &self,
        server: &ServerRef,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> rusqlite::Result<History> {
        let (f, t) = (millis(from), millis(to));
        let id = server.id.as_str();
        let days = self.days(id, from, to)?;
        let mut polls = Vec::new();
        {
            let mut s = self.conn.prepare_cached(
                "SELECT id, at, ok, took_ms, error, api_version, server_version, worker_up, health,
                        oldest_pending_at, open_failures, notes
                 FROM polls WHERE server = ?1 AND at >= ?2 AND at <= ?3 ORDER BY at DESC, id DESC LIMIT ?4",
            )?;
            let mut rows = s.query(params![id, f, t, MAX_POLLS + 1])?;
            let mut ids = Vec::new();
            while let Some(r) = rows.next()? {
                let at: Millis = r.get(1)?;
                ids.push(r.get::<_, i64>(0)?);
                polls.push(PollRow {
                    at,
                    ok: r.get(2)?,
                    took_ms: r.get(3)?,
                    error: r.get(4)?,
                    api_version: r.get(5)?,
                    server_version: r.get(6)?,
                    worker_up: r.get(7)?,
                    health: r.get(8)?,
                    oldest_pending_seconds: r
                        .get::<_, Option<Millis>>(9)?
                        .map(|o| (at - o).max(0) as f64 / 1000.0),
                    open_failures: r.get::<_, Option<i64>>(10)?.map(|n| n as u64),
                    notes: r.get(11)?,
                    statuses: BTreeMap::new(),
                    types: Vec::new(),
                    checks: Vec::new(),
                });
            }
            drop(rows);
            let truncated = polls.len() > MAX_POLLS as usize;
            polls.truncate(MAX_POLLS as usize);
            ids.truncate(MAX_POLLS as usize);
            let mut statuses = self
                .conn
                .prepare_cached("SELECT status, count FROM poll_statuses WHERE poll = ?1")?;
            let mut types = self.conn.prepare_cached(
                "SELECT task_type, total, pending, success, failure, avg_duration, avg_wait FROM poll_types WHERE poll = ?1 ORDER BY task_type",
            )?;
            let mut checks = self
                .conn
                .prepare_cached("SELECT name, health, detail FROM poll_checks WHERE poll = ?1")?;
            for (poll, row) in ids.iter().zip(polls.iter_mut()) {
                row.statuses = statuses
                    .query_map([poll], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                row.types = types
                    .query_map([poll], |r| {
                        Ok(PollType {
                            task_type: r.get(0)?,
                            total: r.get::<_, i64>(1)? as u64,
                            pending: r.get::<_, i64>(2)? as u64,
                            success: r.get::<_, i64>(3)? as u64,
                            failure: r.get::<_, i64>(4)? as u64,
                            avg_duration_seconds: r.get(5)?,
                            avg_wait_seconds: r.get(6)?,
                        })
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                row.checks = checks
                    .query_map([poll], |r| {
                        Ok(PollCheck {
                            name: r.get(0)?,
                            health: r.get(1)?,
                            detail: r.get(2)?,
                        })
                    })?
                    .collect::<rusqlite::Result<_>>()?;
            }
            Ok(History {
                source: "taskdeck-watch",
                server: server.clone(),
                from: f,
                to: t,
                days,
                polls_truncated: truncated,
                polls,
                failures: self.failures_in(id, f, t)?,
                failure_groups: self.groups_in(id, f, t)?,
                versions: self.versions_in(id, f, t)?,
                alerts: self.alerts_in(id, f, t)?,
            })
        }
    }

    fn failures_in(
        &self,
        server: &str,
        from: Millis,
        to: Millis,
    ) -> rusqlite::Result<Vec<FailureRow>> {
        let mut s = self.conn.prepare_cached(
            "SELECT task, task_type, failed_at, error, first_seen, last_seen, group_key FROM failed_tasks
             WHERE server = ?1 AND last_seen >= ?2 AND first_seen <= ?3
             ORDER BY coalesce(failed_at, first_seen) DESC LIMIT ?4",
        )?;
        let rows = s.query_map(params![server, from, to, MAX_FAILURES], |r| {
            Ok(FailureRow {
                task: r.get(0)?,
                task_type: r.get(1)?,
                failed_at: r.get(2)?,
                error: r.get(3)?,
                first_seen: r.get(4)?,
                last_seen: r.get(5)?,
                group: r.get(6)?,
            })
        })?;
        rows.collect()
    }

    fn groups_in(&self, server: &str, from: Millis, to: Millis) -> rusqlite::Result<Vec<GroupRow>> {
        let mut s = self.conn.prepare_cached(
            "SELECT group_key, label, first_seen, last_seen FROM failure_groups
             WHERE server = ?1 AND last_seen >= ?2 AND first_seen <= ?3 ORDER BY last_seen DESC",
        )?;
        let rows = s.query_map(params![server, from, to], |r| {
            Ok(GroupRow {
                group: r.get(0)?,
                label: r.get(1)?,
                first_seen: r.get(2)?,
                last_seen: r.get(3)?,
            })
        })?;
        rows.collect()
    }

    fn versions_in(
        &self,
        server: &str,
        from: Millis,
        to: Millis,
    ) -> rusqlite::Result<Vec<VersionRow>> {
        let mut s = self.conn.prepare_cached(
            "SELECT at, server_version, api_version FROM versions WHERE server = ?1 AND at <= ?3 AND
                 (at >= ?2 OR rowid = (SELECT max(rowid) FROM versions WHERE server = ?1 AND at < ?2))
             ORDER BY at, rowid",
        )?;
        let rows = s.query_map(params![server, from, to], |r| {
            Ok(VersionRow {
                at: r.get(0)?,
                server_version: r.get(1)?,
                api_version: r.get(2)?,
            })
        })?;
        rows.collect()
    }

    fn alerts_in(&self, server: &str, from: Millis, to: Millis) -> rusqlite::Result<Vec<AlertRow>> {
        let mut s = self.conn.prepare_cached(
            "SELECT id, at, rule, rule_kind, subject, state, held_back, severity, title, message FROM alerts
             WHERE server = ?1 AND at >= ?2 AND at <= ?3 ORDER BY at DESC, id DESC LIMIT 1000",
        )?;
        let mut alerts: Vec<AlertRow> = s
            .query_map(params![server, from, to], |r| {
                Ok(AlertRow {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    rule: r.get(2)?,
                    rule_kind: r.get(3)?,
                    subject: r.get(4)?,
                    state: r.get(5)?,
                    held_back: r.get(6)?,
                    severity: r.get(7)?,
                    title: r.get(8)?,
                    message: r.get(9)?,
                    deliveries: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut d = self.conn.prepare_cached(
            "SELECT channel, status, attempts, last_error, done_at FROM deliveries WHERE alert = ?1 ORDER BY channel",
        )?;
        for alert in &mut alerts {
            alert.deliveries = d
                .query_map([alert.id], |r| {
                    Ok(DeliveryRow {
                        channel: r.get(0)?,
                        status: r.get(1)?,
                        attempts: r.get(2)?,
                        last_error: r.get(3)?,
                        done_at: r.get(4)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
        }
        Ok(alerts)
    }

    /// The latest figures per server, in the order given.
    pub fn latest(&self, servers: &[String]) -> rusqlite::Result<Vec<Latest>> {
        use rusqlite::OptionalExtension;
        let mut out = Vec::new();
        let mut last = self.conn.prepare_cached(
            "SELECT at, ok FROM polls WHERE server = ?1 ORDER BY at DESC, id DESC LIMIT 1",
        )?;
        let mut last_ok = self.conn.prepare_cached(
            "SELECT id, at, worker_up, oldest_pending_at, open_failures FROM polls
             WHERE server = ?1 AND ok = 1 ORDER BY at DESC, id DESC LIMIT 1",
        )?;
        let mut statuses = self.conn.prepare_cached(
            "SELECT status, count FROM poll_statuses WHERE poll = ?1 ORDER BY status",
        )?;
        for server in servers {
            let Some((at, ok)) = last
                .query_row([server], |r| {
                    Ok((r.get::<_, Millis>(0)?, r.get::<_, bool>(1)?))
                })
                .optional()?
            else {
                continue;
            };
            let mut latest = Latest {
                server: server.clone(),
                last_poll_at: at,
                last_poll_ok: ok,
                ok_at: None,
                statuses: Vec::new(),
                worker_up: None,
                oldest_pending_at: None,
                open_failures: None,
            };
            let good = last_ok
                .query_row([server], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Millis>(1)?,
                        r.get::<_, Option<bool>>(2)?,
                        r.get::<_, Option<Millis>>(3)?,
                        r.get::<_, Option<i64>>(4)?,
                    ))
                })
                .optional()?;
            if let Some((poll, ok_at, worker_up, oldest, open)) = good {
                latest.ok_at = Some(ok_at);
                latest.worker_up = worker_up;
                latest.oldest_pending_at = oldest;
                latest.open_failures = open.map(|n| n as u64);
                latest.statuses = statuses
                    .query_map([poll], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
            }
            out.push(latest);
        }
        Ok(out)
    }

    pub fn server_health(&self, server: &ServerRef) -> rusqlite::Result<ServerHealth> {
        use rusqlite::OptionalExtension;
        let last = self
            .conn
            .query_row(
                "SELECT at, ok, error, notes FROM polls WHERE server = ?1 ORDER BY at DESC, id DESC LIMIT 1",
                [&server.id],
                |r| Ok((r.get::<_, Millis>(0)?, r.get::<_, bool>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, Option<String>>(3)?)),
            )
            .optional()?;
        let last_ok_at: Option<Millis> = self.conn.query_row(
            "SELECT max(at) FROM polls WHERE server = ?1 AND ok = 1",
            [&server.id],
            |r| r.get(0),
        )?;
        Ok(ServerHealth {
            id: server.id.clone(),
            name: server.name.clone(),
            kind: server.kind.clone(),
            url: server.url.clone(),
            last_poll_at: last.as_ref().map(|l| l.0),
            last_poll_ok: last.as_ref().map(|l| l.1),
            last_error: last.as_ref().and_then(|l| l.2.clone()),
            notes: last.and_then(|l| l.3),
            last_ok_at,
            failures_in_a_row: self.failures_in_a_row(&server.id)?,
        })
    }

    pub fn channel_health(&self, name: &str, kind: &str) -> rusqlite::Result<ChannelHealth> {
        use rusqlite::OptionalExtension;
        let (pending, sent, failed, retrying): (i64, i64, i64, i64) = self.conn.query_row(
            "SELECT coalesce(sum(status = 'pending'), 0), coalesce(sum(status = 'sent'), 0),
                    coalesce(sum(status = 'failed'), 0),
                    coalesce(sum(CASE WHEN status = 'pending' THEN attempts ELSE 0 END), 0)
             FROM deliveries WHERE channel = ?1",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let last_error = self
            .conn
            .query_row(
                "SELECT last_error, coalesce(done_at, next_at) FROM deliveries
                 WHERE channel = ?1 AND last_error IS NOT NULL ORDER BY coalesce(done_at, next_at) DESC LIMIT 1",
                [name],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, Millis>(1)?)),
            )
            .optional()?;
        let last_sent_at: Option<Millis> = self.conn.query_row(
            "SELECT max(done_at) FROM deliveries WHERE channel = ?1 AND status = 'sent'",
            [name],
            |r| r.get(0),
        )?;
        Ok(ChannelHealth {
            name: name.to_string(),
            kind: kind.to_string(),
            pending: pending as u64,
            sent: sent as u64,
            failed: failed as u64,
            retrying: retrying as u64,
            last_error_at: last_error.as_ref().map(|e| e.1),
            last_error: last_error.map(|e| e.0),
            last_sent_at,
        })
    }

    /// Keeps an entry; `false` when one with this id was kept before.
    pub fn add_action(
        &mut self,
        entry: &ActionEntry,
        origin: &str,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<bool> {
        let mut entry = entry.clone();
        entry.ids.truncate(1000);
        let added = self.conn.execute(
            "INSERT OR IGNORE INTO actions (id, received_at, at, origin, entry) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                entry.id,
                millis(now),
                millis(entry.at),
                origin,
                serde_json::to_string(&entry).expect("serialisable")
            ],
        )?;
        Ok(added == 1)
    }

    /// Entries of `[from, to]`, newest first; `server`: only those for
    /// this address.
    pub fn actions(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        server_url: Option<&str>,
        limit: u32,
    ) -> rusqlite::Result<Vec<StoredAction>> {
        let mut s = self.conn.prepare_cached(
            "SELECT received_at, origin, entry FROM actions WHERE at >= ?1 AND at <= ?2
             ORDER BY at DESC, received_at DESC",
        )?;
        let rows = s.query_map(params![millis(from), millis(to)], |r| {
            Ok((
                r.get::<_, Millis>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (received_at, origin, text) = row?;
            // Written by this program from a checked entry.
            let Ok(entry) = serde_json::from_str::<ActionEntry>(&text) else {
                continue;
            };
            if server_url.is_some_and(|url| {
                entry.server.url.trim_end_matches('/') != url.trim_end_matches('/')
            }) {
                continue;
            }
            out.push(StoredAction {
                received_at,
                origin,
                entry,
            });
            if out.len() >= limit as usize {
                break;
            }
        }
        Ok(out)
    }
}
