//! Gathering the [`EnvironmentSnapshot`] the prerequisite checks read, from ARM: compute
//! usages, virtual networks, storage accounts, resource groups, role assignments, the appliance
//! (fabric agent), the VMs to protect and their protected items.
//!
//! The other resource providers are read with the api-versions of the Azure Stack Hub
//! `2020-09-01-hybrid` profile ([`ArmApiVersions`], configurable). A read that fails does not
//! stop the gathering: the part stays empty (the checks then report `DATA_NOT_GATHERED`) and the
//! failure is listed in [`GatheredSnapshot::problems`].

mod convert;
mod gatherer;

use super::SiteRecoveryClient;
use crate::error::Error;
use crate::id::{FabricAgentId, VaultId};
use crate::model::{ProtectedItem, ProtectionState};
use crate::preflight::{
    self, ApplianceStatus, EnvironmentSnapshot, PreflightPlan, PreflightReport,
};
use convert::apply_protected_item;
use gatherer::Gatherer;
use std::fmt;

/// The api-versions used to read the other resource providers. The defaults are the Azure
/// Stack Hub `2020-09-01-hybrid` profile's.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ArmApiVersions {
    /// `Microsoft.Compute` (default `2020-06-01`).
    pub compute: String,
    /// `Microsoft.Network` (default `2018-11-01`).
    pub network: String,
    /// `Microsoft.Storage` (default `2019-06-01`).
    pub storage: String,
    /// `Microsoft.Resources` (default `2019-10-01`).
    pub resources: String,
    /// `Microsoft.Authorization` (default `2015-07-01`).
    pub authorization: String,
}

impl Default for ArmApiVersions {
    fn default() -> Self {
        ArmApiVersions {
            compute: "2020-06-01".into(),
            network: "2018-11-01".into(),
            storage: "2019-06-01".into(),
            resources: "2019-10-01".into(),
            authorization: "2015-07-01".into(),
        }
    }
}

/// What to gather: the subscriptions and locations of both stamps, the VMs, the appliance,
/// the vault and the acting principal.
///
/// ```
/// use azs_site_recovery::client::PreflightScope;
/// let scope = PreflightScope::new("target-sub", "local")
///     .source("source-sub", "redmond")
///     .vm("/subscriptions/source-sub/resourceGroups/apps/providers/Microsoft.Compute/virtualMachines/web01")
///     .principal("11111111-2222-3333-4444-555555555555");
/// assert_eq!(scope.vm_ids.len(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PreflightScope {
    /// Target subscriptions (the vault's stamp; the first one holds the quota read).
    pub target_subscriptions: Vec<String>,
    /// Target location (e.g. `local`).
    pub target_location: String,
    /// Source subscriptions (where the VMs run).
    pub source_subscriptions: Vec<String>,
    /// Source location.
    pub source_location: String,
    /// ARM ids of the VMs on the source stamp.
    pub vm_ids: Vec<String>,
    /// The appliance (fabric agent) the operation uses.
    pub appliance: Option<FabricAgentId>,
    /// ARM id of the appliance VM on the source stamp, whose size and attached data disks give
    /// the data-disk slots (`None`: the VM of a source subscription named as the fabric agent's
    /// `machineName`).
    pub appliance_vm: Option<String>,
    /// The vault, to read the VMs' protected items (state, target settings).
    pub vault: Option<VaultId>,
    /// The object id of the acting principal, to read its role assignments.
    pub principal_id: Option<String>,
}

impl PreflightScope {
    /// A scope with one target subscription in `location`.
    pub fn new(target_subscription: impl Into<String>, location: impl Into<String>) -> Self {
        PreflightScope {
            target_subscriptions: vec![target_subscription.into()],
            target_location: location.into(),
            ..Self::default()
        }
    }

    /// Adds a source subscription in `location`.
    pub fn source(mut self, subscription: impl Into<String>, location: impl Into<String>) -> Self {
        self.source_subscriptions.push(subscription.into());
        self.source_location = location.into();
        self
    }

    /// Adds a VM to protect (its ARM id on the source stamp).
    pub fn vm(mut self, id: impl Into<String>) -> Self {
        self.vm_ids.push(id.into());
        self
    }

