//! The triage crate against the demo over real HTTP, read as the console
//! reads: the seeded failures form repeated causes on every server, a hung
//! worker is a stall seen from the outside and is cleared when the demo's
//! worker runs again, and acting on a group changes exactly its rows.

mod support;

use std::collections::BTreeMap;

use chrono::{FixedOffset, Utc};
use support::{
    UreqTransport, block_on, inventree_client as inventree, paperless_client as paperless,
};
use taskdeck_api::Selection;
use taskdeck_api::inventree::{FailedQuery, PendingQuery, ScheduledQuery};
use taskdeck_api::paperless::{AckTarget, TaskQuery};
use taskdeck_api::paperless_admin::health_report;
use taskdeck_api::paperless_mail::MailQuery;
use taskdeck_demo::{Demo, DemoConfig, Flavor, Instance};
use taskdeck_triage::stall::{Reason, WorkerState, detect};
use taskdeck_triage::{Failure, GroupOptions, List, Observation, groups, match_error};

const ALL: [Flavor; 4] = [
    Flavor::Paperless3,
    Flavor::InvenTree477,
    Flavor::Paperless2,
    Flavor::InvenTree198,
];

fn demo(stalled: &[Flavor]) -> Demo {
    let mut config = DemoConfig::ephemeral(None);
    config.stalled = stalled.to_vec();
    taskdeck_demo::start(config).expect("demo starts")
}

/// The demo's InvenTree times are in UTC.
fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap()
}

fn connection(flavor: Flavor) -> String {
    format!("{flavor:?}")
}

/// Every failure a server shows: failed tasks (and failed mail) or the
/// failed queue.
fn failures(instance: &Instance) -> Vec<Failure> {
    let t = UreqTransport::default();
    let id = connection(instance.flavor);
    match instance.flavor.kind() {
        "paperless" => {
            let client = paperless(instance);
            let tasks = block_on(taskdeck_engine::paperless::all_tasks(
                &client,
                &t,
                &TaskQuery::default(),
            ))
            .unwrap();
            let mail = MailQuery {
                page_size: Some(100),
                ..MailQuery::default()
            };
            let mail = block_on(client.processed_mail_call(&mail).send(&t)).unwrap();
            tasks
                .iter()
                .filter_map(|task| Failure::from_paperless(&id, task))
                .chain(
                    mail.items
                        .iter()
                        .filter_map(|m| Failure::from_processed_mail(&id, m)),
                )
                .collect()
        }
        _ => {
            let query = FailedQuery {
                limit: 1000,
                ..FailedQuery::default()
            };
            let page = block_on(inventree(instance).failed_call(&query).send(&t)).unwrap();
            assert_eq!(page.count, page.items.len() as u64);
            page.items
                .iter()
                .map(|f| Failure::from_inventree(&id, f, utc()))
                .collect()
        }
    }
}

/// One look at a server, as the console takes it.
fn observe(instance: &Instance) -> Observation {
    let t = UreqTransport::default();
    let now = Utc::now();
    match instance.flavor.kind() {
        "paperless" => {
            let client = paperless(instance);
            let tasks = block_on(taskdeck_engine::paperless::all_tasks(
                &client,
                &t,
                &TaskQuery::default(),
            ))
            .unwrap();
            let status = block_on(client.status(&t)).unwrap();
            let report = health_report(&status, &client.status_call().request, now).unwrap();
            Observation::paperless(now, &tasks, Some(&report))
        }
        _ => {
            let client = inventree(instance);
            let root = block_on(client.api_root_call().send(&t)).unwrap();
            let pending = PendingQuery {
                limit: 1000,
                offset: 0,
            };
            let pending = block_on(client.pending_call(&pending).send(&t)).unwrap();
            let scheduled = ScheduledQuery {
                limit: 1000,
                ..ScheduledQuery::default()
            };
            let scheduled = block_on(client.scheduled_call(&scheduled).send(&t)).unwrap();
            Observation::inventree(
                now,
                root.worker_running,
                pending.count,
                &pending.items,
                &scheduled.items,
                utc(),
            )
        }
    }
}

