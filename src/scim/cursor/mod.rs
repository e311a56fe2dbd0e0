//! Cursor-based pagination (RFC 9865): the cursor itself — opaque,
//! tamper-evident, valid for one query of one account for a while — and how
//! a page read by keyset (`id > last`, or `id < first` backwards) becomes
//! the page and its `nextCursor` / `previousCursor` (RFC 9865 §2).
//!
//! A cursor is base64url without padding (RFC 3986 unreserved characters,
//! as §2 asks) of: a version byte, the id of the signing key it is sealed
//! with, when it was issued (Unix milliseconds), where the page starts
//! ([`Position`]), the page size it was issued for, and a 128-bit
//! HMAC-SHA256 tag. The tag covers those bytes **and** what the cursor is
//! valid for ([`Scope`]: the account, the resource type, the normalized
//! query), which the cursor does not carry: a cursor presented by another
//! account or with another filter or projection fails the tag exactly like
//! a forged one — `400 invalidCursor` with the same detail (§5.2: no hint
//! of why). A cursor whose tag holds but which is older than the timeout is
//! `expiredCursor`; one issued for another `count` is `invalidCount` (§2.1).
//!
//! Nothing is stored per cursor (§5.3): the cursor is the whole state, and
//! any replica that shares the signing keys opens it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

mod page;

pub use page::{CursorRequest, Page, page};

use crate::scim::{ScimError, ScimType};

type HmacSha256 = Hmac<Sha256>;

const VERSION: u8 = 1;
const TAG_BYTES: usize = 16;
/// version, key id, issued, position kind, position id, count.
const BODY_BYTES: usize = 1 + 16 + 8 + 1 + 16 + 4;
const CURSOR_BYTES: usize = BODY_BYTES + TAG_BYTES;
/// Longer text is no cursor of ours; refused before decoding.
const MAX_TEXT: usize = 128;

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// The first resources (in id order).
    Start,
    /// The resources after this id, in id order.
    After(Uuid),
    /// The resources just before this id: the page before the one that
    /// began with it.
    Before(Uuid),
}

/// What a cursor is valid for. Bound into its tag, never carried in it.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub account: &'a str,
    /// `User` or `Group`.
    pub resource: &'a str,
    /// The normalized query ([`super::list::ListRequest::cursor_query`]).
    pub query: &'a str,
}

/// A signing key, as cursors use it: its id (carried in the cursor, so a
/// walk survives a key rotation) and its secret.
#[derive(Clone, Copy)]
pub struct CursorKey<'a> {
    pub id: Uuid,
    pub secret: &'a [u8],
}

/// What a cursor says once its tag is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub position: Position,
    /// The page size the walk was started with.
    pub count: u32,
}

/// A cursor as presented: well formed, its tag not yet checked.
#[derive(Debug, Clone)]
pub struct Sealed {
    bytes: [u8; CURSOR_BYTES],
}

/// 400 `invalidCursor`, the same detail whatever is wrong (RFC 9865 §5.2).
pub fn invalid_cursor() -> ScimError {
    ScimError::new(
        400,
        Some(ScimType::Other("invalidCursor".into())),
        "the cursor is not one this server issued for this query: send an empty cursor for the \
         first page, then each response's nextCursor or previousCursor unchanged, with the same \
         filter, attributes and count (RFC 9865 §2)",
    )
}

/// 400 `expiredCursor`.
pub fn expired_cursor(timeout_seconds: u64) -> ScimError {
    ScimError::new(
        400,
        Some(ScimType::Other("expiredCursor".into())),
        format!(
            "the cursor has expired: request the next page within {timeout_seconds} seconds \
             (cursorTimeout), or start again with an empty cursor"
        ),
    )
}

/// 400 `invalidCount`.
pub fn invalid_count(detail: impl Into<String>) -> ScimError {
    ScimError::new(400, Some(ScimType::Other("invalidCount".into())), detail)
}

