//! "Fetch now" for one mail account, with the fetch's progress in place:
//! on the mail screen's accounts and in a failed mail task's details.

use leptos::prelude::*;

use crate::api::Page;
use crate::api::paperless_mail::MailAccount;
use crate::components::loader::Loader;
use crate::context::Connections;
use crate::runs::{RunKey, Runs};
use crate::state::runs::{describe, is_bad};

#[component]
pub fn FetchButton(
    connection_id: String,
    account: u64,
    #[prop(into)] label: String,
) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let runs = expect_context::<Runs>();
    let key = StoredValue::new(RunKey::Fetch(connection_id.clone(), account));
    let state = move || key.with_value(|k| runs.get(k));
    let busy = Signal::derive(move || state().is_some_and(|r| r.in_progress()));
    let start = move |_| {
        let Some(connection) = connections.find(&connection_id) else {
            return;
        };
        let client = connections.paperless(&connection);
        runs.fetch_mail(&connection.id, client, account);
    };
    view! {
        <span class="fetch">
            <button
                class="btn btn-small"
                data-testid="fetch-mail"
                data-account=account.to_string()
                disabled=busy
                on:click=start
            >
                {move || if busy.get() { "Fetching…".to_string() } else { label.clone() }}
            </button>
            " "
            <span
                class=move || match state() {
                    Some(ref r) if is_bad(r) => "run-state run-bad",
                    Some(ref r) if r.succeeded() => "run-state run-ok",
                    _ => "run-state",
                }
                data-testid="fetch-state"
                aria-live="polite"
            >
                {move || state().map(|r| describe(&r))}
            </span>
        </span>
    }
}

/// "Fetch now" for an account a task names by number: named as its account
/// list names it (read once), by number only where that cannot be read.
#[component]
pub fn FetchAgain(connection_id: String, account: u64) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let accounts = Loader::<Page<MailAccount>>::new();
    if let Some(connection) = connections.find_untracked(&connection_id) {
        let call = connections.paperless(&connection).mail_accounts_call();
        accounts.run(async move { call.send(crate::transport::current()).await });
    }
    move || {
        let name = accounts.data.with(|page| {
            page.as_ref()
                .and_then(|p| p.items.iter().find(|a| a.id == account))
                .map(|a| a.name.clone())
        });
        let label = match name {
            Some(name) => format!("Fetch “{name}” now"),
            None => format!("Fetch mail account #{account} now"),
        };
        view! { <FetchButton connection_id=connection_id.clone() account label /> }
    }
}
