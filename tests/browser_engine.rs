//! Work in flight survives whatever the user does: each kind of work (an
//! acknowledge, a delete, an allow re-import, a system-task run, a mail
//! fetch, an export) is started, the screen is left while it runs (a
//! sidebar link, the command palette, Back), and the test checks that the
//! console did not panic, that the outcome was still reported, that the
//! backend changed exactly the chosen rows, and that a run can be started
//! again. Then a seeded random walk through every screen, with the demo
//! adding latency and errors, checks the same after every step.

mod support;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use support::changed_ids;
use support::console::{Console, INVENTREE477, LONG, PAPERLESS3, SHORT};
use taskdeck_demo::{Fault, Flavor, Instance};

/// Fails on a panic of the console: its message in the browser's log, or
/// the banner the panic hook shows. `log` keeps what was read so far (the
/// browser hands each log line out once).
fn assert_no_panic(c: &Console, log: &mut Vec<String>, context: &str) {
    log.extend(c.browser.console_log());
    let bad: Vec<&String> = log
        .iter()
        .filter(|l| {
            l.contains("panicked")
                || l.contains("RuntimeError")
                || l.contains("already been disposed")
        })
        .collect();
    assert!(bad.is_empty(), "the console panicked: {bad:#?}\n{context}");
    assert_eq!(
        c.browser
            .execute("return document.getElementById('panic-banner') === null"),
        true,
        "the panic banner is shown\n{context}"
    );
}

fn leave_by_sidebar(c: &Console) {
    c.browser.click_css("a[href='#/']");
}

fn leave_by_palette(c: &Console) {
    c.browser.press_with_control('k');
    c.browser.wait_for("[data-testid=palette] input", SHORT);
    c.browser.press_keys("Attention inbox");
    c.browser.wait_until(
        "document.querySelector('[data-testid=palette] [aria-selected=true]')?.textContent.includes('Attention')",
        SHORT,
        "the palette offering the inbox",
    );
    c.browser.press_keys("\u{E007}");
}

fn leave_by_back(c: &Console) {
    c.browser.execute("history.back(); return null");
}

/// A slow answer to `method` requests under `path`, so the work is still
/// in flight when the screen is left.
fn slow(instance: &Instance, path: &str, method: &'static str) {
    instance.set_fault(
        path,
        Fault {
            latency: Duration::from_millis(2500),
            only_method: Some(method),
            ..Fault::default()
        },
    );
}

#[test]
fn an_acknowledge_still_reports_and_changes_only_the_chosen_after_the_screen_is_left() {
    let c = Console::open("/");
    let mut log = Vec::new();
    c.goto(&format!("/#/paperless/{PAPERLESS3}"));
    let rows = c.wait_rows();
    let chosen = [rows[0].clone(), rows[1].clone()];
    c.check_rows(&chosen);
    let paperless = c.demo.instance(Flavor::Paperless3);
    slow(paperless, "/api/tasks/acknowledge/", "POST");
    let before = paperless.acknowledged_flags();
    c.browser.click_css("[data-testid=ack-selected]");
    c.browser.click_css("[data-testid=confirm-ok]");
    leave_by_sidebar(&c);
    c.browser.wait_for("[data-testid=server-card]", LONG);
    c.browser.wait_for_toast("Acknowledged 2 tasks", LONG);
    assert_eq!(
        changed_ids(&before, &paperless.acknowledged_flags()),
        chosen.iter().cloned().collect()
    );
    assert_no_panic(&c, &mut log, "after the acknowledge");
}

#[test]
fn a_delete_still_reports_and_changes_only_the_chosen_after_the_screen_is_left() {
    let c = Console::open(&format!("/inventree/{INVENTREE477}/failed"));
    let mut log = Vec::new();
    let rows = c.wait_rows();
    let chosen = [rows[0].clone()];
    c.check_rows(&chosen);
    let inventree = c.demo.instance(Flavor::InvenTree477);
    slow(inventree, "/api/background-task/failed/", "DELETE");
    let before = inventree.failed_pks();
    c.browser.click_css("[data-testid=delete-selected]");
    c.browser.click_css("[data-testid=confirm-ok]");
    leave_by_palette(&c);
    c.browser.wait_for_toast("Deleted 1 task", LONG);
    let removed: HashSet<String> = before
        .difference(&inventree.failed_pks())
        .cloned()
        .collect();
    assert_eq!(removed, chosen.iter().cloned().collect());
    assert_no_panic(&c, &mut log, "after the delete");
}

