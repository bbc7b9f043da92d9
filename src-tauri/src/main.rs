//! The desktop shell. Until the Tauri 2 app lands it only checks that the
//! shared API module builds for the desktop target, and says how to run the UI.

fn main() {
    let client = taskdeck::api::http::BaseUrl::parse("http://127.0.0.1:8080");
    match client {
        Ok(base) => println!(
            "The Taskdeck desktop app is not built yet. Run `cargo xtask run` and open {base}/."
        ),
        Err(e) => eprintln!("{e}"),
    }
}
