//! The form that adds or edits a server: save, test, and say what happened.

use leptos::prelude::*;

use super::fields::FormFields;
use super::probe::{obtain_token, test_connection};
use crate::api::BaseUrl;
use crate::components::feedback::{ToastKind, Toasts};
use crate::context::Connections;
use crate::reactive::effect;
use crate::state::connections::{Connection, ServerKind, has_token_for, validate};
use crate::state::errors::{Explained, explain};
use crate::web;

/// A connection test's outcome: a summary, or what went wrong in words.
pub type Status = Option<Result<String, Explained>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMode {
    Token,
    Password,
}

/// The form's fields. The password lives here only until it is exchanged.
#[derive(Clone, Copy)]
pub struct Form {
    pub editing: RwSignal<Option<String>>,
    pub kind: RwSignal<ServerKind>,
    pub name: RwSignal<String>,
    pub url: RwSignal<String>,
    pub mode: RwSignal<AuthMode>,
    pub token: RwSignal<String>,
    pub username: RwSignal<String>,
    pub password: RwSignal<String>,
    pub mfa: RwSignal<String>,
    pub remember: RwSignal<bool>,
    pub notify: RwSignal<bool>,
}

impl Form {
    pub fn new() -> Form {
        Form {
            editing: RwSignal::new(None),
            kind: RwSignal::new(ServerKind::Paperless),
            name: RwSignal::new(String::new()),
            url: RwSignal::new(String::new()),
            mode: RwSignal::new(AuthMode::Token),
            token: RwSignal::new(String::new()),
            username: RwSignal::new(String::new()),
            password: RwSignal::new(String::new()),
            mfa: RwSignal::new(String::new()),
            remember: RwSignal::new(false),
            notify: RwSignal::new(false),
        }
    }

    pub fn clear(&self) {
        self.editing.try_set(None);
        self.name.try_set(String::new());
        self.url.try_set(String::new());
        self.token.try_set(String::new());
        self.username.try_set(String::new());
        self.password.try_set(String::new());
        self.mfa.try_set(String::new());
        self.remember.try_set(false);
        self.notify.try_set(false);
        self.mode.try_set(AuthMode::Token);
    }

    pub fn edit(&self, c: &Connection) {
        self.editing.set(Some(c.id.clone()));
        self.kind.set(c.kind);
        self.name.set(c.name.clone());
        self.url.set(c.base_url.as_str().to_string());
        // The saved token is not shown again: a blank field keeps it (for
        // this same address only).
        self.token.set(String::new());
        self.remember.set(c.remember);
        self.notify.set(c.notify_failures);
        self.mode.set(AuthMode::Token);
        self.password.set(String::new());
    }
}

