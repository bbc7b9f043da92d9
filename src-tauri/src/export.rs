//! Saving an export where the user chose, through the native save dialog:
//! the page never names a path itself.

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

/// Writes the export next to its final place, then moves it there, so a
/// failed write never leaves half a file under the chosen name.
pub fn write_export(path: &Path, content: &str) -> Result<PathBuf, String> {
    if content.len() > MAX_EXPORT_BYTES {
        return Err(format!(
            "The export is {} MB, more than the {} MB Taskdeck saves.",
            content.len() / 1_000_000,
            MAX_EXPORT_BYTES / 1_000_000
        ));
    }
    let partial = path.with_extension("taskdeck-partial");
    std::fs::write(&partial, content)
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&partial);
            format!("The file could not be written: {e}")
        })?;
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
        assert!(!dir.join("tasks.taskdeck-partial").exists());
        let missing = dir.join("no-such-folder").join("tasks.csv");
        assert!(write_export(&missing, bytes).is_err());
        assert!(!missing.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
