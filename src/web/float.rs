//! The shortest decimal for a float.

/// By JavaScript in the browser: Rust's float formatting would add tens of
/// KB to the download.
#[cfg(target_arch = "wasm32")]
pub fn shortest_float(f: f64) -> String {
    js_sys::Number::from(f)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn shortest_float(f: f64) -> String {
    crate::api::pickle::rust_shortest(f)
}