    /// Sets the appliance.
    pub fn appliance(mut self, id: FabricAgentId) -> Self {
        self.appliance = Some(id);
        self
    }

    /// Sets the appliance VM's ARM id (see [`PreflightScope::appliance_vm`]).
    pub fn appliance_vm(mut self, id: impl Into<String>) -> Self {
        self.appliance_vm = Some(id.into());
        self
    }

    /// Sets the vault.
    pub fn vault(mut self, id: VaultId) -> Self {
        self.vault = Some(id);
        self
    }

    /// Sets the acting principal's object id.
    pub fn principal(mut self, object_id: impl Into<String>) -> Self {
        self.principal_id = Some(object_id.into());
        self
    }
}

/// A read that failed while gathering.
#[derive(Debug)]
#[non_exhaustive]
pub struct GatherProblem {
    /// What was being read (e.g. `virtual networks of subscription s1 (source)`).
    pub what: String,
    /// Why it failed.
    pub error: Error,
}

impl fmt::Display for GatherProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not read {}: {}", self.what, self.error)
    }
}

/// The snapshot and what could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub struct GatheredSnapshot {
    /// The snapshot (parts that could not be read are empty).
    pub snapshot: EnvironmentSnapshot,
    /// The reads that failed.
    pub problems: Vec<GatherProblem>,
}

impl Gatherer<'_> {
    /// The appliance's data-disk slots from its VM on the source stamp: the size's
    /// `maxDataDiskCount`, the data disks attached, and the disks of re-protects in progress
    /// that are not attached yet. Left at the default appliance's (32, 1 attached) with a
    /// problem listed when the VM or its size cannot be read.
    async fn appliance_slots(
        &mut self,
        status: &mut ApplianceStatus,
        scope: &PreflightScope,
        machine: Option<&str>,
        items: &[ProtectedItem],
    ) {
        let vm = self
            .appliance_vm(
                scope.appliance_vm.as_deref(),
                machine,
                &scope.source_subscriptions,
            )
            .await;
        let Some(vm) = vm else {
            self.problems.push(GatherProblem {
                what: format!(
                    "the appliance VM ({}): its data-disk slots are taken as the default \
                     appliance's (32, 1 attached)",
                    scope
                        .appliance_vm
                        .as_deref()
                        .or(machine)
                        .unwrap_or("no machineName on the fabric agent")
                ),
                error: Error::invalid_input(
                    "preflight scope",
                    "the appliance VM was not found on the source stamp; set \
                     PreflightScope::appliance_vm(id), or add the appliance's source subscription",
                ),
            });
            return;
        };
        let attached: Vec<String> = vm
            .pointer("/properties/storageProfile/dataDisks")
            .and_then(serde_json::Value::as_array)
            .map(|d| {
                d.iter()
                    .filter_map(|d| d.pointer("/managedDisk/id").and_then(|v| v.as_str()))
                    .map(str::to_ascii_lowercase)
                    .collect()
            })
            .unwrap_or_default();
        let vm_id = vm.pointer("/id").and_then(|v| v.as_str()).unwrap_or("");
        let sub = crate::id::ResourceId::parse(vm_id)
            .ok()
            .and_then(|id| id.subscription_id().map(str::to_owned));
        let location = vm.pointer("/location").and_then(|v| v.as_str());
        let size = vm
            .pointer("/properties/hardwareProfile/vmSize")
            .and_then(|v| v.as_str());
        let max = match (sub, location, size) {
            (Some(sub), Some(loc), Some(size)) => self.max_data_disks(&sub, loc, size).await,
            _ => None,
        };
        match max {
            Some(max) => status.data_disk_slots = max,
            None => self.problems.push(GatherProblem {
                what: format!(
                    "the data-disk limit of the appliance VM's size ({}): taken as 32",
                    size.unwrap_or("no vmSize")
                ),
                error: Error::invalid_input(
                    "appliance VM",
                    "its size is not among the stamp's VM sizes (vmSizes)",
                ),
            }),
        }
        status.data_disks_attached = u32::try_from(attached.len()).unwrap_or(u32::MAX);
        status.data_disks_reserved = items
            .iter()
            .filter(|i| i.protection_state() == Some(&ProtectionState::ReprotectInitiated))
            .map(|i| {
                let custom = i
                    .properties
                    .as_ref()
                    .and_then(|p| p.custom_properties.as_ref())
                    .and_then(|c| serde_json::to_value(c).ok())
                    .unwrap_or_default();
                custom
                    .pointer("/protectedDisks")
                    .and_then(serde_json::Value::as_array)
                    .map(|disks| {
                        disks
                            .iter()
                            .filter_map(|d| d.pointer("/sourceDiskId").and_then(|v| v.as_str()))
                            .filter(|id| !attached.contains(&id.to_ascii_lowercase()))
                            .count()
                    })
                    .unwrap_or(0)
            })
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
            .fold(0u32, u32::saturating_add);
    }
}

