//! What the user plans to do, and the settings the checks judge it by.

use super::code::Code;
use crate::capacity::CapacityAssumptions;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The planned operation; it decides which checks run (see `docs/prerequisites.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Intent {
    /// Enable protection (replication) of the VMs.
    EnableProtection,
    /// Test failover of protected VMs into their test networks.
    TestFailover,
    /// Failover (planned or unplanned) to the target stamp.
    Failover,
    /// Re-protect failed-over VMs (replicate back to the source; first half of failback).
    Reprotect,
}

impl Intent {
    /// `enable protection`, `test failover`, `failover` or `re-protect`.
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::EnableProtection => "enable protection",
            Intent::TestFailover => "test failover",
            Intent::Failover => "failover",
            Intent::Reprotect => "re-protect",
        }
    }
}

impl fmt::Display for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Replication policy values to check (the `AzStackToAzStack` policy's custom properties).
///
/// `i64` so that a value outside `int32` can be given and reported rather than rejected by the
/// type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyValues {
    /// `recoveryPointHistoryInMinutes`.
    pub recovery_point_history_in_minutes: i64,
    /// `crashConsistentFrequencyInMinutes`.
    pub crash_consistent_frequency_in_minutes: i64,
    /// `appConsistentFrequencyInMinutes`.
    pub app_consistent_frequency_in_minutes: i64,
}

/// Inclusive bounds of one policy value, in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinuteBounds {
    /// Smallest allowed value.
    pub min: i64,
    /// Largest allowed value.
    pub max: i64,
}

impl Default for MinuteBounds {
    /// `0..=2147483647`: the spec's `int32` type, non-negative (a negative count of minutes means
    /// nothing).
    fn default() -> Self {
        MinuteBounds {
            min: 0,
            max: i64::from(i32::MAX),
        }
    }
}

/// Bounds of the replication policy values.
///
/// The public OpenAPI specs (`2021-02-16-preview`, `2024-09-01`, `2026-05-01`) declare the three
/// values as `integer`/`int32` with no `minimum`/`maximum`, and the Azure Stack Hub documents give
/// no policy values either; so the defaults are the `int32` range, non-negative. A stamp that
/// enforces stricter limits can be described by overriding these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PolicyBounds {
    /// Bounds of `recoveryPointHistoryInMinutes`.
    pub recovery_point_history: MinuteBounds,
    /// Bounds of `crashConsistentFrequencyInMinutes`.
    pub crash_consistent_frequency: MinuteBounds,
    /// Bounds of `appConsistentFrequencyInMinutes`.
    pub app_consistent_frequency: MinuteBounds,
}

/// Settings of the re-protect action (body of `POST .../reprotect`, `AzStackToAzStackFailback`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReprotectSettings {
    /// `policyName`; default `failback-default-replication-policy` \[KI\] 4.
    pub policy_name: String,
    /// `replicationExtensionName`; default `default-failback-extension` \[KI\] 4.
    pub extension_name: String,
    /// `logStorageAccountId`.
    pub log_storage_account_id: Option<String>,
}

impl Default for ReprotectSettings {
    fn default() -> Self {
        ReprotectSettings {
            policy_name: "failback-default-replication-policy".to_owned(),
            extension_name: "default-failback-extension".to_owned(),
            log_storage_account_id: None,
        }
    }
}

/// The input of a preflight run besides the snapshot: the operation and the user's policy.
///
/// ```
/// use azs_site_recovery::preflight::{Intent, PreflightPlan};
/// let plan = PreflightPlan::new(Intent::EnableProtection)
///     .cache_storage("/subscriptions/t/resourceGroups/dr/providers/Microsoft.Storage/storageAccounts/cache")
///     .require_tags(["costCenter", "owner"]);
/// assert_eq!(plan.test_failover_max_age_days, 180);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PreflightPlan {
    /// The planned operation.
    pub intent: Intent,
    /// The cache storage account for VMs that do not set their own.
    pub cache_storage_account_id: Option<String>,
    /// The target resource group for VMs that do not set their own.
    pub default_target_resource_group_id: Option<String>,
    /// Tag names every target resource group must carry (the user's policy); case-insensitive.
    pub required_tags: Vec<String>,
    /// Roles the acting principal is expected to hold on each target resource group (or above).
    /// Default `["Contributor"]` (inferred: the documents only say "the right RBAC"); `Owner`
    /// satisfies any expected role.
    pub target_roles: Vec<String>,
    /// Linux kernels (`uname -r`) known to be unsupported; an entry ending in `*` is a prefix.
    pub unsupported_kernels: Vec<String>,
    /// Replication policy values to check, if a policy is being created.
    pub policy: Option<PolicyValues>,
    /// Bounds for the policy values.
    pub policy_bounds: PolicyBounds,
    /// A failover without a successful test failover in this many days gets a warning (180 \[PROT\]).
    pub test_failover_max_age_days: i64,
    /// An appliance heartbeat older than this many minutes is stale (30; inferred, not documented).
    pub heartbeat_max_age_minutes: i64,
    /// VMs the portal protects at a time (10 \[PROT\]).
    pub portal_batch_limit: usize,
    /// Re-protect settings.
    pub reprotect: ReprotectSettings,
    /// Numbers for the cache estimate.
    pub capacity: CapacityAssumptions,
    /// Codes to suppress (warnings and infos only; blocker codes are refused and listed in the
    /// report).
    pub suppress: Vec<Code>,
    /// Validate protected-item names against the spec's strict pattern `^[a-zA-Z0-9]*$`
    /// (for stamps that enforce it) instead of ARM's general naming rules (the default; see
    /// [`crate::id::names`]).
    pub strict_names: bool,
    /// The operator's attestation that Linux VMs trust the Site Recovery service certificate
    /// (which ARM cannot show): names or ARM ids of VMs (or their protected items), matched
    /// case-insensitively. See [`PreflightPlan::attest_certificate_trusted`].
    pub certificate_trusted_vms: Vec<String>,
    /// The operator attests that every Linux VM of the plan trusts the certificate.
    pub certificate_trusted_on_all: bool,
}

