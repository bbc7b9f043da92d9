//! The browser's local and session storage, as [`KeyValueStore`]s.

use crate::state::connections::KeyValueStore;

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::KeyValueStore;

    pub struct BrowserStore {
        session: bool,
    }

    impl BrowserStore {
        fn storage(&self) -> Option<web_sys::Storage> {
            let window = web_sys::window()?;
            if self.session {
                window.session_storage().ok().flatten()
            } else {
                window.local_storage().ok().flatten()
            }
        }
    }

    impl KeyValueStore for BrowserStore {
        fn get(&self, key: &str) -> Option<String> {
            self.storage()?.get_item(key).ok().flatten()
        }
        fn set(&self, key: &str, value: &str) {
            if let Some(s) = self.storage() {
                let _ = s.set_item(key, value);
            }
        }
        fn remove(&self, key: &str) {
            if let Some(s) = self.storage() {
                let _ = s.remove_item(key);
            }
        }
    }

    pub fn local_store() -> BrowserStore {
        BrowserStore { session: false }
    }

    pub fn session_store() -> BrowserStore {
        BrowserStore { session: true }
    }

    /// Calls `changed` whenever another tab of this site writes `key` in
    /// local storage (the browser's `storage` event), for the page's life.
    pub fn on_storage_change(key: &'static str, changed: impl Fn() + 'static) {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;
        let Some(window) = web_sys::window() else {
            return;
        };
        let listener =
            Closure::<dyn Fn(web_sys::StorageEvent)>::new(move |event: web_sys::StorageEvent| {
                if event.key().as_deref() == Some(key) {
                    changed();
                }
            });
        let _ =
            window.add_event_listener_with_callback("storage", listener.as_ref().unchecked_ref());
        listener.forget();
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::KeyValueStore;

    pub struct NullStore;

    impl KeyValueStore for NullStore {
        fn get(&self, _key: &str) -> Option<String> {
            None
        }
        fn set(&self, _key: &str, _value: &str) {}
        fn remove(&self, _key: &str) {}
    }

    pub fn local_store() -> NullStore {
        NullStore
    }

    pub fn session_store() -> NullStore {
        NullStore
    }

    pub fn on_storage_change(_key: &'static str, _changed: impl Fn() + 'static) {}
}

pub use imp::*;
