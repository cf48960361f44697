//! What a protected-item job's success or failure does: the lifecycle transition's final (or
//! failure) state, plus what the service records around it (times, jobs, health, events,
//! recovery points).

use super::super::super::clock::arm_time;
use super::super::super::store::State;
use super::flows::policy_series;
use super::state_machine::Operation;
use super::RpSeries;
use crate::model::ProtectionState as P;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// (item key, operation, job summary) of a finished job. The item's `currentJob` keeps
/// pointing at it, with its final state and end time, so a client can read the job's errors
/// (the lifecycle sees a finished job as not in flight).
fn finish_common(state: &mut State, job_key: &str) -> Option<(String, Operation, Value)> {
    let j = state.jobs.get(job_key)?;
    Some((j.item.clone(), j.operation, j.summary()))
}

/// The job succeeded.
pub(crate) fn on_success(state: &mut State, job_key: &str, at: DateTime<Utc>) {
    let Some(patch) = state
        .jobs
        .get(job_key)
        .map(|j| j.transition.on_success.clone())
    else {
        return;
    };
    let Some((key, op, summary)) = finish_common(state, job_key) else {
        return;
    };
    let Some(item) = state.items.get(&key).cloned() else {
        return;
    };
    let (vault, name, corr) = (
        item.vault_id.clone(),
        item.name.clone(),
        item.correlation_id.clone(),
    );
    let (scenario, display, _) = op.job_names();
    if patch.deleted {
        state.remove_item(&key);
        state.event(
            &vault,
            at,
            "ProtectedItem",
            &name,
            &format!("{scenario}Completed"),
            "Info",
            format!("Protection of '{name}' was disabled."),
            &corr,
        );
        return;
    }
    let series = policy_series(state, &item, at);
    let Some(it) = state.items.get_mut(&key) else {
        return;
    };
    patch.apply(&mut it.ls);
    match op {
        Operation::EnableProtection | Operation::Reprotect => {
            it.provisioning = "Succeeded";
            it.health = "Normal";
            it.rp = Some(series);
        }
        Operation::TestFailover => {
            it.ls.last_successful_test_failover = Some(at);
            it.last_test_failover_job = Some(summary);
        }
        Operation::PlannedFailover => it.last_planned = Some(at),
        Operation::UnplannedFailover => it.last_unplanned = Some(at),
        Operation::CancelFailover => {
            it.failover_rp = None;
            it.rp = it.rp.map(|s| RpSeries {
                origin: at,
                stop: None,
                ..s
            });
        }
        Operation::Resynchronize => it.ls.resync_required = Some(false),
        _ => {}
    }
    if matches!(op, Operation::EnableProtection | Operation::Reprotect) {
        let what = if op == Operation::Reprotect {
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

/// The job failed with `code`/`message` during its current task.
pub(crate) fn on_failure(
    state: &mut State,
    job_key: &str,
    at: DateTime<Utc>,
    code: &str,
    message: &str,
) {
    let Some(patch) = state.jobs.get(job_key).map(|j| {
        let shows = j.tasks.get(j.current).map(|t| t.shows).unwrap_or(0);
        j.transition
            .steps
            .get(shows)
            .map(|s| s.on_failure.clone())
            .unwrap_or_else(|| j.transition.on_failure.clone())
    }) else {
        return;
    };
    let Some((key, op, summary)) = finish_common(state, job_key) else {
        return;
    };
    let Some(it) = state.items.get_mut(&key) else {
        return;
    };
    patch.apply(&mut it.ls);
    match op {
        Operation::EnableProtection => {
            it.provisioning = "Failed";
            it.last_failed_enable = Some(summary);
        }
        Operation::DisableProtection => it.provisioning = "Failed",
        Operation::TestFailover => it.last_test_failover_job = Some(summary),
        Operation::PlannedFailover => it.last_failed_planned = Some(summary),
        _ => {}
    }
    if it.ls.protection_state == P::EnablingFailed {
        it.rp = None;
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
