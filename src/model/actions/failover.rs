//! Failover bodies: planned (documented), test and unplanned (inferred).

use super::{custom_needs_id, InvalidActionBody, ProtectedItemAction, RecoveryPointChoice};
use crate::{model_struct, polymorphic};

model_struct! {
    /// `shutdownSourceVM`: the planned-failover settings of every instance type
    /// (`HyperVToAzStackHCIPlannedFailoverModelCustomProperties`, the VMware one, and the
    /// inferred `AzStackToAzStack` one).
    pub struct PlannedFailoverOptions {
        /// Shut the source VM down before failing over (required by the public spec).
        shutdown_source_vm: bool => "shutdownSourceVM",
    }
}

polymorphic! {
    /// The custom properties of a [`PlannedFailover`] body.
    pub enum PlannedFailoverCustomProperties {
        /// `HyperVToAzStackHCI` (public spec).
        HyperVToAzStackHCI(PlannedFailoverOptions) = "HyperVToAzStackHCI",
        /// `VMwareToAzStackHCI` (public spec).
        VMwareToAzStackHCI(PlannedFailoverOptions) = "VMwareToAzStackHCI",
        /// `AzStackToAzStack` (inferred, not documented by Microsoft).
        AzStackToAzStack(PlannedFailoverOptions) = "AzStackToAzStack",
    }
}

action_body! {
    /// The `plannedFailover` body (`PlannedFailoverModel`; documented by Microsoft for the HCI
    /// types). Also the failback step on Azure Stack Hub (after re-protect).
    ///
    /// ```
    /// use azs_site_recovery::model::PlannedFailover;
    /// let body = PlannedFailover::azstack(true);
    /// assert_eq!(serde_json::to_string(&body).unwrap(),
    ///     r#"{"properties":{"customProperties":{"instanceType":"AzStackToAzStack","shutdownSourceVM":true}}}"#);
    /// ```
    PlannedFailover, PlannedFailoverProperties, PlannedFailoverCustomProperties, "plannedFailover", true
}

fn shutdown(shutdown_source_vm: bool) -> PlannedFailoverOptions {
    PlannedFailoverOptions {
        shutdown_source_vm: Some(shutdown_source_vm),
        ..Default::default()
    }
}

impl PlannedFailover {
    /// An Azure Stack Hub planned failover (`AzStackToAzStack`, inferred).
    pub fn azstack(shutdown_source_vm: bool) -> Self {
        Self::new(PlannedFailoverCustomProperties::AzStackToAzStack(shutdown(
            shutdown_source_vm,
        )))
    }

    /// A Hyper-V → Azure Stack HCI planned failover (public spec).
    pub fn hyperv_to_hci(shutdown_source_vm: bool) -> Self {
        Self::new(PlannedFailoverCustomProperties::HyperVToAzStackHCI(
            shutdown(shutdown_source_vm),
        ))
    }

    /// A VMware → Azure Stack HCI planned failover (public spec).
    pub fn vmware_to_hci(shutdown_source_vm: bool) -> Self {
        Self::new(PlannedFailoverCustomProperties::VMwareToAzStackHCI(
            shutdown(shutdown_source_vm),
        ))
    }
}

model_struct! {
    /// The `AzStackToAzStack` test failover settings (inferred, not documented by Microsoft).
    pub struct TestFailoverOptions {
        /// Which recovery point to use.
        recovery_point: RecoveryPointChoice => "recoveryPoint",
        /// The recovery point's id (name or ARM id), with [`RecoveryPointChoice::Custom`].
        recovery_point_id: String => "recoveryPointId",
    }
}

polymorphic! {
    /// The custom properties of a [`TestFailover`] body.
    pub enum TestFailoverCustomProperties {
        /// `AzStackToAzStack` (inferred, not documented by Microsoft).
        AzStackToAzStack(TestFailoverOptions) = "AzStackToAzStack",
    }
}

action_body! {
    /// The `testFailover` body (inferred, not documented by Microsoft). The test network is a
    /// per-item setting, not part of this body.
    TestFailover, TestFailoverProperties, TestFailoverCustomProperties, "testFailover", false,
    check = check_test_failover
}

