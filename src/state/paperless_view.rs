//! The Paperless tasks screen as data: what the URL says, which request that
//! means for API 10, and how the same view is computed locally for API 9
//! servers, which send every task at once.

use std::cmp::Ordering;

use crate::api::paperless::{
    PaperlessApi, PaperlessTask, StatusCounts, StatusGroup, TaskOrderField, TaskOrdering,
    TaskQuery, TaskStatus, TaskType, TriggerSource,
};

use super::table::{Paging, Sort, SortKey};
use super::url::{QueryParams, QueryWriter};

/// The tabs above the table, as in Paperless's own UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StatusTab {
    #[default]
    All,
    NeedsAttention,
    InProgress,
    Completed,
}

impl StatusTab {
    pub const ALL: [StatusTab; 4] = [
        StatusTab::All,
        StatusTab::NeedsAttention,
        StatusTab::InProgress,
        StatusTab::Completed,
    ];

    pub fn param(self) -> &'static str {
        match self {
            StatusTab::All => "all",
            StatusTab::NeedsAttention => "attention",
            StatusTab::InProgress => "progress",
            StatusTab::Completed => "completed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StatusTab::All => "All",
            StatusTab::NeedsAttention => "Needs attention",
            StatusTab::InProgress => "In progress",
            StatusTab::Completed => "Completed",
        }
    }

    fn from_param(value: &str) -> StatusTab {
        StatusTab::ALL
            .into_iter()
            .find(|t| t.param() == value)
            .unwrap_or_default()
    }

    fn group(self) -> Option<StatusGroup> {
        match self {
            StatusTab::All => None,
            StatusTab::NeedsAttention => Some(StatusGroup::NeedsAttention),
            StatusTab::InProgress => Some(StatusGroup::InProgress),
            StatusTab::Completed => Some(StatusGroup::Completed),
        }
    }

    fn statuses(self) -> Vec<TaskStatus> {
        match self {
            StatusTab::All => vec![],
            StatusTab::NeedsAttention => vec![TaskStatus::Failure, TaskStatus::Revoked],
            StatusTab::InProgress => vec![TaskStatus::Pending, TaskStatus::Started],
            StatusTab::Completed => vec![TaskStatus::Success],
        }
    }

    pub fn count(self, counts: &StatusCounts) -> u64 {
        match self {
            StatusTab::All => counts.all,
            StatusTab::NeedsAttention => counts.needs_attention,
            StatusTab::InProgress => counts.in_progress,
            StatusTab::Completed => counts.completed,
        }
    }
}

/// Which tasks by their dismissed state. Paperless's own page only ever
/// shows `Open` ones; dismissed tasks can be looked at here too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AckFilter {
    #[default]
    Open,
    Acknowledged,
    Any,
}

impl AckFilter {
    pub const ALL: [AckFilter; 3] = [AckFilter::Open, AckFilter::Acknowledged, AckFilter::Any];

    pub fn param(self) -> &'static str {
        match self {
            AckFilter::Open => "open",
            AckFilter::Acknowledged => "dismissed",
            AckFilter::Any => "any",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AckFilter::Open => "Not dismissed",
            AckFilter::Acknowledged => "Dismissed",
            AckFilter::Any => "Dismissed or not",
        }
    }

    pub fn from_param(value: &str) -> AckFilter {
        AckFilter::ALL
            .into_iter()
            .find(|a| a.param() == value)
            .unwrap_or_default()
    }

    fn as_query(self) -> Option<bool> {
        match self {
            AckFilter::Open => Some(false),
            AckFilter::Acknowledged => Some(true),
            AckFilter::Any => None,
        }
    }
}

/// What the text box searches: Paperless can filter by name or by result,
/// not both at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TextScope {
    #[default]
    Name,
    Result,
}

