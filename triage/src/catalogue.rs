//! Known causes and their fixes: one data file (`triage/catalogue.json`),
//! versioned with the code, matched with plain case-insensitive text
//! fragments rather than regular expressions (no regex engine in the WASM
//! download, and an admin can read every rule).

use std::sync::OnceLock;

use serde::Deserialize;
use taskdeck_api::ServerKind;

/// What the console can do about a cause, where it has a screen for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Open the document the failed file duplicates.
    OpenOriginalDocument,
    /// Open the mail account the task names, to correct it and fetch again.
    OpenMailAccount,
    /// Open the server's health (worker, classifier, checks).
    OpenHealth,
    /// Open the server's log files.
    OpenServerLogs,
}

/// One known cause.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Entry {
    pub id: String,
    pub kind: ServerKind,
    pub title: String,
    /// The cause, in one sentence.
    pub cause: String,
    /// What to do.
    pub fix: String,
    pub action: Option<Action>,
    /// Every one of these must appear.
    #[serde(default)]
    all_of: Vec<String>,
    /// From each group, at least one must appear.
    #[serde(default)]
    any_of: Vec<Vec<String>>,
    /// None of these may appear.
    #[serde(default)]
    none_of: Vec<String>,
    /// A message it matches, recorded or quoted from a server's source.
    pub example: String,
    /// Where the example was read.
    pub example_source: String,
}

impl Entry {
    /// Whether this entry explains `lowered` (an error text, lower-cased).
    fn matches_lowered(&self, lowered: &str) -> bool {
        self.all_of.iter().all(|f| lowered.contains(f.as_str()))
            && self
                .any_of
                .iter()
                .all(|group| group.iter().any(|f| lowered.contains(f.as_str())))
            && !self.none_of.iter().any(|f| lowered.contains(f.as_str()))
    }

    /// The fragments this entry looks for, as an admin would read them.
    pub fn rule(&self) -> String {
        let mut parts: Vec<String> = self.all_of.iter().map(|f| format!("“{f}”")).collect();
        for group in &self.any_of {
            let alternatives: Vec<String> = group.iter().map(|f| format!("“{f}”")).collect();
            parts.push(if alternatives.len() == 1 {
                alternatives.join("")
            } else {
                format!("one of {}", alternatives.join(", "))
            });
        }
        let mut rule = parts.join(" and ");
        if !self.none_of.is_empty() {
            let not: Vec<String> = self.none_of.iter().map(|f| format!("“{f}”")).collect();
            rule.push_str(&format!(", but not {}", not.join(" or ")));
        }
        rule
    }
}

#[derive(Debug, Deserialize)]
pub struct Catalogue {
    pub version: u32,
    pub entries: Vec<Entry>,
}

impl Catalogue {
    /// Reads a catalogue; fragments are lower-cased here, once.
    pub fn parse(json: &str) -> Result<Catalogue, String> {
        let mut catalogue: Catalogue =
            serde_json::from_str(json).map_err(|e| format!("catalogue.json: {e}"))?;
        for entry in &mut catalogue.entries {
            let fragments = entry
                .all_of
                .iter()
                .chain(entry.none_of.iter())
                .chain(entry.any_of.iter().flatten());
            if let Some(f) = fragments.clone().find(|f| !f.is_ascii()) {
                // Matching folds ASCII case only (no Unicode case tables in the download).
                return Err(format!(
                    "catalogue.json: {}: fragment “{f}” is not ASCII",
                    entry.id
                ));
            }
            let lower = |v: &mut Vec<String>| v.iter_mut().for_each(|f| f.make_ascii_lowercase());
            lower(&mut entry.all_of);
            lower(&mut entry.none_of);
            entry.any_of.iter_mut().for_each(lower);
            if entry.all_of.is_empty() && entry.any_of.iter().all(Vec::is_empty) {
                return Err(format!("catalogue.json: {} matches everything", entry.id));
            }
        }
        Ok(catalogue)
    }

    /// The first entry for `kind` that explains `text` (message and
    /// traceback); entries are in the file's order, the more specific first.
    pub fn match_error(&self, kind: ServerKind, text: &str) -> Option<&Entry> {
        let lowered = text.to_ascii_lowercase();
        self.entries
            .iter()
            .find(|e| e.kind == kind && e.matches_lowered(&lowered))
    }

