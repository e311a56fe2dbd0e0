//! Value filters inside PATCH paths (`emails[type eq "work"]`), resolved against
//! the attribute's sub-attributes and evaluated in memory on one element
//! (RFC 7644 §3.4.2.2 operators: `eq ne co sw ew pr gt ge lt le`, `and or not`).
//!
//! Strings compare case-insensitively unless the sub-attribute is `caseExact`;
//! booleans accept `"True"`/`"false"` strings on either side (Entra sends
//! `roles[primary eq "True"]`); `dateTime` values compare as instants.

use std::cmp::Ordering;
use std::fmt;

use chrono::{DateTime, FixedOffset};
use scim_v2::filter::{AttrExp, AttrPath, CompValue, CompareOp, ValFilter};
use scim_v2::models::scim_schema::{Attributes, SubAttributes};
use serde_json::{Map, Value};

use super::ScimError;
use super::path::shown;
use super::value::{as_bool, field};

/// A value filter on the elements of one multi-valued complex attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum ElementFilter {
    /// `type pr`: the sub-attribute has a value.
    Present(&'static SubAttributes),
    /// `type eq "work"` and the other comparisons.
    Compare {
        sub: &'static SubAttributes,
        op: CompareOp,
        value: CompValue,
    },
    Not(Box<ElementFilter>),
    And(Vec<ElementFilter>),
    Or(Vec<ElementFilter>),
}

impl ElementFilter {
    /// Resolves the names in `raw` against the sub-attributes of `definition`;
    /// `text` is the whole path, for error messages.
    pub(super) fn resolve(
        definition: &'static Attributes,
        raw: &ValFilter,
        text: &str,
    ) -> Result<Self, ScimError> {
        let all = |items: &[ValFilter]| -> Result<Vec<Self>, ScimError> {
            items
                .iter()
                .map(|item| Self::resolve(definition, item, text))
                .collect()
        };
        match raw {
            ValFilter::Attr(AttrExp::Present(path)) => {
                Ok(Self::Present(filter_sub(definition, path, text)?))
            }
            ValFilter::Attr(AttrExp::Comparison(path, op, value)) => {
                let sub = filter_sub(definition, path, text)?;
                check_operator(sub, op, value)?;
                Ok(Self::Compare {
                    sub,
                    op: op.clone(),
                    value: value.clone(),
                })
            }
            ValFilter::Not(inner) => {
                Ok(Self::Not(Box::new(Self::resolve(definition, inner, text)?)))
            }
            ValFilter::And(items) => all(items).map(Self::And),
            ValFilter::Or(items) => all(items).map(Self::Or),
        }
    }

    /// Whether `element`, one value of the multi-valued attribute, matches.
    pub fn matches(&self, element: &Value) -> bool {
        match self {
            Self::Present(sub) => field(element, &sub.name).is_some_and(is_assigned),
            Self::Compare { sub, op, value } => compare(sub, op, value, field(element, &sub.name)),
            Self::Not(inner) => !inner.matches(element),
            Self::And(items) => items.iter().all(|item| item.matches(element)),
            Self::Or(items) => items.iter().any(|item| item.matches(element)),
        }
    }

    /// The element this filter describes when it is an `eq` term or an `and`
    /// of `eq` terms (`type eq "work"` → `{"type": "work"}`): what `add` and
    /// `replace` create when nothing matches. `None` for any other filter.
    pub(super) fn seed(&self) -> Option<Map<String, Value>> {
        match self {
            Self::Compare {
                sub,
                op: CompareOp::Eq,
                value,
            } => {
                let mut seed = Map::new();
                seed.insert(sub.name.clone(), seed_value(sub, value)?);
                Some(seed)
            }
            Self::And(items) => items.iter().try_fold(Map::new(), |mut seed, item| {
                seed.extend(item.seed()?);
                Some(seed)
            }),
            _ => None,
        }
    }
}

impl fmt::Display for ElementFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, items: &[Self], word: &str| -> fmt::Result {
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    write!(f, " {word} ")?;
                }
                match item {
                    Self::Or(_) | Self::And(_) => write!(f, "({item})")?,
                    _ => write!(f, "{item}")?,
                }
            }
            Ok(())
        };
        match self {
            Self::Present(sub) => write!(f, "{} pr", sub.name),
            Self::Compare { sub, op, value } => write!(f, "{} {op} {value}", sub.name),
            Self::Not(inner) => write!(f, "not ({inner})"),
            Self::And(items) => join(f, items, "and"),
            Self::Or(items) => join(f, items, "or"),
        }
    }
}

fn filter_sub(
    definition: &'static Attributes,
    path: &AttrPath,
    text: &str,
) -> Result<&'static SubAttributes, ScimError> {
    let found = match (&path.uri, &path.sub_attr) {
        (None, None) => crate::scim::schema::find_sub_attribute(definition, &path.name),
        _ => None,
    };
    found.ok_or_else(|| {
        ScimError::invalid_path(format!(
            "`{}`: inside [ ] name a sub-attribute of `{}`; `{path}` is not one",
            shown(text),
            definition.name
        ))
    })
}

