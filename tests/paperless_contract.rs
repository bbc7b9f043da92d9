//! Decodes every recorded Paperless-ngx v3.0.5 response the API module handles,
//! API 10 and API 9, and checks concrete values from them.

mod support;

use std::future::Future;

use chrono::{TimeZone, Utc};
use support::recorded::{PAPERLESS, paperless_entry, paperless_index, read, response};
use support::{ScriptedTransport, block_on};
use taskdeck_api::account::{ACKNOWLEDGE_TASKS, PaperlessAccount};
use taskdeck_api::paperless::{
    AckTarget, PaperlessApi, PaperlessClient, PaperlessTask, StatusGroup, TaskQuery, TaskStatus,
    TaskType, TriggerSource,
};
use taskdeck_api::paperless_admin::{Health, Started, SystemTask, health_report};
use taskdeck_api::paperless_mail::{
    AccountLog, MailQuery, MailStatus, account_log, lines_after, new_mail_fetch,
};
use taskdeck_api::{ApiError, BaseUrl, HttpResponse, Page, Secret, Selection};

fn client(api: PaperlessApi) -> PaperlessClient {
    PaperlessClient::new(
        BaseUrl::parse("http://127.0.0.1:8010").unwrap(),
        Some(Secret::new("f6ba261cbdbf9193851c690b641447f4b6ea12af")),
    )
    .with_api(api)
}

fn api_of(entry: &support::recorded::RecordedRequest) -> PaperlessApi {
    match entry.header("Accept") {
        Some(accept) if accept.ends_with("version=9") => PaperlessApi::V9,
        _ => PaperlessApi::V10,
    }
}

