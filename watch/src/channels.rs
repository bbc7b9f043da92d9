//! Where alerts go: ntfy, Gotify and a generic JSON webhook. Each alert
//! becomes one request, built here as data (so its exact shape is tested)
//! and sent by reqwest. Tokens travel in headers only, never in a URL, and
//! no error text carries the channel's URL (an ntfy topic is a password).

use std::time::Duration;

use base64::Engine as _;
use serde_json::json;

use crate::alerts::AlertRecord;
use crate::config::{ChannelConfig, ChannelKind};

/// One request to a channel.
#[derive(Clone, Debug, PartialEq)]
pub struct Outgoing {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The webhook's JSON, version 1 (documented in the README).
pub fn webhook_payload(alert: &AlertRecord) -> serde_json::Value {
    json!({
        "source": "taskdeck-watch",
        "version": 1,
        "id": alert.id,
        "at": crate::rfc3339(alert.at),
        "state": alert.state,
        "severity": alert.severity,
        "rule": { "name": alert.rule, "kind": alert.rule_kind },
        "server": {
            "id": alert.server.id,
            "name": alert.server.name,
            "kind": alert.server.kind,
            "url": alert.server.url,
        },
        "subject": alert.subject,
        "title": alert.title,
        "message": alert.message,
    })
}

/// A header value as ntfy reads it: ASCII as it is, anything else as an
/// RFC 2047 encoded word (ntfy decodes those in Title and Tags).
fn ntfy_header(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.is_ascii() {
        one_line
    } else {
        format!(
            "=?UTF-8?B?{}?=",
            base64::engine::general_purpose::STANDARD.encode(one_line.as_bytes())
        )
    }
}

pub fn build(channel: &ChannelConfig, alert: &AlertRecord) -> Outgoing {
    let problem = alert.state != "resolved";
    let bearer = |headers: &mut Vec<(String, String)>| {
        if let Some(token) = &channel.token {
            headers.push(("Authorization".into(), format!("Bearer {}", token.expose())));
        }
    };
    match channel.kind {
        ChannelKind::Ntfy => {
            let priority = channel.priority.unwrap_or(if problem { 4 } else { 3 });
            let mut tags = vec![
                if problem {
                    "warning"
                } else {
                    "white_check_mark"
                }
                .to_string(),
            ];
            tags.extend(channel.tags.iter().cloned());
            let mut headers = vec![
                ("Content-Type".into(), "text/plain; charset=utf-8".into()),
                ("Title".into(), ntfy_header(&alert.title)),
                ("Priority".into(), priority.to_string()),
                ("Tags".into(), ntfy_header(&tags.join(","))),
            ];
            if alert.server.url.starts_with("https://") || alert.server.url.starts_with("http://") {
                headers.push(("Click".into(), alert.server.url.clone()));
            }
            bearer(&mut headers);
            Outgoing {
                url: channel.url.clone(),
                headers,
                body: alert.message.clone().into_bytes(),
            }
        }
        ChannelKind::Gotify => {
            let priority = channel.priority.unwrap_or(if problem { 8 } else { 4 });
            let body = json!({
                "title": alert.title,
                "message": alert.message,
                "priority": priority,
                "extras": {
                    "client::display": { "contentType": "text/plain" },
                    "client::notification": { "click": { "url": alert.server.url } },
                },
            });
            let mut headers = vec![("Content-Type".into(), "application/json".into())];
            if let Some(token) = &channel.token {
                headers.push(("X-Gotify-Key".into(), token.expose().to_string()));
            }
            Outgoing {
                url: format!("{}/message", channel.url),
                headers,
                body: serde_json::to_vec(&body).expect("serialisable"),
            }
        }
        ChannelKind::Webhook => {
            let mut headers = vec![("Content-Type".into(), "application/json".into())];
            bearer(&mut headers);
            Outgoing {
                url: channel.url.clone(),
                headers,
                body: serde_json::to_vec(&webhook_payload(alert)).expect("serialisable"),
            }
        }
    }
}

/// Sends one request; `Err` says why in words without the URL or a token.
pub async fn send(http: &reqwest::Client, out: Outgoing, timeout: Duration) -> Result<(), String> {
    let mut request = http.post(&out.url).timeout(timeout).body(out.body);
    for (name, value) in &out.headers {
        request = request.header(name, value);
    }
    let response = request.send().await.map_err(crate::transport::describe)?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let text = response.text().await.unwrap_or_default();
    let excerpt: String = text.trim().chars().take(200).collect();
    Err(if excerpt.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {excerpt}")
    })
}
