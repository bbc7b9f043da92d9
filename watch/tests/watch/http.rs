//! The HTTP side answers only this machine's names, only configured web
//! origins (with CORS for them), only with the token when one is set; the
//! action log keeps what consoles post, once per id, in the documented
//! shape.

use crate::support::{TestSecrets, get, request, temp_dir};
use serde_json::{Value, json};
use taskdeck_watch::config::Config;
use taskdeck_watch::{Options, Watcher};

const CONSOLE: &str = "https://tools.example.org";

fn watcher(extra_http: &str, name: &str) -> (Watcher, String, std::path::PathBuf) {
    let dir = temp_dir(name);
    let (watcher, base) = start(extra_http, &dir);
    (watcher, base, dir)
}

fn start(extra_http: &str, dir: &std::path::Path) -> (Watcher, String) {
    // A server on a port nothing listens on: never polled here.
    let text = format!(
        "[http]\nlisten = \"127.0.0.1:0\"\nallowed_origins = [\"{CONSOLE}\"]\n{extra_http}\
         [[server]]\nid = \"docs\"\nkind = \"paperless\"\nurl = \"http://127.0.0.1:9\"\ntoken_env = \"T\"\n"
    );
    let secrets = TestSecrets(vec![
        ("T".into(), "server-token".into()),
        ("W".into(), "watch-token-1".into()),
    ]);
    let config = Config::parse(&text, &secrets).unwrap();
    let watcher = Watcher::start_with(
        config,
        dir,
        Options {
            timers: false,
            ..Options::default()
        },
    )
    .unwrap();
    let base = format!("http://{}", watcher.http_addr().unwrap());
    (watcher, base)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn entry(id: &str) -> Value {
    json!({
        "id": id,
        "at": "2026-12-06T09:30:00Z",
        "who": "alice",
        "installation": "office-pc",
        "server": { "kind": "paperless", "url": "https://paperless.example.org", "name": "Docs" },
        "action": "acknowledge",
        "target": "failed tasks",
        "count": 3,
        "outcomes": { "done": 2, "gone": 1 },
        "report": "2 of 3 acknowledged; 1 was gone",
        "ids": ["17", "18", "19"]
    })
}

#[test]
fn only_configured_origins_and_this_machines_names_are_answered() {
    let (watcher, base, dir) = watcher("", "origins");
    let health = format!("{base}/api/health");
    let (status, headers, _) = get(&health, &[("Origin", CONSOLE)]);
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "access-control-allow-origin"),
        Some(CONSOLE)
    );
    let (status, headers, _) = get(&health, &[("Origin", "https://evil.example")]);
    assert_eq!(status, 403);
    assert_eq!(header(&headers, "access-control-allow-origin"), None);
    let (status, _, _) = get(&health, &[("Host", "evil.example:8095")]);
    assert_eq!(status, 421, "a rebound name is refused");
    let (status, headers, _) = request(
        "OPTIONS",
        &format!("{base}/api/actions"),
        &[
            ("Origin", CONSOLE),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
        None,
    );
    assert_eq!(status, 204);
    assert_eq!(
        header(&headers, "access-control-allow-methods"),
        Some("GET, POST")
    );
    assert_eq!(
        header(&headers, "access-control-allow-headers"),
        Some("Content-Type, Authorization")
    );
    // A page elsewhere cannot post even what needs no preflight.
    let (status, _, _) = request(
        "POST",
        &format!("{base}/api/actions"),
        &[
            ("Origin", "https://evil.example"),
            ("Content-Type", "text/plain"),
        ],
        Some(&entry("a1").to_string()),
    );
    assert_eq!(status, 403);
    let (_, _, body) = get(&format!("{base}/api/actions"), &[]);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["actions"],
        json!([])
    );
    watcher.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_action_log_keeps_each_entry_once_with_its_origin() {
    let (watcher, base, dir) = watcher("", "actions");
    let url = format!("{base}/api/actions");
    let json_type = ("Content-Type", "application/json");
    let body = entry("2f1c9a7e-1").to_string();
    let (status, _, answer) = request("POST", &url, &[json_type, ("Origin", CONSOLE)], Some(&body));
    assert_eq!(
        (status, answer.as_str()),
        (200, r#"{"added":1,"already_kept":0}"#)
    );
    // The console retried: kept once.
    let (_, _, answer) = request("POST", &url, &[json_type, ("Origin", CONSOLE)], Some(&body));
    assert_eq!(answer, r#"{"added":0,"already_kept":1}"#);
    // A batch, posted by a local program (no browser, no origin).
    let batch = json!([entry("b-1"), entry("b-2")]).to_string();
    let (_, _, answer) = request("POST", &url, &[json_type], Some(&batch));
    assert_eq!(answer, r#"{"added":2,"already_kept":0}"#);
    let (status, _, _) = request("POST", &url, &[("Content-Type", "text/plain")], Some(&body));
    assert_eq!(status, 415);
    let mut wrong = entry("c-1");
    wrong["action"] = json!("explode");
    let (status, _, answer) = request("POST", &url, &[json_type], Some(&wrong.to_string()));
    assert_eq!(status, 400);
    assert!(answer.contains("action: one of acknowledge"), "{answer}");
    let mut extra = entry("c-2");
    extra["password"] = json!("x");
    let (status, _, _) = request("POST", &url, &[json_type], Some(&extra.to_string()));
    assert_eq!(status, 400, "unknown fields are refused");

    let (_, _, listed) = get(&format!("{url}?from=2026-12-06&to=2026-12-06"), &[]);
    let listed: Value = serde_json::from_str(&listed).unwrap();
    let actions = listed["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 3);
    let first = actions.iter().find(|a| a["id"] == "2f1c9a7e-1").unwrap();
    assert_eq!(first["origin"], CONSOLE);
    assert_eq!(first["outcomes"], json!({ "done": 2, "gone": 1 }));
    assert_eq!(first["ids"], json!(["17", "18", "19"]));
    assert_eq!(actions.iter().filter(|a| a["origin"] == "local").count(), 2);
    let (_, _, none) = get(&format!("{url}?from=2026-12-07&to=2026-12-08"), &[]);
    assert_eq!(
        serde_json::from_str::<Value>(&none).unwrap()["actions"],
        json!([])
    );
    watcher.stop();
    // Kept across a restart.
    let (again, again_base) = start("", &dir);
    let (_, _, listed) = get(
        &format!("{again_base}/api/actions?from=2026-12-01&to=2026-12-07"),
        &[],
    );
    assert_eq!(
        serde_json::from_str::<Value>(&listed).unwrap()["actions"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    again.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn with_a_token_every_request_needs_it() {
    let (watcher, base, dir) = watcher("token_env = \"W\"\n", "token");
    for path in [
        "/api/health",
        "/metrics",
        "/api/history?server=docs",
        "/api/actions",
    ] {
        let (status, _, body) = get(&format!("{base}{path}"), &[]);
        assert_eq!(status, 401, "{path}");
        assert!(!body.contains("watch-token-1"));
        let (status, _, _) = get(
            &format!("{base}{path}"),
            &[("Authorization", "Bearer watch-token-2")],
        );
        assert_eq!(status, 401, "{path}");
    }
    let (status, _, _) = get(
        &format!("{base}/api/health"),
        &[("Authorization", "Bearer watch-token-1")],
    );
    assert_eq!(status, 200);
    // The preflight carries no credentials and is answered without them.
    let (status, _, _) = request(
        "OPTIONS",
        &format!("{base}/api/health"),
        &[("Origin", CONSOLE)],
        None,
    );
    assert_eq!(status, 204);
    watcher.stop();
    std::fs::remove_dir_all(dir).unwrap();
}
