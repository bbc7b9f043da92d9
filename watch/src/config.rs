//! The watcher's config file (TOML): servers, how often to poll, how long
//! to keep history, rules and channels. Secrets never live in it: every
//! token is named by an environment variable, a file, or a systemd
//! credential, and a file that holds a token itself is refused as a whole
//! (the idea of `taskdeck.json`'s check in the API crate, for TOML).
//! `taskdeck-watch.example.toml` documents every key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use taskdeck_api::server::{OfferedConnection, ServerKind};
use taskdeck_api::site::{SECRET_KEYS, secret_key_at};
use taskdeck_api::{BaseUrl, Secret};

/// Larger than any config an admin writes by hand.
const MAX_BYTES: usize = 1024 * 1024;
const MAX_SERVERS: usize = 500;

/// Why a config cannot be used, in words for whoever wrote it. Never holds
/// a secret's value: only where it was looked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn bad(message: impl Into<String>) -> ConfigError {
    ConfigError(message.into())
}

/// A checked config with every secret read.
#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: Option<PathBuf>,
    pub poll: PollSettings,
    pub retention: Retention,
    pub http: HttpSettings,
    pub delivery: DeliverySettings,
    pub servers: Vec<ServerConfig>,
    pub channels: Vec<ChannelConfig>,
    pub rules: Vec<RuleConfig>,
}

#[derive(Clone, Debug)]
pub struct PollSettings {
    /// Between two polls of a server (a server may say otherwise).
    pub interval: Duration,
    /// Paperless `/api/status/` and InvenTree `/api/`, at most this often
    /// (never more than once a minute, unless a test says so).
    pub status_interval: Duration,
    pub timeout: Duration,
    /// Requests in flight across all servers.
    pub max_in_flight: usize,
    /// Newest open failures read per poll (their "last seen").
    pub failures_read: u32,
    /// Finished Paperless tasks read per page, and pages per poll at most.
    pub finished_page: u32,
    pub finished_pages: u32,
}

#[derive(Clone, Copy, Debug)]
pub struct Retention {
    /// Everything older is deleted.
    pub days: u32,
    /// Per-poll rows older than this are compacted into daily rows.
    pub raw_days: u32,
}

#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// `None`: no HTTP side at all (`listen = ""`).
    pub listen: Option<SocketAddr>,
    /// Web pages (scheme://host[:port]) allowed to read and post.
    pub allowed_origins: Vec<String>,
    /// Host names the API answers to besides IP addresses and `localhost`
    /// (a DNS-rebinding page would send its own).
    pub allowed_hosts: Vec<String>,
    /// When set, every request must carry `Authorization: Bearer <token>`.
    pub token: Option<Secret>,
}

#[derive(Clone, Debug)]
pub struct DeliverySettings {
    /// Attempts per alert and channel before it is recorded as failed.
    pub attempts: u32,
    pub first_retry: Duration,
    pub max_retry: Duration,
    pub timeout: Duration,
}

#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub id: String,
    pub name: String,
    pub kind: ServerKind,
    pub url: BaseUrl,
    pub token: Secret,
    pub interval: Option<Duration>,
    /// How InvenTree's zone-less times are read.
    pub server_time: ServerTimeZone,
}

/// InvenTree sends times in its own zone without saying which.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerTimeZone {
    /// The zone of the machine the watcher runs on.
    Local,
    /// A fixed offset east of UTC, in seconds.
    Fixed(i32),
}

#[derive(Clone, Debug)]
pub struct ChannelConfig {
    pub name: String,
    pub kind: ChannelKind,
    /// Where to send. For ntfy the topic's URL (`https://ntfy.sh/topic`),
    /// for Gotify the server's root, for a webhook its URL. Kept out of
    /// every log line and answer: an ntfy topic is itself a password.
    pub url: String,
    pub token: Option<Secret>,
    pub priority: Option<u8>,
    pub tags: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Ntfy,
    Gotify,
    Webhook,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Ntfy => "ntfy",
            ChannelKind::Gotify => "gotify",
            ChannelKind::Webhook => "webhook",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RuleConfig {
    pub name: String,
    pub kind: RuleKind,
    /// Server ids; empty: every server.
    pub servers: Vec<String>,
    /// Channel names; every channel when the config named none.
    pub channels: Vec<String>,
    /// Between two alerts of the same rule, server and subject.
    pub cooldown: Duration,
    /// Alert when a condition begins (and ends); otherwise also again
    /// every cooldown while it lasts.
    pub only_on_change: bool,
    /// Also say when a condition ended.
    pub recovery: bool,
}

impl RuleConfig {
    pub fn applies_to(&self, server: &str) -> bool {
        self.servers.is_empty() || self.servers.iter().any(|s| s == server)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum RuleKind {
    /// InvenTree's worker not running; Paperless's Celery check in error.
    WorkerStopped,
    /// A Paperless health check turned to error (the worker's own check
    /// belongs to `WorkerStopped`). `checks` empty: every check.
    HealthError { checks: Vec<String> },
    /// Failed / (failed + succeeded) of the Paperless tasks that finished
    /// within `window`, once at least `min_tasks` finished.
    FailureRate {
        threshold: f64,
        window: Duration,
        min_tasks: u32,
    },
    /// `after` polls in a row failed.
    Unreachable { after: u32 },
    /// A cause of failure (a failure group of `taskdeck-triage`) not seen
    /// on this server before. The rule's first poll of a server takes the
    /// groups already there as known, without alerting.
    NewFailureGroup,
    /// Work not moving although it waits (`taskdeck-triage`'s stall
    /// detection over the last polls): nothing finished for `quiet_for`
    /// while at least `min_pending` tasks wait, the waiting count growing
    /// with nothing finishing, or schedules overdue.
    Stall {
        quiet_for: Duration,
        min_pending: u64,
    },
}

impl RuleKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            RuleKind::WorkerStopped => "worker_stopped",
            RuleKind::HealthError { .. } => "health_error",
            RuleKind::FailureRate { .. } => "failure_rate",
            RuleKind::Unreachable { .. } => "unreachable",
            RuleKind::NewFailureGroup => "new_failure_group",
            RuleKind::Stall { .. } => "stall",
        }
    }
}

