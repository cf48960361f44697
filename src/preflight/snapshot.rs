//! The environment snapshot the checks read: plain data, gathered by the client from ARM (or
//! planted by the emulator, or written by a test).
//!
//! Every collection may be empty and every optional field may be `None`: a check whose data is
//! missing does not guess, it reports `DATA_NOT_GATHERED` (info) and moves on. Resources point at
//! each other by ARM id; ids are compared case-insensitively (ARM is case-insensitive), ignoring a
//! trailing `/`.

use crate::model::ProtectionState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything the prerequisite checks look at.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EnvironmentSnapshot {
    /// The source stamp (where the VMs run in production).
    pub source: StampInventory,
    /// The target stamp (where the vault runs and VMs land on failover).
    pub target: StampInventory,
    /// Compute usages of the target subscription in the target location (`Microsoft.Compute`
    /// `locations/{location}/usages`); `None` when not gathered.
    pub target_quota: Option<ComputeQuota>,
    /// Role assignments of the acting principal (direct and through groups), at any scope.
    pub role_assignments: Vec<RoleAssignment>,
    /// The replication appliance (fabric agent) the operation uses; `None` when none was found.
    pub appliance: Option<ApplianceStatus>,
    /// The VMs the planned operation is about.
    pub vms: Vec<VmToProtect>,
}

/// What exists on one stamp, as far as the checks need it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StampInventory {
    /// The stamp's location name (for example `local` or `redmond`).
    pub location: String,
    /// Subscription ids the acting principal can see on this stamp (GUIDs, no `/subscriptions/`).
    pub subscriptions: Vec<String>,
    /// Resource groups.
    pub resource_groups: Vec<ResourceGroup>,
    /// Virtual networks with their subnets.
    pub virtual_networks: Vec<VirtualNetwork>,
    /// Storage accounts.
    pub storage_accounts: Vec<StorageAccount>,
}

/// A resource group and its tags.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ResourceGroup {
    /// ARM id: `/subscriptions/{sub}/resourceGroups/{name}`.
    pub id: String,
    /// Location.
    pub location: String,
    /// Tags (names are case-insensitive in ARM).
    pub tags: BTreeMap<String, String>,
}

/// A virtual network, its address space and subnets.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VirtualNetwork {
    /// ARM id of the virtual network.
    pub id: String,
    /// Location.
    pub location: String,
    /// `addressSpace.addressPrefixes`, CIDR text (`10.0.0.0/16`, IPv6 too).
    pub address_prefixes: Vec<String>,
    /// Subnets.
    pub subnets: Vec<Subnet>,
}

/// A subnet of a virtual network.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Subnet {
    /// Subnet name.
    pub name: String,
    /// Its address prefix (CIDR), when known.
    pub address_prefix: Option<String>,
}

/// A storage account.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StorageAccount {
    /// ARM id of the storage account.
    pub id: String,
    /// Location.
    pub location: String,
}

/// Compute quota of a subscription in one location, as `Microsoft.Compute` reports usages.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ComputeQuota {
    /// Usages by `name.value`: `cores`, `virtualMachines`, and VM-size families such as
    /// `standardDSv2Family`.
    pub usages: Vec<QuotaUsage>,
}

/// One line of compute usage.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct QuotaUsage {
    /// `name.value` (`cores`, `virtualMachines`, `standardDSv2Family`, ...), case-insensitive.
    pub name: String,
    /// `currentValue`.
    pub current: u64,
    /// `limit`.
    pub limit: u64,
}

/// A role the acting principal holds at a scope.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RoleAssignment {
    /// The role's name (`Owner`, `Contributor`, ...), compared case-insensitively.
    pub role_name: String,
    /// The scope: `/`, `/subscriptions/{sub}`, `/subscriptions/{sub}/resourceGroups/{rg}`, ...
    /// A role at a scope covers everything under it.
    pub scope: String,
}

