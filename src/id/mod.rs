//! ARM resource ids: the generic [`ResourceId`], typed ids of the `Microsoft.DataReplication`
//! resources ([`VaultId`], [`ProtectedItemId`], ...), and resource-name validation ([`names`]).
//!
//! Pure: no I/O. Ids compare case-insensitively (as ARM does) and print as written.
//!
//! **Names in typed ids are not validated on construction.** `VaultId::new(...)` and the
//! navigation methods (`vault.protected_item(name)`, ...) take names as given and never fail, so
//! building ids stays cheap and infallible; a name containing `/` yields an id that does not parse
//! back. Names are checked in one place, before any request: a typed id's `validate_names` or
//! [`validate_name`], under the chosen [`NameRules`] (ARM's general rules by default, the spec's
//! strict pattern on request).
//!
//! ```
//! use azs_site_recovery::id::{protected_item_name_for_vm, NameRules, VaultId};
//!
//! let vault = VaultId::new("0000", "dr-rg", "vault1");
//! // A stamp that enforces the spec's strict pattern needs a mapped name for `web-01`.
//! let item = vault.protected_item(&protected_item_name_for_vm("web-01"));
//! item.validate_names(NameRules::Strict)?;
//! assert_eq!(item.name(), "web018b8f603e");
//! # Ok::<(), azs_site_recovery::id::NameError>(())
//! ```

mod error;
mod grammar;
pub mod names;
mod resource_id;
mod resource_id_traits;
#[macro_use]
mod typed_macro;
mod typed;

pub use error::IdError;
pub use names::{
    protected_item_name_for_vm, validate_name, NameError, NameKind, NameProblem, NameRules,
};
pub use resource_id::ResourceId;
pub use typed::{
    EmailConfigurationId, EventId, FabricAgentId, FabricId, JobId, PolicyId, ProtectedItemId,
    RecoveryPointId, ReplicationExtensionId, VaultId, NAMESPACE,
};

#[cfg(test)]
mod tests;
