//! The engine's protocols, natively, one test per outcome branch: against
//! the demo backend over real HTTP (with its fault injection standing in
//! for servers and proxies that misbehave) and against recorded answers.
//! Each test checks the report and, on the demo, exactly what changed on
//! the backend.

mod support;

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;
use std::time::Duration;

use support::recorded::{INVENTREE_477, PAPERLESS, inventree_entry, paperless_entry, response};
use support::{ScriptedTransport, UreqTransport, block_on};
use taskdeck::state::outcome::{Tone, report};
use taskdeck_api::inventree::InvenTreeClient;
use taskdeck_api::paperless::{PaperlessApi, PaperlessClient, TaskQuery, TaskStatus};
use taskdeck_api::paperless_admin::SystemTask;
use taskdeck_api::{
    ApiError, BaseUrl, HttpRequest, HttpResponse, LocalBoxFuture, Secret, Transport, TransportError,
};
use taskdeck_demo::{Demo, DemoConfig, Fault, Flavor, Instance, Scale};
use taskdeck_engine::act::{Checked, Outcome, Report, Tally, act};
use taskdeck_engine::clock::{Clock, ManualClock};
use taskdeck_engine::follow::{Pace, RunState, Skip, follow_task, run_system_task};
use taskdeck_engine::inventree::{Delete, DeleteFrom};
use taskdeck_engine::mail::{MailLog, Release, Turns, fetch_account};
use taskdeck_engine::paperless::{Acknowledge, all_tasks};

fn demo() -> Demo {
    taskdeck_demo::start(DemoConfig::ephemeral(None)).expect("demo starts")
}

fn paperless_as(instance: &Instance, token: &str) -> Rc<PaperlessClient> {
    Rc::new(PaperlessClient::new(
        BaseUrl::parse(&instance.url()).unwrap(),
        Some(Secret::new(token)),
    ))
}

fn paperless(instance: &Instance) -> Rc<PaperlessClient> {
    paperless_as(instance, instance.admin_token())
}

fn inventree(instance: &Instance) -> InvenTreeClient {
    InvenTreeClient::new(
        BaseUrl::parse(&instance.url()).unwrap(),
        Some(Secret::new(instance.admin_token())),
    )
}

fn sent(outcome: Outcome) -> Report {
    match outcome {
        Outcome::Sent(report) => report,
        Outcome::NotSent(why) => panic!("nothing was sent: {why:?}"),
    }
}

fn keys(ids: impl IntoIterator<Item = impl ToString>) -> Vec<String> {
    ids.into_iter().map(|k| k.to_string()).collect()
}

/// Open (not dismissed) Paperless tasks of the demo, lowest ids first.
fn open_tasks(instance: &Instance, n: usize) -> Vec<u64> {
    let mut open: Vec<u64> = instance
        .acknowledged_flags()
        .into_iter()
        .filter(|(_, acked)| !acked)
        .map(|(id, _)| id)
        .collect();
    open.sort_unstable();
    open.truncate(n);
    assert_eq!(open.len(), n, "the demo has enough open tasks");
    open
}

fn acknowledged_since(instance: &Instance, before: &[(u64, bool)]) -> HashSet<String> {
    support::changed_ids(before, &instance.acknowledged_flags())
}

fn failed_pks(instance: &Instance, n: usize) -> Vec<String> {
    let mut pks: Vec<String> = instance.failed_pks().into_iter().collect();
    pks.sort();
    pks.truncate(n);
    pks
}

