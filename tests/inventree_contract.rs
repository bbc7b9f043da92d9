//! Decodes every recorded InvenTree background-task response (API 477 and API
//! 198) the API module handles and checks concrete values from them.

mod support;

use support::recorded::{
    INVENTREE_198, INVENTREE_477, RecordedRequest, inventree_entry, inventree_manifest, response,
};
use taskdeck_api::inventree::{
    FailedQuery, InvenTreeClient, PendingQuery, ScheduleType, ScheduledQuery, StoredArgument,
};
use taskdeck_api::inventree_admin::DELETE_TASKS_DAYS;
use taskdeck_api::pickle::rust_shortest;
use taskdeck_api::time::ServerTime;
use taskdeck_api::{ApiError, BaseUrl, HttpResponse, Secret, Selection};

fn client() -> InvenTreeClient {
    InvenTreeClient::new(
        BaseUrl::parse("http://127.0.0.1:8020").unwrap(),
        Some(Secret::new(
            "inv-a8b367885bb893982c75bb3754a60b0ab6ece288-20261122",
        )),
    )
}

fn time(text: &str) -> Option<ServerTime> {
    Some(ServerTime::parse(text).unwrap())
}

/// Endpoints the console does not call: the per-task status endpoint (API 464+),
/// `/api/version/` (admin-only), and OPTIONS metadata.
fn is_unused(entry: &RecordedRequest) -> bool {
    entry.method == "OPTIONS"
        // Taskdeck reads the retention settings but does not change them.
        || entry.method == "PATCH"
        || entry.path() == "/api/version/"
        || (entry.path().starts_with("/api/background-task/")
            && !["", "pending/", "scheduled/", "failed/"]
                .contains(&entry.path().trim_start_matches("/api/background-task/")))
}

/// Decodes a recorded response with the call for its endpoint.
fn decode(entry: &RecordedRequest, res: &HttpResponse) -> Result<(), ApiError> {
    let c = client();
    match (entry.method.as_str(), entry.path()) {
        ("GET", "/api/") => c
            .api_root_call()
            .decode(res)
            .map(|root| assert!(root.api_version > 0)),
        ("GET", "/api/background-task/") => c.overview_call().decode(res).map(drop),
        ("GET", "/api/background-task/pending/") => c
            .pending_call(&PendingQuery::default())
            .decode(res)
            .map(|p| {
                assert!(p.count >= p.items.len() as u64);
            }),
        ("GET", "/api/background-task/scheduled/") => c
            .scheduled_call(&ScheduledQuery::default())
            .decode(res)
            .map(|p| assert!(p.count >= p.items.len() as u64)),
        ("GET", "/api/background-task/failed/") => c
            .failed_call(&FailedQuery::default())
            .decode(res)
            .map(|p| assert!(p.count >= p.items.len() as u64)),
        ("GET", "/api/error-report/") => c.error_reports_page_call(5, 0).decode(res).map(|p| {
            assert!(
                p.items
                    .iter()
                    .all(|r| r.when.is_some() && !r.info.is_empty())
            )
        }),
        ("GET", path) if path.starts_with("/api/error-report/") => c
            .error_report_call(16)
            .decode(res)
            .map(|r| assert_eq!(r.pk, 16)),
        ("GET", path) if path.starts_with("/api/settings/global/") => c
            .setting_call(DELETE_TASKS_DAYS)
            .decode(res)
            .map(|s| assert_eq!(s.as_days(), Some(30))),
        ("DELETE", "/api/background-task/failed/") => c
            .delete_failed_call(&Selection::new(["x".to_string()]).unwrap())
            .decode(res)
            .map(drop),
        ("DELETE", _) => c
            .delete_pending_call(&Selection::new([1]).unwrap())
            .decode(res)
            .map(drop),
        (method, path) => panic!(
            "{}: {method} {path} is neither decoded nor listed as unused",
            entry.name
        ),
    }
}

fn every_capture_decodes(set: &str) -> usize {
    let mut decoded = 0;
    for entry in inventree_manifest(set) {
        if is_unused(&entry) {
            continue;
        }
        let res = response(set, &entry);
        match (res.is_success(), decode(&entry, &res)) {
            (true, Ok(())) => {}
            (true, Err(e)) => panic!("{set} {}: {e}", entry.name),
            (false, Ok(())) => panic!(
                "{set} {}: HTTP {} decoded as success",
                entry.name, res.status
            ),
            (false, Err(e)) => {
                assert!(
                    !matches!(e, ApiError::Decode { .. }),
                    "{set} {}: {e}",
                    entry.name
                );
                assert!(
                    !e.server_message().unwrap_or_default().is_empty(),
                    "{set} {}: no server message in {e:?}",
                    entry.name
                );
            }
        }
        decoded += 1;
    }
    decoded
}

