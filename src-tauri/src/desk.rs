//! The desktop app's state and what its commands do, kept apart from Tauri
//! so it can be tested with in-memory credential stores.

use std::hash::{BuildHasher, RandomState};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use taskdeck_api::http::MAX_BODY_BYTES;
use taskdeck_api::ipc::{DesktopConnection, DesktopState};
use taskdeck_api::server::OfferedConnection;
use taskdeck_api::{BaseUrl, HttpRequest, HttpResponse, Method, TransportError};

use crate::allow::{AllowList, Token};
use crate::secrets::TokenVault;

pub struct Desk {
    config_file: PathBuf,
    connections: Mutex<Vec<DesktopConnection>>,
    vault: TokenVault,
    http: reqwest::Client,
    /// `--demo-connections URL`: servers to import on a first start.
    demo_offer: Option<String>,
}

/// A connection id from the OS's random seed: never the id of an earlier
/// connection, whose token might not have been deleted.
fn random_id() -> String {
    taskdeck_api::server::connection_id(RandomState::new().hash_one(std::time::SystemTime::now()))
}

impl Desk {
    pub fn new(config_file: PathBuf, vault: TokenVault, demo_offer: Option<String>) -> Desk {
        let connections = std::fs::read_to_string(&config_file)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        Desk {
            config_file,
            connections: Mutex::new(connections),
            vault,
            http: reqwest::Client::builder()
                .user_agent("Taskdeck desktop")
                // A redirect could carry the token to another host (or to
                // http on the same one): none is followed.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("HTTP client"),
            demo_offer,
        }
    }

    /// Settings with `has_token` from the credential store, and where that is.
    pub fn state(&self) -> DesktopState {
        let mut list = self.connections.lock().unwrap().clone();
        for c in &mut list {
            c.has_token = self.vault.has_token_for(&c.id, &c.base_url);
        }
        DesktopState {
            connections: list,
            token_store: self.vault.location(),
        }
    }

    /// Writes the settings (never tokens) to the config file, atomically.
    fn write_config(&self, list: &[DesktopConnection]) -> Result<(), String> {
        let failed = |what: &std::path::Path, e: std::io::Error| {
            format!(
                "The settings could not be written to {}: {e}",
                what.display()
            )
        };
        if let Some(dir) = self.config_file.parent() {
            std::fs::create_dir_all(dir).map_err(|e| failed(dir, e))?;
        }
        let stored: Vec<DesktopConnection> = list
            .iter()
            .cloned()
            .map(|c| DesktopConnection {
                has_token: false,
                ..c
            })
            .collect();
        let text = serde_json::to_string_pretty(&stored).expect("serialisable");
        let tmp = self.config_file.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(|e| failed(&tmp, e))?;
        std::fs::rename(&tmp, &self.config_file).map_err(|e| failed(&self.config_file, e))
    }

    /// Adds (empty id) or updates a connection, with its token when one is
    /// given. The token is stored and read back first: when that fails,
    /// nothing is saved. A changed address drops the old token.
    pub fn save_connection(
        &self,
        connection: DesktopConnection,
        token: Option<String>,
    ) -> Result<DesktopConnection, String> {
        self.insert_connection(connection, false, token)
    }

    /// `offered_id`: a new connection keeps the id the installation offered
    /// it under (the webview cannot choose ids).
    fn insert_connection(
        &self,
        mut connection: DesktopConnection,
        offered_id: bool,
        token: Option<String>,
    ) -> Result<DesktopConnection, String> {
        let token = token.filter(|t| !t.trim().is_empty());
        let mut list = self.connections.lock().unwrap();
        let existing = if offered_id {
            None
        } else if connection.id.is_empty() {
            connection.id = random_id();
            None
        } else {
            Some(
                list.iter()
                    .position(|c| c.id == connection.id)
                    .ok_or_else(|| format!("There is no connection {}.", connection.id))?,
            )
        };
        let moved = existing.is_some_and(|at| list[at].base_url != connection.base_url);
        if let Some(token) = &token {
            self.vault
                .save(&connection.id, &connection.base_url, token)?;
        } else if moved {
            self.forget_token(&connection.id);
        }
        let mut next = list.clone();
        match existing {
            Some(at) => next[at] = connection.clone(),
            None => next.push(connection.clone()),
        }
        if let Err(e) = self.write_config(&next) {
            if existing.is_none() {
                self.forget_token(&connection.id);
            }
            return Err(e);
        }
        *list = next;
        connection.has_token = self
            .vault
            .has_token_for(&connection.id, &connection.base_url);
        Ok(connection)
    }

