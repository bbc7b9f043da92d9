//! The UI's transports, at the edge: `fetch` in a browser tab, the app's
//! Rust side in the desktop app, both behind the fair request gate.
//! Everything else sends through [`current`] and does not know which one it
//! got.

#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
mod tauri;

use std::sync::atomic::{AtomicU32, Ordering};

use crate::api::Transport;

/// How long a request may take, in seconds: the one setting both
/// transports read.
static REQUEST_TIMEOUT_SECS: AtomicU32 = AtomicU32::new(30);

pub fn set_request_timeout_secs(secs: u32) {
    REQUEST_TIMEOUT_SECS.store(secs.max(1), Ordering::Relaxed);
}

pub fn request_timeout_secs() -> u32 {
    REQUEST_TIMEOUT_SECS.load(Ordering::Relaxed)
}

/// The transport of this page: the desktop app's, or the browser's, behind
/// the page's one gate.
#[cfg(target_arch = "wasm32")]
pub fn current() -> &'static dyn Transport {
    use crate::engine::gate::{Gated, MAX_IN_FLIGHT};
    thread_local! {
        // Made once and kept for the life of the page.
        static CURRENT: &'static dyn Transport = if crate::ipc::in_desktop_app() {
            Box::leak(Box::new(Gated::new(tauri::TauriTransport, MAX_IN_FLIGHT)))
        } else {
            Box::leak(Box::new(Gated::new(browser::BrowserTransport, MAX_IN_FLIGHT)))
        };
    }
    CURRENT.with(|t| *t)
}

/// Native builds exist for tests and linting; they never send requests.
#[cfg(not(target_arch = "wasm32"))]
pub fn current() -> &'static dyn Transport {
    use crate::api::{HttpRequest, HttpResponse, LocalBoxFuture, TransportError};

    struct NoTransport;

    impl Transport for NoTransport {
        fn send<'a>(
            &'a self,
            _request: &'a HttpRequest,
        ) -> LocalBoxFuture<'a, Result<HttpResponse, TransportError>> {
            Box::pin(async {
                Err(TransportError::Unreachable(
                    "this build has no HTTP transport; run the UI in a browser".into(),
                ))
            })
        }
    }

    &NoTransport
}
