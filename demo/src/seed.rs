//! Deterministic, realistic demo data. The mixes follow the recorded servers:
//! Paperless task types, trigger sources, result shapes; InvenTree functions,
//! django-q style names, pickled args, `"<exception> : <traceback>"` results;
//! plus unicode, very long tracebacks and hostile strings.

use chrono::{DateTime, Duration, NaiveDateTime, Timelike, Utc};
use serde_json::{Value, json};

/// splitmix64: tiny, fast, and the same sequence on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub fn hex32(&mut self) -> String {
        format!("{:016x}{:016x}", self.next_u64(), self.next_u64())
    }

    pub fn uuid(&mut self) -> String {
        let h = self.hex32();
        format!(
            "{}-{}-5{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[16..20],
            &h[20..32]
        )
    }
}

/// How many rows to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scale {
    pub paperless_tasks: usize,
    pub inventree_pending: usize,
    pub inventree_failed: usize,
    pub inventree_scheduled: usize,
}

impl Scale {
    pub const DEFAULT: Scale = Scale {
        paperless_tasks: 320,
        inventree_pending: 140,
        inventree_failed: 260,
        inventree_scheduled: 48,
    };
    pub const LARGE: Scale = Scale {
        paperless_tasks: 12_000,
        inventree_pending: 1_200,
        inventree_failed: 6_000,
        inventree_scheduled: 64,
    };
}

pub const HOSTILE: &str = "<img src=x onerror=alert(1)>";

const CONSUME_SOURCES: &[&str] = &["api_upload", "web_ui", "folder_consume", "email_consume"];

const FILE_NAMES: &[&str] = &[
    "Rechnung_Müller_2024-03.pdf",
    "請求書_東京_2024.pdf",
    "Привет мир — документ.pdf",
    "🧾 receipt \"coffee\" & 'cake'.pdf",
    "<img src=x onerror=alert(1)>.pdf",
    "Kontoauszug_Sparkasse_2025-01.pdf",
    "scan_0001.pdf",
    "IMG_20250214_101502.jpg",
    "Mietvertrag Wohnung 3.OG.pdf",
    "tax-return-2024-signed.pdf",
    "Arztbrief_Dr._Özdemir.pdf",
    "electricity-bill-march.pdf",
    "contrat_assurance_habitation.pdf",
    "payslip_2025_05.pdf",
    "warranty card (washing machine).png",
    "factura_0042.pdf",
];

/// Why a Paperless task fails in the demo: messages as the recorded
/// server stored them (`paperless-v3.0.5/tasks_list.json`) or as v3.0.5's
/// source words them, with `{file}` (the task's file), `{mime}` and `{n}`
/// filled per row, so several rows share each cause and grouping matters.
/// One list per task type; a task type without its own list fails as an
/// SQLite database does under two writers.
const CONSUME_FAILURES: &[(&str, &str)] = &[
    // src/documents/consumer.py:465 (recorded: task 9).
    ("ConsumerError", "{file}: Unsupported mime type {mime}"),
    // consumer.py:549 (recorded: task 8).
    (
        "ConsumerError",
        "{file}: Error occurred while consuming document {file}: PDF file is encrypted or damaged",
    ),
    // consumer.py:549 with src/paperless/parsers/tesseract.py:490 (issue 7035).
    (
        "ConsumerError",
        "{file}: Error occurred while consuming document {file}: SubprocessOutputError: Ghostscript rasterizing failed. See logs for more information.",
    ),
    // consumer.py:758 with an unwritable consumption folder (issue 6112).
    (
        "ConsumerError",
        "{file}: The following error occurred while storing document {file} after parsing: [Errno 13] Permission denied: '/usr/src/paperless/consume/{file}'",
    ),
    // Recorded: task 13.
    (
        "WorkerLostError",
        "Worker exited prematurely: signal 9 (SIGKILL) Job: {n}.",
    ),
];

/// Recorded: task 20 (and the status's classifier_error).
const CLASSIFIER_FAILURES: &[(&str, &str)] = &[(
    "ValueError",
    "The least populated class in y has only 1 member, which is too few.",
)];

/// Recorded: task 22; src/documents/tasks.py:291.
const SANITY_FAILURES: &[(&str, &str)] = &[(
    "SanityCheckFailedException",
    "{n} document(s) with errors found. Check logs for details.",
)];

const OTHER_FAILURES: &[(&str, &str)] = &[("OperationalError", "database is locked")];

const UNSUPPORTED_TYPES: &[&str] = &[
    "image/tiff",
    "application/zip",
    "application/x-msdownload",
    "application/vnd.apple.numbers",
];

