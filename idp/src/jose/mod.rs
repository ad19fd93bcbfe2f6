//! Compact JWS (RFC 7515) signing and verification for the provider's tokens, with the public
//! keys published as a JWKS (RFC 7517), for the algorithms RS256, ES256 (RFC 7518) and EdDSA over
//! Ed25519 (RFC 8037). All cryptography is done by aws-lc-rs.
//!
//! Verification is deliberately narrow: the caller states which algorithms it accepts, the token
//! must name its key with a `kid`, and that key must be of the token's algorithm, so `none`, HMAC
//! and algorithm-confusion tricks are refused. Claims (`exp`, `aud`, `iss`…) are the caller's job.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use aws_lc_rs::digest;
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::error::KeyRejected;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self as sig, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, ParsedPublicKey, RsaKeyPair, RsaPublicKeyComponents,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value, json};

#[cfg(test)]
mod tests;

/// Tokens longer than this are refused before any parsing.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Byte length of a P-256 coordinate and of an Ed25519 public key.
const COORD_LEN: usize = 32;

/// A JWS signature algorithm the provider supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    #[serde(rename = "RS256")]
    Rs256,
    /// ECDSA over P-256 with SHA-256 (64-byte r||s signatures).
    #[serde(rename = "ES256")]
    Es256,
    /// EdDSA over Ed25519.
    #[serde(rename = "EdDSA")]
    EdDsa,
}

impl Alg {
    /// Every supported algorithm.
    pub const ALL: [Alg; 3] = [Alg::Rs256, Alg::Es256, Alg::EdDsa];

    /// The JOSE name (`"RS256"`, `"ES256"`, `"EdDSA"`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Es256 => "ES256",
            Alg::EdDsa => "EdDSA",
        }
    }
}

impl FromStr for Alg {
    type Err = JoseError;

