//! Taskdeck's demo backend: local stand-ins for Paperless-ngx and InvenTree
//! servers that answer the way the recorded real servers do, plus the built UI
//! preconfigured to talk to them. Everything listens on loopback by default.
//!
//! Each API instance has its own port, like a real server, so the browser UI
//! talks to it cross-origin, through CORS, exactly as it would in production.

// Handlers short-circuit with a ready `Response` as their error, the axum idiom;
// its size does not matter on this path.
#![allow(clippy::result_large_err)]

mod cors;
mod drf;
pub mod faults;
pub mod inventree;
pub mod paperless;
pub mod seed;
pub mod traffic;
pub mod worker;

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower_http::services::ServeDir;

pub use faults::Fault;
pub use inventree::InvenTreeApi;
pub use seed::Scale;
pub use worker::WorkerStart;

/// Which real server an instance imitates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// Paperless-ngx 3.0.5: API 10, and API 9 on request.
    Paperless3,
    /// Paperless-ngx 2.x: API 9 only (406 for version 10).
    Paperless2,
    InvenTree477,
    InvenTree198,
}

impl Flavor {
    pub fn kind(self) -> &'static str {
        match self {
            Flavor::Paperless3 | Flavor::Paperless2 => "paperless",
            Flavor::InvenTree477 | Flavor::InvenTree198 => "inventree",
        }
    }
}

#[derive(Clone, Debug)]
pub struct InstanceConfig {
    pub name: String,
    pub flavor: Flavor,
    /// 0 picks a free port.
    pub port: u16,
}

#[derive(Clone, Debug)]
pub struct DemoConfig {
    /// The Trunk `dist/` folder; `None` runs the APIs only.
    pub ui_dir: Option<PathBuf>,
    pub host: IpAddr,
    pub ui_port: u16,
    pub instances: Vec<InstanceConfig>,
    pub scale: Scale,
    pub seed: u64,
    /// Origins allowed by CORS besides the UI's own (`http://127.0.0.1:<ui>` and
    /// `http://localhost:<ui>`).
    pub extra_origins: Vec<String>,
    /// Every instance's worker (`--worker-stopped`): off stops them all,
    /// and the servers say so.
    pub worker_running: bool,
    /// Instances whose worker starts hung: it takes nothing while the
    /// server still reports it running, and the seed shows the last
    /// [`worker::STALLED_FOR`] of work piling up. None in the tests'
    /// configurations; the demo binary hangs Paperless-ngx 2 and InvenTree
    /// 0.16.
    pub stalled: Vec<Flavor>,
    /// Time moves work on by itself (tasks arrive, a running worker
    /// finishes them). Off in the tests' configurations, so the seeded rows
    /// stay as they are; on in the demo binary.
    pub live_worker: bool,
    /// What `/taskdeck.json` answers.
    pub site_file: SiteFile,
    /// Whether the UI is offered the demo's tokens (`demo-connections.json`);
    /// without them it starts as a plain deployment does: servers offered
    /// by `taskdeck.json`, no token for any.
    pub offer_tokens: bool,
}

/// The demo's `taskdeck.json`: its own servers, as an admin would list
/// them, or whatever a test needs instead.
#[derive(Clone, Debug, Default)]
pub enum SiteFile {
    #[default]
    DemoServers,
    /// Not deployed: 404.
    Absent,
    /// Served as is (tests of a broken file).
    Text(String),
}

impl DemoConfig {
    /// The ports of the recordings: UI 8080, Paperless 8010/8011, InvenTree 8020/8021.
    pub fn standard(ui_dir: Option<PathBuf>) -> DemoConfig {
        DemoConfig {
            ui_dir,
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            ui_port: 8080,
            instances: vec![
                InstanceConfig {
                    name: "Paperless-ngx 3 (demo)".into(),
                    flavor: Flavor::Paperless3,
                    port: 8010,
                },
                InstanceConfig {
                    name: "InvenTree 1.3 (demo)".into(),
                    flavor: Flavor::InvenTree477,
                    port: 8020,
                },
                InstanceConfig {
                    name: "Paperless-ngx 2 (demo)".into(),
                    flavor: Flavor::Paperless2,
                    port: 8011,
                },
                InstanceConfig {
                    name: "InvenTree 0.16 (demo)".into(),
                    flavor: Flavor::InvenTree198,
                    port: 8021,
                },
            ],
            scale: Scale::DEFAULT,
            seed: 2026,
            extra_origins: Vec::new(),
            worker_running: true,
            stalled: Vec::new(),
            live_worker: false,
            site_file: SiteFile::DemoServers,
            offer_tokens: true,
        }
    }

