//! Requests to the watched servers, sent by reqwest (as in the desktop
//! app): no redirect is followed (it could carry the token elsewhere), a
//! timeout per request, and answers larger than the API crate decodes are
//! not read. Error texts never carry the URL's query or a header.

use std::sync::Arc;
use std::time::Duration;

use taskdeck_api::http::MAX_BODY_BYTES;
use taskdeck_api::{HttpRequest, HttpResponse, LocalBoxFuture, Method, Transport, TransportError};

use crate::clock::Clock;

pub struct NativeTransport {
    http: reqwest::Client,
    timeout: Duration,
    clock: Arc<dyn Clock>,
}

impl NativeTransport {
    pub fn new(timeout: Duration, clock: Arc<dyn Clock>) -> NativeTransport {
        NativeTransport {
            http: client(),
            timeout,
            clock,
        }
    }
}

/// The one HTTP client setup the watcher uses, for servers and channels.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(concat!("taskdeck-watch/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

/// reqwest's error without the URL (a channel's URL can be a secret).
pub fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

impl Transport for NativeTransport {
    fn send<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let after_secs = self.timeout.as_secs().max(1) as u32;
            let method = match request.method {
                Method::Get => reqwest::Method::GET,
                Method::Post => reqwest::Method::POST,
                Method::Delete => reqwest::Method::DELETE,
            };
            let mut builder = self
                .http
                .request(method, request.url())
                .timeout(self.timeout);
            for (name, value) in &request.headers {
                builder = builder.header(name, value);
            }
            if let Some(body) = &request.body {
                builder = builder.json(body);
            }
            let failed = |e: reqwest::Error| {
                if e.is_timeout() {
                    TransportError::TimedOut { after_secs }
                } else {
                    TransportError::Unreachable(describe(e))
                }
            };
            let mut response = builder.send().await.map_err(failed)?;
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
            let mut bytes = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(failed)? {
                if bytes.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(TransportError::Unreachable(format!(
                        "the answer is larger than {} MB; not read",
                        MAX_BODY_BYTES / 1_000_000
                    )));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(HttpResponse {
                status,
                headers,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            })
        })
    }

    fn now_millis(&self) -> Option<i64> {
        Some(self.clock.now().timestamp_millis())
    }
}
