//! Random values and their digests: codes, tokens, session ids and client secrets are random
//! strings handed out once; databases keep only their SHA-256, so a copy of a database opens
//! nothing. A fast hash is right here: the inputs are full-entropy, so there is no dictionary to
//! slow down (passwords, which are not, go through argon2 at the provider).

use aws_lc_rs::digest;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// `n` random bytes from the system's generator.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    // The system RNG failing is not recoverable: there is nothing safe to hand out instead.
    if SystemRandom::new().fill(&mut buf).is_err() {
        panic_rng();
    }
    buf
}

#[allow(clippy::panic)]
#[cold]
fn panic_rng() -> ! {
    panic!("the operating system's random number generator failed")
}

/// A new random value of `bytes` bytes, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    URL_SAFE_NO_PAD.encode(random_bytes(bytes))
}

/// 256 bits: codes, refresh tokens, session cookies, client secrets.
pub fn new_secret() -> String {
    random_token(32)
}

/// A 128-bit identifier (grants, pending requests, token ids).
pub fn new_id() -> String {
    random_token(16)
}

/// Lower-case hex SHA-256: how secrets are stored and looked up.
pub fn sha256_hex(value: &str) -> String {
    digest::digest(&digest::SHA256, value.as_bytes()).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Raw SHA-256 digest bytes.
pub fn sha256(value: &[u8]) -> Vec<u8> {
    digest::digest(&digest::SHA256, value).as_ref().to_vec()
}

/// HMAC-SHA-256 of `message` under `key`, raw.
pub fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key);
    aws_lc_rs::hmac::sign(&key, message).as_ref().to_vec()
}

/// HMAC-SHA-256, base64url: pairwise subjects, CSRF tokens, keyed digests of personal data.
pub fn hmac_b64(key: &[u8], message: &str) -> String {
    URL_SAFE_NO_PAD.encode(hmac(key, message.as_bytes()))
}

/// Comparison whose time does not depend on where the inputs differ.
pub fn ct_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_distinct_and_long() {
        let a = new_secret();
        assert_eq!(a.len(), 43);
        assert_ne!(a, new_secret());
        assert_eq!(new_id().len(), 22);
    }

    #[test]
    fn digests_match_known_values() {
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        // RFC 4231 test case 2.
        let mac = hmac(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            mac.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn ct_eq_compares() {
        assert!(ct_eq("abc", "abc"));
        assert!(!ct_eq("abc", "abd"));
        assert!(!ct_eq("abc", "abcd"));
    }
}
