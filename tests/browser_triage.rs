//! Triage in the browser, against the demo: the failure groups across
//! every server with their counts over the chosen window; acting on a
//! group changes exactly its rows (named per server in the confirmation,
//! a row gone meanwhile named and left out), and keeps reporting after the
//! screen is left; a hung worker is a stall row on the overview card and in
//! the inbox, cleared once the worker resumes; the catalogue's known cause
//! in a row's details; a report copied with no token inside; saved views.
//! Screenshots of each new screen, 1280 and 412 px, light and dark.

mod support;

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use chrono::Utc;
use serde_json::Value;
use support::console::{Console, INVENTREE198, INVENTREE477, LONG, PAPERLESS2, PAPERLESS3, SHORT};
use support::{UreqTransport, block_on, inventree_client, paperless_client};
use taskdeck::state::triage::group_key;
use taskdeck_api::ApiError;
use taskdeck_api::Selection;
use taskdeck_api::paperless::{TaskQuery, TaskStatus};
use taskdeck_demo::{Fault, Flavor, Instance};
use taskdeck_engine::failures::{failed_mail, inventree_failed, paperless_failed};
use taskdeck_triage::groups::{self, GroupOptions, Grouping, Window};
use taskdeck_triage::{Failure, List};

const ALL: [(Flavor, &str); 4] = [
    (Flavor::Paperless3, PAPERLESS3),
    (Flavor::InvenTree477, INVENTREE477),
    (Flavor::Paperless2, PAPERLESS2),
    (Flavor::InvenTree198, INVENTREE198),
];

/// A server's failures not dealt with yet, read natively as the console
/// reads them, under the console's connection ids.
fn failures(instance: &Instance, id: &str) -> Vec<Failure> {
    let t = UreqTransport::default();
    match instance.flavor.kind() {
        "paperless" => {
            let client = paperless_client(instance);
            let tasks = match block_on(paperless_failed(&client, &t, Some(false))) {
                Ok(tasks) => tasks,
                // A 2.x server: every open task at once, failures taken here.
                Err(ApiError::VersionChanged { .. }) => {
                    let open = TaskQuery {
                        acknowledged: Some(false),
                        ..TaskQuery::default()
                    };
                    block_on(taskdeck_engine::paperless::all_tasks(&client, &t, &open))
                        .unwrap()
                        .into_iter()
                        .filter(|t| t.status == TaskStatus::Failure)
                        .collect()
                }
                Err(e) => panic!("{e}"),
            };
            let mail = block_on(failed_mail(&client, &t)).unwrap();
            tasks
                .iter()
                .filter_map(|task| Failure::from_paperless(id, task))
                .chain(
                    mail.rows
                        .iter()
                        .filter_map(|m| Failure::from_processed_mail(id, m)),
                )
                .collect()
        }
        _ => {
            let whole = block_on(inventree_failed(&inventree_client(instance), &t)).unwrap();
            // The demo's times are UTC, as is the test browser's zone.
            let utc = chrono::FixedOffset::east_opt(0).unwrap();
            whole
                .rows
                .iter()
                .map(|f| Failure::from_inventree(id, f, utc))
                .collect()
        }
    }
}

fn grouping(c: &Console, days: u32) -> Grouping {
    let all: Vec<Failure> = ALL
        .iter()
        .flat_map(|(flavor, id)| failures(c.demo.instance(*flavor), id))
        .collect();
    let options = GroupOptions {
        window: Window { days },
        ..GroupOptions::new(Utc::now())
    };
    groups::group(&all, &options)
}

/// The JavaScript expression of the index of the groups table's column
/// headed `header` (found by its header: read-only lists have no
/// selection column).
fn column(header: &str) -> String {
    format!(
        "[...document.querySelectorAll('[data-testid=tasks-table] thead th')] \
         .findIndex(th => th.textContent.trim().startsWith('{header}'))"
    )
}

