//! The keyboard command palette (Ctrl+K / ⌘K) and the `?` key overlay:
//! every server and list, the theme and time zone, and the actions the
//! current screen shows, without a mouse.

use crate::location::use_location;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::components::saved_views::SavedViews;
use crate::context::Connections;
use crate::state::connections::ServerKind;
use crate::state::inventree_view::Queue;
use crate::state::palette::{Command, KEYS, Target, matching};
use crate::state::route::{InvenTreeList, PaperlessList, Route};

fn go(label: String, route: Route) -> Command {
    Command {
        label,
        group: "Go to",
        target: Target::Go(route.path()),
    }
}

fn press(label: &str, css: &str) -> Command {
    Command {
        label: label.to_string(),
        group: "Action",
        target: Target::Press(css.to_string()),
    }
}

/// Buttons of the current screen that the palette can press, when shown
/// and enabled.
const SCREEN_ACTIONS: &[(&str, &str)] = &[
    ("Refresh this list", "[data-testid=refresh-now]"),
    (
        "Export CSV of every matching row",
        "[data-testid=export-csv]",
    ),
    (
        "Export JSON of every matching row",
        "[data-testid=export-json]",
    ),
    ("Dismiss the selected tasks…", "[data-testid=ack-selected]"),
    (
        "Delete the selected tasks…",
        "[data-testid=delete-selected]",
    ),
    (
        "Allow re-import of the selected mail…",
        "[data-testid=reimport-selected]",
    ),
];

fn shown(css: &str) -> bool {
    document()
        .query_selector(css)
        .ok()
        .flatten()
        .and_then(|el| el.dyn_into::<leptos::web_sys::HtmlElement>().ok())
        .is_some_and(|el| el.offset_parent().is_some() && !el.has_attribute("disabled"))
}

fn click(css: &str) {
    if let Some(el) = document()
        .query_selector(css)
        .ok()
        .flatten()
        .and_then(|el| el.dyn_into::<leptos::web_sys::HtmlElement>().ok())
    {
        el.click();
    }
}

/// Every command, for the screen as it is now.
fn commands(connections: Connections, views: Option<SavedViews>) -> Vec<Command> {
    let mut all = vec![
        go("Overview".into(), Route::Overview),
        go("Attention inbox".into(), Route::Attention),
        go("Failures by cause".into(), Route::Failures),
        go("Connections".into(), Route::Connections),
        go("Action log".into(), Route::Actions),
    ];
    for c in connections.list.get_untracked() {
        let name = c.name.clone();
        match c.kind {
            ServerKind::Paperless => {
                all.push(go(format!("{name}: Tasks"), Route::paperless(&c.id)));
                all.extend(PaperlessList::ALL.iter().map(|&l| {
                    go(
                        format!("{name}: {}", l.label()),
                        Route::paperless_list(&c.id, l),
                    )
                }));
            }
            ServerKind::InvenTree => {
                all.extend(
                    Queue::ALL
                        .into_iter()
                        .map(|q| go(format!("{name}: {}", q.label()), Route::queue(&c.id, q))),
                );
                all.extend(InvenTreeList::ALL.iter().map(|&l| {
                    go(
                        format!("{name}: {}", l.label()),
                        Route::inventree_list(&c.id, l),
                    )
                }));
            }
        }
        all.push(go(format!("{name}: Health"), Route::health(&c.id)));
        all.push(go(format!("{name}: Trends"), Route::trends(&c.id)));
    }
    if let Some(views) = views {
        all.extend(views.0.get_untracked().into_iter().map(|v| Command {
            label: v.name,
            group: "Saved view",
            target: Target::Go(v.path),
        }));
    }
    all.extend(
        SCREEN_ACTIONS
            .iter()
            .filter(|(_, css)| shown(css))
            .map(|(label, css)| press(label, css)),
    );
    all.push(Command {
        label: "Switch light / dark theme".into(),
        group: "View",
        target: Target::Press("[data-testid=theme-toggle]".into()),
    });
    all.push(Command {
        label: "Switch times between local and UTC".into(),
        group: "View",
        target: Target::Press("[data-testid=zone-toggle]".into()),
    });
    all.push(Command {
        label: "Keyboard shortcuts".into(),
        group: "Help",
        target: Target::Help,
    });
    all
}

