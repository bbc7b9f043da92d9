//! Errors a UI can speak from: each variant says what went wrong in terms an
//! admin can act on, and keeps the server's own message where it gave one.

use std::fmt;

use serde_json::Value;

use crate::http::{HttpRequest, HttpResponse, TransportError};

#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// No response: server down, wrong address, TLS problem, or the browser
    /// blocked the request because the server does not allow this origin (CORS).
    Unreachable { url: String, detail: String },
    /// The desktop app refused to send a request outside its allow-list.
    Refused { detail: String },
    /// The server answered with a redirect, which is not followed (it could
    /// carry the token elsewhere): the saved address is not the API's.
    Redirected {
        url: String,
        status: u16,
        location: String,
    },
    /// No answer in time. What was asked may still have been done.
    TimedOut { url: String, after_secs: u32 },
    /// A successful status with an HTML page where JSON was expected: a
    /// login page or a proxy answering in the server's place.
    NotJson {
        endpoint: String,
        status: u16,
        excerpt: String,
    },
    /// An answer larger than Taskdeck decodes.
    TooLarge { endpoint: String, bytes: u64 },
    /// 401: missing, wrong, expired or revoked token.
    Unauthorized { message: String },
    /// 403: authenticated, but the account lacks a permission.
    Forbidden {
        message: String,
        /// What the endpoint needs, as documented by the server project, because
        /// the servers themselves only say "You do not have permission".
        required: Option<&'static str>,
    },
    /// 404: unknown object, page out of range, or an endpoint this server
    /// version does not have.
    NotFound { message: String },
    /// 405: the server does not support this action on this endpoint.
    MethodNotAllowed { message: String },
    /// 406: the server does not speak the requested API version.
    VersionNotSupported { message: String },
    /// 429: throttled; `retry_after_secs` from the header or the message.
    Throttled {
        message: String,
        retry_after_secs: Option<u64>,
    },
    /// Other 4xx: the request was refused as invalid; the server's messages.
    Validation { status: u16, messages: Vec<String> },
    /// 5xx.
    Server { status: u16, message: String },
    /// 2xx, but the body is not what this version of the server should send.
    Decode {
        endpoint: String,
        field: String,
        detail: String,
    },
    /// A selection was empty, so nothing was sent.
    NothingSelected,
    /// What the user asked for cannot be sent as it is (nothing was sent).
    InvalidInput { detail: String },
    /// The server's API version cannot do this; nothing was sent.
    Unsupported { detail: String },
    /// Reading a list page by page, the server sent rows already read
    /// instead of the page asked for: it (or a proxy) ignores paging, so
    /// the list cannot be read whole.
    PagingIgnored { endpoint: String, page: u32 },
    /// Reading a list page by page did not end within the pages allowed.
    TooManyPages {
        endpoint: String,
        pages: u32,
        read: u64,
        total: u64,
    },
    /// The server began answering as another API version while a list was
    /// being read, so what was read so far does not match what was asked.
    VersionChanged { detail: String },
}

impl ApiError {
    pub fn from_transport(request: &HttpRequest, error: TransportError) -> Self {
        match error {
            TransportError::Unreachable(detail) => ApiError::Unreachable {
                url: request.base.as_str().to_string(),
                detail,
            },
            TransportError::Refused(detail) => ApiError::Refused { detail },
            TransportError::TimedOut { after_secs } => ApiError::TimedOut {
                url: request.base.as_str().to_string(),
                after_secs,
            },
            TransportError::Redirected { status, location } => ApiError::Redirected {
                url: request.base.as_str().to_string(),
                status,
                location,
            },
        }
    }

    pub fn from_response(request: &HttpRequest, response: &HttpResponse) -> Self {
        let messages = server_messages(&response.body);
        let message = if messages.is_empty() {
            format!("HTTP {} from {}", response.status, request.endpoint())
        } else if crate::http::looks_like_html(&response.body)
            && matches!(response.status, 502..=504)
        {
            // Gateway errors come from a proxy in front of the server, not
            // from Django, whose own error pages say what they are.
            format!(
                "{} (an HTML page from a proxy in front of the server)",
                messages.join(" ")
            )
        } else {
            messages.join(" ")
        };
        match response.status {
            401 => ApiError::Unauthorized { message },
            403 => ApiError::Forbidden {
                message,
                required: required_permission(request),
            },
            404 => ApiError::NotFound { message },
            405 => ApiError::MethodNotAllowed { message },
            406 => ApiError::VersionNotSupported { message },
            429 => ApiError::Throttled {
                retry_after_secs: response
                    .header("retry-after")
                    .and_then(|v| v.trim().parse().ok())
                    .or_else(|| seconds_in_throttle_message(&message)),
                message,
            },
            status @ 400..=499 => ApiError::Validation {
                status,
                messages: if messages.is_empty() {
                    vec![message]
                } else {
                    messages
                },
            },
            status => ApiError::Server { status, message },
        }
    }

