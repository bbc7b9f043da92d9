//! The watcher: a thread of its own with a current-thread runtime and a
//! `LocalSet` (the API crate's futures are not `Send`), polling every
//! server on its interval, applying the rules after each poll, delivering
//! alerts with retries, keeping the history tidy, and serving HTTP. The
//! command-line binary starts one; the desktop app can start one in its
//! own process with a data directory of its own, and stop it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::channels;
use crate::clock::{Clock, SystemClock};
use crate::config::{ChannelConfig, Config, RuleConfig, RuleKind, ServerConfig};
use crate::poll::ServerPoller;
use crate::rules::{self, Facts};
use crate::serve::{self, Shared};
use crate::store::Store;
use crate::transport::NativeTransport;
use taskdeck_engine::gate::Gated;

/// The history file in the data directory.
pub const DATA_FILE: &str = "watch.sqlite3";

/// How often the history is compacted and old rows deleted.
const UPKEEP_EVERY: Duration = Duration::from_secs(3600);

pub struct Options {
    pub clock: Arc<dyn Clock>,
    /// Poll and deliver on the timers; off, only when told to
    /// ([`Watcher::poll_now`], [`Watcher::deliver_now`]), for tests.
    pub timers: bool,
    /// Told of every alert sent (not held back), besides the channels: an
    /// embedding app shows it (the desktop app's notifications).
    pub on_alert: Option<Arc<dyn Fn(Notice) + Send + Sync>>,
}

/// An alert as an embedding app is told of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub rule_kind: &'static str,
    pub server: String,
    /// `firing`, `resolved` or `repeat`.
    pub state: &'static str,
    pub title: String,
    pub message: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            clock: Arc::new(SystemClock),
            timers: true,
            on_alert: None,
        }
    }
}

enum Command {
    Poll(oneshot::Sender<()>),
    Deliver(oneshot::Sender<()>),
    Upkeep(oneshot::Sender<()>),
}

/// A running watcher. Dropping it stops it.
pub struct Watcher {
    commands: Option<mpsc::UnboundedSender<Command>>,
    thread: Option<JoinHandle<()>>,
    http: Option<SocketAddr>,
    store: Arc<Mutex<Store>>,
    data_file: PathBuf,
}

/// Why a watcher could not start.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

impl Watcher {
    /// Opens (or creates) `data_dir/watch.sqlite3`, binds the HTTP side,
    /// and starts watching.
    pub fn start(config: Config, data_dir: &Path) -> Result<Watcher, StartError> {
        Watcher::start_with(config, data_dir, Options::default())
    }

    pub fn start_with(
        config: Config,
        data_dir: &Path,
        options: Options,
    ) -> Result<Watcher, StartError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StartError(format!("cannot create {}: {e}", data_dir.display())))?;
        let data_file = data_dir.join(DATA_FILE);
        let open = || {
            let mut store = Store::open(&data_file)?;
            store.sync_servers(&config.servers)?;
            Ok::<_, rusqlite::Error>(store)
        };
        let store = Arc::new(Mutex::new(open().map_err(|e| {
            StartError(format!(
                "cannot open the history {}: {e}",
                data_file.display()
            ))
        })?));
        let listener = match config.http.listen {
            None => None,
            Some(addr) => {
                let listener = std::net::TcpListener::bind(addr)
                    .map_err(|e| StartError(format!("cannot listen on {addr}: {e}")))?;
                listener
                    .set_nonblocking(true)
                    .map_err(|e| StartError(e.to_string()))?;
                Some(listener)
            }
        };
        let http = listener.as_ref().and_then(|l| l.local_addr().ok());
        let (commands, receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared::new(&config, store.clone(), options.clock.clone()));
        let thread_store = store.clone();
        let thread = std::thread::Builder::new()
            .name("taskdeck-watch".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(e) => {
                        eprintln!("taskdeck-watch: cannot start its runtime: {e}");
                        return;
                    }
                };
                let local = tokio::task::LocalSet::new();
                local.block_on(
                    &runtime,
                    run(config, thread_store, options, listener, shared, receiver),
                );
            })
            .map_err(|e| StartError(e.to_string()))?;
        Ok(Watcher {
            commands: Some(commands),
            thread: Some(thread),
            http,
            store,
            data_file,
        })
    }

    /// Where the HTTP side listens, when it does.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http
    }

    pub fn data_file(&self) -> &Path {
        &self.data_file
    }

    /// The history, for an embedding app to read.
    pub fn store(&self) -> Arc<Mutex<Store>> {
        self.store.clone()
    }

    fn ask(&self, command: impl FnOnce(oneshot::Sender<()>) -> Command) {
        let (tx, rx) = oneshot::channel();
        if let Some(commands) = &self.commands
            && commands.send(command(tx)).is_ok()
        {
            let _ = rx.blocking_recv();
        }
    }

    /// Polls every server once, applies the rules, and sends what is due;
    /// returns when all of it is done.
    pub fn poll_now(&self) {
        self.ask(Command::Poll);
    }

    /// Sends the deliveries that are due by the watcher's clock.
    pub fn deliver_now(&self) {
        self.ask(Command::Deliver);
    }

    /// Compacts and deletes by the watcher's clock.
    pub fn upkeep_now(&self) {
        self.ask(Command::Upkeep);
    }

    /// Stops polling and serving, and waits for the thread to end.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        self.commands = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.shut_down();
    }
}

