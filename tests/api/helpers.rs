//! The test harness: a fresh database per test (a SQLite file, or a PostgreSQL
//! database of its own that is dropped afterwards), the real server on port 0
//! in-process, and the real `roster` binary for CLI tests.

use std::process::{Command, Output};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use roster::config::ServeConfig;
use roster::model::{Account, Scope};
use roster::scim::limits::RequestLimits;
use roster::service::accounts::first_start;
use roster::service::tokens::{IssuedToken, NewToken};
use roster::service::{Caller, tokens};
use roster::startup::{Application, Backend};
use roster::store::DatabaseUrl;
use serde_json::Value;

/// The default PostgreSQL admin URL, tried when `ROSTER_TEST_POSTGRES_URL` is unset.
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// A database that exists for one test only.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDb {
    /// A fresh database, or `None` when PostgreSQL is wanted but not configured
    /// (then the test is skipped with a note; `scripts/test` always configures it).
    pub fn create(backend: DbKind) -> Option<Self> {
        match backend {
            DbKind::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("roster.db").display());
                Some(Self {
                    url,
                    _dir: Some(dir),
                    postgres: None,
                })
            }
            DbKind::Postgres => {
                let (admin_url, required) = match std::env::var("ROSTER_TEST_POSTGRES_URL") {
                    Ok(url) if !url.is_empty() => (url, true),
                    _ => (DEFAULT_POSTGRES_URL.to_owned(), false),
                };
                let mut admin = match PgConnection::establish(&admin_url) {
                    Ok(conn) => conn,
                    Err(error) if required => {
                        panic!("ROSTER_TEST_POSTGRES_URL is set but unreachable: {error}")
                    }
                    Err(_) => {
                        eprintln!(
                            "skipped: PostgreSQL is not reachable and ROSTER_TEST_POSTGRES_URL is unset"
                        );
                        return None;
                    }
                };
                let name = format!("roster_test_{}", uuid::Uuid::new_v4().simple());
                // Test databases are thrown away: commits need not wait for the disk.
                for statement in [
                    format!("CREATE DATABASE {name}"),
                    format!("ALTER DATABASE {name} SET synchronous_commit = off"),
                ] {
                    admin
                        .batch_execute(&statement)
                        .expect("create the test database");
                }
                let url = roster::store::postgres_url_with_database(&admin_url, &name);
                Some(Self {
                    url,
                    _dir: None,
                    postgres: Some((admin_url, name)),
                })
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.postgres
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// A running Roster on a fresh database, with the tokens of its first start.
pub struct TestApp {
    pub address: String,
    pub db: TestDb,
    /// `None` only while [`TestApp::restart_with`] has Roster stopped.
    backend: Option<Backend>,
    pub account: Account,
    pub scim_token: String,
    pub admin_token: String,
    pub client: reqwest::Client,
    config: ServeConfig,
    server: Running,
}

impl TestApp {
    pub async fn spawn(db: TestDb) -> Self {
        Self::spawn_with(db, |_| {}).await
    }

    /// [`TestApp::spawn`] with settings changed from the test defaults
    /// (those of `roster serve`, on port 0 with one worker).
    pub async fn spawn_with(db: TestDb, configure: impl FnOnce(&mut ServeConfig)) -> Self {
        let url = DatabaseUrl::parse(&db.url).expect("test database URL");
        let mut config = ServeConfig {
            listen: "127.0.0.1:0".into(),
            workers: Some(1),
            ..ServeConfig::new(url.clone())
        };
        configure(&mut config);
        let backend = Backend::open(&url, 4).expect("open the test database");
        let first = {
            let mut conn = backend.pool.get().expect("connection");
            first_start(&mut conn)
                .expect("first start")
                .expect("a new database is bootstrapped")
        };
        let (address, server) = serve(&config, &backend);
        Self {
            config,
            server,
            address,
            db,
            backend: Some(backend),
            account: first.account,
            scim_token: first.scim_token.token.expose().to_owned(),
            admin_token: first.admin_token.token.expose().to_owned(),
            client: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Stops the server (as SIGTERM would) and starts a new one on the same
    /// database, with everything it loads at start loaded afresh; its
    /// address changes.
    pub async fn restart(&mut self) {
        self.restart_with(|| {}).await;
    }

    /// [`TestApp::restart`] with settings changed.
    pub async fn restart_configured(&mut self, configure: impl FnOnce(&mut ServeConfig)) {
        configure(&mut self.config);
        self.restart().await;
    }

    /// [`TestApp::restart`], running `while_stopped` when Roster is stopped
    /// and holds no database connection (as an operator's restore would).
    pub async fn restart_with(&mut self, while_stopped: impl FnOnce()) {
        self.server.stop().await;
        drop(self.backend.take());
        while_stopped();
        let backend =
            Backend::open(&self.config.database_url, 4).expect("reopen the test database");
        (self.address, self.server) = serve(&self.config, &backend);
        self.backend = Some(backend);
    }

    /// Another server on this app's database and settings, with a pool and
    /// caches of its own, as a second replica would be.
    pub fn replica(&self) -> Replica {
        let backend =
            Backend::open(&self.config.database_url, 4).expect("open the test database again");
        let (address, server) = serve(&self.config, &backend);
        Replica {
            address,
            _server: server,
            _backend: backend,
        }
    }

    /// The store the server runs on.
    /// Runs SQL on the app's database directly: for tests that must put
    /// the store in a state no request can (a link whose time has passed).
    pub fn execute_sql(&self, sql: &str) {
        let mut conn = self.backend().pool.get().expect("connection");
        diesel::connection::SimpleConnection::batch_execute(&mut *conn, sql).expect("the SQL runs");
    }

    pub fn backend(&self) -> &Backend {
        self.backend.as_ref().expect("Roster is running")
    }

    /// Issues a token for the first account directly through the library.
    pub fn issue(&self, scope: Scope, expires_at: Option<chrono::NaiveDateTime>) -> IssuedToken {
        let mut conn = self.backend().pool.get().expect("connection");
        let caller = Caller {
            account: self.account.id,
            origin: &roster::audit::Origin::cli(),
            limits: &RequestLimits::default(),
        };
        let new = NewToken {
            scope,
            label: Some("test".into()),
            expires_at,
        };
        tokens::issue(&mut conn, &caller, new).expect("issue a token")
    }

    /// GET with the SCIM token as a Bearer token.
    pub async fn scim_get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(&self.scim_token)
            .send()
            .await
            .expect("request")
    }

    /// `POST /scim/v2/Users` with the SCIM token; asserts 201 and returns the user.
    pub async fn create_user(&self, body: &Value) -> Value {
        let response = self
            .client
            .post(self.url("/scim/v2/Users"))
            .bearer_auth(&self.scim_token)
            .json(body)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 201, "{body}");
        response.json().await.expect("a JSON user")
    }

    /// Runs the `roster` binary against this app's database.
    pub fn cli(&self, args: &[&str]) -> Output {
        roster_cli(&self.db.url, args)
    }
}

/// Requests with one token, for the JSON APIs.
pub struct Api<'a> {
    pub app: &'a TestApp,
    pub token: String,
}

