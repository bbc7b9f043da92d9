//! CORS as django-cors-headers answers on both servers: allowed origins get
//! the `Access-Control-*` headers (also on 401s); others get a plain 200 on
//! preflight and no CORS headers, which the browser then blocks.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

#[derive(Clone, Debug)]
pub struct CorsPolicy {
    pub allowed_origins: Vec<String>,
    pub allow_headers: &'static str,
    /// Paperless exposes `Content-Disposition`; InvenTree exposes nothing.
    pub expose_headers: Option<&'static str>,
}

pub const PAPERLESS_ALLOW_HEADERS: &str =
    "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with";
pub const INVENTREE_ALLOW_HEADERS: &str = "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with, traceparent, cache-control, pragma, expires";

pub async fn middleware(
    State(policy): State<Arc<CorsPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .map(str::to_string);
    let allowed = origin.filter(|o| policy.allowed_origins.iter().any(|a| a == o));
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if preflight {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::OK;
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        r
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("origin"));
    if let Some(origin) = allowed {
        if let Ok(value) = HeaderValue::from_str(&origin) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        }
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        if let Some(expose) = policy.expose_headers {
            headers.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(expose),
            );
        }
        if preflight {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(policy.allow_headers),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("DELETE, GET, OPTIONS, PATCH, POST, PUT"),
            );
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("86400"),
            );
        }
    }
    response
}
