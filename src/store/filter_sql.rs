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

use super::StoreError;
use super::sql::{Bind, Dialect, Sql};
use crate::scim::filter::{AttrRef, CompareOp, Comparison, Filter, Literal};
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
/// `sort` order (by id when `None`), `limit` of them after `offset`.
#[derive(Debug, Clone, Copy)]
pub struct ListQuery<'a> {
    pub filter: Option<&'a Filter>,
    pub sort: Option<Sort>,
    pub offset: i64,
    pub limit: i64,
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
        }
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
        None => Sql::raw(&format!("{tie_breaker} ASC")),
    };
    Ok((condition, order))
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

/// What attribute paths in the filter being compiled are relative to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The resource row.
    Row,
    /// One element of a multi-valued attribute in the JSON document.
    JsonElement,
    /// One row of the source's element table.
    TableElement,
}

/// How a value read by SQL compares with a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    /// A boolean SQL value (a column, or a JSON boolean on SQLite, which
    /// `json_extract` reads as 0/1).
    Bool,
    /// A JSON boolean read as the text `true`/`false` (PostgreSQL `->>`).
    BoolText,
    Timestamp,
}

/// A value expression and how it compares.
struct Operand {
    sql: String,
    kind: Kind,
}

struct Compiler<'a> {
    source: &'a Source,
    dialect: Dialect,
    account: &'a str,
    out: Sql,
}

