//! axe-core (npm, installed by `cargo xtask setup` into target/tools) run
//! on the page as it stands: what a screen-reader or keyboard user would
//! meet, by the WCAG 2.2 A/AA rules and axe's best practices.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;

use super::webdriver::Browser;

fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("target/tools/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{} unreadable ({e}): run `cargo xtask setup` (it installs axe-core)",
                path.display()
            )
        })
    })
}

/// One rule a page breaks, with where.
#[derive(Debug, Clone)]
pub struct Violation {
    pub rule: String,
    pub impact: String,
    pub help: String,
    /// The first few offending elements, as CSS selectors with their HTML.
    pub nodes: Vec<String>,
}

impl Violation {
    pub fn is_serious(&self) -> bool {
        matches!(self.impact.as_str(), "serious" | "critical")
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}: {}", self.impact, self.rule, self.help)?;
        for node in &self.nodes {
            write!(f, "\n      {node}")?;
        }
        Ok(())
    }
}

/// Runs axe on the whole document and returns every violation.
pub fn check(browser: &Browser) -> Vec<Violation> {
    if browser.execute("return typeof window.axe") != Value::String("object".into()) {
        browser.execute(&format!("{};return true;", axe_source()));
    }
    let result = browser.execute_async(
        "const done = arguments[arguments.length - 1];
         axe.run(document, {
             runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
             resultTypes: ['violations'],
         }).then(r => done(r.violations.map(v => ({
             rule: v.id, impact: v.impact || 'minor', help: v.help,
             nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + '  ' + n.html.slice(0, 160)),
         })))).catch(e => done([{ rule: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]));",
    );
    result
        .as_array()
        .unwrap_or_else(|| panic!("axe answered {result}"))
        .iter()
        .map(|v| Violation {
            rule: v["rule"].as_str().unwrap_or_default().into(),
            impact: v["impact"].as_str().unwrap_or_default().into(),
            help: v["help"].as_str().unwrap_or_default().into(),
            nodes: v["nodes"]
                .as_array()
                .map(|n| {
                    n.iter()
                        .filter_map(|s| s.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect()
}
