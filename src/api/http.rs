//! Requests described as data, executed by a [`Transport`].
//!
//! Every call in this module is split into a pure request builder and a pure
//! response decoder ([`Call`]); only [`Call::send`] touches the network. That
//! keeps the wire format testable natively against recorded responses, and lets
//! the browser (gloo-net) and the desktop app (a Tauri command) share one client.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use serde::de::DeserializeOwned;

use super::error::ApiError;

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
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BaseUrl(String);

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
}

impl HttpRequest {
    pub fn new(method: Method, base: &BaseUrl, path_and_query: String) -> Self {
        HttpRequest {
            method,
            base: base.clone(),
            path_and_query,
            headers: Vec::new(),
            body: None,
        }
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
}

pub type LocalBoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Executes requests. Not `Send`: the browser is single-threaded.
pub trait Transport {
    fn send<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<HttpResponse, TransportError>>;
}

type Decoder<T> = fn(&HttpRequest, &HttpResponse) -> Result<T, ApiError>;

/// A request together with the function that turns its successful response into
/// a typed value.
pub struct Call<T> {
    pub request: HttpRequest,
    decode_success: Decoder<T>,
}

impl<T> Call<T> {
    pub fn new(request: HttpRequest, decode_success: Decoder<T>) -> Self {
        Call {
            request,
            decode_success,
        }
    }

    /// Non-2xx statuses become typed errors; 2xx bodies go to the decoder.
    pub fn decode(&self, response: &HttpResponse) -> Result<T, ApiError> {
        if response.is_success() {
            (self.decode_success)(&self.request, response)
        } else {
            Err(ApiError::from_response(&self.request, response))
        }
    }

    pub async fn send(&self, transport: &dyn Transport) -> Result<T, ApiError> {
        let response = transport
            .send(&self.request)
            .await
            .map_err(|e| ApiError::from_transport(&self.request, e))?;
        self.decode(&response)
    }
}

/// Decodes JSON with the path of the offending field in the error, because
/// "invalid type: null, expected a string" alone does not say which of forty
/// fields a server changed.
pub fn decode_json<T: DeserializeOwned>(request: &HttpRequest, body: &str) -> Result<T, ApiError> {
    let to_error = |field: String, detail: String| ApiError::Decode {
        endpoint: request.endpoint(),
        field,
        detail,
    };
    serde_json::from_str(body).map_err(|e| {
        let detail = e.to_string();
        to_error(json_path_at(body, e.line(), e.column(), &detail), detail)
    })
}

/// The path (`results[3].status`) of the value at a serde_json error
/// position, found by scanning the text up to it. A scan instead of a
/// path-tracking deserializer keeps every wire type's decoder small in WASM.
/// A missing field is reported at the closing brace of its object: that
/// object is meant, not the member last read in it.
fn json_path_at(body: &str, line: usize, column: usize, detail: &str) -> String {
    let closed = detail.starts_with("missing field");
    enum Frame {
        Object {
            key: Option<String>,
            expecting_key: bool,
        },
        Array {
            index: usize,
        },
    }
    fn render(stack: &[Frame]) -> String {
        let mut path = String::new();
        for frame in stack {
            match frame {
                Frame::Object { key: Some(key), .. } => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                }
                Frame::Object { key: None, .. } => {}
                Frame::Array { index } => path.push_str(&format!("[{index}]")),
            }
        }
        path
    }
    let offset = body
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>()
        + column.saturating_sub(1);
    let mut stack: Vec<Frame> = Vec::new();
    let mut last_closed = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if at >= offset {
            break;
        }
        match c {
            '{' => stack.push(Frame::Object {
                key: None,
                expecting_key: true,
            }),
            '[' => stack.push(Frame::Array { index: 0 }),
            '}' | ']' => {
                last_closed = render(&stack);
                stack.pop();
            }
            ',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { expecting_key, .. }) => *expecting_key = true,
                None => {}
            },
            '"' => {
                let mut text = String::new();
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                text.push(escaped);
                            }
                        }
                        '"' => break,
                        c => text.push(c),
                    }
                }
                if let Some(Frame::Object { key, expecting_key }) = stack.last_mut()
                    && *expecting_key
                {
                    *key = Some(text);
                    *expecting_key = false;
                }
            }
            _ => {}
        }
    }
    if closed {
        match stack.last_mut() {
            // Stopped at the closing brace: the object itself is meant.
            Some(Frame::Object { key, .. }) => *key = None,
            _ => {
                return if last_closed.is_empty() {
                    ".".into()
                } else {
                    last_closed
                };
            }
        }
    }
    let path = render(&stack);
    if path.is_empty() { ".".into() } else { path }
}

