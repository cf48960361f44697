//! Request and response bodies that are not resources: name availability and deployment
//! preflight.

use crate::model::request_body::writable_struct;

writable_struct! {
    /// The body of `POST .../locations/{location}/checkNameAvailability`
    /// (`CheckNameAvailabilityModel`).
    pub struct CheckNameAvailability [keep] {
        /// The name to check.
        rw name: String => "name",
        /// The resource type, e.g. `Microsoft.DataReplication/replicationVaults`.
        rw resource_type: String => "type",
    }
}

writable_struct! {
    /// The answer of `checkNameAvailability` (`CheckNameAvailabilityResponseModel`).
    pub struct CheckNameAvailabilityResponse [keep] {
        /// Whether the name is free.
        rw name_available: bool => "nameAvailable",
        /// Why not, when it is not.
        rw reason: String => "reason",
        /// A message.
        rw message: String => "message",
    }
}

writable_struct! {
    /// The body (and answer) of `POST .../deployments/{deploymentId}/preflight`
    /// (`DeploymentPreflightModel`).
    pub struct DeploymentPreflight [keep] {
        /// The resources of the deployment.
        rw resources: Vec<DeploymentPreflightResource> => "resources",
    }
}

writable_struct! {
    /// One resource of a deployment preflight (`DeploymentPreflightResource`).
    pub struct DeploymentPreflightResource [keep] {
        /// The resource name.
        rw name: String => "name",
        /// The resource type.
        rw resource_type: String => "type",
        /// The region.
        rw location: String => "location",
        /// The api-version of the resource.
        rw api_version: String => "apiVersion",
        /// The resource's properties, as raw JSON (2024-09-01 and later).
        rw properties: serde_json::Value => "properties",
    }
}
