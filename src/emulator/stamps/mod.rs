//! The two Azure Stack Hub stamps around the resource provider, and the ARM reads a preflight
//! makes of them: Compute usages, virtual machines (with instance view), disks, virtual networks,
//! network interfaces, storage accounts, resource groups (with tags), role assignments and role
//! definitions. Shapes follow ARM (the Azure Stack Hub 2020-09-01-hybrid profile: Compute
//! 2020-06-01, Network 2018-11-01, Storage 2019-06-01, Resources 2019-10-01, Authorization
//! 2015-07-01); any api-version is accepted for these reads, as a tolerant stand-in.

mod build;
mod reads;
mod shapes;

pub(crate) use reads::handle;

use super::scenario::{ComputeQuota, Identity, OsType, PowerState, RoleAssignment};
use super::table::Table;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

/// A VM on either stamp (source VMs, and VMs created by failover / test failover).
#[derive(Debug, Clone)]
pub(crate) struct VmRec {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) location: String,
    pub(crate) os_type: OsType,
    pub(crate) size: String,
    /// Disk ids; the first is the OS disk.
    pub(crate) disks: Vec<String>,
    pub(crate) nics: Vec<String>,
    pub(crate) power: PowerState,
    pub(crate) vm_id: String,
    pub(crate) tags: BTreeMap<String, String>,
}

/// A managed disk.
#[derive(Debug, Clone)]
pub(crate) struct DiskRec {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) location: String,
    pub(crate) size_gb: u64,
    pub(crate) managed_by: Option<String>,
}

/// A network interface.
#[derive(Debug, Clone)]
pub(crate) struct NicRec {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) location: String,
    pub(crate) subnet_id: String,
    pub(crate) ip: String,
    pub(crate) vm: Option<String>,
}

/// A virtual network.
#[derive(Debug, Clone)]
pub(crate) struct NetRec {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) location: String,
    pub(crate) address_space: Vec<String>,
    pub(crate) subnets: Vec<(String, String)>,
}

/// A storage account.
#[derive(Debug, Clone)]
pub(crate) struct StorageRec {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) location: String,
    pub(crate) sku: String,
}

/// A resource group.
#[derive(Debug, Clone)]
pub(crate) struct GroupRec {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) location: String,
    pub(crate) tags: BTreeMap<String, String>,
}

/// The appliance as the service sees it.
#[derive(Debug, Clone)]
pub(crate) struct ApplianceRec {
    pub(crate) agent_id: String,
    /// The appliance VM on the source stamp (its data disks are the slots in use).
    pub(crate) vm_id: String,
    pub(crate) machine_name: String,
    pub(crate) machine_id: String,
    pub(crate) responsive: bool,
    /// When it last sent a heartbeat (`None`: it is current, i.e. "now").
    pub(crate) stale_since: Option<DateTime<Utc>>,
    pub(crate) slots: u32,
    pub(crate) used_slots: u32,
    pub(crate) version: String,
}

/// The stamps: everything outside Microsoft.DataReplication.
#[derive(Debug, Clone)]
pub(crate) struct World {
    pub(crate) source_sub: String,
    pub(crate) source_location: String,
    pub(crate) target_sub: String,
    pub(crate) target_location: String,
    pub(crate) vms: Table<VmRec>,
    pub(crate) disks: Table<DiskRec>,
    pub(crate) nics: Table<NicRec>,
    pub(crate) networks: Table<NetRec>,
    pub(crate) storage: Table<StorageRec>,
    pub(crate) groups: Table<GroupRec>,
    pub(crate) quotas: HashMap<String, ComputeQuota>,
    pub(crate) roles: Vec<(String, RoleAssignment)>,
    pub(crate) identities: Vec<Identity>,
    pub(crate) tokens: HashMap<String, String>,
    pub(crate) appliance: ApplianceRec,
}

pub(super) fn key(id: &str) -> String {
    id.to_ascii_lowercase()
}

pub(crate) fn rg_id(sub: &str, rg: &str) -> String {
    format!("/subscriptions/{sub}/resourceGroups/{rg}")
}

/// The VM sizes the emulated stamps offer: (name, vCPUs, memory MiB, max data disks).
pub(crate) const VM_SIZES: [(&str, u64, u64, u64); 12] = [
    ("Standard_DS1_v2", 1, 3584, 4),
    ("Standard_DS2_v2", 2, 7168, 8),
    ("Standard_DS3_v2", 4, 14336, 16),
    ("Standard_DS4_v2", 8, 28672, 32),
    ("Standard_DS5_v2", 16, 57344, 64),
    ("Standard_D1_v2", 1, 3584, 4),
    ("Standard_D2_v2", 2, 7168, 8),
    ("Standard_D3_v2", 4, 14336, 16),
    ("Standard_D4_v2", 8, 28672, 32),
    ("Standard_A1_v2", 1, 2048, 2),
    ("Standard_A2_v2", 2, 4096, 4),
    ("Standard_F4s_v2", 4, 8192, 8),
];