#[test]
fn all_done_acknowledges_exactly_the_chosen_tasks_and_says_so() {
    let demo = demo();
    let instance = demo.instance(Flavor::Paperless3);
    let t = UreqTransport::default();
    let chosen = open_tasks(instance, 3);
    let before = instance.acknowledged_flags();
    let target = Acknowledge {
        client: paperless(instance),
        transport: &t,
    };
    let seen = sent(block_on(act(&target, &keys(&chosen))));
    assert_eq!(
        acknowledged_since(instance, &before),
        keys(&chosen).into_iter().collect()
    );
    assert_eq!(
        seen.tally(),
        Some(Tally {
            asked: 3,
            done: 3,
            gone_or_started: 0,
            unchanged: 0
        })
    );
    assert_eq!(
        report(&seen, "Acknowledged", "task"),
        (Tone::Done, "Acknowledged 3 tasks".into())
    );
}

#[test]
fn rows_gone_since_they_were_chosen_are_named_and_nothing_is_sent() {
    let demo = demo();
    let instance = demo.instance(Flavor::InvenTree477);
    let t = UreqTransport::default();
    let chosen = failed_pks(instance, 2);
    // Another admin deletes one of them meanwhile.
    instance
        .inventree()
        .lock()
        .unwrap()
        .failed
        .retain(|f| f.pk != chosen[1]);
    let before = instance.failed_pks();
    let target = Delete {
        client: inventree(instance),
        transport: &t,
        queue: DeleteFrom::Failed,
    };
    let outcome = block_on(act(&target, &chosen));
    assert_eq!(
        outcome,
        Outcome::NotSent(Checked::SomeGone {
            left: vec![chosen[0].clone()],
            gone: vec![chosen[1].clone()]
        })
    );
    assert_eq!(instance.failed_pks(), before, "nothing was deleted");
}

#[test]
fn a_refusal_is_reported_with_the_servers_own_message_and_nothing_changed() {
    let demo = demo();
    let instance = demo.instance(Flavor::Paperless3);
    let t = UreqTransport::default();
    // `taskviewer` may view tasks (its own and those without an owner),
    // not change them.
    let viewer = taskdeck_demo::paperless::USERS
        .iter()
        .find(|u| u.username == "taskviewer")
        .unwrap();
    let client = paperless_as(instance, viewer.token);
    let open = TaskQuery {
        acknowledged: Some(false),
        page_size: Some(2),
        ..TaskQuery::default()
    };
    let chosen: Vec<u64> = block_on(client.list_tasks(&t, &open))
        .unwrap()
        .items
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(chosen.len(), 2);
    let before = instance.acknowledged_flags();
    let target = Acknowledge {
        client,
        transport: &t,
    };
    let seen = sent(block_on(act(&target, &keys(&chosen))));
    assert!(acknowledged_since(instance, &before).is_empty());
    let Err(ApiError::Forbidden { message, .. }) = &seen.reply else {
        panic!("{:?}", seen.reply);
    };
    let (tone, text) = report(&seen, "Acknowledged", "task");
    assert_eq!(tone, Tone::Failed);
    assert!(text.starts_with("Nothing was acknowledged."), "{text}");
    assert!(
        text.contains(message.as_str()),
        "the server's words: {text}"
    );
}

#[test]
fn a_batch_stopping_half_way_reports_how_far_it_got() {
    let mut config = DemoConfig::ephemeral(None);
    config.scale = Scale::LARGE;
    config.instances.retain(|i| i.flavor == Flavor::Paperless3);
    let demo = taskdeck_demo::start(config).unwrap();
    let instance = demo.instance(Flavor::Paperless3);
    let t = UreqTransport::default();
    let chosen = open_tasks(instance, 820);
    let before = instance.acknowledged_flags();
    // The first batch of 500 goes through; the second meets a 500.
    instance.set_fault(
        "/api/tasks/acknowledge/",
        Fault {
            fail_after: Some(1),
            only_method: Some("POST"),
            ..Fault::default()
        },
    );
    let target = Acknowledge {
        client: paperless(instance),
        transport: &t,
    };
    let seen = sent(block_on(act(&target, &keys(&chosen))));
    let changed = acknowledged_since(instance, &before);
    assert_eq!(changed.len(), 500);
    assert!(changed.iter().all(|k| chosen.contains(&k.parse().unwrap())));
    let (tone, text) = report(&seen, "Acknowledged", "task");
    assert_eq!(tone, Tone::Partial);
    assert!(
        text.contains("500 of 820 tasks were acknowledged before it stopped; 320 still there"),
        "{text}"
    );
}

