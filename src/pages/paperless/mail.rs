//! Mail: each account with "fetch now", and the processed-mail record on
//! the shared table screen, failed mail first, where chosen mail can be
//! released for re-import.

use std::rc::Rc;

use crate::location::use_location;
use leptos::prelude::*;

use super::fetch::FetchButton;
use super::mail_source::{MailSource, status_of};
use crate::api::paperless_mail::{MailAccount, MailStatus};
use crate::api::{ApiError, Page};
use crate::components::choice::ChoiceSelect;
use crate::components::loader::Loader;
use crate::components::url_view::UrlView;
use crate::context::Connections;
use crate::pages::ConnectionGate;
use crate::reactive::effect;
use crate::runs::Runs;
use crate::state::connections::{Connection, ServerKind};
use crate::table::screen::sorted_params;
use crate::table::{TableScreen, to_query_string, with_param};

#[component]
pub fn MailPage(connection: String) -> impl IntoView {
    view! {
        <ConnectionGate id=connection kind=ServerKind::Paperless let:connection>
            <Mail connection />
        </ConnectionGate>
    }
}

#[component]
fn Accounts(connection_id: String, accounts: Loader<Page<MailAccount>>) -> impl IntoView {
    move || {
        match (accounts.data.get(), accounts.error.get()) {
        (_, Some(ApiError::Forbidden { .. })) => view! {
            <p class="muted" data-testid="mail-accounts">
                "This account may not read mail accounts (Paperless needs the mail permissions)."
            </p>
        }
        .into_any(),
        (Some(page), _) => view! {
            <ul class="account-list" data-testid="mail-accounts" aria-label="Mail accounts">
                {page.items.into_iter().map(|a| view! {
                    <li class="account-row" data-account=a.id.to_string()>
                        <strong>{a.name.clone()}</strong>
                        <span class="muted small" data-testid="account-address">{a.username.clone().unwrap_or_default()} {a.address().map(|s| format!(" · {s}"))}</span>
                        <FetchButton connection_id=connection_id.clone() account=a.id label="Fetch now" />
                    </li>
                }).collect_view()}
            </ul>
        }
        .into_any(),
        (None, _) => ().into_any(),
    }
    }
}

#[component]
fn Mail(connection: Connection) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let runs = expect_context::<Runs>();
    let client = connections.paperless(&connection);
    let for_fetches = client.clone();
    let accounts = Loader::<Page<MailAccount>>::new();
    let stored = StoredValue::new_local(client.clone());
    let load_accounts = move || {
        let client = stored.get_value();
        accounts.run(async move {
            client
                .mail_accounts_call()
                .send(crate::transport::current())
                .await
        });
    };
    effect(load_accounts);
    // Runs after the release, whether or not this screen is still open:
    // app-level runs and plain data only.
    let connection_id = connection.id.clone();
    let source = MailSource::new(client, move |released| {
        for account in released {
            runs.fetch_mail(&connection_id, for_fetches.clone(), account);
        }
    });

    let query = use_location().query;
    let url = UrlView::new();
    let statuses: Vec<(String, String)> = [
        MailStatus::Failed,
        MailStatus::Success,
        MailStatus::NothingConsumed,
    ]
    .iter()
    .map(|s| (s.as_wire().to_string(), s.label().to_string()))
    .chain([("all".to_string(), "All".to_string())])
    .collect();
    let filters = move || {
        view! {
            <ChoiceSelect
                label="Status "
                testid="filter-mail-status"
                options=statuses.clone()
                selected=Signal::derive(move || {
                    status_of(&sorted_params(&query.read())).map_or("all".to_string(), |s| s.as_wire().to_string())
                })
                on_pick=move |value: String| {
                    let p = with_param(sorted_params(&query.read_untracked()), "status", Some(value));
                    url.push(to_query_string(&with_param(p, "page", None)));
                }
            />
        }
    };
    let connection_id = connection.id.clone();
    let above = move || {
        view! {
            <section class="panel" aria-labelledby="accounts-title">
                <h2 id="accounts-title" class="panel-title">"Accounts"</h2>
                <p class="muted small">
                    "A fetch imports every new mail of the account's rules, including mail released below."
                </p>
                <Accounts connection_id=connection_id.clone() accounts />
            </section>
        }
    };
    let name = connection.name.clone();
    view! {
        <TableScreen
            source=Rc::new(source)
            kind=ServerKind::Paperless
            title="Mail"
            subtitle=move || format!("{name} · Paperless-ngx · processed mail")
            above=above
            filters=filters
            on_reload=Callback::new(move |_| load_accounts())
            connection=connection.id.clone()
        />
    }
}