/// vCPUs of a VM size; 8 for the appliance's own size when it is not a standard one (a DS4_v2
/// with more or fewer data-disk slots), 2 for a size the emulator does not know.
pub(crate) fn cores_of(size: &str) -> u64 {
    VM_SIZES
        .iter()
        .find(|(n, ..)| n.eq_ignore_ascii_case(size))
        .map(|(_, c, ..)| *c)
        .unwrap_or(if size.starts_with(APPLIANCE_SIZE_PREFIX) {
            8
        } else {
            2
        })
}

/// The name of a non-standard appliance size: a scenario may give the appliance any number of
/// data-disk slots, and the appliance VM's size must then say so in `maxDataDiskCount`.
const APPLIANCE_SIZE_PREFIX: &str = "Standard_DS4_v2_Appliance";

/// The appliance VM's size for a number of data-disk slots: the smallest standard DS size with
/// exactly that many (32: the default DS4_v2), else a DS4_v2-like size of the emulator's own.
pub(crate) fn appliance_vm_size(slots: u32) -> String {
    VM_SIZES
        .iter()
        .find(|(n, _, _, d)| n.starts_with("Standard_DS") && *d == u64::from(slots))
        .map(|(n, ..)| (*n).to_owned())
        .unwrap_or_else(|| format!("{APPLIANCE_SIZE_PREFIX}{slots}"))
}

impl World {
    /// The VM sizes a stamp offers: the standard ones, and the appliance's own size when the
    /// scenario gave it a non-standard number of slots. (name, vCPUs, memory MiB, max data disks)
    pub(crate) fn vm_sizes(&self) -> Vec<(String, u64, u64, u64)> {
        let mut sizes: Vec<(String, u64, u64, u64)> = VM_SIZES
            .iter()
            .map(|(n, c, m, d)| ((*n).to_owned(), *c, *m, *d))
            .collect();
        let app = self.vm(&self.appliance.vm_id).map(|v| v.size.clone());
        if let Some(size) = app.filter(|s| s.starts_with(APPLIANCE_SIZE_PREFIX)) {
            sizes.push((size, 8, 28672, u64::from(self.appliance.slots)));
        }
        sizes
    }

    pub(crate) fn add_group(
        &mut self,
        sub: &str,
        name: &str,
        location: &str,
        tags: BTreeMap<String, String>,
    ) {
        let id = rg_id(sub, name);
        let entry = self.groups.get_or_insert_with(key(&id), || GroupRec {
            id: id.clone(),
            name: name.to_owned(),
            location: location.to_owned(),
            tags: BTreeMap::new(),
        });
        entry.tags.extend(tags);
    }

