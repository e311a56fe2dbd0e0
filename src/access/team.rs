//! The team as the account admin reads it (issue 17's Team page and
//! `roster members list`): every member with role, workspace levels, last
//! login and how it was provisioned, a page at a time in userName order.
//! Pure: the member ([`TeamMember`]) and its CSV form, and the opaque cursor
//! ([`Cursor`]) that resumes a listing after a member; `store::team` reads
//! the pages, `service::team` checks the query.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64;
use chrono::NaiveDateTime;
use serde::Serialize;

use super::WorkspaceLevel;
use super::review::Provenance;
use crate::model::UserId;

/// A member as the team listing shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamMember {
    #[schema(value_type = String)]
    pub id: UserId,
    pub user_name: String,
    pub display_name: Option<String>,
    pub active: bool,
    /// `None` (`null`): no access (inactive).
    pub role: Option<String>,
    /// The member's levels, sorted by workspace slug.
    pub workspaces: Vec<WorkspaceLevel>,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_login: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created: NaiveDateTime,
    pub provisioned_by: Provenance,
}

impl TeamMember {
    /// The CSV header of [`TeamMember::csv_record`].
    pub const CSV_HEADER: [&'static str; 10] = [
        "id",
        "userName",
        "displayName",
        "active",
        "role",
        "workspaces",
        "lastLogin",
        "created",
        "provisionedVia",
        "provisionedByToken",
    ];

    /// The member as a CSV record: workspaces as `slug=level` joined by
    /// `;`, times in RFC 3339, empty for none; the provisioning token by
    /// label, else by id (the access review's columns, without its flags).
    pub fn csv_record(&self) -> [String; 10] {
        let workspaces: Vec<String> = self
            .workspaces
            .iter()
            .map(|level| format!("{}={}", level.workspace, level.level))
            .collect();
        let token = &self.provisioned_by;
        [
            self.id.to_string(),
            self.user_name.clone(),
            self.display_name.clone().unwrap_or_default(),
            self.active.to_string(),
            self.role.clone().unwrap_or_default(),
            workspaces.join(";"),
            self.last_login
                .map(crate::clock::rfc3339)
                .unwrap_or_default(),
            crate::clock::rfc3339(self.created),
            token.via.clone(),
            token
                .token_label
                .clone()
                .or_else(|| token.token_id.clone())
                .unwrap_or_default(),
        ]
        .map(|cell| super::review::spreadsheet_text(&cell).into_owned())
    }
}

/// Members as a chunk of CSV (the header first when `header`): for an
/// export streamed a page at a time.
pub fn csv_chunk(members: &[TeamMember], header: bool) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    if header {
        out.write_record(TeamMember::CSV_HEADER)?;
    }
    for member in members {
        out.write_record(member.csv_record())?;
    }
    out.into_inner().map_err(|error| error.into_error().into())
}

/// Members as CSV, written as they come: [`TeamMember::CSV_HEADER`] first,
/// then one record per member.
pub struct CsvWriter<W: std::io::Write> {
    writer: csv::Writer<W>,
}

impl<W: std::io::Write> CsvWriter<W> {
    /// Writes the header to `out`.
    pub fn new(out: W) -> Result<Self, csv::Error> {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(TeamMember::CSV_HEADER)?;
        Ok(Self { writer })
    }

    /// Writes one member.
    pub fn write(&mut self, member: &TeamMember) -> Result<(), csv::Error> {
        self.writer.write_record(member.csv_record())
    }

    /// Flushes what is buffered and hands `out` back.
    pub fn finish(self) -> Result<W, csv::Error> {
        self.writer
            .into_inner()
            .map_err(|error| std::io::Error::other(error.to_string()).into())
    }
}

/// Where a page of the listing resumes: after the member with this
/// userName key (`users.user_name_key`) and id. Handed out as an opaque
/// string ([`Cursor::encode`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub user_name_key: String,
    pub id: UserId,
}

/// The longest cursor [`Cursor::decode`] reads (a userName key is at most a
/// few hundred bytes).
const MAX_CURSOR_LEN: usize = 4096;

impl Cursor {
    /// After this member.
    pub fn after(user_name_key: String, id: UserId) -> Self {
        Self { user_name_key, id }
    }

    /// The opaque form: URL-safe base64 of `id` and the key, a NUL apart.
    pub fn encode(&self) -> String {
        BASE64.encode(format!("{}\0{}", self.id, self.user_name_key))
    }

    /// A cursor [`Cursor::encode`] made, else `None`.
    pub fn decode(text: &str) -> Option<Self> {
        if text.len() > MAX_CURSOR_LEN {
            return None;
        }
        let bytes = BASE64.decode(text).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (written, key) = text.split_once('\0')?;
        let id: UserId = written.parse().ok()?;
        // As Roster writes ids: one member, one cursor.
        (id.to_string() == written).then(|| Self::after(key.to_owned(), id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_survives_its_round_trip_and_nothing_else_is_one() {
        let cursor = Cursor::after("ada@example.com\u{1F600}".into(), UserId::new());
        let text = cursor.encode();
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(Cursor::decode(&text), Some(cursor.clone()));
        let mut empty_key = cursor;
        empty_key.user_name_key = String::new();
        assert_eq!(Cursor::decode(&empty_key.encode()), Some(empty_key));
        for bad in [
            "",
            "!!",
            "bm90IGEgY3Vyc29y",
            &BASE64.encode("not-a-uuid\0ada"),
            &BASE64.encode(format!("{}\0ada", UserId::new()).to_uppercase()),
            &"A".repeat(5000),
        ] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_member_is_a_csv_record_under_the_header() {
        let member = TeamMember {
            id: UserId::new(),
            user_name: "o\"brien, jr".into(),
            display_name: None,
            active: true,
            role: Some("admin".into()),
            workspaces: vec![
                WorkspaceLevel {
                    workspace: "prod".into(),
                    level: "editor".into(),
                },
                WorkspaceLevel {
                    workspace: "staging".into(),
                    level: "admin".into(),
                },
            ],
            last_login: None,
            created: crate::clock::parse_rfc3339("2026-01-01T00:00:00Z").unwrap(),
            provisioned_by: Provenance {
                via: "scim".into(),
                token_id: Some("t1".into()),
                token_label: None,
            },
        };
        let mut csv = CsvWriter::new(Vec::new()).unwrap();
        csv.write(&member).unwrap();
        let text = String::from_utf8(csv.finish().unwrap()).unwrap();
        let mut lines = text.lines();
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("id,userName,displayName,active,role,")
        );
        assert!(
            lines
                .next()
                .unwrap()
                .contains(",\"o\"\"brien, jr\",,true,admin,")
        );
        let record = member.csv_record();
        assert_eq!(record.len(), TeamMember::CSV_HEADER.len());
        assert_eq!(record[1], "o\"brien, jr");
        assert_eq!(record[5], "prod=editor;staging=admin");
        assert_eq!(record[6], "");
        assert_eq!(record[7], "2026-01-01T00:00:00.000Z");
        assert_eq!(record[9], "t1");
    }
}
