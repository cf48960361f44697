//! Source discovery: the VMs of the source stamp that could be protected, each matched with the
//! protected item that already protects it in a vault.
//!
//! ARM `/subscriptions`, then `Microsoft.Compute/virtualMachines` per subscription (following
//! `nextLink`), then one list of the vault's protected items. Re-exported by layer 4 as
//! `orchestrate::SourceVm`.

use super::pager::Pager;
use super::SiteRecoveryClient;
use crate::api_version::ApiVersion;
use crate::capacity::CapacityAssumptions;
use crate::error::Error;
use crate::id::{protected_item_name_for_vm, validate_name, NameKind, ResourceId, VaultId};
use crate::lifecycle::ItemState;
use crate::model::ProtectedItem;
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

/// One disk of a source VM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DiskInfo {
    /// The disk's name.
    pub name: String,
    /// The managed disk's ARM id, if the VM reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its size in GiB, if reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_gb: Option<u64>,
    /// `true` for the OS disk.
    pub os_disk: bool,
}

/// Whether a VM can be protected now, and if not (or with a caveat) why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Protectability {
    /// `true` when enabling protection can be asked for now.
    pub can_protect: bool,
    /// Why not, or what to know (a deallocated VM can be protected, and the answer says so).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

/// A VM of the source stamp as discovery sees it.
///
/// ```
/// use azs_site_recovery::orchestrate::SourceVm;
/// let vm: SourceVm = serde_json::from_value(serde_json::json!({
///     "id": "/subscriptions/s/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/web-01",
///     "name": "web-01", "resourceGroup": "app", "subscriptionId": "s",
///     "disks": [], "itemName": "web018b8f603e",
///     "protectability": {"canProtect": true}
/// })).unwrap();
/// assert!(vm.is_unprotected());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SourceVm {
    /// The VM's ARM id.
    pub id: String,
    /// The VM's name.
    pub name: String,
    /// Its resource group.
    pub resource_group: String,
    /// Its subscription.
    pub subscription_id: String,
    /// Its location, if reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// `Windows` or `Linux`, if reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_type: Option<String>,
    /// The VM size, e.g. `Standard_DS2_v2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// The power state as Compute reports it (`running`, `stopped`, `deallocated`), if the
    /// list carried the instance view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_state: Option<String>,
    /// Its disks, the OS disk first.
    pub disks: Vec<DiskInfo>,
    /// The name of the protected item that protects it in the vault, if one does (matched on
    /// `sourceAzStackVirtualMachineId`, ignoring case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protected_item: Option<String>,
    /// That item's `protectionState`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protection_state: Option<String>,
    /// The protected-item name to give it: its own name where the client's naming rules accept
    /// it (ARM's general rules by default), else [`protected_item_name_for_vm`] (the strict
    /// pattern `^[a-zA-Z0-9]*$`, opt-in).
    pub item_name: String,
    /// Whether it can be protected now, and why not.
    pub protectability: Protectability,
}

impl SourceVm {
    /// The number of disks (OS disk included): what replication and re-protect count.
    pub fn disk_count(&self) -> usize {
        self.disks.len()
    }

    /// The sizes of its disks in GiB (unknown sizes count as 0).
    pub fn disk_sizes_gb(&self) -> Vec<u64> {
        self.disks.iter().map(|d| d.size_gb.unwrap_or(0)).collect()
    }

    /// `true` when no protected item protects it in the vault.
    pub fn is_unprotected(&self) -> bool {
        self.protected_item.is_none()
    }
}

/// What [`SiteRecoveryClient::discover_source_vms`] looks at.
///
/// ```
/// use azs_site_recovery::client::DiscoveryOptions;
/// let options = DiscoveryOptions::default().subscription("source-sub").skip_vm_named("appliance01");
/// assert_eq!(options.subscriptions, ["source-sub"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DiscoveryOptions {
    /// The subscriptions to list VMs in; empty (default): every subscription the credential
    /// sees (`GET /subscriptions`).
    pub subscriptions: Vec<String>,
    /// Data-disk slots of the replication appliance free for replica disks (default 31: 32
    /// slots, one taken by the appliance's own data disk): a VM with more disks than this cannot
    /// be re-protected through it.
    pub appliance_data_disk_slots: u32,
    /// VM names never offered for protection (e.g. the appliance itself), ignoring case.
    pub skip_vm_names: Vec<String>,
}

