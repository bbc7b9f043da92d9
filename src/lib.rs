//! Taskdeck: a console for the background tasks of Paperless-ngx and InvenTree.
//!
//! - [`api`]: typed wire types and calls for both servers, no UI.
//! - [`app`]: the Leptos UI shell.

pub mod api;
pub mod app;
pub mod components;
pub mod context;
pub mod desktop;
pub mod pages;
pub mod reactive;
pub mod state;
pub mod web;
