//! Browser tests of server health and system tasks, on the demo: a system
//! task is started and followed to its end, and a stopped worker is marked
//! on the overview.

mod support;

use support::console::{Console, INVENTREE198, INVENTREE477, LONG, PAPERLESS2, PAPERLESS3};

#[test]
fn a_system_task_is_run_and_followed_to_the_end() {
    let c = Console::open(&format!("/health/{PAPERLESS3}"));
    c.browser
        .wait_for("[data-testid=health-checks] [data-check=Classifier]", LONG);
    c.browser.screenshot("health-paperless");
    let before = c
        .demo
        .instance(taskdeck_demo::Flavor::Paperless3)
        .acknowledged_flags()
        .len();
    c.browser
        .click_css("[data-check='Sanity check'] [data-testid=run-task]");
    // Queued, then finished by the demo's worker a few seconds later.
    c.browser.wait_until(
        "document.querySelector(\"[data-check='Sanity check'] [data-testid=run-state]\").textContent.startsWith('Failure')",
        LONG,
        "the sanity check to finish (the demo's finds errors)",
    );
    let after = c
        .demo
        .instance(taskdeck_demo::Flavor::Paperless3)
        .acknowledged_flags()
        .len();
    assert_eq!(after, before + 1, "exactly one task was started");
    c.browser.screenshot("health-paperless-ran");
    // The server's logs, read without a shell.
    c.browser
        .click_css("[data-testid=server-logs] button[aria-expanded]");
    c.browser
        .wait_for("[data-testid=server-logs] [data-log=mail]", LONG);
    c.browser
        .click_css("[data-testid=server-logs] [data-log=mail]");
    c.browser.wait_until(
        "document.querySelector('[data-testid=log-lines]')?.textContent.includes('[paperless_mail]')",
        LONG,
        "the mail log",
    );
    c.browser.screenshot("health-paperless-logs");

    // A 2.x server runs the task before it answers, under its own name.
    c.goto(&format!("/health/{PAPERLESS2}"));
    c.browser
        .wait_for("[data-check='Sanity check'] [data-testid=run-task]", LONG);
    c.browser
        .click_css("[data-check='Sanity check'] [data-testid=run-task]");
    c.browser.wait_until(
        "document.querySelector(\"[data-check='Sanity check'] [data-testid=run-state]\").textContent.startsWith('Success')",
        LONG,
        "the 2.x server's answer",
    );
    // No LLM index on 2.x: no button for it.
    assert_eq!(
        c.browser
            .execute("return document.querySelector(\"[data-check='LLM index'] [data-testid=run-task]\") === null"),
        true
    );
}

#[test]
fn a_stopped_worker_is_marked_on_the_overview() {
    let c = Console::open_with("/", |config| config.worker_running = false);
    c.browser.wait_until(
        "document.querySelector('[data-kind=inventree] [data-testid=worker-status]')?.textContent.includes('not running')",
        LONG,
        "the InvenTree card saying the worker is not running",
    );
    c.browser.wait_until(
        "document.querySelector('[data-kind=paperless] [data-testid=worker-status]')?.textContent.includes('No worker answers')",
        LONG,
        "the Paperless card's health chip",
    );
    c.browser.screenshot("overview-worker-stopped");
    c.goto(&format!("/health/{INVENTREE477}"));
    let worker = c.text_of("[data-check=Worker]");
    assert!(worker.contains("NOT running"), "{worker}");
    c.browser.wait_for("[data-check=Retention]", LONG);
    assert!(
        c.text_of("[data-check=Schedules]")
            .contains("failed or overdue")
    );
    assert!(c.text_of("[data-check=Retention]").contains("30 days"));
    c.browser.screenshot("health-inventree");
    assert!(c.text_of("[data-testid=admin-link]").contains("admin"));
}