/// The failure of a task of `task_type` on `file`, chosen by `pick`.
fn paperless_failure(
    task_type: &str,
    file: Option<&str>,
    id: u64,
    pick: u64,
) -> (&'static str, String) {
    let causes = match task_type {
        "consume_file" => CONSUME_FAILURES,
        "train_classifier" => CLASSIFIER_FAILURES,
        "sanity_check" => SANITY_FAILURES,
        _ => OTHER_FAILURES,
    };
    let (error_type, template) = causes[pick as usize % causes.len()];
    let message = template
        .replace("{file}", file.unwrap_or("document.pdf"))
        .replace(
            "{mime}",
            UNSUPPORTED_TYPES[id as usize % UNSUPPORTED_TYPES.len()],
        )
        .replace("{n}", &(1 + id % 7).to_string());
    (error_type, message)
}

fn python_traceback(error_type: &str, message: &str, frames: usize, rng: &mut Rng) -> String {
    let files = [
        ("/usr/src/paperless/src/documents/consumer.py", "run"),
        ("/usr/src/paperless/src/documents/parsers.py", "parse"),
        (
            "/usr/src/paperless/src/paperless_tesseract/parsers.py",
            "extract_text",
        ),
        (
            "/usr/local/lib/python3.12/site-packages/ocrmypdf/api.py",
            "ocr",
        ),
        (
            "/usr/local/lib/python3.12/site-packages/celery/app/trace.py",
            "trace_task",
        ),
        ("/usr/src/paperless/src/documents/classifier.py", "train"),
    ];
    let mut text = String::from("Traceback (most recent call last):\n");
    for _ in 0..frames {
        let (file, func) = rng.pick(&files);
        let line = 20 + rng.below(900);
        text.push_str(&format!("  File \"{file}\", line {line}, in {func}\n    result = self.{func}(document_path, mime_type)\n"));
    }
    text.push_str(&format!("{error_type}: {message}\n"));
    text
}

fn paperless_time(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond((t.nanosecond() / 100_000_000) * 100_000_000)
        .unwrap_or(t)
}

/// One Paperless task row in the API 10 model.
#[derive(Clone, Debug)]
pub struct PaperlessRow {
    pub id: u64,
    pub task_id: String,
    pub task_type: &'static str,
    pub trigger_source: &'static str,
    pub status: &'static str,
    pub date_created: DateTime<Utc>,
    pub date_started: Option<DateTime<Utc>>,
    pub date_done: Option<DateTime<Utc>>,
    pub input_data: Value,
    pub result_data: Option<Value>,
    pub acknowledged: bool,
    pub owner: Option<u64>,
    /// A task started from the console (`run`): when the demo's worker
    /// finishes it, and whether it succeeds.
    pub finishes: Option<(DateTime<Utc>, bool)>,
}

impl PaperlessRow {
    /// A task just queued: pending, nothing known of its outcome yet.
    pub fn queued(
        id: u64,
        task_id: String,
        task_type: &'static str,
        trigger_source: &'static str,
        at: DateTime<Utc>,
        input_data: Value,
    ) -> PaperlessRow {
        PaperlessRow {
            id,
            task_id,
            task_type,
            trigger_source,
            status: "pending",
            date_created: at,
            date_started: None,
            date_done: None,
            input_data,
            result_data: None,
            acknowledged: false,
            owner: None,
            finishes: None,
        }
    }
}

