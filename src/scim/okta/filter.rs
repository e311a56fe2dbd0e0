//! Filters on Roles and Entitlements (RFC 7644 §3.4.2.2, over the two
//! attributes they are looked up by): `id` (case-exact) and `displayName`
//! (case-insensitive, as [`fold_case`] compares), with `eq`, `ne`, `co`,
//! `sw`, `ew` and `pr`, joined by `and` and `or` (`and` binds tighter; no
//! parentheses or `not`). The catalog is small and in memory, so the filter
//! is evaluated there, not compiled to SQL. Anything else is a 400
//! `invalidFilter` naming the problem.

use crate::access::entitlements::Offer;
use crate::model::fold_case;
use crate::scim::ScimError;
use crate::scim::filter::FilterLimits;

/// A parsed filter: a disjunction of conjunctions of terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferFilter(Vec<Vec<Term>>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    display_name: bool,
    op: Op,
    value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Pr,
}

/// Splits the text into words and JSON strings (`Ok`: a string literal).
fn tokens(text: &str) -> Result<Vec<Result<String, String>>, ScimError> {
    let mut tokens = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        if rest.starts_with('"') {
            let mut escaped = false;
            let end = rest
                .char_indices()
                .skip(1)
                .find(|&(_, c)| {
                    let closes = c == '"' && !escaped;
                    escaped = c == '\\' && !escaped;
                    closes
                })
                .map(|(at, _)| at)
                .ok_or_else(|| ScimError::invalid_filter("a string is not closed with '\"'"))?;
            let literal = serde_json::from_str::<String>(&rest[..=end])
                .map_err(|_| ScimError::invalid_filter("a string is not valid JSON"))?;
            tokens.push(Ok(literal));
            rest = &rest[end + 1..];
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            tokens.push(Err(rest[..end].to_owned()));
            rest = &rest[end..];
        }
        rest = rest.trim_start();
    }
    Ok(tokens)
}

impl OfferFilter {
    /// Parses `text` within the limits' length and number of terms.
    pub fn parse(text: &str, limits: &FilterLimits) -> Result<Self, ScimError> {
        if text.chars().count() > limits.max_len {
            return Err(ScimError::invalid_filter(format!(
                "the filter is longer than {} characters",
                limits.max_len
            )));
        }
        let mut tokens = tokens(text)?.into_iter();
        let mut filter = vec![Vec::new()];
        let mut terms = 0;
        loop {
            let attribute = match tokens.next() {
                Some(Err(word)) => word,
                _ => {
                    return Err(ScimError::invalid_filter(
                        "expected an attribute (id or displayName), as in displayName eq \"x\"",
                    ));
                }
            };
            let display_name = if attribute.eq_ignore_ascii_case("displayName") {
                true
            } else if attribute.eq_ignore_ascii_case("id") {
                false
            } else {
                return Err(ScimError::invalid_filter(format!(
                    "'{}' cannot be filtered on here: use id or displayName",
                    attribute.chars().take(64).collect::<String>()
                )));
            };
            let op = match tokens.next() {
                Some(Err(word)) => match word.to_ascii_lowercase().as_str() {
                    "eq" => Op::Eq,
                    "ne" => Op::Ne,
                    "co" => Op::Co,
                    "sw" => Op::Sw,
                    "ew" => Op::Ew,
                    "pr" => Op::Pr,
                    _ => {
                        return Err(ScimError::invalid_filter(
                            "expected an operator: eq, ne, co, sw, ew or pr",
                        ));
                    }
                },
                _ => {
                    return Err(ScimError::invalid_filter(
                        "expected an operator: eq, ne, co, sw, ew or pr",
                    ));
                }
            };
            let value = if op == Op::Pr {
                String::new()
            } else {
                match tokens.next() {
                    Some(Ok(value)) => value,
                    _ => {
                        return Err(ScimError::invalid_filter(
                            "expected a quoted string after the operator",
                        ));
                    }
                }
            };
            terms += 1;
            if terms > limits.max_terms {
                return Err(ScimError::invalid_filter(format!(
                    "the filter has more than {} terms",
                    limits.max_terms
                )));
            }
            let (value, display_name) = if display_name {
                (fold_case(&value), true)
            } else {
                (value, false)
            };
            if let Some(last) = filter.last_mut() {
                last.push(Term {
                    display_name,
                    op,
                    value,
                });
            }
            match tokens.next() {
                None => return Ok(Self(filter)),
                Some(Err(word)) if word.eq_ignore_ascii_case("and") => {}
                Some(Err(word)) if word.eq_ignore_ascii_case("or") => filter.push(Vec::new()),
                Some(_) => {
                    return Err(ScimError::invalid_filter(
                        "expected 'and' or 'or' between conditions",
                    ));
                }
            }
        }
    }

    /// Whether the offer meets the filter.
    pub fn matches(&self, offer: &Offer) -> bool {
        self.0.iter().any(|all| {
            all.iter().all(|term| {
                let actual = if term.display_name {
                    fold_case(&offer.display_name)
                } else {
                    offer.id.clone()
                };
                let wanted = term.value.as_str();
                match term.op {
                    Op::Eq => actual == wanted,
                    Op::Ne => actual != wanted,
                    Op::Co => actual.contains(wanted),
                    Op::Sw => actual.starts_with(wanted),
                    Op::Ew => actual.ends_with(wanted),
                    Op::Pr => true,
                }
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(id: &str, display_name: &str) -> Offer {
        Offer {
            id: id.into(),
            display_name: display_name.into(),
            description: String::new(),
        }
    }

    #[test]
    fn filters_on_id_and_display_name() {
        let limits = FilterLimits::default();
        let editor = offer("prod:editor", "Production — editor");
        let viewer = offer("prod:viewer", "Production — viewer");
        let cases = [
            (r#"id eq "prod:editor""#, true, false),
            (r#"ID EQ "Prod:Editor""#, false, false),
            (r#"displayName eq "production — EDITOR""#, true, false),
            (
                r#"displayName sw "Production" and id ew "viewer""#,
                false,
                true,
            ),
            (r#"id eq "prod:editor" or id eq "prod:viewer""#, true, true),
            (r#"id ne "prod:editor""#, false, true),
            (r#"displayName co "tion \u2014 v""#, false, true),
            ("id pr", true, true),
        ];
        for (text, first, second) in cases {
            let filter = OfferFilter::parse(text, &limits).unwrap();
            assert_eq!(
                (filter.matches(&editor), filter.matches(&viewer)),
                (first, second),
                "{text}"
            );
        }
    }

    #[test]
    fn anything_else_is_an_invalid_filter() {
        let limits = FilterLimits {
            max_len: 40,
            max_terms: 2,
            max_depth: 16,
        };
        for text in [
            "",
            r#"description eq "x""#,
            r#"id gt "x""#,
            "id eq x",
            r#"id eq "x"#,
            r#"id eq "x" nor id eq "y""#,
            r#"id eq "x" and"#,
            r#"id pr and id pr and id pr"#,
            r#"(id eq "x")"#,
            // 41 characters, one above the limit.
            &format!(r#"id eq "{}""#, "x".repeat(33)),
        ] {
            let error = OfferFilter::parse(text, &limits).unwrap_err();
            assert_eq!(
                (error.status, error.scim_type),
                (400, Some(crate::scim::ScimType::InvalidFilter)),
                "{text}"
            );
        }
        assert!(OfferFilter::parse(r#"id pr and id pr"#, &limits).is_ok());
        // 40 characters: at the limit.
        assert!(OfferFilter::parse(&format!(r#"id eq "{}""#, "x".repeat(32)), &limits).is_ok());
    }
}
