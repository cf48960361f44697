//! Email configurations (`.../replicationVaults/{vault}/alertSettings`): who is told about
//! alerts.

use crate::model::common::SystemData;
use crate::model::enums::ProvisioningState;
use crate::model::request_body::writable_struct;

writable_struct! {
    /// An email configuration (`EmailConfigurationModel`). Its `PUT` is synchronous (no LRO).
    pub struct EmailConfiguration [drop] {
        /// The ARM id (read-only).
        ro id: String => "id",
        /// The name (read-only).
        ro name: String => "name",
        /// The ARM resource type (read-only).
        ro resource_type: String => "type",
        /// ARM's `systemData` (read-only).
        ro system_data: SystemData => "systemData",
        /// The properties.
        rw properties: EmailConfigurationProperties => "properties",
    }
}

writable_struct! {
    /// The properties of an email configuration (`EmailConfigurationModelProperties`).
    pub struct EmailConfigurationProperties [keep] {
        /// Whether the subscription's owners are emailed (required).
        rw send_to_owners: bool => "sendToOwners",
        /// Further addresses to email.
        rw custom_email_addresses: Vec<String> => "customEmailAddresses",
        /// The locale of the emails.
        rw locale: String => "locale",
        /// The provisioning state (read-only, 2024-09-01 and later).
        ro provisioning_state: ProvisioningState => "provisioningState",
    }
}
