//! The desktop app's HTTP command is not an open proxy: it sends only to the
//! base URLs of configured connections, only the requests the API crate
//! builds for that kind of server (method, path, query keys and the exact
//! shape of the JSON body), and only harmless headers. Anything else is
//! refused before it leaves the machine.

use serde_json::Value;
use taskdeck_api::{BaseUrl, HttpRequest, Method, ServerKind};

/// What a request may carry as its JSON body.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Body {
    None,
    /// `{"tasks": [1, 2]}`: Paperless acknowledge, by id only (never `all`).
    TaskIds,
    /// `{"items": [1, 2]}`: InvenTree pending tasks, integer pks.
    IntegerItems,
    /// `{"items": ["a1", "b2"]}`: InvenTree failed tasks, string pks.
    StringItems,
    /// `{"username", "password"[, "code"]}`: Paperless token exchange.
    Login,
    /// `{"task_type": "…"}` (3.x) or `{"task_name": "…"}` (2.x): a system task.
    SystemTask,
    /// `{"mail_ids": [u64, …]}`, not empty: processed-mail records.
    MailIds,
}

/// Whether the stored token is added. Never to the endpoints whose answer
/// is a token: the page would learn the stored token from it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Token {
    AddStored,
    Never,
}

struct Endpoint {
    method: Method,
    /// `*` stands for one path segment of digits (a task id), `~` for a
    /// name (letters, digits, `_`, `-`).
    path: &'static str,
    /// The query keys it may carry, in groups.
    query: &'static [&'static [&'static str]],
    body: Body,
    token: Token,
}

const fn get(path: &'static str, query: &'static [&'static [&'static str]]) -> Endpoint {
    Endpoint {
        method: Method::Get,
        path,
        query,
        body: Body::None,
        token: Token::AddStored,
    }
}

const TASK_FILTERS: &[&str] = &[
    "acknowledged",
    "task_type",
    "trigger_source",
    "name",
    "result",
    "task_id",
    "owner",
    "date_created_after",
    "date_created_before",
];

/// What only the list takes besides the filters.
const TASK_LIST_ONLY: &[&str] = &["status", "is_complete", "ordering", "page", "page_size"];

const QUEUE_LIST: &[&str] = &["limit", "offset", "ordering", "search", "search_regex"];

const PAPERLESS: &[Endpoint] = &[
    // Telling an InvenTree server at a Paperless connection's address.
    Endpoint {
        token: Token::Never,
        ..get("/api/", &[])
    },
    get("/api/tasks/", &[TASK_FILTERS, TASK_LIST_ONLY]),
    get("/api/tasks/*/", &[]),
    get("/api/tasks/status_counts/", &[TASK_FILTERS]),
    get("/api/tasks/summary/", &[&["days"]]),
    get("/api/tasks/active/", &[]),
    get("/api/status/", &[]),
    Endpoint {
        method: Method::Post,
        path: "/api/tasks/run/",
        query: &[],
        body: Body::SystemTask,
        token: Token::AddStored,
    },
    Endpoint {
        method: Method::Post,
        path: "/api/tasks/acknowledge/",
        query: &[],
        body: Body::TaskIds,
        token: Token::AddStored,
    },
    get("/api/mail_accounts/", &[&["page_size"]]),
    get("/api/mail_rules/", &[&["page_size"]]),
    get(
        "/api/processed_mail/",
        &[&["status", "rule", "ordering", "page", "page_size"]],
    ),
    Endpoint {
        method: Method::Post,
        path: "/api/processed_mail/bulk_delete/",
        query: &[],
        body: Body::MailIds,
        token: Token::AddStored,
    },
    Endpoint {
        method: Method::Post,
        path: "/api/mail_accounts/*/process/",
        query: &[],
        body: Body::None,
        token: Token::AddStored,
    },
    get("/api/logs/", &[]),
    get("/api/logs/~/", &[&["limit"]]),
    get("/api/ui_settings/", &[]),
    Endpoint {
        method: Method::Post,
        path: "/api/token/",
        query: &[],
        body: Body::Login,
        token: Token::Never,
    },
];