impl Default for DiscoveryOptions {
    fn default() -> Self {
        DiscoveryOptions {
            subscriptions: Vec::new(),
            appliance_data_disk_slots: {
                let a = CapacityAssumptions::default();
                a.appliance_data_disk_slots
                    .saturating_sub(a.appliance_disks_in_use)
            },
            skip_vm_names: Vec::new(),
        }
    }
}

impl DiscoveryOptions {
    /// Lists VMs in `subscription` (call again for more) instead of every visible one.
    pub fn subscription(mut self, subscription: impl Into<String>) -> Self {
        self.subscriptions.push(subscription.into());
        self
    }

    /// Never offers VM `name` for protection.
    pub fn skip_vm_named(mut self, name: impl Into<String>) -> Self {
        self.skip_vm_names.push(name.into());
        self
    }
}

impl SiteRecoveryClient {
    /// Every VM of the source stamp this client points at, matched with the protected items of
    /// `vault` (which may live on another stamp: pass the client of that stamp as
    /// `vault_client`, or `None` when it is this one).
    ///
    /// Requests: one `GET /subscriptions` (unless [`DiscoveryOptions::subscriptions`] names
    /// them), one VM list per subscription (plus one per further page), one protected-item list
    /// of the vault (plus pages).
    pub async fn discover_source_vms(
        &self,
        vault_client: Option<&SiteRecoveryClient>,
        vault: &VaultId,
        options: &DiscoveryOptions,
    ) -> Result<Vec<SourceVm>, Error> {
        let vault_client = vault_client.unwrap_or(self);
        let items: Vec<ProtectedItem> = vault_client
            .protected_items(vault)
            .list()
            .try_collect()
            .await?;
        let by_vm: HashMap<String, &ProtectedItem> = items
            .iter()
            .filter_map(|i| Some((i.source_vm_id()?.to_ascii_lowercase(), i)))
            .collect();
        let mut out = Vec::new();
        for (sub, vm) in self.list_vms(options).await? {
            let Some(mut found) = source_vm(&vm, &sub) else {
                continue;
            };
            // The VM's own name where the client's naming rules accept it (ARM's general rules
            // by default), else the documented mapping.
            if validate_name(NameKind::ProtectedItem, &found.name, self.name_rules()).is_ok() {
                found.item_name.clone_from(&found.name);
            }
            if options
                .skip_vm_names
                .iter()
                .any(|n| n.eq_ignore_ascii_case(&found.name))
            {
                continue;
            }
            let item = by_vm.get(&found.id.to_ascii_lowercase()).copied();
            found.protected_item = item.and_then(|i| i.name.clone());
            found.protection_state = item
                .and_then(|i| i.protection_state())
                .map(|s| s.as_str().to_owned());
            found.protectability = protectability(&found, item, options);
            out.push(found);
        }
        Ok(out)
    }

    /// Every entry of the ARM list at `url` (following `nextLink`).
    pub(crate) async fn list_values(&self, url: url::Url) -> Result<Vec<Value>, Error> {
        Pager::<Value>::new(self.clone(), url).try_collect().await
    }

    /// Every VM (as Compute returns it) of the subscriptions `options` names, or of every
    /// subscription the credential sees, with its subscription id.
    pub(crate) async fn list_vms(
        &self,
        options: &DiscoveryOptions,
    ) -> Result<Vec<(String, Value)>, Error> {
        let compute = ApiVersion::custom(&self.arm_api_versions().compute);
        let subscriptions = if options.subscriptions.is_empty() {
            let url = self.pipeline().url(
                "/subscriptions",
                &ApiVersion::custom(&self.arm_api_versions().resources),
            )?;
            let subs: Vec<Value> = Pager::<Value>::new(self.clone(), url).try_collect().await?;
            subs.iter()
                .filter_map(|s| s.get("subscriptionId").and_then(Value::as_str))
                .map(str::to_owned)
                .collect()
        } else {
            options.subscriptions.clone()
        };
        let mut out = Vec::new();
        for sub in subscriptions {
            ResourceId::for_subscription(&sub)?;
            let url = self.pipeline().url(
                &format!("/subscriptions/{sub}/providers/Microsoft.Compute/virtualMachines"),
                &compute,
            )?;
            let vms: Vec<Value> = Pager::<Value>::new(self.clone(), url).try_collect().await?;
            out.extend(vms.into_iter().map(|v| (sub.clone(), v)));
        }
        Ok(out)
    }
}