#[test]
fn every_api477_capture_decodes_or_maps_to_a_typed_error() {
    let decoded = every_capture_decodes(INVENTREE_477);
    assert!(decoded >= 80, "only {decoded} captures decoded");
}

#[test]
fn every_api198_capture_decodes_or_maps_to_a_typed_error() {
    let decoded = every_capture_decodes(INVENTREE_198);
    assert!(decoded >= 34, "only {decoded} captures decoded");
}

fn error(set: &str, name: &str) -> ApiError {
    let entry = inventree_entry(set, name);
    decode(&entry, &response(set, &entry)).expect_err(name)
}

#[test]
fn pending_rows_and_paging() {
    let c = client();
    let page = c
        .pending_call(&PendingQuery::default())
        .decode(&response(
            INVENTREE_477,
            &inventree_entry(INVENTREE_477, "pending_limit25"),
        ))
        .unwrap();
    assert!(page.server_paged);
    assert_eq!((page.count, page.items.len()), (30, 25));
    let first = &page.items[0];
    assert_eq!(first.pk, 117);
    assert_eq!(first.task_id, "2a67201a9df34865a49c6f436821ea89");
    assert_eq!(first.func.as_deref(), Some("math.sqrt"));
    assert_eq!(first.args.as_deref(), Some("(-4,)"));
    assert_eq!(first.lock, time("2026-11-22 13:08"));
    assert!(!first.is_undecodable());

    // Without `limit` the server sends a bare array of every row.
    let all = c
        .pending_call(&PendingQuery::default())
        .decode(&response(
            INVENTREE_198,
            &inventree_entry(INVENTREE_198, "pending_default"),
        ))
        .unwrap();
    assert!(!all.server_paged);
    assert_eq!((all.count, all.items.len()), (31, 31));
}

#[test]
fn undecodable_pending_payloads_have_null_fields() {
    // The shape the docs record for a row whose payload fails its signature.
    let body = r#"{"count":1,"next":null,"previous":null,"results":[{"pk":9,"key":"InvenTree","lock":null,"task_id":"*BadSignature","name":null,"func":null,"args":null,"kwargs":null}]}"#;
    let page = client()
        .pending_call(&PendingQuery::default())
        .decode(&HttpResponse::new(200, body))
        .unwrap();
    assert!(page.items[0].is_undecodable());
    assert_eq!(page.items[0].func, None);
}

#[test]
fn failed_rows_have_string_pks_and_tracebacks() {
    let page = client()
        .failed_call(&FailedQuery::default())
        .decode(&response(
            INVENTREE_477,
            &inventree_entry(INVENTREE_477, "failed_limit25"),
        ))
        .unwrap();
    assert_eq!((page.count, page.items.len()), (121, 25));
    let first = &page.items[0];
    assert_eq!(first.pk, "000119ec2da34b018e4cb3f1f4b91163");
    assert_eq!(
        first.func.as_deref(),
        Some("plugin.builtin.labels.label_sheet.print_labels")
    );
    assert_eq!(first.started, time("2026-11-22 13:01"));
    assert_eq!(first.stopped, time("2026-11-22 13:02"));
    assert_eq!(first.attempt_count, 1);
    assert_eq!(
        first.args.as_ref().map(StoredArgument::raw).as_deref(),
        Some("gAUpLg==")
    );
    assert_eq!(
        first.error_summary(),
        Some("Function plugin.builtin.labels.label_sheet.print_labels is not defined")
    );
    assert!(
        first
            .result
            .as_deref()
            .unwrap()
            .contains("Traceback (most recent call last):")
    );

    let api198 = client()
        .failed_call(&FailedQuery::default())
        .decode(&response(
            INVENTREE_198,
            &inventree_entry(INVENTREE_198, "failed_limit25"),
        ))
        .unwrap();
    assert_eq!(api198.count, 120);
    assert!(api198.items.iter().all(|t| t.pk.len() == 32));
}

