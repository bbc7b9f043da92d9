//! What is worth a notification, one rule for the browser and the desktop
//! app: items of the attention inbox that are new (since their list was
//! last opened) and not told before. The first reading is a baseline: what
//! was there when the console started is not news.

use std::collections::{BTreeMap, HashSet};

/// One inbox item, as the rule sees it.
pub struct Item<'a> {
    pub key: &'a str,
    pub server: &'a str,
    pub new: bool,
    /// A stopped worker or a health error (in words), not a failed task.
    pub problem: Option<&'a str>,
}

/// What to tell about one server.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServerNews {
    pub new_failures: u64,
    pub new_problems: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Notifier {
    told: HashSet<String>,
    started: bool,
}

impl Notifier {
    /// The news per server since the previous reading.
    pub fn news(&mut self, items: &[Item]) -> BTreeMap<String, ServerNews> {
        let mut news: BTreeMap<String, ServerNews> = BTreeMap::new();
        let present: HashSet<&str> = items.iter().map(|i| i.key).collect();
        // Gone and back again is news again.
        self.told.retain(|k| present.contains(k.as_str()));
        for item in items.iter().filter(|i| i.new) {
            if !self.told.insert(item.key.to_string()) || !self.started {
                continue;
            }
            let entry = news.entry(item.server.to_string()).or_default();
            match item.problem {
                Some(problem) => entry.new_problems.push(problem.to_string()),
                None => entry.new_failures += 1,
            }
        }
        self.started = true;
        news
    }
}

/// One line for all servers: "3 new failures on Office; Lab: the background
/// worker is not running".
pub fn summary(news: &BTreeMap<String, ServerNews>) -> String {
    news.iter()
        .map(|(server, n)| {
            let mut parts = Vec::new();
            match n.new_failures {
                0 => {}
                1 => parts.push("1 new failure".to_string()),
                k => parts.push(format!("{k} new failures")),
            }
            parts.extend(n.new_problems.iter().cloned());
            format!("{server}: {}", parts.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(key: &'static str, new: bool) -> Item<'static> {
        Item {
            key,
            server: "Office",
            new,
            problem: None,
        }
    }

    #[test]
    fn fifty_failures_are_one_notification_after_the_baseline() {
        let mut n = Notifier::default();
        assert!(n.news(&[failure("a", true)]).is_empty(), "baseline");
        let keys: Vec<String> = (0..50).map(|i| format!("f{i}")).collect();
        let mut items: Vec<Item> = keys
            .iter()
            .map(|k| Item {
                key: k,
                server: "Office",
                new: true,
                problem: None,
            })
            .collect();
        items.push(failure("a", true));
        items.push(Item {
            key: "w",
            server: "Lab",
            new: true,
            problem: Some("the background worker is not running"),
        });
        items.push(failure("old", false));
        let news = n.news(&items);
        assert_eq!(
            news["Office"].new_failures, 50,
            "\"a\" was there at the start; \"old\" is not new"
        );
        assert_eq!(
            news["Lab"].new_problems,
            ["the background worker is not running"]
        );
        assert_eq!(
            summary(&news),
            "Lab: the background worker is not running; Office: 50 new failures"
        );
        assert!(n.news(&items).is_empty(), "told once");
        let without_worker: Vec<Item> = items.into_iter().filter(|i| i.key != "w").collect();
        assert!(n.news(&without_worker).is_empty());
        let back = [Item {
            key: "w",
            server: "Lab",
            new: true,
            problem: Some("the background worker is not running"),
        }];
        assert_eq!(
            n.news(&back)["Lab"].new_problems.len(),
            1,
            "stopped again: news again"
        );
    }
}
