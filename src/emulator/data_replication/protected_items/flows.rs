//! What each protected-item operation does over (virtual) time: the tasks of its job and their
//! effects on the item and on the two stamps.
//!
//! Behaviour (Microsoft's Azure Stack Hub Site Recovery documentation: enabling protection, capacity,
//! failover and re-protect):
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
//!
//! Every job follows the [`lifecycle::Transition`] the lifecycle returned for its operation:
//! each task shows one of the transition's steps (its state patch is applied when the task
//! starts), a failing task lands the item in that step's failure state, and success applies the
//! transition's final state. Initial replication (enable, re-protect) is a task of the job, so
//! the PUT / re-protect operation completes when the item is `Protected`.
use super::super::super::arm::ArmError;
use super::super::super::store::State;
use super::super::jobs::{self, Task};
use super::super::policies;
use super::state_machine::Operation;
use super::{not_found, Item, RpSeries};
use crate::http::Method;
use crate::lifecycle::{Direction, Transition};
use chrono::{DateTime, Utc};
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
    InitialReplication,
    CompleteOnPrimary,
    CompleteOnRecovery,
    ProcessLatest,
    CreateTestVm,
    StartTestVm,
    DeleteTestVm,
    CleanupTest,
    FinishCleanup,
    ShutdownSource,
    SyncFinal,
    CreateTargetVm,
    StartTargetVm,
    CommitOnPrimary,
    Commit,
    CancelOnPrimary,
    CancelOnRecovery,
    AttachReplicaDisks,
    StartReverseReplication,
    Resync,
    ApplyRecoveryPoint,
    DisableReplication,
    CleanupReplication,
}

fn task(state: &State, item: &Item, step: Step, shows: usize) -> Task {
    let failback = item.ls.direction == Direction::Failback;
    let (name, secs) = match step {
        Step::Prerequisites => ("Prerequisites check", 15),
        Step::ValidateAppliance => ("Validating the replication appliance", 30),
        Step::EnableReplication => ("Enabling protection", 60),
        Step::InitialReplication if failback => (
            "Replicating the disks to the source stamp",
            replication_secs(state, item.total_gb()),
        ),
        Step::InitialReplication => (
            "Initial replication",
            replication_secs(state, item.total_gb()),
        ),
        Step::CompleteOnPrimary => ("Completing replication on the primary side", 30),
        Step::CompleteOnRecovery => ("Completing replication on the recovery side", 30),
        Step::ProcessLatest => ("Processing the data sent to Site Recovery", 180),
        Step::CreateTestVm => ("Creating the test virtual machine", 120),
        Step::StartTestVm => ("Starting the test virtual machine", 60),
        Step::DeleteTestVm => ("Deleting the test virtual machine", 60),
        Step::CleanupTest => ("Cleaning up test resources", 30),
        Step::FinishCleanup => ("Finishing the cleanup", 5),
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
        Step::CommitOnPrimary => ("Committing the failover on the primary side", 15),
        Step::Commit => ("Committing the failover", 30),
        Step::CancelOnPrimary => ("Cancelling the failover on the primary side", 30),
        Step::CancelOnRecovery => ("Deleting the failed-over virtual machine", 60),
        Step::AttachReplicaDisks => ("Attaching replica disks to the appliance", 120),
        Step::StartReverseReplication => ("Starting replication to the source stamp", 30),
        Step::Resync => (
            "Resynchronizing data",
            replication_secs(state, item.total_gb()),
        ),
        Step::ApplyRecoveryPoint => ("Applying the recovery point", 60),
        Step::DisableReplication => ("Disabling replication", 30),
        Step::CleanupReplication => ("Removing replication resources", 30),
    };
    let mut t = Task::new(step, name, secs);
    t.shows = shows;
    t
}

/// Seconds to copy `gb` GiB at the scenario's throughput (at least a minute).
pub(super) fn replication_secs(state: &State, gb: u64) -> i64 {
    let mib = gb as f64 * 1024.0;
    // At least a minute, at most ten years (a disk size that large is a typo, not a test).
    (mib / state.settings.throughput_mib_per_s)
        .ceil()
        .clamp(60.0, 315_360_000.0) as i64
}

