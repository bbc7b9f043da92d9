//! Browser tests: the Trunk-built app in headless Chromium, served by the demo
//! backend. Run by `cargo xtask test`, which builds dist/ and installs
//! Chromium and chromedriver first.

mod support;

use std::time::Duration;

use std::collections::HashSet;

use support::changed_ids;
use support::console::{
    Console, INVENTREE198, INVENTREE477, LONG, PAPERLESS2, PAPERLESS3, SHORT, dist,
};
use support::webdriver::ROW_IDS;
use taskdeck_demo::{Demo, DemoConfig, Fault, Flavor};

#[test]
fn the_built_app_renders_in_chromium() {
    let served_html = std::fs::read_to_string(dist().join("index.html")).unwrap();
    assert!(
        !served_html.contains("Overview"),
        "the text must come from the WASM app, not the static page"
    );
    let console = Console::open("/");
    let brand = console.browser.wait_for(".topbar .brand", LONG);
    assert_eq!(console.browser.text(&brand), "Taskdeck");
    assert_eq!(console.browser.execute("return document.title"), "Taskdeck");
    assert_eq!(console.text_of("#screen-title"), "Overview");
    // The tab's icon is served (no 404 on every load), as an SVG.
    let icon = console.browser.execute_async(
        "const href = document.querySelector('link[rel=icon]').href; \
         fetch(href).then(r => arguments[0](r.status + ' ' + r.headers.get('content-type')))",
    );
    assert_eq!(icon, "200 image/svg+xml");
    // The WebAssembly came precompressed (`.br`/`.gz` beside it).
    let sizes = console.browser.execute(
        "const wasm = performance.getEntriesByType('resource').find(e => e.name.endsWith('.wasm')); \
         return [wasm.encodedBodySize, wasm.decodedBodySize]",
    );
    let (encoded, decoded) = (sizes[0].as_u64().unwrap(), sizes[1].as_u64().unwrap());
    assert!(encoded * 2 < decoded, "sent {encoded} bytes for {decoded}");
}

#[test]
fn the_static_site_runs_no_script_but_its_own() {
    let c = Console::open("/");
    c.browser.wait_until(
        "document.querySelectorAll('[data-testid=server-card] [data-stat]').length >= 12",
        LONG,
        "the console reaching every server under its policy",
    );
    let policy = c.browser.execute(
        "return document.querySelector('meta[http-equiv=Content-Security-Policy]')?.content ?? ''",
    );
    let policy = policy.as_str().unwrap();
    assert!(
        policy.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
        "{policy}"
    );
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    // A script injected into the page, as an XSS would, does not run, and
    // neither does one from another origin.
    c.browser.execute(
        "const s = document.createElement('script'); s.textContent = 'window.injected = 1'; \
         document.body.appendChild(s); \
         const r = document.createElement('script'); r.src = 'http://127.0.0.1:9/x.js'; \
         document.body.appendChild(r);",
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        c.browser.execute("return typeof window.injected"),
        "undefined"
    );
}

#[test]
fn overview_shows_every_demo_server_with_live_counts() {
    let c = Console::open("/");
    c.browser.wait_until(
        "document.querySelectorAll('[data-testid=server-card] [data-stat]').length >= 12",
        LONG,
        "numbers on all four server cards",
    );
    let needs_attention = c.demo.instance(Flavor::Paperless3).needing_attention();
    let shown = c.text_of("[data-kind=paperless] [data-stat='Needs attention'] .stat-value");
    assert_eq!(shown, needs_attention.to_string());
    let failed = c.demo.instance(Flavor::InvenTree477).needing_attention();
    assert_eq!(
        c.text_of("[data-kind=inventree] [data-stat=Failed] .stat-value"),
        failed.to_string()
    );
    assert_eq!(
        c.text_of("[data-kind=inventree] [data-testid=worker-status]"),
        "Background worker running"
    );
    let chart = c.browser.execute(
        "return document.querySelector('[data-kind=paperless] .chart svg').getAttribute('aria-label')",
    );
    assert!(chart.as_str().unwrap().contains("succeeded"), "{chart}");
    c.assert_no_console_errors();
    c.browser.screenshot("overview");

    // The numbers lead into the tables, filtered.
    c.browser
        .click_css("[data-kind=paperless] [data-stat='Needs attention']");
    c.wait_rows();
    let url = c.browser.current_url();
    assert!(url.contains("status=attention"), "{url}");
    // Back returns to the overview (the history entry was written).
    c.browser.execute("history.back()");
    c.browser.wait_until(
        "location.pathname === '/' && document.querySelector('[data-kind=paperless] [data-stat]') !== null",
        LONG,
        "the overview after Back",
    );
}