/// Every group row on screen: key → the count it shows.
fn shown_counts(c: &Console) -> BTreeMap<String, String> {
    let rows = c.browser.execute(&format!(
        "const at = {}; \
         return [...document.querySelectorAll('[data-testid=tasks-table] tbody tr[data-task-id]')] \
         .map(tr => [tr.dataset.taskId, tr.cells[at].textContent.trim()])",
        column("Rows")
    ));
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap().to_string(),
                r[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The keys of `group`'s rows on the server `id`.
fn rows_on(group: &groups::Group, id: &str) -> HashSet<String> {
    group
        .rows
        .iter()
        .filter(|r| r.connection == id)
        .map(|r| r.key.clone())
        .collect()
}

/// Opens the group's details and asks for its action (`testid`): the
/// confirmation, once the rows were looked up again.
fn ask_group_action(c: &Console, key: &str, testid: &str) {
    open_group(c, key);
    c.browser.click_css(&format!("[data-testid={testid}]"));
    c.browser.wait_for("[data-testid=confirm-dialog]", LONG);
}

/// Types `what` into the command palette and runs the command offered
/// first, once it is of `group`.
fn from_palette(c: &Console, what: &str, group: &str) {
    c.browser.press_with_control('k');
    c.browser.wait_for("[data-testid=palette] input", SHORT);
    c.browser.press_keys(what);
    c.browser.wait_until(
        &format!(
            "document.querySelector('[data-testid=palette] [aria-selected=true]')?.textContent.startsWith('{group}')"
        ),
        SHORT,
        &format!("the palette offering {what}"),
    );
    c.browser.press_keys("\u{E007}");
}

fn open_group(c: &Console, key: &str) {
    c.browser
        .click_css(&format!("tr[data-task-id='{key}'] [data-testid=open-task]"));
    c.browser.wait_for(
        "[data-testid=detail-drawer] [data-testid=group-actions]",
        LONG,
    );
}

/// Fails on a panic of the console (its log or the panic banner).
fn assert_no_panic(c: &Console) {
    let bad: Vec<String> = c
        .browser
        .console_log()
        .into_iter()
        .filter(|l| l.contains("panicked") || l.contains("RuntimeError"))
        .collect();
    assert!(bad.is_empty(), "the console panicked: {bad:#?}");
    assert_eq!(
        c.browser
            .execute("return document.getElementById('panic-banner') === null"),
        true
    );
}

fn set_theme(c: &Console, theme: &str) {
    c.browser.execute(&format!(
        "localStorage.setItem('taskdeck.theme', '{theme}'); return null"
    ));
}

/// Screenshots of the screen at `path` at 1280 and 412 px, light and dark,
/// once `ready` (a CSS selector) shows.
fn shots(c: &Console, path: &str, ready: &str, name: &str) {
    for (theme, width) in [
        ("light", 1280),
        ("dark", 1280),
        ("light", 412),
        ("dark", 412),
    ] {
        set_theme(c, theme);
        c.browser.resize(width, 900);
        c.goto(path);
        c.browser.reload();
        c.browser.wait_for(ready, LONG);
        std::thread::sleep(Duration::from_millis(300));
        c.browser.screenshot(&format!("{name}-{width}-{theme}"));
    }
    set_theme(c, "light");
    c.browser.resize(1280, 900);
}

#[test]
fn the_groups_show_every_cause_with_its_count_over_the_chosen_window() {
    let c = Console::open("/failures?size=100");
    c.browser.resize(1280, 900);
    c.wait_rows();
    let expected = grouping(&c, 30);
    assert!(expected.groups.len() > 10, "the demo seeds many causes");
    let shown = shown_counts(&c);
    let wanted: BTreeMap<String, String> = expected
        .groups
        .iter()
        .map(|g| (group_key(&g.signature), g.count.to_string()))
        .collect();
    assert_eq!(shown, wanted, "each cause once, with its count");
    // Causes seen on several servers are one group: the servers column says so.
    let shared = expected
        .groups
        .iter()
        .find(|g| g.per_server.len() == 2 && g.signature.message.contains("Unsupported mime type"))
        .expect("one cause on both Paperless servers");
    let servers = c.browser.execute(&format!(
        "const cell = document.querySelector(\"tr[data-task-id='{}']\").cells[{}]; \
         return cell.textContent + ' / ' + cell.title",
        group_key(&shared.signature),
        column("Servers")
    ));
    let servers = servers.as_str().unwrap();
    assert!(
        servers.starts_with("2 servers / ")
            && servers.contains(&format!(
                "Paperless-ngx 3 (demo): {}",
                shared.per_server[PAPERLESS3]
            ))
            && servers.contains(&format!(
                "Paperless-ngx 2 (demo): {}",
                shared.per_server[PAPERLESS2]
            )),
        "{servers}"
    );
    assert!(
        c.text_of("[data-testid=failure-window-note]")
            .contains("over the last 30 days")
    );

    // Another window: the URL says it, the screen says it, the counts follow.
    let before = c.row_ids();
    c.browser.execute(
        "const s = document.querySelector('[data-testid=failure-window]'); \
         s.value = '1'; s.dispatchEvent(new Event('change', {bubbles: true})); return null",
    );
    c.browser.wait_until(
        "location.hash.includes('days=1')",
        SHORT,
        "the window in the URL",
    );
    c.browser.wait_until(
        "document.querySelector('[data-testid=failure-window-note]').textContent.includes('the last day')",
        LONG,
        "the window said on screen",
    );
    let day = grouping(&c, 1);
    if day.groups.len() != expected.groups.len() {
        c.wait_rows_change(&before);
    }
    c.browser.wait_until(
        &format!(
            "document.querySelectorAll('[data-testid=tasks-table] tbody tr[data-task-id]').length === {}",
            day.groups.len()
        ),
        LONG,
        "the one-day groups",
    );
    let shown = shown_counts(&c);
    let wanted: BTreeMap<String, String> = day
        .groups
        .iter()
        .map(|g| (group_key(&g.signature), g.count.to_string()))
        .collect();
    assert_eq!(shown, wanted);
    assert_no_panic(&c);

    shots(
        &c,
        "/#/failures",
        "[data-testid=tasks-table] tbody tr[data-task-id]",
        "failures",
    );
    let key = group_key(&shared.signature);
    for (theme, width) in [("light", 1280), ("dark", 412)] {
        set_theme(&c, theme);
        c.browser.resize(width, 900);
        c.goto(&format!("/#/failures?size=100&task={key}"));
        c.browser.reload();
        c.browser.wait_for(
            "[data-testid=detail-drawer] [data-testid=group-actions]",
            LONG,
        );
        c.browser
            .screenshot(&format!("failure-group-{width}-{theme}"));
    }
}

#[test]
fn acting_on_a_group_changes_exactly_its_rows_names_what_changed_and_reports_after_leaving() {
    let c = Console::open("/failures?size=100");
    c.browser.resize(1280, 900);
    c.wait_rows();
    let expected = grouping(&c, 30);
    // One cause on both InvenTree servers.
    let group = expected
        .groups
        .iter()
        .find(|g| {
            g.signature.message == "math domain error"
                && g.per_server.contains_key(INVENTREE477)
                && g.per_server.contains_key(INVENTREE198)
        })
        .expect("math.sqrt fails on both InvenTree servers")
        .clone();
    let key = group_key(&group.signature);
    let (mut on_477, on_198) = (rows_on(&group, INVENTREE477), rows_on(&group, INVENTREE198));
    assert!(on_477.len() >= 2 && !on_198.is_empty());
    open_group(&c, &key);
    assert!(
        c.text_of("[data-testid=detail-drawer]")
            .contains(&format!("{} failures", group.count))
    );

    // Between grouping and acting, one of its rows is deleted elsewhere.
    let i477 = c.demo.instance(Flavor::InvenTree477);
    let i198 = c.demo.instance(Flavor::InvenTree198);
    let elsewhere = on_477.iter().next().unwrap().clone();
    block_on(
        inventree_client(i477)
            .delete_failed_call(&Selection::new([elsewhere.clone()]).unwrap())
            .send(&UreqTransport::default()),
    )
    .unwrap();
    on_477.remove(&elsewhere);
    let (before_477, before_198) = (i477.failed_pks(), i198.failed_pks());

    c.browser.click_css("[data-testid=group-delete]");
    c.browser.wait_for("[data-testid=confirm-dialog]", LONG);
    let title = c.text_of("#confirm-title");
    assert!(
        title.contains("math.sqrt: math domain error")
            && title.contains(&format!("{} failed tasks", group.count - 1)),
        "{title}"
    );
    let note = c.text_of("[data-testid=plan-note]");
    assert!(
        note.contains("1 failed task gone from the failed queue")
            && note.contains("InvenTree 1.3 (demo): 1"),
        "{note}"
    );
    let servers = c.text_of("[data-testid=plan-servers]");
    assert!(
        servers.contains(&format!(
            "InvenTree 1.3 (demo): {} failed tasks",
            on_477.len()
        )) && servers.contains("InvenTree 0.16 (demo)"),
        "{servers}"
    );
    let planned: Value = c.browser.execute(
        "return [...document.querySelectorAll('[data-testid=plan-keys]')] \
         .map(e => [e.dataset.connection, e.dataset.keys])",
    );
    let planned: BTreeMap<String, HashSet<String>> = planned
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_string(),
                p[1].as_str()
                    .unwrap()
                    .split(',')
                    .map(str::to_string)
                    .collect(),
            )
        })
        .collect();
    assert_eq!(planned[INVENTREE477], on_477);
    assert_eq!(planned[INVENTREE198], on_198);
    c.browser.screenshot("failure-group-confirm-1280-light");

    // The delete is slow on one server: the user leaves meanwhile.
    i477.set_fault(
        "/api/background-task/failed/",
        Fault {
            latency: Duration::from_millis(2500),
            only_method: Some("DELETE"),
            ..Fault::default()
        },
    );
    c.browser.click_css("[data-testid=confirm-ok]");
    c.browser.click_css("a[href='#/']");
    c.browser.wait_for("[data-testid=server-card]", LONG);
    c.browser.wait_for_toast(
        &format!(
            "InvenTree 0.16 (demo): Deleted {} failed task",
            on_198.len()
        ),
        LONG,
    );
    c.browser.wait_for_toast(
        &format!(
            "InvenTree 1.3 (demo): Deleted {} failed tasks",
            on_477.len()
        ),
        LONG,
    );
    let gone = |before: &HashSet<String>, now: HashSet<String>| -> HashSet<String> {
        before.difference(&now).cloned().collect()
    };
    assert_eq!(
        gone(&before_477, i477.failed_pks()),
        on_477,
        "exactly its rows"
    );
    assert_eq!(
        gone(&before_198, i198.failed_pks()),
        on_198,
        "exactly its rows"
    );
    assert_no_panic(&c);

    // Back on the screen, the cause is gone from the groups.
    c.goto("/#/failures?size=100");
    c.wait_rows();
    c.browser.wait_until(
        &format!("!document.querySelector(\"tr[data-task-id='{key}']\")"),
        LONG,
        "the group gone",
    );
}