#[component]
pub fn ConnectionForm(form: Form, status: RwSignal<Status>) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let toasts = expect_context::<Toasts>();
    let working = RwSignal::new(false);
    // A connection whose test failed, which the user may save anyway.
    let unsaved = RwSignal::new(None::<Connection>);
    let desktop = crate::ipc::in_desktop_app();

    // A token typed for one address is never kept for another.
    effect(move || {
        let url = form.url.get();
        let Some(existing) = form
            .editing
            .get_untracked()
            .and_then(|id| connections.find_untracked(&id))
        else {
            return;
        };
        if BaseUrl::parse(&url).ok().as_ref() != Some(&existing.base_url) {
            form.token.set(String::new());
        }
    });
    // These run after awaits: the form may be gone by then.
    let fail = move |title: &str, detail: String| {
        working.try_set(false);
        status.try_set(Some(Err(Explained {
            title: title.to_string(),
            detail,
            hint: None,
        })));
    };
    let saved = move |name: String, text: String| {
        working.try_set(false);
        unsaved.try_set(None);
        status.try_set(None);
        form.clear();
        toasts.show(ToastKind::Success, format!("Saved {name}. {text}"));
    };
    // Tests first; saves what works. In the desktop app requests may only go
    // to configured servers, so there it saves, tests, and marks the
    // connection when the test fails.
    let run = move |save: bool| {
        let save = save || desktop;
        let (name, base) = match validate(&form.name.get_untracked(), &form.url.get_untracked()) {
            Ok(v) => v,
            Err(message) => return fail("Check the form", message),
        };
        working.set(true);
        status.set(None);
        unsaved.set(None);
        // What the form says now: the work below outlives the form when
        // the user leaves while a test or a save runs.
        let kind = form.kind.get_untracked();
        let existing = form
            .editing
            .get_untracked()
            .and_then(|id| connections.find_untracked(&id));
        let (remember, notify) = (form.remember.get_untracked(), form.notify.get_untracked());
        let exchanging = form.mode.get_untracked() == AuthMode::Password;
        leptos::task::spawn_local(async move {
            let mut settings = Connection {
                id: existing.as_ref().map(|c| c.id.clone()).unwrap_or_default(),
                kind,
                name: name.clone(),
                base_url: base.clone(),
                token: None,
                remember,
                notify_failures: notify,
                desktop_token: false,
                not_working: None,
            };
            // Desktop: a password can only be exchanged with a configured
            // server, so the address is saved first, without a token (one
            // saved for another address is dropped, never carried over).
            let mut presaved = None;
            if desktop && exchanging {
                match connections.upsert(settings.clone()).await {
                    Ok(saved) => {
                        settings.id = saved.id.clone();
                        presaved = Some(saved);
                    }
                    Err(e) => return fail("Could not save", e),
                }
            }
            let token = match obtain_token(form, &base).await {
                Ok(t) => Some(t).filter(|t| !t.is_empty()),
                Err(e) => {
                    if let (Some(added), None) = (&presaved, &existing) {
                        let _ = connections.remove(&added.id).await;
                    }
                    working.try_set(false);
                    status.try_set(Some(Err(explain(&e, kind, &web::origin()))));
                    return;
                }
            };
            if token.is_none() && !has_token_for(existing.as_ref(), &base) {
                let detail = if existing.is_some() {
                    "The address changed: enter the token for the new address. A saved token is \
                     only ever sent to the address it was saved for."
                } else {
                    "Enter an API token, or sign in with a username and password."
                };
                return fail("A token is needed", detail.into());
            }
            let with_token = Connection {
                token: token.clone(),
                ..settings
            };
            if desktop {
                let stored = match connections.upsert(with_token).await {
                    Ok(stored) => stored,
                    Err(e) => return fail("Could not save", e),
                };
                match test_connection(kind, base, None, Some(&stored.id)).await {
                    Ok(summary) => {
                        let _ = connections
                            .upsert(Connection {
                                not_working: None,
                                ..stored
                            })
                            .await;
                        saved(name, summary);
                    }
                    Err(x) => {
                        let _ = connections
                            .upsert(Connection {
                                not_working: Some(x.title.clone()),
                                ..stored
                            })
                            .await;
                        working.try_set(false);
                        status.try_set(Some(Err(Explained {
                            title: format!("Saved, but it does not work yet: {}", x.title),
                            ..x
                        })));
                    }
                }
                return;
            }
            let test_token = token.clone().or_else(|| {
                existing
                    .as_ref()
                    .filter(|c| c.base_url == base)
                    .and_then(|c| c.token.clone())
            });
            match test_connection(kind, base, test_token, None).await {
                Ok(summary) if save => match connections.upsert(with_token).await {
                    Ok(_) => saved(name, summary),
                    Err(e) => fail("Could not save", e),
                },
                Ok(summary) => {
                    working.try_set(false);
                    status.try_set(Some(Ok(summary)));
                }
                Err(x) => {
                    working.try_set(false);
                    if save {
                        unsaved.try_set(Some(Connection {
                            not_working: Some(x.title.clone()),
                            ..with_token
                        }));
                    }
                    status.try_set(Some(Err(x)));
                }
            }
        });
    };
    let save_anyway = move |_| {
        let Some(connection) = unsaved.get_untracked() else {
            return;
        };
        let name = connection.name.clone();
        working.set(true);
        leptos::task::spawn_local(async move {
            // `saved` and `fail` reach the form only while it is there.
            match connections.upsert(connection).await {
                Ok(_) => saved(
                    name,
                    "It is marked as not working until a test passes.".into(),
                ),
                Err(e) => fail("Could not save", e),
            }
        });
    };

    view! {
        <form class="connection-form" data-testid="connection-form" on:submit=move |ev| { ev.prevent_default(); run(true); }>
            <h2>{move || if form.editing.get().is_some() { "Edit server" } else { "Add a server" }}</h2>
            <FormFields form desktop />
            <div class="form-actions">
                {(!desktop).then(|| view! {
                    <button type="button" class="btn" data-testid="test-connection" disabled=move || working.get() on:click=move |_| run(false)>"Test connection"</button>
                })}
                <button type="submit" class="btn btn-primary" data-testid="save-connection" disabled=move || working.get()>
                    {if desktop { "Save and test" } else { "Test and save" }}
                </button>
                {move || form.editing.get().is_some().then(|| view! {
                    <button type="button" class="btn btn-link" on:click=move |_| { form.clear(); status.set(None); unsaved.set(None); }>"Cancel edit"</button>
                })}
                {move || working.get().then(|| view! { <span class="spinner" aria-label="Working"></span> })}
            </div>
            <div aria-live="polite" data-testid="connection-status">
                {move || status.get().map(|s| match s {
                    Ok(summary) => view! { <p class="banner banner-ok">{summary}</p> }.into_any(),
                    Err(x) => view! {
                        <div class="banner banner-error" role="alert">
                            <div class="banner-text">
                                <strong>{x.title}</strong>
                                <p>{x.detail}</p>
                                {x.hint.map(|h| view! { <p class="hint">{h}</p> })}
                                {move || unsaved.with(Option::is_some).then(|| view! {
                                    <p>
                                        "Not saved. "
                                        <button type="button" class="btn btn-small" data-testid="save-anyway" on:click=save_anyway>
                                            "Save anyway, marked as not working"
                                        </button>
                                    </p>
                                })}
                            </div>
                        </div>
                    }.into_any(),
                })}
            </div>
        </form>
    }
}
