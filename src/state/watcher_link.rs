//! The watcher a console is connected to (Connections → Watcher): its
//! address, its HTTP token when it has one, and the name this console's
//! user goes by in the action log. Stored like a connection: the address
//! and the name in persistent storage, the token in the session store
//! unless "remember" was ticked, bound to the address it was entered for
//! (another address never gets it), and never in a URL or a log.

use serde::{Deserialize, Serialize};

use crate::api::server::BoundToken;
use crate::api::{BaseUrl, Secret};
use crate::state::connections::{KeyValueStore, Storage};

const LINK_KEY: &str = "taskdeck.watcher";
const TOKEN_KEY: &str = "taskdeck.watcher.token";
const WHO_KEY: &str = "taskdeck.who";
const INSTALLATION_KEY: &str = "taskdeck.installation";

#[derive(Clone, Debug, PartialEq)]
pub struct WatcherLink {
    pub url: BaseUrl,
    pub token: Option<Secret>,
    pub remember: bool,
}

#[derive(Serialize, Deserialize)]
struct Saved {
    url: BaseUrl,
    #[serde(default)]
    remember: bool,
}

impl Storage<'_> {
    pub fn load_watcher(&self) -> Option<WatcherLink> {
        let saved: Saved = serde_json::from_str(&self.persistent.get(LINK_KEY)?).ok()?;
        let read = |store: &dyn KeyValueStore| {
            store
                .get(TOKEN_KEY)
                .and_then(|stored| BoundToken::read(&stored, &saved.url))
        };
        let token = read(self.session).or_else(|| read(self.persistent));
        Some(WatcherLink {
            url: saved.url,
            token,
            remember: saved.remember,
        })
    }

    /// Saves the link (`None`: forgets it and its token).
    pub fn save_watcher(&self, link: Option<&WatcherLink>) {
        self.session.remove(TOKEN_KEY);
        self.persistent.remove(TOKEN_KEY);
        let Some(link) = link else {
            self.persistent.remove(LINK_KEY);
            return;
        };
        let saved = Saved {
            url: link.url.clone(),
            remember: link.remember,
        };
        self.persistent.set(
            LINK_KEY,
            &serde_json::to_string(&saved).expect("serialisable"),
        );
        if let Some(token) = link.token.as_ref().filter(|t| !t.is_empty()) {
            let keep = if link.remember {
                self.persistent
            } else {
                self.session
            };
            keep.set(TOKEN_KEY, &BoundToken::encode(&link.url, token.expose()));
        }
    }

    /// The name this console's user goes by in the action log.
    pub fn who(&self) -> String {
        self.persistent.get(WHO_KEY).unwrap_or_default()
    }

    pub fn set_who(&self, who: &str) {
        let who = who.trim();
        if who.is_empty() {
            self.persistent.remove(WHO_KEY);
        } else {
            self.persistent
                .set(WHO_KEY, &who.chars().take(200).collect::<String>());
        }
    }

    /// This installation's id in the action log: made once, then kept.
    pub fn installation(&self, fresh: impl FnOnce() -> String) -> String {
        if let Some(id) = self.persistent.get(INSTALLATION_KEY) {
            return id;
        }
        let id = fresh();
        self.persistent.set(INSTALLATION_KEY, &id);
        id
    }
}

/// An address typed for a watcher: `127.0.0.1:8095` gets `http://`.
pub fn parse_address(text: &str) -> Result<BaseUrl, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Enter the watcher's address, such as http://127.0.0.1:8095.".into());
    }
    let with_scheme = if text.contains("://") {
        text.to_string()
    } else {
        format!("http://{text}")
    };
    BaseUrl::parse(&with_scheme)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::connections::memory::MemoryStore as Map;

    #[test]
    fn the_token_stays_with_its_address_and_in_the_session_unless_remembered() {
        let (persistent, session) = (Map::default(), Map::default());
        let storage = Storage {
            persistent: &persistent,
            session: &session,
        };
        let link = WatcherLink {
            url: parse_address("127.0.0.1:8095").unwrap(),
            token: Some(Secret::new("w-secret")),
            remember: false,
        };
        storage.save_watcher(Some(&link));
        assert_eq!(storage.load_watcher(), Some(link.clone()));
        assert!(
            !persistent
                .0
                .borrow()
                .values()
                .any(|v| v.contains("w-secret")),
            "not remembered: the token is not in persistent storage"
        );
        // The address moved (edited by hand): the token is not given to it.
        persistent.set(
            LINK_KEY,
            r#"{"url": "http://evil.example:8095", "remember": false}"#,
        );
        assert_eq!(storage.load_watcher().unwrap().token, None);
        let remembered = WatcherLink {
            remember: true,
            ..link
        };
        storage.save_watcher(Some(&remembered));
        assert!(session.0.borrow().is_empty());
        assert_eq!(storage.load_watcher(), Some(remembered));
        storage.save_watcher(None);
        assert_eq!(storage.load_watcher(), None);
        assert!(persistent.0.borrow().is_empty() && session.0.borrow().is_empty());
    }

    #[test]
    fn the_installation_id_is_made_once_and_a_name_is_trimmed() {
        let (persistent, session) = (Map::default(), Map::default());
        let storage = Storage {
            persistent: &persistent,
            session: &session,
        };
        let first = storage.installation(|| "browser-1".into());
        assert_eq!(storage.installation(|| "browser-2".into()), first);
        storage.set_who("  alice ");
        assert_eq!(storage.who(), "alice");
        storage.set_who(" ");
        assert_eq!(storage.who(), "");
        assert!(parse_address("").is_err());
        assert_eq!(
            parse_address("https://watch.example.org/")
                .unwrap()
                .as_str(),
            "https://watch.example.org"
        );
    }
}
