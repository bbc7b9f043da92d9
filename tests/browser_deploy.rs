//! The static site as an admin deploys it: the built `dist/` copied under a
//! path prefix of a plain static file server (Python's `http.server`: no
//! fallback to index.html, no rewrite rules), with a `taskdeck.json` beside
//! it that lists a server without a token.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::console::{LONG, SHORT, dist};
use support::webdriver::{Browser, ROW_IDS};
use taskdeck_demo::DemoConfig;

/// `python3 -m http.server` on `root`, stopped when dropped.
struct PlainServer {
    child: Child,
    origin: String,
}

impl PlainServer {
    fn start(root: &Path) -> PlainServer {
        PlainServer::start_on(root, Browser::free_port())
    }

    fn start_on(root: &Path, port: u16) -> PlainServer {
        let child = Command::new("python3")
            .args(["-m", "http.server", "--bind", "127.0.0.1"])
            .arg(port.to_string())
            .current_dir(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs (the plain static file server of this test)");
        let origin = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "http.server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        PlainServer { child, origin }
    }
}

impl Drop for PlainServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// `dist/` copied to `<root>/tools/taskdeck/`, with `taskdeck.json` beside it.
fn deploy(site_config: &str) -> PathBuf {
    let root = Browser::scratch_dir();
    let app = root.join("tools/taskdeck");
    copy_dir(&dist(), &app);
    std::fs::write(app.join("taskdeck.json"), site_config).unwrap();
    root
}

#[test]
fn the_site_works_under_a_sub_path_of_a_plain_static_server_and_deep_links_survive_a_reload() {
    let port = Browser::free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let mut config = DemoConfig::ephemeral(None);
    config.instances.truncate(1);
    config.extra_origins.push(origin.clone());
    let demo = taskdeck_demo::start(config).expect("demo APIs start");
    let paperless = &demo.instances[0];
    let site_config = format!(
        r#"{{"servers": [{{"id": "office", "name": "Office", "kind": "paperless", "url": "{}"}}],
            "defaults": {{"time_zone": "utc", "refresh_seconds": 60}}}}"#,
        paperless.url()
    );
    let root = deploy(&site_config);
    // The port chosen above, so the demo's CORS already allows this origin.
    // On the port chosen above, which the demo's CORS already allows.
    let server = PlainServer::start_on(&root, port);
    let app = format!("{}/tools/taskdeck/", server.origin);
    let browser = Browser::launch();

    // The server from taskdeck.json is offered, without a token.
    browser.goto(&format!("{app}#/connections"));
    browser.wait_for("[data-testid=connection][data-id=office]", LONG);
    let said = browser.text(&browser.wait_for("[data-id=office]", SHORT));
    assert!(said.contains("No token: edit to enter it."), "{said}");
    // Its defaults stand until this browser chooses.
    let zone = browser.text(&browser.wait_for("[data-testid=zone-toggle]", SHORT));
    assert_eq!(zone, "Times: UTC");

    // The user enters their own token.
    browser.click_css("[data-id=office] [data-testid=edit-connection]");
    let form = "[data-testid=connection-form]";
    browser.click_css(&format!("{form} input[value=token]"));
    browser.type_text(
        &browser.wait_for(&format!("{form} input[name=token]"), SHORT),
        paperless.admin_token(),
    );
    browser.click_css("[data-testid=save-connection]");
    browser.wait_until(
        "document.querySelector('[data-id=office]').textContent.includes('Token kept for this session only.')",
        LONG,
        "the token to be saved",
    );

    // A deep link, then a reload of it: the plain server is only ever asked
    // for the directory's index.html and the assets beside it.
    let deep = format!("{app}#/paperless/office?status=attention");
    browser.goto(&deep);
    browser.wait_until(&format!("{ROW_IDS}.length > 0"), LONG, "the failed tasks");
    browser.reload();
    browser.wait_until(
        &format!("{ROW_IDS}.length > 0"),
        LONG,
        "the failed tasks after a reload",
    );
    assert_eq!(browser.current_url(), deep);
    let tab = browser
        .execute("return document.querySelector('[data-tab][aria-selected=true]').dataset.tab");
    assert_eq!(
        tab, "attention",
        "the filter in the link survived the reload"
    );
    let screen = browser.text(&browser.wait_for("main .screen-head", SHORT));
    assert!(screen.contains("Office"), "{screen}");
    // Details open from the reloaded page, through the connection.
    browser.click_css("tbody tr[data-task-id] [data-testid=open-task]");
    let drawer = browser.text(&browser.wait_for("[data-testid=detail-drawer]", LONG));
    assert!(drawer.contains("Task id"), "{drawer}");
    // A page link stays inside the prefix.
    let href =
        browser.execute("return document.querySelector('.sidebar a[aria-current=page]').href");
    assert_eq!(href.as_str().unwrap(), format!("{app}#/paperless/office"));
    browser.screenshot("deployed-under-sub-path");

    // Nothing was asked for outside /tools/taskdeck/ but the API.
    let outside = browser.execute(
        "return performance.getEntriesByType('resource').map(e => e.name)\
         .filter(u => u.startsWith(location.origin) && !u.startsWith(location.origin + '/tools/taskdeck/'))",
    );
    assert_eq!(
        outside,
        serde_json::json!([]),
        "requests outside the prefix"
    );
}

#[test]
fn a_broken_or_missing_taskdeck_json_is_explained_and_the_console_still_works() {
    // A token in the file: refused as a whole, said on every screen.
    let root = deploy(
        r#"{"servers": [{"name": "Office", "kind": "paperless", "url": "https://office.example", "token": "0123"}]}"#,
    );
    let server = PlainServer::start(&root);
    let app = format!("{}/tools/taskdeck/", server.origin);
    let browser = Browser::launch();
    browser.goto(&app);
    let banner = browser.text(&browser.wait_for("[data-testid=site-config-error]", LONG));
    assert!(
        banner.contains("\"servers[0].token\" looks like a secret"),
        "{banner}"
    );
    assert!(
        !banner.contains("0123"),
        "the secret is not shown again: {banner}"
    );
    browser.wait_for("[data-testid=add-first]", SHORT);
    browser.screenshot("site-config-with-a-secret");

    // Not valid JSON: where, and that added connections still work.
    std::fs::write(
        root.join("tools/taskdeck/taskdeck.json"),
        "{\"servers\": [\n  {\"name\": \"A\",}\n]}",
    )
    .unwrap();
    browser.goto(&format!("{app}#/connections"));
    browser.reload();
    let banner = browser.text(&browser.wait_for("[data-testid=site-config-error]", LONG));
    assert!(banner.contains("not valid JSON at line 2"), "{banner}");
    assert!(
        banner.contains("Connections you added yourself still work"),
        "{banner}"
    );

    // Not deployed at all (404): the connections screen says how to add one.
    std::fs::remove_file(root.join("tools/taskdeck/taskdeck.json")).unwrap();
    browser.reload();
    let note = browser.text(&browser.wait_for("[data-testid=site-config]", LONG));
    assert!(
        note.contains("no taskdeck.json beside its index.html"),
        "{note}"
    );
    assert!(
        browser
            .find_all("[data-testid=site-config-error]")
            .is_empty()
    );
    browser.wait_for("[data-testid=connection-form]", SHORT);
}
