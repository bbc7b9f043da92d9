//! Desktop attention: the count in the window title, and what is new
//! enough for a notification. A server needs attention for each failed
//! task and for each problem (a stopped worker, a health check in error),
//! counted alike.

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

/// What appeared since the previous reading.
#[derive(Clone, Debug, PartialEq)]
pub struct News {
    pub new_failures: u64,
    pub new_problems: Vec<String>,
}

/// Remembers each server's attention between polls.
#[derive(Debug, Default)]
pub struct FailureWatch {
    last: HashMap<String, Attention>,
}

impl FailureWatch {
    /// Records a server's reading and returns what is new. The first
    /// reading is a baseline (no notification for what was already there);
    /// fewer failures (dismissed or deleted) or a problem that went away is
    /// not news either.
    pub fn observe(&mut self, server: &str, now: Attention) -> Option<News> {
        let before = self.last.insert(server.to_string(), now.clone())?;
        let news = News {
            new_failures: now.failed.saturating_sub(before.failed),
            new_problems: now
                .problems
                .into_iter()
                .filter(|p| !before.problems.contains(p))
                .collect(),
        };
        (news.new_failures > 0 || !news.new_problems.is_empty()).then_some(news)
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

    fn failed(n: u64) -> Attention {
        Attention {
            failed: n,
            problems: Vec::new(),
        }
    }

    #[test]
    fn only_increases_after_the_first_reading_are_news() {
        let mut watch = FailureWatch::default();
        assert_eq!(watch.observe("c1", failed(5)), None, "baseline");
        assert_eq!(watch.observe("c2", failed(0)), None);
        assert_eq!(watch.observe("c1", failed(5)), None);
        assert_eq!(watch.observe("c1", failed(7)).unwrap().new_failures, 2);
        assert_eq!(
            watch.observe("c1", failed(3)),
            None,
            "dismissed tasks are not news"
        );
        assert_eq!(watch.observe("c1", failed(4)).unwrap().new_failures, 1);
        assert_eq!(watch.total(), 4);
        watch.forget_others(&["c2".to_string()]);
        assert_eq!(watch.total(), 0);
    }

    #[test]
    fn a_stopped_worker_counts_like_a_failed_task_and_is_news_once() {
        let mut watch = FailureWatch::default();
        watch.observe("inv", failed(1));
        let stopped = Attention {
            failed: 1,
            problems: vec!["the background worker is not running".into()],
        };
        let news = watch.observe("inv", stopped.clone()).unwrap();
        assert_eq!(news.new_failures, 0);
        assert_eq!(news.new_problems, ["the background worker is not running"]);
        assert_eq!(
            watch.total(),
            2,
            "title: one failed task and one stopped worker"
        );
        assert_eq!(
            watch.observe("inv", stopped),
            None,
            "still stopped: not news again"
        );
        assert_eq!(watch.observe("inv", failed(1)), None, "started again");
        assert_eq!(watch.total(), 1);
    }
}
