//! Browser tests of what admins met on real servers (issue 25): the console
//! says what really happened, shows what matters and offers only what
//! works. Each test reproduces one finding on the demo backend, which
//! answers as the recorded servers do; screenshots of every changed screen,
//! wide and narrow, light and dark, land in target/screenshots/.

mod support;

use std::time::{Duration, Instant};

use support::console::{Console, INVENTREE198, INVENTREE477, LONG, PAPERLESS2, PAPERLESS3, SHORT};
use support::webdriver::ROW_IDS;
use taskdeck_demo::{Fault, Flavor};

/// Signs the console in to connection `id` with another user's token (the
/// session's token, bound to the server's address, as the UI stores it).
fn sign_in_as(c: &Console, id: &str, flavor: Flavor, token: &str) {
    let url = c.demo.instance(flavor).url();
    let bound = serde_json::json!({ "base_url": url, "token": token }).to_string();
    c.browser.execute(&format!(
        "sessionStorage.setItem('taskdeck.token.{id}', {})",
        serde_json::to_string(&bound).unwrap()
    ));
}

fn paperless_token(user: &str) -> &'static str {
    taskdeck_demo::paperless::USERS
        .iter()
        .find(|u| u.username == user)
        .unwrap()
        .token
}

fn inventree_token(user: &str) -> &'static str {
    taskdeck_demo::inventree::USERS
        .iter()
        .find(|u| u.username == user)
        .unwrap()
        .token
}

fn wait_for_cards(c: &Console) {
    c.browser.wait_until(
        "document.querySelectorAll('[data-testid=server-card]').length === 4",
        LONG,
        "the demo's servers",
    );
}

fn set_theme(c: &Console, theme: &str) {
    c.browser.execute(&format!(
        "localStorage.setItem('taskdeck.theme', '{theme}')"
    ));
}

/// Wide and narrow, light and dark.
fn shoot(c: &Console, path: &str, name: &str, ready: &str) {
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
        c.browser
            .screenshot(&format!("findings-{name}-{width}-{theme}"));
    }
    set_theme(c, "light");
    c.browser.resize(1280, 900);
}

