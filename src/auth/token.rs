//! The token format: an HS256 JWT (RFC 7519) with Roster's claims.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AuthError;
use super::keyring::SigningKey;
use crate::model::{AccountId, KeyId, Scope, TokenId};

const ISSUER: &str = "roster";
/// Longer header values are not tokens Roster issued; reject before parsing.
const MAX_TOKEN_LEN: usize = 4096;

/// A token in clear. `Debug` never shows it; only [`SecretToken::expose`] does.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretToken(String);

impl SecretToken {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretToken(<redacted>)")
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Claims {
    pub iss: String,
    pub sub: AccountId,
    pub scope: Scope,
    pub jti: TokenId,
    pub iat: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// 128 random bits stored nowhere: the hash of the token cannot be
    /// reproduced from what the database holds.
    pub nonce: String,
}

/// A new token `id` for the account, signed with `key`.
pub fn mint(
    key: &SigningKey,
    id: TokenId,
    account: AccountId,
    scope: Scope,
    issued_at: NaiveDateTime,
    expires_at: Option<NaiveDateTime>,
) -> SecretToken {
    let mut nonce = [0u8; 16];
    rand::rng().fill_bytes(&mut nonce);
    let claims = Claims {
        iss: ISSUER.to_owned(),
        sub: account,
        scope,
        jti: id,
        iat: issued_at.and_utc().timestamp(),
        exp: expires_at.map(|at| at.and_utc().timestamp()),
        nonce: URL_SAFE_NO_PAD.encode(nonce),
    };
    let header = Header {
        kid: Some(key.id.to_string()),
        ..Header::new(Algorithm::HS256)
    };
    let token = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&key.secret))
        .expect("HS256 signing of plain claims cannot fail");
    SecretToken(token)
}

/// Extracts the token from an `Authorization` header value.
pub(super) fn from_authorization_header(value: &str) -> Result<&str, AuthError> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Malformed("the token is empty"));
    }
    let token = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        Some(_) => return Err(AuthError::Malformed("use 'Authorization: Bearer <token>'")),
        None => value,
    };
    if token.is_empty() {
        return Err(AuthError::Malformed("the token is empty"));
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(AuthError::Malformed("the token is too long"));
    }
    Ok(token)
}

/// The id of the key the token claims to be signed with.
pub(super) fn key_id(token: &str) -> Result<KeyId, AuthError> {
    let header =
        jsonwebtoken::decode_header(token).map_err(|_| AuthError::Malformed("not a JWT"))?;
    header
        .kid
        .and_then(|kid| kid.parse().ok())
        .ok_or(AuthError::Malformed(
            "the token names no Roster signing key",
        ))
}

pub(super) fn verify(token: &str, key: &SigningKey) -> Result<Claims, AuthError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.validate_exp = true;
    validation.set_required_spec_claims(&["iss", "sub"]);
    validation.set_issuer(&[ISSUER]);
    jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(&key.secret), &validation)
        .map(|data| data.claims)
        .map_err(|error| match error.kind() {
            ErrorKind::ExpiredSignature => AuthError::Expired,
            ErrorKind::InvalidSignature => AuthError::BadSignature,
            _ => AuthError::Malformed("the token's claims are not Roster's"),
        })
}

/// Lowercase hex SHA-256 of the whole token: what the store keeps.
pub fn secret_hash(token: &SecretToken) -> String {
    hex_sha256(token.expose())
}

/// Compares in constant time.
pub(super) fn hash_matches(token: &str, stored_hash: &str) -> bool {
    hex_sha256(token)
        .as_bytes()
        .ct_eq(stored_hash.as_bytes())
        .into()
}

/// The SHA-256 of the whole token, as the cache of verified tokens keys them.
pub(super) fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn hex_sha256(text: &str) -> String {
    digest(text)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey {
            id: KeyId::new(),
            secret: vec![7; 32],
        }
    }

    #[test]
    fn minted_tokens_verify_and_carry_their_claims() {
        let key = key();
        let (id, account) = (TokenId::new(), AccountId::new());
        let token = mint(&key, id, account, Scope::Scim, crate::clock::now(), None);
        assert_eq!(key_id(token.expose()).unwrap(), key.id);
        let claims = verify(token.expose(), &key).unwrap();
        assert_eq!(
            (claims.jti, claims.sub, claims.scope),
            (id, account, Scope::Scim)
        );
        assert!(hash_matches(token.expose(), &secret_hash(&token)));
        assert!(!hash_matches(token.expose(), &"0".repeat(64)));
    }

    #[test]
    fn two_tokens_with_equal_claims_differ() {
        let key = key();
        let now = crate::clock::now();
        let (id, account) = (TokenId::new(), AccountId::new());
        let a = mint(&key, id, account, Scope::Scim, now, None);
        let b = mint(&key, id, account, Scope::Scim, now, None);
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn wrong_key_and_expiry_are_rejected() {
        let now = crate::clock::now();
        let token = mint(
            &key(),
            TokenId::new(),
            AccountId::new(),
            Scope::Admin,
            now,
            None,
        );
        let other_key = SigningKey {
            secret: vec![8; 32],
            ..key()
        };
        assert!(matches!(
            verify(token.expose(), &other_key),
            Err(AuthError::BadSignature)
        ));
        let key = key();
        let past = now - chrono::Duration::hours(1);
        let expired = mint(
            &key,
            TokenId::new(),
            AccountId::new(),
            Scope::Admin,
            past,
            Some(past),
        );
        assert!(matches!(
            verify(expired.expose(), &key),
            Err(AuthError::Expired)
        ));
    }

    #[test]
    fn authorization_header_forms() {
        assert_eq!(from_authorization_header("Bearer abc").unwrap(), "abc");
        assert_eq!(from_authorization_header("bEaReR   abc ").unwrap(), "abc");
        assert_eq!(from_authorization_header("abc").unwrap(), "abc");
        assert!(from_authorization_header("Basic dXNlcjpwdw==").is_err());
        assert!(from_authorization_header("Bearer ").is_err());
        assert!(from_authorization_header("").is_err());
        assert!(
            format!("{:?}", SecretToken("s3cret".into()))
                .find("s3cret")
                .is_none()
        );
    }
}
