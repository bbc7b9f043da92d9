//! When to alert. Each rule turns a poll into conditions, one per subject
//! (the worker, a health check, the failure rate, the server being
//! reachable), each either holding or not; [`decide`] compares that with
//! where the condition stood before (kept in SQLite, so a restart neither
//! forgets nor repeats) and says whether to alert: when a condition begins
//! and, with `recovery`, when an announced one ends; again every cooldown
//! while it holds when `only_on_change` is off. A condition that begins
//! again within the cooldown of the last alert is recorded as held back,
//! not sent.

use chrono::{DateTime, Duration, Utc};

use taskdeck_triage::stall::{self, Reason, Stall, Thresholds, WorkerState};

use crate::config::{RuleConfig, RuleKind, ServerConfig};
use crate::poll::{Reading, WORKER_CHECK};
use crate::store::{Millis, from_millis, millis};

/// The subject under which a group rule keeps its own state (when it
/// last alerted; whether it has taken a server's baseline).
pub const GROUPS_SUBJECT: &str = "groups";

/// A failure group not yet announced by a rule.
#[derive(Clone, Debug, PartialEq)]
pub struct NewGroup {
    pub key: String,
    /// `task · masked message`.
    pub label: String,
    pub first_seen: Millis,
    /// Failed tasks of this cause kept in the history.
    pub failures: u64,
    /// The newest failure's own first line, unmasked.
    pub example: String,
}

/// One subject of a rule after a poll.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub subject: String,
    pub active: bool,
    /// Describes the condition as it now is (begun or ended).
    pub title: String,
    pub message: String,
}

/// Where a rule's condition for one server and subject stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlertState {
    pub active: bool,
    pub since: Millis,
    /// The last alert sent that announced it (firing or repeat).
    pub last_alert_at: Option<Millis>,
    /// Whether the current active period was announced.
    pub announced: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertKind {
    Firing,
    Resolved,
    Repeat,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Firing => "firing",
            AlertKind::Resolved => "resolved",
            AlertKind::Repeat => "repeat",
        }
    }
}

/// What [`decide`] says about one condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub state: AlertState,
    /// An alert to record; `held_back` when the cooldown keeps it from
    /// being sent.
    pub alert: Option<(AlertKind, bool)>,
}

pub fn decide(
    before: Option<&AlertState>,
    active: bool,
    now: DateTime<Utc>,
    rule: &RuleConfig,
) -> Decision {
    let now_ms = millis(now);
    let cooled = |last: Option<Millis>| {
        let cooldown = Duration::from_std(rule.cooldown).unwrap_or(Duration::MAX);
        last.is_none_or(|at| now_ms - at >= cooldown.num_milliseconds())
    };
    let Some(before) = before else {
        return if active {
            Decision {
                state: AlertState {
                    active,
                    since: now_ms,
                    last_alert_at: Some(now_ms),
                    announced: true,
                },
                alert: Some((AlertKind::Firing, false)),
            }
        } else {
            Decision {
                state: AlertState {
                    active,
                    since: now_ms,
                    last_alert_at: None,
                    announced: false,
                },
                alert: None,
            }
        };
    };
    match (before.active, active) {
        (false, true) => {
            let send = cooled(before.last_alert_at);
            Decision {
                state: AlertState {
                    active,
                    since: now_ms,
                    last_alert_at: if send {
                        Some(now_ms)
                    } else {
                        before.last_alert_at
                    },
                    announced: send,
                },
                alert: Some((AlertKind::Firing, !send)),
            }
        }
        (true, false) => Decision {
            state: AlertState {
                active,
                since: now_ms,
                last_alert_at: before.last_alert_at,
                announced: false,
            },
            alert: (rule.recovery && before.announced).then_some((AlertKind::Resolved, false)),
        },
        (true, true) if !rule.only_on_change && cooled(before.last_alert_at) => Decision {
            state: AlertState {
                last_alert_at: Some(now_ms),
                announced: true,
                ..*before
            },
            alert: Some((AlertKind::Repeat, false)),
        },
        _ => Decision {
            state: *before,
            alert: None,
        },
    }
}

