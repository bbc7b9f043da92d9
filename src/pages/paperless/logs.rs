//! The server's log files (`/api/logs/`, staff only), the end of one at a
//! time: what an admin would otherwise read with a shell.

use std::rc::Rc;

use leptos::prelude::*;

use crate::api::ApiError;
use crate::api::paperless::PaperlessClient;
use crate::components::loader::Loader;

/// How many of the last lines are shown.
const TAIL: usize = 300;

fn level_class(line: &str) -> &'static str {
    if line.contains("[ERROR]") || line.contains("[CRITICAL]") {
        "log-line log-error"
    } else if line.contains("[WARNING]") {
        "log-line log-warning"
    } else {
        "log-line"
    }
}

#[component]
pub fn ServerLogs(client: Rc<PaperlessClient>) -> impl IntoView {
    let client = StoredValue::new_local(client);
    let names = Loader::<Vec<String>>::new();
    let lines = Loader::<Vec<String>>::new();
    let chosen = RwSignal::new(None::<String>);
    let open = RwSignal::new(false);
    let show = move |name: String| {
        chosen.set(Some(name.clone()));
        let client = client.get_value();
        lines.run(async move {
            let call = client.log_call(&name)?;
            let mut all = call.send(crate::transport::current()).await?;
            let skip = all.len().saturating_sub(TAIL);
            Ok(all.split_off(skip))
        });
    };
    let toggle = move |_| {
        let now_open = !open.get_untracked();
        open.set(now_open);
        if now_open && names.data.get_untracked().is_none() {
            let client = client.get_value();
            names.run(async move { client.logs_call().send(crate::transport::current()).await });
        }
    };
    view! {
        <section class="panel" aria-labelledby="logs-title" data-testid="server-logs">
            <h2 id="logs-title" class="panel-title">
                <button class="btn btn-link" aria-expanded=move || open.get().to_string() on:click=toggle>
                    {move || if open.get() { "▾ Server logs" } else { "▸ Server logs" }}
                </button>
            </h2>
            <Show when=move || open.get()>
                {move || match (names.data.get(), names.error.get()) {
                    (_, Some(ApiError::Forbidden { .. })) => view! {
                        <p class="muted">"Only Paperless staff may read the server's logs."</p>
                    }.into_any(),
                    (_, Some(e)) => view! { <p class="run-bad">{e.to_string()}</p> }.into_any(),
                    (Some(list), _) => view! {
                        <div class="log-names">
                            {list.into_iter().map(|name| {
                                let label = name.clone();
                                let current = name.clone();
                                view! {
                                    <button
                                        class="btn btn-small"
                                        data-log=name.clone()
                                        aria-pressed=move || (chosen.get().as_deref() == Some(current.as_str())).to_string()
                                        on:click=move |_| show(name.clone())
                                    >{label}</button>
                                }
                            }).collect_view()}
                        </div>
                    }.into_any(),
                    (None, None) => view! { <p class="muted">"Loading…"</p> }.into_any(),
                }}
                {move || lines.error.get().map(|e| view! { <p class="run-bad">{e.to_string()}</p> })}
                {move || lines.data.get().map(|lines| view! {
                    <p class="muted small">{format!("The last {} lines, oldest first.", lines.len())}</p>
                    <pre class="log" data-testid="log-lines">
                        {lines.into_iter().map(|line| {
                            let class = level_class(&line);
                            view! { <span class=class>{line}"\n"</span> }
                        }).collect_view()}
                    </pre>
                })}
            </Show>
        </section>
    }
}