    pub fn forget(&self, id: &str) -> Result<(), String> {
        let mut list = self.connections.lock().unwrap();
        let next: Vec<DesktopConnection> = list.iter().filter(|c| c.id != id).cloned().collect();
        self.write_config(&next)?;
        *list = next;
        self.forget_token(id);
        Ok(())
    }

    /// A token that cannot be deleted must not keep a connection from being
    /// removed. It stays bound to its address, and ids are never reused.
    fn forget_token(&self, id: &str) {
        if let Err(e) = self.vault.forget(id) {
            eprintln!("taskdeck: connection {id}: {e}");
        }
    }

    fn allow_list(&self) -> AllowList {
        AllowList::new(
            self.connections
                .lock()
                .unwrap()
                .iter()
                .map(|c| (c.id.clone(), c.kind, c.base_url.clone())),
        )
    }

    /// Checks the request against the allow-list and adds the token stored
    /// for exactly this address when the page sent none (the webview never
    /// holds desktop tokens), except on token exchanges.
    pub fn prepare(&self, mut request: HttpRequest) -> Result<HttpRequest, TransportError> {
        let allowed = self.allow_list();
        let allowed = allowed.check(&request).map_err(TransportError::Refused)?;
        if allowed.token == Token::AddStored
            && request.header_value("authorization").is_none()
            && let Some(connection_id) = allowed.connection_id
            && let Some(token) = self
                .vault
                .token_for(connection_id, &request.base)
                .map_err(TransportError::Refused)?
        {
            request = request.header("Authorization", format!("Token {}", token.expose()));
        }
        Ok(request)
    }