fn check_test_failover(body: &TestFailover) -> Result<(), InvalidActionBody> {
    match body.custom_properties() {
        Some(TestFailoverCustomProperties::AzStackToAzStack(o)) => custom_needs_id(
            TestFailover::DEFAULT_PATH,
            o.recovery_point.as_ref(),
            o.recovery_point_id.as_deref(),
        ),
        _ => Ok(()),
    }
}

impl TestFailover {
    /// An Azure Stack Hub test failover to the chosen recovery point. For a specific recovery
    /// point use [`TestFailover::azstack_custom`] (`Custom` needs its id).
    pub fn azstack(recovery_point: RecoveryPointChoice) -> Self {
        let o = TestFailoverOptions {
            recovery_point: Some(recovery_point),
            ..Default::default()
        };
        Self::new(TestFailoverCustomProperties::AzStackToAzStack(o))
    }

    /// An Azure Stack Hub test failover to the recovery point `recovery_point_id`.
    pub fn azstack_custom(recovery_point_id: impl Into<String>) -> Self {
        let o = TestFailoverOptions {
            recovery_point: Some(RecoveryPointChoice::Custom),
            recovery_point_id: Some(recovery_point_id.into()),
            ..Default::default()
        };
        Self::new(TestFailoverCustomProperties::AzStackToAzStack(o))
    }
}

model_struct! {
    /// The `AzStackToAzStack` unplanned failover settings (inferred, not documented by
    /// Microsoft).
    pub struct UnplannedFailoverOptions {
        /// Try to shut the source VM down first.
        shutdown_source_vm: bool => "shutdownSourceVM",
        /// Which recovery point to use.
        recovery_point: RecoveryPointChoice => "recoveryPoint",
        /// The recovery point's id, with [`RecoveryPointChoice::Custom`].
        recovery_point_id: String => "recoveryPointId",
    }
}

polymorphic! {
    /// The custom properties of an [`UnplannedFailover`] body.
    pub enum UnplannedFailoverCustomProperties {
        /// `AzStackToAzStack` (inferred, not documented by Microsoft).
        AzStackToAzStack(UnplannedFailoverOptions) = "AzStackToAzStack",
    }
}

action_body! {
    /// The `unplannedFailover` body (inferred, not documented by Microsoft).
    UnplannedFailover, UnplannedFailoverProperties, UnplannedFailoverCustomProperties, "unplannedFailover", false,
    check = check_unplanned_failover
}

fn check_unplanned_failover(body: &UnplannedFailover) -> Result<(), InvalidActionBody> {
    match body.custom_properties() {
        Some(UnplannedFailoverCustomProperties::AzStackToAzStack(o)) => custom_needs_id(
            UnplannedFailover::DEFAULT_PATH,
            o.recovery_point.as_ref(),
            o.recovery_point_id.as_deref(),
        ),
        _ => Ok(()),
    }
}

impl UnplannedFailover {
    /// An Azure Stack Hub unplanned failover to the chosen recovery point. For a specific
    /// recovery point use [`UnplannedFailover::azstack_custom`].
    pub fn azstack(shutdown_source_vm: bool, recovery_point: RecoveryPointChoice) -> Self {
        let o = UnplannedFailoverOptions {
            shutdown_source_vm: Some(shutdown_source_vm),
            recovery_point: Some(recovery_point),
            ..Default::default()
        };
        Self::new(UnplannedFailoverCustomProperties::AzStackToAzStack(o))
    }

    /// An Azure Stack Hub unplanned failover to the recovery point `recovery_point_id`.
    pub fn azstack_custom(shutdown_source_vm: bool, recovery_point_id: impl Into<String>) -> Self {
        let o = UnplannedFailoverOptions {
            shutdown_source_vm: Some(shutdown_source_vm),
            recovery_point: Some(RecoveryPointChoice::Custom),
            recovery_point_id: Some(recovery_point_id.into()),
            ..Default::default()
        };
        Self::new(UnplannedFailoverCustomProperties::AzStackToAzStack(o))
    }
}
