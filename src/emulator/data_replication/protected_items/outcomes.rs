//! What a protected-item job's success or failure does to the item.

use super::super::super::clock::arm_time;
use super::super::super::store::State;
use super::state_machine::Operation;
use super::{Direction, RpSeries};
use crate::model::{ProtectionState as P, ResynchronizationState as R, TestFailoverState as T};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

pub(super) fn finish_common(
    state: &mut State,
    job_key: &str,
) -> Option<(String, Operation, Value)> {
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
