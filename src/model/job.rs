//! Jobs (`.../replicationVaults/{vault}/jobs`, read-only; the preview api-version calls them
//! workflows): what the service is doing or did, with tasks and errors.

use crate::model::common::SystemData;
use crate::model::enums::{JobObjectType, JobState, ProvisioningState, TaskState};
use crate::model::request_body::{writable_polymorphic, writable_struct};
use crate::model::timestamp::Timestamp;

writable_struct! {
    /// A job (`JobModel`; preview `WorkflowModel`, same URL and fields).
    ///
    /// ```
    /// use azs_site_recovery::model::{Job, JobState};
    ///
    /// let job: Job = serde_json::from_str(r#"{
    ///     "name": "job1",
    ///     "properties": {"state": "Failed", "errors": [{"code": "TargetQuotaExceeded"}],
    ///                    "customProperties": {"instanceType": "FailoverWorkflowDetails"}}
    /// }"#).unwrap();
    /// let props = job.properties.as_ref().unwrap();
    /// assert_eq!(props.state, Some(JobState::Failed));
    /// assert_eq!(props.errors.as_ref().unwrap()[0].code.as_deref(), Some("TargetQuotaExceeded"));
    /// ```
    pub struct Job [drop] {
        /// The ARM id (read-only).
        ro id: String => "id",
        /// The name (read-only).
        ro name: String => "name",
        /// The ARM resource type (read-only).
        ro resource_type: String => "type",
        /// ARM's `systemData` (read-only).
        ro system_data: SystemData => "systemData",
        /// The properties.
        rw properties: JobProperties => "properties",
    }
}

/// The preview api-version's name for a [`Job`].
pub type Workflow = Job;

writable_struct! {
    /// The properties of a job (`JobModelProperties`; preview `WorkflowModelProperties`).
    pub struct JobProperties [keep] {
        /// The display name (read-only).
        ro display_name: String => "displayName",
        /// The state (read-only).
        ro state: JobState => "state",
        /// When the job started (read-only).
        ro start_time: Timestamp => "startTime",
        /// When the job ended (read-only).
        ro end_time: Timestamp => "endTime",
        /// The id of the object the job acts on (read-only).
        ro object_id: String => "objectId",
        /// The name of the object the job acts on (read-only).
        ro object_name: String => "objectName",
        /// The internal id of the object (read-only).
        ro object_internal_id: String => "objectInternalId",
        /// The internal name of the object (read-only).
        ro object_internal_name: String => "objectInternalName",
        /// The kind of object (read-only; preview says `Dra` for a fabric agent).
        ro object_type: JobObjectType => "objectType",
        /// The replication provider (read-only).
        ro replication_provider_id: String => "replicationProviderId",
        /// The source fabric provider (read-only).
        ro source_fabric_provider_id: String => "sourceFabricProviderId",
        /// The target fabric provider (read-only).
        ro target_fabric_provider_id: String => "targetFabricProviderId",
        /// The actions allowed on the job (read-only).
        ro allowed_actions: Vec<String> => "allowedActions",
        /// The activity id (read-only).
        ro activity_id: String => "activityId",
        /// The tasks (read-only).
        ro tasks: Vec<TaskModel> => "tasks",
        /// The errors (read-only).
        ro errors: Vec<ErrorModel> => "errors",
        /// The scenario-specific properties, by `instanceType`.
        rw custom_properties: JobCustomProperties => "customProperties",
        /// The provisioning state (read-only, 2024-09-01 and later).
        ro provisioning_state: ProvisioningState => "provisioningState",
    }
}

writable_struct! {
    /// One task of a job (`TaskModel`).
    ///
    /// The preview api-version names the nested jobs `childrenWorkflows`, later ones
    /// `childrenJobs`: both are kept as sent; [`TaskModel::children`] reads whichever is there.
    pub struct TaskModel [keep] {
        /// The task name (read-only).
        ro task_name: String => "taskName",
        /// The task state (read-only).
        ro state: TaskState => "state",
        /// When the task started (read-only).
        ro start_time: Timestamp => "startTime",
        /// When the task ended (read-only).
        ro end_time: Timestamp => "endTime",
        /// The task's custom properties.
        rw custom_properties: TaskCustomProperties => "customProperties",
        /// The nested jobs (2024-09-01 and later).
        rw children_jobs: Vec<Job> => "childrenJobs",
        /// The nested jobs (preview name).
        rw children_workflows: Vec<Job> => "childrenWorkflows",
    }
}

impl TaskModel {
    /// The nested jobs under either name (`childrenJobs`, or preview `childrenWorkflows`);
    /// empty when there are none.
    pub fn children(&self) -> &[Job] {
        self.children_jobs
            .as_deref()
            .or(self.children_workflows.as_deref())
            .unwrap_or(&[])
    }
}