/// The job's tasks; each shows a step of `t` (its index into `t.steps`).
fn plan(state: &State, item: &Item, op: Operation, t: &Transition, params: &Value) -> Vec<Task> {
    let k = |step, shows| task(state, item, step, shows);
    use Step as S;
    match op {
        Operation::EnableProtection => vec![
            k(S::ValidateAppliance, 0),
            k(S::EnableReplication, 0),
            k(S::InitialReplication, 1),
            k(S::CompleteOnPrimary, 2),
            k(S::CompleteOnRecovery, 3),
        ],
        Operation::TestFailover => {
            let mut v = vec![k(S::Prerequisites, 0)];
            if processes_latest(params) {
                v.push(k(S::ProcessLatest, 0));
            }
            v.extend([k(S::CreateTestVm, 0), k(S::StartTestVm, 1)]);
            v
        }
        Operation::TestFailoverCleanup => vec![
            k(S::DeleteTestVm, 0),
            k(S::CleanupTest, 1),
            k(S::FinishCleanup, 2),
        ],
        Operation::PlannedFailover => vec![
            k(S::Prerequisites, 0),
            // "Shut down machine before beginning failover" is an option: without it the
            // source keeps running (enable-vm-protection.txt, Failover).
            k(S::ShutdownSource, 0).skipped(!shutdown_source(params, true)),
            k(S::SyncFinal, 0),
            k(S::CreateTargetVm, 1),
            k(S::StartTargetVm, 1),
        ],
        Operation::UnplannedFailover => {
            let mut v = vec![
                k(S::Prerequisites, 0),
                k(S::ShutdownSource, 0).skipped(!shutdown_source(params, false)),
            ];
            if processes_latest(params) {
                v.push(k(S::ProcessLatest, 0));
            }
            v.extend([k(S::CreateTargetVm, 1), k(S::StartTargetVm, 1)]);
            v
        }
        Operation::CommitFailover => vec![k(S::CommitOnPrimary, 0), k(S::Commit, 1)],
        Operation::CancelFailover => vec![k(S::CancelOnPrimary, 0), k(S::CancelOnRecovery, 1)],
        Operation::Reprotect => {
            let mut v = Vec::new();
            let b = if t.commits_first {
                v.push(k(S::CommitOnPrimary, 0));
                v.push(k(S::Commit, 1));
                2
            } else {
                0
            };
            v.extend([
                k(S::Prerequisites, b),
                k(S::ShutdownSource, b),
                k(S::AttachReplicaDisks, b),
                k(S::StartReverseReplication, b),
                k(S::InitialReplication, b + 1),
                k(S::CompleteOnPrimary, b + 2),
                k(S::CompleteOnRecovery, b + 3),
            ]);
            v
        }
        Operation::Resynchronize => vec![k(S::Resync, 0)],
        Operation::ChangeRecoveryPoint => vec![k(S::ApplyRecoveryPoint, 0)],
        Operation::DisableProtection => {
            vec![k(S::DisableReplication, 0), k(S::CleanupReplication, 1)]
        }
    }
}

/// `shutdownSourceVM` of an action's parameters (`default` when unsaid).
fn shutdown_source(params: &Value, default: bool) -> bool {
    params
        .get("shutdownSourceVM")
        .and_then(Value::as_bool)
        .unwrap_or(default)
}

/// A failover to `Latest` processes the data sent to the service first.
fn processes_latest(params: &Value) -> bool {
    params
        .get("processLatest")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// Starts `op` (allowed by `transition`) on the item: its operation (returned), its job, the
/// first state of the transition.
#[allow(clippy::too_many_arguments)]
pub(crate) fn start(
    state: &mut State,
    key: &str,
    op: Operation,
    method: Method,
    params: Value,
    transition: Transition,
    force: bool,
) -> Result<String, ArmError> {
    let item = state.items.get(key).ok_or_else(|| not_found(key))?.clone();
    if force {
        cancel_running(state, &item);
    }
    let tasks = plan(state, &item, op, &transition, &params);
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
        transition,
        Some(op_id.clone()),
    );
    let now = state.now();
    if let Some(it) = state.items.get_mut(key) {
        it.current_job = Some(job.clone());
        match op {
            Operation::EnableProtection => it.provisioning = "Creating",
            Operation::DisableProtection => it.provisioning = "Deleting",
            _ => {}
        }
    }
    show_step(state, &job);
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

/// A forced disable cancels the job in flight.
fn cancel_running(state: &mut State, item: &Item) {
    let Some(job_key) = &item.current_job else {
        return;
    };
    let now = state.now();
    let Some(j) = state.jobs.get_mut(job_key) else {
        return;
    };
    if !j.running() {
        return;
    }
    j.state = "Cancelled";
    j.end = Some(now);
    j.next_due = None;
    if let Some(o) = j.op.clone().and_then(|o| state.ops.get_mut(&o)) {
        o.status = super::super::super::store::OpStatus::Canceled;
        o.end = Some(now);
    }
}

/// Applies the transition step the job's current task shows.
pub(crate) fn show_step(state: &mut State, job_key: &str) {
    let Some(j) = state.jobs.get(job_key) else {
        return;
    };
    let Some(shows) = j.tasks.get(j.current).map(|t| t.shows) else {
        return;
    };
    let Some(patch) = j.transition.steps.get(shows).map(|s| s.patch.clone()) else {
        return;
    };
    let key = j.item.clone();
    if let Some(it) = state.items.get_mut(&key) {
        patch.apply(&mut it.ls);
    }
}

/// The recovery-point series a policy gives, starting at `origin`.
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

/// (task step, operation, parameters, item key) of a job's current task.
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
