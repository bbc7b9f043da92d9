//! The desktop app's IPC: whether the page runs inside it, and calling its
//! commands (their names and argument types are defined once, in
//! `api::ipc`). A leaf: the transports and the browser helpers use it.

#[cfg(target_arch = "wasm32")]
mod imp {
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = ["window", "__TAURI_INTERNALS__"], js_name = invoke, catch)]
        async fn tauri_invoke(command: &str, args: JsValue) -> Result<JsValue, JsValue>;
    }

    /// Whether the page runs inside the Taskdeck desktop app. Always false
    /// in the browser build: without the `desktop` feature the compiler
    /// drops the Tauri transport and every desktop-only branch.
    pub fn in_desktop_app() -> bool {
        cfg!(feature = "desktop")
            && web_sys::window()
                .map(|w| {
                    js_sys::Reflect::has(&w, &JsValue::from_str("__TAURI_INTERNALS__"))
                        .unwrap_or(false)
                })
                .unwrap_or(false)
    }

    fn to_json(value: &JsValue) -> String {
        if value.is_undefined() {
            return "null".into();
        }
        js_sys::JSON::stringify(value)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| "null".into())
    }

    /// Calls a command of the desktop app. `Err` carries the command's error
    /// as JSON text (commands return typed errors or strings).
    pub async fn desktop<A: Serialize, R: DeserializeOwned>(
        command: &str,
        args: &A,
    ) -> Result<R, String> {
        let args = serde_json::to_string(args).map_err(|e| e.to_string())?;
        let args = js_sys::JSON::parse(&args).map_err(|e| to_json(&e))?;
        // A command's error is a typed value (JSON) or a sentence: a sentence
        // is passed on as it is, not as quoted JSON.
        let value = tauri_invoke(command, args)
            .await
            .map_err(|e| e.as_string().unwrap_or_else(|| to_json(&e)))?;
        serde_json::from_str(&to_json(&value)).map_err(|e| format!("{command}: {e}"))
    }

    /// Sends a command at once and does not wait for its answer: the IPC
    /// message leaves before this returns, even if the WASM module stops
    /// right after (a panic).
    pub fn tell_desktop_now<A: Serialize>(command: &str, args: &A) {
        if !in_desktop_app() {
            return;
        }
        let Ok(args) = serde_json::to_string(args) else {
            return;
        };
        let Ok(args) = js_sys::JSON::parse(&args) else {
            return;
        };
        let internals = web_sys::window()
            .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str("__TAURI_INTERNALS__")).ok());
        let Some(internals) = internals else { return };
        let Ok(invoke) = js_sys::Reflect::get(&internals, &JsValue::from_str("invoke")) else {
            return;
        };
        if let Ok(invoke) = invoke.dyn_into::<js_sys::Function>() {
            let _ = invoke.call2(&internals, &JsValue::from_str(command), &args);
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    pub fn in_desktop_app() -> bool {
        false
    }

    pub async fn desktop<A: serde::Serialize, R: serde::de::DeserializeOwned>(
        command: &str,
        _args: &A,
    ) -> Result<R, String> {
        Err(format!("{command}: not in the desktop app"))
    }

    pub fn tell_desktop_now<A: serde::Serialize>(_command: &str, _args: &A) {}
}

pub use imp::*;
