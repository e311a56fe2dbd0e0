//! From `scim_v2`'s syntax tree to Roster's [`Filter`]: attribute paths are
//! looked up in the resource's schema (RFC 7643 §7; names case-insensitive,
//! RFC 7644 §3.4.2.2) and each comparison is typed by [`literal`].

use scim_v2::filter::{self as grammar, AttrExp, AttrPath};
use scim_v2::models::scim_schema::SubAttributes;

use super::{AttrRef, CompareOp, Comparison, Filter, ValueType, literal};
use crate::scim::ScimError;
use crate::scim::schema::{self, AttributeRef, ResourceKind};

/// Resolves a whole filter on resources of `kind`.
pub(super) fn filter(kind: ResourceKind, filter: &grammar::Filter) -> Result<Filter, ScimError> {
    match filter {
        grammar::Filter::Attr(expression) => attr_expression(Scope::Resource(kind), expression),
        grammar::Filter::ValuePath(path) => value_path(kind, path),
        grammar::Filter::Not(inner) => Ok(Filter::Not(Box::new(self::filter(kind, inner)?))),
        grammar::Filter::And(items) => chain(items, |item| self::filter(kind, item), Filter::And),
        grammar::Filter::Or(items) => chain(items, |item| self::filter(kind, item), Filter::Or),
    }
}

/// Resolves a path the way a filter on `kind` would (`name.familyName`,
/// `urn:…:enterprise:2.0:User:manager`), without reading a complex
/// attribute as its `value`.
#[cfg(test)]
pub(super) fn path(kind: ResourceKind, text: &str) -> Result<AttrRef, ScimError> {
    Target::locate(Scope::Resource(kind), &attribute_path(text)?).map(Target::reference)
}

/// Resolves a path that names one comparable value, the way the left side
/// of a comparison is read: a complex attribute stands for its `value`.
pub(super) fn compared_path(kind: ResourceKind, text: &str) -> Result<AttrRef, ScimError> {
    Target::locate(Scope::Resource(kind), &attribute_path(text)?)?
        .compared()
        .map(Target::reference)
}

fn attribute_path(text: &str) -> Result<AttrPath, ScimError> {
    match text.trim().parse::<grammar::PatchPath>() {
        Ok(grammar::PatchPath::Attr(path)) => Ok(path),
        _ => Err(ScimError::invalid_filter(format!(
            "'{text}' is not an attribute path"
        ))),
    }
}

/// What attribute paths are relative to.
#[derive(Clone, Copy)]
enum Scope {
    /// The resource: `userName`, `name.familyName`, `urn:…:User:department`.
    Resource(ResourceKind),
    /// One element of a multi-valued complex attribute, inside `attr[…]`:
    /// paths are its sub-attributes alone.
    Element(AttributeRef),
}

fn element_filter(parent: AttributeRef, filter: &grammar::ValFilter) -> Result<Filter, ScimError> {
    let each = |item: &grammar::ValFilter| element_filter(parent, item);
    match filter {
        grammar::ValFilter::Attr(expression) => attr_expression(Scope::Element(parent), expression),
        grammar::ValFilter::Not(inner) => Ok(Filter::Not(Box::new(each(inner)?))),
        grammar::ValFilter::And(items) => chain(items, each, Filter::And),
        grammar::ValFilter::Or(items) => chain(items, each, Filter::Or),
    }
}

/// An n-ary `and`/`or` as a chain nested to the left.
fn chain<T>(
    items: &[T],
    resolve: impl Fn(&T) -> Result<Filter, ScimError>,
    join: fn(Box<Filter>, Box<Filter>) -> Filter,
) -> Result<Filter, ScimError> {
    let (first, rest) = items.split_first().ok_or_else(ScimError::internal)?; // scim_v2's `Operands` holds two or more
    rest.iter().try_fold(resolve(first)?, |left, item| {
        Ok(join(Box::new(left), Box::new(resolve(item)?)))
    })
}

