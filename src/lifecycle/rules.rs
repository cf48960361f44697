//! The local rules: which operation the product document allows in which state.
//!
//! Each rule names its source in [`Verdict::rule`]:
//! * \[PROT\] the product document "Enable VM protection in Azure Site Recovery"
//!   (learn.microsoft.com/azure-stack/operator/protect-virtual-machines);
//! * \[KI\] "Known issues - Azure Site Recovery on Azure Stack Hub";
//! * \[SPEC\] the `ProtectionState` / `TestFailoverState` enums of `Microsoft.DataReplication`
//!   (the specs' enums) and the mapping of the protected-item operations;
//! * \[INFERRED\] where the documents are silent, the choice this crate makes (the service's
//!   `allowedJobs` overrides it when present).

use super::operation::{Operation, OperationKind};
use super::state::{Direction, ItemState};
use crate::model::{Phase, ProtectionState};

/// \[PROT\] "At this time we don't support re-enabling protection (after a failback process)."
pub(crate) const RULE_NO_REENABLE: &str = "[PROT] re-enabling protection after a failback is not \
     supported: disable protection, remove the agent, and then enable protection again";
/// The exact guidance after a committed failback.
pub(crate) const REENABLE_GUIDANCE: &str = "disable protection, remove the agent (mobility \
     service) from the VM, and then enable protection again";
const RULE_IN_FLIGHT: &str =
    "[SPEC] protected-item operations: currentJob and the transitional states say an \
     operation is in flight; only disable protection with force is accepted meanwhile";
const RULE_RETRY: &str =
    "[SPEC] protected-item operations: a *Failed state allows a retry of the same step";
const RULE_MARKER: &str =
    "[SPEC] the specs' enums: *StatesBegin/*StatesEnd are range markers, not states";
const RULE_UNKNOWN: &str =
    "[SPEC] the specs' enums: open enums; this crate does not know the value";
const RULE_ABSENT: &str =
    "[SPEC] protected-item operations: enable protection creates the protected item";
const RULE_ENABLE: &str =
    "[SPEC] protected-item operations: enable protection is the PUT that creates the item; \
     a failed enable (EnablingFailed) may be retried";
const RULE_TFO: &str =
    "[PROT] a test failover runs on a protected (replicating) item; replication \
     keeps running during it";
const RULE_TFO_CLEANUP: &str = "[PROT] 'When the test failover is complete, you can select Clean \
     test failover'; a new test failover needs the previous one cleaned up";
const RULE_FAILOVER: &str = "[PROT] a failover moves a protected item to the other stamp";
const RULE_TFO_BEFORE_PLANNED: &str = "[INFERRED] a planned failover waits until the outstanding \
     test failover is cleaned up; an unplanned (disaster) failover is not blocked by it";
const RULE_FAILBACK: &str =
    "[PROT] failback: 'Run re-protect ... Once data is fully replicated, run \
     the planned failover'";
const RULE_COMMIT: &str =
    "[PROT] 'Once the failover process is complete, you must commit the changes'";
const RULE_CANCEL: &str = "[SPEC] CancelFailover* states: an uncommitted (completed or failed) \
     failover can be cancelled [INFERRED: which states allow it]";
const RULE_CHANGE_RP: &str =
    "[SPEC] ChangeRecoveryPoint* states: a completed, uncommitted failover \
     can move to another recovery point [INFERRED: which states allow it]";
const RULE_REPROTECT: &str = "[PROT] re-protect replicates back after a failover; on an \
     uncommitted failover it 'first triggers a commit ... therefore it takes longer'";
const RULE_RESYNC_FAILBACK: &str = "[KI] 'Re-protect manual resync not supported yet': resync of \
     a re-protected item happens automatically";
const RULE_RESYNC: &str = "[SPEC] resynchronizationState is orthogonal to protectionState; \
     resynchronize repairs replication of a protected item or a failed initial replication \
     [INFERRED: which states allow it]";
const RULE_DISABLE: &str =
    "[SPEC] protected-item operations: disable protection is the DELETE of the item \
     (forceDelete=true to force)";

/// Why the local rules refuse an operation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Verdict {
    pub reason: String,
    pub remedy: String,
    pub rule: &'static str,
}