    /// Exact, case-sensitive JOSE names only.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Alg::ALL.into_iter().find(|alg| alg.as_str() == s).ok_or_else(|| JoseError::unsupported(s))
    }
}

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a JOSE operation failed. Messages never carry key material.
#[derive(Debug, thiserror::Error)]
pub enum JoseError {
    /// The token, header or JWK is not well formed.
    #[error("malformed JOSE object: {0}")]
    Malformed(&'static str),
    /// The algorithm is unknown or not allowed here (the name is truncated to 32 characters).
    #[error("unsupported or disallowed JWS algorithm {0:?}")]
    UnsupportedAlg(String),
    /// No key has the token's `kid` and algorithm (or the token has no `kid`).
    #[error("no key matches the token's kid and alg")]
    UnknownKey,
    /// The signature does not verify.
    #[error("bad signature")]
    BadSignature,
    /// The crypto library refused a key or failed.
    #[error("cryptographic failure: {0}")]
    Crypto(&'static str),
    /// JSON (de)serialisation failed.
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
}

impl JoseError {
    /// `UnsupportedAlg` for an untrusted name, bounded so that logs stay small.
    fn unsupported(name: &str) -> Self {
        JoseError::UnsupportedAlg(name.chars().take(32).collect())
    }

    fn rejected(e: KeyRejected) -> Self {
        JoseError::Crypto(e.description_())
    }
}

enum PrivateKey {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

/// A private signing key. Its `Debug` shows the kid and alg only.
pub struct SigningKey {
    key: PrivateKey,
    public: VerifyingKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid()).field("alg", &self.alg()).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh key: 2048-bit RSA for RS256, P-256 for ES256, Ed25519 for EdDSA.
    pub fn generate(alg: Alg, kid: impl Into<String>) -> Result<Self, JoseError> {
        let failed = |_| JoseError::Crypto("key generation failed");
        let key = match alg {
            Alg::Rs256 => PrivateKey::Rsa(RsaKeyPair::generate(KeySize::Rsa2048).map_err(failed)?),
            Alg::Es256 => {
                PrivateKey::Ec(EcdsaKeyPair::generate(&sig::ECDSA_P256_SHA256_FIXED_SIGNING).map_err(failed)?)
            }
            Alg::EdDsa => PrivateKey::Ed(Ed25519KeyPair::generate().map_err(failed)?),
        };
        Self::new(alg, kid.into(), key)
    }

    /// Loads an unencrypted PKCS#8 DER key (v1 or, for Ed25519, v2), which must suit `alg`.
    pub fn from_pkcs8(alg: Alg, kid: impl Into<String>, der: &[u8]) -> Result<Self, JoseError> {
        let key = match alg {
            Alg::Rs256 => PrivateKey::Rsa(RsaKeyPair::from_pkcs8(der).map_err(JoseError::rejected)?),
            Alg::Es256 => PrivateKey::Ec(
                EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P256_SHA256_FIXED_SIGNING, der).map_err(JoseError::rejected)?,
            ),
            Alg::EdDsa => PrivateKey::Ed(Ed25519KeyPair::from_pkcs8(der).map_err(JoseError::rejected)?),
        };
        Self::new(alg, kid.into(), key)
    }

    fn new(alg: Alg, kid: String, key: PrivateKey) -> Result<Self, JoseError> {
        let params = match &key {
            PrivateKey::Rsa(kp) => {
                let public = kp.public_key();
                PublicParams::Rsa {
                    n: public.modulus().big_endian_without_leading_zero().to_vec(),
                    e: public.exponent().big_endian_without_leading_zero().to_vec(),
                }
            }
            PrivateKey::Ec(kp) => {
                let point = kp.public_key().as_ref();
                match point {
                    [0x04, xy @ ..] if xy.len() == 2 * COORD_LEN => {
                        let (x, y) = xy.split_at(COORD_LEN);
                        PublicParams::Ec { x: x.to_vec(), y: y.to_vec() }
                    }
                    _ => return Err(JoseError::Crypto("unexpected EC public key encoding")),
                }
            }
            PrivateKey::Ed(kp) => PublicParams::Okp { x: kp.public_key().as_ref().to_vec() },
        };
        let public = VerifyingKey::new(kid, alg, params)?;
        Ok(SigningKey { key, public })
    }

    /// The key as unencrypted PKCS#8 v1 DER, accepted back by [`SigningKey::from_pkcs8`].
    pub fn to_pkcs8(&self) -> Result<Vec<u8>, JoseError> {
        let failed = |_| JoseError::Crypto("PKCS#8 serialisation failed");
        Ok(match &self.key {
            PrivateKey::Rsa(kp) => AsDer::<Pkcs8V1Der>::as_der(kp).map_err(failed)?.as_ref().to_vec(),
            PrivateKey::Ec(kp) => kp.to_pkcs8v1().map_err(failed)?.as_ref().to_vec(),
            PrivateKey::Ed(kp) => kp.to_pkcs8v1().map_err(failed)?.as_ref().to_vec(),
        })
    }

    pub fn kid(&self) -> &str {
        self.public.kid()
    }

    pub fn alg(&self) -> Alg {
        self.public.alg()
    }

    /// The matching public key (cheap: shares the parsed key).
    pub fn verifying_key(&self) -> VerifyingKey {
        self.public.clone()
    }

    /// Compact JWS: header {"alg","kid"} plus "typ" when given (e.g. Some("at+jwt") for RFC 9068
    /// access tokens, Some("JWT") otherwise or None). The claims must be a JSON object.
    pub fn sign_json(&self, typ: Option<&str>, claims: &Value) -> Result<String, JoseError> {
        if !claims.is_object() {
            return Err(JoseError::Malformed("claims must be a JSON object"));
        }
        self.sign_payload(typ, &serde_json::to_vec(claims)?)
    }

    /// Like [`SigningKey::sign_json`], for any type that serialises to a JSON object.
    pub fn sign<T: Serialize>(&self, typ: Option<&str>, claims: &T) -> Result<String, JoseError> {
        let payload = serde_json::to_vec(claims)?;
        if payload.first() != Some(&b'{') {
            return Err(JoseError::Malformed("claims must be a JSON object"));
        }
        self.sign_payload(typ, &payload)
    }

    /// Signs arbitrary payload bytes (the public entry points insist on a JSON object).
    fn sign_payload(&self, typ: Option<&str>, payload: &[u8]) -> Result<String, JoseError> {
        #[derive(Serialize)]
        struct OutHeader<'a> {
            alg: &'static str,
            kid: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            typ: Option<&'a str>,
        }
        let header = serde_json::to_vec(&OutHeader { alg: self.alg().as_str(), kid: self.kid(), typ })?;
        let mut token = String::with_capacity((header.len() + payload.len()) * 4 / 3 + 400);
        URL_SAFE_NO_PAD.encode_string(&header, &mut token);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);
        let signature = self.raw_sign(token.as_bytes())?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut token);
        Ok(token)
    }

    fn raw_sign(&self, message: &[u8]) -> Result<Vec<u8>, JoseError> {
        let failed = |_| JoseError::Crypto("signing failed");
        match &self.key {
            PrivateKey::Rsa(kp) => {
                let mut out = vec![0; kp.public_modulus_len()];
                kp.sign(&sig::RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut out).map_err(failed)?;
                Ok(out)
            }
            PrivateKey::Ec(kp) => Ok(kp.sign(&SystemRandom::new(), message).map_err(failed)?.as_ref().to_vec()),
            PrivateKey::Ed(kp) => Ok(kp.try_sign(message).map_err(failed)?.as_ref().to_vec()),
        }
    }
}

