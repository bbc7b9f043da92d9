//! Export of every row the current filters and sort match, not only the
//! page shown: the list is read page by page through its own source (the
//! server pages, or the local view of a server that sends everything),
//! with a count and a cancel button, then saved as CSV or JSON: a download
//! in the browser, the native save dialog in the desktop app.

use std::cell::Cell;
use std::collections::HashSet;
use std::rc::Rc;

use leptos::prelude::*;

use super::{Params, RowRef, RowSource, with_param};
use crate::api::ApiError;
use crate::api::ipc::{self, SaveExportArgs};
use crate::components::feedback::{ToastKind, Toasts};
use crate::components::selection::plural;
use crate::state::export::{Table, file_name, to_csv, to_json};
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

/// Every row `query` matches, in its order, each once. `progress` is told
/// how many are in and how many match; `cancelled` is looked at between pages.
async fn collect(
    source: Rc<dyn RowSource>,
    query: Params,
    progress: impl Fn(usize, u64),
    cancelled: Rc<Cell<bool>>,
) -> Result<Option<Vec<RowRef>>, ApiError> {
    let mut query = with_param(query, "size", Some(EXPORT_PAGE.to_string()));
    query.retain(|(k, _)| k != "task");
    let (mut rows, mut seen) = (Vec::new(), HashSet::new());
    for page in 1u32.. {
        if cancelled.get() {
            return Ok(None);
        }
        query = with_param(query, "page", Some(page.to_string()));
        let got = source.list(&query, page == 1).await?;
        // Rows that moved between pages while reading are taken once.
        rows.extend(got.rows.iter().filter(|r| seen.insert(r.key())).cloned());
        progress(rows.len(), got.total);
        let past_the_end = got.page.is_some_and(|p| p < page);
        if got.rows.is_empty() || past_the_end || u64::from(page * EXPORT_PAGE) >= got.total {
            break;
        }
    }
    // Cancelled while the last page was on its way: nothing is saved.
    Ok((!cancelled.get()).then_some(rows))
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
    let progress = RwSignal::new(None::<(usize, u64)>);
    let cancelled = StoredValue::new_local(Rc::new(Cell::new(false)));
    let server = StoredValue::new(server);
    let run = move |format: Format| {
        let server = server.get_value();
        if progress.get_untracked().is_some() {
            return;
        }
        let flag = Rc::new(Cell::new(false));
        cancelled.set_value(flag.clone());
        progress.set(Some((0, 0)));
        let (source, query, server) = (source.get_value(), query.get_untracked(), server.clone());
        leptos::task::spawn_local(async move {
            let found = collect(
                source,
                query,
                |n, total| progress.set(Some((n, total))),
                flag,
            )
            .await;
            progress.set(None);
            let rows = match found {
                Ok(Some(rows)) => rows,
                Ok(None) => {
                    return toasts.show(ToastKind::Info, "Export cancelled: nothing was saved.");
                }
                Err(e) => return toasts.show(ToastKind::Error, format!("Export failed: {e}")),
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
            let file = file_name(&server, &list.get_untracked(), &date, format.extension());
            let saved = if web::in_desktop_app() {
                let args = SaveExportArgs {
                    file_name: file.clone(),
                    content,
                };
                match web::desktop::<_, Option<String>>(ipc::SAVE_EXPORT, &args).await {
                    Ok(Some(path)) => Ok(path),
                    Ok(None) => {
                        return toasts
                            .show(ToastKind::Info, "Export not saved: no place was chosen.");
                    }
                    Err(e) => Err(e),
                }
            } else {
                web::download(&file, mime, &content).map(|()| file)
            };
            match saved {
                Ok(place) => toasts.show(
                    ToastKind::Success,
                    format!(
                        "Exported {} to {place}{}",
                        plural(records.len(), noun),
                        if left_out > 0 {
                            format!(
                                " ({} could not be read and were left out)",
                                plural(left_out, "row")
                            )
                        } else {
                            String::new()
                        }
                    ),
                ),
                Err(e) => toasts.show(ToastKind::Error, e),
            }
        });
    };
    view! {
        <span class="export" data-testid="export">
            {move || match progress.get() {
                Some((n, total)) => view! {
                    <span class="muted small" data-testid="export-progress" aria-live="polite">
                        {if total > 0 { format!("Exporting {n} of {total}…") } else { "Exporting…".to_string() }}
                    </span>
                    <button class="btn btn-small" data-testid="export-cancel" on:click=move |_| cancelled.with_value(|c| c.set(true))>
                        "Cancel"
                    </button>
                }.into_any(),
                None => view! {
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
                }.into_any(),
            }}
        </span>
    }
}