impl TextScope {
    pub fn param(self) -> &'static str {
        match self {
            TextScope::Name => "name",
            TextScope::Result => "result",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskColumn {
    Created,
    Done,
    Status,
    Type,
    Duration,
}

impl SortKey for TaskColumn {
    const ALL: &'static [TaskColumn] = &[
        TaskColumn::Created,
        TaskColumn::Done,
        TaskColumn::Status,
        TaskColumn::Type,
        TaskColumn::Duration,
    ];

    fn name(self) -> &'static str {
        match self {
            TaskColumn::Created => "created",
            TaskColumn::Done => "done",
            TaskColumn::Status => "status",
            TaskColumn::Type => "type",
            TaskColumn::Duration => "duration",
        }
    }
}

impl TaskColumn {
    fn order_field(self) -> TaskOrderField {
        match self {
            TaskColumn::Created => TaskOrderField::DateCreated,
            TaskColumn::Done => TaskOrderField::DateDone,
            TaskColumn::Status => TaskOrderField::Status,
            TaskColumn::Type => TaskOrderField::TaskType,
            TaskColumn::Duration => TaskOrderField::DurationSeconds,
        }
    }
}

pub const DEFAULT_SORT: Sort<TaskColumn> = Sort {
    key: TaskColumn::Created,
    descending: true,
};

/// Everything the URL of the Paperless screen says.
#[derive(Clone, Debug, PartialEq)]
pub struct PaperlessView {
    pub tab: StatusTab,
    pub ack: AckFilter,
    pub task_type: Option<TaskType>,
    pub trigger: Option<TriggerSource>,
    pub text: String,
    pub scope: TextScope,
    pub sort: Sort<TaskColumn>,
    pub paging: Paging,
    /// The task whose details are open.
    pub open: Option<u64>,
}

impl Default for PaperlessView {
    fn default() -> Self {
        PaperlessView {
            tab: StatusTab::All,
            ack: AckFilter::Open,
            task_type: None,
            trigger: None,
            text: String::new(),
            scope: TextScope::Name,
            sort: DEFAULT_SORT,
            paging: Paging::default(),
            open: None,
        }
    }
}

impl PaperlessView {
    pub fn from_params(q: &impl QueryParams) -> PaperlessView {
        PaperlessView {
            tab: q
                .get("status")
                .map(StatusTab::from_param)
                .unwrap_or_default(),
            ack: q.get("ack").map(AckFilter::from_param).unwrap_or_default(),
            task_type: q
                .get("type")
                .filter(|v| !v.is_empty())
                .map(TaskType::from_wire),
            trigger: q
                .get("trigger")
                .filter(|v| !v.is_empty())
                .map(TriggerSource::from_wire),
            text: q.get("q").unwrap_or_default().to_string(),
            scope: match q.get("in") {
                Some("result") => TextScope::Result,
                _ => TextScope::Name,
            },
            sort: q.get("sort").and_then(Sort::parse).unwrap_or(DEFAULT_SORT),
            paging: Paging::from_params(q.get("page"), q.get("size")),
            open: q.get("task").and_then(|v| v.parse().ok()),
        }
    }

    /// The query string, defaults left out so URLs stay short.
    pub fn to_query_string(&self) -> String {
        let d = PaperlessView::default();
        let mut w = QueryWriter::default();
        w.put_if(self.tab != d.tab, "status", self.tab.param());
        w.put_if(self.ack != d.ack, "ack", self.ack.param());
        w.put_opt("type", self.task_type.as_ref().map(TaskType::as_wire));
        w.put_opt("trigger", self.trigger.as_ref().map(TriggerSource::as_wire));
        w.put_if(!self.text.is_empty(), "q", &self.text);
        w.put_if(self.scope != d.scope, "in", self.scope.param());
        w.put_if(self.sort != d.sort, "sort", &self.sort.to_param());
        w.put_if(self.paging.page != 1, "page", &self.paging.page.to_string());
        w.put_if(
            self.paging.size != d.paging.size,
            "size",
            &self.paging.size.to_string(),
        );
        w.put_opt("task", self.open.map(|id| id.to_string()).as_deref());
        w.finish()
    }

    /// A change of filter starts again at page 1 and leaves details closed.
    pub fn refiltered(&self, change: impl FnOnce(&mut PaperlessView)) -> PaperlessView {
        let mut next = self.clone();
        change(&mut next);
        next.paging.page = 1;
        next.open = None;
        next
    }