#[test]
fn scheduled_rows_tolerate_nulls_the_schema_forbids() {
    let page = client()
        .scheduled_call(&ScheduledQuery::default())
        .decode(&response(
            INVENTREE_477,
            &inventree_entry(INVENTREE_477, "scheduled_default"),
        ))
        .unwrap();
    assert_eq!(page.items.len(), 45);
    let never_ran = page.items.iter().find(|t| t.pk == 34).unwrap();
    assert_eq!(never_ran.name.as_deref(), Some("pricing sweep (100)"));
    assert_eq!(never_ran.last_run, None);
    assert_eq!(never_ran.success, None);
    assert_eq!(never_ran.next_run, time("2026-11-22 13:44"));
    assert_eq!(never_ran.schedule_type, ScheduleType::Hourly);
    assert_eq!(never_ran.repeats_label(), "Forever");
    // Every schedule type InvenTree has is in the recording and known here.
    for task in &page.items {
        assert!(
            !matches!(task.schedule_type, ScheduleType::Other(_)),
            "{:?}",
            task.schedule_type
        );
    }
    let unicode = client()
        .scheduled_call(&ScheduledQuery::default())
        .decode(&response(
            INVENTREE_477,
            &inventree_entry(INVENTREE_477, "scheduled_search_unicode"),
        ))
        .unwrap();
    assert!(
        unicode
            .items
            .iter()
            .any(|t| t.name.as_deref().unwrap_or("").contains("低库存"))
    );
    let hostile = client()
        .scheduled_call(&ScheduledQuery::default())
        .decode(&response(
            INVENTREE_477,
            &inventree_entry(INVENTREE_477, "scheduled_search_xss"),
        ))
        .unwrap();
    assert!(
        hostile
            .items
            .iter()
            .any(|t| t.name.as_deref().unwrap_or("").contains("<img"))
    );
}

#[test]
fn overview_and_api_root_of_both_versions() {
    let c = client();
    for (set, expected, api, version) in [
        (INVENTREE_477, (true, 30, 45, 121), 477, "1.3.0 dev"),
        (INVENTREE_198, (true, 31, 38, 120), 198, "0.16.0 dev"),
    ] {
        let o = c
            .overview_call()
            .decode(&response(set, &inventree_entry(set, "overview")))
            .unwrap();
        assert_eq!(
            (
                o.is_running,
                o.pending_tasks,
                o.scheduled_tasks,
                o.failed_tasks
            ),
            expected
        );
        let root = c
            .api_root_call()
            .decode(&response(set, &inventree_entry(set, "api_root_admin")))
            .unwrap();
        assert_eq!(root.api_version, api);
        assert_eq!(root.version.as_deref(), Some(version));
        assert_eq!(root.server, "InvenTree");
    }
    let stopped = c
        .overview_call()
        .decode(&response(
            INVENTREE_477,
            &inventree_entry(INVENTREE_477, "overview_worker_not_running"),
        ))
        .unwrap();
    assert!(!stopped.is_running);
}

#[test]
fn delete_replies_differ_between_versions() {
    let c = client();
    let ids = Selection::new(["4af2b04812d04dc68ae7a95292c3f4f0".to_string()]).unwrap();
    let api477 = c
        .delete_failed_call(&ids)
        .decode(&response(
            INVENTREE_477,
            &inventree_entry(INVENTREE_477, "delete_failed_2_items"),
        ))
        .unwrap();
    assert_eq!(api477.deleted, Some(2));
    // API 198: 204 No Content, nothing counted.
    let api198 = c
        .delete_failed_call(&ids)
        .decode(&response(
            INVENTREE_198,
            &inventree_entry(INVENTREE_198, "delete_failed_2_items"),
        ))
        .unwrap();
    assert_eq!(api198.deleted, None);
    let pending198 = c
        .delete_pending_call(&Selection::new([141, 154]).unwrap())
        .decode(&response(
            INVENTREE_198,
            &inventree_entry(INVENTREE_198, "headers_delete_pending_2_items"),
        ))
        .unwrap();
    assert_eq!(pending198.deleted, None);
}