#[test]
fn paperless_tasks_filter_sort_page_detail_and_acknowledge_exactly_the_selection() {
    let c = Console::open(&format!("/paperless/{PAPERLESS3}"));
    let first = c.wait_rows();
    assert_eq!(first.len(), 25);
    let open_total = c
        .demo
        .instance(Flavor::Paperless3)
        .acknowledged_flags()
        .iter()
        .filter(|t| !t.1)
        .count();
    c.browser.wait_until(
        "document.querySelector('[data-tab=attention] .count').textContent !== ''",
        LONG,
        "tab counts",
    );
    assert_eq!(
        c.text_of("[data-testid=pager-range]"),
        format!("1–25 of {open_total}")
    );
    c.browser.screenshot("paperless-tasks");

    // Status tab: only failed or revoked rows, and the URL says so.
    c.browser.click_css("[data-tab=attention]");
    let failed = c.wait_rows_change(&first);
    let url = c.browser.current_url();
    assert!(url.contains("status=attention"), "{url}");
    let statuses = c.browser.execute(
        "return [...document.querySelectorAll('[data-testid=tasks-table] tbody .badge')].map(b => b.textContent)",
    );
    for s in statuses.as_array().unwrap() {
        assert!(matches!(s.as_str().unwrap(), "Failure" | "Revoked"), "{s}");
    }

    // Sorting by created, oldest first.
    c.browser.click_css("th button[data-sort=created]");
    let sorted = c.wait_rows_change(&failed);
    assert!(c.browser.current_url().contains("sort=created"));
    let aria = c.browser.execute("return document.querySelector('th button[data-sort=created]').parentElement.getAttribute('aria-sort')");
    assert_eq!(aria, "ascending");
    let times = c.browser.execute(
        "return [...document.querySelectorAll('[data-testid=tasks-table] tbody tr td:nth-child(5) time')].map(t => t.getAttribute('datetime'))",
    );
    let times: Vec<&str> = times
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(times.len() > 1, "the Created column (5th) has times");
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "not ascending: {times:?}"
    );

    // Paging, reflected in the URL; a reload restores the same view.
    c.browser.click_css("[data-testid=next-page]");
    let page2 = c.wait_rows_change(&sorted);
    assert!(c.browser.current_url().contains("page=2"));
    let url = c.browser.current_url();
    c.browser.goto(&url);
    c.browser.wait_until(
        &format!(
            "JSON.stringify({ROW_IDS}) === '{}'",
            serde_json::to_string(&page2).unwrap()
        ),
        LONG,
        "the same page after reload",
    );

    // Details: every field, then Escape closes them.
    c.browser.click_css(&format!(
        "tr[data-task-id='{}'] [data-testid=open-task]",
        page2[0]
    ));
    c.browser.wait_for("[data-testid=detail-drawer]", SHORT);
    assert!(
        c.browser
            .current_url()
            .contains(&format!("task={}", page2[0]))
    );
    let drawer = c.text_of("[data-testid=detail-drawer]");
    assert!(
        drawer.contains("Traceback") && drawer.contains("Task id"),
        "{drawer}"
    );
    c.browser.screenshot("paperless-detail");
    c.browser.press_keys("\u{E00C}");
    c.browser.wait_until(
        "!document.querySelector('[data-testid=detail-drawer]')",
        SHORT,
        "the drawer to close",
    );

    // `/` focuses the search box.
    c.browser.execute("document.activeElement.blur()");
    c.browser.press_keys("/");
    assert_eq!(
        c.browser
            .execute("return document.activeElement.dataset.testid || ''"),
        "task-search"
    );

    // Pick three tasks on two pages, acknowledge them, and only them.
    let chosen: Vec<String> = vec![page2[1].clone(), page2[3].clone()];
    c.check_rows(&chosen);
    c.browser.click_css("[data-testid=prev-page]");
    let page1 = c.wait_rows_change(&page2);
    let mut chosen = chosen;
    chosen.push(page1[2].clone());
    c.check_rows(&page1[2..3]);
    assert_eq!(
        c.text_of("[data-testid=selection-count]"),
        "3 tasks selected"
    );
    let before = c.demo.instance(Flavor::Paperless3).acknowledged_flags();
    c.browser.click_css("[data-testid=ack-selected]");
    assert_eq!(c.text_of("#confirm-title"), "Dismiss 3 tasks?");
    c.browser.screenshot("paperless-confirm");
    c.browser.click_css("[data-testid=confirm-ok]");
    c.browser.wait_for_toast("Acknowledged 3 tasks", LONG);
    let after = c.demo.instance(Flavor::Paperless3).acknowledged_flags();
    assert_eq!(
        changed_ids(&before, &after),
        chosen.into_iter().collect::<HashSet<_>>()
    );
    assert_eq!(
        c.text_of("[data-testid=selection-count]"),
        "No tasks selected"
    );
    c.assert_no_console_errors();
}

