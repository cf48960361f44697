//! Severities and the stable finding codes.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// How much a finding matters.
///
/// Ordered `Info < Warning < Blocker`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing to fix.
    Info,
    /// The operation can run, but a documented recommendation is not met. Can be suppressed.
    Warning,
    /// The operation would fail or do harm. Cannot be suppressed.
    Blocker,
}

impl Severity {
    /// `info`, `warning` or `blocker`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Blocker => "blocker",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! codes {
    ($( $(#[$m:meta])* $variant:ident = $wire:literal, $sev:ident, $src:literal; )+) => {
        /// A stable finding code. Each code has exactly one severity and one documented source;
        /// `docs/prerequisites.md` lists them all with message and remedy.
        ///
        /// Codes are written and parsed as `SCREAMING_SNAKE_CASE` text; the text never changes
        /// once released (tools match on it).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$m])* $variant, )+
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant ),+ ];

            /// The stable text of the code.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $wire, )+ }
            }

            /// The code's severity (fixed per code).
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )+ }
            }

            /// The document (and section) the rule comes from.
            pub fn source(self) -> &'static str {
                match self { $( Code::$variant => $src, )+ }
            }

            /// Parses the stable text (exact, then ASCII case-insensitive).
            pub fn parse(text: &str) -> Option<Code> {
                Code::ALL
                    .iter()
                    .copied()
                    .find(|c| c.as_str().eq_ignore_ascii_case(text.trim()))
            }
        }
    };
}

