//! Who a console request comes from: the session cookie, checked against the
//! database on every request ([`ConsoleSession`]), and for a change also the
//! form's CSRF token and the browser's own word that the form came from this
//! origin ([`ConsoleForm`]).
//!
//! The cookie is `HttpOnly`, `SameSite=Strict`, `Path=/`, and `Secure` with
//! the `__Host-` name prefix (RFC 6265bis §4.1.3.2: no `Domain`, so no other
//! host can set or shadow it) unless Roster is reached over plain http on a
//! loopback address, where browsers would not keep a `Secure` cookie.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::de::DeserializeOwned;
use tracing_actix_web::RequestId;

use super::error::ConsoleError;
use crate::audit::Origin;
use crate::http::base_url::server_url;
use crate::http::state::AppState;
use crate::service::Caller;
use crate::service::console::{self, Session};
use crate::store::Conn;

/// The cookie's name over https: the `__Host-` prefix binds it to this host.
const SECURE_COOKIE: &str = "__Host-roster_console";
/// The cookie's name over plain http on loopback.
const LOOPBACK_COOKIE: &str = "roster_console";
/// The form field every change carries.
pub const CSRF_FIELD: &str = "csrf";
/// The largest form body a console change takes.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// Whether the cookie is `Secure`: always, unless the browser reaches Roster
/// over plain http on a loopback address (a developer's machine).
fn secure(req: &HttpRequest) -> bool {
    let url = server_url(req);
    let Ok(url) = url::Url::parse(&url) else {
        return true;
    };
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    };
    !(url.scheme() == "http" && loopback)
}

fn cookie_name(req: &HttpRequest) -> &'static str {
    if secure(req) {
        SECURE_COOKIE
    } else {
        LOOPBACK_COOKIE
    }
}

/// The cookie that carries a new session.
pub fn session_cookie(req: &HttpRequest, session: &Session) -> Cookie<'static> {
    let mut cookie = Cookie::build(cookie_name(req), session.secret.expose().to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure(req))
        .finish();
    let lifetime = session.expires_at - crate::clock::now();
    if let Ok(lifetime) =
        actix_web::cookie::time::Duration::try_from(lifetime.to_std().unwrap_or_default())
    {
        cookie.set_max_age(lifetime);
    }
    cookie
}

/// The cookie that removes the session's.
pub fn removal_cookie(req: &HttpRequest) -> Cookie<'static> {
    let mut cookie = Cookie::build(cookie_name(req), "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure(req))
        .finish();
    cookie.make_removal();
    cookie
}

/// The open session a request belongs to. A request without one, or with
/// one that ended, gets the "signed out" page (401).
#[derive(Debug, Clone)]
pub struct ConsoleSession {
    pub session: Session,
}

impl ConsoleSession {
    /// Runs `work` (which calls one service operation) in the session's
    /// account, as the caller the audit log names for this request.
    pub async fn change<T, F>(
        &self,
        req: &HttpRequest,
        state: &web::Data<AppState>,
        work: F,
    ) -> Result<T, ConsoleError>
    where
        F: FnOnce(&mut Conn, &Caller<'_>) -> Result<T, crate::service::Error> + Send + 'static,
        T: Send + 'static,
    {
        let account = self.session.account.id;
        Ok(
            AppState::change(state, account, self.origin(req), move |conn, caller| {
                Ok(work(conn, caller)?)
            })
            .await?,
        )
    }

    /// Who the audit log names for a change this request makes.
    pub fn origin(&self, req: &HttpRequest) -> Origin {
        Origin {
            actor: self.session.origin.actor.clone(),
            request_id: req.extensions().get::<RequestId>().map(ToString::to_string),
        }
    }

    /// The token every form of this session carries.
    pub fn csrf_token(&self) -> String {
        self.session.secret.csrf_token()
    }
}

impl FromRequest for ConsoleSession {
    type Error = ConsoleError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ConsoleError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if let Some(session) = req.extensions().get::<ConsoleSession>() {
                return Ok(session.clone());
            }
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or(ConsoleError::SignedOut)?;
            let Some(presented) = req.cookie(cookie_name(&req)) else {
                return Err(ConsoleError::SignedOut);
            };
            let presented = presented.value().to_owned();
            let policy = state.console_sessions;
            let session = AppState::run(&state, move |conn| {
                console::session(conn, &presented, policy)
            })
            .await?
            .ok_or(ConsoleError::SignedOut)?;
            let session = ConsoleSession { session };
            req.extensions_mut().insert(session.clone());
            Ok(session)
        })
    }
}

/// A change a console form asks for: the session, and the form's fields
/// (`T`), taken only when the form carries the session's CSRF token and the
/// browser says it was sent from this origin. Otherwise 403, and nothing
/// changes.
pub struct ConsoleForm<T> {
    pub session: ConsoleSession,
    pub form: T,
}

impl<T: DeserializeOwned + 'static> FromRequest for ConsoleForm<T> {
    type Error = ConsoleError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ConsoleError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            check_same_origin(&req)?;
            let session = ConsoleSession::from_request(&req, &mut Payload::None).await?;
            let body = body.await.map_err(|_| {
                ConsoleError::Invalid("the form could not be read: send it again".into())
            })?;
            if body.len() > MAX_FORM_BYTES {
                return Err(ConsoleError::Invalid("the form is too large".into()));
            }
            let csrf = url::form_urlencoded::parse(&body)
                .find(|(name, _)| name == CSRF_FIELD)
                .map(|(_, value)| value.into_owned())
                .unwrap_or_default();
            if !session.session.secret.csrf_matches(&csrf) {
                return Err(ConsoleError::Forbidden(
                    "this form is not one this console session showed you (its CSRF token \
                     does not match): reload the page and try again"
                        .into(),
                ));
            }
            let form = serde_html_form::from_bytes::<T>(&body).map_err(|error| {
                ConsoleError::Invalid(format!("the form is not complete: {error}"))
            })?;
            Ok(ConsoleForm { session, form })
        })
    }
}

/// Refuses a form another site sent: when the browser says where the
/// request comes from (`Sec-Fetch-Site`, `Origin`), it must be this origin.
/// Clients that say nothing (curl) are not browsers a page can lead astray.
pub fn check_same_origin(req: &HttpRequest) -> Result<(), ConsoleError> {
    let refused = || {
        ConsoleError::Forbidden(
            "this form was sent from another site; open the console and use it there".into(),
        )
    };
    let headers = req.headers();
    let same_site = headers
        .get("sec-fetch-site")
        .map(|site| site.as_bytes() == b"same-origin");
    if same_site == Some(false) {
        return Err(refused());
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().map_err(|_| refused())?;
        // The console's pages send no referrer (`Referrer-Policy:
        // no-referrer`), so a browser's form post says `Origin: null`
        // (Fetch, "serialize a request origin"): then its Sec-Fetch-Site
        // alone must say this origin.
        if origin == "null" {
            return if same_site == Some(true) {
                Ok(())
            } else {
                Err(refused())
            };
        }
        let Ok(origin) = url::Url::parse(origin) else {
            return Err(refused());
        };
        let ours = url::Url::parse(&server_url(req)).map_err(|_| refused())?;
        let host = |url: &url::Url| {
            (
                url.host_str().map(str::to_owned),
                url.port_or_known_default(),
            )
        };
        // The host and port, not the scheme: behind a proxy that ends TLS
        // Roster may see http where the browser used https.
        if host(&origin) != host(&ours) {
            return Err(refused());
        }
    }
    Ok(())
}