#[test]
fn a_timeout_after_the_server_committed_is_reported_as_seen() {
    let demo = demo();
    let instance = demo.instance(Flavor::InvenTree477);
    let chosen = failed_pks(instance, 2);
    instance.set_fault(
        "/api/background-task/failed/",
        Fault {
            slow_answer: Duration::from_secs(3),
            only_method: Some("DELETE"),
            ..Fault::default()
        },
    );
    let t = UreqTransport::timing_out_after(1);
    let target = Delete {
        client: inventree(instance),
        transport: &t,
        queue: DeleteFrom::Failed,
    };
    let seen = sent(block_on(act(&target, &chosen)));
    assert!(
        matches!(seen.reply, Err(ApiError::TimedOut { .. })),
        "{:?}",
        seen.reply
    );
    let left = instance.failed_pks();
    assert!(chosen.iter().all(|pk| !left.contains(pk)), "committed");
    let (tone, text) = report(&seen, "Deleted", "task");
    assert_eq!(tone, Tone::Partial);
    assert!(
        text.contains("All the same, all 2 tasks were deleted."),
        "{text}"
    );
}

#[test]
fn a_login_page_answering_for_the_server_is_an_unknown_outcome_not_a_success() {
    let demo = demo();
    let instance = demo.instance(Flavor::InvenTree477);
    let t = UreqTransport::default();
    let chosen = failed_pks(instance, 2);
    let before = instance.failed_pks();
    instance.set_fault(
        "/api/background-task/failed/",
        Fault {
            login_page: true,
            only_method: Some("DELETE"),
            ..Fault::default()
        },
    );
    let target = Delete {
        client: inventree(instance),
        transport: &t,
        queue: DeleteFrom::Failed,
    };
    let seen = sent(block_on(act(&target, &chosen)));
    assert!(
        matches!(seen.reply, Err(ApiError::NotJson { .. })),
        "{:?}",
        seen.reply
    );
    assert_eq!(instance.failed_pks(), before);
    let (tone, text) = report(&seen, "Deleted", "task");
    assert_eq!(tone, Tone::Failed);
    assert!(
        text.starts_with("Nothing was deleted. Outcome unknown: the reply was not the server's"),
        "{text}"
    );
}

/// A transport that lets a "worker" act on the backend just before a
/// delete reaches it.
struct WorkerTakesFirst<'a> {
    inner: UreqTransport,
    before_delete: Box<dyn Fn() + 'a>,
}

impl Transport for WorkerTakesFirst<'_> {
    fn send<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<HttpResponse, TransportError>> {
        if request.method == taskdeck_api::Method::Delete {
            (self.before_delete)();
        }
        self.inner.send(request)
    }
}

#[test]
fn a_pending_task_the_worker_took_meanwhile_is_not_reported_as_deleted() {
    let demo = demo();
    let instance = demo.instance(Flavor::InvenTree477);
    let mut pending: Vec<i64> = instance
        .inventree()
        .lock()
        .unwrap()
        .pending
        .iter()
        .map(|p| p.pk)
        .collect();
    pending.sort_unstable();
    let (deleted, taken) = (pending[0], pending[1]);
    let t = WorkerTakesFirst {
        inner: UreqTransport::default(),
        // Between the check and the delete, the worker starts one of them.
        before_delete: Box::new(|| {
            instance
                .inventree()
                .lock()
                .unwrap()
                .pending
                .retain(|p| p.pk != taken);
        }),
    };
    let target = Delete {
        client: inventree(instance),
        transport: &t,
        queue: DeleteFrom::Pending,
    };
    let seen = sent(block_on(act(&target, &keys([deleted, taken]))));
    assert_eq!(seen.reply, Ok(Some(1)), "the server deleted one");
    assert_eq!(
        seen.tally().unwrap(),
        Tally {
            asked: 2,
            done: 1,
            gone_or_started: 1,
            unchanged: 0
        }
    );
    let (tone, text) = report(&seen, "Deleted", "task");
    assert_eq!(tone, Tone::Done);
    assert_eq!(
        text,
        "Deleted 1 of 2 tasks; 1 gone from the queue before this reached it (started by the \
         worker, or deleted elsewhere)."
    );
}