pub fn paperless(
    count: usize,
    now: DateTime<Utc>,
    rng: &mut Rng,
) -> (Vec<PaperlessRow>, Vec<(u64, String)>) {
    let mut rows = Vec::with_capacity(count);
    let mut documents: Vec<(u64, String)> = Vec::new();
    // Spread over ~10 minutes per task, newest last, so a few hundred tasks
    // cover two days and ten thousand cover about two months.
    let span_minutes = (count as i64 * 10).max(60);
    for index in 0..count {
        let id = index as u64 + 1;
        let age = span_minutes - (index as i64 * span_minutes / count.max(1) as i64);
        let created =
            paperless_time(now - Duration::minutes(age) + Duration::seconds(rng.below(50) as i64));
        let recent = index + 12 >= count;
        let roll = rng.below(100);
        let task_type: &'static str = match roll {
            0..=54 => "consume_file",
            55..=62 => "train_classifier",
            63..=68 => "sanity_check",
            69..=77 => "mail_fetch",
            78..=79 => "index_optimize",
            80..=82 => "empty_trash",
            83..=85 => "check_workflows",
            86..=89 => "bulk_update",
            90..=92 => "reprocess_document",
            93..=94 => "build_share_link",
            95..=97 => "bulk_delete",
            _ => "llm_index",
        };
        let trigger_source: &'static str = match task_type {
            "consume_file" => CONSUME_SOURCES[rng.below(CONSUME_SOURCES.len() as u64) as usize],
            "train_classifier" | "sanity_check" | "index_optimize" | "empty_trash"
            | "llm_index" => {
                if rng.chance(80) {
                    "scheduled"
                } else {
                    "manual"
                }
            }
            "mail_fetch" => "scheduled",
            "check_workflows" => "system",
            _ => "web_ui",
        };
        let status: &'static str = if recent && rng.chance(60) {
            // Celery's RETRY: a task waiting to run again after an error.
            if rng.chance(50) {
                "pending"
            } else if rng.chance(20) {
                "retry"
            } else {
                "started"
            }
        } else {
            match rng.below(100) {
                0..=69 => "success",
                70..=92 => "failure",
                _ => "revoked",
            }
        };
        let file_name = (task_type == "consume_file").then(|| {
            if rng.chance(45) {
                (*rng.pick(FILE_NAMES)).to_string()
            } else if rng.chance(3) {
                format!(
                    "{}.pdf",
                    "Sehr_langer_Dateiname_für_ein_eingescanntes_Dokument_".repeat(4)
                )
            } else {
                format!(
                    "scan_{:04}_{}.pdf",
                    id,
                    rng.pick(&["invoice", "letter", "receipt", "contract", "statement"])
                )
            }
        });
        let input_data = match (task_type, &file_name) {
            (_, Some(name)) => {
                let mut input = json!({ "filename": name, "mime_type": if name.ends_with(".jpg") { "image/jpeg" } else if name.ends_with(".png") { "image/png" } else { "application/pdf" } });
                if rng.chance(30) {
                    input["overrides"] = json!({ "owner_id": 2 });
                }
                input
            }
            ("mail_fetch", None) => json!({ "account_ids": [1 + rng.below(3)] }),
            _ => json!({}),
        };
        let started = (status != "pending" && status != "revoked" || rng.chance(30)).then(|| {
            paperless_time(created + Duration::milliseconds(100 + rng.below(4_000) as i64))
        });
        let finished = matches!(status, "success" | "failure" | "revoked");
        let done = if finished {
            let from = started.unwrap_or(created);
            Some(paperless_time(
                from + Duration::milliseconds(300 + rng.below(90_000) as i64),
            ))
        } else {
            None
        };
        let result_data = match (status, task_type) {
            ("success", "consume_file") => {
                if rng.chance(8) {
                    Some(
                        json!({ "reason": rng.pick(&["Barcode splitting complete!", "Received document with double-sided scanning enabled: waiting for the second side"]) }),
                    )
                } else {
                    let doc = 10 + id;
                    let title = file_name
                        .as_deref()
                        .unwrap_or("Document")
                        .trim_end_matches(".pdf")
                        .replace('_', " ");
                    documents.push((doc, title));
                    Some(json!({ "document_id": doc }))
                }
            }
            ("failure", "consume_file") if rng.chance(35) && !documents.is_empty() => {
                let (doc, _) = documents[rng.below(documents.len() as u64) as usize].clone();
                Some(json!({ "duplicate_of": doc, "duplicate_in_trash": rng.chance(15) }))
            }
            // A mail fetch fails on its account, as recorded in
            // `tasks_list_is_complete_true` (the demo's accounts are on two hosts).
            ("failure", "mail_fetch") => {
                let host = match input_data["account_ids"][0].as_u64() {
                    Some(2) => "imap.example.com",
                    _ => "imap.example.org",
                };
                Some(json!({
                    "error_type": "MailError",
                    "error_message": format!("Error while authenticating account {host}: [AUTHENTICATIONFAILED] Invalid credentials (Failure)"),
                }))
            }
            ("failure", _) => {
                let (error_type, message) =
                    paperless_failure(task_type, file_name.as_deref(), id, rng.below(7));
                let message = if rng.chance(4) {
                    format!("{message} {HOSTILE}")
                } else {
                    message.to_string()
                };
                let frames = if rng.chance(10) {
                    60
                } else {
                    3 + rng.below(5) as usize
                };
                let mut traceback = python_traceback(error_type, &message, frames, rng);
                traceback.truncate(5000);
                Some(
                    json!({ "error_type": error_type, "error_message": message, "traceback": traceback }),
                )
            }
            _ => None,
        };
        let owner = match id % 3 {
            1 => Some(2),
            2 => Some(4),
            _ => None,
        };
        let acknowledged =
            !recent && finished && rng.chance(if status == "success" { 75 } else { 25 });
        rows.push(PaperlessRow {
            finishes: None,
            id,
            task_id: rng.uuid(),
            task_type,
            trigger_source,
            status,
            date_created: created,
            date_started: started.filter(|_| status != "pending"),
            date_done: done,
            input_data,
            result_data,
            acknowledged,
            owner,
        });
    }
    (rows, documents)
}

