//! The action log, app-level: every action and run this console sent, with
//! the outcome the engine saw, recorded where the work ends
//! (`table/act.rs` after the report, `runs.rs` when a run ends), never in
//! a screen. Kept per installation: in a browser in IndexedDB, in the
//! desktop app in its history file (the file its watcher keeps). Where a
//! watcher is connected, each entry is posted to it too; one that could
//! not be posted is posted with the next.

use serde::{Deserialize, Serialize};

use chrono::Duration;
use leptos::prelude::*;

use crate::api::ipc::{self, ListActionsArgs, RecordActionArgs};
use crate::api::watcher::{ActionEntry, KeptAction, read_kept};
use crate::context::{Changed, Connections};
use crate::state::action_log::{Sent, beyond, local_key, merge};
use crate::watching::Watching;
use crate::web::{self, IdbStore};

/// The browser's log (its own IndexedDB database).
const LOCAL: IdbStore = IdbStore::new("taskdeck-action-log");
/// Entries a browser keeps (the oldest go first).
const KEEP: usize = 5000;
/// How far back the log screen reads, in days (the watcher keeps 400).
pub const READ_DAYS: i64 = 400;

/// An entry as this browser keeps it: whether the watcher has it yet.
#[derive(Serialize, Deserialize)]
struct Local {
    entry: ActionEntry,
    #[serde(default)]
    posted: bool,
}

/// Where an entry of the log screen was read.
#[derive(Clone, Debug, PartialEq)]
pub enum Kept {
    /// This browser or this app.
    Here,
    /// The connected watcher, posted by the page at `origin` (`local`: no browser).
    Watcher { origin: String },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Logged {
    pub entry: ActionEntry,
    pub kept: Kept,
}

/// The log as read: entries, newest first, and what could not be read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Logbook {
    pub entries: Vec<Logged>,
    pub notes: Vec<String>,
}

/// What the log screen listens to when an entry was kept (as if it were a
/// server: [`Changed`] for it is bumped).
pub const LOG_CHANGED: &str = "taskdeck:action-log";

#[derive(Clone, Copy)]
pub struct ActionLog {
    watching: Watching,
    connections: Connections,
    changed: Changed,
}

impl ActionLog {
    pub fn new(watching: Watching, connections: Connections, changed: Changed) -> ActionLog {
        let log = ActionLog {
            watching,
            connections,
            changed,
        };
        // Entries a closed tab could not post reach the watcher now.
        if !crate::ipc::in_desktop_app() && watching.client().is_some() {
            leptos::task::spawn_local(async move { log.post_pending().await });
        }
        log
    }

    /// What is known of an action before it is sent: who, which server,
    /// what. `None` for a connection this console no longer has.
    pub fn sent(
        &self,
        connection_id: &str,
        action: &'static str,
        target: String,
        ids: Vec<String>,
    ) -> Option<Sent> {
        let connection = self.connections.find_untracked(connection_id)?;
        Some(Sent {
            id: format!("{:012x}{:012x}", web::random_bits(), web::random_bits()),
            at: web::now(),
            who: self.watching.who.get_untracked(),
            installation: self.watching.installation.get_value(),
            kind: connection.kind,
            url: connection.base_url.to_string(),
            server_name: connection.name,
            action,
            target,
            ids,
        })
    }

    /// Keeps an entry, then posts it (and any not posted before) to the
    /// connected watcher. Runs on its own: the screen that acted may be gone.
    pub fn record(&self, entry: ActionEntry) {
        let this = *self;
        leptos::task::spawn_local(async move {
            if let Err(e) = entry.check() {
                leptos::logging::error!("an action-log entry was not kept: {e}");
                return;
            }
            if crate::ipc::in_desktop_app() {
                let args = RecordActionArgs { entry };
                if let Err(e) = crate::ipc::desktop::<_, ()>(ipc::RECORD_ACTION, &args).await {
                    leptos::logging::error!("the action log could not be written: {e}");
                }
            } else {
                let local = Local {
                    posted: false,
                    entry,
                };
                let text = serde_json::to_string(&local).expect("serialisable");
                if let Err(e) = LOCAL.put(&local_key(&local.entry), &text).await {
                    leptos::logging::warn!("this browser did not keep the action log: {e}");
                }
                if let Ok(keys) = LOCAL.keys().await {
                    let _ = LOCAL.delete(&beyond(keys, KEEP)).await;
                }
                this.post_pending_or(vec![local]).await;
            }
            this.changed.bump(LOG_CHANGED);
        });
    }

