//! PATCH paths (RFC 7644 §3.5.2: `PATH = attrPath / valuePath [subAttr]`),
//! parsed with `scim_v2`'s grammar and resolved against Roster's schemas to
//! canonical names.
//!
//! A bare extension URN (`urn:…:enterprise:2.0:User`) is recognised before the
//! grammar runs, which would split it into the URN `urn:…:enterprise:2.0` and
//! the attribute `User`.

use std::fmt;

use scim_v2::filter::{AttrPath, ParseError, PatchPath as RawPath, ValFilter};
use scim_v2::models::scim_schema::{Attributes, SubAttributes};

use super::ScimError;
use super::filter::ElementFilter;
use crate::scim::schema::{self, ResourceKind};

/// Paths longer than this are refused before parsing.
const MAX_PATH_CHARS: usize = 2048;

/// What a PATCH path points at.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A whole extension object, named by its bare schema URN.
    Extension(&'static str),
    /// An attribute the schema defines; `extension` is the URN whose object
    /// holds it in the document (`None`: top level).
    Attribute {
        extension: Option<&'static str>,
        definition: &'static Attributes,
    },
    /// An attribute of a declared extension that its schema does not define:
    /// stored as sent, under the extension's object.
    Undeclared {
        extension: &'static str,
        name: String,
    },
}

/// A PATCH path resolved against the resource's schema.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub target: Target,
    /// The value filter of a `valuePath` (`emails[type eq "work"]`).
    pub filter: Option<ElementFilter>,
    /// The sub-attribute (`name.givenName`, `emails[…].value`).
    pub sub_attribute: Option<&'static SubAttributes>,
}

impl PatchPath {
    /// The definition of the targeted attribute, unless the target is an
    /// extension object or an undeclared attribute.
    pub fn definition(&self) -> Option<&'static Attributes> {
        match self.target {
            Target::Attribute { definition, .. } => Some(definition),
            _ => None,
        }
    }

    pub(super) fn whole(target: Target) -> Self {
        Self {
            target,
            filter: None,
            sub_attribute: None,
        }
    }
}

/// The canonical spelling, as used in error messages.
impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Target::Extension(urn) => return write!(f, "{urn}"),
            Target::Undeclared { extension, name } => return write!(f, "{extension}:{name}"),
            Target::Attribute {
                extension,
                definition,
            } => {
                if let Some(urn) = extension {
                    write!(f, "{urn}:")?;
                }
                write!(f, "{}", definition.name)?;
            }
        }
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = self.sub_attribute {
            write!(f, ".{}", sub.name)?;
        }
        Ok(())
    }
}

/// Parses and resolves one PATCH path for a resource of `kind`: attribute
/// names are matched case-insensitively and replaced by their canonical
/// spelling; an unknown attribute, sub-attribute or schema URN is `invalidPath`.
pub fn parse_path(kind: ResourceKind, text: &str) -> Result<PatchPath, ScimError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ScimError::invalid_path(
            "the path is empty; leave `path` out to target the resource itself",
        ));
    }
    if text.chars().count() > MAX_PATH_CHARS {
        return Err(ScimError::invalid_path(format!(
            "the path is longer than {MAX_PATH_CHARS} characters"
        )));
    }
    if let Some(urn) = declared_extension(kind, text) {
        return Ok(PatchPath::whole(Target::Extension(urn)));
    }
    if text.eq_ignore_ascii_case(kind.core_urn()) {
        return Err(ScimError::invalid_path(format!(
            "`{text}` is the core schema; name one of its attributes, or leave `path` out"
        )));
    }
    let raw: RawPath = text.parse().map_err(|error| {
        ScimError::invalid_path(format!(
            "`{}` is not a valid PATCH path (RFC 7644 §3.5.2): {}",
            shown(text),
            describe_parse_error(&error)
        ))
    })?;
    match raw {
        RawPath::Attr(attr) => resolve(kind, &attr, None, None, text),
        RawPath::Value(value_path) => {
            if value_path.attr.sub_attr.is_some() {
                return Err(ScimError::invalid_path(format!(
                    "`{}`: a [filter] follows a multi-valued attribute, not a sub-attribute",
                    shown(text)
                )));
            }
            resolve(
                kind,
                &value_path.attr,
                Some(&value_path.filter),
                value_path.sub_attr.as_deref(),
                text,
            )
        }
    }
}