/// Whether the button of `testid` in the drawer shows `label` now.
fn button_says(c: &Console, testid: &str, label: &str) {
    c.browser.wait_until(
        &format!(
            "document.querySelector('[data-testid={testid}]')?.textContent.includes('{label}')"
        ),
        SHORT,
        &format!("{testid} saying {label}"),
    );
}

#[test]
fn leaving_while_a_group_is_looked_up_again_or_its_report_prepared_sends_nothing_and_never_panics()
{
    let c = Console::open("/failures?size=100");
    c.browser.resize(1280, 900);
    c.wait_rows();
    let expected = grouping(&c, 30);
    let i477 = c.demo.instance(Flavor::InvenTree477);
    let paperless = [
        c.demo.instance(Flavor::Paperless3),
        c.demo.instance(Flavor::Paperless2),
    ];
    let inventree_group = expected
        .groups
        .iter()
        .find(|g| {
            g.per_server.contains_key(INVENTREE477)
                && g.rows.iter().all(|r| r.list == List::InvenTreeFailed)
        })
        .expect("an InvenTree cause");
    let paperless_group = expected
        .groups
        .iter()
        .find(|g| {
            g.per_server.contains_key(PAPERLESS3)
                && g.rows.iter().all(|r| r.list == List::PaperlessTasks)
        })
        .expect("a Paperless task cause");

    // The rows are looked up again slowly: the user leaves while they are.
    open_group(&c, &group_key(&inventree_group.signature));
    let before = i477.failed_pks();
    let slow = Fault {
        latency: Duration::from_millis(2500),
        only_method: Some("GET"),
        ..Fault::default()
    };
    i477.set_fault("/api/background-task/failed/", slow.clone());
    c.browser.click_css("[data-testid=group-delete]");
    button_says(&c, "group-delete", "Checking the rows");
    c.browser.click_css("a[href='#/']");
    c.browser.wait_for("[data-testid=server-card]", LONG);
    std::thread::sleep(Duration::from_millis(3500));
    assert!(
        c.browser
            .find_all("[data-testid=confirm-dialog]")
            .is_empty(),
        "no confirmation outside its screen"
    );
    assert_eq!(i477.failed_pks(), before, "nothing sent");
    assert_no_panic(&c);
    i477.set_fault("/api/background-task/failed/", Fault::default());

    // The report reads its newest failure's server's status slowly (either
    // Paperless server's): the user leaves.
    c.goto(&format!(
        "/#/failures?size=100&task={}",
        group_key(&paperless_group.signature)
    ));
    c.browser.wait_for(
        "[data-testid=detail-drawer] [data-testid=group-actions]",
        LONG,
    );
    for p in paperless {
        p.set_fault("/api/status/", slow.clone());
    }
    c.browser
        .click_css("[data-testid=group-actions] [data-testid=copy-report]");
    button_says(&c, "copy-report", "Preparing report");
    c.browser.click_css("a[href='#/attention']");
    c.browser.wait_for("[data-testid=tasks-table]", LONG);
    std::thread::sleep(Duration::from_millis(3500));
    assert!(
        c.browser.find_all("[data-testid=report-dialog]").is_empty(),
        "no report outside its screen"
    );
    assert_no_panic(&c);

    // Back on the group, both still work.
    for p in paperless {
        p.set_fault("/api/status/", Fault::default());
    }
    c.goto(&format!(
        "/#/failures?size=100&task={}",
        group_key(&paperless_group.signature)
    ));
    c.browser.wait_for(
        "[data-testid=detail-drawer] [data-testid=group-actions]",
        LONG,
    );
    c.browser
        .click_css("[data-testid=group-actions] [data-testid=copy-report]");
    c.browser.wait_for("[data-testid=report-dialog]", LONG);
    c.browser.click_css("[data-testid=report-close]");
    c.browser.click_css("[data-testid=group-acknowledge]");
    c.browser.wait_for("[data-testid=confirm-dialog]", LONG);
    assert_no_panic(&c);
}