#[test]
fn hung_workers_are_stalls_seen_from_outside_and_clear_when_work_moves() {
    let demo = demo(&[Flavor::Paperless2, Flavor::InvenTree198]);
    let thresholds = Default::default();
    let mut before = BTreeMap::new();
    for flavor in ALL {
        let look = observe(demo.instance(flavor));
        let stall = detect(std::slice::from_ref(&look), &thresholds);
        before.insert(connection(flavor), (look, stall));
    }
    for flavor in [Flavor::Paperless3, Flavor::InvenTree477] {
        let (look, stall) = &before[&connection(flavor)];
        assert_eq!(*stall, None, "{flavor:?} runs: {look:?}");
    }
    for flavor in [Flavor::Paperless2, Flavor::InvenTree198] {
        let (look, stall) = &before[&connection(flavor)];
        let stall = stall
            .as_ref()
            .unwrap_or_else(|| panic!("{flavor:?} is hung: {look:?}"));
        assert!(
            stall.reasons.contains(&Reason::NothingCompleted),
            "{stall:?}"
        );
        assert!(stall.pending >= 3, "{stall:?}");
        assert!(
            stall.quiet_for.unwrap() >= chrono::Duration::minutes(39),
            "{stall:?}"
        );
        // The server still says its worker runs: only the outside view tells.
        assert_eq!(stall.worker, WorkerState::Running, "{flavor:?}");
    }

    for flavor in [Flavor::Paperless2, Flavor::InvenTree198] {
        let instance = demo.instance(flavor);
        let waiting = instance.waiting_tasks();
        instance.set_worker_running(true);
        assert!(instance.worker_running());
        assert!(instance.waiting_tasks() < waiting, "{flavor:?}: work moved");
        let (first, _) = &before[&connection(flavor)];
        let series = [first.clone(), observe(instance)];
        assert_eq!(detect(&series, &thresholds), None, "{flavor:?} cleared");
    }

    // Stopped, and the servers say so: a stall with the worker's own word.
    let instance = demo.instance(Flavor::Paperless2);
    instance.set_worker_running(false);
    let look = observe(instance);
    assert_eq!(look.worker, WorkerState::NotRunning);
}

#[test]
fn the_seeded_failures_repeat_several_causes_on_every_server() {
    let demo = demo(&[]);
    let all: Vec<Failure> = ALL
        .iter()
        .flat_map(|f| failures(demo.instance(*f)))
        .collect();
    let grouping = groups::group(&all, &GroupOptions::new(Utc::now()));
    assert_eq!(grouping.outside_window, 0);
    for flavor in ALL {
        let id = connection(flavor);
        let repeated: Vec<&groups::Group> = grouping
            .groups
            .iter()
            .filter(|g| g.per_server.get(&id).is_some_and(|n| *n >= 3))
            .collect();
        assert!(
            repeated.len() >= 4,
            "{id}: {} causes seen three times or more",
            repeated.len()
        );
        // Rows of one cause differ (ids, names), or grouping would be moot.
        let varied = repeated.iter().any(|g| {
            let rows: Vec<&Failure> = all.iter().filter(|f| g.rows.contains(&f.row)).collect();
            rows.iter().any(|r| r.message != rows[0].message)
        });
        assert!(varied, "{id}: one cause, different messages");
    }
    // Causes shared by the two Paperless servers form one group.
    let shared = grouping.groups.iter().find(|g| {
        g.per_server.contains_key(&connection(Flavor::Paperless3))
            && g.per_server.contains_key(&connection(Flavor::Paperless2))
            && g.signature.message.contains("Unsupported mime type")
    });
    assert!(shared.is_some(), "one group across both Paperless servers");
    // Processed mail fails repeatedly too.
    let mail_groups: Vec<&groups::Group> = grouping
        .groups
        .iter()
        .filter(|g| {
            g.rows
                .iter()
                .all(|r| r.list == List::PaperlessProcessedMail)
        })
        .filter(|g| g.count >= 2)
        .collect();
    assert!(mail_groups.len() >= 3, "{mail_groups:?}");
    // The catalogue knows the seeded causes.
    let known = [
        "paperless.duplicate",
        "paperless.unsupported-type",
        "paperless.password-protected",
        "paperless.ocr-failed",
        "paperless.permissions",
        "paperless.worker-killed",
        "paperless.classifier-too-few",
        "paperless.sanity-check",
        "paperless.mail-authentication",
        "paperless.mail-unreachable",
        "inventree.email",
        "inventree.missing-media",
        "inventree.plugin-not-loaded",
        "inventree.update-check",
        "inventree.database-locked",
    ];
    for id in known {
        let matched = grouping
            .groups
            .iter()
            .any(|g| match_error(g.signature.kind(), &g.example_text).is_some_and(|e| e.id == id));
        assert!(matched, "no seeded group matches {id}");
    }
}