fn list(name: &str) -> Page<PaperlessTask> {
    let entry = paperless_entry(name);
    client(api_of(&entry))
        .list_tasks_call(&TaskQuery::default())
        .decode(&response(PAPERLESS, &entry))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn retrieve(name: &str) -> PaperlessTask {
    let entry = paperless_entry(name);
    client(api_of(&entry))
        .task_call(1)
        .decode(&response(PAPERLESS, &entry))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn error_of(name: &str) -> ApiError {
    let entry = paperless_entry(name);
    let res = response(PAPERLESS, &entry);
    match decode_with_endpoint_call(&entry, &res) {
        Err(e) => e,
        Ok(()) => panic!("{name}: decoded a {} response as success", res.status),
    }
}

/// Decodes a recorded response with the call for the recorded endpoint.
fn decode_with_endpoint_call(
    entry: &support::recorded::RecordedRequest,
    res: &HttpResponse,
) -> Result<(), ApiError> {
    let c = client(api_of(entry));
    let path = entry.path();
    if path == "/api/tasks/" {
        c.list_tasks_call(&TaskQuery::default())
            .decode(res)
            .map(|page| {
                assert!(page.count >= page.items.len() as u64, "{}", entry.name);
            })
    } else if path == "/api/tasks/status_counts/" {
        c.status_counts_call(&TaskQuery::default())
            .decode(res)
            .map(|counts| {
                assert_eq!(
                    counts.all,
                    counts.needs_attention + counts.in_progress + counts.completed,
                    "{}",
                    entry.name
                );
            })
    } else if path == "/api/tasks/acknowledge/" {
        let target = AckTarget::Tasks(Selection::new([1]).unwrap());
        c.acknowledge_call(&target).unwrap().decode(res).map(drop)
    } else if path == "/api/token/" {
        PaperlessClient::obtain_token_call(c.base(), "admin", &Secret::new("x"), None)
            .decode(res)
            .map(|token| assert!(!token.is_empty()))
    } else if path == "/api/status/" {
        c.status_call().decode(res).map(|body| {
            let report = health_report(&body, &c.status_call().request, Utc::now()).unwrap();
            assert!(report.checks.len() >= 7, "{}", entry.name);
        })
    } else if path == "/api/tasks/run/" {
        c.run_call(SystemTask::SanityCheck)
            .unwrap()
            .decode(res)
            .map(|started| assert!(matches!(started, Started::Queued { .. })))
    } else if path == "/api/tasks/summary/" {
        c.summary_call(30)
            .decode(res)
            .map(|rows| assert!(rows.iter().all(|r| r.total_count >= r.success_count)))
    } else if path == "/api/tasks/active/" {
        c.active_call().decode(res).map(|page| {
            assert!(
                page.items
                    .iter()
                    .all(|t| t.status.group() == Some(StatusGroup::InProgress))
            );
        })
    } else if path == "/api/mail_accounts/" {
        c.mail_accounts_call()
            .decode(res)
            .map(|p| assert!(p.items.iter().all(|a| !a.name.is_empty())))
    } else if path.starts_with("/api/mail_accounts/") && path.ends_with("/process/") {
        c.fetch_mail_call(1).decode(res)
    } else if path == "/api/mail_rules/" {
        c.mail_rules_call()
            .decode(res)
            .map(|p| assert!(p.items.iter().all(|r| r.account > 0)))
    } else if path == "/api/processed_mail/" {
        c.processed_mail_call(&MailQuery::default())
            .decode(res)
            .map(|p| assert!(p.unreadable.is_empty(), "{}", entry.name))
    } else if path == "/api/processed_mail/bulk_delete/" {
        c.allow_reimport_call(&[2, 3]).unwrap().decode(res)
    } else if path == "/api/logs/" {
        c.logs_call().decode(res).map(drop)
    } else if let Some(name) = path.strip_prefix("/api/logs/") {
        c.log_call(name.trim_end_matches('/'))
            .unwrap()
            .decode(res)
            .map(drop)
    } else if path.starts_with("/api/tasks/") {
        c.task_call(1).decode(res).map(|task| assert!(task.id > 0))
    } else {
        panic!(
            "{}: {} is neither decoded nor listed as unused",
            entry.name, path
        );
    }
}

#[test]
fn every_recorded_tasks_response_decodes_or_maps_to_a_typed_error() {
    let mut decoded = 0;
    for entry in paperless_index() {
        // Endpoints the console does not call; everything else in the index is decoded.
        if support::recorded::PAPERLESS_PATHS_NOT_USED.contains(&entry.path())
            || entry.method == "OPTIONS"
        {
            continue;
        }
        let res = response(PAPERLESS, &entry);
        let outcome = decode_with_endpoint_call(&entry, &res);
        match (res.is_success(), outcome) {
            (true, Ok(())) => {}
            (true, Err(e)) => panic!("{}: {e}", entry.name),
            (false, Ok(())) => panic!("{}: HTTP {} decoded as success", entry.name, res.status),
            (false, Err(e)) => {
                assert!(
                    !matches!(e, ApiError::Decode { .. }),
                    "{}: error body not understood: {e}",
                    entry.name
                );
                let message = e.server_message().unwrap_or_default();
                assert!(
                    !message.is_empty(),
                    "{}: no server message in {e:?}",
                    entry.name
                );
            }
        }
        decoded += 1;
    }
    assert!(decoded >= 125, "only {decoded} captures decoded");
}

#[test]
fn api10_list_page_has_the_recorded_values() {
    let page = list("tasks_list");
    assert!(page.server_paged);
    assert_eq!(page.count, 32);
    assert_eq!(page.items.len(), 25);
    let first = &page.items[0];
    assert_eq!(first.id, 16);
    assert_eq!(first.task_id, "86b5b247-fbe5-50d3-8b96-efe238d73ca3");
    assert_eq!(first.status, TaskStatus::Pending);
    assert_eq!(first.task_type, TaskType::ConsumeFile);
    assert_eq!(first.trigger, TriggerSource::ApiUpload);
    assert_eq!(first.file_name.as_deref(), Some("queued-upload-2.pdf"));
    assert_eq!(
        first.created,
        Some(Utc.with_ymd_and_hms(2026, 11, 22, 13, 23, 4).unwrap())
    );
    assert_eq!(first.done, None);

    let second_page = list("tasks_list_page2");
    assert_eq!(second_page.items.len(), 7);
}

#[test]
fn api10_duplicate_failure_is_worded_like_the_paperless_ui() {
    let task = retrieve("tasks_retrieve_6_duplicate");
    assert_eq!(task.status, TaskStatus::Failure);
    assert_eq!(task.status.group(), Some(StatusGroup::NeedsAttention));
    assert_eq!(
        task.file_name.as_deref(),
        Some("Rechnung_Müller_2024-03 (1).pdf")
    );
    assert_eq!(
        task.result_message.as_deref(),
        Some("Not consuming: It is a duplicate of document #12")
    );
    assert_eq!(task.related_document, Some(12));
    assert_eq!(task.duplicates[0].id, 12);
    assert_eq!(task.duration_seconds, Some(3.2));
    assert_eq!(task.wait_time_seconds, Some(0.5));
    // Fractional seconds parse: 2026-11-20T23:04:07.700000Z.
    assert_eq!(
        task.done,
        Some(
            Utc.with_ymd_and_hms(2026, 11, 20, 23, 4, 7).unwrap()
                + chrono::Duration::milliseconds(700)
        )
    );
}

#[test]
fn api10_exception_keeps_error_type_and_traceback() {
    let page = list("tasks_list_page_size_100");
    let failed = page.items.iter().find(|t| t.id == 20).expect("task 20");
    assert_eq!(failed.task_type, TaskType::TrainClassifier);
    assert_eq!(failed.trigger, TriggerSource::Manual);
    assert_eq!(failed.error_type.as_deref(), Some("ValueError"));
    assert_eq!(
        failed.result_message.as_deref(),
        Some("The least populated class in y has only 1 member, which is too few.")
    );
    assert!(
        failed
            .traceback
            .as_deref()
            .unwrap()
            .starts_with("Traceback (most recent call last):")
    );
    assert_eq!(failed.display_name(), "Train Classifier");
}

#[test]
fn hostile_file_name_is_kept_verbatim_as_data() {
    let v10 = retrieve("tasks_retrieve_8_xss_filename");
    let v9 = retrieve("v9_tasks_retrieve_8");
    assert_eq!(
        v10.file_name.as_deref(),
        Some("<img src=x onerror=alert(1)>.pdf")
    );
    assert_eq!(v9.file_name, v10.file_name);
}

#[test]
fn api9_list_is_a_plain_array_normalised_to_the_same_tasks() {
    let v9 = list("v9_tasks_list");
    let v10 = list("tasks_list_page_size_100");
    assert!(!v9.server_paged);
    assert_eq!(v9.count, 32);
    assert_eq!(v9.items.len(), v10.items.len());
    for old in &v9.items {
        let new = v10.items.iter().find(|t| t.id == old.id).expect("same ids");
        assert_eq!(old.task_id, new.task_id, "task {}", old.id);
        assert_eq!(old.status, new.status, "task {}: UPPERCASE status", old.id);
        assert_eq!(
            old.task_type, new.task_type,
            "task {}: check_sanity/llmindex_update",
            old.id
        );
        assert_eq!(old.file_name, new.file_name, "task {}", old.id);
        assert_eq!(old.created, new.created, "task {}", old.id);
        assert_eq!(old.done, new.done, "task {}", old.id);
        assert_eq!(old.acknowledged, new.acknowledged, "task {}", old.id);
        assert_eq!(
            old.related_document, new.related_document,
            "task {}",
            old.id
        );
        assert_eq!(old.owner, new.owner, "task {}", old.id);
        assert_eq!(old.started, None, "API 9 has no start time");
    }
    let scheduled = v9
        .items
        .iter()
        .filter(|t| t.trigger == TriggerSource::Scheduled)
        .count();
    assert!(scheduled > 0, "scheduled_task maps onto Scheduled");
}

#[test]
fn api9_duplicate_keeps_the_result_string_and_document_title() {
    let task = retrieve("v9_tasks_retrieve_6_duplicate");
    assert_eq!(task.status, TaskStatus::Failure);
    assert_eq!(task.trigger, TriggerSource::Manual);
    assert_eq!(
        task.result_message.as_deref(),
        Some("Not consuming: It is a duplicate of document #12")
    );
    assert_eq!(
        task.duplicates[0].title.as_deref(),
        Some("Rechnung Müller März 2024")
    );
}

#[test]
fn status_counts_and_acknowledge_replies() {
    let c = client(PaperlessApi::V10);
    let counts = c
        .status_counts_call(&TaskQuery::default())
        .decode(&response(
            PAPERLESS,
            &paperless_entry("tasks_status_counts"),
        ))
        .unwrap();
    assert_eq!(
        (
            counts.all,
            counts.needs_attention,
            counts.in_progress,
            counts.completed
        ),
        (32, 10, 5, 17)
    );

    let target = AckTarget::Tasks(Selection::new([1, 6, 8]).unwrap());
    let acknowledged = c
        .acknowledge_call(&target)
        .unwrap()
        .decode(&response(PAPERLESS, &paperless_entry("acknowledge")))
        .unwrap();
    assert_eq!(acknowledged, 3);

    let token = PaperlessClient::obtain_token_call(c.base(), "admin", &Secret::new("pw"), None)
        .decode(&response(PAPERLESS, &paperless_entry("token_obtain")))
        .unwrap();
    assert_eq!(token.expose(), "f6ba261cbdbf9193851c690b641447f4b6ea12af");
}

#[test]
fn error_bodies_become_typed_errors_with_the_servers_words() {
    match error_of("error_401_no_auth") {
        ApiError::Unauthorized { message } => {
            assert_eq!(message, "Authentication credentials were not provided.")
        }
        other => panic!("{other:?}"),
    }
    match error_of("error_401_bad_token") {
        ApiError::Unauthorized { message } => assert_eq!(message, "Invalid token."),
        other => panic!("{other:?}"),
    }
    match error_of("acknowledge_error_403_taskviewer") {
        ApiError::Forbidden { message, required } => {
            assert_eq!(
                message,
                "You do not have permission to perform this action."
            );
            assert_eq!(
                required,
                Some("the Paperless permission documents.change_paperlesstask")
            );
        }
        other => panic!("{other:?}"),
    }
    match error_of("tasks_list_page_out_of_range") {
        ApiError::NotFound { message } => assert_eq!(message, "Invalid page."),
        other => panic!("{other:?}"),
    }
    match error_of("version_11_406") {
        ApiError::VersionNotSupported { message } => {
            assert_eq!(message, "Invalid version in \"Accept\" header.")
        }
        other => panic!("{other:?}"),
    }
    match error_of("token_obtain_throttled_429") {
        ApiError::Throttled {
            retry_after_secs, ..
        } => assert_eq!(retry_after_secs, Some(29)),
        other => panic!("{other:?}"),
    }
    match error_of("acknowledge_error_unknown_ids") {
        ApiError::Validation { status, messages } => {
            assert_eq!(status, 400);
            assert_eq!(
                messages,
                ["tasks: Some tasks in tasks don't exist or were specified twice."]
            );
        }
        other => panic!("{other:?}"),
    }
    match error_of("tasks_list_status_FAILURE_uppercase_400") {
        ApiError::Validation { messages, .. } => assert_eq!(
            messages,
            ["status: Select a valid choice. FAILURE is not one of the available choices."]
        ),
        other => panic!("{other:?}"),
    }
    // An HTML 403 page (from /api/tasks/run/) is reduced to its words.
    let html = read(PAPERLESS, "run_error_403_taskadmin_not_superuser.html");
    let call = client(PaperlessApi::V10).list_tasks_call(&TaskQuery::default());
    match call.decode(&HttpResponse::new(403, html)).unwrap_err() {
        ApiError::Forbidden { message, .. } => assert_eq!(message, "Insufficient permissions"),
        other => panic!("{other:?}"),
    }
    match error_of("token_obtain_bad_password") {
        ApiError::Validation { messages, .. } => {
            assert_eq!(messages, ["Unable to log in with provided credentials."])
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn throttle_wait_is_read_from_the_body_when_the_header_is_hidden_by_cors() {
    let c = client(PaperlessApi::V10);
    let body = read(PAPERLESS, "token_obtain_throttled_429.json");
    let err = c
        .list_tasks_call(&TaskQuery::default())
        .decode(&HttpResponse::new(429, body))
        .unwrap_err();
    assert_eq!(
        err,
        ApiError::Throttled {
            message: "Request was throttled. Expected available in 29 seconds.".into(),
            retry_after_secs: Some(29)
        }
    );
}

#[test]
fn unknown_task_types_and_statuses_decode_as_other() {
    let body = read(PAPERLESS, "tasks_retrieve_1.json")
        .replace(
            "\"task_type\":\"consume_file\"",
            "\"task_type\":\"ocr_everything\"",
        )
        .replace("\"status\":\"success\"", "\"status\":\"exploded\"")
        .replace(
            "\"trigger_source\":\"web_ui\"",
            "\"trigger_source\":\"carrier_pigeon\"",
        );
    assert!(
        body.contains("ocr_everything") && body.contains("exploded"),
        "fixture changed"
    );
    let task = client(PaperlessApi::V10)
        .task_call(1)
        .decode(&HttpResponse::new(200, body))
        .unwrap();
    assert_eq!(task.task_type, TaskType::Other("ocr_everything".into()));
    assert_eq!(task.status, TaskStatus::Other("exploded".into()));
    assert_eq!(task.status.group(), None);
    assert_eq!(task.task_type.label(), "ocr_everything");
}

#[test]
fn a_changed_field_type_is_reported_with_field_and_endpoint() {
    // In one row: that row is unreadable, named by its field; the rest decode.
    let body = read(PAPERLESS, "tasks_list.json").replacen(
        "\"acknowledged\":false",
        "\"acknowledged\":\"no\"",
        1,
    );
    let page = client(PaperlessApi::V10)
        .list_tasks_call(&TaskQuery::default())
        .decode(&HttpResponse::new(200, body))
        .unwrap();
    assert_eq!(page.unreadable.len(), 1);
    assert_eq!(page.unreadable[0].index, 0);
    assert!(
        page.unreadable[0]
            .reason
            .starts_with("field `acknowledged`"),
        "{:?}",
        page.unreadable
    );
    // In the envelope: the whole answer is unreadable, named by its path.
    let body =
        read(PAPERLESS, "tasks_list.json").replacen("\"count\":", "\"count\":\"many\",\"x\":", 1);
    let err = client(PaperlessApi::V10)
        .list_tasks_call(&TaskQuery::default())
        .decode(&HttpResponse::new(200, body))
        .unwrap_err();
    match err {
        ApiError::Decode {
            endpoint, field, ..
        } => {
            assert_eq!(endpoint, "GET /api/tasks/");
            assert_eq!(field, "count");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_2x_server_is_negotiated_down_to_api_9_once() {
    // A 2.x server rejects version=10 with the 406 recorded for an unknown version.
    let refused = response(PAPERLESS, &paperless_entry("version_11_406"));
    let v9_list = response(PAPERLESS, &paperless_entry("v9_tasks_list"));
    let transport = ScriptedTransport::new([refused, v9_list.clone(), v9_list]);
    let c = PaperlessClient::new(
        BaseUrl::parse("http://127.0.0.1:8010").unwrap(),
        Some(Secret::new("t")),
    );

    let page = block_on(c.list_tasks(&transport, &TaskQuery::default())).unwrap();
    assert_eq!(c.api(), PaperlessApi::V9);
    assert_eq!(page.count, 32);
    assert!(!page.server_paged);
    let accepts: Vec<String> = transport
        .sent
        .borrow()
        .iter()
        .map(|r| r.header_value("Accept").unwrap().to_string())
        .collect();
    assert_eq!(
        accepts,
        [
            "application/json; version=10",
            "application/json; version=9"
        ]
    );

    // Later calls go straight to API 9.
    block_on(c.list_tasks(&transport, &TaskQuery::default())).unwrap();
    assert_eq!(transport.sent.borrow().len(), 3);
    assert_eq!(
        transport.sent.borrow()[2].header_value("Accept"),
        Some("application/json; version=9")
    );
}

/// Answers in the order asked, but only once let through: two requests
/// can be on their way at once, as when a screen asks two things.
struct HeldTransport {
    replies: std::cell::RefCell<std::collections::HashMap<String, Vec<HttpResponse>>>,
    open: std::cell::Cell<bool>,
    sent: std::cell::RefCell<Vec<(String, String)>>,
}

impl taskdeck_api::Transport for HeldTransport {
    fn send<'a>(
        &'a self,
        request: &'a taskdeck_api::HttpRequest,
    ) -> taskdeck_api::LocalBoxFuture<'a, Result<HttpResponse, taskdeck_api::TransportError>> {
        let path = request.path().to_string();
        self.sent.borrow_mut().push((
            path.clone(),
            request.header_value("Accept").unwrap_or("").to_string(),
        ));
        Box::pin(std::future::poll_fn(move |_| {
            if !self.open.get() {
                return std::task::Poll::Pending;
            }
            let reply = self.replies.borrow_mut().get_mut(&path).unwrap().remove(0);
            std::task::Poll::Ready(Ok(reply))
        }))
    }
}

/// Two requests on their way as API 10 to a 2.x server: both refused.
/// The first refusal settles on API 9; the second must not take the
/// version it did not ask for as one the server "no longer speaks" and go
/// back to 10 (it did: the Health screen's second request flipped it).
#[test]
fn two_requests_refused_at_once_settle_on_api_9() {
    use std::task::{Context, Poll, Waker};
    let refused = response(PAPERLESS, &paperless_entry("version_11_406"));
    let status = HttpResponse::new(200, read(PAPERLESS, "v9_api_status.json"));
    let account = HttpResponse::new(200, read(PAPERLESS, "v9_ui_settings_admin_2x_live.json"));
    let transport = HeldTransport {
        replies: std::cell::RefCell::new(
            [
                ("/api/status/".to_string(), vec![refused.clone(), status]),
                ("/api/ui_settings/".to_string(), vec![refused, account]),
            ]
            .into_iter()
            .collect(),
        ),
        open: std::cell::Cell::new(false),
        sent: Default::default(),
    };
    let c = PaperlessClient::new(
        BaseUrl::parse("http://127.0.0.1:8011").unwrap(),
        Some(Secret::new("t")),
    );
    let mut a = std::pin::pin!(c.status(&transport));
    let mut b = std::pin::pin!(c.account(&transport));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(a.as_mut().poll(&mut cx).is_pending());
    assert!(b.as_mut().poll(&mut cx).is_pending());
    transport.open.set(true);
    let (mut status, mut account) = (None, None);
    while status.is_none() || account.is_none() {
        if status.is_none()
            && let Poll::Ready(r) = a.as_mut().poll(&mut cx)
        {
            status = Some(r);
        }
        if account.is_none()
            && let Poll::Ready(r) = b.as_mut().poll(&mut cx)
        {
            account = Some(r);
        }
    }
    assert!(status.unwrap().is_ok());
    assert!(account.unwrap().unwrap().is_superuser);
    assert_eq!(c.api(), PaperlessApi::V9);
    let accepts: Vec<String> = transport
        .sent
        .borrow()
        .iter()
        .map(|(_, a)| a.clone())
        .collect();
    assert_eq!(
        accepts.iter().filter(|a| a.ends_with("version=9")).count(),
        2,
        "{accepts:?}"
    );
}

#[test]
fn acknowledge_all_is_refused_locally_on_api_9() {
    let transport = ScriptedTransport::new([]);
    let c = client(PaperlessApi::V9);
    let err = block_on(c.acknowledge(&transport, &AckTarget::All)).unwrap_err();
    assert!(matches!(err, ApiError::Unsupported { .. }), "{err:?}");
    assert!(transport.sent.borrow().is_empty(), "nothing may be sent");
}

#[test]
fn an_unreachable_server_is_a_typed_error_naming_the_server() {
    let transport = ScriptedTransport::new([]);
    let err = block_on(client(PaperlessApi::V10).list_tasks(&transport, &TaskQuery::default()))
        .unwrap_err();
    match &err {
        ApiError::Unreachable { url, .. } => assert_eq!(url, "http://127.0.0.1:8010"),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("CORS"));
    assert!(err.is_transient());
}

/// The recorded list with one row changed by `corrupt`.
fn corrupted(file: &str, row: usize, corrupt: impl Fn(&mut serde_json::Value)) -> String {
    let mut list: serde_json::Value = serde_json::from_str(&read(PAPERLESS, file)).unwrap();
    let rows = match list.get_mut("results") {
        Some(results) => results,
        None => &mut list,
    };
    corrupt(&mut rows[row]);
    list.to_string()
}

/// One bad row never hides the others: it is kept apart with its reason
/// and its JSON, and every other row decodes.
#[test]
fn one_unreadable_row_leaves_the_others_readable() {
    type Corruption = (&'static str, fn(&mut serde_json::Value));
    let cases: [Corruption; 6] = [
        ("task_id", |r| r["task_id"] = serde_json::Value::Null),
        ("acknowledged", |r| {
            r["acknowledged"] = serde_json::Value::Null
        }),
        ("status", |r| r["status"] = serde_json::Value::Null),
        ("id", |r| r["id"] = serde_json::json!(1e20)),
        ("date_created", |r| {
            r["date_created"] = serde_json::json!("yesterday-ish")
        }),
        ("id", |r| r["id"] = serde_json::json!(-4)),
    ];
    for (api, file) in [
        (PaperlessApi::V10, "tasks_list.json"),
        (PaperlessApi::V9, "v9_tasks_list.json"),
    ] {
        let whole = client(api)
            .list_tasks_call(&TaskQuery::default())
            .decode(&HttpResponse::new(200, read(PAPERLESS, file)))
            .unwrap();
        for (field, corrupt) in cases {
            let body = corrupted(file, 1, corrupt);
            let page = client(api)
                .list_tasks_call(&TaskQuery::default())
                .decode(&HttpResponse::new(200, body))
                .unwrap_or_else(|e| panic!("{file} {field}: the whole page failed: {e}"));
            assert_eq!(page.items.len(), whole.items.len() - 1, "{file} {field}");
            assert_eq!(page.count, whole.count, "{file} {field}");
            let [bad] = page.unreadable.as_slice() else {
                panic!("{file} {field}: {:?}", page.unreadable);
            };
            assert_eq!(bad.index, 1);
            assert!(bad.reason.contains(field), "{file}: {}", bad.reason);
            assert!(bad.raw.starts_with('{'), "{}", bad.raw);
            // The rows around it are the recorded ones.
            assert_eq!(page.items[0], whole.items[0]);
            assert_eq!(page.items[1], whole.items[2]);
        }
    }
}

/// A 2.x server sends every task at once: one bad row among 12,000 costs
/// that row only.
#[test]
fn an_api_9_list_of_twelve_thousand_with_one_bad_row() {
    let recorded: Vec<serde_json::Value> =
        serde_json::from_str(&read(PAPERLESS, "v9_tasks_list.json")).unwrap();
    let mut rows: Vec<serde_json::Value> = (0..12_000)
        .map(|i| {
            let mut row = recorded[i % recorded.len()].clone();
            row["id"] = serde_json::json!(i + 1);
            row
        })
        .collect();
    rows[7_777]["status"] = serde_json::Value::Null;
    let body = serde_json::to_string(&rows).unwrap();
    let page = client(PaperlessApi::V9)
        .list_tasks_call(&TaskQuery::default())
        .decode(&HttpResponse::new(200, body))
        .unwrap();
    assert_eq!(page.items.len(), 11_999);
    assert_eq!(page.unreadable.len(), 1);
    assert_eq!(page.unreadable[0].index, 7_777);
    assert!(!page.items.iter().any(|t| t.id == 7_778));
}

/// Pages that are HTML where JSON was expected are named as such.
#[test]
fn html_where_json_was_expected_says_so() {
    let login = HttpResponse::new(
        200,
        "<!doctype html><html><head><title>Sign in</title></head><body><h1>Sign in to continue</h1></body></html>",
    );
    let err = client(PaperlessApi::V10)
        .list_tasks_call(&TaskQuery::default())
        .decode(&login)
        .unwrap_err();
    assert!(
        matches!(err, ApiError::NotJson { status: 200, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("HTML page") && text.contains("Sign in"),
        "{text}"
    );
    assert!(!text.contains("version may not be supported"), "{text}");

    let proxy = HttpResponse::new(
        502,
        "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
    );
    let text = client(PaperlessApi::V10)
        .list_tasks_call(&TaskQuery::default())
        .decode(&proxy)
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("502 Bad Gateway") && text.contains("proxy"),
        "{text}"
    );
}

/// Only Paperless's own refusal of a version switches to API 9; a 406 from
/// anything else is reported as it is.
#[test]
fn only_paperless_own_version_refusal_switches_to_api_9() {
    let proxy_406 = HttpResponse::new(406, "{\"detail\": \"Not Acceptable\"}");
    let transport = ScriptedTransport::new([proxy_406]);
    let c = client(PaperlessApi::V10);
    let err = block_on(c.list_tasks(&transport, &TaskQuery::default())).unwrap_err();
    assert!(
        matches!(err, ApiError::VersionNotSupported { .. }),
        "{err:?}"
    );
    assert_eq!(c.api(), PaperlessApi::V10);
    assert_eq!(transport.sent.borrow().len(), 1);

    let own = HttpResponse::new(
        406,
        "{\"detail\":\"Invalid version in \\\"Accept\\\" header.\"}",
    );
    let transport = ScriptedTransport::new([own, HttpResponse::new(200, "[]")]);
    let c = client(PaperlessApi::V10);
    block_on(c.list_tasks(&transport, &TaskQuery::default())).unwrap();
    assert_eq!(c.api(), PaperlessApi::V9);
}

/// `/api/status/` read as checks, stale runs marked, the worst state known.
#[test]
fn the_recorded_system_status_reads_as_health_checks() {
    let c = client(PaperlessApi::V10);
    let body = c
        .status_call()
        .decode(&HttpResponse::new(200, read(PAPERLESS, "api_status.json")))
        .unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let report = health_report(&body, &c.status_call().request, now).unwrap();
    assert_eq!(report.version.as_deref(), Some("3.0.5"));
    let by_name = |name: &str| {
        report
            .checks
            .iter()
            .find(|c| c.name == name)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("Redis").health, Health::Ok);
    // "No celery workers responded to ping" is the server's warning, but a
    // worker that does not answer stops every task: an error here.
    assert_eq!(by_name("Celery worker").health, Health::Error);
    assert!(report.worker_down());
    let classifier = by_name("Classifier");
    assert_eq!(classifier.health, Health::Error);
    assert!(
        classifier.stale,
        "trained 2026-11-22, judged two days later"
    );
    assert!(classifier.detail.unwrap().contains("least populated class"));
    assert_eq!(by_name("LLM index").health, Health::Disabled);
    assert_eq!(report.worst(), Health::Error);
    assert_eq!(report.errors(), 4);
    // A user without the monitoring permission: an HTML 403, not a decode error.
    let refused = c
        .status_call()
        .decode(&HttpResponse::new(
            403,
            read(PAPERLESS, "status_alice_403.html"),
        ))
        .unwrap_err();
    assert!(matches!(refused, ApiError::Forbidden { .. }), "{refused:?}");
}

/// 2.20.15's status has no `llmindex_*` keys: no LLM index check, not an
/// "unknown" one (and no button for a task 2.x does not have).
#[test]
fn a_2x_status_has_no_llm_index_check() {
    let mut status: serde_json::Value =
        serde_json::from_str(&read(PAPERLESS, "api_status.json")).unwrap();
    status["tasks"]
        .as_object_mut()
        .unwrap()
        .retain(|k, _| !k.starts_with("llmindex") && k != "summary");
    let c = client(PaperlessApi::V9);
    let report = health_report(&status.to_string(), &c.status_call().request, Utc::now()).unwrap();
    assert!(report.checks.iter().all(|c| c.name != "LLM index"));
    assert!(report.checks.iter().any(|c| c.name == "Sanity check"));
}

/// 3.x takes `task_type`, also under API 9; a real 2.x server takes its
/// own `task_name`s and answers with the result.
#[test]
fn system_tasks_are_asked_for_in_each_versions_words() {
    let v10 = client(PaperlessApi::V10)
        .run_call(SystemTask::SanityCheck)
        .unwrap();
    assert_eq!(
        v10.request.body,
        Some(serde_json::json!({"task_type": "sanity_check"}))
    );
    let v9 = client(PaperlessApi::V9)
        .run_call(SystemTask::SanityCheck)
        .unwrap();
    assert_eq!(
        v9.request.body,
        Some(serde_json::json!({"task_name": "check_sanity"}))
    );
    assert!(
        client(PaperlessApi::V9)
            .run_call(SystemTask::LlmIndex)
            .is_err()
    );
    assert_eq!(
        v9.decode(&HttpResponse::new(
            200,
            "{\"result\": \"No issues detected.\"}"
        ))
        .unwrap(),
        Started::Finished {
            result: Some("No issues detected.".into())
        }
    );
    assert!(matches!(
        v10.decode(&HttpResponse::new(
            200,
            read(PAPERLESS, "run_sanity_check.json")
        ))
        .unwrap(),
        Started::Queued { .. }
    ));
}

/// 2.20.15 answers a finished classifier run with `{"result": null}`: a
/// run that ended, not an answer the console cannot read. The run's own
/// words are in the task list (`v9_task_after_train_classifier_…`).
#[test]
fn a_2x_run_answered_with_a_null_result_is_a_finished_run() {
    let v9 = client(PaperlessApi::V9)
        .run_call(SystemTask::TrainClassifier)
        .unwrap();
    assert_eq!(
        v9.request.body,
        Some(serde_json::json!({"task_name": "train_classifier"}))
    );
    let answer = HttpResponse::new(
        200,
        read(
            PAPERLESS,
            "v9_run_train_classifier_null_result_2x_live.json",
        ),
    );
    assert_eq!(
        v9.decode(&answer).unwrap(),
        Started::Finished { result: None }
    );
    // Neither a task id nor a result key at all is still not understood.
    assert!(v9.decode(&HttpResponse::new(200, "{}")).is_err());
    let row = format!(
        "[{}]",
        read(
            PAPERLESS,
            "v9_task_after_train_classifier_null_result_2x_live.json"
        )
    );
    let tasks = client(PaperlessApi::V9)
        .list_tasks_call(&TaskQuery::default())
        .decode(&HttpResponse::new(200, row))
        .unwrap();
    let task = &tasks.items[0];
    assert_eq!(task.task_type, TaskType::TrainClassifier);
    assert_eq!(task.trigger, TriggerSource::Manual);
    assert_eq!(task.status, TaskStatus::Success);
    assert_eq!(
        task.result_message.as_deref(),
        Some("No automatic matching items, not training")
    );
}

/// The recorded mail log after two fetches of an account whose IMAP port
/// refuses connections: its errors are found (and no other account's).
#[test]
fn the_mail_log_names_the_unreachable_accounts_errors() {
    let c = client(PaperlessApi::V10);
    let call = c.log_tail_call("mail", 500).unwrap();
    assert_eq!(call.request.path_and_query, "/api/logs/mail/?limit=500");
    let lines = call
        .decode(&HttpResponse::new(
            200,
            read(PAPERLESS, "logs_mail_connection_refused_live.json"),
        ))
        .unwrap();
    let office = account_log(&lines, "Office IMAP (unreachable)");
    assert!(office.began);
    assert_eq!(
        office.errors,
        vec![
            "Error while retrieving mailbox Office IMAP (unreachable): [Errno 111] Connection refused";
            2
        ]
    );
    // After the first fetch's lines, only the second fetch's are new.
    let after_first = lines_after(&lines, Some(&lines[2]));
    assert_eq!(
        account_log(after_first, "Office IMAP (unreachable)")
            .errors
            .len(),
        1
    );
    assert_eq!(account_log(&lines, "Office IMAP"), AccountLog::default());
}

/// Who the token belongs to (`/api/ui_settings/`, on both versions), and a
/// view-only user's 403 there and when acting.
#[test]
fn the_account_and_its_permissions_are_read_from_ui_settings() {
    for (api, file) in [
        (PaperlessApi::V10, "ui_settings_admin_live.json"),
        (PaperlessApi::V9, "v9_ui_settings_admin_2x_live.json"),
    ] {
        let call = client(api).account_call();
        assert_eq!(call.request.path_and_query, "/api/ui_settings/");
        let admin = call
            .decode(&HttpResponse::new(200, read(PAPERLESS, file)))
            .unwrap();
        assert_eq!(admin.username.as_deref(), Some("admin"));
        assert!(admin.is_superuser && admin.is_staff);
        assert!(
            admin.permissions.iter().any(|p| p == ACKNOWLEDGE_TASKS),
            "{file}"
        );
        assert!(admin.may(ACKNOWLEDGE_TASKS));
    }
    let viewer = PaperlessAccount {
        permissions: vec!["view_paperlesstask".into()],
        ..PaperlessAccount::default()
    };
    assert!(!viewer.may(ACKNOWLEDGE_TASKS));
    for file in [
        "ui_settings_alice_403_live.json",
        "v9_ui_settings_alice_403_2x_live.json",
    ] {
        let refused = client(PaperlessApi::V10)
            .account_call()
            .decode(&HttpResponse::new(403, read(PAPERLESS, file)))
            .unwrap_err();
        assert!(matches!(refused, ApiError::Forbidden { .. }), "{refused:?}");
    }
    let refused = client(PaperlessApi::V10)
        .acknowledge_call(&AckTarget::Tasks(Selection::new([999_999]).unwrap()))
        .unwrap()
        .decode(&HttpResponse::new(
            403,
            read(PAPERLESS, "acknowledge_alice_view_only_403_live.json"),
        ))
        .unwrap_err();
    assert!(matches!(refused, ApiError::Forbidden { .. }), "{refused:?}");
}

/// Mail accounts carry their port: shown as `host:port`.
#[test]
fn a_mail_account_reads_with_its_port() {
    let page = client(PaperlessApi::V10)
        .mail_accounts_call()
        .decode(&HttpResponse::new(
            200,
            read(PAPERLESS, "mail_accounts_list.json"),
        ))
        .unwrap();
    assert_eq!(page.items[0].address().as_deref(), Some("127.0.0.1:1"));
}

#[test]
fn failed_processed_mail_reads_with_subject_rule_and_error() {
    let res = response(PAPERLESS, &paperless_entry("processed_mail_status_failed"));
    let page = client(PaperlessApi::V10)
        .processed_mail_call(&MailQuery::default())
        .decode(&res)
        .unwrap();
    assert_eq!(page.count, 4);
    assert!(page.items.iter().all(|m| m.status == MailStatus::Failed));
    let ids: Vec<u64> = page.items.iter().map(|m| m.id).collect();
    assert_eq!(ids, [6, 5, 3, 2]);
    let cjk = page.items.iter().find(|m| m.id == 3).unwrap();
    assert_eq!(cjk.subject, "Rechnung 請求書 #77");
    assert_eq!(cjk.rule, 1);
    assert!(
        page.items[0]
            .error_summary()
            .unwrap()
            .starts_with("ConnectionRefusedError:")
    );
    // What the server echoes is not what it did: unknown ids come back too.
    let echo = read(PAPERLESS, "processed_mail_bulk_delete_unknown_ids.json");
    assert!(echo.contains("99999"));
    let after = response(
        PAPERLESS,
        &paperless_entry("processed_mail_list_after_bulk_delete"),
    );
    let left = client(PaperlessApi::V10)
        .processed_mail_call(&MailQuery::default())
        .decode(&after)
        .unwrap();
    assert_eq!(
        left.items.iter().map(|m| m.id).collect::<Vec<_>>(),
        [6, 5, 4, 1]
    );
}

#[test]
fn a_manual_mail_fetch_is_found_by_its_account_in_both_versions() {
    let v10 = list("tasks_list_task_id_mail_fetch");
    assert_eq!(v10.items[0].mail_account_ids(), Some(vec![1]));
    let known = std::collections::HashSet::new();
    assert_eq!(new_mail_fetch(&v10.items, &known, 1).unwrap().id, 73);
    assert!(
        new_mail_fetch(&v10.items, &known, 2).is_none(),
        "another account's fetch"
    );
    let already: std::collections::HashSet<String> =
        [v10.items[0].task_id.clone()].into_iter().collect();
    assert!(
        new_mail_fetch(&v10.items, &already, 1).is_none(),
        "listed before the request"
    );
    // API 9 names no accounts: the new manual fetch is taken.
    let v9 = list("v9_tasks_list_task_id_mail_fetch");
    assert_eq!(v9.items[0].task_type, TaskType::MailFetch);
    assert_eq!(v9.items[0].trigger, TriggerSource::Manual);
    assert_eq!(v9.items[0].mail_account_ids(), None);
    assert_eq!(new_mail_fetch(&v9.items, &known, 1).unwrap().id, 73);
}

/// `/api/tasks/active/` is a plain array like API 9, but of API 10 rows:
/// read as API 10 (read as API 9 it lost the start times and triggers).
#[test]
fn the_running_list_keeps_its_api_10_fields() {
    let res = response(PAPERLESS, &paperless_entry("tasks_active"));
    let page = client(PaperlessApi::V10)
        .active_call()
        .decode(&res)
        .unwrap();
    assert!(!page.items.is_empty());
    let first = &page.items[0];
    assert_eq!(first.id, 15);
    assert_eq!(first.task_type, TaskType::ConsumeFile);
    assert_eq!(first.trigger, TriggerSource::ApiUpload);
    assert!(first.input_data.is_some(), "{first:?}");
    // The API 9 list is still read as API 9.
    assert_eq!(
        list("v9_tasks_list").items[0].task_type,
        TaskType::ConsumeFile
    );
}

/// A 2.x server has neither `/api/tasks/active/` nor a summary: running
/// tasks come from its task list, and the summary is refused with a reason.
#[test]
fn a_2x_server_runs_without_the_active_list_and_says_it_has_no_summary() {
    let refused = response(PAPERLESS, &paperless_entry("version_11_406"));
    let v9_list = response(PAPERLESS, &paperless_entry("v9_tasks_list"));
    let transport = ScriptedTransport::new([refused.clone(), refused, v9_list]);
    let c = client(PaperlessApi::V10);
    let running = block_on(taskdeck_engine::paperless::running_now(&c, &transport)).unwrap();
    let paths: Vec<String> = transport
        .sent
        .borrow()
        .iter()
        .map(|r| r.path_and_query.clone())
        .collect();
    assert_eq!(paths[0], "/api/tasks/active/");
    assert!(paths[2].starts_with("/api/tasks/"), "{paths:?}");
    assert!(!running.is_empty());
    assert!(
        running
            .iter()
            .all(|t| t.status.group() == Some(StatusGroup::InProgress)),
        "only pending and started tasks"
    );
    let all = list("v9_tasks_list");
    let expected = all
        .items
        .iter()
        .filter(|t| t.status.group() == Some(StatusGroup::InProgress))
        .count();
    assert_eq!(running.len(), expected);
    let summary = block_on(c.summary(&transport, 30));
    assert!(
        matches!(&summary, Err(ApiError::Unsupported { detail }) if detail.contains("2.x")),
        "{summary:?}"
    );
    assert_eq!(
        transport.sent.borrow().len(),
        3,
        "nothing sent for the summary"
    );
}

/// The version a 2.x server settled on is handed out to be remembered, and
/// a client resumed from it asks for API 9 straight away (no 406 on every
/// start), until the fallback is old enough to try API 10 again.
#[test]
fn a_remembered_version_the_server_refuses_is_negotiated_afresh() {
    let refused = response(PAPERLESS, &paperless_entry("version_11_406"));
    let v10_list = response(PAPERLESS, &paperless_entry("tasks_list"));
    let transport = ScriptedTransport::new([refused, v10_list]);
    let remembered = std::rc::Rc::new(std::cell::Cell::new(None));
    let c = client(PaperlessApi::V9);
    let into = remembered.clone();
    c.on_settled(move |s| into.set(Some(s)));
    let page = block_on(c.list_tasks(&transport, &TaskQuery::default())).unwrap();
    assert!(!page.items.is_empty());
    assert_eq!(c.api(), PaperlessApi::V10);
    assert_eq!(
        remembered.get().expect("the change is told").api,
        PaperlessApi::V10
    );
    let sent = transport.sent.borrow();
    assert_eq!(
        sent[1].header_value("Accept"),
        Some("application/json; version=10")
    );
}

#[test]
fn a_settled_version_is_remembered_and_resumed() {
    let refused = response(PAPERLESS, &paperless_entry("version_11_406"));
    let v9_list = response(PAPERLESS, &paperless_entry("v9_tasks_list"));
    let transport = ScriptedTransport::new([refused, v9_list.clone(), v9_list]);
    let remembered = std::rc::Rc::new(std::cell::Cell::new(None));
    let c = client(PaperlessApi::V10);
    let into = remembered.clone();
    c.on_settled(move |s| into.set(Some(s)));
    block_on(c.list_tasks(&transport, &TaskQuery::default())).unwrap();
    let settled = remembered.get().expect("the fallback is told");
    assert_eq!(settled.api, PaperlessApi::V9);

    let resumed = client(PaperlessApi::V10).resume(settled);
    block_on(resumed.list_tasks(&transport, &TaskQuery::default())).unwrap();
    let sent = transport.sent.borrow();
    assert_eq!(sent.len(), 3, "no second refusal");
    assert_eq!(
        sent[2].header_value("Accept"),
        Some("application/json; version=9")
    );
}
