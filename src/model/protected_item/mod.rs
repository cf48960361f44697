//! Protected items: a VM under protection, its states and its `customProperties`.
//!
//! * [`ProtectedItem`] is the whole ARM resource, lossless (what a GET returns).
//! * [`ProtectedItemCustomProperties`] is its scenario-specific part, by `instanceType`.
//! * [`ProtectedItem::to_request_body`] builds a create (PUT) body from writable fields only;
//!   [`NewAzStackProtectedItem`] builds a new Azure Stack Hub item in a few lines.
//! * [`ProtectedItemModelUpdate`] is the PATCH body (HCI types, 2024-09-01 and later).

mod arm_ids;
mod azstack;
mod custom;
mod hci;
mod request;
mod settings;
mod update;

#[cfg(test)]
mod examples_tests;
#[cfg(test)]
mod tests;

pub(crate) use arm_ids::check_custom_properties;
pub use arm_ids::InvalidArmIdField;
pub use azstack::*;
pub use custom::*;
pub use hci::*;
pub use request::*;
pub use settings::ProtectedItemSettings;
pub use update::*;

use crate::model::common::{HealthError, SystemData};
use crate::model::enums::{
    HealthStatus, ProtectedItemActiveLocation, ProtectionState, ProvisioningState,
    ResynchronizationState, TestFailoverState,
};
use crate::model::timestamp::Timestamp;
use crate::model_struct;

model_struct! {
    /// A protected item (`Microsoft.DataReplication/replicationVaults/protectedItems`).
    pub struct ProtectedItem {
        /// The ARM id.
        id: String => "id",
        /// The name.
        name: String => "name",
        /// The ARM resource type.
        resource_type: String => "type",
        /// ARM's `systemData`.
        system_data: SystemData => "systemData",
        /// The properties.
        properties: ProtectedItemProperties => "properties",
    }
}

model_struct! {
    /// The properties of a protected item (`ProtectedItemModelProperties`).
    ///
    /// Preview (`2021-02-16-preview`) sends `draId`/`targetDraId` where later versions send
    /// `fabricAgentId`/`targetFabricAgentId`: both are kept as sent; use
    /// [`ProtectedItemProperties::fabric_agent_id`] to read whichever is there.
    pub struct ProtectedItemProperties {
        /// The replication policy's name (writable, required on create).
        policy_name: String => "policyName",
        /// The replication extension's name (writable, required on create).
        replication_extension_name: String => "replicationExtensionName",
        /// The correlation id.
        correlation_id: String => "correlationId",
        /// The provisioning state.
        provisioning_state: ProvisioningState => "provisioningState",
        /// The protection state.
        protection_state: ProtectionState => "protectionState",
        /// The protection state, in words.
        protection_state_description: String => "protectionStateDescription",
        /// The test failover state.
        test_failover_state: TestFailoverState => "testFailoverState",
        /// The test failover state, in words.
        test_failover_state_description: String => "testFailoverStateDescription",
        /// The resynchronization state.
        resynchronization_state: ResynchronizationState => "resynchronizationState",
        /// The fabric object id (the source VM, as the fabric knows it).
        fabric_object_id: String => "fabricObjectId",
        /// The fabric object name.
        fabric_object_name: String => "fabricObjectName",
        /// The source fabric provider id.
        source_fabric_provider_id: String => "sourceFabricProviderId",
        /// The target fabric provider id.
        target_fabric_provider_id: String => "targetFabricProviderId",
        /// The fabric id.
        fabric_id: String => "fabricId",
        /// The target fabric id.
        target_fabric_id: String => "targetFabricId",
        /// The fabric agent id (2024-09-01 and later).
        fabric_agent_id: String => "fabricAgentId",
        /// The target fabric agent id (2024-09-01 and later).
        target_fabric_agent_id: String => "targetFabricAgentId",
        /// The fabric agent id (preview name).
        dra_id: String => "draId",
        /// The target fabric agent id (preview name).
        target_dra_id: String => "targetDraId",
        /// Whether a resynchronization is required.
        resync_required: bool => "resyncRequired",
        /// The last successful planned failover.
        last_successful_planned_failover_time: Timestamp => "lastSuccessfulPlannedFailoverTime",
        /// The last successful unplanned failover.
        last_successful_unplanned_failover_time: Timestamp => "lastSuccessfulUnplannedFailoverTime",
        /// The last successful test failover.
        last_successful_test_failover_time: Timestamp => "lastSuccessfulTestFailoverTime",
        /// The job running on the item now.
        current_job: ProtectedItemJob => "currentJob",
        /// The jobs (scenarios) the service allows now; the vocabulary is not documented.
        allowed_jobs: Vec<String> => "allowedJobs",
        /// The last failed enable-protection job.
        last_failed_enable_protection_job: ProtectedItemJob => "lastFailedEnableProtectionJob",
        /// The last failed planned failover job.
        last_failed_planned_failover_job: ProtectedItemJob => "lastFailedPlannedFailoverJob",
        /// The last test failover job.
        last_test_failover_job: ProtectedItemJob => "lastTestFailoverJob",
        /// The replication health.
        replication_health: HealthStatus => "replicationHealth",
        /// The health errors.
        health_errors: Vec<HealthError> => "healthErrors",
        /// The scenario-specific properties, by `instanceType`.
        custom_properties: ProtectedItemCustomProperties => "customProperties",
    }
}

