//! Where tokens live: the first credential store that proves it can keep
//! one, each token bound to the address it was saved for.
//!
//! The stores are probed in turn with a write and a read-back: the Secret
//! Service (GNOME Keyring, KWallet; Keychain and Credential Manager on other
//! systems), then Linux's kernel keyring, then this process's memory, for
//! the session only. Never a file. Every later write is read back too, so a
//! store that loses keys is noticed when the token is saved, not when it is
//! first needed.

use std::collections::HashMap;
use std::sync::Mutex;

use taskdeck_api::ipc::TokenStore;
use taskdeck_api::server::BoundToken;
use taskdeck_api::{BaseUrl, Secret};

/// One credential store, addressed by key. Errors are the store's own words.
pub trait SecretBackend: Send + Sync {
    fn location(&self) -> TokenStore;
    fn set(&self, key: &str, secret: &str) -> Result<(), String>;
    fn get(&self, key: &str) -> Result<Option<String>, String>;
    fn delete(&self, key: &str) -> Result<(), String>;
}

const SERVICE: &str = "dev.taskdeck.desktop";

/// A store reached through the `keyring` crate.
pub struct KeyringBackend {
    location: TokenStore,
    builder: Box<keyring::CredentialBuilder>,
}

impl KeyringBackend {
    fn entry(&self, key: &str) -> Result<keyring::Entry, String> {
        let credential = self
            .builder
            .build(None, SERVICE, key)
            .map_err(|e| e.to_string())?;
        Ok(keyring::Entry::new_with_credential(credential))
    }
}

impl SecretBackend for KeyringBackend {
    fn location(&self) -> TokenStore {
        self.location
    }

    fn set(&self, key: &str, secret: &str) -> Result<(), String> {
        self.entry(key)?
            .set_password(secret)
            .map_err(|e| e.to_string())
    }

