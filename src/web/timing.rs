//! User Timing marks, read by `cargo xtask bench`.

#[cfg(target_arch = "wasm32")]
pub fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}

#[cfg(target_arch = "wasm32")]
pub fn measure(name: &str, start_mark: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.measure_with_start_mark(name, start_mark);
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub fn mark(_name: &str) {}

#[cfg(not(target_arch = "wasm32"))]
pub fn measure(_name: &str, _start_mark: &str) {}
