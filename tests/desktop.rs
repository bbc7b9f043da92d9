//! Desktop smoke test: the release build of the Tauri app under Xvfb,
//! driven through tauri-driver and WebKitWebDriver, against the demo
//! backend. Run by `cargo xtask test-desktop` (it builds the app first).
//! Ends with the app's own watcher: its tray, and watching that goes on
//! (history, alerts) after the window is closed.

mod support;

use std::collections::HashSet;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use support::webdriver::{Browser, ROW_IDS};
use taskdeck_demo::{DemoConfig, Flavor};

const LONG: Duration = Duration::from_secs(60);

/// Gives the process a session keyring of its own that refuses every key
/// (Linux `keyctl`: join a new anonymous session keyring, restrict it with
/// no key type), inherited by tauri-driver, WebKitWebDriver and the app.
fn without_kernel_keyring() -> std::io::Result<()> {
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    const KEYCTL_RESTRICT_KEYRING: libc::c_long = 29;
    const KEY_SPEC_SESSION_KEYRING: libc::c_long = -3;
    let null = std::ptr::null::<libc::c_char>();
    // SAFETY: plain system calls with null string arguments.
    let joined = unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, null) };
    let restricted = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_RESTRICT_KEYRING,
            KEY_SPEC_SESSION_KEYRING,
            null,
            null,
        )
    };
    if joined < 0 || restricted < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}
struct Xvfb {
    process: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Xvfb {
        let number = 40 + std::process::id() % 200;
        let process = Command::new("Xvfb")
            .args([
                &format!(":{number}"),
                "-screen",
                "0",
                "1366x900x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb not found: run `cargo xtask setup`");
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
        let started = Instant::now();
        while !socket.exists() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "Xvfb did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Xvfb {
            process,
            display: format!(":{number}"),
        }
    }

    fn window_names(&self) -> String {
        let out = Command::new("xwininfo")
            .args(["-root", "-tree", "-display", &self.display])
            .output()
            .expect("xwininfo");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Stops a whole process group when dropped (also when the test fails).
struct ProcessGroup(u32);

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.0)])
            .status();
    }
}

fn app_binary() -> PathBuf {
    let path = std::env::var_os("TASKDECK_DESKTOP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/desktop-release/taskdeck-desktop")
        });
    assert!(
        path.is_file(),
        "{} missing: run `cargo xtask test-desktop`",
        path.display()
    );
    path
}

