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
    let filter = text
        .parse::<grammar::Filter>()
        .map_err(|error| syntax_error(text, error))?;
    let size = Size::of_filter(&filter);
    if size.terms > limits.max_terms {
        return Err(too_many_terms(size.terms, limits.max_terms));
    }
    if size.depth > limits.max_depth {
        return Err(too_deep(size.depth, limits.max_depth));
    }
    Ok(filter)
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
