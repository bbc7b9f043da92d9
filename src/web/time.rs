//! The browser's clock, its time zone, and waiting without blocking.

use chrono::{DateTime, FixedOffset, Utc};

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::*;
    use wasm_bindgen::JsValue;

    pub fn now() -> DateTime<Utc> {
        DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
    }

    /// The browser's offset at that instant (so summer and winter times are
    /// both right).
    pub fn local_offset_at(t: DateTime<Utc>) -> FixedOffset {
        let date = js_sys::Date::new(&JsValue::from_f64(t.timestamp_millis() as f64));
        let minutes_west = date.get_timezone_offset() as i32;
        FixedOffset::west_opt(minutes_west * 60).unwrap_or(FixedOffset::east_opt(0).unwrap())
    }

    /// Waits, without blocking the page.
    pub async fn sleep(duration: std::time::Duration) {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                    &resolve,
                    duration.as_millis().min(i32::MAX as u128) as i32,
                );
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::*;

    pub fn now() -> DateTime<Utc> {
        Utc::now()
    }
    pub fn local_offset_at(_t: DateTime<Utc>) -> FixedOffset {
        FixedOffset::east_opt(0).expect("zero offset")
    }
    pub async fn sleep(_duration: std::time::Duration) {}
}

pub use imp::*;
