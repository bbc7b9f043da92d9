//! Taskdeck's API crate: the one typed layer for both servers, shared by the
//! UI, the desktop shell and the tests. No UI and no I/O here: callers get
//! typed values or an [`ApiError`] and never see JSON or HTTP; the transports
//! that send requests live at the edges (browser, desktop, tests).
//!
//! - [`http`]: requests and responses as data, addresses, secrets.
//! - [`account`]: who a token belongs to and what it may do.
//! - [`call`]: [`Call`] = request + decoder, and the [`Transport`] seam.
//! - [`error`]: typed errors an admin can act on.
//! - [`query`]: query strings (percent-encoding).
//! - [`paperless`]: Paperless-ngx tasks, API 10 (v3) and API 9 (2.x shape), normalised.
//! - [`paperless_admin`], [`paperless_mail`]: its health, system tasks and mail.
//! - [`inventree`]: InvenTree background-task queues, API 198 to 477.
//! - [`time`]: the servers' timestamps.
//! - [`server`]: server kinds and saved connections as the UI and the desktop app share them.
//! - [`site`]: `taskdeck.json`, what a deployment of the static site offers.
//! - [`ipc`]: the desktop app's commands: names and argument types, defined once.
//! - [`watcher`]: the watcher's HTTP API: action-log entries, its servers, a server's history.

/// An enum whose wire values a server may extend: unknown values decode into
/// `Other(String)` instead of failing, because a new task type on the server
/// must not blank the console.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $($variant:ident = $wire:literal, $label:literal;)*
        }
        $(aliases { $($alias:literal => $alias_variant:ident),* $(,)? })?
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant,)*
            Other(String),
        }

        impl $name {
            pub const KNOWN: &'static [$name] = &[$($name::$variant),*];

            /// Case-insensitive, so `FAILURE` (API 9) and `failure` (API 10) agree.
            pub fn from_wire(value: &str) -> Self {
                $(if value.eq_ignore_ascii_case($wire) { return $name::$variant; })*
                $($(if value.eq_ignore_ascii_case($alias) { return $name::$alias_variant; })*)?
                $name::Other(value.to_string())
            }

            pub fn as_wire(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Other(value) => value,
                }
            }

            pub fn label(&self) -> &str {
                match self {
                    $($name::$variant => $label,)*
                    $name::Other(value) => value,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::wire_str::read(d, |value| Ok($name::from_wire(value)))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_wire())
            }
        }
    };
}

pub mod account;
pub mod call;
pub mod error;
pub mod http;
pub mod inventree;
pub mod inventree_admin;
pub mod ipc;
pub mod paperless;
pub mod paperless_admin;
pub mod paperless_mail;
pub mod pickle;
pub mod query;
pub mod server;
pub mod site;
pub mod time;
pub mod watcher;
mod wire_str;

pub use call::{Call, LocalBoxFuture, Transport, decode_rows};
pub use error::ApiError;
pub use http::{BaseUrl, HttpRequest, HttpResponse, Method, Secret, TransportError};
pub use server::ServerKind;

/// A page of rows plus the total the server reported. `server_paged` is false
/// when the server ignored paging and sent everything (Paperless API 9,
/// InvenTree without `limit`): the UI then pages locally. Rows that could
/// not be read are kept apart, so one bad row never hides the others.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub count: u64,
    pub items: Vec<T>,
    pub server_paged: bool,
    pub unreadable: Vec<UnreadableRow>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            count: self.count,
            items: self.items.into_iter().map(f).collect(),
            server_paged: self.server_paged,
            unreadable: self.unreadable,
        }
    }
}

/// A row of a list that could not be read: where it was, why, and the row
/// as the server sent it.
#[derive(Clone, Debug, PartialEq)]
pub struct UnreadableRow {
    /// 0-based, within the answer.
    pub index: usize,
    pub reason: String,
    pub raw: String,
    /// The row's own key (`pk` or `id`) when that much could be read: the
    /// row can then still be chosen, acted on and linked to.
    pub key: Option<String>,
}

/// A list of ids that is never empty, so a bulk action can only ever name rows
/// the user chose, and can never degrade into "everything".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection<T>(Vec<T>);

#[allow(clippy::len_without_is_empty)]
impl<T: Eq + std::hash::Hash + Clone> Selection<T> {
    /// Drops repeated ids (Paperless rejects duplicates with a 400).
    pub fn new(ids: impl IntoIterator<Item = T>) -> Result<Self, ApiError> {
        let mut seen = std::collections::HashSet::new();
        let unique: Vec<T> = ids
            .into_iter()
            .filter(|id| seen.insert(id.clone()))
            .collect();
        if unique.is_empty() {
            Err(ApiError::NothingSelected)
        } else {
            Ok(Selection(unique))
        }
    }

    pub fn ids(&self) -> &[T] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}
