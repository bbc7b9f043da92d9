//! The UI's transports, at the edge: `fetch` in a browser tab, the app's
//! Rust side in the desktop app. Everything else sends through
//! [`crate::api::Transport`] and does not know which one it got.

#[cfg(target_arch = "wasm32")]
pub mod browser;
pub mod gate;
#[cfg(target_arch = "wasm32")]
pub mod tauri;
