//! What the server keeps about a resource besides its document: RFC 7643
//! §3.1 `meta` (`created`, `lastModified`, `version`) and the weak ETag of
//! RFC 7644 §3.14.

/// What the server keeps about a resource besides its document (RFC 7643 §3.1 `meta`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceMeta {
    pub created: chrono::NaiveDateTime,
    pub last_modified: chrono::NaiveDateTime,
    pub version: i64,
}

impl ResourceMeta {
    /// The meta of a resource created at `now`: version 1.
    pub fn first(now: chrono::NaiveDateTime) -> Self {
        Self {
            created: now,
            last_modified: now,
            version: 1,
        }
    }

    /// The meta of the next version, changed at `now`.
    pub fn next(&self, now: chrono::NaiveDateTime) -> Self {
        Self {
            created: self.created,
            last_modified: now,
            version: self.version + 1,
        }
    }

    /// The weak ETag of this version (RFC 7644 §3.14), also `meta.version`.
    pub fn etag(&self) -> String {
        format!("W/\"{}\"", self.version)
    }
}