struct Engine {
    config: Config,
    store: Arc<Mutex<Store>>,
    clock: Arc<dyn Clock>,
    transport: Gated<NativeTransport>,
    channels_http: reqwest::Client,
    /// One delivery run at a time, so nothing is sent twice.
    delivering: tokio::sync::Mutex<()>,
    on_alert: Option<Arc<dyn Fn(Notice) + Send + Sync>>,
}

struct StoreFacts<'a>(&'a Mutex<Store>);

impl Facts for StoreFacts<'_> {
    fn failures_in_a_row(&self, server: &str) -> u32 {
        self.0
            .lock()
            .unwrap()
            .failures_in_a_row(server)
            .unwrap_or(0)
    }
    fn outcomes_since(&self, server: &str, since: chrono::DateTime<chrono::Utc>) -> (u64, u64) {
        self.0
            .lock()
            .unwrap()
            .outcomes_since(server, since)
            .unwrap_or((0, 0))
    }
    fn observations(&self, server: &str) -> Vec<taskdeck_triage::Observation> {
        self.0
            .lock()
            .unwrap()
            .observations(server)
            .unwrap_or_else(|e| {
                eprintln!("taskdeck-watch: {server}: the last polls could not be read: {e}");
                Vec::new()
            })
    }
}

/// A text without the channel's secrets, should a server echo them.
fn redact(text: &str, channel: &ChannelConfig) -> String {
    let mut text = text.replace(&channel.url, "<channel url>");
    if let Some(token) = &channel.token
        && !token.expose().is_empty()
    {
        text = text.replace(token.expose(), "<token>");
    }
    text
}

impl Engine {
    async fn poll(&self, poller: &ServerPoller) {
        let server = &poller.server;
        let started = self.clock.now();
        let newest_done = self
            .store
            .lock()
            .unwrap()
            .newest_done(&server.id)
            .unwrap_or(None);
        let watch = std::time::Instant::now();
        let result = poller
            .poll(&self.transport, started, newest_done, &self.config.poll)
            .await
            .map_err(|e| e.to_string());
        let took = watch.elapsed().as_millis() as i64;
        let was_failing = self
            .store
            .lock()
            .unwrap()
            .failures_in_a_row(&server.id)
            .unwrap_or(0)
            > 0;
        match &result {
            Err(e) if !was_failing => eprintln!("taskdeck-watch: {}: poll failed: {e}", server.id),
            Ok(_) if was_failing => eprintln!("taskdeck-watch: {}: polled again", server.id),
            _ => {}
        }
        if let Err(e) = self
            .store
            .lock()
            .unwrap()
            .record_poll(&server.id, started, took, &result)
        {
            eprintln!(
                "taskdeck-watch: {}: the poll could not be written: {e}",
                server.id
            );
            return;
        }
        for rule in &self.config.rules {
            if !rule.applies_to(&server.id) {
                continue;
            }
            if rule.kind == RuleKind::NewFailureGroup {
                if result.is_ok() {
                    self.new_groups(rule, server, started);
                }
                continue;
            }
            let conditions =
                rules::conditions(rule, server, &result, started, &StoreFacts(&self.store));
            for condition in conditions {
                let mut store = self.store.lock().unwrap();
                let before = match store.alert_state(&rule.name, &server.id, &condition.subject) {
                    Ok(b) => b,
                    Err(e) => {
                        eprintln!("taskdeck-watch: alert state: {e}");
                        continue;
                    }
                };
                let decision = rules::decide(before.as_ref(), condition.active, started, rule);
                if before == Some(decision.state) && decision.alert.is_none() {
                    continue;
                }
                match store.apply_decision(rule, &server.id, &condition, &decision, started) {
                    Ok(Some(_)) => {
                        let (kind, held) = decision.alert.expect("an alert was written");
                        if !held && let Some(tell) = &self.on_alert {
                            tell(Notice {
                                rule_kind: rule.kind.as_str(),
                                server: server.id.clone(),
                                state: kind.as_str(),
                                title: condition.title.clone(),
                                message: condition.message.clone(),
                            });
                        }
                        eprintln!(
                            "taskdeck-watch: {} {}{}: {}",
                            rule.name,
                            kind.as_str(),
                            if held {
                                " (held back by the cooldown)"
                            } else {
                                ""
                            },
                            condition.title
                        );
                    }
                    Ok(None) => {}
                    Err(e) => eprintln!("taskdeck-watch: the alert could not be written: {e}"),
                }
            }
        }
    }

