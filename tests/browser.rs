//! Browser tests: the Trunk-built app in headless Chromium, served by the demo
//! backend. Run by `cargo xtask test`, which builds dist/ and installs
//! Chromium and chromedriver first.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use support::webdriver::Browser;
use taskdeck_demo::{Demo, DemoConfig};

fn dist() -> PathBuf {
    let dist = std::env::var_os("TASKDECK_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dist"));
    assert!(
        dist.join("index.html").is_file(),
        "{} has no built UI: run `cargo xtask test` (it builds dist/ first)",
        dist.display()
    );
    dist
}

fn serve_ui() -> Demo {
    taskdeck_demo::start(DemoConfig::ephemeral(Some(dist()))).expect("demo backend starts")
}

#[test]
fn the_built_app_renders_in_chromium() {
    let server = serve_ui();
    let served_html = std::fs::read_to_string(dist().join("index.html")).unwrap();
    assert!(
        !served_html.contains("No servers connected"),
        "the text must come from the WASM app, not the static page"
    );

    let browser = Browser::launch();
    browser.goto(&server.ui_url().unwrap());
    let heading = browser.wait_for("[data-testid=no-connections] h1", Duration::from_secs(30));
    assert_eq!(browser.text(&heading), "No servers connected");
    let brand = browser.wait_for(".topbar .brand", Duration::from_secs(1));
    assert_eq!(browser.text(&brand), "Taskdeck");
    assert_eq!(browser.execute("return document.title"), "Taskdeck");

    let errors: Vec<String> = browser
        .console_log()
        .into_iter()
        .filter(|line| line.starts_with("SEVERE"))
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    browser.screenshot("shell");
}
