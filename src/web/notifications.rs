//! Browser notifications, only ever asked for after a click.

#[cfg(target_arch = "wasm32")]
mod imp {
    use wasm_bindgen::JsValue;

    /// Whether this browser may show notifications (the user allowed them).
    pub fn notifications_granted() -> bool {
        js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("Notification")).unwrap_or(false)
            && web_sys::Notification::permission() == web_sys::NotificationPermission::Granted
    }

    /// Asks for permission; `true` when granted.
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
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    pub fn notifications_granted() -> bool {
        false
    }
    pub async fn ask_notifications() -> bool {
        false
    }
    pub fn notify(_title: &str, _body: &str) {}
}

pub use imp::*;
