//! Talking to a server from the form: exchanging a password for a token,
//! and testing that a connection works.

use leptos::prelude::*;

use super::form::{AuthMode, Form};
use crate::api::inventree::InvenTreeClient;
use crate::api::paperless::PaperlessClient;
use crate::api::{ApiError, BaseUrl, Secret, ServerKind};
use crate::web;

/// Exchanges a password for a token when that mode is chosen; the password
/// is dropped from the form either way.
pub async fn obtain_token(form: Form, base: &BaseUrl) -> Result<Secret, ApiError> {
    match form.mode.get_untracked() {
        AuthMode::Token => Ok(Secret::new(form.token.get_untracked().trim())),
        AuthMode::Password => {
            let password = Secret::new(form.password.get_untracked());
            form.password.set(String::new());
            let user = form.username.get_untracked();
            let token = match form.kind.get_untracked() {
                ServerKind::Paperless => {
                    let mfa = form.mfa.get_untracked();
                    PaperlessClient::obtain_token_call(
                        base,
                        user.trim(),
                        &password,
                        Some(mfa.as_str()),
                    )
                    .send(web::transport())
                    .await?
                }
                ServerKind::InvenTree => {
                    InvenTreeClient::obtain_token_call(base, user.trim(), &password, "taskdeck")
                        .send(web::transport())
                        .await?
                        .token
                }
            };
            form.mode.set(AuthMode::Token);
            form.token.set(token.expose().to_string());
            Ok(token)
        }
    }
}

/// What a working connection reports, in one sentence.
pub async fn test_connection(
    kind: ServerKind,
    base: BaseUrl,
    token: Option<Secret>,
) -> Result<String, ApiError> {
    match kind {
        ServerKind::Paperless => {
            let client = PaperlessClient::new(base, token);
            let api = client.probe(web::transport()).await?;
            let shape = match api.number() {
                10 => "Paperless-ngx 3.x",
                _ => "Paperless-ngx 2.x (or older API)",
            };
            Ok(format!(
                "Connected: {shape}, REST API {}. The token can view tasks.",
                api.number()
            ))
        }
        ServerKind::InvenTree => {
            let client = InvenTreeClient::new(base, token);
            let root = client.api_root_call().send(web::transport()).await?;
            let overview = client.overview_call().send(web::transport()).await?;
            Ok(format!(
                "Connected: {} {}, API {}. Background worker {}; the account can see the task queues.",
                root.server,
                root.version.as_deref().unwrap_or(""),
                root.api_version,
                if overview.is_running {
                    "running"
                } else {
                    "NOT running"
                },
            ))
        }
    }
}
