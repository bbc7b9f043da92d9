//! The demo backend stands in for real servers in every other test, so it
//! must never fall over itself: random query strings, methods and bodies
//! against every endpoint of every flavour give an answer, never a 500 and
//! never a panic (a panic while holding an instance's lock would poison it
//! for every later request). The one exception is InvenTree's own 500 for
//! bodies it cannot parse, which the real server was recorded giving
//! (`delete_pending_form_encoded`, `delete_pending_json_array_body`): the
//! demo answers those as InvenTree does, with its `error_class` report.

use std::time::Duration;

use taskdeck_demo::{DemoConfig, Flavor};

/// A small, seeded generator: the same cases on every run.
struct Cases(u64);

impl Cases {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

const KEYS: &[&str] = &[
    "limit",
    "offset",
    "page",
    "page_size",
    "ordering",
    "search",
    "search_regex",
    "status",
    "task_type",
    "trigger_source",
    "acknowledged",
    "is_complete",
    "name",
    "result",
    "task_id",
    "owner",
    "date_created_after",
    "date_created_before",
    "all",
    "format",
    "",
];

const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "25",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999",
    "9223372036854775807",
    "4294967295",
    "",
    "true",
    "false",
    "yes",
    "(",
    "[a-",
    "*",
    ".*",
    "%00",
    "%ZZ",
    "%C3%A4",
    "m%C3%BCller",
    "-date_created",
    "-",
    "--pk",
    "pk,-func",
    "2026-13-45T99:99:99Z",
    "2026-11-21T13:25:10Z",
    "null",
    "%3Cimg%20src%3Dx%3E",
    "1e308",
    "NaN",
    "+",
    "%2B",
    "a&b",
    "failure",
    "FAILURE",
    "consume_file",
];

const BODIES: &[&str] = &[
    "",
    "{}",
    "[]",
    "null",
    "{\"tasks\": [1, 2]}",
    "{\"tasks\": [18446744073709551616]}",
    "{\"tasks\": \"x\"}",
    "{\"all\": true}",
    "{\"items\": [1]}",
    "{\"items\": [\"x\", null, {}]}",
    "{\"items\": [-9223372036854775808]}",
    "{\"filters\": {\"func\": \"x\"}}",
    "{\"username\": [], \"password\": {}}",
    "{\"mail_ids\": [1]}",
    "{",
    "\u{0}\u{1}garbage",
    "tasks=1&tasks=x&all=yes",
];

const PAPERLESS_PATHS: &[&str] = &[
    "/api/tasks/",
    "/api/tasks/status_counts/",
    "/api/tasks/acknowledge/",
    "/api/tasks/1/",
    "/api/tasks/99999999999999999999/",
    "/api/tasks/-1/",
    "/api/token/",
    "/api/",
];

const INVENTREE_PATHS: &[&str] = &[
    "/api/",
    "/api/user/token/",
    "/api/background-task/",
    "/api/background-task/pending/",
    "/api/background-task/failed/",
    "/api/background-task/scheduled/",
    "/api/background-task/nope/",
];

const METHODS: &[&str] = &["GET", "POST", "DELETE", "PATCH", "PUT", "HEAD"];

#[test]
fn random_requests_never_make_the_demo_fail() {
    let demo = taskdeck_demo::start(DemoConfig::ephemeral(None)).expect("demo starts");
    let http: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        // A GET with a body the handler does not read makes the server
        // close the connection after answering; a fresh one per request
        // keeps that from looking like a failure of the next request.
        .max_idle_connections(0)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into();
    let mut cases = Cases(0x9E37_79B9_7F4A_7C15);
    for flavor in [
        Flavor::Paperless3,
        Flavor::Paperless2,
        Flavor::InvenTree477,
        Flavor::InvenTree198,
    ] {
        let instance = demo.instance(flavor);
        let paths = if matches!(flavor, Flavor::Paperless3 | Flavor::Paperless2) {
            PAPERLESS_PATHS
        } else {
            INVENTREE_PATHS
        };
        // Every pair of paging parameters at its extremes, then random mixes.
        let extremes = [
            "0",
            "1",
            "25",
            "4294967295",
            "18446744073709551615",
            "99999999999999999999",
            "-1",
        ];
        let mut queries = Vec::new();
        for (a, b) in [
            ("limit", "offset"),
            ("page", "page_size"),
            ("offset", "limit"),
        ] {
            for x in extremes {
                for y in extremes {
                    queries.push(format!("{a}={x}&{b}={y}"));
                }
            }
        }
        for _ in 0..600 {
            let mut query = String::new();
            for i in 0..cases.next() % 6 {
                if i > 0 {
                    query.push('&');
                }
                query.push_str(&format!("{}={}", cases.pick(KEYS), cases.pick(VALUES)));
            }
            queries.push(query);
        }
        for (n, query) in queries.iter().enumerate() {
            let sweep = n < 3 * extremes.len() * extremes.len();
            let path = if sweep {
                paths[n % paths.len()]
            } else {
                cases.pick(paths)
            };
            let method = if sweep { "GET" } else { cases.pick(METHODS) };
            let body = cases.pick(BODIES);
            let content_type = cases.pick(&[
                "application/json",
                "application/x-www-form-urlencoded",
                "text/plain",
            ]);
            let auth = if sweep {
                "token"
            } else {
                cases.pick(&["token", "none", "bad"])
            };
            let url = format!("{}{path}?{query}", instance.url());
            let mut request = ureq::http::Request::builder()
                .method(method)
                .uri(&url)
                .header("Content-Type", content_type)
                .header(
                    "Accept",
                    cases.pick(&[
                        "application/json",
                        "application/json; version=9",
                        "application/json; version=99",
                        "text/html",
                    ]),
                );
            match auth {
                "token" => {
                    request =
                        request.header("Authorization", format!("Token {}", instance.admin_token()))
                }
                "bad" => request = request.header("Authorization", "Token nope"),
                _ => {}
            }
            let request = request.body(body.as_bytes().to_vec()).unwrap();
            let (status, text) = match http.run(request) {
                Ok(mut response) => (
                    response.status().as_u16(),
                    response.body_mut().read_to_string().unwrap_or_default(),
                ),
                Err(e) => panic!("{method} {url} with {body:?}: no answer ({e})"),
            };
            let recorded_inventree_500 = status == 500 && text.contains("\"error_class\"");
            assert!(
                status < 500 || recorded_inventree_500,
                "{method} {url} with {body:?} ({content_type}, {auth}): HTTP {status} {text}"
            );
        }
        // Still answering normally afterwards (no lock was poisoned).
        let probe = if matches!(flavor, Flavor::Paperless3 | Flavor::Paperless2) {
            "/api/tasks/"
        } else {
            "/api/background-task/"
        };
        let status = http
            .get(&format!("{}{probe}", instance.url()))
            .header(
                "Authorization",
                &format!("Token {}", instance.admin_token()),
            )
            .call()
            .unwrap()
            .status()
            .as_u16();
        assert_eq!(status, 200, "{flavor:?} after the random requests");
    }
}
