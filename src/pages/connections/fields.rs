//! The fields of the connection form: which server, its address, and how
//! to sign in. Placeholders and help follow the chosen kind.

use leptos::prelude::*;

use super::form::{AuthMode, Form};
use crate::components::form::{CheckField, RadioOption, TextField};
use crate::context::Connections;
use crate::state::connections::ServerKind;

#[component]
pub fn FormFields(form: Form, desktop: bool) -> impl IntoView {
    let connections = expect_context::<Connections>();
    let placeholders = move || match form.kind.get() {
        ServerKind::Paperless => ("Office Paperless", "https://paperless.example.org"),
        ServerKind::InvenTree => ("Workshop InvenTree", "https://inventree.example.org"),
    };
    view! {
            <fieldset class="kind">
                <legend>"Server"</legend>
                <RadioOption group="kind" value="paperless" choice=ServerKind::Paperless current=form.kind label="Paperless-ngx" />
                <RadioOption group="kind" value="inventree" choice=ServerKind::InvenTree current=form.kind label="InvenTree" />
            </fieldset>
            {move || {
                let (name, url) = placeholders();
                view! {
                    <TextField label="Name" name="name" value=form.name placeholder=name />
                    <TextField label="Address" name="url" kind="url" value=form.url required=true placeholder=url />
                }
            }}
            <fieldset class="auth">
                <legend>"Sign in with"</legend>
                <RadioOption group="auth" value="token" choice=AuthMode::Token current=form.mode label="API token" />
                <RadioOption group="auth" value="password" choice=AuthMode::Password current=form.mode label="Username and password (exchanged once for a token; not stored)" />
            </fieldset>
            {move || match form.mode.get() {
                AuthMode::Token => {
                    let placeholder = if form.editing.get().is_some() {
                        "Leave blank to keep the saved token"
                    } else {
                        "Paste the API token"
                    };
                    view! {
                        <TextField label="Token" name="token" kind="password" value=form.token autocomplete="off" placeholder />
                    }.into_any()
                }
                AuthMode::Password => view! {
                    <TextField label="Username" name="username" value=form.username autocomplete="username" />
                    <TextField label="Password" name="password" kind="password" value=form.password autocomplete="current-password" />
                    {move || (form.kind.get() == ServerKind::Paperless).then(|| view! {
                        <TextField label="Two-factor code (if enabled)" name="mfa" value=form.mfa inputmode="numeric" autocomplete="one-time-code" />
                    })}
                }.into_any(),
            }}
            {(!desktop).then(|| view! {
                <CheckField name="remember" value=form.remember label="Remember the token in this browser (otherwise it is forgotten when the browser session ends)" />
            })}
            {desktop.then(|| view! {
                <p class="muted small">{move || connections.token_store.get().map_or("", |s| s.describe())}</p>
                <CheckField name="notify" value=form.notify label="Notify me when a new failed task appears on this server" />
            })}
    }
}
