//! SCIM filters (RFC 7644 §3.4.2.2), parsed and resolved against Roster's
//! schemas into a typed AST that the store translates to SQL.
//!
//! [`parse`] runs in four steps:
//! 1. limits: the text's length ([`FilterLimits::max_len`]);
//! 2. [`lexical`] leniencies rewrite what real clients send into RFC syntax;
//! 3. the RFC grammar, by `scim_v2`'s parser, then the term and depth limits;
//! 4. [`resolve`]: every attribute path is looked up in the schema of the
//!    resource (case-insensitively, with or without its schema URN) and every
//!    comparison is checked against the attribute's type.
//!
//! Every failure is a 400 with `scimType` `invalidFilter` whose detail names
//! the problem and the attribute.
//!
//! # Leniencies (each one is deliberate; the RFC reading comes first)
//! - `not(…)` without a space is read as `not (…)`.
//! - `True`, `FALSE`, `Null`, … as comparison values are read as the JSON
//!   literals `true`, `false`, `null` (the RFC's JSON literals are lowercase).
//! - A bare word as the comparison value is a string: `externalId eq jyoung`
//!   (Entra's documented legacy form) means `externalId eq "jyoung"`; a bare
//!   JSON number stays a number.
//! - `emails[type eq "work"].value eq "x"`, which Entra sends although the
//!   RFC grammar only has it as a PATCH path, is read as a condition on one
//!   element: `emails[type eq "work" and value eq "x"]` (an element that is
//!   the work email *and* has that value), never as two conditions that two
//!   different elements could meet.
//! - A complex attribute compared directly is read as its `value`
//!   sub-attribute when it has one: `emails eq "x"` is `emails.value eq "x"`,
//!   and Entra's legacy probe `manager eq "<id>"` is `manager.value eq "<id>"`.
//!   Complex attributes without `value` (`name`, `addresses`, `meta`) must be
//!   compared through a sub-attribute.
//! - A boolean attribute compared with the string `"True"`/`"false"` (any
//!   case) takes the boolean, as Entra sends booleans as strings. Any other
//!   string is refused.
//! - A string or reference attribute compared with an integer takes the
//!   integer's digits as the string (`externalId eq 12345`); other numbers
//!   are refused.
//! - A dateTime value must be RFC 3339; it is kept normalized to UTC
//!   (`2026-01-01T01:00:00+01:00` becomes `"2026-01-01T00:00:00Z"`).
//!
//! # Refused (RFC 7644 §3.4.2.2 and Roster's choices)
//! Unknown attributes and sub-attributes; attributes that are never returned
//! (`password`); `gt`/`ge`/`lt`/`le` on booleans and binary attributes;
//! `co`/`sw`/`ew` on anything but strings and references; comparisons with
//! `null` other than `eq`/`ne`; a value filter (`attr[…]`) on anything but a
//! multi-valued complex attribute; `attr[…] eq "x"` (Microsoft's erroneous
//! documentation example) with a hint towards `attr[…].value eq "x"`.

mod comparable;
mod display;
mod lexical;
mod literal;
mod resolve;
mod syntax;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use comparable::{comparable_document, folds_case, is_name};

use super::ScimError;
use super::schema::ResourceKind;

/// Bounds on what a client may ask the store to evaluate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterLimits {
    /// The longest filter accepted, in characters.
    pub max_len: usize,
    /// The most comparisons and presence tests (`pr`) in one filter, those
    /// inside value filters included. It also bounds the height of the
    /// resolved tree (`a or b or …` nests to the left), which code walking
    /// it recursively relies on; `scim_v2`'s parser caps it at 1024.
    pub max_terms: usize,
    /// The deepest nesting: a single comparison is 1; `not`, a value filter
    /// and a change between `and` and `or` each add a level, while a chain
    /// of the same operator (`a or b or c`) does not. `scim_v2`'s parser
    /// caps it at 64 whatever is configured here.
    pub max_depth: usize,
}

impl Default for FilterLimits {
    /// 4096 characters, 64 terms, 16 levels: far above what Okta and Entra
    /// send (one or two `eq` terms), far below what could hurt the store.
    fn default() -> Self {
        Self {
            max_len: 4096,
            max_terms: 64,
            max_depth: 16,
        }
    }
}

/// Parses `text` as a filter on resources of `kind` and resolves it against
/// their schema (see the module documentation for what is accepted).
pub fn parse(kind: ResourceKind, text: &str, limits: &FilterLimits) -> Result<Filter, ScimError> {
    syntax::check_length(text, limits)?;
    if text.contains('\0') {
        return Err(ScimError::invalid_filter(
            "the filter contains the NUL character (U+0000), which no value can hold",
        ));
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(ScimError::invalid_filter(
            "the filter is empty: send a condition such as userName eq \"bjensen\", or no filter",
        ));
    }
    let normalized = lexical::normalize(text)?;
    let parsed = syntax::parse(&normalized, limits)?;
    resolve::filter(kind, &parsed)
}