#[test]
fn desktop_app_shows_live_data_and_acts_through_rust_side_http() {
    let dist = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dist");
    let demo = taskdeck_demo::start(DemoConfig::ephemeral(Some(dist))).expect("demo starts");
    let offer = format!("{}/demo-connections.json", demo.ui_url().unwrap());
    let x = Xvfb::start();
    let config_home = Browser::scratch_dir();
    // A login's home has ~/.config; the autostart plugin writes into it.
    std::fs::create_dir_all(config_home.join(".config")).expect("a .config folder");

    let port = Browser::free_port();
    // In its own process group, so WebKitWebDriver, which tauri-driver
    // starts, is stopped with it. Set up as on a minimal desktop, whatever
    // this machine has: no session bus (so no Secret Service) and a kernel
    // keyring that refuses every key, so the app must fall back to keeping
    // tokens in memory, and this test proves that it works.
    let mut driver = Command::new("tauri-driver");
    driver.process_group(0);
    // SAFETY: only async-signal-safe system calls between fork and exec.
    unsafe {
        driver.pre_exec(without_kernel_keyring);
    }
    let driver = driver
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &Browser::free_port().to_string(),
        ])
        .env("DISPLAY", &x.display)
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/taskdeck-test-bus",
        )
        .env("XDG_CONFIG_HOME", &config_home)
        .env("XDG_DATA_HOME", config_home.join("data"))
        // The autostart plugin (auto-launch) writes under $HOME/.config,
        // whatever XDG_CONFIG_HOME says: a home of the test's own keeps the
        // machine's login untouched.
        .env("HOME", &config_home)
        .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
        .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
        .stdout(Stdio::null())
        // The app's log (its stderr) is read below.
        .stderr(std::fs::File::create(config_home.join("app.log")).expect("a log file"))
        .spawn()
        .expect("tauri-driver not found: run `cargo xtask setup`");
    let _group = ProcessGroup(driver.id());
    let app = Browser::attach(
        driver,
        port,
        json!({
            "browserName": "wry",
            "tauri:options": {
                "application": app_binary(),
                "args": ["--demo-connections", offer, "--watch-every", "2s"],
            }
        }),
        config_home.clone(),
        &x.display,
    );

    // The overview fills in from all four demo servers: the requests went
    // through the Rust side (the demo's CORS does not allow this origin).
    app.wait_until(
        "document.querySelectorAll('[data-testid=server-card] [data-stat]').length >= 12",
        LONG,
        "numbers on all four server cards",
    );
    let settings =
        std::fs::read_to_string(config_home.join("dev.taskdeck.desktop/connections.json"))
            .expect("settings saved in the config directory");
    assert!(settings.contains("Paperless-ngx 3 (demo)"));
    assert!(
        !settings.contains("f6ba261c") && !settings.contains("inv-a8b3"),
        "no token in the settings file"
    );
    app.screenshot("desktop-overview");

    // With neither store working, tokens are kept in memory, and the
    // Connections screen says so.
    app.click_css("[data-testid=nav-connections]");
    app.wait_until(
        "document.querySelector('[data-testid=token-store]')?.dataset.store === 'only until Taskdeck closes'",
        LONG,
        "the Connections screen saying tokens are kept only until Taskdeck closes",
    );
    app.screenshot("desktop-connections");

    // The window title counts what needs attention on every server.
    let needs = |flavor: Flavor| demo.instance(flavor).needing_attention();
    let expected = needs(Flavor::Paperless3)
        + needs(Flavor::Paperless2)
        + needs(Flavor::InvenTree477)
        + needs(Flavor::InvenTree198);
    let title = format!("Taskdeck — {expected} need attention");
    let started = Instant::now();
    while !x.window_names().contains(&title) {
        assert!(
            started.elapsed() < LONG,
            "no window titled {title:?}:\n{}",
            x.window_names()
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // Acknowledge two Paperless tasks from the desktop app.
    app.click_css("a[href='#/paperless/demo1']");
    app.wait_until(&format!("{ROW_IDS}.length === 25"), LONG, "Paperless rows");
    let rows: Vec<String> =
        serde_json::from_value(app.execute(&format!("return {ROW_IDS}"))).unwrap();
    let before = demo.instance(Flavor::Paperless3).acknowledged_flags();
    for id in &rows[..2] {
        app.click_css(&format!("tr[data-task-id='{id}'] [data-testid=row-check]"));
    }
    app.screenshot("desktop-paperless");
    app.click_css("[data-testid=ack-selected]");
    app.click_css("[data-testid=confirm-ok]");
    app.wait_for_toast("Acknowledged 2 tasks", LONG);
    let after = demo.instance(Flavor::Paperless3).acknowledged_flags();
    assert_eq!(
        support::changed_ids(&before, &after),
        rows[..2].iter().cloned().collect::<HashSet<_>>()
    );

    // Delete one failed InvenTree task.
    app.click_css("a[href='#/inventree/demo2/failed']");
    app.wait_until(
        &format!("{ROW_IDS}.length > 0"),
        LONG,
        "failed InvenTree rows",
    );
    let failed: Vec<String> =
        serde_json::from_value(app.execute(&format!("return {ROW_IDS}"))).unwrap();
    let pks = || demo.instance(Flavor::InvenTree477).failed_pks();
    let before = pks();
    app.click_css(&format!(
        "tr[data-task-id='{}'] [data-testid=row-check]",
        failed[0]
    ));
    app.click_css("[data-testid=delete-selected]");
    app.click_css("[data-testid=confirm-ok]");
    app.wait_for_toast("Deleted 1 task", LONG);
    let removed: HashSet<String> = before.difference(&pks()).cloned().collect();
    assert_eq!(removed, HashSet::from([failed[0].clone()]));
    app.screenshot("desktop-inventree-failed");

    two_users_of_one_server_each_act_as_themselves(&app, &demo);
    the_action_log_and_trends_come_from_the_apps_own_history(&app);

    // What the panic hook sends reaches the app's log: the webview's console
    // reaches nobody in the desktop app.
    app.execute(
        "window.__TAURI_INTERNALS__.invoke('log_panic', { message: 'panicked at src/x.rs:1:1: a test' }); return null",
    );
    let log = config_home.join("app.log");
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text
            .contains("the console stopped working (a panic in the UI): panicked at src/x.rs:1:1")
        {
            break;
        }
        assert!(
            started.elapsed() < LONG,
            "no panic in the app's log: {text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    watching_goes_on_in_the_tray_with_the_window_closed(&app, &x, &demo, &config_home);
}

/// Calls one of the app's commands from the page, as the UI does.
fn invoke(app: &Browser, command: &str) -> serde_json::Value {
    app.execute_async(&format!(
        "const done = arguments[arguments.length - 1]; \
         window.__TAURI_INTERNALS__.invoke('{command}', {{}}).then(done, e => done({{ error: String(e) }}));"
    ))
}

/// What was acted on above is in the action log, kept in the app's history
/// file with what the engine saw (the viewer's refused dismiss too), and
/// Trends read the app's own history.
fn the_action_log_and_trends_come_from_the_apps_own_history(app: &Browser) {
    app.execute("location.hash = '#/actions'; return null");
    let outcomes = app.wait_until(
        "(() => { const o = [...document.querySelectorAll('[data-testid=log-outcome]')].map(e => e.dataset.outcome); return o.length >= 4 ? o : null; })()",
        LONG,
        "the action log with four entries",
    );
    let outcomes: Vec<String> = serde_json::from_value(outcomes).unwrap();
    assert_eq!(
        outcomes.iter().filter(|o| *o == "done").count(),
        3,
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes.iter().filter(|o| *o == "refused").count(),
        1,
        "the viewer's dismiss, refused by the server: {outcomes:?}"
    );
    app.screenshot("desktop-action-log");
    app.execute("location.hash = '#/trends/demo1'; return null");
    app.wait_until(
        "document.querySelector('[data-testid=trends-source]')?.dataset.source === 'desktop'",
        LONG,
        "Trends from the app's own history",
    );
    app.screenshot("desktop-trends");
}

/// The X window of the app, by its title.
fn app_window(x: &Xvfb) -> String {
    x.window_names()
        .lines()
        .find(|l| l.contains("\"Taskdeck"))
        .and_then(|l| l.split_whitespace().next())
        .expect("the app's window")
        .to_string()
}

/// Asks the window to close as a window manager does when its close button
/// is pressed: WM_DELETE_WINDOW (python3-xlib; there is no window manager
/// under Xvfb).
fn close_like_a_window_manager(x: &Xvfb, window: &str) {
    let script = "import sys\n\
from Xlib import display, X, protocol\n\
d = display.Display(sys.argv[1])\n\
w = d.create_resource_object('window', int(sys.argv[2], 16))\n\
proto = d.intern_atom('WM_PROTOCOLS')\n\
delete = d.intern_atom('WM_DELETE_WINDOW')\n\
event = protocol.event.ClientMessage(window=w, client_type=proto, data=(32, [delete, X.CurrentTime, 0, 0, 0]))\n\
w.send_event(event, event_mask=X.NoEventMask)\n\
d.flush()\n";
    let status = Command::new("/usr/bin/python3")
        .args(["-c", script, &x.display, window])
        .status()
        .expect("python3 with Xlib: run `cargo xtask setup`");
    assert!(status.success(), "WM_DELETE_WINDOW not sent");
}

/// The app's watcher runs in the tray: closing the window hides it and the
/// app goes on polling; a worker the demo stops afterwards is alerted (a
/// history row and an alert in the app's history file, and the alert in
/// its log). Start at login is opt-in, and switched from the Connections
/// screen.
fn watching_goes_on_in_the_tray_with_the_window_closed(
    app: &Browser,
    x: &Xvfb,
    demo: &taskdeck_demo::Demo,
    config_home: &std::path::Path,
) {
    let status = invoke(app, "watch_status");
    assert_eq!(status["tray"], true, "the tray icon is up: {status}");
    assert_eq!(status["running"], true, "{status}");
    assert!(
        status["connections"].as_array().unwrap().len() >= 4,
        "every connection with a token is watched: {status}"
    );
    assert_eq!(status["autostart"], false, "start at login is opt-in");

    // Start at login, switched on and off under Connections.
    app.execute("location.hash = '#/connections'; return null");
    app.click_css("[data-testid=autostart]");
    let autostart = config_home.join(".config/autostart");
    let started = Instant::now();
    let entry = loop {
        let found = std::fs::read_dir(&autostart)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .map(|e| e.path());
        if let Some(path) = found {
            break std::fs::read_to_string(path).unwrap();
        }
        assert!(started.elapsed() < LONG, "no autostart entry written");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(entry.contains("--hidden"), "starts in the tray: {entry}");
    app.screenshot("desktop-connections-watcher");
    app.click_css("[data-testid=autostart]");
    let started = Instant::now();
    while std::fs::read_dir(&autostart).is_ok_and(|mut d| d.next().is_some()) {
        assert!(started.elapsed() < LONG, "the autostart entry stays");
        std::thread::sleep(Duration::from_millis(100));
    }

    // Close the window: it goes, the app stays.
    let window = app_window(x);
    close_like_a_window_manager(x, &window);
    let log = config_home.join("app.log");
    let started = Instant::now();
    loop {
        let info = Command::new("xwininfo")
            .args(["-id", &window, "-display", &x.display])
            .output()
            .expect("xwininfo");
        let info = String::from_utf8_lossy(&info.stdout).into_owned();
        if info.contains("IsUnMapped") {
            break;
        }
        assert!(started.elapsed() < LONG, "the window stays open: {info}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let closed_at = chrono::Utc::now().timestamp_millis();
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("the window is closed; watching goes on")
    );
    app.screenshot("desktop-window-closed");

    // The demo's workers stop: the app, window closed, notices.
    demo.instance(Flavor::Paperless3).set_worker_running(false);
    demo.instance(Flavor::InvenTree477)
        .set_worker_running(false);
    let history_file = config_home.join("data/dev.taskdeck.desktop/watch.sqlite3");
    let store = taskdeck_watch::store::Store::open(&history_file).expect("the app's history");
    let started = Instant::now();
    loop {
        let now = chrono::Utc::now();
        let seen = |id: &str| {
            let server = store
                .server_ref(id)
                .unwrap()
                .expect("the server is in the history");
            let history = store
                .history(&server, now - chrono::Duration::hours(1), now)
                .unwrap();
            let polled = history.polls.iter().filter(|p| p.at > closed_at).count();
            let alerted = history
                .alerts
                .iter()
                .any(|a| a.rule == "worker_stopped" && a.state == "firing" && a.at > closed_at);
            (polled, alerted)
        };
        let (p3, i477) = (seen("demo1"), seen("demo2"));
        if p3.0 >= 2 && p3.1 && i477.1 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "no alert after the window closed: Paperless {p3:?}, InvenTree {i477:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains(
            "taskdeck: alert (firing): Paperless-ngx 3 (demo): background worker stopped"
        ),
        "the alert reached the notifications: {text}"
    );
}

/// A second connection to the same Paperless address, as a user who may
/// view tasks but not change them: its dismiss is refused by the server,
/// while the admin's connection to that address dismisses the same task.
/// (The token used to be looked up by address alone, so the viewer's
/// request went out with the admin's token and succeeded.)
fn two_users_of_one_server_each_act_as_themselves(app: &Browser, demo: &taskdeck_demo::Demo) {
    let paperless = demo.instance(Flavor::Paperless3);
    let viewer = taskdeck_demo::paperless::USERS
        .iter()
        .find(|u| u.username == "taskviewer")
        .unwrap();
    app.click_css("[data-testid=nav-connections]");
    let form = "[data-testid=connection-form]";
    app.type_text(
        &app.wait_for(&format!("{form} input[name=name]"), LONG),
        "Viewer",
    );
    app.type_text(
        &app.wait_for(&format!("{form} input[name=url]"), LONG),
        &paperless.url(),
    );
    app.type_text(
        &app.wait_for(&format!("{form} input[name=token]"), LONG),
        viewer.token,
    );
    app.click_css("[data-testid=save-connection]");
    let id = app.wait_until(
        "[...document.querySelectorAll('[data-testid=connection]')].map(c => c.dataset.id).find(id => !id.startsWith('demo'))",
        LONG,
        "the viewer's connection saved",
    );
    let id = id.as_str().unwrap().to_string();
    app.execute(&format!("location.hash = '#/paperless/{id}'; return null"));
    app.wait_until(&format!("{ROW_IDS}.length > 0"), LONG, "the viewer's rows");
    let rows: Vec<String> =
        serde_json::from_value(app.execute(&format!("return {ROW_IDS}"))).unwrap();
    let task = rows
        .iter()
        .find(|id| {
            paperless
                .acknowledged_flags()
                .iter()
                .any(|(t, acked)| t.to_string() == **id && !acked)
        })
        .expect("an open task the viewer sees")
        .clone();
    let before = paperless.acknowledged_flags();
    app.click_css(&format!(
        "tr[data-task-id='{task}'] [data-testid=row-check]"
    ));
    app.click_css("[data-testid=ack-selected]");
    app.click_css("[data-testid=confirm-ok]");
    app.wait_for_toast("Nothing was acknowledged", LONG);
    app.wait_for_toast("Permission denied", LONG);
    assert_eq!(
        paperless.acknowledged_flags(),
        before,
        "the viewer changed nothing"
    );
    app.screenshot("desktop-viewer-refused");

    app.execute("location.hash = '#/paperless/demo1'; return null");
    app.wait_until(
        &format!("{ROW_IDS}.includes('{task}')"),
        LONG,
        "the admin's rows with the task",
    );
    app.click_css(&format!(
        "tr[data-task-id='{task}'] [data-testid=row-check]"
    ));
    app.click_css("[data-testid=ack-selected]");
    app.click_css("[data-testid=confirm-ok]");
    app.wait_for_toast("Acknowledged 1 task", LONG);
    assert_eq!(
        support::changed_ids(&before, &paperless.acknowledged_flags()),
        HashSet::from([task])
    );
}
