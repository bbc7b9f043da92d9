//! What an action really did, in words. The server's reply alone is not
//! trusted: after every action the rows are looked up again, and the report
//! says what changed, or that it is unknown.

use super::plural;
use crate::api::ApiError;
use crate::engine::act::{Report, Tally};

/// How a report should look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Done,
    Partial,
    Failed,
}

/// What an action did, in words: `done_verb` ("Deleted") for what is
/// known to be its doing, "gone from the queue" where a worker may have
/// taken rows too, "unknown" where nothing was seen.
pub fn report(report: &Report, done_verb: &str, unit: &str) -> (Tone, String) {
    let asked = report.asked.len();
    let reply = report.reply.as_ref().map(|said| *said);
    let verb = done_verb.to_lowercase();
    let Some(tally) = report.tally() else {
        let check = report
            .after
            .as_ref()
            .err()
            .map(ToString::to_string)
            .unwrap_or_default();
        return match reply {
            Ok(Some(n)) => (
                Tone::Partial,
                format!(
                    "The server says {n} of {} were {verb}, but the rows could not be \
                     looked up again to confirm it ({check}).",
                    plural(asked, unit)
                ),
            ),
            Ok(None) => (
                Tone::Partial,
                format!(
                    "Outcome unknown: the server accepted the request without saying what \
                     it did, and the rows could not be looked up again ({check})."
                ),
            ),
            Err(e) => (
                Tone::Failed,
                format!(
                    "Outcome unknown: {e} The rows could not be looked up again either \
                     ({check}); refresh to see what changed."
                ),
            ),
        };
    };
    if tally.gone_or_started > 0 {
        return gone_from_a_queue(&tally, reply, done_verb, unit);
    }
    let verified = tally.done;
    let left = tally.unchanged;
    match reply {
        Ok(said) => {
            let said = said.map(|n| n as usize);
            if verified >= asked {
                match said {
                    Some(n) if n < asked => (
                        Tone::Done,
                        format!(
                            "{done_verb} {n} of {}; {} already done",
                            plural(asked, unit),
                            if asked - n == 1 {
                                "1 was".to_string()
                            } else {
                                format!("{} were", asked - n)
                            }
                        ),
                    ),
                    _ => (Tone::Done, format!("{done_verb} {}", plural(asked, unit))),
                }
            } else if verified == 0 {
                let unchanged = if asked == 1 {
                    format!("the {unit} did not change")
                } else {
                    format!("none of the {asked} {unit}s changed")
                };
                (
                    Tone::Failed,
                    format!("The server answered, but {unchanged}: nothing was {verb}."),
                )
            } else {
                (
                    Tone::Partial,
                    format!(
                        "{done_verb} {verified} of {}; {left} still there, unchanged.",
                        plural(asked, unit)
                    ),
                )
            }
        }
        Err(e) => {
            let why = match e {
                ApiError::NotJson { .. } | ApiError::Decode { .. } => {
                    format!("Outcome unknown: the reply was not the server's ({e}).")
                }
                e => e.to_string(),
            };
            if verified == 0 {
                (Tone::Failed, format!("Nothing was {verb}. {why}"))
            } else if verified >= asked {
                (
                    Tone::Partial,
                    format!("{why} All the same, {} {verb}.", were(asked, unit)),
                )
            } else {
                (
                    Tone::Partial,
                    format!(
                        "{why} {verified} of {} were {verb} before it stopped; {left} still \
                         there.",
                        plural(asked, unit)
                    ),
                )
            }
        }
    }
}

/// Rows gone from a queue a worker also takes from (pending InvenTree
/// tasks): only what the server counted is known to be this action's.
fn gone_from_a_queue(
    tally: &Tally,
    reply: Result<Option<u64>, &ApiError>,
    done_verb: &str,
    unit: &str,
) -> (Tone, String) {
    let gone = tally.gone_or_started;
    let mut text = if tally.done > 0 {
        format!(
            "{done_verb} {} of {}; {} gone from the queue before this reached {} (started by \
             the worker, or deleted elsewhere)",
            tally.done,
            plural(tally.asked, unit),
            gone,
            if gone == 1 { "it" } else { "them" }
        )
    } else {
        format!(
            "{} gone from the queue (deleted, or started by the worker: the server does not \
             say which)",
            if gone == tally.asked && gone > 1 {
                format!("All {gone} {unit}s")
            } else {
                plural(gone, unit)
            }
        )
    };
    if let Err(e) = reply {
        text = format!("{e} {text}");
    }
    if tally.unchanged > 0 {
        text.push_str(&format!("; {} still there, unchanged.", tally.unchanged));
        (Tone::Partial, text)
    } else {
        text.push('.');
        (Tone::Done, text)
    }
}

fn were(n: usize, unit: &str) -> String {
    if n == 1 {
        format!("the {unit} was")
    } else {
        format!("all {n} {unit}s were")
    }
}

