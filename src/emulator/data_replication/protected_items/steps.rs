//! The effect of each completed task of a protected-item job.

use super::super::super::clock::arm_time;
use super::super::super::scenario::PowerState;
use super::super::super::stamps::{cores_of, split_rg};
use super::super::super::store::State;
use super::state_machine::Operation;
use super::Item;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::flows::{job_context, Step};
use crate::lifecycle::Direction;

pub(super) type StepResult = Result<(), (String, String)>;

pub(super) fn fail(code: &str, message: String) -> StepResult {
    Err((code.to_owned(), message))
}

pub(super) fn appliance_ok(state: &State) -> StepResult {
    let app = &state.world.appliance;
    if app.responsive {
        Ok(())
    } else {
        fail(
            "FabricAgentNotResponsive",
            format!("The replication appliance '{}' is not responsive (no heartbeat since {}). Check the appliance VM and its Azure Site Recovery services, then retry.", app.machine_name, app.stale_since.map(arm_time).unwrap_or_default()),
        )
    }
}

pub(super) fn network_ok(
    state: &State,
    item: &Item,
    net_field: &str,
    subnet_field: &str,
) -> StepResult {
    let Some(net) = item.custom_str(net_field) else {
        return fail(
            "TargetNetworkNotConfigured",
            format!("Protected item '{}' has no '{net_field}'.", item.name),
        );
    };
    if state.world.network(net).is_none() {
        return fail("TargetNetworkNotFound", format!("The virtual network '{net}' ({net_field}) was not found on the target stamp. Create it or update the protected item, then retry."));
    }
    if let Some(sub) = item.custom_str(subnet_field) {
        if !state.world.has_subnet(net, sub) {
            return fail(
                "TargetSubnetNotFound",
                format!("The subnet '{sub}' was not found in virtual network '{net}'."),
            );
        }
    }
    Ok(())
}

pub(super) fn subnet_id(state: &State, item: &Item, net_field: &str, subnet_field: &str) -> String {
    let net = item.custom_str(net_field).unwrap_or_default();
    let sub = item
        .custom_str(subnet_field)
        .map(str::to_owned)
        .or_else(|| {
            state
                .world
                .network(net)
                .and_then(|n| n.subnets.first().map(|s| s.0.clone()))
        })
        .unwrap_or_else(|| "default".to_owned());
    format!("{net}/subnets/{sub}")
}

pub(super) fn source_side_ok(state: &State, item: &Item) -> StepResult {
    let (sub, rg) = split_rg(&item.source_vm_id);
    let group = format!("/subscriptions/{sub}/resourceGroups/{rg}");
    if !state.world.group_exists(&group) {
        return fail("SourceResourceGroupNotFound", format!("The source resource group '{group}' no longer exists on the source stamp; re-create it, then retry."));
    }
    if let Some(subnet) = item.nics.first().and_then(super::source_subnet_id) {
        let net = subnet.split("/subnets/").next().unwrap_or_default();
        if state.world.network(net).is_none() {
            return fail("SourceNetworkNotFound", format!("The virtual network '{net}' of the source VM's primary NIC no longer exists on the source stamp; re-create it, then retry."));
        }
    }
    appliance_ok(state)
}

pub(super) fn quota_ok(state: &State, item: &Item) -> StepResult {
    let size = item.custom_str("targetVmSize").unwrap_or(&item.source_size);
    let need = cores_of(size);
    let w = &state.world;
    let q = w.quotas.get(&w.target_sub.to_ascii_lowercase()).copied();
    let (used, vms) = w.usage(&w.target_sub, &w.target_location);
    match q {
        Some(q) if used + need > q.cores => fail(
            "OperationNotAllowed",
            format!("Operation could not be completed as it results in exceeding approved Total Regional Cores quota. Location: {}, Current Limit: {}, Current Usage: {used}, Additional Required: {need}.", w.target_location, q.cores),
        ),
        Some(q) if vms + 1 > q.virtual_machines => fail(
            "OperationNotAllowed",
            format!("Operation could not be completed as it results in exceeding approved Virtual Machines quota. Current Limit: {}, Current Usage: {vms}.", q.virtual_machines),
        ),
        _ => Ok(()),
    }
}

