//! The access review (PRODUCT.md: an admin can "see who has admin, who has
//! not logged in for long"): every member with role, workspace levels,
//! activity and provenance, and the flags a reviewer acts on. Pure: the
//! store gathers the members, `http` renders JSON or CSV.
//!
//! Flags:
//! - `admin`: the member's role is `admin` or above (the model's top role
//!   when it has no `admin`);
//! - `too_many_admins`: on every admin when the account has more admins than
//!   the review allows (`max_admins`: security guides say keep them few);
//! - `stale`: active, yet no login for `stale_days` (counted from creation
//!   when the member never logged in);
//! - `local`: not provisioned by an identity provider, so offboarding in the
//!   IdP does not reach it.
//!
//! The report also says when the review was last signed off and when the
//! next one is due ([`super::sign_off`]). Its CSV guards every cell against
//! formula injection (OWASP "CSV Injection"): the values come from the IdP,
//! and a spreadsheet must not run a member named `=HYPERLINK(…)`.

use chrono::{Duration, NaiveDateTime};
use serde::Serialize;

use super::sign_off::Schedule;
use super::team::TeamMember;
use super::{AccessError, AccessModel, WorkspaceLevel};

/// Who created a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    /// `scim` (an identity provider) or `local`.
    pub via: String,
    /// The SCIM token that created it, when known.
    pub token_id: Option<String>,
    pub token_label: Option<String>,
}

/// A member as the review sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewedMember {
    pub id: String,
    pub user_name: String,
    pub display_name: Option<String>,
    pub active: bool,
    /// `None` (`null`): no access (inactive).
    pub role: Option<String>,
    /// The member's levels, by workspace slug (the shape `/api/v1/members` uses).
    pub workspaces: Vec<WorkspaceLevel>,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_login: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created: NaiveDateTime,
    pub provisioned_by: Provenance,
    /// `admin`, `too_many_admins`, `stale`, `local` (see the module docs).
    #[schema(value_type = Vec<String>)]
    pub flags: Vec<&'static str>,
}

impl From<TeamMember> for ReviewedMember {
    /// The member as the team listing reads it, not yet flagged.
    fn from(member: TeamMember) -> Self {
        Self {
            id: member.id.to_string(),
            user_name: member.user_name,
            display_name: member.display_name,
            active: member.active,
            role: member.role,
            workspaces: member.workspaces,
            last_login: member.last_login,
            created: member.created,
            provisioned_by: member.provisioned_by,
            flags: Vec::new(),
        }
    }
}

/// The thresholds of a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewPolicy {
    pub stale_days: u32,
    pub max_admins: u32,
    #[serde(serialize_with = "crate::clock::serialize_rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub generated_at: NaiveDateTime,
}

impl ReviewPolicy {
    /// A member without a login for this many days is stale, by default.
    pub const DEFAULT_STALE_DAYS: u32 = 90;
    /// More admins than this is too many, by default.
    pub const DEFAULT_MAX_ADMINS: u32 = 5;
    /// Ten years: beyond that "stale" means nothing.
    pub const MAX_STALE_DAYS: u32 = 3650;

    /// The policy asked for (defaults for what was not), at `now`; a
    /// `stale_days` outside 1 to [`Self::MAX_STALE_DAYS`] is refused.
    pub fn new(
        stale_days: Option<u32>,
        max_admins: Option<u32>,
        now: NaiveDateTime,
    ) -> Result<Self, AccessError> {
        let stale_days = stale_days.unwrap_or(Self::DEFAULT_STALE_DAYS);
        if !(1..=Self::MAX_STALE_DAYS).contains(&stale_days) {
            return Err(AccessError::Invalid(format!(
                "'stale_days' is 1 to {}",
                Self::MAX_STALE_DAYS
            )));
        }
        Ok(Self {
            stale_days,
            max_admins: max_admins.unwrap_or(Self::DEFAULT_MAX_ADMINS),
            generated_at: now,
        })
    }
}