const INVENTREE: &[Endpoint] = &[
    get("/api/", &[]),
    // Telling a Paperless server at an InvenTree connection's address.
    Endpoint {
        token: Token::Never,
        ..get("/api/tasks/", &[&["page_size"]])
    },
    Endpoint {
        token: Token::Never,
        ..get("/api/user/token/", &[&["name"]])
    },
    get("/api/background-task/", &[]),
    get("/api/background-task/pending/", &[&["limit", "offset"]]),
    Endpoint {
        method: Method::Delete,
        path: "/api/background-task/pending/",
        query: &[],
        body: Body::IntegerItems,
        token: Token::AddStored,
    },
    get("/api/background-task/failed/", &[QUEUE_LIST]),
    Endpoint {
        method: Method::Delete,
        path: "/api/background-task/failed/",
        query: &[],
        body: Body::StringItems,
        token: Token::AddStored,
    },
    get("/api/background-task/scheduled/", &[QUEUE_LIST]),
    get("/api/error-report/", &[&["limit", "offset"]]),
    get("/api/user/me/", &[]),
    get("/api/settings/global/INVENTREE_DELETE_TASKS_DAYS/", &[]),
    get("/api/settings/global/INVENTREE_DELETE_ERRORS_DAYS/", &[]),
];

const HEADERS: &[&str] = &["accept", "authorization", "content-type"];

/// The servers the user configured.
#[derive(Clone, Debug, Default)]
pub struct AllowList {
    servers: Vec<(String, ServerKind, BaseUrl)>,
}

/// A request that may be sent: for which saved connection (only when the
/// request names it, and its address is the request's), and whether that
/// connection's stored token may be added.
#[derive(Debug, PartialEq)]
pub struct Allowed<'a> {
    pub connection_id: Option<&'a str>,
    pub token: Token,
}

fn path_matches(pattern: &str, path: &str) -> bool {
    let (p, a): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == a.len()
        && p.iter().zip(&a).all(|(p, a)| match *p {
            "*" => !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()),
            "~" => {
                !a.is_empty()
                    && a.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            }
            p => p == *a,
        })
}

fn body_matches(rule: Body, body: Option<&Value>) -> bool {
    let only = |object: &serde_json::Map<String, Value>, key: &str| {
        object.len() == 1 && object.contains_key(key)
    };
    let non_empty_list = |value: Option<&Value>, each: fn(&Value) -> bool| {
        value
            .and_then(Value::as_array)
            .is_some_and(|items| !items.is_empty() && items.iter().all(each))
    };
    match (rule, body) {
        (Body::None, None) => true,
        (Body::None, Some(_)) => false,
        (_, None) => false,
        (rule, Some(Value::Object(object))) => match rule {
            Body::TaskIds => {
                only(object, "tasks") && non_empty_list(object.get("tasks"), Value::is_u64)
            }
            Body::IntegerItems => {
                only(object, "items") && non_empty_list(object.get("items"), Value::is_i64)
            }
            Body::StringItems => {
                only(object, "items") && non_empty_list(object.get("items"), Value::is_string)
            }
            Body::Login => {
                object.get("username").is_some_and(Value::is_string)
                    && object.get("password").is_some_and(Value::is_string)
                    && object.get("code").is_none_or(Value::is_string)
                    && object
                        .keys()
                        .all(|k| matches!(k.as_str(), "username" | "password" | "code"))
            }
            Body::SystemTask => {
                object.len() == 1
                    && ["task_type", "task_name"]
                        .iter()
                        .any(|k| object.get(*k).is_some_and(Value::is_string))
            }
            Body::MailIds => {
                only(object, "mail_ids") && non_empty_list(object.get("mail_ids"), Value::is_u64)
            }
            Body::None => false,
        },
        (_, Some(_)) => false,
    }
}

impl AllowList {
    pub fn new(servers: impl IntoIterator<Item = (String, ServerKind, BaseUrl)>) -> AllowList {
        AllowList {
            servers: servers.into_iter().collect(),
        }
    }