impl Compiler<'_> {
    fn filter(&mut self, filter: &Filter, scope: Scope) -> Result<(), Unsupported> {
        match filter {
            Filter::And(left, right) | Filter::Or(left, right) => {
                let joiner = if matches!(filter, Filter::And(..)) {
                    " AND "
                } else {
                    " OR "
                };
                self.out.push("(");
                self.filter(left, scope)?;
                self.out.push(joiner);
                self.filter(right, scope)?;
                self.out.push(")");
            }
            Filter::Not(inner) => {
                self.out.push("(NOT ");
                self.filter(inner, scope)?;
                self.out.push(")");
            }
            Filter::Compare(Comparison {
                attribute,
                op,
                value: Literal::Null,
            }) => {
                let present = Filter::Present(*attribute);
                match op {
                    CompareOp::Ne => self.filter(&present, scope)?,
                    _ => self.filter(&Filter::Not(Box::new(present)), scope)?,
                }
            }
            Filter::Compare(Comparison { attribute, .. }) | Filter::Present(attribute)
                if scope == Scope::Row && attribute.multi_valued() =>
            {
                self.elements(attribute, filter)?;
            }
            Filter::ValuePath { attribute, filter } => self.elements(attribute, filter)?,
            Filter::Present(attribute) => {
                let operand = self.operand(attribute, scope)?;
                self.out.push(&format!("({} IS NOT NULL)", operand.sql));
            }
            Filter::Compare(comparison) => {
                let operand = self.operand(&comparison.attribute, scope)?;
                self.compare(&operand, comparison)?;
            }
        }
        Ok(())
    }

    fn operand(&self, attribute: &AttrRef, scope: Scope) -> Result<Operand, Unsupported> {
        match scope {
            Scope::Row => self.row_operand(attribute),
            Scope::JsonElement => Ok(self.json_element_operand(attribute)),
            Scope::TableElement => {
                let column = self
                    .element_table(attribute)
                    .and_then(|table| self.element_table_column(table, attribute))
                    .ok_or_else(|| Unsupported("an element-table column".into()))?;
                self.column_operand(attribute, column)
            }
        }
    }

    /// A single-valued attribute of the row: its column, or its JSON path.
    fn row_operand(&self, attribute: &AttrRef) -> Result<Operand, Unsupported> {
        if let Some(column) = (self.source.column)(attribute) {
            return self.column_operand(attribute, column);
        }
        let mut path: Vec<&str> = attribute.schema().into_iter().collect();
        path.push(attribute.name());
        path.extend(attribute.sub_attribute());
        let sql = match self.dialect {
            Dialect::Sqlite => format!(
                "json_extract({}, '{}')",
                self.source.document,
                sqlite_json_path(&path)
            ),
            Dialect::Postgres => format!(
                "({}::jsonb #>> '{}')",
                self.source.document,
                postgres_text_path(&path)
            ),
        };
        Ok(Operand {
            sql,
            kind: self.json_kind(attribute),
        })
    }

    fn column_operand(&self, attribute: &AttrRef, column: Column) -> Result<Operand, Unsupported> {
        let (sql, kind) = match column {
            Column::Text(name) => (name.to_owned(), Kind::Text),
            Column::Bool(name) => (name.to_owned(), Kind::Bool),
            Column::Timestamp(name) => (name.to_owned(), Kind::Timestamp),
            Column::Constant(text) => (format!("'{}'", sql_quoted(text)), Kind::Text),
            Column::AlwaysPresent => ("1".to_owned(), Kind::Text),
            Column::NotStored => {
                return Err(Unsupported(format!(
                    "filtering or sorting on '{}' is not supported: it is not stored",
                    display(attribute)
                )));
            }
        };
        Ok(Operand { sql, kind })
    }

    /// A sub-attribute of the JSON element `e` (the element itself for a
    /// multi-valued attribute without sub-attributes).
    fn json_element_operand(&self, attribute: &AttrRef) -> Operand {
        let sql = match (self.dialect, attribute.sub_attribute()) {
            (Dialect::Sqlite, Some(sub)) => {
                format!("json_extract(e.value, '{}')", sqlite_json_path(&[sub]))
            }
            (Dialect::Sqlite, None) => "e.value".to_owned(),
            (Dialect::Postgres, Some(sub)) => format!("(e.v ->> '{}')", sql_quoted(sub)),
            (Dialect::Postgres, None) => "(e.v #>> '{}')".to_owned(),
        };
        Operand {
            sql,
            kind: self.json_kind(attribute),
        }
    }

    fn json_kind(&self, attribute: &AttrRef) -> Kind {
        use crate::scim::filter::ValueType;
        match (attribute.value_type(), self.dialect) {
            (ValueType::Boolean, Dialect::Sqlite) => Kind::Bool,
            (ValueType::Boolean, Dialect::Postgres) => Kind::BoolText,
            _ => Kind::Text,
        }
    }

    /// A condition over the elements of a multi-valued attribute: one of
    /// them meets `inner` (whose paths name the attribute's sub-attributes).
    fn elements(&mut self, attribute: &AttrRef, inner: &Filter) -> Result<(), Unsupported> {
        if let Some(table) = self.element_table(attribute)
            && self.table_can_evaluate(table, inner)
        {
            self.out.push(&format!(
                "({}.id IN (SELECT {} FROM {} WHERE {} = ",
                self.source.table, table.owner, table.table, table.account
            ));
            self.out.bind(Bind::Text(self.account.to_owned()));
            self.out.push(" AND ");
            self.filter(inner, Scope::TableElement)?;
            self.out.push("))");
            return Ok(());
        }
        let mut path: Vec<&str> = attribute.schema().into_iter().collect();
        path.push(attribute.name());
        let from = self.json_elements(&path, false);
        self.out
            .push(&format!("(EXISTS (SELECT 1 FROM {from} WHERE "));
        self.filter(inner, Scope::JsonElement)?;
        self.out.push("))");
        Ok(())
    }

    /// The `FROM` item listing the elements of the array at `path` as `e`
    /// (`e.value` on SQLite, `e.v` on PostgreSQL), with their position
    /// (`e.key`, `e.n`) when `numbered`.
    fn json_elements(&self, path: &[&str], numbered: bool) -> String {
        let document = self.source.document;
        match self.dialect {
            Dialect::Sqlite => format!("json_each({document}, '{}') AS e", sqlite_json_path(path)),
            Dialect::Postgres if numbered => format!(
                "jsonb_array_elements({document}::jsonb #> '{}') WITH ORDINALITY AS e(v, n)",
                postgres_text_path(path)
            ),
            Dialect::Postgres => format!(
                "jsonb_array_elements({document}::jsonb #> '{}') AS e(v)",
                postgres_text_path(path)
            ),
        }
    }

    /// The sort value of a multi-valued attribute: its primary element's,
    /// or else its first element's.
    fn first_element(&self, attribute: &AttrRef) -> Operand {
        let mut path: Vec<&str> = attribute.schema().into_iter().collect();
        path.push(attribute.name());
        let from = self.json_elements(&path, true);
        let value = self.json_element_operand(attribute);
        let (primary, position) = match self.dialect {
            Dialect::Sqlite => (
                "COALESCE(json_extract(e.value, '$.primary') = 1, 0)",
                "e.key",
            ),
            Dialect::Postgres => ("COALESCE((e.v ->> 'primary') = 'true', FALSE)", "e.n"),
        };
        Operand {
            sql: format!(
                "(SELECT {} FROM {from} ORDER BY {primary} DESC, {position} ASC LIMIT 1)",
                value.sql
            ),
            kind: value.kind,
        }
    }

    /// The side table holding the elements of `attribute`, if any.
    fn element_table(&self, attribute: &AttrRef) -> Option<&'static ElementTable> {
        let elements: &'static [ElementTable] = self.source.elements;
        elements
            .iter()
            .find(|table| attribute.schema().is_none() && table.attribute == attribute.name())
    }

    /// The element-table column holding `attribute`'s sub-attribute; the
    /// owner column (never null) for the element itself.
    fn element_table_column(&self, table: &ElementTable, attribute: &AttrRef) -> Option<Column> {
        let Some(sub) = attribute.sub_attribute() else {
            return Some(Column::Text(table.owner));
        };
        table
            .columns
            .iter()
            .find(|(name, _)| *name == sub)
            .map(|(_, column)| *column)
    }

    /// True when every path in `filter` is a column of the element table.
    fn table_can_evaluate(&self, table: &ElementTable, filter: &Filter) -> bool {
        match filter {
            Filter::And(left, right) | Filter::Or(left, right) => {
                self.table_can_evaluate(table, left) && self.table_can_evaluate(table, right)
            }
            Filter::Not(inner) => self.table_can_evaluate(table, inner),
            Filter::Compare(Comparison { attribute, .. }) | Filter::Present(attribute) => {
                self.element_table_column(table, attribute).is_some()
            }
            Filter::ValuePath { .. } => false,
        }
    }

    fn compare(&mut self, operand: &Operand, comparison: &Comparison) -> Result<(), Unsupported> {
        let value = self.bound_value(operand.kind, comparison)?;
        let postgres = self.dialect == Dialect::Postgres;
        // An absent value (NULL) must give false rather than NULL, so that
        // NOT stays two-valued: `x = ? AND x IS NOT NULL` is false for NULL
        // and, unlike COALESCE(x = ?, FALSE), still lets an index on x serve.
        let template = match comparison.op {
            CompareOp::Eq => "({x} = ? AND {x} IS NOT NULL)",
            CompareOp::Ne => "(NOT ({x} = ? AND {x} IS NOT NULL))",
            CompareOp::Co if postgres => "COALESCE(strpos({x}, ?) > 0, FALSE)",
            CompareOp::Co => "COALESCE(instr({x}, ?) > 0, FALSE)",
            CompareOp::Sw if postgres => "COALESCE(starts_with({x}, ?), FALSE)",
            CompareOp::Sw => "COALESCE(substr({x}, 1, length(?)) = ?, FALSE)",
            CompareOp::Ew if postgres => "COALESCE(right({x}, length(?)) = ?, FALSE)",
            CompareOp::Ew => {
                "COALESCE(length({x}) >= length(?) AND substr({x}, length({x}) - length(?) + 1) = ?, FALSE)"
            }
            CompareOp::Gt => "({x} > ? AND {x} IS NOT NULL)",
            CompareOp::Ge => "({x} >= ? AND {x} IS NOT NULL)",
            CompareOp::Lt => "({x} < ? AND {x} IS NOT NULL)",
            CompareOp::Le => "({x} <= ? AND {x} IS NOT NULL)",
        };
        let ordered = matches!(
            comparison.op,
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
        );
        let x = if ordered && postgres && operand.kind == Kind::Text {
            format!("{} COLLATE \"C\"", operand.sql)
        } else {
            operand.sql.clone()
        };
        // The template is split at its placeholders before the operand goes
        // in, so only the template's `?` take the bound value.
        let mut pieces = template.split('?');
        self.out
            .push(&pieces.next().unwrap_or_default().replace("{x}", &x));
        for piece in pieces {
            self.out.bind(value.clone());
            self.out.push(&piece.replace("{x}", &x));
        }
        Ok(())
    }

    fn bound_value(&self, kind: Kind, comparison: &Comparison) -> Result<Bind, Unsupported> {
        let attribute = &comparison.attribute;
        let unsupported = || {
            Unsupported(format!(
                "cannot compare '{}' with the value {:?}",
                display(attribute),
                comparison.value
            ))
        };
        Ok(match (kind, &comparison.value) {
            (Kind::Text, Literal::String(text)) => Bind::Text(attribute.comparable(text)),
            (Kind::Bool, Literal::Bool(value)) => Bind::Bool(*value),
            (Kind::BoolText, Literal::Bool(value)) => Bind::Text(value.to_string()),
            (Kind::Timestamp, Literal::String(text)) => Bind::Timestamp(
                chrono::DateTime::parse_from_rfc3339(text)
                    .map_err(|_| unsupported())?
                    .naive_utc(),
            ),
            _ => return Err(unsupported()),
        })
    }
}

fn display(attribute: &AttrRef) -> String {
    match attribute.sub_attribute() {
        Some(sub) => format!("{}.{sub}", attribute.name()),
        None => attribute.name().to_owned(),
    }
}

/// Doubles single quotes, for names inlined in SQL string literals (they
/// come from Roster's schemas, never from a request).
fn sql_quoted(text: &str) -> String {
    text.replace('\'', "''")
}

/// `$."a"."b"`: a SQLite JSON path whose keys may hold `:` and `.` (URNs).
fn sqlite_json_path(keys: &[&str]) -> String {
    let mut path = String::from("$");
    for key in keys {
        path.push_str(&format!(".\"{}\"", sql_quoted(&key.replace('"', "\\\""))));
    }
    path
}

/// `{"a","b"}`: a PostgreSQL text-array path for `#>` and `#>>`.
fn postgres_text_path(keys: &[&str]) -> String {
    let quoted: Vec<String> = keys
        .iter()
        .map(|key| format!("\"{}\"", sql_quoted(&key.replace('"', "\\\""))))
        .collect();
    format!("{{{}}}", quoted.join(","))
}
