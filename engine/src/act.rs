//! Acting on rows the user chose, and saying what really happened.
//!
//! 1. The chosen rows are looked up on the server ([`check`]): those gone
//!    (or no longer needing the action) are named and nothing is sent, so
//!    the user can confirm the rest.
//! 2. Exactly the confirmed rows are sent ([`act`] looks them up once more
//!    right before sending).
//! 3. They are looked up again, and the [`Report`] says what was seen: the
//!    server's reply alone is not trusted (a login page may answer in its
//!    place, a timeout may follow a commit, a batch may stop half-way).

use std::collections::HashSet;

use crate::api::{ApiError, LocalBoxFuture};

/// One destructive path: how to look rows up and how to act on them.
pub trait Target {
    /// Which of `keys` still exist and still need the action, looked up
    /// exactly on the server (every page read, bounded).
    fn needing<'a>(
        &'a self,
        keys: &'a [String],
    ) -> LocalBoxFuture<'a, Result<HashSet<String>, ApiError>>;

    /// Acts on exactly `keys`, in batches where the server limits them.
    fn send<'a>(&'a self, keys: &'a [String]) -> LocalBoxFuture<'a, Result<Sent, ApiError>>;

    /// What a row that no longer needs the action afterwards means.
    fn vanished(&self) -> Vanished {
        Vanished::Done
    }
}

/// What the server said it did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    /// How many rows it says it changed, when it says.
    pub changed: Option<u64>,
}

/// How a row missing after the action is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vanished {
    /// Only this action takes a row out (a failed task, a dismissed one).
    Done,
    /// A worker may also have taken it (a pending InvenTree task): only as
    /// many as the server's reply counts are known to be this action's.
    DoneOrStarted,
}

/// Before sending: what still needs the action.
#[derive(Clone, Debug, PartialEq)]
pub enum Checked {
    /// All of them.
    Ready,
    /// Some are gone (or no longer need it): confirm the rest.
    SomeGone {
        left: Vec<String>,
        gone: Vec<String>,
    },
    /// None is left to act on.
    AllGone { gone: Vec<String> },
    /// They could not be looked up; nothing may be sent.
    Failed(ApiError),
}

/// Looks the chosen rows up, in their order.
pub async fn check(target: &dyn Target, keys: &[String]) -> Checked {
    let needing = match target.needing(keys).await {
        Ok(needing) => needing,
        Err(e) => return Checked::Failed(e),
    };
    let (left, gone): (Vec<String>, Vec<String>) =
        keys.iter().cloned().partition(|k| needing.contains(k));
    match (left.is_empty(), gone.is_empty()) {
        (_, true) => Checked::Ready,
        (true, false) => Checked::AllGone { gone },
        (false, false) => Checked::SomeGone { left, gone },
    }
}

/// What became of an action.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Nothing was sent: the rows changed since they were confirmed (or
    /// could not be looked up). The user decides again.
    NotSent(Checked),
    Sent(Report),
}

/// Checks, sends, checks again.
pub async fn act(target: &dyn Target, keys: &[String]) -> Outcome {
    match check(target, keys).await {
        Checked::Ready => {}
        other => return Outcome::NotSent(other),
    }
    let reply = target.send(keys).await.map(|sent| sent.changed);
    let after = target.needing(keys).await;
    Outcome::Sent(Report {
        asked: keys.to_vec(),
        reply,
        after,
        vanished: target.vanished(),
    })
}

/// Everything seen of an action that was sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub asked: Vec<String>,
    /// The server's reply: how many it says it changed, or its error.
    pub reply: Result<Option<u64>, ApiError>,
    /// The asked rows that still need the action when looked up again, or
    /// why they could not be looked up.
    pub after: Result<HashSet<String>, ApiError>,
    pub vanished: Vanished,
}

/// A report in numbers, for the words and the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tally {
    pub asked: usize,
    /// Known to be this action's doing.
    pub done: usize,
    /// Gone from a queue a worker also takes from, beyond what the reply
    /// counts: deleted by this action, or started by the worker.
    pub gone_or_started: usize,
    /// Still there, unchanged.
    pub unchanged: usize,
}

impl Report {
    /// The asked rows that no longer need the action, when that was seen.
    pub fn no_longer_needing(&self) -> Option<HashSet<String>> {
        let after = self.after.as_ref().ok()?;
        Some(
            self.asked
                .iter()
                .filter(|k| !after.contains(*k))
                .cloned()
                .collect(),
        )
    }