/// Public key parameters, as they appear in a JWK (big-endian, no leading zeros for RSA).
enum PublicParams {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    Ec { x: Vec<u8>, y: Vec<u8> },
    Okp { x: Vec<u8> },
}

struct VerifyingInner {
    kid: String,
    alg: Alg,
    params: PublicParams,
    /// Parsed once, so that each verification is just the signature check.
    parsed: ParsedPublicKey,
}

/// A public key, as published in the JWKS. Cloning is cheap (shared).
#[derive(Clone)]
pub struct VerifyingKey {
    inner: Arc<VerifyingInner>,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey").field("kid", &self.kid()).field("alg", &self.alg()).finish_non_exhaustive()
    }
}

impl VerifyingKey {
    fn new(kid: String, alg: Alg, params: PublicParams) -> Result<Self, JoseError> {
        if kid.is_empty() {
            return Err(JoseError::Malformed("empty kid"));
        }
        let parsed = match (&params, alg) {
            (PublicParams::Rsa { n, e }, Alg::Rs256) => {
                RsaPublicKeyComponents { n, e }.to_parsed_public_key(&sig::RSA_PKCS1_2048_8192_SHA256)
            }
            (PublicParams::Ec { x, y }, Alg::Es256) => {
                let mut point = Vec::with_capacity(1 + 2 * COORD_LEN);
                point.push(0x04);
                point.extend_from_slice(x);
                point.extend_from_slice(y);
                ParsedPublicKey::new(&sig::ECDSA_P256_SHA256_FIXED, point)
            }
            (PublicParams::Okp { x }, Alg::EdDsa) => ParsedPublicKey::new(&sig::ED25519, x),
            _ => return Err(JoseError::Malformed("key type does not match alg")),
        }
        .map_err(JoseError::rejected)?;
        Ok(VerifyingKey { inner: Arc::new(VerifyingInner { kid, alg, params, parsed }) })
    }

    pub fn kid(&self) -> &str {
        &self.inner.kid
    }

    pub fn alg(&self) -> Alg {
        self.inner.alg
    }