/// Two chosen failed mails are released (their records deleted on the
/// backend, nothing else), then their account is fetched and imports them.
#[test]
fn two_chosen_failed_mails_are_released_and_imported_again() {
    let c = Console::open(&format!("/paperless/{PAPERLESS3}/mail"));
    let paperless = c.demo.instance(taskdeck_demo::Flavor::Paperless3);
    let rows = c.wait_rows();
    let failed: Vec<u64> = paperless
        .processed_mail()
        .into_iter()
        .filter(|(_, s)| *s == "FAILED")
        .map(|(id, _)| id)
        .collect();
    let mut shown: Vec<u64> = rows.iter().map(|r| r.parse().unwrap()).collect();
    shown.sort_unstable();
    assert_eq!(shown, failed, "failed mail is listed by default");
    c.browser
        .wait_for("[data-testid=mail-accounts] [data-account='1']", LONG);
    c.browser.screenshot("mail");
    // Mails 3 and 6 belong to rule 1 (account 1).
    let chosen = ["3".to_string(), "6".to_string()];
    c.check_rows(&chosen);
    c.browser.click_css("[data-testid=reimport-selected]");
    assert_eq!(
        c.text_of("#confirm-title"),
        "Allow re-import 2 mail messages?"
    );
    let dialog = c.text_of("[data-testid=confirm-dialog]");
    assert!(dialog.contains("Rechnung 請求書 #77"), "{dialog}");
    c.browser.screenshot("mail-confirm");
    c.browser.click_css("[data-testid=confirm-ok]");
    c.browser.wait_for_toast("Released 2 mail messages", LONG);
    let after: Vec<u64> = paperless
        .processed_mail()
        .iter()
        .map(|(id, _)| *id)
        .collect();
    assert!(!after.contains(&3) && !after.contains(&6), "{after:?}");
    for id in failed.iter().filter(|id| **id != 3 && **id != 6) {
        assert!(after.contains(id), "mail {id} was not chosen but is gone");
    }
    // The released mail's account is fetched right after, and imports it.
    c.browser.wait_until(
        "document.querySelector(\"[data-account='1'] [data-testid=fetch-state]\")?.textContent.startsWith('Success')",
        LONG,
        "account 1's fetch to succeed",
    );
    let fetches = paperless.manual_mail_fetches();
    assert_eq!(fetches.len(), 1, "{fetches:?}");
    assert_eq!(fetches[0].1["account_ids"], serde_json::json!([1]));
    let imported = paperless
        .processed_mail()
        .into_iter()
        .filter(|(id, s)| *s == "SUCCESS" && !failed.contains(id) && *id > 9)
        .count();
    assert_eq!(imported, 2, "{:?}", paperless.processed_mail());
    c.browser.screenshot("mail-reimported");
}

/// A failed mail fetch names its account; "fetch now" in its details
/// queues a fetch of exactly that account and follows it to the end.
#[test]
fn a_failed_mail_fetch_is_fetched_again_from_its_details() {
    let c = Console::open(&format!("/paperless/{PAPERLESS3}"));
    let paperless = c.demo.instance(taskdeck_demo::Flavor::Paperless3);
    let (id, input) = paperless
        .tasks_of("mail_fetch", "failure")
        .into_iter()
        .next()
        .expect("the demo has a failed mail fetch");
    let account = input["account_ids"][0].as_u64().unwrap();
    c.goto(&format!("/paperless/{PAPERLESS3}?task={id}"));
    let button = format!("[data-testid=fetch-mail][data-account='{account}']");
    c.browser.wait_for(&button, LONG);
    c.browser.click_css(&button);
    // Account 2 is the demo's unreachable one: its task succeeds, as a
    // real server's does, and the mail log says the mailbox was not reached.
    let expected = if account == 2 {
        "The task succeeded, but the mailbox could not be reached"
    } else {
        "Success"
    };
    c.browser.wait_until(
        &format!("document.querySelector('[data-testid=fetch-state]')?.textContent.startsWith('{expected}')"),
        LONG,
        "the fetch to end",
    );
    let fetches = paperless.manual_mail_fetches();
    assert_eq!(fetches.len(), 1, "exactly one fetch: {fetches:?}");
    assert_eq!(fetches[0].1["account_ids"], serde_json::json!([account]));
    c.browser.screenshot("task-fetch-again");
}

