//! HTTP described as data: requests, responses, addresses and secrets. No
//! I/O and no decoding here; [`crate::call`] pairs a request with its decoder
//! and a transport at the edge (browser, desktop, tests) sends it.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// A token or password. Its `Debug` never prints the value, so a request can be
/// logged without leaking credentials.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The root of a server, normalised to have no trailing slash
/// (`https://paperless.example.org` or `http://host:8000/sub/path`).
/// Read from JSON through [`BaseUrl::parse`] too: one arriving from the
/// desktop app's webview or from storage is checked like one typed in.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct BaseUrl(String);

impl TryFrom<String> for BaseUrl {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        BaseUrl::parse(&text)
    }
}

impl BaseUrl {
    /// Accepts what a user types: surrounding spaces, a trailing slash, or a
    /// pasted `/api/` suffix are tolerated; a missing scheme is not guessed,
    /// because guessing `http` for a public server would send a token in clear.
    pub fn parse(input: &str) -> Result<Self, String> {
        let mut url = input.trim().trim_end_matches('/').to_string();
        if url.ends_with("/api") {
            url.truncate(url.len() - 4);
        }
        let rest = if let Some(rest) = url.strip_prefix("https://") {
            rest
        } else if let Some(rest) = url.strip_prefix("http://") {
            rest
        } else {
            return Err("The server address must start with http:// or https://".into());
        };
        let host = rest.split('/').next().unwrap_or("");
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err("The server address has no host name".into());
        }
        // `https://paperless.example@evil.example` talks to evil.example:
        // an address with user-info would send the token somewhere else
        // than it appears to.
        if host.contains('@') {
            return Err(
                "The server address must not contain a user name or password (user@host)".into(),
            );
        }
        if rest.contains(['?', '#']) {
            return Err("The server address must not contain a query or fragment".into());
        }
        Ok(BaseUrl(url))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `path` starts with `/api/`.
    pub fn join(&self, path: &str) -> String {
        format!("{}{}", self.0, path)
    }

    /// Whether `url` is this server's root or a page below it (not merely a
    /// longer host name that starts the same, like `host.evil`).
    pub fn contains(&self, url: &str) -> bool {
        url.strip_prefix(&self.0)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One HTTP request, fully described. `url` is absolute; `path_and_query` is
/// kept separately so tests and the desktop allow-list can look at it without
/// re-parsing.
#[derive(Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HttpRequest {
    pub method: Method,
    pub base: BaseUrl,
    pub path_and_query: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<serde_json::Value>,
    /// The saved connection the request is made for, when it is one: the
    /// desktop app adds the token of exactly that connection (and only if
    /// its address is this request's), never another's with the same
    /// address. Requests without one carry no stored token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
}

impl HttpRequest {
    pub fn new(method: Method, base: &BaseUrl, path_and_query: String) -> Self {
        HttpRequest {
            method,
            base: base.clone(),
            path_and_query,
            headers: Vec::new(),
            body: None,
            connection: None,
        }
    }

    pub fn for_connection(mut self, connection: Option<&str>) -> Self {
        self.connection = connection.map(str::to_string);
        self
    }

    pub fn url(&self) -> String {
        self.base.join(&self.path_and_query)
    }

    pub fn path(&self) -> &str {
        self.path_and_query
            .split_once('?')
            .map_or(self.path_and_query.as_str(), |(path, _)| path)
    }

    pub fn query(&self) -> &str {
        self.path_and_query.split_once('?').map_or("", |(_, q)| q)
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn json_body(mut self, body: serde_json::Value) -> Self {
        self.headers
            .push(("Content-Type".into(), "application/json".into()));
        self.body = Some(body);
        self
    }

    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// "GET /api/tasks/" — how error messages name the endpoint.
    pub fn endpoint(&self) -> String {
        format!("{} {}", self.method.as_str(), self.path())
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                let shown = if n.eq_ignore_ascii_case("authorization") {
                    "<redacted>"
                } else {
                    v.as_str()
                };
                (n.as_str(), shown)
            })
            .collect();
        let body = self.body.as_ref().map(redact_body);
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url())
            .field("headers", &headers)
            .field("body", &body)
            .finish()
    }
}