/// InvenTree rows, field for field as the list endpoints serialise them.
#[derive(Clone, Debug)]
pub struct PendingRow {
    pub pk: i64,
    pub lock: Option<NaiveDateTime>,
    pub task_id: String,
    pub name: Option<String>,
    pub func: Option<String>,
    pub args: Option<String>,
    pub kwargs: Option<String>,
}

#[derive(Clone, Debug)]
pub struct FailedRow {
    pub pk: String,
    pub name: String,
    pub func: String,
    /// Any JSON value: a base64 pickle as a rule (see [`failed_arguments`]).
    pub args: Option<serde_json::Value>,
    pub kwargs: Option<serde_json::Value>,
    pub started: NaiveDateTime,
    pub stopped: NaiveDateTime,
    pub attempt_count: i64,
    pub result: String,
}

#[derive(Clone, Debug)]
pub struct ScheduledRow {
    pub pk: i64,
    pub name: Option<String>,
    pub func: String,
    pub args: Option<String>,
    pub kwargs: Option<String>,
    pub schedule_type: &'static str,
    pub repeats: i64,
    pub last_run: Option<NaiveDateTime>,
    pub next_run: Option<NaiveDateTime>,
    pub success: Option<bool>,
    pub task: Option<String>,
}

const FUNCS: &[&str] = &[
    "InvenTree.tasks.check_for_updates",
    "InvenTree.tasks.heartbeat",
    "InvenTree.tasks.delete_successful_tasks",
    "InvenTree.tasks.delete_old_error_logs",
    "InvenTree.tasks.send_email",
    "part.tasks.check_missing_pricing",
    "part.tasks.scheduled_stocktake_reports",
    "part.tasks.notify_low_stock_if_required",
    "stock.tasks.delete_old_stock_tracking",
    "order.tasks.check_overdue_purchase_orders",
    "build.tasks.check_build_stock",
    "report.tasks.cleanup_old_report_outputs",
    "plugin.builtin.labels.label_sheet.print_labels",
    "common.tasks.delete_old_notes_images",
    "importer.tasks.cleanup_import_sessions",
    "math.sqrt",
    "json.loads",
    "operator.truediv",
];

const WORDS: &[&str] = &[
    "lemon",
    "fifteen",
    "berlin",
    "colorado",
    "hawaii",
    "saturn",
    "bakerloo",
    "fix",
    "mango",
    "twenty",
    "delaware",
    "mars",
    "white",
    "shade",
    "magnesium",
    "enemy",
    "cat",
    "georgia",
    "five",
    "thirteen",
    "hot",
    "lithium",
    "tennis",
    "william",
    "alpha",
    "bravo",
    "cola",
    "island",
    "kilo",
    "oven",
];

