//! InvenTree's lists beside the queues: schedule warnings and the error log.

use leptos::prelude::*;

use super::{errors, use_overview, warnings};
use crate::context::Connections;
use crate::pages::ConnectionGate;
use crate::state::connections::{Connection, ServerKind};
use crate::state::route::InvenTreeList;
use crate::table::TableScreen;

#[component]
pub fn InvenTreeListPage(connection: String, list: InvenTreeList) -> impl IntoView {
    view! {
        <ConnectionGate id=connection kind=ServerKind::InvenTree let:connection>
            <ListScreen connection list />
        </ConnectionGate>
    }
}

#[component]
fn ListScreen(connection: Connection, list: InvenTreeList) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let client = connections.inventree(&connection);
    let (overview, load_overview) = use_overview(&client);
    let (source, what) = match list {
        InvenTreeList::Warnings => (
            warnings::source(client),
            "scheduled tasks whose last run failed or that are overdue",
        ),
        InvenTreeList::Errors => (errors::source(client), "the server's error log"),
    };
    let above = move || {
        view! {
            {move || overview.data.get().filter(|o| !o.is_running).map(|_| view! {
                <div class="banner banner-warn" role="status" data-testid="worker-stopped">
                    <strong>"The background worker is not running."</strong>
                    " No scheduled task runs until it is started."
                </div>
            })}
            {(list == InvenTreeList::Warnings).then(|| view! {
                <p class="muted small">
                    "Schedule times carry no time zone, so “overdue” is judged against the latest run of any schedule on this server: a schedule is overdue when others ran more than one of its periods after it was due."
                </p>
            })}
        }
    };
    let name = connection.name.clone();
    let connection_id = connection.id.clone();
    view! {
        <TableScreen
            source
            kind=ServerKind::InvenTree
            title=list.label()
            subtitle=move || format!("{name} · InvenTree · {what}")
            above=above
            on_reload=Callback::new(move |_| load_overview())
            connection=connection_id
        />
    }
}
