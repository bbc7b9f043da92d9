//! The colour theme on the document, and the system's preference.

#[cfg(target_arch = "wasm32")]
mod imp {
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
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    pub fn apply_theme(_theme: Option<&str>) {}
    pub fn system_prefers_dark() -> bool {
        false
    }
}

pub use imp::*;
