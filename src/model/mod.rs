//! The wire-exact model of `Microsoft.DataReplication`, for every api-version the crate speaks.
//!
//! Every type keeps the fields it does not know (`additional_properties`) and every enum keeps the
//! values it does not know (`Unknown`), so a resource read, saved and loaded again is the same
//! resource, and a value the service adds tomorrow never fails a response.
//!
//! Enum values keep the casing they came with: ARM is loose about casing, so a known value is
//! matched ignoring case (`"protected"` reads as [`ProtectionState::Protected`] and matches it in
//! a `match`), and a field left as it was is written back as it came, so a read-modify-write
//! changes no byte the caller did not touch. A field set to another value is written in the
//! specification's casing. Equality ignores casing. This holds for every single-valued enum field
//! of a model struct, in `customProperties` too.
//!
//! ```
//! use azs_site_recovery::model::{ProtectedItem, ProtectionState};
//!
//! let mut item: ProtectedItem =
//!     serde_json::from_str(r#"{"properties": {"protectionState": "protected"}}"#).unwrap();
//! let state = item.properties.as_ref().and_then(|p| p.protection_state.clone());
//! assert_eq!(state, Some(ProtectionState::Protected));
//! assert_eq!(
//!     serde_json::to_string(&item).unwrap(),
//!     r#"{"properties":{"protectionState":"protected"}}"#
//! );
//!
//! if let Some(p) = item.properties.as_mut() {
//!     p.protection_state = Some(ProtectionState::PlannedFailoverInitiated);
//! }
//! assert_eq!(
//!     serde_json::to_string(&item).unwrap(),
//!     r#"{"properties":{"protectionState":"PlannedFailoverInitiated"}}"#
//! );
//! ```
//!
//! Request bodies are a separate concern: [`RequestBody::to_request_body`] builds the body of a
//! `PUT`/`PATCH` from writable fields only.

#[doc(hidden)]
pub mod macros;

mod actions;
mod common;
mod email;
mod enums;
mod event;
mod extension;
mod fabric;
mod fabric_agent;
mod job;
mod misc;
mod operation;
mod page;
mod policy;
mod private_endpoint;
mod protected_item;
mod protection_state;
mod recovery_point;
pub(crate) mod request_body;
mod resource_enums;
mod timestamp;
mod vault;

pub use actions::*;
pub use common::*;
pub use email::*;
pub use enums::*;
pub use event::*;
pub use extension::*;
pub use fabric::*;
pub use fabric_agent::*;
pub use job::*;
pub use misc::*;
pub use operation::*;
pub use page::Page;
pub use policy::*;
pub use private_endpoint::*;
pub use protected_item::*;
pub use protection_state::*;
pub use recovery_point::*;
pub use request_body::RequestBody;
pub use resource_enums::*;
pub use timestamp::Timestamp;
pub use vault::*;

#[cfg(test)]
mod casing_tests;
#[cfg(test)]
mod in_place_tests;
#[cfg(test)]
mod tests;