#[test]
fn an_allow_reimport_still_reports_and_fetches_again_after_the_screen_is_left() {
    let c = Console::open("/");
    let mut log = Vec::new();
    c.goto(&format!("/#/paperless/{PAPERLESS3}/mail"));
    let rows = c.wait_rows();
    let paperless = c.demo.instance(Flavor::Paperless3);
    let before: HashSet<String> = paperless
        .processed_mail()
        .iter()
        .map(|(id, _)| id.to_string())
        .collect();
    c.check_rows(&rows[..1]);
    slow(paperless, "/api/processed_mail/bulk_delete/", "POST");
    c.browser.click_css("[data-testid=reimport-selected]");
    c.browser.click_css("[data-testid=confirm-ok]");
    leave_by_back(&c);
    c.browser.wait_for_toast("Released 1 mail message", LONG);
    let after: HashSet<String> = paperless
        .processed_mail()
        .iter()
        .map(|(id, _)| id.to_string())
        .collect();
    let released: HashSet<String> = before.difference(&after).cloned().collect();
    assert_eq!(released, HashSet::from([rows[0].clone()]));
    // The follow-up, from the app: the released mail's account is fetched.
    let started = std::time::Instant::now();
    while paperless.manual_mail_fetches().is_empty() {
        assert!(
            started.elapsed() < LONG,
            "the account was not fetched again"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_no_panic(&c, &mut log, "after the allow re-import");
}

/// A failed row the console cannot read whole, whose key it can read: it
/// can be chosen and deleted by that key like any other, and the attention
/// inbox counts it instead of leaving it out.
#[test]
fn an_unreadable_row_with_a_readable_key_can_be_deleted_and_the_inbox_counts_it() {
    let c = Console::open(&format!("/inventree/{INVENTREE477}/failed"));
    let mut log = Vec::new();
    c.wait_rows();
    let inventree = c.demo.instance(Flavor::InvenTree477);
    inventree.set_fault(
        "/api/background-task/failed/",
        Fault {
            null_in_first_row: Some("attempt_count"),
            only_method: Some("GET"),
            ..Fault::default()
        },
    );
    c.browser.click_css("[data-testid=refresh-now]");
    c.browser.wait_for("[data-testid=unreadable-row]", LONG);
    let key = c
        .browser
        .execute("return document.querySelector('[data-testid=unreadable-row]').closest('tr').dataset.taskId")
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        inventree.failed_pks().contains(&key),
        "the row's own pk: {key}"
    );
    let before = inventree.failed_pks();
    c.check_rows(std::slice::from_ref(&key));
    c.browser.click_css("[data-testid=delete-selected]");
    c.browser.click_css("[data-testid=confirm-ok]");
    c.browser.wait_for_toast("Deleted 1 task", LONG);
    let removed: HashSet<String> = before
        .difference(&inventree.failed_pks())
        .cloned()
        .collect();
    assert_eq!(removed, HashSet::from([key]));
    // The next first row is unreadable too now: the inbox says so.
    c.goto("/#/attention");
    c.browser.wait_until(
        "[...document.querySelectorAll('[data-testid=tasks-table] tbody tr')].some(r => r.textContent.includes('1 failed task could not be read'))",
        LONG,
        "the inbox counting the unreadable failed task",
    );
    assert_no_panic(&c, &mut log, "after the unreadable row");
}

const SANITY: &str = "[data-check='Sanity check']";

#[test]
fn a_system_task_run_is_followed_while_the_user_is_elsewhere_and_can_run_again() {
    let c = Console::open(&format!("/health/{PAPERLESS3}"));
    let mut log = Vec::new();
    let paperless = c.demo.instance(Flavor::Paperless3);
    let runs = || {
        paperless.tasks_of("sanity_check", "pending").len()
            + paperless.tasks_of("sanity_check", "started").len()
            + paperless.tasks_of("sanity_check", "failure").len()
            + paperless.tasks_of("sanity_check", "success").len()
    };
    let before = runs();
    c.browser
        .wait_for(&format!("{SANITY} [data-testid=run-task]"), LONG);
    c.browser
        .click_css(&format!("{SANITY} [data-testid=run-task]"));
    leave_by_sidebar(&c);
    c.browser.wait_for("[data-testid=server-card]", LONG);
    // The demo's worker ends it three seconds later; meanwhile elsewhere.
    std::thread::sleep(Duration::from_secs(4));
    assert_no_panic(&c, &mut log, "after the run ended elsewhere");
    c.goto(&format!("/#/health/{PAPERLESS3}"));
    c.browser.wait_until(
        &format!("document.querySelector(\"{SANITY} [data-testid=run-state]\")?.textContent.startsWith('Failure')"),
        LONG,
        "the run's end, seen while elsewhere",
    );
    assert_eq!(runs(), before + 1);
    // Its place is free: it can be started again.
    c.browser.wait_until(
        &format!("!document.querySelector(\"{SANITY} [data-testid=run-task]\").disabled"),
        SHORT,
        "the button enabled again",
    );
    c.browser
        .click_css(&format!("{SANITY} [data-testid=run-task]"));
    let started = std::time::Instant::now();
    while runs() != before + 2 {
        assert!(started.elapsed() < LONG, "the second run was not started");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_no_panic(&c, &mut log, "after the second run");
}

#[test]
fn a_mail_fetch_is_followed_while_the_user_is_elsewhere_and_can_run_again() {
    let c = Console::open("/");
    let mut log = Vec::new();
    c.goto(&format!("/#/paperless/{PAPERLESS3}/mail"));
    let paperless = c.demo.instance(Flavor::Paperless3);
    let account = paperless.paperless().lock().unwrap().mail.accounts[0].id;
    let button = format!("[data-testid=fetch-mail][data-account='{account}']");
    c.browser.wait_for(&button, LONG);
    c.browser.click_css(&button);
    leave_by_palette(&c);
    std::thread::sleep(Duration::from_secs(5));
    assert_no_panic(&c, &mut log, "after the fetch ended elsewhere");
    leave_by_back(&c);
    c.browser.wait_until(
        &format!("!document.querySelector(\"{button}\")?.disabled && document.querySelector(\"[data-account='{account}'] [data-testid=fetch-state]\")?.textContent.length > 0"),
        LONG,
        "the fetch's end, and the button enabled again",
    );
    assert_eq!(paperless.manual_mail_fetches().len(), 1);
    c.browser.click_css(&button);
    let started = std::time::Instant::now();
    while paperless.manual_mail_fetches().len() != 2 {
        assert!(started.elapsed() < LONG, "the second fetch was not sent");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_no_panic(&c, &mut log, "after the second fetch");
}

const CAPTURE_DOWNLOADS: &str = "window.__names = []; \
    HTMLAnchorElement.prototype.click = function () { window.__names.push(this.download); };";

#[test]
fn an_export_still_saves_its_file_after_the_screen_is_left() {
    let c = Console::open(&format!("/inventree/{INVENTREE477}/failed"));
    let mut log = Vec::new();
    c.wait_rows();
    slow(
        c.demo.instance(Flavor::InvenTree477),
        "/api/background-task/failed/",
        "GET",
    );
    c.browser.execute(CAPTURE_DOWNLOADS);
    c.browser.click_css("[data-testid=export-csv]");
    c.browser
        .wait_for("[data-testid=toasts] [data-kind=progress]", SHORT);
    leave_by_sidebar(&c);
    c.browser.wait_for_toast("Exported", LONG);
    assert_eq!(c.browser.execute("return window.__names.length"), 1);
    assert_no_panic(&c, &mut log, "after the export");
}

/// xorshift64*: the same walk for the same seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What a page looks like to the walk: its clickable things, by a selector
/// that finds each again.
const CLICKABLES: &str = "return [...document.querySelectorAll('button, a[href], input[type=checkbox], select')]
    .filter(e => e.offsetParent !== null && !e.disabled)
    .filter(e => !e.closest('[data-testid=connection]') && !e.matches('[data-testid=notify-toggle]'))
    .filter(e => !e.matches('[data-testid=save-connection], [data-testid=test-connection]'))
    .filter(e => !(e.href && !e.href.includes(location.origin)))
    .map((e, i) => { e.dataset.walk = i; return i; });";

const SCREENS: &[&str] = &[
    "/#/",
    "/#/attention",
    "/#/failures",
    "/#/failures?days=7",
    "/#/paperless/demo1",
    "/#/paperless/demo1?status=attention",
    "/#/paperless/demo1/running",
    "/#/paperless/demo1/slow",
    "/#/paperless/demo1/mail",
    "/#/health/demo1",
    "/#/paperless/demo3",
    "/#/health/demo3",
    "/#/inventree/demo2/pending",
    "/#/inventree/demo2/failed",
    "/#/inventree/demo2/scheduled",
    "/#/inventree/demo2/warnings",
    "/#/inventree/demo2/errors",
    "/#/health/demo2",
    "/#/inventree/demo4/failed",
    "/#/connections",
    "/#/actions",
    "/#/trends/demo1",
    "/#/trends/demo2",
    "/#/trends/demo3",
];

/// The backend's rows as the walk found them: which exist and which are
/// dismissed, per instance.
#[derive(Clone, PartialEq, Debug)]
struct Rows {
    acknowledged: HashMap<Flavor, HashMap<u64, bool>>,
    failed: HashMap<Flavor, HashSet<String>>,
    pending: HashMap<Flavor, HashSet<String>>,
    mail: HashMap<Flavor, HashSet<String>>,
}

fn rows_of(c: &Console) -> Rows {
    let mut rows = Rows {
        acknowledged: HashMap::new(),
        failed: HashMap::new(),
        pending: HashMap::new(),
        mail: HashMap::new(),
    };
    for flavor in [Flavor::Paperless3, Flavor::Paperless2] {
        let i = c.demo.instance(flavor);
        rows.acknowledged
            .insert(flavor, i.acknowledged_flags().into_iter().collect());
        rows.mail.insert(
            flavor,
            i.processed_mail()
                .iter()
                .map(|(id, _)| id.to_string())
                .collect(),
        );
    }
    for flavor in [Flavor::InvenTree477, Flavor::InvenTree198] {
        let i = c.demo.instance(flavor);
        rows.failed.insert(flavor, i.failed_pks());
        rows.pending.insert(flavor, i.pending_pks());
    }
    rows
}

/// What the open confirmation will send: per `[data-testid=plan-keys]`,
/// its server (`data-connection`, or the screen's own) and its keys.
const PLANNED: &str = "[...document.querySelectorAll('[data-testid=plan-keys]')] \
    .map(p => [p.dataset.connection ?? location.hash, p.dataset.keys ?? ''])";

/// Notes the keys a confirmation sent, per instance.
fn note_confirmed(confirmed: &mut HashMap<Flavor, HashSet<String>>, planned: &serde_json::Value) {
    for part in planned.as_array().into_iter().flatten() {
        let (Some(place), Some(keys)) = (part[0].as_str(), part[1].as_str()) else {
            continue;
        };
        let Some(flavor) = flavor_of(&format!("/{place}")) else {
            continue;
        };
        confirmed.entry(flavor).or_default().extend(
            keys.split(',')
                .filter(|k| !k.is_empty())
                .map(str::to_string),
        );
    }
}

/// The instance a screen's route is about.
fn flavor_of(url: &str) -> Option<Flavor> {
    [
        ("demo1", Flavor::Paperless3),
        ("demo2", Flavor::InvenTree477),
        ("demo3", Flavor::Paperless2),
        ("demo4", Flavor::InvenTree198),
    ]
    .into_iter()
    .find(|(id, _)| url.contains(&format!("/{id}")))
    .map(|(_, f)| f)
}

#[test]
fn a_random_walk_through_every_screen_never_panics_and_changes_only_what_was_confirmed() {
    let seed: u64 = std::env::var("TASKDECK_WALK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261206);
    let steps: usize = std::env::var("TASKDECK_WALK_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let mut rng = Rng(seed.max(1));
    // Workers stopped: no task moves unless the console moves it.
    let c = Console::open_with("/", |config| config.worker_running = false);
    c.browser
        .wait_for("[data-testid=server-card] [data-stat]", LONG);
    // Servers that are slow and sometimes fail.
    for flavor in [
        Flavor::Paperless3,
        Flavor::Paperless2,
        Flavor::InvenTree477,
        Flavor::InvenTree198,
    ] {
        c.demo.instance(flavor).set_fault(
            "",
            Fault {
                latency: Duration::from_millis(150 + (seed % 200)),
                error_rate: 0.08,
                ..Fault::default()
            },
        );
    }
    let start = rows_of(&c);
    let mut confirmed: HashMap<Flavor, HashSet<String>> = HashMap::new();
    let mut log = Vec::new();
    let mut done: Vec<String> = Vec::new();
    let replay = |done: &[String]| {
        format!(
            "seed {seed} (TASKDECK_WALK_SEED={seed}), steps so far:\n{}",
            done.join("\n")
        )
    };
    for step in 0..steps {
        let choice = rng.below(100);
        let what = if choice < 8 {
            let screen = SCREENS[rng.below(SCREENS.len())];
            c.goto(screen);
            format!("go to {screen}")
        } else if choice < 12 {
            c.browser.execute("history.back(); return null");
            "back".to_string()
        } else if choice < 14 {
            c.browser.reload();
            "reload".to_string()
        } else if choice < 20 {
            let keys = ["\u{E00C}", "/", "?", "\u{E004}", "\u{E007}", "\u{E004}"][rng.below(6)];
            // Enter on a focused confirm button confirms: note what it sends.
            let focused = c.browser.execute(&format!(
                "const e = document.activeElement; \
                 return e?.matches('[data-testid=confirm-ok]') ? {PLANNED} : null;"
            ));
            if keys == "\u{E007}" {
                note_confirmed(&mut confirmed, &focused);
            }
            c.browser.press_keys(keys);
            format!("key {keys:?}")
        } else if choice < 24 {
            c.browser.press_with_control('k');
            "Ctrl+K".to_string()
        } else if choice < 30 {
            let text = ["a", "sanity", "mail", "x", ""][rng.below(5)];
            let found = c.browser.execute(&format!(
                "const s = document.querySelector('[data-search]'); \
                 if (!s) return false; s.value = '{text}'; \
                 s.dispatchEvent(new Event('input', {{bubbles: true}})); return true;"
            ));
            format!("search {text:?} ({found})")
        } else {
            let count = c.browser.execute(CLICKABLES).as_array().map_or(0, Vec::len);
            if count == 0 {
                "nothing to click".to_string()
            } else {
                let index = rng.below(count);
                let described = c.browser.execute(&format!(
                    "const e = document.querySelector('[data-walk=\"{index}\"]'); \
                     if (!e) return null; \
                     const ok = e.matches('[data-testid=confirm-ok]'); \
                     const planned = ok ? {PLANNED} : null; \
                     const label = (e.dataset.testid || e.tagName) + ' ' + (e.textContent || '').trim().slice(0, 30); \
                     e.click(); return [label, planned];"
                ));
                if let Some([label, planned]) = described.as_array().map(|a| a.as_slice())
                    && let Some(label) = label.as_str()
                {
                    note_confirmed(&mut confirmed, planned);
                    format!("click {label}")
                } else {
                    "click (gone)".to_string()
                }
            }
        };
        done.push(format!("{step}: {what}"));
        std::thread::sleep(Duration::from_millis(40 + rng.below(160) as u64));
        assert_no_panic(&c, &mut log, &replay(&done));
    }
    // Let work in flight end, then compare what changed with what was
    // confirmed.
    std::thread::sleep(Duration::from_secs(8));
    let end = rows_of(&c);
    let mut unchosen: Vec<String> = Vec::new();
    let allowed = |flavor: Flavor, key: &str| {
        confirmed
            .get(&flavor)
            .is_some_and(|keys| keys.contains(key))
    };
    for (flavor, before) in &start.acknowledged {
        for (id, acked) in before {
            let now = end.acknowledged[flavor].get(id).copied();
            if now != Some(*acked) && !allowed(*flavor, &id.to_string()) {
                unchosen.push(format!("{flavor:?} task {id}: {acked} → {now:?}"));
            }
        }
    }
    for (kind, start_rows, end_rows) in [
        ("failed", &start.failed, &end.failed),
        ("pending", &start.pending, &end.pending),
        ("mail", &start.mail, &end.mail),
    ] {
        for (flavor, before) in start_rows {
            for key in before.difference(&end_rows[flavor]) {
                if !allowed(*flavor, key) {
                    unchosen.push(format!("{flavor:?} {kind} {key} gone"));
                }
            }
        }
    }
    assert!(
        unchosen.is_empty(),
        "changed without a confirmation naming them: {unchosen:#?}\n{}",
        replay(&done)
    );
    eprintln!(
        "random walk: seed {seed}, {steps} steps, {} keys confirmed",
        confirmed.values().map(HashSet::len).sum::<usize>()
    );
}
