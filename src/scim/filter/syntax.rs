//! The RFC 7644 §3.4.2.2 grammar, by `scim_v2`'s parser, with its errors
//! turned into details a person can act on, and the [`FilterLimits`].

use scim_v2::filter::{
    self as grammar, FilterActionError, MAX_FILTER_DEPTH, MAX_FILTER_TERMS, ParseError,
};

use super::FilterLimits;
use crate::scim::ScimError;

/// Refuses a filter longer than `limits.max_len` characters.
pub(super) fn check_length(text: &str, limits: &FilterLimits) -> Result<(), ScimError> {
    if text.len() <= limits.max_len {
        return Ok(());
    }
    let chars = text.chars().count();
    if chars <= limits.max_len {
        return Ok(());
    }
    Err(ScimError::invalid_filter(format!(
        "the filter is {chars} characters long; at most {} are accepted",
        limits.max_len
    )))
}

/// Parses `text` (already trimmed and normalized) with the RFC grammar and
/// applies the term and depth limits.
pub(super) fn parse(text: &str, limits: &FilterLimits) -> Result<grammar::Filter, ScimError> {
    let filter = match simple_equality(text) {
        Some(filter) => filter,
        None => text
            .parse::<grammar::Filter>()
            .map_err(|error| syntax_error(text, error))?,
    };
    let size = Size::of_filter(&filter);
    if size.terms > limits.max_terms {
        return Err(too_many_terms(size.terms, limits.max_terms));
    }
    if size.depth > limits.max_depth {
        return Err(too_deep(size.depth, limits.max_depth));
    }
    Ok(filter)
}

/// Words the grammar reads as operators or keywords, never as a name.
const KEYWORDS: [&str; 16] = [
    "and", "or", "not", "pr", "eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le", "true",
    "false", "null",
];

/// `name eq "text"`, the filter Okta and Entra send before every create,
/// built without the grammar, whose lexer costs more than the rest of a
/// lookup together (docs/PERFORMANCE.md). Only text whose parse is plain
/// takes this path — an ATTRNAME (a letter, then letters, digits, `_`, `-`)
/// that is no keyword, exactly ` eq `, a string without `"`, `\` or control
/// characters — and it gives what the grammar gives (a unit test compares
/// them); anything else goes to the grammar.
fn simple_equality(text: &str) -> Option<grammar::Filter> {
    let (name, rest) = text.split_once(" eq ")?;
    let value = rest.strip_prefix('"')?.strip_suffix('"')?;
    let plain_name = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !KEYWORDS.iter().any(|word| word.eq_ignore_ascii_case(name));
    let plain_value = !value.contains(['"', '\\']) && !value.chars().any(char::is_control);
    (plain_name && plain_value).then(|| {
        grammar::Filter::Attr(grammar::AttrExp::Comparison(
            grammar::AttrPath::with_name(name),
            grammar::CompareOp::Eq,
            grammar::CompValue::Str(value.to_owned()),
        ))
    })
}

fn too_many_terms(terms: usize, max: usize) -> ScimError {
    ScimError::invalid_filter(format!(
        "the filter has {terms} comparisons; at most {max} are accepted"
    ))
}

fn too_deep(depth: usize, max: usize) -> ScimError {
    ScimError::invalid_filter(format!(
        "the filter is nested {depth} levels deep; at most {max} are accepted"
    ))
}

fn syntax_error(text: &str, error: ParseError) -> ScimError {
    let detail = match error {
        ParseError::InvalidToken { location } => {
            format!("invalid filter syntax at '{}'", excerpt(text, location))
        }
        ParseError::UnrecognizedEof { .. } => format!(
            "the filter '{}' ends before it is complete (a value, ')' or ']' is missing?)",
            excerpt(text, 0)
        ),
        ParseError::UnrecognizedToken {
            token: (start, ..), ..
        }
        | ParseError::ExtraToken {
            token: (start, ..), ..
        } => format!("invalid filter syntax at '{}'", excerpt(text, start)),
        ParseError::User { error } => return action_error(error),
    };
    ScimError::invalid_filter(detail)
}

