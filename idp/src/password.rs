//! Password hashing with argon2id.
//!
//! Parameters: m = 19 MiB, t = 2, p = 1 — the OWASP Password Storage Cheat Sheet's first
//! argon2id configuration and the argon2 crate's default. Measured on this project's reference
//! machine (2 vCPU) at about 15 ms per verify in release builds, and about 85 full password
//! logins per second (see docs/benchmarks.md): slow enough to make an offline guess cost real
//! money, fast enough that all 28,000 accounts of the reference network can log in within the
//! ten minutes of the 8:20 rush on one 2-core machine (about 5½ minutes of CPU). At most one hash
//! runs per core at once: a storm queues here instead of exhausting memory (19 MiB each) or
//! starving the async runtime.

use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use tokio::sync::Semaphore;

/// Memory cost in KiB, iterations, lanes.
pub const M_COST_KIB: u32 = 19_456;
pub const T_COST: u32 = 2;
pub const P_COST: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("hashing task failed")]
    Task,
}

/// Hashes and verifies passwords, a bounded number at a time.
#[derive(Clone, Debug)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// A real hash of a random password: verifying against it makes an unknown login cost the
    /// same time as a known one (no user enumeration through timing).
    decoy: Arc<String>,
}

fn argon2() -> Argon2<'static> {
    // Params::new only fails for out-of-range values; these constants are in range.
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl Passwords {
    /// `concurrency` hashes at most at once (default: the number of cores).
    pub fn new(concurrency: Option<usize>) -> Result<Self, PasswordError> {
        let n =
            concurrency.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)).max(1);
        let decoy = hash_blocking(&crate::secret::new_secret())?;
        Ok(Passwords { permits: Arc::new(Semaphore::new(n)), decoy: Arc::new(decoy) })
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
    pub async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let _permit = self.permits.acquire().await.map_err(|_| PasswordError::Task)?;
        let pw = password.to_owned();
        tokio::task::spawn_blocking(move || hash_blocking(&pw)).await.map_err(|_| PasswordError::Task)?
    }

    /// Verifies a password against a stored hash, or against the decoy when there is none.
    /// Parameters are read from the PHC string, so older hashes keep working.
    pub async fn verify(&self, password: &str, phc: Option<&str>) -> Result<bool, PasswordError> {
        let _permit = self.permits.acquire().await.map_err(|_| PasswordError::Task)?;
        let known = phc.is_some();
        let phc = phc.map(str::to_owned).unwrap_or_else(|| self.decoy.as_ref().clone());
        let pw = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || argon2().verify_password(pw.as_bytes(), phc.as_str()).is_ok())
            .await
            .map_err(|_| PasswordError::Task)?;
        Ok(ok && known)
    }
}

/// Hashes on the calling thread (for tools and the demo seeding, which are not async workers).
pub fn hash_blocking(password: &str) -> Result<String, PasswordError> {
    argon2().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| PasswordError::Hash(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verifies_right_and_refuses_wrong() {
        let p = Passwords::new(Some(2)).unwrap();
        let h = p.hash("cartable-bleu-42").await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(p.verify("cartable-bleu-42", Some(&h)).await.unwrap());
        assert!(!p.verify("cartable-bleu-43", Some(&h)).await.unwrap());
        // Unknown account: the decoy is checked, and the answer is always no.
        assert!(!p.verify("anything", None).await.unwrap());
    }
}
