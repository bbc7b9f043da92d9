//! Failures grouped by cause across servers, over a stated window; and,
//! for a group computed earlier, which of its rows changed since.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};

use crate::failure::{Failure, RowRef};
use crate::signature::Signature;

/// How far back groups look, in days (the user chooses; 30 by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub days: u32,
}

impl Default for Window {
    fn default() -> Self {
        Window { days: 30 }
    }
}

impl Window {
    /// The earliest moment inside the window that ends at `now`.
    pub fn start(self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::days(i64::from(self.days))
    }
}

/// What a grouping is asked for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GroupOptions {
    pub now: DateTime<Utc>,
    pub window: Window,
    /// When the user last opened the groups: failures after it are new.
    /// `None` (never opened) makes every failure new.
    pub new_since: Option<DateTime<Utc>>,
    /// Keep Paperless failures already acknowledged (dealt with) in the
    /// groups. Off for the console, whose groups are what needs attention.
    pub include_acknowledged: bool,
}

impl GroupOptions {
    pub fn new(now: DateTime<Utc>) -> GroupOptions {
        GroupOptions {
            now,
            window: Window::default(),
            new_since: None,
            include_acknowledged: false,
        }
    }

    /// Whether a failure belongs in groups made with these options.
    pub fn admits(&self, failure: &Failure) -> bool {
        (self.include_acknowledged || !failure.acknowledged)
            && failure
                .at
                .is_none_or(|at| at >= self.window.start(self.now))
    }
}

/// One cause, and every row it caused.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub signature: Signature,
    /// The exception type most of its rows name (the newest row's on a tie).
    pub exception: Option<String>,
    /// The newest row's own message, unmasked.
    pub example: String,
    /// The newest row's whole error text (for the catalogue and reports).
    pub example_text: String,
    pub count: usize,
    /// Rows per connection, by connection id.
    pub per_server: BTreeMap<String, usize>,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    /// Rows after [`GroupOptions::new_since`].
    pub new: usize,
    /// Every row behind it, in key order.
    pub rows: BTreeSet<RowRef>,
}

/// The groups of one grouping, and the window they cover.
#[derive(Clone, Debug, PartialEq)]
pub struct Grouping {
    pub window: Window,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// Largest first; ties by the newest, then by signature.
    pub groups: Vec<Group>,
    /// Failures that fell before the window.
    pub outside_window: usize,
    /// Failures with no time at all: grouped, since a failure without a
    /// time is still a failure, and counted so the UI can say so.
    pub undated: usize,
}

/// Groups `failures` (from any number of servers) by signature.
pub fn group(failures: &[Failure], options: &GroupOptions) -> Grouping {
    let mut by_signature: HashMap<&Signature, Vec<&Failure>> = HashMap::new();
    let mut outside_window = 0;
    let mut undated = 0;
    for failure in failures {
        if !options.include_acknowledged && failure.acknowledged {
            continue;
        }
        if !options.admits(failure) {
            outside_window += 1;
            continue;
        }
        if failure.at.is_none() {
            undated += 1;
        }
        by_signature
            .entry(&failure.signature)
            .or_default()
            .push(failure);
    }
    let mut groups: Vec<Group> = by_signature
        .into_iter()
        .map(|(signature, rows)| make_group(signature, &rows, options))
        .collect();
    groups.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.last_seen.cmp(&a.last_seen))
            .then(a.signature.cmp(&b.signature))
    });
    Grouping {
        window: options.window,
        from: options.window.start(options.now),
        until: options.now,
        groups,
        outside_window,
        undated,
    }
}

fn make_group(signature: &Signature, rows: &[&Failure], options: &GroupOptions) -> Group {
    // The newest row speaks for the group; rows without a time count as oldest.
    let newest = rows
        .iter()
        .max_by(|a, b| a.at.cmp(&b.at).then(b.row.cmp(&a.row)))
        .expect("a group has rows");
    let mut per_server = BTreeMap::new();
    let mut exceptions: HashMap<&str, usize> = HashMap::new();
    for row in rows {
        *per_server.entry(row.row.connection.clone()).or_insert(0) += 1;
        if let Some(e) = row.exception.as_deref() {
            *exceptions.entry(e).or_insert(0) += 1;
        }
    }
    let exception = exceptions
        .iter()
        .max_by(|a, b| {
            a.1.cmp(b.1)
                .then(
                    (Some(*a.0) == newest.exception.as_deref())
                        .cmp(&(Some(*b.0) == newest.exception.as_deref())),
                )
                .then(b.0.cmp(a.0))
        })
        .map(|(e, _)| e.to_string());
    Group {
        signature: signature.clone(),
        exception,
        example: newest.message.clone(),
        example_text: newest.text.clone(),
        count: rows.len(),
        per_server,
        first_seen: rows.iter().filter_map(|r| r.at).min(),
        last_seen: rows.iter().filter_map(|r| r.at).max(),
        new: rows
            .iter()
            .filter(|r| is_new(r.at, options.new_since))
            .count(),
        rows: rows.iter().map(|r| r.row.clone()).collect(),
    }
}