fn state_of(c: &Console, css: &str) -> String {
    c.browser
        .execute(&format!(
            "return document.querySelector({})?.textContent ?? ''",
            serde_json::to_string(css).unwrap()
        ))
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Item 1: 2.20.15 answers a classifier run with `{"result": null}`; the
/// console reads the run's row and says how it ended.
#[test]
fn a_2x_classifier_run_answered_with_null_says_how_it_ended() {
    let c = Console::open(&format!("/health/{PAPERLESS2}"));
    let button = "[data-check=Classifier] [data-testid=run-task]";
    c.browser.wait_for(button, LONG);
    c.browser.click_css(button);
    let run = "[data-check=Classifier] [data-testid=run-state]";
    c.browser.wait_until(
        &format!("(t => t.length > 0 && !t.startsWith('Asking') && !t.startsWith('Requested'))(document.querySelector('{run}').textContent)"),
        LONG,
        "the run's outcome",
    );
    let said = state_of(&c, run);
    assert_eq!(said, "Success: No automatic matching items, not training");
    c.browser.screenshot("findings-2x-classifier-null");
    // Index optimization records no row: done, without a result, not an error.
    c.browser
        .click_css("[data-check='Search index'] [data-testid=run-task]");
    c.browser.wait_until(
        "document.querySelector(\"[data-check='Search index'] [data-testid=run-state]\").textContent.startsWith('Done')",
        LONG,
        "the index run",
    );
    assert!(
        c.browser
            .find_all("[data-check='Search index'] .run-bad")
            .is_empty()
    );
}

/// Item 2: the unreachable account's `mail_fetch` task succeeds (as on a
/// real server); the mail log's refusal is shown with it.
#[test]
fn a_fetch_of_an_unreachable_mailbox_shows_the_mail_logs_error() {
    let c = Console::open(&format!("/paperless/{PAPERLESS3}/mail"));
    let account = "[data-testid=mail-accounts] [data-account='2']";
    c.browser.wait_for(account, LONG);
    c.browser
        .click_css(&format!("{account} [data-testid=fetch-mail]"));
    let state = format!("{account} [data-testid=fetch-state]");
    c.browser.wait_until(
        &format!(
            "document.querySelector(\"{state}\").textContent.includes('could not be reached')"
        ),
        LONG,
        "the mailbox error",
    );
    let said = state_of(&c, &state);
    assert!(
        said.starts_with("The task succeeded, but the mailbox could not be reached:")
            && said.contains("[Errno 111] Connection refused"),
        "{said}"
    );
    assert!(
        c.browser.find_all(&format!("{account} .run-bad")).len() == 1,
        "shown as a failure"
    );
    c.browser.screenshot("findings-mail-unreachable");
}

/// Item 3: servers offered without tokens: no request is sent, and each
/// card says only that a token is needed.
#[test]
fn servers_offered_without_tokens_send_nothing_and_need_only_a_token() {
    let c = Console::open_with("/", |config| config.offer_tokens = false);
    c.browser.wait_until(
        "document.querySelectorAll('[data-testid=server-card]').length === 4",
        LONG,
        "the offered servers",
    );
    std::thread::sleep(Duration::from_secs(3));
    let cards = c.text_of(".cards");
    assert_eq!(cards.matches("Token needed").count(), 4, "{cards}");
    assert!(!cards.contains("not accepted"), "{cards}");
    assert!(c.browser.find_all(".cards .banner-error").is_empty());
    let sent: Vec<String> = c
        .demo
        .traffic
        .spans()
        .into_iter()
        .filter(|s| s.method != "OPTIONS")
        .map(|s| format!("{} {}", s.method, s.path))
        .collect();
    assert!(sent.is_empty(), "sent without a token: {sent:?}");
    shoot(&c, "/", "overview-no-tokens", "[data-testid=server-card]");
}

/// Item 4: the LLM index is disabled: no run is offered, and why.
#[test]
fn a_disabled_check_offers_no_run() {
    let c = Console::open(&format!("/health/{PAPERLESS3}"));
    let llm = "[data-check='LLM index']";
    c.browser
        .wait_for(&format!("{llm} [data-testid=run-not-offered]"), LONG);
    assert!(
        c.browser
            .find_all(&format!("{llm} [data-testid=run-task]"))
            .is_empty()
    );
    assert!(
        c.text_of(llm).contains("disabled on this server"),
        "{}",
        c.text_of(llm)
    );
    shoot(
        &c,
        &format!("/health/{PAPERLESS3}"),
        "health-paperless3",
        "[data-check='LLM index']",
    );
}

/// Item 5: API 9 sends no start time: a started task shows its age, not
/// days of "waiting".
#[test]
fn a_2x_running_task_shows_its_age_not_a_wait() {
    let c = Console::open(&format!("/paperless/{PAPERLESS2}/running"));
    c.wait_rows();
    let headers = c.text_of("[data-testid=tasks-table] thead");
    assert!(headers.contains("Age"), "{headers}");
    assert!(
        !headers.contains("Waiting") && !headers.contains("Running"),
        "{headers}"
    );
    let started = c.browser.execute(
        "return [...document.querySelectorAll('tbody tr')].filter(r => r.textContent.includes('Started')).length",
    );
    assert!(started.as_u64().unwrap() > 0, "the demo has started tasks");
    let title = c
        .browser
        .execute("return document.querySelector('tbody tr td.num[title]')?.title ?? ''");
    assert!(
        title
            .as_str()
            .unwrap()
            .contains("does not record when a task started"),
        "{title}"
    );
    // 3.x sends start times: waiting and running, no age.
    c.goto(&format!("/paperless/{PAPERLESS3}/running"));
    c.wait_rows();
    let headers = c.text_of("[data-testid=tasks-table] thead");
    assert!(
        headers.contains("Waiting") && !headers.contains("Age"),
        "{headers}"
    );
    shoot(
        &c,
        &format!("/paperless/{PAPERLESS2}/running"),
        "running-2x",
        "tbody tr[data-task-id]",
    );
}

/// Item 6: a non-staff user is told what each version needs for the
/// status (2.x has no monitoring permission).
#[test]
fn the_status_refusal_is_worded_per_version() {
    let c = Console::open("/");
    wait_for_cards(&c);
    sign_in_as(
        &c,
        PAPERLESS2,
        Flavor::Paperless2,
        paperless_token("taskviewer"),
    );
    sign_in_as(
        &c,
        PAPERLESS3,
        Flavor::Paperless3,
        paperless_token("taskviewer"),
    );
    c.goto(&format!("/health/{PAPERLESS2}"));
    c.browser.reload();
    let two = c.text_of("[data-testid=no-status-permission]");
    assert!(two.contains("staff accounts only"), "{two}");
    assert!(!two.contains("monitoring"), "{two}");
    c.goto(&format!("/health/{PAPERLESS3}"));
    let three = c.text_of("[data-testid=no-status-permission]");
    assert!(
        three.contains("staff accounts") && three.contains("view system monitoring"),
        "{three}"
    );
    shoot(
        &c,
        &format!("/health/{PAPERLESS2}"),
        "health-2x-refused",
        "[data-testid=no-status-permission]",
    );
}

/// Item 7: a 2.x server records no task for a mail fetch: the console
/// says so and watches the mail log, never "waiting" for a task.
#[test]
fn a_2x_mail_fetch_is_followed_in_the_mail_log() {
    let c = Console::open(&format!("/paperless/{PAPERLESS2}/mail"));
    let account = "[data-testid=mail-accounts] [data-account='1']";
    c.browser.wait_for(account, LONG);
    c.browser
        .click_css(&format!("{account} [data-testid=fetch-mail]"));
    let state = format!("{account} [data-testid=fetch-state]");
    let mut seen = Vec::new();
    let started = Instant::now();
    loop {
        let said = state_of(&c, &state);
        if !seen.contains(&said) {
            seen.push(said.clone());
        }
        if said.starts_with("The fetch began") || started.elapsed() > LONG {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        seen.last().unwrap().starts_with("The fetch began"),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .all(|s| !s.contains("has not listed its task") && !s.contains("Started")),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|s| s.contains("records no task")),
        "{seen:?}"
    );
    c.browser.screenshot("findings-2x-mail-fetch");
}

/// Item 8: InvenTree sends times to the minute: "Took" is approximate
/// whole minutes, never seconds it did not send.
#[test]
fn inventree_took_is_approximate_minutes() {
    let c = Console::open(&format!("/inventree/{INVENTREE477}/failed"));
    c.wait_rows();
    let took = c.browser.execute(
        "const i = [...document.querySelectorAll('thead th')].findIndex(t => t.textContent.includes('Took')); \
         return [...document.querySelectorAll('tbody tr')].map(r => r.cells[i].textContent)",
    );
    let took: Vec<String> = took
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(!took.is_empty());
    for t in &took {
        assert!(
            t == "under 1 min" || t == "–" || (t.starts_with("about ") && t.ends_with(" min")),
            "{took:?}"
        );
    }
    assert!(took.iter().any(|t| t.starts_with("about")), "{took:?}");
    shoot(
        &c,
        &format!("/inventree/{INVENTREE477}/failed"),
        "inventree-failed",
        "tbody tr[data-task-id]",
    );
}

/// Item 9: a lock in the past is a task waiting for a worker; one ahead, a
/// task a worker holds until then.
#[test]
fn pending_locks_read_as_waiting_or_taken() {
    let c = Console::open(&format!("/inventree/{INVENTREE477}/pending?size=500"));
    c.wait_rows();
    let locks = c.browser.execute(
        "return [...document.querySelectorAll('[data-testid=lock]')].map(l => l.textContent)",
    );
    let locks: Vec<&str> = locks
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(locks.contains(&"Waiting for a worker"), "{locks:?}");
    assert!(
        locks
            .iter()
            .any(|l| l.starts_with("Taken by a worker until")),
        "the demo's retries are held by a worker: {locks:?}"
    );
    assert!(
        !locks.iter().any(|l| l.starts_with("Locked until")),
        "the browser and the demo both run in UTC here: {locks:?}"
    );
    shoot(
        &c,
        &format!("/inventree/{INVENTREE477}/pending"),
        "inventree-pending",
        "tbody tr[data-task-id]",
    );
}

/// Item 10: an export with one unreadable row says so in the singular.
#[test]
fn an_export_leaving_out_one_row_says_it_in_the_singular() {
    let c = Console::open(&format!("/inventree/{INVENTREE198}/failed"));
    c.wait_rows();
    c.demo.instance(Flavor::InvenTree198).set_fault(
        "/api/background-task/failed/",
        Fault {
            null_in_first_row: Some("pk"),
            only_method: Some("GET"),
            ..Fault::default()
        },
    );
    c.browser.click_css("[data-testid=export-json]");
    c.browser
        .wait_for_toast("(1 row could not be read and was left out)", LONG);
}

/// Item 11: what the account may do decides what is offered.
#[test]
fn actions_the_account_may_not_use_are_disabled_with_the_reason() {
    let c = Console::open("/");
    wait_for_cards(&c);
    // May view tasks and read its permissions, may not change tasks.
    sign_in_as(
        &c,
        PAPERLESS3,
        Flavor::Paperless3,
        paperless_token("auditor"),
    );
    c.goto(&format!("/paperless/{PAPERLESS3}?status=attention"));
    c.browser.reload();
    c.wait_rows();
    let note = c.text_of("[data-testid=action-note]");
    assert!(note.contains("may only view tasks"), "{note}");
    assert_eq!(
        c.browser.execute(
            "return [...document.querySelectorAll('[data-testid=ack-row]')].every(b => b.disabled)"
        ),
        true
    );
    assert_eq!(
        c.browser
            .execute("return document.querySelector('[data-testid=ack-matching]').disabled"),
        true
    );
    c.browser.screenshot("findings-dismiss-refused");
    // May view tasks but not its own permissions: offered, with a warning,
    // and the server's refusal worded.
    sign_in_as(
        &c,
        PAPERLESS3,
        Flavor::Paperless3,
        paperless_token("taskviewer"),
    );
    c.browser.reload();
    let rows = c.wait_rows();
    let note = c.text_of("[data-testid=action-note]");
    assert!(note.contains("may be refused"), "{note}");
    let before = c.demo.instance(Flavor::Paperless3).acknowledged_flags();
    c.browser.click_css(&format!(
        "tr[data-task-id='{}'] [data-testid=ack-row]",
        rows[0]
    ));
    c.browser.click_css("[data-testid=confirm-ok]");
    c.browser.wait_for_toast("Permission denied", LONG);
    let toast = c.text_of("[data-testid=toasts]");
    assert!(toast.contains("change_paperlesstask"), "{toast}");
    assert_eq!(
        c.demo.instance(Flavor::Paperless3).acknowledged_flags(),
        before
    );
    // InvenTree staff who are not superusers get 403 in the Django admin.
    sign_in_as(
        &c,
        INVENTREE477,
        Flavor::InvenTree477,
        inventree_token("staffer"),
    );
    c.goto(&format!("/health/{INVENTREE477}"));
    c.browser.reload();
    let refused = c.text_of("[data-testid=admin-refused]");
    assert!(refused.contains("superusers"), "{refused}");
    assert!(
        !c.text_of("[data-testid=admin-link]")
            .contains("Open the failed tasks")
    );
    shoot(
        &c,
        &format!("/health/{INVENTREE477}"),
        "health-inventree-staff",
        "[data-testid=admin-refused]",
    );
}

/// Item 12: a 2.x server has no task summary: said once, calmly, without
/// a table, a search or a period to pick.
#[test]
fn slow_tasks_on_2x_are_a_calm_note() {
    let c = Console::open(&format!("/paperless/{PAPERLESS2}/slow"));
    let note = c.text_of("[data-testid=no-summary]");
    assert!(note.contains("keeps no per-type task summary"), "{note}");
    for absent in [
        "[data-testid=tasks-table]",
        "[data-search]",
        "[data-testid=summary-days]",
        ".banner-error",
    ] {
        assert!(c.browser.find_all(absent).is_empty(), "{absent}");
    }
    shoot(
        &c,
        &format!("/paperless/{PAPERLESS2}/slow"),
        "slow-2x",
        "[data-testid=no-summary]",
    );
}

/// Item 13: at 1280 px the result and the error get the room.
#[test]
fn the_result_and_error_columns_get_the_room() {
    let c = Console::open(&format!("/paperless/{PAPERLESS3}?status=attention"));
    c.browser.resize(1280, 900);
    c.goto(&format!("/paperless/{PAPERLESS3}?status=attention"));
    c.wait_rows();
    let width = |label: &str| {
        c.browser
            .execute(&format!(
                "return [...document.querySelectorAll('thead th')].find(t => t.textContent.trim().startsWith('{label}'))?.getBoundingClientRect().width ?? 0"
            ))
            .as_f64()
            .unwrap()
    };
    // Both share what the fixed columns leave (99 px each before). Here a
    // duplicate's failure names the document it duplicates, so the
    // Document column stays.
    assert!(width("Result") >= 155.0, "Result: {} px", width("Result"));
    assert!(width("Name") >= 155.0, "Name: {} px", width("Name"));
    assert!(
        width("Result") + width("Name") >= 320.0,
        "Result and Name together: {} px",
        width("Result") + width("Name")
    );
    // A page where no task has a document leaves no empty Document column.
    c.goto(&format!("/paperless/{PAPERLESS3}?status=progress"));
    c.wait_rows();
    let documents = c.browser.execute(
        "return [...document.querySelectorAll('tbody tr')].some(r => r.querySelector('a[href*=\"/documents/\"]'))",
    );
    if documents == false {
        assert_eq!(width("Document"), 0.0, "collapsed");
    }
    c.goto(&format!("/paperless/{PAPERLESS3}/mail?status=all"));
    c.wait_rows();
    assert!(width("Error") >= 200.0, "Error: {} px", width("Error"));
    shoot(
        &c,
        &format!("/paperless/{PAPERLESS3}?status=attention"),
        "paperless-tasks",
        "tbody tr[data-task-id]",
    );
    shoot(
        &c,
        &format!("/paperless/{PAPERLESS3}/mail"),
        "mail",
        "[data-testid=mail-accounts] [data-account]",
    );
}

/// Item 14: a one-line message wraps in the drawer and the copy button
/// covers no text; tracebacks keep their lines and the button is off them.
#[test]
fn drawer_messages_wrap_and_the_copy_button_stays_off_the_text() {
    let c = Console::open(&format!("/paperless/{PAPERLESS3}?status=attention"));
    let rows = c.wait_rows();
    let overlap = "(() => { const out = []; for (const b of document.querySelectorAll('.code-block')) { \
        const pre = b.querySelector('pre').getBoundingClientRect(); const btn = b.querySelector('button').getBoundingClientRect(); \
        out.push(!(btn.bottom <= pre.top || btn.top >= pre.bottom || btn.right <= pre.left || btn.left >= pre.right)); } return out; })()";
    let mut checked = false;
    for id in rows.iter().take(20) {
        c.goto(&format!(
            "/paperless/{PAPERLESS3}?status=attention&task={id}"
        ));
        c.browser.wait_for("[data-testid=detail-drawer] dl", LONG);
        // The Result field: a failure's one-line message.
        let wraps = c.browser.execute(
            "const dt = [...document.querySelectorAll('.detail-list dt')].find(d => d.textContent === 'Result'); \
             const pre = dt?.nextElementSibling.querySelector('.code-wrap pre'); \
             return pre ? pre.scrollWidth <= pre.clientWidth + 1 : null",
        );
        if wraps.is_null() {
            continue;
        }
        assert_eq!(wraps, true, "task {id}: the message scrolls sideways");
        let overlaps = c.browser.execute(&format!("return {overlap}"));
        assert!(
            overlaps.as_array().unwrap().iter().all(|o| o == false),
            "task {id}: {overlaps}"
        );
        checked = true;
        c.browser.screenshot("findings-drawer-message");
        break;
    }
    assert!(checked, "a failed task with a one-line result");
    let failed = format!("/inventree/{INVENTREE477}/failed");
    c.goto(&failed);
    let rows = c.wait_rows();
    c.goto(&format!("{failed}?task={}", rows[0]));
    c.browser.wait_for("[data-testid=detail-drawer] pre", LONG);
    let overlaps = c.browser.execute(&format!("return {overlap}"));
    assert!(
        overlaps.as_array().unwrap().iter().all(|o| o == false),
        "{overlaps}"
    );
    shoot(
        &c,
        &format!("{failed}?task={}", rows[0]),
        "drawer-traceback",
        "[data-testid=detail-drawer] pre",
    );
}

/// Item 15: a long dotted name loses its module first; the function stays
/// whole. An overdue schedule says how late first.
#[test]
fn dotted_names_keep_the_function_and_warnings_lead_with_the_lateness() {
    let c = Console::open(&format!("/inventree/{INVENTREE477}/pending?size=500"));
    c.browser.resize(1280, 900);
    c.wait_rows();
    let cut = "[...document.querySelectorAll('.path-name')].filter(n => n.scrollWidth > n.clientWidth + 1 && n.textContent.length < 40).map(n => n.textContent)";
    let names = c.browser.execute(&format!("return {cut}"));
    assert_eq!(names, serde_json::json!([]), "function names cut");
    let long = c.browser.execute(
        "return [...document.querySelectorAll('.path-name')].some(n => n.textContent === 'notify_low_stock_if_required')",
    );
    assert_eq!(long, true);
    c.goto(&format!("/inventree/{INVENTREE477}/warnings"));
    c.browser.wait_until(
        "document.querySelector(\"tr[data-task-id='2']\")?.textContent.includes('late')",
        LONG,
        "the overdue schedule",
    );
    let warning = c.browser.execute(
        "return document.querySelector(\"tr[data-task-id='2'] .warning-text\").textContent",
    );
    let warning = warning.as_str().unwrap();
    assert!(
        warning.contains(" late: due ") && !warning.starts_with("Overdue"),
        "{warning}"
    );
    shoot(
        &c,
        &format!("/inventree/{INVENTREE477}/warnings"),
        "inventree-warnings",
        "tr[data-task-id='2']",
    );
}

/// Item 16: a stopped worker reads the same on 2.x and 3.x, as what stops
/// every task.
#[test]
fn a_stopped_worker_reads_the_same_on_both_versions() {
    let c = Console::open_with("/", |config| config.worker_running = false);
    c.browser.wait_until(
        "document.querySelectorAll('[data-kind=paperless] [data-testid=health-chip]').length === 2",
        LONG,
        "both Paperless cards' health",
    );
    let chips = c.browser.execute(
        "return [...document.querySelectorAll('[data-kind=paperless] [data-testid=health-chip]')].map(c => c.textContent)",
    );
    for chip in chips.as_array().unwrap() {
        let chip = chip.as_str().unwrap();
        assert!(
            chip.starts_with("Health: ") && chip.ends_with(" in error"),
            "one wording for both: {chips}"
        );
    }
    let workers = c.browser.execute(
        "return [...document.querySelectorAll('[data-kind=paperless] [data-testid=worker-status]')].map(c => c.textContent)",
    );
    assert_eq!(
        workers,
        serde_json::json!([
            "No worker answers: no task runs",
            "No worker answers: no task runs"
        ])
    );
    c.goto(&format!("/health/{PAPERLESS3}"));
    let banner = c.text_of("[data-testid=worker-down]");
    assert!(banner.contains("no task runs"), "{banner}");
    assert!(
        c.text_of("[data-check='Celery worker']")
            .starts_with("Error"),
        "{}",
        c.text_of("[data-check='Celery worker']")
    );
    shoot(
        &c,
        "/",
        "overview-worker-stopped",
        "[data-testid=health-chip]",
    );
    shoot(
        &c,
        &format!("/health/{PAPERLESS2}"),
        "health-2x-worker-stopped",
        "[data-testid=worker-down]",
    );
}

/// How often each Paperless demo server was asked for its status.
fn status_calls(c: &Console) -> Vec<usize> {
    let spans = c.demo.traffic.spans();
    [0, 2]
        .into_iter()
        .map(|i| {
            spans
                .iter()
                .filter(|s| s.instance == i && s.method == "GET" && s.path == "/api/status/")
                .count()
        })
        .collect()
}

/// Item 17: the overview refreshing every 5 s asks each server for its
/// status at most once a minute; the Health screen asks every time.
#[test]
fn the_status_is_asked_at_most_once_a_minute_unless_health_is_open() {
    let c = Console::open_with("/", |config| config.worker_running = false);
    c.browser
        .execute("localStorage.setItem('taskdeck.refresh', '5')");
    c.browser.reload();
    wait_for_cards(&c);
    c.browser.wait_until(
        "document.querySelectorAll('[data-testid=health-chip]').length === 2",
        LONG,
        "the health chips",
    );
    c.demo.traffic.reset();
    // Refreshes at 5, 10, 15, 20 and 25 s (and the inbox's poll).
    std::thread::sleep(Duration::from_secs(26));
    assert_eq!(status_calls(&c), [0, 0], "within the minute: none again");
    let log = c
        .demo
        .instance(Flavor::Paperless2)
        .paperless()
        .lock()
        .unwrap()
        .server_log
        .len();
    assert!(
        log <= 12,
        "two status calls at most wrote tracebacks: {log} lines"
    );
    c.goto(&format!("/health/{PAPERLESS3}"));
    c.browser.wait_for("[data-check='Celery worker']", LONG);
    c.browser.click_css("[data-testid=refresh-now]");
    c.browser.wait_until(
        "document.querySelector('[data-testid=health-checks] li') !== null",
        LONG,
        "the checks",
    );
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        status_calls(&c)[0] >= 2,
        "Health asks: {:?}",
        status_calls(&c)
    );
}

