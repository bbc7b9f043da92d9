//! The InvenTree queue screens as data: URL state and the request it means.

use crate::api::inventree::{
    FailedOrder, FailedQuery, PendingQuery, ScheduledOrder, ScheduledQuery, SearchQuery,
    SortDirection,
};

use chrono::{DateTime, FixedOffset, Timelike, Utc};

use crate::api::inventree_admin::ScheduleWarning;
use crate::api::time::ServerTime;

use super::table::{Paging, Sort, SortKey};
use super::time::duration;
use super::url::{QueryParams, QueryWriter};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Queue {
    Pending,
    Failed,
    Scheduled,
}

impl Queue {
    pub const ALL: [Queue; 3] = [Queue::Pending, Queue::Failed, Queue::Scheduled];

    pub fn slug(self) -> &'static str {
        match self {
            Queue::Pending => "pending",
            Queue::Failed => "failed",
            Queue::Scheduled => "scheduled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Queue::Pending => "Pending",
            Queue::Failed => "Failed",
            Queue::Scheduled => "Scheduled",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Queue> {
        Queue::ALL.into_iter().find(|q| q.slug() == slug)
    }

    /// The pending endpoint ignores `search` and `ordering`.
    pub fn searchable(self) -> bool {
        !matches!(self, Queue::Pending)
    }

    /// Only pending and failed tasks can be deleted through the API.
    pub fn deletable(self) -> bool {
        !matches!(self, Queue::Scheduled)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueColumn {
    Id,
    Func,
    Started,
    Stopped,
    LastRun,
    NextRun,
}

impl SortKey for QueueColumn {
    const ALL: &'static [QueueColumn] = &[
        QueueColumn::Id,
        QueueColumn::Func,
        QueueColumn::Started,
        QueueColumn::Stopped,
        QueueColumn::LastRun,
        QueueColumn::NextRun,
    ];

    fn name(self) -> &'static str {
        match self {
            QueueColumn::Id => "id",
            QueueColumn::Func => "func",
            QueueColumn::Started => "started",
            QueueColumn::Stopped => "stopped",
            QueueColumn::LastRun => "last_run",
            QueueColumn::NextRun => "next_run",
        }
    }
}

impl QueueColumn {
    /// Whether the server orders this queue by this column (it silently
    /// ignores the others, so the UI must not pretend).
    pub fn sortable_in(self, queue: Queue) -> bool {
        match queue {
            Queue::Pending => false,
            Queue::Failed => self.failed_order().is_some(),
            Queue::Scheduled => self.scheduled_order().is_some(),
        }
    }

    fn failed_order(self) -> Option<FailedOrder> {
        match self {
            QueueColumn::Id => Some(FailedOrder::Pk),
            QueueColumn::Func => Some(FailedOrder::Func),
            QueueColumn::Started => Some(FailedOrder::Started),
            QueueColumn::Stopped => Some(FailedOrder::Stopped),
            _ => None,
        }
    }

