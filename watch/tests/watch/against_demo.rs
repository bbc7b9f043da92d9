//! The watcher against the four demo servers: its history and `/metrics`
//! equal what the demo holds; failing tasks, a failed health check,
//! stopped workers, hung workers and new causes of failure give exactly one
//! alert per rule and change; a restart keeps the history and alerts
//! nothing twice; a server that stops answering is alerted once.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::support::{Recorder, TestSecrets, get, temp_dir};
use chrono::Utc;
use serde_json::Value;
use taskdeck_demo::seed::{FailedRow, PaperlessRow};
use taskdeck_demo::{Demo, DemoConfig, Fault, Flavor, Instance};
use taskdeck_watch::Watcher;
use taskdeck_watch::config::Config;

const SERVERS: [(&str, Flavor); 4] = [
    ("p3", Flavor::Paperless3),
    ("p2", Flavor::Paperless2),
    ("i477", Flavor::InvenTree477),
    ("i198", Flavor::InvenTree198),
];

fn config(demo: &Demo, recorder: &Recorder) -> Config {
    let mut text =
        String::from("[http]\nlisten = \"127.0.0.1:0\"\n[poll]\nstatus_interval = \"1ms\"\n");
    let mut secrets = Vec::new();
    for (id, flavor) in SERVERS {
        let instance = demo.instance(flavor);
        text.push_str(&format!(
            "[[server]]\nid = \"{id}\"\nname = \"{}\"\nkind = \"{}\"\nurl = \"{}\"\ntoken_env = \"TOKEN_{id}\"\n{}",
            instance.name,
            flavor.kind(),
            instance.url(),
            // The demo writes InvenTree's times in UTC.
            if flavor.kind() == "inventree" { "server_time = \"utc\"\n" } else { "" },
        ));
        secrets.push((format!("TOKEN_{id}"), instance.admin_token().to_string()));
    }
    text.push_str(&format!(
        "[[channel]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"{}\"\n\
         [[rule]]\nkind = \"worker_stopped\"\n\
         [[rule]]\nkind = \"health_error\"\n\
         [[rule]]\nkind = \"failure_rate\"\nthreshold = 0.5\nwindow = \"1h\"\nmin_tasks = 10\n\
         [[rule]]\nkind = \"unreachable\"\nafter = 2\n\
         [[rule]]\nkind = \"new_failure_group\"\n\
         [[rule]]\nkind = \"stall\"\n",
        recorder.url("/hook")
    ));
    Config::parse(&text, &TestSecrets(secrets)).expect("config")
}

/// Alerts an embedding app was told of, as (rule kind, server, state).
type Told = std::sync::Arc<std::sync::Mutex<Vec<(String, String, String)>>>;

fn start_telling(config: &Config, dir: &std::path::Path, told: &Told) -> Watcher {
    let told = told.clone();
    Watcher::start_with(
        config.clone(),
        dir,
        taskdeck_watch::Options {
            timers: false,
            on_alert: Some(std::sync::Arc::new(move |n: taskdeck_watch::Notice| {
                told.lock()
                    .unwrap()
                    .push((n.rule_kind.to_string(), n.server, n.state.to_string()));
            })),
            ..taskdeck_watch::Options::default()
        },
    )
    .expect("watcher starts")
}

fn start(config: &Config, dir: &std::path::Path) -> Watcher {
    start_telling(config, dir, &Told::default())
}

/// A task of this type that finished a moment ago.
fn finished(instance: &Instance, task_type: &'static str, ok: bool) {
    finished_before(instance, task_type, ok, chrono::Duration::zero());
}

/// A task of this type that finished `ago`.
fn finished_before(instance: &Instance, task_type: &'static str, ok: bool, ago: chrono::Duration) {
    let mut state = instance.paperless().lock().unwrap();
    let id = state.tasks.iter().map(|t| t.id).max().unwrap_or(0) + 1;
    let now = Utc::now() - ago;
    state.tasks.push(PaperlessRow {
        id,
        task_id: format!("watch-test-{id}"),
        task_type,
        trigger_source: "manual",
        status: if ok { "success" } else { "failure" },
        date_created: now - chrono::Duration::seconds(30),
        date_started: Some(now - chrono::Duration::seconds(20)),
        date_done: Some(now - chrono::Duration::seconds(1)),
        input_data: serde_json::json!({}),
        result_data: Some(if ok {
            serde_json::json!({ "reason": "No issues detected." })
        } else {
            serde_json::json!({ "error_type": "WatchTestError", "error_message": "made to fail by the watcher's test" })
        }),
        acknowledged: false,
        owner: None,
        finishes: None,
    });
}