#[test]
fn api_198_deletes_of_pending_tasks_say_gone_from_the_queue_not_deleted() {
    let demo = demo();
    let instance = demo.instance(Flavor::InvenTree198);
    let t = UreqTransport::default();
    let mut pending: Vec<String> = instance.pending_pks().into_iter().collect();
    pending.sort();
    pending.truncate(2);
    let target = Delete {
        client: inventree(instance),
        transport: &t,
        queue: DeleteFrom::Pending,
    };
    let seen = sent(block_on(act(&target, &pending)));
    assert_eq!(seen.reply, Ok(None), "204 without a count");
    let left = instance.pending_pks();
    assert!(pending.iter().all(|k| !left.contains(k)));
    let (tone, text) = report(&seen, "Deleted", "task");
    assert_eq!(tone, Tone::Done);
    assert!(
        text.starts_with("All 2 tasks gone from the queue (deleted, or started by the worker"),
        "{text}"
    );
}

/// Serves the recorded first page of the pending queue whatever offset is
/// asked for, as a proxy that strips the query would.
struct IgnoresPaging {
    page: HttpResponse,
    sent: RefCell<Vec<String>>,
}

impl Transport for IgnoresPaging {
    fn send<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<HttpResponse, TransportError>> {
        self.sent.borrow_mut().push(format!(
            "{} {}",
            request.method.as_str(),
            request.path_and_query
        ));
        let page = self.page.clone();
        Box::pin(async move { Ok(page) })
    }
}

#[test]
fn a_server_ignoring_paging_stops_the_check_and_nothing_is_sent() {
    let t = IgnoresPaging {
        page: response(
            INVENTREE_477,
            &inventree_entry(INVENTREE_477, "pending_limit25"),
        ),
        sent: RefCell::default(),
    };
    let target = Delete {
        client: InvenTreeClient::new(BaseUrl::parse("http://127.0.0.1:8020").unwrap(), None),
        transport: &t,
        queue: DeleteFrom::Pending,
    };
    // Not on the first page: the check must read on, and meets page 1 again.
    let outcome = block_on(act(&target, &keys([999_999])));
    match outcome {
        Outcome::NotSent(Checked::Failed(ApiError::PagingIgnored { page, .. })) => {
            assert_eq!(page, 2)
        }
        other => panic!("{other:?}"),
    }
    assert!(
        t.sent.borrow().iter().all(|r| r.starts_with("GET ")),
        "no delete: {:?}",
        t.sent.borrow()
    );
}

#[test]
fn a_server_dropping_to_api_9_mid_way_is_refused_not_read_unfiltered() {
    let paperless = PAPERLESS;
    let first = response(paperless, &paperless_entry("tasks_list_status_failure"));
    let refused = response(paperless, &paperless_entry("version_11_406"));
    let v9 = response(paperless, &paperless_entry("v9_tasks_list"));
    let mut paged = first.clone();
    // A first page that says more follow.
    paged.body = paged
        .body
        .replacen("\"count\":", "\"count\":5000,\"was\":", 1);
    let t = ScriptedTransport::new([paged, refused, v9]);
    let client = PaperlessClient::new(BaseUrl::parse("http://127.0.0.1:8010").unwrap(), None);
    let failures = TaskQuery {
        status: vec![TaskStatus::Failure],
        ..TaskQuery::default()
    };
    let err = block_on(all_tasks(&client, &t, &failures)).unwrap_err();
    assert!(matches!(err, ApiError::VersionChanged { .. }), "{err:?}");
    assert_eq!(client.api(), PaperlessApi::V9);
}

