//! Data kept for the whole app, apart from any screen: what several screens
//! read, read once.

pub mod full_lists;
pub mod status;
