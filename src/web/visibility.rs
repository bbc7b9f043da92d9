//! Whether the page is hidden (another tab, a minimised window).

#[cfg(target_arch = "wasm32")]
pub fn page_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .map(|d| d.visibility_state() == web_sys::VisibilityState::Hidden)
        .unwrap_or(false)
}

#[cfg(not(target_arch = "wasm32"))]
pub fn page_hidden() -> bool {
    false
}
