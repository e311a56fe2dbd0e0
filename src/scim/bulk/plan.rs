//! The order of a Bulk request's operations and their `bulkId` references
//! (RFC 7644 §3.7.1, §3.7.2).
//!
//! A string `"bulkId:X"` anywhere in an operation's `data`, or as the id in
//! its `path`, names the resource the POST with `bulkId` `X` creates. An
//! operation runs after those it references, whatever their place in the
//! request; otherwise in request order. A reference to a `bulkId` no POST of
//! the request defines fails its operation with 400 `invalidValue`.
//! Operations that reference each other in a circle fail with 409 (§3.7.1
//! lets a service provider stop there), as does one that references an
//! operation that failed (§3.7.2: the reference cannot be resolved).

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value;

use super::{Entry, Method, Operation};
use crate::scim::ScimError;

const PREFIX: &str = "bulkId:";

/// A `bulkId` as an error detail names it: whole when short, else its
/// beginning (a detail never carries a huge request value).
fn shown(bulk_id: &str) -> String {
    match bulk_id.char_indices().nth(64) {
        Some((end, _)) => format!("{}…", &bulk_id[..end]),
        None => bulk_id.to_owned(),
    }
}

/// One operation in the order they run: its index in the request, and
/// whether it is known to fail before it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub index: usize,
    pub failure: Option<ScimError>,
}

/// Whether `entry` defines its `bulkId`: a POST, or an operation that
/// cannot run (a reference to it then fails with 409, as to any failure).
fn defines(entry: &Entry) -> Option<&str> {
    match &entry.operation {
        Ok(Operation {
            method: Method::Post,
            ..
        })
        | Err(_) => entry.bulk_id.as_deref(),
        Ok(_) => None,
    }
}

/// 400 when two operations define the same `bulkId`: the references to it
/// would be ambiguous.
pub(super) fn check_unique_bulk_ids(entries: &[Entry]) -> Result<(), ScimError> {
    let mut seen = HashSet::new();
    for bulk_id in entries.iter().filter_map(defines) {
        if !seen.insert(bulk_id) {
            return Err(ScimError::invalid_value(format!(
                "two operations define bulkId '{}'; each bulkId must be unique in the request",
                shown(bulk_id)
            )));
        }
    }
    Ok(())
}

/// The `bulkId`s an operation references, each once, in order of appearance.
pub fn references(operation: &Operation) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(bulk_id) = operation
        .id
        .as_deref()
        .and_then(|id| id.strip_prefix(PREFIX))
    {
        found.push(bulk_id.to_owned());
    }
    collect(&operation.data, &mut found);
    let mut seen = HashSet::new();
    found.retain(|bulk_id| seen.insert(bulk_id.clone()));
    found
}

fn collect(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::String(text) => {
            if let Some(bulk_id) = text.strip_prefix(PREFIX) {
                found.push(bulk_id.to_owned());
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect(item, found)),
        Value::Object(map) => map.values().for_each(|item| collect(item, found)),
        _ => {}
    }
}

