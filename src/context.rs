//! App-wide state shared through Leptos context: saved connections, display
//! settings and a clock for relative times.

use std::collections::HashMap;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::api::inventree::InvenTreeClient;
use crate::api::ipc::{
    self, DesktopConnection, DesktopState, IdArgs, SaveConnectionArgs, TokenStore,
};
use crate::api::paperless::{PaperlessClient, Settled};
use crate::api::site::{SITE_CONFIG_FILE, SiteDefaults, SiteRefresh, SiteZone};
use crate::reactive::effect;
use crate::state::connections::{Connection, KeyValueStore, Storage, apply_edit, random_id};
use crate::state::refresh::{RefreshInterval, RequestTimeout};
use crate::state::site::{SiteState, read_site_config};
use crate::state::time::Zone;
use crate::web;

/// Where the API version a connection settled on is kept: per connection
/// and address, so a changed address negotiates afresh.
fn settled_key(connection: &Connection) -> String {
    format!("taskdeck.api.{}.{}", connection.id, connection.base_url)
}

#[derive(Clone, Copy)]
pub struct Connections {
    pub list: RwSignal<Vec<Connection>>,
    /// False until saved connections and the offered servers have been read.
    pub ready: RwSignal<bool>,
    /// What the installation's `taskdeck.json` said (browser only).
    pub site: RwSignal<SiteState>,
    /// Its defaults, once read.
    pub site_defaults: RwSignal<Option<SiteDefaults>>,
    /// 2.x servers' whole task lists, shared between screens.
    pub full_lists: crate::store::full_lists::FullLists,
    /// Each Paperless server's `/api/status/`, shared for a minute.
    pub status_reads: crate::store::status::StatusReads,
    /// Desktop app: where its Rust side keeps tokens (found by probing).
    pub token_store: RwSignal<Option<TokenStore>>,
    /// One Paperless client per connection, shared by every screen, so the
    /// API version it negotiated lives in one place: the client.
    paperless_clients: StoredValue<Vec<(Connection, Rc<PaperlessClient>)>, LocalStorage>,
}

fn with_storage<R>(f: impl FnOnce(&Storage) -> R) -> R {
    let (local, session) = (web::local_store(), web::session_store());
    f(&Storage {
        persistent: &local,
        session: &session,
    })
}

fn from_desktop(c: DesktopConnection) -> Connection {
    Connection {
        id: c.id,
        kind: c.kind,
        name: c.name,
        base_url: c.base_url,
        token: None,
        remember: true,
        notify_failures: c.notify_failures,
        desktop_token: c.has_token,
        not_working: c.not_working,
    }
}

fn to_desktop(c: &Connection) -> DesktopConnection {
    DesktopConnection {
        id: c.id.clone(),
        kind: c.kind,
        name: c.name.clone(),
        base_url: c.base_url.clone(),
        notify_failures: c.notify_failures,
        has_token: c.has_token(),
        not_working: c.not_working.clone(),
    }
}

impl Connections {
    /// In a browser: local/session storage, plus the servers the
    /// installation offers (`taskdeck.json`, and the demo backend's list).
    /// In the desktop app: the app's config file and credential store.
    pub fn load() -> Connections {
        let desktop = crate::ipc::in_desktop_app();
        let list = if desktop {
            vec![]
        } else {
            with_storage(|s| s.load())
        };
        let this = Connections {
            list: RwSignal::new(list),
            ready: RwSignal::new(false),
            site: RwSignal::new(SiteState::Unknown),
            site_defaults: RwSignal::new(None),
            full_lists: Default::default(),
            status_reads: Default::default(),
            token_store: RwSignal::new(None),
            paperless_clients: StoredValue::new_local(Vec::new()),
        };
        leptos::task::spawn_local(async move {
            if desktop {
                match crate::ipc::desktop::<_, DesktopState>(ipc::LOAD_CONNECTIONS, &()).await {
                    Ok(state) => {
                        this.token_store.set(Some(state.token_store));
                        this.list
                            .set(state.connections.into_iter().map(from_desktop).collect());
                    }
                    Err(e) => leptos::logging::error!("connections could not be loaded: {e}"),
                }
            } else {
                // Another tab changed the list: this one shows it too.
                web::on_storage_change(crate::state::connections::LIST_KEY, move || {
                    this.list.try_set(with_storage(|s| s.load()));
                });
                let fetched = web::fetch_site_file(SITE_CONFIG_FILE).await;
                let (state, config) = read_site_config(fetched, &web::origin());
                if let SiteState::Unusable(why) = &state {
                    leptos::logging::warn!("{why}");
                }
                this.site.set(state);
                let mut offer = web::fetch_offer().await;
                if let Some(config) = config {
                    this.site_defaults.set(Some(config.defaults));
                    offer.extend(config.servers);
                }
                if !offer.is_empty() {
                    let mut list = this.list.get_untracked();
                    if with_storage(|s| s.merge_offer(&mut list, &offer, new_id)) {
                        with_storage(|s| s.save(&list));
                        this.list.set(list);
                    }
                }
            }
            this.ready.set(true);
        });
        this
    }

