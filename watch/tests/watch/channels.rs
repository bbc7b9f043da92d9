//! Alerts reach ntfy, Gotify and a webhook with exactly the documented
//! requests (a local listener stands in for all three), and a channel that
//! is down is retried with backoff, recorded, and never dropped: not when
//! it gives up, not across a restart.

use std::sync::Arc;

use crate::support::{Recorder, TestSecrets, get, temp_dir};
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use taskdeck_demo::{Demo, DemoConfig, Flavor};
use taskdeck_watch::clock::ManualClock;
use taskdeck_watch::config::Config;
use taskdeck_watch::{Options, Watcher};

const NTFY_TOKEN: &str = "tk_ntfy-secret-4711";
const GOTIFY_TOKEN: &str = "gotify-app-secret-4712";
const HOOK_TOKEN: &str = "hook-secret-4713";

fn demo() -> Demo {
    taskdeck_demo::start(DemoConfig::ephemeral(None)).expect("demo starts")
}

fn start_time() -> DateTime<Utc> {
    "2026-12-06T10:00:00Z".parse().unwrap()
}

fn secrets(demo: &Demo) -> TestSecrets {
    TestSecrets(vec![
        (
            "INVENTREE".into(),
            demo.instance(Flavor::InvenTree477).admin_token().into(),
        ),
        ("NTFY".into(), NTFY_TOKEN.into()),
        ("GOTIFY".into(), GOTIFY_TOKEN.into()),
        ("HOOK".into(), HOOK_TOKEN.into()),
    ])
}

fn server(demo: &Demo) -> String {
    format!(
        "[[server]]\nid = \"parts\"\nname = \"Lager Müller\"\nkind = \"inventree\"\nurl = \"{}\"\ntoken_env = \"INVENTREE\"\n",
        demo.instance(Flavor::InvenTree477).url()
    )
}

fn set_worker(demo: &Demo, running: bool) {
    demo.instance(Flavor::InvenTree477)
        .set_worker_running(running);
}

fn start(config: &Config, dir: &std::path::Path, clock: &ManualClock) -> Watcher {
    Watcher::start_with(
        config.clone(),
        dir,
        Options {
            clock: Arc::new(clock.clone()),
            timers: false,
            on_alert: None,
        },
    )
    .expect("watcher starts")
}

