//! Reusable widgets. Pages compose them; none of them knows a server.

pub mod choice;
pub mod dialog;
pub mod drawer;
pub mod feedback;
pub mod form;
pub mod loader;
pub mod palette;
pub mod refresh;
pub mod saved_views;
pub mod selection;
pub mod time;
pub mod url_view;