#[test]
fn error_shapes_of_both_versions_give_the_servers_message() {
    let validation = |e: ApiError| match e {
        ApiError::Validation { messages, .. } => messages,
        other => panic!("{other:?}"),
    };
    // API 477: non_field_errors is a string.
    assert_eq!(
        validation(error(INVENTREE_477, "delete_pending_unknown_id_400")),
        ["No items match the provided criteria"]
    );
    assert_eq!(
        validation(error(INVENTREE_477, "delete_pending_items_string_400")),
        ["Items must be provided as a list"]
    );
    // API 198: a list, and field errors.
    assert_eq!(
        validation(error(INVENTREE_198, "delete_pending_empty_list_400")),
        ["List of items or filters must be provided for bulk deletion"]
    );
    assert_eq!(
        validation(error(INVENTREE_198, "delete_pending_items_string_400")),
        ["items: 'items' must be supplied as a list object"]
    );
    match error(INVENTREE_198, "delete_pending_items_nonnumeric") {
        ApiError::Server { status, message } => {
            assert_eq!(status, 500);
            assert_eq!(message, "Field 'id' expected a number but got 'abc'.");
        }
        other => panic!("{other:?}"),
    }
    match error(INVENTREE_477, "failed_401_bad_token") {
        ApiError::Unauthorized { message } => assert_eq!(message, "Invalid token."),
        other => panic!("{other:?}"),
    }
    match error(INVENTREE_477, "pending_403_viewer") {
        ApiError::Forbidden { message, required } => {
            assert_eq!(
                message,
                "You do not have permission to perform this action."
            );
            assert_eq!(required, Some("a staff account (is_staff) on InvenTree"));
        }
        other => panic!("{other:?}"),
    }
    match error(INVENTREE_477, "delete_scheduled_405") {
        ApiError::MethodNotAllowed { message } => {
            assert_eq!(message, "Method \"DELETE\" not allowed.")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn inventree_times_are_zoneless_minutes() {
    let t = ServerTime::parse("2026-11-23 13:00").unwrap();
    assert_eq!(
        t.0.format("%Y-%m-%dT%H:%M:%S").to_string(),
        "2026-11-23T13:00:00"
    );
    assert!(serde_json::from_str::<ServerTime>("\"2026-11-23T13:00:00+01:00\"").is_ok());
    let err = serde_json::from_str::<ServerTime>("\"yesterday\"").unwrap_err();
    assert!(err.to_string().contains("YYYY-MM-DD HH:MM"), "{err}");
}

/// A delete's outcome is claimed only from the server's documented reply:
/// a count (API 477), or nothing at all (API 198's 204, even when nothing
/// matched). Anything else is an error, so the console looks again.
#[test]
fn delete_replies_are_read_strictly() {
    let c = client();
    let call = c.delete_failed_call(&Selection::new(["a".to_string()]).unwrap());
    assert_eq!(
        call.decode(&HttpResponse::new(
            200,
            "{\"success\": \"Deleted 2 items\"}"
        ))
        .unwrap()
        .deleted,
        Some(2)
    );
    assert_eq!(
        call.decode(&HttpResponse::new(204, "")).unwrap().deleted,
        None
    );
    let login = HttpResponse::new(200, "<html><body><h1>Please sign in</h1></body></html>");
    assert!(matches!(call.decode(&login), Err(ApiError::NotJson { .. })));
    assert!(matches!(
        call.decode(&HttpResponse::new(200, "{\"success\": \"ok\"}")),
        Err(ApiError::Decode { .. })
    ));
    assert!(matches!(
        call.decode(&HttpResponse::new(200, "{}")),
        Err(ApiError::Decode { .. })
    ));
}

#[test]
fn one_unreadable_failed_task_leaves_the_others() {
    let mut page: serde_json::Value = serde_json::from_str(&support::recorded::read(
        INVENTREE_477,
        "failed_limit25.json",
    ))
    .unwrap();
    let rows = page
        .get_mut("results")
        .map_or(0, |r| r.as_array().map_or(0, Vec::len));
    assert!(rows >= 2, "the recording has rows");
    page["results"][0]["pk"] = serde_json::json!(12);
    let decoded = client()
        .failed_call(&FailedQuery::default())
        .decode(&HttpResponse::new(200, page.to_string()))
        .unwrap();
    assert_eq!(decoded.items.len(), rows - 1);
    assert_eq!(decoded.unreadable.len(), 1);
    assert!(
        decoded.unreadable[0].reason.contains("pk"),
        "{:?}",
        decoded.unreadable
    );
}

#[test]
fn a_failed_tasks_duration_is_stopped_minus_started() {
    let entry = inventree_entry(INVENTREE_477, "failed_limit3_ordering_-stopped");
    let page = client()
        .failed_call(&FailedQuery::default())
        .decode(&response(INVENTREE_477, &entry))
        .unwrap();
    assert_eq!(page.items.len(), 3);
    // Whole minutes on the wire: these failed within their first minute.
    assert!(
        page.items
            .iter()
            .all(|t| t.duration() == Some(chrono::Duration::zero()))
    );
    let mut task = page.items[0].clone();
    task.stopped = time("2026-12-02 18:53");
    assert_eq!(task.duration(), Some(chrono::Duration::minutes(150)));
    task.stopped = time("2026-12-01 00:00");
    assert_eq!(
        task.duration(),
        None,
        "a stop before the start is not a duration"
    );
}

/// `/api/user/me/` on both versions: the superuser and the staff user who
/// may read every queue but gets 403 in the Django admin.
#[test]
fn the_account_behind_the_token_says_whether_it_is_a_superuser() {
    let call = client().account_call();
    assert_eq!(call.request.path_and_query, "/api/user/me/");
    let read = |set: &str, file: &str| {
        call.decode(&HttpResponse::new(200, support::recorded::read(set, file)))
            .unwrap()
    };
    let admin = read(INVENTREE_477, "user_me_admin_live.json");
    assert!(admin.is_superuser && admin.is_staff);
    for set in [INVENTREE_477, INVENTREE_198] {
        let viewer = read(set, "user_me_viewer_live.json");
        assert_eq!(viewer.username.as_deref(), Some("viewer"));
        assert!(viewer.is_staff && !viewer.is_superuser, "{set}");
    }
}

/// Every recorded failed task's arguments read as Python values (InvenTree
/// pickles them with django-q2's `PickledObjectField`).
#[test]
fn every_recorded_failed_tasks_arguments_read() {
    for (server, entry) in [
        (INVENTREE_477, "failed_limit25"),
        (INVENTREE_477, "failed_default"),
        (INVENTREE_198, "failed_limit25"),
    ] {
        let page = client()
            .failed_call(&FailedQuery::default())
            .decode(&response(server, &inventree_entry(server, entry)))
            .unwrap();
        assert!(!page.items.is_empty());
        for task in &page.items {
            for stored in [&task.args, &task.kwargs].into_iter().flatten() {
                let reading = stored.read(rust_shortest).unwrap_or_else(|e| {
                    panic!("{server} {entry} {}: {} unreadable: {e}", task.pk, stored.0)
                });
                assert!(!reading.text().is_empty());
            }
        }
    }
}

/// InvenTree's serializer passes a stored value that Django calls
/// "protected" (None, numbers, Decimal, dates and times) through DRF's
/// `ModelField` as it is: a JSON number, `null` or ISO 8601 text instead
/// of a base64 pickle. Every such row is readable, and reads as the Python
/// value it stands for.
#[test]
fn failed_rows_whose_arguments_are_not_pickles_are_readable() {
    let mut page: serde_json::Value = serde_json::from_str(&support::recorded::read(
        INVENTREE_477,
        "failed_limit25.json",
    ))
    .unwrap();
    let rows = page["results"].as_array().map_or(0, Vec::len);
    assert!(rows >= 5, "the recording has rows");
    let results = &mut page["results"];
    results[0]["args"] = serde_json::json!(12);
    results[1]["args"] = serde_json::Value::Null;
    results[1]["kwargs"] = serde_json::json!(2.5);
    results[2]["args"] = serde_json::json!("2025-03-15T10:30:00Z");
    results[3]["kwargs"] = serde_json::json!("2025-03-15");
    results[4]["args"] = serde_json::json!(true);
    // An integer beyond 64 bits, as Python's JSON writes it.
    let body = page.to_string().replacen(
        "\"args\":true",
        "\"args\":123456789012345678901234567890",
        1,
    );
    let decoded = client()
        .failed_call(&FailedQuery::default())
        .decode(&HttpResponse::new(200, body))
        .unwrap();
    assert!(decoded.unreadable.is_empty(), "{:?}", decoded.unreadable);
    assert_eq!(decoded.items.len(), rows);
    let text = |arg: &Option<StoredArgument>| {
        arg.as_ref()
            .expect("present")
            .read(rust_shortest)
            .expect("readable")
            .text()
    };
    let items = &decoded.items;
    assert_eq!(text(&items[0].args), "12");
    assert_eq!(text(&items[1].args), "None");
    assert_eq!(text(&items[1].kwargs), "2.5");
    assert_eq!(
        text(&items[2].args),
        "datetime.datetime(2025, 3, 15, 10, 30, tzinfo=datetime.timezone.utc)"
    );
    assert_eq!(text(&items[3].kwargs), "datetime.date(2025, 3, 15)");
    assert_eq!(text(&items[4].args), "123456789012345678901234567890");
    // The rows left as they were still read as their pickles.
    assert_eq!(text(&items[5].kwargs), "{}");
}
