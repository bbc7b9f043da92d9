//! Mail as 3.0.5 answers it (recordings of 2026-12-03): accounts, rules,
//! the processed-mail record, "allow re-import" by deleting records, a
//! manual fetch that queues a `mail_fetch` task, and the log files.
//!
//! Each account has a mailbox; a fetch imports every message of its rules
//! that has no processed record yet, so deleting a record and fetching
//! again really imports that mail again.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::system::insufficient_permissions;
use super::{Caller, Shared, django_time, log_line, respond};
use crate::drf::{self, Params};
use crate::seed::PaperlessRow;

pub struct Account {
    pub id: u64,
    pub name: &'static str,
    pub server: &'static str,
    pub username: &'static str,
    /// Whether a fetch gets through (the unreachable one fails).
    pub reachable: bool,
}

pub struct Rule {
    pub id: u64,
    pub name: &'static str,
    pub account: u64,
}

/// A message in an account's mailbox, as a rule sees it.
pub struct Message {
    pub rule: u64,
    pub uid: String,
    pub subject: String,
    pub received: DateTime<Utc>,
}

pub struct Processed {
    pub id: u64,
    pub owner: Option<u64>,
    pub rule: u64,
    pub uid: String,
    pub subject: String,
    pub received: DateTime<Utc>,
    pub processed: DateTime<Utc>,
    pub status: &'static str,
    pub error: Option<String>,
}

pub struct MailState {
    pub accounts: Vec<Account>,
    pub rules: Vec<Rule>,
    pub mailbox: Vec<Message>,
    pub processed: Vec<Processed>,
    /// `mail.log`, oldest first, as the server appends to it.
    pub log: Vec<String>,
    /// 2.x: fetches asked for, run by the worker when due (no task is
    /// recorded for them).
    pub queued: Vec<(DateTime<Utc>, u64)>,
    /// Every account a fetch was asked for, in order (for tests).
    pub requested: Vec<u64>,
}

const TIMEOUT: &str = "Traceback (most recent call last):\n  File \"/opt/paperless/src/src/paperless_mail/mail.py\", line 297, in apply_mail_action\n    action.post_consume(M, message_uid, rule.action_parameter)\nTimeoutError: [Errno 110] Connection timed out\n";
const REFUSED: &str = "Traceback (most recent call last):\n  File \"/opt/paperless/src/src/paperless_mail/mail.py\", line 579, in handle_mail_account\n    with get_mailbox(\nConnectionRefusedError: [Errno 111] Connection refused\n";
const DECODE: &str = "Traceback (most recent call last):\n  File \"/opt/paperless/src/src/paperless_mail/mail.py\", line 702, in _process_attachments\n    filename = att.filename.encode(\"latin-1\").decode(\"utf-8\")\nUnicodeDecodeError: 'utf-8' codec can't decode byte 0xe8 in position 3: invalid continuation byte\n";
const MAIL_ERROR: &str = "Traceback (most recent call last):\n  File \"/opt/paperless/src/src/paperless_mail/mail.py\", line 640, in _handle_message\n    raise MailError(\"Message has no attachments <b>&amp; no body</b>\")\npaperless_mail.mail.MailError: Message has no attachments <b>& no body</b>\n";

