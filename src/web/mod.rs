//! The browser, one concern per file. Native builds (unit tests, clippy)
//! compile against inert fallbacks; the UI only runs in a browser or the
//! desktop webview. Nothing here knows about servers or transports: those
//! use it, never the other way round.

mod clipboard;
mod clock;
mod download;
mod float;
mod focus;
mod fragment;
mod idb;
mod links;
mod notifications;
pub mod panic;
mod random;
mod site_files;
mod storage;
mod theme;
mod time;
mod timing;
mod title;
mod visibility;

pub use clipboard::copy_to_clipboard;
pub use clock::BrowserClock;
pub use download::download;
pub use float::shortest_float;
pub use focus::{css_string, focus_first, remember_focus, return_focus};
pub use fragment::{fragment, origin, scroll_to_top, set_fragment};
pub use idb::IdbStore;
pub use links::intercept_server_links;
pub use notifications::{ask_notifications, notifications_granted, notify};
pub use random::random_bits;
pub use site_files::{fetch_offer, fetch_site_file};
pub use storage::{local_store, on_storage_change, session_store};
pub use theme::{apply_theme, system_prefers_dark};
pub use time::{local_offset_at, now, sleep};
pub use timing::{mark, measure};
pub use title::set_title;
pub use visibility::page_hidden;