/// Every operation of the request once, each after the operations whose
/// `bulkId` it references, else in request order; operations that cannot
/// be ordered (on a circle of references, or behind one) come last.
pub fn order(entries: &[Entry]) -> Vec<Step> {
    let definer: HashMap<&str, usize> = entries
        .iter()
        .enumerate()
        .filter_map(|(index, entry)| defines(entry).map(|bulk_id| (bulk_id, index)))
        .collect();
    let mut failure: Vec<Option<ScimError>> = vec![None; entries.len()];
    let mut needs: Vec<Vec<usize>> = vec![Vec::new(); entries.len()];
    for (index, entry) in entries.iter().enumerate() {
        let Ok(operation) = &entry.operation else {
            continue;
        };
        for bulk_id in references(operation) {
            match definer.get(bulk_id.as_str()) {
                Some(&dependency) => needs[index].push(dependency),
                None => {
                    failure[index] = Some(ScimError::invalid_value(format!(
                        "bulkId '{}' is not defined by any POST of this request",
                        shown(&bulk_id)
                    )));
                }
            }
        }
        if failure[index].is_some() {
            // It fails before running: it waits for nothing.
            needs[index].clear();
        }
    }
    // Kahn's algorithm, the lowest index first among those ready.
    let mut waiting: Vec<usize> = needs.iter().map(Vec::len).collect();
    let mut dependants: Vec<Vec<usize>> = vec![Vec::new(); entries.len()];
    for (index, dependencies) in needs.iter().enumerate() {
        for &dependency in dependencies {
            dependants[dependency].push(index);
        }
    }
    let mut ready: BTreeSet<usize> = (0..entries.len()).filter(|&i| waiting[i] == 0).collect();
    let mut steps = Vec::with_capacity(entries.len());
    let mut placed = vec![false; entries.len()];
    while let Some(index) = ready.pop_first() {
        placed[index] = true;
        steps.push(Step {
            index,
            failure: failure[index].take(),
        });
        for &dependant in &dependants[index] {
            waiting[dependant] -= 1;
            if waiting[dependant] == 0 {
                ready.insert(dependant);
            }
        }
    }
    for index in (0..entries.len()).filter(|&index| !placed[index]) {
        let detail = if on_circle(index, &needs) {
            "this operation is on a circle of bulkId references (RFC 7644 §3.7.1), \
             which Roster does not resolve: break the circle with a later PATCH"
        } else {
            "this operation references, directly or not, operations on a circle of bulkId \
             references (RFC 7644 §3.7.1)"
        };
        steps.push(Step {
            index,
            failure: Some(ScimError::new(409, None, detail)),
        });
    }
    steps
}

/// Whether `start` can reach itself through the references.
fn on_circle(start: usize, needs: &[Vec<usize>]) -> bool {
    let mut seen = vec![false; needs.len()];
    let mut stack: Vec<usize> = needs[start].clone();
    while let Some(index) = stack.pop() {
        if index == start {
            return true;
        }
        if !std::mem::replace(&mut seen[index], true) {
            stack.extend(&needs[index]);
        }
    }
    false
}

/// The operation with each `bulkId:` reference replaced by the id of the
/// resource its POST created (`resolved`); 409 when one has none (its POST
/// failed or did not run).
pub fn substitute(
    mut operation: Operation,
    resolved: &HashMap<String, String>,
) -> Result<Operation, ScimError> {
    let resolve = |text: &mut String| -> Result<(), ScimError> {
        if let Some(bulk_id) = text.strip_prefix(PREFIX) {
            let id = resolved.get(bulk_id).ok_or_else(|| {
                ScimError::new(
                    409,
                    None,
                    format!(
                        "bulkId '{}' cannot be resolved: the operation that defines it failed or did not run",
                        shown(bulk_id)
                    ),
                )
            })?;
            *text = id.clone();
        }
        Ok(())
    };
    if let Some(id) = operation.id.as_mut() {
        resolve(id)?;
    }
    replace_in(&mut operation.data, &resolve)?;
    Ok(operation)
}

