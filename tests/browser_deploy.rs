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
    _process: Process,
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
        let process = Process(child);
        wait_for_port(port, "http.server");
        PlainServer {
            _process: process,
            origin: format!("http://127.0.0.1:{port}"),
        }
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

    // The user enters their own token; a deep link survives a reload: the
    // plain server is only ever asked for the directory's index.html and
    // the assets beside it.
    connect_and_open(
        &browser,
        &app,
        "office",
        paperless.admin_token(),
        "/paperless/office?status=attention",
    );
    let deep = format!("{app}#/paperless/office?status=attention");
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
    // Said once, above the screen: not again on Connections.
    browser.wait_for("[data-testid=connection-form]", SHORT);
    assert!(
        browser.find_all("[data-testid=site-config]").is_empty(),
        "the refusal is said twice"
    );
    browser.screenshot("site-config-refused-connections");

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

/// The snippet after `<!-- snippet: NAME -->` in DEPLOY.md.
fn snippet(name: &str) -> String {
    let deploy =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/DEPLOY.md")).unwrap();
    let marker = format!("<!-- snippet: {name} -->");
    let after = &deploy[deploy
        .find(&marker)
        .unwrap_or_else(|| panic!("DEPLOY.md has no {marker}"))..];
    let body = after
        .split_once("```")
        .unwrap()
        .1
        .split_once('\n')
        .unwrap()
        .1;
    body.split_once("\n```").unwrap().0.to_string()
}

/// Swaps the example names in a snippet for this test's, each of which
/// must be in it (so a changed snippet cannot go untested).
fn adapt(mut text: String, swaps: &[(&str, String)]) -> String {
    for (from, to) in swaps {
        assert!(text.contains(from), "the snippet no longer has {from:?}");
        text = text.replace(from, to);
    }
    text
}

/// A server process, stopped when dropped: asked first (SIGTERM), so that
/// nginx's master stops its workers, which a SIGKILL would leave running.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        // SAFETY: `kill` only sends a signal to our own child's pid.
        unsafe { libc::kill(self.0.id() as libc::pid_t, libc::SIGTERM) };
        let asked = Instant::now();
        while asked.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for_port(port: u16, what: &str) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what} did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The site unpacked as DEPLOY.md says, with a `taskdeck.json` offering
/// one server on the same origin.
fn unpacked(root: &Path, kind: &str, id: &str) -> PathBuf {
    let site = root.join("srv/taskdeck");
    copy_dir(&dist(), &site);
    std::fs::write(
        site.join("taskdeck.json"),
        format!(r#"{{"servers": [{{"id": "{id}", "name": "Same origin", "kind": "{kind}", "url": "/", "same_origin": true}}]}}"#),
    )
    .unwrap();
    site
}

/// Enters the token for the offered server `id` and opens `screen`, then
/// reloads it: rows both times.
fn connect_and_open(browser: &Browser, app: &str, id: &str, token: &str, screen: &str) {
    browser.goto(&format!("{app}#/connections"));
    browser.wait_for(&format!("[data-testid=connection][data-id={id}]"), LONG);
    browser.click_css(&format!("[data-id={id}] [data-testid=edit-connection]"));
    let form = "[data-testid=connection-form]";
    browser.click_css(&format!("{form} input[value=token]"));
    browser.type_text(
        &browser.wait_for(&format!("{form} input[name=token]"), SHORT),
        token,
    );
    browser.click_css("[data-testid=save-connection]");
    browser.wait_until(
        &format!("document.querySelector('[data-id={id}]').textContent.includes('Token kept for this session only.')"),
        LONG,
        "the token to be saved",
    );
    browser.goto(&format!("{app}#{screen}"));
    browser.wait_until(&format!("{ROW_IDS}.length > 0"), LONG, "rows");
    browser.reload();
    browser.wait_until(
        &format!("{ROW_IDS}.length > 0"),
        LONG,
        "rows after a reload",
    );
}

fn no_redirects() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into()
}

/// What the server answers for `path` when the browser accepts `encoding`.
fn headers_of(origin: &str, path: &str, encoding: &str) -> (u16, Vec<(String, String)>) {
    let response = no_redirects()
        .get(&format!("{origin}{path}"))
        .header("Accept-Encoding", encoding)
        .call()
        .unwrap();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    (response.status().as_u16(), headers)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn wasm_name() -> String {
    std::fs::read_dir(dist())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.ends_with(".wasm"))
        .unwrap()
}