// ---- the file as written ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    data_dir: Option<PathBuf>,
    #[serde(default)]
    poll: RawPoll,
    #[serde(default)]
    retention: RawRetention,
    #[serde(default)]
    http: RawHttp,
    #[serde(default)]
    delivery: RawDelivery,
    #[serde(default, rename = "server")]
    servers: Vec<RawServer>,
    #[serde(default, rename = "channel")]
    channels: Vec<RawChannel>,
    #[serde(default, rename = "rule")]
    rules: Vec<RawRule>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPoll {
    interval: Option<String>,
    status_interval: Option<String>,
    timeout: Option<String>,
    max_in_flight: Option<usize>,
    failures_read: Option<u32>,
    finished_page: Option<u32>,
    finished_pages: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetention {
    days: Option<u32>,
    raw_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    listen: Option<String>,
    #[serde(default)]
    allowed_origins: Vec<String>,
    #[serde(default)]
    allowed_hosts: Vec<String>,
    #[serde(flatten)]
    token: SecretSource,
    #[serde(default)]
    allow_remote_without_token: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDelivery {
    attempts: Option<u32>,
    first_retry: Option<String>,
    max_retry: Option<String>,
    timeout: Option<String>,
}

/// Where a secret is: exactly one of these, or none where it is optional.
#[derive(Debug, Default, Deserialize)]
struct SecretSource {
    token_env: Option<String>,
    token_file: Option<PathBuf>,
    /// A systemd credential's name (`LoadCredential=`): the file of that
    /// name in `$CREDENTIALS_DIRECTORY`.
    token_credential: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    id: String,
    #[serde(default)]
    name: Option<String>,
    kind: ServerKind,
    url: String,
    #[serde(flatten)]
    token: SecretSource,
    #[serde(default)]
    interval: Option<String>,
    #[serde(default)]
    server_time: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChannel {
    name: String,
    kind: ChannelKind,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    url_env: Option<String>,
    #[serde(default)]
    url_file: Option<PathBuf>,
    #[serde(flatten)]
    token: SecretSource,
    #[serde(default)]
    priority: Option<u8>,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    kind: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    servers: Vec<String>,
    #[serde(default)]
    channels: Option<Vec<String>>,
    #[serde(default)]
    cooldown: Option<String>,
    #[serde(default)]
    only_on_change: Option<bool>,
    #[serde(default)]
    recovery: Option<bool>,
    #[serde(default)]
    checks: Vec<String>,
    #[serde(default)]
    threshold: Option<f64>,
    #[serde(default)]
    window: Option<String>,
    #[serde(default)]
    min_tasks: Option<u32>,
    #[serde(default)]
    after: Option<u32>,
    #[serde(default)]
    quiet_for: Option<String>,
    #[serde(default)]
    min_pending: Option<u64>,
}

/// Reads environment variables and files; a seam so tests need not touch
/// the process environment.
pub trait Secrets {
    fn env(&self, name: &str) -> Option<String>;
    fn file(&self, path: &Path) -> std::io::Result<String>;
}

/// The process environment and the file system.
pub struct SystemSecrets;

impl Secrets for SystemSecrets {
    fn env(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
    fn file(&self, path: &Path) -> std::io::Result<String> {
        // A token file is a line; a larger file is not one.
        let text = std::fs::read_to_string(path)?;
        if text.len() > 64 * 1024 {
            return Err(std::io::Error::other("larger than 64 KB: not a token file"));
        }
        Ok(text)
    }
}

/// `250ms`, `30s`, `5m`, `2h`, `1d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("“{text}” has no unit (ms, s, m, h or d)"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("“{text}” does not start with a whole number"))?;
    let millis = match unit.trim() {
        "ms" => 1,
        "s" => 1000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        other => {
            return Err(format!(
                "“{other}” in “{text}” is not a unit (ms, s, m, h or d)"
            ));
        }
    };
    number
        .checked_mul(millis)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("“{text}” is too long"))
}

fn duration_or(
    value: &Option<String>,
    key: &str,
    default: Duration,
) -> Result<Duration, ConfigError> {
    match value {
        None => Ok(default),
        Some(text) => parse_duration(text).map_err(|e| bad(format!("{key}: {e}"))),
    }
}

/// A URL that carries a credential: user-info, or a query parameter
/// named like a secret (`?token=`).
fn url_credential(url: &str) -> Option<&'static str> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Some("a user name or password (user@host)");
    }
    let query = rest.split_once('?').map(|(_, q)| q).unwrap_or("");
    let secret_param = query.split('&').any(|pair| {
        let name = pair.split('=').next().unwrap_or("").to_ascii_lowercase();
        SECRET_KEYS.contains(&name.as_str())
    });
    secret_param.then_some("a token in its query string")
}

