//! Saved servers. Settings go to persistent storage; a token goes to the
//! session store unless the user ticked "remember", and never into a URL or a
//! log (it is a [`Secret`]).

use serde::{Deserialize, Serialize};

use crate::api::{BaseUrl, Secret};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServerKind {
    Paperless,
    InvenTree,
}

impl ServerKind {
    pub fn label(self) -> &'static str {
        match self {
            ServerKind::Paperless => "Paperless-ngx",
            ServerKind::InvenTree => "InvenTree",
        }
    }

    /// The server setting that must list this page's origin for a browser
    /// to be allowed to call it.
    pub fn cors_setting(self) -> &'static str {
        match self {
            ServerKind::Paperless => "PAPERLESS_CORS_ALLOWED_HOSTS",
            ServerKind::InvenTree => "INVENTREE_CORS_ORIGIN_WHITELIST",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Connection {
    pub id: String,
    pub kind: ServerKind,
    pub name: String,
    pub base_url: BaseUrl,
    pub token: Option<Secret>,
    pub remember: bool,
    /// Desktop only: a native notification when a new failed task appears.
    pub notify_failures: bool,
    /// Desktop only: the token is in the OS credential store, held by the
    /// app's Rust side, which adds it to requests.
    pub desktop_token: bool,
}

impl Connection {
    pub fn has_token(&self) -> bool {
        self.token.is_some() || self.desktop_token
    }
}

/// What is written to persistent storage: everything but the token.
#[derive(Serialize, Deserialize)]
struct Saved {
    id: String,
    kind: ServerKind,
    name: String,
    base_url: BaseUrl,
    #[serde(default)]
    remember: bool,
    #[serde(default)]
    notify_failures: bool,
}

/// A connection as the desktop app stores it (its config file) and reports
/// it to the UI: settings, and whether the OS credential store has a token.
/// The token itself never goes back to the webview.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DesktopConnection {
    pub id: String,
    pub kind: ServerKind,
    pub name: String,
    pub base_url: BaseUrl,
    #[serde(default)]
    pub notify_failures: bool,
    #[serde(default)]
    pub has_token: bool,
}

/// One entry of the demo backend's `/demo-connections.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OfferedConnection {
    pub kind: ServerKind,
    pub name: String,
    pub base_url: String,
    pub token: String,
}

/// Key-value storage: `localStorage`/`sessionStorage` in the browser, a map in tests.
pub trait KeyValueStore {
    fn get(&self, key: &str) -> Option<String>;
    fn set(&self, key: &str, value: &str);
    fn remove(&self, key: &str);
}

const LIST_KEY: &str = "taskdeck.connections";
const OFFER_SEEN_KEY: &str = "taskdeck.demo-offer-seen";

fn token_key(id: &str) -> String {
    format!("taskdeck.token.{id}")
}

/// Persistent and per-session storage side by side.
pub struct Storage<'a> {
    pub persistent: &'a dyn KeyValueStore,
    pub session: &'a dyn KeyValueStore,
}

impl Storage<'_> {
    pub fn load(&self) -> Vec<Connection> {
        let saved: Vec<Saved> = self
            .persistent
            .get(LIST_KEY)
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default();
        saved
            .into_iter()
            .map(|s| {
                let key = token_key(&s.id);
                let token = self
                    .session
                    .get(&key)
                    .or_else(|| self.persistent.get(&key))
                    .map(Secret::new)
                    .filter(|t| !t.is_empty());
                Connection {
                    id: s.id,
                    kind: s.kind,
                    name: s.name,
                    base_url: s.base_url,
                    token,
                    remember: s.remember,
                    notify_failures: s.notify_failures,
                    desktop_token: false,
                }
            })
            .collect()
    }

    pub fn save(&self, connections: &[Connection]) {
        let saved: Vec<Saved> = connections
            .iter()
            .map(|c| Saved {
                id: c.id.clone(),
                kind: c.kind,
                name: c.name.clone(),
                base_url: c.base_url.clone(),
                remember: c.remember,
                notify_failures: c.notify_failures,
            })
            .collect();
        self.persistent.set(
            LIST_KEY,
            &serde_json::to_string(&saved).expect("serialisable"),
        );
        for c in connections {
            let key = token_key(&c.id);
            let (keep, drop) = if c.remember {
                (self.persistent, self.session)
            } else {
                (self.session, self.persistent)
            };
            drop.remove(&key);
            match &c.token {
                Some(token) => keep.set(&key, token.expose()),
                None => keep.remove(&key),
            }
        }
    }

    pub fn forget_token(&self, id: &str) {
        let key = token_key(id);
        self.session.remove(&key);
        self.persistent.remove(&key);
    }

    /// Merges the demo backend's connections: added once, on the very first
    /// start; afterwards only missing tokens of the demo servers are filled in
    /// again (they live in session storage, so a new session lacks them).
    pub fn merge_offer(&self, current: &mut Vec<Connection>, offer: &[OfferedConnection]) -> bool {
        let first_time = self.persistent.get(OFFER_SEEN_KEY).is_none();
        let mut changed = false;
        for o in offer {
            let Ok(base_url) = BaseUrl::parse(&o.base_url) else {
                continue;
            };
            match current
                .iter_mut()
                .find(|c| c.kind == o.kind && c.base_url == base_url)
            {
                Some(existing) if existing.token.is_none() => {
                    existing.token = Some(Secret::new(o.token.clone()));
                    changed = true;
                }
                Some(_) => {}
                None if first_time => {
                    current.push(Connection {
                        id: next_id(current),
                        kind: o.kind,
                        name: o.name.clone(),
                        base_url,
                        token: Some(Secret::new(o.token.clone())),
                        remember: false,
                        notify_failures: false,
                        desktop_token: false,
                    });
                    changed = true;
                }
                None => {}
            }
        }
        if first_time {
            self.persistent.set(OFFER_SEEN_KEY, "1");
        }
        changed
    }
}