/// What a confirmation says when some chosen rows are gone before acting.
pub fn pruned(gone: &[String], unit: &str, verb: &str, left: usize) -> String {
    let named = gone.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    let more = gone.len().saturating_sub(5);
    format!(
        "{} of the chosen no longer {} and {} left out: {named}{}. {verb} the other {}?",
        plural(gone.len(), unit),
        if gone.len() == 1 {
            "exists or needs it"
        } else {
            "exist or need it"
        },
        if gone.len() == 1 { "was" } else { "were" },
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        },
        plural(left, unit)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::act::Vanished;

    fn said(
        asked: usize,
        reply: Result<Option<u64>, ApiError>,
        verified: Result<usize, ApiError>,
    ) -> (Tone, String) {
        let keys: Vec<String> = (0..asked).map(|k| k.to_string()).collect();
        let after = verified.map(|gone| keys.iter().skip(gone).cloned().collect());
        report(
            &Report {
                asked: keys,
                reply,
                after,
                vanished: Vanished::Done,
            },
            "Deleted",
            "task",
        )
    }

    fn pending(reply: Result<Option<u64>, ApiError>, still: &[&str]) -> (Tone, String) {
        report(
            &Report {
                asked: vec!["1".into(), "2".into(), "3".into()],
                reply,
                after: Ok(still.iter().map(|s| s.to_string()).collect()),
                vanished: Vanished::DoneOrStarted,
            },
            "Deleted",
            "task",
        )
    }

    #[test]
    fn a_pending_task_a_worker_took_is_not_reported_as_deleted() {
        assert_eq!(
            pending(Ok(Some(2)), &[]),
            (
                Tone::Done,
                "Deleted 2 of 3 tasks; 1 gone from the queue before this reached it (started \
                 by the worker, or deleted elsewhere)."
                    .into()
            )
        );
        // API 198 says nothing of what it deleted.
        assert_eq!(
            pending(Ok(None), &[]),
            (
                Tone::Done,
                "All 3 tasks gone from the queue (deleted, or started by the worker: the \
                 server does not say which)."
                    .into()
            )
        );
        let (tone, text) = pending(Ok(None), &["3"]);
        assert_eq!(tone, Tone::Partial);
        assert!(text.starts_with("2 tasks gone from the queue"), "{text}");
        assert!(text.ends_with("1 still there, unchanged."), "{text}");
        // All counted by the server: plainly deleted.
        assert_eq!(
            pending(Ok(Some(3)), &[]),
            (Tone::Done, "Deleted 3 tasks".into())
        );
    }

    fn timeout() -> ApiError {
        ApiError::TimedOut {
            url: "http://h".into(),
            after_secs: 30,
        }
    }

    #[test]
    fn success_is_reported_only_as_far_as_it_was_seen() {
        assert_eq!(
            said(3, Ok(Some(3)), Ok(3)),
            (Tone::Done, "Deleted 3 tasks".into())
        );
        // API 198: 204 and no count; the lookup says all are gone.
        assert_eq!(
            said(1, Ok(None), Ok(1)),
            (Tone::Done, "Deleted 1 task".into())
        );
        assert_eq!(
            said(3, Ok(Some(2)), Ok(3)),
            (
                Tone::Done,
                "Deleted 2 of 3 tasks; 1 was already done".into()
            )
        );
        // 204 although nothing matched.
        let (tone, text) = said(2, Ok(None), Ok(0));
        assert_eq!(tone, Tone::Failed);
        assert!(text.contains("nothing was deleted"), "{text}");
        let (tone, text) = said(3, Ok(Some(3)), Ok(2));
        assert_eq!(tone, Tone::Partial);
        assert!(text.starts_with("Deleted 2 of 3 tasks"), "{text}");
    }

    #[test]
    fn failures_after_a_partial_commit_say_how_far_it_got() {
        let (tone, text) = said(100, Err(timeout()), Ok(40));
        assert_eq!(tone, Tone::Partial);
        assert!(
            text.starts_with("The server did not answer in 30 s"),
            "{text}"
        );
        assert!(
            text.contains("40 of 100 tasks were deleted before it stopped"),
            "{text}"
        );
        let (tone, text) = said(2, Err(timeout()), Ok(0));
        assert_eq!(tone, Tone::Failed);
        assert!(text.starts_with("Nothing was deleted."), "{text}");
        let (_, text) = said(2, Err(timeout()), Ok(2));
        assert!(
            text.contains("All the same, all 2 tasks were deleted"),
            "{text}"
        );
    }

    #[test]
    fn a_reply_that_is_not_the_servers_is_an_unknown_outcome() {
        let login_page = ApiError::NotJson {
            endpoint: "DELETE /api/background-task/failed/".into(),
            status: 200,
            excerpt: "Sign in".into(),
        };
        let (tone, text) = said(2, Err(login_page.clone()), Ok(0));
        assert_eq!(tone, Tone::Failed);
        assert!(text.contains("Outcome unknown"), "{text}");
        let (tone, text) = said(2, Err(login_page), Err(timeout()));
        assert_eq!(tone, Tone::Failed);
        assert!(text.starts_with("Outcome unknown"), "{text}");
    }

    #[test]
    fn pruned_rows_are_named() {
        let text = pruned(&["#3 a.pdf".into()], "task", "Dismiss", 2);
        assert_eq!(
            text,
            "1 task of the chosen no longer exists or needs it and was left out: #3 a.pdf. Dismiss the other 2 tasks?"
        );
    }
}
