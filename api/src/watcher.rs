//! The watcher (`taskdeck-watch`) as a console speaks to it over HTTP: the
//! action log's entries that consoles post and read, the servers it
//! watches (`/api/health`), and one server's history (`/api/history`) for
//! the Trends screen.
//!
//! The action log entry is defined here once: the watcher checks and keeps
//! it, the console builds it. The history types read the part of the
//! watcher's answer the console uses (the watcher's tests decode its own
//! answers with them), and ignore the rest.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::call::{Call, decode_json};
use crate::error::ApiError;
use crate::http::{BaseUrl, HttpRequest, HttpResponse, Method, Secret};
use crate::query::Query;

/// The shape of an action-log entry this crate writes. Version 2 added
/// `version` itself and the outcome `failed` (a run that ran and failed);
/// an entry without `version` is version 1, and still accepted.
pub const ACTION_LOG_VERSION: u32 = 2;

/// What a console does to a server, as the action log names it.
pub const ACTIONS: &[&str] = &[
    "acknowledge",
    "delete",
    "allow_reimport",
    "fetch_mail",
    "run",
];

/// What became of the rows (or the run) an action was sent for, as seen:
/// `done` (its doing), `gone` (no longer there, maybe by someone else:
/// a worker took it, or it was gone before), `refused` (the server did not
/// do it, or said no), `failed` (a run that ran and failed), `unknown`
/// (not seen: the check afterwards could not be made).
pub const OUTCOMES: &[&str] = &["done", "gone", "refused", "failed", "unknown"];

fn version_one() -> u32 {
    1
}

/// An action a console sent to a server, and what it saw come of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionEntry {
    /// The entry's shape ([`ACTION_LOG_VERSION`]); absent: 1.
    #[serde(default = "version_one")]
    pub version: u32,
    /// Chosen by the console (random); posting the same id again is a no-op.
    pub id: String,
    /// When the action was sent (RFC 3339).
    pub at: DateTime<Utc>,
    /// Who acted, as the console names its user (not verified).
    pub who: String,
    /// The console installation that sent it.
    #[serde(default)]
    pub installation: Option<String>,
    pub server: ActionServer,
    /// One of [`ACTIONS`].
    pub action: String,
    /// What it acted on, in words (`failed tasks`, `sanity check`, …).
    #[serde(default)]
    pub target: Option<String>,
    /// How many rows it was sent for (1 for a run or a fetch).
    pub count: u64,
    /// Rows per outcome as seen, by [`OUTCOMES`].
    pub outcomes: BTreeMap<String, u64>,
    /// The report as the console showed it.
    #[serde(default)]
    pub report: Option<String>,
    /// The ids acted on (at most 1,000 kept).
    #[serde(default)]
    pub ids: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionServer {
    /// `paperless` or `inventree`.
    pub kind: String,
    pub url: String,
    #[serde(default)]
    pub name: Option<String>,
}

impl ActionEntry {
    /// Why an entry cannot be kept, in words for the console's developer.
    pub fn check(&self) -> Result<(), String> {
        let short = |what: &str, text: &str, most: usize| {
            if text.chars().count() > most {
                Err(format!("{what} is longer than {most} characters"))
            } else {
                Ok(())
            }
        };
        if self.version == 0 || self.version > ACTION_LOG_VERSION {
            return Err(format!(
                "version: this watcher reads entries of version 1 to {ACTION_LOG_VERSION}"
            ));
        }
        if self.id.is_empty()
            || self.id.len() > 64
            || !self
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err("id: 1 to 64 letters, digits, - or _".into());
        }
        short("who", &self.who, 200)?;
        short(
            "installation",
            self.installation.as_deref().unwrap_or(""),
            200,
        )?;
        short("server.url", &self.server.url, 500)?;
        short(
            "server.name",
            self.server.name.as_deref().unwrap_or(""),
            200,
        )?;
        short("target", self.target.as_deref().unwrap_or(""), 200)?;
        short("report", self.report.as_deref().unwrap_or(""), 2000)?;
        if !["paperless", "inventree"].contains(&self.server.kind.as_str()) {
            return Err("server.kind: paperless or inventree".into());
        }
        if !ACTIONS.contains(&self.action.as_str()) {
            return Err(format!("action: one of {}", ACTIONS.join(", ")));
        }
        // Version 1 knew no `failed`.
        let known: &[&str] = if self.version == 1 {
            &["done", "gone", "refused", "unknown"]
        } else {
            OUTCOMES
        };
        if let Some(bad) = self.outcomes.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(format!(
                "outcomes: “{bad}” is not one of {}",
                known.join(", ")
            ));
        }
        if self.ids.len() > 1000 || self.ids.iter().any(|id| id.len() > 100) {
            return Err("ids: at most 1,000, each at most 100 characters".into());
        }
        Ok(())
    }

    /// The outcome that says most about the entry: `refused`, `failed` or
    /// `unknown` when any row ended so, else `gone` when none was done,
    /// else `done`.
    pub fn outcome(&self) -> &'static str {
        let has = |k: &str| self.outcomes.get(k).is_some_and(|n| *n > 0);
        ["refused", "failed", "unknown"]
            .into_iter()
            .find(|k| has(k))
            .unwrap_or(if has("done") || !has("gone") {
                "done"
            } else {
                "gone"
            })
    }
}