    fn new_groups(
        &self,
        rule: &RuleConfig,
        server: &ServerConfig,
        now: chrono::DateTime<chrono::Utc>,
    ) {
        let mut store = self.store.lock().unwrap();
        match crate::triaged::announce_new_groups(&mut store, rule, server, now) {
            Ok(Some((_, condition))) => {
                eprintln!("taskdeck-watch: {} firing: {}", rule.name, condition.title);
                if let Some(tell) = &self.on_alert {
                    tell(Notice {
                        rule_kind: rule.kind.as_str(),
                        server: server.id.clone(),
                        state: "firing",
                        title: condition.title,
                        message: condition.message,
                    });
                }
            }
            Ok(None) => {}
            Err(e) => eprintln!("taskdeck-watch: {}: new failure groups: {e}", rule.name),
        }
    }

    /// Sends every delivery that is due, one after the other.
    async fn deliver_due(&self) {
        let _one_at_a_time = self.delivering.lock().await;
        loop {
            let now = self.clock.now();
            let due = match self.store.lock().unwrap().due_deliveries(now, 50) {
                Ok(due) => due,
                Err(e) => {
                    eprintln!("taskdeck-watch: deliveries: {e}");
                    return;
                }
            };
            if due.is_empty() {
                return;
            }
            for delivery in due {
                let Some(channel) = self
                    .config
                    .channels
                    .iter()
                    .find(|c| c.name == delivery.channel)
                else {
                    // A channel removed from the config since: recorded as failed.
                    let _ = self.store.lock().unwrap().delivery_failed(
                        delivery.id,
                        self.config.delivery.attempts,
                        "this channel is no longer configured",
                        now,
                        &self.config.delivery,
                    );
                    continue;
                };
                let outgoing = channels::build(channel, &delivery.alert);
                let sent =
                    channels::send(&self.channels_http, outgoing, self.config.delivery.timeout)
                        .await;
                let now = self.clock.now();
                let mut store = self.store.lock().unwrap();
                match sent {
                    Ok(()) => {
                        let _ = store.delivered(delivery.id, now);
                    }
                    Err(error) => {
                        let error = redact(&error, channel);
                        match store.delivery_failed(
                            delivery.id,
                            delivery.attempts,
                            &error,
                            now,
                            &self.config.delivery,
                        ) {
                            Ok(true) => eprintln!(
                                "taskdeck-watch: channel {}: gave up alert {} after {} attempts: {error}",
                                channel.name,
                                delivery.alert.id,
                                delivery.attempts + 1
                            ),
                            Ok(false) => eprintln!(
                                "taskdeck-watch: channel {}: alert {} not delivered ({error}); will retry",
                                channel.name, delivery.alert.id
                            ),
                            Err(e) => eprintln!("taskdeck-watch: deliveries: {e}"),
                        }
                    }
                }
            }
        }
    }

    fn upkeep(&self) {
        let now = self.clock.now();
        match self
            .store
            .lock()
            .unwrap()
            .upkeep(now, self.config.retention)
        {
            Ok(done) if done.polls_compacted > 0 || done.deleted > 0 => eprintln!(
                "taskdeck-watch: compacted {} day(s) ({} polls, {} finished tasks), deleted {} row(s) past retention",
                done.days_compacted, done.polls_compacted, done.finished_compacted, done.deleted
            ),
            Ok(_) => {}
            Err(e) => eprintln!("taskdeck-watch: upkeep: {e}"),
        }
    }

