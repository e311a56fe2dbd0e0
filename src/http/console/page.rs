//! The console's page frame and the pieces every page uses: the header with
//! the account and sign-out, the navigation, notices, the CSRF field, and
//! the confirmation step of destructive actions. Pages are rendered with
//! `maud`, which escapes every value it is given: nothing a member's name or
//! an IdP holds can become markup. No inline script or style: the Content
//! Security Policy (`super::headers`) allows only `/console/assets`.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use maud::{DOCTYPE, Markup, html};

use super::session::{CSRF_FIELD, ConsoleSession};

/// The console's sections, in the navigation's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Team,
    Offboarding,
    Groups,
    Access,
    Review,
    Connections,
    Audit,
}

impl Section {
    const ALL: [Self; 7] = [
        Self::Team,
        Self::Offboarding,
        Self::Groups,
        Self::Access,
        Self::Review,
        Self::Connections,
        Self::Audit,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::Team => "Team",
            Self::Offboarding => "Offboarding",
            Self::Groups => "Groups",
            Self::Access => "Access rules",
            Self::Review => "Access review",
            Self::Connections => "Connections",
            Self::Audit => "Audit log",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Self::Team => "/console/team",
            Self::Offboarding => "/console/offboarding",
            Self::Groups => "/console/groups",
            Self::Access => "/console/access",
            Self::Review => "/console/review",
            Self::Connections => "/console/connections",
            Self::Audit => "/console/audit",
        }
    }
}

/// A page of the console for the session's account, under `section`.
pub fn render(
    session: &ConsoleSession,
    section: Section,
    title: &str,
    body: Markup,
) -> HttpResponse {
    let account = &session.session.account;
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    span.brand { "Roster" }
                    span.account { (account.name) }
                    form.signout method="post" action="/console/sign-out" {
                        (csrf_field(session))
                        button type="submit" { "Sign out" }
                    }
                }
                nav aria-label="Console" {
                    ul {
                        @for item in Section::ALL {
                            li {
                                @if item == section {
                                    a href=(item.path()) aria-current="page" { (item.label()) }
                                } @else {
                                    a href=(item.path()) { (item.label()) }
                                }
                            }
                        }
                    }
                }
                main #main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    };
    respond(StatusCode::OK, markup)
}

/// A page outside a session (the link page, errors).
pub fn bare(status: StatusCode, title: &str, body: Markup) -> HttpResponse {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                header.top { span.brand { "Roster" } }
                main #main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    };
    respond(status, markup)
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="referrer" content="same-origin";
            title { (title) " · Roster" }
            link rel="stylesheet" href=(super::assets::STYLESHEET.as_str());
            script src=(super::assets::SCRIPT.as_str()) defer {}
        }
    }
}

fn respond(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ))
        .body(markup.into_string())
}

/// The hidden field that every form of the session carries.
pub fn csrf_field(session: &ConsoleSession) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(session.csrf_token()); }
}

/// A notice after a change (`role="status"`, read out by screen readers).
pub fn notice(text: Option<&str>) -> Markup {
    html! {
        @if let Some(text) = text {
            p.notice role="status" { (text) }
        }
    }
}

/// An error shown above a form that was not accepted (`role="alert"`).
pub fn problem(text: Option<&str>) -> Markup {
    html! {
        @if let Some(text) = text {
            p.error role="alert" { (text) }
        }
    }
}

/// The confirmation step of a destructive action: says what will happen,
/// and posts to `action` only when the admin confirms.
pub fn confirm(
    session: &ConsoleSession,
    section: Section,
    title: &str,
    consequence: Markup,
    action: &str,
    button: &str,
    back: &str,
) -> HttpResponse {
    let body = html! {
        div.confirm {
            (consequence)
            form method="post" action=(action) {
                (csrf_field(session))
                button.danger type="submit" { (button) }
                " "
                a.button href=(back) { "Cancel" }
            }
        }
    };
    render(session, section, title, body)
}

/// `303 See Other` to `location` (a console path): after a change, the
/// browser loads the page again, and reloading it changes nothing.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

/// A time for people: `2026-12-07 09:14 UTC`, or `never`.
pub fn when(at: Option<chrono::NaiveDateTime>) -> String {
    at.map_or_else(
        || "never".to_owned(),
        |at| at.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}