fn set_workers(demo: &Demo, running: bool) {
    demo.instance(Flavor::Paperless3)
        .set_worker_running(running);
    demo.instance(Flavor::InvenTree477)
        .set_worker_running(running);
}

/// Tasks by status as the watcher reads them from the demo's state.
fn expected_statuses(instance: &Instance) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    match instance.flavor {
        Flavor::Paperless3 | Flavor::Paperless2 => {
            for t in &instance.paperless().lock().unwrap().tasks {
                // API 10 has no "retry": its status counts put it in progress.
                let status = match (instance.flavor, t.status) {
                    (Flavor::Paperless3, "retry") => "started",
                    (_, s) => s,
                };
                *out.entry(status.to_string()).or_insert(0) += 1;
            }
            if instance.flavor == Flavor::Paperless3 {
                for s in ["pending", "started", "success", "failure", "revoked"] {
                    out.entry(s.to_string()).or_insert(0);
                }
            }
        }
        _ => {
            let s = instance.inventree().lock().unwrap();
            out.insert("pending".into(), s.pending.len() as u64);
            out.insert("scheduled".into(), s.scheduled.len() as u64);
            out.insert("failed".into(), s.failed.len() as u64);
        }
    }
    out
}

/// Finished tasks per (UTC day, type): (succeeded, failed, revoked).
fn expected_days(instance: &Instance) -> BTreeMap<(String, String), (u64, u64, u64)> {
    let mut out = BTreeMap::new();
    for t in &instance.paperless().lock().unwrap().tasks {
        let Some(done) = t.date_done else { continue };
        let slot = out
            .entry((done.date_naive().to_string(), t.task_type.to_string()))
            .or_insert((0, 0, 0));
        match t.status {
            "success" => slot.0 += 1,
            "failure" => slot.1 += 1,
            "revoked" => slot.2 += 1,
            _ => {}
        }
    }
    out
}

fn history(watcher: &Watcher, server: &str) -> Value {
    let (status, _, body) = get(
        &format!(
            "http://{}/api/history?server={server}",
            watcher.http_addr().unwrap()
        ),
        &[],
    );
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn metrics(watcher: &Watcher) -> BTreeMap<String, f64> {
    let (status, headers, body) = get(
        &format!("http://{}/metrics", watcher.http_addr().unwrap()),
        &[],
    );
    assert_eq!(status, 200);
    assert!(
        headers
            .iter()
            .any(|(n, v)| n == "content-type" && v.starts_with("text/plain; version=0.0.4"))
    );
    body.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (name, value) = l.rsplit_once(' ').unwrap();
            (name.to_string(), value.parse().unwrap())
        })
        .collect()
}