#[test]
fn acknowledging_a_paperless_group_dismisses_exactly_its_rows_on_both_servers() {
    let c = Console::open("/failures?size=100");
    c.wait_rows();
    let expected = grouping(&c, 30);
    let group = expected
        .groups
        .iter()
        .find(|g| {
            g.per_server.len() == 2
                && g.rows.iter().all(|r| r.list == List::PaperlessTasks)
                && g.signature.message.contains("Unsupported mime type")
        })
        .expect("a task cause on both Paperless servers")
        .clone();
    let key = group_key(&group.signature);
    let (p3, p2) = (
        c.demo.instance(Flavor::Paperless3),
        c.demo.instance(Flavor::Paperless2),
    );
    let (before3, before2) = (p3.acknowledged_flags(), p2.acknowledged_flags());
    ask_group_action(&c, &key, "group-acknowledge");
    assert!(
        c.browser.find_all("[data-testid=plan-note]").is_empty(),
        "nothing changed since"
    );
    c.browser.click_css("[data-testid=confirm-ok]");
    c.browser
        .wait_for_toast("Paperless-ngx 2 (demo): Acknowledged", LONG);
    c.browser
        .wait_for_toast("Paperless-ngx 3 (demo): Acknowledged", LONG);
    assert_eq!(
        support::changed_ids(&before3, &p3.acknowledged_flags()),
        rows_on(&group, PAPERLESS3)
    );
    assert_eq!(
        support::changed_ids(&before2, &p2.acknowledged_flags()),
        rows_on(&group, PAPERLESS2)
    );
    assert_no_panic(&c);
}

