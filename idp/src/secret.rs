//! Random values and their digests (`ent-web`'s, shared with the portal), and PKCE's.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
pub use ent_web::secret::{ct_eq, hmac_b64, new_id, new_secret, random_token, sha256, sha256_hex};

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
}
