//! What each protected-item operation does over (virtual) time: the tasks of its job and their
//! effects on the item and on the two stamps.
//!
//! Behaviour (enable-vm-protection.txt; azure-stack-hub-facts.md §3, §5, §6):
//! * **Enable**: validates the appliance (must be responsive) and the target network, then
//!   initial replication runs for total disk size / throughput and the item becomes `Protected`.
//!   Crash-consistent recovery points then appear every `crashConsistentFrequencyInMinutes`,
//!   app-consistent ones every `appConsistentFrequencyInMinutes`, kept for
//!   `recoveryPointHistoryInMinutes` (the policy).
//! * **Test failover** creates `{vm}-test` in the item's test network (configured per item; it
//!   cannot be chosen at test-failover time); **cleanup** deletes it.
//! * **Planned failover** shuts the source VM down first; **unplanned** only with
//!   `shutdownSourceVM`. Both create the target VM in the target network, within the target
//!   subscription's compute quota. **Commit** completes it; **cancel** deletes the target VM
//!   and restarts the source.
//! * **Re-protect** (commits an uncommitted failover first) shuts the source VM down, swaps in a
//!   temporary 1 GB OS disk and attaches one replica disk per protected disk to the appliance; with
//!   fewer free data-disk slots than that it fails with "An internal error occurred." (known issue
//!   1). Then replication runs back to the source stamp.
//! * **Failback** (planned failover after re-protect) reuses the source VM if it exists (its disks
//!   are replaced, the old ones detached and kept, NICs kept) or recreates it with new NICs, and
//!   frees the appliance's slots; committing it deletes the failed-over VM on the target stamp.
//! * **Disable** removes the item (and its test VM), freeing appliance slots.

use super::super::super::arm::{self, ArmError};
use super::super::super::clock::arm_time;
use super::super::super::router::Ctx;
use super::super::super::scenario::PowerState;
use super::super::super::stamps::{cores_of, split_rg};
use super::super::super::store::{Due, State};
use super::super::jobs::{self, Task};
use super::super::{policies, Vault};
use super::state_machine::{check, Operation};
use super::{not_found, refusal_error, render, Direction, Item, Replication, RpSeries};
use crate::http::{Method, Response};
use crate::model::{ProtectionState as P, ResynchronizationState as R, TestFailoverState as T};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

/// What a task does when it completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Prerequisites,
    ValidateAppliance,
    EnableReplication,
    StartReplication,
    CreateTestVm,
    StartTestVm,
    DeleteTestVm,
    CleanupTest,
    ShutdownSource,
    SyncFinal,
    CreateTargetVm,
    StartTargetVm,
    Commit,
    DeleteFailedOverVm,
    StartSourceVm,
    AttachReplicaDisks,
    StartReverseReplication,
    Resync,
    ApplyRecoveryPoint,
    DisableReplication,
    CleanupReplication,
}

fn task(step: Step, failback: bool) -> Task {
    let (name, secs) = match step {
        Step::Prerequisites => ("Prerequisites check", 15),
        Step::ValidateAppliance => ("Validating the replication appliance", 30),
        Step::EnableReplication => ("Enabling protection", 60),
        Step::StartReplication => ("Starting initial replication", 30),
        Step::CreateTestVm => ("Creating the test virtual machine", 120),
        Step::StartTestVm => ("Starting the test virtual machine", 60),
        Step::DeleteTestVm => ("Deleting the test virtual machine", 60),
        Step::CleanupTest => ("Cleaning up test resources", 30),
        Step::ShutdownSource if failback => {
            ("Shutting down the virtual machine on the target stamp", 60)
        }
        Step::ShutdownSource => ("Shutting down the source virtual machine", 60),
        Step::SyncFinal => ("Synchronizing the latest changes", 60),
        Step::CreateTargetVm if failback => (
            "Recreating or updating the virtual machine on the source stamp",
            180,
        ),
        Step::CreateTargetVm => ("Creating the virtual machine on the target stamp", 120),
        Step::StartTargetVm => ("Starting the virtual machine", 60),
        Step::Commit => ("Committing the failover", 30),
        Step::DeleteFailedOverVm => ("Deleting the failed-over virtual machine", 60),
        Step::StartSourceVm => ("Starting the source virtual machine", 30),
        Step::AttachReplicaDisks => ("Attaching replica disks to the appliance", 120),
        Step::StartReverseReplication => ("Starting replication to the source stamp", 30),
        Step::Resync => ("Resynchronizing data", 60),
        Step::ApplyRecoveryPoint => ("Applying the recovery point", 60),
        Step::DisableReplication => ("Disabling replication", 30),
        Step::CleanupReplication => ("Removing replication resources", 30),
    };
    Task::new(step, name, secs)
}

fn replication_secs(state: &State, gb: u64) -> i64 {
    let mib = gb as f64 * 1024.0;
    (mib / state.settings.throughput_mib_per_s).ceil().max(60.0) as i64
}

