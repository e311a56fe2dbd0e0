//! List and search requests (RFC 7644 §3.4.2 query parameters, §3.4.3
//! `POST …/.search`): filter, sort, paging and projection, read the same way
//! from a query string and from a SearchRequest body; and the ListResponse
//! that answers them (RFC 7644 §3.4.2); cursor paging's `cursor` and
//! `count` (RFC 9865 §2, §3) and its `nextCursor` / `previousCursor`.

use serde::Serialize;
use serde_json::{Map, Value};

use super::cursor::CursorRequest;
use super::filter::{self, AttrRef, Filter, FilterLimits};
use super::resource::Projection;
use super::schema::ResourceKind;
use super::{ScimError, urns};

/// The list parameters as sent, before they are checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListParams {
    pub filter: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    pub start_index: Option<String>,
    pub count: Option<String>,
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
    /// RFC 9865: present (even empty) asks for cursor paging.
    pub cursor: Option<String>,
}

impl ListParams {
    /// The parameters of a SearchRequest body (RFC 7644 §3.4.3): names in
    /// any case; `attributes` and `excludedAttributes` as arrays of paths
    /// (or one comma-separated string); `startIndex` and `count` as numbers
    /// (or numeric strings).
    pub fn from_search_body(body: &Value) -> Result<Self, ScimError> {
        let Value::Object(body) = body else {
            return Err(ScimError::invalid_syntax(
                "a search body is a JSON object (RFC 7644 §3.4.3 SearchRequest)",
            ));
        };
        if let Some(schemas) = member(body, "schemas") {
            let listed = schemas.as_array().is_some_and(|urns| {
                urns.iter()
                    .filter_map(Value::as_str)
                    .any(|urn| urn.eq_ignore_ascii_case(urns::SEARCH_REQUEST))
            });
            if !listed {
                return Err(ScimError::invalid_syntax(format!(
                    "`schemas` of a search body must be [\"{}\"]",
                    urns::SEARCH_REQUEST
                )));
            }
        }
        let text = |name: &str| -> Result<Option<String>, ScimError> {
            match member(body, name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(text)) => Ok(Some(text.clone())),
                Some(Value::Number(number)) => Ok(Some(number.to_string())),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|item| {
                        item.as_str().ok_or_else(|| {
                            ScimError::invalid_value(format!(
                                "`{name}` lists attribute paths as strings"
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(|paths| Some(paths.join(","))),
                Some(_) => Err(ScimError::invalid_value(format!(
                    "`{name}` has the wrong type"
                ))),
            }
        };
        Ok(Self {
            filter: text("filter")?,
            sort_by: text("sortBy")?,
            sort_order: text("sortOrder")?,
            start_index: text("startIndex")?,
            count: text("count")?,
            attributes: text("attributes")?,
            excluded_attributes: text("excludedAttributes")?,
            cursor: text("cursor")?,
        })
    }
}

impl ListParams {
    /// 400 `invalidValue` when the request asks for cursor paging on a list
    /// (`what`) that pages by `startIndex` only: answering its first page
    /// without a `nextCursor` would tell the client it had everything.
    pub fn refuse_cursor(&self, what: &str) -> Result<(), ScimError> {
        match self.cursor {
            None => Ok(()),
            Some(_) => Err(ScimError::invalid_value(format!(
                "cursor paging (RFC 9865) is offered on /Users, /Groups and their /.search, not on \
                 {what}: page with startIndex"
            ))),
        }
    }
}

fn member<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

/// A checked list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRequest {
    pub filter: Option<Filter>,
    pub sort: Option<Sort>,
    pub page: Page,
    pub projection: Projection,
    /// Cursor paging (RFC 9865), when the request sent `cursor`; `page` is
    /// then the first `count` resources.
    pub cursor: Option<CursorRequest>,
}

/// `sortBy` / `sortOrder` (RFC 7644 §3.4.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub attribute: AttrRef,
    pub descending: bool,
}

impl ListRequest {
    /// Checks `params` for a list of `kind` resources. A bad filter is 400
    /// `invalidFilter`; a bad sort or paging parameter is 400 `invalidValue`.
    pub fn parse(
        kind: ResourceKind,
        params: &ListParams,
        limits: &FilterLimits,
        max_results: usize,
    ) -> Result<Self, ScimError> {
        let filter = params
            .filter
            .as_deref()
            .map(|text| filter::parse(kind, text, limits))
            .transpose()?;
        let sort = params
            .sort_by
            .as_deref()
            .map(|path| {
                let attribute = filter::parse_attribute(kind, path).map_err(|error| {
                    ScimError::invalid_value(format!("sortBy: {}", error.detail))
                })?;
                let descending = match params.sort_order.as_deref().map(str::trim) {
                    None | Some("") => false,
                    Some(order) if order.eq_ignore_ascii_case("ascending") => false,
                    Some(order) if order.eq_ignore_ascii_case("descending") => true,
                    Some(order) => {
                        return Err(ScimError::invalid_value(format!(
                            "sortOrder must be \"ascending\" or \"descending\", not '{order}'"
                        )));
                    }
                };
                Ok(Sort {
                    attribute,
                    descending,
                })
            })
            .transpose()?;
        let cursor = params
            .cursor
            .as_deref()
            .map(|cursor| CursorRequest::parse(cursor, params, max_results))
            .transpose()?;
        let page = match &cursor {
            Some(cursor) => Page {
                start_index: 1,
                count: i64::from(cursor.count),
            },
            None => Page::parse(
                params.start_index.as_deref(),
                params.count.as_deref(),
                max_results,
            )?,
        };
        Ok(Self {
            filter,
            sort,
            page,
            projection: Projection::from_query(
                params.attributes.as_deref(),
                params.excluded_attributes.as_deref(),
            ),
            cursor,
        })
    }

    /// The query a cursor is valid for (RFC 9865 §2: every parameter but
    /// the cursor stays the same during a walk), normalized: the filter as
    /// Roster prints it (`userName eq "a"` however it was spelled), and the
    /// projection's lists. `count` is carried in the cursor itself, so that
    /// another count is `invalidCount`, not `invalidCursor`.
    pub fn cursor_query(&self) -> String {
        let filter = self
            .filter
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        // Attribute names and URNs compare case-insensitively (RFC 7643 §2.1).
        format!(
            "filter={filter}\nattributes={}\nexcludedAttributes={}",
            self.projection.attributes.join(",").to_ascii_lowercase(),
            self.projection.excluded.join(",").to_ascii_lowercase()
        )
    }
}

/// `startIndex` / `count` (RFC 7644 §3.4.2.4): 1-based; a `startIndex` below
/// 1 counts as 1, a negative `count` as 0, a `count` above the maximum page
/// is clamped, and no `count` means the maximum page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub start_index: i64,
    pub count: i64,
}

impl Page {
    pub fn parse(
        start_index: Option<&str>,
        count: Option<&str>,
        max: usize,
    ) -> Result<Self, ScimError> {
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        let number = |name: &str, raw: Option<&str>| -> Result<Option<i64>, ScimError> {
            raw.map(|raw| {
                let trimmed = raw.trim();
                trimmed
                    .parse::<i64>()
                    .or_else(|error| match error.kind() {
                        // Out of range: as good as the largest or smallest number.
                        std::num::IntErrorKind::PosOverflow => Ok(i64::MAX),
                        std::num::IntErrorKind::NegOverflow => Ok(i64::MIN),
                        _ => Err(error),
                    })
                    .map_err(|_| {
                        ScimError::invalid_value(format!(
                            "'{name}' must be an integer, not '{raw}'"
                        ))
                    })
            })
            .transpose()
        };
        let start_index = number("startIndex", start_index)?.unwrap_or(1).max(1);
        let count = number("count", count)?.map_or(max, |count| count.clamp(0, max));
        Ok(Self { start_index, count })
    }

