//! What `taskdeck-triage` makes of the history: a server's last polls as
//! the series its stall detection reads, and the failure groups (causes)
//! a `new_failure_group` rule has not announced yet.
//!
//! Both are read from the SQLite file, not kept in memory, so a restart
//! changes nothing: the series is the last polls written, and a group is
//! announced once per rule, server and cause (a row in `alert_state`,
//! subject `group:<key>`, written with the alert in one transaction).

use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, params};
use taskdeck_api::paperless_admin::Health;
use taskdeck_triage::stall::{Observation, OverdueSchedule, Series, WorkerState};

use crate::config::{RuleConfig, ServerConfig};
use crate::poll::{Overdue, WORKER_CHECK};
use crate::rules::{Condition, GROUPS_SUBJECT, NewGroup};
use crate::store::{Millis, Store, from_millis, millis};

/// A poll as stall detection reads it: id, time, worker, oldest pending,
/// newest completion, overdue schedules (JSON).
type PollRow = (
    i64,
    Millis,
    Option<bool>,
    Option<Millis>,
    Option<Millis>,
    Option<String>,
);

fn group_subject(key: &str) -> String {
    format!("group:{key}")
}

fn health(word: Option<String>) -> Option<Health> {
    match word.as_deref()? {
        "ok" => Some(Health::Ok),
        "warning" => Some(Health::Warning),
        "error" => Some(Health::Error),
        "disabled" => Some(Health::Disabled),
        _ => Some(Health::Unknown),
    }
}

