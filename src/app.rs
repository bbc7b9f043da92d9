//! The application shell: contexts, navigation and routes.

use crate::location::{Link, Location};
use leptos::prelude::*;

use crate::api::ipc::{self, NotifyArgs};
use crate::components::feedback::{ToastRegion, Toasts};
use crate::components::palette::CommandPalette;
use crate::components::saved_views::NavSavedViews;
use crate::context::{Changed, Clock, Connections, Settings, Theme};
use crate::pages::NotFound;
use crate::pages::attention::{AttentionPage, NOTIFY_KEY, NewCount, inbox, seen_as_stored};
use crate::pages::connections::ConnectionsPage;
use crate::pages::failures::FailuresPage;
use crate::pages::health::HealthPage;
use crate::pages::inventree::QueuePage;
use crate::pages::inventree::lists::InvenTreeListPage;
use crate::pages::overview::OverviewPage;
use crate::pages::paperless::PaperlessTasksPage;
use crate::pages::paperless::mail::MailPage;
use crate::pages::paperless::running::RunningPage;
use crate::pages::paperless::slow::SlowPage;
use crate::reactive::effect;
use crate::state::connections::KeyValueStore;
use crate::state::connections::ServerKind;
use crate::state::inventree_view::Queue;
use crate::state::notify::{self, Notifier};
use crate::state::route::{InvenTreeList, PaperlessList, Route};
use crate::state::site::SiteState;
use crate::state::time::Zone;
use crate::web;

#[component]
pub fn App() -> impl IntoView {
    Location::provide();
    let connections = Connections::load();
    let settings = Settings::load();
    provide_context(connections);
    provide_context(settings);
    provide_context(Clock::start());
    provide_context(Toasts::new());
    let changed = Changed::new();
    provide_context(changed);
    let watching = crate::watching::Watching::load();
    provide_context(watching);
    let log = crate::action_log::ActionLog::new(watching, connections, changed);
    provide_context(log);
    provide_context(crate::runs::Runs::new(changed, log));
    provide_context(crate::components::saved_views::SavedViews::load());
    let new_count = NewCount(RwSignal::new(None));
    provide_context(new_count);
    watch_new(connections, new_count, watching);
    effect(move || {
        if let Some(defaults) = connections.site_defaults.get() {
            settings.adopt(&defaults);
        }
    });
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
            // The fragment holds the route, so the skip link moves focus itself.
            <a class="skip-link" href="#main" on:click=|ev| {
                ev.prevent_default();
                if let Some(main) = document().get_element_by_id("main") {
                    use wasm_bindgen::JsCast;
                    if let Ok(main) = main.dyn_into::<leptos::web_sys::HtmlElement>() {
                        let _ = main.focus();
                    }
                }
            }>"Skip to content"</a>
            <header class="topbar">
                <Link href="/" attr:class="brand">"Taskdeck"</Link>
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
                    <Link href="/">"Overview"</Link>
                    <Link href=Route::Attention.path() attr:data-testid="nav-attention">
                        "Attention"
                        {move || new_count.0.get().filter(|n| *n > 0).map(|n| view! {
                            <span class="count count-alert" title="new since you last looked">{n}</span>
                        })}
                    </Link>
                    <Link href=Route::Failures.path() attr:data-testid="nav-failures">"Failures by cause"</Link>
                    <NavSavedViews />
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
                                    <Link href=Route::paperless(&c.id).path()>"Tasks"</Link>
                                    {PaperlessList::ALL.iter().map(|&l| view! {
                                        <Link href=Route::paperless_list(&c.id, l).path()>{l.label()}</Link>
                                    }).collect_view()}
                                    <Link href=Route::health(&c.id).path()>"Health"</Link>
                                    <Link href=Route::trends(&c.id).path()>"Trends"</Link>
                                </div>
                            }.into_any(),
                            ServerKind::InvenTree => view! {
                                <div class="nav-group">
                                    <span class="nav-server">{name}</span>
                                    <Link href=Route::queue(&c.id, Queue::Pending).path()>"Pending"</Link>
                                    <Link href=Route::queue(&c.id, Queue::Failed).path()>"Failed"</Link>
                                    <Link href=Route::queue(&c.id, Queue::Scheduled).path()>"Scheduled"</Link>
                                    {InvenTreeList::ALL.iter().map(|&l| view! {
                                        <Link href=Route::inventree_list(&c.id, l).path()>{l.label()}</Link>
                                    }).collect_view()}
                                    <Link href=Route::health(&c.id).path()>"Health"</Link>
                                    <Link href=Route::trends(&c.id).path()>"Trends"</Link>
                                </div>
                            }.into_any(),
                        }
                    }).collect_view()}
                    <Link href=Route::Actions.path() attr:data-testid="nav-actions">"Action log"</Link>
                    <Link href="/connections" attr:data-testid="nav-connections">"Connections"</Link>
                </nav>
                <main class="content" id="main" tabindex="-1">
                    {move || match connections.site.get() {
                        state @ SiteState::Unusable(_) => Some(view! {
                            <p class="banner banner-error" role="alert" data-testid="site-config-error">{state.explanation()}</p>
                        }),
                        _ => None,
                    }}
                    <Screen />
                </main>
            </div>
            <ToastRegion />
            <CommandPalette />
    }
}

