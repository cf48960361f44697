//! The one place where the emulator asks whether an operation is allowed on a protected item,
//! and what it does to the item's states: the crate's [`lifecycle`](crate::lifecycle).
//!
//! One state machine for the client and the emulator, so they cannot drift. The
//! emulator builds a [`lifecycle::ItemState`] from its item, asks [`lifecycle::check`], refuses
//! with `409 OperationNotAllowedInCurrentState` carrying the [`lifecycle::Refusal`] (state, why,
//! what to do), and otherwise drives the item through the [`lifecycle::Transition`]'s steps as its
//! job's tasks run (see [`flows`](super::flows)). Its `allowedJobs` is
//! [`lifecycle::allowed_operations`] of the same state.

use super::Item;
use crate::emulator::arm::ArmError;
use crate::lifecycle::{self, ItemState, OperationKind, RecoveryPointChoice, Transition};
use crate::model::ProtectedItemJob;
use serde_json::Value;

/// An operation on a protected item as the wire names it (a PUT, DELETE or POST action).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    EnableProtection,
    TestFailover,
    TestFailoverCleanup,
    PlannedFailover,
    UnplannedFailover,
    CommitFailover,
    CancelFailover,
    Reprotect,
    Resynchronize,
    ChangeRecoveryPoint,
    DisableProtection,
}

impl Operation {
    /// The operations answered by `POST {protectedItemId}/{action}`.
    pub(crate) const ACTIONS: [Operation; 9] = [
        Operation::TestFailover,
        Operation::TestFailoverCleanup,
        Operation::PlannedFailover,
        Operation::UnplannedFailover,
        Operation::CommitFailover,
        Operation::CancelFailover,
        Operation::Reprotect,
        Operation::Resynchronize,
        Operation::ChangeRecoveryPoint,
    ];

    /// The action's path segment (inferred, see the README's table of what is documented; only
    /// `plannedFailover` is public and `reprotect` documented).
    pub(crate) fn action_name(self) -> &'static str {
        match self {
            Operation::TestFailover => "testFailover",
            Operation::TestFailoverCleanup => "testFailoverCleanup",
            Operation::PlannedFailover => "plannedFailover",
            Operation::UnplannedFailover => "unplannedFailover",
            Operation::CommitFailover => "commit",
            Operation::CancelFailover => "cancelFailover",
            Operation::Reprotect => "reprotect",
            Operation::Resynchronize => "resynchronize",
            Operation::ChangeRecoveryPoint => "changeRecoveryPoint",
            Operation::EnableProtection | Operation::DisableProtection => "",
        }
    }

    pub(crate) fn from_action(name: &str) -> Option<Operation> {
        Operation::ACTIONS
            .into_iter()
            .find(|o| o.action_name().eq_ignore_ascii_case(name))
    }

    /// (`scenarioName`, display name, job `customProperties.instanceType`).
    pub(crate) fn job_names(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Operation::EnableProtection => (
                "EnableProtection",
                "Enable protection",
                "JobModelCustomProperties",
            ),
            Operation::TestFailover => ("TestFailover", "Test failover", "TestFailoverJobDetails"),
            Operation::TestFailoverCleanup => (
                "TestFailoverCleanup",
                "Clean up test failover",
                "TestFailoverCleanupJobDetails",
            ),
            Operation::PlannedFailover => {
                ("PlannedFailover", "Planned failover", "FailoverJobDetails")
            }
            Operation::UnplannedFailover => ("UnplannedFailover", "Failover", "FailoverJobDetails"),
            Operation::CommitFailover => ("CommitFailover", "Commit", "JobModelCustomProperties"),
            Operation::CancelFailover => (
                "CancelFailover",
                "Cancel failover",
                "JobModelCustomProperties",
            ),
            Operation::Reprotect => ("Reprotect", "Re-protect", "JobModelCustomProperties"),
            Operation::Resynchronize => {
                ("Resynchronize", "Resynchronize", "JobModelCustomProperties")
            }
            Operation::ChangeRecoveryPoint => (
                "ChangeRecoveryPoint",
                "Change recovery point",
                "JobModelCustomProperties",
            ),
            Operation::DisableProtection => (
                "DisableProtection",
                "Disable protection",
                "JobModelCustomProperties",
            ),
        }
    }
}