/// New since the user last looked: after that moment, and everything
/// when they never looked (the console's one rule, `state::seen::is_new`).
fn is_new(at: Option<DateTime<Utc>>, since: Option<DateTime<Utc>>) -> bool {
    match (at, since) {
        (Some(at), Some(since)) => at > since,
        (_, None) => true,
        (None, Some(_)) => false,
    }
}

/// What happened to a group's rows between grouping and acting.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Drift {
    /// Still failed with the same cause: what an action would act on.
    pub unchanged: Vec<RowRef>,
    /// No longer in the list (deleted, released, or beyond the server's
    /// retention).
    pub gone: Vec<RowRef>,
    /// Acknowledged in the meantime (by anyone).
    pub acknowledged: Vec<RowRef>,
    /// Still there but no longer with this cause (the row was read again
    /// differently), or now outside the window.
    pub no_longer_matching: Vec<RowRef>,
    /// Rows that now have this cause but were not in the group.
    pub joined: Vec<RowRef>,
}

impl Drift {
    /// Nothing changed: the group as shown is the group as it is.
    pub fn is_unchanged(&self) -> bool {
        self.gone.is_empty()
            && self.acknowledged.is_empty()
            && self.no_longer_matching.is_empty()
            && self.joined.is_empty()
    }

    /// Rows an action would act on now, per connection, for the confirmation.
    pub fn per_server(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for row in &self.unchanged {
            *counts.entry(row.connection.clone()).or_insert(0) += 1;
        }
        counts
    }
}

