//! The browser transport: `fetch` through gloo-net.

use std::cell::Cell;
use std::rc::Rc;

use gloo_net::http::{Method as FetchMethod, RequestBuilder};

use crate::api::{HttpRequest, HttpResponse, LocalBoxFuture, Method, Transport, TransportError};

/// Sends requests from the page with `fetch`. Cross-origin servers must allow
/// this page's origin (CORS); when they do not, `fetch` fails without a status
/// and the error says so.
#[derive(Clone, Copy, Debug, Default)]
pub struct BrowserTransport;

impl Transport for BrowserTransport {
    fn send<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let method = match request.method {
                Method::Get => FetchMethod::GET,
                Method::Post => FetchMethod::POST,
                Method::Delete => FetchMethod::DELETE,
            };
            // A hung server must not keep the screen loading forever: the
            // request is aborted after the time allowed (one setting for
            // the browser and the desktop app).
            let after_secs = super::request_timeout_secs();
            let abort = web_sys::AbortController::new().ok();
            let timed_out = Rc::new(Cell::new(false));
            let timer = abort.clone().and_then(|abort| {
                let timed_out = timed_out.clone();
                leptos::prelude::set_timeout_with_handle(
                    move || {
                        timed_out.set(true);
                        abort.abort();
                    },
                    std::time::Duration::from_secs(after_secs.into()),
                )
                .ok()
            });
            let failed = |e: gloo_net::Error| {
                if timed_out.get() {
                    TransportError::TimedOut { after_secs }
                } else {
                    TransportError::Unreachable(e.to_string())
                }
            };
            let mut builder = RequestBuilder::new(&request.url())
                .method(method)
                .abort_signal(abort.as_ref().map(|a| a.signal()).as_ref());
            for (name, value) in &request.headers {
                builder = builder.header(name, value);
            }
            let built = match &request.body {
                Some(body) => builder.body(body.to_string()),
                None => builder.build(),
            }
            .map_err(|e| TransportError::Unreachable(e.to_string()))?;
            let outcome = async {
                let response = built.send().await.map_err(failed)?;
                let headers = response
                    .headers()
                    .entries()
                    .map(|(name, value)| (name.to_ascii_lowercase(), value))
                    .collect();
                let status = response.status();
                // As bytes, copied once into WASM memory: `text()` would
                // build a UTF-16 JavaScript string first (twice the size of
                // a 100 MB task list) and encode it back.
                let bytes = response.binary().await.map_err(failed)?;
                let body = String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
                Ok(HttpResponse {
                    status,
                    headers,
                    body,
                })
            }
            .await;
            if let Some(timer) = timer {
                timer.clear();
            }
            // Lets `cargo xtask bench` time decoding and rendering apart from the network.
            if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
                let _ = performance.mark("taskdeck:response");
            }
            outcome
        })
    }

    fn now_millis(&self) -> Option<i64> {
        Some(js_sys::Date::now() as i64)
    }
}
