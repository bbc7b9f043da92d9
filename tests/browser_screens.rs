//! Browser tests of the screens as an admin meets them: every table and
//! the drawer fit a 1280 px window, connections that do not work are
//! marked, a server of the other kind is named, and "all matching" says
//! how many are still running. Screenshots at 1280 and 1024 px, light and
//! dark, land in target/screenshots/.

mod support;

use support::console::{Console, INVENTREE198, INVENTREE477, LONG, PAPERLESS2, PAPERLESS3, SHORT};
use taskdeck_demo::Flavor;

/// Nothing on the page is wider than the window, and no table scrolls
/// sideways.
const NO_OVERFLOW: &str = "(() => { \
    const page = document.documentElement.scrollWidth <= window.innerWidth; \
    const tables = [...document.querySelectorAll('.table-wrap')].every(w => w.scrollWidth <= w.clientWidth + 1); \
    return page && tables; })()";

fn set_theme(c: &Console, theme: &str) {
    c.browser.execute(&format!(
        "localStorage.setItem('taskdeck.theme', '{theme}')"
    ));
}

#[test]
fn every_table_and_the_drawer_fit_1280_pixels() {
    let c = Console::open("/");
    c.browser.resize(1280, 800);
    let screens = [
        (format!("/paperless/{PAPERLESS3}"), "paperless3"),
        (format!("/paperless/{PAPERLESS2}"), "paperless2"),
        (
            format!("/inventree/{INVENTREE477}/pending"),
            "inventree-pending",
        ),
        (
            format!("/inventree/{INVENTREE477}/failed"),
            "inventree-failed",
        ),
        (
            format!("/inventree/{INVENTREE477}/scheduled"),
            "inventree-scheduled",
        ),
        (
            format!("/inventree/{INVENTREE198}/failed"),
            "inventree198-failed",
        ),
        (format!("/paperless/{PAPERLESS3}/mail"), "paperless-mail"),
        (
            format!("/paperless/{PAPERLESS3}/running"),
            "paperless-running",
        ),
        (format!("/paperless/{PAPERLESS3}/slow"), "paperless-slow"),
        (
            format!("/inventree/{INVENTREE477}/warnings"),
            "inventree-warnings",
        ),
        (
            format!("/inventree/{INVENTREE477}/errors"),
            "inventree-errors",
        ),
    ];
    for (theme, width) in [("light", 1280), ("dark", 1024)] {
        set_theme(&c, theme);
        c.browser.resize(width, 800);
        for (path, name) in &screens {
            c.goto(path);
            c.wait_rows();
            if width == 1280 {
                assert_eq!(
                    c.browser.execute(&format!("return {NO_OVERFLOW}")),
                    true,
                    "{name} overflows at 1280 px"
                );
            }
            c.browser.screenshot(&format!("{name}-{width}-{theme}"));
        }
    }
    // The drawer with a long traceback: lines stay whole, the block scrolls.
    set_theme(&c, "light");
    c.browser.resize(1280, 800);
    c.goto(&format!("/inventree/{INVENTREE477}/failed"));
    let rows = c.wait_rows();
    c.browser.click_css(&format!(
        "tr[data-task-id='{}'] [data-testid=open-task]",
        rows[0]
    ));
    c.browser.wait_for("[data-testid=detail-drawer] pre", SHORT);
    let drawer_fits = c.browser.execute(
        "const d = document.querySelector('[data-testid=detail-drawer]'); \
         const pre = d.querySelector('pre'); \
         return d.scrollWidth <= d.clientWidth + 1 && getComputedStyle(pre).whiteSpace === 'pre'",
    );
    assert_eq!(drawer_fits, true);
    assert_eq!(c.browser.execute(&format!("return {NO_OVERFLOW}")), true);
    // Pickled arguments read as Python, like the pending queue's.
    let drawer = c.text_of("[data-testid=detail-drawer]");
    let args = drawer.split("Args").nth(1).unwrap_or_default();
    assert!(
        !args.contains("gAW") && !args.contains("gAU"),
        "still base64: {args}"
    );
    let row_args = c.browser.execute(&format!(
        "return document.querySelector(\"tr[data-task-id='{}']\").cells[2].textContent",
        rows[0]
    ));
    assert!(!row_args.as_str().unwrap().starts_with("gA"), "{row_args}");
    c.browser.screenshot("inventree-failed-drawer-1280-light");
}

