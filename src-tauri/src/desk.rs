//! The desktop app's state and what its commands do, kept apart from Tauri
//! so it can be tested with an in-memory credential store.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use taskdeck::api::{HttpRequest, HttpResponse, Method, TransportError};
use taskdeck::state::connections::{DesktopConnection, OfferedConnection};

use crate::allow::AllowList;
use crate::secrets::SecretStore;

pub struct Desk {
    config_file: PathBuf,
    connections: Mutex<Vec<DesktopConnection>>,
    secrets: Box<dyn SecretStore>,
    http: reqwest::Client,
    /// `--demo-connections URL`: servers to import on a first start.
    demo_offer: Option<String>,
}

impl Desk {
    pub fn new(
        config_file: PathBuf,
        secrets: Box<dyn SecretStore>,
        demo_offer: Option<String>,
    ) -> Desk {
        let connections = std::fs::read_to_string(&config_file)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        Desk {
            config_file,
            connections: Mutex::new(connections),
            secrets,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .user_agent("Taskdeck desktop")
                .build()
                .expect("HTTP client"),
            demo_offer,
        }
    }

    /// Settings with `has_token` filled from the credential store.
    pub fn connections(&self) -> Vec<DesktopConnection> {
        let mut list = self.connections.lock().unwrap().clone();
        for c in &mut list {
            c.has_token = matches!(self.secrets.get(&c.id), Ok(Some(_)));
        }
        list
    }

