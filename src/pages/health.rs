//! A server's health: Paperless-ngx's system status with its system tasks
//! (run one and follow it to the end), InvenTree's worker; and the server's
//! own admin pages where no API exists.

use std::rc::Rc;

use leptos::prelude::*;

use crate::api::inventree::{ApiRoot, Overview};
use crate::api::paperless::{PaperlessClient, TaskStatus};
use crate::api::paperless_admin::{
    Health, HealthCheck, HealthReport, Started, SystemTask, health_report,
};
use crate::api::{ApiError, ServerKind};
use crate::components::feedback::ErrorBanner;
use crate::components::loader::Loader;
use crate::components::refresh::{RefreshBar, use_auto_refresh};
use crate::components::time::When;
use crate::context::Connections;
use crate::pages::ConnectionGate;
use crate::state::connections::Connection;
use crate::web;

/// How often a started task is looked up until it finishes.
const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

#[component]
pub fn HealthPage(connection: String) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let id = connection.clone();
    let kind = Memo::new(move |_| connections.find(&id).map(|c| c.kind));
    move || {
        let id = connection.clone();
        match kind.get().unwrap_or(ServerKind::Paperless) {
            ServerKind::Paperless => view! {
                <ConnectionGate id kind=ServerKind::Paperless let:connection>
                    <PaperlessHealth connection />
                </ConnectionGate>
            }
            .into_any(),
            ServerKind::InvenTree => view! {
                <ConnectionGate id kind=ServerKind::InvenTree let:connection>
                    <InvenTreeHealth connection />
                </ConnectionGate>
            }
            .into_any(),
        }
    }
}

pub fn health_class(health: Health) -> &'static str {
    match health {
        Health::Ok => "badge badge-ok",
        Health::Warning => "badge badge-warn",
        Health::Error => "badge badge-bad",
        Health::Disabled | Health::Unknown => "badge",
    }
}

/// Reads `/api/status/` as a health report (the clock judges staleness).
pub async fn paperless_health(client: &PaperlessClient) -> Result<HealthReport, ApiError> {
    let body = client.status(web::transport()).await?;
    health_report(&body, &client.status_call().request, web::now())
}

/// What a run looks like while it is followed.
#[derive(Clone, Debug, PartialEq)]
enum Run {
    Waiting,
    Status(TaskStatus, Option<String>),
    Failed(String),
}

impl Run {
    /// Started and not finished yet: no second run of the same task.
    fn in_progress(&self) -> bool {
        match self {
            Run::Waiting => true,
            Run::Status(status, _) => {
                status.group() == Some(crate::api::paperless::StatusGroup::InProgress)
            }
            Run::Failed(_) => false,
        }
    }
}

#[component]
fn PaperlessHealth(connection: Connection) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let client = StoredValue::new_local(connections.paperless(&connection));
    let report = Loader::<HealthReport>::new();
    let load = move || {
        let client = client.get_value();
        report.run(async move { paperless_health(&client).await });
    };
    load();
    use_auto_refresh(
        Signal::derive(|| false),
        report.loading.into(),
        report.retry_at.into(),
        load,
    );
    let runs = RwSignal::new(Vec::<(SystemTask, Run)>::new());
    let start = move |task: SystemTask| {
        if runs.with_untracked(|r| r.iter().any(|(t, run)| *t == task && run.in_progress())) {
            return; // never two runs of the same task at once
        }
        let set = move |run: Run| {
            runs.update(|r| {
                r.retain(|(t, _)| *t != task);
                r.push((task, run));
            })
        };
        set(Run::Waiting);
        let client: Rc<PaperlessClient> = client.get_value();
        leptos::task::spawn_local(async move {
            match client.run(web::transport(), task).await {
                Ok(Started::Finished { result }) => {
                    set(Run::Status(TaskStatus::Success, Some(result)))
                }
                Ok(Started::Queued { task_id }) => loop {
                    match client.task_by_celery_id(web::transport(), &task_id).await {
                        Ok(Some(t)) => {
                            let run = Run::Status(t.status.clone(), t.result_message.clone());
                            let done = !run.in_progress();
                            set(run);
                            if done {
                                break;
                            }
                        }
                        Ok(None) => set(Run::Waiting),
                        Err(e) => {
                            set(Run::Failed(e.to_string()));
                            break;
                        }
                    }
                    if runs.try_get_untracked().is_none() {
                        return; // the page was left
                    }
                    web::sleep(FOLLOW_EVERY).await;
                },
                Err(e) => set(Run::Failed(match e {
                    ApiError::Forbidden { .. } => {
                        "Only a Paperless superuser may start system tasks.".into()
                    }
                    e => e.to_string(),
                })),
            }
            load();
        });
    };
    let title = format!("{} · health", connection.name);
    let admin = format!("{}/admin/documents/paperlesstask/", connection.base_url);
    view! {
        <section class="screen" aria-labelledby="screen-title">
            <header class="screen-head">
                <div>
                    <h1 id="screen-title">"Health"</h1>
                    <p class="muted">{title} {move || report.data.get().and_then(|r| r.version).map(|v| format!(" · Paperless-ngx {v}"))}</p>
                </div>
                <RefreshBar loading=report.loading updated=report.updated retry_at=report.retry_at failed=Signal::derive(move || report.error.with(Option::is_some)) on_refresh=move |_| load() />
            </header>
            {move || match report.error.get() {
                Some(ApiError::Forbidden { .. }) => view! {
                    <div class="banner banner-warn" data-testid="no-status-permission">
                        "This account has no permission to read the system status (Paperless needs a superuser or the “view system monitoring” permission)."
                    </div>
                }.into_any(),
                _ => view! { <ErrorBanner error=report.error kind=ServerKind::Paperless on_retry=move |_| load() /> }.into_any(),
            }}
            <ul class="health-list" data-testid="health-checks">
                {move || report.data.get().map(|r| r.checks.into_iter().map(|check| {
                    let api = client.with_value(|c| c.api());
                    let run = check.run.filter(|t| t.available(api));
                    view! { <CheckRow check run runs start=Callback::new(start) /> }
                }).collect_view())}
            </ul>
            <p class="muted small">
                "Old task rows are purged in the server's admin: "
                <a href=admin.clone() target="_blank" rel="noopener noreferrer" data-connection=connection.id.clone()>{admin.clone()}</a>
            </p>
        </section>
    }
}

