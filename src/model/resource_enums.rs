//! Enums of the resources around the protected item that `enums.rs` does not define.

use crate::open_enum;

open_enum! {
    /// The managed identity kind of a vault (common-types `ManagedServiceIdentityType`,
    /// 2024-09-01 and later).
    pub enum ManagedServiceIdentityType {
        /// `None`.
        None = "None",
        /// `SystemAssigned`.
        SystemAssigned = "SystemAssigned",
        /// `UserAssigned`.
        UserAssigned = "UserAssigned",
        /// `SystemAssigned,UserAssigned` (both at once).
        SystemAssignedUserAssigned = "SystemAssigned,UserAssigned",
    }
}