/// Why a function fails in the demo, as the recorded InvenTree servers'
/// failures read (`inventree-api477/failed_*`, `inventree-api198/failed_*`):
/// exception, message (`{n}` and `{hex}` filled per row) and, where the
/// error comes from a library, its frame. Every function keeps a cause of
/// its own, and a few share one, so groups span functions and rows.
fn inventree_failure(
    func: &str,
    pick: u64,
    row: u64,
) -> (&'static str, String, Option<&'static str>) {
    const LOCKED: (&str, &str, Option<&str>) = ("OperationalError", "database is locked", None);
    const NO_PART: (&str, &str, Option<&str>) = (
        "Part.DoesNotExist",
        "Part matching query does not exist.",
        None,
    );
    const SMTP: &str = "  File \"/usr/local/lib/python3.11/smtplib.py\", line 341, in connect\n    self.sock = self._get_socket(host, port, self.timeout)\n";
    let causes: &[(&str, &str, Option<&str>)] = match func {
        "InvenTree.tasks.check_for_updates" => &[(
            "requests.exceptions.ConnectionError",
            "HTTPSConnectionPool(host='api.github.com', port=443): Max retries exceeded with url: /repos/inventree/inventree/releases/latest (Caused by NameResolutionError(\"<urllib3.connection.HTTPSConnection object at 0x7f4c{hex}>: Failed to resolve 'api.github.com' ([Errno -2] Name or service not known)\"))",
            None,
        )],
        "InvenTree.tasks.heartbeat" => &[(
            "TypeError",
            "heartbeat() takes 0 positional arguments but {n} were given",
            None,
        )],
        "InvenTree.tasks.send_email" => &[(
            "ConnectionRefusedError",
            "[Errno 111] Connection refused",
            Some(SMTP),
        )],
        "part.tasks.check_missing_pricing" | "build.tasks.check_build_stock" => &[NO_PART, LOCKED],
        "part.tasks.notify_low_stock_if_required" => {
            &[NO_PART, ("KeyError", "'Kabel — 低库存'", None)]
        }
        "part.tasks.scheduled_stocktake_reports" | "report.tasks.cleanup_old_report_outputs" => {
            &[(
                "FileNotFoundError",
                "[Errno 2] No such file or directory: '/home/inventree/data/media/report/stocktake-2026-{n}.pdf'",
                None,
            )]
        }
        "common.tasks.delete_old_notes_images" => &[(
            "FileNotFoundError",
            "[Errno 2] No such file or directory: '/home/inventree/data/media/notes/{hex}.png'",
            None,
        )],
        "plugin.builtin.labels.label_sheet.print_labels" => &[
            (
                "ValueError",
                "Function plugin.builtin.labels.label_sheet.print_labels is not defined",
                None,
            ),
            (
                "ValidationError",
                "Invalid label template <img src=x onerror=alert(1)>",
                None,
            ),
        ],
        "math.sqrt" => &[("ValueError", "math domain error", None)],
        "json.loads" => &[(
            "json.decoder.JSONDecodeError",
            "Expecting value: line 1 column {n} (char {n1})",
            None,
        )],
        "operator.truediv" => &[("ZeroDivisionError", "division by zero", None)],
        _ => &[LOCKED],
    };
    let (error, template, frame) = causes[pick as usize % causes.len()];
    let n = 1 + row % 12;
    let message = template
        .replace("{n1}", &(n - 1).to_string())
        .replace("{n}", &n.to_string())
        .replace(
            "{hex}",
            &format!("{:08x}", row.wrapping_mul(0x9E37_79B9) & 0xffff_ffff),
        );
    (error, message, frame)
}

fn humanhash(rng: &mut Rng) -> String {
    (0..4)
        .map(|_| *rng.pick(WORDS))
        .collect::<Vec<_>>()
        .join("-")
}

fn minute(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .expect("valid time")
}

/// `f"{e} : {traceback.format_exc()}"`, as django-q2 stores a failure
/// (`django_q/worker.py:109`).
fn django_q_result(func: &str, row: u64, rng: &mut Rng) -> String {
    let (error, message, frame) = inventree_failure(func, rng.below(7), row);
    let frames = if rng.chance(8) {
        80
    } else {
        2 + rng.below(4) as usize
    };
    let mut text = format!("{message} : Traceback (most recent call last):\n");
    for i in 0..frames {
        text.push_str(&format!(
            "  File \"/opt/inventree/venv/lib/python3.11/site-packages/django_q/worker.py\", line {}, in worker\n    res = f(*task[\"args\"], **task[\"kwargs\"])\n",
            90 + i
        ));
    }
    text.push_str(&format!(
        "  File \"/opt/inventree/src/backend/InvenTree/{}.py\", line 42\n",
        func.replace('.', "/")
    ));
    text.push_str(frame.unwrap_or(""));
    text.push_str(&format!("{error}: {message}\n"));
    text
}

