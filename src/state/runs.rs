//! A run (a system task, a mail fetch) in words, as far as it was seen.

use crate::api::paperless::TaskStatus;
use crate::engine::follow::RunState;

/// Every status in words; one the servers do not document is shown as
/// unknown, with its raw name.
pub fn status_label(status: &TaskStatus) -> String {
    match status {
        TaskStatus::Other(raw) => format!("Unknown ({raw})"),
        known => known.label().to_string(),
    }
}

pub fn describe(state: &RunState) -> String {
    match state {
        RunState::WaitingTurn => {
            "Waiting for this server's other mail fetch to end (its tasks do not name their \
             account)…"
                .into()
        }
        RunState::Requested => "Requested; the server has not listed its task yet…".into(),
        RunState::Task { status, message } => format!(
            "{}{}",
            status_label(status),
            message
                .as_ref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        ),
        RunState::Answered { result } => match result {
            Some(r) => format!("Success: {r}"),
            None => "Success".into(),
        },
        RunState::NotStarted(e) => format!("Not started: {e}"),
        RunState::LostTrack(e) => format!(
            "Started, but its task could no longer be looked up: {e} It may still be running."
        ),
        RunState::NeverListed => "The server accepted the request, but no task of it appeared \
                                  in its task list; whether it ran is not known."
            .into(),
        RunState::NoLongerFollowed { status } => format!(
            "Still {} on the server after 15 minutes; no longer followed here. Its task stays \
             in the task list.",
            status
                .as_ref()
                .map_or("not finished".to_string(), |s| status_label(s)
                    .to_lowercase())
        ),
    }
}

/// Whether the words should look like a failure.
pub fn is_bad(state: &RunState) -> bool {
    matches!(
        state,
        RunState::NotStarted(_)
            | RunState::LostTrack(_)
            | RunState::NeverListed
            | RunState::Task {
                status: TaskStatus::Failure | TaskStatus::Revoked,
                ..
            }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_says_what_was_seen_and_unknown_where_nothing_was() {
        assert!(describe(&RunState::NeverListed).contains("not known"));
        let text = describe(&RunState::NoLongerFollowed {
            status: Some(TaskStatus::Started),
        });
        assert!(text.starts_with("Still started on the server"), "{text}");
        assert!(text.contains("no longer followed"), "{text}");
        assert_eq!(
            describe(&RunState::Task {
                status: TaskStatus::Failure,
                message: Some("boom".into())
            }),
            "Failure: boom"
        );
        assert!(is_bad(&RunState::NeverListed));
        assert!(!is_bad(&RunState::Requested));
    }
}
