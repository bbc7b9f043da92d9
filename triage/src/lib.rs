//! Taskdeck's triage: failures grouped by cause instead of by row, the
//! known causes and their fixes, stalls seen from the outside, and
//! redacted reports to file upstream.
//!
//! Pure functions over the API crate's rows: no UI, no I/O, no async, no
//! signals, so the browser UI, the desktop app and a watcher share them
//! and the tests run natively. No regex engine either (the WASM download
//! is budgeted): the masking rules and the redaction are small scanners,
//! and the catalogue matches plain text fragments.
//!
//! - [`Failure`]: one failed row from any list, with its [`Signature`]
//!   ([`Failure::from_paperless`], [`Failure::from_inventree`],
//!   [`Failure::from_processed_mail`]).
//! - [`signature`]: the masking [`signature::RULES`] and how a server's
//!   error text becomes a signature.
//! - [`groups`]: [`groups::group`] failures of many servers over a window;
//!   [`groups::drift`] says which rows of a group changed since.
//! - [`catalogue`]: known causes ([`catalogue::match_error`]).
//! - [`stall`]: [`stall::detect`] over a series of [`stall::Observation`]s.
//! - [`redact`]: tokens, addresses and hosts out of any text.
//! - [`report`]: the Markdown report for a group or a row.

pub mod catalogue;
pub mod failure;
pub mod groups;
pub mod redact;
pub mod report;
mod scan;
pub mod signature;
pub mod stall;

pub use catalogue::{Action, Entry, match_error};
pub use failure::{Failure, List, RowRef};
pub use groups::{Drift, Group, GroupOptions, Grouping, Window};
pub use signature::{Signature, Source};
pub use stall::{Observation, Stall, Thresholds};
