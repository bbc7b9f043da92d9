//! The address bar: the fragment that holds the route, scrolling, origin.

#[cfg(target_arch = "wasm32")]
mod imp {
    use wasm_bindgen::JsValue;

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

    /// This page's origin (`http://127.0.0.1:8080`), for CORS advice.
    pub fn page_origin() -> String {
        web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default()
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    pub fn fragment() -> String {
        String::new()
    }
    pub fn set_fragment(_fragment: &str, _replace: bool) {}
    pub fn scroll_to_top() {}
    pub fn page_origin() -> String {
        String::new()
    }
}

pub use imp::{fragment, scroll_to_top, set_fragment};

/// This page's origin for CORS advice; empty in the desktop app, whose
/// requests are sent from Rust.
pub fn origin() -> String {
    if crate::ipc::in_desktop_app() {
        String::new()
    } else {
        imp::page_origin()
    }
}