/// As recorded (`processed_mail_list`, record 2): an attachment the mail
/// handler could not take; the file name varies, the cause does not.
const ATTACHMENT_MAERZ: &str = "Traceback (most recent call last):\n  File \"/opt/paperless/src/src/paperless_mail/mail.py\", line 282, in apply_mail_action\n    mailbox.uid = message_uid\n  File \"/opt/paperless/src/src/paperless_mail/mail.py\", line 812, in _process_attachments\n    raise MailError(f\"Error while processing attachment {att.filename}\")\npaperless_mail.mail.MailError: Error while processing attachment Rechnung_März_2026.pdf\n";
const ATTACHMENT_SCAN: &str = "Traceback (most recent call last):\n  File \"/opt/paperless/src/src/paperless_mail/mail.py\", line 282, in apply_mail_action\n    mailbox.uid = message_uid\n  File \"/opt/paperless/src/src/paperless_mail/mail.py\", line 812, in _process_attachments\n    raise MailError(f\"Error while processing attachment {att.filename}\")\npaperless_mail.mail.MailError: Error while processing attachment scan_0079.pdf\n";
/// As recorded (record 3), another byte at another position.
const DECODE_UMLAUT: &str = "Traceback (most recent call last):\n  File \"/opt/paperless/src/src/paperless_mail/mail.py\", line 705, in _handle_message\n    text = message.text\n  File \"/opt/paperless/venv/lib/python3.11/site-packages/imap_tools/message.py\", line 199, in text\n    return part.get_payload(decode=True).decode(charset, 'replace')\nUnicodeDecodeError: 'utf-8' codec can't decode byte 0xfc in position 7: invalid start byte\n";

/// (rule, uid, subject, hours ago, status, error, owner)
type SeedMail = (
    u64,
    &'static str,
    &'static str,
    i64,
    &'static str,
    Option<&'static str>,
    Option<u64>,
);

impl MailState {
    pub fn seeded(now: DateTime<Utc>) -> MailState {
        let hours = |h: i64| now - Duration::hours(h);
        let seed: [SeedMail; 14] = [
            (
                1,
                "1001",
                "Rechnung 2026-0410",
                60,
                "SUCCESS",
                None,
                Some(2),
            ),
            (
                1,
                "1002",
                "Rechnung <b>dringend</b> & dann",
                50,
                "FAILED",
                Some(MAIL_ERROR),
                Some(2),
            ),
            (
                1,
                "1003",
                "Rechnung 請求書 #77",
                40,
                "FAILED",
                Some(DECODE),
                Some(2),
            ),
            (
                1,
                "1004",
                "Re: Rechnung (ohne Anhang)",
                30,
                "PROCESSED_WO_CONSUMPTION",
                None,
                Some(2),
            ),
            (
                1,
                "1005",
                "Rechnung 2026-0413",
                20,
                "FAILED",
                Some(TIMEOUT),
                Some(5),
            ),
            (
                1,
                "1006",
                "Rechnung 2026-0414 \"final\"",
                10,
                "FAILED",
                Some(REFUSED),
                None,
            ),
            (
                3,
                "77",
                "Scan from MFP-2 (12 pages)",
                26,
                "SUCCESS",
                None,
                Some(2),
            ),
            (
                3,
                "78",
                "Scan from MFP-2 (3 pages)",
                5,
                "FAILED",
                Some(TIMEOUT),
                Some(2),
            ),
            (
                2,
                "9001",
                "Kontoauszug November",
                8,
                "FAILED",
                Some(REFUSED),
                Some(2),
            ),
            // Repeated causes on other messages (records 10 to 14): the
            // same failure, other mail, other names.
            (
                1,
                "1007",
                "Rechnung März 2026",
                7,
                "FAILED",
                Some(ATTACHMENT_MAERZ),
                Some(2),
            ),
            (
                3,
                "79",
                "Scan from MFP-2 (1 page)",
                6,
                "FAILED",
                Some(ATTACHMENT_SCAN),
                Some(2),
            ),
            (
                1,
                "1008",
                "Mahnung für Rechnung 2026-0410",
                4,
                "FAILED",
                Some(DECODE_UMLAUT),
                Some(2),
            ),
            (
                2,
                "9002",
                "Kontoauszug Dezember",
                3,
                "FAILED",
                Some(REFUSED),
                Some(2),
            ),
            (
                3,
                "80",
                "Scan from MFP-2 (5 pages)",
                2,
                "FAILED",
                Some(TIMEOUT),
                Some(2),
            ),
        ];
        let mut state = MailState {
            accounts: vec![
                Account {
                    id: 1,
                    name: "Office mailbox",
                    server: "imap.example.org",
                    username: "office@example.org",
                    reachable: true,
                },
                Account {
                    id: 2,
                    name: "Bank statements (unreachable)",
                    server: "imap.example.com",
                    username: "bank@example.com",
                    reachable: false,
                },
                Account {
                    id: 3,
                    name: "Scanner inbox",
                    server: "imap.example.org",
                    username: "scanner@example.org",
                    reachable: true,
                },
            ],
            rules: vec![
                Rule {
                    id: 1,
                    name: "Rechnungen → Inbox",
                    account: 1,
                },
                Rule {
                    id: 2,
                    name: "Kontoauszüge → Bank",
                    account: 2,
                },
                Rule {
                    id: 3,
                    name: "Scans → Archive",
                    account: 3,
                },
            ],
            mailbox: Vec::new(),
            processed: Vec::new(),
            log: Vec::new(),
            queued: Vec::new(),
            requested: Vec::new(),
        };
        for (index, (rule, uid, subject, ago, status, error, owner)) in seed.into_iter().enumerate()
        {
            state.mailbox.push(Message {
                rule,
                uid: uid.into(),
                subject: subject.into(),
                received: hours(ago),
            });
            state.processed.push(Processed {
                id: index as u64 + 1,
                owner,
                rule,
                uid: uid.into(),
                subject: subject.into(),
                received: hours(ago),
                processed: hours(ago) + Duration::minutes(10),
                status,
                error: error.map(str::to_string),
            });
        }
        // The log as those imports left it.
        let mut history: Vec<(DateTime<Utc>, String)> = state
            .processed
            .iter()
            .map(|p| {
                let account = state.account_of(p.rule).map_or("?", |a| a.name);
                let line = match &p.error {
                    Some(e) => log_line(
                        p.processed,
                        "ERROR",
                        "paperless_mail",
                        &format!(
                            "Rule {account}.{}: Error while processing mail {}: {}",
                            state.rule_name(p.rule),
                            p.uid,
                            e.lines().last().unwrap_or("")
                        ),
                    ),
                    None => log_line(
                        p.processed,
                        "INFO",
                        "paperless_mail",
                        &format!(
                            "Rule {account}.{}: Processed mail {}",
                            state.rule_name(p.rule),
                            p.uid
                        ),
                    ),
                };
                (p.processed, line)
            })
            .collect();
        history.sort_by_key(|(at, _)| *at);
        state.log = history.into_iter().map(|(_, line)| line).collect();
        state
    }

