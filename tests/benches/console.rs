//! `cargo xtask bench [--tasks 12000,100000,300000] [--failed 50000] [--servers 50]
//! [--only cls,failed,servers,tasks]`:
//! how the console copes with big servers and many of them, in headless
//! Chromium against the demo backend. Prints, does not assert: budgets are
//! judged on the figures.
//!
//! 1. A Paperless-ngx 2.x server (API 9: every task in one unpaginated
//!    response) with each `--tasks` count: request to response body, decode
//!    to first page shown (User Timing marks set by the app), the JS heap and
//!    the WASM memory after decoding, and each search keystroke.
//! 2. An InvenTree failed queue of `--failed` rows: time to the first page,
//!    and what was fetched for it.
//! 3. `--servers` servers on the overview: time until every card is filled,
//!    the most requests the demo's servers answered at once, and whether any
//!    server's refresh overlapped its own previous one.
//! 4. Cumulative layout shift of the overview and the tasks page, wide and
//!    narrow, on a first visit.

#[path = "../support/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::json;
use taskdeck_demo::{Demo, DemoConfig, Flavor, InstanceConfig, Scale};
use webdriver::Browser;

const MINUTE: Duration = Duration::from_secs(60);

struct Options {
    /// `--only cls,failed,servers,tasks`: some of the sections.
    only: Vec<String>,
    tasks: Vec<usize>,
    failed: usize,
    servers: usize,
}

fn options() -> Options {
    let mut options = Options {
        only: vec![],
        tasks: vec![12_000, 100_000, 300_000],
        failed: 50_000,
        servers: 50,
    };
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|at| args.get(at + 1))
            .cloned()
    };
    let number = |text: &str| -> usize {
        text.replace(['_', ','], "")
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {text}"))
    };
    if let Some(list) = value("--tasks") {
        options.tasks = list.split(',').map(number).collect();
    }
    if let Some(n) = value("--failed") {
        options.failed = number(&n);
    }
    if let Some(list) = value("--only") {
        options.only = list.split(',').map(str::to_string).collect();
    }
    if let Some(n) = value("--servers") {
        options.servers = number(&n);
    }
    options
}

fn dist() -> PathBuf {
    std::env::var_os("TASKDECK_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dist"))
}

fn demo(instances: Vec<(Flavor, String)>, scale: Scale) -> Demo {
    let mut config = DemoConfig::ephemeral(Some(dist()));
    config.instances = instances
        .into_iter()
        .map(|(flavor, name)| InstanceConfig {
            name,
            flavor,
            port: 0,
        })
        .collect();
    config.scale = scale;
    taskdeck_demo::start(config).expect("demo backend starts")
}

fn stats(label: &str, mut values: Vec<f64>, unit: &str) {
    values.sort_by(f64::total_cmp);
    let median = values[values.len() / 2];
    println!(
        "  {label:<40} median {median:>8.1} {unit}   min {:>8.1}   max {:>8.1}   (n = {})",
        values[0],
        values[values.len() - 1],
        values.len()
    );
}

/// A fresh browser that keeps a handle on the app's WASM memory.
fn browser() -> Browser {
    let browser = Browser::launch();
    browser.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": "addEventListener('TrunkApplicationStarted', e => { window.__wasmMemory = e.detail.wasm.memory; });" }),
    );
    browser
}

const SHOWN: &str = "performance.getEntriesByName('taskdeck:tasks-shown').length > 0 \
     && performance.getEntriesByName('taskdeck:tasks-shown')[0].duration";