fn plan(state: &State, item: &Item, op: Operation, params: &Value) -> Vec<Task> {
    let fb = item.direction == Direction::Failback;
    let t = |s| task(s, fb);
    match op {
        Operation::EnableProtection => vec![
            t(Step::ValidateAppliance),
            t(Step::EnableReplication),
            t(Step::StartReplication),
        ],
        Operation::TestFailover => vec![
            t(Step::Prerequisites),
            t(Step::CreateTestVm),
            t(Step::StartTestVm),
        ],
        Operation::TestFailoverCleanup => vec![t(Step::DeleteTestVm), t(Step::CleanupTest)],
        Operation::PlannedFailover => vec![
            t(Step::Prerequisites),
            t(Step::ShutdownSource),
            t(Step::SyncFinal),
            t(Step::CreateTargetVm),
            t(Step::StartTargetVm),
        ],
        Operation::UnplannedFailover => {
            let shutdown = params
                .get("shutdownSourceVM")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            vec![
                t(Step::Prerequisites),
                t(Step::ShutdownSource).skipped(!shutdown),
                t(Step::CreateTargetVm),
                t(Step::StartTargetVm),
            ]
        }
        Operation::CommitFailover => vec![t(Step::Commit)],
        Operation::CancelFailover => vec![t(Step::DeleteFailedOverVm), t(Step::StartSourceVm)],
        Operation::Reprotect => {
            let mut v = Vec::new();
            if !matches!(
                item.protection,
                P::CommitFailoverCompleted | P::ReprotectFailed
            ) {
                v.push(t(Step::Commit));
            }
            v.extend([
                t(Step::Prerequisites),
                t(Step::ShutdownSource),
                t(Step::AttachReplicaDisks),
                t(Step::StartReverseReplication),
            ]);
            v
        }
        Operation::Resynchronize => {
            let mut r = t(Step::Resync);
            r.secs = replication_secs(state, item.total_gb());
            vec![r]
        }
        Operation::ChangeRecoveryPoint => vec![t(Step::ApplyRecoveryPoint)],
        Operation::DisableProtection => {
            vec![t(Step::DisableReplication), t(Step::CleanupReplication)]
        }
    }
}

/// Starts `op` on the item: its job, its operation (returned), its first state change.
pub(crate) fn start(
    state: &mut State,
    key: &str,
    op: Operation,
    method: Method,
    params: Value,
    force: bool,
) -> Result<String, ArmError> {
    let item = state.items.get(key).ok_or_else(|| not_found(key))?.clone();
    if force {
        if let Some(job_key) = &item.current_job {
            let now = state.now();
            if let Some(j) = state.jobs.get_mut(job_key) {
                j.state = "Cancelled";
                j.end = Some(now);
                j.next_due = None;
                if let Some(o) = j.op.clone() {
                    if let Some(o) = state.ops.get_mut(&o) {
                        o.status = super::super::super::store::OpStatus::Canceled;
                        o.end = Some(now);
                    }
                }
            }
        }
    }
    let tasks = plan(state, &item, op, &params);
    let loc = super::super::vault_location(state, &item.vault_id);
    let op_id = state.start_op(method, &item.id, &loc, None);
    let job = jobs::start(
        state,
        &item.vault_id,
        key,
        &item.name,
        &item.id,
        op,
        tasks,
        params,
        Some(op_id.clone()),
    );
    let now = state.now();
    if let Some(it) = state.items.get_mut(key) {
        it.current_job = Some(job);
        it.current_job_scenario = Some(op.job_names().0);
        match op {
            Operation::EnableProtection => {
                it.protection = P::EnablingProtection;
                it.provisioning = "Creating";
            }
            Operation::TestFailover => it.tfo = T::TestFailoverInitiated,
            Operation::TestFailoverCleanup => it.tfo = T::TestFailoverCleanupInitiated,
            Operation::PlannedFailover => it.protection = P::PlannedFailoverInitiated,
            Operation::UnplannedFailover => it.protection = P::UnplannedFailoverInitiated,
            Operation::CommitFailover => it.protection = P::CommitFailoverInProgressOnRecovery,
            Operation::CancelFailover => it.protection = P::CancelFailoverInProgressOnRecovery,
            Operation::Reprotect => it.protection = P::ReprotectInitiated,
            Operation::Resynchronize => {
                it.resync = R::ResynchronizationInitiated;
                let secs = replication_secs_gb(it.total_gb(), state.settings.throughput_mib_per_s);
                it.replication = Some(Replication {
                    resync: true,
                    start: now,
                    due: now + Duration::seconds(secs),
                });
            }
            Operation::ChangeRecoveryPoint => it.protection = P::ChangeRecoveryPointInitiated,
            Operation::DisableProtection => {
                it.protection = P::DisablingProtection;
                it.provisioning = "Deleting";
            }
        }
    }
    let (scenario, display, _) = op.job_names();
    let desc = format!("{display} started for '{}'.", item.name);
    state.event(
        &item.vault_id,
        now,
        "ProtectedItem",
        &item.name,
        &format!("{scenario}Started"),
        "Info",
        desc,
        &item.correlation_id,
    );
    Ok(op_id)
}

fn replication_secs_gb(gb: u64, mib_per_s: f64) -> i64 {
    ((gb as f64 * 1024.0) / mib_per_s).ceil().max(60.0) as i64
}

