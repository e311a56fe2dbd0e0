//! Federated credentials: a client assertion (RFC 7523 §2.2, §3) — a JWT
//! its issuer (Entra's workload identity federation) signed — checked
//! against the issuer's published keys (a JWKS, RFC 7517 §5), fetched over
//! HTTPS, remembered by `kid`, fetched again when an assertion names a
//! `kid` not seen yet (at most once per [`REFRESH_AT_MOST_EVERY`] per URL),
//! with timeouts and a size limit. Only asymmetric algorithms are accepted
//! (RS*, PS*, ES*, EdDSA), each only with a key of its own kind: `alg: none`
//! and an HS256 JWT "signed" with the public key fail. Whether a `jti` was
//! seen before is the store's (`store::oauth_clients::remember_jti`), so a
//! replay fails on every replica.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::store::oauth_clients::Federation;

/// The `client_assertion_type` of RFC 7523 §2.2.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// A JWKS or OpenID configuration larger than this is refused.
const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// A `kid` not in the cached set fetches the set again at most this often.
pub const REFRESH_AT_MOST_EVERY: Duration = Duration::from_secs(2);
/// A cached set is fetched again after this long even when its keys match.
const MAX_AGE: Duration = Duration::from_secs(3600);
/// Clock skew allowed on `exp` and `nbf`, in seconds.
const LEEWAY_SECONDS: u64 = 30;
/// An assertion may not live longer than this (its `jti` is kept that long).
const MAX_ASSERTION_LIFETIME_SECONDS: i64 = 24 * 3600;

/// Why an assertion was refused: short, fixed, never a value it carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal(pub &'static str);

/// An assertion whose signature and claims were checked: what the store
/// needs to refuse its replay. Only [`Verifier::verify`] makes one.
#[derive(Debug)]
pub struct VerifiedAssertion {
    /// SHA-256 (hex) of the `jti`: the store never holds the claim itself.
    pub jti_hash: String,
    /// When it expires (UTC, seconds): its `jti` is remembered until then.
    pub expires_at: i64,
}

#[derive(Deserialize)]
struct Claims {
    exp: i64,
    jti: Option<String>,
}

#[derive(Deserialize)]
struct OpenIdConfiguration {
    jwks_uri: String,
}

struct Cached {
    keys: JwkSet,
    fetched: Instant,
}

/// Fetches and remembers issuers' keys; one per server.
pub struct Verifier {
    client: reqwest::Client,
    allow_http_loopback: bool,
    cache: Mutex<HashMap<String, Cached>>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").finish_non_exhaustive()
    }
}

