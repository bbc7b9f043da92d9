//! Reactive helpers shared by the screens.

use leptos::prelude::*;

/// `Effect::new` for effects that ignore their previous value, with the
/// closure boxed first. Every distinct closure given to `Effect::new`
/// compiles its own copy of the effect machinery (about 1.3 KB of WASM);
/// boxing first lets all of the app's effects share one copy.
pub fn effect(run: impl FnMut() + 'static) {
    let mut run: Box<dyn FnMut()> = Box::new(run);
    Effect::new(move |_| run());
}