    /// How many resources come before the page.
    pub fn offset(&self) -> i64 {
        self.start_index - 1
    }
}

/// A ListResponse (RFC 7644 §3.4.2): one page of a list of resources, each
/// anything that serialises as a resource (a rendered `Value`, or a group
/// that streams its members). The one way Roster answers a list: `GET
/// /Users`, `GET /Groups`, their searches, `POST /.search`, `/Schemas` and
/// `/ResourceTypes`.
///
/// Its members come out in the order a `serde_json::Map` sorts them in, the
/// order Roster's lists have always had.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListResponse<R> {
    #[serde(rename = "Resources")]
    resources: Vec<R>,
    /// The number of resources on this page (RFC 7644 §3.4.2.4).
    #[serde(rename = "itemsPerPage")]
    items_per_page: usize,
    /// Where the next page starts (RFC 9865 §2): on every cursor page but
    /// the last.
    #[serde(rename = "nextCursor", skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
    /// Where the previous page starts (RFC 9865 §2), when Roster can say.
    #[serde(rename = "previousCursor", skip_serializing_if = "Option::is_none")]
    previous_cursor: Option<String>,
    schemas: [&'static str; 1],
    /// The page's 1-based index (RFC 7644 §3.4.2.4); absent from a cursor
    /// page, which has none.
    #[serde(rename = "startIndex", skip_serializing_if = "Option::is_none")]
    start_index: Option<i64>,
    #[serde(rename = "totalResults")]
    total_results: i64,
}

impl<R> ListResponse<R> {
    /// The page `resources`, starting at the 1-based `start_index`, of a
    /// list of `total_results`.
    pub fn new(total_results: i64, start_index: i64, resources: Vec<R>) -> Self {
        Self {
            items_per_page: resources.len(),
            resources,
            next_cursor: None,
            previous_cursor: None,
            schemas: [urns::LIST_RESPONSE],
            start_index: Some(start_index),
            total_results,
        }
    }