    fn scheduled_order(self) -> Option<ScheduledOrder> {
        match self {
            QueueColumn::Id => Some(ScheduledOrder::Pk),
            QueueColumn::Func => Some(ScheduledOrder::Func),
            QueueColumn::LastRun => Some(ScheduledOrder::LastRun),
            QueueColumn::NextRun => Some(ScheduledOrder::NextRun),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct QueueView {
    pub search: String,
    pub regex: bool,
    pub sort: Option<Sort<QueueColumn>>,
    pub paging: Paging,
    /// The pk of the task whose details are open.
    pub open: Option<String>,
    /// Text the arguments must contain (as Python text; matched here, as
    /// the server cannot search inside pickles).
    pub arguments: String,
}

impl QueueView {
    pub fn from_params(q: &impl QueryParams) -> QueueView {
        QueueView {
            search: q.get("q").unwrap_or_default().to_string(),
            regex: q.get("regex") == Some("1"),
            sort: q.get("sort").and_then(Sort::parse),
            paging: Paging::from_params(q.get("page"), q.get("size")),
            open: q.get("task").filter(|v| !v.is_empty()).map(str::to_string),
            arguments: q.get("args").unwrap_or_default().to_string(),
        }
    }

    pub fn to_query_string(&self) -> String {
        let mut w = QueryWriter::default();
        w.put_if(!self.search.is_empty(), "q", &self.search);
        w.put_if(self.regex, "regex", "1");
        w.put_opt("sort", self.sort.map(|s| s.to_param()).as_deref());
        w.put_if(self.paging.page != 1, "page", &self.paging.page.to_string());
        w.put_if(
            self.paging.size != Paging::default().size,
            "size",
            &self.paging.size.to_string(),
        );
        w.put_if(!self.arguments.is_empty(), "args", &self.arguments);
        w.put_opt("task", self.open.as_deref());
        w.finish()
    }

    pub fn refiltered(&self, change: impl FnOnce(&mut QueueView)) -> QueueView {
        let mut next = self.clone();
        change(&mut next);
        next.paging.page = 1;
        next.open = None;
        next
    }

    pub fn pending_query(&self) -> PendingQuery {
        PendingQuery {
            limit: self.paging.size,
            offset: self.paging.offset(),
        }
    }

    fn search_query<F>(&self, order: Option<(F, SortDirection)>) -> SearchQuery<F> {
        let search = self.search.trim();
        SearchQuery {
            limit: self.paging.size,
            offset: self.paging.offset(),
            ordering: order,
            search: (!search.is_empty()).then(|| search.to_string()),
            search_regex: self.regex,
        }
    }

    fn direction(sort: Sort<QueueColumn>) -> SortDirection {
        if sort.descending {
            SortDirection::Descending
        } else {
            SortDirection::Ascending
        }
    }

    /// Without a sort in the URL: newest failure first (the server's own
    /// default is the hexadecimal task id, which means nothing to a reader).
    pub fn failed_query(&self) -> FailedQuery {
        let sort = self.sort.unwrap_or(Sort {
            key: QueueColumn::Stopped,
            descending: true,
        });
        let order = sort.key.failed_order().map(|f| (f, Self::direction(sort)));
        self.search_query(order)
    }

    pub fn scheduled_query(&self) -> ScheduledQuery {
        let order = self
            .sort
            .and_then(|s| s.key.scheduled_order().map(|f| (f, Self::direction(s))));
        self.search_query(order)
    }
}

/// Why Python's `re` (which InvenTree hands the search to) would reject
/// `pattern`, for the mistakes a check this small can see: unbalanced
/// groups or classes, a dangling escape, nothing to repeat. The server
/// answers those with a bare HTTP 500.
pub fn regex_problem(pattern: &str) -> Option<String> {
    let mut depth = 0i32;
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    let mut can_repeat = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if chars.next().is_none() {
                    return Some("it ends with a lone backslash".into());
                }
                can_repeat = true;
            }
            _ if in_class => {
                if c == ']' {
                    in_class = false;
                    can_repeat = true;
                }
            }
            '[' => {
                in_class = true;
                // `]` right after `[` or `[^` is a literal.
                if chars.peek() == Some(&'^') {
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    chars.next();
                }
            }
            '(' => {
                depth += 1;
                can_repeat = false;
                if chars.peek() == Some(&'?') {
                    chars.next();
                }
            }
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Some("a “)” closes no group".into());
                }
                can_repeat = true;
            }
            '|' => can_repeat = false,
            '*' | '+' | '?' => {
                if !can_repeat {
                    return Some(format!("“{c}” has nothing to repeat"));
                }
                // A lazy or possessive marker may follow.
                if chars.peek() == Some(&'?') {
                    chars.next();
                }
                can_repeat = false;
            }
            _ => can_repeat = true,
        }
    }
    if in_class {
        Some("a “[” is never closed".into())
    } else if depth > 0 {
        Some("a “(” is never closed".into())
    } else {
        None
    }
}

