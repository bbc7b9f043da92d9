//! The desktop app's HTTP command is not an open proxy: it sends only to the
//! base URLs of configured connections, only the methods and API paths the
//! API module uses for that kind of server, and only harmless headers.

use taskdeck::api::{BaseUrl, HttpRequest, Method};
use taskdeck::state::connections::ServerKind;

/// `*` stands for one path segment of digits (a task id).
const PAPERLESS: &[(Method, &str)] = &[
    (Method::Get, "/api/tasks/"),
    (Method::Get, "/api/tasks/*/"),
    (Method::Get, "/api/tasks/status_counts/"),
    (Method::Post, "/api/tasks/acknowledge/"),
    (Method::Post, "/api/token/"),
];

const INVENTREE: &[(Method, &str)] = &[
    (Method::Get, "/api/"),
    (Method::Get, "/api/user/token/"),
    (Method::Get, "/api/background-task/"),
    (Method::Get, "/api/background-task/pending/"),
    (Method::Delete, "/api/background-task/pending/"),
    (Method::Get, "/api/background-task/failed/"),
    (Method::Delete, "/api/background-task/failed/"),
    (Method::Get, "/api/background-task/scheduled/"),
];

const HEADERS: &[&str] = &["accept", "authorization", "content-type"];

/// The servers the user configured.
#[derive(Clone, Debug, Default)]
pub struct AllowList {
    servers: Vec<(String, ServerKind, BaseUrl)>,
}

fn path_matches(pattern: &str, path: &str) -> bool {
    let (p, a): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == a.len()
        && p.iter().zip(&a).all(|(p, a)| match *p {
            "*" => !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()),
            p => p == *a,
        })
}

impl AllowList {
    pub fn new(servers: impl IntoIterator<Item = (String, ServerKind, BaseUrl)>) -> AllowList {
        AllowList {
            servers: servers.into_iter().collect(),
        }
    }

    /// The id of the connection the request is for, or why it is refused.
    pub fn check(&self, request: &HttpRequest) -> Result<&str, String> {
        let (id, kind, _) = self
            .servers
            .iter()
            .find(|(_, _, base)| *base == request.base)
            .ok_or_else(|| {
                format!(
                    "{} is not one of the configured servers; add it under Connections first",
                    request.base
                )
            })?;
        let path = request.path();
        if path.contains("..") || path.contains("//") || path.contains('\\') {
            return Err(format!("refused path {path}"));
        }
        let allowed = match kind {
            ServerKind::Paperless => PAPERLESS,
            ServerKind::InvenTree => INVENTREE,
        };
        if !allowed
            .iter()
            .any(|(m, pattern)| *m == request.method && path_matches(pattern, path))
        {
            return Err(format!(
                "{} {path} is not an API call Taskdeck makes to a {} server",
                request.method.as_str(),
                kind.label()
            ));
        }
        if let Some((name, _)) = request
            .headers
            .iter()
            .find(|(name, _)| !HEADERS.contains(&name.to_ascii_lowercase().as_str()))
        {
            return Err(format!("refused header {name}"));
        }
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> AllowList {
        AllowList::new([
            (
                "c1".into(),
                ServerKind::Paperless,
                BaseUrl::parse("https://paperless.example").unwrap(),
            ),
            (
                "c2".into(),
                ServerKind::InvenTree,
                BaseUrl::parse("http://inventree.lan:8000").unwrap(),
            ),
        ])
    }

    fn req(method: Method, base: &str, path: &str) -> HttpRequest {
        HttpRequest::new(method, &BaseUrl::parse(base).unwrap(), path.into())
            .header("Accept", "application/json")
    }

    #[test]
    fn api_calls_to_configured_servers_pass() {
        let l = list();
        for (method, base, path) in [
            (
                Method::Get,
                "https://paperless.example",
                "/api/tasks/?acknowledged=false&page=2",
            ),
            (Method::Get, "https://paperless.example", "/api/tasks/42/"),
            (
                Method::Post,
                "https://paperless.example",
                "/api/tasks/acknowledge/",
            ),
            (
                Method::Get,
                "http://inventree.lan:8000",
                "/api/background-task/failed/?limit=25",
            ),
            (
                Method::Delete,
                "http://inventree.lan:8000",
                "/api/background-task/pending/",
            ),
        ] {
            assert!(
                l.check(&req(method, base, path)).is_ok(),
                "{method:?} {base}{path}"
            );
        }
        assert_eq!(
            l.check(&req(
                Method::Get,
                "https://paperless.example",
                "/api/tasks/"
            )),
            Ok("c1")
        );
    }

    #[test]
    fn everything_else_is_refused() {
        let l = list();
        let refused = [
            // Not a configured server, even with an allowed path.
            req(Method::Get, "https://evil.example", "/api/tasks/"),
            req(Method::Get, "https://paperless.example:8443", "/api/tasks/"),
            // Not a path the app uses, or the wrong method or server kind.
            req(Method::Get, "https://paperless.example", "/api/documents/"),
            req(Method::Delete, "https://paperless.example", "/api/tasks/"),
            req(
                Method::Get,
                "https://paperless.example",
                "/api/background-task/",
            ),
            req(
                Method::Delete,
                "http://inventree.lan:8000",
                "/api/background-task/scheduled/",
            ),
            req(Method::Get, "https://paperless.example", "/api/tasks/abc/"),
            req(
                Method::Get,
                "https://paperless.example",
                "/api/tasks/../users/",
            ),
            req(Method::Get, "https://paperless.example", "/admin/"),
        ];
        for r in refused {
            assert!(l.check(&r).is_err(), "{} {}", r.method.as_str(), r.url());
        }
        let with_cookie = req(Method::Get, "https://paperless.example", "/api/tasks/")
            .header("Cookie", "sessionid=x");
        assert_eq!(l.check(&with_cookie), Err("refused header Cookie".into()));
        let message = l
            .check(&req(Method::Get, "https://evil.example", "/api/tasks/"))
            .unwrap_err();
        assert!(
            message.contains("not one of the configured servers"),
            "{message}"
        );
    }
}
