//! The typed API client against the demo backend over real HTTP: version
//! negotiation, actions that change exactly the selected rows, and injected
//! faults surfacing as typed errors.

mod support;

use std::time::{Duration, Instant};

use support::{
    UreqTransport, block_on, inventree_client as inventree, paperless_client as paperless,
};
use taskdeck_api::inventree::{FailedQuery, PendingQuery};
use taskdeck_api::paperless::{AckTarget, PaperlessApi, TaskQuery, TaskStatus};
use taskdeck_api::{ApiError, Selection};
use taskdeck_demo::{Demo, DemoConfig, Fault, Flavor, Scale};

fn demo() -> Demo {
    taskdeck_demo::start(DemoConfig::ephemeral(None)).expect("demo starts")
}

#[test]
fn acknowledging_changes_exactly_the_selected_tasks() {
    let demo = demo();
    let instance = demo.instance(Flavor::Paperless3);
    let client = paperless(instance);
    let t = UreqTransport::default();

    let unacked = TaskQuery {
        acknowledged: Some(false),
        page_size: Some(5),
        ..TaskQuery::default()
    };
    let page = block_on(client.list_tasks(&t, &unacked)).unwrap();
    assert_eq!(client.api(), PaperlessApi::V10);
    let chosen: Vec<u64> = page.items.iter().take(3).map(|t| t.id).collect();
    let before = instance.acknowledged_flags();

    let done = block_on(client.acknowledge(
        &t,
        &AckTarget::Tasks(Selection::new(chosen.clone()).unwrap()),
    ))
    .unwrap();
    assert_eq!(done, 3);
    let after = instance.acknowledged_flags();
    let changed: Vec<u64> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b.1 != a.1)
        .map(|(b, _)| b.0)
        .collect();
    let mut expected = chosen.clone();
    expected.sort();
    assert_eq!(
        changed, expected,
        "exactly the selected tasks were acknowledged"
    );
}

#[test]
fn a_2x_server_is_negotiated_to_api_9_over_http() {
    let demo = demo();
    let instance = demo.instance(Flavor::Paperless2);
    let client = paperless(instance);
    let t = UreqTransport::default();
    let page = block_on(client.list_tasks(&t, &TaskQuery::default())).unwrap();
    assert_eq!(client.api(), PaperlessApi::V9);
    assert!(!page.server_paged);
    assert_eq!(
        page.items.len(),
        instance.paperless().lock().unwrap().tasks.len()
    );
    // The UPPERCASE statuses normalise to the same enum.
    assert!(page.items.iter().any(|t| t.status == TaskStatus::Failure));
    let err = block_on(client.status_counts(&t, &TaskQuery::default())).unwrap_err();
    assert!(matches!(err, ApiError::Unsupported { .. }));
}

#[test]
fn deleting_removes_exactly_the_selected_inventree_tasks_on_both_versions() {
    let demo = demo();
    for flavor in [Flavor::InvenTree477, Flavor::InvenTree198] {
        let instance = demo.instance(flavor);
        let client = inventree(instance);
        let t = UreqTransport::default();
        let failed = block_on(
            client
                .failed_call(&FailedQuery {
                    limit: 10,
                    ..Default::default()
                })
                .send(&t),
        )
        .unwrap();
        let chosen: Vec<String> = failed
            .items
            .iter()
            .skip(2)
            .take(2)
            .map(|f| f.pk.clone())
            .collect();
        let total_before = instance.inventree().lock().unwrap().failed.len();

        let outcome = block_on(
            client
                .delete_failed_call(&Selection::new(chosen.clone()).unwrap())
                .send(&t),
        )
        .unwrap();
        let expected_count = if flavor == Flavor::InvenTree477 {
            Some(2)
        } else {
            None
        };
        assert_eq!(outcome.deleted, expected_count, "{flavor:?}");
        let state = instance.inventree().lock().unwrap();
        assert_eq!(state.failed.len(), total_before - 2, "{flavor:?}");
        assert!(
            state.failed.iter().all(|f| !chosen.contains(&f.pk)),
            "{flavor:?}"
        );
        drop(state);

        let pending = block_on(
            client
                .pending_call(&PendingQuery {
                    limit: 5,
                    offset: 3,
                })
                .send(&t),
        )
        .unwrap();
        let pk = pending.items[0].pk;
        let before = instance.inventree().lock().unwrap().pending.len();
        block_on(
            client
                .delete_pending_call(&Selection::new([pk]).unwrap())
                .send(&t),
        )
        .unwrap();
        let state = instance.inventree().lock().unwrap();
        assert_eq!(state.pending.len(), before - 1);
        assert!(state.pending.iter().all(|p| p.pk != pk));
    }
}

