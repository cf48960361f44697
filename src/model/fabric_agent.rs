//! Fabric agents (`.../replicationFabrics/{fabric}/fabricAgents`): the appliance that replicates
//! a site's VMs. The preview api-version calls the model `DraModel` (Data Replication Agent); the
//! URL is the same.

use crate::model::common::{HealthError, SystemData};
use crate::model::enums::ProvisioningState;
use crate::model::request_body::{writable_polymorphic, writable_struct};
use crate::model::timestamp::Timestamp;

writable_struct! {
    /// A fabric agent (`FabricAgentModel`; preview `DraModel`), the product's "appliance".
    ///
    /// ```
    /// use azs_site_recovery::model::Appliance;
    ///
    /// let agent: Appliance = serde_json::from_str(r#"{
    ///     "name": "appliance1",
    ///     "properties": {"machineName": "appl01", "isResponsive": true,
    ///                    "customProperties": {"instanceType": "VMware", "biosId": "b"}}
    /// }"#).unwrap();
    /// assert_eq!(agent.properties.as_ref().unwrap().is_responsive, Some(true));
    /// ```
    pub struct FabricAgent [drop] {
        /// The ARM id (read-only).
        ro id: String => "id",
        /// The name (read-only).
        ro name: String => "name",
        /// The ARM resource type (read-only).
        ro resource_type: String => "type",
        /// ARM's `systemData` (read-only).
        ro system_data: SystemData => "systemData",
        /// The properties.
        rw properties: FabricAgentProperties => "properties",
    }
}

/// The product's name for a fabric agent.
pub type Appliance = FabricAgent;

writable_struct! {
    /// The properties of a fabric agent (`FabricAgentModelProperties`; preview
    /// `DraModelProperties`, same fields).
    pub struct FabricAgentProperties [keep] {
        /// The correlation id (read-only).
        ro correlation_id: String => "correlationId",
        /// The id of the machine the agent runs on (required).
        rw machine_id: String => "machineId",
        /// The name of the machine the agent runs on (required).
        rw machine_name: String => "machineName",
        /// The identity the agent authenticates with (required).
        rw authentication_identity: AgentIdentity => "authenticationIdentity",
        /// The identity the agent accesses resources with (required).
        rw resource_access_identity: AgentIdentity => "resourceAccessIdentity",
        /// Whether the agent responds (read-only).
        ro is_responsive: bool => "isResponsive",
        /// The agent's last heartbeat (read-only).
        ro last_heartbeat: Timestamp => "lastHeartbeat",
        /// The agent's version (read-only).
        ro version_number: String => "versionNumber",
        /// The provisioning state (read-only).
        ro provisioning_state: ProvisioningState => "provisioningState",
        /// The health errors (read-only).
        ro health_errors: Vec<HealthError> => "healthErrors",
        /// The scenario-specific properties, by `instanceType` (required).
        rw custom_properties: FabricAgentCustomProperties => "customProperties",
    }
}

writable_struct! {
    /// A Microsoft Entra ID identity of a fabric agent (`IdentityModel`).
    pub struct AgentIdentity [keep] {
        /// The tenant id.
        rw tenant_id: String => "tenantId",
        /// The application id.
        rw application_id: String => "applicationId",
        /// The object id.
        rw object_id: String => "objectId",
        /// The audience.
        rw audience: String => "audience",
        /// The authority (e.g. `https://login.microsoftonline.com`, or the stamp's AD FS).
        rw aad_authority: String => "aadAuthority",
    }
}

writable_polymorphic! {
    /// The scenario-specific properties of a fabric agent, by `instanceType`.
    pub enum FabricAgentCustomProperties {
        /// `VMware`: an appliance in a VMware site.
        VMware(VMwareFabricAgentCustomProperties) = "VMware",
    }
}

writable_struct! {
    /// `VMware` fabric agent properties (`VMwareFabricAgentModelCustomProperties`).
    pub struct VMwareFabricAgentCustomProperties [keep] {
        /// The BIOS id of the appliance machine (required).
        rw bios_id: String => "biosId",
        /// The identity of the MARS agent (required).
        rw mars_authentication_identity: AgentIdentity => "marsAuthenticationIdentity",
    }
}
