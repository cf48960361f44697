//! Events (`.../replicationVaults/{vault}/events`, read-only): what happened to the vault's
//! resources, with health errors.

use crate::model::common::{HealthError, SystemData};
use crate::model::enums::ProvisioningState;
use crate::model::request_body::{writable_polymorphic, writable_struct};
use crate::model::timestamp::Timestamp;

writable_struct! {
    /// An event (`EventModel`).
    pub struct Event [drop] {
        /// The ARM id (read-only).
        ro id: String => "id",
        /// The name (read-only).
        ro name: String => "name",
        /// The ARM resource type (read-only).
        ro resource_type: String => "type",
        /// ARM's `systemData` (read-only).
        ro system_data: SystemData => "systemData",
        /// The properties.
        rw properties: EventProperties => "properties",
    }
}

writable_struct! {
    /// The properties of an event (`EventModelProperties`).
    pub struct EventProperties [keep] {
        /// The type of the resource the event is about (read-only).
        ro resource_type: String => "resourceType",
        /// The name of the resource the event is about (read-only).
        ro resource_name: String => "resourceName",
        /// The event type (read-only).
        ro event_type: String => "eventType",
        /// The event name (read-only).
        ro event_name: String => "eventName",
        /// When it happened at the source (read-only).
        ro time_of_occurrence: Timestamp => "timeOfOccurrence",
        /// The severity (read-only).
        ro severity: String => "severity",
        /// The description (read-only).
        ro description: String => "description",
        /// The correlation id (read-only).
        ro correlation_id: String => "correlationId",
        /// The health errors (read-only).
        ro health_errors: Vec<HealthError> => "healthErrors",
        /// The scenario-specific properties, by `instanceType`.
        rw custom_properties: EventCustomProperties => "customProperties",
        /// The provisioning state (read-only, 2024-09-01 and later).
        ro provisioning_state: ProvisioningState => "provisioningState",
    }
}

writable_polymorphic! {
    /// The scenario-specific properties of an event, by `instanceType`.
    pub enum EventCustomProperties {
        /// `HyperVToAzStackHCI`.
        HyperVToAzStackHCI(HyperVToAzStackHCIEventCustomProperties) = "HyperVToAzStackHCI",
        /// `VMwareToAzStackHCI` (2024-09-01 and later).
        VMwareToAzStackHCI(VMwareToAzStackHCIEventCustomProperties) = "VMwareToAzStackHCI",
    }
}

writable_struct! {
    /// `HyperVToAzStackHCI` event properties (all read-only).
    pub struct HyperVToAzStackHCIEventCustomProperties [keep] {
        /// The friendly name of the event's source.
        ro event_source_friendly_name: String => "eventSourceFriendlyName",
        /// The friendly name of the protected item.
        ro protected_item_friendly_name: String => "protectedItemFriendlyName",
        /// The source appliance.
        ro source_appliance_name: String => "sourceApplianceName",
        /// The target appliance.
        ro target_appliance_name: String => "targetApplianceName",
        /// The server type.
        ro server_type: String => "serverType",
    }
}

writable_struct! {
    /// `VMwareToAzStackHCI` event properties (all read-only).
    pub struct VMwareToAzStackHCIEventCustomProperties [keep] {
        /// The friendly name of the event's source.
        ro event_source_friendly_name: String => "eventSourceFriendlyName",
        /// The friendly name of the protected item.
        ro protected_item_friendly_name: String => "protectedItemFriendlyName",
        /// The source appliance.
        ro source_appliance_name: String => "sourceApplianceName",
        /// The target appliance.
        ro target_appliance_name: String => "targetApplianceName",
        /// The server type.
        ro server_type: String => "serverType",
    }
}
