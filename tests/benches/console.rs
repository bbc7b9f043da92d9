//! `cargo xtask bench`: how fast the console is with a big API 9 server.
//!
//! Starts the demo backend at the large scale (12,000 Paperless tasks, all
//! sent in one unpaginated API 9 response), opens the tasks screen in
//! headless Chromium and prints:
//! - decode + first render: from the response body arriving (User Timing mark
//!   `taskdeck:response`, set by the browser transport) to the first page
//!   being in the DOM (`taskdeck:tasks-shown`), over several fresh loads;
//! - per keystroke in the search box: from the `input` event to the table
//!   having been updated (all pending tasks run, DOM changed).
//!
//! Figures are printed, not asserted: budgets are judged on the numbers.

#[path = "../support/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;

use std::path::PathBuf;
use std::time::Duration;

use taskdeck_demo::{DemoConfig, Flavor, Scale};
use webdriver::Browser;

const LOADS: usize = 7;

fn stats(label: &str, mut values: Vec<f64>) {
    values.sort_by(f64::total_cmp);
    let median = values[values.len() / 2];
    let max = values[values.len() - 1];
    println!(
        "{label:<46} median {median:>7.1} ms   min {:>7.1} ms   max {max:>7.1} ms   (n = {})",
        values[0],
        values.len()
    );
}

fn main() {
    let dist = std::env::var_os("TASKDECK_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dist"));
    let mut config = DemoConfig::ephemeral(Some(dist));
    config.scale = Scale::LARGE;
    let demo = taskdeck_demo::start(config).expect("demo backend starts");
    let tasks = demo.instance(Flavor::Paperless2).acknowledged_flags().len();
    let open = demo
        .instance(Flavor::Paperless2)
        .acknowledged_flags()
        .iter()
        .filter(|(_, acked)| !acked)
        .count();
    println!(
        "Paperless-ngx 2 (API 9) demo server: {tasks} tasks ({open} not dismissed), all in one response"
    );

    let browser = Browser::launch();
    // The API 9 server is the third demo connection.
    // `ack=any`: every task, dismissed or not, in the one response.
    let url = format!("{}/paperless/c3?ack=any", demo.ui_url().unwrap());
    let mut render = Vec::new();
    let mut network = Vec::new();
    for _ in 0..LOADS {
        browser.goto(&url);
        let shown = browser.wait_until(
            "performance.getEntriesByName('taskdeck:tasks-shown').length > 0 \
             && performance.getEntriesByName('taskdeck:tasks-shown')[0].duration",
            Duration::from_secs(60),
            "the first page of tasks",
        );
        render.push(shown.as_f64().unwrap());
        let fetch = browser.execute(
            "const start = performance.getEntriesByName('taskdeck:tasks-request')[0].startTime; \
             const end = performance.getEntriesByName('taskdeck:response').at(-1).startTime; \
             return end - start;",
        );
        network.push(fetch.as_f64().unwrap());
    }
    let rows = browser.execute(
        "return document.querySelectorAll('[data-testid=tasks-table] tbody tr[data-task-id]').length",
    );
    assert_eq!(rows, 25, "the first page shows 25 rows");
    stats("request to response body (network, demo)", network);
    stats("decode + first page rendered", render);

    let keystrokes = browser.execute_async(
        r#"
        const done = arguments[arguments.length - 1];
        const input = document.querySelector('[data-testid=task-search]');
        const rows = () => [...document.querySelectorAll('[data-testid=tasks-table] tbody tr')]
            .map(r => r.dataset.taskId || r.textContent).join(',');
        const steps = ['s', 'sc', 'sca', 'scan', 'scan_', 'scan_0', 'scan_00',
                       'scan_0', 'scan_', 'scan', 'sca', 'sc', 's', ''];
        (async () => {
            const times = [];
            let changed = 0;
            for (const text of steps) {
                const before = rows();
                const t0 = performance.now();
                input.value = text;
                input.dispatchEvent(new Event('input', { bubbles: true }));
                // Leptos runs effects as microtasks; a macrotask runs after all of them.
                await new Promise(r => setTimeout(r, 0));
                times.push(performance.now() - t0);
                if (rows() !== before) changed++;
            }
            done({ times, changed });
        })();
        "#,
    );
    let times: Vec<f64> = keystrokes["times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_f64().unwrap())
        .collect();
    let changed = keystrokes["changed"].as_u64().unwrap();
    println!(
        "search keystrokes that changed the table: {changed} of {}",
        times.len()
    );
    stats("keystroke to updated table", times);
}
