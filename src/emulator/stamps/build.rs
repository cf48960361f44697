//! Building the stamps from a scenario.

use super::{appliance_vm_size, key, rg_id, ApplianceRec, NetRec, StorageRec, VmRec, World};
use crate::emulator::faults::SplitMix;
use crate::emulator::scenario::{OsType, PowerState, Scenario, VirtualNetwork};
use crate::emulator::table::Table;
use std::collections::{BTreeMap, HashMap};

impl World {
    pub(crate) fn from_scenario(sc: &Scenario, ids: &mut SplitMix) -> Self {
        let mut w = World {
            source_sub: sc.source.subscription_id.clone(),
            source_location: sc.source.location.clone(),
            target_sub: sc.target.subscription_id.clone(),
            target_location: sc.target.location.clone(),
            vms: Table::new(),
            disks: Table::new(),
            nics: Table::new(),
            networks: Table::new(),
            storage: Table::new(),
            groups: Table::new(),
            quotas: HashMap::new(),
            roles: Vec::new(),
            identities: sc.identities.clone(),
            tokens: HashMap::new(),
            appliance: ApplianceRec {
                agent_id: format!(
                    "{}/providers/Microsoft.DataReplication/replicationFabrics/{}/fabricAgents/{}",
                    rg_id(&sc.target.subscription_id, &sc.asr_resource_group),
                    sc.source_fabric,
                    sc.appliance.agent_name
                ),
                vm_id: String::new(),
                machine_name: sc.appliance.machine_name.clone(),
                machine_id: ids.guid(),
                responsive: sc.appliance.responsive,
                stale_since: (!sc.appliance.responsive)
                    .then(|| sc.start_time - chrono::Duration::hours(2)),
                slots: sc.appliance.data_disk_slots,
                used_slots: sc.appliance.used_data_disk_slots,
                version: sc.appliance.version.clone(),
            },
        };
        for stamp in [&sc.source, &sc.target] {
            let sub = &stamp.subscription_id;
            w.quotas.insert(key(sub), stamp.quota);
            for g in &stamp.resource_groups {
                w.add_group(sub, &g.name, &stamp.location, g.tags.clone());
            }
            for n in &stamp.networks {
                w.add_network(sub, &stamp.location, n);
            }
            for a in &stamp.storage_accounts {
                w.add_group(sub, &a.resource_group, &stamp.location, BTreeMap::new());
                let id = format!(
                    "{}/providers/Microsoft.Storage/storageAccounts/{}",
                    rg_id(sub, &a.resource_group),
                    a.name
                );
                w.storage.insert(
                    key(&id),
                    StorageRec {
                        id,
                        name: a.name.clone(),
                        location: stamp.location.clone(),
                        sku: a.sku.clone(),
                    },
                );
            }
        }
        let src_sub = sc.source.subscription_id.clone();
        let src_loc = sc.source.location.clone();
        for vm in &sc.source_vms {
            let rg = sc.vm_group(vm).to_owned();
            w.add_group(&src_sub, &rg, &src_loc, BTreeMap::new());
            let vm_id = format!(
                "{}/providers/Microsoft.Compute/virtualMachines/{}",
                rg_id(&src_sub, &rg),
                vm.name
            );
            let disks = vm
                .disks
                .iter()
                .map(|d| w.add_disk(&src_sub, &rg, &src_loc, &d.name, d.size_gb, Some(&vm_id)))
                .collect();
            let nics = vm
                .nics
                .iter()
                .map(|n| {
                    let subnet = format!(
                        "{}/providers/Microsoft.Network/virtualNetworks/{}/subnets/{}",
                        rg_id(&src_sub, &rg),
                        n.network,
                        n.subnet
                    );
                    w.add_nic(
                        &src_sub,
                        &rg,
                        &src_loc,
                        &n.name,
                        &subnet,
                        &n.private_ip,
                        Some(&vm_id),
                    )
                })
                .collect();
            let guid = ids.guid();
            w.vms.insert(
                key(&vm_id),
                VmRec {
                    id: vm_id,
                    name: vm.name.clone(),
                    location: src_loc.clone(),
                    os_type: vm.os_type,
                    size: vm.size.clone(),
                    disks,
                    nics,
                    power: vm.power_state,
                    vm_id: guid,
                    tags: BTreeMap::new(),
                },
            );
        }
        // The appliance VM itself, in the source subscription unless the scenario says another.
        let app_sub = sc
            .appliance
            .subscription_id
            .clone()
            .unwrap_or_else(|| src_sub.clone());
        w.quotas.entry(key(&app_sub)).or_insert(sc.source.quota);
        let app_rg = sc.appliance_resource_group.clone();
        w.add_group(&app_sub, &app_rg, &src_loc, BTreeMap::new());
        let app_vm = format!(
            "{}/providers/Microsoft.Compute/virtualMachines/{}",
            rg_id(&app_sub, &app_rg),
            sc.appliance.machine_name
        );
        let mut disks = vec![w.add_disk(
            &app_sub,
            &app_rg,
            &src_loc,
            &format!("{}-osdisk", sc.appliance.machine_name),
            127,
            Some(&app_vm),
        )];
        // The appliance's own data disk (610 GiB, Microsoft's Azure Stack Hub capacity documentation).
        for i in 0..sc.appliance.used_data_disk_slots {
            disks.push(w.add_disk(
                &app_sub,
                &app_rg,
                &src_loc,
                &format!("{}-datadisk{i}", sc.appliance.machine_name),
                610,
                Some(&app_vm),
            ));
        }
        w.appliance.vm_id = app_vm.clone();
        let guid = ids.guid();
        w.vms.insert(
            key(&app_vm),
            VmRec {
                id: app_vm,
                name: sc.appliance.machine_name.clone(),
                location: src_loc.clone(),
                os_type: OsType::Windows,
                // The size whose `maxDataDiskCount` is the appliance's slots, so that a reader of
                // the compute API finds free slots = max data disks - attached data disks.
                size: appliance_vm_size(sc.appliance.data_disk_slots),
                disks,
                nics: Vec::new(),
                power: PowerState::Running,
                vm_id: guid,
                tags: BTreeMap::new(),
            },
        );
        for ra in &sc.role_assignments {
            let name = ids.guid();
            w.roles.push((name, ra.clone()));
        }
        w
    }

    /// Adds (or replaces) a virtual network on the stamp of subscription `sub`.
    pub(crate) fn add_network(&mut self, sub: &str, location: &str, n: &VirtualNetwork) -> String {
        self.add_group(sub, &n.resource_group, location, BTreeMap::new());
        let id = format!(
            "{}/providers/Microsoft.Network/virtualNetworks/{}",
            rg_id(sub, &n.resource_group),
            n.name
        );
        self.networks.insert(
            key(&id),
            NetRec {
                id: id.clone(),
                name: n.name.clone(),
                location: location.to_owned(),
                address_space: n.address_space.clone(),
                subnets: n
                    .subnets
                    .iter()
                    .map(|s| (s.name.clone(), s.address_prefix.clone()))
                    .collect(),
            },
        );
        id
    }
}