    fn text_filter(&self) -> Option<String> {
        let t = self.text.trim();
        (!t.is_empty()).then(|| t.to_string())
    }

    /// The request for this view. API 9 ignores filters and paging, so its
    /// request depends on `acknowledged` only: typing in the filter box must
    /// not refetch thousands of tasks.
    pub fn server_query(&self, api: PaperlessApi) -> TaskQuery {
        let mut q = TaskQuery {
            acknowledged: self.ack.as_query(),
            ..TaskQuery::default()
        };
        if api == PaperlessApi::V9 {
            return q;
        }
        q.status = self.tab.statuses();
        q.task_type = self.task_type.iter().cloned().collect();
        q.trigger_source = self.trigger.iter().cloned().collect();
        match self.scope {
            TextScope::Name => q.name = self.text_filter(),
            TextScope::Result => q.result = self.text_filter(),
        }
        q.ordering = Some(TaskOrdering {
            field: self.sort.key.order_field(),
            descending: self.sort.descending,
        });
        q.page = Some(self.paging.page);
        q.page_size = Some(self.paging.size);
        q
    }

    /// The query for tab counts: the same filters without status or paging.
    pub fn counts_query(&self) -> TaskQuery {
        let mut q = self.server_query(PaperlessApi::V10);
        q.status.clear();
        q.ordering = None;
        q.page = None;
        q.page_size = None;
        q
    }

    /// In words, for the confirmation of "acknowledge all matching".
    pub fn describe(&self) -> String {
        let mut parts = vec![match self.tab {
            StatusTab::All => "any status".to_string(),
            tab => format!("status “{}”", tab.label()),
        }];
        parts.push(self.ack.label().to_lowercase());
        if let Some(t) = &self.task_type {
            parts.push(format!("type “{}”", t.label()));
        }
        if let Some(t) = &self.trigger {
            parts.push(format!("trigger “{}”", t.label()));
        }
        if let Some(text) = self.text_filter() {
            parts.push(format!("{} contains “{text}”", self.scope.param()));
        }
        parts.join(", ")
    }

    fn matches_except_status(&self, task: &PaperlessTask, needle: Option<&str>) -> bool {
        if self.ack.as_query().is_some_and(|a| a != task.acknowledged) {
            return false;
        }
        if self
            .task_type
            .as_ref()
            .is_some_and(|t| *t != task.task_type)
        {
            return false;
        }
        if self.trigger.as_ref().is_some_and(|t| *t != task.trigger) {
            return false;
        }
        let Some(needle) = needle else { return true };
        match self.scope {
            // Paperless's `name` filter also matches type and trigger labels.
            TextScope::Name => [
                task.file_name.as_deref().unwrap_or(""),
                task.task_type.label(),
                task.trigger.label(),
            ]
            .iter()
            .any(|field| contains_ignoring_case(field, needle)),
            TextScope::Result => task
                .result_message
                .as_deref()
                .is_some_and(|r| contains_ignoring_case(r, needle)),
        }
    }

    /// The API 9 equivalent of a server round trip: filter, count per tab,
    /// sort and cut the page, all from the one full list.
    pub fn apply_locally(&self, tasks: &[PaperlessTask]) -> LocalView {
        self.apply_in_order(tasks, &self.sorted_order(tasks), None)
    }

    /// Whether a search by name is typed, which [`name_index`] speeds up.
    pub fn searches_names(&self) -> bool {
        self.scope == TextScope::Name && self.text_filter().is_some()
    }

    /// Every task's position, in this view's order. Filtering keeps that
    /// order, so a list sorted once serves every keystroke typed into the
    /// search box.
    pub fn sorted_order(&self, tasks: &[PaperlessTask]) -> Vec<u32> {
        let mut order: Vec<u32> = (0..tasks.len() as u32).collect();
        let sort = self.sort;
        order.sort_by(|&a, &b| {
            let order = compare(&tasks[a as usize], &tasks[b as usize], sort.key);
            if sort.descending {
                order.reverse()
            } else {
                order
            }
        });
        order
    }

