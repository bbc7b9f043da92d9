//! Links to a connection's own server, handed to whoever opens them.

/// Calls `open(connection_id, href)` instead of following a click on a
/// link marked with `data-connection` (pages of a connection's server).
#[cfg(target_arch = "wasm32")]
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
    // For the life of the page.
    std::mem::forget(handle);
}

#[cfg(not(target_arch = "wasm32"))]
pub fn intercept_server_links(_open: impl Fn(String, String) + 'static) {}