impl Api<'_> {
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self
            .app
            .client
            .request(method, self.app.url(path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    /// Asserts a 2xx and returns the JSON body (`null` when empty).
    pub async fn ok(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let response = self.send(method, path, body.clone()).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{path} {body:?}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

/// A new token of `account` with `scope`, issued by the `roster` CLI.
pub fn cli_token(app: &TestApp, account: &str, scope: &str) -> String {
    let output = app.cli(&["tokens", "issue", "--account", account, "--scope", scope]);
    assert!(output.status.success(), "{output:?}");
    stdout(&output).trim().lines().last().unwrap().to_owned()
}

/// With the first start's admin token.
pub fn admin(app: &TestApp) -> Api<'_> {
    Api {
        app,
        token: app.admin_token.clone(),
    }
}

/// With the first start's SCIM token.
pub fn scim(app: &TestApp) -> Api<'_> {
    Api {
        app,
        token: app.scim_token.clone(),
    }
}

/// (role, [(workspace, level)]) of a member, from the access API.
/// Builds and spawns a server with the test settings: its address and handle.
fn serve(config: &ServeConfig, backend: &Backend) -> (String, Running) {
    let app = Application::build(config, backend).expect("build the server");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let task = actix_web::rt::spawn(app.run_until_stopped());
    (address, Running { handle, task })
}

/// A second server on a [`TestApp`]'s database ([`TestApp::replica`]).
pub struct Replica {
    pub address: String,
    _server: Running,
    _backend: Backend,
}

/// A server the test started: its handle, and the task that runs it.
struct Running {
    handle: actix_web::dev::ServerHandle,
    task: actix_web::rt::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops the server as SIGTERM would and waits until it has stopped
    /// entirely, its webhook deliveries included: then no connection of it
    /// is open (a restore can replace the database file).
    async fn stop(&mut self) {
        self.handle.stop(true).await;
        let _ = (&mut self.task).await;
    }
}

/// Runs the real `roster` binary with `--database-url`.
/// Runs the `roster` binary on the app's database with extra environment
/// variables.
pub fn run_roster(app: &TestApp, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(args)
        .env("ROSTER_DATABASE_URL", &app.db.url)
        .env_remove("ROSTER_LOG")
        .envs(env.iter().copied())
        .output()
        .expect("run the roster binary")
}

pub fn roster_cli(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(args)
        .env("ROSTER_DATABASE_URL", database_url)
        .env_remove("ROSTER_LOG")
        .output()
        .expect("run the roster binary")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts a SCIM Error response (RFC 7644 §3.12) and returns its body.
pub async fn assert_scim_error(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    assert_scim_content_type(&response);
    let body: Value = response.json().await.expect("a JSON error body");
    assert_eq!(
        body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error",
        "{body}"
    );
    assert_eq!(body["status"], status.to_string(), "{body}");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|detail| detail.len() > 10),
        "a useful detail: {body}"
    );
    body
}

