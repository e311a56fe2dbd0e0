//! The admin console's access (docs/CONSOLE.md): the product (or an
//! operator with the CLI) issues a one-time link for one account; opening
//! it starts a session of that account, which ends at sign-out, after
//! `idle` without a request, or `lifetime` after it began, whichever comes
//! first. Links and sessions live in the database, so any replica serves
//! them. What a session changes is recorded as made by it
//! ([`Actor::Console`], naming the token that issued its link).

use std::time::Duration;

use chrono::NaiveDateTime;
use serde_json::{Map, json};

use super::Error;
use crate::audit::{Action, Actor, Entry, Origin, Resource};
use crate::auth::console::ConsoleSecret;
use crate::model::{Account, AccountId, ConsoleLinkId, ConsoleSessionId};
use crate::store::console::{LinkRow, SessionRow};
use crate::store::{self, Conn};

/// How long a link may be valid: at least a minute, at most an hour — it is
/// meant to be opened at once, by the person it was made for.
pub const LINK_LIFETIMES: (Duration, Duration) =
    (Duration::from_secs(60), Duration::from_secs(3600));

/// A link's lifetime when none is asked for.
pub const DEFAULT_LINK_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// How often a session's last-seen time is written at most: the idle
/// timeout is this much less exact, and a page view is not a write.
const LAST_SEEN_RESOLUTION: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// When sessions end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Without a request for this long, a session ends.
    pub idle: Duration,
    /// A session ends this long after it began, however busy.
    pub lifetime: Duration,
}

impl Default for SessionPolicy {
    /// 30 minutes idle, 8 hours in all.
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(30 * 60),
            lifetime: Duration::from_secs(8 * 3600),
        }
    }
}

/// A link just issued: the only moment its secret exists in clear.
#[derive(Debug)]
pub struct IssuedLink {
    pub id: ConsoleLinkId,
    /// What goes in the link's path.
    pub secret: ConsoleSecret,
    pub expires_at: NaiveDateTime,
}

/// An open session, as a request of it sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: ConsoleSessionId,
    pub account: Account,
    /// Who the audit log names as the author of its changes.
    pub origin: Origin,
    /// Its cookie (the CSRF token derives from it).
    pub secret: ConsoleSecret,
    pub expires_at: NaiveDateTime,
}

/// Why a link opened no session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkRefused {
    #[error("this console link is not one Roster issued")]
    Unknown,
    #[error("this console link has been used already: links open the console once")]
    Used,
    #[error("this console link has expired")]
    Expired,
}

/// Issues a one-time console link for `account`, valid for `lifetime`
/// (within [`LINK_LIFETIMES`]), issued by `origin`'s token or the CLI.
pub fn issue_link(
    conn: &mut Conn,
    account: AccountId,
    origin: &Origin,
    lifetime: Duration,
) -> Result<IssuedLink, Error> {
    let (shortest, longest) = LINK_LIFETIMES;
    if lifetime < shortest || lifetime > longest {
        return Err(crate::scim::ScimError::invalid_value(format!(
            "a console link is valid for 1 to 60 minutes; {} was asked",
            humantime::format_duration(lifetime)
        ))
        .into());
    }
    let now = crate::clock::now();
    let id = ConsoleLinkId::new();
    let secret = ConsoleSecret::generate(id.0);
    let expires_at = now + chrono::TimeDelta::from_std(lifetime).unwrap_or(chrono::TimeDelta::MAX);
    let (issued_by, token_id, token_label) = match &origin.actor {
        Actor::Token { id, label } => ("token", Some(*id), label.clone()),
        Actor::Cli | Actor::Console { .. } => ("cli", None, None),
    };
    let row = LinkRow {
        id,
        account_id: account,
        secret_hash: secret.hash(),
        issued_by: issued_by.to_owned(),
        token_id,
        token_label,
        created_at: now,
        expires_at,
        used_at: None,
    };
    store::account_transaction(conn, account, |conn| {
        // Links and sessions over a day past their end open nothing; they
        // go now rather than in a job of their own.
        store::console::forget_expired(conn, now - chrono::TimeDelta::days(1))?;
        store::console::insert_link(conn, &row)?;
        let mut changes = Map::new();
        changes.insert(
            "expiresAt".into(),
            json!({"before": null, "after": crate::clock::rfc3339(expires_at)}),
        );
        store::audit::record_one(
            conn,
            account,
            origin,
            Entry::configuration(
                Resource::ConsoleLink,
                id.to_string(),
                Action::Created,
                changes,
            ),
        )?;
        Ok::<_, Error>(())
    })?;
    Ok(IssuedLink {
        id,
        secret,
        expires_at,
    })
}