/// Arguments as InvenTree 1.3 really stores them, pickled by django-q2
/// (protocol 5, made by Python with the shapes in
/// `tests/pickle/make_corpus.py`: dates and a zoneinfo datetime, a Django
/// model instance, a Decimal and a UUID, a crafted `os.system` call), and
/// the plain JSON values its serializer passes through unpickled (a
/// number, `null`, an ISO 8601 datetime). Given to every few rows by
/// position, so the seed's random sequence stays as it was.
fn failed_arguments(failed: &mut [FailedRow]) {
    use serde_json::{Value, json};
    const DATE_ARGS: &str = "gAWVIgAAAAAAAACMCGRhdGV0aW1llIwEZGF0ZZSTlEMEB+oMAZSFlFKUhZQu";
    const DUE_KWARGS: &str = "gAWVqwAAAAAAAAB9lCiMA2R1ZZSMCGRhdGV0aW1llIwIZGF0ZXRpbWWUk5RDCgfqDAMJAAAAAACUjAhidWlsdGluc5SMB2dldGF0dHKUk5SMCHpvbmVpbmZvlIwIWm9uZUluZm+Uk5SMCV91bnBpY2tsZZSGlFKUjA1FdXJvcGUvQmVybGlulEsBhpRSlIaUUpSMBWV2ZXJ5lGgCjAl0aW1lZGVsdGGUk5RLB0sASwCHlFKUdS4=";
    const PART_ARGS: &str = "gAWVxwEAAAAAAACMFWRqYW5nby5kYi5tb2RlbHMuYmFzZZSMDm1vZGVsX3VucGlja2xllJOUjARwYXJ0lIwEUGFydJSGlIWUUpR9lCiMBl9zdGF0ZZRoAIwKTW9kZWxTdGF0ZZSTlCmBlH2UKIwCZGKUjAdkZWZhdWx0lIwGYWRkaW5nlImMDGZpZWxkc19jYWNoZZR9lHVijAJpZJRLDIwEbmFtZZSMCE0zIHNjcmV3lIwDSVBOlIwHU0NSLTAwM5SMC2Rlc2NyaXB0aW9ulIwSU3RhaW5sZXNzLCBESU4gOTEylIwGYWN0aXZllIiMBWltYWdllIwdZGphbmdvLmRiLm1vZGVscy5maWVsZHMuZmlsZXOUjA5JbWFnZUZpZWxkRmlsZZSTlCmBlH2UKGgUjBJwYXJ0X2ltYWdlcy8xMi5wbmeUjAZjbG9zZWSUiYwKX2NvbW1pdHRlZJSIjAVfZmlsZZROjAhpbnN0YW5jZZRoB4wFZmllbGSUjBdkamFuZ28uZGIubW9kZWxzLmZpZWxkc5SMC19sb2FkX2ZpZWxklJOUaANoBGgbh5RSlHVijA9fZGphbmdvX3ZlcnNpb26UjAU1LjIuNJR1YoWULg==";
    const PRICE_KWARGS: &str = "gAWVeAAAAAAAAAB9lCiMBmFtb3VudJSMB2RlY2ltYWyUjAdEZWNpbWFslJOUjAUxMi41MJSFlFKUjAhjdXJyZW5jeZSMA0VVUpSMBWJhdGNolIwEdXVpZJSMBFVVSUSUk5QpgZR9lIwDaW50lIoQFAuefFovO50eTA6Kfhscb3NidS4=";
    const CALLS_ARGS: &str =
        "gAWVKwAAAAAAAACMBXBvc2l4lIwGc3lzdGVtlJOUjA5lY2hvIG5ldmVyIHJ1bpSFlFKUhZQu";
    let n = failed.len();
    for (i, row) in failed.iter_mut().enumerate() {
        // The newest rows (the end of the list) come first on screen.
        let (args, kwargs): (Value, Value) = match n - 1 - i {
            1 => (DATE_ARGS.into(), DUE_KWARGS.into()),
            2 => (PART_ARGS.into(), PRICE_KWARGS.into()),
            4 => (json!(12), Value::Null),
            6 => (json!("2026-12-03T09:00:00Z"), json!(2.5)),
            k if k % 53 == 29 => (CALLS_ARGS.into(), "gAV9lC4=".into()),
            k if k % 11 == 8 => (PART_ARGS.into(), "gAV9lC4=".into()),
            k if k % 7 == 3 => (DATE_ARGS.into(), DUE_KWARGS.into()),
            _ => continue,
        };
        row.args = Some(args);
        row.kwargs = Some(kwargs);
    }
}

