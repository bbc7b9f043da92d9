//! If the console panics anyway, the user learns of it: a WASM panic ends
//! the app (every click after it does nothing), so a banner says so and
//! offers a reload, and in the desktop app the message reaches the app's
//! log (the webview's console reaches nobody there).
//!
//! The banner is plain DOM, made without Leptos or any Rust callback: after
//! the panic the WASM module traps on every call, so the reload is an
//! ordinary link.

/// The panic hook: the message to the console, the banner, the desktop log.
#[cfg(target_arch = "wasm32")]
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let message = info.to_string();
        show_banner();
        crate::ipc::tell_desktop_now(
            crate::api::ipc::LOG_PANIC,
            &crate::api::ipc::LogPanicArgs { message },
        );
    }));
}

#[cfg(not(target_arch = "wasm32"))]
pub fn install() {}

/// Where a click reloads this very screen: the same page with a query of
/// its own (a changed query is a new page load, the fragment keeps the
/// route; static file servers ignore the query).
pub fn reload_href(path: &str, fragment: &str, nonce: u64) -> String {
    format!("{path}?taskdeck-reload={nonce}{fragment}")
}

#[cfg(target_arch = "wasm32")]
fn show_banner() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(document) = window.document() else {
        return;
    };
    if document.get_element_by_id("panic-banner").is_some() {
        return;
    }
    let location = window.location();
    let href = reload_href(
        &location.pathname().unwrap_or_default(),
        &location.hash().unwrap_or_default(),
        js_sys::Date::now() as u64,
    );
    let Ok(banner) = document.create_element("div") else {
        return;
    };
    banner.set_id("panic-banner");
    banner.set_class_name("panic-banner");
    let _ = banner.set_attribute("role", "alert");
    let _ = banner.set_attribute("data-testid", "panic-banner");
    let text = document.create_element("span").ok();
    if let Some(text) = &text {
        text.set_text_content(Some(
            "Taskdeck stopped working because of an error in the console itself. Work already \
             sent to a server is not undone; reload to go on.",
        ));
        let _ = banner.append_child(text);
    }
    if let Ok(link) = document.create_element("a") {
        let _ = link.set_attribute("href", &href);
        link.set_class_name("btn btn-primary");
        let _ = link.set_attribute("data-testid", "panic-reload");
        link.set_text_content(Some("Reload"));
        let _ = banner.append_child(&link);
    }
    if let Some(body) = document.body() {
        let _ = body.append_child(&banner);
    }
}

#[cfg(test)]
mod tests {
    use super::reload_href;

    #[test]
    fn the_reload_link_keeps_the_screen_and_forces_a_new_load() {
        assert_eq!(
            reload_href("/tools/taskdeck/", "#/paperless/c1?page=2", 42),
            "/tools/taskdeck/?taskdeck-reload=42#/paperless/c1?page=2"
        );
        assert_eq!(reload_href("/", "", 1), "/?taskdeck-reload=1");
    }
}
