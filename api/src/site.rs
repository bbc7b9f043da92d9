//! `taskdeck.json`: what an installation of the static site offers, deployed
//! by its admin beside `index.html`. The servers (name, kind, address, or a
//! path on the page's own origin) and defaults for refresh and time zone.
//! Never a secret: each user enters their own token, and a file with one is
//! refused as a whole, so it is noticed and fixed rather than served.

use serde::Deserialize;
use serde_json::Value;

use crate::http::BaseUrl;
use crate::server::{OfferedConnection, ServerKind};

/// The file's name, next to `index.html`.
pub const SITE_CONFIG_FILE: &str = "taskdeck.json";

/// Keys that would carry a secret, wherever they appear in a file an admin
/// writes (`taskdeck.json`, the watcher's config).
pub const SECRET_KEYS: &[&str] = &[
    "token",
    "api_token",
    "app_token",
    "api_key",
    "apikey",
    "key",
    "password",
    "passwd",
    "secret",
    "authorization",
    "auth",
    "bearer",
    "session",
    "sessionid",
    "csrftoken",
];

/// Larger than any list of servers an admin writes by hand.
const MAX_BYTES: usize = 256 * 1024;
const MAX_SERVERS: usize = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    servers: Vec<RawServer>,
    #[serde(default)]
    defaults: RawDefaults,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    #[serde(default)]
    id: Option<String>,
    name: String,
    kind: ServerKind,
    url: String,
    #[serde(default)]
    same_origin: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    #[serde(default)]
    refresh_seconds: Option<u32>,
    #[serde(default)]
    time_zone: Option<String>,
}

/// How often lists refresh themselves unless the user chose otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteRefresh {
    Off,
    Seconds(u32),
}