#[test]
fn paperless_2_server_is_filtered_and_paged_locally_and_acknowledges_one_row() {
    let c = Console::open(&format!("/paperless/{PAPERLESS2}"));
    let first = c.wait_rows();
    assert_eq!(first.len(), 25);
    let search = c.browser.wait_for("[data-testid=task-search]", SHORT);
    c.browser.type_text(&search, "invoice");
    let found = c.wait_rows_change(&first);
    let names = c.browser.execute(
        "return [...document.querySelectorAll('[data-testid=tasks-table] tbody .col-name')].map(n => n.textContent.toLowerCase())",
    );
    let names = names.as_array().unwrap();
    assert!(!names.is_empty());
    for n in names {
        assert!(n.as_str().unwrap().contains("invoice"), "{n}");
    }
    c.browser.screenshot("paperless-2");

    let before = c.demo.instance(Flavor::Paperless2).acknowledged_flags();
    c.browser.click_css(&format!(
        "tr[data-task-id='{}'] [data-testid=ack-row]",
        found[0]
    ));
    assert_eq!(c.text_of("#confirm-title"), "Dismiss 1 task?");
    c.browser.click_css("[data-testid=confirm-ok]");
    c.browser.wait_for_toast("Acknowledged 1 task", LONG);
    let after = c.demo.instance(Flavor::Paperless2).acknowledged_flags();
    assert_eq!(
        changed_ids(&before, &after),
        HashSet::from([found[0].clone()])
    );
    // Dismissed tasks leave the default view.
    c.browser.wait_until(
        &format!("!{ROW_IDS}.includes('{}')", found[0]),
        LONG,
        "the row to leave",
    );
}

