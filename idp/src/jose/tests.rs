//! Tests of the JWS module: round trips per algorithm and the classic attacks.

#![allow(clippy::unwrap_used)] // Tests may panic: that is how they fail.

use super::*;
use aws_lc_rs::hmac;

fn key(alg: Alg, kid: &str) -> SigningKey {
    SigningKey::generate(alg, kid).unwrap()
}

fn claims() -> Value {
    json!({"iss": "https://idp.example", "sub": "pupil-42", "aud": "ent", "exp": 2_000_000_000u64})
}

/// Replaces the header of `token` by `header` (JSON text), keeping payload and signature.
fn with_header(token: &str, header: &str) -> String {
    let (_, rest) = token.split_once('.').unwrap();
    format!("{}.{rest}", b64url(header.as_bytes()))
}

/// Signs `header.payload` with HMAC-SHA256 under `secret`.
fn hs256(header: &str, payload: &Value, secret: &[u8]) -> String {
    let input = format!("{}.{}", b64url(header.as_bytes()), b64url(payload.to_string().as_bytes()));
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), input.as_bytes());
    format!("{input}.{}", b64url(tag.as_ref()))
}

#[test]
fn alg_names() {
    for alg in Alg::ALL {
        assert_eq!(alg.as_str().parse::<Alg>().unwrap(), alg);
        assert_eq!(alg.to_string(), alg.as_str());
        assert_eq!(serde_json::to_value(alg).unwrap(), json!(alg.as_str()));
        assert_eq!(serde_json::from_value::<Alg>(json!(alg.as_str())).unwrap(), alg);
    }
    for bad in ["rs256", "Es256", "EDDSA", "none", "HS256", "", "RS256 "] {
        assert!(matches!(bad.parse::<Alg>(), Err(JoseError::UnsupportedAlg(_))), "{bad}");
    }
    let long = "X".repeat(1000);
    match long.parse::<Alg>() {
        Err(JoseError::UnsupportedAlg(name)) => assert_eq!(name.len(), 32),
        other => panic!("{other:?}"),
    }
}

#[test]
fn sign_then_verify_each_alg() {
    for alg in Alg::ALL {
        let k = key(alg, "k1");
        assert_eq!((k.kid(), k.alg()), ("k1", alg));
        let token = k.sign_json(Some("at+jwt"), &claims()).unwrap();
        let (header, got) = verify(&token, &[k.verifying_key()], &Alg::ALL).unwrap();
        assert_eq!(got, claims());
        let expected = Header { alg: alg.as_str().into(), kid: Some("k1".into()), typ: Some("at+jwt".into()) };
        assert_eq!(header, expected);
        assert_eq!(decode_header(&token).unwrap(), expected);
        // Only this alg allowed: still fine.
        verify(&token, &[k.verifying_key()], &[alg]).unwrap();
    }
}