#[test]
fn releasing_a_mail_group_releases_exactly_its_records_and_fetches_their_accounts() {
    let c = Console::open("/failures?size=100");
    c.wait_rows();
    let expected = grouping(&c, 30);
    let group = expected
        .groups
        .iter()
        .find(|g| {
            g.per_server.contains_key(PAPERLESS3)
                && g.rows
                    .iter()
                    .all(|r| r.list == List::PaperlessProcessedMail)
                && g.count >= 2
        })
        .expect("a repeated failed-mail cause on Paperless 3")
        .clone();
    let key = group_key(&group.signature);
    let p3 = c.demo.instance(Flavor::Paperless3);
    let records = |i: &Instance| -> HashSet<String> {
        i.processed_mail()
            .iter()
            .map(|(id, _)| id.to_string())
            .collect()
    };
    let before = records(p3);
    ask_group_action(&c, &key, "group-release");
    c.browser.click_css("[data-testid=confirm-ok]");
    c.browser
        .wait_for_toast("Paperless-ngx 3 (demo): Released", LONG);
    let released: HashSet<String> = before.difference(&records(p3)).cloned().collect();
    assert_eq!(released, rows_on(&group, PAPERLESS3), "exactly its records");
    // Their accounts are fetched again, so the mail is imported again.
    let started = std::time::Instant::now();
    while p3.manual_mail_fetches().is_empty() {
        assert!(started.elapsed() < LONG, "no account was fetched again");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_no_panic(&c);
}

#[test]
fn a_hung_worker_is_a_stall_row_until_the_worker_resumes() {
    let c = Console::open_with("/", |config| {
        config.stalled = vec![Flavor::Paperless3, Flavor::InvenTree477];
    });
    c.browser.resize(1280, 900);
    // The app looks at every server a few seconds after the start.
    c.browser.wait_until(
        "document.querySelectorAll('[data-testid=server-card] [data-testid=stall]').length === 2",
        Duration::from_secs(60),
        "two stalled servers on the overview",
    );
    let notes = c.browser.execute(
        "return [...document.querySelectorAll('[data-testid=server-card]')] \
         .map(card => [card.dataset.kind, card.querySelector('[data-testid=stall]')?.textContent ?? ''])",
    );
    let stalled: Vec<&Value> = notes
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| !n[1].as_str().unwrap().is_empty())
        .collect();
    assert_eq!(stalled.len(), 2, "{notes}");
    for note in &stalled {
        let text = note[1].as_str().unwrap();
        assert!(text.contains("Stalled: nothing completed for"), "{text}");
        assert!(text.contains("still reports its worker running"), "{text}");
    }
    shots(&c, "/#/", "[data-testid=stall]", "overview-stalled");

    c.goto("/#/attention?q=stalled");
    for id in [PAPERLESS3, INVENTREE477] {
        c.browser
            .wait_for(&format!("tr[data-task-id='{id}:stall']"), LONG);
    }
    let row = c.text_of(&format!("tr[data-task-id='{PAPERLESS3}:stall']"));
    assert!(row.contains("Stalled") && row.contains("wait"), "{row}");
    for id in [PAPERLESS2, INVENTREE198] {
        assert!(
            c.browser
                .find_all(&format!("tr[data-task-id='{id}:stall']"))
                .is_empty(),
            "{id} moves"
        );
    }
    shots(
        &c,
        "/#/attention?q=stalled",
        "tr[data-task-id$=':stall']",
        "attention-stalled",
    );
    shots(
        &c,
        "/#/failures",
        "[data-testid=stall-panel][open] .badge-bad",
        "failures-stalls",
    );

    // Work moves again: the next look clears the rows.
    for flavor in [Flavor::Paperless3, Flavor::InvenTree477] {
        c.demo.instance(flavor).set_worker_running(true);
    }
    c.goto("/#/attention?q=stalled");
    c.browser.reload();
    c.browser.wait_until(
        "document.querySelector('[data-testid=tasks-table]')?.getAttribute('aria-busy') === 'false' \
         && !document.querySelector('.skeleton-row') \
         && !!document.querySelector('[data-testid=tasks-table] tbody tr')",
        LONG,
        "the inbox read again",
    );
    assert!(
        c.browser.find_all("tr[data-task-id$=':stall']").is_empty(),
        "the stall rows cleared"
    );
    c.goto("/#/");
    c.browser
        .wait_for("[data-testid=server-card] [data-stat]", LONG);
    c.browser.wait_until(
        "!document.querySelector('[data-testid=stall]')",
        LONG,
        "the cards cleared",
    );
    assert_no_panic(&c);
}

