//! `GET /console/audit`: the account's audit log, newest first, filtered by
//! member (a userName, or the member id a link carries), group (a
//! displayName or id), actor (tokens, the CLI, console sessions, or one
//! token) and days, paged by `seq` cursor (`before`). Each entry says when,
//! who, what, and the attributes it changed as a small before/after table.
//! Read only: the log is append-only.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDate, NaiveDateTime};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use super::error::ConsoleError;
use super::page::{self, Section};
use super::session::ConsoleSession;
use crate::http::state::AppState;
use crate::model::{GroupId, TokenId, UserId};
use crate::service::{self, audit::Subject};
use crate::store::audit::{AuditQuery, StoredEntry};
use crate::store::tokens::TokenRecord;

/// Entries per page.
const PAGE: i64 = 50;
/// The longest value shown in a changes table, in characters.
const MAX_VALUE_CHARS: usize = 300;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit", web::get().to(audit));
}

/// The page's query: every field may be empty (a form's untouched field).
#[derive(Debug, Clone, Default, Deserialize)]
struct Params {
    /// A member id (links from other pages).
    member: Option<String>,
    /// A userName (the form).
    user: Option<String>,
    /// A group's displayName or id.
    group: Option<String>,
    /// `token`, `cli` or `console`.
    actor: Option<String>,
    /// A token id.
    token: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    since: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    until: Option<String>,
    /// The cursor: entries older than this `seq`.
    before: Option<String>,
}

/// A field's value, unless empty.
fn given(field: &Option<String>) -> Option<&str> {
    field
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

fn date(name: &str, text: Option<&str>) -> Result<Option<NaiveDate>, ConsoleError> {
    text.map(|text| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            ConsoleError::Invalid(format!(
                "'{name}' must be a date written as year-month-day, such as 2026-12-07"
            ))
        })
    })
    .transpose()
}

/// What the page shows above the entries about its filters.
struct Filters {
    query: AuditQuery,
    member: Option<(UserId, Subject)>,
    group: Option<(GroupId, Subject)>,
    /// The filter named something the account does not have (in words).
    unknown: Option<&'static str>,
}

/// `GET /console/audit?member=&user=&group=&actor=&token=&since=&until=&before=`.
async fn audit(
    state: web::Data<AppState>,
    session: ConsoleSession,
    req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    let params: Params = serde_html_form::from_str(req.query_string()).map_err(|_| {
        ConsoleError::Invalid("the page's address has a value it cannot read".into())
    })?;
    let mut query = AuditQuery {
        newest_first: true,
        limit: PAGE,
        ..AuditQuery::default()
    };
    query.actor = match given(&params.actor) {
        None => None,
        Some(actor @ ("token" | "cli" | "console")) => Some(actor.to_owned()),
        Some(_) => {
            return Err(ConsoleError::Invalid(
                "'actor' is one of: token, cli, console".into(),
            ));
        }
    };
    query.token = given(&params.token)
        .map(|text| {
            text.parse::<TokenId>()
                .map_err(|_| ConsoleError::NotFound("this account has no such token".into()))
        })
        .transpose()?;
    let since = date("since", given(&params.since))?;
    let until = date("until", given(&params.until))?;
    if let (Some(since), Some(until)) = (since, until)
        && until < since
    {
        return Err(ConsoleError::Invalid(
            "'until' is before 'since': the range holds no day".into(),
        ));
    }
    query.since = since.map(|day| day.and_time(chrono::NaiveTime::MIN));
    // Until the end of that day.
    query.until = until
        .and_then(|day| day.succ_opt())
        .map(|day| day.and_time(chrono::NaiveTime::MIN));
    query.before = given(&params.before)
        .map(|text| {
            text.parse::<i64>()
                .map_err(|_| ConsoleError::Invalid("'before' must be a number".into()))
        })
        .transpose()?;
    let member_id = given(&params.member)
        .map(|text| text.parse::<UserId>().map_err(|_| no_member()))
        .transpose()?;
    let user_name = given(&params.user).map(str::to_owned);
    let group = given(&params.group).map(str::to_owned);

    let account = session.session.account.id;
    let (filters, entries, tokens) = AppState::run(&state, move |conn| {
        let filters = resolve(conn, account, query, member_id, user_name, group)?;
        let tokens = service::tokens::list(conn, account)?;
        let entries = match &filters {
            Ok(filters) if filters.unknown.is_none() => {
                service::audit::query(conn, account, &filters.query)?
            }
            _ => Vec::new(),
        };
        Ok::<_, crate::http::error::ApiError>((filters, entries, tokens))
    })
    .await?;
    let filters = filters?;
    if let Some(token) = filters.query.token
        && !tokens.iter().any(|known| known.id == token)
    {
        return Err(ConsoleError::NotFound(
            "this account has no such token".into(),
        ));
    }
    Ok(render(&session, &params, &filters, &entries, &tokens))
}