    async fn post_pending(&self) {
        self.post_pending_or(Vec::new()).await;
    }

    /// Posts what the watcher does not have yet (`fresh`, and whatever is
    /// kept unposted), and marks it posted.
    async fn post_pending_or(&self, fresh: Vec<Local>) {
        if self.watching.client().is_none() {
            return;
        }
        let mut pending: Vec<Local> = LOCAL
            .values()
            .await
            .unwrap_or_default()
            .iter()
            .filter_map(|text| serde_json::from_str::<Local>(text).ok())
            .filter(|l| !l.posted)
            .collect();
        if pending.is_empty() {
            pending = fresh;
        }
        if pending.is_empty() {
            return;
        }
        let entries: Vec<ActionEntry> = pending.iter().map(|l| l.entry.clone()).collect();
        match self.watching.post(&entries).await {
            Ok(()) => {
                for mut local in pending {
                    local.posted = true;
                    let text = serde_json::to_string(&local).expect("serialisable");
                    let _ = LOCAL.put(&local_key(&local.entry), &text).await;
                }
            }
            Err(e) => leptos::logging::warn!("the watcher did not take the action log: {e}"),
        }
    }

    /// The log, newest first: this browser's (or app's) entries and the
    /// connected watcher's, each once.
    pub async fn read(&self) -> Logbook {
        let mut book = Logbook::default();
        // The browser's clock: chrono's own panics in WASM.
        let from = (web::now() - Duration::days(READ_DAYS)).date_naive();
        let mut lists: Vec<Vec<Logged>> = Vec::new();
        if crate::ipc::in_desktop_app() {
            let args = ListActionsArgs {
                from,
                limit: KEEP as u32 * 2,
            };
            match crate::ipc::desktop::<_, Vec<serde_json::Value>>(ipc::LIST_ACTIONS, &args).await {
                Ok(values) => lists.push(here(read_kept(values))),
                Err(e) => book
                    .notes
                    .push(format!("The app's history could not be read: {e}")),
            }
        } else {
            match LOCAL.values().await {
                Ok(values) => {
                    let mut mine: Vec<Logged> = values
                        .iter()
                        .filter_map(|text| serde_json::from_str::<Local>(text).ok())
                        .map(|l| Logged {
                            entry: l.entry,
                            kept: Kept::Here,
                        })
                        .collect();
                    mine.reverse();
                    lists.push(mine);
                }
                Err(e) => book
                    .notes
                    .push(format!("This browser keeps no action log here: {e}")),
            }
            if let Some(client) = self.watching.client() {
                match client
                    .actions_call(from, KEEP as u32 * 2)
                    .send(crate::transport::current())
                    .await
                {
                    Ok(kept) => lists.push(
                        kept.into_iter()
                            .map(|k| Logged {
                                entry: k.entry,
                                kept: Kept::Watcher { origin: k.origin },
                            })
                            .collect(),
                    ),
                    Err(e) => book.notes.push(format!(
                        "The watcher at {} could not be read: {e}",
                        client.base()
                    )),
                }
            }
        }
        book.entries = merge(lists, |l| l.entry.id.as_str());
        book.entries.sort_by(|a, b| {
            b.entry
                .at
                .cmp(&a.entry.at)
                .then(b.entry.id.cmp(&a.entry.id))
        });
        book
    }
}

fn here(kept: Vec<KeptAction>) -> Vec<Logged> {
    kept.into_iter()
        .map(|k| Logged {
            entry: k.entry,
            kept: Kept::Here,
        })
        .collect()
}
