//! Every server's failures, read for triage: through the engine's bounded
//! readers, and for a 2.x server through the one shared copy of its whole
//! task list (`store::full_lists`), never a second read of it. One server
//! after the other; a server that cannot be read says so and never hides
//! the others.

use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use chrono::FixedOffset;
use taskdeck_triage::Failure;

use crate::api::paperless::{PaperlessApi, PaperlessTask, TaskQuery, TaskStatus};
use crate::api::{ApiError, LocalBoxFuture};
use crate::context::Connections;
use crate::engine::failures::{failed_mail, inventree_failed, paperless_failed};
use crate::state::connections::{Connection, ServerKind};
use crate::store::full_lists::FullList;

/// What was read from one server.
pub struct ServerFailures {
    pub connection: Connection,
    pub failures: Vec<Failure>,
    /// Failed mail records by key: the rule each came in through (to fetch
    /// its account again after a release).
    pub mail_rules: HashMap<String, u64>,
    /// Rows that could not be read, so are not grouped.
    pub unreadable: usize,
    /// Why (part of) the server could not be read.
    pub error: Option<ApiError>,
}

impl ServerFailures {
    fn nothing_yet(connection: &Connection) -> ServerFailures {
        ServerFailures {
            connection: connection.clone(),
            failures: Vec::new(),
            mail_rules: HashMap::new(),
            unreadable: 0,
            error: None,
        }
    }
}

/// What to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The groups: failures not dealt with yet.
    Group,
    /// Checking a group before acting: dismissed failures too (where the
    /// server can send them without its whole list), so a row dismissed
    /// since is told from one that is gone.
    Recheck,
}

/// Reads the failures of every connection with a token, or only of
/// `only`. Boxed: its callers share one copy of the reading in the
/// download instead of each inlining its own.
pub fn read_all(
    connections: Connections,
    purpose: Purpose,
    only: Option<BTreeSet<String>>,
) -> LocalBoxFuture<'static, Vec<ServerFailures>> {
    Box::pin(async move {
        let mut all = Vec::new();
        for c in connections.with_token() {
            if only.as_ref().is_some_and(|only| !only.contains(&c.id)) {
                continue;
            }
            all.push(match c.kind {
                ServerKind::Paperless => paperless(connections, c, purpose).await,
                ServerKind::InvenTree => inventree(connections, c).await,
            });
        }
        all
    })
}

/// The zone InvenTree's zone-less times are read in: the browser's, as
/// every InvenTree screen of the console assumes.
pub fn inventree_offset() -> FixedOffset {
    crate::web::local_offset_at(crate::web::now())
}

async fn paperless(connections: Connections, c: Connection, purpose: Purpose) -> ServerFailures {
    let client = connections.paperless(&c);
    let transport = crate::transport::current();
    let mut read = ServerFailures::nothing_yet(&c);
    match failed_tasks(connections, &c, purpose).await {
        Ok((tasks, unreadable)) => {
            read.unreadable += unreadable;
            read.failures.extend(
                tasks
                    .iter()
                    .filter_map(|t| Failure::from_paperless(&c.id, t)),
            );
        }
        Err(e) => read.error = Some(e),
    }
    match failed_mail(&client, transport).await {
        Ok(mail) => {
            read.unreadable += mail.unreadable.len();
            for m in &mail.rows {
                if let Some(f) = Failure::from_processed_mail(&c.id, m) {
                    read.mail_rules.insert(f.row.key.clone(), m.rule);
                    read.failures.push(f);
                }
            }
        }
        // A server without processed mail (or a user who may not read it)
        // still has its tasks grouped.
        Err(ApiError::NotFound { .. } | ApiError::Forbidden { .. }) => {}
        Err(e) => {
            read.error.get_or_insert(e);
        }
    }
    read
}

/// The failed tasks, and how many rows could not be read. A 2.x server
/// sends every task (not dismissed, or all) at once: the list another
/// screen read moments ago is taken, or the one being read is waited for.
async fn failed_tasks(
    connections: Connections,
    c: &Connection,
    purpose: Purpose,
) -> Result<(Vec<PaperlessTask>, usize), ApiError> {
    let client = connections.paperless(c);
    let transport = crate::transport::current();
    if client.api() == PaperlessApi::V10 {
        let acknowledged = match purpose {
            Purpose::Group => Some(false),
            Purpose::Recheck => None,
        };
        match paperless_failed(&client, transport, acknowledged).await {
            Ok(tasks) => return Ok((tasks, 0)),
            // It answered as 2.x meanwhile: read it as such below.
            Err(ApiError::VersionChanged { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let shared = connections.full_lists;
    // Every task, read moments ago by another screen, tells dismissed
    // failures apart too; otherwise those not dismissed are read (the
    // whole list would be the server's every task).
    let list: FullList = match shared.recent(&c.id, None) {
        Some(all) if purpose == Purpose::Recheck => all,
        _ => match shared.recent_or_being_read(&c.id, Some(false)).await {
            Some(open) => open,
            None => {
                let _reading = shared.reading(&c.id);
                let query = TaskQuery {
                    acknowledged: Some(false),
                    ..TaskQuery::default()
                };
                let page = client.list_tasks(transport, &query).await?;
                let list: FullList = Rc::new((page.items, page.unreadable));
                if !page.server_paged {
                    shared.keep(&c.id, Some(false), list.clone());
                }
                list
            }
        },
    };
    let tasks = list
        .0
        .iter()
        .filter(|t| t.status == TaskStatus::Failure)
        .cloned()
        .collect();
    Ok((tasks, list.1.len()))
}

async fn inventree(connections: Connections, c: Connection) -> ServerFailures {
    let client = connections.inventree(&c);
    let mut read = ServerFailures::nothing_yet(&c);
    match inventree_failed(&client, crate::transport::current()).await {
        Ok(whole) => {
            let offset = inventree_offset();
            read.unreadable = whole.unreadable.len();
            read.failures = whole
                .rows
                .iter()
                .map(|t| Failure::from_inventree(&c.id, t, offset))
                .collect();
        }
        Err(e) => read.error = Some(e),
    }
    read
}