impl Store {
    /// The server's last successful polls, oldest first, as observations
    /// for stall detection ([`Series::KEEP`] of them at most).
    pub fn observations(&self, server: &str) -> rusqlite::Result<Vec<Observation>> {
        let mut polls = self.conn.prepare_cached(
            "SELECT id, at, worker_up, oldest_pending_at, newest_completion_at, overdue
             FROM polls WHERE server = ?1 AND ok = 1 ORDER BY at DESC, id DESC LIMIT ?2",
        )?;
        let mut waiting = self.conn.prepare_cached(
            "SELECT coalesce(sum(count), 0) FROM poll_statuses
             WHERE poll = ?1 AND status IN ('pending', 'started', 'retry')",
        )?;
        let mut check = self
            .conn
            .prepare_cached("SELECT health FROM poll_checks WHERE poll = ?1 AND name = ?2")?;
        let rows: Vec<PollRow> = polls
            .query_map(params![server, Series::KEEP as i64], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut series = Vec::with_capacity(rows.len());
        for (poll, at, worker_up, oldest, newest, overdue) in rows.into_iter().rev() {
            let pending: i64 = waiting.query_row([poll], |r| r.get(0))?;
            let mut read_check = |name: &str| -> rusqlite::Result<Option<Health>> {
                Ok(health(
                    check
                        .query_row(params![poll, name], |r| r.get::<_, String>(0))
                        .optional()?,
                ))
            };
            let celery = read_check(WORKER_CHECK)?;
            let redis = read_check("Redis")?;
            let overdue: Vec<Overdue> = overdue
                .and_then(|json| serde_json::from_str(&json).ok())
                .unwrap_or_default();
            series.push(Observation {
                at: from_millis(at),
                pending: pending.max(0) as u64,
                oldest_pending: oldest.map(from_millis),
                newest_completion: newest.map(from_millis),
                worker: match worker_up {
                    Some(true) => WorkerState::Running,
                    Some(false) => WorkerState::NotRunning,
                    None => WorkerState::Unknown,
                },
                celery,
                redis,
                overdue: overdue
                    .into_iter()
                    .map(|o| OverdueSchedule {
                        name: o.name,
                        late: Duration::seconds(o.late_seconds),
                    })
                    .collect(),
            });
        }
        Ok(series)
    }

    /// Whether `rule` has taken `server`'s baseline of groups, and when it
    /// last alerted about new ones.
    pub fn group_rule_state(
        &self,
        rule: &str,
        server: &str,
    ) -> rusqlite::Result<Option<Option<Millis>>> {
        self.conn
            .query_row(
                "SELECT last_alert_at FROM alert_state WHERE rule = ?1 AND server = ?2 AND subject = ?3",
                params![rule, server, GROUPS_SUBJECT],
                |r| r.get(0),
            )
            .optional()
    }

    /// The server's failure groups `rule` has not announced (nor taken as
    /// its baseline), oldest first.
    pub fn unannounced_groups(&self, rule: &str, server: &str) -> rusqlite::Result<Vec<NewGroup>> {
        let mut s = self.conn.prepare_cached(
            "SELECT g.group_key, g.label, g.first_seen,
                    (SELECT count(*) FROM failed_tasks f WHERE f.server = g.server AND f.group_key = g.group_key),
                    (SELECT f.error FROM failed_tasks f WHERE f.server = g.server AND f.group_key = g.group_key
                     ORDER BY coalesce(f.failed_at, f.first_seen) DESC LIMIT 1)
             FROM failure_groups g
             WHERE g.server = ?1 AND NOT EXISTS (
                 SELECT 1 FROM alert_state a WHERE a.rule = ?2 AND a.server = g.server
                     AND a.subject = 'group:' || g.group_key)
             ORDER BY g.first_seen, g.group_key",
        )?;
        let rows = s.query_map(params![server, rule], |r| {
            let error: Option<String> = r.get(4)?;
            Ok(NewGroup {
                key: r.get(0)?,
                label: r.get(1)?,
                first_seen: r.get(2)?,
                failures: r.get::<_, i64>(3)?.max(0) as u64,
                example: error
                    .as_deref()
                    .and_then(|e| e.lines().map(str::trim).find(|l| !l.is_empty()))
                    .unwrap_or("")
                    .chars()
                    .take(300)
                    .collect(),
            })
        })?;
        rows.collect()
    }

    /// Takes `groups` as already known to `rule` (its first poll of the
    /// server), without an alert.
    pub fn take_baseline(
        &mut self,
        rule: &str,
        server: &str,
        groups: &[NewGroup],
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        for g in groups {
            mark_group(&tx, rule, server, g, None)?;
        }
        tx.execute(
            "INSERT OR IGNORE INTO alert_state (rule, server, subject, active, since, last_alert_at, announced)
             VALUES (?1, ?2, ?3, 0, ?4, NULL, 0)",
            params![rule, server, GROUPS_SUBJECT, millis(now)],
        )?;
        tx.commit()
    }

    /// One alert for `groups`, with a delivery per channel, and the groups
    /// marked as announced: one transaction, so each is announced once.
    pub fn announce_groups(
        &mut self,
        rule: &RuleConfig,
        server: &str,
        groups: &[NewGroup],
        condition: &Condition,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<i64> {
        let at = millis(now);
        let tx = self.conn.transaction()?;
        for g in groups {
            mark_group(&tx, &rule.name, server, g, Some(at))?;
        }
        tx.execute(
            "INSERT INTO alert_state (rule, server, subject, active, since, last_alert_at, announced)
             VALUES (?1, ?2, ?3, 0, ?4, ?4, 1)
             ON CONFLICT (rule, server, subject) DO UPDATE SET last_alert_at = excluded.last_alert_at",
            params![rule.name, server, GROUPS_SUBJECT, at],
        )?;
        tx.execute(
            "INSERT INTO alerts (at, rule, rule_kind, server, subject, state, held_back, severity, title, message)
             VALUES (?1, ?2, ?3, ?4, ?5, 'firing', NULL, ?6, ?7, ?8)",
            params![
                at,
                rule.name,
                rule.kind.as_str(),
                server,
                GROUPS_SUBJECT,
                crate::rules::severity(&rule.kind, crate::rules::AlertKind::Firing),
                condition.title,
                condition.message
            ],
        )?;
        let alert = tx.last_insert_rowid();
        for channel in &rule.channels {
            tx.execute(
                "INSERT INTO deliveries (alert, channel, status, attempts, next_at)
                 VALUES (?1, ?2, 'pending', 0, ?3)",
                params![alert, channel, at],
            )?;
        }
        tx.commit()?;
        Ok(alert)
    }
}

/// Causes of failure `rule` has not seen on `server`: its first poll of
/// the server takes those there as known; after that each new one is
/// announced once, several in one alert, none sooner than the rule's
/// cooldown after its last (they wait for it; none is lost). Returns the
/// alert written, if any.
pub fn announce_new_groups(
    store: &mut Store,
    rule: &RuleConfig,
    server: &ServerConfig,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<(i64, Condition)>> {
    let state = store.group_rule_state(&rule.name, &server.id)?;
    let groups = store.unannounced_groups(&rule.name, &server.id)?;
    let Some(last_alert_at) = state else {
        store.take_baseline(&rule.name, &server.id, &groups, now)?;
        return Ok(None);
    };
    if groups.is_empty() {
        return Ok(None);
    }
    let cooldown = Duration::from_std(rule.cooldown).unwrap_or(Duration::MAX);
    if last_alert_at.is_some_and(|at| millis(now) - at < cooldown.num_milliseconds()) {
        return Ok(None);
    }
    let condition = crate::rules::new_groups(server, &groups);
    let id = store.announce_groups(rule, &server.id, &groups, &condition, now)?;
    Ok(Some((id, condition)))
}

/// `announced_at`: when an alert named it; `None`: taken as a baseline.
fn mark_group(
    tx: &rusqlite::Transaction,
    rule: &str,
    server: &str,
    group: &NewGroup,
    announced_at: Option<Millis>,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO alert_state (rule, server, subject, active, since, last_alert_at, announced)
         VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6)",
        params![
            rule,
            server,
            group_subject(&group.key),
            group.first_seen,
            announced_at,
            announced_at.is_some()
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{RuleKind, ServerTimeZone};
    use crate::poll::{Cause, Failure, Reading};
    use crate::rules::{self, Facts, decide};
    use taskdeck_api::{BaseUrl, Secret, ServerKind};

    fn t(minute: i64) -> DateTime<Utc> {
        "2026-12-01T10:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::minutes(minute)
    }

    fn server() -> ServerConfig {
        ServerConfig {
            id: "parts".into(),
            name: "Parts".into(),
            kind: ServerKind::InvenTree,
            url: BaseUrl::parse("https://inventree.example.org").unwrap(),
            token: Secret::new("t"),
            interval: None,
            server_time: ServerTimeZone::Fixed(0),
        }
    }

    fn rule(kind: RuleKind) -> RuleConfig {
        RuleConfig {
            name: kind.as_str().into(),
            kind,
            servers: vec![],
            channels: vec!["hook".into()],
            cooldown: std::time::Duration::from_secs(30 * 60),
            only_on_change: true,
            recovery: true,
        }
    }

    /// A poll that saw failures of these causes, one row per (task, cause).
    fn failures(rows: &[(&str, &str)]) -> Reading {
        Reading {
            statuses: vec![("pending".into(), 0)],
            worker_up: Some(true),
            failures: rows
                .iter()
                .map(|(task, cause)| Failure {
                    task: task.to_string(),
                    task_type: "math.sqrt".into(),
                    failed_at: Some(t(0)),
                    error: format!("ValueError: {cause} of {task}"),
                    cause: Cause {
                        key: format!("key-{cause}"),
                        label: format!("math.sqrt · {cause}"),
                    },
                })
                .collect(),
            ..Reading::default()
        }
    }

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "taskdeck-watch-triaged-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("watch.sqlite3")
    }

    fn alerts(store: &Store) -> Vec<(String, String)> {
        let mut s = store
            .conn
            .prepare("SELECT title, message FROM alerts ORDER BY id")
            .unwrap();
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn a_new_cause_is_announced_once_after_the_first_polls_baseline_and_a_restart_changes_nothing()
    {
        let file = scratch("groups");
        let rule = rule(RuleKind::NewFailureGroup);
        let server = server();
        let mut store = Store::open(&file).unwrap();
        let poll = |store: &mut Store, minute: i64, rows: &[(&str, &str)]| {
            store
                .record_poll("parts", t(minute), 5, &Ok(failures(rows)))
                .unwrap();
            announce_new_groups(store, &rule, &server, t(minute)).unwrap()
        };
        // The first poll: what is there is known, nothing is alerted.
        assert_eq!(poll(&mut store, 0, &[("1", "domain"), ("2", "zero")]), None);
        assert_eq!(poll(&mut store, 1, &[("1", "domain"), ("3", "zero")]), None);
        // A cause not seen before: one alert, naming it.
        let (_, condition) = poll(&mut store, 2, &[("4", "padding"), ("5", "padding")])
            .expect("the new cause is announced");
        assert_eq!(
            condition.title,
            "Parts: a new cause of failure: math.sqrt · padding"
        );
        assert!(
            condition.message.contains("2 failed tasks")
                && condition.message.contains("ValueError: padding of"),
            "{}",
            condition.message
        );
        let deliveries: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM deliveries WHERE channel = 'hook'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(deliveries, 1);
        assert_eq!(
            poll(&mut store, 3, &[("6", "padding")]),
            None,
            "once per cause"
        );
        drop(store);

        // After a restart: nothing twice; two causes within the cooldown wait
        // for it, then come in one alert.
        let mut store = Store::open(&file).unwrap();
        assert_eq!(poll(&mut store, 4, &[("6", "padding")]), None);
        assert_eq!(
            poll(&mut store, 10, &[("7", "utf-8"), ("8", "locked")]),
            None
        );
        let (_, condition) =
            poll(&mut store, 33, &[]).expect("announced when the cooldown is over");
        assert_eq!(condition.title, "Parts: 2 new causes of failure");
        assert!(
            condition
                .message
                .contains("- math.sqrt · utf-8 (1 failed task"),
            "{}",
            condition.message
        );
        assert!(
            condition
                .message
                .contains("- math.sqrt · locked (1 failed task"),
            "{}",
            condition.message
        );
        assert_eq!(alerts(&store).len(), 2);
        // Every failure kept has its group, and every group its label.
        let ungrouped: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM failed_tasks WHERE group_key IS NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(ungrouped, 0);
        let groups: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM failure_groups WHERE server = 'parts'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(groups, 5);
        let _ = std::fs::remove_dir_all(file.parent().unwrap());
    }

    /// The rules' view of the store, as the watcher's.
    struct Facts1<'a>(&'a Store);

    impl Facts for Facts1<'_> {
        fn failures_in_a_row(&self, server: &str) -> u32 {
            self.0.failures_in_a_row(server).unwrap()
        }
        fn outcomes_since(&self, server: &str, since: DateTime<Utc>) -> (u64, u64) {
            self.0.outcomes_since(server, since).unwrap()
        }
        fn observations(&self, server: &str) -> Vec<Observation> {
            self.0.observations(server).unwrap()
        }
    }

    fn waiting(pending: u64, oldest: i64, completed: i64) -> Reading {
        Reading {
            statuses: vec![("pending".into(), pending), ("started".into(), 1)],
            worker_up: Some(true),
            oldest_pending: Some(t(oldest)),
            newest_completion: Some(t(completed)),
            overdue: vec![Overdue {
                name: "heartbeat".into(),
                late_seconds: 600,
            }],
            ..Reading::default()
        }
    }

    #[test]
    fn a_stall_alerts_once_when_work_stops_moving_and_once_when_it_moves_again_across_a_restart() {
        let file = scratch("stall");
        let rule = rule(RuleKind::Stall {
            quiet_for: std::time::Duration::from_secs(15 * 60),
            min_pending: 1,
        });
        let server = server();
        let step = |store: &mut Store, minute: i64, reading: Reading| -> Option<(String, String)> {
            store
                .record_poll("parts", t(minute), 5, &Ok(reading.clone()))
                .unwrap();
            let result = Ok(reading);
            let conditions = rules::conditions(&rule, &server, &result, t(minute), &Facts1(store));
            assert_eq!(conditions.len(), 1);
            let c = &conditions[0];
            let before = store.alert_state(&rule.name, "parts", &c.subject).unwrap();
            let decision = decide(before.as_ref(), c.active, t(minute), &rule);
            store
                .apply_decision(&rule, "parts", c, &decision, t(minute))
                .unwrap();
            decision
                .alert
                .map(|(kind, _)| (kind.as_str().to_string(), c.title.clone()))
        };
        let mut store = Store::open(&file).unwrap();
        // Work moves: tasks finish every few minutes.
        assert_eq!(step(&mut store, 0, waiting(2, -1, 0)), None);
        assert_eq!(step(&mut store, 5, waiting(2, 4, 5)), None);
        // Then nothing finishes while the oldest waits.
        assert_eq!(step(&mut store, 10, waiting(3, 6, 5)), None);
        assert_eq!(
            step(&mut store, 21, waiting(4, 6, 5)),
            Some(("firing".into(), "Parts: tasks are not moving".into()))
        );
        let (_, message) = alerts(&store).pop().unwrap();
        assert!(
            message.contains("5 tasks are waiting, the oldest for 15 minutes")
                && message.contains("nothing finished for 16 minutes")
                && message.contains("worker is running"),
            "{message}"
        );
        assert_eq!(step(&mut store, 22, waiting(4, 6, 5)), None);
        drop(store);
        let mut store = Store::open(&file).unwrap();
        assert_eq!(
            step(&mut store, 23, waiting(5, 6, 5)),
            None,
            "not again after a restart"
        );
        assert_eq!(
            step(&mut store, 24, waiting(1, 20, 24)),
            Some(("resolved".into(), "Parts: tasks are moving again".into()))
        );
        assert_eq!(step(&mut store, 25, waiting(1, 20, 25)), None);
        let _ = std::fs::remove_dir_all(file.parent().unwrap());
    }

    #[test]
    fn a_history_of_schema_1_is_read_and_gains_the_new_columns() {
        let file = scratch("schema");
        {
            let conn = rusqlite::Connection::open(&file).unwrap();
            conn.execute_batch(
                "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 INSERT INTO meta VALUES ('schema', '1');
                 CREATE TABLE polls (id INTEGER PRIMARY KEY, server TEXT NOT NULL, at INTEGER NOT NULL,
                     took_ms INTEGER NOT NULL, ok INTEGER NOT NULL, error TEXT, api_version INTEGER,
                     server_version TEXT, worker_up INTEGER, health TEXT, oldest_pending_at INTEGER,
                     open_failures INTEGER, notes TEXT);
                 INSERT INTO polls (server, at, took_ms, ok) VALUES ('parts', 1, 1, 1);",
            )
            .unwrap();
        }
        let mut store = Store::open(&file).unwrap();
        store
            .record_poll("parts", t(0), 5, &Ok(waiting(1, 0, 0)))
            .unwrap();
        let series = store.observations("parts").unwrap();
        assert_eq!(series.len(), 2);
        assert_eq!(series[1].newest_completion, Some(t(0)));
        assert_eq!(series[1].overdue[0].name, "heartbeat");
        drop(store);
        Store::open(&file).expect("opened again at schema 2");
        let _ = std::fs::remove_dir_all(file.parent().unwrap());
    }
}