/// Builds a query string in the order parameters are added. Values are
/// percent-encoded except RFC 3986 unreserved characters and `:`, which Django
/// reads unchanged and which keeps timestamps readable in logs.
#[derive(Default, Debug, Clone)]
pub struct Query {
    pairs: Vec<(&'static str, String)>,
}

impl Query {
    pub fn new() -> Self {
        Query::default()
    }

    pub fn push(&mut self, key: &'static str, value: impl ToString) -> &mut Self {
        self.pairs.push((key, value.to_string()));
        self
    }

    pub fn push_opt<V: ToString>(&mut self, key: &'static str, value: Option<V>) -> &mut Self {
        if let Some(v) = value {
            self.push(key, v);
        }
        self
    }

    /// `path` followed by `?query` when there is a query.
    pub fn apply_to(&self, path: &str) -> String {
        if self.pairs.is_empty() {
            return path.to_string();
        }
        let query: Vec<String> = self
            .pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect();
        format!("{path}?{}", query.join("&"))
    }
}

pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
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
    }

    #[test]
    fn percent_encoding_matches_what_servers_were_sent() {
        assert_eq!(percent_encode("müller"), "m%C3%BCller");
        assert_eq!(percent_encode("<img"), "%3Cimg");
        assert_eq!(percent_encode("^math\\."), "%5Emath%5C.");
        assert_eq!(percent_encode("tasks stock"), "tasks%20stock");
        assert_eq!(percent_encode("a+b&c=d"), "a%2Bb%26c%3Dd");
        assert_eq!(
            percent_encode("2026-11-21T13:25:10Z"),
            "2026-11-21T13:25:10Z"
        );
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

    #[test]
    fn decode_errors_name_the_field_and_endpoint() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Row {
            name: String,
        }
        let base = BaseUrl::parse("http://h").unwrap();
        let req = HttpRequest::new(Method::Get, &base, "/api/x/?limit=1".into());
        let err = decode_json::<Vec<Row>>(&req, r#"[{"name":"a"},{"name":null}]"#).unwrap_err();
        match err {
            ApiError::Decode {
                endpoint, field, ..
            } => {
                assert_eq!(endpoint, "GET /api/x/");
                assert_eq!(field, "[1].name");
            }
            other => panic!("unexpected {other:?}"),
        }
        let field_of = |body: &str| match decode_json::<Page>(&req, body).unwrap_err() {
            ApiError::Decode { field, .. } => field,
            other => panic!("unexpected {other:?}"),
        };
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Page {
            count: u64,
            results: Vec<Task>,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Task {
            id: u64,
            status: String,
        }
        let nested = "{\"count\": 2, \"results\": [\n {\"id\": 1, \"status\": \"a,}\\\"\"},\n {\"id\": 2, \"status\": 7}]}";
        assert_eq!(field_of(nested), "results[1].status");
        let missing = r#"{"count": 2, "results": [{"id": 1, "status": "a"}, {"id": 2}]}"#;
        assert_eq!(field_of(missing), "results[1]");
        assert_eq!(field_of(r#"{"count": "x", "results": []}"#), "count");
        assert_eq!(field_of(r#""text""#), ".");
        assert_eq!(field_of(r#"{"count": 1, "results": {"id": 1}}"#), "results");
    }
}
