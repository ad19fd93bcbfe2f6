//! Random values, digests and the sealing of session data.
//!
//! A session cookie is 256 random bits. The database keeps its SHA-256 (to find the row) and
//! the session's tokens sealed with AES-256-GCM under HMAC(cookie, label): whoever copies the
//! database can neither present a session nor read a refresh token. Only a request bearing the
//! cookie can open its own session.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
pub use ent_web::secret::{ct_eq, hmac, hmac_b64, new_secret, random_bytes, random_token, sha256_hex};

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
}
