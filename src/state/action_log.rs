//! The action log in pure terms: the entry for what an action or a run
//! reported as seen (the engine's [`Report`] and [`RunState`], never the
//! server's word alone), how entries are kept in order, and the log's
//! filters.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::api::watcher::{ACTION_LOG_VERSION, ActionEntry, ActionServer};
use crate::api::{ApiError, ServerKind};
use crate::engine::act::Report;
use crate::engine::follow::RunState;

/// Everything about an action but its outcome: who sent what to which
/// server, when.
#[derive(Clone, Debug, PartialEq)]
pub struct Sent {
    pub id: String,
    pub at: DateTime<Utc>,
    pub who: String,
    pub installation: String,
    pub kind: ServerKind,
    pub url: String,
    pub server_name: String,
    /// One of [`crate::api::watcher::ACTIONS`].
    pub action: &'static str,
    pub target: String,
    pub ids: Vec<String>,
}

impl Sent {
    /// The entry, with rows per outcome and the report as shown.
    pub fn entry(self, outcomes: BTreeMap<String, u64>, report: &str) -> ActionEntry {
        let count = self.ids.len().max(1) as u64;
        ActionEntry {
            version: ACTION_LOG_VERSION,
            id: self.id,
            at: self.at,
            who: self.who,
            installation: Some(self.installation).filter(|i| !i.is_empty()),
            server: ActionServer {
                kind: match self.kind {
                    ServerKind::Paperless => "paperless",
                    ServerKind::InvenTree => "inventree",
                }
                .into(),
                url: self.url,
                name: Some(self.server_name),
            },
            action: self.action.into(),
            target: Some(self.target).filter(|t| !t.is_empty()),
            count,
            outcomes,
            report: Some(report.chars().take(2000).collect()),
            ids: self
                .ids
                .into_iter()
                .take(1000)
                .map(|id| id.chars().take(100).collect())
                .collect(),
        }
    }
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, u64> {
    pairs
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| (k.to_string(), *n as u64))
        .collect()
}

/// An answer that means the server said no (rather than that the answer
/// was lost or not the server's).
fn refusal(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::Unauthorized { .. }
            | ApiError::Forbidden { .. }
            | ApiError::MethodNotAllowed { .. }
            | ApiError::Refused { .. }
    ) || matches!(e, ApiError::Server { status, .. } if (400..500).contains(status))
}

/// Rows per outcome of an action that was sent: what the engine saw when
/// it looked the rows up again. Rows still there unchanged were not done
/// (`refused`); rows gone from a queue a worker also takes from are
/// `gone`; when the rows could not be looked up again, every row is
/// `unknown`, unless the server plainly said no.
pub fn report_outcomes(report: &Report) -> BTreeMap<String, u64> {
    match report.tally() {
        Some(t) => counts(&[
            ("done", t.done),
            ("gone", t.gone_or_started),
            ("refused", t.unchanged),
        ]),
        None => {
            let asked = report.asked.len();
            match &report.reply {
                Err(e) if refusal(e) => counts(&[("refused", asked)]),
                _ => counts(&[("unknown", asked)]),
            }
        }
    }
}

/// The outcome of a run (a system task, a mail fetch) as it was last seen.
pub fn run_outcomes(state: &RunState) -> BTreeMap<String, u64> {
    let outcome = match state {
        s if s.succeeded() => "done",
        RunState::Task {
            status:
                crate::api::paperless::TaskStatus::Failure | crate::api::paperless::TaskStatus::Revoked,
            ..
        } => "failed",
        RunState::NotStarted(_) => "refused",
        _ => "unknown",
    };
    counts(&[(outcome, 1)])
}

/// What a system task's run acts on, in the log's words.
pub fn run_target(task: crate::api::paperless_admin::SystemTask) -> &'static str {
    use crate::api::paperless_admin::SystemTask;
    match task {
        SystemTask::TrainClassifier => "classifier training",
        SystemTask::SanityCheck => "sanity check",
        SystemTask::LlmIndex => "LLM index update",
        SystemTask::IndexOptimize => "search index optimization",
    }
}

/// The key an entry is kept under locally: its time first, so keys sort
/// as the entries happened (IndexedDB orders keys as strings).
pub fn local_key(entry: &ActionEntry) -> String {
    format!("{:015}-{}", entry.at.timestamp_millis().max(0), entry.id)
}

/// Keys to delete so that at most `keep` entries stay, the oldest first.
pub fn beyond(mut keys: Vec<String>, keep: usize) -> Vec<String> {
    keys.sort();
    let extra = keys.len().saturating_sub(keep);
    keys.truncate(extra);
    keys
}

/// An action's name in words.
pub fn action_label(action: &str) -> &str {
    match action {
        "acknowledge" => "Acknowledge",
        "delete" => "Delete",
        "allow_reimport" => "Allow re-import",
        "fetch_mail" => "Fetch mail",
        "run" => "Run",
        other => other,
    }
}

pub fn outcome_label(outcome: &str) -> &str {
    match outcome {
        "done" => "Done",
        "gone" => "Gone",
        "refused" => "Refused",
        "failed" => "Failed",
        "unknown" => "Unknown",
        other => other,
    }
}

