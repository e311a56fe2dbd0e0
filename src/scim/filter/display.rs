//! The canonical text of a filter: the RFC 7644 §3.4.2.2 syntax with
//! lowercase operators, schema-spelled attribute names, extension attributes
//! qualified with their URN, JSON literals, and parentheses only where
//! precedence needs them (`not` > `and` > `or`).

use std::fmt::{self, Display, Formatter};

use super::{AttrRef, CompareOp, Filter, Literal, ValueType};

impl Display for Filter {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_filter(self, f, Scope::Resource)
    }
}

/// Where a filter is printed: at the top, or inside `attr[…]`, where paths
/// are the element's sub-attributes alone.
#[derive(Clone, Copy)]
enum Scope {
    Resource,
    Element,
}

fn write_filter(filter: &Filter, f: &mut Formatter<'_>, scope: Scope) -> fmt::Result {
    match filter {
        Filter::Compare(comparison) => {
            write_path(&comparison.attribute, f, scope)?;
            write!(f, " {} {}", comparison.op, comparison.value)
        }
        Filter::Present(attribute) => {
            write_path(attribute, f, scope)?;
            f.write_str(" pr")
        }
        Filter::And(left, right) => {
            write_operand(left, f, scope, matches!(**left, Filter::Or(..)))?;
            f.write_str(" and ")?;
            let nested = matches!(**right, Filter::Or(..) | Filter::And(..));
            write_operand(right, f, scope, nested)
        }
        Filter::Or(left, right) => {
            write_operand(left, f, scope, false)?;
            f.write_str(" or ")?;
            write_operand(right, f, scope, matches!(**right, Filter::Or(..)))
        }
        Filter::Not(inner) => {
            f.write_str("not (")?;
            write_filter(inner, f, scope)?;
            f.write_str(")")
        }
        Filter::ValuePath { attribute, filter } => {
            write!(f, "{attribute}[")?;
            write_filter(filter, f, Scope::Element)?;
            f.write_str("]")
        }
    }
}

fn write_operand(
    operand: &Filter,
    f: &mut Formatter<'_>,
    scope: Scope,
    parenthesize: bool,
) -> fmt::Result {
    if parenthesize {
        f.write_str("(")?;
        write_filter(operand, f, scope)?;
        f.write_str(")")
    } else {
        write_filter(operand, f, scope)
    }
}

fn write_path(attribute: &AttrRef, f: &mut Formatter<'_>, scope: Scope) -> fmt::Result {
    match (scope, attribute.sub_attribute) {
        (Scope::Element, Some(sub)) => f.write_str(sub),
        _ => write!(f, "{attribute}"),
    }
}

/// The attribute path in full: `userName`, `name.familyName`,
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
impl Display for AttrRef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(urn) = self.schema {
            write!(f, "{urn}:")?;
        }
        f.write_str(self.name)?;
        if let Some(sub) = self.sub_attribute {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl Display for CompareOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Co => "co",
            Self::Sw => "sw",
            Self::Ew => "ew",
            Self::Gt => "gt",
            Self::Ge => "ge",
            Self::Lt => "lt",
            Self::Le => "le",
        })
    }
}

/// The JSON text of the value (strings quoted and escaped).
impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::String(text) => {
                f.write_str(&serde_json::to_string(text).map_err(|_| fmt::Error)?)
            }
            Self::Bool(value) => write!(f, "{value}"),
            Self::Number(number) => write!(f, "{number}"),
            Self::Null => f.write_str("null"),
        }
    }
}

/// The type's name as RFC 7643 §2.3 spells it (`dateTime`).
impl Display for ValueType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::String => "string",
            Self::Boolean => "boolean",
            Self::Decimal => "decimal",
            Self::Integer => "integer",
            Self::DateTime => "dateTime",
            Self::Binary => "binary",
            Self::Reference => "reference",
            Self::Complex => "complex",
        })
    }
}
