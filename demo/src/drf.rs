//! Behaviour both servers share because both are Django REST Framework:
//! query parsing, `Authorization` parsing, error bodies, pagination links.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

/// Query parameters in order, repeated keys kept (`status=a&status=b`).
#[derive(Clone, Debug, Default)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn parse(raw: Option<&str>) -> Params {
        Params(
            form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// django-filter's BooleanFilter: anything unrecognised is ignored.
    pub fn boolean(&self, key: &str) -> Option<bool> {
        match self.get(key)?.to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        }
    }

    /// The query string with `key` set to `value` (or removed when `None`),
    /// keys sorted as DRF's `replace_query_param` emits them.
    pub fn with(&self, key: &str, value: Option<String>) -> String {
        let mut pairs: Vec<(String, String)> =
            self.0.iter().filter(|(k, _)| k != key).cloned().collect();
        if let Some(v) = value {
            pairs.push((key.to_string(), v));
        }
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    }
}

/// An absolute URL on this server, built from the request's Host as DRF does.
pub fn absolute_url(headers: &HeaderMap, path: &str, query: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    if query.is_empty() {
        format!("http://{host}{path}")
    } else {
        format!("http://{host}{path}?{query}")
    }
}

pub fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    let text = serde_json::to_string(body).expect("serialisable");
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

pub fn detail(status: StatusCode, message: &str) -> Response {
    json_response(status, &json!({ "detail": message }))
}

pub fn not_authenticated() -> Response {
    let mut r = detail(
        StatusCode::UNAUTHORIZED,
        "Authentication credentials were not provided.",
    );
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Token"));
    r
}

pub fn invalid_token() -> Response {
    let mut r = detail(StatusCode::UNAUTHORIZED, "Invalid token.");
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Token"));
    r
}

pub fn forbidden() -> Response {
    detail(
        StatusCode::FORBIDDEN,
        "You do not have permission to perform this action.",
    )
}

pub fn method_not_allowed(method: &str) -> Response {
    detail(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("Method \"{method}\" not allowed."),
    )
}

pub fn field_error(field: &str, message: &str) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({ field: [message] }))
}

/// How the request authenticated itself.
pub enum Credentials {
    None,
    Token(String),
    Basic { username: String, password: String },
    Malformed,
}

pub fn credentials(headers: &HeaderMap) -> Credentials {
    use base64::Engine as _;
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Credentials::None;
    };
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
    if scheme.eq_ignore_ascii_case("token") {
        Credentials::Token(rest.trim().to_string())
    } else if scheme.eq_ignore_ascii_case("basic") {
        base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|pair| {
                pair.split_once(':').map(|(u, p)| Credentials::Basic {
                    username: u.to_string(),
                    password: p.to_string(),
                })
            })
            .unwrap_or(Credentials::Malformed)
    } else {
        Credentials::Malformed
    }
}

/// A 500 as InvenTree's exception handler reports it.
pub fn inventree_server_error(path: &str, error: &str, detail: &str) -> Response {
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        &json!({
            "error": error,
            "error_class": format!("<class '{error}'>"),
            "detail": detail,
            "path": path,
            "status_code": 500,
        }),
    )
}

/// Parses a request body as JSON the way DRF's JSONParser reports failures.
pub fn parse_json_body(body: &[u8]) -> Result<Option<Value>, Response> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(body).map(Some).map_err(|e| {
        detail(
            StatusCode::BAD_REQUEST,
            &format!(
                "JSON parse error - Expecting value: line {} column {}",
                e.line(),
                e.column()
            ),
        )
    })
}

pub fn empty(status: StatusCode) -> Response {
    let mut r = ().into_response();
    *r.status_mut() = status;
    r
}

/// A plain Django answer (`text/html`), which some views give instead of
/// DRF's JSON (`status_alice_403`, `processed_mail_bulk_delete_string_ids_400`).
pub fn html(status: StatusCode, text: &'static str) -> Response {
    let mut r = Response::new(text.into());
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

/// DRF PageNumberPagination as Paperless-ngx configures it: `page` and
/// `page_size` (25 unless asked), 404 "Invalid page." past the end.
pub fn page_numbers<R, T: Serialize>(
    rows: &[R],
    to_wire: impl Fn(&R) -> T,
    params: &Params,
    headers: &HeaderMap,
    path: &str,
) -> Result<Response, Response> {
    let page_size = params
        .get("page_size")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .map_or(25, |n| n.min(100_000));
    let page = match params.get("page") {
        None => 1,
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| detail(StatusCode::NOT_FOUND, "Invalid page."))?,
    };
    let count = rows.len();
    let pages = count.div_ceil(page_size).max(1);
    if page > pages {
        return Err(detail(StatusCode::NOT_FOUND, "Invalid page."));
    }
    let link = |p: usize| {
        let value = (p > 1).then(|| p.to_string());
        absolute_url(headers, path, &params.with("page", value))
    };
    let results: Vec<T> = rows
        .iter()
        .skip((page - 1) * page_size)
        .take(page_size)
        .map(to_wire)
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({
            "count": count,
            "next": (page < pages).then(|| link(page + 1)),
            "previous": (page > 1).then(|| link(page - 1)),
            "results": results,
        }),
    ))
}