fn paperless_api9(tasks: usize) {
    let scale = Scale {
        paperless_tasks: tasks,
        ..Scale::DEFAULT
    };
    let seeding = Instant::now();
    let demo = demo(
        vec![(Flavor::Paperless2, "Paperless-ngx 2 (bench)".into())],
        scale,
    );
    println!(
        "\n== {tasks} tasks from a Paperless-ngx 2.x server (API 9), one response (demo seeded in {:.1} s)",
        seeding.elapsed().as_secs_f64()
    );
    let browser = browser();
    let url = format!("{}/#/paperless/demo1?ack=any", demo.ui_url().unwrap());
    let loads = if tasks > 50_000 { 3 } else { 5 };
    let (mut network, mut render) = (Vec::new(), Vec::new());
    for _ in 0..loads {
        browser.goto("about:blank");
        browser.goto(&url);
        render.push(
            browser
                .wait_until(SHOWN, 5 * MINUTE, "the first page")
                .as_f64()
                .unwrap(),
        );
        // The list itself: the request without paging (the first, with
        // `page_size`, is the API 10 request a 2.x server refuses).
        let timing = browser.execute(
            "const list = performance.getEntriesByType('resource') \
                 .filter(e => e.name.includes('/api/tasks/') && !e.name.includes('page_size')); \
             return list.length ? list[0].duration : -1;",
        );
        network.push(timing.as_f64().unwrap());
    }
    let rows = browser.execute(
        "return document.querySelectorAll('[data-testid=tasks-table] tbody tr[data-task-id]').length",
    );
    assert_eq!(rows, 25, "the first page shows 25 rows");
    let requests = browser.execute(
        "return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/tasks/')) \
         .map(e => `${e.name.replace(/^.*\\/api/, '/api')} at ${Math.round(e.startTime)} ms, ${Math.round(e.duration)} ms`)",
    );
    println!("  task list requests of the last load: {requests}");
    println!("  response body: {:.1} MB", body_bytes(&demo) as f64 / 1e6);
    stats("request to response body", network, "ms");
    stats("decode + first page shown", render, "ms");
    browser.cdp("HeapProfiler.collectGarbage", json!({}));
    let heap = browser.cdp("Runtime.getHeapUsage", json!({}));
    let wasm =
        browser.execute("return window.__wasmMemory ? window.__wasmMemory.buffer.byteLength : -1");
    println!(
        "  after decoding: JS heap {:.1} MB used ({:.1} MB reserved); WASM memory {:.1} MB",
        heap["usedSize"].as_f64().unwrap() / 1e6,
        heap["totalSize"].as_f64().unwrap() / 1e6,
        wasm.as_f64().unwrap() / 1e6
    );
    keystrokes(&browser);
}

/// The size of the whole API 9 list, as the server sends it.
fn body_bytes(demo: &Demo) -> usize {
    let server = &demo.instances[0];
    let mut response = ureq::get(&format!("{}/api/tasks/", server.url()))
        .header("Authorization", &format!("Token {}", server.admin_token()))
        .header("Accept", "application/json; version=9")
        .call()
        .expect("the demo answers");
    response
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_vec()
        .expect("a body")
        .len()
}