fn refuse(reason: impl Into<String>, remedy: impl Into<String>, rule: &'static str) -> Verdict {
    Verdict {
        reason: reason.into(),
        remedy: remedy.into(),
        rule,
    }
}

fn is_failed_over_uncommitted(s: &ProtectionState) -> bool {
    s.is_failed_over_uncommitted()
}

fn failover_failed(s: &ProtectionState) -> bool {
    use ProtectionState as S;
    matches!(
        s,
        S::PlannedFailoverFailed
            | S::PlannedFailoverCompletionFailed
            | S::UnplannedFailoverFailed
            | S::UnplannedFailoverCompletionFailed
    )
}

/// What is in flight, in words.
fn in_flight_what(state: &ItemState) -> String {
    if state.job_in_flight() {
        let name = state
            .summary()
            .current_job
            .unwrap_or_else(|| "a job".to_owned());
        return format!("job {name} is running");
    }
    if state.protection_state.is_transitional() {
        return format!("protectionState is {}", state.protection_state);
    }
    if state.test_failover_state.is_transitional() {
        return format!("testFailoverState is {}", state.test_failover_state);
    }
    format!(
        "resynchronizationState is {}",
        state.resynchronization_state
    )
}

/// The verdict of the local rules. `Ok(())` means the product document allows it.
pub(crate) fn local(state: &ItemState, op: &Operation) -> Result<(), Verdict> {
    decide(state, op).map_err(|mut v| {
        if v.remedy.is_empty() {
            v.remedy = remedy_from(state);
        }
        v
    })
}

