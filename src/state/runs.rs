//! A run (a system task, a mail fetch) in words, as far as it was seen.

use crate::api::paperless::TaskStatus;
use crate::engine::follow::{RunState, Skip};
use crate::engine::mail::MailLog;

/// Every status in words; one the servers do not document is shown as
/// unknown, with its raw name.
pub fn status_label(status: &TaskStatus) -> String {
    match status {
        TaskStatus::Other(raw) => format!("Unknown ({raw})"),
        known => known.label().to_string(),
    }
}

/// "Failure: boom", or the status alone.
fn outcome(status: &TaskStatus, message: Option<&str>) -> String {
    match message {
        Some(m) => format!("{}: {m}", status_label(status)),
        None => status_label(status),
    }
}

pub fn describe(state: &RunState) -> String {
    match state {
        RunState::Sending => "Asking the server…".into(),
        RunState::WaitingTurn => {
            "Waiting for this server's other mail fetch to end (each is followed in its mail \
             log, one at a time)…"
                .into()
        }
        RunState::Requested => "Requested; the server has not listed its task yet…".into(),
        RunState::Task { status, message } => outcome(status, message.as_deref()),
        RunState::Answered { result } => match result {
            Some(r) => format!("Success: {r}"),
            None => {
                "Done: the server answered without a result and listed no task for this run.".into()
            }
        },
        RunState::Fetched {
            status,
            message,
            log,
        } => {
            let outcome = outcome(status, message.as_deref());
            match log {
                MailLog::Errors(errors) if *status == TaskStatus::Success => {
                    format!("The task succeeded, but {}", mail_errors(errors))
                }
                MailLog::Errors(errors) => format!("{outcome}; {}", mail_errors(errors)),
                MailLog::Unreadable => format!(
                    "{outcome}. Paperless records a mailbox that cannot be reached only in its \
                     mail log, which this account may not read."
                ),
                MailLog::Clean | MailLog::Watching | MailLog::Silent => outcome,
            }
        }
        RunState::Unlisted { log } => match log {
            MailLog::Watching => {
                format!("Asked. {NO_TASK}; reading its mail log for this account…")
            }
            MailLog::Errors(errors) => {
                let said = mail_errors(errors);
                let mut said = said.chars();
                let first = said.next().map(|c| c.to_uppercase().to_string());
                format!(
                    "{}{} ({NO_TASK}.)",
                    first.unwrap_or_default(),
                    said.as_str()
                )
            }
            MailLog::Clean => format!(
                "The fetch began and logged no error for this account (mail log). {NO_TASK}, so \
                 nothing more is known of its outcome."
            ),
            MailLog::Silent => format!(
                "Asked, but the mail log shows no fetch of this account yet: is the server's \
                 worker running? {NO_TASK}."
            ),
            MailLog::Unreadable => format!(
                "Asked. {NO_TASK} and writes its errors only to its mail log, which this account \
                 may not read: the outcome cannot be seen here."
            ),
        },
        RunState::Skipped(Skip::LlmIndexDisabled) => {
            "Skipped: the LLM index is disabled on this server, so the run did nothing.".into()
        }
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

const NO_TASK: &str = "Paperless-ngx 2.x records no task for mail fetches";

/// The account's logged errors, as the clause after "but".
fn mail_errors(errors: &[String]) -> String {
    let reason = if errors
        .iter()
        .any(|e| e.starts_with("Error while retrieving mailbox"))
    {
        "the mailbox could not be reached"
    } else if errors
        .iter()
        .any(|e| e.starts_with("Error while authenticating account"))
    {
        "the mail server refused the login"
    } else {
        "the mail log shows errors for this account"
    };
    format!("{reason}: {}", errors.join("; "))
}

/// Whether the words should look like a failure.
pub fn is_bad(state: &RunState) -> bool {
    match state {
        RunState::NotStarted(_) | RunState::LostTrack(_) | RunState::NeverListed => true,
        RunState::Task { status, .. } | RunState::Fetched { status, .. }
            if matches!(status, TaskStatus::Failure | TaskStatus::Revoked) =>
        {
            true
        }
        RunState::Fetched { log, .. } | RunState::Unlisted { log } => {
            matches!(log, MailLog::Errors(_))
        }
        _ => false,
    }
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

    /// Asked and not yet listed is not "started" (issue 25, item 7).
    #[test]
    fn a_requested_run_is_not_said_to_have_started() {
        assert_eq!(describe(&RunState::Sending), "Asking the server…");
        assert!(RunState::Sending.in_progress());
        let words = describe(&RunState::Requested);
        assert!(!words.contains("Started"), "{words}");
        assert!(!words.contains("worker"), "{words}");
        let watching = describe(&RunState::Unlisted {
            log: MailLog::Watching,
        });
        assert!(watching.contains("records no task"), "{watching}");
        assert!(!watching.contains("Started"), "{watching}");
    }

    /// A fetch whose task succeeded but whose mailbox was not reached says
    /// so (issue 25, item 2), and where the log cannot be read, why that
    /// is not known.
    #[test]
    fn a_fetch_reports_what_the_mail_log_said() {
        let refused = RunState::Fetched {
            status: TaskStatus::Success,
            message: None,
            log: MailLog::Errors(vec![
                "Error while retrieving mailbox Office: [Errno 111] Connection refused".into(),
            ]),
        };
        assert_eq!(
            describe(&refused),
            "The task succeeded, but the mailbox could not be reached: Error while retrieving \
             mailbox Office: [Errno 111] Connection refused"
        );
        assert!(is_bad(&refused) && !refused.succeeded());
        let blind = RunState::Fetched {
            status: TaskStatus::Success,
            message: None,
            log: MailLog::Unreadable,
        };
        assert!(describe(&blind).starts_with("Success. Paperless records"));
        assert!(describe(&blind).contains("only in its mail log"));
        assert!(!is_bad(&blind));
        let unlisted = describe(&RunState::Unlisted {
            log: MailLog::Errors(vec!["Error while authenticating account Bank: bad".into()]),
        });
        assert!(
            unlisted.starts_with("The mail server refused the login: Error while"),
            "{unlisted}"
        );
    }

    /// A skipped run is not a success (issue 25, item 4); a 2.x run
    /// answered with nothing and listed nowhere is done, not unknown.
    #[test]
    fn a_skipped_run_says_skipped() {
        let skipped = RunState::Skipped(Skip::LlmIndexDisabled);
        assert!(describe(&skipped).starts_with("Skipped"));
        assert!(!skipped.succeeded() && !is_bad(&skipped));
        let done = describe(&RunState::Answered { result: None });
        assert!(done.starts_with("Done"), "{done}");
    }
}
