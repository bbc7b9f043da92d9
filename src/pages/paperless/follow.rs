//! Starting something on a Paperless server and following the task it
//! queued to its end: system tasks and mail fetches. The runs live in one
//! app-wide registry, so the same run is never started twice from this
//! console, and a run keeps being followed while the user is elsewhere.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use leptos::prelude::*;

use crate::api::paperless::{PaperlessClient, StatusGroup, TaskStatus};
use crate::api::paperless_admin::{Started, SystemTask};
use crate::api::paperless_mail::new_mail_fetch;
use crate::api::{ApiError, Transport};
use crate::web;

/// How often a started task is looked up until it finishes.
const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_secs(2);
/// How long a fetch's task may take to show up in the task list before
/// the outcome is reported as unknown.
const APPEAR_WITHIN: u32 = 15;

/// A run as it is followed.
#[derive(Clone, Debug, PartialEq)]
pub enum Run {
    /// Sent; the task is not listed yet or not picked up.
    Waiting,
    Status(TaskStatus, Option<String>),
    /// Could not be started or followed: why.
    Failed(String),
    /// Accepted, but its task never appeared: what happened is not known.
    Unknown(String),
}

impl Run {
    /// Started and not finished yet: no second run of the same thing.
    pub fn in_progress(&self) -> bool {
        match self {
            Run::Waiting => true,
            Run::Status(status, _) => status.group() == Some(StatusGroup::InProgress),
            Run::Failed(_) | Run::Unknown(_) => false,
        }
    }

    pub fn succeeded(&self) -> bool {
        matches!(self, Run::Status(TaskStatus::Success, _))
    }

    pub fn describe(&self) -> String {
        match self {
            Run::Waiting => "Started; waiting for the worker…".into(),
            Run::Status(status, message) => format!(
                "{}{}",
                super::row::status_label(status),
                message
                    .as_ref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            ),
            Run::Failed(e) | Run::Unknown(e) => e.clone(),
        }
    }
}

/// What is being run: a system task or a mail account's fetch, per connection.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RunKey {
    System(String, SystemTask),
    Fetch(String, u64),
}

/// Every run started from this console, by what it runs.
#[derive(Clone, Copy)]
pub struct Runs(RwSignal<HashMap<RunKey, Run>>);

impl Runs {
    pub fn new() -> Runs {
        Runs(RwSignal::new(HashMap::new()))
    }

    pub fn get(&self, key: &RunKey) -> Option<Run> {
        self.0.with(|runs| runs.get(key).cloned())
    }

    fn set(&self, key: &RunKey, run: Run) {
        self.0.update(|runs| {
            runs.insert(key.clone(), run);
        });
    }

    /// Claims `key` for a new run; `false` while one is in progress.
    fn claim(&self, key: &RunKey) -> bool {
        let busy = self
            .0
            .with_untracked(|runs| runs.get(key).is_some_and(Run::in_progress));
        if !busy {
            self.set(key, Run::Waiting);
        }
        !busy
    }

    /// Runs `work` for `key` unless a run of it is in progress, giving it
    /// the way to report; `done` is called at the end.
    fn launch<F>(&self, key: RunKey, work: impl FnOnce(Reporter) -> F, done: impl Fn() + 'static)
    where
        F: std::future::Future<Output = ()> + 'static,
    {
        if !self.claim(&key) {
            return;
        }
        let runs = *self;
        let report: Reporter = Rc::new(move |run| runs.set(&key, run));
        let work = work(report);
        leptos::task::spawn_local(async move {
            work.await;
            done();
        });
    }

    /// Starts a system task and follows it; `done` is called at the end.
    pub fn start_system(
        &self,
        connection: &str,
        client: Rc<PaperlessClient>,
        task: SystemTask,
        done: impl Fn() + 'static,
    ) {
        let key = RunKey::System(connection.to_string(), task);
        self.launch(
            key,
            |report| async move {
                let transport = web::transport();
                match client.run(transport, task).await {
                    Ok(Started::Finished { result }) => {
                        report(Run::Status(TaskStatus::Success, Some(result)))
                    }
                    Ok(Started::Queued { task_id }) => {
                        follow(&client, transport, &task_id, |run| report(run)).await
                    }
                    Err(ApiError::Forbidden { .. }) => report(Run::Failed(
                        "Only a Paperless superuser may start system tasks.".into(),
                    )),
                    Err(e) => report(Run::Failed(e.to_string())),
                }
            },
            done,
        );
    }

    /// Asks the server to fetch one mail account now, finds the task that
    /// queued (the answer names none) and follows it.
    pub fn fetch_mail(
        &self,
        connection: &str,
        client: Rc<PaperlessClient>,
        account: u64,
        done: impl Fn() + 'static,
    ) {
        let key = RunKey::Fetch(connection.to_string(), account);
        self.launch(
            key,
            |report| async move {
                fetch_and_follow(&client, web::transport(), account, |run| report(run)).await
            },
            done,
        );
    }
}

/// How a run reports its progress.
type Reporter = Rc<dyn Fn(Run)>;

impl Default for Runs {
    fn default() -> Self {
        Runs::new()
    }
}

/// Looks the task up until it is terminal.
async fn follow(
    client: &PaperlessClient,
    transport: &dyn Transport,
    task_id: &str,
    set: impl Fn(Run),
) {
    loop {
        match client.task_by_celery_id(transport, task_id).await {
            Ok(Some(t)) => {
                let run = Run::Status(t.status.clone(), t.result_message.clone());
                let done = !run.in_progress();
                set(run);
                if done {
                    return;
                }
            }
            Ok(None) => set(Run::Waiting),
            Err(e) => {
                set(Run::Failed(format!("Could not follow the task: {e}")));
                return;
            }
        }
        web::sleep(FOLLOW_EVERY).await;
    }
}

async fn fetch_and_follow(
    client: &PaperlessClient,
    transport: &dyn Transport,
    account: u64,
    set: impl Fn(Run),
) {
    // The fetches listed before the request, so an older one is never
    // mistaken for the new one.
    let known: HashSet<String> = match client.manual_mail_fetches(transport).await {
        Ok(tasks) => tasks.into_iter().map(|t| t.task_id).collect(),
        Err(e) => return set(Run::Failed(e.to_string())),
    };
    if let Err(e) = client.fetch_mail_call(account).send(transport).await {
        return set(Run::Failed(match e {
            ApiError::Forbidden { .. } => {
                "This account may not fetch mail (Paperless needs the mail permissions).".into()
            }
            e => e.to_string(),
        }));
    }
    for _ in 0..APPEAR_WITHIN {
        match client.manual_mail_fetches(transport).await {
            Ok(tasks) => {
                if let Some(task) = new_mail_fetch(&tasks, &known, account) {
                    let task_id = task.task_id.clone();
                    return follow(client, transport, &task_id, set).await;
                }
            }
            Err(e) => {
                return set(Run::Unknown(format!(
                    "The server accepted the fetch, but its task could not be looked up: {e}"
                )));
            }
        }
        web::sleep(FOLLOW_EVERY).await;
    }
    set(Run::Unknown(
        "The server accepted the fetch, but no new mail task appeared in its task list; \
         whether it ran is not known."
            .into(),
    ))
}