impl SecretSource {
    fn is_set(&self) -> bool {
        self.token_env.is_some() || self.token_file.is_some() || self.token_credential.is_some()
    }

    /// The secret, read now. Errors name where it was looked for, never
    /// what was found.
    fn read(&self, what: &str, secrets: &dyn Secrets) -> Result<Option<Secret>, ConfigError> {
        let given = [
            self.token_env.is_some(),
            self.token_file.is_some(),
            self.token_credential.is_some(),
        ]
        .iter()
        .filter(|g| **g)
        .count();
        if given > 1 {
            return Err(bad(format!(
                "{what}: give one of token_env, token_file and token_credential"
            )));
        }
        let (text, source) = if let Some(name) = &self.token_env {
            let value = secrets.env(name).ok_or_else(|| {
                bad(format!(
                    "{what}: the environment variable {name} is not set"
                ))
            })?;
            (value, format!("the environment variable {name}"))
        } else if let Some(path) = &self.token_file {
            let value = secrets
                .file(path)
                .map_err(|e| bad(format!("{what}: cannot read {}: {e}", path.display())))?;
            (value, path.display().to_string())
        } else if let Some(name) = &self.token_credential {
            if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
                return Err(bad(format!(
                    "{what}: token_credential is a credential's name, not a path"
                )));
            }
            let dir = secrets.env("CREDENTIALS_DIRECTORY").ok_or_else(|| {
                bad(format!(
                    "{what}: token_credential needs systemd's LoadCredential= \
                     (CREDENTIALS_DIRECTORY is not set)"
                ))
            })?;
            let path = Path::new(&dir).join(name);
            let value = secrets
                .file(&path)
                .map_err(|e| bad(format!("{what}: cannot read the credential {name}: {e}")))?;
            (value, format!("the credential {name}"))
        } else {
            return Ok(None);
        };
        let secret = Secret::new(text.trim());
        if secret.is_empty() {
            return Err(bad(format!("{what}: {source} is empty")));
        }
        if secret.expose().contains(char::is_whitespace) {
            return Err(bad(format!(
                "{what}: {source} holds more than one word; a token is one"
            )));
        }
        Ok(Some(secret))
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn server_time(text: Option<&str>, what: &str) -> Result<ServerTimeZone, ConfigError> {
    let Some(text) = text.map(str::trim) else {
        return Ok(ServerTimeZone::Local);
    };
    match text {
        "local" => Ok(ServerTimeZone::Local),
        "utc" | "UTC" => Ok(ServerTimeZone::Fixed(0)),
        offset => {
            let invalid = || {
                bad(format!(
                    "{what}: server_time is \"local\", \"utc\" or an offset such as \"+02:00\""
                ))
            };
            let (sign, rest) = match offset.as_bytes().first() {
                Some(b'+') => (1, &offset[1..]),
                Some(b'-') => (-1, &offset[1..]),
                _ => return Err(invalid()),
            };
            let (h, m) = rest.split_once(':').ok_or_else(invalid)?;
            let (h, m): (i32, i32) = (
                h.parse().map_err(|_| invalid())?,
                m.parse().map_err(|_| invalid())?,
            );
            if !(0..=14).contains(&h) || !(0..60).contains(&m) {
                return Err(invalid());
            }
            Ok(ServerTimeZone::Fixed(sign * (h * 3600 + m * 60)))
        }
    }
}

fn origin(text: &str) -> Result<String, ConfigError> {
    let trimmed = text.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', '@', ' ']) => {
            Ok(trimmed.to_string())
        }
        _ => Err(bad(format!(
            "http.allowed_origins: “{text}” is not an origin (scheme://host[:port], no path)"
        ))),
    }
}

