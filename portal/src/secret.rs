//! Random values, digests and the sealing of session data.
//!
//! A session cookie is 256 random bits. The database keeps its SHA-256 (to find the row) and
//! the session's tokens sealed with AES-256-GCM under HMAC(cookie, label): whoever copies the
//! database can neither present a session nor read a refresh token. Only a request bearing the
//! cookie can open its own session.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::digest;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A new random value of `bytes` bytes, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    URL_SAFE_NO_PAD.encode(random_bytes(bytes))
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    // Without the system RNG nothing safe can be handed out.
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

/// 256 bits: session cookies, login states.
pub fn new_secret() -> String {
    random_token(32)
}

/// Lower-case hex SHA-256: how secrets are stored and looked up.
pub fn sha256_hex(value: &str) -> String {
    hex::encode(digest::digest(&digest::SHA256, value.as_bytes()))
}

/// HMAC-SHA-256 of `message` under `key`, raw.
pub fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key);
    aws_lc_rs::hmac::sign(&key, message).as_ref().to_vec()
}

/// HMAC-SHA-256, base64url.
pub fn hmac_b64(key: &[u8], message: &str) -> String {
    URL_SAFE_NO_PAD.encode(hmac(key, message.as_bytes()))
}

/// Comparison whose time does not depend on where the inputs differ.
pub fn ct_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn sealing_key(cookie: &str) -> Option<LessSafeKey> {
    let key = hmac(cookie.as_bytes(), b"ent-portal session seal v1");
    UnboundKey::new(&AES_256_GCM, &key).ok().map(LessSafeKey::new)
}

/// Encrypts `plain` for the session whose cookie is `cookie`: base64url(nonce ‖ ciphertext ‖ tag).
/// The session's id hash is the associated data, so a sealed value cannot move to another row.
pub fn seal(cookie: &str, id_hash: &str, plain: &[u8]) -> Option<String> {
    let key = sealing_key(cookie)?;
    let nonce_bytes = random_bytes(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(&nonce_bytes).ok()?;
    let mut buf = plain.to_vec();
    key.seal_in_place_append_tag(nonce, Aad::from(id_hash.as_bytes()), &mut buf).ok()?;
    let mut out = nonce_bytes;
    out.extend_from_slice(&buf);
    Some(URL_SAFE_NO_PAD.encode(out))
}

/// The inverse of [`seal`]; `None` when the value was not sealed for this cookie and row.
pub fn open(cookie: &str, id_hash: &str, sealed: &str) -> Option<Vec<u8>> {
    let key = sealing_key(cookie)?;
    let raw = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    if raw.len() < NONCE_LEN {
        return None;
    }
    let (nonce, rest) = raw.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut buf = rest.to_vec();
    let plain = key.open_in_place(nonce, Aad::from(id_hash.as_bytes()), &mut buf).ok()?;
    Some(plain.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_cookie_and_row() {
        let s = seal("cookie-a", "row-1", b"refresh").unwrap();
        assert_eq!(open("cookie-a", "row-1", &s).unwrap(), b"refresh");
        assert!(open("cookie-b", "row-1", &s).is_none());
        assert!(open("cookie-a", "row-2", &s).is_none());
        assert_ne!(s, seal("cookie-a", "row-1", b"refresh").unwrap());
    }

    #[test]
    fn ct_eq_compares() {
        assert!(ct_eq("abc", "abc"));
        assert!(!ct_eq("abc", "abd"));
        assert!(!ct_eq("abc", "abcd"));
    }
}
