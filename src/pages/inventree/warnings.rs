//! Scheduled tasks that need a look: the last run failed, or the next run
//! is more than one period overdue. Computed here from the whole schedule
//! list (a few dozen rows), so searched, sorted and paged locally.

use std::cmp::Ordering;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;

use crate::api::ApiError;
use crate::api::inventree::{InvenTreeClient, ScheduledQuery, ScheduledTask};
use crate::api::inventree_admin::{ScheduleWarning, latest_run, schedule_warnings};
use crate::components::drawer::{Detail, field};
use crate::components::time::ServerWhen;
use crate::state::inventree_view::{schedule_warning_text, short_func};
use crate::table::cells::{self, cell};
use crate::table::local::{ListMeta, LocalRow, LocalSource};
use crate::table::{Column, Row, RowDetails, RowSource, Width};

const COLUMNS: [Column; 6] = [
    Column::sorted("Function", "func", false, Width::Fill),
    Column::plain("Name", Width::M),
    Column::plain("Schedule", Width::S),
    Column::plain("Warning", Width::Fill),
    Column::sorted("Last run", "last_run", true, Width::M),
    Column::sorted("Next run", "next_run", true, Width::M),
];

pub struct WarningRow {
    task: ScheduledTask,
    warnings: Vec<ScheduleWarning>,
}

impl WarningRow {
    fn name(&self) -> String {
        self.task
            .name
            .clone()
            .unwrap_or_else(|| short_func(&self.task.func).to_string())
    }

    fn text(&self) -> String {
        self.warnings
            .iter()
            .map(schedule_warning_text)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl Row for WarningRow {
    fn key(&self) -> String {
        self.task.pk.to_string()
    }

    fn label(&self) -> String {
        format!("{} (schedule #{})", self.name(), self.task.pk)
    }

    fn cells(&self) -> Vec<AnyView> {
        vec![
            cells::python_path(&self.task.func),
            cells::text(self.task.name.clone().unwrap_or_default()),
            cells::text(self.task.schedule_type.label()),
            {
                let (text, title) = (self.text(), self.text());
                view! { <td class="clip warning-text" title=title>{text}</td> }.into_any()
            },
            cell(view! { <ServerWhen at=self.task.last_run /> }),
            cell(view! { <ServerWhen at=self.task.next_run /> }),
        ]
    }

    fn details(&self) -> RowDetails {
        let t = &self.task;
        RowDetails {
            title: self.name(),
            subtitle: format!("{} · {}", t.schedule_type.label(), t.repeats_label()),
            fields: vec![
                field("Warning", Detail::Text(self.text())),
                field("Function", Detail::Code(t.func.clone())),
                field("Last run", Detail::ServerTime(t.last_run)),
                field("Next run", Detail::ServerTime(t.next_run)),
                field("Last task id", Detail::code_or_missing(t.task.clone())),
                field("Args", Detail::code_or_missing(t.args.clone())),
                field("Kwargs", Detail::code_or_missing(t.kwargs.clone())),
                field("Schedule id", Detail::Text(t.pk.to_string())),
            ],
        }
    }
}

impl LocalRow for WarningRow {
    fn haystack(&self) -> String {
        format!("{} {} {}", self.task.func, self.name(), self.text()).to_lowercase()
    }

    fn compare(&self, other: &Self, sort: &str) -> Ordering {
        match sort {
            "last_run" => self.task.last_run.cmp(&other.task.last_run),
            "next_run" => self.task.next_run.cmp(&other.task.next_run),
            _ => self.task.func.cmp(&other.task.func),
        }
    }
}

/// Every schedule, page by page.
pub async fn all_schedules(client: &InvenTreeClient) -> Result<Vec<ScheduledTask>, ApiError> {
    let mut all = Vec::new();
    loop {
        let query = ScheduledQuery {
            limit: 500,
            offset: all.len() as u32,
            ..ScheduledQuery::default()
        };
        let page = client
            .scheduled_call(&query)
            .send(crate::transport::current())
            .await?;
        let got = page.items.len();
        all.extend(page.items);
        if got == 0 || !page.server_paged || all.len() as u64 >= page.count {
            return Ok(all);
        }
    }
}

/// The schedules with warnings, worst first.
pub fn warning_rows(schedules: Vec<ScheduledTask>) -> Vec<Arc<WarningRow>> {
    let now = latest_run(&schedules);
    schedules
        .into_iter()
        .filter_map(|task| {
            let warnings = schedule_warnings(&task, now);
            (!warnings.is_empty()).then(|| Arc::new(WarningRow { task, warnings }))
        })
        .collect()
}

pub fn source(client: InvenTreeClient) -> Rc<dyn RowSource> {
    let meta = ListMeta {
        columns: &COLUMNS,
        table_id: "inventree-warnings",
        noun: "schedule warning",
        default_sort: "next_run",
        search: "Search function or name ( / )",
        gone: "This schedule has no warning now.",
    };
    LocalSource::shared(meta, move |_| {
        let client = client.clone();
        Box::pin(async move { Ok(warning_rows(all_schedules(&client).await?)) })
    })
}