/// The screen for the current route. A typed [`Route`] rather than a route
/// table: the routes are flat. Query-only changes keep the screen.
#[component]
fn Screen() -> impl IntoView {
    let location = crate::location::use_location();
    let route = Memo::new(move |_| location.route());
    move || match route.get() {
        Route::Overview => view! { <OverviewPage /> }.into_any(),
        Route::Connections => view! { <ConnectionsPage /> }.into_any(),
        Route::Actions => view! { <crate::pages::actions::ActionsPage /> }.into_any(),
        Route::Trends { connection } => {
            view! { <crate::pages::trends::TrendsPage connection /> }.into_any()
        }
        Route::Attention => view! { <AttentionPage /> }.into_any(),
        Route::Failures => view! { <FailuresPage /> }.into_any(),
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

/// Counts what is new in the attention inbox for the navigation, once the
/// connections are known and then every minute, and tells about what is
/// new: a browser notification (when the user asked for them) or the
/// desktop app's, per server that opted in. One rule for both
/// ([`Notifier`]). The desktop app's own watcher, when it runs, notifies
/// of what its rules find instead, window open or not.
fn watch_new(connections: Connections, count: NewCount, watching: crate::watching::Watching) {
    let notifier = StoredValue::new_local(Notifier::default());
    let poll = move || {
        if !connections.ready.get_untracked() {
            return;
        }
        leptos::task::spawn_local(async move {
            let rows = inbox(connections, seen_as_stored()).await;
            count
                .0
                .try_set(Some(rows.iter().filter(|r| r.is_new()).count()));
            let items: Vec<_> = rows.iter().map(|r| r.item()).collect();
            let Some(news) = notifier.try_update_value(|n| n.news(&items)) else {
                return;
            };
            if news.is_empty() {
                return;
            }
            if crate::ipc::in_desktop_app() {
                if watching.desktop_watching() {
                    return;
                }
                let list = connections.list.get_untracked();
                for (server, n) in news {
                    if list.iter().any(|c| c.name == server && c.notify_failures) {
                        let args = NotifyArgs {
                            server,
                            new_failures: n.new_failures,
                            new_problems: n.new_problems,
                        };
                        let _ = crate::ipc::desktop::<_, ()>(ipc::NOTIFY_FAILURE, &args).await;
                    }
                }
            } else if web::notifications_granted() && web::local_store().get(NOTIFY_KEY).is_some() {
                web::notify("Taskdeck: new failures", &notify::summary(&news));
            }
        });
    };
    // A few seconds after the start (or a change of servers), so the first
    // poll does not compete with the screen the user opened, and can often
    // take the task lists that screen has just read.
    effect(move || {
        if connections.ready.get() {
            connections.list.track();
            set_timeout(poll, std::time::Duration::from_secs(5));
        }
    });
    if let Ok(handle) = set_interval_with_handle(poll, std::time::Duration::from_secs(60)) {
        on_cleanup(move || handle.clear());
    }
}
