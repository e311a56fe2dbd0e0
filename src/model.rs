//! Domain types shared by every layer: typed ids and the account (tenant).
//! The ids are stored as text UUIDs; `store::ids` maps them to SQL, so this
//! module knows nothing of the database.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered id (UUIDv7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// The id of an account (tenant).
    AccountId
);
uuid_id!(
    /// The id of an API token; also its JWT `jti`.
    TokenId
);
uuid_id!(
    /// The id of a token-signing key; also the JWT header's `kid`.
    KeyId
);
uuid_id!(
    /// The SCIM `id` of a member (User).
    UserId
);
uuid_id!(
    /// The SCIM `id` of a group.
    GroupId
);
uuid_id!(
    /// The id of a workspace of an account.
    WorkspaceId
);
uuid_id!(
    /// The id of a one-time console link (docs/CONSOLE.md).
    ConsoleLinkId
);
uuid_id!(
    /// The id of a console session (docs/CONSOLE.md).
    ConsoleSessionId
);
uuid_id!(
    /// The id of an access review's sign-off.
    AccessReviewId
);
uuid_id!(
    /// The id of an OAuth client: its `client_id` (RFC 6749 §2.2).
    ClientId
);
uuid_id!(
    /// The id of one of an OAuth client's secrets.
    ClientSecretId
);
uuid_id!(
    /// The id of an access rule.
    RuleId
);
uuid_id!(
    /// The id of a direct grant (a row of `member_grants`).
    GrantId
);
uuid_id!(
    /// The id of a webhook endpoint.
    WebhookId
);
uuid_id!(
    /// The id of a change event (its webhook deliveries name it).
    EventId
);

/// The comparison form of a value compared without regard to case (every
/// string attribute that is not `caseExact`, e-mail addresses, access rule
/// selectors): the one case folding of the code base, the same on every
/// backend, so stored `*_key` columns and `filter_document`s and the values
/// of queries always agree. In order (docs/SCIM.md, "Names and look-alikes"):
///
/// 1. default-ignorable code points removed (zero-width space and joiners,
///    soft hyphen, byte order mark, variation selectors, bidi controls …);
/// 2. Unicode NFKC (full-width and other compatibility forms become their
///    plain letters; NFC and NFD spellings become one);
/// 3. Unicode full case folding, not locale-specific (`ß` → `ss`, `Σ`/`ς` → `σ`);
/// 4. a combining dot above (U+0307) straight after `i` or `j` removed: it is
///    what `İ` folds to, and on those soft-dotted letters it is invisible, so
///    `İstanbul` and `istanbul` agree;
/// 5. NFKC again,
///
/// repeated until nothing changes (at most a few rounds), so the result is its
/// own comparison form. ASCII takes a fast path with the same result.
///
/// Changing what this returns changes stored keys: bump
/// [`KEY_FUNCTION_VERSION`], and the next start recomputes them.
pub fn fold_case(value: &str) -> String {
    if value.is_ascii() {
        return value.to_ascii_lowercase();
    }
    let mut current = fold_once(value);
    for _ in 0..4 {
        let next = fold_once(&current);
        if next == current {
            break;
        }
        current = next;
    }
    current
}

/// The key of a name that must be unique in its account — `userName`, a
/// group's `displayName` — and that every comparison with that name uses:
/// [`fold_case`] with surrounding white space trimmed. The name itself is
/// stored and returned as it was sent.
pub fn name_key(value: &str) -> String {
    let mut key = fold_case(value.trim());
    // Folding can expose white space that was hidden behind an ignorable or a
    // compatibility form (U+3000); trim until stable.
    while key.trim().len() != key.len() {
        key = fold_case(key.trim());
    }
    key
}

/// The version of [`fold_case`] and [`name_key`] that stored keys were
/// computed with (table `key_functions`). Version 1 was plain lowercasing.
pub const KEY_FUNCTION_VERSION: i64 = 2;

fn fold_once(value: &str) -> String {
    use icu_casemap::CaseMapper;
    use icu_normalizer::ComposingNormalizerBorrowed;
    use icu_properties::CodePointSetData;
    use icu_properties::props::DefaultIgnorableCodePoint;

    let ignorable = CodePointSetData::new::<DefaultIgnorableCodePoint>();
    let nfkc = ComposingNormalizerBorrowed::new_nfkc();
    let visible: String = value.chars().filter(|c| !ignorable.contains(*c)).collect();
    let folded = CaseMapper::new()
        .fold_string(&nfkc.normalize(&visible))
        .into_owned();
    let mut undotted = String::with_capacity(folded.len());
    let mut previous = None;
    for c in folded.chars() {
        if !(c == '\u{307}' && matches!(previous, Some('i' | 'j'))) {
            undotted.push(c);
        }
        previous = Some(c);
    }
    nfkc.normalize(&undotted).into_owned()
}

