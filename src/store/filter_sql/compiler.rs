//! The compiler of one filter (RFC 7644 §3.4.2.2) into SQL for one
//! [`Source`]: where each attribute is read from (column, element table or
//! JSON document), how each comparison is written for each dialect, every
//! literal bound, never spliced. The module above documents the semantics.

use super::super::sql::{Bind, Dialect, Sql};
use super::{Column, ElementTable, Source, Unsupported};
use crate::scim::filter::{AttrRef, CompareOp, Comparison, Filter, Literal};

/// What attribute paths in the filter being compiled are relative to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    /// The resource row.
    Row,
    /// One element of a multi-valued attribute in the JSON document.
    JsonElement,
    /// One row of the source's element table.
    TableElement,
}

/// How a value read by SQL compares with a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    /// A boolean SQL value (a column, or a JSON boolean on SQLite, which
    /// `json_extract` reads as 0/1).
    Bool,
    /// A JSON boolean read as the text `true`/`false` (PostgreSQL `->>`).
    BoolText,
    Timestamp,
}

/// A value expression and how it compares.
pub(super) struct Operand {
    pub(super) sql: String,
    pub(super) kind: Kind,
}

pub(super) struct Compiler<'a> {
    pub(super) source: &'a Source,
    pub(super) dialect: Dialect,
    pub(super) account: &'a str,
    pub(super) out: Sql,
}

impl Compiler<'_> {
    pub(super) fn filter(&mut self, filter: &Filter, scope: Scope) -> Result<(), Unsupported> {
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
    pub(super) fn row_operand(&self, attribute: &AttrRef) -> Result<Operand, Unsupported> {
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
    pub(super) fn first_element(&self, attribute: &AttrRef) -> Operand {
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