    /// `None` when the rows could not be looked up again: then only the
    /// reply is known, and the outcome is not.
    pub fn tally(&self) -> Option<Tally> {
        let after = self.after.as_ref().ok()?;
        let asked = self.asked.len();
        let unchanged = self.asked.iter().filter(|k| after.contains(*k)).count();
        let vanished = asked - unchanged;
        let (done, gone_or_started) = match self.vanished {
            Vanished::Done => (vanished, 0),
            Vanished::DoneOrStarted => match self.reply {
                // The server counted its own deletions: the rest went
                // another way (a worker took them).
                Ok(Some(n)) => {
                    let n = (n as usize).min(vanished);
                    (n, vanished - n)
                }
                _ => (0, vanished),
            },
        };
        Some(Tally {
            asked,
            done,
            gone_or_started,
            unchanged,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::block_on;
    use std::cell::RefCell;

    /// A server as a set of rows needing the action.
    struct Rows {
        needing: RefCell<HashSet<String>>,
        sent: RefCell<Vec<Vec<String>>>,
        vanished: Vanished,
    }

    impl Rows {
        fn of(keys: &[&str], vanished: Vanished) -> Rows {
            Rows {
                needing: RefCell::new(keys.iter().map(|k| k.to_string()).collect()),
                sent: RefCell::default(),
                vanished,
            }
        }
    }

    impl Target for Rows {
        fn needing<'a>(
            &'a self,
            keys: &'a [String],
        ) -> LocalBoxFuture<'a, Result<HashSet<String>, ApiError>> {
            let needing = self.needing.borrow();
            let found = keys
                .iter()
                .filter(|k| needing.contains(*k))
                .cloned()
                .collect();
            Box::pin(async move { Ok(found) })
        }
        fn send<'a>(&'a self, keys: &'a [String]) -> LocalBoxFuture<'a, Result<Sent, ApiError>> {
            self.sent.borrow_mut().push(keys.to_vec());
            let mut needing = self.needing.borrow_mut();
            let n = keys.iter().filter(|k| needing.remove(*k)).count();
            Box::pin(async move {
                Ok(Sent {
                    changed: Some(n as u64),
                })
            })
        }
        fn vanished(&self) -> Vanished {
            self.vanished
        }
    }

    fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn rows_gone_before_sending_are_named_and_nothing_is_sent() {
        let server = Rows::of(&["a", "c"], Vanished::Done);
        let outcome = block_on(act(&server, &keys(&["a", "b", "c"])));
        assert_eq!(
            outcome,
            Outcome::NotSent(Checked::SomeGone {
                left: keys(&["a", "c"]),
                gone: keys(&["b"])
            })
        );
        assert!(server.sent.borrow().is_empty());
        let outcome = block_on(act(&server, &keys(&["x"])));
        assert_eq!(
            outcome,
            Outcome::NotSent(Checked::AllGone { gone: keys(&["x"]) })
        );
    }

    #[test]
    fn exactly_the_confirmed_rows_are_sent_and_the_report_is_what_was_seen() {
        let server = Rows::of(&["a", "b", "c"], Vanished::Done);
        let Outcome::Sent(report) = block_on(act(&server, &keys(&["a", "c"]))) else {
            panic!("sent");
        };
        assert_eq!(*server.sent.borrow(), vec![keys(&["a", "c"])]);
        assert_eq!(
            report.tally(),
            Some(Tally {
                asked: 2,
                done: 2,
                gone_or_started: 0,
                unchanged: 0
            })
        );
        assert_eq!(
            report.no_longer_needing().unwrap(),
            keys(&["a", "c"]).into_iter().collect()
        );
    }

    #[test]
    fn from_a_queue_a_worker_takes_from_only_the_counted_rows_are_this_actions() {
        let report = |reply| Report {
            asked: keys(&["1", "2", "3"]),
            reply,
            after: Ok(HashSet::new()),
            vanished: Vanished::DoneOrStarted,
        };
        assert_eq!(
            report(Ok(Some(2))).tally().unwrap(),
            Tally {
                asked: 3,
                done: 2,
                gone_or_started: 1,
                unchanged: 0
            }
        );
        // API 198 answers 204 without a count: nothing is known to be ours.
        assert_eq!(report(Ok(None)).tally().unwrap().gone_or_started, 3);
        let unknown = Report {
            after: Err(ApiError::NothingSelected),
            ..report(Ok(Some(3)))
        };
        assert_eq!(unknown.tally(), None);
        assert_eq!(unknown.no_longer_needing(), None);
    }
}