/// The cursor for `cursor`, sealed with `key` for `scope`, issued at `now_ms`.
pub fn seal(key: CursorKey<'_>, scope: Scope<'_>, cursor: Cursor, now_ms: i64) -> String {
    let (kind, id) = match cursor.position {
        Position::Start => (0u8, Uuid::nil()),
        Position::After(id) => (1, id),
        Position::Before(id) => (2, id),
    };
    let mut bytes = [0u8; CURSOR_BYTES];
    let mut at = 0;
    for part in [
        &[VERSION][..],
        key.id.as_bytes(),
        &now_ms.to_be_bytes(),
        &[kind],
        id.as_bytes(),
        &cursor.count.to_be_bytes(),
    ] {
        bytes[at..at + part.len()].copy_from_slice(part);
        at += part.len();
    }
    let tag = mac(key.secret, scope, &bytes[..BODY_BYTES])
        .finalize()
        .into_bytes();
    bytes[BODY_BYTES..].copy_from_slice(&tag[..TAG_BYTES]);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn mac(secret: &[u8], scope: Scope<'_>, body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    // Each part ends with a NUL, which none of them contains, so no two
    // scopes write the same bytes.
    for part in [
        "roster scim cursor",
        scope.account,
        scope.resource,
        scope.query,
    ] {
        mac.update(part.as_bytes());
        mac.update(b"\0");
    }
    mac.update(body);
    mac
}

impl Sealed {
    /// `text` when it has the shape of a cursor of ours; else `invalidCursor`.
    pub fn parse(text: &str) -> Result<Self, ScimError> {
        if text.len() > MAX_TEXT {
            return Err(invalid_cursor());
        }
        let decoded = URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|_| invalid_cursor())?;
        let bytes: [u8; CURSOR_BYTES] = decoded.try_into().map_err(|_| invalid_cursor())?;
        if bytes[0] != VERSION {
            return Err(invalid_cursor());
        }
        Ok(Self { bytes })
    }

    /// The id of the signing key the cursor names.
    pub fn key_id(&self) -> Uuid {
        Uuid::from_bytes(self.field(1))
    }

    fn field<const N: usize>(&self, at: usize) -> [u8; N] {
        let mut field = [0u8; N];
        field.copy_from_slice(&self.bytes[at..at + N]);
        field
    }

    /// The cursor, when its tag is that of `secret` (the key it names) and
    /// `scope`, and it was issued no more than `timeout_ms` before `now_ms`.
    pub fn open(
        &self,
        secret: &[u8],
        scope: Scope<'_>,
        now_ms: i64,
        timeout_ms: i64,
    ) -> Result<Cursor, ScimError> {
        mac(secret, scope, &self.bytes[..BODY_BYTES])
            .verify_truncated_left(&self.bytes[BODY_BYTES..])
            .map_err(|_| invalid_cursor())?;
        let issued = i64::from_be_bytes(self.field(17));
        if now_ms.saturating_sub(issued) > timeout_ms {
            let seconds = u64::try_from(timeout_ms / 1000).unwrap_or_default();
            return Err(expired_cursor(seconds));
        }
        let id = Uuid::from_bytes(self.field(26));
        let position = match self.bytes[25] {
            0 => Position::Start,
            1 => Position::After(id),
            2 => Position::Before(id),
            // Sealed by us, so never; refused all the same.
            _ => return Err(invalid_cursor()),
        };
        Ok(Cursor {
            position,
            count: u32::from_be_bytes(self.field(42)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = &[7; 32];
    const SCOPE: Scope<'static> = Scope {
        account: "acct",
        resource: "User",
        query: "filter=x",
    };

    fn key() -> CursorKey<'static> {
        CursorKey {
            id: Uuid::from_u128(42),
            secret: SECRET,
        }
    }

    fn cursor(position: Position) -> Cursor {
        Cursor {
            position,
            count: 10,
        }
    }

    fn open(text: &str, scope: Scope<'_>, now_ms: i64) -> Result<Cursor, ScimError> {
        let sealed = Sealed::parse(text)?;
        assert_eq!(sealed.key_id(), key().id);
        sealed.open(SECRET, scope, now_ms, 600_000)
    }

    fn scim_type(error: &ScimError) -> &str {
        error.scim_type.as_ref().map_or("", ScimType::as_str)
    }

    #[test]
    fn a_sealed_cursor_opens_to_what_was_sealed() {
        for position in [
            Position::Start,
            Position::After(Uuid::now_v7()),
            Position::Before(Uuid::now_v7()),
        ] {
            let text = seal(key(), SCOPE, cursor(position), 1_000);
            assert!(
                text.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{text}"
            );
            assert_eq!(open(&text, SCOPE, 2_000).unwrap(), cursor(position));
        }
    }

    #[test]
    fn another_scope_or_key_or_any_changed_byte_is_invalid_cursor() {
        let text = seal(key(), SCOPE, cursor(Position::After(Uuid::now_v7())), 1_000);
        for scope in [
            Scope {
                account: "other",
                ..SCOPE
            },
            Scope {
                resource: "Group",
                ..SCOPE
            },
            Scope {
                query: "filter=y",
                ..SCOPE
            },
        ] {
            let error = open(&text, scope, 1_000).unwrap_err();
            assert_eq!(scim_type(&error), "invalidCursor");
        }
        let sealed = Sealed::parse(&text).unwrap();
        assert!(sealed.open(&[8; 32], SCOPE, 1_000, 600_000).is_err());
        let bytes = URL_SAFE_NO_PAD.decode(&text).unwrap();
        for index in 0..bytes.len() {
            let mut tampered = bytes.clone();
            tampered[index] ^= 1;
            let tampered = URL_SAFE_NO_PAD.encode(&tampered);
            let error = Sealed::parse(&tampered)
                .and_then(|sealed| sealed.open(SECRET, SCOPE, 1_000, 600_000))
                .unwrap_err();
            assert_eq!(scim_type(&error), "invalidCursor", "byte {index}");
            assert_eq!(error.detail, invalid_cursor().detail);
        }
        for garbage in ["", "x", "!!!!", &"A".repeat(200), &text[..text.len() - 1]] {
            assert_eq!(
                scim_type(&Sealed::parse(garbage).unwrap_err()),
                "invalidCursor"
            );
        }
    }

    #[test]
    fn an_old_cursor_is_expired_once_its_tag_holds() {
        let text = seal(key(), SCOPE, cursor(Position::Start), 1_000);
        assert!(open(&text, SCOPE, 601_000).is_ok(), "at the limit");
        let error = open(&text, SCOPE, 601_001).unwrap_err();
        assert_eq!(scim_type(&error), "expiredCursor");
        assert!(error.detail.contains("600 seconds"), "{}", error.detail);
        // A forged old cursor is invalid, not expired.
        let error = open(
            &text,
            Scope {
                account: "x",
                ..SCOPE
            },
            601_001,
        )
        .unwrap_err();
        assert_eq!(scim_type(&error), "invalidCursor");
    }
}
