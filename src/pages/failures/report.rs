//! "Copy report": a failure group or one failed row as the Markdown the
//! servers' bug templates ask for (`taskdeck_triage::report`), with the
//! server's version, install type and status checks and the log lines
//! around the newest failure, read from that server only. Tokens, e-mail
//! addresses and host names are taken out, and the preview says what was;
//! nothing is sent anywhere: the text goes to the clipboard.

use std::sync::Arc;

use leptos::prelude::*;
use taskdeck_triage::Failure;
use taskdeck_triage::redact::Known;
use taskdeck_triage::report::{ReportInput, StatusLine, Subject, build, lines_around};

use super::groups::GroupInfo;
use crate::api::LocalBoxFuture;
use crate::api::paperless_admin::HealthReport;
use crate::context::Connections;
use crate::pages::health::{StatusAge, paperless_health};
use crate::state::connections::{Connection, ServerKind};
use crate::state::triage::relevant_checks;
use crate::web;

/// What a report is about.
#[derive(Clone)]
pub enum ReportSubject {
    Group(Arc<GroupInfo>),
    Row {
        kind: ServerKind,
        failure: Arc<Failure>,
    },
}

impl ReportSubject {
    fn kind(&self) -> ServerKind {
        match self {
            ReportSubject::Group(info) => info.kind,
            ReportSubject::Row { kind, .. } => *kind,
        }
    }

    /// Newest first.
    fn failures(&self) -> Vec<&Failure> {
        match self {
            ReportSubject::Group(info) => info.failures.iter().collect(),
            ReportSubject::Row { failure, .. } => vec![failure.as_ref()],
        }
    }

    /// Every server involved, by connection id.
    fn connections(&self) -> Vec<String> {
        match self {
            ReportSubject::Group(info) => info.servers.iter().map(|(id, _)| id.clone()).collect(),
            ReportSubject::Row { failure, .. } => vec![failure.row.connection.clone()],
        }
    }
}

/// The host of a server's address, as a report must not show it.
fn host_of(connection: &Connection) -> String {
    let url = connection.base_url.as_str();
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6).to_string(),
        None => authority.split(':').next().unwrap_or(authority).to_string(),
    }
}

/// What the newest failure's server says about itself.
#[derive(Default)]
struct ServerFacts {
    version: Option<String>,
    api: Option<u32>,
    install_type: Option<String>,
    checks: Vec<StatusLine>,
    log_lines: Vec<String>,
}

/// Reads what the report quotes from the newest failure's server (its
/// status, its logs): requests to that server only.
async fn facts(connections: Connections, subject: &ReportSubject) -> ServerFacts {
    let Some(newest) = subject.failures().first().map(|f| (*f).clone()) else {
        return ServerFacts::default();
    };
    let Some(c) = connections.find_untracked(&newest.row.connection) else {
        return ServerFacts::default();
    };
    let transport = crate::transport::current();
    match c.kind {
        ServerKind::Paperless => {
            let client = connections.paperless(&c);
            // Asked now: a report quotes the status as it is when filed.
            let health: Option<HealthReport> =
                paperless_health(&client, connections.status_reads, &c.id, StatusAge::Now)
                    .await
                    .ok();
            let task = newest.signature.source.task().to_string();
            let log_lines = paperless_log_lines(&client, &newest, &task).await;
            ServerFacts {
                version: health.as_ref().and_then(|h| h.version.clone()),
                api: Some(client.api().number()),
                install_type: health.as_ref().and_then(|h| h.install_type.clone()),
                checks: health
                    .as_ref()
                    .map(|h| relevant_checks(&h.checks, &task))
                    .unwrap_or_default(),
                log_lines,
            }
        }
        ServerKind::InvenTree => {
            let client = connections.inventree(&c);
            let Ok(root) = client.api_root_call().send(transport).await else {
                return ServerFacts::default();
            };
            let worker = match root.worker_running {
                Some(true) => "Running",
                Some(false) => "Not running",
                None => "Not reported",
            };
            let detail = match (root.worker_count, root.worker_pending_tasks) {
                (Some(w), Some(p)) => Some(format!("{w} worker(s), {p} tasks pending")),
                (None, Some(p)) => Some(format!("{p} tasks pending")),
                (Some(w), None) => Some(format!("{w} worker(s)")),
                (None, None) => None,
            };
            ServerFacts {
                version: root.version.clone(),
                api: Some(root.api_version),
                install_type: root.install_type(),
                checks: vec![StatusLine {
                    name: "Background worker".into(),
                    state: worker.into(),
                    detail,
                }],
                log_lines: Vec::new(),
            }
        }
    }
}

/// The lines of the server log that covers the task, around the newest
/// failure; none where the logs cannot be read (only Paperless staff may).
async fn paperless_log_lines(
    client: &crate::api::paperless::PaperlessClient,
    newest: &Failure,
    task: &str,
) -> Vec<String> {
    let Some(at) = newest.at else {
        return Vec::new();
    };
    let transport = crate::transport::current();
    let Ok(names) = client.logs_call().send(transport).await else {
        return Vec::new();
    };
    let wanted: &[&str] = if task.starts_with("mail") || task == "processed mail" {
        &["mail", "paperless"]
    } else {
        &["celery", "paperless"]
    };
    let Some(name) = wanted.iter().find(|n| names.iter().any(|m| m == *n)) else {
        return Vec::new();
    };
    let Ok(call) = client.log_call(name) else {
        return Vec::new();
    };
    let Ok(lines) = call.send(transport).await else {
        return Vec::new();
    };
    // The log stamps the server's wall-clock time, whose zone the console
    // does not know: this browser's first, then UTC.
    for offset in [
        web::local_offset_at(at),
        chrono::FixedOffset::east_opt(0).unwrap(),
    ] {
        let local = at.with_timezone(&offset).naive_local();
        if let Some(around) = lines_around(&lines, local, 10) {
            return around.to_vec();
        }
    }
    Vec::new()
}

