//! The few things the UI needs from the browser, in one place. Native builds
//! (unit tests, clippy) compile against inert fallbacks; the UI only runs in
//! a browser or the desktop webview.

use chrono::{DateTime, FixedOffset, Utc};

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
use crate::state::connections::{KeyValueStore, OfferedConnection};

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::*;
    use wasm_bindgen::JsValue;

    pub fn transport() -> &'static dyn Transport {
        use crate::transport::gate::Gated;
        static DESKTOP: Gated<crate::transport::tauri::TauriTransport> =
            Gated(crate::transport::tauri::TauriTransport);
        static BROWSER: Gated<crate::transport::browser::BrowserTransport> =
            Gated(crate::transport::browser::BrowserTransport);
        if in_desktop_app() { &DESKTOP } else { &BROWSER }
    }

    /// Always false in the browser build: without the `desktop` feature the
    /// compiler drops the Tauri transport and every desktop-only branch.
    pub fn in_desktop_app() -> bool {
        cfg!(feature = "desktop") && crate::transport::tauri::in_tauri()
    }

    pub async fn desktop<A: serde::Serialize, R: serde::de::DeserializeOwned>(
        command: &str,
        args: &A,
    ) -> Result<R, String> {
        crate::transport::tauri::invoke(command, args).await
    }

    pub fn now() -> DateTime<Utc> {
        DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
    }

    /// Saves `content` as a file through the browser's download.
    pub fn download(name: &str, mime: &str, content: &str) -> Result<(), String> {
        use wasm_bindgen::JsCast;
        let failed = |e: JsValue| format!("The browser refused the download: {e:?}");
        let parts = js_sys::Array::of1(&JsValue::from_str(content));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(mime);
        let blob =
            web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(failed)?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(failed)?;
        let document = web_sys::window()
            .and_then(|w| w.document())
            .ok_or("no document")?;
        let anchor: web_sys::HtmlAnchorElement = document
            .create_element("a")
            .map_err(failed)?
            .dyn_into()
            .map_err(|_| "no anchor".to_string())?;
        anchor.set_href(&url);
        anchor.set_download(name);
        anchor.click();
        // The download has its own copy once it has started.
        leptos::prelude::set_timeout(
            move || {
                let _ = web_sys::Url::revoke_object_url(&url);
            },
            std::time::Duration::from_secs(60),
        );
        Ok(())
    }

    /// Whether this browser may show notifications (the user allowed them).
    pub fn notifications_granted() -> bool {
        js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("Notification")).unwrap_or(false)
            && web_sys::Notification::permission() == web_sys::NotificationPermission::Granted
    }

    /// Asks for permission (only ever after a click); `true` when granted.
    pub async fn ask_notifications() -> bool {
        let Ok(promise) = web_sys::Notification::request_permission() else {
            return false;
        };
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        notifications_granted()
    }

    pub fn notify(title: &str, body: &str) {
        let options = web_sys::NotificationOptions::new();
        options.set_body(body);
        options.set_tag("taskdeck-attention");
        let _ = web_sys::Notification::new_with_options(title, &options);
    }

    /// The shortest decimal for a float, by JavaScript (Rust's float
    /// formatting would add tens of KB to the download).
    pub fn shortest_float(f: f64) -> String {
        js_sys::Number::from(f)
            .to_string_with_radix(10)
            .map(String::from)
            .unwrap_or_default()
    }

    /// Waits, without blocking the page.
    pub async fn sleep(duration: std::time::Duration) {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                    &resolve,
                    duration.as_millis().min(i32::MAX as u128) as i32,
                );
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }

    /// 48 random bits for ids (not for secrets).
    pub fn random_bits() -> u64 {
        let half = || (js_sys::Math::random() * f64::from(1u32 << 24)) as u64;
        (half() << 24) | half()
    }

    /// The browser's offset at that instant (so summer and winter times are
    /// both right).
    pub fn local_offset_at(t: DateTime<Utc>) -> FixedOffset {
        let date = js_sys::Date::new(&JsValue::from_f64(t.timestamp_millis() as f64));
        let minutes_west = date.get_timezone_offset() as i32;
        FixedOffset::west_opt(minutes_west * 60).unwrap_or(FixedOffset::east_opt(0).unwrap())
    }

    pub fn page_hidden() -> bool {
        web_sys::window()
            .and_then(|w| w.document())
            .map(|d| d.visibility_state() == web_sys::VisibilityState::Hidden)
            .unwrap_or(false)
    }

    /// The address's fragment (`#/paperless/c1?page=2`), or empty.
    pub fn fragment() -> String {
        web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default()
    }

    /// Writes a new fragment into the address bar: a new history entry, or
    /// the same one (`replace`). Neither fires `hashchange`.
    pub fn set_fragment(fragment: &str, replace: bool) {
        let Some(history) = web_sys::window().and_then(|w| w.history().ok()) else {
            return;
        };
        let _ = if replace {
            history.replace_state_with_url(&JsValue::NULL, "", Some(fragment))
        } else {
            history.push_state_with_url(&JsValue::NULL, "", Some(fragment))
        };
    }

    pub fn scroll_to_top() {
        if let Some(w) = web_sys::window() {
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
    }

    /// This page's origin for CORS advice; empty in the desktop app, whose
    /// requests are sent from Rust.
    pub fn origin() -> String {
        if in_desktop_app() {
            return String::new();
        }
        web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default()
    }

    pub struct BrowserStore {
        session: bool,
    }

    impl BrowserStore {
        fn storage(&self) -> Option<web_sys::Storage> {
            let window = web_sys::window()?;
            if self.session {
                window.session_storage().ok().flatten()
            } else {
                window.local_storage().ok().flatten()
            }
        }
    }

    impl KeyValueStore for BrowserStore {
        fn get(&self, key: &str) -> Option<String> {
            self.storage()?.get_item(key).ok().flatten()
        }
        fn set(&self, key: &str, value: &str) {
            if let Some(s) = self.storage() {
                let _ = s.set_item(key, value);
            }
        }
        fn remove(&self, key: &str) {
            if let Some(s) = self.storage() {
                let _ = s.remove_item(key);
            }
        }
    }

    pub fn local_store() -> BrowserStore {
        BrowserStore { session: false }
    }

    pub fn session_store() -> BrowserStore {
        BrowserStore { session: true }
    }

    pub fn copy_to_clipboard(text: &str) {
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().clipboard().write_text(text);
        }
    }

    /// `light`, `dark`, or `None` to follow the system.
    pub fn apply_theme(theme: Option<&str>) {
        let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        else {
            return;
        };
        let _ = match theme {
            Some(t) => root.set_attribute("data-theme", t),
            None => root.remove_attribute("data-theme"),
        };
    }

    pub fn system_prefers_dark() -> bool {
        web_sys::window()
            .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
            .map(|m| m.matches())
            .unwrap_or(false)
    }

    /// A User Timing mark, read by `cargo xtask bench`.
    pub fn mark(name: &str) {
        if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
            let _ = p.mark(name);
        }
    }

    pub fn measure(name: &str, start_mark: &str) {
        if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
            let _ = p.measure_with_start_mark(name, start_mark);
        }
    }

    pub fn set_title(title: &str) {
        if let Some(d) = web_sys::window().and_then(|w| w.document()) {
            d.set_title(title);
        }
    }

    /// Calls `open(connection_id, href)` instead of following a click on a
    /// link marked with `data-connection` (pages of a connection's server).
    pub fn intercept_server_links(open: impl Fn(String, String) + 'static) {
        use wasm_bindgen::JsCast;
        let handle = leptos::prelude::window_event_listener(
            leptos::ev::click,
            move |event: web_sys::MouseEvent| {
                let link = event
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .and_then(|e| e.closest("a[data-connection]").ok().flatten());
                let Some(link) = link else {
                    return;
                };
                event.prevent_default();
                if let (Some(id), Some(href)) = (
                    link.get_attribute("data-connection"),
                    link.get_attribute("href"),
                ) {
                    open(id, href);
                }
            },
        );
        std::mem::forget(handle);
    }

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
    use super::*;
    use crate::api::LocalBoxFuture;
    use crate::api::{HttpRequest, HttpResponse, TransportError};

    /// Native builds exist for tests and linting; they never send requests.
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

    pub fn transport() -> &'static dyn Transport {
        &NoTransport
    }
    pub fn in_desktop_app() -> bool {
        false
    }
    pub async fn desktop<A: serde::Serialize, R: serde::de::DeserializeOwned>(
        command: &str,
        _args: &A,
    ) -> Result<R, String> {
        Err(format!("{command}: not in the desktop app"))
    }
    pub fn now() -> DateTime<Utc> {
        Utc::now()
    }
    pub fn shortest_float(f: f64) -> String {
        crate::api::pickle::rust_shortest(f)
    }
    pub fn download(_name: &str, _mime: &str, _content: &str) -> Result<(), String> {
        Err("downloads need a browser".into())
    }
    pub fn notifications_granted() -> bool {
        false
    }
    pub async fn ask_notifications() -> bool {
        false
    }
    pub fn notify(_title: &str, _body: &str) {}
    pub async fn sleep(_duration: std::time::Duration) {}
    pub fn random_bits() -> u64 {
        use std::hash::{BuildHasher, RandomState};
        RandomState::new().hash_one(now().timestamp_nanos_opt())
    }
    pub fn local_offset_at(_t: DateTime<Utc>) -> FixedOffset {
        FixedOffset::east_opt(0).expect("zero offset")
    }
    pub fn page_hidden() -> bool {
        false
    }
    pub fn origin() -> String {
        String::new()
    }
    pub fn fragment() -> String {
        String::new()
    }
    pub fn set_fragment(_fragment: &str, _replace: bool) {}
    pub fn scroll_to_top() {}

    pub struct NullStore;
    impl KeyValueStore for NullStore {
        fn get(&self, _key: &str) -> Option<String> {
            None
        }
        fn set(&self, _key: &str, _value: &str) {}
        fn remove(&self, _key: &str) {}
    }
    pub fn local_store() -> NullStore {
        NullStore
    }
    pub fn session_store() -> NullStore {
        NullStore
    }
    pub fn copy_to_clipboard(_text: &str) {}
    pub fn apply_theme(_theme: Option<&str>) {}
    pub fn system_prefers_dark() -> bool {
        false
    }
    pub fn mark(_name: &str) {}
    pub fn measure(_name: &str, _start_mark: &str) {}
    pub fn set_title(_title: &str) {}
    pub fn intercept_server_links(_open: impl Fn(String, String) + 'static) {}
    pub async fn fetch_offer() -> Vec<OfferedConnection> {
        vec![]
    }
    pub async fn fetch_site_file(_name: &str) -> Result<Option<String>, String> {
        Ok(None)
    }
}

pub use imp::*;
