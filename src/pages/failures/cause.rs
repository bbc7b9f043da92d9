//! The known cause of a failure, from the catalogue: the cause in one
//! sentence, what to do, and the console's own screen for it where there
//! is one. Shown in the details of a group and of every failed row.

use std::sync::Arc;

use leptos::prelude::*;
use taskdeck_triage::{Action, Entry, Failure, match_error};

use super::report::{ReportButton, ReportSubject};
use super::view_field;
use crate::components::drawer::{Field, field};

use crate::context::Connections;
use crate::location::Link;
use crate::pages::paperless::row::document_url;
use crate::state::route::{PaperlessList, Route};

/// The catalogue entry explaining a failure: matched on its exception,
/// its signature (a duplicate's is worded the same in every API version,
/// where API 10 sends no message at all) and its whole error text.
pub fn known_cause(failure: &Failure) -> Option<&'static Entry> {
    let text = format!(
        "{}\n{}\n{}",
        failure.exception.as_deref().unwrap_or(""),
        failure.signature.message,
        failure.text
    );
    match_error(failure.signature.kind(), &text)
}

/// The fields a failed row's details add: its known cause, and a report
/// to file upstream. `document`: the original a duplicate duplicates.
pub fn failure_fields(failure: Failure, document: Option<u64>) -> Vec<Field> {
    let entry = known_cause(&failure);
    let servers = vec![failure.row.connection.clone()];
    let kind = failure.signature.kind();
    let subject = ReportSubject::Row {
        kind,
        failure: Arc::new(failure),
    };
    vec![
        field(
            "Known cause",
            view_field(Arc::new(move || {
                view! { <KnownCause entry servers=servers.clone() document /> }.into_any()
            })),
        ),
        field(
            "Report",
            view_field(Arc::new(move || {
                view! { <ReportButton subject=subject.clone() /> }.into_any()
            })),
        ),
    ]
}

#[component]
pub fn KnownCause(
    entry: Option<&'static Entry>,
    /// The servers the failures are on (their screens are linked).
    servers: Vec<String>,
    /// The document a duplicate duplicates, for one row.
    document: Option<u64>,
) -> impl IntoView {
    let Some(entry) = entry else {
        return view! {
            <p class="muted" data-testid="known-cause" data-cause="">
                "No known cause in the catalogue matches this error."
            </p>
        }
        .into_any();
    };
    let connections = expect_context::<Connections>();
    let name = move |id: &str| {
        connections
            .find_untracked(id)
            .map_or_else(|| id.to_string(), |c| c.name)
    };
    let several = servers.len() > 1;
    // Each server's way to the cause: (address, words, whether it is a page
    // of the server itself rather than of the console).
    let way = move |id: &String| -> Option<(String, String, bool)> {
        let on = if several {
            format!(" on {}", name(id))
        } else {
            String::new()
        };
        Some(match entry.action? {
            Action::OpenOriginalDocument => {
                let base = connections.find_untracked(id)?.base_url;
                let doc = document?;
                (
                    document_url(&base, doc),
                    format!("Open the original, document #{doc}{on}"),
                    true,
                )
            }
            Action::OpenMailAccount => (
                Route::paperless_list(id, PaperlessList::Mail).path(),
                format!("Open the mail accounts{on} (correct it, then fetch now)"),
                false,
            ),
            Action::OpenHealth => (Route::health(id).path(), format!("Open Health{on}"), false),
            Action::OpenServerLogs => (
                Route::health(id).path(),
                format!("Open the server logs{on} (under Health)"),
                false,
            ),
        })
    };
    let ways: Vec<(String, String, bool, String)> = servers
        .iter()
        .filter_map(|id| way(id).map(|(href, text, external)| (href, text, external, id.clone())))
        .collect();
    let duplicate_elsewhere = entry.action == Some(Action::OpenOriginalDocument) && ways.is_empty();
    let actions = (!ways.is_empty()).then(|| {
        view! {
            <p class="cause-actions">
                {ways.into_iter().map(|(href, text, external, id)| if external {
                    view! { <a href=href target="_blank" rel="noopener noreferrer" data-connection=id data-testid="cause-action">{text}</a> }.into_any()
                } else {
                    view! { <Link href=href attr:data-testid="cause-action">{text}</Link> }.into_any()
                }).collect_view()}
            </p>
        }
    });
    view! {
        <div class="known-cause" data-testid="known-cause" data-cause=entry.id.clone()>
            <strong>{entry.title.clone()}</strong>
            <p>{entry.cause.clone()}</p>
            <p><span class="muted">"What to do: "</span>{entry.fix.clone()}</p>
            {actions}
            {duplicate_elsewhere.then(|| view! { <p class="muted">"Each row's details link its original."</p> })}
            <p class="muted small">{format!("Matched by {}.", entry.rule())}</p>
        </div>
    }
    .into_any()
}
