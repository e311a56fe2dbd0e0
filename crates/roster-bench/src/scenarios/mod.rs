//! Issue 7's scenarios, one file per group, and what they share: the
//! endpoints, the sizes, and the users and groups the initial sync created.

pub mod access;
pub mod console;
pub mod list;
pub mod lookup;
pub mod membership;
pub mod sync;
pub mod writes;

use std::rc::Rc;
use std::time::Duration;

use super::client::{Endpoint, Response};
use super::load::Length;
use super::report::Report;

/// The sizes and lengths of a run.
pub struct Settings {
    pub users: usize,
    pub groups: usize,
    /// The sizes of the groups the membership scenario uses, ascending.
    pub group_sizes: Vec<usize>,
    pub connections: usize,
    /// Members per `add` PATCH while building groups.
    pub batch: usize,
    pub duration: Duration,
    pub warmup: Duration,
    /// Timed PATCHes per group size and operation.
    pub samples: usize,
    pub seed: u64,
}

impl Settings {
    /// The length of a throughput scenario.
    pub fn timed(&self) -> Length {
        Length::Timed {
            warmup: self.warmup,
            measure: self.duration,
        }
    }
}

/// A group the membership scenario uses, of `size` members: the users
/// numbered `0..size`.
pub struct SizedGroup {
    pub size: usize,
    pub id: String,
}

/// The state of a run, passed from scenario to scenario.
pub struct Bench {
    pub scim: Rc<Endpoint>,
    /// `/api/v1` with a token that reads access (`access` scope).
    pub access_read: Option<Rc<Endpoint>>,
    /// `/api/v1` with an `admin` token.
    pub admin: Option<Rc<Endpoint>>,
    pub settings: Settings,
    /// In every name the run creates.
    pub tag: String,
    /// The ids of the users the initial sync created, by number.
    pub users: Vec<String>,
    /// The number of the next user to create.
    pub next_user: usize,
    pub sized_groups: Vec<SizedGroup>,
    /// The ids of the users the create scenario added.
    pub created: Vec<String>,
    pub report: Report,
}

impl Bench {
    /// The largest of the sized groups.
    pub fn largest_group(&self) -> Option<&SizedGroup> {
        self.sized_groups.last()
    }
}

/// The `id` of a created resource's JSON.
pub fn id_of(response: &Response) -> Result<String, String> {
    serde_json::from_slice::<serde_json::Value>(&response.body)
        .ok()
        .and_then(|value| value["id"].as_str().map(str::to_owned))
        .ok_or_else(|| format!("no id in the answer: {}", response.excerpt()))
}
