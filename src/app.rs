//! The application shell.

use leptos::prelude::*;

#[component]
pub fn App() -> impl IntoView {
    view! {
        <header class="topbar">
            <span class="brand">"Taskdeck"</span>
            <span class="tagline">"Background tasks of Paperless-ngx and InvenTree"</span>
        </header>
        <main class="content" id="main">
            <section class="empty-state" data-testid="no-connections" aria-labelledby="empty-title">
                <h1 id="empty-title">"No servers connected"</h1>
                <p>
                    "Taskdeck shows the task queues of your Paperless-ngx and InvenTree servers: "
                    "what is pending, what failed and why, and what runs on a schedule."
                </p>
            </section>
        </main>
    }
}
