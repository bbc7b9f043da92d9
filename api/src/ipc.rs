//! The desktop app's commands, defined once: their names (which the UI
//! invokes, the desktop build script turns into permissions and the
//! capability grants) and the types that cross the IPC boundary.
//!
//! The webview never receives a stored token: it hands one over with
//! [`SAVE_CONNECTION`] and from then on only learns whether one is stored.

use serde::{Deserialize, Serialize};

use crate::http::{BaseUrl, HttpRequest};
use crate::server::ServerKind;

/// `{ request: HttpRequest }` → `HttpResponse`, or a `TransportError`.
pub const HTTP_REQUEST: &str = "http_request";
/// `{}` → [`DesktopState`].
pub const LOAD_CONNECTIONS: &str = "load_connections";
/// [`SaveConnectionArgs`] → [`DesktopConnection`] as saved (with its id).
pub const SAVE_CONNECTION: &str = "save_connection";
/// [`IdArgs`] → `()`: the connection and its token are forgotten.
pub const FORGET_CONNECTION: &str = "forget_connection";
/// [`AttentionArgs`] → `()`: the window title counts what needs attention.
pub const SET_ATTENTION: &str = "set_attention";
/// [`NotifyArgs`] → `()`: a native notification about new failures.
pub const NOTIFY_FAILURE: &str = "notify_failure";
/// [`OpenArgs`] → `()`: a page of a connection's server in the system browser.
pub const OPEN_IN_BROWSER: &str = "open_in_browser";
/// [`SaveExportArgs`] → `Option<String>`: asks where to save an export
/// (native dialog) and writes it; the path, or `None` when cancelled.
pub const SAVE_EXPORT: &str = "save_export";
/// [`LogPanicArgs`] → `()`: the console panicked; the message goes to the
/// app's log (the webview's console reaches nobody).
pub const LOG_PANIC: &str = "log_panic";

/// [`RecordActionArgs`] → `()`: keeps an action-log entry in the app's
/// history file (the same file its watcher keeps).
pub const RECORD_ACTION: &str = "record_action";
/// [`ListActionsArgs`] → a list of entries as the watcher's
/// `/api/actions` answers them (`received_at`, `origin` and the entry).
pub const LIST_ACTIONS: &str = "list_actions";
/// `{}` → [`WatchStatus`]: the app's own watcher.
pub const WATCH_STATUS: &str = "watch_status";
/// [`WatchHistoryArgs`] → one connection's history, as the watcher's
/// `/api/history` answers it.
pub const WATCH_HISTORY: &str = "watch_history";
/// [`AutostartArgs`] → [`WatchStatus`]: start Taskdeck at login (in the
/// tray), or not.
pub const SET_AUTOSTART: &str = "set_autostart";

/// Every command, for the desktop build script and capability.
pub const COMMANDS: &[&str] = &[
    HTTP_REQUEST,
    LOAD_CONNECTIONS,
    SAVE_CONNECTION,
    FORGET_CONNECTION,
    SET_ATTENTION,
    NOTIFY_FAILURE,
    OPEN_IN_BROWSER,
    SAVE_EXPORT,
    LOG_PANIC,
    RECORD_ACTION,
    LIST_ACTIONS,
    WATCH_STATUS,
    WATCH_HISTORY,
    SET_AUTOSTART,
];

/// The permission Tauri's build script generates for a command.
pub fn permission(command: &str) -> String {
    format!("allow-{}", command.replace('_', "-"))
}

/// A connection as the desktop app stores it (its config file) and reports
/// it to the UI: settings, and whether the credential store holds a token
/// for this connection's address. The token itself never goes back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DesktopConnection {
    pub id: String,
    pub kind: ServerKind,
    pub name: String,
    pub base_url: BaseUrl,
    #[serde(default)]
    pub notify_failures: bool,
    #[serde(default)]
    pub has_token: bool,
    /// Saved although its test failed: why, until a test passes.
    #[serde(default)]
    pub not_working: Option<String>,
}

/// Where the desktop app keeps tokens, found by probing each store in turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenStore {
    /// The Secret Service (GNOME Keyring, KWallet), Keychain or Credential Manager.
    SystemKeychain,
    /// Linux's kernel key service (keyutils).
    KernelKeyring,
    /// This process's memory: tokens are gone when Taskdeck closes.
    SessionMemory,
}