/// `func` is a dotted Python path; the last part is what people recognise.
pub fn short_func(func: &str) -> &str {
    func.rsplit('.').next().unwrap_or(func)
}

/// A schedule's warning in words, what matters first: how late it is,
/// then when it was due (a narrow cell keeps the start).
pub fn schedule_warning_text(warning: &ScheduleWarning) -> String {
    match warning {
        ScheduleWarning::LastRunFailed => "Last run failed".into(),
        ScheduleWarning::Overdue { due, late } => format!(
            "{} late: due {} (server time)",
            duration(late.num_seconds() as f64),
            due.to_wire()
        ),
    }
}

/// What a pending task's lock says. django-q's ORM broker sets it to the
/// time a task is queued, and to "now + retry" when a worker takes it
/// (`django_q/brokers/orm.py`: `enqueue`, `dequeue`; InvenTree's retry is
/// at least 120 s, its `Q_CLUSTER`), so a lock in the past is a task no
/// worker holds (never taken, or its worker's time ran out) and one in the
/// future, one a worker holds until then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockState {
    Waiting,
    TakenUntil(ServerTime),
    /// The lock is zone-less server time: past in one of the zones the
    /// server may run in (UTC, InvenTree's default, or this browser's) and
    /// future in the other, so it is shown as it is.
    Unclear(ServerTime),
}

/// Judges `lock` at `now`, reading its wall-clock time both as UTC and in
/// the browser's zone (`local`): only where both agree is it said.
pub fn lock_state(lock: ServerTime, now: DateTime<Utc>, local: FixedOffset) -> LockState {
    let as_utc = lock.0.and_utc();
    let as_local = lock
        .0
        .and_local_timezone(local)
        .single()
        .map_or(as_utc, |t| t.with_timezone(&Utc));
    match (as_utc > now, as_local > now) {
        (false, false) => LockState::Waiting,
        (true, true) => LockState::TakenUntil(lock),
        _ => LockState::Unclear(lock),
    }
}

