//! Confirmation before anything is changed on a server.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::reactive::effect;
use leptos::html;
use leptos::prelude::*;

/// A modal dialog. Cancel has the focus first, so Enter on a stray keypress
/// does not confirm a destructive action; Escape cancels.
#[component]
pub fn ConfirmDialog(
    #[prop(into)] title: Signal<String>,
    #[prop(into)] confirm_label: Signal<String>,
    #[prop(into)] busy: Signal<bool>,
    /// Disables the confirm button, e.g. while the affected rows are counted.
    #[prop(into, optional)]
    not_ready: Signal<bool>,
    #[prop(default = true)] danger: bool,
    #[prop(into)] on_confirm: Callback<()>,
    #[prop(into)] on_cancel: Callback<()>,
    children: Children,
) -> impl IntoView {
    // Cancelled, the focus goes back where the user was. Confirmed, what
    // opened the dialog is used up (the selection goes, a card is removed),
    // so it goes to the screen's heading; the outcome is announced.
    let opener = crate::web::remember_focus();
    let confirmed = Arc::new(AtomicBool::new(false));
    let was_confirmed = confirmed.clone();
    on_cleanup(move || {
        let cancelled = !was_confirmed.load(Ordering::Relaxed);
        crate::web::return_focus(opener, cancelled, "#screen-title");
    });
    let on_confirm = move |_| {
        confirmed.store(true, Ordering::Relaxed);
        on_confirm.run(());
    };
    let cancel_ref = NodeRef::<html::Button>::new();
    effect(move || {
        if let Some(button) = cancel_ref.get() {
            let _ = button.focus();
        }
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && !busy.get_untracked() {
            ev.prevent_default();
            on_cancel.run(());
        }
    };
    view! {
        <div class="modal-backdrop" on:keydown=on_key>
            <div
                class="modal"
                role="alertdialog"
                aria-modal="true"
                aria-labelledby="confirm-title"
                aria-describedby="confirm-body"
                data-testid="confirm-dialog"
            >
                <h2 id="confirm-title">{move || title.get()}</h2>
                <div id="confirm-body" class="modal-body">{children()}</div>
                <div class="modal-actions">
                    <button
                        class="btn"
                        node_ref=cancel_ref
                        data-testid="confirm-cancel"
                        disabled=move || busy.get()
                        on:click=move |_| on_cancel.run(())
                    >
                        "Cancel"
                    </button>
                    <button
                        class=if danger { "btn btn-danger" } else { "btn btn-primary" }
                        data-testid="confirm-ok"
                        disabled=move || busy.get() || not_ready.get()
                        on:click=on_confirm
                    >
                        {move || if busy.get() { "Working…".to_string() } else { confirm_label.get() }}
                    </button>
                </div>
            </div>
        </div>
    }
}