    /// JWK (RFC 7517) with "kty","use":"sig","alg","kid" and RSA "n","e" / EC "crv":"P-256","x","y"
    /// / OKP "crv":"Ed25519","x" (base64url, no padding, RSA n without leading zero byte).
    pub fn to_jwk(&self) -> Value {
        let mut jwk = match &self.inner.params {
            PublicParams::Rsa { n, e } => json!({"kty": "RSA", "n": b64url(n), "e": b64url(e)}),
            PublicParams::Ec { x, y } => {
                json!({"kty": "EC", "crv": "P-256", "x": b64url(x), "y": b64url(y)})
            }
            PublicParams::Okp { x } => json!({"kty": "OKP", "crv": "Ed25519", "x": b64url(x)}),
        };
        if let Some(obj) = jwk.as_object_mut() {
            obj.insert("use".into(), "sig".into());
            obj.insert("alg".into(), self.alg().as_str().into());
            obj.insert("kid".into(), self.kid().into());
        }
        jwk
    }

    /// Reads a public JWK. It needs a `kid`; its `alg`, when absent, follows from kty/crv
    /// (RSA → RS256, EC P-256 → ES256, OKP Ed25519 → EdDSA). A `use` other than "sig" is refused.
    /// Private members, if any, are ignored.
    pub fn from_jwk(jwk: &Value) -> Result<Self, JoseError> {
        let obj = jwk.as_object().ok_or(JoseError::Malformed("JWK is not a JSON object"))?;
        let kid = member(obj, "kid")?.ok_or(JoseError::Malformed("JWK without kid"))?;
        if member(obj, "use")?.is_some_and(|u| u != "sig") {
            return Err(JoseError::Malformed("JWK use is not sig"));
        }
        let declared = member(obj, "alg")?.map(Alg::from_str).transpose()?;
        let required = |name: &str| member(obj, name)?.ok_or(JoseError::Malformed("JWK member missing"));
        let (inferred, params) = match required("kty")? {
            "RSA" => {
                let n = strip_zeros(b64url_decode(required("n")?)?);
                let e = strip_zeros(b64url_decode(required("e")?)?);
                if n.len() < 256 {
                    return Err(JoseError::Malformed("RSA modulus shorter than 2048 bits"));
                }
                if e.is_empty() {
                    return Err(JoseError::Malformed("RSA exponent is zero"));
                }
                (Alg::Rs256, PublicParams::Rsa { n, e })
            }
            "EC" => {
                if required("crv")? != "P-256" {
                    return Err(JoseError::Malformed("unsupported EC curve"));
                }
                let x = coordinate(required("x")?)?;
                let y = coordinate(required("y")?)?;
                (Alg::Es256, PublicParams::Ec { x, y })
            }
            "OKP" => {
                if required("crv")? != "Ed25519" {
                    return Err(JoseError::Malformed("unsupported OKP curve"));
                }
                (Alg::EdDsa, PublicParams::Okp { x: coordinate(required("x")?)? })
            }
            _ => return Err(JoseError::Malformed("unsupported JWK kty")),
        };
        if declared.is_some_and(|alg| alg != inferred) {
            return Err(JoseError::Malformed("JWK alg does not match its key type"));
        }
        VerifyingKey::new(kid.to_owned(), inferred, params)
    }
}

/// A string member of a JSON object: absent is `None`, present but not a string is an error.
fn member<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, JoseError> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(JoseError::Malformed("JWK member is not a string")),
    }
}

fn coordinate(s: &str) -> Result<Vec<u8>, JoseError> {
    let bytes = b64url_decode(s)?;
    if bytes.len() != COORD_LEN {
        return Err(JoseError::Malformed("JWK coordinate has the wrong length"));
    }
    Ok(bytes)
}

fn strip_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    bytes.drain(..zeros);
    bytes
}

/// A JWS protected header (the members this provider reads).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Header {
    pub alg: String,
    pub kid: Option<String>,
    pub typ: Option<String>,
}