/// Short, stable ids for URLs (`/paperless/c3`), never reused while in the list.
pub fn next_id(existing: &[Connection]) -> String {
    let highest = existing
        .iter()
        .filter_map(|c| c.id.strip_prefix('c')?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    format!("c{}", highest + 1)
}

/// Checks the form before anything is sent.
pub fn validate(name: &str, base_url: &str) -> Result<(String, BaseUrl), String> {
    let url = BaseUrl::parse(base_url)?;
    let name = name.trim();
    let name = if name.is_empty() {
        url.as_str()
            .split("://")
            .nth(1)
            .unwrap_or(url.as_str())
            .to_string()
    } else {
        name.to_string()
    };
    Ok((name, url))
}

#[cfg(test)]
pub mod memory {
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    use super::KeyValueStore;

    #[derive(Default)]
    pub struct MemoryStore(pub RefCell<BTreeMap<String, String>>);

    impl KeyValueStore for MemoryStore {
        fn get(&self, key: &str) -> Option<String> {
            self.0.borrow().get(key).cloned()
        }
        fn set(&self, key: &str, value: &str) {
            self.0.borrow_mut().insert(key.into(), value.into());
        }
        fn remove(&self, key: &str) {
            self.0.borrow_mut().remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::memory::MemoryStore;
    use super::*;

    fn conn(id: &str, remember: bool) -> Connection {
        Connection {
            id: id.into(),
            kind: ServerKind::Paperless,
            name: "Office".into(),
            base_url: BaseUrl::parse("https://paperless.example.org/").unwrap(),
            token: Some(Secret::new("s3cret-token")),
            remember,
            notify_failures: false,
            desktop_token: false,
        }
    }

    #[test]
    fn tokens_go_to_the_session_unless_remembered() {
        let (local, session) = (MemoryStore::default(), MemoryStore::default());
        let storage = Storage {
            persistent: &local,
            session: &session,
        };
        storage.save(&[conn("c1", false), conn("c2", true)]);
        let list = local.get(LIST_KEY).unwrap();
        assert!(
            !list.contains("s3cret"),
            "settings must not contain tokens: {list}"
        );
        assert_eq!(
            session.get("taskdeck.token.c1").as_deref(),
            Some("s3cret-token")
        );
        assert_eq!(local.get("taskdeck.token.c1"), None);
        assert_eq!(
            local.get("taskdeck.token.c2").as_deref(),
            Some("s3cret-token")
        );
        assert_eq!(session.get("taskdeck.token.c2"), None);
        assert_eq!(storage.load(), vec![conn("c1", false), conn("c2", true)]);

        // Unticking "remember" moves the token out of persistent storage.
        storage.save(&[conn("c1", false), conn("c2", false)]);
        assert_eq!(local.get("taskdeck.token.c2"), None);

        // A new browser session: settings stay, the unremembered token is gone.
        let fresh_session = MemoryStore::default();
        let later = Storage {
            persistent: &local,
            session: &fresh_session,
        };
        let loaded = later.load();
        assert_eq!(loaded.len(), 2);
        assert!(loaded.iter().all(|c| c.token.is_none()));
    }

    #[test]
    fn demo_offer_is_added_once_and_only_refills_tokens_later() {
        let (local, session) = (MemoryStore::default(), MemoryStore::default());
        let storage = Storage {
            persistent: &local,
            session: &session,
        };
        let offer = vec![OfferedConnection {
            kind: ServerKind::InvenTree,
            name: "Demo".into(),
            base_url: "http://127.0.0.1:8020".into(),
            token: "inv-abc".into(),
        }];
        let mut list = vec![];
        assert!(storage.merge_offer(&mut list, &offer));
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].id, "c1");
        assert!(!list[0].remember);

        // Removed by the user: not added back.
        let mut emptied = vec![];
        assert!(!storage.merge_offer(&mut emptied, &offer));
        assert!(emptied.is_empty());

        // Kept but the token expired with the session: refilled.
        list[0].token = None;
        assert!(storage.merge_offer(&mut list, &offer));
        assert_eq!(list[0].token.as_ref().map(Secret::expose), Some("inv-abc"));
    }

    #[test]
    fn ids_and_validation() {
        assert_eq!(next_id(&[]), "c1");
        assert_eq!(next_id(&[conn("c4", false), conn("c2", false)]), "c5");
        let (name, url) = validate("  ", "http://inventree.local:8000/").unwrap();
        assert_eq!(name, "inventree.local:8000");
        assert_eq!(url.as_str(), "http://inventree.local:8000");
        assert!(validate("x", "inventree.local").is_err());
    }
}