pub fn inventree(
    scale: Scale,
    now: DateTime<Utc>,
    rng: &mut Rng,
) -> (Vec<PendingRow>, Vec<FailedRow>, Vec<ScheduledRow>) {
    let mut failed = Vec::with_capacity(scale.inventree_failed);
    for i in 0..scale.inventree_failed {
        let func = (*rng.pick(FUNCS)).to_string();
        let started = minute(
            now - Duration::minutes((scale.inventree_failed - i) as i64 * 3 + rng.below(3) as i64),
        );
        failed.push(FailedRow {
            pk: rng.hex32(),
            name: humanhash(rng),
            result: django_q_result(&func, i as u64, rng),
            func,
            args: Some(
                rng.pick(&["gAUpLg==", "gAVLDIWULg==", "gAWVCQAAAAAAAABLAUsCSwOHlC4="])
                    .to_string()
                    .into(),
            ),
            kwargs: if rng.chance(85) {
                Some("gAV9lC4=".into())
            } else {
                None
            },
            started,
            stopped: started + Duration::minutes(rng.below(2) as i64),
            attempt_count: 1 + rng.below(3) as i64,
        });
    }
    failed_arguments(&mut failed);
    let mut pending = Vec::with_capacity(scale.inventree_pending);
    for i in 0..scale.inventree_pending {
        let pk = 100 + i as i64;
        let lock = Some(minute(
            now - Duration::minutes((scale.inventree_pending - i) as i64),
        ));
        if i % 97 == 50 {
            // A payload the server cannot decode (SECRET_KEY changed).
            pending.push(PendingRow {
                pk,
                lock: None,
                task_id: "*BadSignature".into(),
                name: None,
                func: None,
                args: None,
                kwargs: None,
            });
            continue;
        }
        // A few failed tasks waiting for their retry sit in both lists.
        let retry = (i % 23 == 7)
            .then(|| failed.get(i % failed.len().max(1)))
            .flatten();
        let (task_id, func, name) = match retry {
            Some(f) => (f.pk.clone(), f.func.clone(), f.name.clone()),
            None => (rng.hex32(), (*rng.pick(FUNCS)).to_string(), humanhash(rng)),
        };
        let args = match func.as_str() {
            "math.sqrt" => format!("({},)", rng.below(200) as i64 - 50),
            "part.tasks.notify_low_stock_if_required" => format!("({},)", rng.below(5000)),
            "InvenTree.tasks.send_email" => {
                "('Low stock: Kabel — 低库存', 'Bitte nachbestellen', ['lager@example.com'])".into()
            }
            _ => "()".into(),
        };
        let kwargs = if func.starts_with("plugin") {
            "{'template': 7, 'items': [1, 2, 3]}".to_string()
        } else {
            "{}".to_string()
        };
        let future_lock = retry.is_some().then(|| minute(now + Duration::minutes(5)));
        pending.push(PendingRow {
            pk,
            lock: future_lock.or(lock),
            task_id,
            name: Some(name),
            func: Some(func),
            args: Some(args),
            kwargs: Some(kwargs),
        });
    }
    let builtin: &[(&str, &str)] = &[
        ("InvenTree.tasks.heartbeat", "I"),
        ("InvenTree.tasks.check_for_updates", "D"),
        ("InvenTree.tasks.delete_successful_tasks", "D"),
        ("InvenTree.tasks.delete_old_error_logs", "D"),
        ("InvenTree.tasks.run_oauth_maintenance", "D"),
        ("stock.tasks.delete_old_stock_tracking", "D"),
        ("importer.tasks.cleanup_import_sessions", "D"),
        ("part.tasks.scheduled_stocktake_reports", "W"),
        ("order.tasks.check_overdue_purchase_orders", "D"),
        ("report.tasks.cleanup_old_report_outputs", "M"),
        ("common.tasks.delete_old_notes_images", "BW"),
    ];
    let custom: &[(&str, &str, &str)] = &[
        (
            "pricing sweep (100)",
            "part.tasks.check_missing_pricing",
            "H",
        ),
        (
            "低库存 report — Lager Süd",
            "part.tasks.notify_low_stock_if_required",
            "D",
        ),
        (
            "<img src=x onerror=alert(1)> nightly",
            "report.tasks.cleanup_old_report_outputs",
            "D",
        ),
        (
            "quarterly stocktake",
            "part.tasks.scheduled_stocktake_reports",
            "Q",
        ),
        (
            "yearly archive",
            "InvenTree.tasks.delete_old_error_logs",
            "Y",
        ),
        (
            "one-off migration check",
            "InvenTree.tasks.check_for_updates",
            "O",
        ),
        (
            "bimonthly supplier sync",
            "order.tasks.check_overdue_purchase_orders",
            "BM",
        ),
        (
            "cron: weekday 06:00 report",
            "report.tasks.cleanup_old_report_outputs",
            "C",
        ),
    ];
    let mut scheduled = Vec::with_capacity(scale.inventree_scheduled);
    for i in 0..scale.inventree_scheduled {
        let pk = i as i64 + 1;
        let (name, func, kind, is_builtin) = if i < builtin.len() {
            (
                Some(builtin[i].0.to_string()),
                builtin[i].0,
                builtin[i].1,
                true,
            )
        } else {
            let (name, func, kind) = custom[(i - builtin.len()) % custom.len()];
            let name = if i - builtin.len() < custom.len() {
                name.to_string()
            } else {
                format!("{name} #{}", i)
            };
            (
                if rng.chance(10) { None } else { Some(name) },
                func,
                kind,
                false,
            )
        };
        let never_ran = !is_builtin && rng.chance(35);
        let last_run =
            (!never_ran).then(|| minute(now - Duration::minutes(1 + rng.below(600) as i64)));
        scheduled.push(ScheduledRow {
            pk,
            name,
            func: func.to_string(),
            args: (!is_builtin).then(|| "()".to_string()),
            kwargs: (!is_builtin).then(|| "{}".to_string()),
            schedule_type: kind,
            repeats: if kind == "O" {
                1
            } else if rng.chance(15) {
                1 + rng.below(20) as i64
            } else {
                -1
            },
            last_run,
            next_run: if kind == "C" && rng.chance(50) {
                None
            } else {
                Some(minute(now + Duration::minutes(1 + rng.below(1440) as i64)))
            },
            success: last_run.map(|_| rng.chance(85)),
            task: last_run.map(|_| rng.hex32()),
        });
    }
    // One daily schedule fell behind (its worker was down for days): the
    // console flags it as overdue.
    if let Some(stuck) = scheduled.get_mut(1) {
        stuck.last_run = Some(minute(now - Duration::days(4)));
        stuck.next_run = Some(minute(now - Duration::days(3)));
        stuck.success = Some(true);
    }
    (pending, failed, scheduled)
}