impl Config {
    /// Reads the file's text and every secret it names.
    pub fn parse(text: &str, secrets: &dyn Secrets) -> Result<Config, ConfigError> {
        if text.len() > MAX_BYTES {
            return Err(bad("the config file is larger than 1 MB"));
        }
        let value: toml::Value = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        // The same check as taskdeck.json's, on the document as JSON.
        let document = serde_json::to_value(&value).map_err(|e| bad(e.to_string()))?;
        if let Some(at) = secret_key_at(&document) {
            return Err(bad(format!(
                "“{at}” looks like a secret. The config file keeps none: name an \
                 environment variable (token_env), a file (token_file) or a systemd \
                 credential (token_credential) instead"
            )));
        }
        let raw: RawConfig = value
            .try_into()
            .map_err(|e: toml::de::Error| bad(e.to_string()))?;
        Config::from_raw(raw, secrets)
    }

    pub fn load(path: &Path, secrets: &dyn Secrets) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| bad(format!("cannot read {}: {e}", path.display())))?;
        Config::parse(&text, secrets).map_err(|e| bad(format!("{}: {e}", path.display())))
    }

    fn from_raw(raw: RawConfig, secrets: &dyn Secrets) -> Result<Config, ConfigError> {
        let poll = PollSettings {
            interval: duration_or(&raw.poll.interval, "poll.interval", Duration::from_secs(60))?,
            status_interval: duration_or(
                &raw.poll.status_interval,
                "poll.status_interval",
                Duration::from_secs(60),
            )?,
            timeout: duration_or(&raw.poll.timeout, "poll.timeout", Duration::from_secs(30))?,
            max_in_flight: raw.poll.max_in_flight.unwrap_or(6).clamp(1, 64),
            failures_read: raw.poll.failures_read.unwrap_or(100).clamp(1, 1000),
            finished_page: raw.poll.finished_page.unwrap_or(1000).clamp(10, 10_000),
            finished_pages: raw.poll.finished_pages.unwrap_or(10).clamp(1, 100),
        };
        if poll.interval.is_zero() {
            return Err(bad("poll.interval must be longer than 0"));
        }
        let retention = Retention {
            days: raw.retention.days.unwrap_or(400),
            raw_days: raw.retention.raw_days.unwrap_or(14),
        };
        if retention.days == 0 || retention.raw_days == 0 || retention.raw_days > retention.days {
            return Err(bad(
                "retention: days and raw_days must be at least 1, and raw_days at most days",
            ));
        }
        let delivery = DeliverySettings {
            attempts: raw.delivery.attempts.unwrap_or(8).clamp(1, 100),
            first_retry: duration_or(
                &raw.delivery.first_retry,
                "delivery.first_retry",
                Duration::from_secs(10),
            )?,
            max_retry: duration_or(
                &raw.delivery.max_retry,
                "delivery.max_retry",
                Duration::from_secs(15 * 60),
            )?,
            timeout: duration_or(
                &raw.delivery.timeout,
                "delivery.timeout",
                Duration::from_secs(15),
            )?,
        };

        let listen = match raw.http.listen.as_deref().map(str::trim) {
            None => Some(SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT))),
            Some("") => None,
            Some(text) => Some(text.parse().map_err(|_| {
                bad(format!(
                    "http.listen: “{text}” is not an address and port (127.0.0.1:{DEFAULT_PORT})"
                ))
            })?),
        };
        let http_token = raw.http.token.read("http", secrets)?;
        if let Some(addr) = listen
            && !addr.ip().is_loopback()
            && http_token.is_none()
            && !raw.http.allow_remote_without_token
        {
            return Err(bad(format!(
                "http.listen: {addr} is reachable from other machines; set a token \
                 (http.token_env, token_file or token_credential) that every client sends, \
                 or allow_remote_without_token = true behind a proxy that authenticates"
            )));
        }
        let http = HttpSettings {
            listen,
            allowed_origins: raw
                .http
                .allowed_origins
                .iter()
                .map(|o| origin(o))
                .collect::<Result<_, _>>()?,
            allowed_hosts: raw
                .http
                .allowed_hosts
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect(),
            token: http_token,
        };

        if raw.servers.is_empty() {
            return Err(bad("no [[server]]: the watcher has nothing to watch"));
        }
        if raw.servers.len() > MAX_SERVERS {
            return Err(bad(format!("at most {MAX_SERVERS} servers")));
        }
        let mut servers: Vec<ServerConfig> = Vec::new();
        for server in raw.servers {
            let what = format!("server “{}”", server.id);
            if !valid_id(&server.id) {
                return Err(bad(format!(
                    "{what}: an id is 1 to 40 letters, digits, - or _"
                )));
            }
            if servers.iter().any(|s| s.id == server.id) {
                return Err(bad(format!("{what} is listed twice")));
            }
            if let Some(why) = url_credential(&server.url) {
                return Err(bad(format!("{what}: the url holds {why}")));
            }
            let url = BaseUrl::parse(&server.url).map_err(|e| bad(format!("{what}: {e}")))?;
            if !server.token.is_set() {
                return Err(bad(format!(
                    "{what}: needs token_env, token_file or token_credential"
                )));
            }
            let token = server.token.read(&what, secrets)?.expect("set");
            let interval = server
                .interval
                .as_ref()
                .map(|i| parse_duration(i).map_err(|e| bad(format!("{what}: interval: {e}"))))
                .transpose()?;
            servers.push(ServerConfig {
                name: server
                    .name
                    .map(|n| n.trim().to_string())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| server.id.clone()),
                server_time: server_time(server.server_time.as_deref(), &what)?,
                id: server.id,
                kind: server.kind,
                url,
                token,
                interval,
            });
        }

        let mut channels: Vec<ChannelConfig> = Vec::new();
        for channel in raw.channels {
            let what = format!("channel “{}”", channel.name);
            if !valid_id(&channel.name) {
                return Err(bad(format!(
                    "{what}: a name is 1 to 40 letters, digits, - or _"
                )));
            }
            if channels.iter().any(|c| c.name == channel.name) {
                return Err(bad(format!("{what} is listed twice")));
            }
            let url = match (&channel.url, &channel.url_env, &channel.url_file) {
                (Some(url), None, None) => url.trim().to_string(),
                (None, Some(name), None) => secrets
                    .env(name)
                    .ok_or_else(|| {
                        bad(format!(
                            "{what}: the environment variable {name} is not set"
                        ))
                    })?
                    .trim()
                    .to_string(),
                (None, None, Some(path)) => secrets
                    .file(path)
                    .map_err(|e| bad(format!("{what}: cannot read {}: {e}", path.display())))?
                    .trim()
                    .to_string(),
                _ => {
                    return Err(bad(format!(
                        "{what}: give one of url, url_env and url_file"
                    )));
                }
            };
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(bad(format!(
                    "{what}: the url must start with http:// or https://"
                )));
            }
            if let Some(why) = url_credential(&url) {
                return Err(bad(format!(
                    "{what}: the url holds {why}; use token_env, token_file or token_credential"
                )));
            }
            let token = channel.token.read(&what, secrets)?;
            if channel.kind == ChannelKind::Gotify && token.is_none() {
                return Err(bad(format!(
                    "{what}: Gotify needs its application token (token_env, token_file or token_credential)"
                )));
            }
            let priority = channel.priority;
            match (channel.kind, priority) {
                (ChannelKind::Ntfy, Some(p)) if !(1..=5).contains(&p) => {
                    return Err(bad(format!("{what}: an ntfy priority is 1 to 5")));
                }
                (ChannelKind::Gotify, Some(p)) if p > 10 => {
                    return Err(bad(format!("{what}: a Gotify priority is 0 to 10")));
                }
                (ChannelKind::Webhook, Some(_)) => {
                    return Err(bad(format!("{what}: a webhook takes no priority")));
                }
                _ => {}
            }
            if !channel.tags.is_empty() && channel.kind != ChannelKind::Ntfy {
                return Err(bad(format!("{what}: only ntfy takes tags")));
            }
            if channel.tags.iter().any(|t| t.contains([',', '\r', '\n'])) {
                return Err(bad(format!("{what}: a tag holds no comma or line break")));
            }
            channels.push(ChannelConfig {
                name: channel.name,
                kind: channel.kind,
                url: url.trim_end_matches('/').to_string(),
                token,
                priority,
                tags: channel.tags,
            });
        }

        let mut rules: Vec<RuleConfig> = Vec::new();
        for rule in raw.rules {
            let name = rule.name.clone().unwrap_or_else(|| rule.kind.clone());
            let what = format!("rule “{name}”");
            if !valid_id(&name) {
                return Err(bad(format!(
                    "{what}: a name is 1 to 40 letters, digits, - or _"
                )));
            }
            if rules.iter().any(|r| r.name == name) {
                return Err(bad(format!(
                    "{what} is listed twice (give the second one a name)"
                )));
            }
            let only = |keys: &[&str]| -> Result<(), ConfigError> {
                let given = [
                    ("checks", !rule.checks.is_empty()),
                    ("threshold", rule.threshold.is_some()),
                    ("window", rule.window.is_some()),
                    ("min_tasks", rule.min_tasks.is_some()),
                    ("after", rule.after.is_some()),
                    ("quiet_for", rule.quiet_for.is_some()),
                    ("min_pending", rule.min_pending.is_some()),
                ];
                match given.iter().find(|(k, set)| *set && !keys.contains(k)) {
                    Some((k, _)) => Err(bad(format!("{what}: {} takes no {k}", rule.kind))),
                    None => Ok(()),
                }
            };
            let kind = match rule.kind.as_str() {
                "worker_stopped" => {
                    only(&[])?;
                    RuleKind::WorkerStopped
                }
                "health_error" => {
                    only(&["checks"])?;
                    RuleKind::HealthError {
                        checks: rule.checks.clone(),
                    }
                }
                "failure_rate" => {
                    only(&["threshold", "window", "min_tasks"])?;
                    let threshold = rule.threshold.unwrap_or(0.25);
                    if !(0.0..1.0).contains(&threshold) {
                        return Err(bad(format!(
                            "{what}: threshold is a share from 0 to 1 (0.25 = 25 %)"
                        )));
                    }
                    RuleKind::FailureRate {
                        threshold,
                        window: duration_or(
                            &rule.window,
                            &format!("{what}: window"),
                            Duration::from_secs(3600),
                        )?,
                        min_tasks: rule.min_tasks.unwrap_or(10).max(1),
                    }
                }
                "unreachable" => {
                    only(&["after"])?;
                    RuleKind::Unreachable {
                        after: rule.after.unwrap_or(3).max(1),
                    }
                }
                "new_failure_group" => {
                    only(&[])?;
                    RuleKind::NewFailureGroup
                }
                "stall" => {
                    only(&["quiet_for", "min_pending"])?;
                    let quiet_for = duration_or(
                        &rule.quiet_for,
                        &format!("{what}: quiet_for"),
                        Duration::from_secs(15 * 60),
                    )?;
                    if quiet_for < Duration::from_secs(60) {
                        return Err(bad(format!(
                            "{what}: quiet_for is at least a minute (a worker takes a \
                             moment between tasks)"
                        )));
                    }
                    RuleKind::Stall {
                        quiet_for,
                        min_pending: rule.min_pending.unwrap_or(1).max(1),
                    }
                }
                other => {
                    return Err(bad(format!(
                        "{what}: unknown kind “{other}” (worker_stopped, health_error, \
                         failure_rate, unreachable, new_failure_group, stall)"
                    )));
                }
            };
            for server in &rule.servers {
                if !servers.iter().any(|s| &s.id == server) {
                    return Err(bad(format!("{what}: there is no server “{server}”")));
                }
            }
            let channel_names = match &rule.channels {
                Some(names) => {
                    for channel in names {
                        if !channels.iter().any(|c| &c.name == channel) {
                            return Err(bad(format!("{what}: there is no channel “{channel}”")));
                        }
                    }
                    names.clone()
                }
                None => channels.iter().map(|c| c.name.clone()).collect(),
            };
            rules.push(RuleConfig {
                name,
                kind,
                servers: rule.servers,
                channels: channel_names,
                cooldown: duration_or(
                    &rule.cooldown,
                    &format!("{what}: cooldown"),
                    Duration::from_secs(30 * 60),
                )?,
                only_on_change: rule.only_on_change.unwrap_or(true),
                recovery: rule.recovery.unwrap_or(true),
            });
        }

        Ok(Config {
            data_dir: raw.data_dir,
            poll,
            retention,
            http,
            delivery,
            servers,
            channels,
            rules,
        })
    }

    /// Watches the demo backend's servers with the demo's own throw-away
    /// tokens (`/demo-connections.json`) and the rules that need no
    /// channel; alerts are kept in the history only. `ui_origin` is the
    /// demo UI's, allowed to read the history.
    pub fn for_demo(offered: &[OfferedConnection], ui_origin: &str) -> Result<Config, ConfigError> {
        let quote = |s: &str| serde_json::to_string(s).expect("a string");
        let servers = offered
            .iter()
            .enumerate()
            .map(|(n, c)| HandedServer {
                id: c
                    .usable_id(|_| false)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("demo{}", n + 1)),
                name: c.name.clone(),
                kind: c.kind,
                url: c.base_url.clone(),
                token: Secret::new(c.token.clone()),
            })
            .collect::<Vec<_>>();
        Config::for_handed(
            &format!("[http]\nallowed_origins = [{}]\n", quote(ui_origin)),
            &servers,
        )
    }

    /// Watches servers an embedding app hands over with their tokens in
    /// memory (nothing is read from the environment or files), with every
    /// rule that needs no channel. `settings` is the config's text before
    /// the servers (`[http]`, `[poll]`).
    pub fn for_handed(settings: &str, servers: &[HandedServer]) -> Result<Config, ConfigError> {
        let quote = |s: &str| serde_json::to_string(s).expect("a string");
        let mut text = settings.to_string();
        let mut tokens = Handed(Vec::new());
        for (n, c) in servers.iter().enumerate() {
            let variable = format!("HANDED_TOKEN_{n}");
            text.push_str(&format!(
                "[[server]]\nid = {}\nname = {}\nkind = {}\nurl = {}\ntoken_env = {}\n",
                quote(&c.id),
                quote(&c.name),
                quote(match c.kind {
                    ServerKind::Paperless => "paperless",
                    ServerKind::InvenTree => "inventree",
                }),
                quote(&c.url),
                quote(&variable),
            ));
            tokens.0.push((variable, c.token.clone()));
        }
        for kind in [
            "worker_stopped",
            "health_error",
            "failure_rate",
            "unreachable",
            "new_failure_group",
            "stall",
        ] {
            text.push_str(&format!("[[rule]]\nkind = \"{kind}\"\n"));
        }
        Config::parse(&text, &tokens)
    }
}

