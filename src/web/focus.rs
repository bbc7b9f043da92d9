//! Moving keyboard focus back to where the user was (a dialog closed).

/// Focuses the first element matching `css`, if there is one.
#[cfg(target_arch = "wasm32")]
pub fn focus_first(css: &str) {
    use wasm_bindgen::JsCast;
    let found = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(css).ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = found {
        let _ = element.focus();
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub fn focus_first(_css: &str) {}

/// Marks the focused element, so that [`return_focus`] can bring the focus
/// back when a dialog opened from it closes.
#[cfg(target_arch = "wasm32")]
pub fn remember_focus() -> u32 {
    use std::cell::Cell;
    thread_local! {
        static NEXT: Cell<u32> = const { Cell::new(1) };
    }
    let mark = NEXT.with(|n| {
        let mark = n.get();
        n.set(mark.wrapping_add(1));
        mark
    });
    let active = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element());
    if let Some(element) = active {
        let _ = element.set_attribute("data-focus-return", &mark.to_string());
    }
    mark
}

#[cfg(not(target_arch = "wasm32"))]
pub fn remember_focus() -> u32 {
    0
}

/// After the next frame (once a closed dialog is gone), focuses the element
/// marked by [`remember_focus`] if `to_marked` and it is still there and
/// enabled, else the first match of `fallback`. The mark is removed.
#[cfg(target_arch = "wasm32")]
pub fn return_focus(mark: u32, to_marked: bool, fallback: &'static str) {
    use wasm_bindgen::JsCast;
    leptos::prelude::request_animation_frame(move || {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let css = format!("[data-focus-return=\"{mark}\"]");
        let marked = document.query_selector(&css).ok().flatten();
        if let Some(element) = &marked {
            let _ = element.remove_attribute("data-focus-return");
        }
        let usable = marked
            .filter(|_| to_marked)
            .filter(|e| !e.matches(":disabled").unwrap_or(true))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        match usable {
            Some(element) => {
                let _ = element.focus();
            }
            None => focus_first(fallback),
        }
    });
}

#[cfg(not(target_arch = "wasm32"))]
pub fn return_focus(_mark: u32, _to_marked: bool, _fallback: &'static str) {}

/// `value` quoted for a CSS attribute selector.
pub fn css_string(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                quoted.push('\\');
                quoted.push(c);
            }
            // A newline cannot stand in a CSS string; its escape can.
            '\n' => quoted.push_str("\\a "),
            _ => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::css_string;

    #[test]
    fn quotes_and_backslashes_in_a_key_stay_inside_the_selector() {
        assert_eq!(css_string("4711"), "\"4711\"");
        assert_eq!(css_string("a\"]b\\"), "\"a\\\"]b\\\\\"");
        assert_eq!(css_string("x\ny"), "\"x\\a y\"");
    }
}
