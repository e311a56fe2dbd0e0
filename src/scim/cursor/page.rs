//! Cursor paging's parameters (RFC 9865 §2, §2.1, §2.4) and how a page read
//! by keyset becomes the page with its `nextCursor` / `previousCursor`.

use uuid::Uuid;

use super::{Position, invalid_count};
use crate::scim::ScimError;
use crate::scim::list::ListParams;

/// A cursor-paged request (RFC 9865 §2): the cursor as sent (`None` for the
/// first page: empty or without a value) and the page size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorRequest {
    pub cursor: Option<String>,
    pub count: u32,
}

impl CursorRequest {
    /// `cursor` and `count` of a cursor-paged request (RFC 9865 §2, §2.1,
    /// §2.4): a `count` below 0 counts as 0, above `max` or not a number is
    /// 400 `invalidCount`; no `count` is `max` (the `defaultPageSize`).
    /// `startIndex` asks for the other paging method, and `sortBy` for an
    /// order the cursor does not walk (docs/SCIM.md): each is 400
    /// `invalidValue` beside a cursor.
    pub(crate) fn parse(cursor: &str, params: &ListParams, max: usize) -> Result<Self, ScimError> {
        if params.start_index.is_some() {
            return Err(ScimError::invalid_value(
                "send either 'cursor' (cursor paging, RFC 9865) or 'startIndex' (index paging, \
                 RFC 7644 §3.4.2.4), not both",
            ));
        }
        if params.sort_by.is_some() {
            return Err(ScimError::invalid_value(
                "'sortBy' cannot be combined with 'cursor': a cursor walks the resources in id \
                 order; sort with index paging (startIndex) instead",
            ));
        }
        let max = u32::try_from(max).unwrap_or(u32::MAX);
        let count = match params.count.as_deref().map(str::trim) {
            None => max,
            Some(raw) => match raw.parse::<i64>() {
                Ok(count) if count <= 0 => 0,
                Ok(count) if count <= i64::from(max) => u32::try_from(count).unwrap_or(max),
                _ => {
                    return Err(invalid_count(format!(
                        "'count' must be a whole number from 0 to {max} (maxPageSize) with a \
                         cursor, and the same on every page of a walk"
                    )));
                }
            },
        };
        let cursor = cursor.trim();
        Ok(Self {
            cursor: (!cursor.is_empty()).then(|| cursor.to_owned()),
            count,
        })
    }
}

/// One page of a cursor walk: the resources, and where the next and the
/// previous pages start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Position>,
    pub previous: Option<Position>,
}

