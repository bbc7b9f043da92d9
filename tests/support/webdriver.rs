//! A small W3C WebDriver client for headless Chromium through chromedriver.
//! Each [`Browser`] owns its chromedriver process and a fresh profile folder,
//! and removes both when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Flags Chromium needs here: running as root in a container, no GPU, no
/// network beyond loopback.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--window-size=1366,900",
];

pub struct Element(String);

/// The task ids of the rows in the table on screen, in order.
pub const ROW_IDS: &str = "[...document.querySelectorAll('[data-testid=tasks-table] tbody tr[data-task-id]')].map(r => r.dataset.taskId)";

pub struct Browser {
    driver: Child,
    endpoint: String,
    session: String,
    http: ureq::Agent,
    profile: PathBuf,
    /// The X display of a desktop app: screenshots are taken from it with
    /// ImageMagick's `import`, because WebDriver screenshots through
    /// WebKitWebDriver hang under Xvfb.
    x_display: Option<String>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn scratch_dir() -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let base = std::env::var_os("TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/tmp"));
    let dir = base.join(format!(
        "chromium-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Browser {
    /// Headless Chromium through chromedriver.
    pub fn launch() -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver not found: run `cargo xtask setup`");
        let profile = scratch_dir();
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args },
            "goog:loggingPrefs": { "browser": "ALL" }
        });
        Browser::open_session(driver, port, capabilities, profile)
    }

    /// A session on an already started WebDriver server (e.g. tauri-driver)
    /// listening on `port`; the driver process is stopped on drop.
    pub fn attach(
        driver: Child,
        port: u16,
        capabilities: Value,
        scratch: PathBuf,
        x_display: &str,
    ) -> Browser {
        let mut browser = Browser::open_session(driver, port, capabilities, scratch);
        browser.x_display = Some(x_display.to_string());
        browser
    }

    pub fn free_port() -> u16 {
        free_port()
    }

    pub fn scratch_dir() -> PathBuf {
        scratch_dir()
    }

    fn open_session(driver: Child, port: u16, capabilities: Value, profile: PathBuf) -> Browser {
        let endpoint = format!("http://127.0.0.1:{port}");
        let http: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(90)))
            .build()
            .into();
        let started = Instant::now();
        while http.get(&format!("{endpoint}/status")).call().is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the WebDriver server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut browser = Browser {
            driver,
            endpoint,
            session: String::new(),
            http,
            profile,
            x_display: None,
        };
        let reply = browser.command(
            "POST",
            "/session",
            Some(json!({ "capabilities": { "alwaysMatch": capabilities } })),
        );
        browser.session = reply["sessionId"].as_str().expect("session id").to_string();
        browser
    }

    fn command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.endpoint);
        let response = match (method, body) {
            ("GET", _) => self.http.get(&url).call(),
            ("DELETE", _) => self.http.delete(&url).call(),
            (_, body) => self
                .http
                .post(&url)
                .send_json(body.unwrap_or_else(|| json!({}))),
        };
        let mut response = response.unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let status = response.status().as_u16();
        let reply: Value = response.body_mut().read_json().unwrap_or(Value::Null);
        assert!(status < 400, "WebDriver {method} {path}: {status} {reply}");
        reply
            .get("sessionId")
            .map(|_| reply.clone())
            .unwrap_or_else(|| reply["value"].clone())
    }

    fn session_path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub fn goto(&self, url: &str) {
        self.command(
            "POST",
            &self.session_path("/url"),
            Some(json!({ "url": url })),
        );
    }

    /// A Chrome DevTools Protocol command, through chromedriver.
    pub fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.command(
            "POST",
            &self.session_path("/goog/cdp/execute"),
            Some(json!({ "cmd": cmd, "params": params })),
        )
    }

    /// Reloads the page, as the browser's reload button does.
    pub fn reload(&self) {
        self.command("POST", &self.session_path("/refresh"), Some(json!({})));
    }

    pub fn find_all(&self, css: &str) -> Vec<Element> {
        let found = self.command(
            "POST",
            &self.session_path("/elements"),
            Some(json!({ "using": "css selector", "value": css })),
        );
        found
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| item[ELEMENT_KEY].as_str().map(|id| Element(id.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Polls until an element matches, failing the test with a screenshot path.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Element {
        let started = Instant::now();
        loop {
            if let Some(found) = self.find_all(css).into_iter().next() {
                return found;
            }
            if started.elapsed() > timeout {
                let shot = self.screenshot("timeout");
                panic!("no element matches `{css}` after {timeout:?}; page: {shot}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn text(&self, element: &Element) -> String {
        self.command(
            "GET",
            &self.session_path(&format!("/element/{}/text", element.0)),
            None,
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    pub fn click(&self, element: &Element) {
        self.command(
            "POST",
            &self.session_path(&format!("/element/{}/click", element.0)),
            None,
        );
    }

    pub fn type_text(&self, element: &Element, text: &str) {
        self.command(
            "POST",
            &self.session_path(&format!("/element/{}/value", element.0)),
            Some(json!({ "text": text })),
        );
    }

    pub fn execute(&self, script: &str) -> Value {
        self.command(
            "POST",
            &self.session_path("/execute/sync"),
            Some(json!({ "script": script, "args": [] })),
        )
    }

    /// Runs an async script; it finishes by calling `arguments[0](result)`.
    pub fn execute_async(&self, script: &str) -> Value {
        self.command(
            "POST",
            &self.session_path("/execute/async"),
            Some(json!({ "script": script, "args": [] })),
        )
    }

    /// Polls a JavaScript expression until it is truthy.
    pub fn wait_until(&self, expression: &str, timeout: Duration, what: &str) -> Value {
        let started = Instant::now();
        loop {
            let value = self.execute(&format!("return ({expression});"));
            let truthy = match &value {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64() != Some(0.0),
                Value::String(s) => !s.is_empty(),
                Value::Array(a) => !a.is_empty(),
                Value::Object(_) => true,
            };
            if truthy {
                return value;
            }
            if started.elapsed() > timeout {
                let shot = self.screenshot("timeout");
                panic!("timed out after {timeout:?} waiting for {what}; page: {shot}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until a toast contains `text`: the console's answer to an action.
    pub fn wait_for_toast(&self, text: &str, timeout: Duration) {
        let quoted = serde_json::to_string(text).unwrap();
        self.wait_until(
            &format!(
                "document.querySelector('[data-testid=toasts]').textContent.includes({quoted})"
            ),
            timeout,
            &format!("the toast {quoted}"),
        );
    }

    /// Clicks the first link whose text contains `text`.
    pub fn click_link(&self, text: &str) {
        let quoted = serde_json::to_string(text).unwrap();
        let found = format!(
            "[...document.querySelectorAll('a')].find(a => a.textContent.includes({quoted}))"
        );
        self.wait_until(
            &format!("!!{found}"),
            Duration::from_secs(10),
            &format!("a link {quoted}"),
        );
        self.execute(&format!(
            "{found}.scrollIntoView({{block: 'center'}}); {found}.click()"
        ));
    }

    /// Clicks the first match, scrolled to the middle of the window so sticky
    /// headers cannot cover it.
    pub fn click_css(&self, css: &str) {
        let element = self.wait_for(css, Duration::from_secs(10));
        self.execute(&format!(
            "document.querySelector({}).scrollIntoView({{block: 'center'}})",
            serde_json::to_string(css).unwrap()
        ));
        self.click(&element);
    }

    /// Sends keys to whatever has the focus (`\u{E00C}` is Escape).
    /// A key with Control held (`'k'` for Ctrl+K).
    pub fn press_with_control(&self, key: char) {
        let control = "\u{E009}";
        let actions = json!([
            { "type": "keyDown", "value": control },
            { "type": "keyDown", "value": key.to_string() },
            { "type": "keyUp", "value": key.to_string() },
            { "type": "keyUp", "value": control },
        ]);
        self.command(
            "POST",
            &self.session_path("/actions"),
            Some(json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] })),
        );
    }

    pub fn press_keys(&self, keys: &str) {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|c| {
                [
                    json!({ "type": "keyDown", "value": c.to_string() }),
                    json!({ "type": "keyUp", "value": c.to_string() }),
                ]
            })
            .collect();
        self.command(
            "POST",
            &self.session_path("/actions"),
            Some(json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] })),
        );
    }

    /// Sets the window's outer size.
    pub fn resize(&self, width: u32, height: u32) {
        self.command(
            "POST",
            &self.session_path("/window/rect"),
            Some(json!({ "width": width, "height": height })),
        );
    }

    pub fn current_url(&self) -> String {
        self.command("GET", &self.session_path("/url"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Browser console messages so far (Chromium's logging extension).
    pub fn console_log(&self) -> Vec<String> {
        self.command(
            "POST",
            &self.session_path("/se/log"),
            Some(json!({ "type": "browser" })),
        )
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    format!(
                        "{} {}",
                        e["level"].as_str().unwrap_or(""),
                        e["message"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
    }

    /// Saves a PNG under target/screenshots/ and returns its path, or says
    /// why there is none. Gives up after a few seconds, so a failing wait
    /// reports what it waited for, not a screenshot timeout.
    pub fn screenshot(&self, name: &str) -> String {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        let taken = match &self.x_display {
            Some(display) => Command::new("import")
                .args(["-window", "root", "-display", display])
                .arg(&path)
                .status()
                .map_err(|e| format!("import: {e}"))
                .and_then(|s| s.success().then_some(()).ok_or(format!("import: {s}"))),
            None => self.webdriver_screenshot(&path),
        };
        match taken {
            Ok(()) => path.display().to_string(),
            Err(why) => format!("(no screenshot: {why})"),
        }
    }

    fn webdriver_screenshot(&self, path: &Path) -> Result<(), String> {
        let quick: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        let url = format!("{}{}", self.endpoint, self.session_path("/screenshot"));
        let reply: Value = quick
            .get(&url)
            .call()
            .map_err(|e| e.to_string())?
            .body_mut()
            .read_json()
            .map_err(|e| e.to_string())?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(reply["value"].as_str().unwrap_or_default())
            .map_err(|e| e.to_string())?;
        std::fs::write(path, png).map_err(|e| e.to_string())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self
                .http
                .delete(&format!("{}/session/{}", self.endpoint, self.session))
                .call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