#[test]
fn every_task_matching_a_query_is_read_once() {
    let mut config = DemoConfig::ephemeral(None);
    config.scale = Scale::LARGE;
    config.instances.retain(|i| i.flavor == Flavor::Paperless3);
    let demo = taskdeck_demo::start(config).unwrap();
    let instance = demo.instance(Flavor::Paperless3);
    let open: HashSet<u64> = instance
        .acknowledged_flags()
        .into_iter()
        .filter(|(_, acked)| !acked)
        .map(|(id, _)| id)
        .collect();
    assert!(open.len() > 1000, "{}", open.len());
    let t = UreqTransport::default();
    let query = TaskQuery {
        acknowledged: Some(false),
        ..TaskQuery::default()
    };
    let all = block_on(all_tasks(&paperless(instance), &t, &query)).unwrap();
    let ids: Vec<u64> = all.iter().map(|t| t.id).collect();
    let distinct: HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(ids.len(), distinct.len(), "no id twice");
    assert_eq!(distinct, open);
}

/// Real time, for following a demo task that ends after a few seconds.
struct RealClock;

impl Clock for RealClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
    fn sleep(&self, duration: Duration) -> LocalBoxFuture<'_, ()> {
        std::thread::sleep(duration);
        Box::pin(async {})
    }
}

#[test]
fn a_system_task_is_followed_to_its_end() {
    let demo = demo();
    let instance = demo.instance(Flavor::Paperless3);
    let t = UreqTransport::default();
    let pace = Pace {
        every: Duration::from_millis(300),
        deadline: Duration::from_secs(60),
    };
    let mut states = Vec::new();
    let last = block_on(run_system_task(
        &paperless(instance),
        &t,
        &RealClock,
        pace,
        SystemTask::TrainClassifier,
        &mut |s| states.push(s.clone()),
    ));
    assert!(last.succeeded(), "{last:?}");
    assert_eq!(states.first(), Some(&RunState::Requested));
    assert!(states.iter().any(|s| matches!(
        s,
        RunState::Task {
            status: TaskStatus::Pending | TaskStatus::Started,
            ..
        }
    )));
}

#[test]
fn a_run_still_going_at_the_deadline_is_let_go_with_what_was_seen() {
    let paperless = PAPERLESS;
    let started = response(paperless, &paperless_entry("tasks_list_task_id_live"));
    // The task as the recording shows it, whatever its status there, kept
    // "started" for as long as it is asked about.
    let mut running = started.clone();
    for status in ["\"success\"", "\"failure\"", "\"pending\""] {
        running.body = running.body.replace(status, "\"started\"");
    }
    let task_id =
        serde_json::from_str::<serde_json::Value>(&running.body).unwrap()["results"][0]["task_id"]
            .as_str()
            .unwrap()
            .to_string();
    let t = ScriptedTransport::new(std::iter::repeat_n(running, 50));
    let clock = ManualClock::at(0);
    let pace = Pace {
        every: Duration::from_secs(2),
        deadline: Duration::from_secs(10),
    };
    let client = PaperlessClient::new(BaseUrl::parse("http://127.0.0.1:8010").unwrap(), None);
    let last = block_on(follow_task(
        &client,
        &t,
        &clock,
        pace,
        0,
        &task_id,
        &mut |_| {},
    ));
    assert_eq!(
        last,
        RunState::NoLongerFollowed {
            status: Some(TaskStatus::Started)
        }
    );
    assert_eq!(clock.sleeps(), 5, "polled every 2 s until 10 s had passed");
    assert!(!last.in_progress(), "its place is free for another run");
}