    /// [`PaperlessView::apply_locally`] with `order` from
    /// [`PaperlessView::sorted_order`] for this view's sort, and the
    /// list's [`name_index`] when there is one.
    pub fn apply_in_order(
        &self,
        tasks: &[PaperlessTask],
        order: &[u32],
        names: Option<&[Box<str>]>,
    ) -> LocalView {
        let needle = self.text_filter().map(|t| t.to_lowercase());
        // The index joins the fields with newlines: a needle with one (from
        // a link; the box cannot take it) is searched field by field.
        let names = names.filter(|n| {
            n.len() == tasks.len()
                && self.scope == TextScope::Name
                && !needle.as_deref().is_some_and(|n| n.contains('\n'))
        });
        let mut counts = StatusCounts::default();
        let want = self.tab.group();
        let mut rows: Vec<&PaperlessTask> = Vec::new();
        for &at in order {
            let Some(task) = tasks.get(at as usize) else {
                continue;
            };
            let matches = match (names, needle.as_deref()) {
                (Some(names), Some(needle)) => {
                    self.matches_except_status(task, None) && names[at as usize].contains(needle)
                }
                _ => self.matches_except_status(task, needle.as_deref()),
            };
            if !matches {
                continue;
            }
            counts.add(task);
            if want.is_none() || want == task.status.group() {
                rows.push(task);
            }
        }
        let total = rows.len() as u64;
        let paging = self.paging.clamped(total);
        LocalView {
            matching_ids: rows.iter().map(|t| t.id).collect(),
            page: paging.slice(&rows).iter().map(|t| (*t).clone()).collect(),
            page_number: paging.page,
            total,
            counts,
        }
    }
}

/// What a search by name looks in, per task, lower-cased once: the file
/// name, the type and the trigger (Paperless's `name` filter matches the
/// labels too), so a keystroke compares text instead of lower-casing it.
pub fn name_index(tasks: &[PaperlessTask]) -> Vec<Box<str>> {
    tasks
        .iter()
        .map(|task| {
            format!(
                "{}\n{}\n{}",
                task.file_name.as_deref().unwrap_or(""),
                task.task_type.label(),
                task.trigger.label()
            )
            .to_lowercase()
            .into_boxed_str()
        })
        .collect()
}

/// The result of [`PaperlessView::apply_locally`].
#[derive(Clone, Debug, PartialEq)]
pub struct LocalView {
    pub page: Vec<PaperlessTask>,
    /// The page shown: the one asked for, or the last one there is.
    pub page_number: u32,
    pub total: u64,
    pub counts: StatusCounts,
    /// Every task matching the view, in order, for "acknowledge all matching".
    pub matching_ids: Vec<u64>,
}

fn contains_ignoring_case(haystack: &str, lower_needle: &str) -> bool {
    if haystack.is_ascii() && lower_needle.is_ascii() {
        haystack
            .as_bytes()
            .windows(lower_needle.len().max(1))
            .any(|w| w.eq_ignore_ascii_case(lower_needle.as_bytes()))
            || lower_needle.is_empty()
    } else {
        haystack.to_lowercase().contains(lower_needle)
    }
}