#[test]
fn stall_thresholds_are_per_server_and_remembered() {
    let c = Console::open_with("/failures", |config| {
        config.stalled = vec![Flavor::InvenTree477];
    });
    let item = format!("[data-testid=stall-panel] li[data-connection='{INVENTREE477}']");
    c.browser.wait_until(
        &format!("document.querySelector(\"{item}\")?.textContent.includes('stalled')"),
        Duration::from_secs(60),
        "the stall in the panel",
    );
    // Quiet for ten hours before it counts: the 40 minutes do not.
    c.browser
        .click_css(&format!("{item} [data-testid=edit-thresholds]"));
    let quiet = c
        .browser
        .wait_for(&format!("{item} input[name=stall-quiet]"), SHORT);
    c.browser.execute(&format!(
        "const q = document.querySelector(\"{item} input[name=stall-quiet]\"); q.value = ''; return null"
    ));
    c.browser.type_text(&quiet, "600");
    c.browser.execute(&format!(
        "const g = document.querySelector(\"{item} input[name=stall-growing]\"); \
         g.value = '30'; g.dispatchEvent(new Event('input', {{bubbles: true}})); return null"
    ));
    c.browser
        .click_css(&format!("{item} [data-testid=save-thresholds]"));
    c.browser.wait_until(
        &format!("document.querySelector(\"{item}\").textContent.includes('work moves')"),
        SHORT,
        "no stall under the new thresholds",
    );
    c.browser.reload();
    c.browser.wait_until(
        &format!("document.querySelector(\"{item} [data-testid=stall-thresholds]\")?.textContent.includes('10 h')"),
        LONG,
        "the thresholds remembered",
    );
    // Folded away now that nothing is stalled; the others keep the defaults.
    let other = c.browser.execute(&format!(
        "return document.querySelector(\"[data-testid=stall-panel] li[data-connection='{PAPERLESS3}'] [data-testid=stall-thresholds]\").textContent"
    ));
    let other = other.as_str().unwrap();
    assert!(
        other.contains("15 min") && other.contains("(the defaults)"),
        "{other}"
    );
    assert_eq!(
        c.browser
            .execute("return document.querySelector('[data-testid=stall-panel]').open"),
        false
    );
}