impl Verifier {
    /// `allow_http_loopback`: accept `http://` URLs on a loopback address
    /// (the tests' own JWKS); never for production.
    pub fn new(allow_http_loopback: bool) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("roster/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            allow_http_loopback,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Checks `assertion` against the client's federation: signature by a
    /// key of the issuer's JWKS, `iss`, `sub`, `aud`, `exp`, `nbf`, `jti`.
    pub async fn verify(
        &self,
        federation: &Federation,
        assertion: &str,
    ) -> Result<VerifiedAssertion, Refusal> {
        let header = jsonwebtoken::decode_header(assertion)
            .map_err(|_| Refusal("the client assertion is not a JWT with a known alg"))?;
        if !asymmetric(header.alg) {
            return Err(Refusal(
                "the client assertion's alg is not an asymmetric one",
            ));
        }
        let kid = header
            .kid
            .ok_or(Refusal("the client assertion's header names no kid"))?;
        let url = self.jwks_url(federation).await?;
        let jwk = self.key(&url, &kid).await?;
        let key = DecodingKey::from_jwk(&jwk)
            .map_err(|_| Refusal("the issuer's key of this kid is not usable"))?;
        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        validation.set_issuer(&[&federation.issuer]);
        validation.set_audience(&[&federation.audience]);
        validation.sub = Some(federation.subject.clone());
        let claims = jsonwebtoken::decode::<Claims>(assertion, &key, &validation)
            .map_err(|error| Refusal(refusal(error.kind())))?
            .claims;
        let now = crate::clock::now().and_utc().timestamp();
        if claims.exp - now > MAX_ASSERTION_LIFETIME_SECONDS {
            return Err(Refusal("the client assertion lives longer than a day"));
        }
        let jti = claims
            .jti
            .filter(|jti| !jti.is_empty())
            .ok_or(Refusal("the client assertion has no jti"))?;
        let jti_hash = Sha256::digest(jti.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Ok(VerifiedAssertion {
            jti_hash,
            expires_at: claims.exp,
        })
    }

    async fn jwks_url(&self, federation: &Federation) -> Result<String, Refusal> {
        if let Some(url) = &federation.jwks_url {
            return Ok(url.clone());
        }
        let issuer = federation.issuer.trim_end_matches('/');
        let configuration = format!("{issuer}/.well-known/openid-configuration");
        let body = self.fetch(&configuration).await?;
        let configuration: OpenIdConfiguration = serde_json::from_slice(&body)
            .map_err(|_| Refusal("the issuer's OpenID configuration names no jwks_uri"))?;
        Ok(configuration.jwks_uri)
    }

    /// The key `kid` of the set at `url`: from the cache, else fetched.
    async fn key(&self, url: &str, kid: &str) -> Result<Jwk, Refusal> {
        let fresh_enough = {
            let cache = self.lock();
            match cache.get(url) {
                Some(cached) if cached.fetched.elapsed() < MAX_AGE => {
                    if let Some(jwk) = cached.keys.find(kid) {
                        return Ok(jwk.clone());
                    }
                    cached.fetched.elapsed() < REFRESH_AT_MOST_EVERY
                }
                _ => false,
            }
        };
        if fresh_enough {
            return Err(Refusal("the issuer has no key of this kid"));
        }
        let body = self.fetch(url).await?;
        let keys: JwkSet = serde_json::from_slice(&body)
            .map_err(|_| Refusal("the issuer's JWKS is not a JWK set"))?;
        let found = keys.find(kid).cloned();
        self.lock().insert(
            url.to_owned(),
            Cached {
                keys,
                fetched: Instant::now(),
            },
        );
        found.ok_or(Refusal("the issuer has no key of this kid"))
    }

    async fn fetch(&self, url: &str) -> Result<Vec<u8>, Refusal> {
        if !self.may_fetch(url) {
            return Err(Refusal("the issuer's key URL is not https"));
        }
        let mut response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|_| Refusal("the issuer's keys could not be fetched"))?;
        if !response.status().is_success() {
            return Err(Refusal("the issuer's keys could not be fetched"));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|_| Refusal("the issuer's keys could not be fetched"))?
        {
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                return Err(Refusal("the issuer's key document is larger than 64 KiB"));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn may_fetch(&self, url: &str) -> bool {
        let Ok(url) = url::Url::parse(url) else {
            return false;
        };
        match url.scheme() {
            "https" => true,
            "http" => self.allow_http_loopback && is_loopback(&url),
            _ => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    }
}

fn asymmetric(alg: Algorithm) -> bool {
    !matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
}

fn refusal(kind: &jsonwebtoken::errors::ErrorKind) -> &'static str {
    use jsonwebtoken::errors::ErrorKind;
    match kind {
        ErrorKind::InvalidSignature => "the client assertion's signature is not valid",
        ErrorKind::ExpiredSignature => "the client assertion has expired",
        ErrorKind::ImmatureSignature => "the client assertion is not valid yet (nbf)",
        ErrorKind::InvalidIssuer => "the client assertion's iss is not the client's issuer",
        ErrorKind::InvalidAudience => "the client assertion's aud is not the client's audience",
        ErrorKind::InvalidSubject => "the client assertion's sub is not the client's subject",
        ErrorKind::MissingRequiredClaim(_) => "the client assertion lacks exp, iss, sub or aud",
        _ => "the client assertion is not valid",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_an_allowed_loopback_is_fetched() {
        let strict = Verifier::new(false).unwrap();
        let tests = Verifier::new(true).unwrap();
        assert!(strict.may_fetch("https://login.example.com/keys"));
        assert!(!strict.may_fetch("http://127.0.0.1:9/keys"));
        assert!(tests.may_fetch("http://127.0.0.1:9/keys"));
        assert!(tests.may_fetch("http://[::1]:9/keys"));
        assert!(!tests.may_fetch("http://10.0.0.1/keys"));
        assert!(!tests.may_fetch("http://example.com/keys"));
        assert!(!tests.may_fetch("file:///etc/passwd"));
    }

    #[test]
    fn symmetric_algorithms_are_refused() {
        assert!(!asymmetric(Algorithm::HS256));
        assert!(asymmetric(Algorithm::RS256));
        assert!(asymmetric(Algorithm::ES256));
    }
}
