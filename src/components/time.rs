//! Times as people read them: relative, with the exact time on hover.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::api::time::ServerTime;
use crate::context::{Clock, Settings};
use crate::state::time::{absolute, relative, server_time};
use crate::web;

/// `4 min ago`, with the absolute time (local or UTC, per the setting) as a
/// tooltip and in `datetime`.
#[component]
pub fn When(at: Option<DateTime<Utc>>) -> impl IntoView {
    let Clock(now) = expect_context::<Clock>();
    let settings = expect_context::<Settings>();
    match at {
        Some(t) => {
            let exact = move || absolute(t, settings.zone.get(), web::local_offset_at(t));
            view! {
                <time datetime=t.to_rfc3339() title=exact>
                    {move || relative(t, now.get())}
                </time>
            }
            .into_any()
        }
        None => view! { <span class="muted">"–"</span> }.into_any(),
    }
}

/// The absolute time in the chosen zone, for detail views.
#[component]
pub fn Exact(at: Option<DateTime<Utc>>) -> impl IntoView {
    let settings = expect_context::<Settings>();
    let Clock(now) = expect_context::<Clock>();
    match at {
        Some(t) => view! {
            <time datetime=t.to_rfc3339()>
                {move || absolute(t, settings.zone.get(), web::local_offset_at(t))}
                <span class="muted">" (" {move || relative(t, now.get())} ")"</span>
            </time>
        }
        .into_any(),
        None => view! { <span class="muted">"–"</span> }.into_any(),
    }
}

/// An InvenTree time: shown as sent, marked as the server's wall-clock time.
#[component]
pub fn ServerWhen(at: Option<ServerTime>) -> impl IntoView {
    match at {
        Some(t) => view! {
            <time class="server-time" title=server_time(&t)>{t.to_wire()}</time>
        }
        .into_any(),
        None => view! { <span class="muted">"–"</span> }.into_any(),
    }
}
