//! The detail view of one row: every field, JSON and tracebacks as
//! preformatted text with copy buttons. Server text is only ever text.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::api::time::ServerTime;
use crate::components::time::{Exact, ServerWhen};
use crate::reactive::effect;
use crate::web;

pub enum Detail {
    Text(String),
    /// Monospace text that may be long: tracebacks, args, ids.
    Code(String),
    /// Monospace text already laid out across lines (Python values as
    /// `pprint` writes them): lines wrap where the drawer is narrower.
    LaidOut(String),
    Json(serde_json::Value),
    Time(Option<DateTime<Utc>>),
    ServerTime(Option<ServerTime>),
    /// A page of the connection's own server (opened in the system
    /// browser by the desktop app, which checks it belongs to `connection`).
    Link {
        href: String,
        text: String,
        connection: String,
    },
    /// What the list itself puts there: an action on this row.
    View(ViewFn),
    Missing,
}

impl Detail {
    pub fn text_or_missing(value: Option<impl Into<String>>) -> Detail {
        value
            .map(|v| Detail::Text(v.into()))
            .unwrap_or(Detail::Missing)
    }

    pub fn code_or_missing(value: Option<impl Into<String>>) -> Detail {
        value
            .map(Into::into)
            .filter(|v: &String| !v.trim().is_empty())
            .map(Detail::Code)
            .unwrap_or(Detail::Missing)
    }

    pub fn laid_out_or_missing(value: Option<impl Into<String>>) -> Detail {
        match Detail::code_or_missing(value) {
            Detail::Code(text) => Detail::LaidOut(text),
            other => other,
        }
    }
}

pub struct Field {
    pub label: &'static str,
    pub value: Detail,
}

pub fn field(label: &'static str, value: Detail) -> Field {
    Field { label, value }
}

#[component]
fn CopyButton(text: String, label: &'static str) -> impl IntoView {
    let copied = RwSignal::new(false);
    view! {
        <button
            class="btn btn-small"
            aria-label=format!("Copy {label}")
            on:click=move |_| {
                web::copy_to_clipboard(&text);
                copied.set(true);
                set_timeout(move || { copied.try_set(false); }, std::time::Duration::from_secs(2));
            }
        >
            {move || if copied.get() { "Copied" } else { "Copy" }}
        </button>
    }
}

/// Preformatted text with its copy button (above it, not over it).
fn code_block(
    label: &'static str,
    code: String,
    frame: &'static str,
    class: &'static str,
) -> AnyView {
    view! {
        <div class=frame>
            <CopyButton text=code.clone() label=label />
            <pre class=class><code>{code}</code></pre>
        </div>
    }
    .into_any()
}

fn render_value(label: &'static str, value: Detail) -> AnyView {
    match value {
        Detail::Text(t) => view! { <span class="detail-text">{t}</span> }.into_any(),
        Detail::Code(code) => {
            // A message on one line wraps; a traceback keeps its lines
            // whole and scrolls. The copy button sits above, never on it.
            let frame = if code.trim_end().contains('\n') {
                "code-block"
            } else {
                "code-block code-wrap"
            };
            code_block(label, code, frame, "")
        }
        Detail::LaidOut(code) => code_block(label, code, "code-block", "laid-out"),
        Detail::Json(value) => {
            code_block(
                label,
                serde_json::to_string_pretty(&value).unwrap_or_default(),
                "code-block",
                "",
            )
        }
        Detail::Time(t) => view! { <Exact at=t /> }.into_any(),
        Detail::ServerTime(t) => view! { <ServerWhen at=t /> }.into_any(),
        Detail::Link {
            href,
            text,
            connection,
        } => view! {
            <a href=href target="_blank" rel="noopener noreferrer" data-connection=connection>{text}</a>
        }
        .into_any(),
        Detail::View(render) => render.run(),
        Detail::Missing => view! { <span class="muted">"–"</span> }.into_any(),
    }
}

#[component]
pub fn DetailDrawer(
    #[prop(into)] title: String,
    #[prop(into, optional)] subtitle: String,
    fields: Vec<Field>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let close_ref = NodeRef::<leptos::html::Button>::new();
    effect(move || {
        if let Some(b) = close_ref.get() {
            let _ = b.focus();
        }
    });
    view! {
        <div
            class="drawer"
            role="dialog"
            aria-labelledby="drawer-title"
            data-testid="detail-drawer"
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    on_close.run(());
                }
            }
        >
            <header class="drawer-head">
                <div>
                    <h2 id="drawer-title">{title}</h2>
                    {(!subtitle.is_empty()).then(|| view! { <p class="muted">{subtitle}</p> })}
                </div>
                <button
                    class="btn-icon"
                    node_ref=close_ref
                    aria-label="Close details"
                    data-testid="drawer-close"
                    on:click=move |_| on_close.run(())
                >
                    "×"
                </button>
            </header>
            <dl class="detail-list">
                {fields
                    .into_iter()
                    .map(|f| {
                        view! {
                            <dt>{f.label}</dt>
                            <dd>{render_value(f.label, f.value)}</dd>
                        }
                    })
                    .collect_view()}
            </dl>
        </div>
    }
}