    fn rule_name(&self, rule: u64) -> &'static str {
        self.rules
            .iter()
            .find(|r| r.id == rule)
            .map_or("?", |r| r.name)
    }

    /// 2.x: the fetches whose time has come run now.
    pub fn run_queued(&mut self, now: DateTime<Utc>) {
        let due: Vec<(DateTime<Utc>, u64)> = self
            .queued
            .iter()
            .copied()
            .filter(|(at, _)| *at <= now)
            .collect();
        self.queued.retain(|(at, _)| *at > now);
        for (at, account) in due {
            self.fetched(&json!({ "account_ids": [account] }), at);
        }
    }

    /// A fetch of the accounts in `input` ran: each account's mail without a
    /// record is imported (and recorded), and the mail log says what
    /// happened. An unreachable mailbox is only logged: the task still
    /// succeeds, as `process_mail_accounts` catches the error (3.0.5 and
    /// 2.20.15; `logs_mail_connection_refused_live`). The task's return
    /// value is not stored (`result_data` null).
    pub fn fetched(&mut self, input: &Value, at: DateTime<Utc>) -> Option<Value> {
        let accounts: Vec<u64> = input
            .get("account_ids")
            .and_then(Value::as_array)
            .map(|ids| ids.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        for account in accounts {
            let Some((name, reachable)) = self
                .accounts
                .iter()
                .find(|a| a.id == account)
                .map(|a| (a.name, a.reachable))
            else {
                continue;
            };
            self.log.push(log_line(
                at,
                "DEBUG",
                "paperless_mail",
                &format!("Processing mail account {name}"),
            ));
            if !reachable {
                self.log.push(log_line(
                    at,
                    "ERROR",
                    "paperless_mail",
                    &format!(
                        "Error while retrieving mailbox {name}: [Errno 111] Connection refused"
                    ),
                ));
                continue;
            }
            let rules: Vec<u64> = self
                .rules
                .iter()
                .filter(|r| r.account == account)
                .map(|r| r.id)
                .collect();
            let mut next = self.processed.iter().map(|p| p.id).max().unwrap_or(0) + 1;
            for message in self.mailbox.iter().filter(|m| rules.contains(&m.rule)) {
                let recorded = self
                    .processed
                    .iter()
                    .any(|p| p.rule == message.rule && p.uid == message.uid);
                if !recorded {
                    self.processed.push(Processed {
                        id: next,
                        owner: Some(2),
                        rule: message.rule,
                        uid: message.uid.clone(),
                        subject: message.subject.clone(),
                        received: message.received,
                        processed: at,
                        status: "SUCCESS",
                        error: None,
                    });
                    self.log.push(log_line(
                        at,
                        "INFO",
                        "paperless_mail",
                        &format!(
                            "Rule {name}.{}: Processed mail {}",
                            self.rules
                                .iter()
                                .find(|r| r.id == message.rule)
                                .map_or("?", |r| r.name),
                            message.uid
                        ),
                    ));
                    next += 1;
                }
            }
        }
        None
    }

    fn account_of(&self, rule: u64) -> Option<&Account> {
        let rule = self.rules.iter().find(|r| r.id == rule)?;
        self.accounts.iter().find(|a| a.id == rule.account)
    }
}