/// The effect of a completed task; an error fails the job.
pub(crate) fn on_step(
    state: &mut State,
    job_key: &str,
    _idx: usize,
    at: DateTime<Utc>,
) -> StepResult {
    let Some((step, op, params, key)) = job_context(state, job_key) else {
        return Ok(());
    };
    // Borrowed, not cloned (a clone of the whole item on every task was about a tenth of a
    // large drill's CPU): the steps that change the world while reading the item copy what
    // they need first.
    let Some(item) = state.items.get(&key) else {
        return Ok(());
    };
    let fb = item.ls.direction == Direction::Failback;
    match step {
        Step::Prerequisites => match op {
            Operation::TestFailover => network_ok(state, item, "testNetworkId", "testSubnetName"),
            Operation::PlannedFailover | Operation::UnplannedFailover if fb => {
                source_side_ok(state, item)
            }
            Operation::PlannedFailover | Operation::UnplannedFailover => {
                network_ok(state, item, "targetNetworkId", "targetSubnetName")?;
                quota_ok(state, item)
            }
            Operation::Reprotect => source_side_ok(state, item),
            _ => Ok(()),
        },
        Step::ValidateAppliance => appliance_ok(state),
        Step::EnableReplication => network_ok(state, item, "targetNetworkId", "targetSubnetName"),
        Step::InitialReplication
        | Step::CompleteOnPrimary
        | Step::CompleteOnRecovery
        | Step::FinishCleanup
        | Step::CommitOnPrimary => Ok(()),
        Step::ProcessLatest => {
            // All the data that reached the service when the failover was triggered becomes a
            // recovery point: the lowest RPO, paid for with this task's time.
            let trigger = state.jobs.get(job_key).map_or(at, |j| j.start);
            let name = super::rp_name(trigger);
            if let Some(it) = state.items.get_mut(&key) {
                if !it.processed_points.contains(&trigger) {
                    it.processed_points.push(trigger);
                }
            }
            if let Some(j) = state.jobs.get_mut(job_key) {
                j.params["recoveryPointName"] = json!(name);
            }
            Ok(())
        }
        Step::CreateTestVm => {
            let item = item.clone();
            network_ok(state, &item, "testNetworkId", "testSubnetName")?;
            let rg = item
                .custom_str("targetResourceGroupId")
                .unwrap_or_default()
                .to_owned();
            let subnet = subnet_id(state, &item, "testNetworkId", "testSubnetName");
            let guid = state.rng.guid();
            let sizes: Vec<u64> = item.disks.iter().map(|d| d.1).collect();
            let size = item
                .custom_str("targetVmSize")
                .unwrap_or(&item.source_size)
                .to_owned();
            let loc = state.world.target_location.clone();
            let vm = state.world.create_vm(
                &rg,
                &format!("{}-test", item.source_vm_name),
                &loc,
                item.os_type,
                &size,
                &sizes,
                &subnet,
                guid,
            );
            let rp = params.get("recoveryPointName").and_then(Value::as_str);
            tag_recovered(state, &item, &vm, rp, at);
            if let Some(it) = state.items.get_mut(&key) {
                it.test_vm = Some(vm);
            }
            Ok(())
        }
        Step::StartTestVm | Step::StartTargetVm | Step::Resync => Ok(()),
        Step::DeleteTestVm => {
            if let Some(vm) = &item.test_vm.clone() {
                state.world.delete_vm(vm);
            }
            if let Some(it) = state.items.get_mut(&key) {
                it.test_vm = None;
            }
            Ok(())
        }
        Step::CleanupTest => Ok(()),
        Step::ShutdownSource => {
            // Re-protect shuts the original source VM down; a failback the failed-over one.
            let vm = if fb && op != Operation::Reprotect {
                item.target_vm.clone()
            } else {
                Some(item.source_vm_id.clone())
            };
            if let Some(vm) = vm.and_then(|v| state.world.vm_mut(&v)) {
                vm.power = PowerState::Deallocated;
            }
            Ok(())
        }
        Step::SyncFinal => {
            let latest = item.latest_point(at).map(|r| r.0);
            if let (Some(j), Some(name)) = (state.jobs.get_mut(job_key), &latest) {
                j.params["recoveryPointName"] = json!(name);
            }
            if let Some(it) = state.items.get_mut(&key) {
                it.failover_rp = latest.map(|n| it.rp_id(&n));
                if let Some(s) = it.rp.as_mut() {
                    s.stop = Some(at);
                }
            }
            Ok(())
        }
        Step::CreateTargetVm => {
            let item = item.clone();
            if fb {
                failback_vm(state, &key, &item);
                return Ok(());
            }
            network_ok(state, &item, "targetNetworkId", "targetSubnetName")?;
            quota_ok(state, &item)?;
            let chosen = params
                .get("recoveryPointName")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let rg = item
                .custom_str("targetResourceGroupId")
                .unwrap_or_default()
                .to_owned();
            let subnet = subnet_id(state, &item, "targetNetworkId", "targetSubnetName");
            let name = item
                .custom_str("targetVmName")
                .unwrap_or(&item.source_vm_name)
                .to_owned();
            let size = item
                .custom_str("targetVmSize")
                .unwrap_or(&item.source_size)
                .to_owned();
            let sizes: Vec<u64> = item.disks.iter().map(|d| d.1).collect();
            let guid = state.rng.guid();
            let loc = state.world.target_location.clone();
            let vm =
                state
                    .world
                    .create_vm(&rg, &name, &loc, item.os_type, &size, &sizes, &subnet, guid);
            let mut used = None;
            if let Some(it) = state.items.get_mut(&key) {
                it.target_vm = Some(vm.clone());
                if it.failover_rp.is_none() || op == Operation::UnplannedFailover {
                    let rp = chosen.or_else(|| it.latest_point(at).map(|r| r.0));
                    it.failover_rp = rp.map(|n| it.rp_id(&n));
                }
                used = it
                    .failover_rp
                    .as_deref()
                    .and_then(|id| id.rsplit('/').next())
                    .map(str::to_owned);
                if let Some(s) = it.rp.as_mut() {
                    s.stop.get_or_insert(at);
                }
            }
            if let (Some(j), Some(name)) = (state.jobs.get_mut(job_key), &used) {
                j.params["recoveryPointName"] = json!(name);
            }
            tag_recovered(state, &item, &vm, used.as_deref(), at);
            Ok(())
        }
        Step::Commit => {
            if fb {
                if let Some(vm) = &item.target_vm.clone() {
                    state.world.delete_vm(vm);
                }
                if let Some(it) = state.items.get_mut(&key) {
                    it.target_vm = None;
                }
            }
            Ok(())
        }
        // Cancel: the workload goes back where it ran before the failover.
        Step::CancelOnPrimary => {
            if !fb {
                let source = item.source_vm_id.clone();
                if let Some(vm) = state.world.vm_mut(&source) {
                    vm.power = PowerState::Running;
                }
            }
            Ok(())
        }
        Step::CancelOnRecovery => {
            let target = item.target_vm.clone();
            if fb {
                if let Some(vm) = target.as_ref().and_then(|v| state.world.vm_mut(v)) {
                    vm.power = PowerState::Running;
                }
            } else {
                if let Some(vm) = &target {
                    state.world.delete_vm(vm);
                }
                if let Some(it) = state.items.get_mut(&key) {
                    it.target_vm = None;
                }
            }
            Ok(())
        }
        Step::AttachReplicaDisks => {
            let item = item.clone();
            let need = item.disks.len() as u32;
            let app = &state.world.appliance;
            let free = app.slots.saturating_sub(app.used_slots);
            if need > free {
                let detail = format!(
                    "The appliance '{}' has {free} free data-disk slot(s); re-protecting '{}' needs {need}. Re-protect fewer VMs at a time or use a larger appliance (known issue: re-protection needs free appliance data-disk slots).",
                    app.machine_name, item.name
                );
                let (vault, name, corr) = (
                    item.vault_id.clone(),
                    item.name.clone(),
                    item.correlation_id.clone(),
                );
                state.event(
                    &vault,
                    at,
                    "ProtectedItem",
                    &name,
                    "ReprotectFailed",
                    "Error",
                    detail,
                    &corr,
                );
                return fail("InternalError", "An internal error occurred.".to_owned());
            }
            // The source VM's disks become replicas on the appliance; a 1 GB OS disk replaces
            // them on the source VM.
            let Some(vm) = state.world.vm(&item.source_vm_id).cloned() else {
                return fail(
                    "SourceVirtualMachineNotFound",
                    format!(
                        "The source VM '{}' no longer exists on the source stamp.",
                        item.source_vm_id
                    ),
                );
            };
            let replicas = replica_disks_for_appliance(state, &vm.disks);
            state.world.attach_replicas(&replicas);
            let (sub, rg) = split_rg(&vm.id);
            let temp = state.world.add_disk(
                &sub,
                &rg,
                &vm.location,
                &format!("{}-temp-osdisk", vm.name),
                1,
                Some(&vm.id),
            );
            if let Some(v) = state.world.vm_mut(&item.source_vm_id) {
                v.disks = vec![temp];
            }
            if let Some(it) = state.items.get_mut(&key) {
                it.replica_disks = replicas;
            }
            Ok(())
        }
        Step::StartReverseReplication => {
            if let Some(it) = state.items.get_mut(&key) {
                it.rp = None;
                it.failover_rp = None;
                if let Some(c) = it.custom.as_object_mut() {
                    c.insert("instanceType".into(), json!("AzStackToAzStackFailback"));
                    for f in [
                        "applianceId",
                        "logStorageAccountId",
                        "policyName",
                        "replicationExtensionName",
                    ] {
                        if let Some(v) = params.get(f) {
                            c.insert(f.into(), v.clone());
                        }
                    }
                }
                if let Some(p) = params.get("policyName").and_then(Value::as_str) {
                    it.policy_name = p.to_owned();
                }
                if let Some(e) = params
                    .get("replicationExtensionName")
                    .and_then(Value::as_str)
                {
                    it.extension_name = e.to_owned();
                }
            }
            Ok(())
        }
        Step::ApplyRecoveryPoint => {
            if let (Some(it), Some(rp)) = (
                state.items.get_mut(&key),
                params.get("recoveryPointName").and_then(Value::as_str),
            ) {
                it.failover_rp = Some(it.rp_id(rp));
            }
            Ok(())
        }
        Step::DisableReplication => {
            let replicas = item.replica_disks.clone();
            state.world.detach_replicas(&replicas);
            if let Some(it) = state.items.get_mut(&key) {
                it.replica_disks.clear();
            }
            Ok(())
        }
        Step::CleanupReplication => {
            if let Some(vm) = &item.test_vm.clone() {
                state.world.delete_vm(vm);
            }
            if let Some(it) = state.items.get_mut(&key) {
                it.test_vm = None;
            }
            Ok(())
        }
    }
}

