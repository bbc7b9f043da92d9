//! Talking to a server from the form: exchanging a password for a token,
//! and testing that a connection works.

use leptos::prelude::*;

use super::form::{AuthMode, Form};
use crate::api::inventree::InvenTreeClient;
use crate::api::paperless::PaperlessClient;
use crate::api::paperless::TaskQuery;
use crate::api::{ApiError, BaseUrl, Secret, ServerKind};
use crate::state::errors::{Explained, explain};
use crate::web;

/// Exchanges a password for a token when that mode is chosen; the password
/// is dropped from the form either way.
pub async fn obtain_token(form: Form, base: &BaseUrl) -> Result<Secret, ApiError> {
    // Read now: after the exchange the form may be gone (the user left).
    let entered = (
        form.mode.get_untracked(),
        form.token.get_untracked(),
        form.username.get_untracked(),
        form.kind.get_untracked(),
        form.mfa.get_untracked(),
    );
    match entered {
        (AuthMode::Token, token, ..) => Ok(Secret::new(token.trim())),
        (AuthMode::Password, _, user, kind, mfa) => {
            let password = Secret::new(form.password.get_untracked());
            form.password.set(String::new());
            let token = match kind {
                ServerKind::Paperless => {
                    PaperlessClient::obtain_token_call(
                        base,
                        user.trim(),
                        &password,
                        Some(mfa.as_str()),
                    )
                    .send(crate::transport::current())
                    .await?
                }
                ServerKind::InvenTree => {
                    InvenTreeClient::obtain_token_call(base, user.trim(), &password, "taskdeck")
                        .send(crate::transport::current())
                        .await?
                        .token
                }
            };
            form.mode.try_set(AuthMode::Token);
            form.token.try_set(token.expose().to_string());
            Ok(token)
        }
    }
}

/// What a working connection reports, in one sentence; or, when it does
/// not work, why, in words (naming the other kind of server when that is
/// what answers at the address).
/// `saved`: the connection the desktop app keeps the token of (it adds it
/// to requests naming that connection).
pub async fn test_connection(
    kind: ServerKind,
    base: BaseUrl,
    token: Option<Secret>,
    saved: Option<&str>,
) -> Result<String, Explained> {
    match try_connection(kind, base.clone(), token, saved).await {
        Ok(summary) => Ok(summary),
        Err(e) => Err(match other_kind_at(kind, &base).await {
            Some(other) => Explained {
                title: format!("This address is an {} server", other.label())
                    .replace("an Paperless", "a Paperless"),
                detail: format!(
                    "{base} answers as {}, not as {}. Choose “{}” above, or check the address.",
                    other.label(),
                    kind.label(),
                    other.label()
                ),
                hint: None,
            },
            None => explain(&e, kind, &web::origin()),
        }),
    }
}

/// The other kind of server, if that is what answers at `base`: InvenTree
/// describes itself at `/api/` (even anonymously); Paperless answers its
/// task list with a DRF authentication error where InvenTree has no such
/// endpoint. No token is sent for this.
async fn other_kind_at(kind: ServerKind, base: &BaseUrl) -> Option<ServerKind> {
    match kind {
        ServerKind::Paperless => {
            let root = InvenTreeClient::new(base.clone(), None)
                .api_root_call()
                .send(crate::transport::current())
                .await
                .ok()?;
            (root.server == "InvenTree").then_some(ServerKind::InvenTree)
        }
        ServerKind::InvenTree => {
            let probe = PaperlessClient::new(base.clone(), None)
                .list_tasks_call(&TaskQuery {
                    page_size: Some(1),
                    ..TaskQuery::default()
                })
                .send(crate::transport::current())
                .await;
            matches!(
                probe,
                Err(ApiError::Unauthorized { .. } | ApiError::Forbidden { .. })
            )
            .then_some(ServerKind::Paperless)
        }
    }
}

async fn try_connection(
    kind: ServerKind,
    base: BaseUrl,
    token: Option<Secret>,
    saved: Option<&str>,
) -> Result<String, ApiError> {
    match kind {
        ServerKind::Paperless => {
            let mut client = PaperlessClient::new(base, token);
            if let Some(id) = saved {
                client = client.for_connection(id);
            }
            let api = client.probe(crate::transport::current()).await?;
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
            let mut client = InvenTreeClient::new(base, token);
            if let Some(id) = saved {
                client = client.for_connection(id);
            }
            let root = client
                .api_root_call()
                .send(crate::transport::current())
                .await?;
            let overview = client
                .overview_call()
                .send(crate::transport::current())
                .await?;
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