    /// The server's own words, if it said anything.
    pub fn server_message(&self) -> Option<String> {
        match self {
            ApiError::Unauthorized { message }
            | ApiError::Forbidden { message, .. }
            | ApiError::NotFound { message }
            | ApiError::MethodNotAllowed { message }
            | ApiError::VersionNotSupported { message }
            | ApiError::Throttled { message, .. }
            | ApiError::Server { message, .. } => Some(message.clone()),
            ApiError::Validation { messages, .. } => Some(messages.join(" ")),
            _ => None,
        }
    }

    /// Whether trying the same request again later can succeed without the user
    /// changing anything.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ApiError::Unreachable { .. }
                | ApiError::Throttled { .. }
                | ApiError::Server { .. }
                | ApiError::TimedOut { .. }
        )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Unreachable { url, detail } => write!(
                f,
                "Could not reach {url}. The server may be down or the address wrong, or the \
                 server does not allow requests from this page (CORS). ({detail})"
            ),
            ApiError::Refused { detail } => write!(f, "Request not sent: {detail}"),
            ApiError::TimedOut { url, after_secs } => write!(
                f,
                "The server did not answer in {after_secs} s ({url}). It may be busy or down; \
                 what was asked may still have been done."
            ),
            ApiError::NotJson {
                endpoint,
                status,
                excerpt,
            } => write!(
                f,
                "{endpoint} answered HTTP {status} with an HTML page instead of the server's \
                 JSON (“{excerpt}”): perhaps a login page or a proxy in front of the server. \
                 Check the address, and that the proxy lets API requests through."
            ),
            ApiError::TooLarge { endpoint, bytes } => write!(
                f,
                "{endpoint} sent {} MB, more than Taskdeck reads at once ({} MB).",
                bytes / 1_000_000,
                crate::http::MAX_BODY_BYTES / 1_000_000
            ),
            ApiError::Redirected {
                url,
                status,
                location,
            } => write!(
                f,
                "{url} answered with a redirect (HTTP {status}) to {location}. Taskdeck does not \
                 follow redirects, so that a token never goes to another address: if that is \
                 where the server lives, change the connection's address to it."
            ),
            ApiError::Unauthorized { message } => write!(
                f,
                "The server did not accept the credentials: {message} Check the token."
            ),
            ApiError::Forbidden { message, required } => match required {
                Some(needed) => write!(f, "Permission denied: {message} This needs {needed}."),
                None => write!(f, "Permission denied: {message}"),
            },
            ApiError::NotFound { message } => write!(f, "Not found: {message}"),
            ApiError::MethodNotAllowed { message } => {
                write!(f, "The server does not allow this action: {message}")
            }
            ApiError::VersionNotSupported { message } => write!(
                f,
                "The server does not support the API version Taskdeck asked for: {message}"
            ),
            ApiError::Throttled {
                retry_after_secs: Some(secs),
                ..
            } => write!(f, "Too many requests; the server asks to wait {secs} s."),
            ApiError::Throttled { message, .. } => write!(f, "Too many requests: {message}"),
            ApiError::Validation { messages, .. } => {
                write!(f, "The server refused the request: {}", messages.join(" "))
            }
            ApiError::Server { status, message } => {
                write!(f, "The server failed (HTTP {status}): {message}")
            }
            ApiError::Decode {
                endpoint,
                field,
                detail,
            } => write!(
                f,
                "Unexpected response from {endpoint}: field `{field}`: {detail}. The server \
                 version may not be supported."
            ),
            ApiError::NothingSelected => write!(f, "Nothing is selected."),
            ApiError::InvalidInput { detail } => write!(f, "{detail}"),
            ApiError::Unsupported { detail } => write!(f, "Not supported by this server: {detail}"),
            ApiError::PagingIgnored { endpoint, page } => write!(
                f,
                "{endpoint} sent rows already read when asked for page {page}: the server, or a \
                 proxy in front of it, ignores paging, so the list could not be read whole."
            ),
            ApiError::TooManyPages {
                endpoint,
                pages,
                read,
                total,
            } => write!(
                f,
                "{endpoint} did not end after {pages} pages ({read} rows read, {total} counted); \
                 reading stopped there."
            ),
            ApiError::VersionChanged { detail } => write!(
                f,
                "The server changed its API version while the list was read: {detail} Try again."
            ),
        }
    }
}

impl std::error::Error for ApiError {}

