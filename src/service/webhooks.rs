//! Webhook endpoints (docs/ACCESS.md, "Webhooks"): adding one, which gets
//! the account's change events from now on, signed with a secret derived
//! from the current signing key (`webhooks::signature`); listing them with
//! where their delivery stands; deleting one. Adding and deleting are
//! audited (the URL and description, never the secret). The delivery loop
//! (`webhooks::delivery`) moves the endpoints' cursors on its own.

use super::{Caller, Error};
use crate::audit::{Action, Entry, Resource};
use crate::model::{AccountId, WebhookId};
use crate::scim::ScimError;
use crate::store::webhooks::Webhook;
use crate::store::{self, Conn};
use crate::webhooks::signature::endpoint_secret;
use crate::webhooks::{destination, resolver};

/// The longest accepted description, in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 500;
/// The most endpoints one account may have.
pub const MAX_ENDPOINTS: i64 = 20;

/// A new endpoint, checked: what [`create`] takes.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    /// The URL, normalised.
    url: String,
    description: Option<String>,
}

impl NewWebhook {
    /// Checks, in this order, the description's length, the URL's form
    /// (`webhooks::destination`) and, unless internal destinations are
    /// allowed, that its host is or resolves only to public addresses
    /// (docs/SECURITY.md, "Webhook destinations"). Last, since it may
    /// resolve the host.
    pub async fn check(
        url: &str,
        description: Option<String>,
        allow_private: bool,
    ) -> Result<Self, Error> {
        if description
            .as_ref()
            .is_some_and(|text| text.len() > MAX_DESCRIPTION_BYTES)
        {
            return Err(invalid(format!(
                "'description' is at most {MAX_DESCRIPTION_BYTES} bytes"
            )));
        }
        let target = destination::parse(url).map_err(invalid)?;
        if !allow_private {
            resolver::check_new(&target)
                .await
                .map_err(|refused| invalid(format!("'url' is refused: {refused}")))?;
        }
        Ok(Self {
            url: target.url.into(),
            description,
        })
    }
}

fn invalid(detail: String) -> Error {
    Error::Invalid(ScimError::invalid_value(detail))
}

/// An endpoint with how many events wait for it.
#[derive(Debug, Clone)]
pub struct WebhookView {
    pub webhook: Webhook,
    pub backlog: i64,
}

/// A new endpoint with the secret its deliveries are signed with, which is
/// shown this once.
#[derive(Debug)]
pub struct CreatedWebhook {
    pub webhook: WebhookView,
    pub secret: String,
}

/// Adds an endpoint to the caller's account that gets the account's events
/// from now on; a conflict when the account has [`MAX_ENDPOINTS`] already.
pub fn create(
    conn: &mut Conn,
    caller: &Caller<'_>,
    new: NewWebhook,
) -> Result<CreatedWebhook, Error> {
    let account = caller.account;
    let key = super::keys::current(conn)?;
    store::account_transaction(conn, account, |conn| {
        if store::webhooks::count(conn, account)? >= MAX_ENDPOINTS {
            return Err(Error::Conflict(format!(
                "an account has at most {MAX_ENDPOINTS} webhook endpoints: delete one first"
            )));
        }
        let now = crate::clock::now();
        let webhook = Webhook {
            id: WebhookId::new(),
            account_id: account,
            url: new.url,
            description: new.description,
            key_id: key.id,
            created_at: now,
            delivered_seq: store::events::last_seq(conn, account)?,
            attempts: 0,
            next_attempt_at: now,
            last_attempt_at: None,
            last_success_at: None,
            last_error: None,
        };
        store::webhooks::insert(conn, &webhook)?;
        audit(conn, caller, &webhook, Action::Created)?;
        let secret = endpoint_secret(&key.secret, &webhook.id.to_string());
        Ok(CreatedWebhook {
            webhook: WebhookView {
                webhook,
                backlog: 0,
            },
            secret,
        })
    })
}

/// The account's endpoints, oldest first, with their backlogs.
pub fn list(conn: &mut Conn, account: AccountId) -> Result<Vec<WebhookView>, Error> {
    let webhooks = store::webhooks::list(conn, account)?;
    let mut views = Vec::with_capacity(webhooks.len());
    for webhook in webhooks {
        let backlog = store::webhooks::backlog(conn, account, webhook.delivered_seq)?;
        views.push(WebhookView { webhook, backlog });
    }
    Ok(views)
}

/// Deletes the caller's account's endpoint `id` (as the caller names it:
/// text that is not an endpoint's id names none); its undelivered events
/// are not sent.
pub fn delete(conn: &mut Conn, caller: &Caller<'_>, id: &str) -> Result<(), Error> {
    let not_found = || Error::NotFound(format!("no webhook '{id}' in this account"));
    // Only the canonical text of an id names it, as ids are stored.
    let id = id
        .parse::<WebhookId>()
        .ok()
        .filter(|parsed| parsed.to_string() == id)
        .ok_or_else(not_found)?;
    store::account_transaction(conn, caller.account, |conn| {
        let webhook = store::webhooks::find(conn, caller.account, id)?.ok_or_else(not_found)?;
        store::webhooks::delete(conn, id)?;
        audit(conn, caller, &webhook, Action::Deleted)
    })
}

/// What the audit log records of an endpoint (never its secret).
#[derive(serde::Serialize)]
struct Audited<'a> {
    url: &'a str,
    description: Option<&'a str>,
}

fn audit(
    conn: &mut Conn,
    caller: &Caller<'_>,
    webhook: &Webhook,
    action: Action,
) -> Result<(), Error> {
    let state = Audited {
        url: &webhook.url,
        description: webhook.description.as_deref(),
    };
    let (before, after) = match action {
        Action::Deleted => (Some(&state), None),
        _ => (None, Some(&state)),
    };
    let entry = Entry::changed(
        Resource::Webhook,
        webhook.id.to_string(),
        action,
        before,
        after,
    );
    Ok(store::audit::record_one(
        conn,
        caller.account,
        caller.origin,
        entry,
    )?)
}
