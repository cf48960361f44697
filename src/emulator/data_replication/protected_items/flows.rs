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
use super::super::super::arm::ArmError;
use super::super::super::store::{Due, State};
use super::super::jobs::{self, Task};
use super::super::policies;
use super::state_machine::Operation;
use super::{not_found, Direction, Item, Replication, RpSeries};
use crate::http::Method;
use crate::model::{ProtectionState as P, ResynchronizationState as R, TestFailoverState as T};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

pub(crate) use super::outcomes::{on_failure, on_success};
pub(crate) use super::requests::{enable, update, validate_action};
pub(crate) use super::steps::on_step;

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

pub(super) fn task(step: Step, failback: bool) -> Task {
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

pub(super) fn replication_secs(state: &State, gb: u64) -> i64 {
    let mib = gb as f64 * 1024.0;
    (mib / state.settings.throughput_mib_per_s).ceil().max(60.0) as i64
}

pub(super) fn plan(state: &State, item: &Item, op: Operation, params: &Value) -> Vec<Task> {
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

pub(super) fn replication_secs_gb(gb: u64, mib_per_s: f64) -> i64 {
    ((gb as f64 * 1024.0) / mib_per_s).ceil().max(60.0) as i64
}

pub(super) fn policy_series(state: &State, item: &Item, origin: DateTime<Utc>) -> RpSeries {
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

pub(super) fn start_replication(state: &mut State, key: &str, at: DateTime<Utc>) {
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

pub(super) fn job_context(
    state: &State,
    job_key: &str,
) -> Option<(Step, Operation, Value, String)> {
    let j = state.jobs.get(job_key)?;
    Some((
        j.tasks.get(j.current)?.step,
        j.operation,
        j.params.clone(),
        j.item.clone(),
    ))
}