#[component]
fn CheckRow(
    check: HealthCheck,
    run: Option<SystemTask>,
    runs: RwSignal<Vec<(SystemTask, Run)>>,
    start: Callback<SystemTask>,
) -> impl IntoView {
    let state = move || {
        run.and_then(|task| {
            runs.with(|r| r.iter().find(|(t, _)| *t == task).map(|(_, s)| s.clone()))
        })
    };
    let busy = move || state().is_some_and(|s| s.in_progress());
    view! {
        <li class="health-row" data-check=check.name>
            <span class=health_class(check.health)>{check.health.label()}</span>
            <strong>{check.name}</strong>
            {check.stale.then(|| view! { <span class="badge badge-warn" title="The last run is more than a day old">"stale"</span> })}
            {check.last_run.map(|t| view! { <span class="muted small">" last run " <When at=Some(t) /></span> })}
            {check.detail.map(|d| view! { <span class="health-detail">{d}</span> })}
            {run.map(|task| view! {
                <button class="btn btn-small" data-testid="run-task" data-task=task.label() disabled=busy on:click=move |_| start.run(task)>
                    {task.label()}
                </button>
            })}
            <span class="run-state" data-testid="run-state" aria-live="polite">{move || state().map(|s| match s {
                Run::Waiting => "Started; waiting for the worker…".to_string(),
                Run::Status(status, message) => format!(
                    "{}{}",
                    crate::pages::paperless::row::status_label(&status),
                    message.map(|m| format!(": {m}")).unwrap_or_default()
                ),
                Run::Failed(e) => e,
            })}</span>
        </li>
    }
}

#[component]
fn InvenTreeHealth(connection: Connection) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let client = StoredValue::new(connections.inventree(&connection));
    let root = Loader::<(ApiRoot, Overview)>::new();
    let load = move || {
        let client = client.get_value();
        root.run(async move {
            let about = client.api_root_call().send(web::transport()).await?;
            let queues = client.overview_call().send(web::transport()).await?;
            Ok((about, queues))
        });
    };
    load();
    use_auto_refresh(
        Signal::derive(|| false),
        root.loading.into(),
        root.retry_at.into(),
        load,
    );
    let base = connection.base_url.clone();
    let connection_id = connection.id.clone();
    view! {
        <section class="screen" aria-labelledby="screen-title">
            <header class="screen-head">
                <div>
                    <h1 id="screen-title">"Health"</h1>
                    <p class="muted">{format!("{} · InvenTree", connection.name)}</p>
                </div>
                <RefreshBar loading=root.loading updated=root.updated on_refresh=move |_| load() />
            </header>
            <ErrorBanner error=root.error kind=ServerKind::InvenTree on_retry=move |_| load() />
            {move || root.data.get().map(|(about, queues)| {
                let worker = if queues.is_running { Health::Ok } else { Health::Error };
                let admin = about.failed_tasks_admin_url(&base);
                view! {
                    <ul class="health-list" data-testid="health-checks">
                        <li class="health-row" data-check="Worker">
                            <span class=health_class(worker)>{worker.label()}</span>
                            <strong>"Background worker"</strong>
                            <span class="health-detail">{if queues.is_running {
                                format!("running ({} worker(s))", about.worker_count.unwrap_or(1))
                            } else {
                                "NOT running: pending tasks will not be processed".to_string()
                            }}</span>
                        </li>
                        <li class="health-row"><strong>"Queues"</strong>
                            <span class="health-detail">{format!("{} pending, {} scheduled, {} failed", queues.pending_tasks, queues.scheduled_tasks, queues.failed_tasks)}</span>
                        </li>
                        <li class="health-row"><strong>"Server"</strong>
                            <span class="health-detail">{format!("{} {} · API {}", about.server, about.version.clone().unwrap_or_default(), about.api_version)}</span>
                        </li>
                    </ul>
                    <p class="muted small" data-testid="admin-link">
                        "InvenTree has no API to run a failed task again; its only retry is in the Django admin. "
                        {match admin {
                            Some(url) => view! { <a href=url.clone() target="_blank" rel="noopener noreferrer" data-connection=connection_id.clone()>"Open the failed tasks in the server's admin"</a> }.into_any(),
                            None => view! { <span>"This server does not say where its admin is (only staff see it, and only on newer versions)."</span> }.into_any(),
                        }}
                    </p>
                }
            })}
        </section>
    }
}