/// Alerts sent (not held back), as (rule, server, subject, state).
fn alerts(watcher: &Watcher) -> Vec<(String, String, String, String)> {
    let mut all = Vec::new();
    for (id, _) in SERVERS {
        for a in history(watcher, id)["alerts"].as_array().unwrap() {
            if a["held_back"].is_null() {
                all.push((
                    a["rule"].as_str().unwrap().to_string(),
                    id.to_string(),
                    a["subject"].as_str().unwrap().to_string(),
                    a["state"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    all.sort();
    all
}

fn tuple(a: &str, b: &str, c: &str, d: &str) -> (String, String, String, String) {
    (a.into(), b.into(), c.into(), d.into())
}

#[test]
fn the_watcher_remembers_and_alerts_once_per_change_across_a_restart() {
    // Two servers with a hung worker: it takes nothing while the server
    // says it runs, and nothing has finished for 40 minutes.
    let mut demo_config = DemoConfig::ephemeral(None);
    demo_config.stalled = vec![Flavor::Paperless2, Flavor::InvenTree198];
    let demo = taskdeck_demo::start(demo_config).expect("demo starts");
    let recorder = Recorder::start();
    // Each Paperless server's last sanity check and training went well, so
    // the health checks start out fine (on the hung one before it hung).
    for (flavor, ago) in [(Flavor::Paperless3, 0), (Flavor::Paperless2, 50)] {
        let ago = chrono::Duration::minutes(ago);
        finished_before(demo.instance(flavor), "sanity_check", true, ago);
        finished_before(demo.instance(flavor), "train_classifier", true, ago);
    }
    let config = config(&demo, &recorder);
    let dir = temp_dir("demo");
    let told = Told::default();
    let watcher = start_telling(&config, &dir, &told);
    watcher.poll_now();

    // The history and the metrics say what the demo holds.
    let figures = metrics(&watcher);
    for (id, flavor) in SERVERS {
        let instance = demo.instance(flavor);
        let h = history(&watcher, id);
        let poll = &h["polls"][0];
        assert_eq!(poll["ok"], true, "{id}: {poll}");
        let statuses: BTreeMap<String, u64> =
            serde_json::from_value(poll["statuses"].clone()).unwrap();
        assert_eq!(statuses, expected_statuses(instance), "{id}");
        assert_eq!(poll["worker_up"], true, "{id}");
        for (status, count) in &statuses {
            assert_eq!(
                figures[&format!("taskdeck_tasks{{server=\"{id}\",status=\"{status}\"}}")],
                *count as f64,
                "{id} {status}"
            );
        }
        assert_eq!(
            figures[&format!("taskdeck_worker_up{{server=\"{id}\"}}")],
            1.0,
            "{id}"
        );
        assert_eq!(
            figures[&format!("taskdeck_last_poll_ok{{server=\"{id}\"}}")],
            1.0,
            "{id}"
        );
        if flavor.kind() == "paperless" {
            assert_eq!(
                poll["api_version"],
                if flavor == Flavor::Paperless3 { 10 } else { 9 }
            );
            let mut days = BTreeMap::new();
            for day in h["days"].as_array().unwrap() {
                for t in day["types"].as_array().unwrap() {
                    days.insert(
                        (
                            day["day"].as_str().unwrap().to_string(),
                            t["task_type"].as_str().unwrap().to_string(),
                        ),
                        (
                            t["success"].as_u64().unwrap(),
                            t["failure"].as_u64().unwrap(),
                            t["revoked"].as_u64().unwrap(),
                        ),
                    );
                }
            }
            assert_eq!(
                days,
                expected_days(instance),
                "{id}: finished tasks per day and type"
            );
            // The oldest task waiting, in seconds, as of the poll.
            let oldest = instance
                .paperless()
                .lock()
                .unwrap()
                .tasks
                .iter()
                .filter(|t| t.status == "pending")
                .map(|t| t.date_created)
                .min()
                .unwrap();
            let age = figures[&format!("taskdeck_oldest_pending_age_seconds{{server=\"{id}\"}}")];
            let now_age = (Utc::now() - oldest).num_milliseconds() as f64 / 1000.0;
            assert!(
                age <= now_age && age > now_age - 30.0,
                "{id}: {age} against {now_age}"
            );
        }
    }
    // The console reads the history and health with the API crate's types.
    for (id, _) in SERVERS {
        let read: taskdeck_api::watcher::History =
            serde_json::from_value(history(&watcher, id)).expect("the console reads the history");
        assert_eq!(read.server.id, id);
        assert!(!read.days.is_empty() && !read.polls.is_empty() && !read.versions.is_empty());
    }
    let (_, _, health) = get(
        &format!("http://{}/api/health", watcher.http_addr().unwrap()),
        &[],
    );
    let health: taskdeck_api::watcher::WatcherHealth =
        serde_json::from_str(&health).expect("the console reads the health");
    let p3 = demo.instance(Flavor::Paperless3);
    let base = taskdeck_api::BaseUrl::parse(&p3.url()).unwrap();
    let found: Vec<&str> = health
        .servers
        .iter()
        .filter(|s| s.is(taskdeck_api::ServerKind::Paperless, &base))
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(
        found,
        ["p3"],
        "a console finds its server by kind and address"
    );

    // Only the hung workers are wrong yet: the stalls are there at the first
    // poll; the causes of failure already there are taken as known.
    let stalls = vec![
        tuple("stall", "i198", "stall", "firing"),
        tuple("stall", "p2", "stall", "firing"),
    ];
    assert_eq!(alerts(&watcher), stalls);
    let hooks_at_start = recorder.requests_to("/hook").len();
    assert_eq!(hooks_at_start, 2);
    let stall = &history(&watcher, "p2")["alerts"][0];
    assert_eq!(
        stall["title"],
        "Paperless-ngx 2 (demo): tasks are not moving"
    );
    assert!(
        stall["message"]
            .as_str()
            .unwrap()
            .contains("The server says its worker is running"),
        "{stall}"
    );
    // Every failure kept has its cause, and every cause its label.
    for (id, _) in SERVERS {
        let h = history(&watcher, id);
        let groups: BTreeMap<String, String> = h["failure_groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["group"].as_str().unwrap().to_string(),
                    g["label"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let failures = h["failures"].as_array().unwrap();
        assert!(!failures.is_empty(), "{id}: the demo seeds failures");
        for f in failures {
            let group = f["group"].as_str().expect("a failure has its group");
            assert!(groups.contains_key(group), "{id}: {f}");
        }
        // The demo seeds failures that repeat by cause.
        assert!(
            groups.len() < failures.len(),
            "{id}: {} causes",
            groups.len()
        );
    }

    // The demo fails tasks and a sanity check, and stops its workers.
    let p3 = demo.instance(Flavor::Paperless3);
    for _ in 0..20 {
        finished(p3, "consume_file", false);
    }
    finished(p3, "sanity_check", false);
    let i477 = demo.instance(Flavor::InvenTree477);
    let new_failures: Vec<String> = (0..3u64)
        .map(|n| format!("{:032x}", 0xfeed_0000 + n))
        .collect();
    {
        let mut state = i477.inventree().lock().unwrap();
        let now = Utc::now().naive_utc();
        for pk in &new_failures {
            state.failed.push(FailedRow {
                pk: pk.clone(),
                name: "watch-test".into(),
                func: "InvenTree.tasks.watch_test".into(),
                args: None,
                kwargs: None,
                started: now - chrono::Duration::minutes(1),
                stopped: now,
                attempt_count: 1,
                // django-q2 writes f"{e} : {traceback}".
                result: "made to fail : Traceback (most recent call last):\n  File \"/home/inventree/tasks.py\", line 9, in watch_test\nValueError: made to fail"
                    .into(),
            });
        }
    }
    set_workers(&demo, false);
    watcher.poll_now();
    let mut expected = vec![
        tuple("failure_rate", "p3", "failure_rate", "firing"),
        tuple("health_error", "p3", "Sanity check", "firing"),
        tuple("new_failure_group", "i477", "groups", "firing"),
        tuple("new_failure_group", "p3", "groups", "firing"),
        tuple("worker_stopped", "i477", "worker", "firing"),
        tuple("worker_stopped", "p3", "worker", "firing"),
    ];
    expected.extend(stalls.clone());
    expected.sort();
    assert_eq!(alerts(&watcher), expected);
    assert_eq!(recorder.requests_to("/hook").len(), 8);
    // The new causes: the failing consume_file and sanity_check tasks on
    // one server, in one alert; the new function's failures on the other.
    let new_cause = |id: &str| -> Value {
        history(&watcher, id)["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["rule"] == "new_failure_group")
            .unwrap()
            .clone()
    };
    assert_eq!(
        new_cause("p3")["title"],
        "Paperless-ngx 3 (demo): 2 new causes of failure"
    );
    let message = new_cause("p3")["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("- consume_file · made to fail by the watcher's test (20 failed tasks")
            && message
                .contains("- sanity_check · made to fail by the watcher's test (1 failed task"),
        "{message}"
    );
    assert_eq!(
        new_cause("i477")["title"],
        "InvenTree 1.3 (demo): a new cause of failure: InvenTree.tasks.watch_test · made to fail"
    );
    let figures = metrics(&watcher);
    assert_eq!(figures["taskdeck_worker_up{server=\"p3\"}"], 0.0);
    assert_eq!(figures["taskdeck_worker_up{server=\"i477\"}"], 0.0);
    assert_eq!(
        figures["taskdeck_tasks{server=\"i477\",status=\"failed\"}"],
        i477.failed_pks().len() as f64
    );
    let failures = history(&watcher, "i477")["failures"].clone();
    for pk in &new_failures {
        let f = failures
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["task"] == pk.as_str())
            .expect("a new failure is kept");
        assert_eq!(f["task_type"], "InvenTree.tasks.watch_test");
        assert!(f["error"].as_str().unwrap().contains("made to fail"));
        assert_eq!(f["first_seen"], f["last_seen"]);
    }

    // Nothing changed: nothing more.
    watcher.poll_now();
    assert_eq!(alerts(&watcher), expected);

    // A restart keeps the history and the alerts' state.
    let polls_before = history(&watcher, "p3")["polls"].as_array().unwrap().len();
    let types = |h: &Value| -> Vec<Value> {
        h["days"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["types"].clone())
            .collect()
    };
    let types_before = types(&history(&watcher, "p3"));
    watcher.stop();
    let watcher = start_telling(&config, &dir, &told);
    watcher.poll_now();
    assert_eq!(alerts(&watcher), expected, "no alert twice after a restart");
    assert_eq!(recorder.requests_to("/hook").len(), 8);
    let after = history(&watcher, "p3");
    assert_eq!(after["polls"].as_array().unwrap().len(), polls_before + 1);
    assert!(
        types(&after) == types_before,
        "no finished task counted twice"
    );
    let failures = history(&watcher, "i477")["failures"].clone();
    let kept = failures
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["task"] == new_failures[0].as_str())
        .unwrap();
    assert!(
        kept["last_seen"].as_str() > kept["first_seen"].as_str(),
        "seen again after the restart"
    );

    // The workers run again, the hung ones too: each says so once.
    set_workers(&demo, true);
    demo.instance(Flavor::Paperless2).set_worker_running(true);
    demo.instance(Flavor::InvenTree198).set_worker_running(true);
    watcher.poll_now();
    watcher.poll_now();
    expected.push(tuple("worker_stopped", "i477", "worker", "resolved"));
    expected.push(tuple("worker_stopped", "p3", "worker", "resolved"));
    expected.push(tuple("stall", "p2", "stall", "resolved"));
    expected.push(tuple("stall", "i198", "stall", "resolved"));
    expected.sort();
    assert_eq!(alerts(&watcher), expected);

    // A server that stops answering: one alert after two failed polls.
    let i198 = demo.instance(Flavor::InvenTree198);
    i198.set_fault(
        "",
        Fault {
            error_rate: 1.0,
            ..Fault::default()
        },
    );
    watcher.poll_now();
    let unreachable = |a: &(String, String, String, String)| a.0 == "unreachable" && a.1 == "i198";
    assert!(!alerts(&watcher).iter().any(unreachable));
    watcher.poll_now();
    watcher.poll_now();
    let down: Vec<_> = alerts(&watcher).into_iter().filter(unreachable).collect();
    assert_eq!(down, [tuple("unreachable", "i198", "server", "firing")]);
    let figures = metrics(&watcher);
    assert_eq!(figures["taskdeck_last_poll_ok{server=\"i198\"}"], 0.0);
    // Its figures stay those of its last good poll.
    assert_eq!(
        figures["taskdeck_tasks{server=\"i198\",status=\"failed\"}"],
        i198.failed_pks().len() as f64
    );
    let (_, _, health) = get(
        &format!("http://{}/api/health", watcher.http_addr().unwrap()),
        &[],
    );
    let health: Value = serde_json::from_str(&health).unwrap();
    let i198_health = health["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "i198")
        .unwrap();
    assert_eq!(i198_health["failures_in_a_row"], 3);
    assert!(
        i198_health["last_error"].as_str().unwrap().contains("500"),
        "{i198_health}"
    );
    assert_eq!(recorder.requests_to("/hook").len(), expected.len() + 1);
    // An embedding app (the desktop's notifications) was told of each
    // alert sent, once, across the restart.
    let mut told: Vec<_> = told.lock().unwrap().clone();
    told.sort();
    let mut sent: Vec<(String, String, String)> = alerts(&watcher)
        .into_iter()
        .map(|(rule, server, _, state)| (rule, server, state))
        .collect();
    sent.sort();
    assert_eq!(told, sent);
    watcher.stop();
    std::thread::sleep(Duration::from_millis(10));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn more_finished_tasks_than_a_poll_reads_are_noted_not_read_without_bound() {
    let demo = taskdeck_demo::start(DemoConfig::ephemeral(None)).expect("demo starts");
    let p3 = demo.instance(Flavor::Paperless3);
    let text = format!(
        "[http]\nlisten = \"127.0.0.1:0\"\n[poll]\nfinished_page = 10\nfinished_pages = 1\n\
         [[server]]\nid = \"p3\"\nkind = \"paperless\"\nurl = \"{}\"\ntoken_env = \"T\"\n",
        p3.url()
    );
    let config = Config::parse(
        &text,
        &TestSecrets(vec![("T".into(), p3.admin_token().into())]),
    )
    .unwrap();
    let dir = temp_dir("gap");
    let watcher = start(&config, &dir);
    watcher.poll_now();
    let read = |watcher: &Watcher| -> u64 {
        history(watcher, "p3")["days"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| d["types"].as_array().unwrap().clone())
            .map(|t| {
                t["success"].as_u64().unwrap()
                    + t["failure"].as_u64().unwrap()
                    + t["revoked"].as_u64().unwrap()
            })
            .sum()
    };
    assert_eq!(read(&watcher), 10, "the first poll reads one page");
    assert!(history(&watcher, "p3")["polls"][0]["notes"].is_null());
    for _ in 0..15 {
        finished(p3, "consume_file", true);
    }
    watcher.poll_now();
    assert_eq!(read(&watcher), 20, "one page again, not all fifteen");
    let notes = history(&watcher, "p3")["polls"][0]["notes"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        notes.contains("more than 10 tasks finished since the previous poll"),
        "{notes}"
    );
    watcher.stop();
    std::fs::remove_dir_all(dir).unwrap();
}
