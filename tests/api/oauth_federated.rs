//! Issue 18, federated credentials: a client that trusts an issuer's JWTs
//! (RFC 7523 client assertions, as Entra's workload identity federation
//! sends them) instead of a secret. The issuer is played by the test: an
//! OpenID configuration and a JWKS served on loopback (allowed by the
//! `oauth_allow_http_loopback_issuers` setting, for tests only), signed
//! with a fixed RSA test key (`fixtures/oauth_federated_key.pem`, a key of
//! these tests alone). A good assertion gets a token; each bad one is
//! `invalid_client`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, admin};

crate::on_both_databases!(
    assertions_are_checked_against_the_issuers_keys,
    an_http_issuer_is_refused_without_the_test_setting,
);

const PRIVATE_KEY: &[u8] = include_bytes!("fixtures/oauth_federated_key.pem");
const PUBLIC_KEY: &[u8] = include_bytes!("fixtures/oauth_federated_key.pub.pem");
/// The public key's modulus (base64url), for the JWKS.
const MODULUS: &str = "lRVL8nYSaQbnwky3hlPDavjMczxDOC3-Qlm3d4PTPP6ZpeaC7dopmcPARQHfrRTQkEvo6OnfMzb2M8XlL11TrZ-RPw2qtQMlzsRYoSXqiZKD8o8_kePRq1RDI_70UJsW1Lrp9LpxK1LLyschCp6r1EAASSAk3lYOYWtxfEdhqWBaDqx3cyGHQQyy-7EMlWexazmt4E-Aw44Mwgfap1B26u6Me4RNj9AV0jpjq_pg6fsJLs7_G9ahyReS5jc-FC2k4bVKkR89W8PcSd_Ibm_5IWdQaViqz-r71zC25KyA367Gmyz6Zb8jYsiAX041JYkvpv-8DR4vGNdwEeti-ivf1w";

pub const SUBJECT: &str = "6f2a1c9e-entra-app";
pub const AUDIENCE: &str = "api://AzureADTokenExchange";

/// The test's issuer: `/.well-known/openid-configuration` and `/jwks` on
/// loopback; counts the JWKS fetches.
pub struct Issuer {
    pub url: String,
    kids: Arc<Mutex<Vec<&'static str>>>,
    jwks_fetches: Arc<AtomicUsize>,
}

impl Issuer {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let kids = Arc::new(Mutex::new(vec!["a"]));
        let jwks_fetches = Arc::new(AtomicUsize::new(0));
        let (served_kids, fetches, base) = (kids.clone(), jwks_fetches.clone(), url.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut line = String::new();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let body = if line.contains("/.well-known/openid-configuration") {
                    json!({"issuer": base, "jwks_uri": format!("{base}/jwks")})
                } else {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    let keys: Vec<Value> = served_kids
                        .lock()
                        .unwrap()
                        .iter()
                        .map(|kid| {
                            json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
                                "n": MODULUS, "e": "AQAB"})
                        })
                        .collect();
                    json!({ "keys": keys })
                }
                .to_string();
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Self {
            url,
            kids,
            jwks_fetches,
        }
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Good claims from `issuer`, to be spoiled one at a time.
pub fn claims(issuer: &str) -> Value {
    json!({
        "iss": issuer, "sub": SUBJECT, "aud": AUDIENCE,
        "iat": now(), "nbf": now() - 5, "exp": now() + 600,
        "jti": uuid::Uuid::new_v4().to_string(),
    })
}