/// Compression, types, caching and the bare path's redirect, as DEPLOY.md promises.
fn check_headers(origin: &str, encoding: &str) {
    let (status, headers) = headers_of(origin, "/taskdeck", "identity");
    assert_eq!(status, 301, "{headers:?}");
    assert!(
        header(&headers, "location").ends_with("/taskdeck/"),
        "{headers:?}"
    );
    let wasm = format!("/taskdeck/{}", wasm_name());
    let (status, headers) = headers_of(origin, &wasm, encoding);
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-encoding"),
        encoding,
        "{headers:?}"
    );
    assert_eq!(
        header(&headers, "content-type"),
        "application/wasm",
        "{headers:?}"
    );
    assert!(
        header(&headers, "cache-control").contains("immutable"),
        "{headers:?}"
    );
    let (_, headers) = headers_of(origin, "/taskdeck/taskdeck.json", "identity");
    assert_eq!(header(&headers, "cache-control"), "no-cache", "{headers:?}");
    let (_, headers) = headers_of(origin, "/taskdeck/", "identity");
    assert_eq!(header(&headers, "cache-control"), "no-cache", "{headers:?}");
    // No other site may frame the console: only a header can say so.
    assert_eq!(
        header(&headers, "content-security-policy"),
        "frame-ancestors 'none'",
        "{headers:?}"
    );
    assert!(
        header(&headers, "content-type").starts_with("text/html"),
        "{headers:?}"
    );
}

#[test]
fn the_nginx_snippet_serves_the_site_beside_paperless_on_one_origin() {
    let mut config = DemoConfig::ephemeral(None);
    config.instances.truncate(1);
    let demo = taskdeck_demo::start(config).expect("demo APIs start");
    let paperless = &demo.instances[0];
    let root = Browser::scratch_dir();
    let site = unpacked(&root, "paperless", "paperless");
    let port = Browser::free_port();
    let server = adapt(
        snippet("nginx"),
        &[
            ("listen 80;", format!("listen 127.0.0.1:{port};")),
            (
                "alias /srv/taskdeck/;",
                format!("alias {}/;", site.display()),
            ),
            (
                "proxy_pass http://127.0.0.1:8000;",
                format!("proxy_pass {};", paperless.url()),
            ),
        ],
    );
    let temp = root.join("nginx-temp");
    std::fs::create_dir_all(&temp).unwrap();
    let conf = root.join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "user root;\ndaemon off;\nworker_processes 1;\npid {root}/nginx.pid;\nerror_log {root}/nginx-error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n include /etc/nginx/mime.types;\n default_type application/octet-stream;\n access_log off;\n\
             client_body_temp_path {t}/body; proxy_temp_path {t}/proxy; fastcgi_temp_path {t}/fastcgi; uwsgi_temp_path {t}/uwsgi; scgi_temp_path {t}/scgi;\n\
             {server}\n}}\n",
            root = root.display(),
            t = temp.display(),
        ),
    )
    .unwrap();
    let nginx = Process(
        Command::new("nginx")
            .arg("-c")
            .arg(&conf)
            .arg("-p")
            .arg(&root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx runs (`cargo xtask setup` installs it)"),
    );
    wait_for_port(port, "nginx");
    let origin = format!("http://127.0.0.1:{port}");
    check_headers(&origin, "gzip");

    let browser = Browser::launch();
    connect_and_open(
        &browser,
        &format!("{origin}/taskdeck/"),
        "paperless",
        paperless.admin_token(),
        "/paperless/paperless?status=attention",
    );
    browser.screenshot("deployed-nginx-beside-paperless");
    drop(nginx);
}

#[test]
fn the_caddy_snippet_serves_the_site_beside_inventree_on_one_origin() {
    let mut config = DemoConfig::ephemeral(None);
    config
        .instances
        .retain(|i| i.flavor == taskdeck_demo::Flavor::InvenTree477);
    let demo = taskdeck_demo::start(config).expect("demo APIs start");
    let inventree = &demo.instances[0];
    let root = Browser::scratch_dir();
    let site = unpacked(&root, "inventree", "parts");
    let port = Browser::free_port();
    let caddyfile = format!(
        "{{\n admin off\n auto_https off\n}}\n{}",
        adapt(
            snippet("caddy"),
            &[
                (
                    "inventree.example.org {",
                    format!("http://127.0.0.1:{port} {{")
                ),
                ("root * /srv/taskdeck", format!("root * {}", site.display())),
                (
                    "reverse_proxy 127.0.0.1:8000",
                    format!("reverse_proxy {}", inventree.addr)
                ),
            ],
        )
    );
    let file = root.join("Caddyfile");
    std::fs::write(&file, caddyfile).unwrap();
    let caddy = Process(
        Command::new("caddy")
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(&file)
            .env("XDG_DATA_HOME", root.join("caddy-data"))
            .env("XDG_CONFIG_HOME", root.join("caddy-config"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("caddy runs (`cargo xtask setup` installs it)"),
    );
    wait_for_port(port, "caddy");
    let origin = format!("http://127.0.0.1:{port}");
    check_headers(&origin, "br");

    let browser = Browser::launch();
    connect_and_open(
        &browser,
        &format!("{origin}/taskdeck/"),
        "parts",
        inventree.admin_token(),
        "/inventree/parts/failed",
    );
    browser.screenshot("deployed-caddy-beside-inventree");
    drop(caddy);
}
