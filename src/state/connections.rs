//! Saved servers. Settings go to persistent storage; a token goes to the
//! session store unless the user ticked "remember", and never into a URL or a
//! log (it is a [`Secret`]). A token is stored together with the address it
//! was saved for and is only ever used for that address.

use serde::{Deserialize, Serialize};

use crate::api::server::BoundToken;
use crate::api::{BaseUrl, Secret};

pub use crate::api::ServerKind;
pub use crate::api::server::OfferedConnection;

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
    /// Saved although its test failed (the user chose to): why, until a
    /// test passes. The list and the navigation mark it.
    pub not_working: Option<String>,
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
    #[serde(default)]
    not_working: Option<String>,
}

impl Saved {
    fn of(c: &Connection) -> Saved {
        Saved {
            id: c.id.clone(),
            kind: c.kind,
            name: c.name.clone(),
            base_url: c.base_url.clone(),
            remember: c.remember,
            notify_failures: c.notify_failures,
            not_working: c.not_working.clone(),
        }
    }
}

/// Key-value storage: `localStorage`/`sessionStorage` in the browser, a map in tests.
pub trait KeyValueStore {
    fn get(&self, key: &str) -> Option<String>;
    fn set(&self, key: &str, value: &str);
    fn remove(&self, key: &str);
}

/// Where the list is kept (other tabs write it too: see [`Storage::save_one`]).
pub const LIST_KEY: &str = "taskdeck.connections";
/// The offered servers this browser has seen (added or not), one by one.
const OFFERED_KEY: &str = "taskdeck.offered";
/// The older record: the whole offer was taken once.
const OLD_OFFER_SEEN_KEY: &str = "taskdeck.demo-offer-seen";

fn token_key(id: &str) -> String {
    format!("taskdeck.token.{id}")
}

/// The token stored for `id`, if it was saved for `base_url`.
fn read_token(store: &dyn KeyValueStore, id: &str, base_url: &BaseUrl) -> Option<Secret> {
    BoundToken::read(&store.get(&token_key(id))?, base_url)
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
                let token = read_token(self.session, &s.id, &s.base_url)
                    .or_else(|| read_token(self.persistent, &s.id, &s.base_url));
                Connection {
                    id: s.id,
                    kind: s.kind,
                    name: s.name,
                    base_url: s.base_url,
                    token,
                    remember: s.remember,
                    notify_failures: s.notify_failures,
                    desktop_token: false,
                    not_working: s.not_working,
                }
            })
            .collect()
    }

    pub fn save(&self, connections: &[Connection]) {
        let saved: Vec<Saved> = connections.iter().map(Saved::of).collect();
        self.write_list(&saved);
        for c in connections {
            self.save_token(c);
        }
    }

    /// The list as stored now: another tab may have changed it since this
    /// one read it.
    fn stored(&self) -> Vec<Saved> {
        self.persistent
            .get(LIST_KEY)
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default()
    }

    fn write_list(&self, saved: &[Saved]) {
        self.persistent.set(
            LIST_KEY,
            &serde_json::to_string(saved).expect("serialisable"),
        );
    }

    fn save_token(&self, c: &Connection) {
        let key = token_key(&c.id);
        let (keep, drop) = if c.remember {
            (self.persistent, self.session)
        } else {
            (self.session, self.persistent)
        };
        drop.remove(&key);
        match &c.token {
            Some(token) => keep.set(&key, &BoundToken::encode(&c.base_url, token.expose())),
            None => keep.remove(&key),
        }
    }

    /// Saves one connection into the list as stored now, leaving the others
    /// as they are: one added in another tab meanwhile is kept.
    pub fn save_one(&self, connection: &Connection) {
        let mut saved = self.stored();
        match saved.iter_mut().find(|s| s.id == connection.id) {
            Some(slot) => *slot = Saved::of(connection),
            None => saved.push(Saved::of(connection)),
        }
        self.write_list(&saved);
        self.save_token(connection);
    }

    /// Removes one connection from the list as stored now.
    pub fn remove_one(&self, id: &str) {
        let mut saved = self.stored();
        saved.retain(|s| s.id != id);
        self.write_list(&saved);
        self.forget_token(id);
    }

    pub fn forget_token(&self, id: &str) {
        let key = token_key(id);
        self.session.remove(&key);
        self.persistent.remove(&key);
    }

    /// Merges the servers an installation offers (its `taskdeck.json`, the
    /// demo's list): each is added the first time this browser sees it, so
    /// a server the admin adds later appears, and one the user removed
    /// stays removed. A kept server whose token expired with the session is
    /// given the offered one again, where the offer has one (the demo's).
    pub fn merge_offer(
        &self,
        current: &mut Vec<Connection>,
        offer: &[OfferedConnection],
        mut new_id: impl FnMut() -> String,
    ) -> bool {
        let mut seen: Vec<String> = match self.persistent.get(OFFERED_KEY) {
            Some(stored) => serde_json::from_str(&stored).unwrap_or_default(),
            // Before servers were remembered one by one, the whole offer
            // was taken on the first start: it has all been seen.
            None if self.persistent.get(OLD_OFFER_SEEN_KEY).is_some() => {
                offer.iter().map(offer_key).collect()
            }
            None => vec![],
        };
        let mut changed = false;
        for o in offer {
            let Ok(base_url) = BaseUrl::parse(&o.base_url) else {
                continue;
            };
            let key = offer_key(o);
            let first_time = !seen.contains(&key);
            if first_time {
                seen.push(key);
            }
            match current
                .iter_mut()
                .find(|c| c.kind == o.kind && c.base_url == base_url)
            {
                Some(existing) if existing.token.is_none() && !o.token.is_empty() => {
                    existing.token = Some(Secret::new(o.token.clone()));
                    changed = true;
                }
                Some(_) => {}
                None if first_time => {
                    let id = o
                        .usable_id(|id| current.iter().any(|c| c.id == id))
                        .map_or_else(&mut new_id, str::to_string);
                    current.push(Connection {
                        id,
                        kind: o.kind,
                        name: o.name.clone(),
                        base_url,
                        token: (!o.token.is_empty()).then(|| Secret::new(o.token.clone())),
                        remember: false,
                        notify_failures: false,
                        desktop_token: false,
                        not_working: None,
                    });
                    changed = true;
                }
                None => {}
            }
        }
        self.persistent.set(
            OFFERED_KEY,
            &serde_json::to_string(&seen).unwrap_or_default(),
        );
        changed
    }
}