#[test]
fn header_is_deterministic() {
    let k = key(Alg::Es256, "kid-1");
    let token = k.sign_json(Some("JWT"), &claims()).unwrap();
    let header = b64url_decode(token.split('.').next().unwrap()).unwrap();
    assert_eq!(header, br#"{"alg":"ES256","kid":"kid-1","typ":"JWT"}"#);
    let token = k.sign_json(None, &claims()).unwrap();
    let header = b64url_decode(token.split('.').next().unwrap()).unwrap();
    assert_eq!(header, br#"{"alg":"ES256","kid":"kid-1"}"#);
    assert_eq!(decode_header(&token).unwrap().typ, None);
}

#[test]
fn es256_signature_is_fixed_64_bytes() {
    let k = key(Alg::Es256, "k");
    let token = k.sign_json(None, &claims()).unwrap();
    let sig = b64url_decode(token.rsplit('.').next().unwrap()).unwrap();
    assert_eq!(sig.len(), 64);
    let token = key(Alg::Rs256, "k").sign_json(None, &claims()).unwrap();
    let sig = b64url_decode(token.rsplit('.').next().unwrap()).unwrap();
    assert_eq!(sig.len(), 256);
}

#[test]
fn sign_serializable_struct() {
    #[derive(Serialize)]
    struct Claims<'a> {
        sub: &'a str,
        exp: u64,
    }
    let k = key(Alg::EdDsa, "k");
    let token = k.sign(Some("JWT"), &Claims { sub: "s", exp: 5 }).unwrap();
    let (_, got) = verify(&token, &[k.verifying_key()], &Alg::ALL).unwrap();
    assert_eq!(got, json!({"sub": "s", "exp": 5}));
    // Non-object claims are refused on both entry points.
    assert!(matches!(k.sign(None, &[1, 2]), Err(JoseError::Malformed(_))));
    assert!(matches!(k.sign(None, &"x"), Err(JoseError::Malformed(_))));
    assert!(matches!(k.sign_json(None, &json!([1])), Err(JoseError::Malformed(_))));
}

#[test]
fn non_object_payload_is_refused() {
    let k = key(Alg::Es256, "k");
    for payload in [&b"[1,2]"[..], b"\"x\"", b"null", b"not json", b""] {
        let token = k.sign_payload(None, payload).unwrap();
        assert!(verify(&token, &[k.verifying_key()], &Alg::ALL).is_err());
    }
}

#[test]
fn pkcs8_round_trip() {
    for alg in Alg::ALL {
        let k = key(alg, "k");
        let der = k.to_pkcs8().unwrap();
        let loaded = SigningKey::from_pkcs8(alg, "k", &der).unwrap();
        assert_eq!(loaded.to_pkcs8().unwrap(), der);
        assert_eq!(loaded.verifying_key().to_jwk(), k.verifying_key().to_jwk());
        let token = loaded.sign_json(None, &claims()).unwrap();
        verify(&token, &[k.verifying_key()], &Alg::ALL).unwrap();
        // The DER of one alg is refused under the others.
        for other in Alg::ALL.into_iter().filter(|a| *a != alg) {
            assert!(SigningKey::from_pkcs8(other, "k", &der).is_err(), "{alg} as {other}");
        }
    }
    assert!(SigningKey::from_pkcs8(Alg::Es256, "k", b"garbage").is_err());
    assert!(matches!(SigningKey::generate(Alg::EdDsa, ""), Err(JoseError::Malformed(_))));
}

#[test]
fn jwk_round_trip() {
    for alg in Alg::ALL {
        let k = key(alg, "k");
        let jwk = k.verifying_key().to_jwk();
        assert_eq!(jwk["alg"], alg.as_str());
        assert_eq!(jwk["kid"], "k");
        assert_eq!(jwk["use"], "sig");
        assert!(jwk.get("d").is_none());
        let public = VerifyingKey::from_jwk(&jwk).unwrap();
        assert_eq!((public.kid(), public.alg()), ("k", alg));
        assert_eq!(public.to_jwk(), jwk);
        let token = k.sign_json(None, &claims()).unwrap();
        verify(&token, &[public], &Alg::ALL).unwrap();

        // Without alg: inferred from kty/crv.
        let mut bare = jwk.clone();
        bare.as_object_mut().unwrap().remove("alg");
        bare.as_object_mut().unwrap().remove("use");
        assert_eq!(VerifyingKey::from_jwk(&bare).unwrap().alg(), alg);

        // Without kid: refused.
        let mut no_kid = jwk.clone();
        no_kid.as_object_mut().unwrap().remove("kid");
        assert!(VerifyingKey::from_jwk(&no_kid).is_err());

        // An alg that does not fit the key type, or use=enc: refused.
        for other in Alg::ALL.into_iter().filter(|a| *a != alg) {
            let mut wrong = jwk.clone();
            wrong["alg"] = json!(other.as_str());
            assert!(VerifyingKey::from_jwk(&wrong).is_err());
        }
        let mut enc = jwk.clone();
        enc["use"] = json!("enc");
        assert!(VerifyingKey::from_jwk(&enc).is_err());
        let mut hs = jwk.clone();
        hs["alg"] = json!("HS256");
        assert!(matches!(VerifyingKey::from_jwk(&hs), Err(JoseError::UnsupportedAlg(_))));
    }
}

#[test]
fn jwk_shapes() {
    let rsa = key(Alg::Rs256, "r").verifying_key().to_jwk();
    assert_eq!(rsa["kty"], "RSA");
    assert_eq!(rsa["e"], "AQAB");
    let n = b64url_decode(rsa["n"].as_str().unwrap()).unwrap();
    assert_eq!(n.len(), 256);
    assert_ne!(n[0], 0);
    assert!(n[0] >= 0x80, "2048-bit modulus has its top bit set");

    let ec = key(Alg::Es256, "e").verifying_key().to_jwk();
    assert_eq!((&ec["kty"], &ec["crv"]), (&json!("EC"), &json!("P-256")));
    for c in ["x", "y"] {
        assert_eq!(b64url_decode(ec[c].as_str().unwrap()).unwrap().len(), 32);
    }

    let okp = key(Alg::EdDsa, "o").verifying_key().to_jwk();
    assert_eq!((&okp["kty"], &okp["crv"]), (&json!("OKP"), &json!("Ed25519")));
    assert_eq!(b64url_decode(okp["x"].as_str().unwrap()).unwrap().len(), 32);

    // A modulus with a (non-minimal) leading zero byte is still read.
    let mut padded = rsa.clone();
    padded["n"] = json!(b64url(&[&[0u8][..], &n].concat()));
    assert_eq!(VerifyingKey::from_jwk(&padded).unwrap().to_jwk(), rsa);
    // Small RSA moduli, wrong curves, wrong lengths, off-curve points: refused.
    let mut small = rsa.clone();
    small["n"] = json!(b64url(&n[..128]));
    assert!(VerifyingKey::from_jwk(&small).is_err());
    let mut curve = ec.clone();
    curve["crv"] = json!("P-384");
    assert!(VerifyingKey::from_jwk(&curve).is_err());
    let mut short = okp.clone();
    short["x"] = json!(b64url(&[1; 31]));
    assert!(VerifyingKey::from_jwk(&short).is_err());
    let mut off_curve = ec.clone();
    off_curve["y"] = json!(b64url(&[1; 32]));
    assert!(VerifyingKey::from_jwk(&off_curve).is_err());
    assert!(VerifyingKey::from_jwk(&json!({"kty": "oct", "k": "AAAA", "kid": "x"})).is_err());
    assert!(VerifyingKey::from_jwk(&json!("RSA")).is_err());
}

#[test]
fn tampered_payload_is_bad_signature() {
    for alg in Alg::ALL {
        let k = key(alg, "k");
        let token = k.sign_json(None, &claims()).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let mut evil = claims();
        evil["sub"] = json!("admin");
        let forged = format!("{}.{}.{}", parts[0], b64url(evil.to_string().as_bytes()), parts[2]);
        let err = verify(&forged, &[k.verifying_key()], &Alg::ALL).unwrap_err();
        assert!(matches!(err, JoseError::BadSignature), "{alg}: {err:?}");
    }
}

#[test]
fn tampered_signature_is_refused() {
    for alg in Alg::ALL {
        let k = key(alg, "k");
        let token = k.sign_json(None, &claims()).unwrap();
        let (input, sig) = token.rsplit_once('.').unwrap();
        // Flip one bit of the first signature byte.
        let mut bytes = b64url_decode(sig).unwrap();
        bytes[0] ^= 1;
        let forged = format!("{input}.{}", b64url(&bytes));
        let err = verify(&forged, &[k.verifying_key()], &Alg::ALL).unwrap_err();
        assert!(matches!(err, JoseError::BadSignature), "{alg}: {err:?}");
        // Truncated, empty, or non-canonical base64url: refused as well.
        let truncated = format!("{input}.{}", b64url(&bytes[..bytes.len() - 1]));
        assert!(verify(&truncated, &[k.verifying_key()], &Alg::ALL).is_err());
        assert!(verify(&format!("{input}."), &[k.verifying_key()], &Alg::ALL).is_err());
        let last = sig.chars().last().unwrap();
        let neighbour = if last == 'A' { 'B' } else { 'A' };
        let mangled = format!("{input}.{}{neighbour}", &sig[..sig.len() - 1]);
        assert!(verify(&mangled, &[k.verifying_key()], &Alg::ALL).is_err());
    }
}

#[test]
fn alg_none_is_refused() {
    let k = key(Alg::Es256, "k");
    let keys = [k.verifying_key()];
    for none in ["none", "None", "NONE", ""] {
        let header = format!(r#"{{"alg":"{none}","kid":"k"}}"#);
        let token = format!("{}.{}.", b64url(header.as_bytes()), b64url(claims().to_string().as_bytes()));
        let err = verify(&token, &keys, &Alg::ALL).unwrap_err();
        assert!(matches!(err, JoseError::UnsupportedAlg(_)), "{none}: {err:?}");
        // decode_header alone does not judge.
        assert_eq!(decode_header(&token).unwrap().alg, none);
    }
}

#[test]
fn hs256_with_public_key_as_secret_is_refused() {
    let k = key(Alg::Rs256, "k");
    let public = k.verifying_key();
    let jwk = public.to_jwk();
    let n = b64url_decode(jwk["n"].as_str().unwrap()).unwrap();
    let header = r#"{"alg":"HS256","kid":"k"}"#;
    for secret in [jwk.to_string().into_bytes(), n] {
        let token = hs256(header, &claims(), &secret);
        for allowed in [&Alg::ALL[..], &[Alg::Rs256]] {
            let err = verify(&token, std::slice::from_ref(&public), allowed).unwrap_err();
            assert!(matches!(err, JoseError::UnsupportedAlg(_)), "{err:?}");
        }
    }
    // Also when an RS256 token merely has its header rewritten.
    let token = k.sign_json(None, &claims()).unwrap();
    let forged = with_header(&token, header);
    assert!(verify(&forged, &[public], &Alg::ALL).is_err());
}

#[test]
fn disallowed_alg_is_refused() {
    let k = key(Alg::Es256, "k");
    let token = k.sign_json(None, &claims()).unwrap();
    let err = verify(&token, &[k.verifying_key()], &[Alg::Rs256, Alg::EdDsa]).unwrap_err();
    assert!(matches!(err, JoseError::UnsupportedAlg(_)));
    assert!(verify(&token, &[k.verifying_key()], &[]).is_err());
}

#[test]
fn unknown_or_missing_kid_is_refused() {
    let k = key(Alg::EdDsa, "k1");
    let token = k.sign_json(None, &claims()).unwrap();
    let other = key(Alg::EdDsa, "k2").verifying_key();
    let err = verify(&token, std::slice::from_ref(&other), &Alg::ALL).unwrap_err();
    assert!(matches!(err, JoseError::UnknownKey));
    assert!(matches!(verify(&token, &[], &Alg::ALL), Err(JoseError::UnknownKey)));
    let no_kid = with_header(&token, r#"{"alg":"EdDSA"}"#);
    let err = verify(&no_kid, &[k.verifying_key(), other], &Alg::ALL).unwrap_err();
    assert!(matches!(err, JoseError::UnknownKey));
}

#[test]
fn same_kid_other_alg_is_refused() {
    let es = key(Alg::Es256, "shared");
    let ed = key(Alg::EdDsa, "shared");
    let rs = key(Alg::Rs256, "shared");
    let token = es.sign_json(None, &claims()).unwrap();
    let others = [ed.verifying_key(), rs.verifying_key()];
    assert!(matches!(verify(&token, &others, &Alg::ALL), Err(JoseError::UnknownKey)));
    // Rewriting the header's alg to the other key's alg does not help.
    for (alg, target) in [("EdDSA", ed.verifying_key()), ("RS256", rs.verifying_key())] {
        let forged = with_header(&token, &format!(r#"{{"alg":"{alg}","kid":"shared"}}"#));
        let err = verify(&forged, &[target], &Alg::ALL).unwrap_err();
        assert!(matches!(err, JoseError::BadSignature), "{alg}: {err:?}");
        let err = verify(&forged, &[es.verifying_key()], &Alg::ALL).unwrap_err();
        assert!(matches!(err, JoseError::UnknownKey), "{alg}: {err:?}");
    }
    // With all keys present, the right one is picked.
    let all = [ed.verifying_key(), rs.verifying_key(), es.verifying_key()];
    verify(&token, &all, &Alg::ALL).unwrap();
}

#[test]
fn other_key_same_kid_is_bad_signature() {
    for alg in Alg::ALL {
        let token = key(alg, "k").sign_json(None, &claims()).unwrap();
        let impostor = key(alg, "k").verifying_key();
        let err = verify(&token, &[impostor], &Alg::ALL).unwrap_err();
        assert!(matches!(err, JoseError::BadSignature), "{alg}: {err:?}");
    }
}

#[test]
fn crit_is_refused() {
    let k = key(Alg::Es256, "k");
    let header = r#"{"alg":"ES256","kid":"k","crit":["exp"],"exp":1}"#;
    let token = k.sign_payload(None, b"{}").unwrap();
    // Re-sign with the crit header so that only crit can be the reason.
    let input = format!("{}.{}", b64url(header.as_bytes()), b64url(b"{}"));
    let sig = k.raw_sign(input.as_bytes()).unwrap();
    let with_crit = format!("{input}.{}", b64url(&sig));
    let err = verify(&with_crit, &[k.verifying_key()], &Alg::ALL).unwrap_err();
    assert!(matches!(err, JoseError::Malformed(_)), "{err:?}");
    let null_crit = with_header(&token, r#"{"alg":"ES256","kid":"k","crit":null}"#);
    assert!(verify(&null_crit, &[k.verifying_key()], &Alg::ALL).is_err());
}

#[test]
fn malformed_tokens_are_refused() {
    let k = key(Alg::EdDsa, "k");
    let keys = [k.verifying_key()];
    let token = k.sign_json(None, &claims()).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let long_claims = json!({"x": "a".repeat(MAX_TOKEN_LEN)});
    let long = k.sign_json(None, &long_claims).unwrap();
    let cases = [
        String::new(),
        ".".into(),
        "..".into(),
        format!("{}.{}", parts[0], parts[1]),
        format!("{token}.{}", parts[2]),
        format!("{}..{}", parts[0], parts[2]),
        format!(".{}.{}", parts[1], parts[2]),
        format!("{token}="),
        format!("{} ", token),
        format!("{}.{}.+{}", parts[0], parts[1], &parts[2][1..]),
        format!("{}.{}.{}", b64url(b"[\"EdDSA\",\"k\",null]"), parts[1], parts[2]),
        format!("{}.{}.{}", b64url(b"not json"), parts[1], parts[2]),
        format!("{}.{}.{}", b64url(br#"{"alg":1,"kid":"k"}"#), parts[1], parts[2]),
        long,
    ];
    for bad in &cases {
        assert!(verify(bad, &keys, &Alg::ALL).is_err(), "{bad}");
    }
    for bad in &cases[..5] {
        assert!(matches!(decode_header(bad), Err(JoseError::Malformed(_))), "{bad}");
    }
    // Duplicate header members are refused rather than resolved.
    let dup = with_header(&token, r#"{"alg":"EdDSA","alg":"none","kid":"k"}"#);
    assert!(decode_header(&dup).is_err());
}

#[test]
fn left_hash_vectors() {
    // OpenID Connect Core 1.0, Appendix A.3 (at_hash) and A.4 (c_hash), RS256.
    assert_eq!(left_hash(Alg::Rs256, "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"), "77QmUPtjPfzWtF2AnpK9RQ");
    assert_eq!(
        left_hash(Alg::Rs256, "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk"),
        "LDktKdoQak3Pk0cnXxCltA"
    );
    // EdDSA (SHA-512 left half), the value other implementations pin for OIDC issue 1125.
    assert_eq!(left_hash(Alg::EdDsa, "dNZX1hEZ9wBCzNL40Upu646bdzQA"), "8xltSlOGYrWy8W9yNvRlEth1i_bXW-JROWPLvCv5zog");
    // From the definition, independently.
    let value = "some-access-token";
    let sha256 = digest::digest(&digest::SHA256, value.as_bytes());
    let sha512 = digest::digest(&digest::SHA512, value.as_bytes());
    let expected256 = URL_SAFE_NO_PAD.encode(&sha256.as_ref()[..16]);
    let expected512 = URL_SAFE_NO_PAD.encode(&sha512.as_ref()[..32]);
    assert_eq!(left_hash(Alg::Rs256, value), expected256);
    assert_eq!(left_hash(Alg::Es256, value), expected256);
    assert_eq!(left_hash(Alg::EdDsa, value), expected512);
    assert_eq!(left_hash(Alg::Rs256, value).len(), 22);
    assert_eq!(left_hash(Alg::EdDsa, value).len(), 43);
}

#[test]
fn b64url_helpers() {
    assert_eq!(b64url(b"\xfb\xff"), "-_8");
    assert_eq!(b64url_decode("-_8").unwrap(), b"\xfb\xff");
    assert!(b64url_decode("-_8=").is_err());
    assert!(b64url_decode("+/8").is_err());
    assert!(b64url_decode("-_9").is_err(), "non-canonical trailing bits");
    assert_eq!(b64url_decode("").unwrap(), b"");
}

#[test]
fn debug_shows_no_key_material() {
    for alg in Alg::ALL {
        let k = key(alg, "kid-7");
        let shown = format!("{k:?}");
        assert_eq!(shown, format!("SigningKey {{ kid: \"kid-7\", alg: {alg:?}, .. }}"));
        let public = format!("{:?}", k.verifying_key());
        assert_eq!(public, format!("VerifyingKey {{ kid: \"kid-7\", alg: {alg:?}, .. }}"));
    }
}

#[test]
fn keys_are_send_and_sync() {
    fn check<T: Send + Sync + 'static>() {}
    check::<SigningKey>();
    check::<VerifyingKey>();
    check::<JoseError>();
}