    /// Adds a connection (an empty `id` means new) or applies an edit, and
    /// returns it as saved. A new token is saved together with it: in a
    /// browser to session/local storage, in the desktop app to the OS
    /// credential store, verified, and out of the webview. Nothing is saved
    /// when the token cannot be; an edited address drops the saved token.
    pub async fn upsert(&self, mut connection: Connection) -> Result<Connection, String> {
        let existing = self.find_untracked(&connection.id);
        if let Some(existing) = &existing {
            connection = apply_edit(existing, connection);
        } else if connection.id.is_empty() {
            connection.id = if crate::ipc::in_desktop_app() {
                String::new()
            } else {
                new_id()
            };
        }
        let saved = if crate::ipc::in_desktop_app() {
            let args = SaveConnectionArgs {
                connection: to_desktop(&connection),
                token: connection.token.take().map(|t| t.expose().to_string()),
            };
            from_desktop(crate::ipc::desktop(ipc::SAVE_CONNECTION, &args).await?)
        } else {
            connection
        };
        let list = if crate::ipc::in_desktop_app() {
            let mut list = self.list.get_untracked();
            match list.iter_mut().find(|c| c.id == saved.id) {
                Some(slot) => *slot = saved.clone(),
                None => list.push(saved.clone()),
            }
            list
        } else {
            // Into the list as stored now: another tab may have added one.
            with_storage(|s| {
                s.save_one(&saved);
                s.load()
            })
        };
        self.list.set(list);
        Ok(saved)
    }

    pub async fn remove(&self, id: &str) -> Result<(), String> {
        if crate::ipc::in_desktop_app() {
            let args = IdArgs { id: id.to_string() };
            crate::ipc::desktop::<_, ()>(ipc::FORGET_CONNECTION, &args).await?;
            let list: Vec<Connection> = self
                .list
                .get_untracked()
                .into_iter()
                .filter(|c| c.id != id)
                .collect();
            self.list.set(list);
        } else {
            let list = with_storage(|s| {
                s.remove_one(id);
                s.load()
            });
            self.list.set(list);
        }
        Ok(())
    }

    pub fn find_untracked(&self, id: &str) -> Option<Connection> {
        self.list
            .with_untracked(|l| l.iter().find(|c| c.id == id).cloned())
    }

    /// Tracked: re-runs readers when the list changes.
    pub fn find(&self, id: &str) -> Option<Connection> {
        self.list.with(|l| l.iter().find(|c| c.id == id).cloned())
    }

    /// The connection's client. An edited connection (another address or
    /// token) gets a new one, which negotiates the API version again.
    /// The connections that have a token (the others cannot be read).
    pub fn with_token(&self) -> Vec<Connection> {
        self.list
            .get_untracked()
            .into_iter()
            .filter(Connection::has_token)
            .collect()
    }

    pub fn paperless(&self, connection: &Connection) -> Rc<PaperlessClient> {
        let known = self.paperless_clients.with_value(|clients| {
            clients
                .iter()
                .find(|(c, _)| c == connection)
                .map(|(_, client)| client.clone())
        });
        known.unwrap_or_else(|| {
            let client =
                PaperlessClient::new(connection.base_url.clone(), connection.token.clone())
                    .for_connection(&connection.id);
            // Where it settled last time, for this very address.
            let key = settled_key(connection);
            let remembered = web::local_store()
                .get(&key)
                .and_then(|json| serde_json::from_str::<Settled>(&json).ok());
            let client = Rc::new(match remembered {
                Some(settled) => client.resume(settled),
                None => client,
            });
            client.on_settled(move |settled| {
                if let Ok(json) = serde_json::to_string(&settled) {
                    web::local_store().set(&key, &json);
                }
            });
            self.paperless_clients.update_value(|clients| {
                clients.retain(|(c, _)| c.id != connection.id);
                clients.push((connection.clone(), client.clone()));
            });
            client
        })
    }

    pub fn inventree(&self, connection: &Connection) -> InvenTreeClient {
        InvenTreeClient::new(connection.base_url.clone(), connection.token.clone())
            .for_connection(&connection.id)
    }
}

fn new_id() -> String {
    random_id(web::random_bits())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl Theme {
    fn param(self) -> Option<&'static str> {
        match self {
            Theme::System => None,
            Theme::Light => Some("light"),
            Theme::Dark => Some("dark"),
        }
    }
}

#[derive(Clone, Copy)]
pub struct Settings {
    pub zone: RwSignal<Zone>,
    pub theme: RwSignal<Theme>,
    pub refresh: RwSignal<RefreshInterval>,
    /// How long to wait for a server, in the browser and the desktop app.
    pub timeout: RwSignal<RequestTimeout>,
    /// The installation's defaults, which stand until the user chooses.
    defaults: RwSignal<(Zone, RefreshInterval)>,
}

const ZONE_KEY: &str = "taskdeck.zone";
const THEME_KEY: &str = "taskdeck.theme";
const REFRESH_KEY: &str = "taskdeck.refresh";
const TIMEOUT_KEY: &str = "taskdeck.timeout";

