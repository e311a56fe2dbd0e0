//! Property tests: any well-typed filter over the User schema prints as text
//! that parses back to the same filter, and no text makes [`parse`] panic.

use chrono::{DateTime, SecondsFormat};
use proptest::prelude::*;
use proptest::sample::select;

use super::*;
use crate::scim::schema::{self, ResourceKind::User};
use crate::scim::urns;

/// Every filterable path of the User resource, with and without
/// sub-attributes (`password` and `$ref` are not filterable, so they drop out).
fn user_attributes() -> Vec<AttrRef> {
    let mut paths = Vec::new();
    for schema_id in [urns::USER, urns::ENTERPRISE_USER] {
        let prefix = if schema_id == urns::USER {
            String::new()
        } else {
            format!("{schema_id}:")
        };
        let names = schema::find(schema_id)
            .into_iter()
            .flat_map(|s| s.attributes.iter().map(|a| a.name.as_str()));
        let common = ["id", "externalId", "meta"]
            .into_iter()
            .filter(|_| prefix.is_empty());
        for name in names.chain(common) {
            paths.push(format!("{prefix}{name}"));
            let definition = schema::find_attribute(User, Some(schema_id), name);
            for sub in definition
                .iter()
                .flat_map(|d| d.definition.sub_attributes.as_slice())
            {
                paths.push(format!("{prefix}{name}.{}", sub.name));
            }
        }
    }
    paths
        .iter()
        .filter_map(|path| resolve::path(User, path).ok())
        .collect()
}

/// `left and right`, kept nested to the left as [`parse`] makes it.
fn and(left: Filter, right: Filter) -> Filter {
    match right {
        Filter::And(middle, right) => Filter::And(Box::new(and(left, *middle)), right),
        right => Filter::And(Box::new(left), Box::new(right)),
    }
}

fn or(left: Filter, right: Filter) -> Filter {
    match right {
        Filter::Or(middle, right) => Filter::Or(Box::new(or(left, *middle)), right),
        right => Filter::Or(Box::new(left), Box::new(right)),
    }
}

fn ops(ops: &'static [CompareOp]) -> BoxedStrategy<CompareOp> {
    select(ops).boxed()
}

const ALL: &[CompareOp] = &[
    CompareOp::Eq,
    CompareOp::Ne,
    CompareOp::Co,
    CompareOp::Sw,
    CompareOp::Ew,
    CompareOp::Gt,
    CompareOp::Ge,
    CompareOp::Lt,
    CompareOp::Le,
];
const EQUALITY: &[CompareOp] = &[CompareOp::Eq, CompareOp::Ne];
const ORDERING: &[CompareOp] = &[
    CompareOp::Eq,
    CompareOp::Ne,
    CompareOp::Gt,
    CompareOp::Ge,
    CompareOp::Lt,
    CompareOp::Le,
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..12).prop_map(String::from_iter)
}

fn date_time() -> impl Strategy<Value = String> {
    // Years 1 to 9999, any nanosecond.
    (-62_135_596_800_i64..253_402_300_799, 0_u32..1_000_000_000).prop_filter_map(
        "a representable instant",
        |(seconds, nanos)| {
            DateTime::from_timestamp(seconds, nanos)
                .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        },
    )
}

/// An operator and a value that fit `attribute`'s type, in canonical form.
fn comparison(attribute: AttrRef) -> BoxedStrategy<Filter> {
    let typed: BoxedStrategy<(CompareOp, Literal)> = match attribute.value_type() {
        ValueType::String | ValueType::Reference => {
            (ops(ALL), text().prop_map(Literal::String)).boxed()
        }
        ValueType::Binary => (ops(EQUALITY), text().prop_map(Literal::String)).boxed(),
        ValueType::Boolean => (ops(EQUALITY), any::<bool>().prop_map(Literal::Bool)).boxed(),
        ValueType::DateTime => (ops(ORDERING), date_time().prop_map(Literal::String)).boxed(),
        ValueType::Integer => (
            ops(ORDERING),
            any::<i64>().prop_map(|n| Literal::Number(n.into())),
        )
            .boxed(),
        ValueType::Decimal | ValueType::Complex => (
            ops(ORDERING),
            (-1e9_f64..1e9).prop_filter_map("finite", |x| {
                serde_json::Number::from_f64(x).map(Literal::Number)
            }),
        )
            .boxed(),
    };
    let null = (ops(EQUALITY), Just(Literal::Null)).boxed();
    prop_oneof![9 => typed, 1 => null]
        .prop_map(move |(op, value)| {
            Filter::Compare(Comparison {
                attribute,
                op,
                value,
            })
        })
        .boxed()
}

/// A comparison or a presence test on one of `attributes` (complex ones are
/// only tested for presence: compared, they read as `.value`).
fn term(attributes: Vec<AttrRef>) -> BoxedStrategy<Filter> {
    select(attributes)
        .prop_flat_map(|attribute| {
            let present = Just(Filter::Present(attribute));
            if attribute.value_type() == ValueType::Complex {
                present.boxed()
            } else {
                prop_oneof![1 => present, 4 => comparison(attribute)].boxed()
            }
        })
        .boxed()
}

