//! The wire-exact model of `Microsoft.DataReplication`, for every api-version the crate speaks.
//!
//! Every type keeps the fields it does not know (`additional_properties`) and every enum keeps the
//! values it does not know (`Unknown`), so a resource read, saved and loaded again is the same
//! resource, and a value the service adds tomorrow never fails a response.

#[doc(hidden)]
pub mod macros;

mod common;
mod enums;
mod protected_item;
mod protection_state;
mod timestamp;

pub use common::*;
pub use enums::*;
pub use protected_item::*;
pub use protection_state::*;
pub use timestamp::Timestamp;

#[cfg(test)]
mod tests;