fn no_member() -> ConsoleError {
    ConsoleError::NotFound("this account has no member with that id".into())
}

/// Looks the filters' names up; an id not of the account is an error (404),
/// a name it does not have is said on the page.
fn resolve(
    conn: &mut crate::store::Conn,
    account: crate::model::AccountId,
    mut query: AuditQuery,
    member_id: Option<UserId>,
    user_name: Option<String>,
    group: Option<String>,
) -> Result<Result<Filters, ConsoleError>, service::Error> {
    let mut unknown = None;
    let mut member = None;
    if let Some(id) = member_id {
        let Some(subject) = service::audit::member(conn, account, id)? else {
            return Ok(Err(no_member()));
        };
        member = Some((id, subject));
    } else if let Some(user_name) = user_name {
        match service::audit::member_named(conn, account, &user_name)? {
            Some(id) => {
                let subject = service::audit::member(conn, account, id)?;
                member = subject.map(|subject| (id, subject));
            }
            None => unknown = Some("No member of this account has that userName now."),
        }
    }
    query.member = member.as_ref().map(|(id, _)| *id);
    let mut found_group = None;
    if let Some(text) = group {
        if let Ok(id) = text.parse::<GroupId>() {
            let Some(subject) = service::audit::group(conn, account, id)? else {
                return Ok(Err(ConsoleError::NotFound(
                    "this account has no group with that id".into(),
                )));
            };
            found_group = Some((id, subject));
        } else {
            let ids = service::audit::groups_named(conn, account, &text)?;
            match ids.as_slice() {
                [id] => {
                    let subject = service::audit::group(conn, account, *id)?;
                    found_group = subject.map(|subject| (*id, subject));
                }
                [] => unknown = Some("No group of this account has that name now."),
                _ => unknown = Some("Several groups have that name: use the group's id."),
            }
        }
    }
    query.group = found_group.as_ref().map(|(id, _)| *id);
    Ok(Ok(Filters {
        query,
        member,
        group: found_group,
        unknown,
    }))
}

/// Who made an entry, in words.
pub(super) fn who(entry: &StoredEntry) -> String {
    let token = |id: Option<TokenId>, label: Option<&str>| match (label, id) {
        (Some(label), _) => format!("token '{label}'"),
        (None, Some(id)) => format!("token {id}"),
        (None, None) => "a token".to_owned(),
    };
    match entry.actor.as_str() {
        "token" => token(entry.token_id, entry.token_label.as_deref()),
        "cli" => "the roster command line (CLI)".to_owned(),
        "console" => match entry.token_id {
            Some(id) => format!(
                "console session from link issued by {}",
                token(Some(id), entry.token_label.as_deref())
            ),
            None => "console session from link issued with the CLI".to_owned(),
        },
        other => other.to_owned(),
    }
}

/// A stored value for people: text as is, nothing as "—", other JSON compact.
fn shown(value: Option<&Value>) -> String {
    let text = match value {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    };
    if text.chars().count() > MAX_VALUE_CHARS {
        let cut: String = text.chars().take(MAX_VALUE_CHARS).collect();
        format!("{cut}…")
    } else {
        text
    }
}

fn changes(entry: &StoredEntry) -> Markup {
    let Some(changes) = entry.changes.as_object().filter(|map| !map.is_empty()) else {
        return html! { span.muted { "—" } };
    };
    html! {
        table.changes {
            thead { tr { th scope="col" { "Attribute" } th scope="col" { "Before" } th scope="col" { "After" } } }
            tbody {
                @for (attribute, change) in changes {
                    tr {
                        th scope="row" { (attribute) }
                        @if change.get("changed").is_some() {
                            td colspan="2" { "changed (the value is never recorded)" }
                        } @else {
                            td { (shown(change.get("before"))) }
                            td { (shown(change.get("after"))) }
                        }
                    }
                }
            }
        }
    }
}

