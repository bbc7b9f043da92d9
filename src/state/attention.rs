//! Desktop attention: the count in the window title. A server needs
//! attention for each failed task and for each problem (a stopped worker,
//! a health check in error), counted alike.

use std::collections::HashMap;

/// What needs attention on one server now.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attention {
    pub failed: u64,
    /// In words: "the background worker is not running", "Redis: error".
    pub problems: Vec<String>,
}

impl Attention {
    pub fn count(&self) -> u64 {
        self.failed + self.problems.len() as u64
    }
}

/// Remembers each server's attention between polls.
#[derive(Debug, Default)]
pub struct FailureWatch {
    last: HashMap<String, Attention>,
}

impl FailureWatch {
    /// Records a server's current reading (what is news is decided by
    /// the attention inbox's rule, `state::notify`).
    pub fn record(&mut self, server: &str, now: Attention) {
        self.last.insert(server.to_string(), now);
    }

    /// Total shown in the window title.
    pub fn total(&self) -> u64 {
        self.last.values().map(Attention::count).sum()
    }

    pub fn forget_others(&mut self, servers: &[String]) {
        self.last.retain(|id, _| servers.contains(id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_counts_failed_tasks_and_problems_alike() {
        let mut watch = FailureWatch::default();
        watch.record(
            "paperless",
            Attention {
                failed: 3,
                problems: vec![],
            },
        );
        let stopped = Attention {
            failed: 1,
            problems: vec!["the background worker is not running".into()],
        };
        watch.record("inventree", stopped);
        assert_eq!(watch.total(), 5, "four failed tasks and one stopped worker");
        watch.record(
            "paperless",
            Attention {
                failed: 1,
                problems: vec![],
            },
        );
        assert_eq!(watch.total(), 3, "the latest reading counts");
        watch.forget_others(&["paperless".to_string()]);
        assert_eq!(watch.total(), 1);
    }
}
