//! The BulkResponse (RFC 7644 §3.7.3): one entry per operation that ran,
//! in request order, with its `method`, `bulkId`, `status`, and the
//! `location` and `version` of the resource it touched, or the SCIM error
//! (§3.12) it failed with as its `response`. Operations that did not run
//! (after `failOnErrors` was reached) have no entry.

use serde_json::{Map, Value, json};

use super::Entry;
use crate::scim::{ScimError, urns};

/// How one operation ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It ran: its HTTP status, the resource's URL and its version
    /// (`None` once deleted).
    Done {
        status: u16,
        location: String,
        version: Option<String>,
    },
    /// It failed.
    Failed(ScimError),
}

/// The BulkResponse for `entries`, given the outcome of those that ran
/// (`outcomes[i]` for `entries[i]`).
pub fn render(entries: &[Entry], outcomes: &[Option<Outcome>]) -> Value {
    let operations: Vec<Value> = entries
        .iter()
        .zip(outcomes)
        .filter_map(|(entry, outcome)| outcome.as_ref().map(|outcome| (entry, outcome)))
        .map(|(entry, outcome)| {
            let mut item = Map::new();
            item.insert("method".into(), Value::String(entry.method.clone()));
            if let Some(bulk_id) = &entry.bulk_id {
                item.insert("bulkId".into(), Value::String(bulk_id.clone()));
            }
            match outcome {
                Outcome::Done {
                    status,
                    location,
                    version,
                } => {
                    item.insert("location".into(), Value::String(location.clone()));
                    if let Some(version) = version {
                        item.insert("version".into(), Value::String(version.clone()));
                    }
                    item.insert("status".into(), Value::String(status.to_string()));
                }
                Outcome::Failed(error) => {
                    item.insert("status".into(), Value::String(error.status.to_string()));
                    let body = serde_json::to_value(error.to_body()).unwrap_or(Value::Null);
                    item.insert("response".into(), body);
                }
            }
            Value::Object(item)
        })
        .collect();
    json!({"schemas": [urns::BULK_RESPONSE], "Operations": operations})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::bulk::parse;

    #[test]
    fn one_entry_per_operation_that_ran_in_request_order() {
        let body = json!({"Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": {"userName": "a"}},
            {"method": "DELETE", "path": "/Users/x"},
            {"method": "DELETE", "path": "/Users/y"},
        ]});
        let entries = parse(body, 3).unwrap().entries;
        let outcomes = [
            Some(Outcome::Done {
                status: 201,
                location: "https://h/scim/v2/Users/1".into(),
                version: Some("W/\"1\"".into()),
            }),
            Some(Outcome::Failed(ScimError::not_found("no user with id 'x'"))),
            None,
        ];
        let response = render(&entries, &outcomes);
        assert_eq!(response["schemas"][0], urns::BULK_RESPONSE);
        let operations = response["Operations"].as_array().unwrap();
        assert_eq!(operations.len(), 2);
        assert_eq!(operations[0]["bulkId"], "a");
        assert_eq!(operations[0]["status"], "201");
        assert_eq!(operations[0]["version"], "W/\"1\"");
        assert_eq!(operations[0]["location"], "https://h/scim/v2/Users/1");
        assert_eq!(operations[1]["method"], "DELETE");
        assert_eq!(operations[1]["status"], "404");
        assert!(operations[1].get("location").is_none());
        assert_eq!(operations[1]["response"]["status"], "404");
        assert_eq!(operations[1]["response"]["schemas"][0], urns::ERROR);
    }
}
