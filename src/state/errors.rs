//! API errors in words an admin can act on: a title, the detail, and what to
//! do about it, naming the server setting when one is involved.

use crate::api::ApiError;
use crate::api::paperless::PaperlessApi;

use super::connections::ServerKind;

#[derive(Clone, Debug, PartialEq)]
pub struct Explained {
    pub title: String,
    pub detail: String,
    pub hint: Option<String>,
}

/// `origin` is this page's origin (`http://127.0.0.1:8080`), or empty in the
/// desktop app, which does not need CORS.
pub fn explain(error: &ApiError, kind: ServerKind, origin: &str) -> Explained {
    let detail = error.to_string();
    let (title, hint) = match error {
        ApiError::Unreachable { .. } => (
            format!("Cannot reach the {} server", kind.label()),
            Some(if origin.is_empty() {
                "Check that the server is running and the address is right.".to_string()
            } else {
                format!(
                    "Check that the server is running and the address is right. If it is, \
                     the server does not allow this page's origin: add {origin} to {} \
                     on the server and restart it.",
                    kind.cors_setting()
                )
            }),
        ),
        ApiError::Unauthorized { .. } => (
            "The token was not accepted".into(),
            Some("Edit the connection and enter a current token, or sign in again.".into()),
        ),
        ApiError::Forbidden { .. } => (
            "Permission denied".into(),
            Some("Ask an administrator for the permission, or use an account that has it.".into()),
        ),
        ApiError::Throttled { .. } => ("The server is throttling requests".into(), None),
        ApiError::Server { .. } => (
            "The server failed".into(),
            Some(
                "The server's log has the details. Taskdeck keeps showing the last data it got."
                    .into(),
            ),
        ),
        ApiError::Decode { .. } => (
            "The server sent something unexpected".into(),
            Some("This server version may not be supported yet.".into()),
        ),
        ApiError::NotFound { .. } => ("Not found".into(), None),
        ApiError::Validation { .. } => ("The server refused the request".into(), None),
        ApiError::VersionNotSupported { .. } => (
            "API version not supported".into(),
            Some(
                "Taskdeck speaks Paperless-ngx API 9 and 10 and InvenTree API 198 and later."
                    .into(),
            ),
        ),
        ApiError::MethodNotAllowed { .. } => ("Action not allowed".into(), None),
        ApiError::Refused { .. } => ("Request refused".into(), None),
        ApiError::TimedOut { .. } => (
            "The server did not answer in time".into(),
            Some(
                "Taskdeck keeps showing the last data it got and tries again at the next \
                 refresh. The time allowed is set under Connections."
                    .into(),
            ),
        ),
        ApiError::NotJson { .. } => (
            "The server answered with a web page".into(),
            Some(
                "Something between Taskdeck and the server (a login or proxy page) answered \
                 instead of the server's API."
                    .into(),
            ),
        ),
        ApiError::TooLarge { .. } => ("The answer is too large".into(), None),
        ApiError::Redirected { location, .. } => (
            "The server redirected elsewhere".into(),
            Some(format!(
                "Edit the connection: if {location} is the server, use that address (for \
                 example https:// instead of http://, or the path the server lives under)."
            )),
        ),
        ApiError::NothingSelected => ("Nothing selected".into(), None),
        ApiError::InvalidInput { .. } => ("Check the search".into(), None),
        ApiError::Unsupported { .. } => ("Not supported by this server".into(), None),
        ApiError::PagingIgnored { .. } => (
            "The list could not be read whole".into(),
            Some(
                "A proxy in front of the server may drop the query of API requests (limit, \
                 offset, page): let it pass them through."
                    .into(),
            ),
        ),
        ApiError::TooManyPages { .. } => ("The list did not end".into(), None),
        ApiError::VersionChanged { .. } => ("The server changed its API version".into(), None),
    };
    Explained {
        title,
        detail,
        hint,
    }
}

/// Why this account may not read the system status, per version: 2.x
/// shows it to staff only (2.20.15 `SystemStatusView`: `is_staff`); 3.x to
/// superusers, staff, or holders of “view system monitoring” (3.0.5
/// `has_system_status_permission`).
pub fn status_refused(api: PaperlessApi) -> &'static str {
    match api {
        PaperlessApi::V9 => {
            "This account may not read the system status: Paperless-ngx 2.x shows it to staff \
             accounts only."
        }
        PaperlessApi::V10 => {
            "This account may not read the system status: Paperless-ngx 3 shows it to staff \
             accounts, superusers and holders of the “view system monitoring” permission."
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_status_refusal_names_what_each_version_needs() {
        use crate::api::paperless::PaperlessApi;
        let two = super::status_refused(PaperlessApi::V9);
        assert!(two.contains("staff accounts only"), "{two}");
        assert!(
            !two.contains("monitoring"),
            "2.x has no such permission: {two}"
        );
        let three = super::status_refused(PaperlessApi::V10);
        assert!(three.contains("staff") && three.contains("view system monitoring"));
    }

    use super::*;

    #[test]
    fn unreachable_names_the_cors_setting_of_each_server() {
        let e = ApiError::Unreachable {
            url: "http://paperless:8000".into(),
            detail: "TypeError: Failed to fetch".into(),
        };
        let p = explain(&e, ServerKind::Paperless, "http://127.0.0.1:8080");
        assert_eq!(p.title, "Cannot reach the Paperless-ngx server");
        let hint = p.hint.unwrap();
        assert!(hint.contains("PAPERLESS_CORS_ALLOWED_HOSTS"), "{hint}");
        assert!(hint.contains("http://127.0.0.1:8080"), "{hint}");
        let i = explain(&e, ServerKind::InvenTree, "https://deck.example");
        assert!(i.hint.unwrap().contains("INVENTREE_CORS_ORIGIN_WHITELIST"));
        // The desktop app sends from Rust, where CORS does not apply.
        let desktop = explain(&e, ServerKind::InvenTree, "");
        assert!(!desktop.hint.unwrap().contains("CORS"));
    }

    #[test]
    fn forbidden_keeps_the_server_message_and_the_missing_permission() {
        let e = ApiError::Forbidden {
            message: "You do not have permission to perform this action.".into(),
            required: Some("staff status"),
        };
        let x = explain(&e, ServerKind::InvenTree, "");
        assert_eq!(x.title, "Permission denied");
        assert!(x.detail.contains("You do not have permission"));
        assert!(x.detail.contains("staff status"));
    }
}
