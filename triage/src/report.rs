//! A report to file upstream: Markdown laid out as each server's bug
//! template asks, always redacted, built from plain inputs. Nothing here
//! sends anything anywhere; the console copies the text.
//!
//! What the templates ask for:
//! - Paperless-ngx `.github/ISSUE_TEMPLATE/bug-report.yml` (read at
//!   b0e0e8a): Description, Steps to reproduce, Webserver logs, Browser
//!   logs, Services logs, Paperless-ngx version, Host OS, Installation
//!   method (Docker official / linuxserver.io / bare metal / other),
//!   System status ("Settings > System Status > Copy", JSON), Browser,
//!   Configuration changes.
//! - InvenTree `.github/ISSUE_TEMPLATE/bug_report.yaml` (read at
//!   15480c0f; the same headings in issues filed in 2024, e.g. #6703):
//!   Describe the bug, Steps to Reproduce, Expected behavior, Deployment
//!   Method (Docker / Bare metal), Version Information ("copy version
//!   information" in About InvenTree).
//!
//! The console fills what it knows (versions, install type, status
//! checks, the failure's signature, counts and times, tracebacks, log
//! lines) under those headings and leaves what only the admin knows
//! (steps to reproduce, expectations) as a prompt.

use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};
use taskdeck_api::ServerKind;
use taskdeck_api::time::ServerTime;

use crate::redact::{self, Known, Removal};
use crate::signature::Signature;

/// At most this many tracebacks, and this many lines of each.
pub const MAX_TRACEBACKS: usize = 3;
const MAX_TRACEBACK_LINES: usize = 80;
const MAX_LOG_LINES: usize = 60;

/// One line of the server's status, as its health screen shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusLine {
    pub name: String,
    pub state: String,
    pub detail: Option<String>,
}

impl From<&taskdeck_api::paperless_admin::HealthCheck> for StatusLine {
    fn from(check: &taskdeck_api::paperless_admin::HealthCheck) -> Self {
        StatusLine {
            name: check.name.to_string(),
            state: check.health.label().to_string(),
            detail: check.detail.clone(),
        }
    }
}

/// What is reported: a group of failures, or one row.
#[derive(Clone, Debug, PartialEq)]
pub enum Subject<'a> {
    Group {
        signature: &'a Signature,
        exception: Option<&'a str>,
        example: &'a str,
        count: usize,
        servers: usize,
        first_seen: Option<DateTime<Utc>>,
        last_seen: Option<DateTime<Utc>>,
        window_days: u32,
    },
    Row {
        signature: &'a Signature,
        exception: Option<&'a str>,
        message: &'a str,
        at: Option<DateTime<Utc>>,
    },
}

impl Subject<'_> {
    fn signature(&self) -> &Signature {
        match self {
            Subject::Group { signature, .. } | Subject::Row { signature, .. } => signature,
        }
    }

    fn exception(&self) -> Option<&str> {
        match self {
            Subject::Group { exception, .. } | Subject::Row { exception, .. } => *exception,
        }
    }
}

/// Everything a report is made of.
#[derive(Clone, Debug)]
pub struct ReportInput<'a> {
    pub kind: ServerKind,
    pub server_version: Option<&'a str>,
    pub api_version: Option<u32>,
    /// As the server says it (`bare-metal`, `docker`, …), when it does.
    pub install_type: Option<&'a str>,
    /// The status checks relevant to the failure (the UI chooses).
    pub checks: Vec<StatusLine>,
    pub subject: Subject<'a>,
    /// Newest first; at most [`MAX_TRACEBACKS`] are used.
    pub tracebacks: Vec<&'a str>,
    /// Log lines around the newest failure, when the logs are readable.
    pub log_lines: Vec<&'a str>,
    /// Values the console knows are private here: the connection's token,
    /// its server's host name.
    pub known: Known<'a>,
}

/// The report, and what was removed from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub markdown: String,
    pub removed: Vec<Removal>,
}