fn attr_expression(scope: Scope, expression: &AttrExp) -> Result<Filter, ScimError> {
    match expression {
        AttrExp::Present(path) => Ok(Filter::Present(Target::locate(scope, path)?.reference())),
        AttrExp::Comparison(path, op, value) => {
            let attribute = Target::locate(scope, path)?.compared()?.reference();
            let op = compare_op(op);
            let value = literal::typed(&attribute, op, value)?;
            Ok(Filter::Compare(Comparison {
                attribute,
                op,
                value,
            }))
        }
    }
}

fn value_path(kind: ResourceKind, path: &grammar::ValuePath) -> Result<Filter, ScimError> {
    let target = Target::locate(Scope::Resource(kind), &path.attr)?;
    let attribute = target.reference();
    if target.sub.is_some() || attribute.value_type != ValueType::Complex || !attribute.multi_valued
    {
        return Err(not_a_value_path(&attribute));
    }
    Ok(Filter::ValuePath {
        attribute,
        filter: Box::new(element_filter(target.top, &path.filter)?),
    })
}

fn not_a_value_path(attribute: &AttrRef) -> ScimError {
    let path = attribute.short();
    let why = match attribute.value_type {
        ValueType::Complex if attribute.sub_attribute.is_none() => {
            format!("'{path}' is single-valued: compare {path}.<sub-attribute> instead")
        }
        value_type => format!("'{path}' is a {value_type} attribute"),
    };
    ScimError::invalid_filter(format!(
        "a value filter '[…]' needs a multi-valued complex attribute such as emails or members; {why}"
    ))
}

fn compare_op(op: &grammar::CompareOp) -> CompareOp {
    match op {
        grammar::CompareOp::Eq => CompareOp::Eq,
        grammar::CompareOp::Ne => CompareOp::Ne,
        grammar::CompareOp::Co => CompareOp::Co,
        grammar::CompareOp::Sw => CompareOp::Sw,
        grammar::CompareOp::Ew => CompareOp::Ew,
        grammar::CompareOp::Gt => CompareOp::Gt,
        grammar::CompareOp::Ge => CompareOp::Ge,
        grammar::CompareOp::Lt => CompareOp::Lt,
        grammar::CompareOp::Le => CompareOp::Le,
    }
}

/// An attribute found in the schema, with its sub-attribute if the path
/// names one.
#[derive(Clone, Copy)]
struct Target {
    top: AttributeRef,
    sub: Option<&'static SubAttributes>,
}

impl Target {
    fn locate(scope: Scope, path: &AttrPath) -> Result<Target, ScimError> {
        let target = match scope {
            Scope::Resource(kind) => Self::in_resource(kind, path)?,
            Scope::Element(parent) => Self::in_element(parent, path)?,
        };
        target.check_filterable()?;
        Ok(target)
    }

    fn in_resource(kind: ResourceKind, path: &AttrPath) -> Result<Target, ScimError> {
        let top =
            schema::find_attribute(kind, path.uri.as_deref(), &path.name).ok_or_else(|| {
                let qualified = AttrPath {
                    sub_attr: None,
                    ..path.clone()
                };
                ScimError::invalid_filter(format!("unknown attribute '{qualified}' in filter"))
            })?;
        let Some(sub_name) = &path.sub_attr else {
            return Ok(Target { top, sub: None });
        };
        Ok(Target {
            top,
            sub: Some(Self::sub_attribute(top, sub_name)?),
        })
    }

    fn in_element(parent: AttributeRef, path: &AttrPath) -> Result<Target, ScimError> {
        if path.uri.is_some() || path.sub_attr.is_some() {
            return Err(ScimError::invalid_filter(format!(
                "inside '{}[…]', name the sub-attributes of one element alone \
                 (e.g. value, type), not '{path}'",
                parent.definition.name
            )));
        }
        Ok(Target {
            top: parent,
            sub: Some(Self::sub_attribute(parent, &path.name)?),
        })
    }

