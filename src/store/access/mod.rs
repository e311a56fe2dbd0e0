//! The access configuration's rows — the model, workspaces, rules, the
//! members' SCIM role values, direct grants — and effective access (`member_roles`,
//! `member_workspace_levels`), recomputed with set-based SQL ([`recompute`])
//! in the transaction of every change that affects it: a rule change on a
//! 50,000-member group is a few statements, not 50,000 round trips.
//!
//! The semantics are [`crate::access`]'s; [`recompute`] is their SQL form.
//! These functions read and write rows and report what they found (`None`
//! for an absent row, `false` for nothing changed, a unique violation as
//! is); what that means — not found, a conflict — and the audit entries
//! and change events of a change are `service::access`'s.

pub mod grants;
pub mod held;
pub mod members;
pub mod model;
mod recompute;
pub mod reviews;
pub mod role_values;
pub mod rules;
pub mod workspaces;

pub use held::{Held, held_by};
pub use model::seed_defaults;
pub use recompute::{AccessChange, Who, recompute};
pub use role_values::set_role_values;
