//! Browser tests of the console's promises: it acts only on what was
//! chosen, reports only what happened, and keeps showing what it can when a
//! server or a row misbehaves. Each case is set up with the demo's fault
//! injection, and every outcome is checked on the backend.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use support::changed_ids;
use support::console::{Console, INVENTREE477, LONG, PAPERLESS3, SHORT};
use support::webdriver::ROW_IDS;
use taskdeck_demo::{Fault, Flavor, Scale};

fn dialog_text(c: &Console) -> String {
    c.text_of("[data-testid=confirm-dialog]")
}

/// "Dismiss all matching" collects the ids of the filter it was opened for;
/// a slow collection for an earlier filter never fills a later dialog.
#[test]
fn a_late_collection_never_fills_another_filters_dialog() {
    let c = Console::open(&format!("/paperless/{PAPERLESS3}?status=attention"));
    c.wait_rows();
    let paperless = c.demo.instance(Flavor::Paperless3);
    let completed = paperless.open_task_ids("success");
    paperless.set_fault(
        "/api/tasks/",
        Fault {
            latency: Duration::from_millis(2500),
            only_method: Some("GET"),
            ..Fault::default()
        },
    );
    // Filter A: start collecting, then cancel at once.
    c.browser.click_css("[data-testid=ack-matching]");
    c.browser.click_css("[data-testid=confirm-cancel]");
    // Filter B: the Completed tab, and its own collection.
    c.browser.click_css("[data-tab=completed]");
    c.browser.click_css("[data-testid=ack-matching]");
    // A's answer arrives first and must be dropped; then B's fills the dialog.
    c.browser.wait_until(
        "document.querySelector('#confirm-title')?.textContent.startsWith('Dismiss ')",
        LONG,
        "the collection for the Completed tab",
    );
    let title = c.text_of("#confirm-title");
    assert_eq!(title, format!("Dismiss {} tasks?", completed.len()));
    assert!(dialog_text(&c).contains("Completed"), "{}", dialog_text(&c));
    paperless.set_fault("/api/tasks/", Fault::default());
    let before = paperless.acknowledged_flags();
    c.browser.click_css("[data-testid=confirm-ok]");
    c.browser
        .wait_for_toast(&format!("Acknowledged {} tasks", completed.len()), LONG);
    assert_eq!(
        changed_ids(&before, &paperless.acknowledged_flags()),
        completed
    );
}

/// Rows gone since they were chosen are named and left out before anything
/// is sent (API 10 would reject the whole batch for one of them).
#[test]
fn a_stale_selection_is_pruned_and_the_rest_confirmed() {
    let c = Console::open(&format!("/paperless/{PAPERLESS3}"));
    let rows = c.wait_rows();
    let chosen = [rows[0].clone(), rows[1].clone()];
    c.check_rows(&chosen);
    let paperless = c.demo.instance(Flavor::Paperless3);
    paperless.acknowledge_elsewhere(chosen[0].parse().unwrap());
    let before = paperless.acknowledged_flags();
    c.browser.click_css("[data-testid=ack-selected]");
    c.browser.click_css("[data-testid=confirm-ok]");
    let note = c.text_of("[data-testid=plan-note]");
    assert!(note.contains("left out"), "{note}");
    assert_eq!(c.text_of("#confirm-title"), "Dismiss 1 task?");
    c.browser.click_css("[data-testid=confirm-ok]");
    c.browser.wait_for_toast("Acknowledged 1 task", LONG);
    assert_eq!(
        changed_ids(&before, &paperless.acknowledged_flags()),
        HashSet::from([chosen[1].clone()])
    );
}

/// A batch that fails halfway: the report says how far it got, as looked up
/// again, not "nothing was acknowledged".
#[test]
fn a_batch_that_fails_halfway_reports_what_was_done() {
    let c = Console::open_with(&format!("/paperless/{PAPERLESS3}"), |config| {
        config.scale = Scale {
            paperless_tasks: 2_000,
            ..Scale::DEFAULT
        };
    });
    c.wait_rows();
    let paperless = c.demo.instance(Flavor::Paperless3);
    paperless.set_fault(
        "/api/tasks/acknowledge/",
        Fault {
            fail_after: Some(1),
            only_method: Some("POST"),
            ..Fault::default()
        },
    );
    let before = paperless.acknowledged_flags();
    c.browser.click_css("[data-testid=ack-matching]");
    c.browser.wait_until(
        "document.querySelector('#confirm-title')?.textContent.startsWith('Dismiss ')",
        LONG,
        "the matching tasks",
    );
    let open = before.iter().filter(|(_, acked)| !acked).count();
    assert!(open > 500, "{open}");
    c.browser.click_css("[data-testid=confirm-ok]");
    c.browser.wait_for_toast("before it stopped", LONG);
    let toast = c.text_of("[data-testid=toasts]");
    assert!(
        toast.contains(&format!("500 of {open} tasks were acknowledged")),
        "{toast}"
    );
    assert_eq!(
        changed_ids(&before, &paperless.acknowledged_flags()).len(),
        500
    );
}

