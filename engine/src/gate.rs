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

thread_local! {
    static SLOTS: RefCell<FairSlots> = RefCell::new(FairSlots::new(MAX_IN_FLIGHT));
    /// Tickets handed a slot, and the wakers of those still waiting.
    static WAKERS: RefCell<Vec<(Ticket, Option<Waker>, bool)>> = const { RefCell::new(Vec::new()) };
}

/// Holds a slot; frees it (to the next in turn) when dropped.
struct Slot;

impl Drop for Slot {
    fn drop(&mut self) {
        hand_on(SLOTS.with(|s| s.borrow_mut().release()));
    }
}

fn hand_on(next: Option<Ticket>) {
    let Some(next) = next else { return };
    let waker = WAKERS.with(|w| {
        let mut w = w.borrow_mut();
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
    });
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// Waits for a slot.
struct Admission {
    ticket: Option<Ticket>,
}

impl Future for Admission {
    type Output = Slot;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Slot> {
        let Some(ticket) = self.ticket else {
            return Poll::Ready(Slot);
        };
        let granted = WAKERS.with(|w| {
            let mut w = w.borrow_mut();
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
        });
        if granted {
            self.ticket = None;
            Poll::Ready(Slot)
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        let Some(ticket) = self.ticket else { return };
        let was_granted = WAKERS.with(|w| {
            let mut w = w.borrow_mut();
            let granted = w.iter().any(|(t, _, g)| *t == ticket && *g);
            w.retain(|(t, _, _)| *t != ticket);
            granted
        });
        if was_granted {
            // Given a slot it never used: pass it on.
            drop(Slot);
        } else {
            SLOTS.with(|s| s.borrow_mut().cancel(ticket));
        }
    }
}

/// A transport whose requests wait for a fair slot.
pub struct Gated<T: Transport + 'static>(pub T);

impl<T: Transport + 'static> Transport for Gated<T> {
    fn send<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let ticket = SLOTS
                .with(|s| s.borrow_mut().ask(request.base.as_str()))
                .err();
            let _slot = Admission { ticket }.await;
            self.0.send(request).await
        })
    }

    fn now_millis(&self) -> Option<i64> {
        self.0.now_millis()
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
}
