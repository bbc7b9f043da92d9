//! A server's health: Paperless-ngx's system status with its system tasks
//! (run one and follow it to the end), InvenTree's worker; and the server's
//! own admin pages where no API exists.

use leptos::prelude::*;

use crate::location::Link;

use crate::api::inventree::{ApiRoot, InvenTreeClient, Overview};
use crate::api::inventree_admin::{DELETE_ERRORS_DAYS, DELETE_TASKS_DAYS, ErrorReport};
use crate::api::paperless::PaperlessClient;
use crate::api::paperless_admin::{Health, HealthCheck, HealthReport, SystemTask, health_report};
use crate::api::{ApiError, ServerKind};
use crate::components::feedback::ErrorBanner;
use crate::components::loader::Loader;
use crate::components::refresh::{RefreshBar, use_auto_refresh};
use crate::components::selection::plural;
use crate::components::time::When;
use crate::context::{Connections, reload_on_change};
use crate::pages::ConnectionGate;
use crate::pages::inventree::warnings::{all_schedules, warning_rows};
use crate::pages::paperless::logs::ServerLogs;
use crate::runs::{RunKey, Runs};
use crate::state::connections::Connection;
use crate::state::errors::status_refused;
use crate::state::permissions::{MayAct, may_open_admin, may_run_system_tasks};
use crate::state::route::{InvenTreeList, Route};
use crate::state::runs::{describe, is_bad};
use crate::store::status::StatusReads;
use crate::web;

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

/// How fresh a status must be.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum StatusAge {
    /// Asked now (the Health screen).
    Now,
    /// An answer up to a minute old will do (overview, inbox).
    UpToAMinute,
}

/// Reads `/api/status/` as a health report (the clock judges staleness),
/// asking the server only when the kept answer will not do.
pub async fn paperless_health(
    client: &PaperlessClient,
    reads: StatusReads,
    connection_id: &str,
    age: StatusAge,
) -> Result<HealthReport, ApiError> {
    let key = format!("{connection_id} {}", client.base());
    let now_ms = web::now().timestamp_millis();
    let body = match reads
        .fresh(&key, now_ms)
        .filter(|_| age == StatusAge::UpToAMinute)
    {
        Some(kept) => kept?,
        None => {
            let answer = client.status(crate::transport::current()).await;
            reads.keep(&key, web::now().timestamp_millis(), answer.clone());
            answer?
        }
    };
    health_report(&body, &client.status_call().request, web::now())
}

#[component]
fn PaperlessHealth(connection: Connection) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let client = StoredValue::new_local(connections.paperless(&connection));
    let report = Loader::<HealthReport>::new();
    let reads = connections.status_reads;
    let status_of = connection.id.clone();
    let load = move || {
        let client = client.get_value();
        let id = status_of.clone();
        report.run(async move { paperless_health(&client, reads, &id, StatusAge::Now).await });
    };
    load();
    use_auto_refresh(
        Signal::derive(|| false),
        report.loading.into(),
        report.retry_at.into(),
        load.clone(),
    );
    // What this account may start: system tasks are for superusers.
    let may = RwSignal::new(MayAct::Yes);
    {
        let client = client.get_value();
        leptos::task::spawn_local(async move {
            let account = client.account(crate::transport::current()).await;
            may.try_set(may_run_system_tasks(&account));
        });
    }
    let may_run: Signal<MayAct> = may.into();
    let runs = expect_context::<Runs>();
    // A run that ends (started here or elsewhere) changes the checks.
    reload_on_change(Some(connection.id.clone()), load.clone());
    let connection_id = connection.id.clone();
    let start = move |task: SystemTask| runs.start_system(&connection_id, client.get_value(), task);
    let title = format!("{} · health", connection.name);
    let admin = format!("{}/admin/documents/paperlesstask/", connection.base_url);
    let retry = load.clone();
    view! {
        <section class="screen" aria-labelledby="screen-title">
            <header class="screen-head">
                <div>
                    <h1 id="screen-title" tabindex="-1">"Health"</h1>
                    <p class="muted">{title} {move || report.data.get().and_then(|r| r.version).map(|v| format!(" · Paperless-ngx {v}"))}</p>
                </div>
                <RefreshBar loading=report.loading updated=report.updated retry_at=report.retry_at failed=Signal::derive(move || report.error.with(Option::is_some)) on_refresh=move |_| load() />
            </header>
            {move || match report.error.get() {
                Some(ApiError::Forbidden { .. }) => view! {
                    <div class="banner banner-warn" data-testid="no-status-permission">
                        {status_refused(client.with_value(|c| c.api()))}
                    </div>
                }.into_any(),
                _ => {
                    let retry = retry.clone();
                    view! { <ErrorBanner error=report.error kind=ServerKind::Paperless on_retry=move |_| retry() /> }.into_any()
                }
            }}
            {move || report.data.get().filter(HealthReport::worker_down).map(|_| view! {
                <div class="banner banner-error banner-stack" role="status" data-testid="worker-down">
                    <strong>"No Celery worker answers: no task runs until one does."</strong>
                    <p>"Documents are not consumed, mail is not fetched and the system tasks below wait. Start the worker (celery) on the server."</p>
                </div>
            })}
            {move || may_run.get().refusal().map(|why| view! {
                <p class="muted small" data-testid="run-refused">{why.to_string()}</p>
            })}
            <ul class="health-list" data-testid="health-checks">
                {let connection_id = connection.id.clone();
                move || report.data.get().map(|r| r.checks.into_iter().map(|check| {
                    let api = client.with_value(|c| c.api());
                    let run = check.run.filter(|t| t.available(api));
                    let key = run.map(|task| RunKey::System(connection_id.clone(), task));
                    view! { <CheckRow check run key runs may_run start=Callback::new(start.clone()) /> }
                }).collect_view())}
            </ul>
            <ServerLogs client=client.get_value() />
            <p class="muted small">
                "Old task rows are purged in the server's admin: "
                <a href=admin.clone() target="_blank" rel="noopener noreferrer" data-connection=connection.id.clone()>{admin.clone()}</a>
            </p>
        </section>
    }
}