/// A login page answering in the server's place (200, HTML) is not success.
#[test]
fn a_login_page_instead_of_the_reply_is_an_unknown_outcome() {
    let c = Console::open(&format!("/inventree/{INVENTREE477}/failed"));
    let rows = c.wait_rows();
    let inventree = c.demo.instance(Flavor::InvenTree477);
    inventree.set_fault(
        "/api/background-task/failed/",
        Fault {
            login_page: true,
            only_method: Some("DELETE"),
            ..Fault::default()
        },
    );
    let before = inventree.failed_pks();
    c.check_rows(&rows[..1]);
    c.browser.click_css("[data-testid=delete-selected]");
    c.browser.click_css("[data-testid=confirm-ok]");
    c.browser.wait_for_toast("Nothing was deleted", LONG);
    let toast = c.text_of("[data-testid=toasts]");
    assert!(toast.contains("Outcome unknown"), "{toast}");
    assert!(toast.contains("HTML page"), "{toast}");
    assert_eq!(inventree.failed_pks(), before);
}

/// The server commits, then answers too late: the report says it did not
/// answer, and that the task was acknowledged all the same.
#[test]
fn a_timeout_after_the_server_committed_is_reported_as_seen() {
    let c = Console::open(&format!("/paperless/{PAPERLESS3}"));
    c.browser.wait_for("[data-testid=tasks-table]", LONG);
    c.browser
        .execute("localStorage.setItem('taskdeck.timeout', '10')");
    c.goto(&format!("/paperless/{PAPERLESS3}"));
    let rows = c.wait_rows();
    let paperless = c.demo.instance(Flavor::Paperless3);
    paperless.set_fault(
        "/api/tasks/acknowledge/",
        Fault {
            slow_answer: Duration::from_secs(12),
            only_method: Some("POST"),
            ..Fault::default()
        },
    );
    let before = paperless.acknowledged_flags();
    c.check_rows(&rows[..1]);
    c.browser.click_css("[data-testid=ack-selected]");
    c.browser.click_css("[data-testid=confirm-ok]");
    c.browser
        .wait_for_toast("did not answer in 10 s", Duration::from_secs(40));
    let toast = c.text_of("[data-testid=toasts]");
    assert!(
        toast.contains("All the same, the task was acknowledged"),
        "{toast}"
    );
    assert_eq!(
        changed_ids(&before, &paperless.acknowledged_flags()),
        HashSet::from([rows[0].clone()])
    );
}

/// 429 with Retry-After: auto-refresh pauses and says so.
#[test]
fn a_throttled_server_pauses_auto_refresh() {
    let c = Console::open(&format!("/inventree/{INVENTREE477}/failed"));
    c.wait_rows();
    c.demo.instance(Flavor::InvenTree477).set_fault(
        "/api/background-task/failed/",
        Fault {
            throttle_secs: Some(40),
            ..Fault::default()
        },
    );
    c.browser.click_css("[data-testid=refresh-now]");
    let banner = c.text_of("[data-testid=error-banner]");
    assert!(banner.contains("wait 40 s"), "{banner}");
    let paused = c.text_of("[data-testid=throttled]");
    assert!(paused.contains("auto-refresh pauses"), "{paused}");
    // The last rows stay.
    assert!(!c.row_ids().is_empty());
}

/// One row the console cannot read is shown as such; the others render.
#[test]
fn one_unreadable_row_does_not_blank_the_table() {
    let c = Console::open(&format!("/inventree/{INVENTREE477}/failed"));
    c.wait_rows();
    c.demo.instance(Flavor::InvenTree477).set_fault(
        "/api/background-task/failed/",
        Fault {
            null_in_first_row: Some("pk"),
            only_method: Some("GET"),
            ..Fault::default()
        },
    );
    c.browser.click_css("[data-testid=refresh-now]");
    c.browser.wait_for("[data-testid=unreadable-row]", SHORT);
    let row = c.text_of("[data-testid=unreadable-row]");
    assert!(row.contains("Row 1") && row.contains("pk"), "{row}");
    assert!(
        c.text_of("[data-testid=unreadable-count]")
            .contains("1 row")
    );
    c.browser
        .wait_until(&format!("{ROW_IDS}.length === 25"), SHORT, "the other rows");
}
