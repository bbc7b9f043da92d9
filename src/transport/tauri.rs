//! The desktop transport: requests go to the app's Rust side through Tauri's
//! IPC (`http_request`), which checks them against the configured servers,
//! adds the stored token and sends them with reqwest. No CORS is involved.

use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

use crate::api::ipc::{HTTP_REQUEST, HttpRequestArgs};
use crate::api::{HttpResponse, LocalBoxFuture, Transport, TransportError};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI_INTERNALS__"], js_name = invoke, catch)]
    async fn tauri_invoke(command: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

/// Whether the page runs inside the Taskdeck desktop app.
pub fn in_tauri() -> bool {
    web_sys::window()
        .map(|w| {
            js_sys::Reflect::has(&w, &JsValue::from_str("__TAURI_INTERNALS__")).unwrap_or(false)
        })
        .unwrap_or(false)
}

fn to_json(value: &JsValue) -> String {
    if value.is_undefined() {
        return "null".into();
    }
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| "null".into())
}

/// Calls a command of the desktop app. `Err` carries the command's error as
/// JSON text (commands return typed errors or strings).
pub async fn invoke<A: Serialize, R: DeserializeOwned>(
    command: &str,
    args: &A,
) -> Result<R, String> {
    let args = serde_json::to_string(args).map_err(|e| e.to_string())?;
    let args = js_sys::JSON::parse(&args).map_err(|e| to_json(&e))?;
    // A command's error is a typed value (JSON) or a sentence: a sentence
    // is passed on as it is, not as quoted JSON.
    let value = tauri_invoke(command, args)
        .await
        .map_err(|e| e.as_string().unwrap_or_else(|| to_json(&e)))?;
    serde_json::from_str(&to_json(&value)).map_err(|e| format!("{command}: {e}"))
}

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
                timeout_secs: crate::web::request_timeout_secs(),
            };
            invoke(HTTP_REQUEST, &args).await.map_err(|error| {
                serde_json::from_str::<TransportError>(&error)
                    .unwrap_or(TransportError::Unreachable(error))
            })
        })
    }
}