/// "2 done, 1 gone".
pub fn outcomes_text(entry: &ActionEntry) -> String {
    crate::api::watcher::OUTCOMES
        .iter()
        .filter_map(|k| {
            entry
                .outcomes
                .get(*k)
                .filter(|n| **n > 0)
                .map(|n| format!("{n} {}", outcome_label(k).to_lowercase()))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Entries from several places (this browser or app, a watcher), each
/// once: by id, the first place's copy kept.
pub fn merge<T>(mut lists: Vec<Vec<T>>, id: impl Fn(&T) -> &str) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for list in lists.drain(..) {
        for item in list {
            if seen.insert(id(&item).to_string()) {
                out.push(item);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::paperless::TaskStatus;
    use crate::engine::act::Vanished;
    use std::collections::HashSet;

    fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|k| k.to_string()).collect()
    }

    fn report(
        reply: Result<Option<u64>, ApiError>,
        after: Result<&[&str], ApiError>,
        vanished: Vanished,
    ) -> Report {
        Report {
            asked: keys(&["1", "2", "3"]),
            reply,
            after: after.map(|still| still.iter().map(|s| s.to_string()).collect::<HashSet<_>>()),
            vanished,
        }
    }

    fn outcomes(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect()
    }

    #[test]
    fn an_actions_outcomes_are_what_the_engine_saw_afterwards() {
        assert_eq!(
            report_outcomes(&report(Ok(Some(3)), Ok(&[]), Vanished::Done)),
            outcomes(&[("done", 3)])
        );
        // Half-way: two done, one still there.
        assert_eq!(
            report_outcomes(&report(
                Err(ApiError::NothingSelected),
                Ok(&["3"]),
                Vanished::Done
            )),
            outcomes(&[("done", 2), ("refused", 1)])
        );
        // A queue a worker also takes from: only the counted are this action's.
        assert_eq!(
            report_outcomes(&report(Ok(Some(1)), Ok(&[]), Vanished::DoneOrStarted)),
            outcomes(&[("done", 1), ("gone", 2)])
        );
        // Not looked up again: unknown, unless the server said no.
        let lost = ApiError::TimedOut {
            url: "http://h".into(),
            after_secs: 30,
        };
        assert_eq!(
            report_outcomes(&report(Ok(Some(3)), Err(lost.clone()), Vanished::Done)),
            outcomes(&[("unknown", 3)])
        );
        let no = ApiError::Forbidden {
            message: "You do not have permission".into(),
            required: None,
        };
        assert_eq!(
            report_outcomes(&report(Err(no), Err(lost), Vanished::Done)),
            outcomes(&[("refused", 3)])
        );
    }

    #[test]
    fn a_runs_outcome_is_its_last_state() {
        let task = |status| RunState::Task {
            status,
            message: None,
        };
        assert_eq!(
            run_outcomes(&task(TaskStatus::Success)),
            outcomes(&[("done", 1)])
        );
        assert_eq!(
            run_outcomes(&task(TaskStatus::Failure)),
            outcomes(&[("failed", 1)])
        );
        assert_eq!(
            run_outcomes(&RunState::NotStarted(ApiError::NothingSelected)),
            outcomes(&[("refused", 1)])
        );
        assert_eq!(
            run_outcomes(&RunState::NeverListed),
            outcomes(&[("unknown", 1)])
        );
        assert_eq!(
            run_outcomes(&RunState::NoLongerFollowed {
                status: Some(TaskStatus::Started)
            }),
            outcomes(&[("unknown", 1)])
        );
    }

    fn sent(ids: &[&str]) -> Sent {
        Sent {
            id: "a1".into(),
            at: "2026-12-06T09:30:00Z".parse().unwrap(),
            who: "alice".into(),
            installation: "browser-1".into(),
            kind: ServerKind::Paperless,
            url: "https://paperless.example.org".into(),
            server_name: "Docs".into(),
            action: "acknowledge",
            target: "tasks".into(),
            ids: keys(ids),
        }
    }

    #[test]
    fn an_entry_is_one_the_watcher_keeps() {
        let entry = sent(&["17", "18"]).entry(outcomes(&[("done", 2)]), "Acknowledged 2 tasks");
        assert_eq!(entry.check(), Ok(()));
        assert_eq!(entry.count, 2);
        assert_eq!(entry.version, ACTION_LOG_VERSION);
        assert_eq!(outcomes_text(&entry), "2 done");
        let run = Sent {
            action: "run",
            ..sent(&[])
        }
        .entry(outcomes(&[("failed", 1)]), "Failure: boom");
        assert_eq!((run.count, run.outcome()), (1, "failed"));
        assert_eq!(run.check(), Ok(()));
    }

    #[test]
    fn local_keys_sort_as_time_and_the_oldest_go_first() {
        let mut a = sent(&["1"]).entry(BTreeMap::new(), "");
        let mut b = a.clone();
        a.at = "2026-12-06T09:30:00Z".parse().unwrap();
        b.at = "2027-01-01T00:00:00Z".parse().unwrap();
        b.id = "b".into();
        assert!(local_key(&a) < local_key(&b));
        let all = vec![local_key(&b), local_key(&a), "000000000000001-x".into()];
        assert_eq!(beyond(all.clone(), 5), Vec::<String>::new());
        assert_eq!(
            beyond(all, 1),
            vec!["000000000000001-x".to_string(), local_key(&a)]
        );
        let merged = merge(
            vec![vec![(1, "a"), (2, "b")], vec![(3, "b"), (4, "c")]],
            |x| x.1,
        );
        assert_eq!(merged, [(1, "a"), (2, "b"), (4, "c")]);
    }
}
