//! Types shared by every resource: `systemData`, health errors, the ARM error body.

use crate::model::enums::CreatedByType;
use crate::model::timestamp::Timestamp;
use crate::model_struct;

model_struct! {
    /// ARM's `systemData`: who created and last modified a resource, and when.
    pub struct SystemData {
        /// The identity that created the resource.
        created_by: String => "createdBy",
        /// The kind of identity that created the resource.
        created_by_type: CreatedByType => "createdByType",
        /// When the resource was created.
        created_at: Timestamp => "createdAt",
        /// The identity that last modified the resource.
        last_modified_by: String => "lastModifiedBy",
        /// The kind of identity that last modified the resource.
        last_modified_by_type: CreatedByType => "lastModifiedByType",
        /// When the resource was last modified.
        last_modified_at: Timestamp => "lastModifiedAt",
    }
}

model_struct! {
    /// A nested health error (`InnerHealthErrorModel`).
    pub struct InnerHealthError {
        /// The error code.
        code: String => "code",
        /// The health category.
        health_category: String => "healthCategory",
        /// The error category.
        category: String => "category",
        /// The severity.
        severity: String => "severity",
        /// The source of the error.
        source: String => "source",
        /// When the error was raised.
        creation_time: Timestamp => "creationTime",
        /// Whether the customer can resolve it.
        is_customer_resolvable: bool => "isCustomerResolvable",
        /// A summary.
        summary: String => "summary",
        /// The message.
        message: String => "message",
        /// The possible causes.
        causes: String => "causes",
        /// The recommended action.
        recommendation: String => "recommendation",
    }
}

model_struct! {
    /// A health error of a fabric, fabric agent, protected item or event (`HealthErrorModel`).
    pub struct HealthError {
        /// The type of the affected resource.
        affected_resource_type: String => "affectedResourceType",
        /// Correlation ids of the affected resources.
        affected_resource_correlation_ids: Vec<String> => "affectedResourceCorrelationIds",
        /// Nested errors.
        child_errors: Vec<InnerHealthError> => "childErrors",
        /// The error code.
        code: String => "code",
        /// The health category.
        health_category: String => "healthCategory",
        /// The error category.
        category: String => "category",
        /// The severity.
        severity: String => "severity",
        /// The source of the error.
        source: String => "source",
        /// When the error was raised.
        creation_time: Timestamp => "creationTime",
        /// Whether the customer can resolve it.
        is_customer_resolvable: bool => "isCustomerResolvable",
        /// A summary.
        summary: String => "summary",
        /// The message.
        message: String => "message",
        /// The possible causes.
        causes: String => "causes",
        /// The recommended action.
        recommendation: String => "recommendation",
    }
}

model_struct! {
    /// Additional information attached to an ARM error.
    pub struct ErrorAdditionalInfo {
        /// The kind of information.
        info_type: String => "type",
        /// The information itself.
        info: serde_json::Value => "info",
    }
}

model_struct! {
    /// The body of an ARM error: code, message, target, nested details.
    pub struct ErrorDetail {
        /// The error code, e.g. `ResourceNotFound`.
        code: String => "code",
        /// A human-readable message.
        message: String => "message",
        /// What the error is about.
        target: String => "target",
        /// Nested errors.
        details: Vec<ErrorDetail> => "details",
        /// Additional information.
        additional_info: Vec<ErrorAdditionalInfo> => "additionalInfo",
    }
}

model_struct! {
    /// ARM's error envelope: `{"error": {...}}`.
    pub struct ErrorResponse {
        /// The error.
        error: ErrorDetail => "error",
    }
}
