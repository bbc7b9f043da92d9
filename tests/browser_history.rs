//! History and the action log in the browser: acknowledging and deleting
//! on the demo leaves both in the action log with the outcomes the engine
//! reported, after a reload (IndexedDB); Trends read what the server
//! returns without a watcher, and a watcher's history with one connected
//! (a watcher started here, as the watcher's own tests do), to which the
//! console also posts its action log. Screenshots of the new screens,
//! wide and narrow, light and dark.

mod support;

use std::collections::HashSet;

use serde_json::Value;
use support::changed_ids;
use support::console::{Console, INVENTREE477, LONG, PAPERLESS3, SHORT};
use taskdeck_demo::{Demo, Fault, Flavor};
use taskdeck_watch::config::Config;
use taskdeck_watch::{Options, Watcher};

/// The log's rows as shown: (action, server, how many, outcome, who).
/// Action, server, how many, outcome and who of each row, found by their
/// headers (a read-only list has no selection column).
const LOG_ROWS: &str = "(() => { \
    const heads = [...document.querySelectorAll('[data-testid=tasks-table] thead th')].map(t => t.textContent.trim()); \
    const at = name => heads.findIndex(h => h.startsWith(name)); \
    return [...document.querySelectorAll('[data-testid=tasks-table] tbody tr[data-task-id]')].map(r => [r.cells[at('Action')].textContent, r.cells[at('Server')].textContent, r.cells[at('How many')].textContent, r.querySelector('[data-testid=log-outcome]').dataset.outcome, r.cells[at('Who')].textContent]); })()";

fn set_theme(c: &Console, theme: &str) {
    c.browser.execute(&format!(
        "localStorage.setItem('taskdeck.theme', '{theme}'); return null"
    ));
}

/// The screen in both themes, wide and narrow.
fn screenshots(c: &Console, path: &str, ready: &str, name: &str) {
    for (theme, width) in [
        ("light", 1280),
        ("dark", 1280),
        ("light", 420),
        ("dark", 420),
    ] {
        set_theme(c, theme);
        c.browser.resize(width, 900);
        // The theme is read when the page loads, and going to the address
        // the page is at loads nothing: load it again.
        c.goto(path);
        c.browser.reload();
        c.browser.wait_for(ready, LONG);
        c.browser.screenshot(&format!("{name}-{width}-{theme}"));
    }
    set_theme(c, "light");
    c.browser.resize(1280, 900);
}

fn log_rows(c: &Console) -> Vec<Vec<String>> {
    serde_json::from_value(c.browser.execute(&format!("return {LOG_ROWS}"))).unwrap()
}

fn set_name(c: &Console, who: &str) {
    c.goto("/#/connections");
    let field = c
        .browser
        .wait_for("[data-testid=watcher-settings] input[name=who]", LONG);
    c.browser.type_text(&field, who);
    c.browser.click_css("[data-testid=save-who]");
    c.browser.wait_for_toast("Saved the name", SHORT);
}