fn keystrokes(browser: &Browser) {
    let measured = browser.execute_async(
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
    let times: Vec<f64> = measured["times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_f64().unwrap())
        .collect();
    let changed = measured["changed"].as_u64().unwrap();
    stats(
        &format!(
            "search keystroke ({changed} of {} changed rows)",
            times.len()
        ),
        times,
        "ms",
    );
}

fn inventree_failed(failed: usize) {
    let scale = Scale {
        inventree_failed: failed,
        ..Scale::DEFAULT
    };
    let demo = demo(
        vec![(Flavor::InvenTree477, "InvenTree (bench)".into())],
        scale,
    );
    println!("\n== an InvenTree failed queue of {failed} tasks");
    let browser = browser();
    let url = format!("{}/#/inventree/demo1/failed", demo.ui_url().unwrap());
    let mut first_page = Vec::new();
    let mut since_start = Vec::new();
    for _ in 0..5 {
        browser.goto("about:blank");
        demo.traffic.reset();
        browser.goto(&url);
        let shown = browser.wait_until(SHOWN, MINUTE, "the first page");
        let total = browser.execute(
            "return performance.getEntriesByName('taskdeck:tasks-shown')[0].startTime \
             + performance.getEntriesByName('taskdeck:tasks-shown')[0].duration \
             - performance.getEntriesByName('taskdeck:tasks-request')[0].startTime",
        );
        first_page.push(total.as_f64().unwrap());
        since_start.push(
            browser
                .execute("return performance.getEntriesByName('taskdeck:tasks-shown')[0].startTime + performance.getEntriesByName('taskdeck:tasks-shown')[0].duration")
                .as_f64()
                .unwrap(),
        );
        let _ = shown;
    }
    let asked = browser.execute(
        "return performance.getEntriesByType('resource').map(e => e.name).filter(u => u.includes('/api/background-task/failed/'))",
    );
    let spans = demo.traffic.spans();
    let failed_requests = spans
        .iter()
        .filter(|s| s.method == "GET" && s.path == "/api/background-task/failed/")
        .count();
    stats("request to first page shown", first_page, "ms");
    stats("page load to first page shown", since_start, "ms");
    println!("  requests to the failed queue for one load: {failed_requests}: {asked}");
}

fn many_servers(servers: usize) {
    let flavors = [
        Flavor::Paperless3,
        Flavor::InvenTree477,
        Flavor::Paperless2,
        Flavor::InvenTree198,
    ];
    let instances = (0..servers)
        .map(|n| (flavors[n % 4], format!("Server {:02}", n + 1)))
        .collect();
    let demo = demo(instances, Scale::DEFAULT);
    println!("\n== {servers} servers on the overview (refresh every 5 s)");
    let browser = browser();
    let ui = demo.ui_url().unwrap();
    browser.goto(&format!("{ui}/#/connections"));
    browser.execute("localStorage.setItem('taskdeck.refresh', '5')");
    browser.wait_until(
        &format!("document.querySelectorAll('[data-testid=connection]').length === {servers}"),
        MINUTE,
        "every server to be offered",
    );
    // As fast as the demo answers, then as a server 300 ms away would.
    for latency in [0, 300] {
        for server in &demo.instances {
            server.set_fault(
                "/api/",
                taskdeck_demo::faults::Fault {
                    latency: Duration::from_millis(latency),
                    ..Default::default()
                },
            );
        }
        let mut filled = Vec::new();
        for _ in 0..3 {
            browser.goto("about:blank");
            demo.traffic.reset();
            browser.goto(&format!("{ui}/"));
            let at = browser.wait_until(
                &format!(
                    "[...document.querySelectorAll('[data-testid=server-card]')].filter(c => \
                     c.querySelector('[data-stat]') || c.querySelector('.banner-error')).length === {servers} \
                     && performance.now()"
                ),
                MINUTE,
                "every card to be filled",
            );
            filled.push(at.as_f64().unwrap());
        }
        println!("  answers {latency} ms late:");
        stats("page load to every card filled", filled, "ms");
        // Refreshes run on; watch them for a while.
        std::thread::sleep(Duration::from_secs(20));
        let spans = demo.traffic.spans();
        let overlaps = demo.traffic.overlapping_repeats();
        println!(
            "  the last load and 20 s of refreshes: {} requests, at most {} answered at once (cap 6), \
             {} overlapping repeats of one server's request",
            spans.iter().filter(|s| s.method != "OPTIONS").count(),
            demo.traffic.most_in_flight(),
            overlaps.len()
        );
        for (a, b) in overlaps.iter().take(3) {
            println!(
                "    overlap: server {} {} {}",
                a.instance + 1,
                a.method,
                b.path
            );
        }
    }
}

/// Cumulative layout shift of a first visit to `route`, settled, and what
/// moved most.
fn layout_shift(ui: &str, route: &str, width: u32, height: u32, ready: &str) -> (f64, String) {
    let browser = Browser::launch();
    browser.resize(width, height);
    browser.goto(&format!("{ui}/#{route}"));
    browser.wait_until(ready, MINUTE, "the screen to be filled");
    std::thread::sleep(Duration::from_millis(1500));
    let measured = browser.execute_async(
        "const done = arguments[arguments.length - 1]; \
         let sum = 0; const moved = []; \
         const name = n => !n ? '?' : n.nodeType !== 1 ? n.nodeName : \
             n.tagName.toLowerCase() + (n.className ? '.' + String(n.className).split(' ')[0] : '') \
             + (n.dataset && n.dataset.testid ? '[' + n.dataset.testid + ']' : ''); \
         new PerformanceObserver(list => { \
             for (const e of list.getEntries()) if (!e.hadRecentInput) { \
                 sum += e.value; \
                 moved.push(e.value.toFixed(3) + ' ' + e.sources.map(s => name(s.node)).join('+')); \
             } \
         }).observe({ type: 'layout-shift', buffered: true }); \
         setTimeout(() => done([sum, moved.join(', ')]), 100);",
    );
    (
        measured[0].as_f64().unwrap(),
        measured[1].as_str().unwrap_or_default().to_string(),
    )
}

fn layout_shifts() {
    let demo = taskdeck_demo::start(DemoConfig::ephemeral(Some(dist()))).expect("demo starts");
    let ui = demo.ui_url().unwrap();
    println!("\n== cumulative layout shift, first visit (budget 0.05)");
    let cards = "document.querySelectorAll('[data-testid=server-card] [data-stat]').length >= 12";
    let rows =
        "document.querySelectorAll('[data-testid=tasks-table] tbody tr[data-task-id]').length > 0";
    for (width, height, what) in [(1280, 800, "wide"), (412, 823, "narrow")] {
        for (screen, route, ready) in [
            ("overview", "/", cards),
            ("tasks page", "/paperless/demo1", rows),
        ] {
            let (cls, moved) = layout_shift(&ui, route, width, height, ready);
            println!("  {screen:<10} {what:<6} {width}x{height}: CLS {cls:.3}   ({moved})");
        }
    }
}

fn main() {
    let options = options();
    let run = |section: &str| options.only.is_empty() || options.only.iter().any(|s| s == section);
    if run("cls") {
        layout_shifts();
    }
    if run("failed") {
        inventree_failed(options.failed);
    }
    if run("servers") {
        many_servers(options.servers);
    }
    if run("tasks") {
        for &tasks in &options.tasks {
            paperless_api9(tasks);
        }
    }
}
