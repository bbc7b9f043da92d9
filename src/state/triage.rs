//! Triage as the screens need it, pure: the window chosen in the URL, a
//! group's stable key, what acting on a group does on each server (from
//! what changed since it was computed), stalls in words, and each server's
//! stall thresholds as kept in storage.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use taskdeck_api::paperless_admin::{Health, HealthCheck};
use taskdeck_triage::groups::{Drift, Group, Window};
use taskdeck_triage::report::StatusLine;
use taskdeck_triage::stall::{Reason, Stall, Thresholds, WorkerState};
use taskdeck_triage::{List, RowRef, Signature};

use super::connections::KeyValueStore;
use super::plural;

/// The windows offered, in days.
pub const WINDOW_CHOICES: [u32; 5] = [1, 7, 30, 90, 365];

/// The window named by the URL's `days` (any whole number of days up to a
/// year), 30 days when it names none or nonsense.
pub fn window_of(days: Option<&str>) -> Window {
    days.and_then(|d| d.trim().parse::<u32>().ok())
        .filter(|d| (1..=366).contains(d))
        .map(|days| Window { days })
        .unwrap_or_default()
}

/// "the last 30 days", "the last day".
pub fn window_words(window: Window) -> String {
    match window.days {
        1 => "the last day".into(),
        n => format!("the last {n} days"),
    }
}

/// A group's key in URLs and selections: the same for the same cause
/// whenever the groups are computed again (FNV-1a of the signature).
pub fn group_key(signature: &Signature) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let kind = match signature.source {
        taskdeck_triage::Source::PaperlessTask(_) => "p",
        taskdeck_triage::Source::PaperlessMail => "m",
        taskdeck_triage::Source::InvenTreeTask(_) => "i",
    };
    for part in [kind, signature.source.task(), signature.message.as_str()] {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// What acting on a group does: the action of the list its rows live in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupAction {
    /// Paperless failed tasks: dismissed.
    Acknowledge,
    /// InvenTree failed tasks: deleted from the failed queue.
    Delete,
    /// Failed mail: its records deleted, so the next fetch imports it again.
    Release,
}

impl GroupAction {
    pub fn of(list: List) -> GroupAction {
        match list {
            List::PaperlessTasks => GroupAction::Acknowledge,
            List::InvenTreeFailed => GroupAction::Delete,
            List::PaperlessProcessedMail => GroupAction::Release,
        }
    }

    /// The action of `group`'s rows (one cause lives in one list).
    pub fn of_group(group: &Group) -> Option<GroupAction> {
        group.rows.iter().next().map(|r| GroupAction::of(r.list))
    }

    pub fn verb(self) -> &'static str {
        match self {
            GroupAction::Acknowledge => "Acknowledge",
            GroupAction::Delete => "Delete",
            GroupAction::Release => "Allow re-import of",
        }
    }

    /// For the report: "Acknowledged 3 failed tasks".
    pub fn done(self) -> &'static str {
        match self {
            GroupAction::Acknowledge => "Acknowledged",
            GroupAction::Delete => "Deleted",
            GroupAction::Release => "Released",
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            GroupAction::Acknowledge | GroupAction::Delete => "failed task",
            GroupAction::Release => "failed mail message",
        }
    }

    /// What happens, for the confirmation.
    pub fn consequence(self) -> &'static str {
        match self {
            GroupAction::Acknowledge => {
                "They will be marked as acknowledged (dismissed) on their servers."
            }
            GroupAction::Delete => {
                "They will be deleted from their servers' failed queues, with their tracebacks."
            }
            GroupAction::Release => {
                "Their processed-mail records will be deleted, so Paperless imports the mail \
                 again; their accounts are fetched right after."
            }
        }
    }

    pub fn danger(self) -> bool {
        !matches!(self, GroupAction::Acknowledge)
    }

    pub fn testid(self) -> &'static str {
        match self {
            GroupAction::Acknowledge => "group-acknowledge",
            GroupAction::Delete => "group-delete",
            GroupAction::Release => "group-release",
        }
    }
}

/// One server's part of a group action: exactly these rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerPart {
    pub connection: String,
    pub keys: Vec<String>,
}

