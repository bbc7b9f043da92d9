//! Paperless-ngx's mail side: accounts, rules, the processed-mail record
//! (`GET /api/processed_mail/`), "allow re-import" (deleting records with
//! `POST /api/processed_mail/bulk_delete/`) and fetching an account again
//! (`POST /api/mail_accounts/{id}/process/`). Written against the
//! recordings of 2026-12-03: `mail_accounts_list*`, `mail_rules_list`,
//! `processed_mail_*`, `mail_account_process*`,
//! `tasks_list_task_id_mail_fetch` and its `v9_` twin.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

use crate::Page;
use crate::call::{Call, Transport, decode_json, decode_page};
use crate::error::ApiError;
use crate::paperless::{PaperlessClient, PaperlessTask, TaskQuery, TaskType, TriggerSource};
use crate::query::Query;
use crate::time::rfc3339_opt;

wire_enum! {
    /// `ProcessedMail.status`: an exact, case-sensitive filter on the server
    /// (`processed_mail_status_failed_lowercase` is an empty page).
    MailStatus {
        Success = "SUCCESS", "Imported";
        Failed = "FAILED", "Failed";
        NothingConsumed = "PROCESSED_WO_CONSUMPTION", "Processed, nothing consumed";
    }
}

/// One mail account. The password is never read (the server obfuscates it).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct MailAccount {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub imap_server: Option<String>,
    /// A number on the wire (`mail_accounts_list`: `"imap_port": 1`); the
    /// schema allows null (the default port for its security).
    #[serde(default)]
    pub imap_port: Option<u32>,
    #[serde(default)]
    pub username: Option<String>,
}

impl MailAccount {
    /// `host:port` as the account is set up (the host alone without a port).
    pub fn address(&self) -> Option<String> {
        let host = self.imap_server.as_deref().filter(|h| !h.is_empty())?;
        Some(match self.imap_port {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        })
    }
}

/// One mail rule: which account it reads.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct MailRule {
    pub id: u64,
    pub name: String,
    pub account: u64,
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}

/// A mail Paperless has handled. While this record exists the mail is never
/// imported again; deleting it is what allows a re-import.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ProcessedMail {
    pub id: u64,
    #[serde(default)]
    pub owner: Option<u64>,
    pub rule: u64,
    pub folder: String,
    pub uid: String,
    pub subject: String,
    #[serde(deserialize_with = "rfc3339_opt")]
    pub received: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "rfc3339_opt")]
    pub processed: Option<DateTime<Utc>>,
    pub status: MailStatus,
    #[serde(default)]
    pub error: Option<String>,
}

impl ProcessedMail {
    /// The last line of the traceback: what went wrong, in one line.
    pub fn error_summary(&self) -> Option<&str> {
        self.error
            .as_deref()
            .and_then(|e| e.lines().rev().map(str::trim).find(|l| !l.is_empty()))
    }
}

/// The orderings offered. The schema lists `ordering` without naming
/// fields (DRF's default: the serializer's fields); only these two are
/// offered, and the recordings show the server's own `-processed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailOrder {
    Processed,
    Received,
}