#[test]
fn a_rows_details_name_its_known_cause_and_the_way_to_it() {
    let c = Console::open("/");
    // A duplicate on Paperless 3 (API 10 sends no message for it).
    let duplicate = {
        let state = c
            .demo
            .instance(Flavor::Paperless3)
            .paperless()
            .lock()
            .unwrap();
        state
            .tasks
            .iter()
            .find(|t| {
                t.status == "failure"
                    && t.result_data
                        .as_ref()
                        .is_some_and(|r| r.get("duplicate_of").is_some())
            })
            .map(|t| {
                (
                    t.id,
                    t.result_data.as_ref().unwrap()["duplicate_of"]
                        .as_u64()
                        .unwrap(),
                )
            })
            .expect("the demo seeds duplicates")
    };
    c.goto(&format!("/#/paperless/{PAPERLESS3}?task={}", duplicate.0));
    c.browser.wait_for(
        "[data-testid=detail-drawer] [data-testid=known-cause][data-cause='paperless.duplicate']",
        LONG,
    );
    let action = c.browser.wait_for(
        "[data-testid=detail-drawer] [data-testid=cause-action]",
        SHORT,
    );
    assert_eq!(
        c.browser.text(&action),
        format!("Open the original, document #{}", duplicate.1)
    );
    let href = c.browser.execute(
        "return document.querySelector('[data-testid=detail-drawer] [data-testid=cause-action]').href",
    );
    assert!(
        href.as_str()
            .unwrap()
            .ends_with(&format!("/documents/{}/details", duplicate.1)),
        "{href}"
    );
    c.browser.screenshot("paperless-known-cause-1280-light");
    set_theme(&c, "dark");
    c.browser.resize(412, 900);
    c.browser.reload();
    c.browser.wait_for(
        "[data-testid=detail-drawer] [data-testid=known-cause]",
        LONG,
    );
    c.browser.screenshot("paperless-known-cause-412-dark");
    set_theme(&c, "light");
    c.browser.resize(1280, 900);
    c.browser.reload();

    // An InvenTree failure far down the queue, opened by its link: found,
    // with its cause and the way to Health.
    let pk = {
        let state = c
            .demo
            .instance(Flavor::InvenTree477)
            .inventree()
            .lock()
            .unwrap();
        state
            .failed
            .iter()
            .filter(|f| {
                f.result
                    .contains("No such file or directory: '/home/inventree/data/media")
            })
            .min_by_key(|f| f.stopped)
            .map(|f| f.pk.clone())
            .expect("missing media files")
    };
    c.goto(&format!("/#/inventree/{INVENTREE477}/failed?task={pk}"));
    c.browser.wait_for(
        "[data-testid=detail-drawer] [data-testid=known-cause][data-cause='inventree.missing-media']",
        LONG,
    );
    c.browser.screenshot("inventree-known-cause-1280-light");

    // Failed mail: the account and fetching again.
    c.goto(&format!("/#/paperless/{PAPERLESS3}/mail"));
    let rows = c.wait_rows();
    let mut matched = false;
    for row in rows.iter().take(10) {
        c.browser
            .click_css(&format!("tr[data-task-id='{row}'] [data-testid=open-task]"));
        let drawer = c.browser.wait_for(
            "[data-testid=detail-drawer] [data-testid=known-cause]",
            LONG,
        );
        let _ = drawer;
        let cause = c.browser.execute(
            "return document.querySelector('[data-testid=detail-drawer] [data-testid=known-cause]').dataset.cause",
        );
        if cause
            .as_str()
            .is_some_and(|c| c.starts_with("paperless.mail"))
        {
            let action = c.text_of("[data-testid=detail-drawer] [data-testid=cause-action]");
            assert!(action.contains("Open the mail accounts"), "{action}");
            matched = true;
            break;
        }
        c.browser.click_css("[data-testid=drawer-close]");
    }
    assert!(matched, "a failed mail with a known mail cause");
    assert_no_panic(&c);
}

const TOKEN: &str = taskdeck_demo::inventree::ADMIN_TOKEN;

