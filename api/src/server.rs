//! The kinds of server Taskdeck talks to, and the connections offered by an
//! installation (the demo backend's list today).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServerKind {
    Paperless,
    InvenTree,
}

impl ServerKind {
    pub fn label(self) -> &'static str {
        match self {
            ServerKind::Paperless => "Paperless-ngx",
            ServerKind::InvenTree => "InvenTree",
        }
    }

    /// The server setting that must list this page's origin for a browser
    /// to be allowed to call it.
    pub fn cors_setting(self) -> &'static str {
        match self {
            ServerKind::Paperless => "PAPERLESS_CORS_ALLOWED_HOSTS",
            ServerKind::InvenTree => "INVENTREE_CORS_ORIGIN_WHITELIST",
        }
    }
}

/// One entry of the demo backend's `/demo-connections.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OfferedConnection {
    /// A stable id chosen by whoever offers the server, so links to its
    /// screens (`/paperless/office`) work in every browser. Connections the
    /// user adds get random ids instead.
    #[serde(default)]
    pub id: Option<String>,
    pub kind: ServerKind,
    pub name: String,
    pub base_url: String,
    pub token: String,
}

impl OfferedConnection {
    /// The offered id, if it is usable in a URL and not taken.
    pub fn usable_id(&self, taken: impl Fn(&str) -> bool) -> Option<&str> {
        self.id.as_deref().filter(|id| {
            !id.is_empty()
                && id.len() <= 40
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && !taken(id)
        })
    }
}