impl TokenStore {
    /// How the Connections screen says it.
    pub fn describe(self) -> &'static str {
        match self {
            TokenStore::SystemKeychain => {
                "Tokens are kept in the system keychain and survive restarts."
            }
            TokenStore::KernelKeyring => {
                "No system keychain is running, so tokens are kept in the kernel keyring: they \
                 survive restarts of Taskdeck, but the kernel may drop them after you log out or \
                 restart the computer (then enter them again)."
            }
            TokenStore::SessionMemory => {
                "No system keychain or kernel keyring can keep tokens here, so they are kept only \
                 until Taskdeck closes (never in a file). Enter them again after a restart."
            }
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TokenStore::SystemKeychain => "system keychain",
            TokenStore::KernelKeyring => "kernel keyring",
            TokenStore::SessionMemory => "only until Taskdeck closes",
        }
    }

    /// Where one connection's token is, as a sentence.
    pub fn holds_token(self) -> &'static str {
        match self {
            TokenStore::SystemKeychain => "Token kept in the system keychain.",
            TokenStore::KernelKeyring => "Token kept in the kernel keyring.",
            TokenStore::SessionMemory => "Token kept in memory until Taskdeck closes.",
        }
    }
}

/// What [`LOAD_CONNECTIONS`] answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DesktopState {
    pub connections: Vec<DesktopConnection>,
    pub token_store: TokenStore,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRequestArgs {
    pub request: HttpRequest,
    /// How long to wait for the answer (the UI's one setting).
    pub timeout_secs: u32,
}

/// A new connection has an empty `id` (the app picks a random one). A token
/// is required whenever none is stored for this address: for a new
/// connection, and for one whose address changed.
#[derive(Serialize, Deserialize)]
pub struct SaveConnectionArgs {
    pub connection: DesktopConnection,
    pub token: Option<String>,
}

#[derive(Serialize, Deserialize)]
pub struct IdArgs {
    pub id: String,
}

#[derive(Serialize, Deserialize)]
pub struct AttentionArgs {
    pub count: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotifyArgs {
    pub server: String,
    pub new_failures: u64,
    /// New problems in words: "the background worker is not running".
    #[serde(default)]
    pub new_problems: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenArgs {
    pub connection_id: String,
    pub url: String,
}

#[derive(Serialize, Deserialize)]
pub struct LogPanicArgs {
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_are_named_as_tauri_generates_them() {
        assert_eq!(permission(HTTP_REQUEST), "allow-http-request");
        let unique: std::collections::HashSet<_> = COMMANDS.iter().collect();
        assert_eq!(unique.len(), COMMANDS.len());
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveExportArgs {
    /// Suggested in the dialog; never used as a path.
    pub file_name: String,
    pub content: String,
}

#[derive(Serialize, Deserialize)]
pub struct RecordActionArgs {
    pub entry: crate::watcher::ActionEntry,
}

#[derive(Serialize, Deserialize)]
pub struct ListActionsArgs {
    /// From this UTC day on.
    pub from: chrono::NaiveDate,
    pub limit: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchHistoryArgs {
    pub connection_id: String,
    /// From this UTC day on.
    pub from: chrono::NaiveDate,
}

#[derive(Serialize, Deserialize)]
pub struct AutostartArgs {
    pub enabled: bool,
}

/// The desktop app's own watcher: it runs while the app does (in the tray
/// when the window is closed), over every connection with a token.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WatchStatus {
    /// Watching now.
    pub running: bool,
    /// The connections it watches, by id.
    #[serde(default)]
    pub connections: Vec<String>,
    /// Why it does not run, when it does not.
    #[serde(default)]
    pub problem: Option<String>,
    /// The tray icon is up (closing the window keeps the app running).
    #[serde(default)]
    pub tray: bool,
    /// Taskdeck starts at login.
    #[serde(default)]
    pub autostart: bool,
    /// Where the history is kept.
    #[serde(default)]
    pub data_file: String,
    /// Alerts so far (shown as notifications for servers that opted in).
    #[serde(default)]
    pub alerts: u64,
}
