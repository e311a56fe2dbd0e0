//! Resource bodies in and out (RFC 7643 §2, §3; RFC 7644 §3.3, §3.5.1, §3.9),
//! one file for each part:
//!
//! - `request.rs`: a client's POST or PUT body → the stored [`Document`]
//!   ([`document_from_request`], [`normalize_attribute`]);
//! - `replace.rs`: the document a PUT leaves ([`document_for_put`]);
//! - `storable.rs`: what the store can keep ([`check_storable`],
//!   [`check_indexed_lengths`], and the walk over a body's strings);
//! - `members.rs`: a group's `members` split off its body ([`checked_members`]);
//! - `meta.rs`: what the server keeps besides the document ([`ResourceMeta`]);
//! - `render.rs`: the stored resource → its representation ([`render()`],
//!   [`schemas_of`]);
//! - `projection.rs`: `attributes` / `excludedAttributes` ([`Projection`]).

mod members;
mod meta;
mod projection;
mod render;
mod replace;
mod request;
mod storable;

use serde_json::{Map, Value};

pub use members::checked_members;
pub use meta::ResourceMeta;
pub use projection::Projection;
pub use render::{render, schemas_of};
pub use replace::document_for_put;
pub use request::{document_from_request, normalize_attribute};
pub use storable::{
    MAX_INDEXED_BYTES, StringAt, check_indexed_lengths, check_storable, check_strings, storable,
};

/// The stored form of a resource: its SCIM attributes without `id`, `meta`,
/// `schemas` and `groups`, which the server owns.
pub type Document = Map<String, Value>;