#[test]
fn running_slow_warning_and_error_lists_on_every_server() {
    let c = Console::open(&format!("/paperless/{PAPERLESS3}/slow"));
    let rows = c.wait_rows();
    assert!(rows.contains(&"consume_file".to_string()), "{rows:?}");
    c.browser.screenshot("slow-tasks");
    c.goto(&format!("/paperless/{PAPERLESS3}/running"));
    c.wait_rows();
    c.browser.screenshot("running-now");
    // 2.x: no summary, said as such; running now from the task list.
    c.goto(&format!("/paperless/{PAPERLESS2}/slow"));
    c.browser.wait_until(
        "document.body.textContent.includes('keeps no per-type task summary')",
        LONG,
        "the reason the 2.x server has no summary",
    );
    c.goto(&format!("/paperless/{PAPERLESS2}/running"));
    c.wait_rows();
    for inventree in [INVENTREE477, INVENTREE198] {
        c.goto(&format!("/inventree/{inventree}/errors"));
        c.wait_rows();
        // The demo's check_for_updates schedule (pk 2) is three days late.
        c.goto(&format!("/inventree/{inventree}/warnings"));
        c.browser.wait_until(
            "document.querySelector(\"tr[data-task-id='2']\")?.textContent.includes(' late: due ')",
            LONG,
            "the overdue schedule",
        );
    }
    c.browser.screenshot("schedule-warnings");
}

/// One inbox across servers of both kinds, newest first, with what is new
/// since each list was last opened; opening a list takes its marks away
/// (and opening the inbox takes all of them: `browser_findings`).
#[test]
fn the_attention_inbox_spans_every_server_and_marks_what_is_new() {
    let c = Console::open_with("/", |config| config.worker_running = false);
    c.browser.wait_until(
        "document.querySelector('[data-testid=nav-attention] .count')?.textContent > 0",
        LONG,
        "the count of new items in the navigation",
    );
    // Opening Paperless 3's failures: marked new in the table this once.
    let new_rows = "return document.querySelectorAll('tr.row-new').length";
    c.goto(&format!("/paperless/{PAPERLESS3}?status=attention"));
    c.wait_rows();
    assert!(
        c.browser.execute(new_rows).as_u64().unwrap() > 0,
        "first look: new"
    );
    c.goto(&format!("/paperless/{PAPERLESS3}?status=attention"));
    c.wait_rows();
    assert_eq!(c.browser.execute(new_rows), 0, "seen since");
    c.goto("/attention?size=500");
    c.wait_rows();
    let servers = |new_only: bool| -> Vec<String> {
        let filter = if new_only { ".badge-new" } else { "td" };
        let script = format!(
            "return [...document.querySelectorAll('tbody tr')].filter(r => r.querySelector('{filter}')).map(r => r.cells[2].textContent)"
        );
        c.browser
            .execute(&script)
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let all = servers(false);
    for name in [
        "Paperless-ngx 3 (demo)",
        "Paperless-ngx 2 (demo)",
        "InvenTree 1.3 (demo)",
        "InvenTree 0.16 (demo)",
    ] {
        assert!(all.iter().any(|s| s == name), "{name} missing from {all:?}");
    }
    assert!(
        c.text_of("tbody")
            .contains("background worker is not running"),
        "a stopped worker is in the inbox"
    );
    let new_now = servers(true);
    assert!(
        new_now.iter().any(|s| s == "InvenTree 1.3 (demo)"),
        "never looked: new {new_now:?}"
    );
    assert!(
        !new_now.iter().any(|s| s == "Paperless-ngx 3 (demo)"),
        "its list was opened: {new_now:?}"
    );
    c.browser.screenshot("attention");
}