fn processed_json(p: &Processed) -> Value {
    json!({
        "id": p.id, "owner": p.owner, "rule": p.rule, "folder": "INBOX", "uid": p.uid,
        "subject": p.subject, "received": django_time(&p.received),
        "processed": django_time(&p.processed), "status": p.status, "error": p.error,
    })
}

fn mail_user(caller: &Caller) -> Result<(), Response> {
    if caller.user.mail || caller.user.superuser {
        Ok(())
    } else {
        Err(drf::forbidden())
    }
}

pub(super) async fn accounts(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    respond(
        &state,
        &headers,
        &method,
        &[Method::GET],
        |state, caller| {
            mail_user(&caller)?;
            let params = Params::parse(query.as_deref());
            drf::page_numbers(
                &state.mail.accounts,
                |a| {
                    json!({
                        "id": a.id, "name": a.name, "imap_server": a.server, "imap_port": 993,
                        "imap_security": 2, "username": a.username, "password": "*".repeat(19),
                        "character_set": "UTF-8", "is_token": false, "owner": 2,
                        "user_can_change": true, "account_type": 1, "expiration": null,
                    })
                },
                &params,
                &headers,
                "/api/mail_accounts/",
            )
        },
    )
}

pub(super) async fn rules(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    respond(
        &state,
        &headers,
        &method,
        &[Method::GET],
        |state, caller| {
            mail_user(&caller)?;
            let params = Params::parse(query.as_deref());
            drf::page_numbers(
                &state.mail.rules,
                |r| {
                    json!({
                        "id": r.id, "name": r.name, "account": r.account, "enabled": true,
                        "folder": "INBOX", "filter_from": null, "filter_to": null,
                        "filter_subject": null, "filter_body": null,
                        "filter_attachment_filename_include": null,
                        "filter_attachment_filename_exclude": null, "maximum_age": 30,
                        "action": 3, "action_parameter": null, "assign_title_from": 1,
                        "assign_tags": [], "assign_correspondent_from": 1,
                        "assign_correspondent": null, "assign_document_type": null,
                        "assign_owner_from_rule": true, "order": 0, "attachment_type": 1,
                        "consumption_scope": 1, "pdf_layout": 0, "owner": 2,
                        "user_can_change": true, "stop_processing": false,
                    })
                },
                &params,
                &headers,
                "/api/mail_rules/",
            )
        },
    )
}