fn replace_in(
    value: &mut Value,
    resolve: &impl Fn(&mut String) -> Result<(), ScimError>,
) -> Result<(), ScimError> {
    match value {
        Value::String(text) => resolve(text),
        Value::Array(items) => items
            .iter_mut()
            .try_for_each(|item| replace_in(item, resolve)),
        Value::Object(map) => map
            .values_mut()
            .try_for_each(|item| replace_in(item, resolve)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::bulk::parse;
    use crate::scim::urns;

    fn entries(operations: Value) -> Vec<Entry> {
        let body = json!({"schemas": [urns::BULK_REQUEST], "Operations": operations});
        parse(body, 100).unwrap().entries
    }

    fn user(bulk_id: &str, manager: Option<&str>) -> Value {
        let mut data = json!({"userName": bulk_id});
        if let Some(manager) = manager {
            data[urns::ENTERPRISE_USER] =
                json!({"manager": {"value": format!("bulkId:{manager}")}});
        }
        json!({"method": "POST", "path": "/Users", "bulkId": bulk_id, "data": data})
    }

    fn indices(steps: &[Step]) -> Vec<usize> {
        steps.iter().map(|step| step.index).collect()
    }

    #[test]
    fn references_come_from_data_and_path() {
        let list = entries(json!([
            {"method": "POST", "path": "/Groups", "bulkId": "g", "data": {
                "displayName": "g",
                "members": [{"value": "bulkId:a"}, {"value": "bulkId:b"}, {"value": "bulkId:a"}]}},
            {"method": "PATCH", "path": "/Groups/bulkId:g", "data": {"Operations": []}},
        ]));
        let first = list[0].operation.clone().unwrap();
        assert_eq!(references(&first), ["a", "b"]);
        let second = list[1].operation.clone().unwrap();
        assert_eq!(references(&second), ["g"]);
    }

    #[test]
    fn a_forward_reference_runs_after_what_it_names() {
        let list = entries(json!([
            {"method": "POST", "path": "/Groups", "bulkId": "g", "data": {
                "displayName": "g", "members": [{"value": "bulkId:b"}, {"value": "bulkId:a"}]}},
            user("a", None),
            user("b", Some("a")),
        ]));
        let steps = order(&list);
        assert_eq!(indices(&steps), [1, 2, 0]);
        assert!(steps.iter().all(|step| step.failure.is_none()));
    }

    #[test]
    fn without_references_request_order_is_kept() {
        let list = entries(json!([user("a", None), user("b", None), user("c", None)]));
        assert_eq!(indices(&order(&list)), [0, 1, 2]);
    }

    #[test]
    fn a_circle_fails_with_409_and_what_hangs_on_it_too() {
        let list = entries(json!([
            user("a", Some("b")),
            user("b", Some("a")),
            user("c", Some("b")),
            user("d", None),
            user("e", Some("e")),
        ]));
        let steps = order(&list);
        assert_eq!(indices(&steps), [3, 0, 1, 2, 4]);
        let failure = |index: usize| {
            steps
                .iter()
                .find(|step| step.index == index)
                .and_then(|step| step.failure.clone())
        };
        assert_eq!(failure(0).unwrap().status, 409);
        assert!(failure(0).unwrap().detail.contains("on a circle"));
        assert_eq!(failure(1).unwrap().status, 409);
        assert!(
            failure(2)
                .unwrap()
                .detail
                .contains("references, directly or not")
        );
        assert!(failure(3).is_none());
        assert!(failure(4).unwrap().detail.contains("on a circle"));
    }

    #[test]
    fn an_undefined_reference_fails_with_400() {
        let list = entries(json!([user("a", Some("nowhere")), user("b", Some("a"))]));
        let steps = order(&list);
        assert_eq!(indices(&steps), [0, 1]);
        let error = steps[0].failure.clone().unwrap();
        assert_eq!(
            (error.status, error.detail.contains("'nowhere'")),
            (400, true)
        );
        assert!(
            steps[1].failure.is_none(),
            "it fails when it runs: a is unresolved"
        );
    }

    #[test]
    fn details_show_only_the_beginning_of_a_long_bulk_id() {
        let long = "x".repeat(10_000);
        let list = entries(json!([user("a", Some(&long))]));
        let detail = order(&list)[0].failure.clone().unwrap().detail;
        assert!(detail.len() < 200, "{detail}");
        assert!(detail.contains(&format!("{}…", "x".repeat(64))));
    }

    #[test]
    fn two_definitions_of_one_bulk_id_refuse_the_request() {
        let body = json!({"Operations": [user("a", None), user("a", None)]});
        assert_eq!(parse(body, 9).unwrap_err().status, 400);
        // A PUT's bulkId defines nothing.
        let put = json!({"method": "PUT", "path": "/Users/x", "bulkId": "a", "data": {}});
        assert!(parse(json!({"Operations": [user("a", None), put]}), 9).is_ok());
    }

    #[test]
    fn substitution_replaces_every_reference_or_fails_with_409() {
        let list = entries(json!([
            {"method": "PATCH", "path": "/Groups/bulkId:g", "data": {"Operations": [
                {"op": "add", "path": "members", "value": [{"value": "bulkId:a"}]}]}},
        ]));
        let operation = list[0].operation.clone().unwrap();
        let resolved: HashMap<String, String> =
            [("g".into(), "G1".into()), ("a".into(), "A1".into())].into();
        let done = substitute(operation.clone(), &resolved).unwrap();
        assert_eq!(done.id.as_deref(), Some("G1"));
        assert_eq!(done.data["Operations"][0]["value"][0]["value"], "A1");
        let partial: HashMap<String, String> = [("g".into(), "G1".into())].into();
        let error = substitute(operation, &partial).unwrap_err();
        assert_eq!(error.status, 409);
        assert!(error.detail.contains("'a'"));
    }
}