/// The replication appliance (fabric agent, "DRA") and the VM it runs on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApplianceStatus {
    /// ARM id of the fabric agent (or its name).
    pub id: String,
    /// Registered with the vault (the fabric agent exists and `provisioningState` is `Succeeded`).
    pub registered: bool,
    /// `isResponsive`.
    pub responsive: bool,
    /// `lastHeartbeat`, UTC.
    #[serde(with = "opt_rfc3339")]
    pub last_heartbeat: Option<DateTime<Utc>>,
    /// Health error messages the fabric agent reports (`healthErrors[].message`).
    pub health_errors: Vec<String>,
    /// Data-disk slots of the appliance VM (32 on the default Standard DS4_v2 \[CAP\]).
    pub data_disk_slots: u32,
    /// Data disks attached now (1 for the appliance itself \[KI\] 1, more while re-protecting).
    pub data_disks_attached: u32,
    /// Disks of re-protects in progress that are not attached yet: they will take slots too.
    pub data_disks_reserved: u32,
}

impl Default for ApplianceStatus {
    /// Nothing known yet: not registered, not responsive, no heartbeat, and the default
    /// appliance's slots (32, 1 attached). A field missing from JSON therefore never makes an
    /// appliance look healthy.
    fn default() -> Self {
        ApplianceStatus {
            id: String::new(),
            registered: false,
            responsive: false,
            last_heartbeat: None,
            health_errors: Vec::new(),
            data_disk_slots: 32,
            data_disks_attached: 1,
            data_disks_reserved: 0,
        }
    }
}

impl ApplianceStatus {
    /// A registered, responsive default appliance (32 slots, 1 used) that last reported at
    /// `heartbeat`.
    pub fn healthy(id: impl Into<String>, heartbeat: DateTime<Utc>) -> Self {
        ApplianceStatus {
            id: id.into(),
            registered: true,
            responsive: true,
            last_heartbeat: Some(heartbeat),
            ..ApplianceStatus::default()
        }
    }
}

/// Guest operating system family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum OsFamily {
    /// Windows.
    Windows,
    /// Linux (see [`VmToProtect::linux_distribution`]).
    Linux,
    /// Not known.
    #[default]
    Unknown,
}

/// VM power state (`PowerState/...` instance-view code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PowerState {
    /// `PowerState/running`.
    Running,
    /// `PowerState/stopped` (still allocated).
    Stopped,
    /// `PowerState/deallocated`.
    Deallocated,
    /// Anything else or not known.
    #[default]
    Unknown,
}

/// One disk of a VM.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VmDisk {
    /// Disk name.
    pub name: String,
    /// Size in GiB (`diskSizeGB`).
    pub size_gib: u64,
    /// `true` for the OS disk.
    pub is_os_disk: bool,
}

/// One NIC of a VM.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VmNic {
    /// NIC name.
    pub name: String,
    /// `true` for the primary NIC.
    pub primary: bool,
    /// ARM id of the virtual network the NIC's IP configuration is in.
    pub virtual_network_id: String,
    /// Subnet name.
    pub subnet_name: String,
}

/// Where a VM goes on the target stamp (the protected item's target settings).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TargetSettings {
    /// Target resource group id; `None` uses [`PreflightPlan::default_target_resource_group_id`](super::PreflightPlan::default_target_resource_group_id).
    pub resource_group_id: Option<String>,
    /// Target virtual network id (where the VM lands on failover).
    pub network_id: Option<String>,
    /// Target subnet name.
    pub subnet_name: Option<String>,
    /// Test failover virtual network id (a per-item setting \[PROT\]).
    pub test_network_id: Option<String>,
    /// Test failover subnet name.
    pub test_subnet_name: Option<String>,
    /// Cache storage account id for this VM; `None` uses [`PreflightPlan::cache_storage_account_id`](super::PreflightPlan::cache_storage_account_id).
    pub cache_storage_account_id: Option<String>,
}

