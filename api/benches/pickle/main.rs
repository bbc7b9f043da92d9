//! `cargo xtask bench --only pickle` (or `cargo bench -p taskdeck-api
//! --bench pickle`): how long reading a failed task's arguments takes,
//! and the most memory it holds at once, for hostile inputs up to the
//! 1 MB cap. Each input goes through what the console does when a row
//! arrives: base64 (or JSON) decoded, read, and written in every form it
//! shows (cell, one line, details, calls on load). Prints, does not
//! assert: the budget (under 50 ms and 16 MB each) is judged on the
//! figures.

mod inputs;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use taskdeck_api::pickle::{read_base64, read_json, rust_shortest};

/// Counts the bytes allocated, and the most held at once since the last
/// reset.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = HELD.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, layout, size) };
        if !q.is_null() {
            if size > layout.size() {
                grew(size - layout.size());
            } else {
                HELD.fetch_sub(layout.size() - size, Ordering::Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What the console keeps of a row's arguments.
fn console_reads(input: &inputs::Input) -> Result<usize, String> {
    let reading = match input {
        inputs::Input::Pickle(base64) => read_base64(base64, rust_shortest),
        inputs::Input::Json(json) => read_json(json, rust_shortest),
    }
    .map_err(|e| e.reason)?;
    let kept = [
        reading.short(160),
        reading.text(),
        reading.pretty(60),
        reading.calls_on_load().join(", "),
    ];
    Ok(kept.iter().map(|t| t.chars().count()).sum())
}

fn main() {
    println!(
        "== reading failed tasks' arguments (native, release; the console's whole work per row)"
    );
    println!(
        "{:<52} {:>9} {:>9} {:>10}  outcome",
        "input", "bytes", "ms", "peak MB"
    );
    let mut worst_ms: f64 = 0.0;
    let mut worst_mb: f64 = 0.0;
    for (name, input) in inputs::all() {
        let size = input.decoded_len();
        let mut times = Vec::new();
        let mut peak = 0;
        let mut outcome = String::new();
        for _ in 0..5 {
            let before = HELD.load(Ordering::Relaxed);
            PEAK.store(before, Ordering::Relaxed);
            let started = Instant::now();
            let result = console_reads(&input);
            times.push(started.elapsed());
            peak = peak.max(PEAK.load(Ordering::Relaxed) - before);
            outcome = match result {
                Ok(chars) => format!("read, {chars} characters shown"),
                Err(reason) => format!("not read: {reason}"),
            };
            if started.elapsed() > Duration::from_secs(2) {
                break;
            }
        }
        times.sort();
        let ms = times[times.len() / 2].as_secs_f64() * 1000.0;
        let mb = peak as f64 / (1024.0 * 1024.0);
        worst_ms = worst_ms.max(ms);
        worst_mb = worst_mb.max(mb);
        println!("{name:<52} {size:>9} {ms:>9.2} {mb:>10.2}  {outcome}");
    }
    println!("worst: {worst_ms:.2} ms, {worst_mb:.2} MB (budget: under 50 ms and 16 MB per input)");
}