#[test]
fn a_connection_saved_despite_a_failed_test_is_marked() {
    let c = Console::open("/connections");
    let form = "[data-testid=connection-form]";
    c.browser.wait_for(&format!("{form} input[name=url]"), LONG);
    let url = c.demo.instance(Flavor::Paperless3).url();
    c.browser.type_text(
        &c.browser
            .wait_for(&format!("{form} input[name=name]"), SHORT),
        "Broken",
    );
    c.browser.type_text(
        &c.browser
            .wait_for(&format!("{form} input[name=url]"), SHORT),
        &url,
    );
    c.browser.type_text(
        &c.browser
            .wait_for(&format!("{form} input[name=token]"), SHORT),
        "not-a-real-token",
    );
    c.browser.click_css("[data-testid=save-connection]");
    c.browser.wait_for("[data-testid=save-anyway]", LONG);
    let status = c.text_of("[data-testid=connection-status]");
    assert!(status.contains("token was not accepted"), "{status}");
    // Not saved until the user says so.
    assert_eq!(
        c.browser
            .execute("return document.querySelectorAll('[data-testid=connection]').length"),
        4
    );
    c.browser.click_css("[data-testid=save-anyway]");
    c.browser
        .wait_for("[data-testid=connection-not-working]", LONG);
    c.browser.wait_for("[data-testid=nav-not-working]", SHORT);
    c.browser.screenshot("connections-not-working");
}

#[test]
fn a_server_of_the_other_kind_is_named() {
    let c = Console::open("/connections");
    let form = "[data-testid=connection-form]";
    c.browser.wait_for(&format!("{form} input[name=url]"), LONG);
    // A Paperless connection pointed at InvenTree.
    let inventree = c.demo.instance(Flavor::InvenTree477).url();
    c.browser.type_text(
        &c.browser
            .wait_for(&format!("{form} input[name=url]"), SHORT),
        &inventree,
    );
    c.browser.type_text(
        &c.browser
            .wait_for(&format!("{form} input[name=token]"), SHORT),
        "whatever",
    );
    c.browser.click_css("[data-testid=test-connection]");
    c.browser.wait_until(
        "document.querySelector('[data-testid=connection-status]').textContent.includes('This address is an InvenTree server')",
        LONG,
        "InvenTree named",
    );
    // An InvenTree connection pointed at Paperless.
    c.browser
        .click_css(&format!("{form} input[value=inventree]"));
    let placeholder = c.browser.execute(&format!(
        "return document.querySelector('{form} input[name=url]').placeholder"
    ));
    assert_eq!(placeholder, "https://inventree.example.org");
    let paperless = c.demo.instance(Flavor::Paperless3).url();
    c.browser.execute(&format!(
        "const i = document.querySelector('{form} input[name=url]'); i.value = ''; i.dispatchEvent(new Event('input'))"
    ));
    c.browser.type_text(
        &c.browser
            .wait_for(&format!("{form} input[name=url]"), SHORT),
        &paperless,
    );
    c.browser.click_css("[data-testid=test-connection]");
    c.browser.wait_until(
        "document.querySelector('[data-testid=connection-status]').textContent.includes('This address is a Paperless-ngx server')",
        LONG,
        "Paperless named",
    );
    c.browser.screenshot("connections-wrong-kind");
}

#[test]
fn all_matching_says_how_many_are_still_running() {
    let c = Console::open(&format!("/paperless/{PAPERLESS3}"));
    c.wait_rows();
    c.browser.click_css("[data-testid=ack-matching]");
    let running = c.text_of("[data-testid=still-running]");
    assert!(running.contains("still running"), "{running}");
    let before = c.text_of("#confirm-title");
    c.browser.screenshot("paperless-all-matching-running");
    c.browser.click_css("[data-testid=leave-out-running]");
    c.browser.wait_until(
        &format!(
            "document.querySelector('#confirm-title').textContent !== {}",
            serde_json::to_string(&before).unwrap()
        ),
        SHORT,
        "the count without the running tasks",
    );
    let paperless = c.demo.instance(Flavor::Paperless3);
    let finished: usize = ["success", "failure", "revoked"]
        .iter()
        .map(|s| paperless.open_task_ids(s).len())
        .sum();
    assert_eq!(
        c.text_of("#confirm-title"),
        format!("Dismiss {finished} tasks?")
    );
}

/// Ctrl+K reaches every server and list and the current screen's actions;
/// `?` lists the keys. No mouse.
#[test]
fn the_command_palette_goes_anywhere_and_runs_this_screens_actions() {
    let c = Console::open("/");
    c.browser.wait_for("[data-testid=nav-attention]", LONG);
    palette(&c, "0.16 failed", "InvenTree 0.16 (demo): Failed");
    c.browser.screenshot("palette");
    c.browser.press_keys("\u{E007}");
    c.wait_rows();
    assert!(
        c.browser
            .current_url()
            .ends_with(&format!("/inventree/{INVENTREE198}/failed"))
    );
    // This screen's actions are offered, and run.
    palette(&c, "theme", "Switch light / dark theme");
    c.browser.press_keys("\u{E007}");
    c.browser.wait_until(
        "document.documentElement.dataset.theme === 'dark' || document.documentElement.classList.contains('dark') || getComputedStyle(document.documentElement).colorScheme.includes('dark')",
        SHORT,
        "the theme to switch",
    );
    palette(&c, "export csv", "Export CSV");
    c.browser.press_keys("\u{E00C}");
    c.browser.wait_until(
        "!document.querySelector('[data-testid=palette]')",
        SHORT,
        "Esc to close",
    );
    c.browser.press_keys("?");
    c.browser.wait_for("[data-testid=keys-help]", SHORT);
    assert!(c.text_of("[data-testid=keys-help]").contains("Ctrl+K"));
    c.browser.screenshot("keys-help");
}