    fn sub_attribute(top: AttributeRef, name: &str) -> Result<&'static SubAttributes, ScimError> {
        let parent = &top.definition.name;
        if !top.definition.r#type.eq_ignore_ascii_case("complex") {
            return Err(ScimError::invalid_filter(format!(
                "'{parent}' has no sub-attributes, so '{parent}.{name}' is not an attribute"
            )));
        }
        schema::find_sub_attribute(top.definition, name).ok_or_else(|| {
            ScimError::invalid_filter(format!(
                "unknown sub-attribute '{name}' of '{parent}' in filter"
            ))
        })
    }

    /// RFC 7643 §7: an attribute that is never returned (`password`) cannot
    /// be probed with a filter either.
    fn check_filterable(self) -> Result<(), ScimError> {
        let never =
            |returned: Option<&str>| returned.is_some_and(|r| r.eq_ignore_ascii_case("never"));
        if never(self.top.definition.returned.as_deref())
            || self.sub.is_some_and(|sub| never(sub.returned.as_deref()))
        {
            return Err(ScimError::invalid_filter(format!(
                "'{}' cannot be used in a filter: it is never returned",
                self.reference().short()
            )));
        }
        Ok(())
    }

    /// A complex attribute compared directly is read as its `value`
    /// sub-attribute when it has one (`emails eq "x"`, `manager eq "id"`).
    fn compared(self) -> Result<Target, ScimError> {
        if self.sub.is_some() || !self.top.definition.r#type.eq_ignore_ascii_case("complex") {
            return Ok(self);
        }
        let name = &self.top.definition.name;
        match schema::find_sub_attribute(self.top.definition, "value") {
            Some(value) => Ok(Target {
                sub: Some(value),
                ..self
            }),
            None => {
                let example = self
                    .top
                    .definition
                    .sub_attributes
                    .as_slice()
                    .first()
                    .map_or_else(String::new, |sub| {
                        format!(", e.g. {name}.{} eq \"…\"", sub.name)
                    });
                Err(ScimError::invalid_filter(format!(
                    "'{name}' is a complex attribute: compare one of its sub-attributes{example}"
                )))
            }
        }
    }

    fn reference(self) -> AttrRef {
        let top = self.top.definition;
        let type_name = self.sub.map_or(&top.r#type, |sub| &sub.r#type);
        AttrRef {
            schema: if self.top.in_extension {
                self.top.schema
            } else {
                None
            },
            name: top.name.as_str(),
            sub_attribute: self.sub.map(|sub| sub.name.as_str()),
            value_type: ValueType::from_schema(type_name),
            multi_valued: top.multi_valued || self.sub.is_some_and(|sub| sub.multi_valued),
            case_exact: self
                .sub
                .map_or(top.case_exact, |sub| sub.case_exact)
                .unwrap_or(false),
        }
    }
}

impl ValueType {
    /// The type named in a schema document. Roster's schemas use only the
    /// RFC 7643 §2.3 types; anything else would be compared as a string.
    pub(super) fn from_schema(name: &str) -> ValueType {
        [
            ("string", Self::String),
            ("boolean", Self::Boolean),
            ("decimal", Self::Decimal),
            ("integer", Self::Integer),
            ("dateTime", Self::DateTime),
            ("binary", Self::Binary),
            ("reference", Self::Reference),
            ("complex", Self::Complex),
        ]
        .into_iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(name))
        .map_or(Self::String, |(_, value_type)| value_type)
    }
}

impl AttrRef {
    /// The path without its schema URN, for error details: `manager.value`.
    pub(super) fn short(&self) -> String {
        match self.sub_attribute {
            Some(sub) => format!("{}.{sub}", self.name),
            None => self.name.to_owned(),
        }
    }
}
