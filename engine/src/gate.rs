//! At most [`MAX_IN_FLIGHT`] requests at once, shared fairly between
//! servers: with fifty servers on the overview, a slow or busy one cannot
//! take every slot, and a page of one server is not queued behind another
//! server's whole export. Waiting requests are admitted round-robin, one
//! server after the other, each server's own in the order they were sent.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use taskdeck_api::{HttpRequest, HttpResponse, LocalBoxFuture, Transport, TransportError};

/// Browsers open at most six connections per server over HTTP/1.1; the
/// same bound for all servers together keeps the page responsive.
pub const MAX_IN_FLIGHT: usize = 6;

pub type Ticket = u64;

/// The bookkeeping, without any waiting: which request goes next.
#[derive(Debug)]
pub struct FairSlots {
    cap: usize,
    in_flight: usize,
    /// Servers with waiting requests, in the order they take turns.
    waiting: VecDeque<(String, VecDeque<Ticket>)>,
    next_ticket: Ticket,
}

impl FairSlots {
    pub fn new(cap: usize) -> FairSlots {
        FairSlots {
            cap: cap.max(1),
            in_flight: 0,
            waiting: VecDeque::new(),
            next_ticket: 0,
        }
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// `Ok` when a slot is free now; otherwise the ticket to wait with.
    pub fn ask(&mut self, server: &str) -> Result<(), Ticket> {
        if self.in_flight < self.cap && self.waiting.is_empty() {
            self.in_flight += 1;
            return Ok(());
        }
        self.next_ticket += 1;
        let ticket = self.next_ticket;
        match self.waiting.iter_mut().find(|(s, _)| s == server) {
            Some((_, queue)) => queue.push_back(ticket),
            None => self
                .waiting
                .push_back((server.to_string(), VecDeque::from([ticket]))),
        }
        Err(ticket)
    }

    /// A request ended: its slot goes to the next server's oldest waiting
    /// request (returned), or is freed.
    pub fn release(&mut self) -> Option<Ticket> {
        while let Some((server, mut queue)) = self.waiting.pop_front() {
            if let Some(ticket) = queue.pop_front() {
                if !queue.is_empty() {
                    // Its next request waits for the others' turns.
                    self.waiting.push_back((server, queue));
                }
                return Some(ticket);
            }
        }
        self.in_flight = self.in_flight.saturating_sub(1);
        None
    }

    /// A waiting request was given up (its screen closed).
    pub fn cancel(&mut self, ticket: Ticket) {
        for (_, queue) in self.waiting.iter_mut() {
            queue.retain(|t| *t != ticket);
        }
        self.waiting.retain(|(_, queue)| !queue.is_empty());
    }
}

/// The slots and who waits for them. One per console (the UI's thread) or
/// per watcher: every request it sends passes through it.
pub struct Gate {
    slots: RefCell<FairSlots>,
    /// Tickets handed a slot, and the wakers of those still waiting.
    wakers: RefCell<Vec<(Ticket, Option<Waker>, bool)>>,
}

impl Gate {
    pub fn new(cap: usize) -> Gate {
        Gate {
            slots: RefCell::new(FairSlots::new(cap)),
            wakers: RefCell::new(Vec::new()),
        }
    }

    /// Waits for a slot for a request to `server`.
    async fn admit(&self, server: &str) -> Slot<'_> {
        let ticket = self.slots.borrow_mut().ask(server).err();
        Admission { gate: self, ticket }.await
    }

    fn hand_on(&self, next: Option<Ticket>) {
        let Some(next) = next else { return };
        let waker = {
            let mut w = self.wakers.borrow_mut();
            match w.iter_mut().find(|(t, _, _)| *t == next) {
                Some((_, waker, granted)) => {
                    *granted = true;
                    waker.take()
                }
                None => {
                    w.push((next, None, true));
                    None
                }
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// Holds a slot; frees it (to the next in turn) when dropped.
struct Slot<'g>(&'g Gate);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let next = self.0.slots.borrow_mut().release();
        self.0.hand_on(next);
    }
}

/// Waits for a slot.
struct Admission<'g> {
    gate: &'g Gate,
    ticket: Option<Ticket>,
}

