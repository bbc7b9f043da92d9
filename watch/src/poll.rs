//! One poll of one server: what it says about its tasks, worker and
//! health, read through the API crate's calls and decoders (as the
//! console's overview and inbox read them), every loop over pages bounded.
//!
//! Paperless-ngx 3 (API 10), per poll: the finished tasks since the last
//! poll (newest first, `finished_pages` pages at most), the status counts,
//! the oldest pending task and the pending count, the failure count and the
//! newest open failures, the per-type summary of the last day, and
//! `/api/status/` at most every `status_interval`. A 2.x server (API 9)
//! sends its whole list on the first request, and everything is counted
//! from that list. InvenTree: the overview (worker, queue sizes), the
//! newest failed tasks, the oldest of the pending queue, and `/api/` at
//! most every `status_interval` (versions).

use std::cell::RefCell;
use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset, Local, NaiveDateTime, TimeZone, Utc};
use taskdeck_api::inventree::{
    FailedOrder, FailedQuery, InvenTreeClient, PendingQuery, ScheduledQuery, ScheduledTask,
    SortDirection,
};
use taskdeck_api::paperless::{
    PaperlessApi, PaperlessClient, PaperlessTask, TaskOrderField, TaskOrdering, TaskQuery,
    TaskStatus,
};
use taskdeck_api::paperless_admin::{Health, health_report};
use taskdeck_api::time::ServerTime;
use taskdeck_api::{ApiError, ServerKind, Transport};

use crate::config::{PollSettings, ServerConfig, ServerTimeZone};

/// What one poll found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reading {
    pub api_version: Option<u32>,
    pub server_version: Option<String>,
    /// Tasks on the server by status, as they are now.
    pub statuses: Vec<(String, u64)>,
    /// Per task type (Paperless): API 10, the server's summary of the last
    /// day; API 9, counted over the whole list.
    pub types: Vec<TypeFigures>,
    pub worker_up: Option<bool>,
    /// The health checks, when they were read in this poll.
    pub checks: Option<Vec<Check>>,
    /// When the oldest task still waiting to run was queued; `None` when
    /// none waits.
    pub oldest_pending: Option<DateTime<Utc>>,
    /// Failures nobody dealt with yet (Paperless: not acknowledged;
    /// InvenTree: the failed queue).
    pub open_failures: Option<u64>,
    /// Tasks that finished, newest first (Paperless since the previous
    /// poll, give or take the overlap; InvenTree: its newest failures).
    pub finished: Vec<Finished>,
    /// The newest open failures, with their error text.
    pub failures: Vec<Failure>,
    /// What could not be read, where the poll still counts.
    pub notes: Vec<String>,
    /// The newest time a task was seen to finish (Paperless: succeeded or
    /// failed; InvenTree, which lists no finished tasks: a schedule's last
    /// run), for stall detection.
    pub newest_completion: Option<DateTime<Utc>>,
    /// InvenTree: schedules overdue by more than one period.
    pub overdue: Vec<Overdue>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Overdue {
    pub name: String,
    pub late_seconds: i64,
}

/// A failure's cause, as `taskdeck-triage` groups failures: its task and
/// the first meaningful line of its message with what changes from row to
/// row masked. `key` is short and stable (a hash of the signature), so it
/// can name the group in the history and in alert subjects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cause {
    pub key: String,
    pub label: String,
}