/// `and`, `or` and `not` over `leaf`.
fn tree(leaf: BoxedStrategy<Filter>, depth: u32) -> BoxedStrategy<Filter> {
    leaf.prop_recursive(depth, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| and(l, r)),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| or(l, r)),
            inner.prop_map(|f| Filter::Not(Box::new(f))),
        ]
    })
    .boxed()
}

fn value_path(attributes: Vec<AttrRef>) -> BoxedStrategy<Filter> {
    let parents: Vec<AttrRef> = attributes
        .iter()
        .copied()
        .filter(|a| a.value_type() == ValueType::Complex && a.multi_valued())
        .collect();
    select(parents)
        .prop_flat_map(move |parent| {
            let elements: Vec<AttrRef> = attributes
                .iter()
                .copied()
                .filter(|a| {
                    (a.schema(), a.name()) == (parent.schema(), parent.name())
                        && a.sub_attribute().is_some()
                })
                .collect();
            tree(term(elements), 2).prop_map(move |inner| Filter::ValuePath {
                attribute: parent,
                filter: Box::new(inner),
            })
        })
        .boxed()
}

fn user_filter() -> BoxedStrategy<Filter> {
    let attributes = user_attributes();
    let leaf = prop_oneof![3 => term(attributes.clone()), 1 => value_path(attributes)].boxed();
    tree(leaf, 4)
}

fn generous() -> FilterLimits {
    FilterLimits {
        max_len: usize::MAX,
        max_terms: 1024,
        max_depth: 64,
    }
}

fn piece() -> impl Strategy<Value = String> {
    let pieces = select(vec![
        "userName",
        "emails",
        ".value",
        "name.familyName",
        "Emails.Value",
        "members",
        "type",
        "meta.lastModified",
        "password",
        "active",
        "urn:ietf:params:scim:schemas:core:2.0:User:",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        " ",
        "\t",
        " eq ",
        "eq",
        " co ",
        " gt ",
        " pr",
        " and ",
        " or ",
        "not",
        "not(",
        "not ",
        "(",
        ")",
        "[",
        "]",
        ".",
        "\"x\"",
        "\"",
        "\\",
        "\\\"",
        "True",
        "null",
        "12",
        "-1.5e3",
        "jyoung",
        "\"2026-01-01T00:00:00Z\"",
        "é",
        "😀",
    ]);
    prop_oneof![4 => pieces.prop_map(String::from), 1 => any::<char>().prop_map(String::from)]
}

/// Pieces of filters, joined at random.
fn filter_like() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..24).prop_map(|pieces| pieces.concat())
}

/// A valid filter's text with a few characters removed, pieces inserted,
/// or letters' case flipped: near-misses that reach every branch.
fn mutated() -> impl Strategy<Value = String> {
    let edit = (any::<prop::sample::Index>(), 0_u8..3, piece());
    (user_filter(), prop::collection::vec(edit, 1..4)).prop_map(|(filter, edits)| {
        let mut chars: Vec<char> = filter.to_string().chars().collect();
        for (at, kind, piece) in edits {
            let at = at.index(chars.len() + 1);
            match kind {
                0 if at < chars.len() => {
                    chars.remove(at);
                }
                1 => {
                    chars.splice(at..at, piece.chars());
                }
                _ => {
                    if let Some(c) = chars.get_mut(at) {
                        *c = if c.is_lowercase() {
                            c.to_ascii_uppercase()
                        } else {
                            c.to_ascii_lowercase()
                        };
                    }
                }
            }
        }
        String::from_iter(chars)
    })
}

/// Whatever is accepted prints as a filter that parses back to itself.
fn accepted_text_has_a_stable_print(text: &str) -> Result<(), TestCaseError> {
    for kind in [User, schema::ResourceKind::Group] {
        if let Ok(filter) = parse(kind, text, &FilterLimits::default()) {
            prop_assert_eq!(parse(kind, &filter.to_string(), &generous()), Ok(filter));
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn printed_filters_parse_back_to_themselves(filter in user_filter()) {
        let text = filter.to_string();
        let parsed = parse(User, &text, &generous());
        prop_assert_eq!(parsed, Ok(filter), "{}", text);
    }

    #[test]
    fn no_text_makes_parse_panic(text in prop::collection::vec(any::<char>(), 0..100)) {
        let text = String::from_iter(text);
        let _ = parse(User, &text, &FilterLimits::default());
    }

    #[test]
    fn no_filter_like_text_makes_parse_panic(text in filter_like()) {
        accepted_text_has_a_stable_print(&text)?;
    }

    #[test]
    fn no_near_miss_makes_parse_panic(text in mutated()) {
        accepted_text_has_a_stable_print(&text)?;
    }
}