#[test]
fn inventree_queues_show_details_and_delete_exactly_the_selection() {
    let c = Console::open(&format!("/inventree/{INVENTREE477}/failed"));
    let first = c.wait_rows();
    c.browser.screenshot("inventree-failed");
    c.browser.click_css(&format!(
        "tr[data-task-id='{}'] [data-testid=open-task]",
        first[0]
    ));
    c.browser.wait_for("[data-testid=detail-drawer] pre", SHORT);
    let traceback = c.text_of("[data-testid=detail-drawer] pre");
    assert!(traceback.contains("Traceback"), "{traceback}");
    c.browser.screenshot("inventree-failed-detail");
    c.browser.click_css("[data-testid=drawer-close]");

    let failed_pks = |demo: &Demo| demo.instance(Flavor::InvenTree477).failed_pks();
    let before = failed_pks(&c.demo);
    let chosen = vec![first[1].clone(), first[4].clone()];
    c.check_rows(&chosen);
    c.browser.click_css("[data-testid=delete-selected]");
    assert_eq!(c.text_of("#confirm-title"), "Delete 2 failed tasks?");
    c.browser.click_css("[data-testid=confirm-ok]");
    c.browser.wait_for_toast("Deleted 2 tasks", LONG);
    let after = failed_pks(&c.demo);
    let removed: HashSet<String> = before.difference(&after).cloned().collect();
    assert_eq!(removed, chosen.into_iter().collect::<HashSet<_>>());

    // API 198: pending tasks by integer pk, 204 reply.
    c.goto(&format!("/inventree/{INVENTREE198}/pending"));
    let pending = c.wait_rows();
    c.browser.screenshot("inventree-pending");
    let pending_pks = |demo: &Demo| demo.instance(Flavor::InvenTree198).pending_pks();
    let before = pending_pks(&c.demo);
    c.check_rows(&pending[..1]);
    c.browser.click_css("[data-testid=delete-selected]");
    c.browser.click_css("[data-testid=confirm-ok]");
    // API 198 answers 204 without a count, and a worker also takes pending
    // tasks: the console cannot tell which it was, and says so.
    c.browser.wait_for_toast(
        "1 task gone from the queue (deleted, or started by the worker",
        LONG,
    );
    let removed: HashSet<String> = before.difference(&pending_pks(&c.demo)).cloned().collect();
    assert_eq!(removed, HashSet::from([pending[0].clone()]));

    c.goto(&format!("/inventree/{INVENTREE477}/scheduled"));
    c.wait_rows();
    // A read-only list has no selection column: the schedule is the third cell.
    let schedule = c.text_of("[data-testid=tasks-table] tbody tr td:nth-child(3)");
    assert!(
        !schedule.is_empty() && !schedule.contains('_'),
        "human-readable schedule type: {schedule}"
    );
    c.browser.screenshot("inventree-scheduled");
    c.assert_no_console_errors();
}

#[test]
fn server_text_stays_text_and_faults_keep_the_last_data() {
    let c = Console::open(&format!("/paperless/{PAPERLESS3}?q=onerror&ack=any"));
    c.browser.wait_until(
        "[...document.querySelectorAll('[data-testid=tasks-table] tbody .col-name')].some(n => n.textContent.includes('<img src=x onerror=alert(1)>'))",
        LONG,
        "the hostile file name shown as text",
    );
    assert_eq!(
        c.browser
            .execute("return document.querySelectorAll('main img').length"),
        0
    );

    c.goto(&format!("/paperless/{PAPERLESS3}"));
    let rows = c.wait_rows();
    c.demo.instance(Flavor::Paperless3).set_fault(
        "/api/tasks/",
        Fault {
            error_rate: 1.0,
            ..Fault::default()
        },
    );
    c.browser.click_css("[data-testid=refresh-now]");
    let banner = c.browser.wait_for("[data-testid=error-banner]", LONG);
    let text = c.browser.text(&banner);
    assert!(
        text.contains("The server failed") && text.contains("last data"),
        "{text}"
    );
    assert_eq!(c.row_ids(), rows, "the last good rows stay visible");
    c.browser.screenshot("paperless-fault");

    c.demo
        .instance(Flavor::Paperless3)
        .set_fault("/api/tasks/", Fault::default());
    c.browser.click_css("[data-testid=error-banner] button");
    c.browser.wait_until(
        "!document.querySelector('[data-testid=error-banner]')",
        LONG,
        "the banner to go",
    );
}

