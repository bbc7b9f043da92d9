//! Export of every row the current filters and sort match, not only the
//! page shown: the list is read page by page through its own source (the
//! server pages, or the local view of a server that sends everything),
//! with a count and a cancel button, then saved as CSV or JSON: a download
//! in the browser, the native save dialog in the desktop app.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use leptos::prelude::*;

use super::{Params, RowRef, RowSource, with_param};
use crate::api::ApiError;
use crate::api::ipc::{self, SaveExportArgs};
use crate::components::feedback::{ToastKind, Toasts};
use crate::components::selection::plural;
use crate::engine::walk::{Bounds, Flow, PageRead, walk};
use crate::state::export::{Table, file_name, left_out_note, to_csv, to_json};
use crate::web;

/// Rows per request while exporting (the largest page the lists offer).
const EXPORT_PAGE: u32 = 500;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Format {
    Csv,
    Json,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

/// No export reads past this many rows (two million): a bound on a
/// server whose pages never end, not a limit a real list reaches.
const EXPORT_MAX_ROWS: u64 = 2_000_000;

/// Every row `query` matches, in its order, each once (every page read
/// through the engine's bounded walk). `progress` is told how many are in
/// and how many match; `cancelled` is looked at between pages.
async fn collect(
    source: Rc<dyn RowSource>,
    query: Params,
    progress: impl Fn(usize, u64),
    cancelled: Arc<AtomicBool>,
) -> Result<Option<Vec<RowRef>>, ApiError> {
    let mut query = with_param(query, "size", Some(EXPORT_PAGE.to_string()));
    query.retain(|(k, _)| k != "task");
    let mut rows: Vec<RowRef> = Vec::new();
    let total = Rc::new(Cell::new(0u64));
    let walked = walk(
        "the list",
        Bounds::for_rows(EXPORT_MAX_ROWS, EXPORT_PAGE),
        |page| {
            let query = with_param(query.clone(), "page", Some(page.to_string()));
            let (source, cancelled, total) = (source.clone(), cancelled.clone(), total.clone());
            async move {
                if cancelled.load(Ordering::Relaxed) {
                    return Ok(PageRead {
                        rows: vec![],
                        total: 0,
                    });
                }
                let got = source.list(&query, page == 1).await?;
                // Past the end, a list serves its last page again: the end.
                let past_the_end = got.page.is_some_and(|p| p < page);
                total.set(got.total);
                Ok(PageRead {
                    rows: if past_the_end { vec![] } else { got.rows },
                    total: got.total,
                })
            }
        },
        // Rows that moved between pages while reading are taken once.
        |r: &RowRef| r.key(),
        |page| {
            rows.extend(page);
            progress(rows.len(), total.get());
            Flow::More
        },
    )
    .await;
    walked?;
    // Cancelled while a page was on its way: nothing is saved.
    Ok((!cancelled.load(Ordering::Relaxed)).then_some(rows))
}

/// Exports every row the list's current query matches. The work belongs to
/// the app: its progress and Cancel are a message that stays whatever
/// screen the user goes to, and it ends in a file and a message, never in
/// the screen that started it.
fn start_export(
    source: Rc<dyn RowSource>,
    query: Params,
    format: Format,
    file: ExportName,
    noun: &'static str,
    toasts: Toasts,
) {
    let cancelled = Arc::new(AtomicBool::new(false));
    let progress = toasts.progress(
        format!(
            "Exporting {noun}s as {}…",
            format.extension().to_uppercase()
        ),
        Some(cancelled.clone()),
    );
    leptos::task::spawn_local(async move {
        let found = collect(
            source,
            query,
            |n, total| progress.update(format!("Exporting {n} of {total}…")),
            cancelled,
        )
        .await;
        let rows = match found {
            Ok(Some(rows)) => rows,
            Ok(None) => {
                return progress.finish(ToastKind::Info, "Export cancelled: nothing was saved.");
            }
            Err(e) => return progress.finish(ToastKind::Error, format!("Export failed: {e}")),
        };
        let records: Vec<Vec<(&'static str, String)>> = rows
            .iter()
            .map(|r| r.export())
            .filter(|r| !r.is_empty())
            .collect();
        let left_out = rows.len() - records.len();
        let table = Table::from_records(&records);
        let (content, mime) = match format {
            Format::Csv => (to_csv(&table), "text/csv;charset=utf-8"),
            Format::Json => (to_json(&table), "application/json"),
        };
        let date = web::now().format("%Y-%m-%d").to_string();
        let name = file_name(&file.server, &file.list, &date, format.extension());
        let saved = if crate::ipc::in_desktop_app() {
            let args = SaveExportArgs {
                file_name: name.clone(),
                content,
            };
            match crate::ipc::desktop::<_, Option<String>>(ipc::SAVE_EXPORT, &args).await {
                Ok(Some(path)) => Ok(path),
                Ok(None) => {
                    return progress
                        .finish(ToastKind::Info, "Export not saved: no place was chosen.");
                }
                Err(e) => Err(e),
            }
        } else {
            web::download(&name, mime, &content).map(|()| name)
        };
        match saved {
            Ok(place) => progress.finish(
                ToastKind::Success,
                format!(
                    "Exported {} to {place}{}",
                    plural(records.len(), noun),
                    left_out_note(left_out)
                ),
            ),
            Err(e) => progress.finish(ToastKind::Error, e),
        }
    });
}

/// What an export file is named after.
struct ExportName {
    server: String,
    list: String,
}

#[component]
pub fn ExportButtons(
    source: StoredValue<Rc<dyn RowSource>, LocalStorage>,
    #[prop(into)] query: Signal<Params>,
    /// The server and the list, for the file name.
    server: String,
    list: Signal<String>,
    noun: &'static str,
) -> impl IntoView {
    let toasts = expect_context::<Toasts>();
    let server = StoredValue::new(server);
    let run = move |format: Format| {
        let file = ExportName {
            server: server.get_value(),
            list: list.get_untracked(),
        };
        start_export(
            source.get_value(),
            query.get_untracked(),
            format,
            file,
            noun,
            toasts,
        );
    };
    view! {
        <span class="export" data-testid="export">
            <button
                class="btn"
                data-testid="export-csv"
                title="Every matching row, as CSV"
                on:click=move |_| run(Format::Csv)
            >"Export CSV"</button>
            <button
                class="btn"
                data-testid="export-json"
                title="Every matching row, as JSON"
                on:click=move |_| run(Format::Json)
            >"JSON"</button>
        </span>
    }
}
