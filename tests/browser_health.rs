//! Browser tests of server health and system tasks, on the demo: a system
//! task is started and followed to its end, and a stopped worker is marked
//! on the overview.

mod support;

use support::console::{Console, INVENTREE477, LONG, PAPERLESS2, PAPERLESS3};

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
        "document.querySelector('[data-kind=paperless] [data-testid=health-chip]')?.textContent.includes('in error')",
        LONG,
        "the Paperless card's health chip",
    );
    c.browser.screenshot("overview-worker-stopped");
    c.goto(&format!("/health/{INVENTREE477}"));
    let worker = c.text_of("[data-check=Worker]");
    assert!(worker.contains("NOT running"), "{worker}");
    assert!(c.text_of("[data-testid=admin-link]").contains("admin"));
}
