//! Private endpoint connections and private link resources of a vault (2024-09-01 and later).

use crate::model::common::SystemData;
use crate::model::enums::{PrivateEndpointConnectionStatus, ProvisioningState};
use crate::model::request_body::writable_struct;

writable_struct! {
    /// A private endpoint connection of a vault
    /// (`.../replicationVaults/{vault}/privateEndpointConnections/{name}`).
    pub struct PrivateEndpointConnection [drop] {
        /// The ARM id (read-only).
        ro id: String => "id",
        /// The name (read-only).
        ro name: String => "name",
        /// The ARM resource type (read-only).
        ro resource_type: String => "type",
        /// ARM's `systemData` (read-only).
        ro system_data: SystemData => "systemData",
        /// The properties.
        rw properties: PrivateEndpointConnectionProperties => "properties",
    }
}

writable_struct! {
    /// The properties of a private endpoint connection
    /// (`PrivateEndpointConnectionResponseProperties`).
    pub struct PrivateEndpointConnectionProperties [keep] {
        /// The provisioning state (read-only).
        ro provisioning_state: ProvisioningState => "provisioningState",
        /// The private endpoint.
        rw private_endpoint: PrivateEndpoint => "privateEndpoint",
        /// The state of the connection.
        rw private_link_service_connection_state: PrivateLinkServiceConnectionState => "privateLinkServiceConnectionState",
    }
}

writable_struct! {
    /// A private endpoint, by ARM id.
    pub struct PrivateEndpoint [keep] {
        /// The ARM id of the private endpoint.
        rw id: String => "id",
    }
}

writable_struct! {
    /// The approval state of a private endpoint connection.
    pub struct PrivateLinkServiceConnectionState [keep] {
        /// Approved, pending, rejected or disconnected.
        rw status: PrivateEndpointConnectionStatus => "status",
        /// Why the state is what it is.
        rw description: String => "description",
        /// What the consumer must do.
        rw actions_required: String => "actionsRequired",
    }
}

writable_struct! {
    /// A private link resource of a vault (read-only,
    /// `.../replicationVaults/{vault}/privateLinkResources/{name}`).
    pub struct PrivateLinkResource [drop] {
        /// The ARM id (read-only).
        ro id: String => "id",
        /// The name (read-only).
        ro name: String => "name",
        /// The ARM resource type (read-only).
        ro resource_type: String => "type",
        /// ARM's `systemData` (read-only).
        ro system_data: SystemData => "systemData",
        /// The properties.
        rw properties: PrivateLinkResourceProperties => "properties",
    }
}

writable_struct! {
    /// The properties of a private link resource.
    pub struct PrivateLinkResourceProperties [keep] {
        /// The group id.
        rw group_id: String => "groupId",
        /// The required member names.
        rw required_members: Vec<String> => "requiredMembers",
        /// The required private DNS zone names.
        rw required_zone_names: Vec<String> => "requiredZoneNames",
        /// The provisioning state (read-only).
        ro provisioning_state: ProvisioningState => "provisioningState",
    }
}
