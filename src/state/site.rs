//! What this installation's `taskdeck.json` said, for the screens that
//! explain it.

use crate::api::site::{SITE_CONFIG_FILE, SiteConfig, SiteConfigError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SiteState {
    /// Not read yet, or not a thing here (the desktop app).
    Unknown,
    /// No `taskdeck.json` beside `index.html`: servers are added by hand.
    NotDeployed,
    /// There is one, and it cannot be used: why, for whoever deployed it.
    Unusable(String),
    /// Read; it offers this many servers.
    Offers(usize),
}

/// Reads what fetching `taskdeck.json` gave (`Ok(None)`: not there).
pub fn read_site_config(
    fetched: Result<Option<String>, String>,
    page_origin: &str,
) -> (SiteState, Option<SiteConfig>) {
    match fetched {
        Ok(None) => (SiteState::NotDeployed, None),
        Err(why) => (SiteState::Unusable(why), None),
        Ok(Some(text)) => match SiteConfig::parse(&text, page_origin) {
            Ok(config) => (SiteState::Offers(config.servers.len()), Some(config)),
            Err(SiteConfigError(why)) => (SiteState::Unusable(why), None),
        },
    }
}

impl SiteState {
    /// The sentence for screens that list servers, if there is one to say.
    pub fn explanation(&self) -> Option<String> {
        match self {
            SiteState::Unknown | SiteState::Offers(_) => None,
            SiteState::NotDeployed => Some(format!(
                "This installation has no {SITE_CONFIG_FILE} beside its index.html, so it offers \
                 no servers: add yours here. Whoever deployed Taskdeck can list them there for \
                 everyone (see DEPLOY.md)."
            )),
            SiteState::Unusable(why) => Some(format!(
                "The servers this installation offers could not be read. {}. Connections you \
                 added yourself still work.",
                why.trim_end_matches('.')
            )),
        }
    }

    /// What the Connections screen adds: an unusable file is already said
    /// above every screen, so only a missing one is said here.
    pub fn connections_note(&self) -> Option<String> {
        match self {
            SiteState::Unusable(_) => None,
            other => other.explanation(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refused file is said once: in the banner above every screen, not
    /// again on Connections.
    #[test]
    fn an_unusable_file_is_said_once() {
        let unusable = SiteState::Unusable("it holds a token".into());
        assert!(unusable.explanation().is_some());
        assert_eq!(unusable.connections_note(), None);
        assert!(SiteState::NotDeployed.connections_note().is_some());
    }

    #[test]
    fn each_outcome_is_explained_or_offers_servers() {
        let (state, config) = read_site_config(Ok(None), "https://x");
        assert_eq!(state, SiteState::NotDeployed);
        assert!(config.is_none());
        assert!(state.explanation().unwrap().contains("no taskdeck.json"));

        let (state, _) = read_site_config(
            Err("taskdeck.json: the web server answered HTTP 500".into()),
            "https://x",
        );
        assert!(state.explanation().unwrap().contains("HTTP 500"));

        let (state, config) = read_site_config(Ok(Some("{\"servers\": 3}".into())), "https://x");
        assert!(config.is_none());
        let said = state.explanation().unwrap();
        assert!(
            said.contains("invalid type") && said.contains("still work"),
            "{said}"
        );

        let text = r#"{"servers": [{"name": "P", "kind": "paperless", "url": "/paperless", "same_origin": true}]}"#;
        let (state, config) = read_site_config(Ok(Some(text.into())), "https://x");
        assert_eq!(state, SiteState::Offers(1));
        assert_eq!(state.explanation(), None);
        assert_eq!(config.unwrap().servers[0].base_url, "https://x/paperless");
    }
}
