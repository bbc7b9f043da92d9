//! The command palette's commands and how typing narrows them.

/// What a command does.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// Opens a path of the app.
    Go(String),
    /// Presses a button the current screen shows (by CSS selector).
    Press(String),
    /// Shows the keyboard help.
    Help,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    pub label: String,
    /// "Go to", "Action", "View": shown beside the label.
    pub group: &'static str,
    pub target: Target,
}

/// The commands whose label and group contain every typed word, in order.
pub fn matching<'a>(commands: &'a [Command], typed: &str) -> Vec<&'a Command> {
    let words: Vec<String> = typed.split_whitespace().map(str::to_lowercase).collect();
    commands
        .iter()
        .filter(|c| {
            let text = format!("{} {}", c.group, c.label).to_lowercase();
            words.iter().all(|w| text.contains(w.as_str()))
        })
        .collect()
}

/// The keys, for the `?` overlay.
pub const KEYS: &[(&str, &str)] = &[
    (
        "Ctrl+K / ⌘K",
        "Open the command palette: go to any server and list, run this screen's actions",
    ),
    ("?", "Show these keys"),
    ("/", "Search the list"),
    ("↑ ↓, Enter", "Choose and run a command"),
    ("Esc", "Close the palette, a dialog or the details"),
    (
        "Tab / Shift+Tab",
        "Move between links, buttons and row checkboxes; Space ticks a box, Enter presses a button (“Details” opens a row)",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn go(label: &str) -> Command {
        Command {
            label: label.into(),
            group: "Go to",
            target: Target::Go(label.into()),
        }
    }

    #[test]
    fn every_typed_word_narrows_the_list() {
        let commands = [
            go("Office paperless: Tasks"),
            go("Office paperless: Mail"),
            go("Lab InvenTree: Failed"),
        ];
        let labels = |typed| -> Vec<String> {
            matching(&commands, typed)
                .iter()
                .map(|c| c.label.clone())
                .collect()
        };
        assert_eq!(labels("").len(), 3);
        assert_eq!(
            labels("office"),
            ["Office paperless: Tasks", "Office paperless: Mail"]
        );
        assert_eq!(labels("MAIL off"), ["Office paperless: Mail"]);
        assert_eq!(labels("go fail"), ["Lab InvenTree: Failed"]);
        assert!(labels("nothing").is_empty());
    }
}
