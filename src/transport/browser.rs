//! The browser transport: `fetch` through gloo-net.

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
            let mut builder = RequestBuilder::new(&request.url()).method(method);
            for (name, value) in &request.headers {
                builder = builder.header(name, value);
            }
            let built = match &request.body {
                Some(body) => builder.body(body.to_string()),
                None => builder.build(),
            }
            .map_err(|e| TransportError::Unreachable(e.to_string()))?;
            let response = built
                .send()
                .await
                .map_err(|e| TransportError::Unreachable(e.to_string()))?;
            let headers = response
                .headers()
                .entries()
                .map(|(name, value)| (name.to_ascii_lowercase(), value))
                .collect();
            let status = response.status();
            let body = response
                .text()
                .await
                .map_err(|e| TransportError::Unreachable(e.to_string()))?;
            // Lets `cargo xtask bench` time decoding and rendering apart from the network.
            if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
                let _ = performance.mark("taskdeck:response");
            }
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        })
    }
}