/// A Paperless worker hung at `since`: every task queued after it is
/// still waiting, and nothing finished after it.
pub fn stall_paperless(rows: &mut [PaperlessRow], since: DateTime<Utc>) {
    for row in rows.iter_mut() {
        if row.date_created > since {
            row.status = "pending";
            row.date_started = None;
            row.date_done = None;
            row.result_data = None;
            row.acknowledged = false;
        } else if let Some(done) = row.date_done.filter(|done| *done > since) {
            // Taken just before it hung: finished just before.
            let shift = done - since;
            row.date_done = Some(since);
            row.date_started = row.date_started.map(|s| (s - shift).max(row.date_created));
        }
    }
}

/// An InvenTree cluster hung at `since`: no schedule ran after it (the
/// frequent ones are due since), and the failures it recorded are older.
pub fn stall_inventree(
    failed: &mut [FailedRow],
    scheduled: &mut [ScheduledRow],
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) {
    let since_minute = minute(since);
    for (i, schedule) in scheduled.iter_mut().enumerate() {
        if schedule.last_run.is_some_and(|last| last > since_minute) {
            let last = since_minute - Duration::minutes(i as i64 % 7);
            schedule.last_run = Some(last);
            let every = match schedule.schedule_type {
                "I" => Some(Duration::minutes(5)),
                "H" => Some(Duration::hours(1)),
                _ => None,
            };
            if let Some(every) = every {
                schedule.next_run = Some(last + every);
            }
        }
    }
    let back = now - since;
    for row in failed.iter_mut() {
        row.started -= back;
        row.stopped -= back;
    }
}

/// A running worker is seen working: when the newest task still waits,
/// the worker finished it a minute ago (the seed alone could leave a
/// running server looking as quiet as a hung one).
pub fn settle_paperless(
    rows: &mut [PaperlessRow],
    documents: &mut Vec<(u64, String)>,
    now: DateTime<Utc>,
) {
    let Some(newest) = rows.iter_mut().max_by_key(|r| (r.date_created, r.id)) else {
        return;
    };
    if !matches!(newest.status, "pending" | "started" | "retry") {
        return;
    }
    let done = paperless_time(now - Duration::seconds(60)).max(newest.date_created);
    newest.status = "success";
    newest.date_started = Some(newest.date_started.unwrap_or(newest.date_created).min(done));
    newest.date_done = Some(done);
    newest.result_data = match newest.input_data.get("filename").and_then(Value::as_str) {
        Some(name) => {
            let doc = 10 + newest.id;
            documents.push((doc, name.trim_end_matches(".pdf").replace('_', " ")));
            Some(json!({ "document_id": doc }))
        }
        None => None,
    };
}

/// A running cluster is seen working: its every-few-minutes schedule
/// (InvenTree's heartbeat) ran two minutes ago.
pub fn settle_inventree(scheduled: &mut [ScheduledRow], now: DateTime<Utc>) {
    if let Some(heartbeat) = scheduled.iter_mut().find(|s| s.schedule_type == "I") {
        let last = minute(now) - Duration::minutes(2);
        heartbeat.last_run = Some(last);
        heartbeat.next_run = Some(last + Duration::minutes(5));
        heartbeat.success = Some(true);
    }
}
