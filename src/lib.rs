//! Taskdeck: a console for the background tasks of Paperless-ngx and InvenTree.
//!
//! - [`api`]: the `taskdeck-api` crate: wire types and calls for both servers, no UI.
//! - [`transport`]: how the UI sends requests (browser `fetch`, or the desktop app).
//! - [`app`]: the Leptos UI shell.

pub use taskdeck_api as api;
pub use taskdeck_engine as engine;
pub mod action_log;
pub mod app;
pub mod components;
pub mod context;
pub mod desktop;
pub mod ipc;
pub mod location;
pub mod pages;
pub mod reactive;
pub mod runs;
pub mod state;
pub mod store;
pub mod table;
pub mod transport;
pub mod watching;
pub mod web;