    /// Every entry for `kind` that explains `text`.
    pub fn matching(&self, kind: ServerKind, text: &str) -> Vec<&Entry> {
        let lowered = text.to_ascii_lowercase();
        self.entries
            .iter()
            .filter(|e| e.kind == kind && e.matches_lowered(&lowered))
            .collect()
    }

    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }
}

/// The catalogue shipped with this build.
pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        // Tested below on every build: the shipped file always parses.
        Catalogue::parse(include_str!("../catalogue.json")).expect("the shipped catalogue parses")
    })
}

/// The known cause of a failure with this text, if any.
pub fn match_error(kind: ServerKind, text: &str) -> Option<&'static Entry> {
    catalogue().match_error(kind, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_parses_with_unique_ids() {
        let c = catalogue();
        assert_eq!(c.version, 1);
        let mut ids: Vec<&str> = c.entries.iter().map(|e| e.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), c.entries.len());
        for e in &c.entries {
            assert!(
                !e.cause.is_empty() && !e.fix.is_empty() && !e.example_source.is_empty(),
                "{}",
                e.id
            );
            let prefix = match e.kind {
                ServerKind::Paperless => "paperless.",
                ServerKind::InvenTree => "inventree.",
            };
            assert!(e.id.starts_with(prefix), "{}", e.id);
        }
    }

    /// Each entry's example matches it and no other entry.
    fn matches_only_itself(id: &str) {
        let c = catalogue();
        let entry = c.entry(id).unwrap_or_else(|| panic!("no entry {id}"));
        let matching: Vec<&str> = c
            .matching(entry.kind, &entry.example)
            .iter()
            .map(|e| e.id.as_str())
            .collect();
        assert_eq!(matching, [id], "{id}'s example: {}", entry.example);
        // Nor does it match any entry of the other kind.
        let other = match entry.kind {
            ServerKind::Paperless => ServerKind::InvenTree,
            ServerKind::InvenTree => ServerKind::Paperless,
        };
        assert!(
            c.matching(other, &entry.example)
                .iter()
                .all(|e| e.kind == other)
        );
        assert_eq!(
            match_error(entry.kind, &entry.example).map(|e| e.id.as_str()),
            Some(id)
        );
    }

    #[test]
    fn every_entry_is_tested_here() {
        let tested = [
            "paperless.duplicate",
            "paperless.unsupported-type",
            "paperless.password-protected",
            "paperless.mail-authentication",
            "paperless.mail-tls",
            "paperless.mail-unreachable",
            "paperless.permissions",
            "paperless.classifier-too-few",
            "paperless.worker-killed",
            "paperless.sanity-check",
            "paperless.ocr-failed",
            "inventree.worker-not-running",
            "inventree.email",
            "inventree.exchange-rates",
            "inventree.update-check",
            "inventree.plugin-not-loaded",
            "inventree.function-not-defined",
            "inventree.missing-media",
            "inventree.database-locked",
        ];
        let ids: Vec<&str> = catalogue().entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, tested, "a new entry needs its test below");
    }

    #[test]
    fn paperless_duplicate() {
        matches_only_itself("paperless.duplicate");
    }

    #[test]
    fn paperless_unsupported_type() {
        matches_only_itself("paperless.unsupported-type");
    }

    #[test]
    fn paperless_password_protected() {
        matches_only_itself("paperless.password-protected");
        // The pikepdf wording of the same cause (issue 8099).
        let text = "Unexpected error while consuming document Lohnscheine_202410.pdf: /tmp/paperless/paperless-ngxos9aq0fc/Lohnscheine_202410.pdf: invalid password";
        assert_eq!(
            match_error(ServerKind::Paperless, text).map(|e| e.id.as_str()),
            Some("paperless.password-protected")
        );
    }

    #[test]
    fn paperless_mail_authentication() {
        matches_only_itself("paperless.mail-authentication");
    }

    #[test]
    fn paperless_mail_tls() {
        matches_only_itself("paperless.mail-tls");
    }

    #[test]
    fn paperless_mail_unreachable() {
        matches_only_itself("paperless.mail-unreachable");
        // The log line of a fetch whose port refuses (recorded).
        let log = "[2026-12-05 23:56:53,691] [ERROR] [paperless_mail] Error while retrieving mailbox Office IMAP (unreachable): [Errno 111] Connection refused";
        assert_eq!(
            match_error(ServerKind::Paperless, log).map(|e| e.id.as_str()),
            Some("paperless.mail-unreachable")
        );
        // A refused connection to redis is not the mail server's.
        assert_eq!(
            match_error(
                ServerKind::Paperless,
                "Error 111 connecting to redis:6379. Connection refused."
            ),
            None
        );
    }

    #[test]
    fn paperless_permissions() {
        matches_only_itself("paperless.permissions");
    }

    #[test]
    fn paperless_classifier_too_few() {
        matches_only_itself("paperless.classifier-too-few");
    }

    #[test]
    fn paperless_worker_killed() {
        matches_only_itself("paperless.worker-killed");
    }

    #[test]
    fn paperless_sanity_check() {
        matches_only_itself("paperless.sanity-check");
    }

    #[test]
    fn paperless_ocr_failed() {
        matches_only_itself("paperless.ocr-failed");
    }

    #[test]
    fn inventree_worker_not_running() {
        matches_only_itself("inventree.worker-not-running");
    }

    #[test]
    fn inventree_email() {
        matches_only_itself("inventree.email");
    }

    #[test]
    fn inventree_exchange_rates() {
        matches_only_itself("inventree.exchange-rates");
    }

    #[test]
    fn inventree_update_check() {
        matches_only_itself("inventree.update-check");
    }

    #[test]
    fn inventree_plugin_not_loaded() {
        matches_only_itself("inventree.plugin-not-loaded");
    }

    #[test]
    fn inventree_function_not_defined() {
        matches_only_itself("inventree.function-not-defined");
    }

    #[test]
    fn inventree_missing_media() {
        matches_only_itself("inventree.missing-media");
        let report =
            "[Errno 2] No such file or directory: '/nonexistent/reports/stocktake-2026-11.pdf'";
        assert_eq!(
            match_error(ServerKind::InvenTree, report).map(|e| e.id.as_str()),
            Some("inventree.missing-media")
        );
    }

    #[test]
    fn inventree_database_locked() {
        matches_only_itself("inventree.database-locked");
    }

    #[test]
    fn matching_ignores_case_and_the_other_kind() {
        assert_eq!(
            match_error(
                ServerKind::Paperless,
                "NOT CONSUMING: IT IS A DUPLICATE OF DOCUMENT #3"
            )
            .map(|e| e.id.as_str()),
            Some("paperless.duplicate")
        );
        assert_eq!(
            match_error(ServerKind::InvenTree, "It is a duplicate of document #3"),
            None
        );
        assert_eq!(
            match_error(ServerKind::Paperless, "math domain error"),
            None
        );
    }

    #[test]
    fn fragments_are_ascii_so_ascii_case_folding_is_enough() {
        let json = r#"{"version": 1, "entries": [{"id": "x", "kind": "paperless", "title": "t", "cause": "c", "fix": "f", "action": null, "any_of": [["Müller"]], "example": "e", "example_source": "s"}]}"#;
        assert!(Catalogue::parse(json).unwrap_err().contains("not ASCII"));
        // Text around the fragment may be anything.
        assert_eq!(
            match_error(
                ServerKind::Paperless,
                "Rechnung_MÜLLER.pdf: UNSUPPORTED MIME TYPE image/tiff"
            )
            .map(|e| e.id.as_str()),
            Some("paperless.unsupported-type")
        );
    }

    #[test]
    fn a_catalogue_that_would_match_everything_is_refused() {
        let json = r#"{"version": 1, "entries": [{"id": "x", "kind": "paperless", "title": "t", "cause": "c", "fix": "f", "action": null, "example": "e", "example_source": "s"}]}"#;
        assert!(
            Catalogue::parse(json)
                .unwrap_err()
                .contains("matches everything")
        );
    }

    #[test]
    fn an_entry_reads_as_a_rule() {
        let entry = catalogue().entry("inventree.function-not-defined").unwrap();
        assert_eq!(
            entry.rule(),
            "“is not defined” and “function ”, but not “function plugin.”"
        );
    }
}