    /// Sends an allowed request, waiting at most `timeout_secs` for the
    /// whole answer, which may be at most `MAX_BODY_BYTES` long.
    pub async fn send(
        &self,
        request: HttpRequest,
        timeout_secs: u32,
    ) -> Result<HttpResponse, TransportError> {
        let request = self.prepare(request)?;
        let after_secs = timeout_secs.clamp(1, 600);
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self
            .http
            .request(method, request.url())
            .timeout(Duration::from_secs(after_secs.into()));
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let unreachable = |e: reqwest::Error| {
            if e.is_timeout() {
                TransportError::TimedOut { after_secs }
            } else {
                TransportError::Unreachable(e.to_string())
            }
        };
        let mut response = builder.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        if response.status().is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("(no address given)")
                .to_string();
            return Err(TransportError::Redirected { status, location });
        }
        let headers = response
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        // Read in chunks, so an endless answer cannot fill the memory.
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if bytes.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(TransportError::Unreachable(format!(
                    "the answer is larger than {} MB; not read",
                    MAX_BODY_BYTES / 1_000_000
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }

    /// The page `url` of a connection's server, if it is one: only pages
    /// under the connection's own address are opened in the browser.
    pub fn page_of(&self, connection_id: &str, url: &str) -> Result<String, String> {
        let list = self.connections.lock().unwrap();
        let connection = list
            .iter()
            .find(|c| c.id == connection_id)
            .ok_or_else(|| format!("There is no connection {connection_id}."))?;
        if connection.base_url.contains(url) && !url.contains(char::is_whitespace) {
            Ok(url.to_string())
        } else {
            Err(format!(
                "Not opened: {url} is not a page of {} ({}).",
                connection.name, connection.base_url
            ))
        }
    }

    /// Every connection whose token the credential store holds, with it:
    /// what the app's own watcher polls. The tokens stay in memory.
    pub fn watched(&self) -> Vec<(DesktopConnection, taskdeck_api::Secret)> {
        let list = self.connections.lock().unwrap().clone();
        list.into_iter()
            .filter_map(|c| match self.vault.token_for(&c.id, &c.base_url) {
                Ok(Some(token)) => Some((c, token)),
                _ => None,
            })
            .collect()
    }

    /// Whether the user asked to be notified about this connection.
    pub fn notifies(&self, connection_id: &str) -> bool {
        self.connections
            .lock()
            .unwrap()
            .iter()
            .any(|c| c.id == connection_id && c.notify_failures)
    }

    /// On a first start with `--demo-connections`, imports the demo servers
    /// (tokens straight into the credential store); `true` when it did.
    pub async fn import_demo_offer(&self) -> Result<bool, String> {
        let Some(url) = &self.demo_offer else {
            return Ok(false);
        };
        if !self.connections.lock().unwrap().is_empty() {
            return Ok(false);
        }
        let offer: Vec<OfferedConnection> = self
            .http
            .get(url)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        for o in offer {
            let id = {
                let list = self.connections.lock().unwrap();
                o.usable_id(|id| list.iter().any(|c| c.id == id))
                    .map(str::to_string)
            };
            let connection = DesktopConnection {
                id: id.clone().unwrap_or_default(),
                kind: o.kind,
                name: o.name,
                base_url: BaseUrl::parse(&o.base_url)?,
                notify_failures: true,
                has_token: false,
                not_working: None,
            };
            self.insert_connection(connection, id.is_some(), Some(o.token))?;
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::doubles::{Fault, FaultyBackend};
    use taskdeck_api::ServerKind;
    use taskdeck_api::ipc::TokenStore;

    fn memory_vault() -> TokenVault {
        TokenVault::probe(vec![])
    }

    fn desk_with(dir: &std::path::Path, vault: TokenVault) -> Desk {
        Desk::new(dir.join("connections.json"), vault, None)
    }

    fn conn(base: &str) -> DesktopConnection {
        DesktopConnection {
            id: String::new(),
            kind: ServerKind::Paperless,
            name: "Office".into(),
            base_url: BaseUrl::parse(base).unwrap(),
            notify_failures: false,
            has_token: false,
            not_working: None,
        }
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("taskdeck-desk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    }

    fn tasks(c: &DesktopConnection) -> HttpRequest {
        HttpRequest::new(Method::Get, &c.base_url, "/api/tasks/".into()).for_connection(Some(&c.id))
    }

    #[test]
    fn tokens_stay_out_of_the_config_file_and_reach_only_their_server() {
        let dir = scratch("tokens");
        let d = desk_with(&dir, memory_vault());
        let c1 = d
            .save_connection(
                conn("http://127.0.0.1:8010"),
                Some(" secret-token-1 ".into()),
            )
            .unwrap();
        let c2 = d
            .save_connection(conn("http://127.0.0.1:8011"), None)
            .unwrap();
        assert!(c1.has_token && !c2.has_token);
        assert_ne!(c1.id, c2.id, "ids are random, never reused");
        let file = std::fs::read_to_string(dir.join("connections.json")).unwrap();
        assert!(!file.contains("secret-token"), "{file}");
        assert_eq!(d.state().token_store, TokenStore::SessionMemory);

        let prepared = d.prepare(tasks(&c1)).unwrap();
        assert_eq!(
            prepared.header_value("authorization"),
            Some("Token secret-token-1")
        );
        assert_eq!(
            d.prepare(tasks(&c2)).unwrap().header_value("authorization"),
            None
        );
        let elsewhere = BaseUrl::parse("http://127.0.0.1:9999").unwrap();
        assert!(matches!(
            d.prepare(HttpRequest::new(
                Method::Get,
                &elsewhere,
                "/api/tasks/".into()
            )),
            Err(TransportError::Refused(_))
        ));

        // Removing a connection removes its token.
        d.forget(&c1.id).unwrap();
        assert!(d.prepare(tasks(&c1)).is_err());
        let again = desk_with(&dir, memory_vault());
        assert_eq!(again.state().connections.len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Two users of one server: each request carries the token of the
    /// connection it names, never the first one saved for the address.
    #[test]
    fn two_connections_to_one_address_each_send_their_own_token() {
        let dir = scratch("two-users");
        let d = desk_with(&dir, memory_vault());
        let admin = d
            .save_connection(conn("http://127.0.0.1:8010"), Some("admin-token".into()))
            .unwrap();
        let viewer = d
            .save_connection(conn("http://127.0.0.1:8010"), Some("viewer-token".into()))
            .unwrap();
        let token = |c: &DesktopConnection| {
            d.prepare(tasks(c))
                .unwrap()
                .header_value("authorization")
                .map(str::to_string)
        };
        assert_eq!(token(&admin).as_deref(), Some("Token admin-token"));
        assert_eq!(token(&viewer).as_deref(), Some("Token viewer-token"));
        // A request that names no connection carries no stored token.
        let anonymous = HttpRequest::new(Method::Get, &admin.base_url, "/api/tasks/".into());
        assert_eq!(
            d.prepare(anonymous).unwrap().header_value("authorization"),
            None
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_edited_address_never_gets_the_old_token() {
        let dir = scratch("moved");
        let d = desk_with(&dir, memory_vault());
        let saved = d
            .save_connection(conn("https://paperless.example"), Some("tok".into()))
            .unwrap();
        // The webview saves the same id with another address and no token:
        // the connection moves, its token does not.
        let listener = BaseUrl::parse("http://127.0.0.1:9").unwrap();
        let moved = d
            .save_connection(
                DesktopConnection {
                    base_url: listener.clone(),
                    ..saved.clone()
                },
                None,
            )
            .unwrap();
        assert!(!moved.has_token);
        assert_eq!(
            d.prepare(tasks(&moved))
                .unwrap()
                .header_value("authorization"),
            None
        );
        // Moving back does not bring the token back either: it was dropped.
        let back = d
            .save_connection(
                DesktopConnection {
                    base_url: saved.base_url.clone(),
                    ..saved.clone()
                },
                None,
            )
            .unwrap();
        assert!(!back.has_token);
        // An id the app did not hand out is refused.
        let forged = DesktopConnection {
            id: "c1".into(),
            ..conn("https://paperless.example")
        };
        assert!(d.save_connection(forged, Some("x".into())).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_connection_is_saved_only_together_with_its_token() {
        let dir = scratch("together");
        let kept = desk_with(&dir, memory_vault());
        kept.save_connection(conn("https://paperless.example"), Some("tok".into()))
            .unwrap();
        // A store that says yes but does not keep what it is given.
        let losing = desk_with(
            &dir,
            TokenVault::from_backend(FaultyBackend::boxed(
                TokenStore::KernelKeyring,
                Fault::LosesKeys,
            )),
        );
        let error = losing
            .save_connection(conn("https://other.example"), Some("tok".into()))
            .unwrap_err();
        assert!(error.contains("not saved"), "{error}");
        assert!(!error.contains('"'), "worded, not quoted: {error}");
        assert_eq!(losing.state().connections.len(), 1);
        let file = std::fs::read_to_string(dir.join("connections.json")).unwrap();
        assert!(!file.contains("other.example"), "{file}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn token_exchanges_are_sent_without_the_stored_token() {
        let dir = scratch("exchange");
        let d = desk_with(&dir, memory_vault());
        let saved = d
            .save_connection(conn("https://paperless.example"), Some("tok".into()))
            .unwrap();
        let login = HttpRequest::new(Method::Post, &saved.base_url, "/api/token/".into())
            .json_body(serde_json::json!({"username": "u", "password": "p"}));
        assert_eq!(
            d.prepare(login).unwrap().header_value("authorization"),
            None
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn only_pages_of_the_connections_own_server_are_opened() {
        let dir = scratch("open");
        let d = desk_with(&dir, memory_vault());
        let saved = d
            .save_connection(conn("https://host/paperless"), None)
            .unwrap();
        assert!(
            d.page_of(&saved.id, "https://host/paperless/documents/3/details")
                .is_ok()
        );
        assert!(d.page_of(&saved.id, "https://host/paperless-x/").is_err());
        assert!(d.page_of(&saved.id, "https://evil.example/").is_err());
        assert!(d.page_of(&saved.id, "file:///etc/passwd").is_err());
        assert!(d.page_of("c0", "https://host/paperless/").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn redirects_are_reported_not_followed() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            stream
                .write_all(
                    b"HTTP/1.1 302 Found\r\nLocation: http://evil.example/api/tasks/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .unwrap();
        });
        let dir = scratch("redirect");
        let d = desk_with(&dir, memory_vault());
        let saved = d
            .save_connection(
                conn(&format!("http://127.0.0.1:{port}")),
                Some("tok".into()),
            )
            .unwrap();
        let outcome = block_on(d.send(tasks(&saved), 30));
        server.join().unwrap();
        assert_eq!(
            outcome,
            Err(TransportError::Redirected {
                status: 302,
                location: "http://evil.example/api/tasks/".into()
            })
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_server_that_does_not_answer_times_out_with_the_setting() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        // Accepts, reads, and never answers.
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            std::thread::sleep(std::time::Duration::from_secs(3));
            drop(stream);
        });
        let dir = scratch("timeout");
        let d = desk_with(&dir, memory_vault());
        let saved = d
            .save_connection(conn(&format!("http://127.0.0.1:{port}")), None)
            .unwrap();
        let outcome = block_on(d.send(tasks(&saved), 1));
        assert_eq!(outcome, Err(TransportError::TimedOut { after_secs: 1 }));
        server.join().unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn refused_requests_are_not_sent() {
        let dir = scratch("refused");
        let d = desk_with(&dir, memory_vault());
        let base = BaseUrl::parse("http://127.0.0.1:1").unwrap();
        match block_on(d.send(
            HttpRequest::new(Method::Get, &base, "/api/tasks/".into()),
            30,
        )) {
            Err(TransportError::Refused(message)) => {
                assert!(message.contains("not one of the configured servers"))
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
