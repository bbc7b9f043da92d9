//! Shared helpers for the integration tests: the recorded fixtures in
//! `../shared/fixtures/` (or `$TASKDECK_FIXTURES`), parsed as the servers
//! answered and as the requests were sent.
#![allow(dead_code)]

#[cfg(feature = "browser-tests")]
pub mod axe;
#[cfg(feature = "browser-tests")]
pub mod console;
pub mod recorded;

use std::cell::RefCell;
use std::collections::VecDeque;

use taskdeck_api::LocalBoxFuture;
use taskdeck_api::{HttpRequest, HttpResponse, Transport, TransportError};

/// A transport that answers from a script and remembers what it was sent.
#[derive(Default)]
pub struct ScriptedTransport {
    replies: RefCell<VecDeque<HttpResponse>>,
    pub sent: RefCell<Vec<HttpRequest>>,
}

impl ScriptedTransport {
    pub fn new(replies: impl IntoIterator<Item = HttpResponse>) -> Self {
        ScriptedTransport {
            replies: RefCell::new(replies.into_iter().collect()),
            sent: RefCell::default(),
        }
    }
}

impl Transport for ScriptedTransport {
    fn send<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<HttpResponse, TransportError>> {
        self.sent.borrow_mut().push(request.clone());
        let reply = self.replies.borrow_mut().pop_front();
        Box::pin(async move {
            reply.ok_or_else(|| TransportError::Unreachable("no scripted reply left".into()))
        })
    }
}

/// Drives a future that never waits on real I/O (scripted transports).
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
    }
}
pub mod webdriver;

/// A blocking HTTP transport for native tests (the browser uses gloo-net, the
/// desktop app its own Rust client).
pub struct UreqTransport {
    agent: ureq::Agent,
    timeout_secs: u32,
}

impl Default for UreqTransport {
    fn default() -> Self {
        UreqTransport::timing_out_after(30)
    }
}

impl UreqTransport {
    /// Gives up on an answer after `secs`, as the console's setting does.
    pub fn timing_out_after(secs: u32) -> Self {
        UreqTransport {
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(std::time::Duration::from_secs(secs.into())))
                .build()
                .into(),
            timeout_secs: secs,
        }
    }
}

impl Transport for UreqTransport {
    fn send<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let mut builder = ureq::http::Request::builder()
                .method(request.method.as_str())
                .uri(request.url());
            for (name, value) in &request.headers {
                builder = builder.header(name.as_str(), value.as_str());
            }
            let body = request
                .body
                .as_ref()
                .map(|b| b.to_string())
                .unwrap_or_default();
            let built = builder
                .body(body.into_bytes())
                .map_err(|e| TransportError::Unreachable(e.to_string()))?;
            let failed = |e: ureq::Error| match e {
                ureq::Error::Timeout(_) => TransportError::TimedOut {
                    after_secs: self.timeout_secs,
                },
                e => TransportError::Unreachable(e.to_string()),
            };
            let mut response = self.agent.run(built).map_err(failed)?;
            let headers = response
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
                .collect();
            let status = response.status().as_u16();
            let body = response.body_mut().read_to_string().map_err(failed)?;
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        })
    }
}

/// Ids whose acknowledged flag differs between two snapshots of a demo
/// Paperless instance (`Instance::acknowledged_flags`).
#[allow(dead_code)]
pub fn changed_ids(
    before: &[(u64, bool)],
    after: &[(u64, bool)],
) -> std::collections::HashSet<String> {
    before
        .iter()
        .zip(after)
        .filter(|(b, a)| b.1 != a.1)
        .map(|(b, _)| b.0.to_string())
        .collect()
}

/// The typed clients for a demo instance, with its admin token.
pub fn paperless_client(
    instance: &taskdeck_demo::Instance,
) -> taskdeck_api::paperless::PaperlessClient {
    taskdeck_api::paperless::PaperlessClient::new(
        taskdeck_api::BaseUrl::parse(&instance.url()).unwrap(),
        Some(taskdeck_api::Secret::new(instance.admin_token())),
    )
}

pub fn inventree_client(
    instance: &taskdeck_demo::Instance,
) -> taskdeck_api::inventree::InvenTreeClient {
    taskdeck_api::inventree::InvenTreeClient::new(
        taskdeck_api::BaseUrl::parse(&instance.url()).unwrap(),
        Some(taskdeck_api::Secret::new(instance.admin_token())),
    )
}