/// What confirming a group action will do, worked out from the group as
/// computed and what changed since.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupPlan {
    pub action: GroupAction,
    /// Per server (in connection order), only servers with rows to act on.
    pub parts: Vec<ServerPart>,
    /// What changed since the group was computed, in words; empty when
    /// nothing did.
    pub changes: Vec<String>,
}

impl GroupPlan {
    pub fn count(&self) -> usize {
        self.parts.iter().map(|p| p.keys.len()).sum()
    }
}

/// The plan for `group`: exactly its rows that are still as they were
/// (`drift.unchanged`), per server; every other change is named and left
/// out, rows that joined the cause since included (the user did not see
/// them). `name` gives a connection's name.
pub fn plan(
    group: &Group,
    drift: &Drift,
    action: GroupAction,
    name: &dyn Fn(&str) -> String,
) -> GroupPlan {
    let mut per_server: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for row in &drift.unchanged {
        debug_assert!(group.rows.contains(row));
        per_server
            .entry(row.connection.as_str())
            .or_default()
            .push(row.key.clone());
    }
    let parts = per_server
        .into_iter()
        .map(|(connection, keys)| ServerPart {
            connection: connection.to_string(),
            keys,
        })
        .collect();
    let gone = match action {
        GroupAction::Acknowledge => "no longer listed as open (dismissed or deleted)",
        GroupAction::Delete => {
            "gone from the failed queue (deleted, or past the server's retention)"
        }
        GroupAction::Release => "no longer recorded as failed (released or deleted)",
    };
    let mut changes = Vec::new();
    for (rows, what) in [
        (&drift.gone, gone),
        (&drift.acknowledged, "acknowledged meanwhile"),
        (
            &drift.no_longer_matching,
            "now failed with another cause, or outside the window",
        ),
        (
            &drift.joined,
            "newly failed with this cause: not included, as they were not shown",
        ),
    ] {
        if !rows.is_empty() {
            changes.push(format!(
                "{} {what} ({}).",
                row_count(rows.len(), action),
                per_server_words(rows, name)
            ));
        }
    }
    GroupPlan {
        action,
        parts,
        changes,
    }
}

fn row_count(n: usize, action: GroupAction) -> String {
    plural(n, action.unit())
}

