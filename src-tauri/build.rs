fn main() {
    // Every app command gets an `allow-<name>` permission; the capability
    // file grants exactly these, so the webview can call nothing else.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "http_request",
            "load_connections",
            "save_connections",
            "store_token",
            "forget_connection",
            "set_attention",
            "notify_failure",
        ]),
    ))
    .expect("tauri build configuration");
}
