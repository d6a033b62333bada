//! Authenticating a delivery: HMAC-SHA256 of the raw body against a hex signature header, or a
//! shared token compared in constant time. Both run before the body is parsed.

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::handle::Reply;
use crate::source::credentials::Secret;

/// Checks `header: <prefix><hex HMAC-SHA256 of body>` (e.g. `sha256=`); missing, malformed and
/// wrong signatures are all 401.
pub(super) fn hmac_header(
    headers: &HeaderMap,
    header: &str,
    prefix: &str,
    secret: &Secret,
    body: &[u8],
) -> Result<(), Reply> {
    let Some(value) = headers.get(header) else {
        return Err(Reply::unauthorized(format!("missing {header} header")));
    };
    let given = value
        .to_str()
        .ok()
        .and_then(|v| v.trim().strip_prefix(prefix));
    match given {
        Some(hex_sig) if hmac_matches(secret.expose().as_bytes(), body, hex_sig) => Ok(()),
        _ => Err(Reply::unauthorized(format!(
            "{header} does not match the body"
        ))),
    }
}

/// Checks a token header against the secret (GitLab's `X-Gitlab-Token`).
pub(super) fn token_header(
    headers: &HeaderMap,
    header: &str,
    secret: &Secret,
) -> Result<(), Reply> {
    let Some(value) = headers.get(header) else {
        return Err(Reply::unauthorized(format!("missing {header} header")));
    };
    if token_matches(secret.expose().as_bytes(), value.as_bytes()) {
        Ok(())
    } else {
        Err(Reply::unauthorized(format!("{header} is wrong")))
    }
}

/// Whether `signature_hex` is the HMAC-SHA256 of `body` under `key`; the comparison is constant
/// time (`verify_slice`).
pub(super) fn hmac_matches(key: &[u8], body: &[u8], signature_hex: &str) -> bool {
    let Ok(signature) = hex::decode(signature_hex) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&signature).is_ok()
}

/// Constant-time token equality. Both sides are hashed first so neither the position of the first
/// difference nor the secret's length shows in the timing.
pub(super) fn token_matches(secret: &[u8], given: &[u8]) -> bool {
    let a = Sha256::digest(secret);
    let b = Sha256::digest(given);
    a.ct_eq(&b).into()
}

/// The hex HMAC-SHA256 of `body` (what a sender puts in the signature header).
#[cfg(test)]
pub(super) fn sign(key: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example from GitHub's "Validating webhook deliveries" page.
    const GITHUB_KEY: &str = "It's a Secret to Everybody";
    const GITHUB_BODY: &str = "Hello, World!";
    const GITHUB_SIG: &str = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn hmac_matches_githubs_documented_example() {
        assert_eq!(
            sign(GITHUB_KEY.as_bytes(), GITHUB_BODY.as_bytes()),
            GITHUB_SIG
        );
        assert!(hmac_matches(
            GITHUB_KEY.as_bytes(),
            GITHUB_BODY.as_bytes(),
            GITHUB_SIG
        ));
        assert!(hmac_matches(
            GITHUB_KEY.as_bytes(),
            GITHUB_BODY.as_bytes(),
            &GITHUB_SIG.to_uppercase()
        ));
        assert!(!hmac_matches(
            GITHUB_KEY.as_bytes(),
            b"Hello, World?",
            GITHUB_SIG
        ));
        assert!(!hmac_matches(b"other", GITHUB_BODY.as_bytes(), GITHUB_SIG));
        assert!(!hmac_matches(
            GITHUB_KEY.as_bytes(),
            GITHUB_BODY.as_bytes(),
            "zz"
        ));
        assert!(!hmac_matches(
            GITHUB_KEY.as_bytes(),
            GITHUB_BODY.as_bytes(),
            &GITHUB_SIG[..62]
        ));
    }

    #[test]
    fn header_needs_the_prefix() {
        let secret = Secret::new(GITHUB_KEY);
        let mut headers = HeaderMap::new();
        headers.insert("x-sig", GITHUB_SIG.parse().unwrap());
        let err = hmac_header(
            &headers,
            "x-sig",
            "sha256=",
            &secret,
            GITHUB_BODY.as_bytes(),
        );
        assert!(err.is_err());
        headers.insert("x-sig", format!("sha256={GITHUB_SIG}").parse().unwrap());
        hmac_header(
            &headers,
            "x-sig",
            "sha256=",
            &secret,
            GITHUB_BODY.as_bytes(),
        )
        .unwrap();
    }

    #[test]
    fn tokens_compare_whole_values() {
        assert!(token_matches(b"tok", b"tok"));
        assert!(!token_matches(b"tok", b"to"));
        assert!(!token_matches(b"tok", b"tok "));
        assert!(!token_matches(b"tok", b""));
    }
}
