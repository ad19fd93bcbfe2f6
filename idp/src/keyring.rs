//! The signing keys as the running provider uses them: the current key of each algorithm signs,
//! every non-retired key verifies and is published in the JWKS. Loaded from the database at
//! start and reloaded periodically, so a rotation made by `ent keys rotate` (or by another
//! instance) reaches every instance without a restart.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::jose::{Alg, SigningKey, VerifyingKey};
use crate::store::keys::{KeyState, KeyStore, KeyStoreError};

/// One consistent view of the keys.
pub struct KeySet {
    signing: HashMap<Alg, Arc<SigningKey>>,
    verifying: Vec<VerifyingKey>,
    /// The JWKS document, serialised once per reload.
    pub jwks_json: String,
}

impl KeySet {
    fn from_store(keys: Vec<crate::store::keys::StoredKey>) -> Self {
        let mut signing = HashMap::new();
        let mut verifying = Vec::new();
        for stored in keys {
            verifying.push(stored.key.verifying_key());
            if stored.state == KeyState::Current {
                signing.insert(stored.key.alg(), Arc::new(stored.key));
            }
        }
        let jwks = serde_json::json!({ "keys": verifying.iter().map(VerifyingKey::to_jwk).collect::<Vec<_>>() });
        KeySet { signing, verifying, jwks_json: jwks.to_string() }
    }

    /// The key that signs for an algorithm now.
    pub fn signer(&self, alg: Alg) -> Option<Arc<SigningKey>> {
        self.signing.get(&alg).cloned()
    }

    /// Every key that still verifies (previous, current, next).
    pub fn verifiers(&self) -> &[VerifyingKey] {
        &self.verifying
    }
}

#[derive(Clone)]
pub struct Keyring {
    store: KeyStore,
    current: Arc<RwLock<Arc<KeySet>>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keyring")
    }
}

impl Keyring {
    /// Makes sure every algorithm has a current and a next key, then loads them.
    pub async fn load(store: KeyStore) -> Result<Self, KeyStoreError> {
        for alg in Alg::ALL {
            store.ensure(alg).await?;
        }
        let set = KeySet::from_store(store.active().await?);
        Ok(Keyring { store, current: Arc::new(RwLock::new(Arc::new(set))) })
    }

    /// The keys in force.
    pub fn get(&self) -> Arc<KeySet> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Re-reads the keys from the database.
    pub async fn reload(&self) -> Result<(), KeyStoreError> {
        let set = Arc::new(KeySet::from_store(self.store.active().await?));
        match self.current.write() {
            Ok(mut guard) => *guard = set,
            Err(poisoned) => *poisoned.into_inner() = set,
        }
        Ok(())
    }
}