/// Opens the palette, types, and waits for `first` to be the chosen command.
fn palette(c: &Console, typed: &str, first: &str) {
    c.browser.press_with_control('k');
    c.browser.wait_for("[data-testid=palette] input", SHORT);
    c.browser.press_keys(typed);
    c.browser.wait_until(
        &format!(
            "document.querySelector('[data-testid=palette] [aria-selected=true]')?.textContent.includes('{first}')"
        ),
        SHORT,
        first,
    );
}

/// Pickled arguments are searchable: the whole failed queue is matched
/// here on the readable text, and only matching rows are listed.
#[test]
fn failed_tasks_are_found_by_their_readable_arguments() {
    let c = Console::open(&format!(
        "/inventree/{INVENTREE477}/failed?args=1%2C%202%2C%203"
    ));
    c.wait_rows();
    let cells = c.browser.execute(
        "return [...document.querySelectorAll('tbody tr')].map(r => r.cells[2].textContent)",
    );
    let cells = cells.as_array().unwrap();
    assert!(!cells.is_empty());
    assert!(
        cells
            .iter()
            .all(|t| t.as_str().unwrap().contains("(1, 2, 3)")),
        "{cells:?}"
    );
    let summary = c.text_of(".pager");
    assert!(!summary.contains("of 260"), "filtered: {summary}");
}

/// Arguments as the demo's InvenTree 1.3 stores them: a Django model
/// instance reads short in its cell and in full, laid out across lines,
/// in the details (the copy button above the text, not over it); a task
/// whose arguments are a JSON number and null (not pickles) is a row like
/// any other; a pickle that would call os.system is marked, not run.
#[test]
fn failed_tasks_arguments_read_short_in_the_table_and_laid_out_in_the_details() {
    let c = Console::open(&format!("/inventree/{INVENTREE477}/failed?size=50"));
    c.wait_rows();
    let cells = c.browser.execute(
        "return [...document.querySelectorAll('tbody tr')].map(r => [r.dataset.taskId, r.cells[2].textContent])",
    );
    let cells: Vec<(String, String)> = serde_json::from_value(cells).unwrap();
    let with = |needle: &str| {
        cells
            .iter()
            .find(|(_, text)| text.contains(needle))
            .unwrap_or_else(|| panic!("no row shows {needle}: {cells:?}"))
            .0
            .clone()
    };
    let part = with("(<Part pk=12 name='M3 screw' IPN='SCR-003'>,) {'amount': Decimal('12.50')");
    with(
        "(datetime.date(2026, 12, 1),) {'due': datetime.datetime(2026, 12, 3, 9, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/Berlin'))",
    );
    with("12 None");
    with("datetime.datetime(2026, 12, 3, 9, 0, tzinfo=datetime.timezone.utc) 2.5");
    let marked = with("calls code");
    assert!(
        cells.iter().all(|(_, text)| !text.contains("gA")),
        "every row read: {cells:?}"
    );

    c.browser.click_css(&format!(
        "tr[data-task-id='{part}'] [data-testid=open-task]"
    ));
    c.browser
        .wait_for("[data-testid=detail-drawer] pre.laid-out", SHORT);
    let layout = c.browser.execute(
        "const pre = document.querySelector('[data-testid=detail-drawer] pre.laid-out'); \
         const button = pre.parentElement.querySelector('button'); \
         return [pre.textContent, button.getBoundingClientRect().bottom <= pre.getBoundingClientRect().top]",
    );
    let args = layout[0].as_str().unwrap();
    assert!(args.lines().count() > 10, "laid out: {args}");
    assert!(args.contains("\n     id=12,"), "{args}");
    assert!(args.lines().all(|l| l.chars().count() <= 60), "{args}");
    assert_eq!(layout[1], true, "the copy button is above the text");
    c.browser.click_css("[data-testid=drawer-close]");

    c.browser.click_css(&format!(
        "tr[data-task-id='{marked}'] [data-testid=open-task]"
    ));
    c.browser
        .wait_for("[data-testid=detail-drawer] pre.laid-out", SHORT);
    let drawer = c.text_of("[data-testid=detail-drawer]");
    assert!(
        drawer.contains("(posix.system('echo never run'),)"),
        "{drawer}"
    );
    assert!(
        drawer.contains("Loading these arguments in Python would call posix.system"),
        "{drawer}"
    );
}
