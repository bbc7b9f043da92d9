//! Taskdeck's desktop app: the Trunk-built UI in a Tauri 2 window, and a
//! thin, strict transport behind it. Requests go through
//! [`desk::Desk::send`] in Rust (no CORS needed, allow-listed), tokens live
//! in the best credential store that works here, settings in the config
//! directory. Command names and argument types come from
//! [`taskdeck_api::ipc`].

pub mod allow;
pub mod desk;
pub mod export;
pub mod secrets;

use tauri::Manager;
use tauri_plugin_notification::NotificationExt;
use tauri_plugin_opener::OpenerExt;

use taskdeck_api::ipc::{DesktopConnection, DesktopState};
use taskdeck_api::{HttpRequest, HttpResponse, TransportError};

use desk::Desk;

#[tauri::command]
async fn http_request(
    desk: tauri::State<'_, Desk>,
    request: HttpRequest,
    timeout_secs: u32,
) -> Result<HttpResponse, TransportError> {
    desk.send(request, timeout_secs).await
}

#[tauri::command]
async fn load_connections(desk: tauri::State<'_, Desk>) -> Result<DesktopState, String> {
    if let Err(e) = desk.import_demo_offer().await {
        eprintln!("taskdeck: demo connections not imported: {e}");
    }
    Ok(desk.state())
}

#[tauri::command]
fn save_connection(
    desk: tauri::State<'_, Desk>,
    connection: DesktopConnection,
    token: Option<String>,
) -> Result<DesktopConnection, String> {
    desk.save_connection(connection, token)
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
fn notify_failure(
    app: tauri::AppHandle,
    server: String,
    new_failures: u64,
    new_problems: Vec<String>,
) -> Result<(), String> {
    let mut news: Vec<String> = match new_failures {
        0 => Vec::new(),
        1 => vec!["1 new failed task".to_string()],
        n => vec![format!("{n} new failed tasks")],
    };
    news.extend(new_problems);
    app.notification()
        .builder()
        .title(format!("{server}: {}", news.join("; ")))
        .body("Open Taskdeck to see what failed and why.")
        .show()
        .map_err(|e| e.to_string())
}

/// Opens a page of a connection's own server (a document) in the system
/// browser; any other address is refused.
#[tauri::command]
fn open_in_browser(
    app: tauri::AppHandle,
    desk: tauri::State<'_, Desk>,
    connection_id: String,
    url: String,
) -> Result<(), String> {
    let page = desk.page_of(&connection_id, &url)?;
    app.opener()
        .open_url(page, None::<&str>)
        .map_err(|e| format!("The browser could not be opened: {e}"))
}

/// Asks where to save an export and writes it there.
#[tauri::command]
async fn save_export(
    app: tauri::AppHandle,
    file_name: String,
    content: String,
) -> Result<Option<String>, String> {
    use tauri_plugin_dialog::DialogExt;
    let chosen = app
        .dialog()
        .file()
        .set_title("Save the export")
        .set_file_name(export::suggested_name(&file_name))
        .blocking_save_file();
    let Some(path) = chosen else {
        return Ok(None);
    };
    let path = path
        .into_path()
        .map_err(|e| format!("That place cannot be written to: {e}"))?;
    export::write_export(&path, &content).map(|p| Some(p.display().to_string()))
}

/// The console panicked: its message goes to the app's log (stderr), the
/// only place an admin or a bug report finds it; the webview's console
/// reaches nobody in the desktop app.
#[tauri::command]
fn log_panic(message: String) {
    let message: String = message.chars().take(4000).collect();
    eprintln!("taskdeck: the console stopped working (a panic in the UI): {message}");
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
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let config = app.path().app_config_dir()?.join("connections.json");
            let vault = secrets::TokenVault::probe(secrets::platform_backends());
            eprintln!(
                "taskdeck: tokens are kept in the {}",
                vault.location().label()
            );
            app.manage(Desk::new(config, vault, demo_offer_arg()));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            http_request,
            load_connections,
            save_connection,
            forget_connection,
            set_attention,
            notify_failure,
            open_in_browser,
            save_export,
            log_panic,
        ])
        .run(tauri::generate_context!())
        .expect("Taskdeck desktop failed to start");
}

#[cfg(test)]
mod capability_tests {
    /// The window may call the app's own commands and nothing else: no
    /// event permissions (the webview listens to none), no plugin's.
    #[test]
    fn the_capability_grants_exactly_the_apps_commands() {
        let capability: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/default.json")).unwrap();
        let granted: Vec<&str> = capability["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        let commands: Vec<String> = taskdeck_api::ipc::COMMANDS
            .iter()
            .map(|c| taskdeck_api::ipc::permission(c))
            .collect();
        assert_eq!(granted, commands);
        assert!(
            !granted.iter().any(|p| p.starts_with("core:")),
            "{granted:?}"
        );
    }
}