fn check_operator(sub: &SubAttributes, op: &CompareOp, value: &CompValue) -> Result<(), ScimError> {
    let boolean = sub.r#type == "boolean";
    if boolean && !matches!(op, CompareOp::Eq | CompareOp::Ne) {
        return Err(ScimError::invalid_filter(format!(
            "`{}` is a boolean: compare it with `eq` or `ne`",
            sub.name
        )));
    }
    if boolean && !matches!(value, CompValue::Null) && expected_bool(value).is_none() {
        return Err(ScimError::invalid_filter(format!(
            "`{}` is a boolean: compare it with true or false",
            sub.name
        )));
    }
    Ok(())
}

/// RFC 7643 §2.5: null, an empty string, list or object are "unassigned".
fn is_assigned(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(members) => !members.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn compare(
    sub: &SubAttributes,
    op: &CompareOp,
    expected: &CompValue,
    actual: Option<&Value>,
) -> bool {
    let actual = actual.filter(|value| is_assigned(value));
    let Some(actual) = actual else {
        // An unassigned sub-attribute equals only null.
        return match expected {
            CompValue::Null => matches!(op, CompareOp::Eq),
            _ => matches!(op, CompareOp::Ne),
        };
    };
    if matches!(expected, CompValue::Null) {
        return matches!(op, CompareOp::Ne);
    }
    match sub.r#type.as_str() {
        "boolean" => match (as_bool(actual), expected_bool(expected)) {
            (Some(a), Some(e)) => ordered(op, Some(a.cmp(&e))),
            _ => matches!(op, CompareOp::Ne),
        },
        "integer" | "decimal" => {
            let ordering = actual
                .as_f64()
                .zip(expected_number(expected))
                .and_then(|(a, e)| a.partial_cmp(&e));
            ordered(op, ordering)
        }
        "dateTime" => {
            let instants = actual
                .as_str()
                .and_then(instant)
                .zip(expected_text(expected).as_deref().and_then(instant));
            match instants {
                Some((a, e)) => ordered(op, Some(a.cmp(&e))),
                None => compare_text(sub, op, expected, actual),
            }
        }
        _ => compare_text(sub, op, expected, actual),
    }
}

fn compare_text(sub: &SubAttributes, op: &CompareOp, expected: &CompValue, actual: &Value) -> bool {
    let (Some(actual), Some(expected)) = (actual.as_str(), expected_text(expected)) else {
        return matches!(op, CompareOp::Ne);
    };
    let fold = |text: &str| {
        if sub.case_exact == Some(true) {
            text.to_owned()
        } else {
            crate::model::fold_case(text)
        }
    };
    let (actual, expected) = (fold(actual), fold(&expected));
    match op {
        CompareOp::Co => actual.contains(&expected),
        CompareOp::Sw => actual.starts_with(&expected),
        CompareOp::Ew => actual.ends_with(&expected),
        _ => ordered(op, Some(actual.cmp(&expected))),
    }
}

/// Applies an ordering operator; `None` (incomparable) matches only `ne`.
fn ordered(op: &CompareOp, ordering: Option<Ordering>) -> bool {
    let Some(ordering) = ordering else {
        return matches!(op, CompareOp::Ne);
    };
    match op {
        CompareOp::Eq => ordering.is_eq(),
        CompareOp::Ne => ordering.is_ne(),
        CompareOp::Gt => ordering.is_gt(),
        CompareOp::Ge => ordering.is_ge(),
        CompareOp::Lt => ordering.is_lt(),
        CompareOp::Le => ordering.is_le(),
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn expected_bool(value: &CompValue) -> Option<bool> {
    match value {
        CompValue::True => Some(true),
        CompValue::False => Some(false),
        CompValue::Str(text) => as_bool(&Value::String(text.clone())),
        CompValue::Null | CompValue::Number(_) => None,
    }
}

fn expected_number(value: &CompValue) -> Option<f64> {
    match value {
        CompValue::Number(number) => number.as_f64(),
        CompValue::Str(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn expected_text(value: &CompValue) -> Option<String> {
    match value {
        CompValue::Str(text) => Some(text.clone()),
        CompValue::Number(number) => Some(number.to_string()),
        CompValue::True => Some("true".to_owned()),
        CompValue::False => Some("false".to_owned()),
        CompValue::Null => None,
    }
}

fn instant(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text).ok()
}

/// The JSON value of an `eq` term, typed as its sub-attribute.
fn seed_value(sub: &SubAttributes, value: &CompValue) -> Option<Value> {
    match sub.r#type.as_str() {
        "boolean" => expected_bool(value).map(Value::Bool),
        "integer" | "decimal" => match value {
            CompValue::Number(number) => Some(Value::Number(number.clone())),
            _ => None,
        },
        _ => match value {
            CompValue::Str(text) if !text.is_empty() => Some(Value::String(text.clone())),
            _ => None,
        },
    }
}