/// The tags on a recovered VM (test or failed over) naming the recovery point it was made from
/// and its time, so that the RPO a failover reached shows on the VM itself (emulator-only tags;
/// the job says the same in `protectedItemDetails`).
pub(crate) const TAG_RECOVERY_POINT: &str = "azs-site-recovery-recovery-point";
/// See [`TAG_RECOVERY_POINT`].
pub(crate) const TAG_RECOVERY_POINT_TIME: &str = "azs-site-recovery-recovery-point-time";

fn tag_recovered(state: &mut State, item: &Item, vm: &str, rp: Option<&str>, at: DateTime<Utc>) {
    let Some(rp) = rp else {
        return;
    };
    let time = item.point_time(rp, at);
    if let Some(v) = state.world.vm_mut(vm) {
        v.tags.insert(TAG_RECOVERY_POINT.to_owned(), rp.to_owned());
        if let Some(t) = time {
            v.tags
                .insert(TAG_RECOVERY_POINT_TIME.to_owned(), arm_time(t));
        }
    }
}

/// The disks re-protect attaches to the appliance: each source disk as it is, or, when it lives
/// in another subscription than the appliance VM, a new disk created from it in the appliance's
/// subscription and resource group ("Even if a disk can be re-used as replica in re-protect, but
/// it is in a different subscription from the appliance VM, a new disk is created from it in the
/// same subscription and resource group as the appliance, so that the new disk can be attached
/// to the appliance.", enable-vm-protection.txt). The originals are then detached and kept.
fn replica_disks_for_appliance(state: &mut State, disks: &[String]) -> Vec<String> {
    let app_vm = state.world.appliance.vm_id.clone();
    let (app_sub, app_rg) = split_rg(&app_vm);
    let location = state
        .world
        .vm(&app_vm)
        .map(|v| v.location.clone())
        .unwrap_or_else(|| state.world.source_location.clone());
    let mut out = Vec::with_capacity(disks.len());
    for d in disks {
        let (sub, _) = split_rg(d);
        if sub.eq_ignore_ascii_case(&app_sub) {
            out.push(d.clone());
            continue;
        }
        let Some(src) = state.world.disks.get_mut(&d.to_ascii_lowercase()) else {
            continue;
        };
        src.managed_by = None;
        let (name, size) = (src.name.clone(), src.size_gb);
        let copy = state.world.add_disk(
            &app_sub,
            &app_rg,
            &location,
            &format!("{name}-replica"),
            size,
            None,
        );
        out.push(copy);
    }
    out
}

