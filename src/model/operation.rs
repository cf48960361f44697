//! Long-running operation status and the provider's operation list.

use crate::model::request_body::writable_struct;

writable_struct! {
    /// The status of a long-running operation (`OperationStatus`), as the `Azure-AsyncOperation`
    /// and operation-result URLs return it. All fields are plain strings in every api-version.
    ///
    /// ARM's terminal statuses are `Succeeded`, `Failed` and `Canceled`; anything else means
    /// still running. The spec has no `error` field: a service that sends one anyway keeps it in
    /// `additional_properties`.
    pub struct OperationStatus [keep] {
        /// The operation id.
        rw id: String => "id",
        /// The operation name.
        rw name: String => "name",
        /// The status.
        rw status: String => "status",
        /// When the operation started (a plain string in the spec).
        rw start_time: String => "startTime",
        /// When the operation ended (a plain string in the spec).
        rw end_time: String => "endTime",
    }
}

impl OperationStatus {
    /// `true` when `status` is one of ARM's terminal values (`Succeeded`, `Failed`,
    /// `Canceled`, also spelled `Cancelled`), compared case-insensitively.
    pub fn is_terminal(&self) -> bool {
        self.status.as_deref().is_some_and(|s| {
            ["Succeeded", "Failed", "Canceled", "Cancelled"]
                .iter()
                .any(|t| s.eq_ignore_ascii_case(t))
        })
    }
}

writable_struct! {
    /// One entry of `GET /providers/Microsoft.DataReplication/operations` (common-types
    /// `Operation`; preview `OperationModel`).
    pub struct Operation [keep] {
        /// The RBAC name of the operation, e.g. `Microsoft.DataReplication/replicationVaults/read`.
        ro name: String => "name",
        /// Whether it is a data-plane operation.
        ro is_data_action: bool => "isDataAction",
        /// Localized display text.
        ro display: OperationDisplay => "display",
        /// Who may perform it (`user`, `system`, `user,system`).
        ro origin: String => "origin",
        /// `Internal` for internal-only APIs.
        ro action_type: String => "actionType",
    }
}

writable_struct! {
    /// The display text of an [`Operation`].
    pub struct OperationDisplay [keep] {
        /// The provider, e.g. "Microsoft DataReplication".
        ro provider: String => "provider",
        /// The resource type.
        ro resource: String => "resource",
        /// The operation.
        ro operation: String => "operation",
        /// A description.
        ro description: String => "description",
    }
}
