//! Every failure recorded from the real servers, grouped: the Paperless-ngx
//! task lists (API 10, API 9 and the 2.x server's `_2x_` files), its
//! processed mail, and the failed queues of InvenTree API 477 and 198.
//! The expected table is written out below and in README.md ("What the
//! recorded failures group into"); this test keeps the three in step.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Utc};
use taskdeck_api::inventree::{FailedQuery, InvenTreeClient};
use taskdeck_api::paperless::{PaperlessClient, TaskQuery};
use taskdeck_api::paperless_mail::MailQuery;
use taskdeck_api::{BaseUrl, HttpResponse};
use taskdeck_triage::{Failure, GroupOptions, RowRef, Window, groups, match_error};

fn fixtures() -> PathBuf {
    let root = std::env::var_os("TASKDECK_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"));
    assert!(
        root.join("README.md").is_file(),
        "recorded fixtures not found at {} (set TASKDECK_FIXTURES)",
        root.display()
    );
    root
}

fn json_files(folder: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(fixtures().join(folder))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

const PAPERLESS_10: &str = "Paperless 3.0.5 (API 10)";
const PAPERLESS_9: &str = "Paperless 3.0.5 (API 9)";
const PAPERLESS_2X: &str = "Paperless 2.20.15";
const INVENTREE_477: &str = "InvenTree API 477";
const INVENTREE_198: &str = "InvenTree API 198";

/// Every recorded failure, once per server and row (a row appears in many
/// captures: each capture of it must read the same).
fn recorded_failures() -> Vec<Failure> {
    let mut by_row: BTreeMap<RowRef, Failure> = BTreeMap::new();
    let mut keep = |failure: Failure, file: &str| {
        let key = failure.row.clone();
        match by_row.get(&key) {
            Some(seen) => assert_eq!(
                seen.signature, failure.signature,
                "{file}: row {key:?} reads differently"
            ),
            None => {
                by_row.insert(key, failure);
            }
        }
    };
    let paperless = PaperlessClient::new(BaseUrl::parse("http://127.0.0.1:8010").unwrap(), None);
    // Distinct tasks read per server view, to know every capture was read.
    let mut tasks_read: BTreeMap<&str, std::collections::BTreeSet<u64>> = BTreeMap::new();
    for (name, body) in json_files("paperless-v3.0.5") {
        let response = HttpResponse::new(200, body);
        let connection = if name.contains("_2x_") {
            PAPERLESS_2X
        } else if name.starts_with("v9_") {
            PAPERLESS_9
        } else {
            PAPERLESS_10
        };
        let tasks = match paperless
            .list_tasks_call(&TaskQuery::default())
            .decode(&response)
        {
            Ok(page) => page.items,
            Err(_) => match paperless.task_call(1).decode(&response) {
                Ok(task) => vec![task],
                Err(_) => vec![],
            },
        };
        for task in &tasks {
            tasks_read.entry(connection).or_default().insert(task.id);
            if let Some(f) = Failure::from_paperless(connection, task) {
                keep(f, &name);
            }
        }
        if name.starts_with("processed_mail")
            && let Ok(page) = paperless
                .processed_mail_call(&MailQuery::default())
                .decode(&response)
        {
            for mail in &page.items {
                if let Some(f) = Failure::from_processed_mail(PAPERLESS_10, mail) {
                    keep(f, &name);
                }
            }
        }
    }
    let read: Vec<(&str, usize)> = tasks_read.iter().map(|(c, ids)| (*c, ids.len())).collect();
    // The 32 seeded tasks, the two the capture created (33, 34; API 10
    // also reads the two of the rebuilt server, 73 and 74), the rebuilt
    // server's rows read by id, and the 2.x server's one task.
    assert_eq!(
        read,
        [(PAPERLESS_2X, 1), (PAPERLESS_10, 37), (PAPERLESS_9, 36)]
    );

    for (folder, connection) in [
        ("inventree-api477", INVENTREE_477),
        ("inventree-api198", INVENTREE_198),
    ] {
        let client = InvenTreeClient::new(BaseUrl::parse("http://127.0.0.1:8020").unwrap(), None);
        for (name, body) in json_files(folder) {
            if !name.starts_with("failed_") {
                continue;
            }
            let Ok(page) = client
                .failed_call(&FailedQuery::default())
                .decode(&HttpResponse::new(200, body))
            else {
                continue;
            };
            for task in &page.items {
                keep(
                    Failure::from_inventree(connection, task, FixedOffset::east_opt(0).unwrap()),
                    &name,
                );
            }
        }
    }
    by_row.into_values().collect()
}

/// The grouping as a Markdown table, the way README.md shows it.
fn table(failures: &[Failure]) -> String {
    let now = DateTime::parse_from_rfc3339("2026-12-10T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let options = GroupOptions {
        window: Window { days: 30 },
        include_acknowledged: true,
        ..GroupOptions::new(now)
    };
    let grouping = groups::group(failures, &options);
    assert_eq!((grouping.outside_window, grouping.undated), (0, 0));
    let mut groups = grouping.groups;
    groups.sort_by(|a, b| {
        (
            a.signature.kind() as u8,
            a.signature.source.task(),
            b.count,
            &a.signature.message,
        )
            .cmp(&(
                b.signature.kind() as u8,
                b.signature.source.task(),
                a.count,
                &b.signature.message,
            ))
    });
    let mut out = String::from(
        "| task | signature (masked message) | exception | rows | servers | known cause |\n|---|---|---|---|---|---|\n",
    );
    for g in &groups {
        let servers: Vec<String> = g
            .per_server
            .iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect();
        let cause = match_error(g.signature.kind(), &g.example_text).map_or("", |e| e.id.as_str());
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} | {} |\n",
            g.signature.source.task(),
            g.signature.message.replace('|', "\\|"),
            g.exception.as_deref().unwrap_or(""),
            g.count,
            servers.join(", "),
            cause,
        ));
    }
    out
}