/// Failback: reuse the source VM (replace its disks, keep NICs) or recreate it; free the slots.
pub(super) fn failback_vm(state: &mut State, key: &str, item: &Item) {
    let sizes: Vec<u64> = item.disks.iter().map(|d| d.1).collect();
    let existing = state.world.vm(&item.source_vm_id).cloned();
    let (sub, rg) = split_rg(&item.source_vm_id);
    let loc = state.world.source_location.clone();
    match existing {
        Some(vm) => {
            for d in &vm.disks {
                if let Some(disk) = state.world.disks.get_mut(&d.to_ascii_lowercase()) {
                    disk.managed_by = None;
                }
            }
            let suffix = state.rng.hex_name();
            let disks = sizes
                .iter()
                .enumerate()
                .map(|(i, gb)| {
                    state.world.add_disk(
                        &sub,
                        &rg,
                        &loc,
                        &format!("{}-failback-disk{i}-{}", vm.name, &suffix[..6]),
                        *gb,
                        Some(&vm.id),
                    )
                })
                .collect();
            if let Some(v) = state.world.vm_mut(&vm.id) {
                v.disks = disks;
                v.power = PowerState::Running;
            }
        }
        None => {
            let subnet = item
                .nics
                .first()
                .and_then(super::source_subnet_id)
                .unwrap_or_default();
            let guid = state.rng.guid();
            state.world.create_vm(
                &format!("/subscriptions/{sub}/resourceGroups/{rg}"),
                &item.source_vm_name,
                &loc,
                item.os_type,
                &item.source_size,
                &sizes,
                &subnet,
                guid,
            );
        }
    }
    state.world.detach_replicas(&item.replica_disks);
    if let Some(it) = state.items.get_mut(key) {
        it.replica_disks.clear();
    }
}