#[test]
fn released_mail_is_exactly_the_chosen_records() {
    let demo = demo();
    let instance = demo.instance(Flavor::Paperless3);
    let t = UreqTransport::default();
    let before = instance.processed_mail();
    let chosen: Vec<String> = before
        .iter()
        .filter(|(_, status)| *status == "FAILED")
        .take(2)
        .map(|(id, _)| id.to_string())
        .collect();
    assert_eq!(chosen.len(), 2);
    let target = Release {
        client: paperless(instance),
        transport: &t,
    };
    let seen = sent(block_on(act(&target, &chosen)));
    let after: HashSet<String> = instance
        .processed_mail()
        .iter()
        .map(|(id, _)| id.to_string())
        .collect();
    let gone: HashSet<String> = before
        .iter()
        .map(|(id, _)| id.to_string())
        .filter(|id| !after.contains(id))
        .collect();
    assert_eq!(gone, chosen.iter().cloned().collect());
    assert_eq!(report(&seen, "Released", "mail message").0, Tone::Done);
}

#[test]
fn a_mail_fetch_is_found_by_its_account_and_followed() {
    let demo = demo();
    let instance = demo.instance(Flavor::Paperless3);
    let t = UreqTransport::default();
    let pace = Pace {
        every: Duration::from_millis(300),
        deadline: Duration::from_secs(60),
    };
    let account = instance.paperless().lock().unwrap().mail.accounts[0].id;
    let last = block_on(fetch_account(
        &paperless(instance),
        &t,
        &RealClock,
        pace,
        &Turns::default(),
        "c1",
        account,
        &mut |_| {},
    ));
    assert_eq!(
        last,
        RunState::Fetched {
            status: TaskStatus::Success,
            message: None,
            log: MailLog::Clean
        }
    );
    let fetches = instance.manual_mail_fetches();
    assert_eq!(fetches.len(), 1);
    assert_eq!(fetches[0].1["account_ids"], serde_json::json!([account]));
}

#[test]
fn fetches_of_one_2x_server_wait_their_turn_and_send_nothing_meanwhile() {
    let demo = demo();
    let instance = demo.instance(Flavor::Paperless2);
    let t = UreqTransport::default();
    let client = paperless(instance);
    // The client knows it speaks API 9 (as after its first request).
    block_on(client.probe(&t)).unwrap();
    assert_eq!(client.api(), PaperlessApi::V9);
    let turns = Turns::default();
    let other = turns.enter("c2");
    let clock = ManualClock::at(0);
    let pace = Pace {
        every: Duration::from_secs(2),
        deadline: Duration::from_secs(20),
    };
    let account = instance.paperless().lock().unwrap().mail.accounts[0].id;
    let mut states = Vec::new();
    let last = block_on(fetch_account(
        &client,
        &t,
        &clock,
        pace,
        &turns,
        "c2",
        account,
        &mut |s| states.push(s.clone()),
    ));
    assert_eq!(states.first(), Some(&RunState::WaitingTurn));
    assert_eq!(last, RunState::NoLongerFollowed { status: None });
    assert!(
        instance.mail_fetch_requests().is_empty(),
        "nothing was sent"
    );
    // Another server's fetch does not wait for it.
    drop(other);
    let _elsewhere = turns.enter("c3");
    let first = block_on(fetch_account(
        &client,
        &t,
        &RealClock,
        Pace {
            every: Duration::from_millis(300),
            deadline: Duration::from_secs(60),
        },
        &turns,
        "c2",
        account,
        &mut |_| {},
    ));
    assert_ne!(first, RunState::WaitingTurn);
    assert_eq!(instance.mail_fetch_requests(), [account]);
}

fn quick() -> Pace {
    Pace {
        every: Duration::from_millis(300),
        deadline: Duration::from_secs(60),
    }
}

/// Paths of the requests sent through it, in order.
#[derive(Default)]
struct Recording {
    inner: UreqTransport,
    paths: RefCell<Vec<String>>,
}