impl SiteRecoveryClient {
    /// Reads the snapshot the prerequisite checks need. This client is the target stamp's (the
    /// vault's); `source` is the source stamp's client (`None`: the same stamp).
    ///
    /// The other resource providers are read with this client's
    /// [`ArmApiVersions`](crate::client::ClientBuilder::arm_api_versions).
    pub async fn gather_preflight_snapshot(
        &self,
        source: Option<&SiteRecoveryClient>,
        scope: &PreflightScope,
    ) -> GatheredSnapshot {
        let mut g = Gatherer {
            target: self,
            source: source.unwrap_or(self),
            versions: &self.inner.arm_api_versions,
            problems: Vec::new(),
        };
        let mut snapshot = EnvironmentSnapshot {
            source: g
                .inventory(false, &scope.source_subscriptions, &scope.source_location)
                .await,
            target: g
                .inventory(true, &scope.target_subscriptions, &scope.target_location)
                .await,
            ..EnvironmentSnapshot::default()
        };
        let mut sizes = Default::default();
        if let Some(sub) = scope.target_subscriptions.first() {
            snapshot.target_quota = g.quota(sub, &scope.target_location).await;
            if !scope.vm_ids.is_empty() {
                sizes = g.vm_sizes(sub, &scope.target_location).await;
            }
        }
        if let Some(principal) = &scope.principal_id {
            let subs: Vec<(bool, &String)> = scope
                .target_subscriptions
                .iter()
                .map(|s| (true, s))
                .chain(scope.source_subscriptions.iter().map(|s| (false, s)))
                .collect();
            for (on_target, sub) in subs {
                let found = g.role_assignments(on_target, sub, principal).await;
                snapshot.role_assignments.extend(found);
            }
        }
        let items = match &scope.vault {
            Some(v) => g.protected_items(v).await,
            None => Vec::new(),
        };
        if let Some(appliance) = &scope.appliance {
            if let Some((mut status, machine)) = g.appliance(appliance).await {
                g.appliance_slots(&mut status, scope, machine.as_deref(), &items)
                    .await;
                snapshot.appliance = Some(status);
            }
        }
        for id in &scope.vm_ids {
            if let Some(mut vm) = g.vm(id).await {
                apply_protected_item(&mut vm, &items);
                vm.cores = sizes.get(&vm.size.to_ascii_lowercase()).copied();
                snapshot.vms.push(vm);
            }
        }
        GatheredSnapshot {
            snapshot,
            problems: g.problems,
        }
    }

    /// Gathers the snapshot and runs the prerequisite checks of `plan` over it, as of the
    /// pipeline clock's now. The report says `DATA_NOT_GATHERED` where a read failed; the
    /// failures themselves are returned beside it.
    pub async fn preflight(
        &self,
        source: Option<&SiteRecoveryClient>,
        scope: &PreflightScope,
        plan: &PreflightPlan,
    ) -> (PreflightReport, Vec<GatherProblem>) {
        let gathered = self.gather_preflight_snapshot(source, scope).await;
        let now = self.pipeline().clock().now();
        (
            preflight::run(plan, &gathered.snapshot, now),
            gathered.problems,
        )
    }
}