/// Whether the link `presented` would open a session now (read only: the
/// page that shows it does not use it up).
pub fn check_link(conn: &mut Conn, presented: &str) -> Result<Result<(), LinkRefused>, Error> {
    let Some((id, secret)) = ConsoleSecret::parse(presented) else {
        return Ok(Err(LinkRefused::Unknown));
    };
    let Some(link) = store::console::find_link(conn, ConsoleLinkId(id))? else {
        return Ok(Err(LinkRefused::Unknown));
    };
    Ok(link_state(&link, &secret, crate::clock::now()))
}

fn link_state(
    link: &LinkRow,
    secret: &ConsoleSecret,
    now: NaiveDateTime,
) -> Result<(), LinkRefused> {
    if !secret.matches(&link.secret_hash) {
        Err(LinkRefused::Unknown)
    } else if link.used_at.is_some() {
        Err(LinkRefused::Used)
    } else if link.expires_at <= now {
        Err(LinkRefused::Expired)
    } else {
        Ok(())
    }
}

/// Uses the link `presented` up and opens a session of its account.
pub fn open_session(
    conn: &mut Conn,
    presented: &str,
    policy: SessionPolicy,
) -> Result<Result<Session, LinkRefused>, Error> {
    let Some((id, secret)) = ConsoleSecret::parse(presented) else {
        return Ok(Err(LinkRefused::Unknown));
    };
    let Some(link) = store::console::find_link(conn, ConsoleLinkId(id))? else {
        return Ok(Err(LinkRefused::Unknown));
    };
    let now = crate::clock::now();
    if let Err(refused) = link_state(&link, &secret, now) {
        return Ok(Err(refused));
    }
    let account = store::accounts::find(conn, link.account_id)?
        .ok_or_else(|| Error::NotFound("the link's account no longer exists".into()))?;
    let session_id = ConsoleSessionId::new();
    let session_secret = ConsoleSecret::generate(session_id.0);
    let expires_at =
        now + chrono::TimeDelta::from_std(policy.lifetime).unwrap_or(chrono::TimeDelta::MAX);
    let origin = session_origin(&link);
    store::account_transaction(conn, account.id, |conn| {
        // The update that marks the link used decides: of two requests
        // racing with one link, one opens a session.
        if !store::console::use_link(conn, link.id, now)? {
            return Ok(Err(LinkRefused::Used));
        }
        store::console::insert_session(
            conn,
            &SessionRow {
                id: session_id,
                account_id: account.id,
                link_id: link.id,
                secret_hash: session_secret.hash(),
                created_at: now,
                last_seen_at: now,
                expires_at,
                ended_at: None,
            },
        )?;
        store::audit::record_one(
            conn,
            account.id,
            &origin,
            Entry::configuration(
                Resource::ConsoleSession,
                session_id.to_string(),
                Action::Created,
                Map::new(),
            ),
        )?;
        Ok::<_, Error>(Ok(Session {
            id: session_id,
            account: account.clone(),
            origin: origin.clone(),
            secret: session_secret.clone(),
            expires_at,
        }))
    })
}

/// The open session whose cookie is `presented`, if it is one; records
/// that it was used (at most once a minute).
pub fn session(
    conn: &mut Conn,
    presented: &str,
    policy: SessionPolicy,
) -> Result<Option<Session>, Error> {
    let Some((id, secret)) = ConsoleSecret::parse(presented) else {
        return Ok(None);
    };
    let id = ConsoleSessionId(id);
    let Some((row, link)) = store::console::find_session(conn, id)? else {
        return Ok(None);
    };
    let now = crate::clock::now();
    let idle = chrono::TimeDelta::from_std(policy.idle).unwrap_or(chrono::TimeDelta::MAX);
    let open = secret.matches(&row.secret_hash)
        && row.ended_at.is_none()
        && row.expires_at > now
        && row.last_seen_at + idle > now;
    if !open {
        return Ok(None);
    }
    let Some(account) = store::accounts::find(conn, row.account_id)? else {
        return Ok(None);
    };
    if now - row.last_seen_at >= LAST_SEEN_RESOLUTION {
        store::write_transaction(conn, |conn| store::console::touch_session(conn, id, now))?;
    }
    Ok(Some(Session {
        id,
        account,
        origin: session_origin(&link),
        secret,
        expires_at: row.expires_at,
    }))
}

/// Ends the session (sign-out).
pub fn sign_out(conn: &mut Conn, session: &Session) -> Result<(), Error> {
    store::account_transaction(conn, session.account.id, |conn| {
        if store::console::end_session(conn, session.id, crate::clock::now())? {
            store::audit::record_one(
                conn,
                session.account.id,
                &session.origin,
                Entry::configuration(
                    Resource::ConsoleSession,
                    session.id.to_string(),
                    Action::Deleted,
                    Map::new(),
                ),
            )?;
        }
        Ok(())
    })
}

/// Who a session's changes are recorded as made by.
fn session_origin(link: &LinkRow) -> Origin {
    let issuer = link.issuer();
    Origin {
        actor: Actor::Console {
            token: issuer.token,
            label: issuer.label,
        },
        request_id: None,
    }
}
