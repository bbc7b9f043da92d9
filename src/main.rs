#[cfg(target_arch = "wasm32")]
fn main() {
    taskdeck::web::panic::install();
    leptos::mount::mount_to_body(taskdeck::app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "Taskdeck's UI runs in a browser: build it with `trunk build` or run `cargo xtask run`."
    );
    std::process::exit(2);
}