const EXPECTED: &str = r#"| task | signature (masked message) | exception | rows | servers | known cause |
|---|---|---|---|---|---|
| `consume_file` | `Not consuming: It is a duplicate of document #<id>` | ConsumeFileDuplicateError | 4 | Paperless 3.0.5 (API 10): 2, Paperless 3.0.5 (API 9): 2 | paperless.duplicate |
| `consume_file` | `<file>: Error occurred while consuming document <file>: PDF file is encrypted or damaged` | ConsumerError | 2 | Paperless 3.0.5 (API 10): 1, Paperless 3.0.5 (API 9): 1 | paperless.password-protected |
| `consume_file` | `<file>: Unsupported mime type <mime>` | ConsumerError | 2 | Paperless 3.0.5 (API 10): 1, Paperless 3.0.5 (API 9): 1 | paperless.unsupported-type |
| `consume_file` | `Worker exited prematurely: signal <n> (SIGKILL) Job: <n>.` | WorkerLostError | 2 | Paperless 3.0.5 (API 10): 1, Paperless 3.0.5 (API 9): 1 | paperless.worker-killed |
| `mail_fetch` | `Error while authenticating account <host>: [AUTHENTICATIONFAILED] Invalid credentials (Failure)` | MailError | 2 | Paperless 3.0.5 (API 10): 1, Paperless 3.0.5 (API 9): 1 | paperless.mail-authentication |
| `processed mail` | `'utf-8' codec can't decode byte <hex> in position <n>: invalid continuation byte` | UnicodeDecodeError | 1 | Paperless 3.0.5 (API 10): 1 |  |
| `processed mail` | `Error while processing attachment <file>` | paperless_mail.mail.MailError | 1 | Paperless 3.0.5 (API 10): 1 |  |
| `processed mail` | `[Errno 110] Connection timed out` | TimeoutError | 1 | Paperless 3.0.5 (API 10): 1 | paperless.mail-unreachable |
| `processed mail` | `[Errno 111] Connection refused` | ConnectionRefusedError | 1 | Paperless 3.0.5 (API 10): 1 | paperless.mail-unreachable |
| `sanity_check` | `<n> document(s) with errors found. Check logs for details.` | SanityCheckFailedException | 2 | Paperless 3.0.5 (API 10): 1, Paperless 3.0.5 (API 9): 1 | paperless.sanity-check |
| `train_classifier` | `The least populated class in y has only <n> member, which is too few.` | ValueError | 2 | Paperless 3.0.5 (API 10): 1, Paperless 3.0.5 (API 9): 1 | paperless.classifier-too-few |
| `InvenTree.tasks.check_for_updates` | `HTTPSConnectionPool(host='<host>', port=<n>): Max retries exceeded with url: <path> (Caused by NameResolutionError("<urllib3.connection.HTTPSConnection object at <hex>>: Failed to resolve '<host>' ([Errno -2] Name or service not known)"))` | requests.exceptions.ConnectionError | 1 | InvenTree API 198: 1 | inventree.update-check |
| `InvenTree.tasks.delete_old_error_logs` | `database is locked` | OperationalError | 1 | InvenTree API 477: 1 | inventree.database-locked |
| `InvenTree.tasks.heartbeat` | `heartbeat() got an unexpected keyword argument 'unexpected'` | TypeError | 2 | InvenTree API 198: 1, InvenTree API 477: 1 |  |
| `InvenTree.tasks.heartbeat` | `heartbeat() takes <n> positional arguments but <n> were given` | TypeError | 2 | InvenTree API 198: 1, InvenTree API 477: 1 |  |
| `InvenTree.tasks.no_such_task` | `Function InvenTree.tasks.no_such_task is not defined` | ValueError | 16 | InvenTree API 198: 8, InvenTree API 477: 8 | inventree.function-not-defined |
| `InvenTree.tasks.update_exchange_rates` | `HTTPSConnectionPool(host='<host>', port=<n>): Max retries exceeded with url: <path> (Caused by NewConnectionError('Failed to establish a new connection: [Errno -3] Temporary failure in name resolution'))` | ConnectionError | 1 | InvenTree API 477: 1 | inventree.exchange-rates |
| `base64.b32decode` | `Incorrect padding` | binascii.Error | 2 | InvenTree API 198: 1, InvenTree API 477: 1 |  |
| `base64.b64decode` | `Only base64 data is allowed` | binascii.Error | 16 | InvenTree API 198: 8, InvenTree API 477: 8 |  |
| `builtins.float` | `could not convert string to float: '<value>'` | ValueError | 2 | InvenTree API 198: 1, InvenTree API 477: 1 |  |
| `builtins.int` | `invalid literal for int() with base <n>: '<value>'` | ValueError | 16 | InvenTree API 198: 8, InvenTree API 477: 8 |  |
| `codecs.decode` | `'utf-8' codec can't decode byte <hex> in position <n>: invalid start byte` | UnicodeDecodeError | 2 | InvenTree API 198: 1, InvenTree API 477: 1 |  |
| `datetime.date.fromisoformat` | `month must be in <n>..<n>` | ValueError | 16 | InvenTree API 198: 8, InvenTree API 477: 8 |  |
| `datetime.datetime.strptime` | `day is out of range for month` | ValueError | 2 | InvenTree API 198: 1, InvenTree API 477: 1 |  |
| `decimal.Decimal` | `[<class 'decimal.ConversionSyntax'>]` | decimal.InvalidOperation | 20 | InvenTree API 198: 10, InvenTree API 477: 10 |  |
| `fractions.Fraction` | `Fraction(<n>, <n>)` | ZeroDivisionError | 2 | InvenTree API 198: 1, InvenTree API 477: 1 |  |
| `ipaddress.ip_address` | `'<ip>' does not appear to be an IPv4 or IPv6 address` | ValueError | 2 | InvenTree API 198: 1, InvenTree API 477: 1 |  |
| `json.loads` | `Expecting value: line <n> column <n> (char <n>)` | json.decoder.JSONDecodeError | 22 | InvenTree API 198: 11, InvenTree API 477: 11 |  |
| `json.loads` | `Expecting property name enclosed in double quotes: line <n> column <n> (char <n>)` | json.decoder.JSONDecodeError | 1 | InvenTree API 477: 1 |  |
| `math.factorial` | `factorial() not defined for negative values` | ValueError | 2 | InvenTree API 198: 1, InvenTree API 477: 1 |  |
| `math.log` | `math domain error` | ValueError | 1 | InvenTree API 477: 1 |  |
| `math.sqrt` | `math domain error` | ValueError | 18 | InvenTree API 198: 9, InvenTree API 477: 9 |  |
| `operator.mod` | `integer modulo by zero` | ZeroDivisionError | 2 | InvenTree API 198: 1, InvenTree API 477: 1 |  |
| `operator.truediv` | `division by zero` | ZeroDivisionError | 18 | InvenTree API 198: 9, InvenTree API 477: 9 |  |
| `operator.truediv` | `unsupported operand type(s) for /: 'str' and 'int'` | TypeError | 2 | InvenTree API 198: 1, InvenTree API 477: 1 |  |
| `os.listdir` | `[Errno 2] No such file or directory: '<path>'` | FileNotFoundError | 2 | InvenTree API 198: 1, InvenTree API 477: 1 |  |
| `os.stat` | `[Errno 2] No such file or directory: '<path>'` | FileNotFoundError | 18 | InvenTree API 198: 9, InvenTree API 477: 9 | inventree.missing-media |
| `part.tasks.no_such_part_task` | `Function part.tasks.no_such_part_task is not defined` | ValueError | 16 | InvenTree API 198: 8, InvenTree API 477: 8 | inventree.function-not-defined |
| `part.tasks.notify_low_stock_if_required` | `Part matching query does not exist.` | Part.DoesNotExist | 1 | InvenTree API 477: 1 |  |
| `plugin.builtin.labels.label_sheet.print_labels` | `Function plugin.builtin.labels.label_sheet.print_labels is not defined` | ValueError | 16 | InvenTree API 198: 8, InvenTree API 477: 8 | inventree.plugin-not-loaded |
| `statistics.mean` | `mean requires at least one data point` | statistics.StatisticsError | 2 | InvenTree API 198: 1, InvenTree API 477: 1 |  |
| `uuid.UUID` | `badly formed hexadecimal UUID string` | ValueError | 2 | InvenTree API 198: 1, InvenTree API 477: 1 |  |
| `zoneinfo.ZoneInfo` | `'No time zone found with key Mars/Olympus_Mons'` | zoneinfo._common.ZoneInfoNotFoundError | 16 | InvenTree API 198: 8, InvenTree API 477: 8 |  |
| `zoneinfo.ZoneInfo` | `'No time zone found with key Europe/Atlantis'` | zoneinfo._common.ZoneInfoNotFoundError | 2 | InvenTree API 198: 1, InvenTree API 477: 1 |  |
"#;

