//! One failed row, from whichever list it was read, with its signature:
//! what grouping, the catalogue and reports work on.

use chrono::{DateTime, FixedOffset, Utc};
use taskdeck_api::inventree::FailedTask;
use taskdeck_api::paperless::{PaperlessTask, TaskStatus};
use taskdeck_api::paperless_mail::{MailStatus, ProcessedMail};
use taskdeck_api::time::ServerTime;

use crate::signature::{self, FailureText, Signature, Source};

/// The list a row lives in; with the connection and the row's key it
/// finds the row again (for an action, or to see whether it changed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum List {
    PaperlessTasks,
    PaperlessProcessedMail,
    InvenTreeFailed,
}

/// A row, by the connection it was read from and its key in its list
/// (Paperless task id, processed-mail id, InvenTree failed-task pk).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowRef {
    pub connection: String,
    pub list: List,
    pub key: String,
}

/// A failure as triage sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub row: RowRef,
    pub signature: Signature,
    /// The exception type as the server names it, when it does.
    pub exception: Option<String>,
    /// The message's first meaningful line, unmasked (an example of the group).
    pub message: String,
    /// The whole error text (message and traceback), for the catalogue
    /// and for reports.
    pub text: String,
    pub traceback: Option<String>,
    /// When it failed (finished, or stopped); `None` when the row does not say.
    pub at: Option<DateTime<Utc>>,
    /// A Paperless task the admin has already acknowledged.
    pub acknowledged: bool,
}

impl Failure {
    /// A failed Paperless task (status `failure`); `None` for any other row.
    pub fn from_paperless(connection: &str, task: &PaperlessTask) -> Option<Failure> {
        if task.status != TaskStatus::Failure {
            return None;
        }
        let names: Vec<&str> = task.file_name.as_deref().into_iter().collect();
        // A duplicate is recognised by its structured field in either API
        // version (`duplicate_of`, `duplicate_documents`): the wording
        // differs between versions, the cause does not.
        let duplicate = task.duplicates.first().map(|d| d.id).or_else(|| {
            task.result_data
                .as_ref()
                .and_then(|r| r.get("duplicate_of"))
                .and_then(serde_json::Value::as_u64)
        });
        let message = task.result_message.as_deref();
        let canonical;
        let (message_for_signature, exception) = match duplicate {
            Some(doc) => {
                canonical = format!("Not consuming: It is a duplicate of document #{doc}");
                (
                    Some(canonical.as_str()),
                    Some("ConsumeFileDuplicateError".to_string()),
                )
            }
            None => (
                message,
                task.error_type.clone().or_else(|| {
                    task.traceback
                        .as_deref()
                        .and_then(signature::exception_line)
                        .map(|(name, _)| name.to_string())
                        .filter(|n| !n.is_empty())
                }),
            ),
        };
        let text = FailureText {
            message: message_for_signature,
            traceback: task.traceback.as_deref(),
            known_names: &names,
        };
        let source = Source::PaperlessTask(task.task_type.as_wire().to_string());
        Some(Failure {
            row: RowRef {
                connection: connection.to_string(),
                list: List::PaperlessTasks,
                key: task.id.to_string(),
            },
            message: signature::message_line(&FailureText { message, ..text }).to_string(),
            signature: signature::signature(source, &text),
            exception,
            text: join(message, task.traceback.as_deref()),
            traceback: task.traceback.clone(),
            at: task.done.or(task.started).or(task.created),
            acknowledged: task.acknowledged,
        })
    }

    /// A row of InvenTree's failed queue. Its times carry no zone:
    /// `offset` is the server's (the UI's assumption of it).
    pub fn from_inventree(connection: &str, task: &FailedTask, offset: FixedOffset) -> Failure {
        let result = task.result.as_deref().unwrap_or("");
        let (message, traceback) = signature::split_django_q_result(result);
        let text = FailureText {
            message: Some(message),
            traceback,
            known_names: &[],
        };
        let func = task.func.clone().unwrap_or_default();
        Failure {
            row: RowRef {
                connection: connection.to_string(),
                list: List::InvenTreeFailed,
                key: task.pk.clone(),
            },
            signature: signature::signature(Source::InvenTreeTask(func), &text),
            message: signature::message_line(&text).to_string(),
            exception: traceback
                .and_then(signature::exception_line)
                .map(|(name, _)| name.to_string())
                .filter(|n| !n.is_empty()),
            text: result.to_string(),
            traceback: traceback.map(str::to_string),
            at: task.stopped.or(task.started).and_then(|t| utc(t, offset)),
            acknowledged: false,
        }
    }

    /// A processed-mail record that failed; `None` for any other.
    pub fn from_processed_mail(connection: &str, mail: &ProcessedMail) -> Option<Failure> {
        if mail.status != MailStatus::Failed {
            return None;
        }
        let error = mail.error.as_deref().unwrap_or("");
        let is_traceback = error.trim_start().starts_with(signature::TRACEBACK_START);
        let text = FailureText {
            message: Some(error),
            traceback: is_traceback.then_some(error),
            known_names: &[],
        };
        Some(Failure {
            row: RowRef {
                connection: connection.to_string(),
                list: List::PaperlessProcessedMail,
                key: mail.id.to_string(),
            },
            signature: signature::signature(Source::PaperlessMail, &text),
            message: signature::message_line(&text).to_string(),
            exception: is_traceback
                .then(|| signature::exception_line(error))
                .flatten()
                .map(|(name, _)| name.to_string())
                .filter(|n| !n.is_empty()),
            text: error.to_string(),
            traceback: is_traceback.then(|| error.to_string()),
            at: mail.processed.or(mail.received),
            acknowledged: false,
        })
    }
}

fn join(message: Option<&str>, traceback: Option<&str>) -> String {
    match (message, traceback) {
        (Some(m), Some(t)) => format!("{m}\n{t}"),
        (Some(m), None) => m.to_string(),
        (None, Some(t)) => t.to_string(),
        (None, None) => String::new(),
    }
}

/// An InvenTree time in the server's zone, as UTC.
pub fn utc(t: ServerTime, offset: FixedOffset) -> Option<DateTime<Utc>> {
    t.0.and_local_timezone(offset)
        .single()
        .map(|t| t.with_timezone(&Utc))
}