type StepResult = Result<(), (String, String)>;

fn fail(code: &str, message: String) -> StepResult {
    Err((code.to_owned(), message))
}

fn appliance_ok(state: &State) -> StepResult {
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

fn network_ok(state: &State, item: &Item, net_field: &str, subnet_field: &str) -> StepResult {
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

fn subnet_id(state: &State, item: &Item, net_field: &str, subnet_field: &str) -> String {
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

fn source_side_ok(state: &State, item: &Item) -> StepResult {
    let (sub, rg) = split_rg(&item.source_vm_id);
    let group = format!("/subscriptions/{sub}/resourceGroups/{rg}");
    if !state.world.group_exists(&group) {
        return fail("SourceResourceGroupNotFound", format!("The source resource group '{group}' no longer exists on the source stamp; re-create it, then retry."));
    }
    if let Some(subnet) = item
        .nics
        .first()
        .and_then(|n| n.get("sourceSubnetId"))
        .and_then(Value::as_str)
    {
        let net = subnet.split("/subnets/").next().unwrap_or_default();
        if state.world.network(net).is_none() {
            return fail("SourceNetworkNotFound", format!("The virtual network '{net}' of the source VM's primary NIC no longer exists on the source stamp; re-create it, then retry."));
        }
    }
    appliance_ok(state)
}

fn quota_ok(state: &State, item: &Item) -> StepResult {
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

fn policy_series(state: &State, item: &Item, origin: DateTime<Utc>) -> RpSeries {
    let id = format!("{}/replicationPolicies/{}", item.vault_id, item.policy_name);
    let (retention, crash, app) = state
        .get(&id)
        .map(|r| policies::settings(&r.body))
        .unwrap_or((1440, 5, 60));
    RpSeries {
        origin,
        stop: None,
        crash_min: crash,
        app_min: app,
        retention_min: retention,
    }
}

fn start_replication(state: &mut State, key: &str, at: DateTime<Utc>) {
    let mib = state.settings.throughput_mib_per_s;
    let Some(it) = state.items.get_mut(key) else {
        return;
    };
    let secs = replication_secs_gb(it.total_gb(), mib);
    it.generation += 1;
    it.replication = Some(Replication {
        resync: false,
        start: at,
        due: at + Duration::seconds(secs),
    });
    it.protection = P::InitialReplicationInProgress;
    let gen = it.generation;
    state.schedule(
        at + Duration::seconds(secs),
        Due::Replication {
            item: key.to_owned(),
            generation: gen,
        },
    );
}

/// Scheduled: a replication finished; the item is protected and recovery points start.
pub(crate) fn replication_done(state: &mut State, key: &str, generation: u64, at: DateTime<Utc>) {
    let Some(item) = state.items.get(key) else {
        return;
    };
    if item.generation != generation || item.replication.is_none_or(|r| r.resync) {
        return;
    }
    let series = policy_series(state, item, at);
    let Some(it) = state.items.get_mut(key) else {
        return;
    };
    it.replication = None;
    it.protection = P::Protected;
    it.health = "Normal";
    it.rp = Some(series);
    let (vault, name, corr) = (
        it.vault_id.clone(),
        it.name.clone(),
        it.correlation_id.clone(),
    );
    let what = if it.direction == Direction::Failback {
        "Replication to the source stamp"
    } else {
        "Initial replication"
    };
    state.event(
        &vault,
        at,
        "ProtectedItem",
        &name,
        "InitialReplicationCompleted",
        "Info",
        format!("{what} of '{name}' completed; the item is protected."),
        &corr,
    );
}

fn job_context(state: &State, job_key: &str) -> Option<(Step, Operation, Value, String)> {
    let j = state.jobs.get(job_key)?;
    Some((
        j.tasks.get(j.current)?.step,
        j.operation,
        j.params.clone(),
        j.item.clone(),
    ))
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
    let Some(item) = state.items.get(&key).cloned() else {
        return Ok(());
    };
    let fb = item.direction == Direction::Failback;
    match step {
        Step::Prerequisites => match op {
            Operation::TestFailover => network_ok(state, &item, "testNetworkId", "testSubnetName"),
            Operation::PlannedFailover | Operation::UnplannedFailover if fb => {
                source_side_ok(state, &item)
            }
            Operation::PlannedFailover | Operation::UnplannedFailover => {
                network_ok(state, &item, "targetNetworkId", "targetSubnetName")?;
                quota_ok(state, &item)
            }
            Operation::Reprotect => source_side_ok(state, &item),
            _ => Ok(()),
        },
        Step::ValidateAppliance => appliance_ok(state),
        Step::EnableReplication => network_ok(state, &item, "targetNetworkId", "targetSubnetName"),
        Step::StartReplication => {
            start_replication(state, &key, at);
            Ok(())
        }
        Step::CreateTestVm => {
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
            if let Some(it) = state.items.get_mut(&key) {
                it.test_vm = Some(vm);
                it.tfo = T::TestFailoverCompleting;
            }
            Ok(())
        }
        Step::StartTestVm | Step::StartTargetVm | Step::Resync => Ok(()),
        Step::DeleteTestVm => {
            if let Some(vm) = &item.test_vm {
                state.world.delete_vm(vm);
            }
            if let Some(it) = state.items.get_mut(&key) {
                it.test_vm = None;
                it.tfo = T::TestFailoverCleanupCompleting;
            }
            Ok(())
        }
        Step::CleanupTest => {
            if let Some(it) = state.items.get_mut(&key) {
                it.tfo = T::MarkedForDeletion;
            }
            Ok(())
        }
        Step::ShutdownSource => {
            let vm = if fb {
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
            let latest = item.rp.and_then(|s| s.latest(at, false)).map(|r| r.0);
            if let Some(it) = state.items.get_mut(&key) {
                it.failover_rp = latest.map(|n| it.rp_id(&n));
                if let Some(s) = it.rp.as_mut() {
                    s.stop = Some(at);
                }
                it.protection = P::PlannedFailoverCompleting;
            }
            Ok(())
        }
        Step::CreateTargetVm => {
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
            if let Some(it) = state.items.get_mut(&key) {
                it.target_vm = Some(vm);
                if it.failover_rp.is_none() || op == Operation::UnplannedFailover {
                    let rp =
                        chosen.or_else(|| it.rp.and_then(|s| s.latest(at, false)).map(|r| r.0));
                    it.failover_rp = rp.map(|n| it.rp_id(&n));
                }
                if let Some(s) = it.rp.as_mut() {
                    s.stop.get_or_insert(at);
                }
                if op == Operation::UnplannedFailover {
                    it.protection = P::UnplannedFailoverCompleting;
                }
            }
            Ok(())
        }
        Step::Commit => {
            if fb {
                if let Some(vm) = &item.target_vm {
                    state.world.delete_vm(vm);
                }
                if let Some(it) = state.items.get_mut(&key) {
                    it.target_vm = None;
                }
            }
            Ok(())
        }
        Step::DeleteFailedOverVm => {
            if let Some(vm) = &item.target_vm {
                state.world.delete_vm(vm);
            }
            if let Some(it) = state.items.get_mut(&key) {
                it.target_vm = None;
            }
            Ok(())
        }
        Step::StartSourceVm => {
            if let Some(vm) = state.world.vm_mut(&item.source_vm_id) {
                vm.power = PowerState::Running;
            }
            Ok(())
        }
        Step::AttachReplicaDisks => {
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
            state.world.appliance.used_slots += need;
            let app_vm = state
                .world
                .vms
                .values()
                .find(|v| {
                    v.name
                        .eq_ignore_ascii_case(&state.world.appliance.machine_name)
                })
                .map(|v| v.id.clone());
            // The source VM's disks become replicas on the appliance; a 1 GB OS disk replaces them.
            if let Some(vm) = state.world.vm(&item.source_vm_id).cloned() {
                for d in &vm.disks {
                    if let Some(disk) = state.world.disks.get_mut(&d.to_ascii_lowercase()) {
                        disk.managed_by = app_vm.clone();
                    }
                }
                let (sub, rg) = split_rg(&vm.id);
                let loc = vm.location.clone();
                let temp = state.world.add_disk(
                    &sub,
                    &rg,
                    &loc,
                    &format!("{}-temp-osdisk", vm.name),
                    1,
                    Some(&vm.id),
                );
                if let Some(v) = state.world.vm_mut(&item.source_vm_id) {
                    v.disks = vec![temp];
                }
            }
            if let Some(it) = state.items.get_mut(&key) {
                it.replica_slots = need;
            }
            Ok(())
        }
        Step::StartReverseReplication => {
            if let Some(it) = state.items.get_mut(&key) {
                it.direction = Direction::Failback;
                it.active_location = "Recovery";
                it.rp = None;
                it.failover_rp = None;
                if let Some(c) = it.custom.as_object_mut() {
                    c.insert("instanceType".into(), json!("AzStackToAzStackFailback"));
                    for f in ["applianceId", "logStorageAccountId"] {
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
            start_replication(state, &key, at);
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
            let app = &mut state.world.appliance;
            app.used_slots = app.used_slots.saturating_sub(item.replica_slots);
            if let Some(it) = state.items.get_mut(&key) {
                it.replica_slots = 0;
            }
            Ok(())
        }
        Step::CleanupReplication => {
            if let Some(vm) = &item.test_vm {
                state.world.delete_vm(vm);
            }
            if let Some(it) = state.items.get_mut(&key) {
                it.test_vm = None;
                it.protection = P::MarkedForDeletion;
            }
            Ok(())
        }
    }
}

/// Failback: reuse the source VM (replace its disks, keep NICs) or recreate it; free the slots.
fn failback_vm(state: &mut State, key: &str, item: &Item) {
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
                .and_then(|n| n.get("sourceSubnetId"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
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
    let app = &mut state.world.appliance;
    app.used_slots = app.used_slots.saturating_sub(item.replica_slots);
    if let Some(it) = state.items.get_mut(key) {
        it.replica_slots = 0;
    }
}

fn finish_common(state: &mut State, job_key: &str) -> Option<(String, Operation, Value)> {
    let j = state.jobs.get(job_key)?;
    let (key, op, summary) = (j.item.clone(), j.operation, j.summary());
    if let Some(it) = state.items.get_mut(&key) {
        if it.current_job.as_deref() == Some(job_key) {
            it.current_job = None;
            it.current_job_scenario = None;
        }
    }
    Some((key, op, summary))
}

/// The job succeeded.
pub(crate) fn on_success(state: &mut State, job_key: &str, at: DateTime<Utc>) {
    let Some((key, op, summary)) = finish_common(state, job_key) else {
        return;
    };
    let Some(it) = state.items.get_mut(&key) else {
        return;
    };
    let fb = it.direction == Direction::Failback;
    match op {
        Operation::EnableProtection => it.provisioning = "Succeeded",
        Operation::TestFailover => {
            it.tfo = T::TestFailoverCompleted;
            it.last_test = Some(at);
            it.last_test_failover_job = Some(summary);
        }
        Operation::TestFailoverCleanup => it.tfo = T::None,
        Operation::PlannedFailover | Operation::UnplannedFailover => {
            it.protection = if op == Operation::PlannedFailover {
                P::PlannedFailoverCompleted
            } else {
                P::UnplannedFailoverCompleted
            };
            if op == Operation::PlannedFailover {
                it.last_planned = Some(at);
            } else {
                it.last_unplanned = Some(at);
            }
            it.active_location = if fb { "Primary" } else { "Recovery" };
        }
        Operation::CommitFailover => {
            it.protection = P::CommitFailoverCompleted;
            if fb && it.active_location == "Primary" {
                it.failed_back = true;
            }
        }
        Operation::CancelFailover => {
            it.protection = P::Protected;
            it.active_location = "Primary";
            it.failover_rp = None;
            let resume = it.rp.map(|s| RpSeries {
                origin: at,
                stop: None,
                ..s
            });
            it.rp = resume;
        }
        Operation::Reprotect => {}
        Operation::Resynchronize => {
            it.resync = R::ResynchronizationCompleted;
            it.resync_required = false;
            it.replication = None;
        }
        Operation::ChangeRecoveryPoint => it.protection = P::ChangeRecoveryPointCompleted,
        Operation::DisableProtection => {
            let (vault, name, corr) = (
                it.vault_id.clone(),
                it.name.clone(),
                it.correlation_id.clone(),
            );
            state.items.remove(&key);
            state.event(
                &vault,
                at,
                "ProtectedItem",
                &name,
                "DisableProtectionCompleted",
                "Info",
                format!("Protection of '{name}' was disabled."),
                &corr,
            );
            return;
        }
    }
    let (vault, name, corr) = (
        it.vault_id.clone(),
        it.name.clone(),
        it.correlation_id.clone(),
    );
    let (scenario, display, _) = op.job_names();
    state.event(
        &vault,
        at,
        "ProtectedItem",
        &name,
        &format!("{scenario}Completed"),
        "Info",
        format!("{display} of '{name}' completed."),
        &corr,
    );
}

/// The job failed with `code`/`message`.
pub(crate) fn on_failure(
    state: &mut State,
    job_key: &str,
    at: DateTime<Utc>,
    code: &str,
    message: &str,
) {
    let Some((key, op, summary)) = finish_common(state, job_key) else {
        return;
    };
    let Some(it) = state.items.get_mut(&key) else {
        return;
    };
    match op {
        Operation::EnableProtection => {
            it.protection = P::EnablingFailed;
            it.provisioning = "Failed";
            it.last_failed_enable = Some(summary);
        }
        Operation::TestFailover => {
            it.tfo = T::TestFailoverFailed;
            it.last_test_failover_job = Some(summary);
        }
        Operation::TestFailoverCleanup => it.tfo = T::TestFailoverFailed,
        Operation::PlannedFailover => {
            it.protection = P::PlannedFailoverFailed;
            it.last_failed_planned = Some(summary);
        }
        Operation::UnplannedFailover => it.protection = P::UnplannedFailoverFailed,
        Operation::CommitFailover => it.protection = P::CommitFailoverFailedOnRecovery,
        Operation::CancelFailover => it.protection = P::CancelFailoverFailedOnRecovery,
        Operation::Reprotect => it.protection = P::ReprotectFailed,
        Operation::Resynchronize => {
            it.resync = R::ResynchronizationFailed;
            it.replication = None;
        }
        Operation::ChangeRecoveryPoint => it.protection = P::ChangeRecoveryPointFailed,
        Operation::DisableProtection => {
            it.protection = P::DisablingFailed;
            it.provisioning = "Failed";
        }
    }
    it.health = "Critical";
    it.health_errors.push(json!({
        "affectedResourceType": "ProtectedItem",
        "affectedResourceCorrelationIds": [it.correlation_id],
        "childErrors": [],
        "code": code,
        "healthCategory": "Replication",
        "category": "Operation",
        "severity": "Error",
        "source": "Job",
        "creationTime": arm_time(at),
        "isCustomerResolvable": true,
        "summary": format!("{} failed.", op.job_names().1),
        "message": message,
        "causes": "",
        "recommendation": "Resolve the cause, then retry the operation.",
    }));
    let (vault, name, corr) = (
        it.vault_id.clone(),
        it.name.clone(),
        it.correlation_id.clone(),
    );
    let (scenario, display, _) = op.job_names();
    state.event(
        &vault,
        at,
        "ProtectedItem",
        &name,
        &format!("{scenario}Failed"),
        "Error",
        format!("{display} of '{name}' failed: {message}"),
        &corr,
    );
}

// ---- request-time validation -------------------------------------------------------------

fn matches_appliance(state: &State, v: &str) -> bool {
    let a = &state.world.appliance;
    let agent_name = a.agent_id.rsplit('/').next().unwrap_or_default();
    [
        a.agent_id.as_str(),
        agent_name,
        a.machine_id.as_str(),
        a.machine_name.as_str(),
    ]
    .iter()
    .any(|x| x.eq_ignore_ascii_case(v))
}

/// Validates the writable `AzStackToAzStack` properties; returns the source VM id.
fn validate_custom(state: &State, custom: &Value, creating: bool) -> Result<(), ArmError> {
    let root = Value::Object(Default::default());
    let c = if custom.is_object() { custom } else { &root };
    let field = |f: &str| {
        c.get(f)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
    };
    let target = |f: &str| format!("properties.customProperties.{f}");
    if creating {
        for f in [
            "sourceAzStackVirtualMachineId",
            "targetResourceGroupId",
            "targetNetworkId",
        ] {
            if field(f).is_none() {
                return Err(ArmError::missing(&target(f)));
            }
        }
    }
    if let Some(vm) = field("sourceAzStackVirtualMachineId") {
        if state.world.vm(vm).is_none() {
            return Err(ArmError::linked_not_found(
                &target("sourceAzStackVirtualMachineId"),
                vm,
            ));
        }
    }
    if let Some(rg) = field("targetResourceGroupId") {
        if !state.world.group_exists(rg) {
            return Err(ArmError::linked_not_found(
                &target("targetResourceGroupId"),
                rg,
            ));
        }
    }
    for (net, sub) in [
        ("targetNetworkId", "targetSubnetName"),
        ("testNetworkId", "testSubnetName"),
    ] {
        if let Some(n) = field(net) {
            if state.world.network(n).is_none() {
                return Err(ArmError::linked_not_found(&target(net), n));
            }
            if let Some(s) = field(sub) {
                if !state.world.has_subnet(n, s) {
                    return Err(ArmError::linked_not_found(
                        &target(sub),
                        &format!("{n}/subnets/{s}"),
                    ));
                }
            }
        }
    }
    if let Some(acc) = field("logStorageAccountId") {
        if !state.world.storage_exists(acc) {
            return Err(ArmError::linked_not_found(
                &target("logStorageAccountId"),
                acc,
            ));
        }
    }
    if let Some(app) = field("applianceId") {
        if !matches_appliance(state, app) {
            return Err(ArmError::linked_not_found(&target("applianceId"), app));
        }
    }
    Ok(())
}

fn vault_child_ok(
    state: &State,
    vault_id: &str,
    collection: &str,
    name: &str,
    target: &str,
) -> Result<(), ArmError> {
    let id = format!("{vault_id}/{collection}/{name}");
    let res = state
        .get(&id)
        .ok_or_else(|| ArmError::linked_not_found(target, &id))?;
    if !super::super::provisioned(res) {
        return Err(ArmError::conflict(format!(
            "'{id}' is still being provisioned; retry once its provisioningState is Succeeded."
        )));
    }
    Ok(())
}

/// `PUT protectedItems/{name}`: enable protection (201 + LRO) or update (200).
pub(crate) fn enable(
    state: &mut State,
    ctx: &Ctx,
    v: &Vault,
    id: &str,
    name: &str,
) -> Result<Response, ArmError> {
    super::super::validate_name(state, "protected item", name)?;
    let body = arm::required_body(ctx.req)?;
    let policy = arm::required_str(&body, "/properties/policyName")?.to_owned();
    let extension = arm::required_str(&body, "/properties/replicationExtensionName")?.to_owned();
    let it = super::super::instance_type(&body)?;
    if !it.eq_ignore_ascii_case("AzStackToAzStack") {
        return Err(ArmError::invalid_content(
            "properties.customProperties.instanceType",
            format!("The emulator serves Azure Stack Hub to Azure Stack Hub replication: instanceType must be 'AzStackToAzStack' (an inferred name, see the crate docs); got '{it}'."),
        ));
    }
    vault_child_ok(
        state,
        &v.id,
        "replicationPolicies",
        &policy,
        "properties.policyName",
    )?;
    vault_child_ok(
        state,
        &v.id,
        "replicationExtensions",
        &extension,
        "properties.replicationExtensionName",
    )?;
    let custom = body["properties"]["customProperties"].clone();
    let key = id.to_ascii_lowercase();
    if let Some(existing) = state.items.get(&key) {
        if !matches!(existing.protection, P::EnablingFailed) {
            if let Err(r) = check(existing, Operation::DisableProtection) {
                return Err(refusal_error(r));
            }
            validate_custom(state, &custom, false)?;
            let Some(item) = state.items.get_mut(&key) else {
                return Err(not_found(name));
            };
            if let (Some(old), Some(new)) = (item.custom.as_object_mut(), custom.as_object()) {
                for (k, val) in new {
                    if k != "instanceType" && k != "sourceAzStackVirtualMachineId" {
                        old.insert(k.clone(), val.clone());
                    }
                }
            }
            let item = item.clone();
            return Ok(arm::json_response(200, &render(state, ctx, &item)));
        }
    }
    validate_custom(state, &custom, true)?;
    let vm_id = custom["sourceAzStackVirtualMachineId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let prefix = format!("{}/protecteditems/", v.id.to_ascii_lowercase());
    if let Some((_, other)) = state.items.iter().find(|(k, i)| {
        k.starts_with(&prefix) && **k != key && i.source_vm_id.eq_ignore_ascii_case(&vm_id)
    }) {
        return Err(ArmError::conflict(format!(
            "The virtual machine '{vm_id}' is already protected by protected item '{}'.",
            other.name
        )));
    }
    let vm = state.world.vm(&vm_id).cloned().ok_or_else(|| {
        ArmError::linked_not_found(
            "properties.customProperties.sourceAzStackVirtualMachineId",
            &vm_id,
        )
    })?;
    let disks: Vec<(String, u64)> = vm
        .disks
        .iter()
        .filter_map(|d| state.world.disks.get(&d.to_ascii_lowercase()))
        .map(|d| (d.name.clone(), d.size_gb))
        .collect();
    let nics: Vec<Value> = vm
        .nics
        .iter()
        .filter_map(|n| state.world.nics.get(&n.to_ascii_lowercase()))
        .map(|n| {
            json!({
                "nicId": n.id,
                "sourceSubnetId": n.subnet_id,
                "ipAddress": n.ip,
                "targetNetworkId": custom.get("targetNetworkId"),
                "testNetworkId": custom.get("testNetworkId"),
            })
        })
        .collect();
    let ext = state.get(&format!("{}/replicationExtensions/{extension}", v.id));
    let fabric = |f: &str| {
        ext.and_then(|e| e.body.pointer(&format!("/properties/customProperties/{f}")))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let item = Item {
        id: id.to_owned(),
        name: name.to_owned(),
        vault_id: v.id.clone(),
        policy_name: policy,
        extension_name: extension,
        custom,
        protection: P::EnablingProtection,
        tfo: T::None,
        resync: R::None,
        provisioning: "Creating",
        direction: Direction::Forward,
        active_location: "Primary",
        failed_back: false,
        source_vm_id: vm.id.clone(),
        source_vm_name: vm.name.clone(),
        os_type: vm.os_type,
        source_size: vm.size.clone(),
        disks,
        nics,
        fabric_id: fabric("sourceFabricArmId"),
        target_fabric_id: fabric("targetFabricArmId"),
        agent_id: state.world.appliance.agent_id.clone(),
        correlation_id: state.rng.guid(),
        replication: None,
        generation: 0,
        rp: None,
        current_job: None,
        current_job_scenario: None,
        last_failed_enable: None,
        last_failed_planned: None,
        last_test_failover_job: None,
        last_planned: None,
        last_unplanned: None,
        last_test: None,
        failover_rp: None,
        test_vm: None,
        target_vm: None,
        replica_slots: 0,
        health: "Normal",
        health_errors: Vec::new(),
        resync_required: false,
        system_data: state.system_data(),
    };
    let existed = state.items.insert(key.clone(), item).is_some();
    let op = start(
        state,
        &key,
        Operation::EnableProtection,
        Method::Put,
        json!({}),
        false,
    )?;
    let item = state
        .items
        .get(&key)
        .cloned()
        .ok_or_else(|| not_found(name))?;
    let mut r = arm::json_response(if existed { 200 } else { 201 }, &render(state, ctx, &item));
    super::super::lro_headers(state, ctx, &mut r, &op);
    Ok(r)
}

/// `PATCH protectedItems/{name}`: updates writable custom properties (200).
pub(crate) fn update(
    state: &mut State,
    ctx: &Ctx,
    key: &str,
    name: &str,
) -> Result<Response, ArmError> {
    let body = arm::required_body(ctx.req)?;
    let custom = body
        .pointer("/properties/customProperties")
        .cloned()
        .unwrap_or_else(|| json!({}));
    validate_custom(state, &custom, false)?;
    let item = state.items.get_mut(key).ok_or_else(|| not_found(name))?;
    if let (Some(old), Some(new)) = (item.custom.as_object_mut(), custom.as_object()) {
        for (k, v) in new {
            if k != "instanceType" && k != "sourceAzStackVirtualMachineId" {
                old.insert(k.clone(), v.clone());
            }
        }
    }
    let item = item.clone();
    Ok(arm::json_response(200, &render(state, ctx, &item)))
}

fn pick_recovery_point(state: &State, item: &Item, c: &Value) -> Result<Option<String>, ArmError> {
    let kind = c
        .get("recoveryPoint")
        .and_then(Value::as_str)
        .unwrap_or("Latest");
    let now = state.now();
    let series = item.rp;
    let none = || {
        ArmError::new(
            400,
            "NoRecoveryPointAvailable",
            format!("Protected item '{}' has no recovery point of the requested kind yet. Wait for replication to create one.", item.name),
        )
    };
    match kind.to_ascii_lowercase().as_str() {
        "latest" | "latestprocessed" => Ok(Some(series.and_then(|s| s.latest(now, false)).ok_or_else(none)?.0)),
        "latestapplicationconsistent" => Ok(Some(series.and_then(|s| s.latest(now, true)).ok_or_else(none)?.0)),
        "custom" => {
            let id = c
                .get("recoveryPointId")
                .and_then(Value::as_str)
                .ok_or_else(|| ArmError::missing("properties.customProperties.recoveryPointId"))?;
            let name = id.rsplit('/').next().unwrap_or(id);
            let exists = series.is_some_and(|s| s.points(now).iter().any(|p| p.0.eq_ignore_ascii_case(name)));
            if exists {
                Ok(Some(name.to_owned()))
            } else {
                Err(ArmError::linked_not_found("properties.customProperties.recoveryPointId", id))
            }
        }
        other => Err(ArmError::invalid_content(
            "properties.customProperties.recoveryPoint",
            format!("The recovery point option '{other}' is not valid. Use Latest, LatestProcessed, LatestApplicationConsistent or Custom."),
        )),
    }
}

/// Validates an action's body; returns the job's parameters.
pub(crate) fn validate_action(
    state: &State,
    item: &Item,
    op: Operation,
    body: &Value,
) -> Result<Value, ArmError> {
    let c = body
        .pointer("/properties/customProperties")
        .cloned()
        .unwrap_or(Value::Null);
    let empty = c.as_object().is_some_and(|o| o.is_empty());
    if !c.is_null() && !empty {
        if !c.is_object() {
            return Err(ArmError::invalid_content(
                "properties.customProperties",
                "customProperties must be an object.",
            ));
        }
        arm::required_str(body, "/properties/customProperties/instanceType")?;
    }
    let c = if c.is_null() { json!({}) } else { c };
    match op {
        Operation::TestFailover => {
            if item.custom_str("testNetworkId").is_none() {
                return Err(ArmError::new(
                    400,
                    "TestNetworkNotConfigured",
                    format!("Protected item '{}' has no test network (customProperties.testNetworkId). Set it on the protected item first: the test failover network cannot be chosen at test-failover time.", item.name),
                ));
            }
            let rp = pick_recovery_point(state, item, &c)?;
            Ok(json!({ "recoveryPointName": rp }))
        }
        Operation::UnplannedFailover => {
            let rp = pick_recovery_point(state, item, &c)?;
            Ok(json!({
                "recoveryPointName": rp,
                "shutdownSourceVM": c.get("shutdownSourceVM").and_then(Value::as_bool).unwrap_or(false),
            }))
        }
        Operation::PlannedFailover => Ok(json!({ "shutdownSourceVM": true })),
        Operation::ChangeRecoveryPoint => {
            let mut c = c;
            c["recoveryPoint"] = json!("Custom");
            let rp = pick_recovery_point(state, item, &c)?;
            Ok(json!({ "recoveryPointName": rp }))
        }
        Operation::Reprotect => {
            let it = arm::required_str(body, "/properties/customProperties/instanceType")?;
            if !it.eq_ignore_ascii_case("AzStackToAzStackFailback") {
                return Err(ArmError::invalid_content(
                    "properties.customProperties.instanceType",
                    format!(
                        "Re-protect takes instanceType 'AzStackToAzStackFailback'; got '{it}'."
                    ),
                ));
            }
            let mut params = json!({});
            for f in [
                "applianceId",
                "logStorageAccountId",
                "policyName",
                "replicationExtensionName",
            ] {
                let v = arm::required_str(body, &format!("/properties/customProperties/{f}")).map_err(|e| {
                    ArmError::new(
                        400,
                        e.code,
                        format!("{} Re-protect fails when '{f}' is empty or null (known issue: always pass the failback policy and extension names, e.g. 'failback-default-replication-policy' and 'default-failback-extension').", e.message),
                    )
                    .with_target(format!("properties.customProperties.{f}"))
                })?;
                params[f] = json!(v);
            }
            let app = params["applianceId"].as_str().unwrap_or_default();
            if !matches_appliance(state, app) {
                return Err(ArmError::linked_not_found(
                    "properties.customProperties.applianceId",
                    app,
                ));
            }
            let log = params["logStorageAccountId"].as_str().unwrap_or_default();
            if !state.world.storage_exists(log) {
                return Err(ArmError::linked_not_found(
                    "properties.customProperties.logStorageAccountId",
                    log,
                ));
            }
            let pol = params["policyName"].as_str().unwrap_or_default().to_owned();
            vault_child_ok(
                state,
                &item.vault_id,
                "replicationPolicies",
                &pol,
                "properties.customProperties.policyName",
            )?;
            let ext = params["replicationExtensionName"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            vault_child_ok(
                state,
                &item.vault_id,
                "replicationExtensions",
                &ext,
                "properties.customProperties.replicationExtensionName",
            )?;
            Ok(params)
        }
        _ => Ok(json!({})),
    }
}