/// The rules themselves; an empty remedy means "say what is allowed from here".
fn decide(state: &ItemState, op: &Operation) -> Result<(), Verdict> {
    use ProtectionState as S;
    let kind = op.kind();
    let ps = &state.protection_state;
    let tfo = &state.test_failover_state;

    if let Some(rp) = op.recovery_point() {
        if rp.custom_id().is_some_and(|id| id.trim().is_empty()) {
            return Err(refuse(
                "a custom recovery point needs the id of a recovery point",
                "list the item's recovery points and pass one of their ids, or choose Latest, \
                 LatestProcessed or LatestApplicationConsistent",
                "[PROT] 'Custom: use this option to fail over a specific VM to a particular \
                 recovery point'",
            ));
        }
    }

    // No item: only enabling protection applies.
    if !state.exists {
        return match kind {
            OperationKind::EnableProtection => Ok(()),
            OperationKind::DisableProtection => Err(refuse(
                "there is no protected item to disable",
                "nothing to do: the VM is not protected",
                RULE_ABSENT,
            )),
            _ => Err(refuse(
                "the VM has no protected item",
                "enable protection first and wait until initial replication completes",
                RULE_ABSENT,
            )),
        };
    }

    // Disable is the way out of every state; with force also while something runs.
    if let Operation::DisableProtection { force } = op {
        if !force && state.operation_in_flight() {
            return Err(refuse(
                format!("an operation is in flight ({})", in_flight_what(state)),
                "wait for it to finish, or disable protection with force",
                RULE_IN_FLIGHT,
            ));
        }
        return Ok(());
    }

    if state.operation_in_flight() {
        return Err(refuse(
            format!("an operation is in flight ({})", in_flight_what(state)),
            "wait for it to finish; meanwhile only disable protection with force is accepted",
            RULE_IN_FLIGHT,
        ));
    }
    if ps.is_range_marker() {
        return Err(refuse(
            format!("the service reported {ps}, a range marker rather than a state"),
            "read the item again; if it persists, only disable protection is possible",
            RULE_MARKER,
        ));
    }
    if ps.is_unknown() {
        return Err(refuse(
            if ps.as_str().is_empty() {
                "the item does not report a protectionState".to_owned()
            } else {
                format!("protectionState {ps} is unknown to this version of the crate")
            },
            "read the item again; the service's allowedJobs decides when present; a newer crate \
             version may know this state",
            RULE_UNKNOWN,
        ));
    }
    if state.is_failback_committed() {
        return Err(refuse(
            "the failback is committed: the documented lifecycle has ended and re-enabling \
             protection after a failback is not supported",
            REENABLE_GUIDANCE,
            RULE_NO_REENABLE,
        ));
    }

    // Test failover and its cleanup depend on testFailoverState first.
    match kind {
        OperationKind::CleanupTestFailover => {
            return if tfo.needs_cleanup() {
                Ok(())
            } else {
                Err(refuse(
                    format!("there is no finished test failover to clean up (testFailoverState is {tfo})"),
                    "cleanup applies after a test failover completed or failed",
                    RULE_TFO_CLEANUP,
                ))
            };
        }
        OperationKind::TestFailover => {
            if !tfo.is_none() {
                return Err(refuse(
                    format!("the previous test failover is not cleaned up (testFailoverState is {tfo})"),
                    "clean up the test failover first (it deletes the test VM and test resources), \
                     then start a new one",
                    RULE_TFO_CLEANUP,
                ));
            }
            return if *ps == S::Protected {
                Ok(())
            } else {
                Err(refuse(
                    format!(
                        "a test failover needs a protected item; the item is {ps} ({} phase)",
                        ps.phase()
                    ),
                    String::new(),
                    RULE_TFO,
                ))
            };
        }
        OperationKind::PlannedFailover | OperationKind::Failback if !tfo.is_none() => {
            return Err(refuse(
                format!("a test failover is outstanding (testFailoverState is {tfo})"),
                "clean up the test failover first; in a disaster, an unplanned failover is not \
                 blocked by it",
                RULE_TFO_BEFORE_PLANNED,
            ));
        }
        _ => {}
    }

    match kind {
        OperationKind::EnableProtection => match ps {
            S::EnablingFailed => Ok(()),
            _ => Err(refuse(
                format!("the VM is already protected (protectionState is {ps})"),
                "to start over, disable protection first, then enable it again",
                RULE_ENABLE,
            )),
        },
        OperationKind::PlannedFailover | OperationKind::Failback => {
            if kind == OperationKind::Failback && state.direction != Direction::Failback {
                return Err(refuse(
                    "the item replicates forward (primary → recovery): a failback is the planned \
                     failover of a re-protected item",
                    "fail over, commit, re-protect, wait until the item is protected again, then \
                     fail back",
                    RULE_FAILBACK,
                ));
            }
            if matches!(
                ps,
                S::Protected | S::PlannedFailoverFailed | S::PlannedFailoverCompletionFailed
            ) {
                Ok(())
            } else {
                Err(refuse(
                    format!(
                        "a planned failover needs a protected item; the item is {ps} ({} phase)",
                        ps.phase()
                    ),
                    String::new(),
                    RULE_FAILOVER,
                ))
            }
        }
        OperationKind::UnplannedFailover => {
            if *ps == S::Protected || failover_failed(ps) {
                Ok(())
            } else {
                Err(refuse(
                    format!(
                        "an unplanned failover needs a protected item; the item is {ps} ({} phase)",
                        ps.phase()
                    ),
                    String::new(),
                    RULE_FAILOVER,
                ))
            }
        }
        OperationKind::Commit => {
            if is_failed_over_uncommitted(ps)
                || matches!(
                    ps,
                    S::CommitFailoverFailedOnPrimary | S::CommitFailoverFailedOnRecovery
                )
            {
                Ok(())
            } else {
                Err(refuse(
                    format!(
                        "there is no completed failover to commit; the item is {ps} ({} phase)",
                        ps.phase()
                    ),
                    String::new(),
                    RULE_COMMIT,
                ))
            }
        }
        OperationKind::CancelFailover => {
            if is_failed_over_uncommitted(ps)
                || failover_failed(ps)
                || matches!(
                    ps,
                    S::CancelFailoverFailedOnPrimary | S::CancelFailoverFailedOnRecovery
                )
            {
                Ok(())
            } else {
                Err(refuse(
                    format!(
                        "there is no uncommitted failover to cancel; the item is {ps} ({} phase)",
                        ps.phase()
                    ),
                    String::new(),
                    RULE_CANCEL,
                ))
            }
        }
        OperationKind::ChangeRecoveryPoint => {
            if is_failed_over_uncommitted(ps) {
                Ok(())
            } else {
                Err(refuse(
                    format!("the recovery point can only change on a completed, uncommitted failover; the item is {ps} ({} phase)", ps.phase()),
                    String::new(),
                    RULE_CHANGE_RP,
                ))
            }
        }
        OperationKind::Reprotect => {
            if *ps == S::ReprotectFailed {
                return Ok(());
            }
            let failed_over = is_failed_over_uncommitted(ps) || *ps == S::CommitFailoverCompleted;
            if failed_over && state.direction == Direction::Failback {
                return Err(refuse(
                    "this failover is a failback: re-protecting after it would re-enable \
                     protection, which is not supported after a failback",
                    REENABLE_GUIDANCE,
                    RULE_NO_REENABLE,
                ));
            }
            if failed_over {
                return Ok(());
            }
            Err(refuse(
                match (ps, state.direction) {
                    (S::Protected, Direction::Failback) => {
                        "the item is already re-protected".to_owned()
                    }
                    (S::Protected, Direction::Forward) => {
                        "the item is protected: re-protect applies after a failover".to_owned()
                    }
                    _ => format!(
                        "re-protect applies after a failover; the item is {ps} ({} phase)",
                        ps.phase()
                    ),
                },
                String::new(),
                RULE_REPROTECT,
            ))
        }
        OperationKind::Resynchronize => {
            let eligible = matches!(ps, S::Protected | S::InitialReplicationFailed);
            if eligible && state.direction == Direction::Failback {
                return Err(refuse(
                    "manual resynchronization of a re-protected item is not supported yet",
                    "wait: the resynchronization happens automatically; if replication cannot \
                     recover, disable protection",
                    RULE_RESYNC_FAILBACK,
                ));
            }
            if eligible {
                Ok(())
            } else {
                Err(refuse(
                    format!("resynchronize applies to a protected item or a failed initial replication; the item is {ps} ({} phase)", ps.phase()),
                    String::new(),
                    RULE_RESYNC,
                ))
            }
        }
        // Handled above; kept for exhaustiveness.
        OperationKind::TestFailover
        | OperationKind::CleanupTestFailover
        | OperationKind::DisableProtection => Ok(()),
    }
}