impl Transport for Recording {
    fn send<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<HttpResponse, TransportError>> {
        self.paths.borrow_mut().push(format!(
            "{} {}",
            request.method.as_str(),
            request.path_and_query
        ));
        self.inner.send(request)
    }
}

/// Issue 25, item 1: 2.20.15 answers a finished classifier run with
/// `{"result": null}` (recorded); the run's own row, new in the task list
/// since before the request, says how it ended.
#[test]
fn a_2x_run_answered_with_null_is_read_from_its_row_in_the_task_list() {
    let before = HttpResponse::new(200, "[]");
    let answer = HttpResponse::new(
        200,
        support::recorded::read(
            PAPERLESS,
            "v9_run_train_classifier_null_result_2x_live.json",
        ),
    );
    let row = support::recorded::read(
        PAPERLESS,
        "v9_task_after_train_classifier_null_result_2x_live.json",
    );
    let after = HttpResponse::new(200, format!("[{row}]"));
    let t = ScriptedTransport::new([before, answer, after]);
    let client = PaperlessClient::new(BaseUrl::parse("http://127.0.0.1:8011").unwrap(), None)
        .with_api(PaperlessApi::V9);
    let mut states = Vec::new();
    let last = block_on(run_system_task(
        &client,
        &t,
        &ManualClock::at(0),
        quick(),
        SystemTask::TrainClassifier,
        &mut |s| states.push(s.clone()),
    ));
    assert_eq!(
        last,
        RunState::Task {
            status: TaskStatus::Success,
            message: Some("No automatic matching items, not training".into())
        }
    );
    assert_eq!(
        states,
        std::slice::from_ref(&last),
        "no state claims more than was seen"
    );
    let sent: Vec<String> = t
        .sent
        .borrow()
        .iter()
        .map(|r| format!("{} {}", r.method.as_str(), r.path_and_query))
        .collect();
    assert_eq!(
        sent,
        ["GET /api/tasks/", "POST /api/tasks/run/", "GET /api/tasks/"]
    );
}

/// The same against the demo's 2.x server: the classifier's row, the
/// sanity check's answer, and `index_optimize`, which records no row.
#[test]
fn a_2x_server_s_synchronous_runs_each_say_how_they_ended() {
    let demo = demo();
    let instance = demo.instance(Flavor::Paperless2);
    let t = UreqTransport::default();
    let client = paperless(instance);
    block_on(client.probe(&t)).unwrap();
    let run = |task| {
        block_on(run_system_task(
            &client,
            &t,
            &RealClock,
            quick(),
            task,
            &mut |_| {},
        ))
    };
    assert_eq!(
        run(SystemTask::TrainClassifier),
        RunState::Task {
            status: TaskStatus::Success,
            message: Some("No automatic matching items, not training".into())
        }
    );
    assert_eq!(
        run(SystemTask::SanityCheck),
        RunState::Answered {
            result: Some("No issues detected.".into())
        }
    );
    assert_eq!(
        run(SystemTask::IndexOptimize),
        RunState::Answered { result: None }
    );
}

/// Issue 25, item 4: the LLM index is disabled on the demo (as recorded);
/// a run ends in success and logs that it skipped the update: reported as
/// skipped, not as a success.
#[test]
fn an_llm_index_run_the_server_skips_is_reported_as_skipped() {
    let demo = demo();
    let instance = demo.instance(Flavor::Paperless3);
    let t = UreqTransport::default();
    let last = block_on(run_system_task(
        &paperless(instance),
        &t,
        &RealClock,
        quick(),
        SystemTask::LlmIndex,
        &mut |_| {},
    ));
    assert_eq!(last, RunState::Skipped(Skip::LlmIndexDisabled));
    let log = instance.paperless().lock().unwrap().server_log.clone();
    assert!(
        log.iter()
            .any(|l| l.ends_with("LLM index is disabled, skipping update.")),
        "{log:?}"
    );
}

