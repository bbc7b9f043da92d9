//! The desktop app's own watcher: taskdeck-watch's core in this process,
//! polling every connection whose token the credential store holds (the
//! tokens handed over in memory; no config file is written), its history
//! in the app's data directory, its alerts shown as notifications for the
//! servers the user opted in. It keeps running while the window is closed
//! (the app stays in the tray). The same file keeps the app's action log.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use taskdeck_api::Secret;
use taskdeck_api::ipc::{DesktopConnection, WatchStatus};
use taskdeck_api::watcher::ActionEntry;
use taskdeck_watch::config::{Config, HandedServer};
use taskdeck_watch::store::Store;
use taskdeck_watch::watcher::DATA_FILE;
use taskdeck_watch::{Notice, Options, Watcher};

/// The config for these connections: every rule, no channel (alerts are
/// notifications), no HTTP side (the app's window asks through commands);
/// the tokens handed over in memory.
pub fn config(
    watched: &[(DesktopConnection, Secret)],
    interval: Duration,
) -> Result<Config, String> {
    let servers: Vec<HandedServer> = watched
        .iter()
        .map(|(c, token)| HandedServer {
            id: c.id.clone(),
            name: c.name.clone(),
            kind: c.kind,
            url: c.base_url.as_str().to_string(),
            token: token.clone(),
        })
        .collect();
    let settings = format!(
        "[http]\nlisten = \"\"\n[poll]\ninterval = \"{}ms\"\n",
        interval.as_millis().max(1)
    );
    Config::for_handed(&settings, &servers).map_err(|e| e.to_string())
}

pub struct AppWatch {
    data_dir: PathBuf,
    interval: Duration,
    /// The history file, for the action log and the history the window
    /// reads (the watcher writes through its own connection).
    store: Mutex<Option<Store>>,
    running: Mutex<Option<Watcher>>,
    status: Arc<Mutex<WatchStatus>>,
}

impl AppWatch {
    pub fn new(data_dir: PathBuf, interval: Duration) -> AppWatch {
        let file = data_dir.join(DATA_FILE);
        let store = std::fs::create_dir_all(&data_dir)
            .map_err(|e| e.to_string())
            .and_then(|_| Store::open(&file).map_err(|e| e.to_string()));
        let status = WatchStatus {
            data_file: file.display().to_string(),
            problem: store.as_ref().err().cloned(),
            ..WatchStatus::default()
        };
        if let Err(e) = &store {
            eprintln!(
                "taskdeck: the history {} cannot be opened: {e}",
                file.display()
            );
        }
        AppWatch {
            data_dir,
            interval,
            store: Mutex::new(store.ok()),
            running: Mutex::new(None),
            status: Arc::new(Mutex::new(status)),
        }
    }

    pub fn status(&self) -> WatchStatus {
        self.status.lock().unwrap().clone()
    }

    pub fn set_tray(&self, up: bool) {
        self.status.lock().unwrap().tray = up;
    }

    pub fn set_autostart(&self, on: bool) {
        self.status.lock().unwrap().autostart = on;
    }

    /// (Re)starts the watcher over `watched`; `tell` is given each alert.
    pub fn restart(
        &self,
        watched: Vec<(DesktopConnection, Secret)>,
        tell: Arc<dyn Fn(Notice) + Send + Sync>,
    ) {
        let mut running = self.running.lock().unwrap();
        if let Some(old) = running.take() {
            old.stop();
        }
        let ids: Vec<String> = watched.iter().map(|(c, _)| c.id.clone()).collect();
        let mut status = self.status.lock().unwrap();
        status.running = false;
        status.connections = Vec::new();
        if watched.is_empty() {
            status.problem = Some("no connection has a token yet.".into());
            return;
        }
        let counted = self.status.clone();
        let on_alert: Arc<dyn Fn(Notice) + Send + Sync> = Arc::new(move |notice: Notice| {
            if let Ok(mut s) = counted.lock() {
                s.alerts += 1;
            }
            tell(notice);
        });
        let started = config(&watched, self.interval).and_then(|config| {
            Watcher::start_with(
                config,
                &self.data_dir,
                Options {
                    on_alert: Some(on_alert),
                    ..Options::default()
                },
            )
            .map_err(|e| e.to_string())
        });
        match started {
            Ok(watcher) => {
                eprintln!(
                    "taskdeck: watching {} server(s) every {:?}; history in {}",
                    ids.len(),
                    self.interval,
                    watcher.data_file().display()
                );
                status.running = true;
                status.connections = ids;
                status.problem = None;
                *running = Some(watcher);
            }
            Err(e) => {
                eprintln!("taskdeck: the watcher did not start: {e}");
                status.problem = Some(e);
            }
        }
    }

    fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, taskdeck_watch::store::StoreError>,
    ) -> Result<T, String> {
        let mut store = self.store.lock().unwrap();
        let store = store
            .as_mut()
            .ok_or("the app's history file could not be opened")?;
        f(store).map_err(|e| format!("the app's history: {e}"))
    }

    /// Keeps an action-log entry (each id once).
    pub fn record(&self, entry: &ActionEntry) -> Result<(), String> {
        entry.check()?;
        self.with_store(|s| s.add_action(entry, "desktop", Utc::now()).map(|_| ()))
    }

    /// The action log from `from` on, newest first, as the watcher's
    /// `/api/actions` lists it.
    pub fn actions(&self, from: NaiveDate, limit: u32) -> Result<Vec<serde_json::Value>, String> {
        let from = from.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        self.with_store(|s| s.actions(from, Utc::now(), None, limit.min(20_000)))
            .map(|kept| {
                kept.iter()
                    .map(|k| serde_json::to_value(k).expect("serialisable"))
                    .collect()
            })
    }

    /// A connection's history from `from` on, as the watcher's
    /// `/api/history` answers it; `None` before its first poll.
    pub fn history(
        &self,
        connection_id: &str,
        from: NaiveDate,
    ) -> Result<Option<serde_json::Value>, String> {
        let from = from.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        self.with_store(|s| {
            let Some(server) = s.server_ref(connection_id)? else {
                return Ok(None);
            };
            if !s.polled_before(connection_id)? {
                return Ok(None);
            }
            let history = s.history(&server, from, Utc::now())?;
            Ok(Some(serde_json::to_value(&history).expect("serialisable")))
        })
    }

    pub fn stop(&self) {
        if let Some(watcher) = self.running.lock().unwrap().take() {
            watcher.stop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use taskdeck_api::{BaseUrl, ServerKind};

    fn connection(id: &str, kind: ServerKind, url: &str) -> DesktopConnection {
        DesktopConnection {
            id: id.into(),
            kind,
            name: format!("Server \"{id}\""),
            base_url: BaseUrl::parse(url).unwrap(),
            notify_failures: false,
            has_token: true,
            not_working: None,
        }
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "taskdeck-appwatch-{name}-{}-{}",
            std::process::id(),
            Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_config_watches_each_connection_with_its_own_token_and_every_rule() {
        let watched = vec![
            (
                connection("c1", ServerKind::Paperless, "https://docs.example.org/"),
                Secret::new("token-one"),
            ),
            (
                connection("c2", ServerKind::InvenTree, "https://parts.example.org/"),
                Secret::new("token-two"),
            ),
        ];
        let config = config(&watched, Duration::from_secs(10)).expect("a valid config");
        let servers: Vec<_> = config
            .servers
            .iter()
            .map(|s| {
                (
                    s.id.as_str(),
                    s.name.as_str(),
                    s.kind,
                    s.url.as_str(),
                    s.token.expose(),
                )
            })
            .collect();
        assert_eq!(
            servers,
            [
                (
                    "c1",
                    "Server \"c1\"",
                    ServerKind::Paperless,
                    "https://docs.example.org",
                    "token-one"
                ),
                (
                    "c2",
                    "Server \"c2\"",
                    ServerKind::InvenTree,
                    "https://parts.example.org",
                    "token-two"
                ),
            ]
        );
        assert_eq!(config.http.listen, None, "the app's watcher serves no HTTP");
        assert!(config.channels.is_empty(), "its alerts are notifications");
        let mut kinds: Vec<&str> = config.rules.iter().map(|r| r.kind.as_str()).collect();
        kinds.sort();
        assert_eq!(
            kinds,
            [
                "failure_rate",
                "health_error",
                "new_failure_group",
                "stall",
                "unreachable",
                "worker_stopped"
            ]
        );
    }

    #[test]
    fn the_action_log_is_kept_in_the_apps_history_file_once_per_entry() {
        let dir = scratch("log");
        let watch = AppWatch::new(dir.clone(), Duration::from_secs(60));
        assert!(watch.status().problem.is_none());
        assert!(watch.status().data_file.ends_with(DATA_FILE));
        let entry: ActionEntry = serde_json::from_value(serde_json::json!({
            "version": 2, "id": "e-1", "at": Utc::now().to_rfc3339(), "who": "alice",
            "installation": "desktop-1",
            "server": {"kind": "paperless", "url": "https://docs.example.org/", "name": "Docs"},
            "action": "acknowledge", "target": "tasks", "count": 2,
            "outcomes": {"done": 1, "refused": 1}, "report": "Acknowledged 1 of 2 tasks",
            "ids": ["17", "18"]
        }))
        .unwrap();
        watch.record(&entry).unwrap();
        watch.record(&entry).unwrap();
        let mut bad = entry.clone();
        bad.id = "e-2".into();
        bad.outcomes.insert("lost".into(), 1);
        assert!(watch.record(&bad).is_err(), "an entry that does not check");
        let today = Utc::now().date_naive();
        let kept = taskdeck_api::watcher::read_kept(watch.actions(today, 100).unwrap());
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert_eq!(kept[0].entry, entry);
        assert_eq!(kept[0].origin, "desktop");
        // Reopened (the app restarted), the file still has it.
        drop(watch);
        let again = AppWatch::new(dir.clone(), Duration::from_secs(60));
        assert_eq!(again.actions(today, 100).unwrap().len(), 1);
        assert_eq!(again.history("c1", today).unwrap(), None, "never polled");
        again.restart(Vec::new(), Arc::new(|_| {}));
        let status = again.status();
        assert!(!status.running);
        assert_eq!(
            status.problem.as_deref(),
            Some("no connection has a token yet.")
        );
        drop(again);
        let _ = std::fs::remove_dir_all(dir);
    }
}
