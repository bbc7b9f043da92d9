//! Taskdeck's desktop app: the Trunk-built UI in a Tauri 2 window, and a
//! thin, strict transport behind it. Requests go through
//! [`desk::Desk::send`] in Rust (no CORS needed, allow-listed), tokens live
//! in the best credential store that works here, settings in the config
//! directory. Command names and argument types come from
//! [`taskdeck_api::ipc`]. The watcher's core runs in the same process
//! ([`watch::AppWatch`]): closing the window leaves the app in the tray,
//! watching, until Quit.

pub mod allow;
pub mod desk;
pub mod export;
pub mod secrets;
pub mod watch;

use std::sync::Arc;

use tauri::Manager;
use tauri_plugin_autostart::ManagerExt;
use tauri_plugin_notification::NotificationExt;
use tauri_plugin_opener::OpenerExt;

use taskdeck_api::ipc::{DesktopConnection, DesktopState, WatchStatus};
use taskdeck_api::watcher::ActionEntry;
use taskdeck_api::{HttpRequest, HttpResponse, TransportError};

use desk::Desk;
use watch::AppWatch;

#[tauri::command]
async fn http_request(
    desk: tauri::State<'_, Desk>,
    request: HttpRequest,
    timeout_secs: u32,
) -> Result<HttpResponse, TransportError> {
    desk.send(request, timeout_secs).await
}

#[tauri::command]
async fn load_connections(
    app: tauri::AppHandle,
    desk: tauri::State<'_, Desk>,
) -> Result<DesktopState, String> {
    match desk.import_demo_offer().await {
        Ok(true) => rewatch(&app),
        Ok(false) => {}
        Err(e) => eprintln!("taskdeck: demo connections not imported: {e}"),
    }
    Ok(desk.state())
}

#[tauri::command]
fn save_connection(
    app: tauri::AppHandle,
    desk: tauri::State<'_, Desk>,
    connection: DesktopConnection,
    token: Option<String>,
) -> Result<DesktopConnection, String> {
    let saved = desk.save_connection(connection, token)?;
    rewatch(&app);
    Ok(saved)
}

#[tauri::command]
fn forget_connection(
    app: tauri::AppHandle,
    desk: tauri::State<'_, Desk>,
    id: String,
) -> Result<(), String> {
    desk.forget(&id)?;
    rewatch(&app);
    Ok(())
}

/// Keeps an action-log entry in the app's history file.
#[tauri::command]
fn record_action(watch: tauri::State<'_, AppWatch>, entry: ActionEntry) -> Result<(), String> {
    watch.record(&entry)
}

#[tauri::command]
fn list_actions(
    watch: tauri::State<'_, AppWatch>,
    from: chrono::NaiveDate,
    limit: u32,
) -> Result<Vec<serde_json::Value>, String> {
    watch.actions(from, limit)
}

#[tauri::command]
fn watch_status(watch: tauri::State<'_, AppWatch>) -> WatchStatus {
    watch.status()
}

#[tauri::command]
fn watch_history(
    watch: tauri::State<'_, AppWatch>,
    connection_id: String,
    from: chrono::NaiveDate,
) -> Result<Option<serde_json::Value>, String> {
    watch.history(&connection_id, from)
}

/// Starts Taskdeck at login (in the tray, watching), or not.
#[tauri::command]
fn set_autostart(
    app: tauri::AppHandle,
    watch: tauri::State<'_, AppWatch>,
    enabled: bool,
) -> Result<WatchStatus, String> {
    let launcher = app.autolaunch();
    let done = if enabled {
        launcher.enable()
    } else {
        launcher.disable()
    };
    done.map_err(|e| format!("The system refused: {e}"))?;
    watch.set_autostart(launcher.is_enabled().unwrap_or(enabled));
    Ok(watch.status())
}

/// Restarts the app's watcher over the connections as they are now (on a
/// thread of its own: stopping the old one waits for its thread).
fn rewatch(app: &tauri::AppHandle) {
    let app = app.clone();
    std::thread::spawn(move || {
        let watched = app.state::<Desk>().watched();
        let notifying = app.clone();
        let tell = Arc::new(move |notice: taskdeck_watch::Notice| {
            eprintln!("taskdeck: alert ({}): {}", notice.state, notice.title);
            if !notifying.state::<Desk>().notifies(&notice.server) {
                return;
            }
            if let Err(e) = notifying
                .notification()
                .builder()
                .title(&notice.title)
                .body(&notice.message)
                .show()
            {
                eprintln!("taskdeck: the notification could not be shown: {e}");
            }
        });
        app.state::<AppWatch>().restart(watched, tell);
    });
}