#[test]
fn a_report_is_copied_with_its_facts_and_no_token_or_address_inside() {
    let c = Console::open("/");
    // Failures of the demo's e-mail task whose traceback quotes a token and
    // an address, as a real one may.
    for flavor in [Flavor::InvenTree477, Flavor::InvenTree198] {
        let instance = c.demo.instance(flavor);
        let mut state = instance.inventree().lock().unwrap();
        for f in state
            .failed
            .iter_mut()
            .filter(|f| f.func == "InvenTree.tasks.send_email")
        {
            f.result = f.result.replacen(
                "Traceback (most recent call last):\n",
                &format!(
                    "Traceback (most recent call last):\n  File \"/home/inventree/src/backend/InvenTree/InvenTree/tasks.py\", line 88, in send_email\n    # headers={{'Authorization': 'Token {TOKEN}'}}, to=['buyer@lager.example.com']\n"
                ),
                1,
            );
        }
    }
    c.goto("/#/failures?size=100&q=send_email");
    let rows = c.wait_rows();
    assert_eq!(rows.len(), 1, "one cause: {rows:?}");
    open_group(&c, &rows[0]);
    assert_eq!(
        c.browser.execute(
            "return document.querySelector('[data-testid=detail-drawer] [data-testid=known-cause]').dataset.cause"
        ),
        "inventree.email"
    );
    c.browser.click_css("[data-testid=copy-report]");
    let preview = c.text_of("[data-testid=report-preview]");
    assert!(
        preview.starts_with("### ConnectionRefusedError"),
        "{preview}"
    );
    assert!(preview.contains("#### Deployment Method"), "{preview}");
    assert!(
        preview.contains("Bare metal (installer: DEMO)"),
        "{preview}"
    );
    assert!(
        preview.contains("1.3.0 dev (API 477)") || preview.contains("0.16.0 dev (API 198)"),
        "{preview}"
    );
    assert!(preview.contains("Traceback"), "{preview}");
    assert!(!preview.contains(TOKEN) && !preview.contains("buyer@lager.example.com"));
    let removed = c.text_of("[data-testid=report-removed]");
    assert!(
        removed.contains("token or password") && removed.contains("e-mail address"),
        "{removed}"
    );
    assert!(
        !removed.contains(TOKEN),
        "the preview shows a token's start only"
    );
    c.browser.screenshot("failure-report-1280-light");
    c.browser.resize(412, 900);
    c.browser
        .execute("document.querySelector('[data-testid=theme-toggle]').click(); return null");
    c.browser.screenshot("failure-report-412-dark");
    c.browser
        .execute("document.querySelector('[data-testid=theme-toggle]').click(); return null");
    c.browser.resize(1280, 900);

    // Copied: the clipboard holds exactly the preview's text.
    let origin = c.ui.clone();
    c.browser.cdp(
        "Browser.grantPermissions",
        serde_json::json!({
            "origin": origin,
            "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
        }),
    );
    c.browser.click_css("[data-testid=report-copy]");
    c.browser.wait_until(
        "document.querySelector('[data-testid=report-copy]').textContent === 'Copied'",
        SHORT,
        "copied",
    );
    let copied = c.browser.execute_async(
        "const done = arguments[0]; navigator.clipboard.readText().then(done, e => done('ERR ' + e))",
    );
    let copied = copied.as_str().unwrap();
    assert!(!copied.starts_with("ERR"), "{copied}");
    assert!(copied.contains("<redacted>"), "{copied}");
    assert!(!copied.contains(TOKEN), "no token in the clipboard");
    assert!(!copied.contains("inv-a8b367885bb8"), "not even its start");
    assert_eq!(
        copied.trim_end(),
        preview.trim_end(),
        "the clipboard holds what the preview shows"
    );
    c.browser.click_css("[data-testid=report-close]");

    // A single row's report, from its own details.
    let failed = c
        .demo
        .instance(Flavor::Paperless3)
        .open_task_ids("failure")
        .into_iter()
        .next()
        .expect("a failed task");
    c.goto(&format!("/#/paperless/{PAPERLESS3}?task={failed}"));
    c.browser
        .click_css("[data-testid=detail-drawer] [data-testid=copy-report]");
    let preview = c.text_of("[data-testid=report-preview]");
    assert!(preview.contains("#### Paperless-ngx version"), "{preview}");
    assert!(preview.contains("#### Installation method"), "{preview}");
    assert!(preview.contains("failed at"), "{preview}");
    assert!(!preview.contains(taskdeck_demo::paperless::ADMIN_TOKEN));
    assert_no_panic(&c);
}

#[test]
fn a_list_saved_as_a_view_is_one_click_away_and_a_link() {
    let c = Console::open(&format!("/paperless/{PAPERLESS3}?status=attention&page=2"));
    c.wait_rows();
    c.browser.click_css("[data-testid=save-view]");
    let name = c.browser.wait_for("input[name=view-name]", SHORT);
    c.browser.type_text(&name, "Office failures");
    c.browser.click_css("[data-testid=save-view-ok]");
    let link = c.browser.wait_for(
        "[data-testid=nav-saved-views] [data-testid=saved-view]",
        SHORT,
    );
    assert_eq!(c.browser.text(&link), "Office failures");
    let href = c
        .browser
        .execute("return document.querySelector('[data-testid=saved-view]').getAttribute('href')");
    assert_eq!(
        href,
        format!("#/paperless/{PAPERLESS3}?status=attention"),
        "the filters, not the page"
    );
    shots(
        &c,
        &format!("/#/paperless/{PAPERLESS3}?status=attention"),
        "[data-testid=saved-view]",
        "saved-view",
    );

    // Kept across a reload, and one click away: from the navigation…
    c.goto("/#/attention");
    c.browser.reload();
    c.browser
        .click_css("[data-testid=nav-saved-views] [data-testid=saved-view]");
    c.browser.wait_until(
        &format!("location.hash === '#/paperless/{PAPERLESS3}?status=attention'"),
        SHORT,
        "the saved view opened",
    );
    c.wait_rows();
    // …and from the palette.
    c.goto("/#/");
    c.browser.wait_for("[data-testid=server-card]", LONG);
    from_palette(&c, "Office failures", "Saved view");
    c.browser.wait_until(
        &format!("location.hash === '#/paperless/{PAPERLESS3}?status=attention'"),
        SHORT,
        "the saved view opened from the palette",
    );
    // The failures screen from the palette too.
    from_palette(&c, "Failures by cause", "Go to");
    c.browser.wait_until(
        "location.hash.startsWith('#/failures')",
        SHORT,
        "the failures screen from the palette",
    );
    // Forgotten: gone from the navigation, and after a reload.
    c.browser.click_css("[data-testid=forget-view]");
    c.browser.reload();
    c.wait_rows();
    assert!(c.browser.find_all("[data-testid=saved-view]").is_empty());
    assert_no_panic(&c);
}