#[test]
fn connections_can_be_removed_added_with_a_password_and_explain_cors() {
    let c = Console::open("/connections");
    c.browser.wait_until(
        "document.querySelectorAll('[data-testid=connection]').length === 4",
        LONG,
        "the demo connections",
    );
    c.browser.click_css(&format!(
        "[data-id={PAPERLESS2}] [data-testid=remove-connection]"
    ));
    c.browser.click_css("[data-testid=confirm-ok]");
    c.browser.wait_until(
        "document.querySelectorAll('[data-testid=connection]').length === 3",
        SHORT,
        "one fewer",
    );

    let url = c.demo.instance(Flavor::Paperless2).url();
    let form = "[data-testid=connection-form]";
    c.browser.type_text(
        &c.browser
            .wait_for(&format!("{form} input[name=name]"), SHORT),
        "Archive",
    );
    c.browser.type_text(
        &c.browser
            .wait_for(&format!("{form} input[name=url]"), SHORT),
        &url,
    );
    c.browser
        .click_css(&format!("{form} input[value=password]"));
    c.browser.type_text(
        &c.browser
            .wait_for(&format!("{form} input[name=username]"), SHORT),
        "admin",
    );
    c.browser.type_text(
        &c.browser
            .wait_for(&format!("{form} input[name=password]"), SHORT),
        "admin-password-123",
    );
    c.browser.click_css("[data-testid=save-connection]");
    // Tested first, then saved: the summary comes with the confirmation.
    c.browser.wait_for_toast("API 9", LONG);
    c.browser.wait_until(
        "document.querySelectorAll('[data-testid=connection]').length === 4",
        SHORT,
        "the new connection",
    );
    c.browser.screenshot("connections");
    // The token is in session storage only; the saved settings hold no secret.
    let stored = c
        .browser
        .execute("return localStorage.getItem('taskdeck.connections')");
    assert!(stored.as_str().unwrap().contains("Archive"));
    assert!(!stored.as_str().unwrap().contains("f6ba261c"), "{stored}");
    let new_id = c.browser.execute(
        "return JSON.parse(localStorage.getItem('taskdeck.connections')).find(c => c.name === 'Archive').id",
    );
    let new_id = new_id.as_str().unwrap();
    let in_session = c.browser.execute(&format!(
        "return sessionStorage.getItem('taskdeck.token.{new_id}')"
    ));
    // Stored together with the address it was entered for.
    let bound: serde_json::Value = serde_json::from_str(in_session.as_str().unwrap()).unwrap();
    assert_eq!(bound["token"], "f6ba261cbdbf9193851c690b641447f4b6ea12af");
    assert_eq!(bound["base_url"], url.trim_end_matches('/'));
    let in_local = c.browser.execute(&format!(
        "return localStorage.getItem('taskdeck.token.{new_id}')"
    ));
    assert!(in_local.is_null(), "{in_local}");
    assert_eq!(
        c.browser
            .execute("return document.querySelector('input[name=password]') ? 'still there' : ''"),
        ""
    );

    // A server that does not allow this page's origin: the answer names the setting.
    let mut other = DemoConfig::ephemeral(None);
    other.instances.truncate(1);
    let foreign = taskdeck_demo::start(other).unwrap();
    let foreign_url = foreign.instances[0].url();
    c.browser.type_text(
        &c.browser
            .wait_for(&format!("{form} input[name=url]"), SHORT),
        &foreign_url,
    );
    c.browser.click_css(&format!("{form} input[value=token]"));
    c.browser.type_text(
        &c.browser
            .wait_for(&format!("{form} input[name=token]"), SHORT),
        "f6ba261cbdbf9193851c690b641447f4b6ea12af",
    );
    c.browser.click_css("[data-testid=test-connection]");
    let status = c.browser.wait_until(
        "document.querySelector('[data-testid=connection-status]').textContent",
        LONG,
        "the CORS explanation",
    );
    assert!(
        status
            .as_str()
            .unwrap()
            .contains("PAPERLESS_CORS_ALLOWED_HOSTS"),
        "{status}"
    );
    c.browser.screenshot("connections-cors");
}

/// Captures what the console hands the browser to download.
const CAPTURE_DOWNLOADS: &str = "window.__downloads = []; window.__names = []; \
    const create = URL.createObjectURL; \
    URL.createObjectURL = function (blob) { \
      blob.arrayBuffer().then(buffer => { \
        window.__first_bytes = Array.from(new Uint8Array(buffer).slice(0, 3)); \
        window.__downloads.push(new TextDecoder('utf-8', { ignoreBOM: true }).decode(buffer)); \
      }); \
      return create.call(URL, blob); \
    }; \
    HTMLAnchorElement.prototype.click = function () { window.__names.push(this.download); };";

fn exported(c: &Console) -> (String, String) {
    c.browser.wait_until(
        "window.__downloads.length > 0 && window.__names.length > 0",
        LONG,
        "the exported file",
    );
    let file = c
        .browser
        .execute("return [window.__names[0], window.__downloads[0]]");
    (
        file[0].as_str().unwrap().to_string(),
        file[1].as_str().unwrap().to_string(),
    )
}

