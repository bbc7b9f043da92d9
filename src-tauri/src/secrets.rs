//! Tokens in the operating system's credential store, behind a trait so the
//! rest of the app can be tested without one.

use std::sync::Once;

pub trait SecretStore: Send + Sync {
    fn get(&self, id: &str) -> Result<Option<String>, String>;
    fn set(&self, id: &str, secret: &str) -> Result<(), String>;
    fn delete(&self, id: &str) -> Result<(), String>;
}

const SERVICE: &str = "dev.taskdeck.desktop";

/// The platform store: Secret Service on Linux (GNOME Keyring, KWallet),
/// Keychain on macOS, Credential Manager on Windows. On a Linux session
/// without a Secret Service daemon it falls back to the kernel keyring,
/// which keeps tokens until logout. Where no store works at all, a token is
/// kept in this process's memory only (like a browser session), never in a
/// file.
#[derive(Default)]
pub struct KeyringStore {
    session_only: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

static CHOOSE_BACKEND: Once = Once::new();

impl KeyringStore {
    pub fn new() -> KeyringStore {
        CHOOSE_BACKEND.call_once(|| {
            #[cfg(target_os = "linux")]
            {
                // A store works if a probe entry can be written and read back.
                fn works() -> bool {
                    keyring::Entry::new(SERVICE, "probe").is_ok_and(|e| {
                        let ok = e.set_password("probe").is_ok()
                            && e.get_password().is_ok_and(|p| p == "probe");
                        let _ = e.delete_credential();
                        ok
                    })
                }
                keyring::set_default_credential_builder(
                    keyring::secret_service::default_credential_builder(),
                );
                if !works() {
                    keyring::set_default_credential_builder(
                        keyring::keyutils::default_credential_builder(),
                    );
                    eprintln!(
                        "taskdeck: no Secret Service; tokens are kept in the kernel keyring until logout"
                    );
                }
            }
        });
        KeyringStore::default()
    }

    fn entry(id: &str) -> Result<keyring::Entry, String> {
        keyring::Entry::new(SERVICE, &format!("connection-{id}")).map_err(|e| e.to_string())
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, id: &str) -> Result<Option<String>, String> {
        if let Some(secret) = self.session_only.lock().unwrap().get(id) {
            return Ok(Some(secret.clone()));
        }
        match Self::entry(id)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    fn set(&self, id: &str, secret: &str) -> Result<(), String> {
        Self::entry(id)?
            .set_password(secret)
            .map_err(|e| e.to_string())
    }

    fn delete(&self, id: &str) -> Result<(), String> {
        self.session_only.lock().unwrap().remove(id);
        match Self::entry(id)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// An in-memory store for tests only.
#[cfg(test)]
#[derive(Default)]
pub struct MemoryStore(pub std::sync::Mutex<std::collections::HashMap<String, String>>);

#[cfg(test)]
impl SecretStore for MemoryStore {
    fn get(&self, id: &str) -> Result<Option<String>, String> {
        Ok(self.0.lock().unwrap().get(id).cloned())
    }
    fn set(&self, id: &str, secret: &str) -> Result<(), String> {
        self.0.lock().unwrap().insert(id.into(), secret.into());
        Ok(())
    }
    fn delete(&self, id: &str) -> Result<(), String> {
        self.0.lock().unwrap().remove(id);
        Ok(())
    }
}