/// What the store can tell the rules beyond the poll itself.
pub trait Facts {
    /// Polls in a row that failed, this one included.
    fn failures_in_a_row(&self, server: &str) -> u32;
    /// (succeeded, failed) among the tasks that finished since then.
    fn outcomes_since(&self, server: &str, since: DateTime<Utc>) -> (u64, u64);
    /// The server's last successful polls as stall observations, oldest
    /// first, this one included.
    fn observations(&self, server: &str) -> Vec<stall::Observation>;
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn human(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s >= 86_400 && s.is_multiple_of(86_400) {
        plural(s / 86_400, "day", "days")
    } else if s >= 3600 && s.is_multiple_of(3600) {
        plural(s / 3600, "hour", "hours")
    } else if s >= 60 && s.is_multiple_of(60) {
        plural(s / 60, "minute", "minutes")
    } else {
        plural(s, "second", "seconds")
    }
}

/// The conditions of one rule for one server after a poll. Nothing where
/// the poll cannot tell (a failed poll says nothing about the worker).
pub fn conditions(
    rule: &RuleConfig,
    server: &ServerConfig,
    result: &Result<Reading, String>,
    now: DateTime<Utc>,
    facts: &dyn Facts,
) -> Vec<Condition> {
    let name = &server.name;
    match (&rule.kind, result) {
        (RuleKind::Unreachable { after }, _) => {
            let failing = facts.failures_in_a_row(&server.id);
            let active = failing >= *after;
            let (title, message) = match result {
                Err(error) if active => (
                    format!("{name}: cannot be read"),
                    format!(
                        "The last {} polls of {} failed: {error}",
                        failing, server.url
                    ),
                ),
                Err(error) => (
                    format!("{name}: a poll failed"),
                    format!("{} ({error})", server.url),
                ),
                Ok(_) => (
                    format!("{name}: can be read again"),
                    format!("{} answers again.", server.url),
                ),
            };
            vec![Condition {
                subject: "server".into(),
                active,
                title,
                message,
            }]
        }
        (_, Err(_)) => Vec::new(),
        (RuleKind::WorkerStopped, Ok(reading)) => match reading.worker_up {
            None => Vec::new(),
            Some(up) => {
                let waiting = reading
                    .statuses
                    .iter()
                    .find(|(s, _)| s == "pending")
                    .map(|(_, n)| *n);
                let (title, message) = if up {
                    (
                        format!("{name}: background worker running again"),
                        format!("The background worker of {} runs again.", server.url),
                    )
                } else {
                    (
                        format!("{name}: background worker stopped"),
                        format!(
                            "The background worker of {} is not running{}.",
                            server.url,
                            waiting.map_or(String::new(), |n| format!(
                                "; {} waiting",
                                plural(n, "task is", "tasks are")
                            ))
                        ),
                    )
                };
                vec![Condition {
                    subject: "worker".into(),
                    active: !up,
                    title,
                    message,
                }]
            }
        },
        (RuleKind::HealthError { checks }, Ok(reading)) => reading
            .checks
            .iter()
            .flatten()
            .filter(|c| c.name != WORKER_CHECK)
            .filter(|c| checks.is_empty() || checks.iter().any(|n| n.eq_ignore_ascii_case(&c.name)))
            .map(|c| {
                let active = c.health == "error";
                let detail = c.detail.clone().unwrap_or_default();
                Condition {
                    subject: c.name.clone(),
                    active,
                    title: if active {
                        format!("{name}: {} in error", c.name)
                    } else {
                        format!("{name}: {} no longer in error", c.name)
                    },
                    message: if detail.is_empty() {
                        format!("{}: {} is {}.", server.url, c.name, c.health)
                    } else {
                        format!("{}: {} is {}: {detail}", server.url, c.name, c.health)
                    },
                }
            })
            .collect(),
        (
            RuleKind::FailureRate {
                threshold,
                window,
                min_tasks,
            },
            Ok(_),
        ) => {
            // InvenTree keeps no record of tasks that succeeded: no rate.
            if server.kind != taskdeck_api::ServerKind::Paperless {
                return Vec::new();
            }
            let since = now - Duration::from_std(*window).unwrap_or(Duration::hours(1));
            let (succeeded, failed) = facts.outcomes_since(&server.id, since);
            let finished = succeeded + failed;
            let rate = if finished == 0 {
                0.0
            } else {
                failed as f64 / finished as f64
            };
            let active = finished >= u64::from(*min_tasks) && rate > *threshold;
            let percent = (rate * 100.0).round();
            vec![Condition {
                subject: "failure_rate".into(),
                active,
                title: if active {
                    format!(
                        "{name}: {percent} % of tasks failed in the last {}",
                        human(*window)
                    )
                } else {
                    format!(
                        "{name}: failure rate back under {} %",
                        (threshold * 100.0).round()
                    )
                },
                message: format!(
                    "{} of {} that finished in the last {} failed ({percent} %; alert above {} %).",
                    failed,
                    plural(finished, "task", "tasks"),
                    human(*window),
                    (threshold * 100.0).round()
                ),
            }]
        }
        (
            RuleKind::Stall {
                quiet_for,
                min_pending,
            },
            Ok(_),
        ) => {
            let thresholds = Thresholds {
                quiet_for: Duration::from_std(*quiet_for).unwrap_or(Duration::minutes(15)),
                min_pending: *min_pending,
                ..Thresholds::default()
            };
            let stalled = stall::detect(&facts.observations(&server.id), &thresholds);
            let (title, message) = match &stalled {
                Some(stall) => stall_words(server, stall),
                None => (
                    format!("{name}: tasks are moving again"),
                    format!("{}: tasks finish again, or none is waiting.", server.url),
                ),
            };
            vec![Condition {
                subject: "stall".into(),
                active: stalled.is_some(),
                title,
                message,
            }]
        }
        // Alerted from the groups the poll wrote ([`new_groups`]), not from
        // a condition that holds or not.
        (RuleKind::NewFailureGroup, Ok(_)) => Vec::new(),
    }
}

/// A stall in words: what waits, since when nothing finished, and what the
/// server itself says about its worker.
pub fn stall_words(server: &ServerConfig, stall: &Stall) -> (String, String) {
    let name = &server.name;
    let mut parts = Vec::new();
    let waiting = plural(stall.pending, "task is", "tasks are");
    parts.push(match stall.oldest_waiting {
        Some(oldest) => format!("{waiting} waiting, the oldest for {}", rounded(oldest)),
        None => format!("{waiting} waiting"),
    });
    for reason in &stall.reasons {
        match reason {
            Reason::NothingCompleted => parts.push(match stall.quiet_for {
                Some(quiet) => format!("nothing finished for {}", rounded(quiet)),
                None => "no task was seen to finish".to_string(),
            }),
            Reason::PendingGrowing {
                from,
                to,
                observations,
            } => parts.push(format!(
                "the waiting tasks grew from {from} to {to} over the last {observations} polls \
                 with nothing finishing"
            )),
            Reason::SchedulesOverdue => {
                let named: Vec<String> = stall
                    .overdue
                    .iter()
                    .take(3)
                    .map(|o| format!("{} ({} late)", o.name, rounded(o.late)))
                    .collect();
                let more = stall.overdue.len().saturating_sub(3);
                parts.push(format!(
                    "{} overdue: {}{}",
                    plural(stall.overdue.len() as u64, "schedule is", "schedules are"),
                    named.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                ));
            }
        }
    }
    let worker = match stall.worker {
        WorkerState::Running => {
            " The server says its worker is running: it may be hung, or busy with one long task."
        }
        WorkerState::NotRunning => " The server says its worker is not running.",
        WorkerState::Unknown => "",
    };
    (
        format!("{name}: tasks are not moving"),
        format!("{}: {}.{worker}", server.url, parts.join("; ")),
    )
}

/// A duration as a person says it: minutes up to two hours, then hours,
/// then days.
fn rounded(d: Duration) -> String {
    let minutes = d.num_minutes().max(0);
    if minutes < 120 {
        plural(minutes as u64, "minute", "minutes")
    } else if minutes < 48 * 60 {
        plural((minutes / 60) as u64, "hour", "hours")
    } else {
        plural((minutes / 1440) as u64, "day", "days")
    }
}

/// The alert for causes of failure not seen on a server before.
pub fn new_groups(server: &ServerConfig, groups: &[NewGroup]) -> Condition {
    let name = &server.name;
    const LISTED: usize = 10;
    let line = |g: &NewGroup| {
        format!(
            "{} ({}, first seen {}){}",
            g.label,
            plural(g.failures, "failed task", "failed tasks"),
            from_millis(g.first_seen).format("%Y-%m-%d %H:%M UTC"),
            if g.example.is_empty() || g.label.ends_with(&g.example) {
                String::new()
            } else {
                format!(": {}", g.example)
            }
        )
    };
    let (title, message) = match groups {
        [one] => (
            format!("{name}: a new cause of failure: {}", cut(&one.label, 120)),
            format!("{}: {}", server.url, line(one)),
        ),
        many => {
            let mut lines: Vec<String> = many
                .iter()
                .take(LISTED)
                .map(|g| format!("- {}", line(g)))
                .collect();
            if many.len() > LISTED {
                lines.push(format!("and {} more", many.len() - LISTED));
            }
            (
                format!("{name}: {} new causes of failure", many.len()),
                format!("{}:\n{}", server.url, lines.join("\n")),
            )
        }
    };
    Condition {
        subject: GROUPS_SUBJECT.into(),
        active: true,
        title,
        message,
    }
}

fn cut(text: &str, most: usize) -> String {
    if text.chars().count() <= most {
        return text.to_string();
    }
    let mut out: String = text.chars().take(most - 1).collect();
    out.push('…');
    out
}

/// How loud an alert is.
pub fn severity(rule: &RuleKind, kind: AlertKind) -> &'static str {
    match (kind, rule) {
        (AlertKind::Resolved, _) => "info",
        (_, RuleKind::FailureRate { .. } | RuleKind::Stall { .. } | RuleKind::NewFailureGroup) => {
            "warning"
        }
        _ => "error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(cooldown_minutes: u64, only_on_change: bool) -> RuleConfig {
        RuleConfig {
            name: "worker".into(),
            kind: RuleKind::WorkerStopped,
            servers: Vec::new(),
            channels: Vec::new(),
            cooldown: std::time::Duration::from_secs(cooldown_minutes * 60),
            only_on_change,
            recovery: true,
        }
    }