fn action_error(error: FilterActionError) -> ScimError {
    match error {
        FilterActionError::InvalidAttrPath(path) => ScimError::invalid_filter(format!(
            "attribute path '{path}' has more than one sub-attribute; \
             a filter names at most attribute.subAttribute"
        )),
        FilterActionError::InvalidAttrName(path) => ScimError::invalid_filter(format!(
            "'{path}' is not an attribute path: each name starts with a letter, \
             followed by letters, digits, '-' or '_'"
        )),
        FilterActionError::InvalidCompValue(cause) => {
            ScimError::invalid_filter(format!("invalid string value in the filter: {cause}"))
        }
        FilterActionError::TooManyTerms(terms) => too_many_terms(terms, MAX_FILTER_TERMS),
        FilterActionError::DepthExceeded(depth) => too_deep(depth, MAX_FILTER_DEPTH),
        other => ScimError::invalid_filter(format!("invalid filter: {other}")),
    }
}

/// Up to 30 characters of `text` from byte `at` (or from the nearest
/// character boundary before it).
fn excerpt(text: &str, at: usize) -> String {
    let start = (0..=at.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let rest = text.get(start..).unwrap_or_default();
    let mut excerpt: String = rest.chars().take(30).collect();
    if rest.chars().nth(30).is_some() {
        excerpt.push('…');
    }
    excerpt
}

/// Terms and depth, measured as [`FilterLimits`] documents them (which is
/// how `scim_v2` measures them too).
#[derive(Debug, Clone, Copy, Default)]
struct Size {
    terms: usize,
    depth: usize,
}

impl Size {
    const TERM: Size = Size { terms: 1, depth: 1 };

    fn of_filter(filter: &grammar::Filter) -> Size {
        match filter {
            grammar::Filter::Attr(_) => Self::TERM,
            grammar::Filter::ValuePath(path) => Self::of_element_filter(&path.filter).nested(),
            grammar::Filter::Not(inner) => Self::of_filter(inner).nested(),
            grammar::Filter::And(items) | grammar::Filter::Or(items) => {
                Self::all(items.iter().map(Self::of_filter))
            }
        }
    }

    fn of_element_filter(filter: &grammar::ValFilter) -> Size {
        match filter {
            grammar::ValFilter::Attr(_) => Self::TERM,
            grammar::ValFilter::Not(inner) => Self::of_element_filter(inner).nested(),
            grammar::ValFilter::And(items) | grammar::ValFilter::Or(items) => {
                Self::all(items.iter().map(Self::of_element_filter))
            }
        }
    }

    /// The operands of one `and` or `or` chain.
    fn all(operands: impl Iterator<Item = Size>) -> Size {
        operands
            .fold(Size::default(), |total, operand| Size {
                terms: total.terms + operand.terms,
                depth: total.depth.max(operand.depth),
            })
            .nested()
    }

    fn nested(self) -> Size {
        Size {
            depth: self.depth + 1,
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simple_equality_path_gives_what_the_grammar_gives() {
        for text in [
            r#"userName eq "bjensen@example.com""#,
            r#"externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef""#,
            r#"displayName eq "Sales & Marketing (EMEA)""#,
            r#"userName eq """#,
            r#"user_name-2 eq "é ü 漢字""#,
        ] {
            let fast = simple_equality(text).unwrap_or_else(|| panic!("{text}"));
            let parsed = text
                .parse::<grammar::Filter>()
                .unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(fast, parsed, "{text}");
        }
    }

    #[test]
    fn anything_less_plain_goes_to_the_grammar() {
        for text in [
            r#"userName eq "a\"b""#,
            r#"userName eq "a\\b""#,
            r#"userName eq "a"b""#,
            "userName eq \"tab\there\"",
            r#"name.familyName eq "x""#,
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x""#,
            r#"emails[type eq "work"]"#,
            r#"and eq "x""#,
            r#"Not eq "x""#,
            r#"userName eq "x" or userName eq "y""#,
            r#"userName  eq "x""#,
            r#"userName eq 5"#,
            r#"1userName eq "x""#,
        ] {
            assert_eq!(simple_equality(text), None, "{text}");
        }
    }
}