/// Resolves `text` as the attribute a `sortBy` names (RFC 7644 §3.4.2.3):
/// a path to one comparable value, where a complex attribute with a `value`
/// sub-attribute (`emails`) stands for it.
pub fn parse_attribute(kind: ResourceKind, text: &str) -> Result<AttrRef, ScimError> {
    resolve::compared_path(kind, text)
}

/// A resolved filter. `and` and `or` chains come out of [`parse`] nested to
/// the left (`a and b and c` is `And(And(a, b), c)`); built that way, a
/// filter prints ([`std::fmt::Display`]) as a string that parses back to
/// itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `attribute op value`. On a multi-valued attribute (`emails.value`),
    /// it holds when any of its values matches.
    Compare(Comparison),
    /// `attribute pr`: the attribute has a non-empty value.
    Present(AttrRef),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `emails[type eq "work" and value co "@x"]`: a filter over the elements
    /// of a multi-valued complex attribute; it holds when one element meets
    /// the whole inner filter. `attribute` has no sub-attribute; every
    /// [`AttrRef`] inside `filter` names the same attribute with one of its
    /// sub-attributes, and inside it is evaluated on one element at a time.
    /// The inner filter holds no further `ValuePath`.
    ValuePath {
        attribute: AttrRef,
        filter: Box<Filter>,
    },
}

/// `attribute op value`, with `value` already checked against (and coerced
/// to) the attribute's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub attribute: AttrRef,
    pub op: CompareOp,
    pub value: Literal,
}

/// The comparison operators of RFC 7644 §3.4.2.2, Table 3 (`pr` is
/// [`Filter::Present`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// equal
    Eq,
    /// not equal
    Ne,
    /// contains (substring)
    Co,
    /// starts with
    Sw,
    /// ends with
    Ew,
    /// greater than
    Gt,
    /// greater than or equal to
    Ge,
    /// less than
    Lt,
    /// less than or equal to
    Le,
}

/// A comparison value, typed to fit its attribute: `String` for string,
/// reference, binary and dateTime attributes (a dateTime as RFC 3339 in UTC),
/// `Bool` for booleans, `Number` for integers (always integral) and decimals;
/// `Null` only with `eq`/`ne`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    String(String),
    Bool(bool),
    Number(serde_json::Number),
    Null,
}

/// The type of an attribute's values (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

/// An attribute path resolved against the schema, in canonical spelling.
/// Only [`parse`] makes them, so each names a real, filterable attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AttrRef {
    schema: Option<&'static str>,
    name: &'static str,
    sub_attribute: Option<&'static str>,
    value_type: ValueType,
    multi_valued: bool,
    case_exact: bool,
}

impl AttrRef {
    /// The extension schema URN the attribute lives under
    /// (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`);
    /// `None` for core and common (`id`, `externalId`, `meta`) attributes.
    pub fn schema(&self) -> Option<&'static str> {
        self.schema
    }

    /// The top-level attribute's name as the schema spells it (`userName`,
    /// `emails`, `meta`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The sub-attribute's name as the schema spells it (`familyName`,
    /// `value`, `lastModified`), if the path has one.
    pub fn sub_attribute(&self) -> Option<&'static str> {
        self.sub_attribute
    }

    /// The type of the values the path reaches (the sub-attribute's when
    /// there is one).
    pub fn value_type(&self) -> ValueType {
        self.value_type
    }

    /// `true` when the path can reach several values (`emails`,
    /// `emails.value`): a comparison then holds when any of them matches.
    pub fn multi_valued(&self) -> bool {
        self.multi_valued
    }

    /// `true` when string comparisons are case-sensitive (RFC 7643 §2.2
    /// `caseExact`); `userName` and `displayName` are not, `id` and
    /// `externalId` are.
    pub fn case_exact(&self) -> bool {
        self.case_exact
    }

    /// `true` when comparisons ignore case: the value and the comparable
    /// document's strings ([`comparable_document`]) are then both folded.
    pub fn folds_case(&self) -> bool {
        folds_case(self.value_type, self.case_exact)
    }

    /// `true` for the core `userName` and `displayName`: names compared by
    /// their key ([`crate::model::name_key`]), the one a group's
    /// `displayName` and a member's `userName` are unique by.
    pub fn is_name(&self) -> bool {
        self.schema.is_none() && self.sub_attribute.is_none() && is_name(self.name)
    }

    /// The form of a string that comparisons with this attribute use, on
    /// both sides: the name key for names, the case folding where case is
    /// ignored, else the string itself. The store binds it for the literal
    /// of a filter; the stored `*_key` columns and `filter_document` hold
    /// the same form of the stored values.
    pub fn comparable(&self, text: &str) -> String {
        if self.is_name() {
            crate::model::name_key(text)
        } else if self.folds_case() {
            crate::model::fold_case(text)
        } else {
            text.to_owned()
        }
    }
}
