//! How a webhook request is signed, and the endpoint's secret.
//!
//! `Roster-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`:
//! the receiver recomputes the HMAC over the timestamp it was sent and the
//! raw body, compares in constant time, and refuses old timestamps (replays).
//!
//! The secret is not stored: it is derived from one of Roster's signing keys
//! and the endpoint's id (HMAC-SHA256 again), so the database holds no
//! usable webhook secret of its own and every replica derives the same one.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "Roster-Signature";

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// The secret of endpoint `webhook_id` under signing key `key`:
/// `whsec_` and 43 URL-safe base64 characters.
pub fn endpoint_secret(key: &[u8], webhook_id: &str) -> String {
    let derived = hmac(key, &[b"roster webhook secret\0", webhook_id.as_bytes()]);
    format!("whsec_{}", URL_SAFE_NO_PAD.encode(derived))
}

/// The `Roster-Signature` value of `body` sent at `timestamp` (Unix seconds).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let signed = hmac(
        secret.as_bytes(),
        &[timestamp.to_string().as_bytes(), b".", body],
    );
    format!("t={timestamp},v1={}", hex(&signed))
}

/// Whether `header` is a valid signature of `body` with `secret`, sent no
/// more than `tolerance_seconds` from `now` (what a receiver checks; the
/// tests and docs/ACCESS.md use it as the reference).
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64, tolerance_seconds: i64) -> bool {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.push(value),
            _ => {}
        }
    }
    let Some(timestamp) = timestamp else {
        return false;
    };
    if (now - timestamp).abs() > tolerance_seconds {
        return false;
    }
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let expected = mac.finalize().into_bytes();
    signatures.iter().any(|signature| {
        unhex(signature).is_some_and(|given| {
            use subtle::ConstantTimeEq;
            given.len() == expected.len() && bool::from(given.as_slice().ct_eq(&expected))
        })
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok())
        .collect()
}

/// How long to wait before attempt `attempts + 1` after `attempts` failed
/// ones: 1 s, 2 s, 4 s … doubling, at most an hour. Delivery never gives
/// up: an endpoint that is down for a day gets its events when it is back.
pub fn backoff(attempts: u32) -> std::time::Duration {
    const MAX_SECONDS: u64 = 3600;
    let seconds = 1u64
        .checked_shl(attempts.saturating_sub(1))
        .unwrap_or(MAX_SECONDS)
        .min(MAX_SECONDS);
    std::time::Duration::from_secs(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_any_change_breaks_it() {
        let secret = endpoint_secret(b"0123456789abcdef0123456789abcdef", "hook-1");
        let body = br#"{"kind":"member.deactivated"}"#;
        let header = sign(&secret, 1_800_000_000, body);
        assert!(verify(&secret, &header, body, 1_800_000_010, 300));
        assert!(
            !verify(&secret, &header, b"{}", 1_800_000_010, 300),
            "other body"
        );
        assert!(
            !verify("whsec_other", &header, body, 1_800_000_010, 300),
            "other secret"
        );
        assert!(
            !verify(&secret, &header, body, 1_800_001_000, 300),
            "too old"
        );
        let moved = header.replace("t=1800000000", "t=1800000001");
        assert!(
            !verify(&secret, &moved, body, 1_800_000_010, 300),
            "other timestamp"
        );
        assert!(
            !verify(&secret, "v1=zz", body, 1_800_000_010, 300),
            "garbage"
        );
    }

    #[test]
    fn secrets_differ_by_endpoint_and_key_and_stay_the_same() {
        let key = b"0123456789abcdef0123456789abcdef";
        let secret = endpoint_secret(key, "hook-1");
        assert!(
            secret.starts_with("whsec_") && secret.len() == 6 + 43,
            "{secret}"
        );
        assert_eq!(secret, endpoint_secret(key, "hook-1"));
        assert_ne!(secret, endpoint_secret(key, "hook-2"));
        assert_ne!(secret, endpoint_secret(b"another key", "hook-1"));
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let seconds: Vec<u64> = [1, 2, 3, 4, 12, 13, 40, u32::MAX]
            .iter()
            .map(|attempts| backoff(*attempts).as_secs())
            .collect();
        assert_eq!(seconds, vec![1, 2, 4, 8, 2048, 3600, 3600, 3600]);
    }
}