#[test]
fn every_recorded_failure_groups_as_the_readme_says() {
    let failures = recorded_failures();
    let count = |connection: &str| {
        failures
            .iter()
            .filter(|f| f.row.connection == connection)
            .count()
    };
    // The 2.x server's recordings hold one task, a success.
    assert_eq!(count(PAPERLESS_2X), 0);
    assert_eq!(
        (count(PAPERLESS_10), count(PAPERLESS_9)),
        (12, 8),
        "8 failed tasks (+4 failed mails)"
    );
    assert_eq!((count(INVENTREE_477), count(INVENTREE_198)), (124, 120));
    let table = table(&failures);
    println!("{table}");
    assert_eq!(table, EXPECTED);
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    assert!(
        readme.contains(EXPECTED),
        "README.md's table differs from the one in this test"
    );
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn read(folder: &str, file: &str) -> String {
    std::fs::read_to_string(fixtures().join(folder).join(file)).unwrap()
}

/// The recorded Paperless server ran no celery worker: its three pending
/// and two started tasks never moved. Read as the console would, it is not
/// stalled yet when captured (the oldest waited four minutes) and stalled
/// fifteen minutes on.
#[test]
fn the_recorded_paperless_server_without_a_worker_stalls() {
    use taskdeck_triage::stall::{Reason, WorkerState, detect};
    let client = PaperlessClient::new(BaseUrl::parse("http://127.0.0.1:8010").unwrap(), None);
    let tasks = client
        .list_tasks_call(&TaskQuery::default())
        .decode(&HttpResponse::new(
            200,
            read("paperless-v3.0.5", "tasks_list_page_size_100.json"),
        ))
        .unwrap()
        .items;
    let captured = utc("2026-11-22T13:25:10Z");
    let status = taskdeck_api::paperless_admin::health_report(
        &read("paperless-v3.0.5", "api_status.json"),
        &client.status_call().request,
        captured,
    )
    .unwrap();
    let look = |at: &str| taskdeck_triage::Observation::paperless(utc(at), &tasks, Some(&status));

    let at_capture = look("2026-11-22T13:25:10Z");
    assert_eq!(at_capture.pending, 5);
    assert_eq!(at_capture.oldest_pending, Some(utc("2026-11-22T13:21:04Z")));
    assert_eq!(
        at_capture.newest_completion,
        Some(utc("2026-11-22T13:14:05.2Z"))
    );
    assert_eq!(
        at_capture.worker,
        WorkerState::NotRunning,
        "celery answered no ping"
    );
    assert_eq!(
        detect(std::slice::from_ref(&at_capture), &Default::default()),
        None
    );

    let later = look("2026-11-22T13:40:00Z");
    let stall = detect(&[at_capture, later], &Default::default()).expect("stalled");
    assert_eq!(stall.reasons, [Reason::NothingCompleted]);
    assert_eq!(stall.since, utc("2026-11-22T13:14:05.2Z"));
    assert_eq!(stall.pending, 5);
}

/// The recorded InvenTree server after its worker stopped: 30 tasks
/// pending since 13:06, no schedule run since 13:05, and, an hour on, its
/// schedules of every few minutes overdue by more than their period.
#[test]
fn the_recorded_inventree_server_without_a_worker_stalls() {
    use taskdeck_triage::stall::{Reason, WorkerState, detect};
    let client = InvenTreeClient::new(BaseUrl::parse("http://127.0.0.1:8020").unwrap(), None);
    let pending = client
        .pending_call(&Default::default())
        .decode(&HttpResponse::new(
            200,
            read("inventree-api477", "pending_default.json"),
        ))
        .unwrap();
    let schedules = client
        .scheduled_call(&Default::default())
        .decode(&HttpResponse::new(
            200,
            read("inventree-api477", "scheduled_default.json"),
        ))
        .unwrap()
        .items;
    let overview: taskdeck_api::inventree::Overview = serde_json::from_str(&read(
        "inventree-api477",
        "overview_worker_not_running.json",
    ))
    .unwrap();
    let zone = FixedOffset::east_opt(0).unwrap();
    let look = |at: &str| {
        taskdeck_triage::Observation::inventree(
            utc(at),
            Some(overview.is_running),
            pending.count,
            &pending.items,
            &schedules,
            zone,
        )
    };
    let first = look("2026-11-22T13:30:00Z");
    assert_eq!((first.pending, first.worker), (30, WorkerState::NotRunning));
    assert_eq!(first.oldest_pending, Some(utc("2026-11-22T13:06:00Z")));
    assert_eq!(first.newest_completion, Some(utc("2026-11-22T13:05:00Z")));
    assert!(first.overdue.is_empty());
    let stall = detect(&[first], &Default::default()).expect("stalled");
    assert_eq!(stall.reasons, [Reason::NothingCompleted]);

    let hour_on = look("2026-11-22T14:30:00Z");
    let overdue: Vec<&str> = hour_on.overdue.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        overdue,
        [
            "InvenTree.tasks.heartbeat",
            "machine.tasks.ping_machines",
            "news every 15 min"
        ]
    );
    let stall = detect(&[hour_on], &Default::default()).expect("stalled");
    assert_eq!(
        stall.reasons,
        [Reason::NothingCompleted, Reason::SchedulesOverdue]
    );
}