/// The canonical URN of a declared extension of `kind`, compared case-insensitively.
pub(super) fn declared_extension(kind: ResourceKind, urn: &str) -> Option<&'static str> {
    kind.extension_urns()
        .iter()
        .copied()
        .find(|extension| extension.eq_ignore_ascii_case(urn))
}

fn resolve(
    kind: ResourceKind,
    attr: &AttrPath,
    filter: Option<&ValFilter>,
    trailing_sub: Option<&str>,
    text: &str,
) -> Result<PatchPath, ScimError> {
    let uri = attr.uri.as_deref();
    let sub_name = attr.sub_attr.as_deref().or(trailing_sub);
    let Some(found) = schema::find_attribute(kind, uri, &attr.name) else {
        return undeclared(kind, attr, filter.is_some() || sub_name.is_some(), text);
    };
    let definition = found.definition;
    let extension = if found.in_extension {
        found.schema
    } else {
        None
    };
    let sub_attribute = sub_name
        .map(|name| sub_attribute(definition, name, text))
        .transpose()?;
    let filter = match filter {
        None => None,
        Some(_) if !definition.multi_valued || definition.r#type != "complex" => {
            return Err(ScimError::invalid_path(format!(
                "`{}`: a [filter] selects elements of a multi-valued complex attribute, and `{}` is not one",
                shown(text),
                definition.name
            )));
        }
        Some(raw) => Some(ElementFilter::resolve(definition, raw, text)?),
    };
    Ok(PatchPath {
        target: Target::Attribute {
            extension,
            definition,
        },
        filter,
        sub_attribute,
    })
}

fn sub_attribute(
    definition: &'static Attributes,
    name: &str,
    text: &str,
) -> Result<&'static SubAttributes, ScimError> {
    if definition.r#type != "complex" {
        return Err(ScimError::invalid_path(format!(
            "`{}`: `{}` has no sub-attributes",
            shown(text),
            definition.name
        )));
    }
    schema::find_sub_attribute(definition, name).ok_or_else(|| {
        ScimError::invalid_path(format!(
            "`{}`: `{}` has no sub-attribute `{name}`",
            shown(text),
            definition.name
        ))
    })
}

/// An attribute the schema does not define: kept as sent when it belongs to a
/// declared extension, `invalidPath` otherwise.
fn undeclared(
    kind: ResourceKind,
    attr: &AttrPath,
    has_filter_or_sub: bool,
    text: &str,
) -> Result<PatchPath, ScimError> {
    let extension = attr
        .uri
        .as_deref()
        .and_then(|uri| declared_extension(kind, uri));
    match (extension, &attr.uri) {
        (Some(extension), _) if !has_filter_or_sub => Ok(PatchPath::whole(Target::Undeclared {
            extension,
            name: attr.name.clone(),
        })),
        (Some(extension), _) => Err(ScimError::invalid_path(format!(
            "`{}`: `{}` is not defined by {extension}; such attributes are kept as sent and can only be set or removed whole",
            shown(text),
            attr.name
        ))),
        (None, Some(uri)) if !uri.eq_ignore_ascii_case(kind.core_urn()) => {
            Err(ScimError::invalid_path(format!(
                "`{}`: `{uri}` is not a schema of this resource",
                shown(text)
            )))
        }
        _ => Err(ScimError::invalid_path(format!(
            "`{}`: unknown attribute `{}`",
            shown(text),
            attr.name
        ))),
    }
}

fn describe_parse_error(error: &ParseError) -> String {
    match error {
        ParseError::InvalidToken { location } => format!("unexpected character at {location}"),
        ParseError::UnrecognizedEof { .. } => "it ends too early".to_owned(),
        ParseError::UnrecognizedToken { token, .. } | ParseError::ExtraToken { token } => {
            format!("unexpected `{}` at {}", shown(&token.1), token.0)
        }
        ParseError::User { error } => shown(&error.to_string()),
    }
}

/// `text` cut to a length fit for an error message.
pub(super) fn shown(text: &str) -> String {
    const MAX: usize = 120;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(MAX).collect();
        cut.push('…');
        cut
    }
}
