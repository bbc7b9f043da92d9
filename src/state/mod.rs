//! Pure state logic behind the screens: no signals, no DOM, so all of it is
//! unit-tested natively.

pub mod action_log;
pub mod arguments;
pub mod attention;
pub mod connections;
pub mod errors;
pub mod export;
pub mod inventree_view;
pub mod notify;
pub mod outcome;
pub mod overview;
pub mod palette;
pub mod paperless_view;
pub mod permissions;
pub mod refresh;
pub mod route;
pub mod running;
pub mod runs;
pub mod saved_views;
pub mod seen;
pub mod site;
pub mod table;
pub mod time;
pub mod trends;
pub mod triage;
pub mod url;
pub mod watcher_link;

/// "1 task", "3 tasks".
pub fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// A task with every optional field empty, for tests to adjust.
#[cfg(test)]
pub(crate) fn blank_task(id: u64, status: &str) -> crate::api::paperless::PaperlessTask {
    use crate::api::paperless::{PaperlessTask, TaskStatus, TaskType, TriggerSource};
    PaperlessTask {
        id,
        task_id: format!("uuid-{id}"),
        task_type: TaskType::ConsumeFile,
        trigger: TriggerSource::FolderConsume,
        status: TaskStatus::from_wire(status),
        file_name: None,
        created: None,
        started: None,
        done: None,
        duration_seconds: None,
        wait_time_seconds: None,
        result_message: None,
        error_type: None,
        traceback: None,
        input_data: None,
        result_data: None,
        related_document: None,
        duplicates: vec![],
        acknowledged: false,
        owner: None,
    }
}
