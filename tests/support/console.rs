//! A demo backend serving the built UI, and a headless Chromium on it: what
//! every browser test starts from.

use std::path::PathBuf;
use std::time::Duration;

use taskdeck_demo::{Demo, DemoConfig};

use super::webdriver::{Browser, ROW_IDS};

pub fn dist() -> PathBuf {
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

pub fn serve_ui() -> Demo {
    taskdeck_demo::start(DemoConfig::ephemeral(Some(dist()))).expect("demo backend starts")
}

pub const LONG: Duration = Duration::from_secs(30);
pub const SHORT: Duration = Duration::from_secs(10);

/// The ids the demo offers its servers under, in the order it lists them.
pub const PAPERLESS3: &str = "demo1";
pub const INVENTREE477: &str = "demo2";
pub const PAPERLESS2: &str = "demo3";
pub const INVENTREE198: &str = "demo4";

/// A demo backend with the UI, and a browser on it.
pub struct Console {
    pub demo: Demo,
    pub browser: Browser,
    pub ui: String,
}

impl Console {
    pub fn open(path: &str) -> Console {
        let demo = serve_ui();
        let ui = demo.ui_url().unwrap();
        let browser = Browser::launch();
        browser.goto(&format!("{ui}{path}"));
        Console { demo, browser, ui }
    }

    pub fn goto(&self, path: &str) {
        self.browser.goto(&format!("{}{path}", self.ui));
    }

    pub fn row_ids(&self) -> Vec<String> {
        self.browser
            .execute(&format!("return {ROW_IDS}"))
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }

    pub fn wait_rows(&self) -> Vec<String> {
        self.browser
            .wait_until(&format!("{ROW_IDS}.length > 0"), LONG, "table rows");
        self.row_ids()
    }

    /// Waits until the rows differ from `before` (after a filter, sort or page).
    pub fn wait_rows_change(&self, before: &[String]) -> Vec<String> {
        let before = serde_json::to_string(before).unwrap();
        self.browser.wait_until(
            &format!("{ROW_IDS}.length > 0 && JSON.stringify({ROW_IDS}) !== '{before}'"),
            LONG,
            "the rows to change",
        );
        self.row_ids()
    }

    pub fn text_of(&self, css: &str) -> String {
        let element = self.browser.wait_for(css, SHORT);
        self.browser.text(&element)
    }

    pub fn check_rows(&self, ids: &[String]) {
        for id in ids {
            self.browser
                .click_css(&format!("tr[data-task-id='{id}'] [data-testid=row-check]"));
        }
    }

    pub fn assert_no_console_errors(&self) {
        let errors: Vec<String> = self
            .browser
            .console_log()
            .into_iter()
            .filter(|line| line.starts_with("SEVERE"))
            // Failed requests on purpose (fault injection) are logged by Chromium.
            .filter(|line| {
                !line.contains("status of 500") && !line.contains("Failed to load resource")
            })
            .collect();
        assert!(errors.is_empty(), "console errors: {errors:#?}");
    }
}

impl Console {
    /// Like [`Console::open`], on a demo set up by `configure`.
    pub fn open_with(path: &str, configure: impl FnOnce(&mut DemoConfig)) -> Console {
        let mut config = DemoConfig::ephemeral(Some(dist()));
        configure(&mut config);
        let demo = taskdeck_demo::start(config).expect("demo backend starts");
        let ui = demo.ui_url().unwrap();
        let browser = Browser::launch();
        browser.goto(&format!("{ui}{path}"));
        Console { demo, browser, ui }
    }
}