/// Item 18: small things.
#[test]
fn slow_task_headers_fit_and_accounts_show_their_port() {
    let c = Console::open(&format!("/paperless/{PAPERLESS3}/slow"));
    c.browser.resize(1280, 900);
    c.goto(&format!("/paperless/{PAPERLESS3}/slow"));
    c.wait_rows();
    let clipped = c.browser.execute(
        "return [...document.querySelectorAll('thead th')].filter(th => th.scrollWidth > th.clientWidth + 1).map(th => th.textContent)",
    );
    assert_eq!(clipped, serde_json::json!([]), "headers clipped");
    shoot(
        &c,
        &format!("/paperless/{PAPERLESS3}/slow"),
        "slow-3x",
        "tbody tr[data-task-id]",
    );
    // Mail accounts with their port.
    c.goto(&format!("/paperless/{PAPERLESS3}/mail"));
    let address = c.text_of("[data-account='1'] [data-testid=account-address]");
    assert!(address.contains("imap.example.org:993"), "{address}");
    // A failed mail fetch offers to fetch its account by name.
    let (id, _) = c
        .demo
        .instance(Flavor::Paperless3)
        .tasks_of("mail_fetch", "failure")
        .into_iter()
        .next()
        .unwrap();
    c.goto(&format!("/paperless/{PAPERLESS3}?task={id}"));
    c.browser.wait_until(
        "document.querySelector('[data-testid=fetch-mail]')?.textContent.includes('“')",
        LONG,
        "the account's name on the button",
    );
    let label = c.text_of("[data-testid=fetch-mail]");
    assert!(
        !label.contains("account 1") && !label.contains("#"),
        "{label}"
    );
}