impl<'g> Future for Admission<'g> {
    type Output = Slot<'g>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Slot<'g>> {
        let Some(ticket) = self.ticket else {
            return Poll::Ready(Slot(self.gate));
        };
        let granted = {
            let mut w = self.gate.wakers.borrow_mut();
            let entry = w.iter_mut().find(|(t, _, _)| *t == ticket);
            match entry {
                Some((_, _, true)) => {
                    w.retain(|(t, _, _)| *t != ticket);
                    true
                }
                Some((_, waker, false)) => {
                    *waker = Some(cx.waker().clone());
                    false
                }
                None => {
                    w.push((ticket, Some(cx.waker().clone()), false));
                    false
                }
            }
        };
        if granted {
            self.ticket = None;
            Poll::Ready(Slot(self.gate))
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        let Some(ticket) = self.ticket else { return };
        let was_granted = {
            let mut w = self.gate.wakers.borrow_mut();
            let granted = w.iter().any(|(t, _, g)| *t == ticket && *g);
            w.retain(|(t, _, _)| *t != ticket);
            granted
        };
        if was_granted {
            // Given a slot it never used: pass it on.
            drop(Slot(self.gate));
        } else {
            self.gate.slots.borrow_mut().cancel(ticket);
        }
    }
}

/// A transport whose requests wait for a fair slot of its gate.
pub struct Gated<T: Transport> {
    pub inner: T,
    gate: Gate,
}

impl<T: Transport> Gated<T> {
    /// At most `cap` requests of this transport in flight at once.
    pub fn new(inner: T, cap: usize) -> Gated<T> {
        Gated {
            inner,
            gate: Gate::new(cap),
        }
    }

    /// How many requests are being sent now.
    pub fn in_flight(&self) -> usize {
        self.gate.slots.borrow().in_flight()
    }
}

impl<T: Transport> Transport for Gated<T> {
    fn send<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let _slot = self.gate.admit(request.base.as_str()).await;
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

    #[test]
    fn six_go_at_once_and_the_rest_wait() {
        let mut slots = FairSlots::new(6);
        for _ in 0..6 {
            assert_eq!(slots.ask("a"), Ok(()));
        }
        assert!(slots.ask("a").is_err());
        assert_eq!(slots.in_flight(), 6);
    }

    #[test]
    fn waiting_servers_take_turns_whoever_asked_first() {
        let mut slots = FairSlots::new(2);
        slots.ask("busy").unwrap();
        slots.ask("busy").unwrap();
        // The busy server queues ten more before two others ask once each.
        let busy: Vec<Ticket> = (0..10).map(|_| slots.ask("busy").unwrap_err()).collect();
        let b = slots.ask("b").unwrap_err();
        let c = slots.ask("c").unwrap_err();
        let order: Vec<Ticket> = (0..5).map(|_| slots.release().unwrap()).collect();
        assert_eq!(order, [busy[0], b, c, busy[1], busy[2]]);
        assert_eq!(slots.in_flight(), 2, "each release handed its slot on");
    }

    #[test]
    fn a_slot_is_freed_when_nobody_waits_and_cancelled_requests_are_skipped() {
        let mut slots = FairSlots::new(1);
        slots.ask("a").unwrap();
        let gone = slots.ask("b").unwrap_err();
        let kept = slots.ask("c").unwrap_err();
        slots.cancel(gone);
        assert_eq!(slots.release(), Some(kept));
        assert_eq!(slots.release(), None);
        assert_eq!(slots.in_flight(), 0);
        assert_eq!(slots.ask("d"), Ok(()), "a free slot is taken at once");
    }

    #[test]
    fn a_newcomer_does_not_overtake_those_waiting() {
        let mut slots = FairSlots::new(1);
        slots.ask("a").unwrap();
        let waiting = slots.ask("b").unwrap_err();
        assert_eq!(slots.release(), Some(waiting));
        // The slot went to b; a new request waits rather than going at once.
        assert!(slots.ask("a").is_err());
    }

    /// Through real waiting: requests that yield while in flight.
    struct Held {
        in_flight: std::cell::Cell<usize>,
        most: std::cell::Cell<usize>,
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
    fn at_most_the_cap_in_flight_and_waiting_servers_take_turns() {
        use taskdeck_api::{BaseUrl, Method};
        let gated = Gated::new(
            Held {
                in_flight: std::cell::Cell::new(0),
                most: std::cell::Cell::new(0),
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
        runtime.block_on(futures_join(
            busy.iter()
                .chain(quiet.iter())
                .map(|r| gated.send(r))
                .collect(),
        ));
        assert_eq!(gated.inner.most.get(), 2);
        assert_eq!(gated.in_flight(), 0, "every slot given back");
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

    /// Polls all the futures to their end, in turn.
    async fn futures_join<F: Future>(futures: Vec<F>) {
        let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
        let mut done = vec![false; futures.len()];
        std::future::poll_fn(|cx| {
            for (f, d) in futures.iter_mut().zip(done.iter_mut()) {
                if !*d && f.as_mut().poll(cx).is_ready() {
                    *d = true;
                }
            }
            if done.iter().all(|d| *d) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }
}
