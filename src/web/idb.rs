//! IndexedDB as a small generic key-value store: string keys, JSON text
//! values, one object store per database (so each concern has a database
//! of its own and no upgrade of one waits for another's). Keys sort as
//! strings, so a time-prefixed key keeps entries in time order.
//!
//! For what outgrows local storage's few megabytes and must survive a
//! reload: the action log. Nothing secret is kept here.

#[cfg(target_arch = "wasm32")]
mod imp {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

    thread_local! {
        /// Open databases, by name: opened once per page.
        static OPEN: RefCell<HashMap<&'static str, IdbDatabase>> = RefCell::new(HashMap::new());
    }

    fn message(e: JsValue) -> String {
        e.dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| e.as_string())
            .unwrap_or_else(|| "IndexedDB failed".into())
    }

    /// Waits for a request: its result, or why it failed.
    async fn finished(request: &IdbRequest) -> Result<JsValue, String> {
        let promise = js_sys::Promise::new(&mut |resolve, reject| {
            request.set_onsuccess(Some(&resolve));
            request.set_onerror(Some(&reject));
        });
        let outcome = wasm_bindgen_futures::JsFuture::from(promise).await;
        request.set_onsuccess(None);
        request.set_onerror(None);
        match outcome {
            Ok(_) => request.result().map_err(message),
            Err(_) => Err(request
                .error()
                .ok()
                .flatten()
                .map(|e| e.message())
                .unwrap_or_else(|| "IndexedDB refused the request".into())),
        }
    }

    /// A database holding one object store of the same name.
    #[derive(Clone, Copy, Debug)]
    pub struct IdbStore {
        name: &'static str,
    }

    impl IdbStore {
        pub const fn new(name: &'static str) -> IdbStore {
            IdbStore { name }
        }

        async fn database(&self) -> Result<IdbDatabase, String> {
            if let Some(db) = OPEN.with(|open| open.borrow().get(self.name).cloned()) {
                return Ok(db);
            }
            let factory = web_sys::window()
                .and_then(|w| w.indexed_db().ok().flatten())
                .ok_or("this browser keeps no IndexedDB here (a private window?)")?;
            let request: IdbOpenDbRequest = factory.open_with_u32(self.name, 1).map_err(message)?;
            let name = self.name;
            let upgrade =
                wasm_bindgen::closure::Closure::once_into_js(move |event: web_sys::Event| {
                    let db = event
                        .target()
                        .and_then(|t| t.dyn_into::<IdbOpenDbRequest>().ok())
                        .and_then(|r| r.result().ok())
                        .and_then(|r| r.dyn_into::<IdbDatabase>().ok());
                    if let Some(db) = db {
                        let _ = db.create_object_store(name);
                    }
                });
            request.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
            let db: IdbDatabase = finished(&request).await?.dyn_into().map_err(message)?;
            request.set_onupgradeneeded(None);
            OPEN.with(|open| open.borrow_mut().insert(self.name, db.clone()));
            Ok(db)
        }

        async fn store(&self, mode: IdbTransactionMode) -> Result<web_sys::IdbObjectStore, String> {
            self.database()
                .await?
                .transaction_with_str_and_mode(self.name, mode)
                .and_then(|tx| tx.object_store(self.name))
                .map_err(message)
        }

        pub async fn put(&self, key: &str, value: &str) -> Result<(), String> {
            let store = self.store(IdbTransactionMode::Readwrite).await?;
            let request = store
                .put_with_key(&JsValue::from_str(value), &JsValue::from_str(key))
                .map_err(message)?;
            finished(&request).await.map(|_| ())
        }

        /// Every value, in key order.
        pub async fn values(&self) -> Result<Vec<String>, String> {
            let store = self.store(IdbTransactionMode::Readonly).await?;
            let request = store.get_all().map_err(message)?;
            let all: js_sys::Array = finished(&request).await?.dyn_into().map_err(message)?;
            Ok(all.iter().filter_map(|v| v.as_string()).collect())
        }

        /// Every key, in order.
        pub async fn keys(&self) -> Result<Vec<String>, String> {
            let store = self.store(IdbTransactionMode::Readonly).await?;
            let request = store.get_all_keys().map_err(message)?;
            let all: js_sys::Array = finished(&request).await?.dyn_into().map_err(message)?;
            Ok(all.iter().filter_map(|v| v.as_string()).collect())
        }

        pub async fn delete(&self, keys: &[String]) -> Result<(), String> {
            if keys.is_empty() {
                return Ok(());
            }
            let store = self.store(IdbTransactionMode::Readwrite).await?;
            // All asked for at once, in one transaction. Only the last is
            // waited for, its handlers set before this task yields: an
            // earlier request's events may fire before a later await could
            // listen, and requests of one transaction finish in order (a
            // failed one aborts the rest, the last included).
            let mut last = None;
            for key in keys {
                last = Some(store.delete(&JsValue::from_str(key)).map_err(message)?);
            }
            match last {
                Some(request) => finished(&request).await.map(|_| ()),
                None => Ok(()),
            }
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    /// Native builds (tests, linting) keep nothing.
    #[derive(Clone, Copy, Debug)]
    pub struct IdbStore;

    impl IdbStore {
        pub const fn new(_name: &'static str) -> IdbStore {
            IdbStore
        }
        pub async fn put(&self, _key: &str, _value: &str) -> Result<(), String> {
            Err("no IndexedDB outside a browser".into())
        }
        pub async fn values(&self) -> Result<Vec<String>, String> {
            Err("no IndexedDB outside a browser".into())
        }
        pub async fn keys(&self) -> Result<Vec<String>, String> {
            Err("no IndexedDB outside a browser".into())
        }
        pub async fn delete(&self, _keys: &[String]) -> Result<(), String> {
            Err("no IndexedDB outside a browser".into())
        }
    }
}

pub use imp::IdbStore;