pub(super) async fn processed(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    respond(
        &state,
        &headers,
        &method,
        &[Method::GET],
        |state, caller| {
            mail_user(&caller)?;
            let params = Params::parse(query.as_deref());
            let status = params.get("status");
            let rule = params.get("rule").map(|r| r.parse::<u64>());
            if let Some(Err(_)) = rule {
                return Err(drf::field_error("rule", "Enter a number."));
            }
            let rule = rule.and_then(Result::ok);
            let mut rows: Vec<&Processed> = state
                .mail
                .processed
                .iter()
                // Exact and case-sensitive, as recorded (`?status=failed` is empty).
                .filter(|p| status.is_none_or(|s| s == p.status))
                .filter(|p| rule.is_none_or(|r| r == p.rule))
                .collect();
            let ordering = params.get("ordering").unwrap_or("-processed");
            let (field, descending) = match ordering.strip_prefix('-') {
                Some(f) => (f, true),
                None => (ordering, false),
            };
            rows.sort_by(|a, b| {
                let order = match field {
                    "received" => a.received.cmp(&b.received),
                    "subject" => a.subject.cmp(&b.subject),
                    "id" => a.id.cmp(&b.id),
                    _ => a.processed.cmp(&b.processed),
                };
                if descending { order.reverse() } else { order }
            });
            drf::page_numbers(
                &rows,
                |p| processed_json(p),
                &params,
                &headers,
                "/api/processed_mail/",
            )
        },
    )
}

pub(super) async fn bulk_delete(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(
        &state,
        &headers,
        &method,
        &[Method::POST],
        |state, caller| {
            mail_user(&caller)?;
            let body = drf::parse_json_body(&body)?.unwrap_or_else(|| json!({}));
            let requested = body.get("mail_ids").cloned().unwrap_or_else(|| json!([]));
            let Some(ids) = requested
                .as_array()
                .and_then(|ids| ids.iter().map(Value::as_u64).collect::<Option<Vec<u64>>>())
            else {
                return Err(drf::html(
                    StatusCode::BAD_REQUEST,
                    "mail_ids must be a list of integers",
                ));
            };
            // One by one and without a transaction, as the server does: a mail
            // this user may not delete stops the loop after the earlier ones
            // are gone.
            for id in &ids {
                let Some(index) = state.mail.processed.iter().position(|p| p.id == *id) else {
                    continue;
                };
                let owner = state.mail.processed[index].owner;
                let may = caller.user.superuser || owner.is_none_or(|o| o == caller.user.id);
                if !may {
                    return Err(insufficient_permissions());
                }
                state.mail.processed.remove(index);
            }
            Ok(drf::json_response(
                StatusCode::OK,
                &json!({ "result": "OK", "deleted_mail_ids": requested }),
            ))
        },
    )
}