/// Counts over the whole account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewSummary {
    pub members: usize,
    pub active: usize,
    pub admins: usize,
    pub too_many_admins: bool,
    pub stale: usize,
    pub local: usize,
}

/// The report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Review {
    pub policy: ReviewPolicy,
    pub summary: ReviewSummary,
    /// The last sign-off and when the next review is due.
    #[serde(flatten)]
    pub schedule: Schedule,
    pub members: Vec<ReviewedMember>,
}

/// Flags the members (their `flags` are replaced) and sums them up.
pub fn review(
    model: &AccessModel,
    mut members: Vec<ReviewedMember>,
    policy: ReviewPolicy,
    schedule: Schedule,
) -> Review {
    let admin_rank = model
        .role_rank("admin")
        .unwrap_or_else(|| model.roles.len().saturating_sub(1));
    let is_admin = |member: &ReviewedMember| {
        member
            .role
            .as_deref()
            .and_then(|role| model.role_rank(role))
            .is_some_and(|rank| rank >= admin_rank)
    };
    let admins = members.iter().filter(|member| is_admin(member)).count();
    let too_many_admins = admins > policy.max_admins as usize;
    let stale_before = policy.generated_at - Duration::days(i64::from(policy.stale_days));
    for member in &mut members {
        member.flags.clear();
        if is_admin(member) {
            member.flags.push("admin");
            if too_many_admins {
                member.flags.push("too_many_admins");
            }
        }
        if member.active && member.last_login.unwrap_or(member.created) < stale_before {
            member.flags.push("stale");
        }
        if member.provisioned_by.via != "scim" {
            member.flags.push("local");
        }
    }
    let count = |flag: &str| members.iter().filter(|m| m.flags.contains(&flag)).count();
    let summary = ReviewSummary {
        members: members.len(),
        active: members.iter().filter(|member| member.active).count(),
        admins,
        too_many_admins,
        stale: count("stale"),
        local: count("local"),
    };
    Review {
        policy,
        summary,
        members,
        schedule,
    }
}