/// The rule behind the local verdict on `kind` in `state`, for documentation of a transition.
pub(crate) fn rule_for(kind: OperationKind) -> &'static str {
    match kind {
        OperationKind::EnableProtection => RULE_ENABLE,
        OperationKind::TestFailover => RULE_TFO,
        OperationKind::CleanupTestFailover => RULE_TFO_CLEANUP,
        OperationKind::PlannedFailover | OperationKind::UnplannedFailover => RULE_FAILOVER,
        OperationKind::Failback => RULE_FAILBACK,
        OperationKind::Commit => RULE_COMMIT,
        OperationKind::CancelFailover => RULE_CANCEL,
        OperationKind::ChangeRecoveryPoint => RULE_CHANGE_RP,
        OperationKind::Reprotect => RULE_REPROTECT,
        OperationKind::Resynchronize => RULE_RESYNC,
        OperationKind::DisableProtection => RULE_DISABLE,
    }
}

/// The retry rule, for notes on transitions out of a failed state.
pub(crate) fn retry_rule() -> &'static str {
    RULE_RETRY
}

/// "What to do instead": the operations the local rules allow from here, in words.
fn remedy_from(state: &ItemState) -> String {
    let allowed: Vec<&str> = OperationKind::ALL
        .iter()
        .filter(|k| {
            let op = match k {
                OperationKind::DisableProtection => Operation::DisableProtection { force: true },
                other => other.with_defaults(),
            };
            decide(state, &op).is_ok()
        })
        .map(|k| k.as_str())
        .collect();
    let hint = match state.protection_state.phase() {
        Phase::InitialReplication if !state.protection_state.is_failed() => {
            "wait until initial replication completes"
        }
        _ => "",
    };
    let list = if allowed.is_empty() {
        "nothing".to_owned()
    } else {
        allowed.join(", ")
    };
    if hint.is_empty() {
        format!("allowed now: {list}")
    } else {
        format!("{hint}; allowed now: {list}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TestFailoverState;

    #[test]
    fn a_test_failover_outstanding_blocks_a_new_one_until_cleanup() {
        let s = ItemState::new(
            ProtectionState::Protected,
            TestFailoverState::TestFailoverCompleted,
        );
        let v = local(&s, &OperationKind::TestFailover.with_defaults()).unwrap_err();
        assert!(v.remedy.contains("clean up"), "{}", v.remedy);
        assert!(local(&s, &Operation::CleanupTestFailover).is_ok());
    }
}
