//! The wire-exact model of `Microsoft.DataReplication`, for every api-version the crate speaks.
//!
//! Every type keeps the fields it does not know (`additional_properties`) and every enum keeps the
//! values it does not know (`Unknown`), so a resource read, saved and loaded again is the same
//! resource, and a value the service adds tomorrow never fails a response.

#[doc(hidden)]
pub mod macros;

mod actions;
mod common;
mod enums;
mod protected_item;
mod timestamp;

pub use actions::*;
pub use common::*;
pub use enums::*;
pub use protected_item::*;
pub use timestamp::Timestamp;

#[cfg(test)]
mod tests;
