//! The bodies of the actions on a protected item: `POST {protectedItemId}/{action}` with
//! `{"properties": {"customProperties": {"instanceType": ..., ...}}}`.
//!
//! What Microsoft documents and what this crate infers:
//!
//! | action | path | documented by Microsoft |
//! |---|---|---|
//! | [`PlannedFailover`] | `plannedFailover` | yes (public spec; HCI types). Its `AzStackToAzStack` type is inferred |
//! | [`Reprotect`] | `reprotect` | yes (Azure Stack Hub docs; `AzStackToAzStackFailback`) |
//! | [`TestFailover`] | `testFailover` | no, inferred |
//! | [`TestFailoverCleanup`] | `testFailoverCleanup` | no, inferred |
//! | [`UnplannedFailover`] | `unplannedFailover` | no, inferred |
//! | [`Commit`] | `commit` | no, inferred |
//! | [`CancelFailover`] | `cancelFailover` | no, inferred |
//! | [`Resynchronize`] | `resynchronize` | no, inferred |
//!
//! Every body is lossless (unknown fields and unknown `instanceType`s round-trip), so a stamp
//! whose contract differs can be driven with a hand-made custom-properties object (the `Unknown`
//! variant) and its own path segment; [`ProtectedItemAction::DEFAULT_PATH`] is only the default.
//!
//! ```
//! use azs_site_recovery::model::{ProtectedItemAction, RecoveryPointChoice, TestFailover};
//! let body = TestFailover::azstack(RecoveryPointChoice::LatestProcessed);
//! assert_eq!(TestFailover::DEFAULT_PATH, "testFailover");
//! assert_eq!(
//!     serde_json::to_value(&body).unwrap(),
//!     serde_json::json!({"properties": {"customProperties": {
//!         "instanceType": "AzStackToAzStack", "recoveryPoint": "LatestProcessed"}}}),
//! );
//! ```

use crate::{model_struct, open_enum, polymorphic};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt;

/// A protected-item action body: its default path segment, whether Microsoft documents it, and a
/// check of the mistakes the service would only report after the POST.
pub trait ProtectedItemAction: Serialize + DeserializeOwned {
    /// The default path segment after the protected item's id, e.g. `testFailover`.
    const DEFAULT_PATH: &'static str;
    /// `true` when Microsoft documents the action (public spec or Azure Stack Hub docs);
    /// `false` when the action name and body are this crate's inference.
    const DOCUMENTED_BY_MICROSOFT: bool;

    /// Refuses a body the service is known to reject (a `Custom` recovery point without its id;
    /// a re-protect without policy or extension name). Bodies with an unknown `instanceType`
    /// pass: the caller knows their stamp.
    ///
    /// # Errors
    /// [`InvalidActionBody`] saying what is wrong and what to do.
    fn check(&self) -> Result<(), InvalidActionBody> {
        Ok(())
    }
}

/// Why [`ProtectedItemAction::check`] refused an action body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidActionBody {
    /// The action's default path segment, e.g. `reprotect`.
    pub action: &'static str,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for InvalidActionBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} body: {}", self.action, self.message)
    }
}

impl std::error::Error for InvalidActionBody {}

fn custom_needs_id(
    action: &'static str,
    recovery_point: Option<&RecoveryPointChoice>,
    recovery_point_id: Option<&str>,
) -> Result<(), InvalidActionBody> {
    if recovery_point == Some(&RecoveryPointChoice::Custom)
        && recovery_point_id.is_none_or(|id| id.trim().is_empty())
    {
        return Err(InvalidActionBody {
            action,
            message: "recoveryPoint is Custom but recoveryPointId is missing: pass the recovery \
                      point's id (the `azstack_custom` constructor), or choose Latest, \
                      LatestProcessed or LatestApplicationConsistent"
                .to_owned(),
        });
    }
    Ok(())
}

