//! Every request the API module builds, compared with the request recorded
//! against the real servers: method, path, query string, headers, JSON body.

mod support;

use base64::Engine as _;
use chrono::{TimeZone, Utc};
use support::recorded::{
    INVENTREE_198, INVENTREE_477, RecordedRequest, inventree_entry, paperless_entry, read,
};
use taskdeck_api::inventree::{
    FailedOrder, FailedQuery, InvenTreeClient, PendingQuery, ScheduledOrder, ScheduledQuery,
    SortDirection,
};
use taskdeck_api::paperless::{
    AckTarget, PaperlessApi, PaperlessClient, TaskOrderField, TaskOrdering, TaskQuery, TaskStatus,
    TaskType, TriggerSource,
};
use taskdeck_api::{BaseUrl, HttpRequest, Method, Secret, Selection};

const PAPERLESS_ADMIN_TOKEN: &str = "f6ba261cbdbf9193851c690b641447f4b6ea12af";
const INVENTREE_TOKEN: &str = "inv-a8b367885bb893982c75bb3754a60b0ab6ece288-20261122";

fn paperless(api: PaperlessApi) -> PaperlessClient {
    PaperlessClient::new(
        BaseUrl::parse("http://127.0.0.1:8010").unwrap(),
        Some(Secret::new(PAPERLESS_ADMIN_TOKEN)),
    )
    .with_api(api)
}

fn inventree() -> InvenTreeClient {
    InvenTreeClient::new(
        BaseUrl::parse("http://127.0.0.1:8020").unwrap(),
        Some(Secret::new(INVENTREE_TOKEN)),
    )
}

fn assert_same(built: &HttpRequest, recorded: &RecordedRequest) {
    let name = &recorded.name;
    assert_eq!(built.method.as_str(), recorded.method, "{name}: method");
    assert_eq!(
        built.path_and_query, recorded.path_and_query,
        "{name}: path and query"
    );
    assert_eq!(
        built.body,
        recorded.json_body(),
        "{name}: JSON body (built {:?}, recorded {:?})",
        built.body,
        recorded.body
    );
    if recorded.json_body().is_some() {
        assert_eq!(
            built.header_value("Content-Type"),
            Some("application/json"),
            "{name}"
        );
    }
}

/// Paperless requests: the recorded curl's Accept (if any) must match ours and
/// the token is the recorded admin token.
fn assert_paperless(built: &HttpRequest, name: &str) {
    let recorded = paperless_entry(name);
    assert_same(built, &recorded);
    if let Some(accept) = recorded.header("Accept") {
        assert_eq!(built.header_value("Accept"), Some(accept), "{name}: Accept");
    }
    match recorded.header("Authorization") {
        Some(auth) => assert_eq!(
            built
                .header_value("Authorization")
                .map(|v| v.replace(PAPERLESS_ADMIN_TOKEN, "<ADMIN_TOKEN>")),
            Some(auth.to_string()),
            "{name}: Authorization"
        ),
        None => assert_eq!(
            built.header_value("Authorization"),
            None,
            "{name}: no credentials"
        ),
    }
}

fn q() -> TaskQuery {
    TaskQuery::default()
}

