//! Every run started from this console, by what it runs: one at a time per
//! task and server, released when it ends (or when whatever ran it was
//! dropped), and the last state kept for whoever shows it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::Hash;
use std::rc::{Rc, Weak};

use crate::follow::RunState;

struct Inner<K> {
    states: HashMap<K, RunState>,
    /// Told of every change (the UI re-renders what shows runs).
    on_change: Rc<dyn Fn()>,
}

pub struct Runs<K> {
    inner: Rc<RefCell<Inner<K>>>,
}

impl<K> Clone for Runs<K> {
    fn clone(&self) -> Self {
        Runs {
            inner: self.inner.clone(),
        }
    }
}

impl<K: Clone + Eq + Hash + 'static> Runs<K> {
    pub fn new(on_change: impl Fn() + 'static) -> Runs<K> {
        Runs {
            inner: Rc::new(RefCell::new(Inner {
                states: HashMap::new(),
                on_change: Rc::new(on_change),
            })),
        }
    }

    pub fn get(&self, key: &K) -> Option<RunState> {
        self.inner.borrow().states.get(key).cloned()
    }

    /// Any run in progress whose key `matches`.
    pub fn any_in_progress(&self, matches: impl Fn(&K) -> bool) -> bool {
        self.inner
            .borrow()
            .states
            .iter()
            .any(|(k, s)| matches(k) && s.in_progress())
    }

    /// Claims `key` for a new run; `None` while one is in progress.
    pub fn claim(&self, key: K, first: RunState) -> Option<Claim<K>> {
        {
            let mut inner = self.inner.borrow_mut();
            if inner.states.get(&key).is_some_and(RunState::in_progress) {
                return None;
            }
            inner.states.insert(key.clone(), first);
        }
        self.changed();
        Some(Claim {
            runs: Rc::downgrade(&self.inner),
            key,
        })
    }

    fn changed(&self) {
        tell(&self.inner);
    }
}

/// Calls `on_change` with no borrow held, so it may read the runs.
fn tell<K>(inner: &RefCell<Inner<K>>) {
    let on_change = inner.borrow().on_change.clone();
    on_change();
}

/// The right to report one run. Dropped without a final state (its work
/// was cancelled), the run is no longer shown as in progress.
pub struct Claim<K: Clone + Eq + Hash + 'static> {
    runs: Weak<RefCell<Inner<K>>>,
    key: K,
}

impl<K: Clone + Eq + Hash + 'static> Claim<K> {
    pub fn key(&self) -> &K {
        &self.key
    }

    pub fn report(&self, state: &RunState) {
        let Some(inner) = self.runs.upgrade() else {
            return;
        };
        inner
            .borrow_mut()
            .states
            .insert(self.key.clone(), state.clone());
        tell(&inner);
    }
}

impl<K: Clone + Eq + Hash + 'static> Drop for Claim<K> {
    fn drop(&mut self) {
        let Some(inner) = self.runs.upgrade() else {
            return;
        };
        let stuck = {
            let mut inner = inner.borrow_mut();
            match inner.states.get(&self.key) {
                Some(state) if state.in_progress() => {
                    inner.states.insert(
                        self.key.clone(),
                        RunState::NoLongerFollowed { status: None },
                    );
                    true
                }
                _ => false,
            }
        };
        if stuck {
            tell(&inner);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::paperless::TaskStatus;
    use std::cell::Cell;

    #[test]
    fn one_run_at_a_time_per_key_and_the_place_is_freed_at_the_end() {
        let changes = Rc::new(Cell::new(0));
        let counted = changes.clone();
        let runs: Runs<&str> = Runs::new(move || counted.set(counted.get() + 1));
        let claim = runs.claim("sanity", RunState::Requested).unwrap();
        assert!(runs.claim("sanity", RunState::Requested).is_none());
        assert!(runs.claim("classifier", RunState::Requested).is_some());
        claim.report(&RunState::Task {
            status: TaskStatus::Success,
            message: None,
        });
        assert!(runs.get(&"sanity").unwrap().succeeded());
        drop(claim);
        assert!(runs.claim("sanity", RunState::Requested).is_some());
        assert!(changes.get() >= 4);
    }

    #[test]
    fn a_run_whose_work_was_dropped_is_no_longer_shown_as_running() {
        let runs: Runs<u8> = Runs::new(|| {});
        let claim = runs.claim(1, RunState::Requested).unwrap();
        drop(claim);
        assert_eq!(
            runs.get(&1),
            Some(RunState::NoLongerFollowed { status: None })
        );
        assert!(runs.claim(1, RunState::Requested).is_some());
    }
}