fn what(entry: &StoredEntry) -> Markup {
    let action = entry.action.replace('_', " ");
    html! {
        (entry.resource_type) " " (action)
        br;
        @if let Some(member) = entry.member {
            a href=(format!("/console/audit?member={member}")) { "member's entries" }
            " "
        }
        @if let Some(group) = entry.group {
            a href=(format!("/console/audit?group={group}")) { "group's entries" }
        }
        @if entry.member.is_none() && entry.group.is_none() {
            span.muted { (entry.resource_id) }
        }
    }
}

fn subject_text(kind: &str, subject: &Subject) -> String {
    let name = subject
        .name
        .as_deref()
        .map_or_else(|| format!("a {kind}"), |name| format!("{kind} '{name}'"));
    if subject.current {
        name
    } else {
        format!("{name} (deleted)")
    }
}

fn token_option(token: &TokenRecord) -> String {
    let label = token.label.as_deref().unwrap_or("(no label)");
    let revoked = if token.revoked_at.is_some() {
        ", revoked"
    } else {
        ""
    };
    format!("{label} ({}{revoked})", token.scope)
}

/// The address of this page with the same filters and another cursor.
fn page_link(params: &Params, before: Option<i64>) -> String {
    let mut link = url::form_urlencoded::Serializer::new(String::new());
    let fields = [
        ("member", &params.member),
        ("user", &params.user),
        ("group", &params.group),
        ("actor", &params.actor),
        ("token", &params.token),
        ("since", &params.since),
        ("until", &params.until),
    ];
    for (name, value) in fields {
        if let Some(value) = given(value) {
            link.append_pair(name, value);
        }
    }
    if let Some(before) = before {
        link.append_pair("before", &before.to_string());
    }
    format!("/console/audit?{}", link.finish())
}

fn time(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn render(
    session: &ConsoleSession,
    params: &Params,
    filters: &Filters,
    entries: &[StoredEntry],
    tokens: &[TokenRecord],
) -> HttpResponse {
    let actor = given(&params.actor).unwrap_or_default();
    let token = filters.query.token;
    let next = match entries.last() {
        Some(last) if i64::try_from(entries.len()) == Ok(PAGE) => Some(last.seq),
        _ => None,
    };
    let body = html! {
        p { "Every change to your team and its access, whoever made it — your identity provider, \
             your product's tokens, the command line or this console — newest first." }
        form.filters method="get" action="/console/audit" role="search" {
            @if let Some((id, _)) = &filters.member {
                input type="hidden" name="member" value=(id.to_string());
            } @else {
                label { "Member (userName)" input type="search" name="user" value=[given(&params.user)]; }
            }
            label { "Group (name or id)" input type="search" name="group" value=[given(&params.group)]; }
            label { "Made by"
                select name="actor" {
                    option value="" selected[actor.is_empty()] { "anyone" }
                    option value="token" selected[actor == "token"] { "tokens (IdP, product)" }
                    option value="cli" selected[actor == "cli"] { "the command line" }
                    option value="console" selected[actor == "console"] { "console sessions" }
                }
            }
            label { "Token"
                select name="token" {
                    option value="" selected[token.is_none()] { "any" }
                    @for known in tokens {
                        option value=(known.id.to_string()) selected[token == Some(known.id)] { (token_option(known)) }
                    }
                }
            }
            label { "Since" input type="date" name="since" value=[given(&params.since)]; }
            label { "Until" input type="date" name="until" value=[given(&params.until)]; }
            button type="submit" { "Filter" }
            a href="/console/audit" { "Clear" }
        }
        @if let Some((_, subject)) = &filters.member {
            p { "Entries about " strong { (subject_text("member", subject)) } ". "
                a href=(page_link(&Params { member: None, user: None, ..params.clone() }, None)) { "All members" } }
        }
        @if let Some((_, subject)) = &filters.group {
            p { "Entries about " strong { (subject_text("group", subject)) } "." }
        }
        (page::problem(filters.unknown))
        @if entries.is_empty() {
            p.muted { "No entry matches." }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { "When" } th scope="col" { "Who" }
                        th scope="col" { "What" } th scope="col" { "Changes" }
                    } }
                    tbody {
                        @for entry in entries {
                            tr {
                                td { (time(entry.at)) br; span.muted { "#" (entry.seq) } }
                                td { (who(entry)) }
                                td { (what(entry)) }
                                td { (changes(entry)) }
                            }
                        }
                    }
                }
            }
        }
        div.pager {
            @if filters.query.before.is_some() {
                a href=(page_link(params, None)) { "Newest entries" }
            }
            @if let Some(next) = next {
                a href=(page_link(params, Some(next))) rel="next" { "Older entries" }
            }
        }
    };
    page::render(session, Section::Audit, "Audit log", body)
}