impl MailOrder {
    pub fn name(self) -> &'static str {
        match self {
            MailOrder::Processed => "processed",
            MailOrder::Received => "received",
        }
    }

    pub fn from_name(name: &str) -> Option<MailOrder> {
        [MailOrder::Processed, MailOrder::Received]
            .into_iter()
            .find(|o| o.name() == name)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct MailQuery {
    pub status: Option<MailStatus>,
    pub rule: Option<u64>,
    /// `(order, descending)`.
    pub ordering: Option<(MailOrder, bool)>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

impl MailQuery {
    fn to_path(&self) -> String {
        let mut q = Query::new();
        q.push_opt("status", self.status.as_ref().map(MailStatus::as_wire));
        q.push_opt("rule", self.rule);
        q.push_opt(
            "ordering",
            self.ordering
                .map(|(o, desc)| format!("{}{}", if desc { "-" } else { "" }, o.name())),
        );
        q.push_opt("page", self.page);
        q.push_opt("page_size", self.page_size);
        q.apply_to("/api/processed_mail/")
    }
}

#[derive(Deserialize)]
struct ResultOk {
    result: String,
}

fn expect_ok(req: &crate::http::HttpRequest, body: &str) -> Result<(), ApiError> {
    let reply: ResultOk = decode_json(req, body)?;
    if reply.result == "OK" {
        Ok(())
    } else {
        Err(ApiError::Decode {
            endpoint: req.endpoint(),
            field: ".result".into(),
            detail: format!("expected “OK”, got “{}”", reply.result),
        })
    }
}

impl PaperlessClient {
    /// `GET /api/mail_accounts/`: 403 without the mail permissions
    /// (`mail_accounts_list_alice_403`).
    pub fn mail_accounts_call(&self) -> Call<Page<MailAccount>> {
        Call::new(
            self.get("/api/mail_accounts/?page_size=1000".into()),
            decode_page,
        )
    }

    pub fn mail_rules_call(&self) -> Call<Page<MailRule>> {
        Call::new(
            self.get("/api/mail_rules/?page_size=1000".into()),
            decode_page,
        )
    }

    pub fn processed_mail_call(&self, query: &MailQuery) -> Call<Page<ProcessedMail>> {
        Call::new(self.get(query.to_path()), decode_page)
    }

    /// Deletes exactly these records. The answer echoes the *requested* ids
    /// even when nothing was deleted (`processed_mail_bulk_delete_unknown_ids`),
    /// and a record the user may not delete stops the loop with an HTML 403
    /// after earlier ones were deleted: only a fresh list tells what changed,
    /// so the reply is read but not returned.
    pub fn allow_reimport_call(&self, ids: &[u64]) -> Result<Call<()>, ApiError> {
        if ids.is_empty() {
            return Err(ApiError::InvalidInput {
                detail: "no mail chosen".into(),
            });
        }
        let request = self
            .post("/api/processed_mail/bulk_delete/")
            .json_body(json!({ "mail_ids": ids }));
        Ok(Call::new(request, |req, res| expect_ok(req, &res.body)))
    }

    /// Queues a fetch of one account. Sent without a body (the schema asks
    /// for one; the server reads none) and answered only `{"result":"OK"}`:
    /// the task it queued is found with [`Self::new_mail_fetch`].
    pub fn fetch_mail_call(&self, account: u64) -> Call<()> {
        Call::new(
            self.post(&format!("/api/mail_accounts/{account}/process/")),
            |req, res| expect_ok(req, &res.body),
        )
    }

    /// Manually started `mail_fetch` tasks, newest first.
    pub async fn manual_mail_fetches(
        &self,
        transport: &dyn Transport,
    ) -> Result<Vec<PaperlessTask>, ApiError> {
        self.manual_tasks(transport, TaskType::MailFetch).await
    }

    /// Manually started tasks of one type, newest first (at most the 100
    /// newest on API 10; API 9 sends every task and they are picked here).
    pub async fn manual_tasks(
        &self,
        transport: &dyn Transport,
        task_type: TaskType,
    ) -> Result<Vec<PaperlessTask>, ApiError> {
        let query = TaskQuery {
            task_type: vec![task_type.clone()],
            trigger_source: vec![TriggerSource::Manual],
            page_size: Some(100),
            ..TaskQuery::default()
        };
        let page = self.list_tasks(transport, &query).await?;
        let mut tasks: Vec<PaperlessTask> = page
            .items
            .into_iter()
            .filter(|t| t.task_type == task_type && t.trigger == TriggerSource::Manual)
            .collect();
        tasks.sort_by(|a, b| b.created.cmp(&a.created).then(b.id.cmp(&a.id)));
        Ok(tasks)
    }
}

/// How many lines of the mail log are read around a fetch: the newest
/// (`?limit=`, which 2.20.15 and 3.0.5 both take: their `LogViewSet`).
pub const MAIL_LOG_TAIL: u32 = 500;

/// One line of a Paperless log file as its formatter writes it:
/// `[2026-12-05 23:56:53,691] [ERROR] [paperless_mail] message`
/// (`logs_mail_connection_refused_live`). A traceback's lines follow
/// without the prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogLine<'a> {
    pub level: &'a str,
    pub logger: &'a str,
    pub message: &'a str,
}

impl<'a> LogLine<'a> {
    pub fn parse(line: &'a str) -> Option<LogLine<'a>> {
        let field = |rest: &'a str| -> Option<(&'a str, &'a str)> {
            let rest = rest.trim_start().strip_prefix('[')?;
            let (value, rest) = rest.split_once(']')?;
            Some((value, rest))
        };
        let (_, rest) = field(line)?;
        let (level, rest) = field(rest)?;
        let (logger, rest) = field(rest)?;
        Some(LogLine {
            level,
            logger,
            message: rest.trim(),
        })
    }
}

/// The lines of `now` written after `marker` (the last line read before):
/// all of them when the marker is gone (the file was rotated, or more
/// lines came than the tail holds).
pub fn lines_after<'a>(now: &'a [String], marker: Option<&str>) -> &'a [String] {
    match marker.and_then(|m| now.iter().rposition(|l| l == m)) {
        Some(at) => &now[at + 1..],
        None => now,
    }
}

/// What the mail log says about one account, in `lines`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountLog {
    /// `Processing mail account <name>`: a fetch of it began.
    pub began: bool,
    /// Its errors, as logged (with the exception's last line where the
    /// message has none of its own).
    pub errors: Vec<String>,
}