fn redact_body(body: &serde_json::Value) -> serde_json::Value {
    match body {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                if k == "password" || k == "token" {
                    (k.clone(), serde_json::Value::String("<redacted>".into()))
                } else {
                    (k.clone(), v.clone())
                }
            })
            .collect(),
        other => other.clone(),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HttpResponse {
    pub status: u16,
    /// Names lower-cased. In the browser only CORS-safelisted or exposed headers
    /// are visible, so nothing may depend on a header being present.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_string()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why no HTTP response arrived at all.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TransportError {
    /// Connection refused, DNS failure, TLS failure, or, in a browser, a CORS
    /// rejection: `fetch` reports all of them as the same opaque error.
    Unreachable(String),
    /// The desktop transport refused to send the request (not a configured server
    /// or not an API path this app uses).
    Refused(String),
    /// The server answered with a redirect, which is never followed: it could
    /// carry the token to another host. `location` is where it pointed.
    Redirected { status: u16, location: String },
    /// No answer within the time allowed; the request may still have been
    /// carried out.
    TimedOut { after_secs: u32 },
}

/// The largest answer decoded. Not 64 MB: a Paperless 2.x server sends its
/// whole task table in one answer (about 500 bytes a task), and one with
/// 300,000 tasks must still be readable.
pub const MAX_BODY_BYTES: usize = 256 * 1024 * 1024;

/// An HTML document (or any markup) where JSON was expected.
pub fn looks_like_html(body: &str) -> bool {
    body.trim_start().starts_with('<')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_normalises_what_users_paste() {
        assert_eq!(
            BaseUrl::parse(" https://docs.example.org/api/ ")
                .unwrap()
                .as_str(),
            "https://docs.example.org"
        );
        assert_eq!(
            BaseUrl::parse("http://127.0.0.1:8010/").unwrap().as_str(),
            "http://127.0.0.1:8010"
        );
        assert_eq!(
            BaseUrl::parse("https://host/paperless")
                .unwrap()
                .join("/api/tasks/"),
            "https://host/paperless/api/tasks/"
        );
        assert!(BaseUrl::parse("paperless.local").is_err());
        assert!(BaseUrl::parse("https://").is_err());
        assert!(BaseUrl::parse("https://host/?x=1").is_err());
        assert!(BaseUrl::parse("https://paperless.example@evil.example").is_err());
        assert!(BaseUrl::parse("https://user:pw@paperless.example/").is_err());
        // An @ later in the path is not user-info.
        assert!(BaseUrl::parse("https://host/team@office").is_ok());
    }

    /// A base URL in JSON (from the desktop app's webview, from storage)
    /// passes the same checks as one typed in.
    #[test]
    fn a_base_url_read_from_json_is_checked() {
        let read = |json: &str| serde_json::from_str::<BaseUrl>(json);
        assert_eq!(
            read("\"http://127.0.0.1:8010\"").unwrap().as_str(),
            "http://127.0.0.1:8010"
        );
        for bad in [
            "\"javascript:alert(1)\"",
            "\"https://paperless.example@evil.example\"",
            "\"https://host/?x=1\"",
            "\"file:///etc/passwd\"",
            "\"\"",
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
        let round = BaseUrl::parse("https://host/sub").unwrap();
        assert_eq!(
            read(&serde_json::to_string(&round).unwrap()).unwrap(),
            round
        );
    }

    #[test]
    fn a_base_url_contains_only_its_own_pages() {
        let base = BaseUrl::parse("https://host/paperless").unwrap();
        assert!(base.contains("https://host/paperless/documents/3/details"));
        assert!(base.contains("https://host/paperless"));
        assert!(!base.contains("https://host/paperless-evil/x"));
        assert!(!base.contains("https://host.evil/paperless/x"));
        assert!(!base.contains("http://host/paperless/x"));
    }

    #[test]
    fn debug_output_never_contains_credentials() {
        let base = BaseUrl::parse("http://h").unwrap();
        let req = HttpRequest::new(Method::Post, &base, "/api/token/".into())
            .header("Authorization", "Token abc123secret")
            .json_body(serde_json::json!({"username": "u", "password": "hunter2"}));
        let shown = format!("{req:?}");
        assert!(!shown.contains("abc123secret"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<redacted>"));
        assert_eq!(format!("{:?}", Secret::new("tok")), "Secret(***)");
    }
}
