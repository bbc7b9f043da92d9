//! The application shell: contexts, navigation and routes.

use leptos::prelude::*;
use leptos_router::components::{A, Router};
use leptos_router::hooks::use_location;
use leptos_router::location::{BrowserUrl, LocationProvider};

use crate::components::feedback::{ToastRegion, Toasts};
use crate::context::{Clock, Connections, Settings, Theme};
use crate::pages::NotFound;
use crate::pages::connections::ConnectionsPage;
use crate::pages::health::HealthPage;
use crate::pages::inventree::QueuePage;
use crate::pages::inventree::lists::InvenTreeListPage;
use crate::pages::overview::OverviewPage;
use crate::pages::paperless::PaperlessTasksPage;
use crate::pages::paperless::mail::MailPage;
use crate::pages::paperless::running::RunningPage;
use crate::pages::paperless::slow::SlowPage;
use crate::reactive::effect;
use crate::state::connections::ServerKind;
use crate::state::inventree_view::Queue;
use crate::state::route::{InvenTreeList, PaperlessList, Route};
use crate::state::time::Zone;

#[component]
pub fn App() -> impl IntoView {
    let connections = Connections::load();
    let settings = Settings::load();
    provide_context(connections);
    provide_context(settings);
    provide_context(Clock::start());
    provide_context(Toasts::new());
    provide_context(crate::pages::paperless::follow::Runs::new());
    crate::desktop::watch_attention(connections);

    // `/` focuses the screen's search box, as in most admin consoles.
    let _ = window_event_listener(leptos::ev::keydown, |ev| {
        if ev.key() != "/" || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let typing = document()
            .active_element()
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        if typing {
            return;
        }
        if let Some(search) = document().query_selector("[data-search]").ok().flatten() {
            use wasm_bindgen::JsCast;
            if let Ok(input) = search.dyn_into::<leptos::web_sys::HtmlElement>() {
                ev.prevent_default();
                let _ = input.focus();
            }
        }
    });

    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="topbar">
                <A href="/" attr:class="brand">"Taskdeck"</A>
                <span class="tagline">"Background tasks of Paperless-ngx and InvenTree"</span>
                <div class="topbar-actions">
                    <button
                        class="btn btn-ghost"
                        data-testid="zone-toggle"
                        title="Show absolute times in your zone or in UTC"
                        on:click=move |_| settings.zone.update(|z| *z = z.toggled())
                    >
                        {move || match settings.zone.get() {
                            Zone::Local => "Times: local",
                            Zone::Utc => "Times: UTC",
                        }}
                    </button>
                    <button
                        class="btn btn-ghost"
                        data-testid="theme-toggle"
                        title="Switch between light and dark"
                        on:click=move |_| {
                            let next = if settings.effective_dark() { Theme::Light } else { Theme::Dark };
                            settings.theme.set(next);
                        }
                    >
                        {move || if settings.effective_dark() { "Light theme" } else { "Dark theme" }}
                    </button>
                </div>
            </header>
            <div class="layout">
                <nav class="sidebar" aria-label="Servers">
                    <A href="/" exact=true>"Overview"</A>
                    {move || connections.list.get().into_iter().map(|c| {
                        let name = view! {
                            {c.name.clone()}
                            {c.not_working.clone().map(|why| view! {
                                <span class="not-working" title=why data-testid="nav-not-working">" · not working"</span>
                            })}
                        };
                        match c.kind {
                            ServerKind::Paperless => view! {
                                <div class="nav-group">
                                    <span class="nav-server">{name}</span>
                                    <A href=Route::paperless(&c.id).path() exact=true>"Tasks"</A>
                                    {PaperlessList::ALL.iter().map(|&l| view! {
                                        <A href=Route::paperless_list(&c.id, l).path()>{l.label()}</A>
                                    }).collect_view()}
                                    <A href=Route::health(&c.id).path()>"Health"</A>
                                </div>
                            }.into_any(),
                            ServerKind::InvenTree => view! {
                                <div class="nav-group">
                                    <span class="nav-server">{name}</span>
                                    <A href=Route::queue(&c.id, Queue::Pending).path()>"Pending"</A>
                                    <A href=Route::queue(&c.id, Queue::Failed).path()>"Failed"</A>
                                    <A href=Route::queue(&c.id, Queue::Scheduled).path()>"Scheduled"</A>
                                    {InvenTreeList::ALL.iter().map(|&l| view! {
                                        <A href=Route::inventree_list(&c.id, l).path()>{l.label()}</A>
                                    }).collect_view()}
                                    <A href=Route::health(&c.id).path()>"Health"</A>
                                </div>
                            }.into_any(),
                        }
                    }).collect_view()}
                    <A href="/connections" attr:data-testid="nav-connections">"Connections"</A>
                </nav>
                <main class="content" id="main">
                    <Screen />
                </main>
            </div>
            <ToastRegion />
        </Router>
    }
}

/// The screen for the current path. A typed [`Route`] rather than a route
/// table: the routes are flat, and leptos_router's matcher cost about 16 KB
/// of the gzipped download. Query-only changes keep the screen.
#[component]
fn Screen() -> impl IntoView {
    let location = use_location();
    let route = Memo::new(move |_| Route::parse(&location.pathname.get()));
    // leptos_router writes a new path into the address bar and history once
    // the route table reports the new screen ready; here that is as soon as
    // the path has changed.
    let browser = use_context::<BrowserUrl>();
    effect(move || {
        location.pathname.track();
        if let Some(browser) = &browser {
            browser.ready_to_complete();
        }
    });
    move || match route.get() {
        Route::Overview => view! { <OverviewPage /> }.into_any(),
        Route::Connections => view! { <ConnectionsPage /> }.into_any(),
        Route::PaperlessTasks { connection } => {
            view! { <PaperlessTasksPage connection /> }.into_any()
        }
        Route::InvenTreeQueue { connection, queue } => {
            view! { <QueuePage connection queue /> }.into_any()
        }
        Route::Health { connection } => view! { <HealthPage connection /> }.into_any(),
        Route::PaperlessList { connection, list } => match list {
            PaperlessList::Running => view! { <RunningPage connection /> }.into_any(),
            PaperlessList::Slow => view! { <SlowPage connection /> }.into_any(),
            PaperlessList::Mail => view! { <MailPage connection /> }.into_any(),
        },
        Route::InvenTreeList { connection, list } => {
            view! { <InvenTreeListPage connection list /> }.into_any()
        }
        Route::NotFound => view! { <NotFound /> }.into_any(),
    }
}