impl Settings {
    pub fn load() -> Settings {
        use crate::state::connections::KeyValueStore;
        let store = web::local_store();
        let zone = match store.get(ZONE_KEY).as_deref() {
            Some("utc") => Zone::Utc,
            _ => Zone::Local,
        };
        let theme = match store.get(THEME_KEY).as_deref() {
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            _ => Theme::System,
        };
        let refresh = store
            .get(REFRESH_KEY)
            .map(|v| RefreshInterval::from_param(&v))
            .unwrap_or_default();
        let timeout = store
            .get(TIMEOUT_KEY)
            .map(|v| RequestTimeout::from_seconds(&v))
            .unwrap_or_default();
        let settings = Settings {
            zone: RwSignal::new(zone),
            theme: RwSignal::new(theme),
            refresh: RwSignal::new(refresh),
            timeout: RwSignal::new(timeout),
            defaults: RwSignal::new((Zone::Local, RefreshInterval::default())),
        };
        effect(move || {
            let store = web::local_store();
            let zone = settings.zone.get();
            let refresh = settings.refresh.get();
            let (default_zone, default_refresh) = settings.defaults.get();
            // A value is the user's choice once it differs from the
            // installation's default; until then the default may change.
            if zone != default_zone || store.get(ZONE_KEY).is_some() {
                store.set(ZONE_KEY, if zone == Zone::Utc { "utc" } else { "local" });
            }
            if refresh != default_refresh || store.get(REFRESH_KEY).is_some() {
                store.set(REFRESH_KEY, refresh.param());
            }
            let theme = settings.theme.get();
            match theme.param() {
                Some(t) => store.set(THEME_KEY, t),
                None => store.remove(THEME_KEY),
            }
            web::apply_theme(theme.param());
            let timeout = settings.timeout.get().seconds();
            crate::transport::set_request_timeout_secs(timeout);
            store.set(TIMEOUT_KEY, &timeout.to_string());
        });
        settings
    }

    /// Takes the installation's defaults (`taskdeck.json`) for what this
    /// browser has not chosen itself.
    pub fn adopt(&self, site: &SiteDefaults) {
        let store = web::local_store();
        let zone = match site.time_zone {
            Some(SiteZone::Utc) => Zone::Utc,
            Some(SiteZone::Local) | None => Zone::Local,
        };
        let refresh = match site.refresh {
            Some(SiteRefresh::Off) => RefreshInterval::Off,
            Some(SiteRefresh::Seconds(s)) => RefreshInterval::from_param(&s.to_string()),
            None => RefreshInterval::default(),
        };
        self.defaults.set((zone, refresh));
        if store.get(ZONE_KEY).is_none() {
            self.zone.set(zone);
        }
        if store.get(REFRESH_KEY).is_none() {
            self.refresh.set(refresh);
        }
    }

    /// The theme actually shown, for the toggle's label.
    pub fn effective_dark(&self) -> bool {
        match self.theme.get() {
            Theme::Dark => true,
            Theme::Light => false,
            Theme::System => web::system_prefers_dark(),
        }
    }
}

/// What changed on a server because of something this console did (an
/// action, a finished run): screens showing that server's lists read them
/// again. App-level, so work that outlives its screen can say so.
#[derive(Clone, Copy)]
pub struct Changed(RwSignal<HashMap<String, u64>>);

impl Changed {
    pub fn new() -> Changed {
        Changed(RwSignal::new(HashMap::new()))
    }

    pub fn bump(&self, connection: &str) {
        self.0.try_update(|versions| {
            *versions.entry(connection.to_string()).or_default() += 1;
        });
    }

    /// How often `connection` changed (tracked); `None`: any connection.
    pub fn version(&self, connection: Option<&str>) -> u64 {
        self.0.track();
        self.version_untracked(connection)
    }

    pub fn version_untracked(&self, connection: Option<&str>) -> u64 {
        self.0.with_untracked(|versions| match connection {
            Some(c) => versions.get(c).copied().unwrap_or(0),
            None => versions.values().sum(),
        })
    }
}

/// Calls `load` whenever something this console did changed `connection`
/// (`None`: any server): a run that ended, an action. Lives as long as
/// the screen that calls it.
pub fn reload_on_change(connection: Option<String>, load: impl Fn() + 'static) {
    let changed = expect_context::<Changed>();
    let seen = StoredValue::new(changed.version_untracked(connection.as_deref()));
    effect(move || {
        let now = changed.version(connection.as_deref());
        if now != seen.get_value() {
            seen.set_value(now);
            load();
        }
    });
}

impl Default for Changed {
    fn default() -> Self {
        Self::new()
    }
}

/// "Now", ticking every 20 s so "4 min ago" stays true without re-rendering
/// tables on every second.
#[derive(Clone, Copy)]
pub struct Clock(pub RwSignal<DateTime<Utc>>);

impl Clock {
    pub fn start() -> Clock {
        let now = RwSignal::new(web::now());
        if let Ok(handle) = set_interval_with_handle(
            move || {
                now.try_set(web::now());
            },
            std::time::Duration::from_secs(20),
        ) {
            on_cleanup(move || handle.clear());
        }
        Clock(now)
    }
}