codes! {
    /// A VM has no target virtual network set.
    TargetNetworkNotSet = "TARGET_NETWORK_NOT_SET", Blocker, "[PROT] Prerequisites: target virtual networks configured";
    /// A VM's target virtual network does not exist on the target stamp.
    TargetNetworkMissing = "TARGET_NETWORK_MISSING", Blocker, "[PROT] Prerequisites: target virtual networks configured";
    /// A VM's target subnet does not exist in its target virtual network.
    TargetSubnetMissing = "TARGET_SUBNET_MISSING", Blocker, "[PROT] Prerequisites: target virtual networks configured";
    /// A test failover is planned for a VM without a test failover network.
    TestNetworkNotSet = "TEST_NETWORK_NOT_SET", Blocker, "[PROT] Test failover: the test failover network is configured for each protected VM";
    /// A VM's test failover network (or subnet) does not exist on the target stamp.
    TestNetworkMissing = "TEST_NETWORK_MISSING", Blocker, "[PROT] Test failover: the test failover network is configured for each protected VM";
    /// Production and DR address spaces overlap.
    AddressSpaceOverlap = "ADDRESS_SPACE_OVERLAP", Warning, "[CAP] Target sizing: avoid overlapping IP ranges between production and DR networks";
    /// An address prefix could not be read as CIDR, so overlap was not checked for it.
    AddressPrefixUnreadable = "ADDRESS_PREFIX_UNREADABLE", Info, "[CAP] Target sizing";
    /// The target's free cores do not cover the VMs that may fail over.
    QuotaCoresInsufficient = "QUOTA_CORES_INSUFFICIENT", Blocker, "[PROT] Prerequisites: compute quota for all VMs you plan to fail over; [CAP] Target sizing";
    /// The target's free VM count does not cover the VMs that may fail over.
    QuotaVmsInsufficient = "QUOTA_VMS_INSUFFICIENT", Blocker, "[PROT] Prerequisites: compute quota for all VMs you plan to fail over; [CAP] Target sizing";
    /// The target's free cores of a VM-size family do not cover its VMs.
    QuotaFamilyInsufficient = "QUOTA_FAMILY_INSUFFICIENT", Blocker, "[PROT] Prerequisites: compute quota for all VMs you plan to fail over";
    /// A VM's size (cores, family) is unknown, so quota was checked without it.
    VmSizeUnknown = "VM_SIZE_UNKNOWN", Info, "[PROT] Prerequisites: compute quota";
    /// No cache storage account is given.
    CacheStorageNotSet = "CACHE_STORAGE_NOT_SET", Blocker, "[PROT] Prerequisites: the cache storage account is created and available";
    /// The cache storage account does not exist on the target stamp.
    CacheStorageMissing = "CACHE_STORAGE_MISSING", Blocker, "[PROT] Prerequisites: the cache storage account is created and available";
    /// The cache storage account is not in the target location.
    CacheStorageWrongLocation = "CACHE_STORAGE_WRONG_LOCATION", Blocker, "[PROT] Enable replication: target environment configuration (networks and cache storage account)";
    /// The estimated space the cache storage account needs.
    CacheStorageEstimate = "CACHE_STORAGE_ESTIMATE", Info, "[CAP] Cache storage account sizing";
    /// Neither the VM nor the plan gives a target resource group.
    TargetResourceGroupNotSet = "TARGET_RESOURCE_GROUP_NOT_SET", Blocker, "[PROT] Prerequisites: the desired resource group configuration is created";
    /// A target resource group does not exist yet (it can be created on the fly).
    TargetResourceGroupMissing = "TARGET_RESOURCE_GROUP_MISSING", Warning, "[PROT] Prerequisites: pre-create resource groups for production";
    /// A target resource group lacks a tag the user's policy requires.
    RequiredTagMissing = "REQUIRED_TAG_MISSING", Warning, "[PROT] Prerequisites: tagging in place according to your enterprise policy";
    /// The acting principal is not Owner on a source subscription.
    SourceOwnerMissing = "SOURCE_OWNER_MISSING", Blocker, "[DEP] Users: Owner on each source user subscription; [SRC] appliance identity must be Owner";
    /// The acting principal lacks an expected role on the target.
    TargetRoleMissing = "TARGET_ROLE_MISSING", Warning, "[PROT] Prerequisites: the right RBAC is assigned (roles inferred, not documented by Microsoft)";
    /// No replication appliance was found.
    ApplianceNotFound = "APPLIANCE_NOT_FOUND", Blocker, "[PROT] Enable replication: select the appliance and check it is healthy";
    /// The appliance is not registered with the vault.
    ApplianceNotRegistered = "APPLIANCE_NOT_REGISTERED", Blocker, "[TGT] Set up a new replication appliance (registration key); [SRC]";
    /// The appliance does not respond.
    ApplianceNotResponsive = "APPLIANCE_NOT_RESPONSIVE", Blocker, "[PROT] Enable replication: the appliance must be healthy";
    /// The appliance's last heartbeat is old or missing.
    ApplianceHeartbeatStale = "APPLIANCE_HEARTBEAT_STALE", Warning, "[PROT] Enable replication: the appliance must be healthy (age limit inferred)";
    /// The appliance reports health errors.
    ApplianceHealthErrors = "APPLIANCE_HEALTH_ERRORS", Warning, "[PROT] Enable replication: the appliance must be healthy";
    /// A VM has more disks than the appliance has free data-disk slots.
    ReprotectVmTooManyDisks = "REPROTECT_VM_TOO_MANY_DISKS", Blocker, "[KI] 1 Re-protection needs free appliance data-disk slots";
    /// The VMs' disks exceed the free slots: re-protect must run in batches.
    ReprotectNeedsBatches = "REPROTECT_NEEDS_BATCHES", Warning, "[KI] 1 Re-protection needs free appliance data-disk slots; [PROT] Re-protect";
    /// The original source subscription, resource group, network or subnet is gone.
    ReprotectOriginalSourceMissing = "REPROTECT_ORIGINAL_SOURCE_MISSING", Blocker, "[PROT] Re-protect and Failback: the initial source subscription, resource group and vnet/subnet must still exist";
    /// The failback replication policy or extension name is empty.
    ReprotectPolicyNamesEmpty = "REPROTECT_POLICY_NAMES_EMPTY", Blocker, "[KI] 4 PowerShell automation: empty failback policy/extension names make re-protect fail";
    /// The re-protect log storage account is not given or not found.
    ReprotectLogStorageMissing = "REPROTECT_LOG_STORAGE_MISSING", Blocker, "[KI] 4 reprotect body: logStorageAccountId";
    /// The cache storage peak during failback.
    FailbackCachePeak = "FAILBACK_CACHE_PEAK", Info, "[CAP] Cache storage account sizing, 3. failback to a new VM";
    /// A Linux VM does not trust the Site Recovery certificate.
    LinuxCertificateNotTrusted = "LINUX_CERTIFICATE_NOT_TRUSTED", Blocker, "[PROT] Re-protect: Linux VMs must trust the Site Recovery service certificate";
    /// Whether a Linux VM trusts the Site Recovery certificate is not known.
    LinuxCertificateUnverified = "LINUX_CERTIFICATE_UNVERIFIED", Warning, "[PROT] Re-protect: Linux VMs must trust the Site Recovery service certificate";
    /// The failover is not committed yet; re-protect commits it first.
    UncommittedFailoverWillCommit = "UNCOMMITTED_FAILOVER_WILL_COMMIT", Info, "[PROT] Failover: re-protect on an uncommitted failover triggers a commit first";
    /// A VM name is not a valid protected-item name.
    ProtectedItemNameInvalid = "PROTECTED_ITEM_NAME_INVALID", Blocker, "Microsoft.DataReplication OpenAPI: protectedItemName pattern ^[a-zA-Z0-9]*$";
    /// Two VMs map to the same protected-item name.
    ProtectedItemNameCollision = "PROTECTED_ITEM_NAME_COLLISION", Blocker, "Microsoft.DataReplication OpenAPI: protectedItemName pattern ^[a-zA-Z0-9]*$";
    /// No successful test failover in the last 180 days (or never).
    TestFailoverOverdue = "TEST_FAILOVER_OVERDUE", Warning, "[PROT] Failover: if no test failover was done in the past 180 days, Site Recovery recommends one";
    /// The source VM is running at failover.
    SourceVmRunning = "SOURCE_VM_RUNNING", Info, "[PROT] Failover: Shut down machine before beginning failover";
    /// The test VM runs alongside the source VM.
    TestFailoverAlongsideSource = "TEST_FAILOVER_ALONGSIDE_SOURCE", Info, "[PROT] Test failover: the VM runs on both source and target environments";
    /// More VMs than the portal's 10 at a time.
    BatchOverPortalLimit = "BATCH_OVER_PORTAL_LIMIT", Info, "[PROT] Enable replication: up to 10 VMs at a time in the portal; PowerShell/SDK for more";
    /// A replication policy value is outside its bounds.
    PolicyValueOutOfBounds = "POLICY_VALUE_OUT_OF_BOUNDS", Blocker, "Microsoft.DataReplication OpenAPI: policy minutes are int32, no further bounds (overridable)";
    /// A snapshot frequency is longer than the recovery point history.
    PolicyFrequencyAboveHistory = "POLICY_FREQUENCY_ABOVE_HISTORY", Warning, "Microsoft.DataReplication OpenAPI: policy field meanings (consistency inferred)";
    /// The crash-consistent frequency is longer than one day.
    PolicyFrequencyAboveOneDay = "POLICY_FREQUENCY_ABOVE_ONE_DAY", Warning, "[CAP] Cache storage account, 2. worst case: at most one day of difflog before Site Recovery times out";
    /// A Linux VM runs a kernel on the user's unsupported list.
    LinuxKernelUnsupported = "LINUX_KERNEL_UNSUPPORTED", Warning, "[KI] 2 Unsupported Linux kernel";
    /// Data a check needs was not in the snapshot; the check was skipped.
    DataNotGathered = "DATA_NOT_GATHERED", Info, "this SDK: the snapshot lacked data";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Code::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown preflight code `{text}`; see docs/prerequisites.md for the list"
            ))
        })
    }
}

impl std::str::FromStr for Code {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Code::parse(s).ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// Text that is not a preflight code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown preflight code `{0}`; see docs/prerequisites.md for the list")]
pub struct UnknownCode(pub String);