#[test]
fn paperless_list_queries_match_the_recorded_requests() {
    let c = paperless(PaperlessApi::V10);
    let cases: Vec<(&str, TaskQuery)> = vec![
        ("tasks_list", q()),
        ("tasks_list_v10_explicit", q()),
        (
            "tasks_list_page2",
            TaskQuery {
                page: Some(2),
                ..q()
            },
        ),
        (
            "tasks_list_page_size_100",
            TaskQuery {
                page_size: Some(100),
                ..q()
            },
        ),
        (
            "tasks_list_page_out_of_range",
            TaskQuery {
                page: Some(99),
                ..q()
            },
        ),
        (
            "tasks_list_acknowledged_false",
            TaskQuery {
                acknowledged: Some(false),
                page_size: Some(100),
                ..q()
            },
        ),
        (
            "tasks_list_acknowledged_true",
            TaskQuery {
                acknowledged: Some(true),
                page_size: Some(100),
                ..q()
            },
        ),
        (
            "tasks_list_status_failure",
            TaskQuery {
                status: vec![TaskStatus::Failure],
                page_size: Some(100),
                ..q()
            },
        ),
        (
            "tasks_list_status_pending_started",
            TaskQuery {
                status: vec![TaskStatus::Pending, TaskStatus::Started],
                page_size: Some(100),
                ..q()
            },
        ),
        (
            "tasks_list_status_revoked",
            TaskQuery {
                status: vec![TaskStatus::Revoked],
                ..q()
            },
        ),
        (
            "tasks_list_task_type_consume_file",
            TaskQuery {
                task_type: vec![TaskType::ConsumeFile],
                page_size: Some(100),
                ..q()
            },
        ),
        (
            "tasks_list_task_type_multi",
            TaskQuery {
                task_type: vec![TaskType::TrainClassifier, TaskType::SanityCheck],
                ..q()
            },
        ),
        (
            "tasks_list_trigger_source_scheduled",
            TaskQuery {
                trigger_source: vec![TriggerSource::Scheduled],
                page_size: Some(100),
                ..q()
            },
        ),
        (
            "tasks_list_is_complete_false",
            TaskQuery {
                is_complete: Some(false),
                ..q()
            },
        ),
        (
            "tasks_list_is_complete_true",
            TaskQuery {
                is_complete: Some(true),
                page_size: Some(100),
                ..q()
            },
        ),
        (
            "tasks_list_name_mueller",
            TaskQuery {
                name: Some("müller".into()),
                ..q()
            },
        ),
        (
            "tasks_list_name_img",
            TaskQuery {
                name: Some("<img".into()),
                ..q()
            },
        ),
        (
            "tasks_list_name_scheduled",
            TaskQuery {
                name: Some("scheduled".into()),
                page_size: Some(100),
                ..q()
            },
        ),
        (
            "tasks_list_result_duplicate",
            TaskQuery {
                result: Some("duplicate".into()),
                ..q()
            },
        ),
        (
            "tasks_list_result_12",
            TaskQuery {
                result: Some("12".into()),
                ..q()
            },
        ),
        (
            "tasks_list_result_encrypted",
            TaskQuery {
                result: Some("encrypted".into()),
                ..q()
            },
        ),
        (
            "tasks_list_task_id",
            TaskQuery {
                task_id: Some("f1187346-843d-5fa6-9f34-5cdb239a91a2".into()),
                ..q()
            },
        ),
        (
            "tasks_list_owner_2",
            TaskQuery {
                owner: Some(2),
                page_size: Some(100),
                ..q()
            },
        ),
        (
            "tasks_list_date_created_after",
            TaskQuery {
                created_after: Some(Utc.with_ymd_and_hms(2026, 11, 21, 13, 25, 10).unwrap()),
                page_size: Some(100),
                ..q()
            },
        ),
        (
            "tasks_list_ordering_duration_desc",
            TaskQuery {
                ordering: Some(TaskOrdering {
                    field: TaskOrderField::DurationSeconds,
                    descending: true,
                }),
                page_size: Some(100),
                ..q()
            },
        ),
        (
            "tasks_list_ordering_date_done",
            TaskQuery {
                ordering: Some(TaskOrdering {
                    field: TaskOrderField::DateDone,
                    descending: false,
                }),
                page_size: Some(5),
                ..q()
            },
        ),
        (
            "tasks_list_combined",
            TaskQuery {
                acknowledged: Some(false),
                status: vec![TaskStatus::Failure],
                task_type: vec![TaskType::ConsumeFile],
                ordering: Some(TaskOrdering {
                    field: TaskOrderField::DateCreated,
                    descending: true,
                }),
                ..q()
            },
        ),
    ];
    for (name, query) in &cases {
        assert_paperless(&c.list_tasks_call(query).request, name);
    }
    // Blank text filters are not sent at all.
    let blank = TaskQuery {
        name: Some("  ".into()),
        result: Some(String::new()),
        ..q()
    };
    assert_eq!(
        c.list_tasks_call(&blank).request.path_and_query,
        "/api/tasks/"
    );
}