/// The export holds every row the filters match, not only the page shown,
/// with defused formulas and the server's text as text.
#[test]
fn exports_hold_every_matching_row() {
    let c = Console::open(&format!("/inventree/{INVENTREE477}/failed"));
    c.wait_rows();
    c.browser.execute(CAPTURE_DOWNLOADS);
    c.browser.click_css("[data-testid=export-json]");
    let (name, text) = exported(&c);
    assert!(
        name.starts_with("inventree-1-3-demo_failed-tasks_") && name.ends_with(".json"),
        "{name}"
    );
    let rows: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let pks = c.demo.instance(Flavor::InvenTree477).failed_pks();
    assert!(pks.len() > 25, "more than one page");
    let in_file: HashSet<String> = rows
        .iter()
        .map(|r| r["Task id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(in_file, pks);
    assert!(
        rows.iter()
            .all(|r| !r["Args"].as_str().unwrap().starts_with("gA")),
        "arguments read"
    );

    // Paperless, filtered to what needs attention: exactly the open failures.
    c.goto(&format!("/paperless/{PAPERLESS3}?status=attention"));
    c.wait_rows();
    c.browser.execute(CAPTURE_DOWNLOADS);
    c.browser.click_css("[data-testid=export-csv]");
    let (name, csv) = exported(&c);
    assert!(name.ends_with(".csv"), "{name}");
    assert!(csv.starts_with('\u{feff}'), "UTF-8 byte-order mark");
    assert!(csv.contains("\r\n"), "CRLF line ends");
    let paperless = c.demo.instance(Flavor::Paperless3);
    let open: usize = ["failure", "revoked"]
        .iter()
        .map(|s| paperless.open_task_ids(s).len())
        .sum();
    assert!(open > 25, "more than one page: {open}");
    // One record per line start with an id: count the records by their ids.
    let ids: HashSet<String> = ["failure", "revoked"]
        .iter()
        .flat_map(|s| paperless.open_task_ids(s))
        .collect();
    let listed = ids
        .iter()
        .filter(|id| csv.contains(&format!("\r\n{id},")))
        .count();
    assert_eq!(listed, ids.len(), "every open failure is exported");
    assert!(!csv.contains("\r\n="), "no cell starts a formula");
}

/// A cancelled export saves nothing, even when the last page arrives after.
#[test]
fn a_cancelled_export_saves_nothing() {
    let c = Console::open(&format!("/inventree/{INVENTREE477}/failed"));
    c.wait_rows();
    c.demo.instance(Flavor::InvenTree477).set_fault(
        "/api/background-task/failed/",
        Fault {
            latency: Duration::from_millis(1500),
            ..Fault::default()
        },
    );
    c.browser.execute(CAPTURE_DOWNLOADS);
    c.browser.click_css("[data-testid=export-csv]");
    c.browser
        .wait_for("[data-testid=toasts] [data-kind=progress]", SHORT);
    c.browser.click_css("[data-testid=toast-cancel]");
    c.browser.wait_for_toast("Export cancelled", LONG);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(c.browser.execute("return window.__names.length"), 0);
}

/// The 2.x server is asked for API 10 once, not on every load: the version
/// it settled on is remembered.
#[test]
fn a_2x_server_is_not_asked_for_api_10_on_every_load() {
    let c = Console::open("/");
    let cards = "document.querySelectorAll('[data-testid=server-card] [data-stat]').length >= 12";
    c.browser.wait_until(cards, LONG, "all four server cards");
    let first: Vec<String> = c.browser.console_log();
    assert!(
        first.iter().any(|l| l.contains("406")),
        "the first load negotiates (a 406 from the 2.x server): {first:#?}"
    );
    c.goto("/");
    c.browser
        .wait_until(cards, LONG, "all four server cards again");
    c.goto(&format!("/paperless/{PAPERLESS2}"));
    c.wait_rows();
    let again = c.browser.console_log();
    assert!(
        !again.iter().any(|l| l.contains("406")),
        "asked for API 10 again: {again:#?}"
    );
}
