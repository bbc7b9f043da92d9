//! The fixture folders: bodies, statuses and the recorded requests behind them.

use std::path::PathBuf;

use serde_json::Value;
use taskdeck_api::HttpResponse;

pub fn fixtures_root() -> PathBuf {
    let root = std::env::var_os("TASKDECK_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"));
    assert!(
        root.join("README.md").is_file(),
        "recorded fixtures not found at {} (set TASKDECK_FIXTURES)",
        root.display()
    );
    root
}

pub fn read(set: &str, file: &str) -> String {
    let path = fixtures_root().join(set).join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub const PAPERLESS: &str = "paperless-v3.0.5";
pub const INVENTREE_477: &str = "inventree-api477";
pub const INVENTREE_198: &str = "inventree-api198";

/// A request as recorded: method, path with query, headers, JSON body.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub name: String,
    pub method: String,
    pub path_and_query: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub status: u16,
    pub body_file: Option<String>,
    pub headers_file: Option<String>,
    /// Sent with a session cookie (curl -b) instead of a token.
    pub uses_session: bool,
    /// InvenTree manifests name the user instead of the header: admin, staffer,
    /// viewer, basic-admin, bad, none.
    pub user: Option<String>,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.path_and_query.split('?').next().unwrap()
    }

    pub fn json_body(&self) -> Option<Value> {
        self.body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok())
    }
}

/// Splits a shell command line the way the fixture READMEs quote them.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

/// Every capture in `paperless-v3.0.5/index.json`, with its curl parsed.
pub fn paperless_index() -> Vec<RecordedRequest> {
    let index: Vec<Value> = serde_json::from_str(&read(PAPERLESS, "index.json")).unwrap();
    index
        .iter()
        .map(|entry| {
            let words = shell_words(entry["curl"].as_str().unwrap());
            let mut method = "GET".to_string();
            let mut headers = Vec::new();
            let mut url = String::new();
            let mut body = None;
            let mut uses_session = false;
            let mut i = 1;
            while i < words.len() {
                match words[i].as_str() {
                    "-X" => {
                        method = words[i + 1].clone();
                        i += 1;
                    }
                    "-H" => {
                        let (n, v) = words[i + 1].split_once(':').unwrap();
                        headers.push((n.trim().to_string(), v.trim().to_string()));
                        i += 1;
                    }
                    "--data-binary" => {
                        let file = words[i + 1].trim_start_matches('@');
                        body = Some(read(PAPERLESS, file));
                        i += 1;
                    }
                    "-u" => {
                        use base64::Engine as _;
                        let encoded =
                            base64::engine::general_purpose::STANDARD.encode(&words[i + 1]);
                        headers.push(("Authorization".into(), format!("Basic {encoded}")));
                        i += 1;
                    }
                    "-b" | "-c" => {
                        uses_session = true;
                        i += 1;
                    }
                    w if w.starts_with("http") => url = w.to_string(),
                    _ => {}
                }
                i += 1;
            }
            let path_and_query = url
                .strip_prefix("http://127.0.0.1:8010")
                .unwrap_or_else(|| panic!("unexpected url {url}"))
                .to_string();
            RecordedRequest {
                name: entry["name"].as_str().unwrap().to_string(),
                method,
                path_and_query,
                headers,
                body,
                status: entry["status"].as_u64().unwrap() as u16,
                body_file: entry["body_file"].as_str().map(str::to_string),
                headers_file: entry["headers_file"].as_str().map(str::to_string),
                uses_session,
                user: None,
            }
        })
        .collect()
}

pub fn paperless_entry(name: &str) -> RecordedRequest {
    paperless_index()
        .into_iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no capture named {name}"))
}

/// Every row of an InvenTree `manifest.tsv`: file, method, path, auth, body, status.
pub fn inventree_manifest(set: &str) -> Vec<RecordedRequest> {
    read(set, "manifest.tsv")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 6, "manifest row: {line}");
            let file = cols[0].to_string();
            let auth = cols[3];
            let is_headers = file.ends_with(".txt");
            RecordedRequest {
                name: file
                    .trim_end_matches(".json")
                    .trim_end_matches(".txt")
                    .to_string(),
                method: cols[1].to_string(),
                path_and_query: cols[2].to_string(),
                headers: Vec::new(),
                user: Some(auth.to_string()),
                body: (cols[4] != "-").then(|| cols[4].to_string()),
                status: cols[5].parse().unwrap(),
                uses_session: cols[3] == "none" && cols[0].starts_with("session_"),
                body_file: (!is_headers).then(|| file.clone()),
                headers_file: is_headers.then_some(file),
            }
        })
        .collect()
}

pub fn inventree_entry(set: &str, name: &str) -> RecordedRequest {
    inventree_manifest(set)
        .into_iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no capture named {name} in {set}"))
}

/// Parses a `curl -D`/`curl -i` dump: status line, headers, then any body.
pub fn parse_header_dump(text: &str) -> HttpResponse {
    let text = text.replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let mut response = HttpResponse::new(status, body);
    for line in lines {
        if let Some((n, v)) = line.split_once(':') {
            response = response.with_header(n.trim(), v.trim());
        }
    }
    response
}

/// The recorded response of a capture: its body file (empty when the server
/// sent none) and status, plus headers where they were dumped.
pub fn response(set: &str, entry: &RecordedRequest) -> HttpResponse {
    let mut response = match (&entry.body_file, &entry.headers_file) {
        (Some(body), Some(headers)) if set == PAPERLESS => {
            let mut r = parse_header_dump(&read(set, headers));
            r.body = read(set, body);
            r
        }
        (Some(body), _) => HttpResponse::new(entry.status, read(set, body)),
        (None, Some(headers)) => parse_header_dump(&read(set, headers)),
        (None, None) => HttpResponse::new(entry.status, ""),
    };
    assert_eq!(
        response.status, entry.status,
        "{}: recorded status",
        entry.name
    );
    response.status = entry.status;
    response
}

/// Recorded Paperless endpoints the console never calls (so the demo does not
/// implement them either): schema, status, summary/active/run, the Swagger
/// redirect and the session login page.
#[allow(dead_code)]
pub const PAPERLESS_PATHS_NOT_USED: &[&str] = &[
    "/api/",
    "/api/schema/",
    "/accounts/login/",
    "/api/documents/reprocess/",
];