    /// A page of a cursor walk (RFC 9865 §2) of a list of `total_results`.
    pub fn cursor_page(
        total_results: i64,
        resources: Vec<R>,
        next_cursor: Option<String>,
        previous_cursor: Option<String>,
    ) -> Self {
        Self {
            next_cursor,
            previous_cursor,
            start_index: None,
            ..Self::new(total_results, 1, resources)
        }
    }

    /// A whole list on one page.
    pub fn whole(resources: Vec<R>) -> Self {
        let total = i64::try_from(resources.len()).unwrap_or(i64::MAX);
        Self::new(total, 1, resources)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn list_response_counts_its_page() {
        let page = ListResponse::new(7, 3, vec![json!({"id": "a"}), json!({"id": "b"})]);
        assert_eq!(
            serde_json::to_string(&page).unwrap(),
            r#"{"Resources":[{"id":"a"},{"id":"b"}],"itemsPerPage":2,"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"startIndex":3,"totalResults":7}"#
        );
        let whole = serde_json::to_value(ListResponse::whole(vec![1, 2, 3])).unwrap();
        assert_eq!(
            (
                &whole["totalResults"],
                &whole["startIndex"],
                &whole["itemsPerPage"]
            ),
            (&json!(3), &json!(1), &json!(3))
        );
    }

    #[test]
    fn a_cursor_page_carries_its_cursors_and_no_start_index() {
        let page = ListResponse::cursor_page(5, vec![1], Some("n".into()), None);
        assert_eq!(
            serde_json::to_string(&page).unwrap(),
            r#"{"Resources":[1],"itemsPerPage":1,"nextCursor":"n","schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":5}"#
        );
    }

    #[test]
    fn the_cursor_query_is_normalized_and_tells_queries_apart() {
        let query = |filter: &str, attributes: Option<&str>| {
            let params = ListParams {
                filter: Some(filter.into()),
                attributes: attributes.map(Into::into),
                cursor: Some(String::new()),
                ..ListParams::default()
            };
            ListRequest::parse(ResourceKind::User, &params, &FilterLimits::default(), 100)
                .unwrap()
                .cursor_query()
        };
        assert_eq!(
            query("userName EQ \"A\"", None),
            query("username eq \"A\"", None)
        );
        assert_ne!(
            query("userName eq \"a\"", None),
            query("userName eq \"b\"", None)
        );
        assert_ne!(
            query("userName pr", None),
            query("userName pr", Some("userName"))
        );
        assert_eq!(
            query("userName pr", Some("USERNAME")),
            query("userName pr", Some("userName"))
        );
    }

    #[test]
    fn paging_clamps_and_defaults() {
        let page =
            |start: Option<&str>, count: Option<&str>| Page::parse(start, count, 100).unwrap();
        assert_eq!(
            page(None, None),
            Page {
                start_index: 1,
                count: 100
            }
        );
        assert_eq!(
            page(Some("0"), Some("-5")),
            Page {
                start_index: 1,
                count: 0
            }
        );
        assert_eq!(
            page(Some(" 7 "), Some("100000")),
            Page {
                start_index: 7,
                count: 100
            }
        );
        assert_eq!(
            page(Some("99999999999999999999999"), None),
            Page {
                start_index: i64::MAX,
                count: 100
            }
        );
        let error = Page::parse(Some("one"), None, 100).unwrap_err();
        assert_eq!(
            (error.status, error.detail.contains("startIndex")),
            (400, true)
        );
    }

    #[test]
    fn search_body_reads_like_the_query_string() {
        let params = ListParams::from_search_body(&json!({
            "schemas": [urns::SEARCH_REQUEST],
            "attributes": ["userName", "emails"],
            "Filter": "userName sw \"b\"",
            "startIndex": 2, "count": "10", "sortBy": "userName", "sortOrder": "descending"
        }))
        .unwrap();
        let request =
            ListRequest::parse(ResourceKind::User, &params, &FilterLimits::default(), 50).unwrap();
        assert_eq!(
            request.page,
            Page {
                start_index: 2,
                count: 10
            }
        );
        assert_eq!(request.projection.attributes, ["userName", "emails"]);
        assert!(request.filter.is_some());
        assert!(request.sort.is_some_and(|sort| sort.descending));
    }

    #[test]
    fn bad_search_bodies_and_sorts_are_refused() {
        for body in [
            json!([]),
            json!({"schemas": ["urn:x"]}),
            json!({"count": true}),
            json!({"attributes": [1]}),
        ] {
            assert_eq!(
                ListParams::from_search_body(&body).unwrap_err().status,
                400,
                "{body}"
            );
        }
        let params = |sort_by: &str, order: &str| ListParams {
            sort_by: Some(sort_by.into()),
            sort_order: Some(order.into()),
            ..ListParams::default()
        };
        for (sort_by, order) in [("nope", "ascending"), ("name", ""), ("userName", "up")] {
            let error = ListRequest::parse(
                ResourceKind::User,
                &params(sort_by, order),
                &FilterLimits::default(),
                5,
            )
            .unwrap_err();
            assert_eq!(
                error.scim_type,
                Some(crate::scim::ScimType::InvalidValue),
                "{sort_by} {order}"
            );
        }
    }
}