/// The `allowedJobs` name of an operation kind (the scenario names the emulator's jobs use;
/// the lifecycle's vocabulary understands them).
fn job_name(kind: OperationKind) -> &'static str {
    // A kind added to the lifecycle later has no job name until the emulator learns it.
    #[allow(unreachable_patterns)]
    match kind {
        OperationKind::EnableProtection => "EnableProtection",
        OperationKind::TestFailover => "TestFailover",
        OperationKind::CleanupTestFailover => "TestFailoverCleanup",
        OperationKind::PlannedFailover | OperationKind::Failback => "PlannedFailover",
        OperationKind::UnplannedFailover => "UnplannedFailover",
        OperationKind::Commit => "CommitFailover",
        OperationKind::CancelFailover => "CancelFailover",
        OperationKind::ChangeRecoveryPoint => "ChangeRecoveryPoint",
        OperationKind::Reprotect => "Reprotect",
        OperationKind::Resynchronize => "Resynchronize",
        OperationKind::DisableProtection => "DisableProtection",
        _ => "",
    }
}

fn recovery_point(c: &Value) -> Result<RecoveryPointChoice, ArmError> {
    let kind = c
        .get("recoveryPoint")
        .and_then(Value::as_str)
        .unwrap_or("Latest");
    Ok(match kind.to_ascii_lowercase().as_str() {
        "latest" => RecoveryPointChoice::Latest,
        "latestprocessed" => RecoveryPointChoice::LatestProcessed,
        "latestapplicationconsistent" => RecoveryPointChoice::LatestApplicationConsistent,
        "custom" => RecoveryPointChoice::Custom(
            c.get("recoveryPointId").and_then(Value::as_str).unwrap_or_default().to_owned(),
        ),
        other => {
            return Err(ArmError::invalid_content(
                "properties.customProperties.recoveryPoint",
                format!("The recovery point option '{other}' is not valid. Use Latest, LatestProcessed, LatestApplicationConsistent or Custom."),
            ))
        }
    })
}

/// The lifecycle operation a request asks for (`custom`: the body's `customProperties`).
pub(crate) fn to_lifecycle(
    item: Option<&Item>,
    op: Operation,
    custom: &Value,
    force: bool,
) -> Result<lifecycle::Operation, ArmError> {
    let shutdown = |default: bool| {
        custom
            .get("shutdownSourceVM")
            .and_then(Value::as_bool)
            .unwrap_or(default)
    };
    Ok(match op {
        Operation::EnableProtection => lifecycle::Operation::EnableProtection,
        Operation::TestFailover => lifecycle::Operation::TestFailover {
            recovery_point: recovery_point(custom)?,
        },
        Operation::TestFailoverCleanup => lifecycle::Operation::CleanupTestFailover,
        Operation::PlannedFailover => {
            if item.is_some_and(|i| i.ls.direction == lifecycle::Direction::Failback) {
                lifecycle::Operation::Failback {
                    shutdown_source: shutdown(true),
                }
            } else {
                lifecycle::Operation::PlannedFailover {
                    shutdown_source: shutdown(true),
                }
            }
        }
        Operation::UnplannedFailover => lifecycle::Operation::UnplannedFailover {
            recovery_point: recovery_point(custom)?,
            shutdown_source: shutdown(false),
        },
        Operation::CommitFailover => lifecycle::Operation::Commit,
        Operation::CancelFailover => lifecycle::Operation::CancelFailover,
        Operation::Reprotect => lifecycle::Operation::Reprotect,
        Operation::Resynchronize => lifecycle::Operation::Resynchronize,
        Operation::ChangeRecoveryPoint => lifecycle::Operation::ChangeRecoveryPoint {
            recovery_point: recovery_point(custom)?,
        },
        Operation::DisableProtection => lifecycle::Operation::DisableProtection { force },
    })
}

/// The lifecycle's view of the item (`running`: the scenario of its running job, if any).
pub(crate) fn item_state(item: &Item, running: Option<(&str, &str)>) -> ItemState {
    let mut s = item.ls.clone();
    s.current_job = running.map(|(scenario, name)| ProtectedItemJob {
        scenario_name: Some(scenario.to_owned()),
        name: Some(name.to_owned()),
        state: Some("Started".to_owned()),
        ..Default::default()
    });
    s.allowed_jobs = None;
    s
}

/// Asks the lifecycle; a refusal becomes `409 OperationNotAllowedInCurrentState`.
pub(crate) fn check(state: &ItemState, op: &lifecycle::Operation) -> Result<Transition, ArmError> {
    lifecycle::check(state, op)
        .map_err(|r| ArmError::new(409, "OperationNotAllowedInCurrentState", r.to_string()))
}

/// The item's `allowedJobs`: every operation the lifecycle allows now.
pub(crate) fn allowed_jobs(state: &ItemState) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for kind in lifecycle::allowed_operations(state) {
        let name = job_name(kind);
        if !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}
