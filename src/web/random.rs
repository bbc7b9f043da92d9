//! Random bits for ids (never for secrets).

/// 48 random bits.
#[cfg(target_arch = "wasm32")]
pub fn random_bits() -> u64 {
    let half = || (js_sys::Math::random() * f64::from(1u32 << 24)) as u64;
    (half() << 24) | half()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn random_bits() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(super::now().timestamp_nanos_opt())
}