#[test]
fn paperless_api9_sends_only_what_api9_understands() {
    let c = paperless(PaperlessApi::V9);
    assert_paperless(&c.list_tasks_call(&q()).request, "v9_tasks_list");
    // Status, paging and ordering are applied locally on API 9: the server ignores
    // paging and rejects UPPERCASE status values.
    let filtered = TaskQuery {
        acknowledged: Some(false),
        status: vec![TaskStatus::Failure],
        page: Some(3),
        page_size: Some(25),
        ..q()
    };
    assert_paperless(
        &c.list_tasks_call(&filtered).request,
        "v9_tasks_list_acknowledged_false",
    );
    assert_paperless(&c.task_call(1).request, "v9_tasks_retrieve_1");
    assert_paperless(&c.task_call(6).request, "v9_tasks_retrieve_6_duplicate");
    let ack = c
        .acknowledge_call(&AckTarget::Tasks(Selection::new([2]).unwrap()))
        .unwrap();
    assert_paperless(&ack.request, "v9_acknowledge");
}

#[test]
fn paperless_detail_counts_acknowledge_and_token_requests() {
    let c = paperless(PaperlessApi::V10);
    assert_paperless(&c.task_call(1).request, "tasks_retrieve_1");
    assert_paperless(&c.task_call(8).request, "tasks_retrieve_8_xss_filename");
    assert_paperless(&c.status_counts_call(&q()).request, "tasks_status_counts");
    // Status filters do not apply to counts; the acknowledged filter does.
    let unacked = TaskQuery {
        acknowledged: Some(false),
        status: vec![TaskStatus::Failure],
        page: Some(2),
        ..q()
    };
    assert_paperless(
        &c.status_counts_call(&unacked).request,
        "tasks_status_counts_unacked",
    );

    let selected = Selection::new([1, 6, 8, 6]).unwrap();
    assert_eq!(selected.ids(), [1, 6, 8], "repeated ids are sent once");
    assert_paperless(
        &c.acknowledge_call(&AckTarget::Tasks(selected))
            .unwrap()
            .request,
        "acknowledge",
    );
    assert_paperless(
        &c.acknowledge_call(&AckTarget::All).unwrap().request,
        "acknowledge_all",
    );
    let coerced = paperless_entry("acknowledge_again_same_ids");
    assert_same(
        &c.acknowledge_call(&AckTarget::Tasks(Selection::new([1, 6, 8]).unwrap()))
            .unwrap()
            .request,
        &coerced,
    );

    let token = PaperlessClient::obtain_token_call(
        c.base(),
        "admin",
        &Secret::new("admin-password-123"),
        None,
    );
    assert_paperless(&token.request, "token_obtain");
    assert_eq!(token.request.method, Method::Post);
}

#[test]
fn an_empty_selection_can_not_be_built() {
    assert!(Selection::<u64>::new([]).is_err());
    assert!(Selection::<String>::new(Vec::new()).is_err());
}

fn assert_inventree(built: &HttpRequest, set: &str, name: &str) {
    let recorded = inventree_entry(set, name);
    assert_same(built, &recorded);
    assert_eq!(
        built.header_value("Authorization"),
        Some(format!("Token {INVENTREE_TOKEN}").as_str()),
        "{name}"
    );
}

fn sq<F>(limit: u32, offset: u32) -> taskdeck_api::inventree::SearchQuery<F> {
    taskdeck_api::inventree::SearchQuery {
        limit,
        offset,
        ..Default::default()
    }
}