    /// Same instances on free ports: for tests running side by side.
    pub fn ephemeral(ui_dir: Option<PathBuf>) -> DemoConfig {
        let mut config = DemoConfig::standard(ui_dir);
        config.ui_port = 0;
        for instance in &mut config.instances {
            instance.port = 0;
        }
        config
    }
}

/// The live state of one instance, for tests to inspect and change.
#[derive(Clone)]
pub enum InstanceState {
    Paperless(paperless::Shared),
    InvenTree(inventree::Shared),
}

#[derive(Clone)]
pub struct Instance {
    pub name: String,
    pub flavor: Flavor,
    pub addr: SocketAddr,
    pub state: InstanceState,
    pub faults: faults::SharedFaults,
}

impl Instance {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The admin token a real server's admin would paste into Taskdeck.
    pub fn admin_token(&self) -> &'static str {
        match self.flavor.kind() {
            "paperless" => paperless::ADMIN_TOKEN,
            _ => inventree::ADMIN_TOKEN,
        }
    }

    pub fn paperless(&self) -> &paperless::Shared {
        match &self.state {
            InstanceState::Paperless(s) => s,
            InstanceState::InvenTree(_) => panic!("{} is not a Paperless instance", self.name),
        }
    }

    pub fn inventree(&self) -> &inventree::Shared {
        match &self.state {
            InstanceState::InvenTree(s) => s,
            InstanceState::Paperless(_) => panic!("{} is not an InvenTree instance", self.name),
        }
    }

    /// `(id, acknowledged)` of every Paperless task, for tests to compare
    /// before and after an action.
    pub fn acknowledged_flags(&self) -> Vec<(u64, bool)> {
        self.paperless()
            .lock()
            .unwrap()
            .tasks
            .iter()
            .map(|t| (t.id, t.acknowledged))
            .collect()
    }

    /// `(id, status)` of every processed-mail record, in id order.
    pub fn processed_mail(&self) -> Vec<(u64, &'static str)> {
        let state = self.paperless().lock().unwrap();
        let mut mail: Vec<(u64, &'static str)> = state
            .mail
            .processed
            .iter()
            .map(|m| (m.id, m.status))
            .collect();
        mail.sort_unstable();
        mail
    }

    /// `(id, input_data)` of the tasks of this type and status.
    pub fn tasks_of(&self, task_type: &str, status: &str) -> Vec<(u64, serde_json::Value)> {
        self.paperless()
            .lock()
            .unwrap()
            .tasks
            .iter()
            .filter(|t| t.task_type == task_type && t.status == status)
            .map(|t| (t.id, t.input_data.clone()))
            .collect()
    }

    /// The accounts a fetch was asked for, in order (2.x records no task
    /// for a fetch, so the task list cannot tell).
    pub fn mail_fetch_requests(&self) -> Vec<u64> {
        self.paperless().lock().unwrap().mail.requested.clone()
    }

    /// `mail.log` as the server would send it.
    pub fn mail_log(&self) -> Vec<String> {
        self.paperless().lock().unwrap().mail.log.clone()
    }

    /// `(status, input_data)` of every manually started mail fetch.
    pub fn manual_mail_fetches(&self) -> Vec<(&'static str, serde_json::Value)> {
        self.paperless()
            .lock()
            .unwrap()
            .tasks
            .iter()
            .filter(|t| t.task_type == "mail_fetch" && t.trigger_source == "manual")
            .map(|t| (t.status, t.input_data.clone()))
            .collect()
    }

    /// Ids of the tasks not yet dismissed with this status (`success`, …).
    pub fn open_task_ids(&self, status: &str) -> std::collections::HashSet<String> {
        self.paperless()
            .lock()
            .unwrap()
            .tasks
            .iter()
            .filter(|t| !t.acknowledged && t.status == status)
            .map(|t| t.id.to_string())
            .collect()
    }

    /// Dismisses a task behind the console's back (another admin did).
    pub fn acknowledge_elsewhere(&self, id: u64) {
        let state = self.paperless();
        let mut state = state.lock().unwrap();
        if let Some(task) = state.tasks.iter_mut().find(|t| t.id == id) {
            task.acknowledged = true;
        }
    }

    /// What the console counts as needing attention: not-dismissed failed or
    /// revoked Paperless tasks, or InvenTree's whole failed queue.
    pub fn needing_attention(&self) -> u64 {
        match &self.state {
            InstanceState::Paperless(_) => self
                .count_tasks(|t| !t.acknowledged && matches!(t.status, "failure" | "revoked"))
                as u64,
            InstanceState::InvenTree(s) => s.lock().unwrap().failed.len() as u64,
        }
    }

    /// How many Paperless tasks `keep` keeps.
    fn count_tasks(&self, keep: impl Fn(&seed::PaperlessRow) -> bool) -> usize {
        self.paperless()
            .lock()
            .unwrap()
            .tasks
            .iter()
            .filter(|t| keep(t))
            .count()
    }

    /// Keys of the InvenTree failed queue (string pks).
    pub fn failed_pks(&self) -> std::collections::HashSet<String> {
        let state = self.inventree().lock().unwrap();
        state.failed.iter().map(|f| f.pk.clone()).collect()
    }

    /// Keys of the InvenTree pending queue, as the UI writes them.
    pub fn pending_pks(&self) -> std::collections::HashSet<String> {
        let state = self.inventree().lock().unwrap();
        state.pending.iter().map(|p| p.pk.to_string()).collect()
    }

    pub fn set_fault(&self, path_prefix: &str, fault: Fault) {
        self.faults.lock().unwrap().set(path_prefix, fault);
    }

    /// Starts or stops this instance's background worker, and the server
    /// says so from its next answer on. Stopped, nothing finishes (and,
    /// with live time, tasks keep arriving): a stall. Started, work moves
    /// again: with live time one task after the other from now, without it
    /// every waiting task at once.
    pub fn set_worker_running(&self, running: bool) {
        let now = chrono::Utc::now();
        match &self.state {
            InstanceState::Paperless(s) => s.lock().unwrap().set_worker_running(running, now),
            InstanceState::InvenTree(s) => s.lock().unwrap().set_worker_running(running, now),
        }
    }

    /// Whether the worker takes tasks now.
    pub fn worker_running(&self) -> bool {
        match &self.state {
            InstanceState::Paperless(s) => s.lock().unwrap().worker.running,
            InstanceState::InvenTree(s) => s.lock().unwrap().worker.running,
        }
    }

    /// Tasks waiting for the worker: Paperless tasks pending, started or
    /// retrying; InvenTree's pending queue.
    pub fn waiting_tasks(&self) -> usize {
        match &self.state {
            InstanceState::Paperless(_) => {
                self.count_tasks(|t| matches!(t.status, "pending" | "started" | "retry"))
            }
            InstanceState::InvenTree(s) => s.lock().unwrap().pending.len(),
        }
    }
}