/// The port the watcher listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 8095;

/// A server handed to [`Config::for_handed`], its token in memory.
#[derive(Clone, Debug)]
pub struct HandedServer {
    pub id: String,
    pub name: String,
    pub kind: ServerKind,
    pub url: String,
    pub token: Secret,
}

struct Handed(Vec<(String, Secret)>);

impl Secrets for Handed {
    fn env(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.expose().to_string())
    }
    fn file(&self, _: &Path) -> std::io::Result<String> {
        Err(std::io::Error::other(
            "servers handed over in memory name no files",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[derive(Default)]
    struct FakeSecrets {
        env: HashMap<String, String>,
        files: HashMap<PathBuf, String>,
    }

    impl Secrets for FakeSecrets {
        fn env(&self, name: &str) -> Option<String> {
            self.env.get(name).cloned()
        }
        fn file(&self, path: &Path) -> std::io::Result<String> {
            self.files
                .get(path)
                .cloned()
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
        }
    }

    fn secrets() -> FakeSecrets {
        let mut s = FakeSecrets::default();
        s.env
            .insert("PAPERLESS_TOKEN".into(), "tok-paperless-123\n".into());
        s.env
            .insert("CREDENTIALS_DIRECTORY".into(), "/run/credentials/w".into());
        s.files.insert(
            PathBuf::from("/run/credentials/w/inventree"),
            "inv-secret-456\n".into(),
        );
        s.files
            .insert(PathBuf::from("/etc/gotify"), "gotify-app-789".into());
        s
    }

    #[test]
    fn the_example_file_is_valid_and_reads_every_secret_from_where_it_is_named() {
        let text = include_str!("../taskdeck-watch.example.toml");
        let mut s = secrets();
        s.env.insert("NTFY_TOKEN".into(), "tk_ntfy".into());
        s.env
            .insert("TASKDECK_WATCH_TOKEN".into(), "watch-token".into());
        s.files.insert(
            PathBuf::from("/run/credentials/taskdeck-watch.service/paperless"),
            "p".into(),
        );
        s.env.insert(
            "CREDENTIALS_DIRECTORY".into(),
            "/run/credentials/taskdeck-watch.service".into(),
        );
        s.files.insert(
            PathBuf::from("/run/credentials/taskdeck-watch.service/inventree"),
            "i".into(),
        );
        s.files.insert(
            PathBuf::from("/run/credentials/taskdeck-watch.service/gotify"),
            "g".into(),
        );
        let config = Config::parse(text, &s).expect("the example parses");
        assert_eq!(config.servers.len(), 2);
        assert!(
            config
                .rules
                .iter()
                .any(|r| r.kind == RuleKind::WorkerStopped)
        );
        assert_eq!(config.channels.len(), 3);
        assert_eq!(config.retention.days, 400);
        assert_eq!(config.retention.raw_days, 14);
    }

    #[test]
    fn tokens_come_from_the_environment_files_or_credentials_and_are_trimmed() {
        let text = r#"
            [[server]]
            id = "docs"
            kind = "paperless"
            url = "https://paperless.example.org/"
            token_env = "PAPERLESS_TOKEN"
            [[server]]
            id = "parts"
            kind = "inventree"
            url = "https://inventree.example.org"
            token_credential = "inventree"
            server_time = "+02:00"
            [[channel]]
            name = "push"
            kind = "gotify"
            url = "https://gotify.example.org/"
            token_file = "/etc/gotify"
        "#;
        let config = Config::parse(text, &secrets()).unwrap();
        assert_eq!(config.servers[0].token.expose(), "tok-paperless-123");
        assert_eq!(
            config.servers[0].url.as_str(),
            "https://paperless.example.org"
        );
        assert_eq!(config.servers[1].token.expose(), "inv-secret-456");
        assert_eq!(config.servers[1].server_time, ServerTimeZone::Fixed(7200));
        assert_eq!(
            config.channels[0].token.as_ref().unwrap().expose(),
            "gotify-app-789"
        );
        assert_eq!(config.channels[0].url, "https://gotify.example.org");
        assert_eq!(
            config.http.listen,
            Some(SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)))
        );
        assert_eq!(config.poll.interval, Duration::from_secs(60));
    }

    #[test]
    fn a_config_holding_a_secret_is_refused_without_repeating_it() {
        for (text, at) in [
            (
                "[[server]]\nid = \"a\"\nkind = \"paperless\"\nurl = \"https://h\"\ntoken = \"abc123secret\"\n",
                "server[0].token",
            ),
            ("[http]\npassword = \"abc123secret\"\n", "http.password"),
            (
                "[[channel]]\nname = \"g\"\nkind = \"gotify\"\nurl = \"https://g\"\napp_token = \"abc123secret\"\n",
                "channel[0].app_token",
            ),
        ] {
            let err = Config::parse(text, &secrets()).unwrap_err().0;
            assert!(err.contains(at), "{err}");
            assert!(!err.contains("abc123secret"), "{err}");
        }
        let in_url = "[[server]]\nid = \"a\"\nkind = \"paperless\"\nurl = \"https://admin:abc123secret@h\"\ntoken_env = \"PAPERLESS_TOKEN\"\n";
        let err = Config::parse(in_url, &secrets()).unwrap_err().0;
        assert!(!err.contains("abc123secret"), "{err}");
        let in_query = "[[server]]\nid = \"a\"\nkind = \"paperless\"\nurl = \"https://h\"\ntoken_env = \"PAPERLESS_TOKEN\"\n\
            [[channel]]\nname = \"g\"\nkind = \"webhook\"\nurl = \"https://hook/x?token=abc123secret\"\n";
        let err = Config::parse(in_query, &secrets()).unwrap_err().0;
        assert!(
            err.contains("query string") && !err.contains("abc123secret"),
            "{err}"
        );
    }

    #[test]
    fn missing_secrets_name_where_they_were_looked_for() {
        let text = "[[server]]\nid = \"a\"\nkind = \"paperless\"\nurl = \"https://h\"\ntoken_env = \"NOT_SET\"\n";
        let err = Config::parse(text, &secrets()).unwrap_err().0;
        assert!(err.contains("NOT_SET is not set"), "{err}");
        let text = "[[server]]\nid = \"a\"\nkind = \"paperless\"\nurl = \"https://h\"\n";
        let err = Config::parse(text, &secrets()).unwrap_err().0;
        assert!(err.contains("needs token_env"), "{err}");
        let mut s = secrets();
        s.env.insert("EMPTY".into(), " \n".into());
        let text = "[[server]]\nid = \"a\"\nkind = \"paperless\"\nurl = \"https://h\"\ntoken_env = \"EMPTY\"\n";
        let err = Config::parse(text, &s).unwrap_err().0;
        assert!(err.contains("EMPTY is empty"), "{err}");
    }

    #[test]
    fn listening_beyond_loopback_needs_a_token() {
        let server = "[[server]]\nid = \"a\"\nkind = \"paperless\"\nurl = \"https://h\"\ntoken_env = \"PAPERLESS_TOKEN\"\n";
        let open = format!("[http]\nlisten = \"0.0.0.0:8095\"\n{server}");
        assert!(
            Config::parse(&open, &secrets())
                .unwrap_err()
                .0
                .contains("reachable from other machines")
        );
        let with_token =
            format!("[http]\nlisten = \"0.0.0.0:8095\"\ntoken_env = \"PAPERLESS_TOKEN\"\n{server}");
        assert!(Config::parse(&with_token, &secrets()).is_ok());
        let none = format!("[http]\nlisten = \"\"\n{server}");
        assert_eq!(Config::parse(&none, &secrets()).unwrap().http.listen, None);
    }

    #[test]
    fn rules_are_checked_against_servers_and_channels() {
        let base = "[[server]]\nid = \"a\"\nkind = \"paperless\"\nurl = \"https://h\"\ntoken_env = \"PAPERLESS_TOKEN\"\n\
                    [[channel]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"https://hook.example/x\"\n";
        let ok =
            format!("{base}[[rule]]\nkind = \"failure_rate\"\nthreshold = 0.5\nwindow = \"30m\"\n");
        let config = Config::parse(&ok, &secrets()).unwrap();
        assert_eq!(
            config.rules[0].kind,
            RuleKind::FailureRate {
                threshold: 0.5,
                window: Duration::from_secs(1800),
                min_tasks: 10
            }
        );
        assert_eq!(
            config.rules[0].channels,
            ["hook"],
            "every channel by default"
        );
        let stall =
            format!("{base}[[rule]]\nkind = \"stall\"\nquiet_for = \"20m\"\nmin_pending = 5\n");
        assert_eq!(
            Config::parse(&stall, &secrets()).unwrap().rules[0].kind,
            RuleKind::Stall {
                quiet_for: Duration::from_secs(1200),
                min_pending: 5
            }
        );
        for (rule, why) in [
            (
                "kind = \"worker_stopped\"\nservers = [\"b\"]\n",
                "no server “b”",
            ),
            (
                "kind = \"worker_stopped\"\nchannels = [\"sms\"]\n",
                "no channel “sms”",
            ),
            (
                "kind = \"worker_stopped\"\nthreshold = 0.5\n",
                "takes no threshold",
            ),
            (
                "kind = \"failure_rate\"\nthreshold = 2.0\n",
                "share from 0 to 1",
            ),
            ("kind = \"explode\"\n", "unknown kind"),
            (
                "kind = \"stall\"\nquiet_for = \"10s\"\n",
                "at least a minute",
            ),
            (
                "kind = \"new_failure_group\"\nmin_pending = 3\n",
                "takes no min_pending",
            ),
        ] {
            let err = Config::parse(&format!("{base}[[rule]]\n{rule}"), &secrets())
                .unwrap_err()
                .0;
            assert!(err.contains(why), "{rule}: {err}");
        }
    }

    #[test]
    fn durations_read_as_written() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("5 weeks").is_err());
        assert!(parse_duration("m").is_err());
    }
}
