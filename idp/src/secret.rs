//! Random values and their digests: codes, tokens, session ids and client secrets are 256-bit
//! random strings handed out once; the database keeps only their SHA-256, so a copy of the
//! database opens nothing. A fast hash is right here: the inputs are full-entropy, so there is no
//! dictionary to slow down (passwords, which are not, go through `password`).

use aws_lc_rs::digest;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A new random value of `bytes` bytes, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // The system RNG failing is not recoverable: there is nothing safe to hand out instead.
    if SystemRandom::new().fill(&mut buf).is_err() {
        panic_rng();
    }
    URL_SAFE_NO_PAD.encode(buf)
}

#[allow(clippy::panic)]
#[cold]
fn panic_rng() -> ! {
    panic!("the operating system's random number generator failed")
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
    hex::encode(digest::digest(&digest::SHA256, value.as_bytes()))
}

/// Raw SHA-256 digest bytes.
pub fn sha256(value: &[u8]) -> Vec<u8> {
    digest::digest(&digest::SHA256, value).as_ref().to_vec()
}

/// HMAC-SHA-256, base64url: pairwise subjects and keyed digests of personal data.
pub fn hmac_b64(key: &[u8], message: &str) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key);
    URL_SAFE_NO_PAD.encode(aws_lc_rs::hmac::sign(&key, message.as_bytes()))
}

/// Comparison whose time does not depend on where the inputs differ.
pub fn ct_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// RFC 7636 §4.6: BASE64URL(SHA256(code_verifier)).
pub fn pkce_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha256(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_matches_rfc7636_appendix_b() {
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn secrets_are_distinct_and_long() {
        let a = new_secret();
        assert_eq!(a.len(), 43);
        assert_ne!(a, new_secret());
    }

    #[test]
    fn ct_eq_compares() {
        assert!(ct_eq("abc", "abc"));
        assert!(!ct_eq("abc", "abd"));
        assert!(!ct_eq("abc", "abcd"));
    }
}