/// The VMs of `vms` that no protected item protects yet.
///
/// ```
/// use azs_site_recovery::client::not_yet_protected;
/// assert!(not_yet_protected(&[]).is_empty());
/// ```
pub fn not_yet_protected(vms: &[SourceVm]) -> Vec<&SourceVm> {
    vms.iter().filter(|v| v.is_unprotected()).collect()
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// A VM from a Compute list entry; `None` when it carries no id or name.
fn source_vm(vm: &Value, sub: &str) -> Option<SourceVm> {
    let id = vm.get("id")?.as_str()?.to_owned();
    let name = vm.get("name")?.as_str()?.to_owned();
    let resource_group = id
        .split('/')
        .collect::<Vec<_>>()
        .windows(2)
        .find(|w| w[0].eq_ignore_ascii_case("resourceGroups"))
        .map(|w| w[1].to_owned())
        .unwrap_or_default();
    let storage = vm.pointer("/properties/storageProfile");
    let disk = |d: &Value, os: bool| DiskInfo {
        name: str_at(d, "/name").unwrap_or_default().to_owned(),
        id: str_at(d, "/managedDisk/id").map(str::to_owned),
        size_gb: d.get("diskSizeGB").and_then(Value::as_u64),
        os_disk: os,
    };
    let mut disks = Vec::new();
    if let Some(os) = storage
        .and_then(|s| s.get("osDisk"))
        .filter(|d| d.is_object())
    {
        disks.push(disk(os, true));
    }
    if let Some(data) = storage
        .and_then(|s| s.get("dataDisks"))
        .and_then(Value::as_array)
    {
        disks.extend(data.iter().map(|d| disk(d, false)));
    }
    let power_state = vm
        .pointer("/properties/instanceView/statuses")
        .and_then(Value::as_array)
        .and_then(|statuses| {
            statuses
                .iter()
                .filter_map(|s| s.get("code").and_then(Value::as_str))
                .find_map(|c| c.strip_prefix("PowerState/"))
        })
        .map(str::to_owned);
    Some(SourceVm {
        item_name: protected_item_name_for_vm(&name),
        os_type: storage
            .and_then(|s| str_at(s, "/osDisk/osType"))
            .map(str::to_owned),
        size: str_at(vm, "/properties/hardwareProfile/vmSize").map(str::to_owned),
        location: str_at(vm, "/location").map(str::to_owned),
        subscription_id: sub.to_owned(),
        id,
        name,
        resource_group,
        power_state,
        disks,
        protected_item: None,
        protection_state: None,
        protectability: Protectability {
            can_protect: true,
            reasons: Vec::new(),
        },
    })
}

fn protectability(
    vm: &SourceVm,
    item: Option<&ProtectedItem>,
    options: &DiscoveryOptions,
) -> Protectability {
    let mut reasons = Vec::new();
    let mut can = true;
    if let Some(item) = item {
        can = false;
        let state = ItemState::from_item(item);
        reasons.push(format!(
            "already protected by item {} ({})",
            item.name.as_deref().unwrap_or("?"),
            state.summary()
        ));
    }
    let slots = options.appliance_data_disk_slots as usize;
    if vm.disks.len() > slots {
        can = false;
        reasons.push(format!(
            "{} disks: more than the appliance's {slots} data-disk slots, so it could never be \
             re-protected through it; use a larger appliance or split the VM's disks",
            vm.disks.len()
        ));
    }
    if vm.disks.is_empty() {
        can = false;
        reasons.push("no disks reported: nothing to replicate".to_owned());
    }
    match vm.power_state.as_deref() {
        Some("deallocated") => reasons.push(
            "deallocated: protection can be enabled, but replication starts only once the VM \
             runs"
                .to_owned(),
        ),
        Some("stopped") => reasons.push(
            "stopped: protection can be enabled; replication needs the VM running".to_owned(),
        ),
        _ => {}
    }
    Protectability {
        can_protect: can,
        reasons,
    }
}
