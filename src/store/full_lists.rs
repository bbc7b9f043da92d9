//! One copy of a 2.x server's whole task list, shared. API 9 sends every
//! task in one answer (100 MB for 300,000 tasks), so when the tasks table,
//! the overview card or the attention inbox first load, they take the list
//! another of them read moments ago instead of asking again and holding a
//! second copy. Refreshes always ask the server.

use std::rc::Rc;

use leptos::prelude::*;

use crate::api::UnreadableRow;
use crate::api::paperless::PaperlessTask;
use crate::web;

pub type FullList = Rc<(Vec<PaperlessTask>, Vec<UnreadableRow>)>;

/// How long another screen may use a list without asking again: no older
/// than what the default refresh (15 s) shows anyway.
pub const SHARED_FOR_MS: i64 = 15_000;

struct Kept {
    connection: String,
    /// What the list holds: tasks not dismissed (`Some(false)`), dismissed
    /// ones, or all (`None`).
    acknowledged: Option<bool>,
    at_ms: i64,
    list: FullList,
}

#[derive(Clone, Copy)]
pub struct FullLists {
    kept: StoredValue<Vec<Kept>, LocalStorage>,
    /// Connections whose whole list is being read right now.
    reading: StoredValue<Vec<String>, LocalStorage>,
}

impl Default for FullLists {
    fn default() -> Self {
        FullLists {
            kept: StoredValue::new_local(Vec::new()),
            reading: StoredValue::new_local(Vec::new()),
        }
    }
}

/// Marks a connection's list as being read until dropped.
pub struct Reading {
    lists: FullLists,
    connection: String,
}

impl Drop for Reading {
    fn drop(&mut self) {
        let connection = &self.connection;
        self.lists.reading.try_update_value(|reading| {
            if let Some(at) = reading.iter().position(|c| c == connection) {
                reading.remove(at);
            }
        });
    }
}

impl FullLists {
    /// Held while a screen reads `connection`'s whole list.
    pub fn reading(&self, connection: &str) -> Reading {
        self.reading
            .update_value(|reading| reading.push(connection.to_string()));
        Reading {
            lists: *self,
            connection: connection.to_string(),
        }
    }

    /// A list read moments ago, or the one another screen is reading now
    /// (waited for, up to a minute), rather than a second read of the same
    /// hundred megabytes.
    pub async fn recent_or_being_read(
        &self,
        connection: &str,
        acknowledged: Option<bool>,
    ) -> Option<FullList> {
        for _ in 0..240 {
            let busy = self
                .reading
                .try_with_value(|reading| reading.iter().any(|c| c == connection))
                .unwrap_or(false);
            if !busy {
                break;
            }
            web::sleep(std::time::Duration::from_millis(250)).await;
        }
        self.recent(connection, acknowledged)
    }

    /// Keeps the newest list read from this connection (one per connection).
    pub fn keep(&self, connection: &str, acknowledged: Option<bool>, list: FullList) {
        let at_ms = web::now().timestamp_millis();
        self.kept.update_value(|kept| {
            kept.retain(|k| k.connection != connection);
            kept.push(Kept {
                connection: connection.to_string(),
                acknowledged,
                at_ms,
                list,
            });
        });
    }

    /// A list read within [`SHARED_FOR_MS`] that holds every task of the
    /// kind asked for (a list of all tasks holds both kinds).
    pub fn recent(&self, connection: &str, acknowledged: Option<bool>) -> Option<FullList> {
        let now = web::now().timestamp_millis();
        self.kept.with_value(|kept| {
            kept.iter()
                .find(|k| {
                    k.connection == connection
                        && now - k.at_ms < SHARED_FOR_MS
                        && holds(k.acknowledged, acknowledged)
                })
                .map(|k| k.list.clone())
        })
    }
}

/// Whether a list of `kept` tasks has all those `wanted`.
pub fn holds(kept: Option<bool>, wanted: Option<bool>) -> bool {
    kept.is_none() || kept == wanted
}

#[cfg(test)]
mod tests {
    use super::holds;

    #[test]
    fn a_list_of_all_tasks_serves_every_reader_and_a_filtered_one_only_its_own() {
        assert!(holds(None, None));
        assert!(holds(None, Some(false)));
        assert!(holds(Some(false), Some(false)));
        assert!(!holds(Some(false), None));
        assert!(!holds(Some(true), Some(false)));
    }
}
