//! SCIM filters (RFC 7644 §3.4.2.2) and sort keys (§3.4.2.3) as SQL, so that
//! list queries are answered by the database, never by loading rows.
//!
//! A resource table ([`Source`]) has columns for its hot attributes, an
//! optional side table with one row per element of one multi-valued
//! attribute (a user's e-mail addresses), and `filter_document`: the
//! document with the strings of attributes that are not `caseExact` folded
//! ([`crate::scim::filter::comparable_document`]). Filter literals on such
//! attributes are folded the same way, so every comparison is plain
//! equality or byte order, with the same result on SQLite and PostgreSQL
//! (which compares with `COLLATE "C"`).
//!
//! Where an attribute is read from:
//! - an indexed column ([`Column`]) — `userName eq "x"` is an index lookup;
//! - the side table — `emails.value eq "x"` and
//!   `emails[type eq "work" and value eq "x"]` are index lookups too;
//! - otherwise the JSON of `filter_document` (SQLite `json_extract` /
//!   `json_each`, PostgreSQL `jsonb` operators), a scan of the account's rows.
//!
//! Semantics (the test suite's in-memory oracle implements the same):
//! - a comparison on an absent value is false, except `ne`, which is the
//!   negation of `eq` (an absent `title` is `ne "x"`);
//! - on a multi-valued attribute, a comparison holds when one element meets
//!   it, and `attr[…]` when one element meets the whole inner filter;
//! - `attr eq null` is `not (attr pr)`, `attr ne null` is `attr pr`;
//! - strings order by code point (byte order of UTF-8), after folding.
//!
//! Every value is a bound parameter; the SQL text holds only attribute
//! names from Roster's own schemas.

mod compiler;

use compiler::{Compiler, Kind, Scope};

use super::StoreError;
use super::sql::{Bind, Dialect, Sql};
use crate::scim::filter::{AttrRef, Filter};
use crate::scim::list::{ListRequest, Sort};

/// Where a resource table keeps what filters read (see the module docs).
pub struct Source {
    /// The table's name, which qualifies the column names.
    pub table: &'static str,
    /// The column holding the comparable JSON document.
    pub document: &'static str,
    /// The indexed column holding an attribute, if it has one.
    pub column: fn(&AttrRef) -> Option<Column>,
    /// Side tables of multi-valued attributes.
    pub elements: &'static [ElementTable],
}

/// How an attribute held in a column compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// A text column (holding the folded value when the attribute folds case).
    Text(&'static str),
    Bool(&'static str),
    Timestamp(&'static str),
    /// The same text for every row (`meta.resourceType`).
    Constant(&'static str),
    /// Present on every row, compared by no filter (`meta` itself).
    AlwaysPresent,
    /// Computed when a response is rendered, not stored (`meta.location`).
    NotStored,
}

/// A table with one row per element of a multi-valued attribute.
pub struct ElementTable {
    /// The attribute (`emails`).
    pub attribute: &'static str,
    pub table: &'static str,
    /// The column referring to the resource's id.
    pub owner: &'static str,
    /// The column holding the account id.
    pub account: &'static str,
    /// Sub-attribute name → column.
    pub columns: &'static [(&'static str, Column)],
}

/// A filter or sort key the store cannot evaluate (the caller answers 400
/// `invalidFilter`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

/// What a list asks for: the account's resources that match `filter`, in
/// `sort` order (by id when `None`), `limit` of them after `offset` — or,
/// with `seek`, `limit` of them on one side of an id (keyset paging).
#[derive(Debug, Clone, Copy)]
pub struct ListQuery<'a> {
    pub filter: Option<&'a Filter>,
    pub sort: Option<Sort>,
    pub offset: i64,
    pub limit: i64,
    pub seek: Option<Seek<'a>>,
}