pub fn signed(claims: &Value, kid: &str) -> String {
    let header = Header {
        kid: Some(kid.to_owned()),
        ..Header::new(Algorithm::RS256)
    };
    let key = EncodingKey::from_rsa_pem(PRIVATE_KEY).unwrap();
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn base64url(value: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

async fn token_request(app: &TestApp, client_id: &str, assertion: &str) -> reqwest::Response {
    assertion_request(&app.client, &app.address, Some(client_id), assertion).await
}

/// `POST {base}/oauth/token` with a client assertion (and `client_id` when given).
pub async fn assertion_request(
    http: &reqwest::Client,
    base: &str,
    client_id: Option<&str>,
    assertion: &str,
) -> reqwest::Response {
    let mut form = vec![
        ("grant_type", "client_credentials"),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", assertion),
    ];
    form.extend(client_id.map(|id| ("client_id", id)));
    http.post(format!("{base}/oauth/token"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

async fn error_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn federated_client(app: &TestApp, issuer: &str) -> String {
    let created = admin(app)
        .ok(
            Method::POST,
            "/api/v1/oauth-clients",
            Some(json!({"label": "Entra WIF", "federated": {
                "issuer": issuer, "subject": SUBJECT, "audience": AUDIENCE}})),
        )
        .await;
    assert_eq!(created["clientSecret"], Value::Null, "{created}");
    assert_eq!(created["client"]["federated"]["issuer"], issuer);
    created["client"]["id"].as_str().unwrap().to_owned()
}

async fn assertions_are_checked_against_the_issuers_keys(db: TestDb) {
    let app = TestApp::spawn_with(db, |config| {
        config.oauth_allow_http_loopback_issuers = true;
    })
    .await;
    let issuer = Issuer::start();
    let client = federated_client(&app, &issuer.url).await;

    // An unknown kid fetches the keys again (here: still unknown).
    let (status, error) =
        error_of(token_request(&app, &client, &signed(&claims(&issuer.url), "b")).await).await;
    assert_eq!((status, error.as_str()), (401, "invalid_client"));
    let fetched = issuer.jwks_fetches.load(Ordering::SeqCst);
    assert_eq!(fetched, 1);

    // A good assertion: a token that provisions.
    let good = signed(&claims(&issuer.url), "a");
    let response = token_request(&app, &client, &good).await;
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["token_type"], "Bearer", "{answer}");
    assert_eq!(answer["scope"], "scim");
    let token = answer["access_token"].as_str().unwrap();
    let created = app
        .client
        .post(app.url("/scim/v2/Users"))
        .bearer_auth(token)
        .json(&json!({"userName": "wif@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);

    // Replayed: refused, even by another replica.
    let replica = app.replica();
    let replayed = assertion_request(&app.client, &replica.address, Some(&client), &good).await;
    let body: Value = replayed.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("used before"),
        "{body}"
    );
    let (status, _) = error_of(token_request(&app, &client, &good).await).await;
    assert_eq!(status, 401);

    // Each spoiled claim, key or algorithm: invalid_client.
    let spoiled = |field: &str, value: Value| {
        let mut claims = claims(&issuer.url);
        claims[field] = value;
        signed(&claims, "a")
    };
    let public_key_as_hmac = {
        let header = Header {
            kid: Some("a".into()),
            ..Header::new(Algorithm::HS256)
        };
        jsonwebtoken::encode(
            &header,
            &claims(&issuer.url),
            &EncodingKey::from_secret(PUBLIC_KEY),
        )
        .unwrap()
    };
    let alg_none = format!(
        "{}.{}.",
        base64url(&json!({"alg": "none", "kid": "a", "typ": "JWT"})),
        base64url(&claims(&issuer.url))
    );
    let cases = [
        (
            "iss",
            spoiled("iss", json!("https://login.example.com/other/v2.0")),
        ),
        ("sub", spoiled("sub", json!("someone-else"))),
        ("aud", spoiled("aud", json!("api://other"))),
        ("expired", spoiled("exp", json!(now() - 120))),
        ("nbf", spoiled("nbf", json!(now() + 600))),
        ("no jti", {
            let mut claims = claims(&issuer.url);
            claims.as_object_mut().unwrap().remove("jti");
            signed(&claims, "a")
        }),
        ("no key of this kid", signed(&claims(&issuer.url), "zzz")),
        ("known alg", alg_none),
        ("asymmetric", public_key_as_hmac),
        ("not a JWT", "not-a-jwt".to_owned()),
    ];
    for (reason, assertion) in cases {
        let response = token_request(&app, &client, &assertion).await;
        assert_eq!(response.status(), 401, "{reason}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client", "{reason}");
        let description = body["error_description"].as_str().unwrap();
        assert!(description.contains(reason), "{reason}: {description}");
    }
    // The keys were fetched again for unknown kids at most once per 2 s.
    assert!(issuer.jwks_fetches.load(Ordering::SeqCst) <= fetched + 1);

    // A key the issuer adds later is found once the cached set may be refreshed.
    issuer.kids.lock().unwrap().push("b");
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let response = token_request(&app, &client, &signed(&claims(&issuer.url), "b")).await;
    assert_eq!(response.status(), 200);

    // Malformed requests: invalid_request; a secret client's id: invalid_client.
    let good = signed(&claims(&issuer.url), "a");
    let without_id = assertion_request(&app.client, &app.address, None, &good).await;
    assert_eq!(
        error_of(without_id).await,
        (400, "invalid_request".to_owned())
    );
    let secret_client = crate::oauth::create_client(&app, &[]);
    let answer = error_of(token_request(&app, &secret_client.id, &good).await).await;
    assert_eq!(answer, (401, "invalid_client".to_owned()));
    // A federated client has no secret to add.
    let path = format!("/api/v1/oauth-clients/{client}/secrets");
    let refused = admin(&app).send(Method::POST, &path, Some(json!({}))).await;
    assert_eq!(refused.status(), 409);
}

async fn an_http_issuer_is_refused_without_the_test_setting(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let issuer = Issuer::start();
    let client = federated_client(&app, &issuer.url).await;
    let answer =
        error_of(token_request(&app, &client, &signed(&claims(&issuer.url), "a")).await).await;
    assert_eq!(answer, (401, "invalid_client".to_owned()));
    assert_eq!(
        issuer.jwks_fetches.load(Ordering::SeqCst),
        0,
        "nothing fetched"
    );
}