#[test]
fn inventree_list_queries_match_the_recorded_requests() {
    let c = inventree();
    for set in [INVENTREE_477, INVENTREE_198] {
        assert_inventree(&c.overview_call().request, set, "overview");
        assert_inventree(&c.api_root_call().request, set, "api_root_admin");
        assert_inventree(
            &c.pending_call(&PendingQuery {
                limit: 25,
                offset: 0,
            })
            .request,
            set,
            "pending_limit25",
        );
        assert_inventree(
            &c.pending_call(&PendingQuery {
                limit: 10,
                offset: 10,
            })
            .request,
            set,
            "pending_limit10_offset10",
        );
        assert_inventree(
            &c.pending_call(&PendingQuery {
                limit: 50,
                offset: 0,
            })
            .request,
            set,
            "pending_after_delete_2",
        );
        assert_inventree(
            &c.scheduled_call(&sq(10, 10)).request,
            set,
            "scheduled_limit10_offset10",
        );
        assert_inventree(&c.failed_call(&sq(25, 0)).request, set, "failed_limit25");
        assert_inventree(
            &c.failed_call(&sq(10, 10)).request,
            set,
            "failed_limit10_offset10",
        );
        assert_inventree(
            &c.failed_call(&sq(5, 0)).request,
            set,
            "failed_after_delete_2",
        );
        let search = |s: &str| ScheduledQuery {
            search: Some(s.into()),
            ..sq(50, 0)
        };
        assert_inventree(
            &c.scheduled_call(&search("report")).request,
            set,
            "scheduled_search_report",
        );
        let ordered = |field, dir| ScheduledQuery {
            ordering: Some((field, dir)),
            ..sq(50, 0)
        };
        assert_inventree(
            &c.scheduled_call(&ordered(ScheduledOrder::NextRun, SortDirection::Ascending))
                .request,
            set,
            "scheduled_ordering_next_run",
        );
        assert_inventree(
            &c.scheduled_call(&ordered(ScheduledOrder::LastRun, SortDirection::Descending))
                .request,
            set,
            "scheduled_ordering_-last_run",
        );
        let failed_ordered = |field, dir| FailedQuery {
            ordering: Some((field, dir)),
            ..sq(25, 0)
        };
        assert_inventree(
            &c.failed_call(&failed_ordered(
                FailedOrder::Started,
                SortDirection::Ascending,
            ))
            .request,
            set,
            "failed_ordering_started",
        );
        assert_inventree(
            &c.failed_call(&failed_ordered(
                FailedOrder::Started,
                SortDirection::Descending,
            ))
            .request,
            set,
            "failed_ordering_-started",
        );
        assert_inventree(
            &c.failed_call(&FailedQuery {
                search: Some("json".into()),
                ..sq(25, 0)
            })
            .request,
            set,
            "failed_search_json",
        );
    }
    let set = INVENTREE_477;
    for (name, field, dir) in [
        (
            "scheduled_ordering_func",
            ScheduledOrder::Func,
            SortDirection::Ascending,
        ),
        (
            "scheduled_ordering_-func",
            ScheduledOrder::Func,
            SortDirection::Descending,
        ),
        (
            "scheduled_ordering_pk",
            ScheduledOrder::Pk,
            SortDirection::Ascending,
        ),
        (
            "scheduled_ordering_-pk",
            ScheduledOrder::Pk,
            SortDirection::Descending,
        ),
        (
            "scheduled_ordering_last_run",
            ScheduledOrder::LastRun,
            SortDirection::Ascending,
        ),
        (
            "scheduled_ordering_-next_run",
            ScheduledOrder::NextRun,
            SortDirection::Descending,
        ),
    ] {
        let query = ScheduledQuery {
            ordering: Some((field, dir)),
            ..sq(50, 0)
        };
        assert_inventree(&c.scheduled_call(&query).request, set, name);
    }
    for (name, field, dir) in [
        (
            "failed_ordering_stopped",
            FailedOrder::Stopped,
            SortDirection::Ascending,
        ),
        (
            "failed_ordering_-stopped",
            FailedOrder::Stopped,
            SortDirection::Descending,
        ),
        (
            "failed_ordering_func",
            FailedOrder::Func,
            SortDirection::Ascending,
        ),
        (
            "failed_ordering_-func",
            FailedOrder::Func,
            SortDirection::Descending,
        ),
        (
            "failed_ordering_pk",
            FailedOrder::Pk,
            SortDirection::Ascending,
        ),
        (
            "failed_ordering_-pk",
            FailedOrder::Pk,
            SortDirection::Descending,
        ),
    ] {
        let query = FailedQuery {
            ordering: Some((field, dir)),
            ..sq(25, 0)
        };
        assert_inventree(&c.failed_call(&query).request, set, name);
    }
    for (name, text) in [
        ("scheduled_search_xss", "<img"),
        ("scheduled_search_unicode", "低库存"),
        ("scheduled_search_multi_terms", "tasks stock"),
    ] {
        let query = ScheduledQuery {
            search: Some(text.into()),
            ..sq(50, 0)
        };
        assert_inventree(&c.scheduled_call(&query).request, set, name);
    }
    let regex = FailedQuery {
        search: Some("^math\\.".into()),
        search_regex: true,
        ..sq(25, 0)
    };
    assert_inventree(&c.failed_call(&regex).request, set, "failed_search_regex");
    let paged_search = FailedQuery {
        search: Some("tasks".into()),
        ..sq(10, 10)
    };
    assert_inventree(
        &c.failed_call(&paged_search).request,
        set,
        "failed_search_limit10_offset10",
    );
    assert_inventree(
        &c.failed_call(&sq(10, 120)).request,
        set,
        "failed_limit10_offset120",
    );
    assert_inventree(
        &c.scheduled_call(&ScheduledQuery {
            search: Some("低库存".into()),
            ..sq(50, 0)
        })
        .request,
        INVENTREE_198,
        "scheduled_search_by_name_unicode",
    );
}

