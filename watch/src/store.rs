//! The watcher's memory: one SQLite file. Per poll and server what the
//! server said; finished tasks and failures; what was alerted and how each
//! channel's delivery went; the action log. Times are milliseconds since
//! the Unix epoch (UTC); days are UTC days. No token is ever written here:
//! servers are stored by id, name, kind and address only.
//!
//! Compaction and retention live in [`crate::history`].

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::config::ServerConfig;
use crate::poll::Reading;

pub type Millis = i64;

/// What the store's operations fail with (SQLite's errors), for embedding
/// apps that do not depend on rusqlite themselves.
pub type StoreError = rusqlite::Error;

pub fn millis(t: DateTime<Utc>) -> Millis {
    t.timestamp_millis()
}

pub fn from_millis(ms: Millis) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// 2: polls keep the newest completion and overdue schedules (stall
/// detection); failures their group.
const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS servers (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, url TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS polls (
    id INTEGER PRIMARY KEY,
    server TEXT NOT NULL,
    at INTEGER NOT NULL,
    took_ms INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    error TEXT,
    api_version INTEGER,
    server_version TEXT,
    worker_up INTEGER,
    -- the worst health check, when they were read in this poll
    health TEXT,
    oldest_pending_at INTEGER,
    open_failures INTEGER,
    notes TEXT,
    newest_completion_at INTEGER,
    -- JSON: InvenTree schedules overdue by more than a period
    overdue TEXT
);
CREATE INDEX IF NOT EXISTS polls_server_at ON polls (server, at);
CREATE TABLE IF NOT EXISTS poll_statuses (
    poll INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    status TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (poll, status)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS poll_types (
    poll INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    task_type TEXT NOT NULL,
    total INTEGER NOT NULL, pending INTEGER NOT NULL, success INTEGER NOT NULL, failure INTEGER NOT NULL,
    avg_duration REAL, avg_wait REAL,
    PRIMARY KEY (poll, task_type)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS poll_checks (
    poll INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    name TEXT NOT NULL, health TEXT NOT NULL, detail TEXT,
    PRIMARY KEY (poll, name)
) WITHOUT ROWID;
-- Each finished task once, for the days not yet compacted.
CREATE TABLE IF NOT EXISTS finished (
    server TEXT NOT NULL, task TEXT NOT NULL,
    task_type TEXT NOT NULL, status TEXT NOT NULL, done_at INTEGER NOT NULL,
    duration REAL, wait REAL,
    PRIMARY KEY (server, task)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS finished_done ON finished (server, done_at);
-- Every failure seen, with its cause (taskdeck-triage's signature, hashed).
CREATE TABLE IF NOT EXISTS failed_tasks (
    server TEXT NOT NULL, task TEXT NOT NULL,
    task_type TEXT NOT NULL, failed_at INTEGER, error TEXT NOT NULL,
    first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
    group_key TEXT,
    PRIMARY KEY (server, task)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS failure_groups (
    server TEXT NOT NULL, group_key TEXT NOT NULL, label TEXT NOT NULL,
    first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
    PRIMARY KEY (server, group_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS versions (
    server TEXT NOT NULL, at INTEGER NOT NULL, server_version TEXT, api_version INTEGER
);
CREATE INDEX IF NOT EXISTS versions_server_at ON versions (server, at);
-- Compacted days.
CREATE TABLE IF NOT EXISTS days (
    server TEXT NOT NULL, day TEXT NOT NULL,
    polls INTEGER NOT NULL, ok_polls INTEGER NOT NULL,
    worker_known_polls INTEGER NOT NULL, worker_down_polls INTEGER NOT NULL,
    health_error_polls INTEGER NOT NULL,
    oldest_pending_max REAL, open_failures_max INTEGER,
    server_version TEXT, api_version INTEGER,
    PRIMARY KEY (server, day)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS day_statuses (
    server TEXT NOT NULL, day TEXT NOT NULL, status TEXT NOT NULL,
    last INTEGER NOT NULL, max INTEGER NOT NULL,
    PRIMARY KEY (server, day, status)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS day_types (
    server TEXT NOT NULL, day TEXT NOT NULL, task_type TEXT NOT NULL,
    success INTEGER NOT NULL, failure INTEGER NOT NULL, revoked INTEGER NOT NULL,
    duration_p50 REAL, duration_p95 REAL, wait_p50 REAL, wait_p95 REAL,
    PRIMARY KEY (server, day, task_type)
) WITHOUT ROWID;
-- Alerts: where each rule's condition stands, what was decided, and each
-- channel's delivery.
CREATE TABLE IF NOT EXISTS alert_state (
    rule TEXT NOT NULL, server TEXT NOT NULL, subject TEXT NOT NULL,
    active INTEGER NOT NULL, since INTEGER NOT NULL,
    last_alert_at INTEGER,
    -- whether this active period was announced (not held back by the cooldown)
    announced INTEGER NOT NULL,
    PRIMARY KEY (rule, server, subject)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    rule TEXT NOT NULL, rule_kind TEXT NOT NULL,
    server TEXT NOT NULL, subject TEXT NOT NULL,
    -- firing, resolved or repeat
    state TEXT NOT NULL,
    -- why it was not sent (cooldown), or NULL
    held_back TEXT,
    severity TEXT NOT NULL,
    title TEXT NOT NULL, message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_server_at ON alerts (server, at);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY,
    alert INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    -- pending, sent or failed
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_at INTEGER NOT NULL,
    last_error TEXT,
    done_at INTEGER
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_at);
CREATE TABLE IF NOT EXISTS actions (
    id TEXT PRIMARY KEY,
    received_at INTEGER NOT NULL,
    at INTEGER NOT NULL,
    origin TEXT NOT NULL,
    entry TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS actions_at ON actions (at);
"#;

pub struct Store {
    pub(crate) conn: Connection,
}

/// The health of the worst check, by the order error > warning > ok.
fn worst(checks: &[crate::poll::Check]) -> Option<&'static str> {
    let rank = |h: &str| match h {
        "error" => 3,
        "warning" => 2,
        "ok" => 1,
        _ => 0,
    };
    checks
        .iter()
        .map(|c| c.health)
        .filter(|h| rank(h) > 0)
        .max_by_key(|h| rank(h))
}

impl Store {
    pub fn open(path: &Path) -> rusqlite::Result<Store> {
        let conn = Connection::open(path)?;
        // One writer (the watcher's thread), readers (the HTTP side) that
        // do not block it.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Store::init(conn)
    }

    pub fn open_in_memory() -> rusqlite::Result<Store> {
        Store::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> rusqlite::Result<Store> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(SCHEMA)?;
        let version: Option<i64> = conn
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
                r.get::<_, String>(0)
            })
            .optional()?
            .and_then(|v| v.parse().ok());
        match version {
            None => {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema', ?1)",
                    [SCHEMA_VERSION.to_string()],
                )?;
            }
            Some(v) if v > SCHEMA_VERSION => {
                return Err(rusqlite::Error::InvalidParameterName(format!(
                    "this history was written by a newer taskdeck-watch (schema {v}); \
                     this one reads schema {SCHEMA_VERSION}"
                )));
            }
            Some(1) => {
                conn.execute_batch(
                    "BEGIN;
                     ALTER TABLE polls ADD COLUMN newest_completion_at INTEGER;
                     ALTER TABLE polls ADD COLUMN overdue TEXT;
                     UPDATE meta SET value = '2' WHERE key = 'schema';
                     COMMIT;",
                )?;
            }
            Some(_) => {}
        }
        Ok(Store { conn })
    }

    /// The servers as configured (no tokens).
    pub fn sync_servers(&mut self, servers: &[ServerConfig]) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        for s in servers {
            tx.execute(
                "INSERT INTO servers (id, kind, name, url) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, url = excluded.url",
                params![s.id, kind_str(s.kind), s.name, s.url.as_str()],
            )?;
        }
        tx.commit()
    }

    /// The newest finish time recorded for a server.
    pub fn newest_done(&self, server: &str) -> rusqlite::Result<Option<DateTime<Utc>>> {
        let newest: Option<Millis> = self.conn.query_row(
            "SELECT max(done_at) FROM finished WHERE server = ?1",
            [server],
            |r| r.get(0),
        )?;
        Ok(newest.map(from_millis))
    }

    /// Whether the server was ever polled (its first poll sets baselines).
    pub fn polled_before(&self, server: &str) -> rusqlite::Result<bool> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM polls WHERE server = ?1) OR EXISTS (SELECT 1 FROM days WHERE server = ?1)",
                [server],
                |r| r.get(0),
            )
    }

    /// Writes one poll: its row and figures, the finished tasks and
    /// failures it saw, and the server's version when it changed.
    pub fn record_poll(
        &mut self,
        server: &str,
        at: DateTime<Utc>,
        took_ms: i64,
        result: &Result<Reading, String>,
    ) -> rusqlite::Result<i64> {
        let at_ms = millis(at);
        let tx = self.conn.transaction()?;
        let id = match result {
            Err(error) => {
                tx.execute(
                    "INSERT INTO polls (server, at, took_ms, ok, error) VALUES (?1, ?2, ?3, 0, ?4)",
                    params![server, at_ms, took_ms, error],
                )?;
                tx.last_insert_rowid()
            }
            Ok(r) => {
                let notes = (!r.notes.is_empty()).then(|| r.notes.join("\n"));
                tx.execute(
                    "INSERT INTO polls (server, at, took_ms, ok, api_version, server_version, worker_up,
                                        health, oldest_pending_at, open_failures, notes,
                                        newest_completion_at, overdue)
                     VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    params![
                        server,
                        at_ms,
                        took_ms,
                        r.api_version,
                        r.server_version,
                        r.worker_up,
                        r.checks.as_deref().and_then(worst),
                        r.oldest_pending.map(millis),
                        r.open_failures.map(|n| n as i64),
                        notes,
                        r.newest_completion.map(millis),
                        (!r.overdue.is_empty())
                            .then(|| serde_json::to_string(&r.overdue).expect("serialisable")),
                    ],
                )?;
                let poll = tx.last_insert_rowid();
                for (status, count) in &r.statuses {
                    tx.execute(
                        "INSERT OR REPLACE INTO poll_statuses (poll, status, count) VALUES (?1, ?2, ?3)",
                        params![poll, status, *count as i64],
                    )?;
                }
                for t in &r.types {
                    tx.execute(
                        "INSERT OR REPLACE INTO poll_types (poll, task_type, total, pending, success, failure, avg_duration, avg_wait)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        params![
                            poll,
                            t.task_type,
                            t.total as i64,
                            t.pending as i64,
                            t.success as i64,
                            t.failure as i64,
                            t.avg_duration,
                            t.avg_wait
                        ],
                    )?;
                }
                for c in r.checks.iter().flatten() {
                    tx.execute(
                        "INSERT OR REPLACE INTO poll_checks (poll, name, health, detail) VALUES (?1, ?2, ?3, ?4)",
                        params![poll, c.name, c.health, c.detail],
                    )?;
                }
                for f in &r.finished {
                    tx.execute(
                        "INSERT OR IGNORE INTO finished (server, task, task_type, status, done_at, duration, wait)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![server, f.task, f.task_type, f.status, millis(f.done_at), f.duration, f.wait],
                    )?;
                    if f.status == "failure" {
                        tx.execute(
                            "INSERT INTO failed_tasks (server, task, task_type, failed_at, error, first_seen, last_seen, group_key)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)
                             ON CONFLICT (server, task) DO UPDATE SET
                                 group_key = coalesce(group_key, excluded.group_key)",
                            params![server, f.task, f.task_type, millis(f.done_at), f.error.as_deref().unwrap_or(""), at_ms,
                                    f.cause.as_ref().map(|c| &c.key)],
                        )?;
                        if let Some(cause) = &f.cause {
                            seen_group(&tx, server, cause, at_ms)?;
                        }
                    }
                }
                for f in &r.failures {
                    tx.execute(
                        "INSERT INTO failed_tasks (server, task, task_type, failed_at, error, first_seen, last_seen, group_key)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)
                         ON CONFLICT (server, task) DO UPDATE SET last_seen = excluded.last_seen,
                             error = CASE WHEN excluded.error = '' THEN error ELSE excluded.error END,
                             group_key = excluded.group_key",
                        params![server, f.task, f.task_type, f.failed_at.map(millis), f.error, at_ms, f.cause.key],
                    )?;
                    seen_group(&tx, server, &f.cause, at_ms)?;
                }
                let last: Option<(Option<String>, Option<u32>)> = tx
                    .query_row(
                        "SELECT server_version, api_version FROM versions WHERE server = ?1 ORDER BY at DESC LIMIT 1",
                        [server],
                        |row| Ok((row.get(0)?, row.get(1)?)),
                    )
                    .optional()?;
                let now_known = (r.server_version.clone(), r.api_version);
                let changed = match &last {
                    None => now_known.0.is_some() || now_known.1.is_some(),
                    // A version not read this poll is not a change.
                    Some(before) => {
                        (now_known.0.is_some() && now_known.0 != before.0)
                            || (now_known.1.is_some() && now_known.1 != before.1)
                    }
                };
                if changed {
                    tx.execute(
                        "INSERT INTO versions (server, at, server_version, api_version) VALUES (?1, ?2, ?3, ?4)",
                        params![server, at_ms, r.server_version, r.api_version],
                    )?;
                }
                poll
            }
        };
        tx.commit()?;
        Ok(id)
    }

    /// Polls in a row that failed, newest backwards.
    pub fn failures_in_a_row(&self, server: &str) -> rusqlite::Result<u32> {
        let mut statement = self.conn.prepare_cached(
            "SELECT ok FROM polls WHERE server = ?1 ORDER BY at DESC, id DESC LIMIT 1000",
        )?;
        let oks = statement.query_map([server], |r| r.get::<_, bool>(0))?;
        let mut count = 0;
        for ok in oks {
            if ok? {
                break;
            }
            count += 1;
        }
        Ok(count)
    }

    /// Tasks that finished since `since`: (succeeded, failed).
    pub fn outcomes_since(
        &self,
        server: &str,
        since: DateTime<Utc>,
    ) -> rusqlite::Result<(u64, u64)> {
        self.conn.query_row(
            "SELECT coalesce(sum(status = 'success'), 0), coalesce(sum(status = 'failure'), 0)
             FROM finished WHERE server = ?1 AND done_at >= ?2",
            params![server, millis(since)],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
        )
    }
}

/// A failure group seen in a poll: added the first time, its last sighting
/// moved on after.
fn seen_group(
    tx: &rusqlite::Transaction,
    server: &str,
    cause: &crate::poll::Cause,
    at: Millis,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO failure_groups (server, group_key, label, first_seen, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT (server, group_key) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)",
        params![server, cause.key, cause.label, at],
    )?;
    Ok(())
}

pub fn kind_str(kind: taskdeck_api::ServerKind) -> &'static str {
    match kind {
        taskdeck_api::ServerKind::Paperless => "paperless",
        taskdeck_api::ServerKind::InvenTree => "inventree",
    }
}