    /// How long until the next delivery is due, by the watcher's clock.
    fn until_next_delivery(&self) -> Duration {
        let next = self
            .store
            .lock()
            .unwrap()
            .next_delivery_at()
            .unwrap_or(None);
        match next {
            None => Duration::from_secs(60),
            Some(at) => (at - self.clock.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(Duration::from_secs(60)),
        }
    }
}

async fn server_loop(
    engine: Rc<Engine>,
    poller: ServerPoller,
    mut asks: mpsc::UnboundedReceiver<oneshot::Sender<()>>,
    timers: bool,
    wake_delivery: mpsc::UnboundedSender<()>,
) {
    let every = poller
        .server
        .interval
        .unwrap_or(engine.config.poll.interval);
    let mut next = tokio::time::Instant::now();
    loop {
        let asked = if timers {
            tokio::select! {
                _ = tokio::time::sleep_until(next) => None,
                ask = asks.recv() => match ask { Some(reply) => Some(reply), None => return },
            }
        } else {
            match asks.recv().await {
                Some(reply) => Some(reply),
                None => return,
            }
        };
        let started = tokio::time::Instant::now();
        engine.poll(&poller).await;
        next = started + every;
        let _ = wake_delivery.send(());
        if let Some(reply) = asked {
            let _ = reply.send(());
        }
    }
}

async fn delivery_loop(engine: Rc<Engine>, mut wake: mpsc::UnboundedReceiver<()>, timers: bool) {
    loop {
        if timers {
            engine.deliver_due().await;
            let wait = engine.until_next_delivery();
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                woken = wake.recv() => if woken.is_none() { return },
            }
        } else if wake.recv().await.is_none() {
            return;
        }
    }
}

async fn run(
    config: Config,
    store: Arc<Mutex<Store>>,
    options: Options,
    listener: Option<std::net::TcpListener>,
    shared: Arc<Shared>,
    mut commands: mpsc::UnboundedReceiver<Command>,
) {
    let (stop_http, http_stopped) = oneshot::channel::<()>();
    if let Some(listener) = listener {
        match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => {
                let app = serve::router(shared);
                tokio::task::spawn_local(async move {
                    let served = axum::serve(listener, app)
                        .with_graceful_shutdown(async move {
                            let _ = http_stopped.await;
                        })
                        .await;
                    if let Err(e) = served {
                        eprintln!("taskdeck-watch: HTTP: {e}");
                    }
                });
            }
            Err(e) => eprintln!("taskdeck-watch: HTTP: {e}"),
        }
    }
    let engine = Rc::new(Engine {
        transport: Gated::new(
            NativeTransport::new(config.poll.timeout, options.clock.clone()),
            config.poll.max_in_flight,
        ),
        channels_http: crate::transport::client(),
        delivering: tokio::sync::Mutex::new(()),
        on_alert: options.on_alert.clone(),
        clock: options.clock.clone(),
        store,
        config,
    });
    engine.upkeep();
    let (wake_delivery, woken) = mpsc::unbounded_channel();
    let deliveries = tokio::task::spawn_local(delivery_loop(engine.clone(), woken, options.timers));
    let mut asks = Vec::new();
    let mut loops = Vec::new();
    for server in &engine.config.servers {
        let (tx, rx) = mpsc::unbounded_channel();
        asks.push(tx);
        loops.push(tokio::task::spawn_local(server_loop(
            engine.clone(),
            ServerPoller::new(server.clone()),
            rx,
            options.timers,
            wake_delivery.clone(),
        )));
    }
    let mut upkeep_at = tokio::time::Instant::now() + UPKEEP_EVERY;
    loop {
        let command = if options.timers {
            tokio::select! {
                _ = tokio::time::sleep_until(upkeep_at) => {
                    engine.upkeep();
                    upkeep_at += UPKEEP_EVERY;
                    continue;
                }
                c = commands.recv() => c,
            }
        } else {
            commands.recv().await
        };
        match command {
            None => break,
            Some(Command::Poll(reply)) => {
                let mut waits = Vec::new();
                for ask in &asks {
                    let (tx, rx) = oneshot::channel();
                    if ask.send(tx).is_ok() {
                        waits.push(rx);
                    }
                }
                for wait in waits {
                    let _ = wait.await;
                }
                engine.deliver_due().await;
                let _ = reply.send(());
            }
            Some(Command::Deliver(reply)) => {
                engine.deliver_due().await;
                let _ = reply.send(());
            }
            Some(Command::Upkeep(reply)) => {
                engine.upkeep();
                let _ = reply.send(());
            }
        }
    }
    // Stopping: no new polls; a poll under way is abandoned (it is
    // written whole or not at all), as is a delivery (retried next start).
    drop(asks);
    drop(wake_delivery);
    for l in loops {
        l.abort();
    }
    deliveries.abort();
    let _ = stop_http.send(());
}