#[test]
fn an_acknowledge_and_a_delete_are_in_the_action_log_with_the_engines_outcomes_after_a_reload() {
    let c = Console::open("/");
    set_name(&c, "alice");

    // Acknowledge two Paperless tasks.
    c.goto(&format!("/#/paperless/{PAPERLESS3}"));
    let rows = c.wait_rows();
    let chosen = [rows[0].clone(), rows[1].clone()];
    c.check_rows(&chosen);
    let paperless = c.demo.instance(Flavor::Paperless3);
    let before = paperless.acknowledged_flags();
    c.browser.click_css("[data-testid=ack-selected]");
    c.browser.click_css("[data-testid=confirm-ok]");
    c.browser.wait_for_toast("Acknowledged 2 tasks", LONG);
    assert_eq!(
        changed_ids(&before, &paperless.acknowledged_flags()),
        chosen.iter().cloned().collect::<HashSet<_>>()
    );

    // Delete one failed InvenTree task, slowly, and leave for the action
    // log while the delete is in flight: the entry is kept where the work
    // ends, not by the screen that started it.
    c.goto(&format!("/#/inventree/{INVENTREE477}/failed"));
    let failed = c.wait_rows();
    c.check_rows(&failed[..1]);
    let inventree = c.demo.instance(Flavor::InvenTree477);
    inventree.set_fault(
        "/api/background-task/failed/",
        Fault {
            latency: std::time::Duration::from_millis(2500),
            only_method: Some("DELETE"),
            ..Fault::default()
        },
    );
    c.browser.click_css("[data-testid=delete-selected]");
    c.browser.click_css("[data-testid=confirm-ok]");
    c.browser.click_css("[data-testid=nav-actions]");
    c.browser.wait_for("[data-testid=tasks-table]", LONG);
    c.browser.wait_for_toast("Deleted 1 task", LONG);
    assert!(!inventree.failed_pks().contains(&failed[0]));
    c.browser.wait_until(
        "document.querySelectorAll('[data-testid=tasks-table] tbody tr[data-task-id]').length === 2",
        LONG,
        "the delete in the log the screen was left for",
    );
    inventree.set_fault("/api/background-task/failed/", Fault::default());

    // After a reload, both are in the log, newest first, as reported.
    c.browser.reload();
    c.goto("/#/actions");
    c.browser.wait_until(
        "document.querySelectorAll('[data-testid=tasks-table] tbody tr[data-task-id]').length === 2",
        LONG,
        "two entries in the action log",
    );
    let logged = log_rows(&c);
    assert_eq!(
        logged,
        [
            vec![
                "Delete".to_string(),
                "InvenTree 1.3 (demo)".into(),
                "1".into(),
                "done".into(),
                "alice".into()
            ],
            vec![
                "Acknowledge".into(),
                "Paperless-ngx 3 (demo)".into(),
                "2".into(),
                "done".into(),
                "alice".into()
            ],
        ]
    );
    // The details name exactly the rows acted on and the report shown.
    c.browser
        .click_css("[data-testid=tasks-table] tbody tr:nth-child(2) [data-testid=open-task]");
    let drawer = c.text_of("[data-testid=detail-drawer]");
    for id in &chosen {
        assert!(drawer.contains(id.as_str()), "{id} in {drawer}");
    }
    assert!(drawer.contains("Acknowledged 2 tasks"), "{drawer}");
    assert!(drawer.contains("this browser"), "{drawer}");

    // Filtered by action, and by outcome.
    c.goto("/#/actions?action=delete");
    c.browser.wait_until(
        "document.querySelectorAll('[data-testid=tasks-table] tbody tr[data-task-id]').length === 1",
        LONG,
        "only the delete",
    );
    c.goto("/#/actions?outcome=refused");
    c.browser.wait_for(
        "[data-testid=tasks-table] .empty-state, [data-testid=tasks-table] tbody td",
        LONG,
    );
    c.browser.wait_until(
        "document.querySelectorAll('[data-testid=tasks-table] tbody tr[data-task-id]').length === 0",
        LONG,
        "nothing refused",
    );
    c.goto("/#/actions");
    c.browser.wait_for("[data-testid=export-csv]", LONG);
    screenshots(&c, "/#/actions", "[data-testid=log-outcome]", "action-log");
    c.assert_no_console_errors();
}

/// A watcher over the demo's servers, answering the console's origin.
fn watcher(demo: &Demo, dir: &std::path::Path) -> Watcher {
    let mut text = format!(
        "[http]\nlisten = \"127.0.0.1:0\"\nallowed_origins = [\"{}\"]\n[poll]\nstatus_interval = \"1ms\"\n",
        demo.ui_url().unwrap().trim_end_matches('/')
    );
    let mut tokens = Vec::new();
    for (id, flavor) in [("p3", Flavor::Paperless3), ("i477", Flavor::InvenTree477)] {
        let instance = demo.instance(flavor);
        text.push_str(&format!(
            "[[server]]\nid = \"{id}\"\nname = \"{}\"\nkind = \"{}\"\nurl = \"{}\"\ntoken_env = \"T_{id}\"\n{}",
            instance.name,
            flavor.kind(),
            instance.url(),
            if flavor.kind() == "inventree" { "server_time = \"utc\"\n" } else { "" },
        ));
        tokens.push((format!("T_{id}"), instance.admin_token().to_string()));
    }
    struct Tokens(Vec<(String, String)>);
    impl taskdeck_watch::config::Secrets for Tokens {
        fn env(&self, name: &str) -> Option<String> {
            self.0
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| t.clone())
        }
        fn file(&self, _: &std::path::Path) -> std::io::Result<String> {
            Err(std::io::Error::other("no files"))
        }
    }
    let config = Config::parse(&text, &Tokens(tokens)).expect("config");
    Watcher::start_with(
        config,
        dir,
        Options {
            timers: false,
            ..Options::default()
        },
    )
    .expect("the watcher starts")
}

fn get(url: &str) -> Value {
    ureq::get(url)
        .call()
        .expect("the watcher answers")
        .body_mut()
        .read_json()
        .expect("JSON")
}

