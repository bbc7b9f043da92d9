//! Desktop attention: the count in the window title, and which servers have
//! new failures worth a notification.

use std::collections::HashMap;

/// Remembers each server's failure count between polls.
#[derive(Debug, Default)]
pub struct FailureWatch {
    last: HashMap<String, u64>,
}

impl FailureWatch {
    /// Records a server's current count of failed tasks needing attention and
    /// returns how many are new. The first reading is a baseline (no
    /// notification for what was already there); a drop (tasks dismissed or
    /// deleted) is not news either.
    pub fn observe(&mut self, server: &str, failed_now: u64) -> Option<u64> {
        let before = self.last.insert(server.to_string(), failed_now)?;
        (failed_now > before).then(|| failed_now - before)
    }

    /// Total shown in the window title.
    pub fn total(&self) -> u64 {
        self.last.values().sum()
    }

    pub fn forget_others(&mut self, servers: &[String]) {
        self.last.retain(|id, _| servers.contains(id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_increases_after_the_first_reading_are_news() {
        let mut watch = FailureWatch::default();
        assert_eq!(watch.observe("c1", 5), None, "baseline");
        assert_eq!(watch.observe("c2", 0), None);
        assert_eq!(watch.observe("c1", 5), None);
        assert_eq!(watch.observe("c1", 7), Some(2));
        assert_eq!(watch.observe("c1", 3), None, "dismissed tasks are not news");
        assert_eq!(watch.observe("c1", 4), Some(1));
        assert_eq!(watch.total(), 4);
        watch.forget_others(&["c2".to_string()]);
        assert_eq!(watch.total(), 0);
    }
}
