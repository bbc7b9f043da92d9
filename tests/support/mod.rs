//! Shared helpers for the integration tests: the recorded fixtures in
//! `../shared/fixtures/` (or `$TASKDECK_FIXTURES`), parsed as the servers
//! answered and as the requests were sent.
#![allow(dead_code)]

pub mod recorded;

use std::cell::RefCell;
use std::collections::VecDeque;

use taskdeck::api::http::LocalBoxFuture;
use taskdeck::api::{HttpRequest, HttpResponse, Transport, TransportError};

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