/// Where a protected VM came from, as recorded on its protected item: re-protect and failback
/// need all of it to still exist on the primary stamp \[PROT\].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OriginalSource {
    /// The original source subscription id.
    pub subscription_id: String,
    /// The original resource group id.
    pub resource_group_id: String,
    /// The virtual network of the original primary NIC.
    pub virtual_network_id: String,
    /// The subnet of the original primary NIC.
    pub subnet_name: String,
}

/// A VM the planned operation is about, with what the checks need to know of it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VmToProtect {
    /// The VM's name on the source stamp.
    pub name: String,
    /// ARM id of the VM on the source stamp (`sourceAzStackVirtualMachineId`).
    pub id: String,
    /// The source subscription id (GUID).
    pub subscription_id: String,
    /// OS family.
    pub os: OsFamily,
    /// Linux distribution as reported (`Ubuntu`, `Debian`, `RHEL`, `CentOS`, ...), if known.
    pub linux_distribution: Option<String>,
    /// Linux kernel (`uname -r`), if known.
    pub kernel: Option<String>,
    /// VM size (`Standard_DS2_v2`) the VM will have on the target.
    pub size: String,
    /// vCPUs of that size, if known.
    pub cores: Option<u32>,
    /// The compute-usage family of that size (`standardDSv2Family`), if known.
    pub size_family: Option<String>,
    /// Power state on the source stamp.
    pub power_state: PowerState,
    /// All disks (OS disk included): all are replicated \[PROT\].
    pub disks: Vec<VmDisk>,
    /// NICs.
    pub nics: Vec<VmNic>,
    /// Target settings.
    pub target: TargetSettings,
    /// The protected item's name when the VM is already protected.
    pub protected_item_name: Option<String>,
    /// The protected item's `protectionState`, when protected.
    pub protection_state: Option<ProtectionState>,
    /// `lastSuccessfulTestFailoverTime`, UTC.
    #[serde(with = "opt_rfc3339")]
    pub last_successful_test_failover: Option<DateTime<Utc>>,
    /// Where the VM came from (re-protect / failback).
    pub original_source: Option<OriginalSource>,
    /// Whether the Linux VM trusts the Site Recovery service certificate; `None` = not verified.
    pub trusts_service_certificate: Option<bool>,
}

impl VmToProtect {
    /// A Windows VM with the given name (other fields default; chain the builder methods).
    ///
    /// ```
    /// use azs_site_recovery::preflight::VmToProtect;
    /// let vm = VmToProtect::windows("web01")
    ///     .sized("Standard_DS2_v2", 2, "standardDSv2Family")
    ///     .disk(128)
    ///     .disk(256)
    ///     .target_network("/subscriptions/t/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/dr", "default");
    /// assert_eq!(vm.disks.len(), 2);
    /// assert!(vm.disks[0].is_os_disk);
    /// ```
    pub fn windows(name: impl Into<String>) -> Self {
        VmToProtect {
            name: name.into(),
            os: OsFamily::Windows,
            power_state: PowerState::Running,
            ..VmToProtect::default()
        }
    }

    /// A Linux VM of the given distribution (`Ubuntu`, `RHEL`, ...).
    pub fn linux(name: impl Into<String>, distribution: impl Into<String>) -> Self {
        VmToProtect {
            os: OsFamily::Linux,
            linux_distribution: Some(distribution.into()),
            ..VmToProtect::windows(name)
        }
    }