pub(super) async fn process(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond(
        &state,
        &headers,
        &method,
        &[Method::POST],
        |state, caller| {
            mail_user(&caller)?;
            let account = id
                .parse::<u64>()
                .ok()
                .and_then(|id| state.mail.accounts.iter().find(|a| a.id == id))
                .ok_or_else(|| {
                    drf::detail(
                        StatusCode::NOT_FOUND,
                        "No MailAccount matches the given query.",
                    )
                })?;
            let account = account.id;
            let now = Utc::now();
            state.mail.requested.push(account);
            // 2.x records no task for a mail fetch: only its worker runs it.
            if state.max_api < 10 {
                state
                    .mail
                    .queued
                    .push((now + Duration::seconds(3), account));
                return Ok(drf::json_response(
                    StatusCode::OK,
                    &json!({ "result": "OK" }),
                ));
            }
            let id = state.tasks.iter().map(|t| t.id).max().unwrap_or(0) + 1;
            state.tasks.push(PaperlessRow {
                finishes: Some((now + Duration::seconds(3), true)),
                ..PaperlessRow::queued(
                    id,
                    format!("{:08x}-mail-4000-8000-{:012x}", id, now.timestamp_millis()),
                    "mail_fetch",
                    "manual",
                    now,
                    json!({ "account_ids": [account] }),
                )
            });
            Ok(drf::json_response(
                StatusCode::OK,
                &json!({ "result": "OK" }),
            ))
        },
    )
}

/// `PaperlessAdminPermissions`: staff only.
fn staff(caller: &Caller) -> Result<(), Response> {
    if caller.user.staff {
        Ok(())
    } else {
        Err(drf::forbidden())
    }
}

pub(super) async fn logs(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    respond(&state, &headers, &method, &[Method::GET], |_, caller| {
        staff(&caller)?;
        Ok(drf::json_response(
            StatusCode::OK,
            &json!(["paperless", "mail"]),
        ))
    })
}

pub(super) async fn log(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    respond(
        &state,
        &headers,
        &method,
        &[Method::GET],
        |state, caller| {
            staff(&caller)?;
            let params = Params::parse(query.as_deref());
            // `?limit=N`: the last N lines (2.20.15 and 3.0.5 `LogViewSet`).
            let limit = match params.get("limit").map(str::parse::<usize>) {
                None => None,
                Some(Ok(n)) if n >= 1 => Some(n),
                Some(_) => return Err(drf::field_error("limit", "Must be a positive integer")),
            };
            let stamp = |t: &DateTime<Utc>| t.format("[%Y-%m-%d %H:%M:%S,%3f]").to_string();
            let mut lines: Vec<String> = match name.as_str() {
                "paperless" => {
                    let mut failed: Vec<&PaperlessRow> = state
                        .tasks
                        .iter()
                        .filter(|t| t.status == "failure")
                        .collect();
                    failed.sort_by_key(|t| t.date_done);
                    let mut lines = vec![format!(
                        "{} [INFO] [paperless.asgi] [init] Paperless-ngx version: v{}",
                        stamp(&(Utc::now() - Duration::hours(72))),
                        state.version
                    )];
                    lines.extend(failed.iter().rev().take(200).rev().map(|t| {
                        let message = t
                            .result_data
                            .as_ref()
                            .and_then(|r| r.get("error_message"))
                            .and_then(Value::as_str)
                            .unwrap_or("failed");
                        format!(
                            "{} [ERROR] [paperless.tasks] Task {} ({}) failed: {message}",
                            stamp(&t.date_done.unwrap_or(t.date_created)),
                            t.task_id,
                            t.task_type
                        )
                    }));
                    // Written as it happened; merged in time order (a
                    // traceback stays after its line: the sort is stable
                    // and its lines carry no time of their own).
                    lines.extend(state.server_log.iter().cloned());
                    let mut at = String::new();
                    let mut keyed: Vec<(String, String)> = lines
                        .into_iter()
                        .map(|l| {
                            if l.starts_with('[') {
                                at = l.chars().take(25).collect();
                            }
                            (at.clone(), l)
                        })
                        .collect();
                    keyed.sort_by(|a, b| a.0.cmp(&b.0));
                    keyed.into_iter().map(|(_, l)| l).collect()
                }
                "mail" => state.mail.log.clone(),
                _ => return Err(drf::detail(StatusCode::NOT_FOUND, "No such log file.")),
            };
            if let Some(limit) = limit {
                lines = lines.split_off(lines.len().saturating_sub(limit));
            }
            Ok(drf::json_response(StatusCode::OK, &lines))
        },
    )
}