/// What is parsed from the wire: [`Header`] plus whether `crit` is present (whatever its value).
#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    kid: Option<String>,
    typ: Option<String>,
    #[serde(default, deserialize_with = "present")]
    crit: bool,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    serde::de::IgnoredAny::deserialize(d)?;
    Ok(true)
}

/// Splits a compact JWS into its three parts, checking size and alphabet.
fn split(token: &str) -> Result<(&str, &str, &str), JoseError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JoseError::Malformed("token too long"));
    }
    if !token.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) {
        return Err(JoseError::Malformed("token is not base64url"));
    }
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) if !h.is_empty() => Ok((h, p, s)),
        _ => Err(JoseError::Malformed("token is not three base64url parts")),
    }
}

fn parse_header(encoded: &str) -> Result<RawHeader, JoseError> {
    let bytes = b64url_decode(encoded)?;
    // serde would also accept a JSON array for a struct.
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return Err(JoseError::Malformed("header is not a JSON object"));
    }
    Ok(serde_json::from_slice(&bytes)?)
}

/// Parses the header without verifying anything (for choosing a key). Rejects anything that is
/// not three base64url parts.
pub fn decode_header(token: &str) -> Result<Header, JoseError> {
    let (header, _, _) = split(token)?;
    let raw = parse_header(header)?;
    Ok(Header { alg: raw.alg, kid: raw.kid, typ: raw.typ })
}

/// Verifies a compact JWS against the given keys: the header's alg must be one of `allowed` (so
/// "none", "HS256" and anything else are refused), the header must carry a kid that names one of
/// `keys` whose alg equals the header alg, no `crit` member is accepted, and the signature must
/// verify. Returns the header and the claims (a JSON object; a non-object payload is an error).
/// Does NOT check exp/aud/iss: callers do.
pub fn verify(token: &str, keys: &[VerifyingKey], allowed: &[Alg]) -> Result<(Header, Value), JoseError> {
    let (header64, payload64, signature64) = split(token)?;
    let raw = parse_header(header64)?;
    if raw.crit {
        return Err(JoseError::Malformed("crit header parameter not supported"));
    }
    let alg = Alg::from_str(&raw.alg)?;
    if !allowed.contains(&alg) {
        return Err(JoseError::unsupported(&raw.alg));
    }
    let kid = raw.kid.as_deref().ok_or(JoseError::UnknownKey)?;
    let key = keys.iter().find(|k| k.alg() == alg && k.kid() == kid).ok_or(JoseError::UnknownKey)?;
    let signature = b64url_decode(signature64)?;
    let signing_input = &token[..header64.len() + 1 + payload64.len()];
    key.inner.parsed.verify_sig(signing_input.as_bytes(), &signature).map_err(|_| JoseError::BadSignature)?;
    let claims: Value = serde_json::from_slice(&b64url_decode(payload64)?)?;
    if !claims.is_object() {
        return Err(JoseError::Malformed("claims are not a JSON object"));
    }
    let header = Header { alg: raw.alg, kid: raw.kid, typ: raw.typ };
    Ok((header, claims))
}

/// OIDC Core 3.1.3.6 at_hash / c_hash: base64url(left half of hash(value)), hash = SHA-256 for
/// RS256 and ES256, SHA-512 for EdDSA (Ed25519, as certified relying parties such as panva's
/// oauth4webapi compute it).
pub fn left_hash(alg: Alg, value: &str) -> String {
    let algorithm = match alg {
        Alg::Rs256 | Alg::Es256 => &digest::SHA256,
        Alg::EdDsa => &digest::SHA512,
    };
    let hash = digest::digest(algorithm, value.as_bytes());
    let hash = hash.as_ref();
    b64url(&hash[..hash.len() / 2])
}

/// base64url without padding.
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding; padding, other alphabets and non-canonical trailing bits
/// are refused.
pub fn b64url_decode(s: &str) -> Result<Vec<u8>, JoseError> {
    URL_SAFE_NO_PAD.decode(s).map_err(|_| JoseError::Malformed("invalid base64url"))
}
