//! The reads, one resource provider at a time.

use super::convert::{
    disk, last_segment, parse_time, power_state, resource_group, str_at, string_at, virtual_network,
};
use super::{ArmApiVersions, GatherProblem};
use crate::api_version::ApiVersion;
use crate::client::{Pager, SiteRecoveryClient};
use crate::error::Error;
use crate::id::{FabricAgentId, VaultId};
use crate::model::{FabricAgent, ProtectedItem};
use crate::preflight::{
    ApplianceStatus, ComputeQuota, OsFamily, PowerState, QuotaUsage, RoleAssignment,
    StampInventory, StorageAccount, VmNic, VmToProtect,
};
use futures_util::TryStreamExt;
use serde_json::Value;
use std::collections::BTreeMap;

pub(super) struct Gatherer<'a> {
    pub(super) target: &'a SiteRecoveryClient,
    pub(super) source: &'a SiteRecoveryClient,
    pub(super) versions: &'a ArmApiVersions,
    pub(super) problems: Vec<GatherProblem>,
}

impl Gatherer<'_> {
    fn client(&self, on_target: bool) -> &SiteRecoveryClient {
        if on_target {
            self.target
        } else {
            self.source
        }
    }

    /// Every item of an ARM list (`value` + `nextLink`) at `path` with `api_version`.
    async fn list(
        &mut self,
        on_target: bool,
        path: &str,
        api_version: &str,
        what: String,
    ) -> Vec<Value> {
        let client = self.client(on_target).clone();
        let result: Result<Vec<Value>, Error> = async {
            let url = client
                .pipeline()
                .url(path, &ApiVersion::custom(api_version))?;
            Pager::<Value>::new(client.clone(), url).try_collect().await
        }
        .await;
        match result {
            Ok(v) => v,
            Err(error) => {
                self.problems.push(GatherProblem { what, error });
                Vec::new()
            }
        }
    }

    /// One ARM resource at `path` with `api_version`.
    async fn get(
        &mut self,
        on_target: bool,
        path: &str,
        api_version: &str,
        what: String,
    ) -> Option<Value> {
        let client = self.client(on_target).clone();
        let result: Result<Value, Error> = async {
            let url = client
                .pipeline()
                .url(path, &ApiVersion::custom(api_version))?;
            client.get_json(url).await
        }
        .await;
        match result {
            Ok(v) => Some(v),
            Err(error) => {
                self.problems.push(GatherProblem { what, error });
                None
            }
        }
    }

    pub(super) async fn inventory(
        &mut self,
        on_target: bool,
        subscriptions: &[String],
        location: &str,
    ) -> StampInventory {
        let side = if on_target { "target" } else { "source" };
        let v = self.versions.clone();
        let mut inv = StampInventory {
            location: location.to_owned(),
            ..StampInventory::default()
        };
        if subscriptions.is_empty() {
            return inv;
        }
        let visible = self
            .list(
                on_target,
                "/subscriptions",
                &v.resources,
                format!("subscriptions ({side})"),
            )
            .await;
        inv.subscriptions = visible
            .iter()
            .filter_map(|s| str_at(s, "/subscriptionId"))
            .map(str::to_owned)
            .collect();
        for sub in subscriptions {
            let groups = self
                .list(
                    on_target,
                    &format!("/subscriptions/{sub}/resourcegroups"),
                    &v.resources,
                    format!("resource groups of subscription {sub} ({side})"),
                )
                .await;
            inv.resource_groups
                .extend(groups.iter().map(resource_group));
            let networks = self
                .list(
                    on_target,
                    &format!("/subscriptions/{sub}/providers/Microsoft.Network/virtualNetworks"),
                    &v.network,
                    format!("virtual networks of subscription {sub} ({side})"),
                )
                .await;
            inv.virtual_networks
                .extend(networks.iter().map(virtual_network));
            let accounts = self
                .list(
                    on_target,
                    &format!("/subscriptions/{sub}/providers/Microsoft.Storage/storageAccounts"),
                    &v.storage,
                    format!("storage accounts of subscription {sub} ({side})"),
                )
                .await;
            inv.storage_accounts
                .extend(accounts.iter().map(|a| StorageAccount {
                    id: string_at(a, "/id"),
                    location: string_at(a, "/location"),
                }));
        }
        inv
    }

    pub(super) async fn quota(
        &mut self,
        subscription: &str,
        location: &str,
    ) -> Option<ComputeQuota> {
        let compute = self.versions.compute.clone();
        let usages = self
            .list(
                true,
                &format!("/subscriptions/{subscription}/providers/Microsoft.Compute/locations/{location}/usages"),
                &compute,
                format!("compute usages of subscription {subscription} in {location}"),
            )
            .await;
        if usages.is_empty() {
            return None;
        }
        Some(ComputeQuota {
            usages: usages
                .iter()
                .map(|u| QuotaUsage {
                    name: string_at(u, "/name/value"),
                    current: u
                        .pointer("/currentValue")
                        .and_then(Value::as_u64)
                        .unwrap_or(0),
                    limit: u.pointer("/limit").and_then(Value::as_u64).unwrap_or(0),
                })
                .collect(),
        })
    }

    /// vCPUs by VM size name (lower case) in `location` of the target stamp.
    pub(super) async fn vm_sizes(
        &mut self,
        subscription: &str,
        location: &str,
    ) -> BTreeMap<String, u32> {
        let compute = self.versions.compute.clone();
        let sizes = self
            .list(
                true,
                &format!("/subscriptions/{subscription}/providers/Microsoft.Compute/locations/{location}/vmSizes"),
                &compute,
                format!("VM sizes of subscription {subscription} in {location}"),
            )
            .await;
        sizes
            .iter()
            .filter_map(|s| {
                let cores = s.pointer("/numberOfCores").and_then(Value::as_u64)?;
                Some((
                    str_at(s, "/name")?.to_ascii_lowercase(),
                    u32::try_from(cores).ok()?,
                ))
            })
            .collect()
    }

    pub(super) async fn role_assignments(
        &mut self,
        on_target: bool,
        subscription: &str,
        principal: &str,
    ) -> Vec<RoleAssignment> {
        let auth = self.versions.authorization.clone();
        let base = format!("/subscriptions/{subscription}/providers/Microsoft.Authorization");
        let definitions = self
            .list(
                on_target,
                &format!("{base}/roleDefinitions"),
                &auth,
                format!("role definitions of subscription {subscription}"),
            )
            .await;
        let names: BTreeMap<String, String> = definitions
            .iter()
            .filter_map(|d| {
                let id = last_segment(str_at(d, "/id")?).to_ascii_lowercase();
                Some((id, str_at(d, "/properties/roleName")?.to_owned()))
            })
            .collect();
        let client = self.client(on_target).clone();
        let url = client
            .pipeline()
            .url(
                &format!("{base}/roleAssignments"),
                &ApiVersion::custom(&auth),
            )
            .map(|mut u| {
                u.query_pairs_mut()
                    .append_pair("$filter", &format!("assignedTo('{principal}')"));
                u
            });
        let assignments: Result<Vec<Value>, Error> = match url {
            Ok(url) => Pager::<Value>::new(client, url).try_collect().await,
            Err(e) => Err(e),
        };
        let assignments = match assignments {
            Ok(a) => a,
            Err(error) => {
                self.problems.push(GatherProblem {
                    what: format!("role assignments of subscription {subscription}"),
                    error,
                });
                return Vec::new();
            }
        };
        assignments
            .iter()
            .filter_map(|a| {
                let def =
                    last_segment(str_at(a, "/properties/roleDefinitionId")?).to_ascii_lowercase();
                Some(RoleAssignment {
                    role_name: names.get(&def).cloned().unwrap_or(def),
                    scope: string_at(a, "/properties/scope"),
                })
            })
            .collect()
    }

    /// The fabric agent's status, and the name of the machine it runs on (`machineName`).
    pub(super) async fn appliance(
        &mut self,
        id: &FabricAgentId,
    ) -> Option<(ApplianceStatus, Option<String>)> {
        let client = self.target.clone();
        let result: Result<FabricAgent, Error> = async {
            let url = client.url(id.as_str())?;
            client.get_json(url).await
        }
        .await;
        let agent = match result {
            Ok(a) => a,
            Err(e) if e.is_not_found() => return None,
            Err(error) => {
                self.problems.push(GatherProblem {
                    what: format!("appliance {}", id.name()),
                    error,
                });
                return None;
            }
        };
        // Read through JSON: the preview (`DraModel`) and later shapes name the same fields.
        let v = serde_json::to_value(&agent).unwrap_or(Value::Null);
        let state = str_at(&v, "/properties/provisioningState").unwrap_or("");
        let machine = str_at(&v, "/properties/machineName").map(str::to_owned);
        let status = ApplianceStatus {
            id: id.as_str().to_owned(),
            registered: state.eq_ignore_ascii_case("Succeeded"),
            responsive: v
                .pointer("/properties/isResponsive")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            last_heartbeat: str_at(&v, "/properties/lastHeartbeat").and_then(parse_time),
            health_errors: v
                .pointer("/properties/healthErrors")
                .and_then(Value::as_array)
                .map(|errs| {
                    errs.iter()
                        .filter_map(|e| str_at(e, "/message").or(str_at(e, "/code")))
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            ..ApplianceStatus::default()
        };
        Some((status, machine))
    }

    /// The appliance VM on the source stamp: `explicit` (its ARM id), else the VM of a source
    /// subscription named `machine` (the fabric agent's `machineName`).
    pub(super) async fn appliance_vm(
        &mut self,
        explicit: Option<&str>,
        machine: Option<&str>,
        source_subscriptions: &[String],
    ) -> Option<Value> {
        let compute = self.versions.compute.clone();
        if let Some(id) = explicit {
            let name = last_segment(id).to_owned();
            return self
                .get(
                    false,
                    id,
                    &compute,
                    format!("appliance virtual machine {name}"),
                )
                .await;
        }
        let machine = machine?;
        for sub in source_subscriptions {
            let vms = self
                .list(
                    false,
                    &format!("/subscriptions/{sub}/providers/Microsoft.Compute/virtualMachines"),
                    &compute,
                    format!("virtual machines of subscription {sub} (source)"),
                )
                .await;
            if let Some(vm) = vms
                .into_iter()
                .find(|v| str_at(v, "/name").is_some_and(|n| n.eq_ignore_ascii_case(machine)))
            {
                return Some(vm);
            }
        }
        None
    }

    /// `maxDataDiskCount` of VM size `size` in `location` of the source stamp's `subscription`.
    pub(super) async fn max_data_disks(
        &mut self,
        subscription: &str,
        location: &str,
        size: &str,
    ) -> Option<u32> {
        let compute = self.versions.compute.clone();
        let sizes = self
            .list(
                false,
                &format!("/subscriptions/{subscription}/providers/Microsoft.Compute/locations/{location}/vmSizes"),
                &compute,
                format!("VM sizes of subscription {subscription} in {location} (source)"),
            )
            .await;
        sizes
            .iter()
            .find(|s| str_at(s, "/name").is_some_and(|n| n.eq_ignore_ascii_case(size)))
            .and_then(|s| s.pointer("/maxDataDiskCount").and_then(Value::as_u64))
            .and_then(|n| u32::try_from(n).ok())
    }

    pub(super) async fn protected_items(&mut self, vault: &VaultId) -> Vec<ProtectedItem> {
        match self
            .target
            .protected_items(vault)
            .list()
            .try_collect()
            .await
        {
            Ok(items) => items,
            Err(error) => {
                self.problems.push(GatherProblem {
                    what: format!("protected items of vault {}", vault.name()),
                    error,
                });
                Vec::new()
            }
        }
    }

    pub(super) async fn vm(&mut self, id: &str) -> Option<VmToProtect> {
        let v = self.versions.clone();
        let name = last_segment(id).to_owned();
        let vm = self
            .get(false, id, &v.compute, format!("virtual machine {name}"))
            .await?;
        let os = match str_at(&vm, "/properties/storageProfile/osDisk/osType") {
            Some(t) if t.eq_ignore_ascii_case("windows") => OsFamily::Windows,
            Some(t) if t.eq_ignore_ascii_case("linux") => OsFamily::Linux,
            _ => OsFamily::Unknown,
        };
        let mut out = VmToProtect {
            os,
            ..VmToProtect::windows(str_at(&vm, "/name").unwrap_or(&name))
        }
        .with_id(id);
        out.power_state = PowerState::Unknown;
        out.size = string_at(&vm, "/properties/hardwareProfile/vmSize");
        if let Some(os_disk) = vm.pointer("/properties/storageProfile/osDisk") {
            out.disks.push(disk(os_disk, true));
        }
        if let Some(data) = vm
            .pointer("/properties/storageProfile/dataDisks")
            .and_then(Value::as_array)
        {
            out.disks.extend(data.iter().map(|d| disk(d, false)));
        }
        let view = self
            .get(
                false,
                &format!("{id}/instanceView"),
                &v.compute,
                format!("instance view of {name}"),
            )
            .await;
        if let Some(view) = view {
            out.power_state = power_state(&view);
        }
        let nics: Vec<(String, bool)> = vm
            .pointer("/properties/networkProfile/networkInterfaces")
            .and_then(Value::as_array)
            .map(|nics| {
                nics.iter()
                    .enumerate()
                    .filter_map(|(i, n)| {
                        let primary = n
                            .pointer("/properties/primary")
                            .and_then(Value::as_bool)
                            .unwrap_or(i == 0);
                        Some((str_at(n, "/id")?.to_owned(), primary))
                    })
                    .collect()
            })
            .unwrap_or_default();
        for (nic_id, primary) in nics {
            let nic_name = last_segment(&nic_id).to_owned();
            let Some(nic) = self
                .get(
                    false,
                    &nic_id,
                    &v.network,
                    format!("network interface {nic_name}"),
                )
                .await
            else {
                continue;
            };
            let subnet = nic
                .pointer("/properties/ipConfigurations/0/properties/subnet/id")
                .and_then(Value::as_str)
                .unwrap_or("");
            let (network, subnet_name) = match subnet.to_ascii_lowercase().find("/subnets/") {
                Some(i) => (
                    subnet[..i].to_owned(),
                    subnet[i + "/subnets/".len()..].to_owned(),
                ),
                None => (String::new(), String::new()),
            };
            out.nics.push(VmNic {
                name: nic_name,
                primary,
                virtual_network_id: network,
                subnet_name,
            });
        }
        Some(out)
    }
}
