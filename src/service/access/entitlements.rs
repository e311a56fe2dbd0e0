//! Okta entitlements as operations (issue 19,
//! [`crate::access::entitlements`]): the account's Roles and Entitlements
//! as the identity provider reads them (`/scim/v2/Roles`,
//! `/scim/v2/Entitlements`), and each member's direct grants of source
//! `entitlement` kept in step with its `roles` and `entitlements` values.
//!
//! The grants follow from the member's document and the account's catalog
//! (model and workspaces), and nothing else: [`follow`] rewrites them in
//! the transaction of every member write whose values changed (the caller
//! recomputes the member's access, as it does for every write), and
//! [`resync`] re-derives every member's after a change of the model (its
//! roles, levels, or `entitlementGrants`) or of the workspaces. An admin's
//! grants (source `admin`) are other rows, which neither touches.

use serde_json::{Map, Value, json};

use super::super::{Caller, Error};
use super::grants;
use crate::access::entitlements::{Catalog, NamedWorkspace, Offer, Values};
use crate::access::grants::GrantSource;
use crate::audit::{Action, Entry};
use crate::model::{AccountId, UserId, WorkspaceId};
use crate::scim::resource::Document;
use crate::store::{self, Conn, StoreError};

/// The grants these operations keep.
const SOURCE: GrantSource = GrantSource::Entitlement;

/// Members read per statement when every member's grants are re-derived.
const RESYNC_PAGE: i64 = 1000;

/// An account's catalog, with the id of each workspace by slug.
pub struct AccountCatalog {
    pub catalog: Catalog,
    workspaces: Vec<(String, WorkspaceId)>,
}

/// The account's catalog: its access model and its workspaces.
pub fn catalog(conn: &mut Conn, account: AccountId) -> Result<AccountCatalog, StoreError> {
    let model = store::access::model::read(conn, account)?;
    let workspaces = store::access::workspaces::list(conn, account)?;
    Ok(AccountCatalog {
        catalog: Catalog {
            model,
            workspaces: workspaces
                .iter()
                .map(|workspace| NamedWorkspace {
                    slug: workspace.slug.clone(),
                    name: workspace.name.clone(),
                })
                .collect(),
        },
        workspaces: workspaces
            .into_iter()
            .map(|workspace| (workspace.slug, workspace.id))
            .collect(),
    })
}

/// The account's Roles (its roles, from least to most access).
pub fn roles(conn: &mut Conn, account: AccountId) -> Result<Vec<Offer>, Error> {
    Ok(catalog(conn, account)?.catalog.roles())
}

/// The account's Entitlements (each workspace's levels).
pub fn entitlements(conn: &mut Conn, account: AccountId) -> Result<Vec<Offer>, Error> {
    Ok(catalog(conn, account)?.catalog.entitlements())
}

/// Rewrites the member's entitlement grants as its document's values give
/// them; the audit change (`{"before", "after"}`) when they moved.
fn sync(
    conn: &mut Conn,
    account: AccountId,
    catalog: &AccountCatalog,
    id: UserId,
    document: &Document,
) -> Result<Option<Value>, Error> {
    let stored = store::access::grants::of_member(conn, id)?;
    let before = grants::set_of(&stored, SOURCE);
    let after = catalog.catalog.grants(&Values::of(document));
    if after == before {
        return Ok(None);
    }
    grants::write(
        conn,
        account,
        id,
        SOURCE,
        &stored,
        &after,
        &catalog.workspaces,
    )?;
    Ok(Some(json!({"before": before, "after": after})))
}

/// For a member written from `before` (`None`: created) to `after`: when
/// its `roles` or `entitlements` values changed, its entitlement grants
/// follow, and `changes` (its audit entry's) records them as
/// `entitlementGrants`. Values unchanged read nothing: the grants already
/// follow from them (the catalog's changes [`resync`]).
pub(crate) fn follow(
    conn: &mut Conn,
    account: AccountId,
    id: UserId,
    before: Option<&Document>,
    after: &Document,
    changes: &mut Map<String, Value>,
) -> Result<(), Error> {
    let old = before.map(Values::of).unwrap_or_default();
    if Values::of(after) == old {
        return Ok(());
    }
    let catalog = catalog(conn, account)?;
    if let Some(change) = sync(conn, account, &catalog, id, after)? {
        changes.insert("entitlementGrants".into(), change);
    }
    Ok(())
}

/// Re-derives the entitlement grants of every member of the account from
/// its document, after a change of the model or of the workspaces: an
/// audit entry (`modified`, `entitlementGrants`) for each member whose
/// grants moved. Returns those members; the caller recomputes their access.
pub(super) fn resync(conn: &mut Conn, caller: &Caller<'_>) -> Result<Vec<UserId>, Error> {
    let account = caller.account;
    let catalog = catalog(conn, account)?;
    let mut moved = Vec::new();
    let mut after = None;
    loop {
        let page = store::users::with_assignments(conn, account, after, RESYNC_PAGE)?;
        for (id, document) in &page {
            if let Some(change) = sync(conn, account, &catalog, *id, document)? {
                let mut changes = Map::new();
                changes.insert("entitlementGrants".into(), change);
                let entry = Entry::user(*id, Action::Modified, changes);
                store::audit::record_one(conn, account, caller.origin, entry)?;
                moved.push(*id);
            }
        }
        match page.last() {
            Some((last, _)) if i64::try_from(page.len()) == Ok(RESYNC_PAGE) => after = Some(*last),
            _ => return Ok(moved),
        }
    }
}