impl Cause {
    pub fn of(signature: &taskdeck_triage::Signature) -> Cause {
        // FNV-1a over the signature's parts: stable across versions and
        // platforms (std's hashers promise neither).
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let kind = match signature.kind() {
            ServerKind::Paperless => "paperless",
            ServerKind::InvenTree => "inventree",
        };
        for part in [kind, signature.source.task(), &signature.message] {
            for byte in part.bytes().chain([0]) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        Cause {
            key: format!("{hash:016x}"),
            label: signature.to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeFigures {
    pub task_type: String,
    pub total: u64,
    pub pending: u64,
    pub success: u64,
    pub failure: u64,
    pub avg_duration: Option<f64>,
    pub avg_wait: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub name: String,
    /// `ok`, `warning`, `error`, `disabled` or `unknown`.
    pub health: &'static str,
    pub detail: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Finished {
    /// The server's id of the task.
    pub task: String,
    pub task_type: String,
    /// `success`, `failure` or `revoked`.
    pub status: String,
    pub done_at: DateTime<Utc>,
    pub duration: Option<f64>,
    pub wait: Option<f64>,
    /// For failures: the error as the server gave it.
    pub error: Option<String>,
    /// For failures: their cause.
    pub cause: Option<Cause>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub task: String,
    pub task_type: String,
    pub failed_at: Option<DateTime<Utc>>,
    /// The error as the server gave it (message and traceback).
    pub error: String,
    pub cause: Cause,
}

/// Finished tasks this close to the previous newest are read again: the
/// server's `date_done` order has ties, and a task may be written late.
pub const FINISHED_OVERLAP_SECONDS: i64 = 300;

/// Error text kept per failure (tracebacks can be long).
const MAX_ERROR_CHARS: usize = 16 * 1024;

/// Rows of InvenTree's pending queue looked at for the oldest (the server
/// lists it by id, oldest first, and ignores ordering there).
const PENDING_READ: u32 = 100;

/// InvenTree schedules read (one page; a server has a few dozen).
const SCHEDULES_READ: u32 = 500;

fn health_word(h: Health) -> &'static str {
    match h {
        Health::Ok => "ok",
        Health::Warning => "warning",
        Health::Error => "error",
        Health::Disabled => "disabled",
        Health::Unknown => "unknown",
    }
}

/// Paperless's check for its Celery worker, which the worker rule watches.
pub const WORKER_CHECK: &str = "Celery worker";

fn clip(text: &str) -> String {
    if text.len() <= MAX_ERROR_CHARS {
        return text.to_string();
    }
    let mut end = MAX_ERROR_CHARS;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

enum Client {
    Paperless(PaperlessClient),
    InvenTree(InvenTreeClient),
}

/// What is read less often than every poll, kept between polls.
#[derive(Default)]
struct Slow {
    read_at: Option<DateTime<Utc>>,
    server_version: Option<String>,
    api_version: Option<u32>,
    worker_up: Option<bool>,
    /// InvenTree's schedules (their last runs and what is overdue).
    schedules: Vec<ScheduledTask>,
}

/// Polls one server; keeps the client (and the API version it settled on)
/// between polls.
pub struct ServerPoller {
    pub server: ServerConfig,
    client: Client,
    slow: RefCell<Slow>,
}

impl ServerPoller {
    pub fn new(server: ServerConfig) -> ServerPoller {
        let client = match server.kind {
            ServerKind::Paperless => Client::Paperless(PaperlessClient::new(
                server.url.clone(),
                Some(server.token.clone()),
            )),
            ServerKind::InvenTree => Client::InvenTree(InvenTreeClient::new(
                server.url.clone(),
                Some(server.token.clone()),
            )),
        };
        ServerPoller {
            server,
            client,
            slow: RefCell::new(Slow::default()),
        }
    }

    fn slow_due(&self, now: DateTime<Utc>, settings: &PollSettings) -> bool {
        let every = Duration::from_std(settings.status_interval).unwrap_or(Duration::seconds(60));
        self.slow
            .borrow()
            .read_at
            .is_none_or(|at| now - at >= every)
    }

    /// `newest_done`: the newest finish time recorded in earlier polls.
    pub async fn poll(
        &self,
        transport: &dyn Transport,
        now: DateTime<Utc>,
        newest_done: Option<DateTime<Utc>>,
        settings: &PollSettings,
    ) -> Result<Reading, ApiError> {
        match &self.client {
            Client::Paperless(client) => {
                self.poll_paperless(client, transport, now, newest_done, settings)
                    .await
            }
            Client::InvenTree(client) => {
                self.poll_inventree(client, transport, now, settings).await
            }
        }
    }

    async fn poll_paperless(
        &self,
        client: &PaperlessClient,
        t: &dyn Transport,
        now: DateTime<Utc>,
        newest_done: Option<DateTime<Utc>>,
        settings: &PollSettings,
    ) -> Result<Reading, ApiError> {
        let since = newest_done.map(|d| d - Duration::seconds(FINISHED_OVERLAP_SECONDS));
        let finished_query = |page: u32| TaskQuery {
            is_complete: Some(true),
            ordering: Some(TaskOrdering {
                field: TaskOrderField::DateDone,
                descending: true,
            }),
            page: Some(page),
            page_size: Some(settings.finished_page),
            ..TaskQuery::default()
        };
        // The first request settles the version: a 2.x server answers it
        // with its whole list, whatever was asked.
        let first = client.list_tasks(t, &finished_query(1)).await?;
        let mut reading = if client.api() == PaperlessApi::V9 {
            paperless_v9(first.items, since, now, settings)
        } else {
            let mut finished: Vec<Finished> = Vec::new();
            let mut newest = None;
            let mut gap = false;
            let mut page = first;
            for number in 1..=settings.finished_pages {
                let full = page.items.len() as u32 >= settings.finished_page;
                let reached = page
                    .items
                    .last()
                    .and_then(|t| t.done)
                    .is_some_and(|done| since.is_some_and(|s| done < s));
                finished.extend(page.items.iter().filter_map(finished_of));
                if number == 1 {
                    newest = newest_completion(&page.items);
                }
                if !full || reached {
                    break;
                }
                if number == settings.finished_pages {
                    gap = true;
                    break;
                }
                page = client.list_tasks(t, &finished_query(number + 1)).await?;
            }
            finished.retain(|f| since.is_none_or(|s| f.done_at >= s));
            let mut reading = self.paperless_v10(client, t, finished, settings).await?;
            reading.newest_completion = newest;
            if gap && since.is_some() {
                reading.notes.push(format!(
                    "more than {} tasks finished since the previous poll: the older ones \
                     were not read (poll more often, or raise finished_pages)",
                    settings.finished_page * settings.finished_pages
                ));
            }
            reading
        };
        reading.api_version = Some(client.api().number());
        if self.slow_due(now, settings) {
            match client.status(t).await {
                Ok(body) => match health_report(&body, &client.status_call().request, now) {
                    Ok(report) => {
                        let checks: Vec<Check> = report
                            .checks
                            .iter()
                            .map(|c| Check {
                                name: c.name.to_string(),
                                health: health_word(c.health),
                                detail: c.detail.clone(),
                            })
                            .collect();
                        let mut slow = self.slow.borrow_mut();
                        slow.read_at = Some(now);
                        slow.server_version = report.version.clone();
                        slow.worker_up = report
                            .checks
                            .iter()
                            .find(|c| c.name == WORKER_CHECK)
                            .and_then(|c| match c.health {
                                Health::Ok => Some(true),
                                Health::Error => Some(false),
                                _ => None,
                            });
                        reading.checks = Some(checks);
                    }
                    Err(e) => reading.notes.push(format!("health: {e}")),
                },
                Err(e) => {
                    // Kept from asking every poll: the answer will not change soon.
                    self.slow.borrow_mut().read_at = Some(now);
                    reading.notes.push(match e {
                        ApiError::Forbidden { .. } | ApiError::NotJson { .. } => {
                            "health checks and the worker need a superuser's or staff \
                             member's token (/api/status/ refused)"
                                .to_string()
                        }
                        other => format!("health: {other}"),
                    });
                }
            }
        }
        let slow = self.slow.borrow();
        reading.server_version = slow.server_version.clone();
        reading.worker_up = slow.worker_up;
        Ok(reading)
    }

    async fn paperless_v10(
        &self,
        client: &PaperlessClient,
        t: &dyn Transport,
        finished: Vec<Finished>,
        settings: &PollSettings,
    ) -> Result<Reading, ApiError> {
        let counts = client.status_counts(t, &TaskQuery::default()).await?;
        let pending = client.list_tasks(t, &TaskQuery::oldest_pending()).await?;
        let failed_total = client
            .list_tasks(
                t,
                &TaskQuery {
                    status: vec![TaskStatus::Failure],
                    page_size: Some(1),
                    ..TaskQuery::default()
                },
            )
            .await?
            .count;
        let open = client
            .list_tasks(
                t,
                &TaskQuery {
                    status: vec![TaskStatus::Failure],
                    acknowledged: Some(false),
                    ordering: Some(TaskOrdering {
                        field: TaskOrderField::DateCreated,
                        descending: true,
                    }),
                    page_size: Some(settings.failures_read),
                    ..TaskQuery::default()
                },
            )
            .await?;
        let mut reading = Reading {
            // The counts come from separate answers; a task that moved in
            // between must not make a count negative.
            statuses: vec![
                ("pending".into(), pending.count),
                (
                    "started".into(),
                    counts.in_progress.saturating_sub(pending.count),
                ),
                ("success".into(), counts.completed),
                ("failure".into(), failed_total),
                (
                    "revoked".into(),
                    counts.needs_attention.saturating_sub(failed_total),
                ),
            ],
            oldest_pending: pending.items.first().and_then(|t| t.created),
            open_failures: Some(open.count),
            failures: open.items.iter().filter_map(failure_of).collect(),
            finished,
            ..Reading::default()
        };
        match client.summary(t, 1).await {
            Ok(rows) => {
                reading.types = rows
                    .into_iter()
                    .map(|r| TypeFigures {
                        task_type: r.task_type.as_wire().to_string(),
                        total: r.total_count,
                        pending: r.pending_count,
                        success: r.success_count,
                        failure: r.failure_count,
                        avg_duration: r.avg_duration_seconds,
                        avg_wait: r.avg_wait_time_seconds,
                    })
                    .collect();
            }
            Err(e) => reading.notes.push(format!("summary: {e}")),
        }
        Ok(reading)
    }

    async fn poll_inventree(
        &self,
        client: &InvenTreeClient,
        t: &dyn Transport,
        now: DateTime<Utc>,
        settings: &PollSettings,
    ) -> Result<Reading, ApiError> {
        let overview = client.overview_call().send(t).await?;
        let failed = client
            .failed_call(&FailedQuery {
                limit: settings.failures_read,
                ordering: Some((FailedOrder::Stopped, SortDirection::Descending)),
                ..FailedQuery::default()
            })
            .send(t)
            .await?;
        let zone = self.server.server_time;
        let oldest_pending = if overview.pending_tasks > 0 {
            let pending = client
                .pending_call(&PendingQuery {
                    limit: PENDING_READ,
                    offset: 0,
                })
                .send(t)
                .await?;
            // A lock in the future is a task a worker holds or one waiting
            // to be retried, not one waiting since then.
            pending
                .items
                .iter()
                .filter_map(|p| p.lock.and_then(|l| server_time_utc(l, zone)))
                .filter(|at| *at <= now)
                .min()
        } else {
            None
        };
        let mut reading = Reading {
            statuses: vec![
                ("pending".into(), overview.pending_tasks),
                ("scheduled".into(), overview.scheduled_tasks),
                ("failed".into(), overview.failed_tasks),
            ],
            worker_up: Some(overview.is_running),
            oldest_pending,
            open_failures: Some(failed.count),
            ..Reading::default()
        };
        for task in &failed.items {
            let failed_at = task.stopped.and_then(|s| server_time_utc(s, zone));
            let task_type = task
                .func
                .clone()
                .unwrap_or_else(|| "(unknown function)".into());
            // The signature does not depend on the row's time.
            let cause = Cause::of(
                &taskdeck_triage::Failure::from_inventree(
                    &self.server.id,
                    task,
                    FixedOffset::east_opt(0).expect("UTC"),
                )
                .signature,
            );
            reading.failures.push(Failure {
                task: task.pk.clone(),
                task_type: task_type.clone(),
                failed_at,
                error: clip(task.result.as_deref().unwrap_or("")),
                cause: cause.clone(),
            });
            if let Some(done_at) = failed_at {
                reading.finished.push(Finished {
                    task: task.pk.clone(),
                    task_type,
                    status: "failure".into(),
                    done_at,
                    duration: task
                        .duration()
                        .map(|d| d.num_milliseconds() as f64 / 1000.0),
                    wait: None,
                    error: Some(clip(task.result.as_deref().unwrap_or(""))),
                    cause: Some(cause),
                });
            }
        }
        if self.slow_due(now, settings) {
            match client.api_root_call().send(t).await {
                Ok(root) => {
                    let mut slow = self.slow.borrow_mut();
                    slow.read_at = Some(now);
                    slow.server_version = root.version;
                    slow.api_version = Some(root.api_version);
                }
                Err(e) => {
                    self.slow.borrow_mut().read_at = Some(now);
                    reading.notes.push(format!("version: {e}"));
                }
            }
            // One page: a server has a few dozen schedules.
            let query = ScheduledQuery {
                limit: SCHEDULES_READ,
                ..ScheduledQuery::default()
            };
            match client.scheduled_call(&query).send(t).await {
                Ok(page) => self.slow.borrow_mut().schedules = page.items,
                Err(e) => reading.notes.push(format!("schedules: {e}")),
            }
        }
        {
            // InvenTree lists no finished tasks: a schedule's last run is
            // the nearest sign that the cluster finishes work, and one
            // overdue by more than its period a sign that it does not.
            let slow = self.slow.borrow();
            let offset = match zone {
                ServerTimeZone::Fixed(seconds) => FixedOffset::east_opt(seconds),
                ServerTimeZone::Local => Some(*Local::now().offset()),
            }
            .unwrap_or(FixedOffset::east_opt(0).expect("UTC"));
            let look = taskdeck_triage::Observation::inventree(
                now,
                reading.worker_up,
                overview.pending_tasks,
                &[],
                &slow.schedules,
                offset,
            );
            reading.newest_completion = look.newest_completion;
            reading.overdue = look
                .overdue
                .into_iter()
                .map(|o| Overdue {
                    name: o.name,
                    late_seconds: o.late.num_seconds(),
                })
                .collect();
        }
        let slow = self.slow.borrow();
        reading.server_version = slow.server_version.clone();
        reading.api_version = slow.api_version;
        Ok(reading)
    }
}

/// InvenTree's zone-less time in UTC, read in the zone configured for it.
pub fn server_time_utc(time: ServerTime, zone: ServerTimeZone) -> Option<DateTime<Utc>> {
    let naive: NaiveDateTime = time.0;
    match zone {
        ServerTimeZone::Local => Local
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.with_timezone(&Utc)),
        ServerTimeZone::Fixed(seconds) => FixedOffset::east_opt(seconds)?
            .from_local_datetime(&naive)
            .single()
            .map(|t| t.with_timezone(&Utc)),
    }
}

fn finished_of(task: &PaperlessTask) -> Option<Finished> {
    let status = match task.status {
        TaskStatus::Success | TaskStatus::Failure | TaskStatus::Revoked => task.status.as_wire(),
        _ => return None,
    };
    let failure = failure_of(task);
    Some(Finished {
        task: task.id.to_string(),
        task_type: task.task_type.as_wire().to_string(),
        status: status.to_string(),
        done_at: task.done.or(task.created)?,
        duration: task.duration_seconds,
        wait: task.wait_time_seconds,
        cause: failure.as_ref().map(|f| f.cause.clone()),
        error: failure.map(|f| f.error),
    })
}

/// The newest time a task succeeded or failed among `tasks`.
fn newest_completion(tasks: &[PaperlessTask]) -> Option<DateTime<Utc>> {
    tasks
        .iter()
        .filter(|t| matches!(t.status, TaskStatus::Success | TaskStatus::Failure))
        .filter_map(|t| t.done)
        .max()
}

fn failure_of(task: &PaperlessTask) -> Option<Failure> {
    // Only a failed task has a triage failure (and so a cause).
    let triaged = taskdeck_triage::Failure::from_paperless("", task)?;
    let error = match (&task.error_type, &task.result_message, &task.traceback) {
        (_, Some(message), Some(traceback)) if !traceback.contains(message.as_str()) => {
            format!("{message}\n{traceback}")
        }
        (_, _, Some(traceback)) => traceback.clone(),
        (Some(kind), Some(message), None) => format!("{kind}: {message}"),
        (_, Some(message), None) => message.clone(),
        (Some(kind), None, None) => kind.clone(),
        (None, None, None) => String::new(),
    };
    Some(Failure {
        task: task.id.to_string(),
        task_type: task.task_type.as_wire().to_string(),
        failed_at: task.done.or(task.created),
        error: clip(&error),
        cause: Cause::of(&triaged.signature),
    })
}

/// A 2.x server's whole list, counted here.
fn paperless_v9(
    tasks: Vec<PaperlessTask>,
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    settings: &PollSettings,
) -> Reading {
    let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
    let mut types: BTreeMap<String, TypeFigures> = BTreeMap::new();
    let mut oldest_pending: Option<DateTime<Utc>> = None;
    let mut open: Vec<&PaperlessTask> = Vec::new();
    let mut finished: Vec<Finished> = Vec::new();
    for task in &tasks {
        *statuses
            .entry(task.status.as_wire().to_string())
            .or_default() += 1;
        let kind = task.task_type.as_wire().to_string();
        let figures = types.entry(kind.clone()).or_insert_with(|| TypeFigures {
            task_type: kind,
            total: 0,
            pending: 0,
            success: 0,
            failure: 0,
            avg_duration: None,
            avg_wait: None,
        });
        figures.total += 1;
        match task.status {
            TaskStatus::Pending => {
                figures.pending += 1;
                if let Some(created) = task.created {
                    oldest_pending = Some(oldest_pending.map_or(created, |o| o.min(created)));
                }
            }
            TaskStatus::Success => figures.success += 1,
            TaskStatus::Failure => {
                figures.failure += 1;
                if !task.acknowledged {
                    open.push(task);
                }
            }
            _ => {}
        }
        if let Some(f) = finished_of(task)
            && since.is_none_or(|s| f.done_at >= s)
            && f.done_at <= now + Duration::minutes(5)
        {
            finished.push(f);
        }
    }
    finished.sort_by_key(|f| std::cmp::Reverse(f.done_at));
    finished.truncate((settings.finished_page * settings.finished_pages) as usize);
    open.sort_by_key(|t| std::cmp::Reverse(t.created));
    let open_count = open.len() as u64;
    Reading {
        newest_completion: newest_completion(&tasks),
        statuses: statuses.into_iter().collect(),
        types: types.into_values().collect(),
        oldest_pending,
        open_failures: Some(open_count),
        failures: open
            .into_iter()
            .take(settings.failures_read as usize)
            .filter_map(failure_of)
            .collect(),
        finished,
        ..Reading::default()
    }
}
