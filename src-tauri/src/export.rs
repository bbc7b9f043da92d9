//! Saving an export where the user chose, through the native save dialog:
//! the page never names a path itself.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Larger exports are refused (a 300,000-row Paperless list is ~150 MB).
pub const MAX_EXPORT_BYTES: usize = 512 * 1024 * 1024;

/// The name the dialog suggests: the page's, reduced to a plain file name
/// with an export extension.
pub fn suggested_name(requested: &str) -> String {
    let base = Path::new(requested)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("");
    let clean: String = base
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let clean = clean.trim_start_matches('.');
    match Path::new(clean).extension().and_then(|e| e.to_str()) {
        Some("csv" | "json") => clean.to_string(),
        _ => format!(
            "{}.csv",
            if clean.is_empty() {
                "taskdeck-export"
            } else {
                clean
            }
        ),
    }
}

/// Writes the export beside its final place, then moves it there, so a
/// failed write never leaves half a file under the chosen name. The
/// partial file has a random name and is created exclusively (never
/// through a symlink someone placed there), is synced before it is renamed
/// into place, and is removed if anything fails (`tempfile`).
pub fn write_export(path: &Path, content: &str) -> Result<PathBuf, String> {
    if content.len() > MAX_EXPORT_BYTES {
        return Err(format!(
            "The export is {} MB, more than the {} MB Taskdeck saves.",
            content.len() / 1_000_000,
            MAX_EXPORT_BYTES / 1_000_000
        ));
    }
    let failed = |e: std::io::Error| format!("The file could not be written: {e}");
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut partial = tempfile::Builder::new()
        .prefix(".taskdeck-export-")
        .suffix(".partial")
        .tempfile_in(folder)
        .map_err(failed)?;
    partial.write_all(content.as_bytes()).map_err(failed)?;
    partial.as_file().sync_all().map_err(failed)?;
    partial.persist(path).map_err(|e| failed(e.error))?;
    // The rename itself survives a crash once the folder is synced.
    #[cfg(unix)]
    if let Ok(dir) = std::fs::File::open(folder) {
        let _ = dir.sync_all();
    }
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suggested_name_is_a_plain_export_file_name() {
        assert_eq!(
            suggested_name("office_tasks_2026-12-03.csv"),
            "office_tasks_2026-12-03.csv"
        );
        assert_eq!(suggested_name("../../.bashrc"), "bashrc.csv");
        assert_eq!(suggested_name("/etc/passwd"), "passwd.csv");
        assert_eq!(suggested_name("a b<c>.json"), "abc.json");
        assert_eq!(suggested_name(""), "taskdeck-export.csv");
    }

    #[test]
    fn an_export_is_written_whole_or_not_at_all() {
        let dir = std::env::temp_dir().join(format!("taskdeck-export-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tasks.csv");
        let bytes = "\u{feff}Id,Name\r\n1,\"a,b\"\r\n";
        assert_eq!(write_export(&path, bytes).unwrap(), path);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), bytes);
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["tasks.csv"], "no partial file is left");
        let missing = dir.join("no-such-folder").join("tasks.csv");
        assert!(write_export(&missing, bytes).is_err());
        assert!(!missing.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Issue 25, item 20: a file planted where the partial export used to
    /// go (a predictable name) is neither followed nor overwritten.
    #[cfg(unix)]
    #[test]
    fn a_symlink_beside_the_export_is_not_followed() {
        let dir = std::env::temp_dir().join(format!("taskdeck-export-link-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let victim = dir.join("victim.txt");
        std::fs::write(&victim, "keep me").unwrap();
        std::os::unix::fs::symlink(&victim, dir.join("tasks.taskdeck-partial")).unwrap();
        let path = dir.join("tasks.csv");
        write_export(&path, "Id\r\n1\r\n").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "Id\r\n1\r\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