/// "Office: 2, Lab: 1".
pub fn per_server_words(rows: &[RowRef], name: &dyn Fn(&str) -> String) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for row in rows {
        *counts.entry(row.connection.as_str()).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(c, n)| format!("{}: {n}", name(c)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A span of time as a stall's evidence words it: "41 min", "2 h 5 min".
pub fn span(d: Duration) -> String {
    let minutes = d.num_minutes().max(0);
    match minutes {
        0 => "less than a minute".into(),
        m if m < 60 => format!("{m} min"),
        m if m < 24 * 60 => match m % 60 {
            0 => format!("{} h", m / 60),
            rest => format!("{} h {rest} min", m / 60),
        },
        m => format!("{} d {} h", m / (24 * 60), (m % (24 * 60)) / 60),
    }
}

/// The stall in one line, for the overview card and the inbox.
pub fn stall_summary(stall: &Stall) -> String {
    let waiting = match stall.pending {
        1 => "1 task waits".to_string(),
        n => format!("{n} tasks wait"),
    };
    let oldest = stall
        .oldest_waiting
        .map(|w| format!(" (the oldest for {})", span(w)))
        .unwrap_or_default();
    match stall.quiet_for {
        Some(quiet) => format!(
            "Stalled: nothing completed for {} while {waiting}{oldest}",
            span(quiet)
        ),
        None => match stall.oldest_waiting {
            Some(oldest) => format!(
                "Stalled: no completion seen while {waiting}, the oldest for {}",
                span(oldest)
            ),
            None => format!("Stalled: {waiting} and none completes"),
        },
    }
}

/// The evidence beyond what [`stall_summary`] says, one fact a line.
pub fn stall_details(stall: &Stall) -> Vec<String> {
    let mut lines = stall_evidence(stall);
    if stall.reasons.first() == Some(&Reason::NothingCompleted) {
        lines.remove(0);
    }
    lines
}

/// The evidence, one fact a line.
pub fn stall_evidence(stall: &Stall) -> Vec<String> {
    let mut lines = Vec::new();
    for reason in &stall.reasons {
        lines.push(match reason {
            Reason::NothingCompleted => {
                let quiet = match stall.quiet_for {
                    Some(q) => format!("Nothing completed for {}", span(q)),
                    None => "No completed task is visible".to_string(),
                };
                let oldest = stall
                    .oldest_waiting
                    .map(|w| format!(", the oldest waiting for {}", span(w)))
                    .unwrap_or_default();
                format!("{quiet} while {} waited{oldest}.", plural(stall.pending as usize, "task"))
            }
            Reason::PendingGrowing {
                from,
                to,
                observations,
            } => format!(
                "Waiting tasks grew from {from} to {to} over the last {observations} looks, none completing."
            ),
            Reason::SchedulesOverdue => {
                let names: Vec<String> = stall
                    .overdue
                    .iter()
                    .take(5)
                    .map(|o| format!("{} (late {})", o.name, span(o.late)))
                    .collect();
                let more = stall.overdue.len().saturating_sub(names.len());
                format!(
                    "{} overdue by more than a period: {}{}.",
                    plural(stall.overdue.len(), "schedule"),
                    names.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                )
            }
        });
    }
    lines.push(
        match stall.worker {
            WorkerState::Running => "The server still reports its worker running.",
            WorkerState::NotRunning => "The server reports its worker not running.",
            WorkerState::Unknown => "The server does not say whether its worker runs.",
        }
        .to_string(),
    );
    for (name, health) in [("Celery", stall.celery), ("Redis", stall.redis)] {
        if let Some(health) = health {
            lines.push(format!("{name}: {}.", health.label()));
        }
    }
    lines
}

/// The status checks a report on a failure of `task` quotes: Redis and
/// the Celery worker always (every task runs through them), the part the
/// task concerns, and any other check not OK.
pub fn relevant_checks(checks: &[HealthCheck], task: &str) -> Vec<StatusLine> {
    let concerns: &[&str] = match task {
        "train_classifier" => &["Classifier"],
        "sanity_check" | "check_sanity" => &["Sanity check"],
        "index_optimize" | "index_rebuild" => &["Search index"],
        "llm_index" | "llmindex_index" => &["LLM index", "Search index"],
        "consume_file" => &["Storage", "Database"],
        _ => &[],
    };
    checks
        .iter()
        .filter(|c| {
            c.name == "Redis"
                || c.name == "Celery worker"
                || concerns.contains(&c.name)
                || matches!(c.health, Health::Warning | Health::Error)
        })
        .map(StatusLine::from)
        .collect()
}

/// Where a server's stall thresholds are kept.
fn thresholds_key(connection: &str) -> String {
    format!("taskdeck.stall.{connection}")
}

/// Bounds on what a user may set.
pub const QUIET_MINUTES: (i64, i64) = (1, 24 * 60);
pub const MIN_PENDING: (u64, u64) = (1, 1_000_000);
pub const GROWING_OVER: (usize, usize) = (2, 30);

/// A server's thresholds as chosen, the defaults where nothing (readable)
/// was kept.
pub fn load_thresholds(store: &dyn KeyValueStore, connection: &str) -> Thresholds {
    store
        .get(&thresholds_key(connection))
        .and_then(|text| parse_thresholds(&text))
        .unwrap_or_default()
}

/// Keeps `t` for the server; the defaults are kept as nothing.
pub fn save_thresholds(store: &dyn KeyValueStore, connection: &str, t: &Thresholds) {
    if *t == Thresholds::default() {
        store.remove(&thresholds_key(connection));
    } else {
        store.set(
            &thresholds_key(connection),
            &format!(
                "{},{},{}",
                t.quiet_for.num_minutes(),
                t.min_pending,
                t.growing_over
            ),
        );
    }
}

/// `quiet minutes, min pending, growing over`, each within its bounds.
pub fn parse_thresholds(text: &str) -> Option<Thresholds> {
    let mut parts = text.split(',').map(str::trim);
    let quiet: i64 = parts.next()?.parse().ok()?;
    let min_pending: u64 = parts.next()?.parse().ok()?;
    let growing_over: usize = parts.next()?.parse().ok()?;
    (parts.next().is_none()
        && (QUIET_MINUTES.0..=QUIET_MINUTES.1).contains(&quiet)
        && (MIN_PENDING.0..=MIN_PENDING.1).contains(&min_pending)
        && (GROWING_OVER.0..=GROWING_OVER.1).contains(&growing_over))
    .then(|| Thresholds {
        quiet_for: Duration::minutes(quiet),
        min_pending,
        growing_over,
    })
}

/// Where the moment the user last opened the groups is kept.
pub const GROUPS_SEEN_KEY: &str = "taskdeck.seen.failure-groups";

pub fn groups_seen(store: &dyn KeyValueStore) -> Option<DateTime<Utc>> {
    store
        .get(GROUPS_SEEN_KEY)
        .and_then(|ms| ms.parse::<i64>().ok())
        .and_then(DateTime::from_timestamp_millis)
}

pub fn mark_groups_seen(store: &dyn KeyValueStore, now: DateTime<Utc>) {
    store.set(GROUPS_SEEN_KEY, &now.timestamp_millis().to_string());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::connections::memory::MemoryStore;
    use std::collections::BTreeSet;
    use taskdeck_triage::Source;
    use taskdeck_triage::groups::GroupOptions;

    fn row(connection: &str, key: &str) -> RowRef {
        RowRef {
            connection: connection.into(),
            list: List::InvenTreeFailed,
            key: key.into(),
        }
    }

    fn signature(message: &str) -> Signature {
        Signature {
            source: Source::InvenTreeTask("math.sqrt".into()),
            message: message.into(),
        }
    }

    fn group(rows: &[RowRef]) -> Group {
        Group {
            signature: signature("math domain error"),
            exception: None,
            example: String::new(),
            example_text: String::new(),
            count: rows.len(),
            per_server: BTreeMap::new(),
            first_seen: None,
            last_seen: None,
            new: 0,
            rows: rows.iter().cloned().collect::<BTreeSet<_>>(),
        }
    }

    fn name(c: &str) -> String {
        format!("Server {c}")
    }

    #[test]
    fn the_window_comes_from_the_url_and_falls_back_to_thirty_days() {
        assert_eq!(window_of(None).days, 30);
        assert_eq!(window_of(Some("7")).days, 7);
        assert_eq!(window_of(Some(" 90 ")).days, 90);
        for nonsense in ["0", "-3", "x", "100000", ""] {
            assert_eq!(window_of(Some(nonsense)).days, 30, "{nonsense:?}");
        }
        assert_eq!(window_words(Window { days: 1 }), "the last day");
        assert_eq!(window_words(Window { days: 30 }), "the last 30 days");
    }

    #[test]
    fn a_groups_key_is_stable_and_tells_causes_apart() {
        let a = group_key(&signature("math domain error"));
        assert_eq!(a, group_key(&signature("math domain error")));
        assert_eq!(a.len(), 16);
        assert_ne!(a, group_key(&signature("math domain error!")));
        let log = Signature {
            source: Source::InvenTreeTask("math.log".into()),
            message: "math domain error".into(),
        };
        assert_ne!(a, group_key(&log), "the function is part of the cause");
        // The parts are separated: "ab" + "c" is not "a" + "bc".
        let split = |task: &str, message: &str| Signature {
            source: Source::PaperlessTask(task.into()),
            message: message.into(),
        };
        assert_ne!(group_key(&split("ab", "c")), group_key(&split("a", "bc")));
    }

    #[test]
    fn exactly_the_unchanged_rows_are_acted_on_per_server_and_every_change_is_named() {
        let rows = [
            row("a", "1"),
            row("a", "2"),
            row("b", "3"),
            row("b", "4"),
            row("b", "5"),
        ];
        let g = group(&rows);
        let drift = Drift {
            unchanged: vec![row("a", "1"), row("b", "5")],
            gone: vec![row("b", "3")],
            acknowledged: vec![row("a", "2")],
            no_longer_matching: vec![row("b", "4")],
            joined: vec![row("b", "6"), row("b", "7")],
        };
        let p = plan(&g, &drift, GroupAction::Delete, &name);
        assert_eq!(
            p.parts,
            [
                ServerPart {
                    connection: "a".into(),
                    keys: vec!["1".into()]
                },
                ServerPart {
                    connection: "b".into(),
                    keys: vec!["5".into()]
                },
            ]
        );
        assert_eq!(p.count(), 2);
        assert_eq!(
            p.changes,
            [
                "1 failed task gone from the failed queue (deleted, or past the server's retention) (Server b: 1).",
                "1 failed task acknowledged meanwhile (Server a: 1).",
                "1 failed task now failed with another cause, or outside the window (Server b: 1).",
                "2 failed tasks newly failed with this cause: not included, as they were not shown (Server b: 2).",
            ]
        );
        // Joined rows are never acted on.
        assert!(
            p.parts
                .iter()
                .all(|part| part.keys.iter().all(|k| k != "6" && k != "7"))
        );
    }

    #[test]
    fn a_group_computed_again_with_changed_rows_plans_only_what_is_still_there() {
        use taskdeck_triage::Failure;
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let failure = |connection: &str, key: &str, message: &str| Failure {
            row: RowRef {
                connection: connection.into(),
                list: List::PaperlessTasks,
                key: key.into(),
            },
            signature: taskdeck_triage::signature::signature(
                Source::PaperlessTask("consume_file".into()),
                &taskdeck_triage::signature::FailureText {
                    message: Some(message),
                    ..Default::default()
                },
            ),
            exception: None,
            message: message.into(),
            text: message.into(),
            traceback: None,
            at: Some(at("2026-12-09T10:00:00Z")),
            acknowledged: false,
        };
        let options = GroupOptions::new(at("2026-12-10T00:00:00Z"));
        let before = vec![
            failure("p1", "10", "scan_1.tiff: Unsupported mime type image/tiff"),
            failure("p1", "11", "scan_2.tiff: Unsupported mime type image/tiff"),
            failure("p2", "12", "a.tiff: Unsupported mime type image/tiff"),
        ];
        let grouping = taskdeck_triage::groups::group(&before, &options);
        let g = &grouping.groups[0];
        assert_eq!(g.count, 3);
        // Between grouping and acting: 11 dismissed elsewhere, 12 gone, 13 new.
        let mut dismissed = before[1].clone();
        dismissed.acknowledged = true;
        let now = vec![
            before[0].clone(),
            dismissed,
            failure("p2", "13", "b.tiff: Unsupported mime type image/tiff"),
        ];
        let drift = taskdeck_triage::groups::drift(g, &now, &options);
        let p = plan(g, &drift, GroupAction::Acknowledge, &name);
        assert_eq!(
            p.parts,
            [ServerPart {
                connection: "p1".into(),
                keys: vec!["10".into()]
            }]
        );
        assert_eq!(p.changes.len(), 3, "{:?}", p.changes);
        assert!(
            p.changes[0].contains("no longer listed as open"),
            "{:?}",
            p.changes
        );
        assert!(p.changes[0].contains("Server p2: 1"));
        assert!(p.changes[1].contains("acknowledged meanwhile"));
        assert!(p.changes[2].contains("not included"));
        // Nothing changed: everything, and no notes.
        let same = taskdeck_triage::groups::drift(g, &before, &options);
        let p = plan(g, &same, GroupAction::Acknowledge, &name);
        assert_eq!(p.count(), 3);
        assert!(p.changes.is_empty());
    }

    #[test]
    fn stalls_are_worded_with_their_evidence() {
        let stall = Stall {
            reasons: vec![
                Reason::NothingCompleted,
                Reason::PendingGrowing {
                    from: 10,
                    to: 14,
                    observations: 3,
                },
                Reason::SchedulesOverdue,
            ],
            since: Utc::now(),
            pending: 14,
            oldest_waiting: Some(Duration::minutes(41)),
            quiet_for: Some(Duration::minutes(125)),
            worker: WorkerState::Running,
            celery: Some(taskdeck_api::paperless_admin::Health::Warning),
            redis: None,
            overdue: vec![taskdeck_triage::stall::OverdueSchedule {
                name: "heartbeat".into(),
                late: Duration::minutes(25),
            }],
            observed_at: Utc::now(),
        };
        assert_eq!(
            stall_summary(&stall),
            "Stalled: nothing completed for 2 h 5 min while 14 tasks wait (the oldest for 41 min)"
        );
        assert_eq!(stall_details(&stall), stall_evidence(&stall)[1..]);
        assert_eq!(
            stall_evidence(&stall),
            [
                "Nothing completed for 2 h 5 min while 14 tasks waited, the oldest waiting for 41 min.",
                "Waiting tasks grew from 10 to 14 over the last 3 looks, none completing.",
                "1 schedule overdue by more than a period: heartbeat (late 25 min).",
                "The server still reports its worker running.",
                "Celery: Warning.",
            ]
        );
        let unseen = Stall {
            quiet_for: None,
            pending: 1,
            ..stall
        };
        assert_eq!(
            stall_summary(&unseen),
            "Stalled: no completion seen while 1 task waits, the oldest for 41 min"
        );
        assert_eq!(span(Duration::seconds(30)), "less than a minute");
        assert_eq!(span(Duration::minutes(120)), "2 h");
        assert_eq!(span(Duration::minutes(60 * 26 + 5)), "1 d 2 h");
    }

    #[test]
    fn thresholds_are_kept_per_server_within_bounds_and_defaults_take_no_room() {
        let store = MemoryStore::default();
        assert_eq!(load_thresholds(&store, "c1"), Thresholds::default());
        let chosen = Thresholds {
            quiet_for: Duration::minutes(45),
            min_pending: 5,
            growing_over: 4,
        };
        save_thresholds(&store, "c1", &chosen);
        assert_eq!(load_thresholds(&store, "c1"), chosen);
        assert_eq!(
            load_thresholds(&store, "c2"),
            Thresholds::default(),
            "per server"
        );
        save_thresholds(&store, "c1", &Thresholds::default());
        assert_eq!(store.get("taskdeck.stall.c1"), None);
        for bad in [
            "0,1,3", "15,0,3", "15,1,1", "15,1,31", "x,1,3", "15,1", "15,1,3,4",
        ] {
            assert_eq!(parse_thresholds(bad), None, "{bad}");
        }
        store.set("taskdeck.stall.c3", "garbage");
        assert_eq!(load_thresholds(&store, "c3"), Thresholds::default());
    }

    #[test]
    fn a_report_quotes_the_checks_every_task_needs_the_tasks_own_and_what_is_wrong() {
        let check = |name: &'static str, health: Health| HealthCheck {
            name,
            health,
            detail: None,
            last_run: None,
            stale: false,
            run: None,
        };
        let checks = [
            check("Database", Health::Ok),
            check("Redis", Health::Ok),
            check("Celery worker", Health::Warning),
            check("Search index", Health::Error),
            check("Classifier", Health::Ok),
            check("Sanity check", Health::Ok),
            check("LLM index", Health::Disabled),
            check("Storage", Health::Ok),
        ];
        let names = |task: &str| -> Vec<String> {
            relevant_checks(&checks, task)
                .into_iter()
                .map(|l| format!("{}={}", l.name, l.state))
                .collect()
        };
        assert_eq!(
            names("train_classifier"),
            [
                "Redis=OK",
                "Celery worker=Warning",
                "Search index=Error",
                "Classifier=OK"
            ]
        );
        assert_eq!(
            names("consume_file"),
            [
                "Database=OK",
                "Redis=OK",
                "Celery worker=Warning",
                "Search index=Error",
                "Storage=OK"
            ]
        );
        assert_eq!(
            names("mail_fetch"),
            ["Redis=OK", "Celery worker=Warning", "Search index=Error"]
        );
    }

    #[test]
    fn the_groups_remember_when_they_were_last_opened() {
        let store = MemoryStore::default();
        assert_eq!(groups_seen(&store), None);
        let now = DateTime::from_timestamp_millis(1_800_000_000_123).unwrap();
        mark_groups_seen(&store, now);
        assert_eq!(groups_seen(&store), Some(now));
    }
}