/// Why a check's task is not offered, when the check says it would do
/// nothing.
fn nothing_to_run(check: &HealthCheck) -> Option<String> {
    (check.health == Health::Disabled).then(|| {
        format!(
            "{} is disabled on this server: a run would do nothing.",
            check.name
        )
    })
}

#[component]
fn CheckRow(
    check: HealthCheck,
    run: Option<SystemTask>,
    key: Option<RunKey>,
    runs: Runs,
    may_run: Signal<MayAct>,
    start: Callback<SystemTask>,
) -> impl IntoView {
    let key = StoredValue::new(key);
    let state = move || key.with_value(|key| key.as_ref().and_then(|key| runs.get(key)));
    let busy = move || state().is_some_and(|s| s.in_progress());
    let bad = move || state().is_some_and(|s| is_bad(&s));
    let idle = nothing_to_run(&check);
    // Offered only where it can do something; a run started elsewhere
    // still shows how it went.
    let run = run.filter(|_| idle.is_none());
    view! {
        <li class="health-row" data-check=check.name>
            <span class=health_class(check.health)>{check.health.label()}</span>
            <strong>{check.name}</strong>
            {check.stale.then(|| view! { <span class="badge badge-warn" title="The last run is more than a day old">"stale"</span> })}
            {check.last_run.map(|t| view! { <span class="muted small">" last run " <When at=Some(t) /></span> })}
            {check.detail.map(|d| view! { <span class="health-detail">{d}</span> })}
            {idle.map(|why| view! { <span class="muted small" data-testid="run-not-offered">{why}</span> })}
            {run.map(|task| view! {
                <button
                    class="btn btn-small"
                    data-testid="run-task"
                    data-task=task.label()
                    disabled=move || busy() || may_run.get().refusal().is_some()
                    title=move || may_run.get().refusal().map(str::to_string)
                    on:click=move |_| start.run(task)
                >
                    {task.label()}
                </button>
            })}
            <span class="run-state" class:run-bad=bad data-testid="run-state" aria-live="polite">{move || state().map(|s| describe(&s))}</span>
        </li>
    }
}