/// Defines an action body (`{"properties": {"customProperties": ...}}`) and its properties.
macro_rules! action_body {
    (
        $(#[$meta:meta])*
        $body:ident, $props:ident, $custom:ty, $path:literal, $documented:literal
        $(, check = $check:path)?
    ) => {
        model_struct! {
            $(#[$meta])*
            pub struct $body {
                /// The properties (`customProperties` inside).
                properties: $props => "properties",
            }
        }

        model_struct! {
            #[doc = concat!("The properties of a [`", stringify!($body), "`] body.")]
            pub struct $props {
                /// The scenario-specific settings, by `instanceType`.
                custom_properties: $custom => "customProperties",
            }
        }

        impl $body {
            /// The default path segment (also [`ProtectedItemAction::DEFAULT_PATH`]).
            pub const DEFAULT_PATH: &'static str = $path;

            /// A body with the given custom properties (any variant, `Unknown` included).
            pub fn new(custom_properties: $custom) -> Self {
                $body {
                    properties: Some($props {
                        custom_properties: Some(custom_properties),
                        ..Default::default()
                    }),
                    ..Default::default()
                }
            }

            /// The custom properties, if the body has them.
            pub fn custom_properties(&self) -> Option<&$custom> {
                self.properties.as_ref()?.custom_properties.as_ref()
            }
        }

        impl ProtectedItemAction for $body {
            const DEFAULT_PATH: &'static str = $path;
            const DOCUMENTED_BY_MICROSOFT: bool = $documented;
            $(
                fn check(&self) -> Result<(), InvalidActionBody> {
                    $check(self)
                }
            )?
        }
    };
}

open_enum! {
    /// Which recovery point a (test or unplanned) failover uses (inferred wire values, named after
    /// the portal's choices).
    pub enum RecoveryPointChoice {
        /// Process all data sent so far, then fail over to it (lowest RPO).
        Latest = "Latest",
        /// The latest recovery point already processed (lowest RTO).
        LatestProcessed = "LatestProcessed",
        /// The latest application-consistent recovery point.
        LatestApplicationConsistent = "LatestApplicationConsistent",
        /// A specific recovery point, named by `recoveryPointId`.
        Custom = "Custom",
    }
}

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

model_struct! {
    /// The `AzStackToAzStackFailback` re-protect settings (documented by Microsoft). Leaving
    /// `policyName` or `replicationExtensionName` empty makes re-protect fail (a known issue).
    pub struct ReprotectOptions {
        /// The ARM id of the appliance that replicates back.
        appliance_id: String => "applianceId",
        /// The ARM id of the cache (log) storage account for failback.
        log_storage_account_id: String => "logStorageAccountId",
        /// The failback replication policy's name.
        policy_name: String => "policyName",
        /// The failback replication extension's name.
        replication_extension_name: String => "replicationExtensionName",
    }
}

polymorphic! {
    /// The custom properties of a [`Reprotect`] body.
    pub enum ReprotectCustomProperties {
        /// `AzStackToAzStackFailback` (documented by Microsoft).
        AzStackToAzStackFailback(ReprotectOptions) = "AzStackToAzStackFailback",
    }
}

action_body! {
    /// The `reprotect` body (documented by Microsoft for Azure Stack Hub): replicate a
    /// failed-over VM back towards its original stamp.
    ///
    /// ```
    /// use azs_site_recovery::model::Reprotect;
    /// let body = Reprotect::azstack_failback_defaults("appliance-id", "storage-id");
    /// let json = serde_json::to_value(&body).unwrap();
    /// let cp = &json["properties"]["customProperties"];
    /// assert_eq!(cp["instanceType"], "AzStackToAzStackFailback");
    /// assert_eq!(cp["policyName"], "failback-default-replication-policy");
    /// assert_eq!(cp["replicationExtensionName"], "default-failback-extension");
    /// ```
    Reprotect, ReprotectProperties, ReprotectCustomProperties, "reprotect", true,
    check = check_reprotect
}

fn check_reprotect(body: &Reprotect) -> Result<(), InvalidActionBody> {
    let Some(ReprotectCustomProperties::AzStackToAzStackFailback(o)) = body.custom_properties()
    else {
        return Ok(());
    };
    let missing: Vec<&str> = [
        ("applianceId", &o.appliance_id),
        ("logStorageAccountId", &o.log_storage_account_id),
        ("policyName", &o.policy_name),
        ("replicationExtensionName", &o.replication_extension_name),
    ]
    .into_iter()
    .filter(|(_, v)| v.as_deref().is_none_or(|v| v.trim().is_empty()))
    .map(|(name, _)| name)
    .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(InvalidActionBody {
        action: Reprotect::DEFAULT_PATH,
        message: format!(
            "{} missing or empty (re-protect fails without them, a known issue on Azure Stack \
             Hub): pass them, e.g. Reprotect::azstack_failback_defaults(appliance_id, \
             log_storage_account_id) for Microsoft's default failback policy and extension",
            missing.join(", ")
        ),
    })
}

impl Reprotect {
    /// Microsoft's default failback replication policy name on Azure Stack Hub.
    pub const DEFAULT_FAILBACK_POLICY_NAME: &'static str = "failback-default-replication-policy";
    /// Microsoft's default failback replication extension name on Azure Stack Hub.
    pub const DEFAULT_FAILBACK_EXTENSION_NAME: &'static str = "default-failback-extension";

    /// An Azure Stack Hub re-protect (`AzStackToAzStackFailback`).
    pub fn azstack_failback(
        appliance_id: impl Into<String>,
        log_storage_account_id: impl Into<String>,
        policy_name: impl Into<String>,
        replication_extension_name: impl Into<String>,
    ) -> Self {
        let o = ReprotectOptions {
            appliance_id: Some(appliance_id.into()),
            log_storage_account_id: Some(log_storage_account_id.into()),
            policy_name: Some(policy_name.into()),
            replication_extension_name: Some(replication_extension_name.into()),
            ..Default::default()
        };
        Self::new(ReprotectCustomProperties::AzStackToAzStackFailback(o))
    }

    /// An Azure Stack Hub re-protect with Microsoft's default failback policy and extension
    /// names.
    pub fn azstack_failback_defaults(
        appliance_id: impl Into<String>,
        log_storage_account_id: impl Into<String>,
    ) -> Self {
        Self::azstack_failback(
            appliance_id,
            log_storage_account_id,
            Self::DEFAULT_FAILBACK_POLICY_NAME,
            Self::DEFAULT_FAILBACK_EXTENSION_NAME,
        )
    }
}

model_struct! {
    /// The settings of an action that has none: just the `instanceType` (inferred, not
    /// documented by Microsoft). Unknown fields are still kept.
    pub struct NoActionOptions {}
}

polymorphic! {
    /// The custom properties of an action without settings ([`TestFailoverCleanup`],
    /// [`Commit`], [`CancelFailover`], [`Resynchronize`]).
    pub enum NoActionCustomProperties {
        /// `AzStackToAzStack` (inferred, not documented by Microsoft).
        AzStackToAzStack(NoActionOptions) = "AzStackToAzStack",
    }
}

/// Defines an action without settings and its `azstack()` constructor.
macro_rules! empty_action {
    ($(#[$meta:meta])* $body:ident, $props:ident, $path:literal) => {
        action_body! {
            $(#[$meta])*
            $body, $props, NoActionCustomProperties, $path, false
        }

        impl $body {
            /// The Azure Stack Hub body: `{"properties": {"customProperties": {"instanceType":
            /// "AzStackToAzStack"}}}`.
            pub fn azstack() -> Self {
                Self::new(NoActionCustomProperties::AzStackToAzStack(NoActionOptions::default()))
            }
        }
    };
}

empty_action! {
    /// The `testFailoverCleanup` body (inferred, not documented by Microsoft): delete the test VM
    /// and its resources.
    TestFailoverCleanup, TestFailoverCleanupProperties, "testFailoverCleanup"
}

empty_action! {
    /// The `commit` body (inferred, not documented by Microsoft): make a failover final.
    Commit, CommitProperties, "commit"
}

empty_action! {
    /// The `cancelFailover` body (inferred, not documented by Microsoft).
    CancelFailover, CancelFailoverProperties, "cancelFailover"
}

empty_action! {
    /// The `resynchronize` body (inferred, not documented by Microsoft).
    Resynchronize, ResynchronizeProperties, "resynchronize"
}
