//! An overview of an account's groups (the console's Groups page): each
//! group with its member count and the access rules that name it, a page
//! at a time, and the rules that name a group the account does not have
//! (yet) — a rule may be written before the IdP pushes its group.

use super::Error;
use crate::access::{GroupFacts, Rule, Selector, matches_group};
use crate::model::{AccountId, GroupId, name_key};
use crate::store::group_overview::GroupSummary;
use crate::store::{self, Conn};

/// Groups on one page of the overview.
pub const PAGE_SIZE: i64 = 50;

/// A group, its member count, and the rules that name it.
#[derive(Debug, Clone)]
pub struct GroupUse {
    pub summary: GroupSummary,
    /// In rule order.
    pub rules: Vec<Rule>,
}

/// One page of the account's groups.
#[derive(Debug, Clone)]
pub struct GroupOverview {
    /// How many groups the account has.
    pub total: i64,
    /// The page shown (from 1).
    pub page: i64,
    /// How many pages there are (at least 1).
    pub pages: i64,
    /// The page's groups, by case-folded displayName.
    pub groups: Vec<GroupUse>,
    /// The rules that name a group by displayName, externalId or id that
    /// no group of the account has, in rule order.
    pub waiting: Vec<Rule>,
}

/// Page `page` (from 1; past the last: no groups) of the account's groups,
/// [`PAGE_SIZE`] at a time. Three statements for the page whatever its
/// size (the total, the page, its member counts), one for all rules, and
/// one per kind of selector for the groups the rules name.
pub fn page(conn: &mut Conn, account: AccountId, page: i64) -> Result<GroupOverview, Error> {
    let page = page.max(1);
    let total = store::group_overview::count(conn, account)?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let offset = (page - 1).saturating_mul(PAGE_SIZE);
    let summaries = if offset < total {
        store::group_overview::page(conn, account, offset, PAGE_SIZE)?
    } else {
        Vec::new()
    };
    let rules = store::access::rules::list(conn, account)?;
    let groups = summaries
        .into_iter()
        .map(|summary| GroupUse {
            rules: rules
                .iter()
                .filter(|rule| matches_group(&rule.spec.selector, &summary.group))
                .cloned()
                .collect(),
            summary,
        })
        .collect();
    let waiting = waiting(conn, account, &rules)?;
    Ok(GroupOverview {
        total,
        page,
        pages,
        groups,
        waiting,
    })
}

/// The rules naming a group that none of the account's groups is.
fn waiting(conn: &mut Conn, account: AccountId, rules: &[Rule]) -> Result<Vec<Rule>, Error> {
    let (mut names, mut external_ids, mut ids) = (Vec::new(), Vec::new(), Vec::new());
    for rule in rules {
        match &rule.spec.selector {
            Selector::GroupName(name) => names.push(name_key(name)),
            Selector::GroupExternalId(value) => external_ids.push(value.clone()),
            // Only an id as Roster writes it can name a group.
            Selector::GroupId(value) => ids.extend(
                value
                    .parse::<GroupId>()
                    .ok()
                    .filter(|id| id.to_string() == *value),
            ),
            Selector::ScimRole(_) => {}
        }
    }
    for list in [&mut names, &mut external_ids] {
        list.sort();
        list.dedup();
    }
    ids.sort();
    ids.dedup();
    let found: Vec<GroupFacts> =
        store::group_overview::named(conn, account, &names, &external_ids, &ids)?;
    Ok(rules
        .iter()
        .filter(|rule| !matches!(rule.spec.selector, Selector::ScimRole(_)))
        .filter(|rule| {
            !found
                .iter()
                .any(|group| matches_group(&rule.spec.selector, group))
        })
        .cloned()
        .collect())
}