/// A cell a spreadsheet shows as text: one that starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return (what spreadsheets read as a formula) gets
/// a leading apostrophe.
pub fn spreadsheet_text(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// The review as CSV: a header, then one line per member; workspaces as
/// `slug=level` joined by `;`, flags joined by `;`, times in RFC 3339.
pub fn to_csv(review: &Review) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
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
        "flags",
    ])?;
    for member in &review.members {
        let workspaces: Vec<String> = member
            .workspaces
            .iter()
            .map(|level| format!("{}={}", level.workspace, level.level))
            .collect();
        let token = &member.provisioned_by;
        let record: [&str; 11] = [
            member.id.as_str(),
            &member.user_name,
            member.display_name.as_deref().unwrap_or_default(),
            if member.active { "true" } else { "false" },
            member.role.as_deref().unwrap_or_default(),
            &workspaces.join(";"),
            &member
                .last_login
                .map(crate::clock::rfc3339)
                .unwrap_or_default(),
            &crate::clock::rfc3339(member.created),
            &token.via,
            token
                .token_label
                .as_deref()
                .or(token.token_id.as_deref())
                .unwrap_or_default(),
            &member.flags.join(";"),
        ];
        writer.write_record(
            record
                .iter()
                .map(|cell| spreadsheet_text(cell).into_owned()),
        )?;
    }
    let bytes = writer.into_inner().map_err(|error| error.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        crate::clock::parse_rfc3339(text).expect("a time")
    }

    fn member(
        name: &str,
        role: Option<&str>,
        last_login: Option<&str>,
        via: &str,
    ) -> ReviewedMember {
        ReviewedMember {
            id: format!("id-{name}"),
            user_name: name.into(),
            display_name: None,
            active: role.is_some(),
            role: role.map(Into::into),
            workspaces: Vec::new(),
            last_login: last_login.map(at),
            created: at("2026-01-01T00:00:00Z"),
            provisioned_by: Provenance {
                via: via.into(),
                token_id: None,
                token_label: None,
            },
            flags: vec!["left over"],
        }
    }

    fn unscheduled() -> Schedule {
        super::super::sign_off::schedule(
            14,
            None,
            at("2026-01-01T00:00:00Z"),
            at("2026-01-02T00:00:00Z"),
        )
    }

    fn policy(max_admins: u32) -> ReviewPolicy {
        ReviewPolicy {
            stale_days: 90,
            max_admins,
            generated_at: at("2026-11-22T00:00:00Z"),
        }
    }

    #[test]
    fn flags_admins_stale_and_local_members() {
        let members = vec![
            member("ada", Some("admin"), Some("2026-11-20T00:00:00Z"), "scim"),
            member("bob", Some("member"), Some("2026-06-01T00:00:00Z"), "scim"),
            member("cy", Some("member"), None, "local"),
            member("dee", None, None, "scim"),
        ];
        let review = review(&AccessModel::default(), members, policy(1), unscheduled());
        let flags: Vec<(&str, Vec<&str>)> = review
            .members
            .iter()
            .map(|m| (m.user_name.as_str(), m.flags.clone()))
            .collect();
        assert_eq!(
            flags,
            vec![
                ("ada", vec!["admin"]),
                ("bob", vec!["stale"]),
                ("cy", vec!["stale", "local"]),
                ("dee", vec![]),
            ]
        );
        assert_eq!(review.summary.admins, 1);
        assert!(!review.summary.too_many_admins);
        assert_eq!((review.summary.stale, review.summary.local), (2, 1));
    }

    #[test]
    fn more_admins_than_allowed_flags_each_of_them() {
        let model = AccessModel {
            roles: vec!["member".into(), "admin".into(), "owner".into()],
            ..AccessModel::default()
        };
        let members = vec![
            member("ada", Some("owner"), Some("2026-11-20T00:00:00Z"), "scim"),
            member("bob", Some("admin"), Some("2026-11-20T00:00:00Z"), "scim"),
        ];
        let review = review(&model, members, policy(1), unscheduled());
        assert!(review.summary.too_many_admins);
        for member in &review.members {
            assert_eq!(member.flags, vec!["admin", "too_many_admins"]);
        }
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let mut odd = member(
            "o\"brien, jr",
            Some("member"),
            Some("2026-11-20T00:00:00Z"),
            "scim",
        );
        odd.id = "u1".into();
        odd.workspaces = vec![
            WorkspaceLevel {
                workspace: "prod".into(),
                level: "editor".into(),
            },
            WorkspaceLevel {
                workspace: "staging".into(),
                level: "admin".into(),
            },
        ];
        let csv = to_csv(&review(
            &AccessModel::default(),
            vec![odd],
            policy(3),
            unscheduled(),
        ))
        .unwrap();
        let mut lines = csv.lines();
        assert!(lines.next().unwrap().starts_with("id,userName,"));
        assert_eq!(
            lines.next().unwrap(),
            "u1,\"o\"\"brien, jr\",,true,member,prod=editor;staging=admin,\
             2026-11-20T00:00:00.000Z,2026-01-01T00:00:00.000Z,scim,,"
        );
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        for (name, expected) in [
            (
                "=HYPERLINK(\"http://x\")",
                "\"'=HYPERLINK(\"\"http://x\"\")\"",
            ),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "\"'\rx\""),
            ("a=b", "a=b"),
        ] {
            let mut odd = member(name, Some("member"), None, "scim");
            odd.id = "u1".into();
            odd.display_name = Some(name.into());
            let csv = to_csv(&review(
                &AccessModel::default(),
                vec![odd],
                policy(3),
                unscheduled(),
            ))
            .unwrap();
            let line = csv.split('\n').nth(1).unwrap();
            assert!(
                line.starts_with(&format!("u1,{expected},{expected},")),
                "{name:?}: {line:?}"
            );
        }
    }
}
