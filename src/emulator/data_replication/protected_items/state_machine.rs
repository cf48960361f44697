//! The one place where the emulator decides whether an operation is allowed on a protected item.
//!
//! DESIGN.md: one state machine (`lifecycle`) for the client and the emulator, so they cannot
//! drift. Until the crate's `lifecycle` module is merged, [`check`] carries the rules of the
//! product document (enable-vm-protection.txt) and azure-stack-hub-facts.md §5 itself; when it
//! lands, [`check`] becomes a thin adapter over `lifecycle::check` and nothing else changes.

use super::{Direction, Item};
use crate::model::{ProtectionState as P, TestFailoverState as T};

/// An operation on a protected item (a PUT, DELETE or POST action).
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

    /// Every operation, for `allowedJobs`.
    pub(crate) const ALL: [Operation; 11] = [
        Operation::EnableProtection,
        Operation::TestFailover,
        Operation::TestFailoverCleanup,
        Operation::PlannedFailover,
        Operation::UnplannedFailover,
        Operation::CommitFailover,
        Operation::CancelFailover,
        Operation::Reprotect,
        Operation::Resynchronize,
        Operation::ChangeRecoveryPoint,
        Operation::DisableProtection,
    ];

    /// The action's path segment (DESIGN.md "inferred Azure Stack Hub wire contract"; only
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
            Operation::EnableProtection => "",
            Operation::DisableProtection => "",
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

/// Why an operation is refused: an HTTP status, an ARM error code and a reason that says what
/// to do instead.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Refusal {
    pub(crate) status: u16,
    pub(crate) code: &'static str,
    pub(crate) reason: String,
}

fn refuse(item: &Item, op: Operation, why: &str) -> Result<(), Refusal> {
    Err(Refusal {
        status: 409,
        code: "OperationNotAllowedInCurrentState",
        reason: format!(
            "'{}' is not allowed on protected item '{}' in state {} (test failover state {}): {why}",
            op.job_names().0,
            item.name,
            item.protection.as_str(),
            item.tfo.as_str()
        ),
    })
}

fn failed_over(p: &P) -> bool {
    matches!(
        p,
        P::PlannedFailoverCompleted
            | P::UnplannedFailoverCompleted
            | P::ChangeRecoveryPointCompleted
    )
}

/// Decides whether `op` is allowed on `item` now.
pub(crate) fn check(item: &Item, op: Operation) -> Result<(), Refusal> {
    if let Some(job) = &item.current_job_scenario {
        return Err(Refusal {
            status: 409,
            code: "OperationInProgress",
            reason: format!(
                "A '{job}' job is in progress on protected item '{}'. Wait for it to finish, then retry.",
                item.name
            ),
        });
    }
    let p = &item.protection;
    let tfo_idle = matches!(item.tfo, T::None);
    match op {
        Operation::EnableProtection => match p {
            P::EnablingFailed => Ok(()),
            _ => refuse(item, op, "protection is already enabled."),
        },
        Operation::TestFailover => {
            if item.direction == Direction::Failback {
                return refuse(item, op, "test failover is not supported while the item replicates back to the source stamp; run a planned failover to fail back.");
            }
            if !matches!(p, P::Protected) {
                return refuse(
                    item,
                    op,
                    "test failover needs a protected item whose initial replication has completed.",
                );
            }
            if !tfo_idle {
                return refuse(
                    item,
                    op,
                    "a test failover already exists; clean it up first (testFailoverCleanup).",
                );
            }
            Ok(())
        }
        Operation::TestFailoverCleanup => match item.tfo {
            T::TestFailoverCompleted | T::TestFailoverFailed | T::TestFailoverCompletionFailed => {
                Ok(())
            }
            _ => refuse(item, op, "there is no test failover to clean up."),
        },
        Operation::PlannedFailover | Operation::UnplannedFailover => {
            if item.failed_back {
                return refuse(item, op, "the item has failed back and the failback is committed; re-enabling protection after failback is not supported: disable protection, remove the mobility agent, then enable protection again.");
            }
            if !tfo_idle {
                return refuse(
                    item,
                    op,
                    "clean up the test failover first (testFailoverCleanup).",
                );
            }
            let ok = matches!(
                p,
                P::Protected | P::PlannedFailoverFailed | P::UnplannedFailoverFailed
            );
            if ok {
                Ok(())
            } else {
                refuse(item, op, "failover needs a protected item (initial replication or re-protect completed).")
            }
        }
        Operation::CommitFailover => {
            if failed_over(p)
                || matches!(
                    p,
                    P::CommitFailoverFailedOnRecovery | P::CommitFailoverFailedOnPrimary
                )
            {
                Ok(())
            } else {
                refuse(item, op, "there is no completed failover to commit.")
            }
        }
        Operation::CancelFailover => {
            if item.direction == Direction::Forward
                && (failed_over(p)
                    || matches!(
                        p,
                        P::CancelFailoverFailedOnRecovery | P::CancelFailoverFailedOnPrimary
                    ))
            {
                Ok(())
            } else {
                refuse(
                    item,
                    op,
                    "only an uncommitted failover to the target stamp can be cancelled.",
                )
            }
        }
        Operation::ChangeRecoveryPoint => {
            if failed_over(p) || matches!(p, P::ChangeRecoveryPointFailed) {
                Ok(())
            } else {
                refuse(item, op, "the recovery point can only be changed after a failover, before it is committed.")
            }
        }
        Operation::Reprotect => {
            if item.failed_back {
                return refuse(item, op, "re-enabling protection after failback is not supported: disable protection, remove the mobility agent, then enable protection again.");
            }
            if item.direction == Direction::Failback {
                return refuse(
                    item,
                    op,
                    "the item is already re-protected (replicating back to the source stamp).",
                );
            }
            // Re-protect of an uncommitted failover commits first (enable-vm-protection.txt).
            if failed_over(p) || matches!(p, P::CommitFailoverCompleted | P::ReprotectFailed) {
                Ok(())
            } else {
                refuse(
                    item,
                    op,
                    "re-protect needs a failover to the target stamp (committed or not).",
                )
            }
        }
        Operation::Resynchronize => {
            if matches!(p, P::Protected) {
                Ok(())
            } else {
                refuse(item, op, "resynchronization needs a protected item.")
            }
        }
        Operation::DisableProtection => Ok(()),
    }
}

/// The item's `allowedJobs`: every operation [`check`] allows now.
pub(crate) fn allowed_jobs(item: &Item) -> Vec<&'static str> {
    Operation::ALL
        .into_iter()
        .filter(|op| {
            *op != Operation::EnableProtection || matches!(item.protection, P::EnablingFailed)
        })
        .filter(|op| check(item, *op).is_ok())
        .map(|op| op.job_names().0)
        .collect()
}