impl ProtectedItemProperties {
    /// The fabric agent id under either name (`fabricAgentId`, or preview `draId`).
    pub fn fabric_agent_id(&self) -> Option<&str> {
        self.fabric_agent_id.as_deref().or(self.dra_id.as_deref())
    }

    /// The target fabric agent id under either name.
    pub fn target_fabric_agent_id(&self) -> Option<&str> {
        self.target_fabric_agent_id
            .as_deref()
            .or(self.target_dra_id.as_deref())
    }
}

model_struct! {
    /// A job as a protected item refers to it (`ProtectedItemJobProperties`).
    pub struct ProtectedItemJob {
        /// The scenario, e.g. a failover.
        scenario_name: String => "scenarioName",
        /// The job's ARM id.
        id: String => "id",
        /// The job's name.
        name: String => "name",
        /// The job's display name.
        display_name: String => "displayName",
        /// The job's state (a plain string in the spec, not `JobState`).
        state: String => "state",
        /// When the job started.
        start_time: Timestamp => "startTime",
        /// When the job ended.
        end_time: Timestamp => "endTime",
    }
}

impl ProtectedItem {
    /// The protection state (`properties.protectionState`).
    pub fn protection_state(&self) -> Option<&ProtectionState> {
        self.properties.as_ref()?.protection_state.as_ref()
    }

    /// The test failover state (`properties.testFailoverState`).
    pub fn test_failover_state(&self) -> Option<&TestFailoverState> {
        self.properties.as_ref()?.test_failover_state.as_ref()
    }

    /// The scenario-specific properties (`properties.customProperties`).
    pub fn custom_properties(&self) -> Option<&ProtectedItemCustomProperties> {
        self.properties.as_ref()?.custom_properties.as_ref()
    }

    /// The `instanceType` of the custom properties, e.g. `AzStackToAzStack`.
    pub fn instance_type(&self) -> Option<&str> {
        self.custom_properties()?.instance_type()
    }

    /// Where the workload runs now, from the custom properties (`activeLocation`).
    pub fn active_location(&self) -> Option<&ProtectedItemActiveLocation> {
        self.custom_properties()?.active_location()
    }

    /// The ARM id of the protected VM on its source; see
    /// [`ProtectedItemCustomProperties::source_vm_id`].
    pub fn source_vm_id(&self) -> Option<&str> {
        self.custom_properties()?.source_vm_id()
    }

    /// The replication policy's name (`properties.policyName`).
    pub fn policy_name(&self) -> Option<&str> {
        self.properties.as_ref()?.policy_name.as_deref()
    }

    /// The replication extension's name (`properties.replicationExtensionName`).
    pub fn replication_extension_name(&self) -> Option<&str> {
        self.properties
            .as_ref()?
            .replication_extension_name
            .as_deref()
    }

    /// The jobs the service allows now (`properties.allowedJobs`; empty when not reported).
    pub fn allowed_jobs(&self) -> &[String] {
        self.properties
            .as_ref()
            .and_then(|p| p.allowed_jobs.as_deref())
            .unwrap_or(&[])
    }

    /// The health errors (`properties.healthErrors`; empty when none are reported).
    pub fn health_errors(&self) -> &[HealthError] {
        self.properties
            .as_ref()
            .and_then(|p| p.health_errors.as_deref())
            .unwrap_or(&[])
    }

    /// The replication health (`properties.replicationHealth`).
    pub fn replication_health(&self) -> Option<&HealthStatus> {
        self.properties.as_ref()?.replication_health.as_ref()
    }

    /// The job running on the item now (`properties.currentJob`).
    pub fn current_job(&self) -> Option<&ProtectedItemJob> {
        self.properties.as_ref()?.current_job.as_ref()
    }
}
