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

/// A connection id from random bits: short enough for URLs
/// (`/paperless/c3f9a01b27e4`), and never the id of an earlier or a
/// concurrently added connection (two tabs adding one each, or a connection
/// whose token could not be deleted), which would inherit its token.
pub fn connection_id(random_bits: u64) -> String {
    format!("c{:012x}", random_bits & 0xffff_ffff_ffff)
}

/// A stored token and the address it was saved for, as the browser and the
/// desktop app both store it: it is only ever given out for that address.
#[derive(Serialize, Deserialize)]
pub struct BoundToken {
    pub base_url: crate::http::BaseUrl,
    pub token: String,
}

impl BoundToken {
    pub fn encode(base_url: &crate::http::BaseUrl, token: &str) -> String {
        serde_json::to_string(&BoundToken {
            base_url: base_url.clone(),
            token: token.to_string(),
        })
        .expect("serialisable")
    }

    /// The token in `stored`, if it was saved for `base_url`. Anything else
    /// (another address, an unbound value from an older version, an empty
    /// token) is not a token for this server.
    pub fn read(stored: &str, base_url: &crate::http::BaseUrl) -> Option<crate::http::Secret> {
        let bound: BoundToken = serde_json::from_str(stored).ok()?;
        (bound.base_url == *base_url)
            .then(|| crate::http::Secret::new(bound.token))
            .filter(|t| !t.is_empty())
    }
}

/// A server an installation offers: from `taskdeck.json` (never with a
/// token), or from the demo backend's `/demo-connections.json` (with the
/// demo's own tokens).
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
    /// Empty when the user must enter their own.
    #[serde(default)]
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
