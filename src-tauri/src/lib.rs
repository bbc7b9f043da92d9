//! Taskdeck's desktop app: the Trunk-built UI in a Tauri 2 window. Requests
//! go through [`desk::Desk::send`] in Rust (no CORS needed, allow-listed),
//! tokens live in the OS credential store, settings in the config directory.

pub mod allow;
pub mod desk;
pub mod secrets;

use tauri::Manager;
use tauri_plugin_notification::NotificationExt;

use taskdeck::api::{HttpRequest, HttpResponse, TransportError};
use taskdeck::state::connections::DesktopConnection;

use desk::Desk;

#[tauri::command]
async fn http_request(
    desk: tauri::State<'_, Desk>,
    request: HttpRequest,
) -> Result<HttpResponse, TransportError> {
    desk.send(request).await
}

#[tauri::command]
async fn load_connections(desk: tauri::State<'_, Desk>) -> Result<Vec<DesktopConnection>, String> {
    if let Err(e) = desk.import_demo_offer().await {
        eprintln!("taskdeck: demo connections not imported: {e}");
    }
    Ok(desk.connections())
}

#[tauri::command]
fn save_connections(
    desk: tauri::State<'_, Desk>,
    connections: Vec<DesktopConnection>,
) -> Result<(), String> {
    desk.save_connections(connections)
}

#[tauri::command]
fn store_token(desk: tauri::State<'_, Desk>, id: String, token: String) -> Result<(), String> {
    desk.store_token(&id, &token)
}

#[tauri::command]
fn forget_connection(desk: tauri::State<'_, Desk>, id: String) -> Result<(), String> {
    desk.forget(&id)
}

/// The window title carries the number of tasks needing attention.
#[tauri::command]
fn set_attention(window: tauri::WebviewWindow, count: u64) -> Result<(), String> {
    let title = match count {
        0 => "Taskdeck".to_string(),
        n => format!("Taskdeck — {n} need attention"),
    };
    window.set_title(&title).map_err(|e| e.to_string())
}

#[tauri::command]
fn notify_failure(app: tauri::AppHandle, server: String, new_failures: u64) -> Result<(), String> {
    let body = match new_failures {
        1 => "1 new failed task".to_string(),
        n => format!("{n} new failed tasks"),
    };
    app.notification()
        .builder()
        .title(format!("{server}: {body}"))
        .body("Open Taskdeck to see what failed and why.")
        .show()
        .map_err(|e| e.to_string())
}

fn demo_offer_arg() -> Option<String> {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--demo-connections" {
            return args.next();
        }
    }
    None
}

pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let config = app.path().app_config_dir()?.join("connections.json");
            let secrets = Box::new(secrets::KeyringStore::new());
            app.manage(Desk::new(config, secrets, demo_offer_arg()));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            http_request,
            load_connections,
            save_connections,
            store_token,
            forget_connection,
            set_attention,
            notify_failure,
        ])
        .run(tauri::generate_context!())
        .expect("Taskdeck desktop failed to start");
}