    /// Writes the settings (never tokens) to the config file, atomically.
    pub fn save_connections(&self, list: Vec<DesktopConnection>) -> Result<(), String> {
        let removed: Vec<String> = {
            let current = self.connections.lock().unwrap();
            current
                .iter()
                .filter(|c| !list.iter().any(|n| n.id == c.id))
                .map(|c| c.id.clone())
                .collect()
        };
        for id in removed {
            self.forget_token(&id);
        }
        if let Some(dir) = self.config_file.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
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
        std::fs::write(&tmp, text).map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &self.config_file).map_err(|e| e.to_string())?;
        *self.connections.lock().unwrap() = stored;
        Ok(())
    }

    pub fn store_token(&self, id: &str, token: &str) -> Result<(), String> {
        if !self.connections.lock().unwrap().iter().any(|c| c.id == id) {
            return Err(format!("no connection {id}"));
        }
        self.secrets.set(id, token.trim())
    }

    pub fn forget(&self, id: &str) -> Result<(), String> {
        let list: Vec<DesktopConnection> = self
            .connections
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.id != id)
            .cloned()
            .collect();
        self.save_connections(list)?;
        self.forget_token(id);
        Ok(())
    }

    /// A token that cannot be deleted must not keep a connection from being
    /// removed; it is reported instead.
    fn forget_token(&self, id: &str) {
        if let Err(e) = self.secrets.delete(id) {
            eprintln!("taskdeck: the token of connection {id} could not be deleted: {e}");
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

    /// Checks the request against the allow-list and adds the stored token
    /// when the page sent none (the webview never holds desktop tokens).
    pub fn prepare(&self, mut request: HttpRequest) -> Result<HttpRequest, TransportError> {
        let id = self
            .allow_list()
            .check(&request)
            .map_err(TransportError::Refused)?
            .to_string();
        if request.header_value("authorization").is_none()
            && let Some(token) = self.secrets.get(&id).map_err(TransportError::Refused)?
        {
            request = request.header("Authorization", format!("Token {token}"));
        }
        Ok(request)
    }

    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let request = self.prepare(request)?;
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self.http.request(method, request.url());
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let unreachable = |e: reqwest::Error| TransportError::Unreachable(e.to_string());
        let response = builder.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let body = response.text().await.map_err(unreachable)?;
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }

    /// On a first start with `--demo-connections`, imports the demo servers
    /// (tokens straight into the credential store).
    pub async fn import_demo_offer(&self) -> Result<(), String> {
        let Some(url) = &self.demo_offer else {
            return Ok(());
        };
        if !self.connections.lock().unwrap().is_empty() {
            return Ok(());
        }
        let offer: Vec<OfferedConnection> = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let mut list = Vec::new();
        let mut tokens = Vec::new();
        for (i, o) in offer.into_iter().enumerate() {
            list.push(DesktopConnection {
                id: format!("c{}", i + 1),
                kind: o.kind,
                name: o.name,
                base_url: taskdeck::api::BaseUrl::parse(&o.base_url)?,
                notify_failures: true,
                has_token: false,
            });
            tokens.push(o.token);
        }
        self.save_connections(list.clone())?;
        for (c, token) in list.iter().zip(tokens) {
            self.secrets.set(&c.id, &token)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MemoryStore;
    use taskdeck::api::BaseUrl;
    use taskdeck::state::connections::ServerKind;

    fn desk(dir: &std::path::Path) -> Desk {
        Desk::new(
            dir.join("connections.json"),
            Box::new(MemoryStore::default()),
            None,
        )
    }

    fn conn(id: &str, base: &str) -> DesktopConnection {
        DesktopConnection {
            id: id.into(),
            kind: ServerKind::Paperless,
            name: "Office".into(),
            base_url: BaseUrl::parse(base).unwrap(),
            notify_failures: false,
            has_token: false,
        }
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("taskdeck-desk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn tokens_stay_out_of_the_config_file_and_reach_only_their_server() {
        let dir = scratch("tokens");
        let d = desk(&dir);
        d.save_connections(vec![
            conn("c1", "http://127.0.0.1:8010"),
            conn("c2", "http://127.0.0.1:8011"),
        ])
        .unwrap();
        d.store_token("c1", " secret-token-1 ").unwrap();
        assert!(
            d.store_token("c9", "x").is_err(),
            "only configured connections get tokens"
        );
        let file = std::fs::read_to_string(dir.join("connections.json")).unwrap();
        assert!(!file.contains("secret-token"), "{file}");
        assert_eq!(
            d.connections()
                .iter()
                .map(|c| c.has_token)
                .collect::<Vec<_>>(),
            vec![true, false]
        );

        let base = BaseUrl::parse("http://127.0.0.1:8010").unwrap();
        let prepared = d
            .prepare(HttpRequest::new(Method::Get, &base, "/api/tasks/".into()))
            .unwrap();
        assert_eq!(
            prepared.header_value("authorization"),
            Some("Token secret-token-1")
        );
        // A token the page sent itself (a connection test) is left alone.
        let own = HttpRequest::new(Method::Get, &base, "/api/tasks/".into())
            .header("Authorization", "Token other");
        assert_eq!(
            d.prepare(own).unwrap().header_value("authorization"),
            Some("Token other")
        );

        let elsewhere = BaseUrl::parse("http://127.0.0.1:9999").unwrap();
        let refused = d.prepare(HttpRequest::new(
            Method::Get,
            &elsewhere,
            "/api/tasks/".into(),
        ));
        assert!(
            matches!(refused, Err(TransportError::Refused(_))),
            "{refused:?}"
        );

        // Removing a connection removes its token.
        d.forget("c1").unwrap();
        let again = Desk::new(
            dir.join("connections.json"),
            Box::new(MemoryStore::default()),
            None,
        );
        assert_eq!(again.connections().len(), 1);
        assert!(
            d.prepare(HttpRequest::new(Method::Get, &base, "/api/tasks/".into()))
                .is_err()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn refused_requests_are_not_sent() {
        let dir = scratch("refused");
        let d = desk(&dir);
        let base = BaseUrl::parse("http://127.0.0.1:1").unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let outcome =
            rt.block_on(d.send(HttpRequest::new(Method::Get, &base, "/api/tasks/".into())));
        match outcome {
            Err(TransportError::Refused(message)) => {
                assert!(message.contains("not one of the configured servers"))
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
