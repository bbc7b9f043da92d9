//! Loading data without blanking the screen: the last good value stays while
//! a refresh runs or after it fails, a newer request supersedes an older one,
//! and a refresh tick never starts a second request while one is running.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;
use crate::web;

pub struct Loader<T: Send + Sync + 'static> {
    pub data: RwSignal<Option<T>>,
    pub error: RwSignal<Option<ApiError>>,
    pub loading: RwSignal<bool>,
    pub updated: RwSignal<Option<DateTime<Utc>>>,
    /// Set when the server throttled (429): not before then.
    pub retry_at: RwSignal<Option<DateTime<Utc>>>,
    generation: StoredValue<u64>,
}

impl<T: Send + Sync + 'static> Clone for Loader<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Loader<T> {}

impl<T: Send + Sync + 'static> Default for Loader<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send + Sync + 'static> Loader<T> {
    pub fn new() -> Self {
        Loader {
            data: RwSignal::new(None),
            error: RwSignal::new(None),
            loading: RwSignal::new(false),
            updated: RwSignal::new(None),
            retry_at: RwSignal::new(None),
            generation: StoredValue::new(0),
        }
    }

    /// Starts `fetch`; its result is dropped if another run started meanwhile.
    pub fn run(&self, fetch: impl Future<Output = Result<T, ApiError>> + 'static) {
        // Boxed so the bookkeeping below compiles once per data type rather
        // than once per call site.
        self.run_boxed(Box::pin(fetch));
    }

    fn run_boxed(&self, fetch: Pin<Box<dyn Future<Output = Result<T, ApiError>>>>) {
        let this = *self;
        let Some(generation) = this.generation.try_update_value(|g| {
            *g += 1;
            *g
        }) else {
            return;
        };
        this.loading.set(true);
        spawn_local(async move {
            let result = fetch.await;
            if this.generation.try_get_value() != Some(generation) {
                return;
            }
            match result {
                Ok(value) => {
                    this.data.try_set(Some(value));
                    this.error.try_set(None);
                    this.retry_at.try_set(None);
                    this.updated.try_set(Some(web::now()));
                }
                Err(error) => {
                    if let ApiError::Throttled {
                        retry_after_secs, ..
                    } = &error
                    {
                        // Without a number, a minute: polling on would only
                        // prolong the throttling.
                        let wait = retry_after_secs.unwrap_or(60).min(3600) as i64;
                        this.retry_at
                            .try_set(Some(web::now() + chrono::Duration::seconds(wait)));
                    }
                    this.error.try_set(Some(error));
                }
            }
            this.loading.try_set(false);
        });
    }

    pub fn clear(&self) {
        self.generation.update_value(|g| *g += 1);
        self.data.set(None);
        self.error.set(None);
        self.loading.set(false);
    }
}