/// Keyset paging (cursor paging, RFC 9865): the rows after an id in id
/// order, or before it in reverse id order. Unsorted only; a seek reads the
/// `(account_id, id)` index from the id on, so a page costs its own rows
/// however deep it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seek<'a> {
    After(&'a str),
    Before(&'a str),
}

impl<'a> ListQuery<'a> {
    /// The request's filter and order, `limit` resources after `offset`
    /// (its page, or a part of a search over several resource types).
    pub fn of(request: &'a ListRequest, offset: i64, limit: i64) -> Self {
        Self {
            filter: request.filter.as_ref(),
            sort: request.sort,
            offset,
            limit,
            seek: None,
        }
    }

    /// The same query from `seek` on.
    pub fn seeking(self, seek: Option<Seek<'a>>) -> Self {
        Self { seek, ..self }
    }
}

/// The `WHERE` condition (besides the account) and the `ORDER BY` list of a
/// list query on `source`. Public so that the fuzz targets (`fuzz/`) can
/// render it for both dialects without a database.
pub fn list_clauses(
    source: &Source,
    dialect: Dialect,
    account: &str,
    query: &ListQuery<'_>,
) -> Result<(Sql, Sql), StoreError> {
    let unsupported = |error: Unsupported| StoreError::UnsupportedFilter(error.0);
    let condition = match query.filter {
        Some(filter) => condition(source, dialect, account, filter).map_err(unsupported)?,
        None => Sql::always(),
    };
    let tie_breaker = format!("{}.id", source.table);
    let order = match &query.sort {
        Some(sort) => order_by(
            source,
            dialect,
            &sort.attribute,
            sort.descending,
            &tie_breaker,
        )
        .map_err(unsupported)?,
        None => match query.seek {
            Some(Seek::Before(_)) => Sql::raw(&format!("{tie_breaker} DESC")),
            _ => Sql::raw(&format!("{tie_breaker} ASC")),
        },
    };
    Ok((condition, order))
}

/// `condition` (the filter's: what `totalResults` counts) narrowed to the
/// query's page side of its seek, if it has one.
pub fn page_condition(source: &Source, condition: Sql, query: &ListQuery<'_>) -> Sql {
    let Some(seek) = query.seek else {
        return condition;
    };
    let (operator, id) = match seek {
        Seek::After(id) => (">", id),
        Seek::Before(id) => ("<", id),
    };
    let mut sql = Sql::raw("(");
    sql.append(condition);
    sql.push(&format!(") AND {}.id {operator} ", source.table));
    sql.bind(Bind::Text(id.to_owned()));
    sql
}

/// `filter` as a condition on `source`'s rows of `account`.
pub fn condition(
    source: &Source,
    dialect: Dialect,
    account: &str,
    filter: &Filter,
) -> Result<Sql, Unsupported> {
    let mut compiler = Compiler {
        source,
        dialect,
        account,
        out: Sql::default(),
    };
    compiler.filter(filter, Scope::Row)?;
    Ok(compiler.out)
}

/// The `ORDER BY` list for sorting by `attribute` (RFC 7644 §3.4.2.3):
/// rows without a value last in either order, then by `tie_breaker` (the
/// id), so that paging never skips or repeats. A multi-valued attribute
/// sorts by its primary element's value, or else its first.
pub fn order_by(
    source: &Source,
    dialect: Dialect,
    attribute: &AttrRef,
    descending: bool,
    tie_breaker: &str,
) -> Result<Sql, Unsupported> {
    let compiler = Compiler {
        source,
        dialect,
        account: "",
        out: Sql::default(),
    };
    let operand = if attribute.multi_valued() {
        compiler.first_element(attribute)
    } else {
        compiler.row_operand(attribute)?
    };
    let key = match (dialect, operand.kind) {
        (Dialect::Postgres, Kind::Text) => format!("{} COLLATE \"C\"", operand.sql),
        _ => operand.sql.clone(),
    };
    let direction = if descending { "DESC" } else { "ASC" };
    let mut sql = Sql::default();
    sql.push(&format!(
        "({} IS NULL) ASC, {key} {direction}, {tie_breaker} ASC",
        operand.sql
    ));
    Ok(sql)
}
