//! Who the token belongs to and what it may do, as each server says it, so
//! the console offers only what will work.
//!
//! - Paperless-ngx: `GET /api/ui_settings/` answers `user` (`is_staff`,
//!   `is_superuser`) and `permissions` (codenames without their app label,
//!   such as `change_paperlesstask`) beside `settings`, although the schema
//!   lists only `settings` (`ui_settings_admin_live`, and the same keys on
//!   2.20.15: `v9_ui_settings_admin_2x_live`). A user without
//!   `view_uisettings` gets 403 there (`ui_settings_alice_403_live`): what
//!   it may do is then unknown, not "nothing".
//! - InvenTree: `GET /api/user/me/` answers `is_staff` and `is_superuser`
//!   (`user_me_*_live`, API 198 and 477).

use serde::Deserialize;

use crate::call::{Call, decode_json};
use crate::error::ApiError;
use crate::http::Method;
use crate::inventree::InvenTreeClient;
use crate::paperless::PaperlessClient;

/// A Paperless-ngx account as `/api/ui_settings/` describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PaperlessAccount {
    pub username: Option<String>,
    pub is_staff: bool,
    pub is_superuser: bool,
    /// Codenames, app label stripped (`change_paperlesstask`).
    pub permissions: Vec<String>,
}

impl PaperlessAccount {
    /// Whether Django grants `codename` (a superuser holds every one).
    pub fn may(&self, codename: &str) -> bool {
        self.is_superuser || self.permissions.iter().any(|p| p == codename)
    }
}

#[derive(Deserialize, Default)]
struct PaperlessUserWire {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    is_staff: bool,
    #[serde(default)]
    is_superuser: bool,
}

#[derive(Deserialize)]
struct UiSettingsWire {
    #[serde(default)]
    user: Option<PaperlessUserWire>,
    #[serde(default)]
    permissions: Vec<serde_json::Value>,
}

/// The permission needed to acknowledge tasks (`AcknowledgeTasksPermissions`
/// in 2.20.15 and 3.0.5: `documents.change_paperlesstask`).
pub const ACKNOWLEDGE_TASKS: &str = "change_paperlesstask";

impl PaperlessClient {
    /// `GET /api/ui_settings/`: the account behind the token.
    pub fn account_call(&self) -> Call<PaperlessAccount> {
        Call::new(self.get("/api/ui_settings/".into()), |req, res| {
            let wire: UiSettingsWire = decode_json(req, &res.body)?;
            let user = wire.user.unwrap_or_default();
            Ok(PaperlessAccount {
                username: user.username,
                is_staff: user.is_staff,
                is_superuser: user.is_superuser,
                // One odd entry does not hide the others.
                permissions: wire
                    .permissions
                    .iter()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect(),
            })
        })
    }

    /// The account, in the API version this server speaks.
    pub async fn account(
        &self,
        transport: &dyn crate::Transport,
    ) -> Result<PaperlessAccount, ApiError> {
        self.negotiated(transport, |c| Ok(c.account_call())).await
    }
}

/// An InvenTree account as `/api/user/me/` describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct InvenTreeAccount {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub is_staff: bool,
    #[serde(default)]
    pub is_superuser: bool,
}

impl InvenTreeClient {
    /// `GET /api/user/me/`.
    pub fn account_call(&self) -> Call<InvenTreeAccount> {
        Call::new(
            self.request(Method::Get, "/api/user/me/".into()),
            |req, res| decode_json(req, &res.body),
        )
    }
}
