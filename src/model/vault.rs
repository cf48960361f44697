//! Vaults (`Microsoft.DataReplication/replicationVaults`): the container of policies,
//! extensions, protected items and jobs.

use crate::model::common::SystemData;
use crate::model::enums::{
    ProvisioningState, PublicNetworkAccess, ReplicationVaultType, VaultIdentityType,
    VaultPrivateEndpointState,
};
use crate::model::private_endpoint::PrivateEndpointConnection;
use crate::model::request_body::writable_struct;
use crate::model::resource_enums::ManagedServiceIdentityType;
use std::collections::BTreeMap;

writable_struct! {
    /// A vault (`VaultModel`): a tracked resource, with `location`, `tags` and (2024-09-01 and
    /// later) a managed `identity`.
    ///
    /// ```
    /// use azs_site_recovery::model::{ReplicationVaultType, Vault};
    ///
    /// let vault: Vault = serde_json::from_str(r#"{
    ///     "name": "vault1", "location": "local",
    ///     "properties": {"vaultType": "DisasterRecovery", "provisioningState": "Succeeded"}
    /// }"#).unwrap();
    /// let props = vault.properties.as_ref().unwrap();
    /// assert_eq!(props.vault_type, Some(ReplicationVaultType::DisasterRecovery));
    /// ```
    pub struct Vault [drop] {
        /// The ARM id (read-only).
        ro id: String => "id",
        /// The name (read-only).
        ro name: String => "name",
        /// The ARM resource type (read-only).
        ro resource_type: String => "type",
        /// ARM's `systemData` (read-only).
        ro system_data: SystemData => "systemData",
        /// The region (required on create, cannot change afterwards).
        rw location: String => "location",
        /// Resource tags.
        rw tags: BTreeMap<String, String> => "tags",
        /// The managed identity (2024-09-01 and later).
        rw identity: ManagedServiceIdentity => "identity",
        /// The properties.
        rw properties: VaultProperties => "properties",
    }
}

writable_struct! {
    /// The properties of a vault (`VaultModelProperties`).
    pub struct VaultProperties [keep] {
        /// The provisioning state (read-only).
        ro provisioning_state: ProvisioningState => "provisioningState",
        /// The service resource id (read-only).
        ro service_resource_id: String => "serviceResourceId",
        /// The kind of vault.
        rw vault_type: ReplicationVaultType => "vaultType",
        /// The private endpoint state (read-only, 2026-05-01).
        ro private_endpoint_state: VaultPrivateEndpointState => "privateEndpointState",
        /// Whether public networks may reach the vault (2026-05-01).
        rw public_network_access: PublicNetworkAccess => "publicNetworkAccess",
        /// The private endpoint connections (read-only, 2026-05-01).
        ro private_endpoint_connections: Vec<PrivateEndpointConnection> => "privateEndpointConnections",
    }
}

writable_struct! {
    /// A managed service identity (common-types v6 `ManagedServiceIdentity`), on a vault.
    pub struct ManagedServiceIdentity [keep] {
        /// The kind of identity.
        rw identity_type: ManagedServiceIdentityType => "type",
        /// The principal id of the system-assigned identity (read-only).
        ro principal_id: String => "principalId",
        /// The tenant id of the system-assigned identity (read-only).
        ro tenant_id: String => "tenantId",
        /// The user-assigned identities, by ARM id.
        rw user_assigned_identities: BTreeMap<String, UserAssignedIdentity> => "userAssignedIdentities",
    }
}

writable_struct! {
    /// One user-assigned identity of a vault (its value in `userAssignedIdentities`: send it
    /// empty, `{}`).
    pub struct UserAssignedIdentity [keep] {
        /// The principal id (read-only).
        ro principal_id: String => "principalId",
        /// The client id (read-only).
        ro client_id: String => "clientId",
    }
}

writable_struct! {
    /// The body of a vault update (`PATCH`, `VaultModelUpdate`).
    pub struct VaultUpdate [drop] {
        /// The ARM id (read-only).
        ro id: String => "id",
        /// The name (read-only).
        ro name: String => "name",
        /// The ARM resource type (read-only).
        ro resource_type: String => "type",
        /// ARM's `systemData` (read-only).
        ro system_data: SystemData => "systemData",
        /// Resource tags.
        rw tags: BTreeMap<String, String> => "tags",
        /// The properties.
        rw properties: VaultProperties => "properties",
        /// The identity (2024-09-01 and later).
        rw identity: VaultUpdateIdentity => "identity",
    }
}

/// The spec's name for [`VaultUpdate`].
pub type VaultModelUpdate = VaultUpdate;

writable_struct! {
    /// The identity in a vault update (`VaultIdentityModel`).
    pub struct VaultUpdateIdentity [keep] {
        /// The kind of identity (required).
        rw identity_type: VaultIdentityType => "type",
        /// The principal id (read-only).
        ro principal_id: String => "principalId",
        /// The tenant id (read-only).
        ro tenant_id: String => "tenantId",
    }
}