impl Default for PreflightPlan {
    fn default() -> Self {
        PreflightPlan::new(Intent::EnableProtection)
    }
}

impl PreflightPlan {
    /// A plan for `intent` with the documented defaults.
    pub fn new(intent: Intent) -> Self {
        PreflightPlan {
            intent,
            cache_storage_account_id: None,
            default_target_resource_group_id: None,
            required_tags: Vec::new(),
            target_roles: vec!["Contributor".to_owned()],
            unsupported_kernels: Vec::new(),
            policy: None,
            policy_bounds: PolicyBounds::default(),
            test_failover_max_age_days: 180,
            heartbeat_max_age_minutes: 30,
            portal_batch_limit: 10,
            reprotect: ReprotectSettings::default(),
            capacity: CapacityAssumptions::default(),
            suppress: Vec::new(),
            strict_names: false,
            certificate_trusted_vms: Vec::new(),
            certificate_trusted_on_all: false,
        }
    }

    /// Sets the default cache storage account.
    pub fn cache_storage(mut self, id: impl Into<String>) -> Self {
        self.cache_storage_account_id = Some(id.into());
        self
    }

    /// Sets the default target resource group.
    pub fn target_resource_group(mut self, id: impl Into<String>) -> Self {
        self.default_target_resource_group_id = Some(id.into());
        self
    }

    /// Adds required tag names.
    pub fn require_tags<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.required_tags.extend(names.into_iter().map(Into::into));
        self
    }

    /// Adds unsupported kernels (`5.4.0-1103-azure`, or a prefix ending in `*`).
    pub fn unsupported_kernels<I, S>(mut self, kernels: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.unsupported_kernels
            .extend(kernels.into_iter().map(Into::into));
        self
    }

    /// Sets the policy values to check.
    pub fn policy(mut self, values: PolicyValues) -> Self {
        self.policy = Some(values);
        self
    }

    /// Suppresses a warning or info code.
    pub fn suppress(mut self, code: Code) -> Self {
        self.suppress.push(code);
        self
    }

    /// Attests that the Linux VM `vm` (its name, ARM id or protected item's name) trusts the
    /// Site Recovery service certificate: the operator ran the commands the
    /// `LINUX_CERTIFICATE_UNVERIFIED` finding gives, on the VM. ARM cannot show it, so without
    /// an attestation the re-protect preflight warns for each Linux VM.
    ///
    /// ```
    /// use azs_site_recovery::preflight::{Intent, PreflightPlan};
    /// let plan = PreflightPlan::new(Intent::Reprotect).attest_certificate_trusted("jump-01");
    /// assert!(plan.certificate_attested("JUMP-01", &[]));
    /// assert!(!plan.certificate_attested("web-01", &[]));
    /// ```
    pub fn attest_certificate_trusted(mut self, vm: impl Into<String>) -> Self {
        self.certificate_trusted_vms.push(vm.into());
        self
    }

    /// Attests that every Linux VM of the plan trusts the Site Recovery service certificate
    /// (see [`PreflightPlan::attest_certificate_trusted`]).
    pub fn attest_certificate_trusted_on_all(mut self) -> Self {
        self.certificate_trusted_on_all = true;
        self
    }

    /// `true` when the operator attested that the VM known as `name` (or any of `aliases`:
    /// its ARM id, its protected item's name) trusts the certificate.
    pub fn certificate_attested(&self, name: &str, aliases: &[&str]) -> bool {
        self.certificate_trusted_on_all
            || self.certificate_trusted_vms.iter().any(|v| {
                v.eq_ignore_ascii_case(name) || aliases.iter().any(|a| v.eq_ignore_ascii_case(a))
            })
    }

    /// Sets the re-protect log storage account.
    pub fn reprotect_log_storage(mut self, id: impl Into<String>) -> Self {
        self.reprotect.log_storage_account_id = Some(id.into());
        self
    }
}