    fn get(&self, key: &str) -> Result<Option<String>, String> {
        match self.entry(key)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    fn delete(&self, key: &str) -> Result<(), String> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// This process's memory: the last resort, for the session only.
#[derive(Default)]
pub struct MemoryBackend(Mutex<HashMap<String, String>>);

impl SecretBackend for MemoryBackend {
    fn location(&self) -> TokenStore {
        TokenStore::SessionMemory
    }
    fn set(&self, key: &str, secret: &str) -> Result<(), String> {
        self.0.lock().unwrap().insert(key.into(), secret.into());
        Ok(())
    }
    fn get(&self, key: &str) -> Result<Option<String>, String> {
        Ok(self.0.lock().unwrap().get(key).cloned())
    }
    fn delete(&self, key: &str) -> Result<(), String> {
        self.0.lock().unwrap().remove(key);
        Ok(())
    }
}

/// The platform's stores, best first (memory is added by [`TokenVault::probe`]).
pub fn platform_backends() -> Vec<Box<dyn SecretBackend>> {
    let mut stores: Vec<Box<dyn SecretBackend>> = Vec::new();
    #[cfg(target_os = "linux")]
    {
        stores.push(Box::new(KeyringBackend {
            location: TokenStore::SystemKeychain,
            builder: keyring::secret_service::default_credential_builder(),
        }));
        stores.push(Box::new(KeyringBackend {
            location: TokenStore::KernelKeyring,
            builder: keyring::keyutils::default_credential_builder(),
        }));
    }
    #[cfg(not(target_os = "linux"))]
    stores.push(Box::new(KeyringBackend {
        location: TokenStore::SystemKeychain,
        builder: keyring::default::default_credential_builder(),
    }));
    stores
}

fn key_of(connection_id: &str) -> String {
    format!("connection-{connection_id}")
}

/// Writes and reads back. A store that reports an error for a write it did
/// keep (seen with the kernel keyring) is believed only if the read-back
/// matches; one that reports success but does not keep the value is not.
/// A failed write leaves the value that was there before (`previous`): a
/// failed re-save never costs the token that worked.
fn write_verified(
    backend: &dyn SecretBackend,
    key: &str,
    value: &str,
    previous: Option<&str>,
) -> Result<(), String> {
    let written = backend.set(key, value);
    match backend.get(key) {
        Ok(Some(read)) if read == value => Ok(()),
        read => {
            match (previous, &read) {
                (Some(old), Ok(Some(now))) if now == old => {}
                (Some(old), _) => {
                    let _ = backend.set(key, old);
                }
                (None, _) => {
                    let _ = backend.delete(key);
                }
            }
            Err(match (written, read) {
                (Err(e), _) => e,
                (Ok(()), Err(e)) => format!("it could not be read back: {e}"),
                (Ok(()), Ok(_)) => "it did not keep the value".into(),
            })
        }
    }
}

pub struct TokenVault {
    backend: Box<dyn SecretBackend>,
}

impl TokenVault {
    /// The first of `candidates` that keeps a probe value, else memory.
    pub fn probe(candidates: Vec<Box<dyn SecretBackend>>) -> TokenVault {
        const PROBE: &str = "probe";
        for backend in candidates {
            let works = write_verified(backend.as_ref(), PROBE, "taskdeck probe", None);
            let _ = backend.delete(PROBE);
            match works {
                Ok(()) => return TokenVault { backend },
                Err(e) => eprintln!(
                    "taskdeck: the {} cannot keep tokens here ({e}); trying the next store",
                    backend.location().label()
                ),
            }
        }
        eprintln!("taskdeck: tokens are kept in memory until Taskdeck closes");
        TokenVault {
            backend: Box::new(MemoryBackend::default()),
        }
    }

    /// A vault on one store, unprobed (for tests of a store that fails later).
    pub fn from_backend(backend: Box<dyn SecretBackend>) -> TokenVault {
        TokenVault { backend }
    }

    pub fn location(&self) -> TokenStore {
        self.backend.location()
    }

    /// Stores `token` for the connection at `base_url`, verified by reading
    /// it back. On error nothing is stored.
    pub fn save(&self, connection_id: &str, base_url: &BaseUrl, token: &str) -> Result<(), String> {
        let token = token.trim();
        if token.is_empty() {
            return Err("The token is empty.".into());
        }
        let value = BoundToken::encode(base_url, token);
        let key = key_of(connection_id);
        let previous = self.backend.get(&key).ok().flatten();
        write_verified(self.backend.as_ref(), &key, &value, previous.as_deref()).map_err(|e| {
            format!(
                "The token could not be kept in the {} ({e}), so the connection was not saved. \
                 Try again; if it keeps failing, check that the keychain is unlocked.",
                self.location().label()
            )
        })
    }

    /// The token saved for this connection, only if it was saved for
    /// `base_url`: a token never goes to another address.
    pub fn token_for(
        &self,
        connection_id: &str,
        base_url: &BaseUrl,
    ) -> Result<Option<Secret>, String> {
        let stored = self.backend.get(&key_of(connection_id)).map_err(|e| {
            format!(
                "The token could not be read from the {} ({e}).",
                self.location().label()
            )
        })?;
        Ok(stored.and_then(|text| BoundToken::read(&text, base_url)))
    }

    pub fn has_token_for(&self, connection_id: &str, base_url: &BaseUrl) -> bool {
        matches!(self.token_for(connection_id, base_url), Ok(Some(_)))
    }

    pub fn forget(&self, connection_id: &str) -> Result<(), String> {
        self.backend.delete(&key_of(connection_id)).map_err(|e| {
            format!(
                "The token could not be deleted from the {} ({e}).",
                self.location().label()
            )
        })
    }
}

#[cfg(test)]
pub mod doubles {
    use super::*;

    /// A store that misbehaves in one chosen way.
    #[derive(Clone, Copy, PartialEq)]
    pub enum Fault {
        None,
        WriteFails,
        ReadFails,
        LosesKeys,
        /// Reports an error for writes it keeps (as the kernel keyring did).
        WriteErrorButKept,
    }

    pub struct FaultyBackend {
        pub location: TokenStore,
        pub fault: Fault,
        pub inner: MemoryBackend,
    }

    impl FaultyBackend {
        pub fn boxed(location: TokenStore, fault: Fault) -> Box<dyn SecretBackend> {
            Box::new(FaultyBackend {
                location,
                fault,
                inner: MemoryBackend::default(),
            })
        }
    }

    /// A store whose writes start failing after `works_for` of them.
    pub struct TiringBackend {
        pub works_for: Mutex<u32>,
        pub inner: MemoryBackend,
    }

    impl SecretBackend for TiringBackend {
        fn location(&self) -> TokenStore {
            TokenStore::SystemKeychain
        }
        fn set(&self, key: &str, secret: &str) -> Result<(), String> {
            let mut left = self.works_for.lock().unwrap();
            if *left == 0 {
                return Err("The keychain is locked".into());
            }
            *left -= 1;
            self.inner.set(key, secret)
        }
        fn get(&self, key: &str) -> Result<Option<String>, String> {
            self.inner.get(key)
        }
        fn delete(&self, key: &str) -> Result<(), String> {
            self.inner.delete(key)
        }
    }

    impl SecretBackend for FaultyBackend {
        fn location(&self) -> TokenStore {
            self.location
        }
        fn set(&self, key: &str, secret: &str) -> Result<(), String> {
            match self.fault {
                Fault::WriteFails => Err("No matching entry found in secure storage".into()),
                Fault::LosesKeys => Ok(()),
                Fault::WriteErrorButKept => {
                    self.inner.set(key, secret)?;
                    Err("Platform secure storage failure".into())
                }
                _ => self.inner.set(key, secret),
            }
        }
        fn get(&self, key: &str) -> Result<Option<String>, String> {
            match self.fault {
                Fault::ReadFails => Err("read failure".into()),
                _ => self.inner.get(key),
            }
        }
        fn delete(&self, key: &str) -> Result<(), String> {
            self.inner.delete(key)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::doubles::{Fault, FaultyBackend};
    use super::*;

    fn base(url: &str) -> BaseUrl {
        BaseUrl::parse(url).unwrap()
    }

    #[test]
    fn the_first_store_that_keeps_a_value_is_chosen() {
        for (faults, expected) in [
            ([Fault::None, Fault::None], TokenStore::SystemKeychain),
            ([Fault::WriteFails, Fault::None], TokenStore::KernelKeyring),
            ([Fault::ReadFails, Fault::None], TokenStore::KernelKeyring),
            (
                [Fault::LosesKeys, Fault::WriteErrorButKept],
                TokenStore::KernelKeyring,
            ),
            (
                [Fault::WriteFails, Fault::LosesKeys],
                TokenStore::SessionMemory,
            ),
        ] {
            let vault = TokenVault::probe(vec![
                FaultyBackend::boxed(TokenStore::SystemKeychain, faults[0]),
                FaultyBackend::boxed(TokenStore::KernelKeyring, faults[1]),
            ]);
            assert_eq!(vault.location(), expected);
        }
    }

    #[test]
    fn every_write_is_read_back() {
        let vault = TokenVault {
            backend: FaultyBackend::boxed(TokenStore::KernelKeyring, Fault::LosesKeys),
        };
        let error = vault
            .save("c1", &base("https://p.example"), "tok")
            .unwrap_err();
        assert!(error.contains("kernel keyring"), "{error}");
        assert!(error.contains("not saved"), "{error}");
        assert!(!error.contains('"'), "worded, not quoted: {error}");

        let unreadable = TokenVault {
            backend: FaultyBackend::boxed(TokenStore::SystemKeychain, Fault::ReadFails),
        };
        assert!(
            unreadable
                .save("c1", &base("https://p.example"), "tok")
                .is_err()
        );

        let kept_despite_error = TokenVault {
            backend: FaultyBackend::boxed(TokenStore::KernelKeyring, Fault::WriteErrorButKept),
        };
        kept_despite_error
            .save("c1", &base("https://p.example"), "tok")
            .unwrap();
        assert_eq!(
            kept_despite_error
                .token_for("c1", &base("https://p.example"))
                .unwrap()
                .unwrap()
                .expose(),
            "tok"
        );
    }

    /// Issue 25, item 21: a re-save that fails keeps the token that was
    /// there; it used to be deleted with the failed write.
    #[test]
    fn a_failed_re_save_keeps_the_old_token() {
        let vault = TokenVault::from_backend(Box::new(super::doubles::TiringBackend {
            works_for: Mutex::new(1),
            inner: MemoryBackend::default(),
        }));
        let address = base("https://p.example");
        vault.save("c1", &address, "old").unwrap();
        assert!(vault.save("c1", &address, "new").is_err());
        assert_eq!(
            vault.token_for("c1", &address).unwrap().unwrap().expose(),
            "old"
        );
        // A first save that fails leaves nothing behind.
        assert!(vault.save("c2", &address, "tok").is_err());
        assert!(!vault.has_token_for("c2", &address));
    }

    #[test]
    fn a_token_is_only_given_out_for_its_own_address() {
        let vault = TokenVault::probe(vec![]);
        assert_eq!(vault.location(), TokenStore::SessionMemory);
        vault
            .save("c1", &base("https://p.example"), " tok ")
            .unwrap();
        assert_eq!(
            vault
                .token_for("c1", &base("https://p.example"))
                .unwrap()
                .unwrap()
                .expose(),
            "tok"
        );
        assert_eq!(
            vault.token_for("c1", &base("http://127.0.0.1:9")).unwrap(),
            None
        );
        assert!(!vault.has_token_for("c2", &base("https://p.example")));
        vault.forget("c1").unwrap();
        assert!(!vault.has_token_for("c1", &base("https://p.example")));
        assert!(vault.save("c1", &base("https://p.example"), "  ").is_err());
    }
}