pub fn assert_scim_content_type(response: &reqwest::Response) {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("application/scim+json"),
        "content type {content_type:?}"
    );
}

/// Generates, for each named `async fn NAME(db: TestDb)`, a test on SQLite
/// (`sqlite::NAME`) and one on PostgreSQL (`postgres::NAME`).
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    let db = $crate::helpers::TestDb::create($crate::helpers::DbKind::Sqlite).unwrap();
                    super::$name(db).await
                }
            )*
        }
        mod postgres {
            $(
                #[actix_web::test]
                async fn $name() {
                    if let Some(db) = $crate::helpers::TestDb::create($crate::helpers::DbKind::Postgres) {
                        super::$name(db).await
                    }
                }
            )*
        }
    };
}

impl TestApp {
    /// Creates `count` members straight through the store, in one
    /// transaction: their rows and their access (not the audit entries and
    /// events `POST /Users` also writes), for tests whose subject is what is
    /// done with many members, not creating them; returns their ids.
    pub fn seed_users(&self, prefix: &str, count: usize) -> Vec<String> {
        use roster::scim::resource::{Document, ResourceMeta};
        use roster::store::users::StoredUser;
        let account = self.account.id;
        let mut conn = self.backend().pool.get().expect("connection");
        roster::store::account_transaction(&mut conn, account, |conn| {
            let ids = (0..count)
                .map(|index| {
                    let mut document = Document::new();
                    document.insert("userName".into(), format!("{prefix}{index}").into());
                    let user = StoredUser {
                        id: roster::model::UserId::new(),
                        document,
                        meta: ResourceMeta::first(chrono::Utc::now().naive_utc()),
                    };
                    roster::store::users::insert(
                        conn,
                        account,
                        &roster::audit::Origin::cli(),
                        &user,
                    )?;
                    Ok(user.id)
                })
                .collect::<Result<Vec<_>, roster::store::StoreError>>()?;
            roster::service::access::recompute(
                conn,
                account,
                roster::store::access::Who::Users(&ids),
            )?;
            Ok::<_, roster::store::StoreError>(ids.iter().map(ToString::to_string).collect())
        })
        .expect("seed users")
    }
}