/// An account's short, URL-safe name (`default`, `acme-corp`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    pub const MAX_LEN: usize = 63;

    /// Accepts 1–63 characters of lowercase ASCII letters, digits and `-`,
    /// starting with a letter or digit.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let valid_chars = raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if raw.is_empty() || raw.len() > Self::MAX_LEN || !valid_chars || raw.starts_with('-') {
            return Err(format!(
                "'{raw}' is not a valid slug: use 1 to {} lowercase letters, digits and '-', \
                 starting with a letter or digit",
                Self::MAX_LEN
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A tenant: one customer of the SaaS. Everything else belongs to exactly one account.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Account {
    pub id: AccountId,
    pub slug: Slug,
    pub name: String,
    pub created_at: NaiveDateTime,
}

/// What a token may be used for. Each token has exactly one scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The identity provider's SCIM client: `/scim/v2`.
    Scim,
    /// The product reading effective access: read-only `/api/v1`.
    Access,
    /// An account admin's configuration: all of `/api/v1`.
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Scim, Scope::Access, Scope::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Scim => "scim",
            Scope::Access => "access",
            Scope::Admin => "admin",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| format!("unknown scope '{s}' (expected scim, access or admin)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 15's look-alikes: each pair is one name.
    pub(crate) const LOOK_ALIKES: [(&str, &str); 8] = [
        ("jos\u{e9}@example.com", "jose\u{301}@example.com"),
        (
            "alice@example.com",
            "\u{ff41}\u{ff4c}\u{ff49}\u{ff43}\u{ff45}@example.com",
        ),
        ("alice@example.com", "ALICE\u{ff20}EXAMPLE.COM"),
        ("alice@example.com", "alice@example.com "),
        ("alice@example.com", "ali\u{200b}ce@example.com"),
        ("stra\u{df}e", "STRASSE"),
        ("\u{130}stanbul", "istanbul"),
        ("so\u{ad}ft\u{feff}\u{fe0f}\u{200d}\u{200c}", "SOFT"),
    ];

    #[test]
    fn look_alikes_have_one_key() {
        for (one, other) in LOOK_ALIKES {
            assert_eq!(name_key(one), name_key(other), "{one:?} / {other:?}");
        }
        assert_eq!(name_key(" Alice@Example.COM\u{3000}"), "alice@example.com");
        assert_eq!(name_key("Stra\u{df}e"), "strasse");
        assert_eq!(
            fold_case("\u{3a3}\u{3af}\u{3c3}\u{3c5}\u{3c6}\u{3bf}\u{3c2}"),
            "\u{3c3}\u{3af}\u{3c3}\u{3c5}\u{3c6}\u{3bf}\u{3c3}"
        );
    }

    #[test]
    fn different_names_keep_different_keys() {
        for (one, other) in [
            ("alice", "alice2"),
            ("alice smith", "alicesmith"),
            // Look-alikes across scripts are not folded (that is UTS #39's
            // confusables, which would also merge real, distinct names).
            ("alice", "\u{430}lice"),
            ("r\u{e9}sum\u{e9}", "resume"),
            ("\u{131}", "i"),
        ] {
            assert_ne!(name_key(one), name_key(other), "{one:?} / {other:?}");
        }
    }

    #[test]
    fn keys_are_their_own_keys() {
        for value in [
            "e\u{200b}\u{301}",
            "i\u{307}\u{301}",
            "\u{130}\u{301}",
            " \u{301}x",
            "\u{ff21}\u{3000}",
            "\u{1e9e}",
            "\u{fb03}",
            "\u{2126}",
            "\u{345}",
        ] {
            let key = name_key(value);
            assert_eq!(name_key(&key), key, "{value:?}");
            assert_eq!(fold_case(&fold_case(value)), fold_case(value), "{value:?}");
        }
    }

    #[test]
    fn slugs() {
        assert!(Slug::parse("default").is_ok());
        assert!(Slug::parse("acme-2").is_ok());
        for bad in ["", "Acme", "-x", "a b", "a_b", "é", &"a".repeat(64)] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn ids_round_trip() {
        let id = AccountId::new();
        assert_eq!(id.to_string().parse::<AccountId>().unwrap(), id);
        assert!("not-a-uuid".parse::<TokenId>().is_err());
    }
}
