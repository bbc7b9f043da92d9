//! One file per screen.

pub mod actions;
pub mod attention;
pub mod connections;
pub mod failures;
pub mod health;
pub mod inventree;
pub mod overview;
pub mod paperless;
pub mod trends;

use crate::location::Link;
use leptos::prelude::*;

use crate::components::feedback::EmptyState;
use crate::context::Connections;
use crate::state::connections::{Connection, ServerKind};

/// Renders `children` with the connection named in the URL, or says why not.
#[component]
pub fn ConnectionGate<F, V>(id: String, kind: ServerKind, children: F) -> impl IntoView
where
    F: Fn(Connection) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let connections = expect_context::<Connections>();
    let found = Memo::new(move |_| connections.find(&id));
    move || match found.get() {
        Some(c) if c.kind == kind && c.has_token() => children(c).into_any(),
        Some(c) if c.kind == kind => view! {
            <EmptyState
                title=format!("{} needs a token", c.name)
                detail=token_missing_reason(connections)
            >
                <Link href="/connections">"Open connections"</Link>
            </EmptyState>
        }
        .into_any(),
        Some(c) => view! {
            <EmptyState title=format!("{} is not a {} server", c.name, kind.label()) />
        }
        .into_any(),
        None if !connections.ready.get() => view! { <p class="muted">"Loading…"</p> }.into_any(),
        None => view! {
            <EmptyState title="No such connection" detail="It may have been removed.">
                <Link href="/connections">"Open connections"</Link>
            </EmptyState>
        }
        .into_any(),
    }
}

/// Why a saved connection has no token, in this environment's terms.
fn token_missing_reason(connections: Connections) -> String {
    match connections.token_store.get_untracked() {
        Some(store) => format!(
            "{} Also, a token is dropped when the connection's address is changed. Enter it again \
             under Connections to continue.",
            store.describe()
        ),
        None if crate::ipc::in_desktop_app() => {
            "Enter the token under Connections to continue.".into()
        }
        None => "Tokens are kept for this browser session only, unless “remember” was ticked, \
                 and are dropped when the connection's address is changed. Enter it again to \
                 continue."
            .into(),
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <EmptyState title="Page not found">
            <Link href="/">"Go to the overview"</Link>
        </EmptyState>
    }
}
