//! The document's title.

#[cfg(target_arch = "wasm32")]
pub fn set_title(title: &str) {
    if let Some(d) = web_sys::window().and_then(|w| w.document()) {
        d.set_title(title);
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub fn set_title(_title: &str) {}
