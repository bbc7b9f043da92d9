//! Runs started from this console (system tasks, mail fetches), app-wide:
//! a run keeps being followed while the user is on other screens, never
//! twice at once, and when it ends the lists of its server are read again
//! ([`Changed`]) and the run is kept in the action log with its last state.
//! The protocol is the engine's; this only keeps the registry where
//! screens can show it.

use std::rc::Rc;

use leptos::prelude::*;

use crate::action_log::ActionLog;
use crate::api::paperless::PaperlessClient;
use crate::api::paperless_admin::SystemTask;
use crate::context::Changed;
use crate::engine::follow::{Pace, RunState, run_system_task};
use crate::engine::mail::{Turns, fetch_account};
use crate::engine::runs::{Claim, Runs as Registry};
use crate::state::action_log::{run_outcomes, run_target};
use crate::state::runs::describe;
use crate::web::BrowserClock;

/// What is being run: a system task or a mail account's fetch, per
/// connection.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RunKey {
    System(String, SystemTask),
    Fetch(String, u64),
}

impl RunKey {
    fn connection(&self) -> &str {
        match self {
            RunKey::System(c, _) | RunKey::Fetch(c, _) => c,
        }
    }
}

#[derive(Clone, Copy)]
pub struct Runs {
    registry: StoredValue<Registry<RunKey>, LocalStorage>,
    /// Bumped on every change, so what shows a run follows it.
    version: RwSignal<u64>,
    turns: StoredValue<Turns, LocalStorage>,
    changed: Changed,
    log: ActionLog,
}

impl Runs {
    pub fn new(changed: Changed, log: ActionLog) -> Runs {
        let version = RwSignal::new(0u64);
        Runs {
            registry: StoredValue::new_local(Registry::new(move || {
                version.try_update(|v| *v += 1);
            })),
            version,
            turns: StoredValue::new_local(Turns::default()),
            changed,
            log,
        }
    }

    /// The run's state as last seen (tracked).
    pub fn get(&self, key: &RunKey) -> Option<RunState> {
        self.version.track();
        self.registry.try_with_value(|r| r.get(key)).flatten()
    }

    /// Claims `key` and runs `work` with the claim, unless a run of it is
    /// in progress. The work holds only plain data (clients, ids) and the
    /// app-level registry, never a screen's values. Its last state goes to
    /// the action log.
    fn launch<F>(&self, key: RunKey, work: impl FnOnce(Claim<RunKey>) -> F)
    where
        F: std::future::Future<Output = RunState> + 'static,
    {
        let Some(claim) = self
            .registry
            .try_with_value(|r| r.claim(key.clone(), RunState::Sending))
            .flatten()
        else {
            return;
        };
        let (changed, connection) = (self.changed, key.connection().to_string());
        let (action, target, ids) = match &key {
            RunKey::System(_, task) => ("run", run_target(*task).to_string(), Vec::new()),
            RunKey::Fetch(_, account) => (
                "fetch_mail",
                format!("mail account {account}"),
                vec![account.to_string()],
            ),
        };
        let sent = self.log.sent(&connection, action, target, ids);
        let log = self.log;
        let work = work(claim);
        leptos::task::spawn_local(async move {
            let last = work.await;
            changed.bump(&connection);
            if let Some(sent) = sent {
                log.record(sent.entry(run_outcomes(&last), &describe(&last)));
            }
        });
    }

    /// Starts a system task and follows it to its end.
    pub fn start_system(&self, connection: &str, client: Rc<PaperlessClient>, task: SystemTask) {
        let key = RunKey::System(connection.to_string(), task);
        self.launch(key, move |claim| async move {
            run_system_task(
                &client,
                crate::transport::current(),
                &BrowserClock,
                Pace::DEFAULT,
                task,
                &mut |state| claim.report(state),
            )
            .await
        });
    }

    /// Asks the server to fetch one mail account now, finds the task that
    /// queued and follows it.
    pub fn fetch_mail(&self, connection: &str, client: Rc<PaperlessClient>, account: u64) {
        let key = RunKey::Fetch(connection.to_string(), account);
        let Some(turns) = self.turns.try_get_value() else {
            return;
        };
        let server = connection.to_string();
        self.launch(key, move |claim| async move {
            fetch_account(
                &client,
                crate::transport::current(),
                &BrowserClock,
                Pace::DEFAULT,
                &turns,
                &server,
                account,
                &mut |state| claim.report(state),
            )
            .await
        });
    }
}
