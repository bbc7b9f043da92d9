//! Cells every list uses: long text on one line with an ellipsis and the
//! whole text on hover, dotted Python paths, and the rest.

use leptos::prelude::*;

/// Text that may be long: one line, an ellipsis, the whole text on hover
/// (and in the details).
pub fn text(text: impl Into<String>) -> AnyView {
    let text = text.into();
    let title = text.clone();
    view! { <td class="clip" title=title>{text}</td> }.into_any()
}

/// The row's name (file name, task): like [`text`], marked as the name.
pub fn name(text: impl Into<String>) -> AnyView {
    let text = text.into();
    let title = text.clone();
    view! { <td class="clip col-name" title=title>{text}</td> }.into_any()
}

/// Like [`text`], in a monospace font (ids, args).
pub fn code(text: impl Into<String>) -> AnyView {
    let text = text.into();
    let title = text.clone();
    view! { <td class="clip mono" title=title>{text}</td> }.into_any()
}

/// A dotted Python path (`part.tasks.check_stock`): the module muted and
/// shortened first, the function's own name whole. Shown in full, so a
/// column sorted by the path looks sorted.
pub fn python_path(path: &str) -> AnyView {
    let (module, name) = match path.rsplit_once('.') {
        Some((module, name)) => (format!("{module}."), name.to_string()),
        None => (String::new(), path.to_string()),
    };
    view! {
        <td title=path.to_string()>
            <span class="path"><span class="path-module">{module}</span><span class="path-name">{name}</span></span>
        </td>
    }
    .into_any()
}

/// Anything else, in a plain cell.
pub fn cell(content: impl IntoView + 'static) -> AnyView {
    view! { <td>{content}</td> }.into_any()
}

/// A right-aligned number.
pub fn number(content: impl IntoView + 'static) -> AnyView {
    view! { <td class="num">{content}</td> }.into_any()
}