#[test]
fn inventree_lists_always_send_a_limit() {
    let c = inventree();
    for request in [
        c.pending_call(&PendingQuery {
            limit: 0,
            offset: 0,
        })
        .request,
        c.scheduled_call(&sq(0, 0)).request,
        c.failed_call(&sq(0, 40)).request,
    ] {
        assert!(
            request.query().starts_with("limit="),
            "{}",
            request.path_and_query
        );
        assert!(
            !request.query().starts_with("limit=0"),
            "{}",
            request.path_and_query
        );
    }
}

#[test]
fn inventree_deletes_send_exactly_the_selected_ids_with_the_right_types() {
    let c = inventree();
    let pending = c.delete_pending_call(&Selection::new([167, 168]).unwrap());
    assert_inventree(
        &pending.request,
        INVENTREE_477,
        "headers_delete_pending_2_items",
    );
    let pending198 = c.delete_pending_call(&Selection::new([141, 154]).unwrap());
    assert_inventree(
        &pending198.request,
        INVENTREE_198,
        "headers_delete_pending_2_items",
    );

    let failed = c.delete_failed_call(
        &Selection::new([
            "4af2b04812d04dc68ae7a95292c3f4f0".to_string(),
            "b1c2fd7ae0f443a085d7bd7b8839a416".to_string(),
        ])
        .unwrap(),
    );
    assert_inventree(&failed.request, INVENTREE_477, "delete_failed_2_items");
    // Never the table-wide `?all=true`.
    assert!(!failed.request.path_and_query.contains("all="));
    let failed198 = c.delete_failed_call(
        &Selection::new([
            "eeaa1809bd4044ca8ca43201daa56a2d".to_string(),
            "7cc77f7cff2646869693bee290ea5f21".to_string(),
        ])
        .unwrap(),
    );
    assert_inventree(&failed198.request, INVENTREE_198, "delete_failed_2_items");
}

#[test]
fn inventree_token_request_uses_basic_auth_once() {
    // README: `GET /api/user/token/?name=gui-dev` with `-u viewer:viewer-password-123`.
    let readme = read(INVENTREE_477, "README.md");
    let line = readme
        .lines()
        .find(|l| l.contains("headers_token_basic_auth_viewer.txt"))
        .unwrap();
    let recorded_path = line
        .split('`')
        .nth(1)
        .unwrap()
        .trim_start_matches("GET ")
        .to_string();
    let credentials = line
        .split("`-u ")
        .nth(1)
        .unwrap()
        .split('`')
        .next()
        .unwrap();
    let (user, password) = credentials.split_once(':').unwrap();

    let call = InvenTreeClient::obtain_token_call(
        &BaseUrl::parse("http://127.0.0.1:8020").unwrap(),
        user,
        &Secret::new(password),
        "gui-dev",
    );
    assert_eq!(call.request.method, Method::Get);
    assert_eq!(call.request.path_and_query, recorded_path);
    let expected = base64::engine::general_purpose::STANDARD.encode(credentials);
    assert_eq!(
        call.request.header_value("Authorization"),
        Some(format!("Basic {expected}").as_str())
    );

    let dump = read(INVENTREE_477, "headers_token_basic_auth_viewer.txt");
    let body = dump
        .split("\r\n\r\n")
        .nth(1)
        .or_else(|| dump.split("\n\n").nth(1))
        .unwrap();
    let token = call
        .decode(&taskdeck_api::HttpResponse::new(200, body))
        .unwrap();
    assert_eq!(
        token.token.expose(),
        "inv-a8b367885bb893982c75bb3754a60b0ab6ece288-20261122"
    );
    assert_eq!(token.expiry.unwrap().to_string(), "2027-11-22");
}