#[component]
pub fn CommandPalette() -> impl IntoView {
    let connections = expect_context::<Connections>();
    let views = use_context::<SavedViews>();
    let location = use_location();
    let open = RwSignal::new(false);
    let help = RwSignal::new(false);
    let typed = RwSignal::new(String::new());
    let cursor = RwSignal::new(0usize);
    let listed = RwSignal::new(Vec::<Command>::new());
    let input = NodeRef::<leptos::html::Input>::new();

    let show = move || {
        listed.set(commands(connections, views));
        typed.set(String::new());
        cursor.set(0);
        help.set(false);
        open.set(true);
        request_animation_frame(move || {
            if let Some(input) = input.get_untracked() {
                let _ = input.focus();
            }
        });
    };
    // Servers that arrive while the palette is open (the installation's
    // list is read after the page starts) are offered at once.
    crate::reactive::effect(move || {
        connections.list.track();
        if open.get_untracked() {
            listed.set(commands(connections, views));
        }
    });
    let _ = window_event_listener(leptos::ev::keydown, move |ev| {
        let key = ev.key();
        if (ev.ctrl_key() || ev.meta_key()) && key.eq_ignore_ascii_case("k") {
            ev.prevent_default();
            if open.get_untracked() {
                open.set(false);
            } else {
                show();
            }
        } else if key == "Escape" {
            open.set(false);
            help.set(false);
        } else if key == "?" && !open.get_untracked() {
            let typing = document().active_element().is_some_and(|el| {
                matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
            });
            if !typing {
                help.update(|h| *h = !*h);
            }
        }
    });
    let shown_commands = Memo::new(move |_| {
        listed.with(|all| typed.with(|t| matching(all, t).into_iter().cloned().collect::<Vec<_>>()))
    });
    let run = move |command: Command| {
        open.set(false);
        match command.target {
            Target::Go(path) => location.navigate(&path, false),
            Target::Press(css) => click(&css),
            Target::Help => help.set(true),
        }
    };
    let run = StoredValue::new(run);
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let count = shown_commands.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if count > 0 => {
                ev.prevent_default();
                cursor.update(|c| *c = (*c + 1) % count);
            }
            "ArrowUp" if count > 0 => {
                ev.prevent_default();
                cursor.update(|c| *c = (*c + count - 1) % count);
            }
            "Enter" => {
                ev.prevent_default();
                let chosen =
                    shown_commands.with_untracked(|c| c.get(cursor.get_untracked()).cloned());
                if let Some(command) = chosen {
                    run.with_value(|run| run(command));
                }
            }
            _ => {}
        }
    };
    view! {
        <Show when=move || open.get()>
            <div class="modal-backdrop palette-backdrop" on:click=move |_| open.set(false)>
                <div
                    class="modal palette"
                    role="dialog"
                    aria-modal="true"
                    aria-label="Command palette"
                    data-testid="palette"
                    on:click=|ev| ev.stop_propagation()
                >
                    <input
                        node_ref=input
                        class="palette-input"
                        type="text"
                        placeholder="Go to a server or list, or run an action…"
                        aria-label="Command"
                        aria-controls="palette-list"
                        prop:value=move || typed.get()
                        on:input=move |ev| {
                            typed.set(event_target_value(&ev));
                            cursor.set(0);
                        }
                        on:keydown=on_key
                    />
                    // A tab stop of its own, with the input's keys: the list scrolls, and a keyboard user who tabs into it moves and chooses there too.
                    <ul
                        id="palette-list"
                        class="palette-list"
                        role="listbox"
                        aria-label="Commands"
                        tabindex="0"
                        on:keydown=on_key
                    >
                        {move || {
                            let current = cursor.get();
                            shown_commands.get().into_iter().enumerate().map(|(i, command)| {
                                let chosen = i == current;
                                let label = command.label.clone();
                                view! {
                                    <li
                                        role="option"
                                        aria-selected=chosen.to_string()
                                        class=if chosen { "palette-item chosen" } else { "palette-item" }
                                        on:click=move |_| run.with_value(|run| run(command.clone()))
                                    >
                                        <span class="muted small">{command.group}</span>
                                        " "
                                        {label}
                                    </li>
                                }
                            }).collect_view()
                        }}
                    </ul>
                </div>
            </div>
        </Show>
        <Show when=move || help.get()>
            <div class="modal-backdrop" on:click=move |_| help.set(false)>
                <div class="modal" role="dialog" aria-modal="true" aria-labelledby="keys-title" data-testid="keys-help">
                    <h2 id="keys-title">"Keyboard"</h2>
                    <dl class="keys">
                        {KEYS.iter().map(|(key, what)| view! { <dt><kbd>{*key}</kbd></dt><dd>{*what}</dd> }).collect_view()}
                    </dl>
                    <button class="btn" on:click=move |_| help.set(false)>"Close"</button>
                </div>
            </div>
        </Show>
    }
}
