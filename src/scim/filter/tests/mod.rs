//! Unit tests of [`parse`](super::parse): what identity providers send, the
//! grammar, and every refusal. Each accepted filter is also printed and
//! parsed again.

mod grammar;
mod idp;
mod refusals;

use super::*;
use crate::scim::ScimType;
use crate::scim::schema::ResourceKind::{Group, User};
use crate::scim::urns;

pub(super) fn parsed(kind: ResourceKind, text: &str) -> Filter {
    let filter =
        parse(kind, text, &FilterLimits::default()).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    let again = parse(kind, &filter.to_string(), &FilterLimits::default())
        .unwrap_or_else(|e| panic!("{filter} (from {text:?}) must parse again: {e}"));
    assert_eq!(
        again, filter,
        "{text:?} must print as a filter that parses back"
    );
    filter
}

pub(super) fn user(text: &str) -> Filter {
    parsed(User, text)
}

pub(super) fn refused_with_limits(kind: ResourceKind, text: &str, limits: &FilterLimits) -> String {
    let error = parse(kind, text, limits).expect_err(text);
    assert_eq!(error.status, 400, "{text}");
    assert_eq!(error.scim_type, Some(ScimType::InvalidFilter), "{text}");
    error.detail
}

/// Asserts `text` is refused on `kind` with a detail containing `expected`.
pub(super) fn refused(kind: ResourceKind, text: &str, expected: &str) {
    let detail = refused_with_limits(kind, text, &FilterLimits::default());
    assert!(
        detail.contains(expected),
        "{text:?}: detail {detail:?} lacks {expected:?}"
    );
}

pub(super) fn attr(kind: ResourceKind, path: &str) -> AttrRef {
    resolve::path(kind, path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub(super) fn compare(kind: ResourceKind, path: &str, op: CompareOp, value: Literal) -> Filter {
    Filter::Compare(Comparison {
        attribute: attr(kind, path),
        op,
        value,
    })
}

pub(super) fn eq(kind: ResourceKind, path: &str, value: &str) -> Filter {
    compare(kind, path, CompareOp::Eq, Literal::String(value.into()))
}

pub(super) fn and(left: Filter, right: Filter) -> Filter {
    Filter::And(Box::new(left), Box::new(right))
}

pub(super) fn or(left: Filter, right: Filter) -> Filter {
    Filter::Or(Box::new(left), Box::new(right))
}

pub(super) fn not(inner: Filter) -> Filter {
    Filter::Not(Box::new(inner))
}

pub(super) fn present(path: &str) -> Filter {
    Filter::Present(attr(User, path))
}
