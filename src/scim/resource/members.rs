//! A group's `members` in a POST or PUT body (RFC 7643 §4.2): split off the
//! document, since the membership is stored apart from it. The Groups
//! endpoints and SCIM Bulk (RFC 7644 §3.7) read it the same way.

use serde_json::Value;

use crate::scim::ScimError;
use crate::scim::limits::RequestLimits;

/// Checks a POST/PUT body against the limits and splits `members` off it
/// (see [`take_members`]).
pub fn checked_members(
    limits: &RequestLimits,
    body: Value,
) -> Result<(Option<Vec<String>>, Value), ScimError> {
    limits.check_body(&body)?;
    let (members, body) = take_members(body)?;
    limits.check_member_count(members.as_ref().map_or(0, Vec::len))?;
    Ok((members, body))
}

/// Splits `members` off a POST/PUT body: the ids it lists (`None` when the
/// body does not mention `members`), and the body without it.
fn take_members(body: Value) -> Result<(Option<Vec<String>>, Value), ScimError> {
    let Value::Object(mut body) = body else {
        return Err(ScimError::invalid_syntax("the body must be a JSON object"));
    };
    let key = body
        .keys()
        .find(|key| key.eq_ignore_ascii_case("members"))
        .cloned();
    let Some(members) = key.and_then(|key| body.remove(&key)) else {
        return Ok((None, Value::Object(body)));
    };
    let items = match members {
        Value::Null => Vec::new(),
        Value::Array(items) => items,
        single => vec![single],
    };
    let ids = items
        .into_iter()
        .map(|item| match item.get("value") {
            Some(Value::String(id)) => Ok(id.clone()),
            _ => Err(ScimError::invalid_value(
                "each of 'members' is an object with the member's id as \"value\"",
            )),
        })
        .collect::<Result<_, _>>()?;
    Ok((Some(ids), Value::Object(body)))
}
