//! Connections → Watcher. In a browser: the watcher this console reads
//! history from and posts its action log to (its address, and its HTTP
//! token when it has one, stored like a connection's), tested before it
//! is saved. In the desktop app: the app's own watcher, and whether
//! Taskdeck starts at login. In both: the name this console's user goes by
//! in the action log.

use leptos::prelude::*;

use crate::api::Secret;
use crate::api::ipc::{self, AutostartArgs, WatchStatus};
use crate::api::watcher::WatcherClient;
use crate::components::feedback::{ToastKind, Toasts};
use crate::components::form::{CheckField, TextField};
use crate::state::watcher_link::{WatcherLink, parse_address};
use crate::watching::Watching;

#[component]
pub fn WatcherSettings() -> impl IntoView {
    let watching = expect_context::<Watching>();
    let toasts = expect_context::<Toasts>();
    let who = RwSignal::new(watching.who.get_untracked());
    let save_who = move |_| {
        watching.set_who(&who.get_untracked());
        toasts.show(ToastKind::Success, "Saved the name for the action log.");
    };
    view! {
        <section class="watcher-settings" data-testid="watcher-settings" aria-labelledby="watcher-title">
            <h2 id="watcher-title">"History and the action log"</h2>
            <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); save_who(()); }>
                <TextField label="Your name in the action log" name="who" value=who autocomplete="name" placeholder="alice" />
                <button type="submit" class="btn" data-testid="save-who">"Save name"</button>
            </form>
            {if crate::ipc::in_desktop_app() {
                view! { <DesktopWatcher /> }.into_any()
            } else {
                view! { <WatcherLinkForm /> }.into_any()
            }}
        </section>
    }
}

#[component]
fn WatcherLinkForm() -> impl IntoView {
    let watching = expect_context::<Watching>();
    let toasts = expect_context::<Toasts>();
    let saved = watching.link.get_untracked();
    let address = RwSignal::new(
        saved
            .as_ref()
            .map(|l| l.url.to_string())
            .unwrap_or_default(),
    );
    let token = RwSignal::new(String::new());
    let remember = RwSignal::new(saved.as_ref().is_some_and(|l| l.remember));
    let status = RwSignal::new(None::<Result<String, String>>);
    let working = RwSignal::new(false);
    let test_and_save = move || {
        let url = match parse_address(&address.get_untracked()) {
            Ok(url) => url,
            Err(e) => {
                status.set(Some(Err(e)));
                return;
            }
        };
        // A blank token keeps the saved one, for the same address only.
        let typed = token.get_untracked();
        let kept = watching
            .link
            .get_untracked()
            .filter(|l| l.url == url)
            .and_then(|l| l.token);
        let secret = if typed.trim().is_empty() {
            kept
        } else {
            Some(Secret::new(typed.trim()))
        };
        let link = WatcherLink {
            url: url.clone(),
            token: secret.clone(),
            remember: remember.get_untracked(),
        };
        working.set(true);
        status.set(None);
        leptos::task::spawn_local(async move {
            let client = WatcherClient::new(url, secret);
            let answer = client.health_call().send(crate::transport::current()).await;
            working.try_set(false);
            match answer {
                Ok(health) => {
                    let names: Vec<String> =
                        health.servers.iter().map(|s| s.name.clone()).collect();
                    watching.save_link(Some(link));
                    token.try_set(String::new());
                    status.try_set(Some(Ok(format!(
                        "Connected: taskdeck-watch {} watching {} server(s){}.",
                        health.version,
                        names.len(),
                        if names.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", names.join(", "))
                        }
                    ))));
                }
                Err(e) => {
                    status.try_set(Some(Err(format!(
                        "Not saved: {e} (A watcher answers pages only from the origins in its \
                         [http] allowed_origins, and with a token configured, only with it.)"
                    ))));
                }
            }
        });
    };
    let forget = move |_| {
        watching.save_link(None);
        address.set(String::new());
        token.set(String::new());
        status.set(None);
        toasts.show(ToastKind::Success, "This console no longer uses a watcher.");
    };
    view! {
        <p class="muted small">
            "A watcher (taskdeck-watch) keeps every server's history while no console is open. Connected, Trends read its history, and this console's action log is also posted to it, where every console connected to it can read it."
        </p>
        <form class="connection-form" data-testid="watcher-form" on:submit=move |ev| { ev.prevent_default(); test_and_save(); }>
            <TextField label="Watcher address" name="watcher-url" kind="url" value=address placeholder="http://127.0.0.1:8095" />
            <TextField
                label="Its token (only if it has one configured)"
                name="watcher-token"
                kind="password"
                value=token
                autocomplete="off"
                placeholder="Leave blank to keep the saved token"
            />
            <CheckField name="watcher-remember" value=remember label="Remember the token in this browser" />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="save-watcher" disabled=move || working.get()>"Test and save"</button>
                {move || watching.link.with(Option::is_some).then(|| view! {
                    <button type="button" class="btn" data-testid="forget-watcher" on:click=forget>"Disconnect"</button>
                })}
            </div>
            <div aria-live="polite" data-testid="watcher-status">
                {move || status.get().map(|s| match s {
                    Ok(text) => view! { <p class="banner banner-ok">{text}</p> }.into_any(),
                    Err(text) => view! { <p class="banner banner-error" role="alert">{text}</p> }.into_any(),
                })}
                {move || (status.with(Option::is_none)).then(|| watching.link.get().map(|l| view! {
                    <p class="small" data-testid="watcher-linked">{format!(
                        "Connected to the watcher at {}{}.",
                        l.url,
                        match (&l.token, l.remember) {
                            (None, _) => " (no token)",
                            (Some(_), true) => "; its token is remembered in this browser",
                            (Some(_), false) => "; its token is kept for this session only",
                        }
                    )}</p>
                }))}
            </div>
        </form>
    }
}

#[component]
fn DesktopWatcher() -> impl IntoView {
    let watching = expect_context::<Watching>();
    let toasts = expect_context::<Toasts>();
    watching.refresh_desktop();
    let autostart = move |ev: leptos::ev::Event| {
        let enabled = event_target_checked(&ev);
        leptos::task::spawn_local(async move {
            match crate::ipc::desktop::<_, WatchStatus>(
                ipc::SET_AUTOSTART,
                &AutostartArgs { enabled },
            )
            .await
            {
                Ok(status) => {
                    watching.desktop.try_set(Some(status));
                }
                Err(e) => toasts.show(
                    ToastKind::Error,
                    format!("Could not change the start at login: {e}"),
                ),
            }
        });
    };
    view! {
        {move || watching.desktop.get().map(|s| view! {
            <p class="small" data-testid="app-watcher" data-running=s.running.to_string() data-tray=s.tray.to_string()>
                {if s.running {
                    format!(
                        "This app watches {} server(s) while it runs, also with its window closed{}: their history is kept in {}, and what its rules find is a notification for the servers you chose.",
                        s.connections.len(),
                        if s.tray { " (it stays in the tray; Quit there ends it)" } else { "" },
                        s.data_file
                    )
                } else {
                    format!("This app's watcher is not running: {}", s.problem.clone().unwrap_or_else(|| "no connection has a token yet.".into()))
                }}
            </p>
            <label class="check">
                <input type="checkbox" data-testid="autostart" prop:checked=s.autostart on:change=autostart />
                " Start Taskdeck when I log in (in the tray, watching)"
            </label>
        })}
    }
}