/// Item 18: the inbox has no empty selection gutter, and opening it is
/// seeing it: the navigation's count clears, and what it showed is no
/// longer new.
#[test]
fn opening_the_inbox_clears_what_is_new() {
    let c = Console::open_with("/", |config| config.worker_running = false);
    c.browser.wait_until(
        "document.querySelector('[data-testid=nav-attention] .count')?.textContent > 0",
        LONG,
        "the count of new items",
    );
    c.goto("/attention?size=500");
    c.wait_rows();
    assert!(
        c.browser
            .find_all("[data-testid=tasks-table] .col-check")
            .is_empty()
    );
    assert!(
        !c.browser.find_all("tbody .badge-new").is_empty(),
        "what was new is marked this time"
    );
    c.browser.wait_until(
        "!document.querySelector('[data-testid=nav-attention] .count')",
        SHORT,
        "the navigation's count to clear",
    );
    shoot(
        &c,
        "/attention?size=50",
        "attention",
        "tbody tr[data-task-id]",
    );
    c.goto("/attention?size=500");
    c.browser.reload();
    c.wait_rows();
    assert!(
        c.browser.find_all("tbody .badge-new").is_empty(),
        "seen since"
    );
    // Nothing new: no column kept empty for the marks either.
    let first = c
        .browser
        .execute("return document.querySelector('[data-testid=tasks-table] thead th').textContent");
    assert!(first.as_str().unwrap().starts_with("When"), "{first}");
    let rows = c.browser.execute(&format!("return {ROW_IDS}.length"));
    assert!(rows.as_u64().unwrap() > 0);
}

/// Item 19: the demo, as DEPLOY.md's snippets, forbids framing the site.
#[test]
fn the_site_may_not_be_framed() {
    let c = Console::open("/");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for path in ["/", "/index.html", "/taskdeck.json"] {
        let response = agent.get(&format!("{}{path}", c.ui)).call().unwrap();
        assert_eq!(
            response
                .headers()
                .get("content-security-policy")
                .and_then(|v| v.to_str().ok()),
            Some("frame-ancestors 'none'"),
            "{path}"
        );
    }
}

/// Screens changed for this issue and not shot above.
#[test]
fn changed_screens_wide_and_narrow_light_and_dark() {
    let c = Console::open("/");
    shoot(
        &c,
        "/connections",
        "connections",
        "[data-testid=connection]",
    );
    shoot(
        &c,
        &format!("/health/{PAPERLESS2}"),
        "health-paperless2",
        "[data-check=Classifier]",
    );
    shoot(
        &c,
        &format!("/inventree/{INVENTREE198}/scheduled"),
        "inventree-scheduled",
        "tbody tr[data-task-id]",
    );
    shoot(&c, "/", "overview", "[data-testid=health-chip]");
}