/// An entry as a watcher keeps it: when it arrived, and from which page
/// (`local` when not from a browser).
#[derive(Clone, Debug, PartialEq)]
pub struct KeptAction {
    pub received_at: DateTime<Utc>,
    pub origin: String,
    pub entry: ActionEntry,
}

/// A server a watcher watches.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct WatchedServer {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub url: String,
}

impl WatchedServer {
    /// Whether this is the server a console's connection points at.
    pub fn is(&self, kind: crate::ServerKind, base: &BaseUrl) -> bool {
        let same_kind = match kind {
            crate::ServerKind::Paperless => self.kind == "paperless",
            crate::ServerKind::InvenTree => self.kind == "inventree",
        };
        same_kind && BaseUrl::parse(&self.url).is_ok_and(|url| url == *base)
    }
}

/// What `/api/health` says, as far as the console needs it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct WatcherHealth {
    pub source: String,
    pub version: String,
    pub servers: Vec<WatchedServer>,
}

/// One server's history: per UTC day, oldest first; the polls not yet
/// compacted, newest first; and its version changes.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct History {
    pub server: WatchedServer,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub days: Vec<HistoryDay>,
    #[serde(default)]
    pub polls: Vec<HistoryPoll>,
    /// Oldest first, with the one in force at `from`.
    #[serde(default)]
    pub versions: Vec<VersionChange>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct HistoryDay {
    pub day: NaiveDate,
    #[serde(default)]
    pub polls: u32,
    #[serde(default)]
    pub ok_polls: u32,
    #[serde(default)]
    pub worker_known_polls: u32,
    #[serde(default)]
    pub worker_down_polls: u32,
    #[serde(default)]
    pub oldest_pending_max_seconds: Option<f64>,
    #[serde(default)]
    pub open_failures_max: Option<u64>,
    #[serde(default)]
    pub server_version: Option<String>,
    /// Tasks that finished that day, per type.
    #[serde(default)]
    pub types: Vec<TypeDay>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TypeDay {
    pub task_type: String,
    #[serde(default)]
    pub success: u64,
    #[serde(default)]
    pub failure: u64,
    #[serde(default)]
    pub revoked: u64,
    #[serde(default)]
    pub duration_p50: Option<f64>,
    #[serde(default)]
    pub duration_p95: Option<f64>,
    #[serde(default)]
    pub wait_p50: Option<f64>,
    #[serde(default)]
    pub wait_p95: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct HistoryPoll {
    pub at: DateTime<Utc>,
    pub ok: bool,
    #[serde(default)]
    pub oldest_pending_seconds: Option<f64>,
    #[serde(default)]
    pub worker_up: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct VersionChange {
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub server_version: Option<String>,
    #[serde(default)]
    pub api_version: Option<u32>,
}

/// What a post of entries did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub struct Posted {
    pub added: u64,
    pub already_kept: u64,
}

/// A watcher's address and, when it has one, its HTTP token (sent as
/// `Authorization: Bearer`, never in a URL).
#[derive(Clone, Debug, PartialEq)]
pub struct WatcherClient {
    base: BaseUrl,
    token: Option<Secret>,
}

/// The most entries one post carries (the watcher's limit).
pub const MAX_POST: usize = 200;

impl WatcherClient {
    pub fn new(base: BaseUrl, token: Option<Secret>) -> WatcherClient {
        WatcherClient { base, token }
    }

    pub fn base(&self) -> &BaseUrl {
        &self.base
    }

    fn request(&self, method: Method, path: String) -> HttpRequest {
        let request =
            HttpRequest::new(method, &self.base, path).header("Accept", "application/json");
        match &self.token {
            Some(token) if !token.is_empty() => {
                request.header("Authorization", format!("Bearer {}", token.expose()))
            }
            _ => request,
        }
    }

    pub fn health_call(&self) -> Call<WatcherHealth> {
        Call::new(
            self.request(Method::Get, "/api/health".into()),
            |req, res| {
                let health: WatcherHealth = decode_json(req, &res.body)?;
                if health.source != "taskdeck-watch" {
                    return Err(ApiError::Decode {
                        endpoint: req.endpoint(),
                        field: "source".into(),
                        detail: "this address does not answer as a Taskdeck watcher".into(),
                    });
                }
                Ok(health)
            },
        )
    }

    /// The days from `from` (UTC) to now of the server the watcher knows as `server`.
    pub fn history_call(&self, server: &str, from: NaiveDate) -> Call<History> {
        let path = Query::new()
            .push("server", server)
            .push("from", from)
            .apply_to("/api/history");
        Call::new(self.request(Method::Get, path), |req, res| {
            decode_json(req, &res.body)
        })
    }

    /// Posts entries (at most [`MAX_POST`]); the watcher keeps each id once.
    pub fn post_actions_call(&self, entries: &[ActionEntry]) -> Call<Posted> {
        let body = serde_json::to_value(entries).expect("serialisable");
        Call::new(
            self.request(Method::Post, "/api/actions".into())
                .json_body(body),
            |req, res| decode_json(req, &res.body),
        )
    }

    /// The log from `from` (UTC) on, newest first, at most `limit`
    /// entries. An entry this console cannot read (a newer shape) is left
    /// out, not the whole answer.
    pub fn actions_call(&self, from: NaiveDate, limit: u32) -> Call<Vec<KeptAction>> {
        let path = Query::new()
            .push("from", from)
            .push("limit", limit)
            .apply_to("/api/actions");
        Call::new(self.request(Method::Get, path), decode_kept)
    }
}

fn decode_kept(req: &HttpRequest, res: &HttpResponse) -> Result<Vec<KeptAction>, ApiError> {
    #[derive(Deserialize)]
    struct Answer {
        actions: Vec<serde_json::Value>,
    }
    let answer: Answer = decode_json(req, &res.body)?;
    Ok(read_kept(answer.actions))
}

/// Kept entries as the watcher lists them (and the desktop app's own
/// history does); one this console cannot read is left out.
pub fn read_kept(values: Vec<serde_json::Value>) -> Vec<KeptAction> {
    values
        .into_iter()
        .filter_map(|mut value| {
            let object = value.as_object_mut()?;
            let received_at = object.remove("received_at")?;
            let origin = object.remove("origin")?;
            Some(KeptAction {
                received_at: serde_json::from_value(received_at).ok()?,
                origin: origin.as_str()?.to_string(),
                entry: serde_json::from_value(value).ok()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> ActionEntry {
        serde_json::from_str(
            r#"{"id": "2f1c9a7e-1", "at": "2026-12-06T09:30:00Z", "who": "alice",
                "installation": "office-pc",
                "server": {"kind": "paperless", "url": "https://paperless.example.org", "name": "Docs"},
                "action": "acknowledge", "target": "failed tasks", "count": 3,
                "outcomes": {"done": 2, "gone": 1}, "report": "2 of 3 acknowledged; 1 was gone",
                "ids": ["17", "18", "19"]}"#,
        )
        .expect("a version 1 entry reads")
    }

    #[test]
    fn a_version_1_entry_reads_and_is_checked_as_version_1() {
        let mut e = entry();
        assert_eq!(e.version, 1);
        assert_eq!(e.check(), Ok(()));
        assert_eq!(e.outcome(), "done");
        e.outcomes.insert("failed".into(), 1);
        assert!(
            e.check()
                .unwrap_err()
                .contains("not one of done, gone, refused, unknown")
        );
        e.version = 2;
        assert_eq!(e.check(), Ok(()));
        assert_eq!(e.outcome(), "failed");
        e.version = 3;
        assert!(e.check().unwrap_err().starts_with("version"));
    }

    #[test]
    fn requests_carry_the_token_in_a_header_and_never_in_the_url() {
        let client = WatcherClient::new(
            BaseUrl::parse("http://127.0.0.1:8095/").unwrap(),
            Some(Secret::new("w-token")),
        );
        let history = client.history_call("docs 1", "2026-11-01".parse().unwrap());
        assert_eq!(
            history.request.url(),
            "http://127.0.0.1:8095/api/history?server=docs%201&from=2026-11-01"
        );
        assert_eq!(
            history.request.header_value("authorization"),
            Some("Bearer w-token")
        );
        let post = client.post_actions_call(&[entry()]);
        assert_eq!(post.request.method, Method::Post);
        assert_eq!(post.request.path(), "/api/actions");
        assert!(!post.request.url().contains("w-token"));
        assert_eq!(post.request.body.as_ref().unwrap()[0]["who"], "alice");
        let open = WatcherClient::new(BaseUrl::parse("http://127.0.0.1:8095").unwrap(), None);
        assert_eq!(
            open.health_call().request.header_value("authorization"),
            None
        );
    }

    #[test]
    fn a_kept_entry_this_console_cannot_read_is_left_out_not_the_list() {
        let client = WatcherClient::new(BaseUrl::parse("http://w").unwrap(), None);
        let call = client.actions_call("2026-11-01".parse().unwrap(), 100);
        let mut good = serde_json::to_value(entry()).unwrap();
        good["received_at"] = "2026-12-06T09:30:01.000Z".into();
        good["origin"] = "http://127.0.0.1:8080".into();
        let mut newer = good.clone();
        newer["id"] = "x2".into();
        newer["mood"] = "a field of a newer shape".into();
        let body = serde_json::json!({ "actions": [good, newer] }).to_string();
        let kept = call.decode(&HttpResponse::new(200, body)).unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].origin, "http://127.0.0.1:8080");
        assert_eq!(kept[0].entry.who, "alice");
    }

    #[test]
    fn an_address_that_is_not_a_watcher_says_so() {
        let client = WatcherClient::new(BaseUrl::parse("http://w").unwrap(), None);
        let call = client.health_call();
        let error = call
            .decode(&HttpResponse::new(
                200,
                r#"{"source": "other", "version": "1", "servers": []}"#,
            ))
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("does not answer as a Taskdeck watcher"),
            "{error}"
        );
    }
}