#[test]
fn each_channel_gets_exactly_its_request() {
    let demo = demo();
    let recorder = Recorder::start();
    let text = format!(
        "[http]\nlisten = \"127.0.0.1:0\"\n{}\
         [[channel]]\nname = \"phone\"\nkind = \"ntfy\"\nurl = \"{}\"\ntoken_env = \"NTFY\"\ntags = [\"taskdeck\"]\n\
         [[channel]]\nname = \"push\"\nkind = \"gotify\"\nurl = \"{}\"\ntoken_env = \"GOTIFY\"\n\
         [[channel]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"{}\"\ntoken_env = \"HOOK\"\n\
         [[rule]]\nkind = \"worker_stopped\"\n",
        server(&demo),
        recorder.url("/ntfy/taskdeck-office"),
        recorder.url("/gotify/"),
        recorder.url("/hook"),
    );
    let config = Config::parse(&text, &secrets(&demo)).unwrap();
    let dir = temp_dir("channels");
    let clock = ManualClock::at(start_time());
    let watcher = start(&config, &dir, &clock);
    let inventree = demo.instance(Flavor::InvenTree477);
    let pending = inventree.pending_pks().len();

    set_worker(&demo, false);
    watcher.poll_now();
    let url = inventree.url();
    let title = "Lager Müller: background worker stopped";
    let message =
        format!("The background worker of {url} is not running; {pending} tasks are waiting.");

    let ntfy = recorder.requests_to("/ntfy/taskdeck-office");
    assert_eq!(ntfy.len(), 1);
    let n = &ntfy[0];
    assert_eq!((n.method.as_str(), n.query.as_deref()), ("POST", None));
    let encoded_title = format!(
        "=?UTF-8?B?{}?=",
        base64::engine::general_purpose::STANDARD.encode(title)
    );
    assert_eq!(n.header("title"), Some(encoded_title.as_str()));
    assert_eq!(n.header("priority"), Some("4"));
    assert_eq!(n.header("tags"), Some("warning,taskdeck"));
    assert_eq!(n.header("click"), Some(url.as_str()));
    assert_eq!(
        n.header("authorization"),
        Some(format!("Bearer {NTFY_TOKEN}").as_str())
    );
    assert_eq!(n.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(n.text(), message);

    let gotify = recorder.requests_to("/gotify/message");
    assert_eq!(gotify.len(), 1);
    let g = &gotify[0];
    assert_eq!(
        (g.method.as_str(), g.query.as_deref()),
        ("POST", None),
        "the token is never in the URL"
    );
    assert_eq!(g.header("x-gotify-key"), Some(GOTIFY_TOKEN));
    assert_eq!(g.header("content-type"), Some("application/json"));
    assert_eq!(
        g.json(),
        json!({
            "title": title,
            "message": message,
            "priority": 8,
            "extras": {
                "client::display": { "contentType": "text/plain" },
                "client::notification": { "click": { "url": url } },
            },
        })
    );

    let hook = recorder.requests_to("/hook");
    assert_eq!(hook.len(), 1);
    let h = &hook[0];
    assert_eq!(h.method, "POST");
    assert_eq!(
        h.header("authorization"),
        Some(format!("Bearer {HOOK_TOKEN}").as_str())
    );
    assert_eq!(h.header("content-type"), Some("application/json"));
    assert_eq!(
        h.json(),
        json!({
            "source": "taskdeck-watch",
            "version": 1,
            "id": 1,
            "at": "2026-12-06T10:00:00.000Z",
            "state": "firing",
            "severity": "error",
            "rule": { "name": "worker_stopped", "kind": "worker_stopped" },
            "server": { "id": "parts", "name": "Lager Müller", "kind": "inventree", "url": url },
            "subject": "worker",
            "title": title,
            "message": message,
        })
    );

    // Nothing new while it stays stopped; one "resolved" when it runs again.
    clock.advance(Duration::minutes(1));
    watcher.poll_now();
    assert_eq!(recorder.requests().len(), 3);
    set_worker(&demo, true);
    clock.advance(Duration::minutes(1));
    watcher.poll_now();
    let resolved = recorder.requests();
    assert_eq!(resolved.len(), 6);
    let ntfy = &recorder.requests_to("/ntfy/taskdeck-office")[1];
    assert_eq!(ntfy.header("priority"), Some("3"));
    assert_eq!(ntfy.header("tags"), Some("white_check_mark,taskdeck"));
    assert_eq!(
        ntfy.text(),
        format!("The background worker of {url} runs again.")
    );
    let hook = &recorder.requests_to("/hook")[1].json();
    assert_eq!(
        (
            hook["state"].as_str(),
            hook["severity"].as_str(),
            hook["id"].as_i64()
        ),
        (Some("resolved"), Some("info"), Some(2))
    );
    assert_eq!(
        recorder.requests_to("/gotify/message")[1].json()["priority"],
        4
    );

    // No token in any answer of the watcher, nor in its file.
    let base = format!("http://{}", watcher.http_addr().unwrap());
    let tokens = [
        NTFY_TOKEN,
        GOTIFY_TOKEN,
        HOOK_TOKEN,
        inventree.admin_token(),
    ];
    for path in [
        "/api/health",
        "/api/history?server=parts",
        "/metrics",
        "/api/actions",
    ] {
        let (status, _, body) = get(&format!("{base}{path}"), &[]);
        assert_eq!(status, 200, "{path}: {body}");
        for token in tokens {
            assert!(!body.contains(token), "{path} holds a token");
        }
    }
    watcher.stop();
    let mut file = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        file.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let file = String::from_utf8_lossy(&file);
    for token in tokens {
        assert!(!file.contains(token), "the history file holds a token");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_channel_outage_is_retried_with_backoff_recorded_and_survives_a_restart() {
    let demo = demo();
    let recorder = Recorder::start();
    let text = format!(
        "[http]\nlisten = \"127.0.0.1:0\"\n[delivery]\nattempts = 3\nfirst_retry = \"10s\"\nmax_retry = \"1m\"\n{}\
         [[channel]]\nname = \"down\"\nkind = \"webhook\"\nurl = \"{}\"\n\
         [[channel]]\nname = \"flaky\"\nkind = \"webhook\"\nurl = \"{}\"\n\
         [[channel]]\nname = \"later\"\nkind = \"webhook\"\nurl = \"{}\"\n\
         [[rule]]\nkind = \"worker_stopped\"\n",
        server(&demo),
        recorder.url("/down"),
        recorder.url("/flaky"),
        recorder.url("/later"),
    );
    let config = Config::parse(&text, &secrets(&demo)).unwrap();
    recorder.fail("/down", 1000);
    recorder.fail("/flaky", 1);
    recorder.fail("/later", 3);
    let dir = temp_dir("outage");
    let clock = ManualClock::at(start_time());
    let watcher = start(&config, &dir, &clock);
    set_worker(&demo, false);
    watcher.poll_now();
    let attempts = |path: &str| recorder.requests_to(path).len();
    assert_eq!(
        (attempts("/down"), attempts("/flaky"), attempts("/later")),
        (1, 1, 1)
    );

    let health = |watcher: &Watcher| {
        let (_, _, body) = get(
            &format!("http://{}/api/health", watcher.http_addr().unwrap()),
            &[],
        );
        serde_json::from_str::<serde_json::Value>(&body).unwrap()
    };
    let channel = |h: &serde_json::Value, name: &str| {
        h["channels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    let h = health(&watcher);
    let down = channel(&h, "down");
    assert_eq!(
        (
            down["pending"].as_u64(),
            down["retrying"].as_u64(),
            down["failed"].as_u64()
        ),
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(
        down["last_error"],
        "HTTP 503 Service Unavailable: down for maintenance"
    );

    // Not due yet: nothing is sent.
    watcher.deliver_now();
    assert_eq!(recorder.requests().len(), 3);
    // 10 s later: the second attempts; the flaky channel takes it.
    clock.advance(Duration::seconds(10));
    watcher.deliver_now();
    assert_eq!(
        (attempts("/down"), attempts("/flaky"), attempts("/later")),
        (2, 2, 2)
    );
    // The next wait is twice as long: 10 s later nothing, 20 s later the third.
    clock.advance(Duration::seconds(10));
    watcher.deliver_now();
    assert_eq!((attempts("/down"), attempts("/later")), (2, 2));

    // A restart in between loses nothing.
    watcher.stop();
    let watcher = start(&config, &dir, &clock);
    clock.advance(Duration::seconds(10));
    watcher.deliver_now();
    assert_eq!(
        (attempts("/down"), attempts("/flaky"), attempts("/later")),
        (3, 2, 3)
    );
    // "later" failed three times: given up, like "down". Both are recorded.
    let h = health(&watcher);
    assert_eq!(h["ok"], false);
    assert_eq!(channel(&h, "down")["failed"], 1);
    assert_eq!(channel(&h, "flaky")["sent"], 1);
    assert_eq!(channel(&h, "later")["failed"], 1);
    let (_, _, metrics) = get(
        &format!("http://{}/metrics", watcher.http_addr().unwrap()),
        &[],
    );
    assert!(
        metrics.contains("taskdeck_alert_deliveries_failed_total{channel=\"down\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("taskdeck_alert_deliveries_failed_total{channel=\"flaky\"} 0\n"),
        "{metrics}"
    );
    let (_, _, history) = get(
        &format!(
            "http://{}/api/history?server=parts",
            watcher.http_addr().unwrap()
        ),
        &[],
    );
    let history: serde_json::Value = serde_json::from_str(&history).unwrap();
    let alerts = history["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1);
    let deliveries: Vec<(String, String, u64)> = alerts[0]["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["channel"].as_str().unwrap().into(),
                d["status"].as_str().unwrap().into(),
                d["attempts"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        deliveries,
        [
            ("down".into(), "failed".into(), 3),
            ("flaky".into(), "sent".into(), 2),
            ("later".into(), "failed".into(), 3)
        ]
    );
    // Every attempt carried the same alert, so a receiver can tell repeats.
    let ids: Vec<i64> = recorder
        .requests()
        .iter()
        .map(|r| r.json()["id"].as_i64().unwrap())
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    // Given up is final: no more attempts later.
    clock.advance(Duration::hours(1));
    watcher.deliver_now();
    assert_eq!(recorder.requests().len(), 8);
    watcher.stop();
    std::fs::remove_dir_all(dir).unwrap();
}