/// Permissions each server project documents for the endpoints Taskdeck uses.
fn required_permission(request: &HttpRequest) -> Option<&'static str> {
    let path = request.path();
    if path.starts_with("/api/background-task/") {
        Some("a staff account (is_staff) on InvenTree")
    } else if path == "/api/tasks/acknowledge/" {
        Some("the Paperless permission documents.change_paperlesstask")
    } else if path == "/api/tasks/run/" {
        // 2.20.15 and 3.0.5 `TasksViewSet.run`: `is_superuser` only.
        Some("a Paperless superuser account")
    } else if path.starts_with("/api/tasks/") {
        Some("the Paperless permission documents.view_paperlesstask")
    } else {
        None
    }
}

fn seconds_in_throttle_message(message: &str) -> Option<u64> {
    // DRF: "Request was throttled. Expected available in 29 seconds."
    let rest = message.split("available in ").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

/// Flattens DRF error bodies of every shape the recorded servers sent:
/// `{"detail": "..."}`, `{"non_field_errors": "..."}` (InvenTree 477),
/// `{"non_field_errors": ["..."]}` (API 198, Paperless), `{"field": ["..."]}`,
/// `{"tasks": {"0": ["..."]}}`, and plain-text or HTML bodies.
pub fn server_messages(body: &str) -> Vec<String> {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return Vec::new();
    }
    match serde_json::from_str::<Value>(trimmed) {
        Ok(value) => {
            let mut out = Vec::new();
            collect_messages(&value, "", &mut out);
            out
        }
        Err(_) => vec![plain_text_excerpt(trimmed)],
    }
}

fn collect_messages(value: &Value, field: &str, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(if field.is_empty() {
            s.clone()
        } else {
            format!("{field}: {s}")
        }),
        Value::Array(items) => items.iter().for_each(|v| collect_messages(v, field, out)),
        Value::Object(map) => {
            // An InvenTree 500 carries {"error", "error_class", "detail", "path",
            // "status_code"}: "detail" is the message, the rest is noise.
            if let Some(detail) = map.get("detail") {
                return collect_messages(detail, field, out);
            }
            for (key, v) in map {
                let name = match key.as_str() {
                    "non_field_errors" => field.to_string(),
                    k if field.is_empty() => k.to_string(),
                    k if k.chars().all(|c| c.is_ascii_digit()) => format!("{field}[{k}]"),
                    k => format!("{field}.{k}"),
                };
                collect_messages(v, &name, out);
            }
        }
        Value::Number(n) => out.push(n.to_string()),
        Value::Bool(_) | Value::Null => {}
    }
}

/// Server text is only ever shown as text; an HTML error page is reduced to its
/// visible words so the user sees "Insufficient permissions", not markup.
fn plain_text_excerpt(body: &str) -> String {
    // The <head> repeats the page heading in <title>; only the body is read.
    let lower = body.to_ascii_lowercase();
    let body = match (lower.find("<head"), lower.find("</head>")) {
        (Some(start), Some(end)) if end > start => {
            format!("{}{}", &body[..start], &body[end + 7..])
        }
        _ => body.to_string(),
    };
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let joined = words.join(" ");
    if joined.chars().count() > 300 {
        let cut: String = joined.chars().take(300).collect();
        format!("{cut}…")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Starting a system task is for superusers, not for who may view tasks.
    #[test]
    fn a_refused_system_task_names_the_superuser() {
        let base = crate::http::BaseUrl::parse("http://p").unwrap();
        let request = HttpRequest::new(crate::http::Method::Post, &base, "/api/tasks/run/".into());
        let refused = ApiError::from_response(
            &request,
            &HttpResponse::new(403, "Insufficient permissions"),
        );
        let words = refused.to_string();
        assert!(words.contains("superuser"), "{words}");
        assert!(!words.contains("view_paperlesstask"), "{words}");
    }

    #[test]
    fn flattens_nested_field_errors() {
        let msgs = server_messages(
            r#"{"tasks":{"0":["A valid integer is required."],"1":["A valid integer is required."]}}"#,
        );
        assert_eq!(
            msgs,
            vec![
                "tasks[0]: A valid integer is required.",
                "tasks[1]: A valid integer is required."
            ]
        );
    }

    #[test]
    fn html_error_pages_are_read_without_their_head() {
        assert_eq!(
            server_messages(
                "<html><head><title>Server Error (500)</title></head><body><h1>Server Error (500)</h1></body></html>"
            ),
            vec!["Server Error (500)"]
        );
    }

    #[test]
    fn html_bodies_become_text() {
        assert_eq!(
            server_messages("<html><body><h1>Insufficient   permissions</h1></body></html>"),
            vec!["Insufficient permissions"]
        );
    }

    #[test]
    fn throttle_seconds_come_from_the_message_when_headers_are_hidden() {
        assert_eq!(
            seconds_in_throttle_message("Request was throttled. Expected available in 29 seconds."),
            Some(29)
        );
        assert_eq!(seconds_in_throttle_message("slow down"), None);
    }
}