#[test]
fn injected_faults_become_typed_errors() {
    let demo = demo();
    let instance = demo.instance(Flavor::InvenTree477);
    let client = inventree(instance);
    let t = UreqTransport::default();
    let list = || block_on(client.failed_call(&FailedQuery::default()).send(&t));

    instance.set_fault(
        "/api/background-task/failed/",
        Fault {
            error_rate: 1.0,
            ..Fault::default()
        },
    );
    match list().unwrap_err() {
        ApiError::Server { status, message } => {
            assert_eq!(status, 500);
            assert_eq!(message, "Server Error (500)");
        }
        other => panic!("{other:?}"),
    }
    // Other endpoints are unaffected.
    assert!(block_on(client.overview_call().send(&t)).is_ok());

    instance.set_fault(
        "/api/background-task/failed/",
        Fault {
            malformed_body: true,
            ..Fault::default()
        },
    );
    assert!(matches!(list().unwrap_err(), ApiError::Decode { .. }));

    instance.set_fault(
        "/api/background-task/failed/",
        Fault {
            drop_connection: true,
            ..Fault::default()
        },
    );
    assert!(matches!(list().unwrap_err(), ApiError::Unreachable { .. }));

    instance.set_fault(
        "/api/background-task/failed/",
        Fault {
            latency: Duration::from_millis(300),
            ..Fault::default()
        },
    );
    let started = Instant::now();
    assert!(list().is_ok());
    assert!(started.elapsed() >= Duration::from_millis(300));

    instance.set_fault("/api/background-task/failed/", Fault::default());
    assert!(list().is_ok());
}

#[test]
fn the_large_scale_seeds_ten_thousand_paperless_and_five_thousand_failed_tasks() {
    let mut config = DemoConfig::ephemeral(None);
    config.scale = Scale::LARGE;
    config
        .instances
        .retain(|i| matches!(i.flavor, Flavor::Paperless2 | Flavor::InvenTree477));
    let demo = taskdeck_demo::start(config).unwrap();
    let t = UreqTransport::default();
    let p = paperless(demo.instance(Flavor::Paperless2));
    let all = block_on(p.list_tasks(&t, &TaskQuery::default())).unwrap();
    assert!(all.items.len() >= 10_000, "{}", all.items.len());
    let names: Vec<&str> = all
        .items
        .iter()
        .filter_map(|t| t.file_name.as_deref())
        .collect();
    assert!(names.contains(&"<img src=x onerror=alert(1)>.pdf"));
    assert!(names.iter().any(|n| n.contains("請求書")));
    let i = inventree(demo.instance(Flavor::InvenTree477));
    let overview = block_on(i.overview_call().send(&t)).unwrap();
    assert!(overview.failed_tasks >= 5_000);
    let failed = block_on(
        i.failed_call(&FailedQuery {
            limit: 500,
            ..Default::default()
        })
        .send(&t),
    )
    .unwrap();
    let longest = failed
        .items
        .iter()
        .filter_map(|f| f.result.as_ref())
        .map(|r| r.lines().count())
        .max()
        .unwrap();
    assert!(
        longest > 100,
        "some tracebacks are very long ({longest} lines)"
    );
}

/// API 198 answers 204 to a delete whatever it deleted: the client claims
/// no count, so the console looks the rows up again.
#[test]
fn api_198_claims_nothing_about_deletes() {
    let demo = taskdeck_demo::start(DemoConfig::ephemeral(None)).unwrap();
    let t = UreqTransport::default();
    let i = inventree(demo.instance(Flavor::InvenTree198));
    let outcome = block_on(
        i.delete_pending_call(&Selection::new([987_654]).unwrap())
            .send(&t),
    )
    .unwrap();
    assert_eq!(outcome.deleted, None);
}
