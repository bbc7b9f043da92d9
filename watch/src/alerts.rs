//! Alerts in the store: where each condition stands, every alert decided,
//! and each channel's delivery of it (pending, sent, or failed after every
//! retry, with the last error). Nothing is dropped: a delivery that cannot
//! be made stays in the history as failed and is counted in the health.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::config::{DeliverySettings, RuleConfig};
use crate::rules::{AlertState, Condition, Decision, severity};
use crate::store::{Millis, Store, from_millis, millis};

/// An alert as the channels send it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlertRecord {
    pub id: i64,
    #[serde(serialize_with = "crate::serde_time")]
    pub at: Millis,
    pub rule: String,
    pub rule_kind: String,
    pub server: ServerRef,
    pub subject: String,
    /// `firing`, `resolved` or `repeat`.
    pub state: String,
    /// `error`, `warning` or `info`.
    pub severity: String,
    pub title: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServerRef {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub url: String,
}

/// A delivery whose time has come.
#[derive(Clone, Debug)]
pub struct DueDelivery {
    pub id: i64,
    pub channel: String,
    pub attempts: u32,
    pub alert: AlertRecord,
}

impl Store {
    pub fn alert_state(
        &self,
        rule: &str,
        server: &str,
        subject: &str,
    ) -> rusqlite::Result<Option<AlertState>> {
        self.conn
            .query_row(
                "SELECT active, since, last_alert_at, announced FROM alert_state
                 WHERE rule = ?1 AND server = ?2 AND subject = ?3",
                params![rule, server, subject],
                |r| {
                    Ok(AlertState {
                        active: r.get(0)?,
                        since: r.get(1)?,
                        last_alert_at: r.get(2)?,
                        announced: r.get(3)?,
                    })
                },
            )
            .optional()
    }

    /// Writes a decision: the condition's new state, the alert if any, and
    /// a pending delivery per channel unless it was held back. One
    /// transaction, so a crash cannot keep the state without the alert.
    pub fn apply_decision(
        &mut self,
        rule: &RuleConfig,
        server: &str,
        condition: &Condition,
        decision: &Decision,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<Option<i64>> {
        let tx = self.conn.transaction()?;
        let s = decision.state;
        tx.execute(
            "INSERT INTO alert_state (rule, server, subject, active, since, last_alert_at, announced)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (rule, server, subject) DO UPDATE SET active = excluded.active,
                 since = excluded.since, last_alert_at = excluded.last_alert_at, announced = excluded.announced",
            params![rule.name, server, condition.subject, s.active, s.since, s.last_alert_at, s.announced],
        )?;
        let mut id = None;
        if let Some((kind, held_back)) = decision.alert {
            tx.execute(
                "INSERT INTO alerts (at, rule, rule_kind, server, subject, state, held_back, severity, title, message)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    millis(now),
                    rule.name,
                    rule.kind.as_str(),
                    server,
                    condition.subject,
                    kind.as_str(),
                    held_back.then_some("cooldown"),
                    severity(&rule.kind, kind),
                    condition.title,
                    condition.message
                ],
            )?;
            let alert = tx.last_insert_rowid();
            if !held_back {
                for channel in &rule.channels {
                    tx.execute(
                        "INSERT INTO deliveries (alert, channel, status, attempts, next_at)
                         VALUES (?1, ?2, 'pending', 0, ?3)",
                        params![alert, channel, millis(now)],
                    )?;
                }
            }
            id = Some(alert);
        }
        tx.commit()?;
        Ok(id)
    }

    /// Pending deliveries due by `now`, oldest first.
    pub fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> rusqlite::Result<Vec<DueDelivery>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT d.id, d.channel, d.attempts, a.id, a.at, a.rule, a.rule_kind, a.server, a.subject,
                    a.state, a.severity, a.title, a.message,
                    coalesce(s.name, a.server), coalesce(s.kind, ''), coalesce(s.url, '')
             FROM deliveries d JOIN alerts a ON a.id = d.alert LEFT JOIN servers s ON s.id = a.server
             WHERE d.status = 'pending' AND d.next_at <= ?1
             ORDER BY d.next_at, d.id LIMIT ?2",
        )?;
        let rows = statement.query_map(params![millis(now), limit], |r| {
            Ok(DueDelivery {
                id: r.get(0)?,
                channel: r.get(1)?,
                attempts: r.get(2)?,
                alert: AlertRecord {
                    id: r.get(3)?,
                    at: r.get(4)?,
                    rule: r.get(5)?,
                    rule_kind: r.get(6)?,
                    server: ServerRef {
                        id: r.get(7)?,
                        name: r.get(13)?,
                        kind: r.get(14)?,
                        url: r.get(15)?,
                    },
                    subject: r.get(8)?,
                    state: r.get(9)?,
                    severity: r.get(10)?,
                    title: r.get(11)?,
                    message: r.get(12)?,
                },
            })
        })?;
        rows.collect()
    }

    /// When the next pending delivery is due, if any is.
    pub fn next_delivery_at(&self) -> rusqlite::Result<Option<DateTime<Utc>>> {
        let at: Option<Millis> = self.conn.query_row(
            "SELECT min(next_at) FROM deliveries WHERE status = 'pending'",
            [],
            |r| r.get(0),
        )?;
        Ok(at.map(from_millis))
    }

    pub fn delivered(&mut self, id: i64, now: DateTime<Utc>) -> rusqlite::Result<()> {
        self.conn.execute(
            "UPDATE deliveries SET status = 'sent', attempts = attempts + 1, done_at = ?2, next_at = ?2 WHERE id = ?1",
            params![id, millis(now)],
        )?;
        Ok(())
    }

    /// A failed attempt: tried again after a backoff, or, after the last
    /// attempt, recorded as failed. Returns whether it is given up.
    pub fn delivery_failed(
        &mut self,
        id: i64,
        attempts_before: u32,
        error: &str,
        now: DateTime<Utc>,
        settings: &DeliverySettings,
    ) -> rusqlite::Result<bool> {
        let attempts = attempts_before + 1;
        let given_up = attempts >= settings.attempts;
        let wait = backoff(attempts, settings);
        self.conn.execute(
            "UPDATE deliveries SET attempts = ?2, last_error = ?3,
                 status = CASE WHEN ?4 THEN 'failed' ELSE 'pending' END,
                 next_at = ?5, done_at = CASE WHEN ?4 THEN ?6 ELSE NULL END
             WHERE id = ?1",
            params![
                id,
                attempts,
                error,
                given_up,
                millis(now) + wait,
                millis(now)
            ],
        )?;
        Ok(given_up)
    }
}

/// Milliseconds before the next attempt after `attempts` failed ones:
/// `first_retry`, then twice as long each time, at most `max_retry`.
pub fn backoff(attempts: u32, settings: &DeliverySettings) -> Millis {
    let first = settings.first_retry.as_millis() as i64;
    let most = settings.max_retry.as_millis() as i64;
    let factor = 1_i64
        .checked_shl(attempts.saturating_sub(1).min(40))
        .unwrap_or(i64::MAX);
    first.saturating_mul(factor).min(most).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn retries_wait_twice_as_long_each_time_up_to_the_limit() {
        let settings = DeliverySettings {
            attempts: 8,
            first_retry: Duration::from_secs(10),
            max_retry: Duration::from_secs(60),
            timeout: Duration::from_secs(5),
        };
        let waits: Vec<Millis> = (1..=5).map(|n| backoff(n, &settings)).collect();
        assert_eq!(waits, [10_000, 20_000, 40_000, 60_000, 60_000]);
    }
}