/// Missing values sort last in ascending order, as Paperless does with NULLs.
fn compare(a: &PaperlessTask, b: &PaperlessTask, key: TaskColumn) -> Ordering {
    fn opt<T: PartialOrd>(a: Option<T>, b: Option<T>) -> Ordering {
        match (a, b) {
            (Some(a), Some(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    let primary = match key {
        TaskColumn::Created => opt(a.created, b.created),
        TaskColumn::Done => opt(a.done, b.done),
        // As the server orders its stored values (2.x: upper case, so RETRY
        // falls between PENDING and REVOKED), whatever the case.
        TaskColumn::Status => a
            .status
            .as_wire()
            .to_ascii_lowercase()
            .cmp(&b.status.as_wire().to_ascii_lowercase()),
        // By what is shown: 2.x and 3.x name the same types differently.
        TaskColumn::Type => a.task_type.label().cmp(b.task_type.label()),
        TaskColumn::Duration => opt(a.duration_seconds, b.duration_seconds),
    };
    primary.then(a.id.cmp(&b.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::url::parse_query;
    use chrono::{DateTime, Utc};

    fn task(id: u64, status: &str, file: Option<&str>, created: &str) -> PaperlessTask {
        PaperlessTask {
            file_name: file.map(str::to_string),
            created: Some(created.parse::<DateTime<Utc>>().unwrap()),
            ..crate::state::blank_task(id, status)
        }
    }

    #[test]
    fn url_round_trip_keeps_every_part_and_omits_defaults() {
        assert_eq!(PaperlessView::default().to_query_string(), "");
        let view = PaperlessView {
            tab: StatusTab::NeedsAttention,
            ack: AckFilter::Any,
            task_type: Some(TaskType::MailFetch),
            trigger: Some(TriggerSource::EmailConsume),
            text: "Rechnung März & co".into(),
            scope: TextScope::Result,
            sort: Sort {
                key: TaskColumn::Duration,
                descending: false,
            },
            paging: Paging { page: 3, size: 50 },
            open: Some(42),
        };
        let qs = view.to_query_string();
        assert_eq!(
            qs,
            "?status=attention&ack=any&type=mail_fetch&trigger=email_consume\
             &q=Rechnung%20M%C3%A4rz%20%26%20co&in=result&sort=duration&page=3&size=50&task=42"
        );
        assert_eq!(PaperlessView::from_params(&parse_query(&qs)), view);
        // Unknown values from a hand-edited URL fall back instead of failing.
        let odd = PaperlessView::from_params(&parse_query("?status=weird&sort=-nope&page=-1"));
        assert_eq!(odd, PaperlessView::default());
    }

    #[test]
    fn api10_query_carries_filters_and_api9_only_acknowledged() {
        let view = PaperlessView {
            tab: StatusTab::InProgress,
            text: "  inv ".into(),
            paging: Paging { page: 2, size: 100 },
            ..PaperlessView::default()
        };
        let q = view.server_query(PaperlessApi::V10);
        assert_eq!(q.status, vec![TaskStatus::Pending, TaskStatus::Started]);
        assert_eq!(q.name.as_deref(), Some("inv"));
        assert_eq!(q.acknowledged, Some(false));
        assert_eq!((q.page, q.page_size), (Some(2), Some(100)));
        assert_eq!(q.ordering.unwrap().to_wire(), "-date_created");
        let v9 = view.server_query(PaperlessApi::V9);
        assert_eq!(
            v9,
            TaskQuery {
                acknowledged: Some(false),
                ..TaskQuery::default()
            }
        );
        let counts = view.counts_query();
        assert!(counts.status.is_empty() && counts.page.is_none());
        assert_eq!(counts.name.as_deref(), Some("inv"));
    }

    #[test]
    fn filter_change_resets_page_and_closes_details() {
        let view = PaperlessView {
            paging: Paging { page: 4, size: 50 },
            open: Some(9),
            ..PaperlessView::default()
        };
        let next = view.refiltered(|v| v.tab = StatusTab::Completed);
        assert_eq!(next.paging, Paging { page: 1, size: 50 });
        assert_eq!(next.open, None);
    }

    #[test]
    fn the_name_index_finds_what_the_plain_search_finds() {
        let mut tasks = vec![
            task(
                1,
                "SUCCESS",
                Some("Rechnung_Müller_2024-03.pdf"),
                "2026-11-20T10:00:00Z",
            ),
            task(2, "FAILURE", Some("Invoice-2.pdf"), "2026-11-21T10:00:00Z"),
            task(
                3,
                "STARTED",
                Some("請求書_東京_2024.pdf"),
                "2026-11-22T10:00:00Z",
            ),
            task(4, "failure", None, "2026-11-19T10:00:00Z"),
            task(5, "SUCCESS", Some("scan_0001.pdf"), "2026-11-18T10:00:00Z"),
        ];
        tasks[3].task_type = TaskType::TrainClassifier;
        tasks[3].trigger = TriggerSource::Scheduled;
        let names = name_index(&tasks);
        for text in [
            "MÜLLER",
            "müller",
            "invoice",
            "東京",
            "train",
            "schedul",
            "pdf\nconsume",
            "scan_0",
            "x",
        ] {
            for ack in [AckFilter::Open, AckFilter::Any] {
                let view = PaperlessView {
                    text: text.into(),
                    ack,
                    ..PaperlessView::default()
                };
                assert!(view.searches_names());
                let order = view.sorted_order(&tasks);
                let indexed = view.apply_in_order(&tasks, &order, Some(&names));
                let plain = view.apply_locally(&tasks);
                assert_eq!(indexed, plain, "{text:?}");
            }
        }
        let found = PaperlessView {
            text: "MÜLLER".into(),
            ..PaperlessView::default()
        };
        assert_eq!(
            found
                .apply_in_order(&tasks, &found.sorted_order(&tasks), Some(&names))
                .matching_ids,
            vec![1]
        );
    }

    #[test]
    fn local_view_filters_counts_sorts_and_pages_like_the_server() {
        let mut tasks = vec![
            task(1, "SUCCESS", Some("invoice-1.pdf"), "2026-11-20T10:00:00Z"),
            task(2, "FAILURE", Some("Invoice-2.pdf"), "2026-11-21T10:00:00Z"),
            task(3, "STARTED", Some("scan.pdf"), "2026-11-22T10:00:00Z"),
            task(4, "failure", None, "2026-11-19T10:00:00Z"),
            task(5, "SUCCESS", Some("invoice-5.pdf"), "2026-11-18T10:00:00Z"),
        ];
        tasks[4].acknowledged = true;
        tasks[3].task_type = TaskType::TrainClassifier;
        tasks[3].trigger = TriggerSource::Scheduled;

        let all = PaperlessView::default().apply_locally(&tasks);
        assert_eq!(all.total, 4);
        assert_eq!(
            all.page.iter().map(|t| t.id).collect::<Vec<_>>(),
            vec![3, 2, 1, 4]
        );
        assert_eq!(
            (
                all.counts.needs_attention,
                all.counts.in_progress,
                all.counts.completed
            ),
            (2, 1, 1)
        );

        let view = PaperlessView {
            tab: StatusTab::NeedsAttention,
            text: "INVOICE".into(),
            ..PaperlessView::default()
        };
        let found = view.apply_locally(&tasks);
        assert_eq!(found.matching_ids, vec![2]);
        // Counts ignore the tab, like status_counts.
        assert_eq!(found.counts.all, 2);

        // The name filter also matches the trigger label, as the server's does.
        let by_trigger = PaperlessView {
            text: "schedul".into(),
            ..PaperlessView::default()
        };
        assert_eq!(by_trigger.apply_locally(&tasks).matching_ids, vec![4]);

        let any = PaperlessView {
            ack: AckFilter::Any,
            sort: Sort {
                key: TaskColumn::Created,
                descending: false,
            },
            paging: Paging { page: 1, size: 25 },
            ..PaperlessView::default()
        };
        assert_eq!(any.apply_locally(&tasks).matching_ids, vec![5, 4, 1, 2, 3]);
    }

    #[test]
    fn paging_beyond_the_end_shows_the_last_page() {
        let tasks: Vec<_> = (1..=30)
            .map(|i| task(i, "SUCCESS", Some("a.pdf"), "2026-11-20T10:00:00Z"))
            .collect();
        let view = PaperlessView {
            paging: Paging { page: 7, size: 25 },
            ..PaperlessView::default()
        };
        let local = view.apply_locally(&tasks);
        assert_eq!(local.page.len(), 5);
        assert_eq!(local.total, 30);
    }

    #[test]
    fn description_names_every_active_filter() {
        let view = PaperlessView {
            tab: StatusTab::NeedsAttention,
            task_type: Some(TaskType::ConsumeFile),
            text: "scan".into(),
            ..PaperlessView::default()
        };
        assert_eq!(
            view.describe(),
            "status “Needs attention”, not dismissed, type “Consume File”, name contains “scan”"
        );
    }
}