/// The words of a lock, and the longer words for hovering. A worker holds
/// a task for minutes (InvenTree's retry), so the words name the time of
/// day; the hover has the whole server time.
pub fn lock_words(state: LockState) -> (String, String) {
    let clock = |t: ServerTime| format!("{:02}:{:02}", t.0.hour(), t.0.minute());
    match state {
        LockState::Waiting => (
            "Waiting for a worker".into(),
            "No worker holds it: its lock is in the past (the time it was queued, or the end \
             of a worker's time with it)."
                .into(),
        ),
        LockState::TakenUntil(t) => (
            format!("Taken by a worker until {}", clock(t)),
            format!(
                "A worker holds it until {} (server time); if it has not finished by then, the \
                 next worker takes it.",
                t.to_wire()
            ),
        ),
        LockState::Unclear(t) => (
            format!("Locked until {}", clock(t)),
            format!(
                "Locked until {} (server time, without a zone): whether that is past depends on \
                 the server's time zone. In the past, it waits for a worker; in the future, a \
                 worker holds it.",
                t.to_wire()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(text: &str) -> ServerTime {
        ServerTime::parse(text).unwrap()
    }

    /// Issue 25, item 9: a lock in the past is a task waiting for a worker,
    /// not "locked until" a time already gone.
    #[test]
    fn a_lock_in_the_past_waits_and_one_ahead_is_held_by_a_worker() {
        let now: DateTime<Utc> = "2026-11-22T13:30:00Z".parse().unwrap();
        let utc = FixedOffset::east_opt(0).unwrap();
        assert_eq!(
            lock_state(server("2026-11-22 13:08"), now, utc),
            LockState::Waiting
        );
        assert_eq!(
            lock_state(server("2026-11-22 13:32"), now, utc),
            LockState::TakenUntil(server("2026-11-22 13:32"))
        );
        // In Berlin (UTC+1), 14:32 local is 13:32 UTC: past read as
        // Berlin time, future read as UTC: not said either way.
        let berlin = FixedOffset::east_opt(3600).unwrap();
        assert_eq!(
            lock_state(server("2026-11-22 14:20"), now, berlin),
            LockState::Unclear(server("2026-11-22 14:20"))
        );
        // Long enough ago in either zone.
        assert_eq!(
            lock_state(server("2026-11-22 09:00"), now, berlin),
            LockState::Waiting
        );
        let (words, _) = lock_words(LockState::Waiting);
        assert!(!words.contains("until"), "{words}");
        let (words, hover) = lock_words(LockState::TakenUntil(server("2026-11-22 13:32")));
        assert_eq!(words, "Taken by a worker until 13:32");
        assert!(hover.contains("2026-11-22 13:32 (server time)"), "{hover}");
    }

    /// Issue 25, item 15: the lateness leads, so a narrow cell keeps it.
    #[test]
    fn an_overdue_schedule_says_how_late_first() {
        let text = schedule_warning_text(&ScheduleWarning::Overdue {
            due: server("2026-12-03 04:00"),
            late: chrono::Duration::hours(74),
        });
        assert_eq!(text, "3 d 2 h late: due 2026-12-03 04:00 (server time)");
    }

    #[test]
    fn regular_expressions_python_rejects_are_caught_here() {
        for bad in ["(", "a)", "[a-", "*x", "x|+", "ab\\", "(?"] {
            assert!(regex_problem(bad).is_some(), "{bad}");
        }
        for good in [
            "", "^send_", "a|b", "(a|b)+", "[)(]", "x*?", "\\(", "[]a]", "(?:x)", "a{2}",
        ] {
            assert_eq!(regex_problem(good), None, "{good}");
        }
    }
    use crate::state::url::parse_query;

    #[test]
    fn url_round_trip() {
        assert_eq!(QueueView::default().to_query_string(), "");
        let view = QueueView {
            search: "stock.tasks".into(),
            regex: true,
            sort: Some(Sort {
                key: QueueColumn::Stopped,
                descending: true,
            }),
            paging: Paging { page: 2, size: 100 },
            open: Some("a1b2-c3".into()),
            arguments: "'id': 12".into(),
        };
        let qs = view.to_query_string();
        assert_eq!(
            qs,
            "?q=stock.tasks&regex=1&sort=-stopped&page=2&size=100&args=%27id%27:%2012&task=a1b2-c3"
        );
        assert_eq!(QueueView::from_params(&parse_query(&qs)), view);
    }

    #[test]
    fn queries_only_use_what_each_endpoint_honours() {
        let view = QueueView {
            search: " report ".into(),
            sort: Some(Sort {
                key: QueueColumn::Stopped,
                descending: true,
            }),
            paging: Paging { page: 3, size: 50 },
            ..QueueView::default()
        };
        let failed = view.failed_query();
        assert_eq!((failed.limit, failed.offset), (50, 100));
        assert_eq!(
            failed.ordering,
            Some((FailedOrder::Stopped, SortDirection::Descending))
        );
        assert_eq!(failed.search.as_deref(), Some("report"));
        // `stopped` means nothing to the scheduled list, so no ordering is sent.
        assert_eq!(view.scheduled_query().ordering, None);
        assert_eq!(
            view.pending_query(),
            PendingQuery {
                limit: 50,
                offset: 100
            }
        );
        assert!(QueueColumn::NextRun.sortable_in(Queue::Scheduled));
        assert!(!QueueColumn::NextRun.sortable_in(Queue::Failed));
        assert!(!QueueColumn::Id.sortable_in(Queue::Pending));
    }

    #[test]
    fn queue_slugs_and_function_names() {
        for q in Queue::ALL {
            assert_eq!(Queue::from_slug(q.slug()), Some(q));
        }
        assert_eq!(Queue::from_slug("running"), None);
        assert_eq!(
            short_func("stock.tasks.rebuild_stock_items"),
            "rebuild_stock_items"
        );
        assert_eq!(short_func("plain"), "plain");
    }
}