    fn at(minute: i64) -> DateTime<Utc> {
        "2026-12-01T10:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::minutes(minute)
    }

    /// Runs a series of observations and returns the alerts decided,
    /// `(minute, kind, held back)`.
    fn run(rule: &RuleConfig, observations: &[(i64, bool)]) -> Vec<(i64, &'static str, bool)> {
        let mut state: Option<AlertState> = None;
        let mut out = Vec::new();
        for &(minute, active) in observations {
            let d = decide(state.as_ref(), active, at(minute), rule);
            if let Some((kind, held)) = d.alert {
                out.push((minute, kind.as_str(), held));
            }
            state = Some(d.state);
        }
        out
    }

    #[test]
    fn a_condition_alerts_once_when_it_begins_and_once_when_it_ends() {
        let alerts = run(
            &rule(30, true),
            &[
                (0, false),
                (1, true),
                (2, true),
                (3, true),
                (40, false),
                (41, false),
            ],
        );
        assert_eq!(alerts, [(1, "firing", false), (40, "resolved", false)]);
    }

    #[test]
    fn a_condition_holding_at_the_first_poll_alerts_at_once() {
        assert_eq!(
            run(&rule(30, true), &[(0, true), (1, true)]),
            [(0, "firing", false)]
        );
        assert_eq!(run(&rule(30, true), &[(0, false), (1, false)]), []);
    }

    #[test]
    fn flapping_within_the_cooldown_is_held_back_and_its_end_not_announced() {
        let alerts = run(
            &rule(30, true),
            &[(0, true), (5, false), (10, true), (15, false), (45, true)],
        );
        assert_eq!(
            alerts,
            [
                (0, "firing", false),
                (5, "resolved", false),
                (10, "firing", true),
                // 45 minutes after the last alert sent: sent again.
                (45, "firing", false),
            ]
        );
    }

    #[test]
    fn without_only_on_change_a_lasting_condition_repeats_every_cooldown() {
        let alerts = run(
            &rule(10, false),
            &[(0, true), (5, true), (10, true), (15, true), (21, true)],
        );
        assert_eq!(
            alerts,
            [
                (0, "firing", false),
                (10, "repeat", false),
                (21, "repeat", false)
            ]
        );
    }

    #[test]
    fn without_recovery_the_end_is_silent() {
        let mut r = rule(30, true);
        r.recovery = false;
        assert_eq!(run(&r, &[(0, true), (5, false)]), [(0, "firing", false)]);
    }
}