/// Compares `group` (computed earlier) with the rows as they are `now`.
///
/// `now` must hold every failure read again from the group's servers,
/// acknowledged ones included, so an acknowledged row is told from a gone
/// one. Rows of servers not read again are reported as gone: the caller
/// reads every server the group names.
pub fn drift(group: &Group, now: &[Failure], options: &GroupOptions) -> Drift {
    let current: HashMap<&RowRef, &Failure> = now.iter().map(|f| (&f.row, f)).collect();
    let mut drift = Drift::default();
    for row in &group.rows {
        match current.get(row) {
            None => drift.gone.push(row.clone()),
            Some(f) if f.acknowledged => drift.acknowledged.push(row.clone()),
            Some(f) if f.signature != group.signature || !options.admits(f) => {
                drift.no_longer_matching.push(row.clone())
            }
            Some(_) => drift.unchanged.push(row.clone()),
        }
    }
    let mut joined: Vec<RowRef> = now
        .iter()
        .filter(|f| {
            f.signature == group.signature && options.admits(f) && !group.rows.contains(&f.row)
        })
        .map(|f| f.row.clone())
        .collect();
    joined.sort();
    joined.dedup();
    drift.joined = joined;
    drift
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failure::List;
    use crate::signature::Source;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn failure(connection: &str, key: &str, message: &str, when: Option<&str>) -> Failure {
        let source = Source::InvenTreeTask("math.sqrt".into());
        Failure {
            row: RowRef {
                connection: connection.into(),
                list: List::InvenTreeFailed,
                key: key.into(),
            },
            signature: crate::signature::signature(
                source,
                &crate::signature::FailureText {
                    message: Some(message),
                    ..Default::default()
                },
            ),
            exception: Some("ValueError".into()),
            message: message.into(),
            text: message.into(),
            traceback: None,
            at: when.map(at),
            acknowledged: false,
        }
    }

    fn options() -> GroupOptions {
        GroupOptions::new(at("2026-12-10T12:00:00Z"))
    }

    #[test]
    fn rows_of_one_cause_on_several_servers_form_one_group() {
        let rows = vec![
            failure("a", "1", "Part 12 missing", Some("2026-12-01T00:00:00Z")),
            failure("b", "9", "Part 977 missing", Some("2026-12-09T00:00:00Z")),
            failure("a", "2", "math domain error", Some("2026-12-05T00:00:00Z")),
            failure("a", "3", "Part 4 missing", Some("2026-12-03T00:00:00Z")),
        ];
        let grouping = group(
            &rows,
            &GroupOptions {
                new_since: Some(at("2026-12-02T00:00:00Z")),
                ..options()
            },
        );
        assert_eq!(grouping.groups.len(), 2);
        let first = &grouping.groups[0];
        assert_eq!(first.signature.message, "Part <n> missing");
        assert_eq!(first.count, 3);
        assert_eq!(
            first.per_server,
            BTreeMap::from([("a".into(), 2), ("b".into(), 1)])
        );
        assert_eq!(first.first_seen, Some(at("2026-12-01T00:00:00Z")));
        assert_eq!(first.last_seen, Some(at("2026-12-09T00:00:00Z")));
        assert_eq!(
            first.example, "Part 977 missing",
            "the newest row's message"
        );
        assert_eq!(first.new, 2);
        assert_eq!(first.exception.as_deref(), Some("ValueError"));
        assert_eq!(
            first
                .rows
                .iter()
                .map(|r| r.key.as_str())
                .collect::<Vec<_>>(),
            ["1", "3", "9"]
        );
    }

    #[test]
    fn the_window_is_an_input_and_the_grouping_says_what_it_left_out() {
        let rows = vec![
            failure("a", "1", "x", Some("2026-11-01T00:00:00Z")),
            failure("a", "2", "x", Some("2026-12-09T00:00:00Z")),
            failure("a", "3", "x", None),
        ];
        let thirty = group(&rows, &options());
        assert_eq!(thirty.window.days, 30);
        assert_eq!(thirty.from, at("2026-11-10T12:00:00Z"));
        assert_eq!(thirty.groups[0].count, 2);
        assert_eq!((thirty.outside_window, thirty.undated), (1, 1));
        let ninety = group(
            &rows,
            &GroupOptions {
                window: Window { days: 90 },
                ..options()
            },
        );
        assert_eq!(ninety.groups[0].count, 3);
        assert_eq!(ninety.outside_window, 0);
    }

    #[test]
    fn acknowledged_failures_stay_out_unless_asked_for() {
        let mut done = failure("a", "1", "x", Some("2026-12-09T00:00:00Z"));
        done.acknowledged = true;
        let rows = vec![done, failure("a", "2", "x", Some("2026-12-09T00:00:00Z"))];
        assert_eq!(group(&rows, &options()).groups[0].count, 1);
        let all = GroupOptions {
            include_acknowledged: true,
            ..options()
        };
        assert_eq!(group(&rows, &all).groups[0].count, 2);
    }

    #[test]
    fn drift_names_rows_gone_acknowledged_changed_and_joined_between_grouping_and_acting() {
        let before = vec![
            failure("a", "1", "Part 1 missing", Some("2026-12-09T00:00:00Z")),
            failure("a", "2", "Part 2 missing", Some("2026-12-09T00:00:00Z")),
            failure("b", "3", "Part 3 missing", Some("2026-12-09T00:00:00Z")),
            failure("b", "4", "Part 4 missing", Some("2026-12-09T00:00:00Z")),
            failure("b", "5", "Part 5 missing", Some("2026-12-09T00:00:00Z")),
        ];
        let grouped = group(&before, &options()).groups.remove(0);
        assert_eq!(grouped.count, 5);

        let mut acknowledged = before[1].clone();
        acknowledged.acknowledged = true;
        let changed = failure("b", "4", "math domain error", Some("2026-12-09T00:00:00Z"));
        let now = vec![
            before[0].clone(),
            acknowledged,
            // 3 is gone
            changed,
            before[4].clone(),
            failure("b", "6", "Part 6 missing", Some("2026-12-10T00:00:00Z")),
            failure("b", "7", "Part 7 missing", Some("2026-10-01T00:00:00Z")), // outside the window
        ];
        let drift = drift(&grouped, &now, &options());
        let keys = |rows: &[RowRef]| rows.iter().map(|r| r.key.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&drift.unchanged), ["1", "5"]);
        assert_eq!(keys(&drift.acknowledged), ["2"]);
        assert_eq!(keys(&drift.gone), ["3"]);
        assert_eq!(keys(&drift.no_longer_matching), ["4"]);
        assert_eq!(keys(&drift.joined), ["6"]);
        assert!(!drift.is_unchanged());
        assert_eq!(
            drift.per_server(),
            BTreeMap::from([("a".into(), 1), ("b".into(), 1)])
        );

        let same = drift_of_same(&grouped, &before);
        assert!(same.is_unchanged());
        assert_eq!(same.unchanged.len(), 5);
    }

    fn drift_of_same(grouped: &Group, rows: &[Failure]) -> Drift {
        drift(grouped, rows, &options())
    }
}
