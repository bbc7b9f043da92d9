//! Stalls seen from the outside, app-wide: each server's recent looks
//! (taken by the attention poll that runs once a minute anyway, from the
//! readings it already makes) and what `taskdeck_triage::stall::detect`
//! makes of them with the server's own thresholds. The overview cards and
//! the inbox show what is kept here; nothing here reads a server.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use taskdeck_triage::stall::{Observation, Series, Stall, Thresholds};

use crate::state::triage::{load_thresholds, save_thresholds};
use crate::web;

#[derive(Clone, Copy)]
pub struct Stalls {
    series: StoredValue<HashMap<String, Series>, LocalStorage>,
    /// The stalled servers now, by connection id (tracked by what shows them).
    now: RwSignal<HashMap<String, Stall>>,
    /// Bumped on every look, for what shows when a server was last looked at.
    looked: RwSignal<u64>,
}

impl Default for Stalls {
    fn default() -> Self {
        Stalls {
            series: StoredValue::new_local(HashMap::new()),
            now: RwSignal::new(HashMap::new()),
            looked: RwSignal::new(0),
        }
    }
}

impl Stalls {
    /// A look at `connection`: kept, and the stall worked out again with
    /// its thresholds (set, or cleared as soon as work moves again).
    pub fn record(&self, connection: &str, observation: Observation) {
        let thresholds = self.thresholds(connection);
        let Some(stall) = self.series.try_update_value(|all| {
            let series = all.entry(connection.to_string()).or_default();
            series.push(observation);
            series.detect(&thresholds)
        }) else {
            return;
        };
        self.set(connection, stall);
        self.looked.try_update(|n| *n += 1);
    }

    fn set(&self, connection: &str, stall: Option<Stall>) {
        let unchanged = self
            .now
            .try_with_untracked(|now| now.get(connection) == stall.as_ref())
            .unwrap_or(true);
        if unchanged {
            return;
        }
        self.now.try_update(|now| match stall {
            Some(stall) => {
                now.insert(connection.to_string(), stall);
            }
            None => {
                now.remove(connection);
            }
        });
    }

    /// The server's stall now, if any (tracked).
    pub fn of(&self, connection: &str) -> Option<Stall> {
        self.now.with(|now| now.get(connection).cloned())
    }

    pub fn of_untracked(&self, connection: &str) -> Option<Stall> {
        self.now
            .try_with_untracked(|now| now.get(connection).cloned())
            .flatten()
    }

    /// The server's thresholds: its own, or the defaults.
    pub fn thresholds(&self, connection: &str) -> Thresholds {
        load_thresholds(&web::local_store(), connection)
    }

    /// Keeps new thresholds for the server and judges its looks again.
    pub fn set_thresholds(&self, connection: &str, thresholds: Thresholds) {
        save_thresholds(&web::local_store(), connection, &thresholds);
        let stall = self
            .series
            .try_with_value(|all| all.get(connection).and_then(|s| s.detect(&thresholds)))
            .flatten();
        self.set(connection, stall);
    }

    /// When the server was last looked at (tracked); `None`: not yet.
    pub fn last_look(&self, connection: &str) -> Option<DateTime<Utc>> {
        self.looked.track();
        self.series
            .try_with_value(|all| {
                all.get(connection)
                    .and_then(|s| s.observations().last().map(|o| o.at))
            })
            .flatten()
    }
}