/// Builds the report. The whole text is redacted once, after it is
/// assembled, so nothing added to it can escape redaction.
pub fn build(input: &ReportInput) -> Report {
    let mut md = String::new();
    let signature = input.subject.signature();
    let title = match input.subject.exception() {
        Some(e) if !e.is_empty() => format!("{e}: {}", signature.message),
        _ => signature.message.clone(),
    };
    md.push_str(&format!(
        "### {} in `{}`\n\n",
        one_line(&title),
        signature.source.task()
    ));

    let (description, steps, logs) = match input.kind {
        ServerKind::Paperless => ("Description", "Steps to reproduce", "Webserver logs"),
        ServerKind::InvenTree => (
            "Describe the bug",
            "Steps to Reproduce",
            "Relevant log output",
        ),
    };
    md.push_str(&format!("#### {description}\n\n"));
    md.push_str(&describe(&input.subject));
    md.push_str(&format!(
        "\n#### {steps}\n\n_Not known to the console: what leads to it, if you know._\n\n"
    ));
    if input.kind == ServerKind::InvenTree {
        md.push_str("#### Expected behavior\n\n_The task completes._\n\n");
    }

    md.push_str(&format!("#### {logs}\n\n"));
    let tracebacks: Vec<&str> = input
        .tracebacks
        .iter()
        .map(|t| t.trim_end())
        .filter(|t| !t.is_empty())
        .take(MAX_TRACEBACKS)
        .collect();
    if tracebacks.is_empty() {
        md.push_str("_The server recorded no traceback for it._\n\n");
    }
    for (n, traceback) in tracebacks.iter().enumerate() {
        if tracebacks.len() > 1 {
            md.push_str(&format!("Traceback {} of {}:\n\n", n + 1, tracebacks.len()));
        }
        md.push_str(&fenced(
            "python",
            &bounded_lines(traceback, MAX_TRACEBACK_LINES),
        ));
    }
    if !input.log_lines.is_empty() {
        md.push_str("Log lines around the newest failure:\n\n");
        let start = input.log_lines.len().saturating_sub(MAX_LOG_LINES);
        md.push_str(&fenced("text", &input.log_lines[start..].join("\n")));
    }

    let install = input
        .install_type
        .map(one_line)
        .unwrap_or_else(|| "_Not reported by the server._".into());
    match input.kind {
        ServerKind::Paperless => {
            md.push_str(&format!(
                "#### Paperless-ngx version\n\n{}\n\n",
                versions(input.server_version, input.api_version)
            ));
            md.push_str(&format!("#### Installation method\n\n{install}\n\n"));
            md.push_str("#### System status\n\n");
        }
        ServerKind::InvenTree => {
            md.push_str(&format!("#### Deployment Method\n\n{install}\n\n"));
            md.push_str(&format!(
                "#### Version Information\n\n{}\n\n",
                versions(input.server_version, input.api_version)
            ));
            md.push_str("#### Worker and queues\n\n");
        }
    }
    if input.checks.is_empty() {
        md.push_str("_Not read._\n\n");
    } else {
        md.push_str("| check | state | detail |\n|---|---|---|\n");
        for check in &input.checks {
            md.push_str(&format!(
                "| {} | {} | {} |\n",
                cell(&check.name),
                cell(&check.state),
                cell(check.detail.as_deref().unwrap_or(""))
            ));
        }
        md.push('\n');
    }
    md.push_str(
        "<sub>Collected by Taskdeck; tokens, e-mail addresses and host names were removed.</sub>\n",
    );

    let redacted = redact::redact_with(&md, &input.known);
    Report {
        markdown: redacted.text,
        removed: redacted.removed,
    }
}