/// The account's own lines among `lines`. The messages are those of
/// `paperless_mail/mail.py` in 2.20.15 and 3.0.5: `Processing mail account
/// {account}` (debug), `Error while authenticating account {account}: …`,
/// `Error while retrieving mailbox {account}: …` and `Rule
/// {account}.{rule}: Error while processing rule: …` (errors), where
/// `{account}` is the account's name. A failed fetch of an account still
/// ends its `mail_fetch` task in success (`process_mail_accounts` catches
/// the error), so these lines are the only record of it.
pub fn account_log(lines: &[String], account: &str) -> AccountLog {
    let mut found = AccountLog::default();
    let ours = |message: &str| {
        message
            .strip_prefix("Error while authenticating account ")
            .or_else(|| message.strip_prefix("Error while retrieving mailbox "))
            .is_some_and(|rest| rest.starts_with(account) && rest[account.len()..].starts_with(':'))
            || message
                .strip_prefix("Rule ")
                .is_some_and(|rest| rest.starts_with(&format!("{account}.")))
    };
    for (at, line) in lines.iter().enumerate() {
        let Some(entry) = LogLine::parse(line) else {
            continue;
        };
        if entry.logger != "paperless_mail" {
            continue;
        }
        if entry.message == format!("Processing mail account {account}") {
            found.began = true;
        } else if entry.level == "ERROR" && ours(entry.message) {
            found.began = true;
            let cause = lines[at + 1..]
                .iter()
                .take_while(|l| LogLine::parse(l).is_none())
                .map(|l| l.trim())
                .filter(|l| !l.is_empty())
                .last();
            found.errors.push(match cause {
                Some(cause) if entry.message.ends_with(':') || !entry.message.contains(": ") => {
                    format!("{} ({cause})", entry.message.trim_end_matches(':'))
                }
                _ => entry.message.to_string(),
            });
        }
    }
    found
}

/// The fetch of `account` that appeared after the request: a manual
/// `mail_fetch` not among `known` (the ones listed before it was sent)
/// whose `input_data.account_ids` names the account. API 9 rows carry no
/// input data, so there the newest new manual fetch is taken.
pub fn new_mail_fetch<'a>(
    tasks: &'a [PaperlessTask],
    known: &HashSet<String>,
    account: u64,
) -> Option<&'a PaperlessTask> {
    tasks
        .iter()
        .filter(|t| !known.contains(&t.task_id))
        .find(|t| match t.mail_account_ids() {
            Some(ids) => ids.contains(&account),
            None => true,
        })
}

impl PaperlessTask {
    /// The accounts a `mail_fetch` task read (`input_data.account_ids`);
    /// `None` where the server does not say (API 9, other task types).
    pub fn mail_account_ids(&self) -> Option<Vec<u64>> {
        if self.task_type != TaskType::MailFetch {
            return None;
        }
        let ids = self.input_data.as_ref()?.get("account_ids")?.as_array()?;
        Some(ids.iter().filter_map(serde_json::Value::as_u64).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::BaseUrl;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn an_accounts_errors_are_read_from_the_mail_log_and_only_its_own() {
        let log = lines(&[
            "[2026-12-05 23:56:53,660] [DEBUG] [paperless_mail] Processing mail account Office",
            "[2026-12-05 23:56:53,691] [ERROR] [paperless_mail] Error while retrieving mailbox Office: [Errno 111] Connection refused",
            "[2026-12-05 23:56:54,001] [ERROR] [paperless_mail] Error while retrieving mailbox Office 2: [Errno 110] timed out",
            "[2026-12-05 23:56:55,001] [ERROR] [paperless_mail] Rule Office.Invoices: Error while processing rule: boom",
            "Traceback (most recent call last):",
            "  File \"x.py\", line 1, in f",
            "ValueError: boom",
            "[2026-12-05 23:56:56,001] [DEBUG] [paperless_mail] Processing mail account Scanner",
        ]);
        let office = account_log(&log, "Office");
        assert!(office.began);
        assert_eq!(
            office.errors,
            [
                "Error while retrieving mailbox Office: [Errno 111] Connection refused",
                "Rule Office.Invoices: Error while processing rule: boom",
            ]
        );
        let scanner = account_log(&log, "Scanner");
        assert!(scanner.began);
        assert!(scanner.errors.is_empty());
        assert_eq!(account_log(&log, "Bank"), AccountLog::default());
    }

    #[test]
    fn the_lines_after_a_marker_are_the_new_ones() {
        let log = lines(&["a", "b", "c"]);
        assert_eq!(lines_after(&log, Some("b")), &log[2..]);
        assert_eq!(lines_after(&log, Some("c")), &[] as &[String]);
        assert_eq!(lines_after(&log, Some("gone")), &log[..], "rotated");
        assert_eq!(lines_after(&log, None), &log[..], "empty before");
    }

    fn client() -> PaperlessClient {
        PaperlessClient::new(BaseUrl::parse("http://p").unwrap(), None)
    }

    #[test]
    fn the_status_filter_is_sent_as_the_server_spells_it() {
        let query = MailQuery {
            status: Some(MailStatus::Failed),
            ordering: Some((MailOrder::Received, true)),
            page: Some(2),
            page_size: Some(25),
            ..MailQuery::default()
        };
        assert_eq!(
            client().processed_mail_call(&query).request.path_and_query,
            "/api/processed_mail/?status=FAILED&ordering=-received&page=2&page_size=25"
        );
    }

    #[test]
    fn an_empty_choice_is_never_sent() {
        assert!(client().allow_reimport_call(&[]).is_err());
        let call = client().allow_reimport_call(&[2, 3]).unwrap();
        assert_eq!(call.request.body, Some(json!({"mail_ids": [2, 3]})));
    }
}