writable_struct! {
    /// The custom properties of a task (`TaskModelCustomProperties`): `instanceType` is a plain
    /// string here, not a discriminator.
    pub struct TaskCustomProperties [keep] {
        /// The instance type.
        rw instance_type: String => "instanceType",
    }
}

writable_struct! {
    /// An error of a job (`ErrorModel`; all fields read-only).
    pub struct ErrorModel [keep] {
        /// The error code.
        ro code: String => "code",
        /// The error type.
        ro error_type: String => "type",
        /// The severity.
        ro severity: String => "severity",
        /// When the error was raised.
        ro creation_time: Timestamp => "creationTime",
        /// The message.
        ro message: String => "message",
        /// The possible causes.
        ro causes: String => "causes",
        /// The recommended action.
        ro recommendation: String => "recommendation",
    }
}

writable_polymorphic! {
    /// The scenario-specific properties of a job, by `instanceType`.
    ///
    /// The preview api-version tags them `*WorkflowDetails`, later ones `*JobDetails`; each tag
    /// is its own variant (so it is written back as it came) over the same field set.
    pub enum JobCustomProperties {
        /// `FailoverJobDetails`.
        Failover(FailoverJobCustomProperties) = "FailoverJobDetails",
        /// `TestFailoverJobDetails`.
        TestFailover(FailoverJobCustomProperties) = "TestFailoverJobDetails",
        /// `TestFailoverCleanupJobDetails`.
        TestFailoverCleanup(TestFailoverCleanupJobCustomProperties) = "TestFailoverCleanupJobDetails",
        /// `FailoverWorkflowDetails` (preview).
        FailoverWorkflow(FailoverJobCustomProperties) = "FailoverWorkflowDetails",
        /// `TestFailoverWorkflowDetails` (preview).
        TestFailoverWorkflow(FailoverJobCustomProperties) = "TestFailoverWorkflowDetails",
        /// `TestFailoverCleanupWorkflowDetails` (preview).
        TestFailoverCleanupWorkflow(TestFailoverCleanupJobCustomProperties) = "TestFailoverCleanupWorkflowDetails",
    }
}

impl JobCustomProperties {
    /// The failed-over items of a failover or test failover job (either api-version's tag).
    pub fn protected_item_details(&self) -> &[FailoverProtectedItemDetails] {
        match self {
            Self::Failover(p)
            | Self::TestFailover(p)
            | Self::FailoverWorkflow(p)
            | Self::TestFailoverWorkflow(p) => p.protected_item_details.as_deref().unwrap_or(&[]),
            _ => &[],
        }
    }
}

writable_struct! {
    /// The properties of a failover or test failover job (`FailoverJobModelCustomProperties`,
    /// `TestFailoverJobModelCustomProperties` and their preview `Workflow` twins).
    pub struct FailoverJobCustomProperties [keep] {
        /// What the job acts on (read-only). Preview sends a string map here; its keys are kept
        /// in the struct's `additional_properties`.
        ro affected_object_details: AffectedObjectDetails => "affectedObjectDetails",
        /// The failed-over items (read-only).
        ro protected_item_details: Vec<FailoverProtectedItemDetails> => "protectedItemDetails",
    }
}

writable_struct! {
    /// The properties of a test failover cleanup job
    /// (`TestFailoverCleanupJobModelCustomProperties`).
    pub struct TestFailoverCleanupJobCustomProperties [keep] {
        /// What the job acts on (read-only).
        ro affected_object_details: AffectedObjectDetails => "affectedObjectDetails",
        /// The user's comments (read-only).
        ro comments: String => "comments",
    }
}

writable_struct! {
    /// What a job acts on (`AffectedObjectDetails`, 2024-09-01 and later; the preview's string
    /// map lands in `additional_properties`).
    pub struct AffectedObjectDetails [keep] {
        /// A description.
        rw description: String => "description",
        /// The type (the spec knows only `object`).
        rw object_type: String => "type",
    }
}

writable_struct! {
    /// One failed-over item of a failover job (`FailoverProtectedItemProperties`; read-only).
    pub struct FailoverProtectedItemDetails [keep] {
        /// The protected item's name.
        ro protected_item_name: String => "protectedItemName",
        /// The VM name.
        ro vm_name: String => "vmName",
        /// The test VM name.
        ro test_vm_name: String => "testVmName",
        /// The recovery point failed over to.
        ro recovery_point_id: String => "recoveryPointId",
        /// When that recovery point was taken.
        ro recovery_point_time: Timestamp => "recoveryPointTime",
        /// The network.
        ro network_name: String => "networkName",
        /// The subnet.
        ro subnet: String => "subnet",
    }
}
