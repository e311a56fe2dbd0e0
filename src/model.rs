//! Domain types shared by every layer: typed ids and the account (tenant).

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

/// Case-folds a value for case-insensitive comparison and uniqueness
/// (`userName`, `displayName`, e-mail addresses): Unicode-aware, the same on
/// every backend, so stored `*_key` columns and query values always agree.
pub fn fold_case(value: &str) -> String {
    value.to_lowercase()
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