/// Issue 25, item 2: the demo's unreachable account's `mail_fetch` task
/// succeeds, as a real server's does; the mail log says the mailbox could
/// not be reached, and so does the report. Where the log is closed to the
/// account, the report says the outcome of the mailbox is not seen.
#[test]
fn a_fetch_of_an_unreachable_mailbox_reports_the_mail_logs_error() {
    let demo = demo();
    let instance = demo.instance(Flavor::Paperless3);
    let t = UreqTransport::default();
    let (unreachable, name) = {
        let state = instance.paperless().lock().unwrap();
        let account = state.mail.accounts.iter().find(|a| !a.reachable).unwrap();
        (account.id, account.name)
    };
    let fetch = |client: &PaperlessClient| {
        block_on(fetch_account(
            client,
            &t,
            &RealClock,
            quick(),
            &Turns::default(),
            "c1",
            unreachable,
            &mut |_| {},
        ))
    };
    assert_eq!(
        fetch(&paperless(instance)),
        RunState::Fetched {
            status: TaskStatus::Success,
            message: None,
            log: MailLog::Errors(vec![format!(
                "Error while retrieving mailbox {name}: [Errno 111] Connection refused"
            )])
        }
    );
    // `taskadmin` may fetch mail but not read logs (staff only).
    let taskadmin = taskdeck_demo::paperless::USERS
        .iter()
        .find(|u| u.username == "taskadmin")
        .unwrap();
    assert_eq!(
        fetch(&paperless_as(instance, taskadmin.token)),
        RunState::Fetched {
            status: TaskStatus::Success,
            message: None,
            log: MailLog::Unreadable
        }
    );
}

/// Issue 25, items 2 and 7: a 2.x server records no task for a mail
/// fetch, so none is looked for (no "waiting for the worker" that never
/// ends); its mail log says when the fetch began and what failed.
#[test]
fn a_2x_fetch_is_followed_in_the_mail_log_without_looking_for_a_task() {
    let demo = demo();
    let instance = demo.instance(Flavor::Paperless2);
    let t = Recording::default();
    let client = paperless(instance);
    block_on(client.probe(&t)).unwrap();
    t.paths.borrow_mut().clear();
    let (reachable, unreachable, name) = {
        let state = instance.paperless().lock().unwrap();
        let bad = state.mail.accounts.iter().find(|a| !a.reachable).unwrap();
        let good = state.mail.accounts.iter().find(|a| a.reachable).unwrap();
        (good.id, bad.id, bad.name)
    };
    let mut states = Vec::new();
    let last = block_on(fetch_account(
        &client,
        &t,
        &RealClock,
        quick(),
        &Turns::default(),
        "c1",
        unreachable,
        &mut |s| states.push(s.clone()),
    ));
    assert_eq!(
        last,
        RunState::Unlisted {
            log: MailLog::Errors(vec![format!(
                "Error while retrieving mailbox {name}: [Errno 111] Connection refused"
            )])
        }
    );
    assert_eq!(
        states.first(),
        Some(&RunState::Unlisted {
            log: MailLog::Watching
        })
    );
    assert!(
        !states
            .iter()
            .any(|s| matches!(s, RunState::Requested | RunState::Task { .. })),
        "{states:?}"
    );
    assert!(
        !t.paths.borrow().iter().any(|p| p.contains("/api/tasks/")),
        "no task is looked for: {:?}",
        t.paths.borrow()
    );
    let last = block_on(fetch_account(
        &client,
        &t,
        &RealClock,
        quick(),
        &Turns::default(),
        "c1",
        reachable,
        &mut |_| {},
    ));
    assert_eq!(
        last,
        RunState::Unlisted {
            log: MailLog::Clean
        }
    );
    assert_eq!(instance.mail_fetch_requests(), [unreachable, reachable]);
    assert!(instance.manual_mail_fetches().is_empty(), "2.x lists none");
}