    /// Sets the VM's ARM id on the source stamp and the subscription id taken from it.
    ///
    /// ```
    /// use azs_site_recovery::preflight::VmToProtect;
    /// let vm = VmToProtect::windows("web01")
    ///     .with_id("/subscriptions/1234/resourceGroups/prod/providers/Microsoft.Compute/virtualMachines/web01");
    /// assert_eq!(vm.subscription_id, "1234");
    /// ```
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        let mut segments = self.id.split('/').filter(|s| !s.is_empty());
        if let (Some(key), Some(sub)) = (segments.next(), segments.next()) {
            if key.eq_ignore_ascii_case("subscriptions") {
                self.subscription_id = sub.to_owned();
            }
        }
        self
    }

    /// Sets size, vCPUs and usage family.
    pub fn sized(mut self, size: impl Into<String>, cores: u32, family: impl Into<String>) -> Self {
        self.size = size.into();
        self.cores = Some(cores);
        self.size_family = Some(family.into());
        self
    }

    /// Adds a disk of `size_gib`; the first disk added is the OS disk.
    pub fn disk(mut self, size_gib: u64) -> Self {
        let is_os_disk = self.disks.is_empty();
        let name = format!("{}-disk{}", self.name, self.disks.len());
        self.disks.push(VmDisk {
            name,
            size_gib,
            is_os_disk,
        });
        self
    }

    /// Adds a NIC in `virtual_network_id`/`subnet_name`; the first NIC added is primary.
    pub fn nic(mut self, virtual_network_id: impl Into<String>, subnet: impl Into<String>) -> Self {
        let primary = self.nics.is_empty();
        let name = format!("{}-nic{}", self.name, self.nics.len());
        self.nics.push(VmNic {
            name,
            primary,
            virtual_network_id: virtual_network_id.into(),
            subnet_name: subnet.into(),
        });
        self
    }

    /// Sets the target network and subnet.
    pub fn target_network(
        mut self,
        network_id: impl Into<String>,
        subnet: impl Into<String>,
    ) -> Self {
        self.target.network_id = Some(network_id.into());
        self.target.subnet_name = Some(subnet.into());
        self
    }

    /// Sets the test failover network and subnet.
    pub fn test_network(
        mut self,
        network_id: impl Into<String>,
        subnet: impl Into<String>,
    ) -> Self {
        self.target.test_network_id = Some(network_id.into());
        self.target.test_subnet_name = Some(subnet.into());
        self
    }

    /// Sets the target resource group.
    pub fn target_resource_group(mut self, id: impl Into<String>) -> Self {
        self.target.resource_group_id = Some(id.into());
        self
    }

    /// Sets the kernel (`uname -r`).
    pub fn kernel(mut self, kernel: impl Into<String>) -> Self {
        self.kernel = Some(kernel.into());
        self
    }

    /// Sets the last successful test failover time.
    pub fn tested_at(mut self, at: DateTime<Utc>) -> Self {
        self.last_successful_test_failover = Some(at);
        self
    }

    /// Marks the VM as protected under `item_name` in `state`.
    pub fn protected(mut self, item_name: impl Into<String>, state: ProtectionState) -> Self {
        self.protected_item_name = Some(item_name.into());
        self.protection_state = Some(state);
        self
    }

    /// Sets where the VM originally came from.
    pub fn from_original(mut self, original: OriginalSource) -> Self {
        self.original_source = Some(original);
        self
    }

    /// Sets the power state.
    pub fn power(mut self, state: PowerState) -> Self {
        self.power_state = state;
        self
    }

    /// The name the checks print: the protected item's name if any, else the VM's name.
    pub(crate) fn label(&self) -> &str {
        self.protected_item_name.as_deref().unwrap_or(&self.name)
    }

    /// The resource a finding about this VM names: its ARM id, else its name.
    pub(crate) fn resource(&self) -> String {
        if self.id.is_empty() {
            self.name.clone()
        } else {
            self.id.clone()
        }
    }

    /// The disks as the capacity planner wants them.
    pub(crate) fn capacity_disks(&self) -> crate::capacity::VmDisks {
        crate::capacity::VmDisks::new(self.label(), self.disks.iter().map(|d| d.size_gib))
    }
}

/// `Option<DateTime<Utc>>` as RFC 3339 text (chrono's serde feature is not enabled).
mod opt_rfc3339 {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|t| {
            crate::model::Timestamp::parse(t.clone())
                .to_utc()
                .ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "`{t}` is not a timestamp; write RFC 3339 such as 2024-05-01T10:00:00Z"
                    ))
                })
        })
        .transpose()
    }
}