#[test]
fn trends_read_the_server_without_a_watcher_and_the_watchers_history_with_one() {
    let c = Console::open("/");

    // Without a watcher: from what the server returns, and said so.
    c.goto(&format!("/#/trends/{PAPERLESS3}"));
    c.browser.wait_until(
        "document.querySelector('[data-testid=trends-source]')?.dataset.source === 'server'",
        LONG,
        "Trends from the server",
    );
    let finished_today = |c: &Console| -> (u64, u64) {
        let today = chrono::Utc::now().date_naive().to_string();
        let day = c.browser.execute(&format!(
            "const d = document.querySelector(\"[data-testid=trends-day][data-day='{today}']\"); return d ? [Number(d.dataset.ok), Number(d.dataset.failed)] : null"
        ));
        serde_json::from_value(day).expect("today in the chart")
    };
    let paperless = c.demo.instance(Flavor::Paperless3);
    let expected_today = {
        let state = paperless.paperless().lock().unwrap();
        let today = chrono::Utc::now().date_naive();
        let done_today = |status: &str| {
            state
                .tasks
                .iter()
                .filter(|t| {
                    t.status == status && t.date_done.is_some_and(|d| d.date_naive() == today)
                })
                .count() as u64
        };
        (done_today("success"), done_today("failure"))
    };
    assert_eq!(
        finished_today(&c),
        expected_today,
        "today's bars are the server's tasks"
    );
    assert!(c.browser.find_all("[data-testid=trends-type-row]").len() > 1);
    screenshots(
        &c,
        &format!("/#/trends/{PAPERLESS3}"),
        "[data-testid=trends-chart]",
        "trends-server",
    );
    c.goto(&format!("/#/trends/{INVENTREE477}"));
    c.browser
        .wait_for("[data-testid=trends-source][data-source=server]", LONG);
    assert!(
        c.text_of("[data-testid=trends-note]")
            .contains("no record of tasks that succeeded"),
        "InvenTree without a watcher says what it cannot know"
    );

    // A watcher over the demo's servers, polled twice.
    let dir = support::webdriver::Browser::scratch_dir();
    let watching = watcher(&c.demo, &dir);
    watching.poll_now();
    watching.poll_now();
    let address = format!("http://{}", watching.http_addr().unwrap());

    // Connect it under Connections: tested, then saved.
    c.goto("/#/connections");
    let url = c
        .browser
        .wait_for("[data-testid=watcher-form] input[name=watcher-url]", LONG);
    c.browser.type_text(&url, &address);
    c.browser.click_css("[data-testid=save-watcher]");
    c.browser.wait_until(
        "document.querySelector('[data-testid=watcher-status]')?.textContent.includes('watching 2 server(s)')",
        LONG,
        "the watcher connected",
    );
    screenshots(
        &c,
        "/#/connections",
        "[data-testid=watcher-linked]",
        "connections-watcher",
    );

    // Trends from the watcher's history, whose days hold what it saw.
    c.goto(&format!("/#/trends/{PAPERLESS3}"));
    c.browser.wait_until(
        "document.querySelector('[data-testid=trends-source]')?.dataset.source === 'watcher'",
        LONG,
        "Trends from the watcher",
    );
    let history = get(&format!("{address}/api/history?server=p3"));
    let today = chrono::Utc::now().date_naive().to_string();
    let (ok, bad) = history["days"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["day"] == today.as_str())
        .flat_map(|d| d["types"].as_array().unwrap().clone())
        .fold((0, 0), |(s, f), t| {
            (
                s + t["success"].as_u64().unwrap(),
                f + t["failure"].as_u64().unwrap(),
            )
        });
    assert_eq!(
        finished_today(&c),
        (ok, bad),
        "today's bars are the watcher's"
    );
    assert_eq!(
        (ok, bad),
        expected_today,
        "and the watcher saw what the server holds"
    );
    c.browser.wait_for("[data-testid=wait-chart]", SHORT);
    screenshots(
        &c,
        &format!("/#/trends/{PAPERLESS3}"),
        "[data-testid=wait-chart]",
        "trends-watcher",
    );
    c.goto(&format!("/#/trends/{INVENTREE477}"));
    c.browser
        .wait_for("[data-testid=trends-source][data-source=watcher]", LONG);

    // With a watcher connected, an action's entry is posted to it too.
    c.goto(&format!("/#/paperless/{PAPERLESS3}"));
    let rows = c.wait_rows();
    c.check_rows(&rows[..1]);
    c.browser.click_css("[data-testid=ack-selected]");
    c.browser.click_css("[data-testid=confirm-ok]");
    c.browser.wait_for_toast("Acknowledged 1 task", LONG);
    let started = std::time::Instant::now();
    let posted = loop {
        let kept = get(&format!("{address}/api/actions"));
        if let Some(entry) = kept["actions"].as_array().and_then(|a| a.first()).cloned() {
            break entry;
        }
        assert!(started.elapsed() < LONG, "nothing posted to the watcher");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(posted["action"], "acknowledge");
    assert_eq!(posted["ids"], serde_json::json!([rows[0]]));
    assert_eq!(posted["outcomes"], serde_json::json!({"done": 1}));
    assert_eq!(
        posted["origin"],
        c.demo.ui_url().unwrap().trim_end_matches('/')
    );
    // The log shows it once, though both this browser and the watcher keep it.
    c.goto("/#/actions");
    c.browser.wait_until(
        "document.querySelectorAll('[data-testid=tasks-table] tbody tr[data-task-id]').length === 1",
        LONG,
        "one entry",
    );
    c.assert_no_console_errors();
    watching.stop();
    let _ = std::fs::remove_dir_all(dir);
}
