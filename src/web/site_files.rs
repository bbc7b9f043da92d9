//! Files deployed beside `index.html`: `taskdeck.json`, and the demo's offer.

use crate::state::connections::OfferedConnection;

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::OfferedConnection;

    /// The servers an installation offers, when the page names where to
    /// find them (`<meta name="taskdeck-offer">`, which only the demo
    /// backend adds): a plain deployment asks for nothing.
    pub async fn fetch_offer() -> Vec<OfferedConnection> {
        let Some(url) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector("meta[name=taskdeck-offer]").ok().flatten())
            .and_then(|m| m.get_attribute("content"))
        else {
            return vec![];
        };
        match fetch_site_file(&url).await {
            Ok(Some(text)) => serde_json::from_str(&text).unwrap_or_default(),
            _ => vec![],
        }
    }

    /// A file deployed beside `index.html` (relative, so it is found under
    /// any path prefix): `Ok(None)` when the server has none (404).
    pub async fn fetch_site_file(name: &str) -> Result<Option<String>, String> {
        let response = gloo_net::http::Request::get(name)
            .cache(web_sys::RequestCache::NoCache)
            .send()
            .await
            .map_err(|e| format!("{name} could not be loaded: {e}"))?;
        match response.status() {
            404 | 410 => Ok(None),
            200 => response
                .text()
                .await
                .map(Some)
                .map_err(|e| format!("{name} could not be read: {e}")),
            status => Err(format!(
                "{name}: the web server answered HTTP {status} {}",
                response.status_text()
            )),
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::OfferedConnection;

    pub async fn fetch_offer() -> Vec<OfferedConnection> {
        vec![]
    }
    pub async fn fetch_site_file(_name: &str) -> Result<Option<String>, String> {
        Ok(None)
    }
}

pub use imp::*;