    /// Which connection the request is for and what it may carry, or why it
    /// is refused.
    pub fn check(&self, request: &HttpRequest) -> Result<Allowed<'_>, String> {
        // By the connection the request names, and its address: two
        // connections may share an address under different users, and each
        // request must go as the one it was made for.
        let server = match &request.connection {
            Some(named) => self
                .servers
                .iter()
                .find(|(id, _, _)| id == named)
                .filter(|(_, _, base)| *base == request.base)
                .ok_or_else(|| {
                    format!(
                        "the request names a connection that is not configured for {}",
                        request.base
                    )
                })?,
            None => self
                .servers
                .iter()
                .find(|(_, _, base)| *base == request.base)
                .ok_or_else(|| {
                    format!(
                        "{} is not one of the configured servers; add it under Connections first",
                        request.base
                    )
                })?,
        };
        let (id, kind, _) = server;
        let id = request.connection.as_ref().map(|_| id.as_str());
        let path = request.path();
        if path.contains("..") || path.contains("//") || path.contains('\\') || path.contains('%') {
            return Err(format!("refused path {path}"));
        }
        let endpoints = match kind {
            ServerKind::Paperless => PAPERLESS,
            ServerKind::InvenTree => INVENTREE,
        };
        let endpoint = endpoints
            .iter()
            .find(|e| e.method == request.method && path_matches(e.path, path))
            .ok_or_else(|| {
                format!(
                    "{} {path} is not an API call Taskdeck makes to a {} server",
                    request.method.as_str(),
                    kind.label()
                )
            })?;
        for (key, _) in taskdeck_api::query::parse_query(request.query()) {
            if !endpoint
                .query
                .iter()
                .any(|keys| keys.contains(&key.as_str()))
            {
                return Err(format!(
                    "refused query parameter `{key}` on {} {path}",
                    request.method.as_str()
                ));
            }
        }
        if !body_matches(endpoint.body, request.body.as_ref()) {
            return Err(format!(
                "refused body of {} {path}: not the shape Taskdeck sends",
                request.method.as_str()
            ));
        }
        if let Some((name, _)) = request
            .headers
            .iter()
            .find(|(name, _)| !HEADERS.contains(&name.to_ascii_lowercase().as_str()))
        {
            return Err(format!("refused header {name}"));
        }
        Ok(Allowed {
            connection_id: id,
            token: endpoint.token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    const PAPERLESS_BASE: &str = "https://paperless.example";
    const INVENTREE_BASE: &str = "http://inventree.lan:8000";

    fn req(method: Method, base: &str, path: &str) -> HttpRequest {
        HttpRequest::new(method, &BaseUrl::parse(base).unwrap(), path.into())
            .header("Accept", "application/json")
    }

    fn with_body(method: Method, base: &str, path: &str, body: Value) -> HttpRequest {
        req(method, base, path).json_body(body)
    }

    #[test]
    fn requests_the_api_crate_builds_pass() {
        let l = list();
        for r in [
            req(
                Method::Get,
                PAPERLESS_BASE,
                "/api/tasks/?acknowledged=false&status=failure&status=revoked&ordering=-date_created&page=2&page_size=25",
            ),
            req(Method::Get, PAPERLESS_BASE, "/api/tasks/42/"),
            req(
                Method::Get,
                PAPERLESS_BASE,
                "/api/tasks/status_counts/?acknowledged=false&name=scan",
            ),
            with_body(
                Method::Post,
                PAPERLESS_BASE,
                "/api/tasks/acknowledge/",
                json!({"tasks": [1, 2]}),
            ),
            req(
                Method::Get,
                INVENTREE_BASE,
                "/api/background-task/failed/?limit=25&offset=50&ordering=-stopped&search=x&search_regex=true",
            ),
            with_body(
                Method::Delete,
                INVENTREE_BASE,
                "/api/background-task/pending/",
                json!({"items": [3]}),
            ),
            with_body(
                Method::Delete,
                INVENTREE_BASE,
                "/api/background-task/failed/",
                json!({"items": ["a1b2"]}),
            ),
        ] {
            assert!(l.check(&r).is_ok(), "{r:?}: {:?}", l.check(&r));
        }
        assert_eq!(
            l.check(&req(Method::Get, PAPERLESS_BASE, "/api/tasks/").for_connection(Some("c1"))),
            Ok(Allowed {
                connection_id: Some("c1"),
                token: Token::AddStored
            })
        );
        // A request naming no connection is sent without any stored token.
        assert_eq!(
            l.check(&req(Method::Get, PAPERLESS_BASE, "/api/tasks/")),
            Ok(Allowed {
                connection_id: None,
                token: Token::AddStored
            })
        );
    }

    #[test]
    fn a_request_goes_as_the_connection_it_names_and_only_to_its_address() {
        let l = AllowList::new([
            (
                "admin".into(),
                ServerKind::Paperless,
                BaseUrl::parse(PAPERLESS_BASE).unwrap(),
            ),
            (
                "viewer".into(),
                ServerKind::Paperless,
                BaseUrl::parse(PAPERLESS_BASE).unwrap(),
            ),
            (
                "other".into(),
                ServerKind::InvenTree,
                BaseUrl::parse(INVENTREE_BASE).unwrap(),
            ),
        ]);
        let tasks = || req(Method::Get, PAPERLESS_BASE, "/api/tasks/");
        for id in ["admin", "viewer"] {
            assert_eq!(
                l.check(&tasks().for_connection(Some(id)))
                    .map(|a| a.connection_id),
                Ok(Some(id))
            );
        }
        assert!(l.check(&tasks().for_connection(Some("other"))).is_err());
        assert!(l.check(&tasks().for_connection(Some("gone"))).is_err());
    }

    /// The mail, log and admin calls as the API crate builds them.
    #[test]
    fn recovery_calls_pass_and_their_bodies_are_checked() {
        use taskdeck_api::inventree::InvenTreeClient;
        use taskdeck_api::inventree_admin::{DELETE_ERRORS_DAYS, DELETE_TASKS_DAYS};
        use taskdeck_api::paperless::PaperlessClient;
        use taskdeck_api::paperless_mail::{MailOrder, MailQuery, MailStatus};
        let l = list();
        let paperless = PaperlessClient::new(BaseUrl::parse(PAPERLESS_BASE).unwrap(), None);
        let inventree = InvenTreeClient::new(BaseUrl::parse(INVENTREE_BASE).unwrap(), None);
        let query = MailQuery {
            status: Some(MailStatus::Failed),
            rule: Some(1),
            ordering: Some((MailOrder::Received, true)),
            page: Some(2),
            page_size: Some(25),
        };
        for r in [
            paperless.mail_accounts_call().request,
            paperless.mail_rules_call().request,
            paperless.processed_mail_call(&query).request,
            paperless.allow_reimport_call(&[2, 3]).unwrap().request,
            paperless.fetch_mail_call(1).request,
            paperless.logs_call().request,
            paperless.log_call("mail").unwrap().request,
            paperless.log_tail_call("mail", 500).unwrap().request,
            paperless.account_call().request,
            inventree.account_call().request,
            inventree.error_reports_page_call(5, 0).request,
            inventree.setting_call(DELETE_TASKS_DAYS).request,
            inventree.setting_call(DELETE_ERRORS_DAYS).request,
        ] {
            assert!(l.check(&r).is_ok(), "{r:?}: {:?}", l.check(&r));
        }
        for (path, body) in [
            ("/api/processed_mail/bulk_delete/", json!({"mail_ids": []})),
            (
                "/api/processed_mail/bulk_delete/",
                json!({"mail_ids": ["2"]}),
            ),
            (
                "/api/processed_mail/bulk_delete/",
                json!({"mail_ids": [2], "all": true}),
            ),
            ("/api/mail_accounts/1/process/", json!({})),
        ] {
            let r = with_body(Method::Post, PAPERLESS_BASE, path, body);
            assert!(l.check(&r).is_err(), "{r:?}");
        }
        for path in [
            "/api/logs/../",
            "/api/mail_accounts/x/process/",
            "/api/settings/global/SERVER_RESTART_REQUIRED/",
        ] {
            let base = if path.contains("settings") {
                INVENTREE_BASE
            } else {
                PAPERLESS_BASE
            };
            let method = if path.contains("process") {
                Method::Post
            } else {
                Method::Get
            };
            assert!(l.check(&req(method, base, path)).is_err(), "{path}");
        }
    }

    #[test]
    fn token_exchanges_never_get_the_stored_token() {
        let l = list();
        let login = with_body(
            Method::Post,
            PAPERLESS_BASE,
            "/api/token/",
            json!({"username": "u", "password": "p", "code": "123456"}),
        );
        assert_eq!(l.check(&login).unwrap().token, Token::Never);
        let inventree = req(
            Method::Get,
            INVENTREE_BASE,
            "/api/user/token/?name=taskdeck",
        );
        assert_eq!(l.check(&inventree).unwrap().token, Token::Never);
    }

    #[test]
    fn other_hosts_paths_methods_and_headers_are_refused() {
        let l = list();
        let refused = [
            req(Method::Get, "https://evil.example", "/api/tasks/"),
            req(Method::Get, "https://paperless.example:8443", "/api/tasks/"),
            req(Method::Get, PAPERLESS_BASE, "/api/documents/"),
            req(Method::Delete, PAPERLESS_BASE, "/api/tasks/"),
            req(Method::Get, PAPERLESS_BASE, "/api/background-task/"),
            req(
                Method::Delete,
                INVENTREE_BASE,
                "/api/background-task/scheduled/",
            ),
            req(Method::Get, PAPERLESS_BASE, "/api/tasks/abc/"),
            req(Method::Get, PAPERLESS_BASE, "/api/tasks/../users/"),
            req(Method::Get, PAPERLESS_BASE, "/api/tasks/%2e%2e/"),
            req(Method::Get, PAPERLESS_BASE, "/admin/"),
        ];
        for r in refused {
            assert!(l.check(&r).is_err(), "{} {}", r.method.as_str(), r.url());
        }
        let with_cookie =
            req(Method::Get, PAPERLESS_BASE, "/api/tasks/").header("Cookie", "sessionid=x");
        assert_eq!(l.check(&with_cookie), Err("refused header Cookie".into()));
    }

    #[test]
    fn query_keys_the_ui_never_sends_are_refused() {
        let l = list();
        for (method, base, path) in [
            // Wipes the whole pending table on API 477, whatever else is asked.
            (
                Method::Delete,
                INVENTREE_BASE,
                "/api/background-task/pending/?all=true",
            ),
            (
                Method::Delete,
                INVENTREE_BASE,
                "/api/background-task/failed/?all=true",
            ),
            (
                Method::Get,
                INVENTREE_BASE,
                "/api/background-task/pending/?search=x",
            ),
            (Method::Get, PAPERLESS_BASE, "/api/tasks/42/?format=api"),
            (
                Method::Get,
                PAPERLESS_BASE,
                "/api/tasks/status_counts/?page=2",
            ),
            (Method::Get, INVENTREE_BASE, "/api/?x=1"),
        ] {
            let body = (method == Method::Delete).then(|| json!({"items": [1]}));
            let mut r = req(method, base, path);
            r.body = body;
            let refusal = l.check(&r).unwrap_err();
            assert!(refusal.contains("query parameter"), "{path}: {refusal}");
        }
    }

    #[test]
    fn bodies_must_have_the_exact_shape_taskdeck_sends() {
        let l = list();
        let ack = |body| {
            with_body(
                Method::Post,
                PAPERLESS_BASE,
                "/api/tasks/acknowledge/",
                body,
            )
        };
        let pending = |body| {
            with_body(
                Method::Delete,
                INVENTREE_BASE,
                "/api/background-task/pending/",
                body,
            )
        };
        let failed = |body| {
            with_body(
                Method::Delete,
                INVENTREE_BASE,
                "/api/background-task/failed/",
                body,
            )
        };
        for r in [
            ack(json!({"all": true})),
            ack(json!({"tasks": [1], "all": true})),
            ack(json!({"tasks": []})),
            ack(json!({"tasks": ["1"]})),
            ack(json!([1, 2])),
            req(Method::Post, PAPERLESS_BASE, "/api/tasks/acknowledge/"),
            // API 198 deletes whatever `filters` matches.
            pending(json!({"filters": {}})),
            pending(json!({"items": [1], "filters": {"func": "x"}})),
            pending(json!({"items": []})),
            pending(json!({"items": ["1"]})),
            failed(json!({"items": [1]})),
            failed(json!({"all": true})),
            with_body(
                Method::Post,
                PAPERLESS_BASE,
                "/api/token/",
                json!({"username": "u", "password": "p", "extra": 1}),
            ),
            with_body(
                Method::Get,
                PAPERLESS_BASE,
                "/api/tasks/",
                json!({"tasks": [1]}),
            ),
        ] {
            let refusal = l.check(&r).unwrap_err();
            assert!(refusal.contains("body"), "{r:?}: {refusal}");
        }
    }
}