#[component]
fn InvenTreeHealth(connection: Connection) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let client = StoredValue::new(connections.inventree(&connection));
    let root = Loader::<(ApiRoot, Overview)>::new();
    let extra = Loader::<InvenTreeExtras>::new();
    let load = move || {
        let client = client.get_value();
        let more = client.clone();
        root.run(async move {
            let about = client
                .api_root_call()
                .send(crate::transport::current())
                .await?;
            let queues = client
                .overview_call()
                .send(crate::transport::current())
                .await?;
            Ok((about, queues))
        });
        extra.run(async move { Ok(InvenTreeExtras::load(&more).await) });
    };
    load();
    use_auto_refresh(
        Signal::derive(|| false),
        root.loading.into(),
        root.retry_at.into(),
        load,
    );
    // Whether the Django admin's failed tasks will open for this account.
    let admin_may = RwSignal::new(None::<MayAct>);
    {
        let call = client.with_value(|c| c.account_call());
        leptos::task::spawn_local(async move {
            let account = call.send(crate::transport::current()).await;
            admin_may.try_set(Some(may_open_admin(&account)));
        });
    }
    let base = connection.base_url.clone();
    let connection_id = connection.id.clone();
    let connection_id_for_lists = connection.id.clone();
    view! {
        <section class="screen" aria-labelledby="screen-title">
            <header class="screen-head">
                <div>
                    <h1 id="screen-title" tabindex="-1">"Health"</h1>
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
                        {let lists = connection_id_for_lists.clone();
                        move || extra.data.get().map(|x| x.view(&lists))}
                        <li class="health-row"><strong>"Server"</strong>
                            <span class="health-detail">{format!("{} {} · API {}", about.server, about.version.clone().unwrap_or_default(), about.api_version)}</span>
                        </li>
                    </ul>
                    <p class="muted small" data-testid="admin-link">
                        "InvenTree has no API to run a failed task again; its only retry is in the Django admin. "
                        {let connection_id = connection_id.clone();
                        move || {
                            let may = admin_may.get();
                            match (admin.clone(), may) {
                                (_, Some(MayAct::No(why))) => view! { <span data-testid="admin-refused">{why}</span> }.into_any(),
                                (Some(url), may) => view! {
                                    <a href=url.clone() target="_blank" rel="noopener noreferrer" data-connection=connection_id.clone()>"Open the failed tasks in the server's admin"</a>
                                    {may.and_then(|m| m.warning().map(|w| format!(" ({w})")))}
                                }.into_any(),
                                (None, _) => view! { <span>"This server does not say where its admin is (only staff see it, and only on newer versions)."</span> }.into_any(),
                            }
                        }}
                    </p>
                }
            })}
        </section>
    }
}

/// What the health page shows beside the worker: schedule warnings, the
/// error log and how long the server keeps both. Each part on its own: a
/// user who may not read one still sees the others.
#[derive(Clone)]
struct InvenTreeExtras {
    warnings: Result<usize, ApiError>,
    errors: Result<(u64, Option<ErrorReport>), ApiError>,
    keep_tasks: Option<u64>,
    keep_errors: Option<u64>,
}

impl InvenTreeExtras {
    async fn load(client: &InvenTreeClient) -> InvenTreeExtras {
        let transport = crate::transport::current();
        let warnings = all_schedules(client).await.map(|s| warning_rows(s).len());
        let errors = client
            .error_reports_page_call(1, 0)
            .send(transport)
            .await
            .map(|p| (p.count, p.items.into_iter().next()));
        let days = |key| async move {
            client
                .setting_call(key)
                .send(transport)
                .await
                .ok()
                .and_then(|s| s.as_days())
        };
        InvenTreeExtras {
            warnings,
            errors,
            keep_tasks: days(DELETE_TASKS_DAYS).await,
            keep_errors: days(DELETE_ERRORS_DAYS).await,
        }
    }

    fn view(self, connection_id: &str) -> impl IntoView + use<> {
        let warnings_href = Route::inventree_list(connection_id, InvenTreeList::Warnings).path();
        let errors_href = Route::inventree_list(connection_id, InvenTreeList::Errors).path();
        let (schedule_health, schedule_text) = match &self.warnings {
            Ok(0) => (Health::Ok, "no schedule failed or fell behind".to_string()),
            Ok(n) => (
                Health::Warning,
                format!("{} failed or overdue", plural(*n, "schedule")),
            ),
            Err(e) => (Health::Unknown, e.to_string()),
        };
        let errors_text = match &self.errors {
            Ok((0, _)) => "no errors logged".to_string(),
            Ok((n, newest)) => format!(
                "{}{}",
                plural(*n as usize, "error"),
                newest
                    .as_ref()
                    .map(|e| format!("; newest: {}", e.info))
                    .unwrap_or_default()
            ),
            Err(ApiError::Forbidden { .. }) => "only staff may read it".into(),
            Err(e) => e.to_string(),
        };
        let keep =
            |days: Option<u64>| days.map_or("unknown".to_string(), |d| plural(d as usize, "day"));
        view! {
            <li class="health-row" data-check="Schedules">
                <span class=health_class(schedule_health)>{schedule_health.label()}</span>
                <strong>"Schedules"</strong>
                <span class="health-detail">{schedule_text}</span>
                <Link href=warnings_href>"Schedule warnings"</Link>
            </li>
            <li class="health-row" data-check="Error log">
                <strong>"Error log"</strong>
                <span class="health-detail">{errors_text}</span>
                <Link href=errors_href>"Error log"</Link>
            </li>
            <li class="health-row" data-check="Retention">
                <strong>"Kept for"</strong>
                <span class="health-detail">{format!(
                    "finished tasks {}, error log {} (the server deletes older ones)",
                    keep(self.keep_tasks),
                    keep(self.keep_errors)
                )}</span>
            </li>
        }
    }
}
