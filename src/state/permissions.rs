//! What the signed-in account may do, so the console offers only what will
//! work: a button it may not use is disabled with the reason, and where the
//! server does not say, the action stays offered with a warning that it may
//! be refused (a refusal is then worded as such).

use crate::api::ApiError;
use crate::api::account::{ACKNOWLEDGE_TASKS, InvenTreeAccount, PaperlessAccount};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MayAct {
    Yes,
    /// It will be refused: why.
    No(String),
    /// Not known: offered, with this warning.
    MayFail(String),
}

impl MayAct {
    /// The reason to disable the action, if it will be refused.
    pub fn refusal(&self) -> Option<&str> {
        match self {
            MayAct::No(why) => Some(why),
            _ => None,
        }
    }

    /// A warning to show beside an action that may be refused.
    pub fn warning(&self) -> Option<&str> {
        match self {
            MayAct::MayFail(why) => Some(why),
            _ => None,
        }
    }
}

/// Dismissing Paperless tasks needs `change_paperlesstask`. A user without
/// `view_uisettings` gets 403 from `/api/ui_settings/`, so for them it is
/// not known (`ui_settings_alice_403_live`).
pub fn may_dismiss(account: &Result<PaperlessAccount, ApiError>) -> MayAct {
    match account {
        Ok(a) if a.may(ACKNOWLEDGE_TASKS) => MayAct::Yes,
        Ok(_) => MayAct::No(
            "This account may only view tasks: dismissing them needs the Paperless permission \
             “change paperless task”."
                .into(),
        ),
        Err(_) => MayAct::MayFail(
            "Paperless does not tell this account what it may do, so dismissing may be refused \
             (it needs the permission “change paperless task”)."
                .into(),
        ),
    }
}

/// Starting a system task needs a superuser (2.20.15 and 3.0.5
/// `TasksViewSet.run`).
pub fn may_run_system_tasks(account: &Result<PaperlessAccount, ApiError>) -> MayAct {
    match account {
        Ok(a) if a.is_superuser => MayAct::Yes,
        Ok(_) => MayAct::No("Only a Paperless superuser may start system tasks.".into()),
        Err(_) => MayAct::MayFail(
            "Paperless does not tell this account what it may do: starting a system task needs \
             a superuser and may be refused."
                .into(),
        ),
    }
}

/// The Django admin's failed tasks open for superusers only; staff get 403
/// there (`user_me_viewer_live`: staff, not superuser).
pub fn may_open_admin(account: &Result<InvenTreeAccount, ApiError>) -> MayAct {
    match account {
        Ok(a) if a.is_superuser => MayAct::Yes,
        Ok(_) => MayAct::No(
            "Only InvenTree superusers may open the failed tasks in its Django admin; this \
             account is not one."
                .into(),
        ),
        Err(_) => MayAct::MayFail(
            "InvenTree did not say whether this account is a superuser; its Django admin opens \
             for superusers only."
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paperless(superuser: bool, permissions: &[&str]) -> Result<PaperlessAccount, ApiError> {
        Ok(PaperlessAccount {
            is_superuser: superuser,
            permissions: permissions.iter().map(|p| p.to_string()).collect(),
            ..PaperlessAccount::default()
        })
    }

    fn forbidden() -> ApiError {
        ApiError::Forbidden {
            message: "You do not have permission to perform this action.".into(),
            required: None,
        }
    }

    #[test]
    fn dismissing_is_offered_only_to_who_may() {
        assert_eq!(
            may_dismiss(&paperless(false, &["change_paperlesstask"])),
            MayAct::Yes
        );
        assert_eq!(may_dismiss(&paperless(true, &[])), MayAct::Yes);
        let viewer = may_dismiss(&paperless(false, &["view_paperlesstask"]));
        assert!(viewer.refusal().unwrap().contains("only view tasks"));
        let unknown = may_dismiss(&Err(forbidden()));
        assert!(unknown.refusal().is_none(), "offered, with a warning");
        assert!(unknown.warning().unwrap().contains("may be refused"));
    }

    #[test]
    fn system_tasks_and_the_admin_are_for_superusers() {
        assert_eq!(may_run_system_tasks(&paperless(true, &[])), MayAct::Yes);
        assert!(
            may_run_system_tasks(&paperless(false, &["change_paperlesstask"]))
                .refusal()
                .is_some()
        );
        let staff = Ok(InvenTreeAccount {
            is_staff: true,
            ..InvenTreeAccount::default()
        });
        assert!(
            may_open_admin(&staff)
                .refusal()
                .unwrap()
                .contains("superusers")
        );
        let superuser = Ok(InvenTreeAccount {
            is_staff: true,
            is_superuser: true,
            ..InvenTreeAccount::default()
        });
        assert_eq!(may_open_admin(&superuser), MayAct::Yes);
        assert!(may_open_admin(&Err(forbidden())).warning().is_some());
    }
}