/// Builds the report: always redacted, with the servers' tokens and host
/// names named as private.
pub fn report(
    connections: Connections,
    subject: ReportSubject,
) -> LocalBoxFuture<'static, taskdeck_triage::report::Report> {
    Box::pin(async move {
        let facts = facts(connections, &subject).await;
        build_report(connections, &subject, &facts)
    })
}

fn build_report(
    connections: Connections,
    subject: &ReportSubject,
    facts: &ServerFacts,
) -> taskdeck_triage::report::Report {
    let involved: Vec<Connection> = subject
        .connections()
        .iter()
        .filter_map(|id| connections.find_untracked(id))
        .collect();
    let tokens: Vec<String> = involved
        .iter()
        .filter_map(|c| c.token.as_ref().map(|t| t.expose().to_string()))
        .filter(|t| !t.is_empty())
        .collect();
    let hosts: Vec<String> = involved.iter().map(host_of).collect();
    let secrets: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
    let failures = subject.failures();
    let tracebacks: Vec<&str> = failures
        .iter()
        .filter_map(|f| f.traceback.as_deref())
        .take(taskdeck_triage::report::MAX_TRACEBACKS)
        .collect();
    let log_lines: Vec<&str> = facts.log_lines.iter().map(String::as_str).collect();
    let subject_of = match &subject {
        ReportSubject::Group(info) => Subject::Group {
            signature: &info.group.signature,
            exception: info.group.exception.as_deref(),
            example: &info.group.example,
            count: info.group.count,
            servers: info.group.per_server.len(),
            first_seen: info.group.first_seen,
            last_seen: info.group.last_seen,
            window_days: info.window.days,
        },
        ReportSubject::Row { failure, .. } => Subject::Row {
            signature: &failure.signature,
            exception: failure.exception.as_deref(),
            message: &failure.message,
            at: failure.at,
        },
    };
    build(&ReportInput {
        kind: subject.kind(),
        server_version: facts.version.as_deref(),
        api_version: facts.api,
        install_type: facts.install_type.as_deref(),
        checks: facts.checks.clone(),
        subject: subject_of,
        tracebacks,
        log_lines,
        known: Known {
            secrets: &secrets,
            hosts: &hosts,
        },
    })
}

/// "Copy report…": reads what the report needs, then shows it with what
/// was removed, to copy. The preview belongs to this button: leaving the
/// screen while the report is put together drops it.
#[component]
pub fn ReportButton(subject: ReportSubject) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let preview = RwSignal::new(None::<taskdeck_triage::report::Report>);
    let busy = RwSignal::new(false);
    let copied = RwSignal::new(false);
    let subject = StoredValue::new(subject);
    let open = move |_| {
        busy.set(true);
        copied.set(false);
        let subject = subject.get_value();
        leptos::task::spawn_local(async move {
            let built = report(connections, subject).await;
            busy.try_set(false);
            preview.try_set(Some(built));
        });
    };
    view! {
        <button class="btn btn-small" data-testid="copy-report" disabled=move || busy.get() on:click=open>
            {move || if busy.get() { "Preparing report…" } else { "Copy report…" }}
        </button>
        {move || preview.get().map(|r| preview_dialog(r, preview, copied))}
    }
}

/// The report as it will be copied, and what was taken out of it.
fn preview_dialog(
    r: taskdeck_triage::report::Report,
    preview: RwSignal<Option<taskdeck_triage::report::Report>>,
    copied: RwSignal<bool>,
) -> AnyView {
    let removed = if r.removed.is_empty() {
        "Nothing needed taking out.".to_string()
    } else {
        let what: Vec<String> = r
            .removed
            .iter()
            .map(|x| match x.count {
                1 => format!("{} {}", x.kind.label(), x.shown),
                n => format!("{} {} ({n}×)", x.kind.label(), x.shown),
            })
            .collect();
        format!("Taken out before copying: {}.", what.join("; "))
    };
    let text = StoredValue::new(r.markdown.clone());
    let close = move || preview.set(None);
    view! {
        <div class="modal-backdrop" on:keydown=move |ev| if ev.key() == "Escape" { close() }>
            <div class="modal modal-wide" role="dialog" aria-modal="true" aria-labelledby="report-title" data-testid="report-dialog">
                <h2 id="report-title">"Report to file upstream"</h2>
                <p class="muted small">
                    "Nothing is sent: copy it, then paste it into a new issue of the server's project and add what only you know."
                </p>
                <p data-testid="report-removed">{removed}</p>
                <pre class="report-preview" data-testid="report-preview">{r.markdown}</pre>
                <div class="modal-actions">
                    <button class="btn" data-testid="report-close" on:click=move |_| close()>"Close"</button>
                    <button
                        class="btn btn-primary"
                        data-testid="report-copy"
                        on:click=move |_| {
                            web::copy_to_clipboard(&text.get_value());
                            copied.set(true);
                        }
                    >
                        {move || if copied.get() { "Copied" } else { "Copy to clipboard" }}
                    </button>
                </div>
            </div>
        </div>
    }
    .into_any()
}
