//! The desktop transport: requests go to the app's Rust side through Tauri's
//! IPC (`http_request`), which checks them against the configured servers,
//! adds the stored token and sends them with reqwest. No CORS is involved.

use crate::api::ipc::{HTTP_REQUEST, HttpRequestArgs};
use crate::api::{HttpResponse, LocalBoxFuture, Transport, TransportError};

#[derive(Clone, Copy, Debug, Default)]
pub struct TauriTransport;

impl Transport for TauriTransport {
    fn now_millis(&self) -> Option<i64> {
        Some(js_sys::Date::now() as i64)
    }

    fn send<'a>(
        &'a self,
        request: &'a crate::api::HttpRequest,
    ) -> LocalBoxFuture<'a, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let args = HttpRequestArgs {
                request: request.clone(),
                timeout_secs: super::request_timeout_secs(),
            };
            crate::ipc::desktop(HTTP_REQUEST, &args)
                .await
                .map_err(|error| {
                    serde_json::from_str::<TransportError>(&error)
                        .unwrap_or(TransportError::Unreachable(error))
                })
        })
    }
}