#[test]
fn acting_on_a_group_changes_exactly_its_rows_and_drift_names_the_rest() {
    let demo = demo(&[]);
    let t = UreqTransport::default();
    let now = Utc::now();
    let options = GroupOptions::new(now);

    // An InvenTree cause on both servers: delete exactly its rows on each.
    let inventree_flavors = [Flavor::InvenTree477, Flavor::InvenTree198];
    let all: Vec<Failure> = inventree_flavors
        .iter()
        .flat_map(|f| failures(demo.instance(*f)))
        .collect();
    let grouping = groups::group(&all, &options);
    let group = grouping
        .groups
        .iter()
        .find(|g| g.signature.message == "math domain error" && g.per_server.len() == 2)
        .expect("math.sqrt fails on both InvenTree servers")
        .clone();
    let before: Vec<_> = inventree_flavors
        .iter()
        .map(|f| demo.instance(*f).failed_pks())
        .collect();
    let drift = groups::drift(&group, &all, &options);
    assert!(drift.is_unchanged());
    assert_eq!(drift.per_server(), group.per_server);
    for (flavor, before) in inventree_flavors.iter().zip(&before) {
        let instance = demo.instance(*flavor);
        let chosen: Vec<String> = drift
            .unchanged
            .iter()
            .filter(|r| r.connection == connection(*flavor))
            .map(|r| r.key.clone())
            .collect();
        block_on(
            inventree(instance)
                .delete_failed_call(&Selection::new(chosen.clone()).unwrap())
                .send(&t),
        )
        .unwrap();
        let after = instance.failed_pks();
        let gone: std::collections::HashSet<String> = before.difference(&after).cloned().collect();
        assert_eq!(
            gone,
            chosen.into_iter().collect(),
            "{flavor:?}: exactly the group's rows"
        );
    }

    // A Paperless cause: one of its rows is acknowledged elsewhere in the
    // meantime and a new one would join; acknowledging what is left
    // changes exactly those.
    let instance = demo.instance(Flavor::Paperless3);
    let all = failures(instance);
    let grouping = groups::group(&all, &options);
    let group = grouping
        .groups
        .iter()
        .find(|g| g.signature.message.contains("Unsupported mime type") && g.count >= 3)
        .expect("a repeated cause on Paperless 3")
        .clone();
    let elsewhere: u64 = group.rows.iter().next().unwrap().key.parse().unwrap();
    instance.acknowledge_elsewhere(elsewhere);
    let now_rows = failures(instance);
    let drift = groups::drift(&group, &now_rows, &options);
    assert_eq!(drift.acknowledged.len(), 1);
    assert_eq!(drift.unchanged.len(), group.count - 1);
    let before = instance.acknowledged_flags();
    let ids: Vec<u64> = drift
        .unchanged
        .iter()
        .map(|r| r.key.parse().unwrap())
        .collect();
    let done = block_on(
        paperless(instance)
            .acknowledge(&t, &AckTarget::Tasks(Selection::new(ids.clone()).unwrap())),
    )
    .unwrap();
    assert_eq!(done, ids.len() as u64);
    let changed: Vec<u64> = before
        .iter()
        .zip(instance.acknowledged_flags())
        .filter(|(b, a)| b.1 != a.1)
        .map(|(b, _)| b.0)
        .collect();
    let mut expected = ids;
    expected.sort_unstable();
    assert_eq!(changed, expected);
}