    pub(crate) fn add_disk(
        &mut self,
        sub: &str,
        rg: &str,
        location: &str,
        name: &str,
        size_gb: u64,
        vm: Option<&str>,
    ) -> String {
        let id = format!(
            "{}/providers/Microsoft.Compute/disks/{}",
            rg_id(sub, rg),
            name
        );
        self.disks.insert(
            key(&id),
            DiskRec {
                id: id.clone(),
                name: name.to_owned(),
                location: location.to_owned(),
                size_gb,
                managed_by: vm.map(str::to_owned),
            },
        );
        id
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add_nic(
        &mut self,
        sub: &str,
        rg: &str,
        location: &str,
        name: &str,
        subnet_id: &str,
        ip: &str,
        vm: Option<&str>,
    ) -> String {
        let id = format!(
            "{}/providers/Microsoft.Network/networkInterfaces/{}",
            rg_id(sub, rg),
            name
        );
        self.nics.insert(
            key(&id),
            NicRec {
                id: id.clone(),
                name: name.to_owned(),
                location: location.to_owned(),
                subnet_id: subnet_id.to_owned(),
                ip: ip.to_owned(),
                vm: vm.map(str::to_owned),
            },
        );
        id
    }

    pub(crate) fn vm(&self, id: &str) -> Option<&VmRec> {
        self.vms.get(&key(id))
    }

    pub(crate) fn vm_mut(&mut self, id: &str) -> Option<&mut VmRec> {
        self.vms.get_mut(&key(id))
    }

    pub(crate) fn network(&self, id: &str) -> Option<&NetRec> {
        self.networks.get(&key(id))
    }

    pub(crate) fn has_subnet(&self, network_id: &str, subnet: &str) -> bool {
        self.network(network_id).is_some_and(|n| {
            n.subnets
                .iter()
                .any(|(s, _)| s.eq_ignore_ascii_case(subnet))
        })
    }

    pub(crate) fn storage_exists(&self, id: &str) -> bool {
        self.storage.contains_key(&key(id))
    }

    pub(crate) fn group_exists(&self, id: &str) -> bool {
        self.groups.contains_key(&key(id.trim_end_matches('/')))
    }

    /// Attaches replica disks to the appliance VM (re-protect), taking data-disk slots.
    pub(crate) fn attach_replicas(&mut self, disk_ids: &[String]) {
        let app_vm = self.appliance.vm_id.clone();
        for d in disk_ids {
            if let Some(disk) = self.disks.get_mut(&key(d)) {
                disk.managed_by = Some(app_vm.clone());
            }
        }
        if let Some(vm) = self.vms.get_mut(&key(&app_vm)) {
            vm.disks.extend(disk_ids.iter().cloned());
        }
        self.appliance.used_slots += disk_ids.len() as u32;
    }

    /// Detaches replica disks from the appliance VM, freeing their slots.
    pub(crate) fn detach_replicas(&mut self, disk_ids: &[String]) {
        let app_vm = self.appliance.vm_id.clone();
        if let Some(vm) = self.vms.get_mut(&key(&app_vm)) {
            vm.disks
                .retain(|d| !disk_ids.iter().any(|r| r.eq_ignore_ascii_case(d)));
        }
        for d in disk_ids {
            if let Some(disk) = self.disks.get_mut(&key(d)) {
                if disk.managed_by.as_deref() == Some(app_vm.as_str()) {
                    disk.managed_by = None;
                }
            }
        }
        self.appliance.used_slots = self
            .appliance
            .used_slots
            .saturating_sub(disk_ids.len() as u32);
    }

    /// vCPUs and VMs in use in a subscription and location.
    pub(crate) fn usage(&self, sub: &str, location: &str) -> (u64, u64) {
        let prefix = format!("/subscriptions/{}/", key(sub));
        let mut cores = 0;
        let mut count = 0;
        for (k, vm) in &self.vms {
            if k.starts_with(&prefix) && vm.location.eq_ignore_ascii_case(location) {
                count += 1;
                cores += cores_of(&vm.size);
            }
        }
        (cores, count)
    }

    /// Creates a VM (failover, test failover, failback) with new disks and one NIC.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn create_vm(
        &mut self,
        rg_id_str: &str,
        name: &str,
        location: &str,
        os_type: OsType,
        size: &str,
        disk_sizes: &[u64],
        subnet_id: &str,
        vm_guid: String,
    ) -> String {
        let (sub, rg) = split_rg(rg_id_str);
        let vm_id = format!(
            "{}/providers/Microsoft.Compute/virtualMachines/{name}",
            rg_id(&sub, &rg)
        );
        let disks = disk_sizes
            .iter()
            .enumerate()
            .map(|(i, gb)| {
                let dn = if i == 0 {
                    format!("{name}-osdisk")
                } else {
                    format!("{name}-datadisk{i}")
                };
                self.add_disk(&sub, &rg, location, &dn, *gb, Some(&vm_id))
            })
            .collect();
        let n = self.nics.len();
        let ip = format!(
            "10.{}.{}.{}",
            100 + (n / 65536) % 100,
            (n / 256) % 256,
            4 + n % 250
        );
        let nic = self.add_nic(
            &sub,
            &rg,
            location,
            &format!("{name}-nic0"),
            subnet_id,
            &ip,
            Some(&vm_id),
        );
        self.vms.insert(
            key(&vm_id),
            VmRec {
                id: vm_id.clone(),
                name: name.to_owned(),
                location: location.to_owned(),
                os_type,
                size: size.to_owned(),
                disks,
                nics: vec![nic],
                power: PowerState::Running,
                vm_id: vm_guid,
                tags: BTreeMap::new(),
            },
        );
        vm_id
    }

    /// Deletes a VM with its disks and NICs.
    pub(crate) fn delete_vm(&mut self, id: &str) {
        if let Some(vm) = self.vms.remove(&key(id)) {
            for d in vm.disks {
                self.disks.remove(&key(&d));
            }
            for n in vm.nics {
                self.nics.remove(&key(&n));
            }
        }
    }
}

/// (subscription, resource group) of a resource-group id.
pub(crate) fn split_rg(id: &str) -> (String, String) {
    let segs: Vec<&str> = id.split('/').filter(|s| !s.is_empty()).collect();
    let sub = segs.get(1).copied().unwrap_or_default().to_owned();
    let rg = segs.get(3).copied().unwrap_or_default().to_owned();
    (sub, rg)
}
