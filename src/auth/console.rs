//! The console's credentials (docs/CONSOLE.md): a one-time link's secret
//! and a session's cookie, each written `ID.SECRET` — the row's id, then 256
//! random bits in base64url. The store keeps only the SHA-256 of the whole
//! string, so what it holds opens nothing. A session's CSRF token is derived
//! from its secret, so it needs no storage and cannot be guessed without the
//! cookie (the "synchronizer token" of the OWASP CSRF cheat sheet, in its
//! HMAC-free form: SHA-256 of a fixed label and the secret).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

/// Longer values are not credentials Roster issued; refused before parsing.
const MAX_LEN: usize = 128;

/// A link's or session's credential in clear. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ConsoleSecret(String);

impl std::fmt::Debug for ConsoleSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConsoleSecret(<redacted>)")
    }
}

impl ConsoleSecret {
    /// A new credential for the row `id`.
    pub fn generate(id: Uuid) -> Self {
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        Self(format!(
            "{}.{}",
            id.simple(),
            URL_SAFE_NO_PAD.encode(secret)
        ))
    }

    /// The credential as presented (a link's path, a cookie), when it has
    /// the shape of one; its row id, to look it up by.
    pub fn parse(presented: &str) -> Option<(Uuid, Self)> {
        if presented.len() > MAX_LEN {
            return None;
        }
        let (id, secret) = presented.split_once('.')?;
        let id = Uuid::try_parse(id).ok()?;
        let decoded = URL_SAFE_NO_PAD.decode(secret).ok()?;
        (decoded.len() == 32).then(|| (id, Self(presented.to_owned())))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Lowercase hex SHA-256 of the whole credential: what the store keeps.
    pub fn hash(&self) -> String {
        hex(&Sha256::digest(self.0.as_bytes()))
    }

    /// Whether this credential is the one whose hash the store holds
    /// (compared in constant time).
    pub fn matches(&self, stored_hash: &str) -> bool {
        self.hash().as_bytes().ct_eq(stored_hash.as_bytes()).into()
    }

    /// The CSRF token of the session this is the cookie of: every form of
    /// the session carries it, and a change is refused without it.
    pub fn csrf_token(&self) -> String {
        let mut digest = Sha256::new();
        digest.update(b"roster console csrf\0");
        digest.update(self.0.as_bytes());
        URL_SAFE_NO_PAD.encode(digest.finalize())
    }

    /// Whether `presented` is this session's CSRF token (constant time).
    pub fn csrf_matches(&self, presented: &str) -> bool {
        self.csrf_token()
            .as_bytes()
            .ct_eq(presented.as_bytes())
            .into()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_secret_parses_back_and_matches_its_hash_only() {
        let id = Uuid::now_v7();
        let secret = ConsoleSecret::generate(id);
        let (parsed_id, parsed) = ConsoleSecret::parse(secret.expose()).unwrap();
        assert_eq!(parsed_id, id);
        assert!(parsed.matches(&secret.hash()));
        let other = ConsoleSecret::generate(id);
        assert!(!other.matches(&secret.hash()));
        assert_ne!(other.csrf_token(), secret.csrf_token());
        assert!(secret.csrf_matches(&secret.csrf_token()));
        assert!(!secret.csrf_matches(""));
        assert!(!format!("{secret:?}").contains(secret.expose()));
    }

    #[test]
    fn what_is_not_a_credential_does_not_parse() {
        let id = Uuid::now_v7().simple().to_string();
        for presented in [
            String::new(),
            "no-dot".into(),
            format!("{id}."),
            format!("{id}.short"),
            format!("not-a-uuid.{}", URL_SAFE_NO_PAD.encode([0u8; 32])),
            format!("{id}.{}", URL_SAFE_NO_PAD.encode([0u8; 31])),
            format!("{id}.{}", "A".repeat(200)),
        ] {
            assert!(ConsoleSecret::parse(&presented).is_none(), "{presented}");
        }
    }
}
