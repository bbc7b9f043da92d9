//! Where this console's memory lives beyond the page: a watcher it is
//! connected to (in a browser, the setting under Connections), or, in the
//! desktop app, the watcher the app runs itself. Trends read a server's
//! history from it; the action log is posted to it. App-level state: work
//! that outlives a screen may use it.

use chrono::NaiveDate;
use leptos::prelude::*;

use crate::api::ipc::{self, WatchHistoryArgs, WatchStatus};
use crate::api::watcher::{ActionEntry, History, WatcherClient};
use crate::state::connections::{Connection, Storage};
use crate::state::watcher_link::WatcherLink;
use crate::web;

fn with_storage<R>(f: impl FnOnce(&Storage) -> R) -> R {
    let (local, session) = (web::local_store(), web::session_store());
    f(&Storage {
        persistent: &local,
        session: &session,
    })
}

/// Where a history was read.
#[derive(Clone, Debug, PartialEq)]
pub enum HistoryFrom {
    /// A watcher at this address.
    Watcher(String),
    /// The desktop app's own watcher.
    Desktop,
}

#[derive(Clone, Copy)]
pub struct Watching {
    /// The connected watcher, as saved (browser).
    pub link: RwSignal<Option<WatcherLink>>,
    /// The desktop app's own watcher, as it last said.
    pub desktop: RwSignal<Option<WatchStatus>>,
    /// The name this console's user goes by in the action log.
    pub who: RwSignal<String>,
    /// This installation, in the action log.
    pub installation: StoredValue<String>,
}

impl Watching {
    pub fn load() -> Watching {
        let desktop = crate::ipc::in_desktop_app();
        let prefix = if desktop { "desktop" } else { "browser" };
        let this = Watching {
            link: RwSignal::new(if desktop {
                None
            } else {
                with_storage(|s| s.load_watcher())
            }),
            desktop: RwSignal::new(None),
            who: RwSignal::new(with_storage(|s| s.who())),
            installation: StoredValue::new(with_storage(|s| {
                s.installation(|| format!("{prefix}-{:012x}", web::random_bits()))
            })),
        };
        if desktop {
            this.refresh_desktop();
        }
        this
    }

    /// Asks the desktop app how its watcher is.
    pub fn refresh_desktop(&self) {
        let status = self.desktop;
        leptos::task::spawn_local(async move {
            match crate::ipc::desktop::<_, WatchStatus>(ipc::WATCH_STATUS, &()).await {
                Ok(s) => {
                    status.try_set(Some(s));
                }
                Err(e) => leptos::logging::warn!("the app's watcher: {e}"),
            }
        });
    }

    /// Whether the desktop app's watcher runs (it then notifies of what
    /// its rules find, instead of the page's own poll).
    pub fn desktop_watching(&self) -> bool {
        self.desktop
            .with_untracked(|s| s.as_ref().is_some_and(|s| s.running))
    }

    pub fn save_link(&self, link: Option<WatcherLink>) {
        with_storage(|s| s.save_watcher(link.as_ref()));
        self.link.set(link);
    }

    pub fn set_who(&self, who: &str) {
        with_storage(|s| s.set_who(who));
        self.who.set(with_storage(|s| s.who()));
    }

    /// The connected watcher's client (browser only).
    pub fn client(&self) -> Option<WatcherClient> {
        self.link.with_untracked(|l| {
            l.as_ref()
                .map(|l| WatcherClient::new(l.url.clone(), l.token.clone()))
        })
    }

    /// `connection`'s history from `from` on: from the desktop app's
    /// watcher, or from the connected watcher when it watches this server
    /// (found by kind and address). `Ok(None)`: no watcher knows it.
    pub async fn history(
        &self,
        connection: &Connection,
        from: NaiveDate,
    ) -> Result<Option<(History, HistoryFrom)>, String> {
        if crate::ipc::in_desktop_app() {
            let args = WatchHistoryArgs {
                connection_id: connection.id.clone(),
                from,
            };
            let history: Option<History> = crate::ipc::desktop(ipc::WATCH_HISTORY, &args).await?;
            return Ok(history.map(|h| (h, HistoryFrom::Desktop)));
        }
        let Some(client) = self.client() else {
            return Ok(None);
        };
        let transport = crate::transport::current();
        let health = client
            .health_call()
            .send(transport)
            .await
            .map_err(|e| e.to_string())?;
        let Some(server) = health
            .servers
            .iter()
            .find(|s| s.is(connection.kind, &connection.base_url))
        else {
            return Ok(None);
        };
        let history = client
            .history_call(&server.id, from)
            .send(transport)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Some((
            history,
            HistoryFrom::Watcher(client.base().to_string()),
        )))
    }

    /// Posts entries to the connected watcher, if there is one.
    pub async fn post(&self, entries: &[ActionEntry]) -> Result<(), String> {
        let Some(client) = self.client() else {
            return Ok(());
        };
        for chunk in entries.chunks(crate::api::watcher::MAX_POST) {
            client
                .post_actions_call(chunk)
                .send(crate::transport::current())
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}