/// The page at `position` of `count` resources, from what the keyset read
/// returned: up to `count + 1` resources — in id order from `position`, or
/// in reverse id order for [`Position::Before`] — the one past the page
/// telling that there is more in that direction.
///
/// `nextCursor` is on every page but the last (RFC 9865 §2), and on every
/// page read backwards (the page it came from follows it). `previousCursor`
/// is never on a first page (§2); it is on every later one that has a
/// resource, and on a page read backwards when more precede it.
pub fn page<T>(
    position: Position,
    count: u32,
    mut read: Vec<T>,
    id_of: impl Fn(&T) -> Uuid,
) -> Page<T> {
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let more = read.len() > count;
    read.truncate(count);
    if count == 0 {
        // A count of 0 asks only for totalResults: no page to walk on from.
        return Page {
            items: read,
            next: None,
            previous: None,
        };
    }
    match position {
        Position::Start | Position::After(_) => {
            let first = read.first().map(&id_of);
            let last = read.last().map(&id_of);
            Page {
                next: last.filter(|_| more).map(Position::After),
                previous: first
                    .filter(|_| position != Position::Start)
                    .map(Position::Before),
                items: read,
            }
        }
        Position::Before(_) => {
            read.reverse();
            let first = read.first().map(&id_of);
            let last = read.last().map(&id_of);
            Page {
                // Nothing before the page any more: the walk goes on from the start.
                next: Some(last.map_or(Position::Start, Position::After)),
                previous: first.filter(|_| more).map(Position::Before),
                items: read,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::filter::FilterLimits;
    use crate::scim::list::ListRequest;
    use crate::scim::schema::ResourceKind;

    fn cursor_params(cursor: &str, count: Option<&str>) -> ListParams {
        ListParams {
            cursor: Some(cursor.into()),
            count: count.map(Into::into),
            ..ListParams::default()
        }
    }

    fn parse_cursor(params: &ListParams) -> Result<ListRequest, ScimError> {
        ListRequest::parse(ResourceKind::User, params, &FilterLimits::default(), 100)
    }

    #[test]
    fn cursor_paging_reads_cursor_and_count() {
        let request = |cursor: &str, count: Option<&str>| {
            parse_cursor(&cursor_params(cursor, count))
                .unwrap()
                .cursor
                .unwrap()
        };
        assert_eq!(
            request("", None),
            CursorRequest {
                cursor: None,
                count: 100
            }
        );
        assert_eq!(request(" abc ", Some("100")).cursor.as_deref(), Some("abc"));
        assert_eq!(request("", Some("100")).count, 100, "at the limit");
        assert_eq!(
            request("", Some("-3")).count,
            0,
            "negative is 0 (RFC 9865 §2)"
        );
        for count in ["101", "ten", "99999999999999999999"] {
            let error = parse_cursor(&cursor_params("", Some(count))).unwrap_err();
            assert_eq!(
                error.scim_type.as_ref().map(crate::scim::ScimType::as_str),
                Some("invalidCount"),
                "{count}"
            );
        }
        let page = parse_cursor(&cursor_params("", Some("7"))).unwrap().page;
        assert_eq!((page.start_index, page.count), (1, 7));
        for params in [
            ListParams {
                start_index: Some("1".into()),
                ..cursor_params("", None)
            },
            ListParams {
                sort_by: Some("userName".into()),
                ..cursor_params("", None)
            },
        ] {
            let error = parse_cursor(&params).unwrap_err();
            assert_eq!(error.scim_type, Some(crate::scim::ScimType::InvalidValue));
        }
        assert!(
            parse_cursor(&ListParams::default())
                .unwrap()
                .cursor
                .is_none()
        );
        let body = ListParams::from_search_body(&json!({"cursor": "", "count": 5})).unwrap();
        assert_eq!(parse_cursor(&body).unwrap().cursor.unwrap().count, 5);
    }

    fn ids(range: std::ops::Range<u128>) -> Vec<Uuid> {
        range.map(Uuid::from_u128).collect()
    }

    #[test]
    fn pages_forward_say_where_the_next_and_previous_start() {
        let id = |n| Uuid::from_u128(n);
        let first = page(Position::Start, 3, ids(1..5), |u| *u);
        assert_eq!(first.items, ids(1..4));
        assert_eq!(first.next, Some(Position::After(id(3))));
        assert_eq!(first.previous, None, "never on the first page");
        let middle = page(Position::After(id(3)), 3, ids(4..8), |u| *u);
        assert_eq!(middle.next, Some(Position::After(id(6))));
        assert_eq!(middle.previous, Some(Position::Before(id(4))));
        let last = page(Position::After(id(6)), 3, ids(7..9), |u| *u);
        assert_eq!(
            (last.next, last.previous),
            (None, Some(Position::Before(id(7))))
        );
        let exact = page(Position::Start, 3, ids(1..4), |u| *u);
        assert_eq!(exact.next, None, "no resource after a full last page");
        let empty = page(Position::After(id(9)), 3, Vec::new(), |u: &Uuid| *u);
        assert_eq!((empty.next, empty.previous), (None, None));
        let totals_only = page(Position::Start, 0, ids(1..2), |u| *u);
        assert_eq!(
            (
                totals_only.items.len(),
                totals_only.next,
                totals_only.previous
            ),
            (0, None, None)
        );
    }

    #[test]
    fn pages_backward_come_out_in_id_order() {
        let id = |n| Uuid::from_u128(n);
        let read: Vec<Uuid> = ids(3..7).into_iter().rev().collect();
        let back = page(Position::Before(id(7)), 3, read, |u| *u);
        assert_eq!(back.items, ids(4..7));
        assert_eq!(back.next, Some(Position::After(id(6))));
        assert_eq!(back.previous, Some(Position::Before(id(4))));
        let first = page(
            Position::Before(id(3)),
            3,
            ids(1..3).into_iter().rev().collect(),
            |u| *u,
        );
        assert_eq!(first.items, ids(1..3));
        assert_eq!(
            (first.next, first.previous),
            (Some(Position::After(id(2))), None)
        );
        let gone = page(Position::Before(id(3)), 3, Vec::new(), |u: &Uuid| *u);
        assert_eq!((gone.next, gone.previous), (Some(Position::Start), None));
    }

    /// The store's keyset read, over a set of ids: up to `limit` after (or,
    /// backwards, before) the position.
    fn keyset(
        members: &std::collections::BTreeSet<u128>,
        position: Position,
        limit: usize,
    ) -> Vec<Uuid> {
        let ids: Vec<u128> = match position {
            Position::Start => members.iter().take(limit).copied().collect(),
            Position::After(id) => members
                .range(id.as_u128() + 1..)
                .take(limit)
                .copied()
                .collect(),
            Position::Before(id) => members
                .range(..id.as_u128())
                .rev()
                .take(limit)
                .copied()
                .collect(),
        };
        ids.into_iter().map(Uuid::from_u128).collect()
    }

    proptest::proptest! {
        /// Whatever is created and deleted between pages, a walk forwards (and
        /// then back from its last page) returns every member that exists
        /// for the whole walk exactly once, and no member twice.
        #[test]
        fn a_walk_returns_every_stable_member_once(
            initial in proptest::collection::btree_set(0u128..500, 0..60),
            count in 1u32..8,
            changes in proptest::collection::vec(
                (proptest::collection::vec(0u128..500, 0..4), proptest::collection::vec(0u128..500, 0..4)),
                0..40,
            ),
        ) {
            let mut members = initial.clone();
            let mut deleted = std::collections::BTreeSet::new();
            let mut changes = changes.into_iter();
            let mut between = |members: &mut std::collections::BTreeSet<u128>| {
                if let Some((add, remove)) = changes.next() {
                    members.extend(add);
                    for id in remove {
                        if members.remove(&id) {
                            deleted.insert(id);
                        }
                    }
                }
            };
            let limit = usize::try_from(count).unwrap() + 1;
            let mut forward = Vec::new();
            let mut position = Position::Start;
            let last = loop {
                let page = page(position, count, keyset(&members, position, limit), |u| *u);
                forward.extend(page.items.iter().map(|u| u.as_u128()));
                between(&mut members);
                match page.next {
                    Some(next) => position = next,
                    None => break page.previous,
                }
            };
            let mut backward = Vec::new();
            let mut previous = last;
            while let Some(position) = previous {
                let page = page(position, count, keyset(&members, position, limit), |u| *u);
                backward.extend(page.items.iter().map(|u| u.as_u128()));
                between(&mut members);
                previous = page.previous;
            }
            let stable: Vec<u128> = initial.difference(&deleted).copied().collect();
            for walk in [&forward, &backward] {
                let mut sorted = walk.clone();
                sorted.sort_unstable();
                sorted.dedup();
                proptest::prop_assert_eq!(sorted.len(), walk.len(), "a member twice: {:?}", walk);
            }
            for id in &stable {
                proptest::prop_assert!(forward.contains(id), "{} missed forwards", id);
            }
            // Back from the last page: every stable member before its first.
            if let Some(Position::Before(first)) = last {
                for id in stable.iter().filter(|id| **id < first.as_u128()) {
                    proptest::prop_assert!(backward.contains(id), "{} missed backwards", id);
                }
            }
        }
    }
}