/// The refresh choices the UI offers; a default must be one of them.
pub const REFRESH_CHOICES: [u32; 4] = [0, 5, 15, 60];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteZone {
    Local,
    Utc,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SiteDefaults {
    pub refresh: Option<SiteRefresh>,
    pub time_zone: Option<SiteZone>,
}

/// A checked `taskdeck.json`.
#[derive(Clone, Debug, Default)]
pub struct SiteConfig {
    /// Offered as connections without a token.
    pub servers: Vec<OfferedConnection>,
    pub defaults: SiteDefaults,
}

/// Why a `taskdeck.json` cannot be used, in words for whoever deployed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteConfigError(pub String);

impl std::fmt::Display for SiteConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn bad(message: impl Into<String>) -> SiteConfigError {
    SiteConfigError(format!("{SITE_CONFIG_FILE}: {}", message.into()))
}

/// Where the first secret-looking key of a document sits, e.g.
/// `servers[1].token`: such a file is refused as a whole, naming the key and
/// never repeating its value.
pub fn secret_key_at(document: &Value) -> Option<String> {
    find_secret(document, "")
}

fn find_secret(value: &Value, at: &str) -> Option<String> {
    match value {
        Value::Object(map) => map.iter().find_map(|(key, inner)| {
            let path = if at.is_empty() {
                key.clone()
            } else {
                format!("{at}.{key}")
            };
            if SECRET_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
                Some(path)
            } else {
                find_secret(inner, &path)
            }
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(n, inner)| find_secret(inner, &format!("{at}[{n}]"))),
        _ => None,
    }
}

impl SiteConfig {
    /// Reads the file's text. `page_origin` (`https://example.org`) is where
    /// the page was loaded from: `same_origin` servers are paths on it.
    pub fn parse(text: &str, page_origin: &str) -> Result<SiteConfig, SiteConfigError> {
        if text.len() > MAX_BYTES {
            return Err(bad(format!(
                "the file is {} KB; a list of servers is far smaller",
                text.len() / 1024
            )));
        }
        if text.trim_start().starts_with('<') {
            return Err(bad(
                "the server answered with a web page, not JSON: either no taskdeck.json \
                 is deployed and the server sends index.html instead, or the file is not JSON",
            ));
        }
        let value: Value = serde_json::from_str(text).map_err(|e| {
            bad(format!(
                "not valid JSON at line {} column {}: {}",
                e.line(),
                e.column(),
                e
            ))
        })?;
        if !value.is_object() {
            return Err(bad(
                "must be a JSON object with \"servers\" and \"defaults\"",
            ));
        }
        if let Some(at) = secret_key_at(&value) {
            return Err(bad(format!(
                "\"{at}\" looks like a secret, and this file is public (anyone who can open \
                 Taskdeck can read it). Remove it: each user enters their own token."
            )));
        }
        let raw: RawConfig = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
        if raw.servers.len() > MAX_SERVERS {
            return Err(bad(format!(
                "{} servers; at most {MAX_SERVERS} are offered",
                raw.servers.len()
            )));
        }
        let mut servers: Vec<OfferedConnection> = Vec::with_capacity(raw.servers.len());
        for (n, server) in raw.servers.into_iter().enumerate() {
            let which = format!("server {} (\"{}\")", n + 1, server.name);
            if server.name.trim().is_empty() {
                return Err(bad(format!("server {} has no name", n + 1)));
            }
            let base_url = server_address(&server, page_origin)
                .map_err(|why| bad(format!("{which}: {why}")))?;
            if servers
                .iter()
                .any(|s| s.kind == server.kind && s.base_url == base_url.as_str())
            {
                return Err(bad(format!(
                    "{which} is listed twice ({})",
                    base_url.as_str()
                )));
            }
            let offered = OfferedConnection {
                id: server.id.clone(),
                kind: server.kind,
                name: server.name.trim().to_string(),
                base_url: base_url.as_str().to_string(),
                token: String::new(),
            };
            if let Some(id) = &server.id {
                if offered.usable_id(|_| false).is_none() {
                    return Err(bad(format!(
                        "{which}: the id \"{id}\" must be 1 to 40 letters, digits, '-' or '_' \
                         (it appears in links)"
                    )));
                }
                if servers.iter().any(|s| s.id.as_deref() == Some(id)) {
                    return Err(bad(format!("{which}: the id \"{id}\" is used twice")));
                }
            }
            servers.push(offered);
        }
        Ok(SiteConfig {
            servers,
            defaults: defaults(raw.defaults)?,
        })
    }
}

fn server_address(server: &RawServer, page_origin: &str) -> Result<BaseUrl, String> {
    let url = server.url.trim();
    if server.same_origin {
        if !url.starts_with('/') || url.starts_with("//") {
            return Err(format!(
                "\"same_origin\": true needs a path on this site such as \"/paperless\", not \"{url}\""
            ));
        }
        if page_origin.is_empty() {
            return Err("same-origin servers need the page's own address".into());
        }
        return BaseUrl::parse(&format!("{page_origin}{url}"));
    }
    if url.starts_with('/') {
        return Err(format!(
            "\"{url}\" is a path: add \"same_origin\": true, or give the full address (https://…)"
        ));
    }
    BaseUrl::parse(url)
}

fn defaults(raw: RawDefaults) -> Result<SiteDefaults, SiteConfigError> {
    let refresh = match raw.refresh_seconds {
        None => None,
        Some(0) => Some(SiteRefresh::Off),
        Some(s) if REFRESH_CHOICES.contains(&s) => Some(SiteRefresh::Seconds(s)),
        Some(s) => {
            return Err(bad(format!(
                "defaults.refresh_seconds is {s}; Taskdeck offers 0 (off), 5, 15 or 60"
            )));
        }
    };
    let time_zone = match raw
        .time_zone
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None => None,
        Some("local") => Some(SiteZone::Local),
        Some("utc") => Some(SiteZone::Utc),
        Some(other) => {
            return Err(bad(format!(
                "defaults.time_zone is \"{other}\"; use \"local\" (each user's own) or \"utc\""
            )));
        }
    };
    Ok(SiteDefaults { refresh, time_zone })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "https://tools.example.org";

    fn parse(text: &str) -> Result<SiteConfig, String> {
        SiteConfig::parse(text, ORIGIN).map_err(|e| e.0)
    }

    #[test]
    fn servers_and_defaults_are_read() {
        let config = parse(
            r#"{
              "servers": [
                {"id": "office", "name": "Office", "kind": "paperless", "url": "https://paperless.example.org/"},
                {"name": "Parts", "kind": "inventree", "url": "/inventree", "same_origin": true}
              ],
              "defaults": {"refresh_seconds": 60, "time_zone": "UTC"}
            }"#,
        )
        .unwrap();
        assert_eq!(config.servers.len(), 2);
        assert_eq!(config.servers[0].id.as_deref(), Some("office"));
        assert_eq!(config.servers[0].base_url, "https://paperless.example.org");
        assert_eq!(config.servers[0].token, "");
        assert_eq!(config.servers[1].kind, ServerKind::InvenTree);
        assert_eq!(
            config.servers[1].base_url,
            "https://tools.example.org/inventree"
        );
        assert_eq!(
            config.defaults,
            SiteDefaults {
                refresh: Some(SiteRefresh::Seconds(60)),
                time_zone: Some(SiteZone::Utc)
            }
        );
    }

    #[test]
    fn the_shipped_example_reads() {
        let config = parse(include_str!("../../taskdeck.example.json")).unwrap();
        assert_eq!(config.servers.len(), 2);
        assert_eq!(config.servers[0].base_url, ORIGIN);
        assert_eq!(config.defaults.refresh, Some(SiteRefresh::Seconds(15)));
    }

    #[test]
    fn an_empty_object_offers_nothing() {
        let config = parse("{}").unwrap();
        assert!(config.servers.is_empty());
        assert_eq!(config.defaults, SiteDefaults::default());
        assert_eq!(
            parse(r#"{"defaults": {"refresh_seconds": 0}}"#)
                .unwrap()
                .defaults
                .refresh,
            Some(SiteRefresh::Off)
        );
    }

    #[test]
    fn secrets_are_refused_wherever_they_are() {
        for (text, at) in [
            (
                r#"{"servers": [{"name": "A", "kind": "paperless", "url": "https://a.example", "token": "abc"}]}"#,
                "servers[0].token",
            ),
            (
                r#"{"servers": [{"name": "A", "kind": "paperless", "url": "https://a.example", "Password": "x"}]}"#,
                "servers[0].Password",
            ),
            (r#"{"defaults": {"api_key": "x"}}"#, "defaults.api_key"),
            (r#"{"token": "x"}"#, "token"),
        ] {
            let error = parse(text).unwrap_err();
            assert!(
                error.contains(&format!("\"{at}\" looks like a secret")),
                "{error}"
            );
            assert!(
                !error.contains("abc"),
                "the secret itself is not repeated: {error}"
            );
        }
    }

    #[test]
    fn bad_input_says_what_and_where() {
        let cases = [
            ("", "not valid JSON at line 1"),
            ("{\"servers\": [}", "not valid JSON at line 1 column 14"),
            ("[1, 2]", "must be a JSON object"),
            ("<!DOCTYPE html><html>", "answered with a web page"),
            (r#"{"server": []}"#, "unknown field `server`"),
            (
                r#"{"servers": [{"name": "A", "kind": "gitlab", "url": "https://a"}]}"#,
                "unknown variant `gitlab`",
            ),
            (
                r#"{"servers": [{"name": "A", "kind": "paperless"}]}"#,
                "missing field `url`",
            ),
            (
                r#"{"servers": [{"name": "A", "kind": "paperless", "url": "ftp://a"}]}"#,
                "server 1 (\"A\"): The server address must start with http",
            ),
            (
                r#"{"servers": [{"name": "A", "kind": "paperless", "url": "https://me@evil.example"}]}"#,
                "must not contain a user name",
            ),
            (
                r#"{"servers": [{"name": "A", "kind": "paperless", "url": "/paperless"}]}"#,
                "add \"same_origin\": true",
            ),
            (
                r#"{"servers": [{"name": "A", "kind": "paperless", "url": "https://b", "same_origin": true}]}"#,
                "needs a path on this site",
            ),
            (
                r#"{"servers": [{"name": "A", "kind": "paperless", "url": "//b/x", "same_origin": true}]}"#,
                "needs a path on this site",
            ),
            (
                r#"{"servers": [{"name": " ", "kind": "paperless", "url": "https://a"}]}"#,
                "server 1 has no name",
            ),
            (
                r#"{"servers": [{"id": "a b", "name": "A", "kind": "paperless", "url": "https://a"}]}"#,
                "the id \"a b\" must be",
            ),
            (
                r#"{"servers": [{"id": "x", "name": "A", "kind": "paperless", "url": "https://a"}, {"id": "x", "name": "B", "kind": "paperless", "url": "https://b"}]}"#,
                "server 2 (\"B\"): the id \"x\" is used twice",
            ),
            (
                r#"{"servers": [{"name": "A", "kind": "paperless", "url": "https://a/"}, {"name": "B", "kind": "paperless", "url": "https://a"}]}"#,
                "server 2 (\"B\") is listed twice",
            ),
            (
                r#"{"defaults": {"refresh_seconds": 7}}"#,
                "offers 0 (off), 5, 15 or 60",
            ),
            (r#"{"defaults": {"refresh_seconds": -1}}"#, "invalid value"),
            (
                r#"{"defaults": {"time_zone": "Europe/Berlin"}}"#,
                "use \"local\"",
            ),
            (
                r#"{"defaults": {"theme": "dark"}}"#,
                "unknown field `theme`",
            ),
        ];
        for (text, expected) in cases {
            let error = parse(text).unwrap_err();
            assert!(error.starts_with("taskdeck.json: "), "{error}");
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn oversized_files_are_refused_before_parsing() {
        let huge = format!("{{\"servers\": [], \"x\": \"{}\"}}", "a".repeat(MAX_BYTES));
        assert!(parse(&huge).unwrap_err().contains("far smaller"));
        let many: Vec<String> = (0..=MAX_SERVERS)
            .map(|n| {
                format!(r#"{{"name": "S{n}", "kind": "inventree", "url": "https://s{n}.example"}}"#)
            })
            .collect();
        let text = format!("{{\"servers\": [{}]}}", many.join(","));
        assert!(parse(&text).unwrap_err().contains("at most 200"));
    }
}