fn describe(subject: &Subject) -> String {
    let time = |t: Option<DateTime<Utc>>| {
        // By hand: chrono's formatting machinery would cost the WASM
        // download more than this whole module.
        t.map(|t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_else(|| "an unknown time".into())
    };
    match subject {
        Subject::Group {
            signature,
            example,
            count,
            servers,
            first_seen,
            last_seen,
            window_days,
            ..
        } => {
            let servers = if *servers == 1 {
                "one server".to_string()
            } else {
                format!("{servers} servers")
            };
            let times = if *count == 1 { "time" } else { "times" };
            format!(
                "`{}` failed {count} {times} on {servers} in the last {window_days} days, first at {} and last at {}, always with this message (ids, numbers, names and times masked):\n\n{}\nThe newest said:\n\n{}",
                signature.source.task(),
                time(*first_seen),
                time(*last_seen),
                fenced("text", &signature.message),
                fenced("text", example),
            )
        }
        Subject::Row {
            signature,
            message,
            at,
            ..
        } => format!(
            "`{}` failed at {} with:\n\n{}",
            signature.source.task(),
            time(*at),
            fenced("text", message),
        ),
    }
}

fn versions(server: Option<&str>, api: Option<u32>) -> String {
    match (server, api) {
        (Some(v), Some(a)) => format!("{} (API {a})", one_line(v)),
        (Some(v), None) => one_line(v),
        (None, Some(a)) => format!("API {a} (server version not reported)"),
        (None, None) => "_Not reported by the server._".into(),
    }
}

/// A fenced block that the text inside cannot close early: the fence is
/// longer than any run of backticks in it.
fn fenced(language: &str, text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{language}\n{}\n{fence}\n\n", text.trim_end())
}

fn bounded_lines(text: &str, max: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= max {
        return text.to_string();
    }
    // The top (where it started) and the bottom (what was raised) matter most.
    let head = max / 4;
    let tail = max - head;
    format!(
        "{}\n  … {} lines left out …\n{}",
        lines[..head].join("\n"),
        lines.len() - max,
        lines[lines.len() - tail..].join("\n")
    )
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A table cell: one line, pipes escaped.
fn cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}

/// The lines of a server log around a moment: `context` lines before the
/// last line stamped at or before `at`, and `context` after it. Paperless
/// stamps lines `[YYYY-MM-DD HH:MM:SS,mmm]` in the server's zone; `at` is
/// in that zone too. Lines without a stamp (tracebacks) belong to the
/// stamped line above them. `None` when no line is stamped at or before `at`.
pub fn lines_around(lines: &[String], at: NaiveDateTime, context: usize) -> Option<&[String]> {
    let stamp = |line: &str| -> Option<NaiveDateTime> {
        let inner = line.strip_prefix('[')?.get(..19)?;
        ServerTime::parse(inner).ok().map(|t| t.0)
    };
    let index = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| stamp(l).map(|t| (i, t)))
        .take_while(|(_, t)| *t <= at)
        .last()?
        .0;
    let start = index.saturating_sub(context);
    let end = (index + 1 + context).min(lines.len());
    Some(&lines[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::Source;

    fn signature() -> Signature {
        Signature {
            source: Source::PaperlessTask("mail_fetch".into()),
            message: "Error while authenticating account <host>: [AUTHENTICATIONFAILED] Invalid credentials (Failure)".into(),
        }
    }

    fn at(s: &str) -> Option<DateTime<Utc>> {
        Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
    }

    const TOKEN: &str = "f6ba261cbdbf9193851c690b641447f4b6ea12af";

    fn input<'a>(
        signature: &'a Signature,
        tracebacks: Vec<&'a str>,
        logs: Vec<&'a str>,
    ) -> ReportInput<'a> {
        ReportInput {
            kind: ServerKind::Paperless,
            server_version: Some("3.0.5"),
            api_version: Some(10),
            install_type: Some("bare-metal"),
            checks: vec![
                StatusLine {
                    name: "Celery".into(),
                    state: "Warning".into(),
                    detail: Some(
                        "No celery workers responded to ping. This may be temporary.".into(),
                    ),
                },
                StatusLine {
                    name: "Redis | queue".into(),
                    state: "OK".into(),
                    detail: None,
                },
            ],
            subject: Subject::Group {
                signature,
                exception: Some("MailError"),
                example: "Error while authenticating account imap.example.com: [AUTHENTICATIONFAILED] Invalid credentials (Failure)",
                count: 3,
                servers: 2,
                first_seen: at("2026-11-20T10:00:00Z"),
                last_seen: at("2026-11-22T13:14:05Z"),
                window_days: 30,
            },
            tracebacks,
            log_lines: logs,
            known: Known {
                secrets: &[TOKEN],
                hosts: &["paperless.lan"],
            },
        }
    }

    #[test]
    fn a_group_report_follows_the_paperless_template_and_carries_no_secret() {
        let sig = signature();
        let tb = format!(
            "Traceback (most recent call last):\n  File \"/home/alice/paperless/src/paperless_mail/mail.py\", line 237, in mailbox_login\n    raise MailError(\npaperless_mail.mail.MailError: Error while authenticating account imap.example.com\nAuthorization: Token {TOKEN}"
        );
        let logs = vec![
            "[2026-11-22 13:14:04,100] [DEBUG] [paperless_mail] Processing mail account imap.example.com",
            "[2026-11-22 13:14:05,200] [ERROR] [paperless_mail] Error while authenticating account imap.example.com: login fixtures@example.invalid failed at http://paperless.lan:8000/",
        ];
        let report = build(&input(&sig, vec![&tb, "", &tb, &tb, &tb], logs));
        let md = &report.markdown;
        for heading in [
            "#### Description",
            "#### Steps to reproduce",
            "#### Webserver logs",
            "#### Paperless-ngx version",
            "#### Installation method",
            "#### System status",
        ] {
            assert!(md.contains(heading), "{heading} missing:\n{md}");
        }
        assert!(md.starts_with("### MailError: Error while authenticating account <host>: [AUTHENTICATIONFAILED] Invalid credentials (Failure) in `mail_fetch`"), "{md}");
        assert!(md.contains("failed 3 times on 2 servers in the last 30 days, first at 2026-11-20 10:00 UTC and last at 2026-11-22 13:14 UTC"));
        assert!(md.contains("3.0.5 (API 10)") && md.contains("bare-metal"));
        assert!(md.contains(
            "| Celery | Warning | No celery workers responded to ping. This may be temporary. |"
        ));
        assert!(
            md.contains("| Redis \\| queue | OK |  |"),
            "pipes in a cell are escaped"
        );
        assert_eq!(
            md.matches("Traceback (most recent call last)").count(),
            3,
            "at most three tracebacks"
        );
        assert!(md.contains("Log lines around the newest failure"));
        // Nothing private is left, and the preview says what went.
        for private in [
            TOKEN,
            "imap.example.com",
            "fixtures@example.invalid",
            "paperless.lan",
            "alice",
        ] {
            assert!(!md.contains(private), "{private} left in:\n{md}");
        }
        let removed: Vec<(&str, usize)> = report
            .removed
            .iter()
            .map(|r| (r.shown.as_str(), r.count))
            .collect();
        assert!(
            removed.contains(&("f6ba… (40 characters)", 3)),
            "{removed:?}"
        );
        assert!(removed.contains(&("imap.example.com", 6)), "{removed:?}");
        assert!(removed.contains(&("paperless.lan", 1)), "{removed:?}");
        assert!(removed.contains(&("alice", 3)), "{removed:?}");
    }

    #[test]
    fn an_inventree_row_report_uses_its_template_and_says_what_is_unknown() {
        let sig = Signature {
            source: Source::InvenTreeTask("math.sqrt".into()),
            message: "math domain error".into(),
        };
        let report = build(&ReportInput {
            kind: ServerKind::InvenTree,
            server_version: None,
            api_version: Some(477),
            install_type: None,
            checks: vec![],
            subject: Subject::Row {
                signature: &sig,
                exception: Some("ValueError"),
                message: "math domain error",
                at: None,
            },
            tracebacks: vec![],
            log_lines: vec![],
            known: Known::default(),
        });
        let md = &report.markdown;
        for heading in [
            "#### Describe the bug",
            "#### Steps to Reproduce",
            "#### Expected behavior",
            "#### Relevant log output",
            "#### Deployment Method",
            "#### Version Information",
        ] {
            assert!(md.contains(heading), "{heading} missing:\n{md}");
        }
        assert!(md.contains("`math.sqrt` failed at an unknown time"));
        assert!(md.contains("API 477 (server version not reported)"));
        assert!(md.contains("_The server recorded no traceback for it._"));
        assert!(md.contains("_Not read._"));
        assert!(report.removed.is_empty());
    }

    #[test]
    fn server_text_cannot_break_out_of_its_code_block() {
        let sig = signature();
        let tb = "```\n# Injected heading\n````";
        let report = build(&input(&sig, vec![tb], vec![]));
        assert!(
            report
                .markdown
                .contains("`````python\n```\n# Injected heading\n````\n`````"),
            "{}",
            report.markdown
        );
    }

    #[test]
    fn long_tracebacks_keep_their_start_and_their_end() {
        let long: String = (0..500).map(|i| format!("line {i}\n")).collect();
        let kept = bounded_lines(&long, MAX_TRACEBACK_LINES);
        assert!(kept.starts_with("line 0\n"));
        assert!(kept.ends_with("line 499"));
        assert!(kept.contains("… 420 lines left out …"));
    }

    #[test]
    fn log_lines_are_taken_around_the_failure() {
        let lines: Vec<String> = [
            "[2026-12-05 23:56:50,000] [DEBUG] a",
            "[2026-12-05 23:56:53,659] [DEBUG] b",
            "[2026-12-05 23:56:53,691] [ERROR] c",
            "Traceback (most recent call last):",
            "[2026-12-05 23:57:12,964] [DEBUG] d",
            "[2026-12-05 23:58:00,000] [DEBUG] e",
        ]
        .map(String::from)
        .to_vec();
        let at = ServerTime::parse("2026-12-05 23:56:53").unwrap().0;
        let around = lines_around(&lines, at, 1).unwrap();
        assert_eq!(around, &lines[1..4]);
        let before_all = ServerTime::parse("2026-12-01 00:00:00").unwrap().0;
        assert_eq!(lines_around(&lines, before_all, 2), None);
    }
}