fn offer_key(o: &OfferedConnection) -> String {
    let url =
        BaseUrl::parse(&o.base_url).map_or_else(|_| o.base_url.clone(), |u| u.as_str().to_string());
    format!("{} {url}", o.kind.label())
}

pub use crate::api::server::connection_id as random_id;

/// Applies an edit to a saved connection. A token belongs to the address it
/// was entered for: when the address changes, the saved token is dropped
/// (a new one must be entered), so it can never be sent to the new address.
pub fn apply_edit(existing: &Connection, edited: Connection) -> Connection {
    let same_address = existing.base_url == edited.base_url;
    let kept = |stored: bool| same_address && stored && edited.token.is_none();
    Connection {
        token: edited
            .token
            .clone()
            .or_else(|| existing.token.clone().filter(|_| kept(true))),
        desktop_token: edited.token.is_none() && kept(existing.desktop_token),
        ..edited
    }
}

/// Whether a saved token may be used for `base_url` without entering one.
pub fn has_token_for(existing: Option<&Connection>, base_url: &BaseUrl) -> bool {
    existing.is_some_and(|c| c.base_url == *base_url && c.has_token())
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

    /// Issue 25, item 21: two tabs share local storage but not their
    /// session; saving in one keeps what the other added meanwhile.
    #[test]
    fn saving_in_one_tab_keeps_what_another_tab_added() {
        let local = MemoryStore::default();
        let (session_a, session_b) = (MemoryStore::default(), MemoryStore::default());
        let tab_a = Storage {
            persistent: &local,
            session: &session_a,
        };
        let tab_b = Storage {
            persistent: &local,
            session: &session_b,
        };
        tab_a.save_one(&conn("a", false));
        // Tab B read the list before; it adds its own.
        let _ = tab_b.load();
        tab_b.save_one(&conn("b", false));
        // Tab A edits its connection, knowing nothing of b.
        let mut edited = conn("a", false);
        edited.name = "Renamed".into();
        tab_a.save_one(&edited);
        let ids: Vec<String> = tab_b.load().into_iter().map(|c| c.id).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(tab_b.load()[0].name, "Renamed");
        assert!(tab_b.load()[1].token.is_some(), "b's session token stays");
        tab_a.remove_one("a");
        let ids: Vec<String> = tab_b.load().into_iter().map(|c| c.id).collect();
        assert_eq!(ids, ["b"]);
    }

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
            not_working: None,
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
        let bound = r#"{"base_url":"https://paperless.example.org","token":"s3cret-token"}"#;
        assert_eq!(session.get("taskdeck.token.c1").as_deref(), Some(bound));
        assert_eq!(local.get("taskdeck.token.c1"), None);
        assert_eq!(local.get("taskdeck.token.c2").as_deref(), Some(bound));
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
            id: None,
            kind: ServerKind::InvenTree,
            name: "Demo".into(),
            base_url: "http://127.0.0.1:8020".into(),
            token: "inv-abc".into(),
        }];
        let mut list = vec![];
        assert!(storage.merge_offer(&mut list, &offer, || "c1".into()));
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].id, "c1");
        assert!(!list[0].remember);

        // Removed by the user: not added back.
        let mut emptied = vec![];
        assert!(!storage.merge_offer(&mut emptied, &offer, || "c2".into()));
        assert!(emptied.is_empty());

        // Kept but the token expired with the session: refilled.
        list[0].token = None;
        assert!(storage.merge_offer(&mut list, &offer, || "c3".into()));
        assert_eq!(list[0].token.as_ref().map(Secret::expose), Some("inv-abc"));
    }

    fn site_server(name: &str, url: &str) -> OfferedConnection {
        OfferedConnection {
            id: Some(name.to_lowercase()),
            kind: ServerKind::Paperless,
            name: name.into(),
            base_url: url.into(),
            token: String::new(),
        }
    }

    #[test]
    fn a_server_the_admin_adds_later_appears_and_a_removed_one_stays_removed() {
        let (local, session) = (MemoryStore::default(), MemoryStore::default());
        let storage = Storage {
            persistent: &local,
            session: &session,
        };
        let mut list = vec![];
        let first = vec![site_server("Office", "https://office.example")];
        assert!(storage.merge_offer(&mut list, &first, || "c1".into()));
        assert_eq!(list[0].id, "office");
        assert!(list[0].token.is_none(), "taskdeck.json never gives a token");

        list.clear();
        let later = vec![
            site_server("Office", "https://office.example/"),
            site_server("Lab", "https://lab.example"),
        ];
        assert!(storage.merge_offer(&mut list, &later, || "c2".into()));
        let names: Vec<_> = list.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Lab"], "the removed Office stays removed");
        // Offered again without a token: nothing to refill.
        assert!(!storage.merge_offer(&mut list, &later, || "c3".into()));
        assert!(list[0].token.is_none());
    }

    #[test]
    fn browsers_that_took_the_old_offer_are_not_given_it_again() {
        let (local, session) = (MemoryStore::default(), MemoryStore::default());
        local.set(OLD_OFFER_SEEN_KEY, "1");
        let storage = Storage {
            persistent: &local,
            session: &session,
        };
        let mut list = vec![];
        let offer = vec![site_server("Office", "https://office.example")];
        assert!(!storage.merge_offer(&mut list, &offer, || "c1".into()));
        assert!(list.is_empty());
        let more = vec![
            site_server("Office", "https://office.example"),
            site_server("Lab", "https://lab.example"),
        ];
        assert!(storage.merge_offer(&mut list, &more, || "c2".into()));
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].name, "Lab");
    }

    #[test]
    fn ids_and_validation() {
        assert_eq!(random_id(0xabc), "c000000000abc");
        assert_eq!(random_id(u64::MAX).len(), 13);
        let (name, url) = validate("  ", "http://inventree.local:8000/").unwrap();
        assert_eq!(name, "inventree.local:8000");
        assert_eq!(url.as_str(), "http://inventree.local:8000");
        assert!(validate("x", "inventree.local").is_err());
    }

    #[test]
    fn a_token_is_only_read_back_for_the_address_it_was_saved_for() {
        let (local, session) = (MemoryStore::default(), MemoryStore::default());
        let storage = Storage {
            persistent: &local,
            session: &session,
        };
        storage.save(&[conn("c1", true)]);
        // Another tab (or a tampered list) points c1 at another address.
        let mut moved = conn("c1", true);
        moved.base_url = BaseUrl::parse("http://127.0.0.1:9999").unwrap();
        moved.token = None;
        local.set(
            LIST_KEY,
            &local
                .get(LIST_KEY)
                .unwrap()
                .replace("https://paperless.example.org", "http://127.0.0.1:9999"),
        );
        let loaded = storage.load();
        assert_eq!(loaded, vec![moved]);
        // A bare token from an older version is bound to nothing.
        local.set(
            LIST_KEY,
            &local
                .get(LIST_KEY)
                .unwrap()
                .replace("http://127.0.0.1:9999", "https://paperless.example.org"),
        );
        local.set("taskdeck.token.c1", "s3cret-token");
        assert_eq!(storage.load()[0].token, None);
    }

    #[test]
    fn editing_the_address_drops_the_saved_token() {
        let saved = conn("c1", false);
        let mut moved = saved.clone();
        moved.base_url = BaseUrl::parse("http://127.0.0.1:9999").unwrap();
        moved.token = None;
        assert_eq!(apply_edit(&saved, moved.clone()).token, None);
        assert!(!has_token_for(Some(&saved), &moved.base_url));
        assert!(has_token_for(Some(&saved), &saved.base_url));
        assert!(!has_token_for(None, &saved.base_url));

        moved.token = Some(Secret::new("new-token"));
        assert_eq!(
            apply_edit(&saved, moved).token.unwrap().expose(),
            "new-token"
        );

        // Same address, blank token field: the saved token stays.
        let mut renamed = saved.clone();
        renamed.name = "Archive".into();
        renamed.token = None;
        assert_eq!(
            apply_edit(&saved, renamed).token.unwrap().expose(),
            "s3cret-token"
        );

        // Desktop: the stored token stays only with its address.
        let desk = Connection {
            token: None,
            desktop_token: true,
            ..saved.clone()
        };
        let mut desk_moved = Connection {
            desktop_token: false,
            ..desk.clone()
        };
        desk_moved.base_url = BaseUrl::parse("http://127.0.0.1:9999").unwrap();
        assert!(!apply_edit(&desk, desk_moved).has_token());
        let desk_renamed = Connection {
            desktop_token: false,
            ..desk.clone()
        };
        assert!(apply_edit(&desk, desk_renamed).desktop_token);
    }
}