/// A running demo: UI plus API instances on one runtime thread. Stops when dropped.
pub struct Demo {
    pub ui: Option<SocketAddr>,
    pub instances: Vec<Instance>,
    /// Every request to the instances, for benchmarks.
    pub traffic: Arc<traffic::Traffic>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Demo {
    pub fn ui_url(&self) -> Option<String> {
        self.ui.map(|a| format!("http://{a}"))
    }

    pub fn instance(&self, flavor: Flavor) -> &Instance {
        self.instances
            .iter()
            .find(|i| i.flavor == flavor)
            .expect("instance of that flavor")
    }

    /// Blocks until the server thread ends (Ctrl+C in the binary).
    pub fn wait(mut self) -> io::Result<()> {
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("server thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Listens on `port`; when it is taken (a real server may run there), on
/// a free port instead, which the demo prints with the others.
fn bind(host: IpAddr, port: u16) -> io::Result<std::net::TcpListener> {
    let listener = match std::net::TcpListener::bind(SocketAddr::new(host, port)) {
        Err(e) if e.kind() == io::ErrorKind::AddrInUse && port != 0 => {
            eprintln!("taskdeck-demo: port {port} is taken; using a free port instead");
            std::net::TcpListener::bind(SocketAddr::new(host, 0))
        }
        other => other,
    }
    .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {host}:{port}: {e}")))?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

fn instance_router(
    instance: &Instance,
    index: usize,
    origins: &[String],
    traffic: &Arc<traffic::Traffic>,
) -> Router {
    let (api, policy) = match &instance.state {
        InstanceState::Paperless(state) => (
            paperless::router(state.clone()),
            cors::CorsPolicy {
                allowed_origins: origins.to_vec(),
                allow_headers: cors::PAPERLESS_ALLOW_HEADERS,
                expose_headers: Some("Content-Disposition"),
            },
        ),
        InstanceState::InvenTree(state) => (
            inventree::router(state.clone()),
            cors::CorsPolicy {
                allowed_origins: origins.to_vec(),
                allow_headers: cors::INVENTREE_ALLOW_HEADERS,
                expose_headers: None,
            },
        ),
    };
    // Faults apply inside CORS, so an injected error still carries CORS headers
    // and the browser shows it as an error response, not as a CORS failure.
    api.layer(axum::middleware::from_fn_with_state(
        instance.faults.clone(),
        faults::middleware,
    ))
    .layer(axum::middleware::from_fn_with_state(
        Arc::new(policy),
        cors::middleware,
    ))
    .layer(axum::middleware::from_fn_with_state(
        (traffic.clone(), index),
        traffic::middleware,
    ))
}

/// A fixed body, as a static file server would send it.
fn file(content_type: &'static str, body: String) -> axum::routing::MethodRouter {
    get(move || {
        let body = body.clone();
        async move {
            (
                [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
                body,
            )
                .into_response()
        }
    })
}

/// What DEPLOY.md's snippets send with the site: no page may frame it
/// (a `<meta>` policy cannot say `frame-ancestors`).
pub const FRAME_ANCESTORS: &str = "frame-ancestors 'none'";

fn ui_router(
    ui_dir: PathBuf,
    instances: &[Instance],
    site_file: &SiteFile,
    offer_tokens: bool,
) -> Router {
    // The demo's servers with their demo tokens, for the UI and the desktop
    // app to take on a first start.
    let connections: Vec<_> = instances
        .iter()
        .enumerate()
        .map(|(n, i)| json!({ "id": format!("demo{}", n + 1), "kind": i.flavor.kind(), "name": i.name, "base_url": i.url(), "token": i.admin_token() }))
        .collect();
    let offer = serde_json::to_string(&connections).expect("serialisable");
    // The same servers as any installation lists them: no tokens.
    let servers: Vec<_> = instances
        .iter()
        .enumerate()
        .map(|(n, i)| json!({ "id": format!("demo{}", n + 1), "name": i.name, "kind": i.flavor.kind(), "url": i.url() }))
        .collect();
    let site = serde_json::to_string_pretty(&json!({ "servers": servers })).expect("serialisable");
    // The UI fetches the tokens only when its page says where: the demo's
    // index.html carries that, a plain deployment's does not.
    let index_html = std::fs::read_to_string(ui_dir.join("index.html")).unwrap_or_default();
    let index_html = if offer_tokens {
        index_html.replacen(
            "<title>",
            "<meta name=taskdeck-offer content=demo-connections.json><title>",
            1,
        )
    } else {
        index_html
    };
    let index = file("text/html; charset=utf-8", index_html);
    let router = Router::new()
        .route("/", index.clone())
        .route("/index.html", index)
        .route("/demo-connections.json", file("application/json", offer));
    let router = match site_file {
        SiteFile::DemoServers => router.route("/taskdeck.json", file("application/json", site)),
        SiteFile::Text(text) => {
            router.route("/taskdeck.json", file("application/json", text.clone()))
        }
        SiteFile::Absent => router,
    };
    // The release build's `.br` and `.gz` beside each asset, as a
    // production server would serve them. Screens live after `#`; a path
    // from before that (`/paperless/demo1`) is sent to its screen.
    router
        .fallback_service(
            ServeDir::new(&ui_dir)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(get(legacy_path).with_state(())),
        )
        .layer(axum::middleware::map_response(
            |mut response: axum::response::Response| async move {
                response.headers_mut().insert(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(FRAME_ANCESTORS),
                );
                response
            },
        ))
}

async fn legacy_path(uri: axum::http::Uri) -> axum::response::Response {
    let path = uri.path();
    let last = path.rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    }
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    axum::response::Redirect::to(&format!("/#{path}{query}")).into_response()
}

/// Binds every listener, seeds every instance, and serves on a background thread.
pub fn start(config: DemoConfig) -> io::Result<Demo> {
    let ui_listener = match &config.ui_dir {
        Some(dir) => {
            if !dir.join("index.html").is_file() {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{} has no index.html: build the UI first", dir.display()),
                ));
            }
            Some(bind(config.host, config.ui_port)?)
        }
        None => None,
    };
    let ui = ui_listener.as_ref().map(|l| l.local_addr()).transpose()?;
    let mut origins = config.extra_origins.clone();
    if let Some(ui) = ui {
        origins.push(format!("http://127.0.0.1:{}", ui.port()));
        origins.push(format!("http://localhost:{}", ui.port()));
    }

    let now = chrono::Utc::now();
    let mut listeners = Vec::new();
    let mut instances = Vec::new();
    for (index, spec) in config.instances.iter().enumerate() {
        let listener = bind(config.host, spec.port)?;
        let addr = listener.local_addr()?;
        let mut rng = seed::Rng::new(config.seed.wrapping_add(index as u64 * 7919));
        let start = if !config.worker_running {
            WorkerStart::Stopped
        } else if config.stalled.contains(&spec.flavor) {
            WorkerStart::Hung
        } else {
            WorkerStart::Running
        };
        let worker = worker::Worker::new(start, config.live_worker, now);
        let state = match spec.flavor {
            Flavor::Paperless3 | Flavor::Paperless2 => {
                let (mut tasks, mut documents) =
                    seed::paperless(config.scale.paperless_tasks, now, &mut rng);
                match start {
                    WorkerStart::Hung => {
                        seed::stall_paperless(&mut tasks, now - worker::STALLED_FOR)
                    }
                    WorkerStart::Running => seed::settle_paperless(&mut tasks, &mut documents, now),
                    WorkerStart::Stopped => {}
                }
                let max_api = if spec.flavor == Flavor::Paperless3 {
                    10
                } else {
                    9
                };
                let state = paperless::PaperlessState::new(tasks, documents, max_api, worker);
                InstanceState::Paperless(Arc::new(Mutex::new(state)))
            }
            Flavor::InvenTree477 | Flavor::InvenTree198 => {
                let (pending, mut failed, mut scheduled) =
                    seed::inventree(config.scale, now, &mut rng);
                match start {
                    WorkerStart::Hung => seed::stall_inventree(
                        &mut failed,
                        &mut scheduled,
                        now - worker::STALLED_FOR,
                        now,
                    ),
                    WorkerStart::Running => seed::settle_inventree(&mut scheduled, now),
                    WorkerStart::Stopped => {}
                }
                let api = if spec.flavor == Flavor::InvenTree477 {
                    InvenTreeApi::V477
                } else {
                    InvenTreeApi::V198
                };
                InstanceState::InvenTree(Arc::new(Mutex::new(inventree::InvenTreeState::new(
                    api,
                    worker,
                    (pending, failed, scheduled),
                ))))
            }
        };
        instances.push(Instance {
            name: spec.name.clone(),
            flavor: spec.flavor,
            addr,
            state,
            faults: Default::default(),
        });
        listeners.push(listener);
    }

    let traffic = Arc::new(traffic::Traffic::default());
    let mut routers: Vec<(std::net::TcpListener, Router)> = listeners
        .into_iter()
        .zip(&instances)
        .enumerate()
        .map(|(n, (l, i))| (l, instance_router(i, n, &origins, &traffic)))
        .collect();
    if let (Some(listener), Some(dir)) = (ui_listener, config.ui_dir.clone()) {
        routers.push((
            listener,
            ui_router(dir, &instances, &config.site_file, config.offer_tokens),
        ));
    }

    let (tx, rx) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("taskdeck-demo".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let (stop_tx, _) = tokio::sync::broadcast::channel::<()>(1);
                let mut servers = tokio::task::JoinSet::new();
                for (listener, router) in routers {
                    let listener = TcpListener::from_std(listener)?;
                    let mut stop = stop_tx.subscribe();
                    servers.spawn(async move {
                        axum::serve(listener, router)
                            .with_graceful_shutdown(async move {
                                let _ = stop.recv().await;
                            })
                            .await
                    });
                }
                let _ = rx.await;
                let _ = stop_tx.send(());
                while let Some(done) = servers.join_next().await {
                    done.map_err(io::Error::other)??;
                }
                Ok(())
            })
        })?;
    Ok(Demo {
        ui,
        instances,
        traffic,
        shutdown: Some(tx),
        thread: Some(thread),
    })
}