/// The tray icon: Show brings the window back, Quit ends the app (and its
/// watching). `false` where this desktop has no tray to offer.
fn tray(app: &tauri::AppHandle) -> bool {
    use tauri::menu::{Menu, MenuItem};
    use tauri::tray::TrayIconBuilder;
    let build = || -> tauri::Result<()> {
        let show = MenuItem::with_id(app, "show", "Show Taskdeck", true, None::<&str>)?;
        let quit = MenuItem::with_id(app, "quit", "Quit (stop watching)", true, None::<&str>)?;
        let menu = Menu::with_items(app, &[&show, &quit])?;
        let mut builder = TrayIconBuilder::with_id("taskdeck")
            .tooltip("Taskdeck: watching your servers")
            .menu(&menu)
            .on_menu_event(|app, event| match event.id().as_ref() {
                "show" => {
                    if let Some(window) = app.get_webview_window("main") {
                        let _ = window.show();
                        let _ = window.set_focus();
                    }
                }
                "quit" => app.exit(0),
                _ => {}
            });
        if let Some(icon) = app.default_window_icon() {
            builder = builder.icon(icon.clone());
        }
        builder.build(app)?;
        Ok(())
    };
    // Linux loads its tray library (libayatana-appindicator) when first
    // used, and panics where it is missing: then there is no tray, and
    // closing the window ends the app, as before.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(build)) {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            eprintln!("taskdeck: no tray icon: {e}");
            false
        }
        Err(_) => {
            eprintln!("taskdeck: no tray icon (this desktop's tray library is missing)");
            false
        }
    }
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

fn arg_value(name: &str) -> Option<String> {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == name {
            return args.next();
        }
    }
    None
}

/// Started at login: in the tray, the window hidden.
const HIDDEN_ARG: &str = "--hidden";

pub fn run() {
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![HIDDEN_ARG]),
        ))
        .setup(|app| {
            let config = app.path().app_config_dir()?.join("connections.json");
            let vault = secrets::TokenVault::probe(secrets::platform_backends());
            eprintln!(
                "taskdeck: tokens are kept in the {}",
                vault.location().label()
            );
            app.manage(Desk::new(config, vault, arg_value("--demo-connections")));
            // How often the app's watcher polls (`--watch-every 10s`; a
            // minute unless told otherwise).
            let every = arg_value("--watch-every")
                .and_then(|text| taskdeck_watch::config::parse_duration(&text).ok())
                .filter(|d| !d.is_zero())
                .unwrap_or(std::time::Duration::from_secs(60));
            let watch = AppWatch::new(app.path().app_data_dir()?, every);
            watch.set_autostart(app.autolaunch().is_enabled().unwrap_or(false));
            watch.set_tray(tray(app.handle()));
            app.manage(watch);
            rewatch(app.handle());
            // The window starts hidden (tauri.conf.json), so one started at
            // login never flashes up.
            let hidden =
                std::env::args().any(|a| a == HIDDEN_ARG) && app.state::<AppWatch>().status().tray;
            if let Some(window) = app.get_webview_window("main")
                && !hidden
            {
                window.show()?;
            }
            Ok(())
        })
        .on_window_event(|window, event| {
            // With a tray, closing the window hides it: watching goes on.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event
                && window.state::<AppWatch>().status().tray
            {
                api.prevent_close();
                let _ = window.hide();
                eprintln!(
                    "taskdeck: the window is closed; watching goes on (Quit in the tray ends it)"
                );
            }
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
            record_action,
            list_actions,
            watch_status,
            watch_history,
            set_autostart,
        ])
        .build(tauri::generate_context!())
        .expect("Taskdeck desktop failed to start");
    app.run(|app, event| {
        if let tauri::RunEvent::Exit = event {
            app.state::<AppWatch>().stop();
        }
    });
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
