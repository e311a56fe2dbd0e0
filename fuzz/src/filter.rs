//! Filter text (`GET …?filter=`) → `scim::filter::parse` for Users and
//! Groups with the default limits → when it parses, the list query's SQL for
//! SQLite and PostgreSQL (rendered with `diesel::debug_query`, as the store
//! would send it) and the query itself on an in-memory SQLite database
//! holding one user and one group. The same text is also tried as a
//! `sortBy` attribute, whose `ORDER BY` goes the same way.
//!
//! Checked beyond "no panic": a refused filter is 400 `invalidFilter` (the
//! filter module's contract); an accepted filter prints as text that parses
//! back to itself (`Filter`'s documentation); the store translates it or
//! refuses it as unsupported (a 400), never with a database error.

use std::sync::{LazyLock, Mutex};

use diesel::pg::Pg;
use diesel::sqlite::Sqlite;
use r2d2::ManageConnection;
use roster::audit::Origin;
use roster::model::{Account, AccountId, GroupId, Slug, UserId};
use roster::scim::ScimType;
use roster::scim::filter::{Filter, FilterLimits, parse, parse_attribute};
use roster::scim::list::Sort;
use roster::scim::resource::ResourceMeta;
use roster::scim::schema::ResourceKind;
use roster::store::filter_sql::{Source, list_clauses};
use roster::store::groups::{self, GROUPS, StoredGroup};
use roster::store::users::{self, StoredUser, USERS};
use roster::store::{self, Conn, ConnectionManager, DatabaseUrl, Dialect, ListQuery, StoreError};

use super::fixtures;

/// The account whose rows the queries read (they are all one account's).
const ACCOUNT: &str = "0190a0a0-0000-7000-8000-000000000001";

/// One connection, opened as the server opens them (same pragmas), migrated
/// and seeded once.
static DATABASE: LazyLock<Mutex<Conn>> = LazyLock::new(|| {
    let url = DatabaseUrl::parse("sqlite::memory:").expect("an in-memory database URL");
    let mut conn = ConnectionManager::new(url).connect().expect("SQLite opens");
    store::migrate(&mut conn).expect("the migrations apply");
    seed(&mut conn).expect("the fixtures are stored");
    Mutex::new(conn)
});

fn seed(conn: &mut Conn) -> Result<(), StoreError> {
    let origin = Origin::cli();
    let account = Account {
        id: ACCOUNT.parse().expect("a UUID"),
        slug: Slug::parse("fuzz").expect("a slug"),
        name: "Fuzz".to_owned(),
        created_at: roster::clock::now(),
    };
    store::accounts::insert(conn, &account)?;
    let meta = ResourceMeta::first(roster::clock::now());
    let user = StoredUser {
        id: UserId::new(),
        document: fixtures::user(),
        meta: meta.clone(),
    };
    users::insert(conn, account.id, &origin, &user)?;
    let group = StoredGroup {
        id: GroupId::new(),
        document: fixtures::group(),
        meta,
    };
    groups::insert(conn, account.id, &group)?;
    groups::add_members(conn, account.id, group.id, &[user.id])?;
    Ok(())
}

/// The limits re-parsing uses: the printed text may be longer or count
/// differently than what was sent, only its meaning is compared.
const GENEROUS: FilterLimits = FilterLimits {
    max_len: usize::MAX,
    max_terms: 1024,
    max_depth: 64,
};

/// Renders the query's clauses for both dialects and runs it on SQLite.
fn translate(kind: ResourceKind, query: &ListQuery<'_>) {
    let source: &Source = match kind {
        ResourceKind::User => &USERS,
        ResourceKind::Group => &GROUPS,
    };
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        match list_clauses(source, dialect, ACCOUNT, query) {
            Ok((condition, order)) => {
                let rendered = match dialect {
                    Dialect::Sqlite => format!(
                        "{} {}",
                        diesel::debug_query::<Sqlite, _>(&condition),
                        diesel::debug_query::<Sqlite, _>(&order)
                    ),
                    Dialect::Postgres => format!(
                        "{} {}",
                        diesel::debug_query::<Pg, _>(&condition),
                        diesel::debug_query::<Pg, _>(&order)
                    ),
                };
                assert!(!rendered.is_empty());
            }
            Err(StoreError::UnsupportedFilter(_)) => {}
            Err(other) => panic!("{dialect:?}: {other}"),
        }
    }
    let mut conn = DATABASE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let account: AccountId = ACCOUNT.parse().expect("a UUID");
    let listed = match kind {
        ResourceKind::User => users::list(&mut conn, account, query).map(|(total, _)| total),
        ResourceKind::Group => groups::list(&mut conn, account, query).map(|(total, _)| total),
    };
    match listed {
        Ok(total) => assert!((0..=1).contains(&total), "{total} rows of one"),
        Err(StoreError::UnsupportedFilter(_)) => {}
        Err(other) => panic!("SQLite: {other}"),
    }
}

fn filter(kind: ResourceKind, text: &str) {
    let filter: Filter = match parse(kind, text, &FilterLimits::default()) {
        Ok(filter) => filter,
        Err(error) => {
            assert_eq!(error.status, 400, "{error}");
            assert_eq!(error.scim_type, Some(ScimType::InvalidFilter), "{error}");
            return;
        }
    };
    let printed = filter.to_string();
    assert_eq!(
        parse(kind, &printed, &GENEROUS).as_ref(),
        Ok(&filter),
        "{printed}"
    );
    translate(
        kind,
        &ListQuery {
            filter: Some(&filter),
            sort: None,
            offset: 0,
            limit: 10,
            seek: None,
        },
    );
}

fn sort(kind: ResourceKind, text: &str, descending: bool) {
    let Ok(attribute) = parse_attribute(kind, text) else {
        return;
    };
    translate(
        kind,
        &ListQuery {
            filter: None,
            sort: Some(Sort {
                attribute,
                descending,
            }),
            offset: 0,
            limit: 10,
            seek: None,
        },
    );
}

/// The target's body: `data` as libFuzzer hands it over.
pub fn run(data: &[u8]) {
    let text = super::text(data);
    for kind in [ResourceKind::User, ResourceKind::Group] {
        filter(kind, text);
        sort(kind, text, text.len() % 2 == 1);
    }
}
