//! Adding, testing, editing and removing servers.

mod fields;
mod form;
mod probe;
mod watcher;

use crate::location::Link;
use leptos::prelude::*;

use crate::components::dialog::ConfirmDialog;
use crate::components::feedback::{ToastKind, Toasts};
use crate::context::{Connections, Settings};
use crate::state::connections::{Connection, ServerKind};
use crate::state::inventree_view::Queue;
use crate::state::refresh::RequestTimeout;
use crate::state::route::Route;
use form::{ConnectionForm, Form, Status};

#[component]
pub fn ConnectionsPage() -> impl IntoView {
    let connections = expect_context::<Connections>();
    let settings = expect_context::<Settings>();
    let toasts = expect_context::<Toasts>();
    let form = Form::new();
    let status = RwSignal::new(Status::None);
    let removing = RwSignal::new(None::<Connection>);

    view! {
        <section class="screen" aria-labelledby="screen-title">
            <header class="screen-head">
                <h1 id="screen-title" tabindex="-1">"Connections"</h1>
            </header>
            <label class="setting">
                "Wait for a server at most "
                <select
                    data-testid="request-timeout"
                    on:change=move |ev| settings.timeout.set(RequestTimeout::from_seconds(&event_target_value(&ev)))
                >
                    {RequestTimeout::ALL.iter().map(|t| {
                        let t = *t;
                        view! { <option value=t.seconds().to_string() selected=move || settings.timeout.get() == t>{format!("{} s", t.seconds())}</option> }
                    }).collect_view()}
                </select>
                " before saying it did not answer."
            </label>
            {move || connections.site.get().connections_note().map(|said| view! {
                <p class="banner banner-info" data-testid="site-config">{said}</p>
            })}
            {move || connections.token_store.get().map(|store| view! {
                <p class="banner banner-info" data-testid="token-store" data-store=store.label()>{store.describe()}</p>
            })}

            <div class="connection-list" data-testid="connection-list">
                {move || connections.list.get().into_iter().map(|c| {
                    let href = match c.kind {
                        ServerKind::Paperless => Route::paperless(&c.id),
                        ServerKind::InvenTree => Route::queue(&c.id, Queue::Pending),
                    }
                    .path();
                    let (edit_c, remove_c) = (c.clone(), c.clone());
                    view! {
                        <article class="connection" data-testid="connection" data-id=c.id.clone()>
                            <div>
                                <Link href=href><strong>{c.name.clone()}</strong></Link>
                                <p class="muted small">{format!("{} · {}", c.kind.label(), c.base_url)}</p>
                                {c.not_working.clone().map(|why| view! {
                                    <p class="small not-working" data-testid="connection-not-working">
                                        {format!("Not working: {why}. Edit it and test again to clear this.")}
                                    </p>
                                })}
                                <p class="small">{move || match (&c.token, c.remember, c.desktop_token) {
                                    (_, _, true) => connections
                                        .token_store
                                        .get()
                                        .map_or("Token kept by the desktop app.", |s| s.holds_token())
                                        .to_string(),
                                    (None, _, false) => "No token: edit to enter it.".into(),
                                    (Some(_), true, _) => "Token remembered in this browser.".into(),
                                    (Some(_), false, _) => "Token kept for this session only.".into(),
                                }}</p>
                            </div>
                            <div class="connection-actions">
                                <button class="btn" data-testid="edit-connection" on:click=move |_| { form.edit(&edit_c); status.set(None); }>"Edit"</button>
                                <button class="btn btn-danger" data-testid="remove-connection" on:click=move |_| removing.set(Some(remove_c.clone()))>"Remove"</button>
                            </div>
                        </article>
                    }
                }).collect_view()}
            </div>

            <ConnectionForm form status />

            <watcher::WatcherSettings />

            {move || removing.get().map(|c| {
                let id = c.id.clone();
                view! {
                    <ConfirmDialog
                        title=format!("Remove {}?", c.name)
                        confirm_label="Remove"
                        busy=false
                        on_confirm=move |_| {
                            let id = id.clone();
                            leptos::task::spawn_local(async move {
                                if let Err(e) = connections.remove(&id).await {
                                    toasts.show(ToastKind::Error, format!("Could not remove: {e}"));
                                }
                                removing.try_set(None);
                            });
                        }
                        on_cancel=move |_| removing.set(None)
                    >
                        <p>"Taskdeck forgets this server and its token. Nothing changes on the server."</p>
                    </ConfirmDialog>
                }
            })}
        </section>
    }
}
