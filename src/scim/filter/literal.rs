//! Typing a comparison (RFC 7644 §3.4.2.2): which operators an attribute's
//! type supports, and which values fit it, with the coercions the module
//! documentation lists.

use chrono::{DateTime, SecondsFormat, Utc};
use scim_v2::filter::CompValue;

use super::{AttrRef, CompareOp, Literal, ValueType};
use crate::scim::ScimError;

/// `value`, checked and coerced for `attribute op value`.
pub(super) fn typed(
    attribute: &AttrRef,
    op: CompareOp,
    value: &CompValue,
) -> Result<Literal, ScimError> {
    if matches!(value, CompValue::Null) {
        return null(attribute, op);
    }
    check_operator(attribute, op)?;
    match attribute.value_type {
        ValueType::String | ValueType::Reference | ValueType::Binary => string(attribute, value),
        ValueType::Boolean => boolean(attribute, value),
        ValueType::Integer => integer(attribute, value),
        ValueType::Decimal => decimal(attribute, value),
        ValueType::DateTime => date_time(attribute, value),
        ValueType::Complex => Err(ScimError::invalid_filter(format!(
            "'{}' is a complex attribute: compare one of its sub-attributes",
            attribute.short()
        ))),
    }
}

/// An RFC 3339 timestamp, normalized to UTC with as many fractional digits
/// as it needs: `2026-01-01T01:00:00.500+01:00` → `2026-01-01T00:00:00.500Z`.
pub(super) fn normalize_date_time(text: &str) -> Option<String> {
    let instant = DateTime::parse_from_rfc3339(text).ok()?;
    Some(
        instant
            .with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::AutoSi, true),
    )
}

fn null(attribute: &AttrRef, op: CompareOp) -> Result<Literal, ScimError> {
    match op {
        CompareOp::Eq | CompareOp::Ne => Ok(Literal::Null),
        _ => Err(ScimError::invalid_filter(format!(
            "'{} {op} null': only eq and ne compare with null",
            attribute.short()
        ))),
    }
}

fn check_operator(attribute: &AttrRef, op: CompareOp) -> Result<(), ScimError> {
    let value_type = attribute.value_type;
    let refused = match op {
        CompareOp::Eq | CompareOp::Ne => false,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
            !matches!(value_type, ValueType::String | ValueType::Reference)
        }
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => matches!(
            value_type,
            ValueType::Boolean | ValueType::Binary | ValueType::Complex
        ),
    };
    if !refused {
        return Ok(());
    }
    let supported = match value_type {
        ValueType::Boolean | ValueType::Binary | ValueType::Complex => "eq and ne",
        _ => "eq, ne, gt, ge, lt and le",
    };
    Err(ScimError::invalid_filter(format!(
        "'{op}' cannot compare '{}', a {value_type} attribute: use {supported}",
        attribute.short()
    )))
}

fn string(attribute: &AttrRef, value: &CompValue) -> Result<Literal, ScimError> {
    match value {
        CompValue::Str(text) => Ok(Literal::String(text.clone())),
        CompValue::Number(number) if number.is_i64() || number.is_u64() => {
            Ok(Literal::String(number.to_string()))
        }
        _ => Err(mismatch(
            attribute,
            value,
            "a string in double quotes, e.g. \"abc\"",
        )),
    }
}

fn boolean(attribute: &AttrRef, value: &CompValue) -> Result<Literal, ScimError> {
    match value {
        CompValue::True => Ok(Literal::Bool(true)),
        CompValue::False => Ok(Literal::Bool(false)),
        CompValue::Str(text) if text.eq_ignore_ascii_case("true") => Ok(Literal::Bool(true)),
        CompValue::Str(text) if text.eq_ignore_ascii_case("false") => Ok(Literal::Bool(false)),
        _ => Err(mismatch(attribute, value, "true or false")),
    }
}

fn integer(attribute: &AttrRef, value: &CompValue) -> Result<Literal, ScimError> {
    match value {
        CompValue::Number(number) if number.is_i64() || number.is_u64() => {
            Ok(Literal::Number(number.clone()))
        }
        _ => Err(mismatch(attribute, value, "a whole number, e.g. 42")),
    }
}

fn decimal(attribute: &AttrRef, value: &CompValue) -> Result<Literal, ScimError> {
    match value {
        CompValue::Number(number) => Ok(Literal::Number(number.clone())),
        _ => Err(mismatch(attribute, value, "a number, e.g. 4.2")),
    }
}

fn date_time(attribute: &AttrRef, value: &CompValue) -> Result<Literal, ScimError> {
    match value {
        CompValue::Str(text) => normalize_date_time(text).map(Literal::String),
        _ => None,
    }
    .ok_or_else(|| {
        mismatch(
            attribute,
            value,
            "an RFC 3339 timestamp in double quotes, e.g. \"2026-01-01T00:00:00Z\"",
        )
    })
}

fn mismatch(attribute: &AttrRef, value: &CompValue, expected: &str) -> ScimError {
    ScimError::invalid_filter(format!(
        "'{}' is a {} attribute: compare it with {expected}, not {value}",
        attribute.short(),
        attribute.value_type
    ))
}
