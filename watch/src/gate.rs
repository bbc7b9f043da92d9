//! At most N requests in flight across every watched server, servers
//! taking turns: the contract of the console's request gate, for the
//! watcher's own thread. (To be replaced by `taskdeck_engine::gate` once
//! the engine crate is part of the workspace.)

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use taskdeck_api::{HttpRequest, HttpResponse, LocalBoxFuture, Transport, TransportError};
use tokio::sync::oneshot;

struct Slots {
    cap: usize,
    in_flight: usize,
    /// Servers with waiting requests, in the order they take turns.
    waiting: VecDeque<(String, VecDeque<oneshot::Sender<()>>)>,
}

impl Slots {
    /// A request ended: its slot goes to the next server's oldest waiting
    /// request, or is freed.
    fn release(&mut self) {
        while let Some((server, mut queue)) = self.waiting.pop_front() {
            while let Some(next) = queue.pop_front() {
                // A waiter that gave up has dropped its receiver.
                if next.send(()).is_ok() {
                    if !queue.is_empty() {
                        self.waiting.push_back((server, queue));
                    }
                    return;
                }
            }
        }
        self.in_flight -= 1;
    }
}

/// Holds a slot until dropped.
struct Permit(Rc<RefCell<Slots>>);

impl Drop for Permit {
    fn drop(&mut self) {
        self.0.borrow_mut().release();
    }
}

/// A transport whose requests wait for a fair slot.
pub struct Gated<T: Transport> {
    inner: T,
    slots: Rc<RefCell<Slots>>,
}

impl<T: Transport> Gated<T> {
    pub fn new(inner: T, max_in_flight: usize) -> Gated<T> {
        Gated {
            inner,
            slots: Rc::new(RefCell::new(Slots {
                cap: max_in_flight.max(1),
                in_flight: 0,
                waiting: VecDeque::new(),
            })),
        }
    }

    async fn admit(&self, server: &str) -> Permit {
        let waiting = {
            let mut slots = self.slots.borrow_mut();
            if slots.in_flight < slots.cap && slots.waiting.is_empty() {
                slots.in_flight += 1;
                None
            } else {
                let (tx, rx) = oneshot::channel();
                match slots.waiting.iter_mut().find(|(s, _)| s == server) {
                    Some((_, queue)) => queue.push_back(tx),
                    None => slots
                        .waiting
                        .push_back((server.to_string(), VecDeque::from([tx]))),
                }
                Some(rx)
            }
        };
        if let Some(rx) = waiting {
            // The sender is only dropped unsent when the gate is gone.
            let _ = rx.await;
        }
        Permit(self.slots.clone())
    }
}

impl<T: Transport> Transport for Gated<T> {
    fn send<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let _permit = self.admit(request.base.as_str()).await;
            self.inner.send(request).await
        })
    }

    fn now_millis(&self) -> Option<i64> {
        self.inner.now_millis()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use taskdeck_api::{BaseUrl, Method};

    /// Answers when told to, and counts what is in flight.
    struct Held {
        in_flight: Cell<usize>,
        most: Cell<usize>,
        order: RefCell<Vec<String>>,
    }

    impl Transport for Held {
        fn send<'a>(
            &'a self,
            request: &'a HttpRequest,
        ) -> LocalBoxFuture<'a, Result<HttpResponse, TransportError>> {
            Box::pin(async move {
                self.in_flight.set(self.in_flight.get() + 1);
                self.most.set(self.most.get().max(self.in_flight.get()));
                self.order.borrow_mut().push(request.base.to_string());
                tokio::task::yield_now().await;
                tokio::task::yield_now().await;
                self.in_flight.set(self.in_flight.get() - 1);
                Ok(HttpResponse::new(200, "{}"))
            })
        }
    }

    #[test]
    fn at_most_n_in_flight_and_waiting_servers_take_turns() {
        let gated = Gated::new(
            Held {
                in_flight: Cell::new(0),
                most: Cell::new(0),
                order: RefCell::new(Vec::new()),
            },
            2,
        );
        let request = |host: &str| {
            HttpRequest::new(
                Method::Get,
                &BaseUrl::parse(&format!("http://{host}")).unwrap(),
                "/api/".into(),
            )
        };
        let busy: Vec<HttpRequest> = (0..6).map(|_| request("busy")).collect();
        let quiet = [request("b"), request("c")];
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let all = busy.iter().chain(quiet.iter()).map(|r| gated.send(r));
            crate::join_all(all.collect()).await;
        });
        assert_eq!(gated.inner.most.get(), 2);
        let order = gated.inner.order.borrow();
        // Two busy ones went at once; then the others got their turns
        // before the busy server's third.
        assert_eq!(
            &order[..5],
            [
                "http://busy",
                "http://busy",
                "http://busy",
                "http://b",
                "http://c"
            ]
        );
    }
}
