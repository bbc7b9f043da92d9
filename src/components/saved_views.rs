//! Saved views: "Save view" beside any list's filters, and the saved views
//! in the navigation (each a link) and in the command palette.

use leptos::prelude::*;

use crate::components::form::TextField;
use crate::location::{Link, use_location};
use crate::state::saved_views::{self, SavedView, add, remove, view_path};
use crate::web;

/// The saved views, app-wide; every change is kept at once.
#[derive(Clone, Copy)]
pub struct SavedViews(pub RwSignal<Vec<SavedView>>);

impl SavedViews {
    pub fn load() -> SavedViews {
        SavedViews(RwSignal::new(saved_views::load(&web::local_store())))
    }

    fn change(
        &self,
        f: impl FnOnce(&mut Vec<SavedView>) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut views = self.0.get_untracked();
        f(&mut views)?;
        saved_views::save(&web::local_store(), &views);
        self.0.set(views);
        Ok(())
    }
}

/// Names the current list's filters and keeps them.
#[component]
pub fn SaveViewButton() -> impl IntoView {
    let Some(views) = use_context::<SavedViews>() else {
        return ().into_any();
    };
    let location = use_location();
    let open = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let path = location
            .query
            .with_untracked(|q| view_path(&location.path.get_untracked(), q));
        match views.change(|v| add(v, &name.get_untracked(), &path)) {
            Ok(()) => {
                open.set(false);
                name.set(String::new());
            }
            Err(e) => problem.set(Some(e)),
        }
    };
    view! {
        <span class="save-view">
            <button
                class="btn"
                type="button"
                data-testid="save-view"
                title="Keep these filters under a name, in the navigation and the command palette"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| {
                    problem.set(None);
                    open.update(|o| *o = !*o);
                    // The name field, once shown.
                    request_animation_frame(|| {
                        if let Some(input) = document().query_selector("input[name=view-name]").ok().flatten() {
                            use wasm_bindgen::JsCast;
                            if let Ok(input) = input.dyn_into::<leptos::web_sys::HtmlElement>() {
                                let _ = input.focus();
                            }
                        }
                    });
                }
            >
                "Save view"
            </button>
            {move || open.get().then(|| view! {
                <form class="save-view-form" on:submit=save>
                    <TextField label="Name " name="view-name" value=name />
                    <button class="btn btn-primary" type="submit" data-testid="save-view-ok">"Save"</button>
                    {move || problem.get().map(|p| view! { <span class="hint" role="alert">{p}</span> })}
                </form>
            })}
        </span>
    }
    .into_any()
}

/// The saved views in the navigation: each a link, with a way to forget it.
#[component]
pub fn NavSavedViews() -> impl IntoView {
    let views = expect_context::<SavedViews>();
    move || {
        let list = views.0.get();
        (!list.is_empty()).then(|| {
            view! {
                <div class="nav-group" data-testid="nav-saved-views">
                    <span class="nav-server">"Saved views"</span>
                    {list.into_iter().map(|v| {
                        let name = v.name.clone();
                        view! {
                            <span class="nav-saved">
                                <Link href=v.path.clone() attr:data-testid="saved-view" attr:title=v.path.clone()>{v.name.clone()}</Link>
                                <button
                                    class="btn-icon btn-small"
                                    aria-label=format!("Forget the saved view {name}")
                                    data-testid="forget-view"
                                    on:click=move |_| {
                                        let _ = views.change(|all| {
                                            remove(all, &name);
                                            Ok(())
                                        });
                                    }
                                >
                                    "×"
                                </button>
                            </span>
                        }
                    }).collect_view()}
                </div>
            }
        })
    }
}
