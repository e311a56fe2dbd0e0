//! SQL text with bound values, built at run time: what diesel's typed DSL
//! cannot express on the two-backend connection (conditions compiled from
//! SCIM filters, multi-row inserts). The values are always bound, never
//! spliced into the text, and each backend gets its own placeholders.

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, ValidGrouping, is_aggregate};
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::query_dsl::RunQueryDsl;
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Bool, HasSqlType, Text, Timestamp};

/// The SQL dialect of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn of(conn: &super::Conn) -> Self {
        match conn {
            super::Conn::Sqlite(_) => Self::Sqlite,
            super::Conn::Postgresql(_) => Self::Postgres,
        }
    }
}

/// A bound value.
#[derive(Debug, Clone)]
pub enum Bind {
    Text(String),
    Bool(bool),
    BigInt(i64),
    Timestamp(NaiveDateTime),
}

#[derive(Debug, Clone)]
enum Part {
    Sql(String),
    Bind(Bind),
}

/// SQL text with its bound values in order, usable as a boolean expression
/// in `.filter(…)` and as a sort key in `.order_by(…)`.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    parts: Vec<Part>,
    /// Whether the connection may keep the statement prepared (see
    /// [`Sql::keep_prepared`]); by default it is parsed anew each time.
    keep_prepared: bool,
}

impl Sql {
    /// The condition every row meets.
    pub fn always() -> Self {
        Self::raw("1 = 1")
    }

    /// SQL text without bound values.
    pub fn raw(text: &str) -> Self {
        let mut sql = Self::default();
        sql.push(text);
        sql
    }

    pub fn push(&mut self, text: &str) {
        match self.parts.last_mut() {
            Some(Part::Sql(last)) => last.push_str(text),
            _ => self.parts.push(Part::Sql(text.to_owned())),
        }
    }

    pub fn bind(&mut self, value: Bind) {
        self.parts.push(Part::Bind(value));
    }

    /// Binds `values`, separated by commas, for `IN (…)`; `NULL` when there
    /// are none, which matches nothing and keeps the SQL valid.
    pub fn bind_list(&mut self, values: impl IntoIterator<Item = Bind>) {
        let mut values = values.into_iter().peekable();
        if values.peek().is_none() {
            self.push("NULL");
        }
        for (index, value) in values.enumerate() {
            if index > 0 {
                self.push(", ");
            }
            self.bind(value);
        }
    }

    /// Appends `other`'s text and bound values.
    pub fn append(&mut self, other: Sql) {
        for part in other.parts {
            match part {
                Part::Sql(text) => self.push(&text),
                Part::Bind(value) => self.bind(value),
            }
        }
    }

    /// `head` (`INSERT INTO t (a, b) VALUES `) then one parenthesised row per
    /// item of `rows`, each value bound (`None` is `NULL`).
    pub fn insert_values(head: &str, rows: impl IntoIterator<Item = Vec<Option<Bind>>>) -> Self {
        let mut sql = Self::raw(head);
        for (index, row) in rows.into_iter().enumerate() {
            sql.push(if index == 0 { "(" } else { ", (" });
            for (position, value) in row.into_iter().enumerate() {
                if position > 0 {
                    sql.push(", ");
                }
                match value {
                    Some(value) => sql.bind(value),
                    None => sql.push("NULL"),
                }
            }
            sql.push(")");
        }
        sql
    }

    /// Lets the connection keep this statement prepared, keyed by its text.
    /// Only for text that Roster's code alone decides, in a few shapes (the
    /// recomputation of one member): a statement whose text a request shapes
    /// — a filter — would let a client fill the cache without bound.
    pub fn keep_prepared(mut self) -> Self {
        self.keep_prepared = true;
        self
    }
}

impl<DB> QueryFragment<DB> for Sql
where
    DB: Backend + HasSqlType<Text> + HasSqlType<Bool> + HasSqlType<BigInt> + HasSqlType<Timestamp>,
    String: ToSql<Text, DB>,
    bool: ToSql<Bool, DB>,
    i64: ToSql<BigInt, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, mut pass: AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
        if !self.keep_prepared {
            pass.unsafe_to_cache_prepared();
        }
        for part in &self.parts {
            match part {
                Part::Sql(text) => pass.push_sql(text),
                Part::Bind(Bind::Text(value)) => pass.push_bind_param::<Text, String>(value)?,
                Part::Bind(Bind::Bool(value)) => pass.push_bind_param::<Bool, bool>(value)?,
                Part::Bind(Bind::BigInt(value)) => pass.push_bind_param::<BigInt, i64>(value)?,
                Part::Bind(Bind::Timestamp(value)) => {
                    pass.push_bind_param::<Timestamp, NaiveDateTime>(value)?;
                }
            }
        }
        Ok(())
    }
}

impl<C> RunQueryDsl<C> for Sql {}

impl QueryId for Sql {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Expression for Sql {
    type SqlType = Bool;
}

impl<QS> AppearsOnTable<QS> for Sql {}

impl ValidGrouping<()> for Sql {
    type IsAggregate = is_aggregate::Never;
}

/// A statement of [`Sql`] that returns one text column per row (`SELECT
/// id …`, `… RETURNING id`), to `.load::<String>(conn)` or as a typed id
/// (`.load::<UserId>(conn)`).
#[derive(Debug, Clone)]
pub struct TextRows(pub Sql);

impl Query for TextRows {
    type SqlType = Text;
}

impl<DB> QueryFragment<DB> for TextRows
where
    DB: Backend,
    Sql: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
        self.0.walk_ast(pass)
    }
}

impl QueryId for TextRows {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C> RunQueryDsl<C> for TextRows {}
