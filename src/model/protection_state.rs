//! Helpers over the state enums: which phase a `protectionState` belongs to, whether it is a
//! transition in flight, a failure, or one of the spec's range markers.
//!
//! Source: the `ProtectionState`, `TestFailoverState` and `ResynchronizationState` enums of the
//! `Microsoft.DataReplication` specs (all api-versions list the same values in the same order).
//! The spec groups protection states between `*StatesBegin`/`*StatesEnd` markers; [`Phase`] is
//! that grouping. Which states are "in flight" and which are "failed" is read from the value
//! names and the spec's descriptions (`...Initiated`, `...InProgress...`, `...Completing` are in
//! flight; `...Failed...` are failures).

use crate::model::enums::{ProtectionState, ResynchronizationState, TestFailoverState};
use std::fmt;

/// The group of `protectionState` values a state belongs to (the spec's `*StatesBegin` ..
/// `*StatesEnd` ranges).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Enabling or disabling protection (`UnprotectedStatesBegin` .. `UnprotectedStatesEnd`).
    Unprotected,
    /// The first full copy of the disks (`InitialReplicationStatesBegin` ..).
    InitialReplication,
    /// Replicating (`ProtectedStatesBegin` .. `ProtectedStatesEnd`).
    Protected,
    /// A planned failover (`PlannedFailoverTransitionStatesBegin` ..).
    PlannedFailover,
    /// An unplanned failover (`UnplannedFailoverTransitionStatesBegin` ..).
    UnplannedFailover,
    /// Committing a failover (`CommitFailoverStatesBegin` ..).
    CommitFailover,
    /// Cancelling a failover (`CancelFailoverStatesBegin` ..).
    CancelFailover,
    /// Changing the recovery point of a failed-over item (`ChangeRecoveryPointStatesBegin` ..).
    ChangeRecoveryPoint,
    /// Re-protecting (`ReprotectStatesBegin` ..).
    Reprotect,
    /// A value this crate does not know.
    Unknown,
}

impl Phase {
    /// The phase in words, e.g. `"planned failover"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Phase::Unprotected => "unprotected",
            Phase::InitialReplication => "initial replication",
            Phase::Protected => "protected",
            Phase::PlannedFailover => "planned failover",
            Phase::UnplannedFailover => "unplanned failover",
            Phase::CommitFailover => "commit failover",
            Phase::CancelFailover => "cancel failover",
            Phase::ChangeRecoveryPoint => "change recovery point",
            Phase::Reprotect => "re-protect",
            Phase::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ProtectionState {
    /// The phase (spec range) this state belongs to; range markers belong to their own range.
    ///
    /// ```
    /// use azs_site_recovery::model::{Phase, ProtectionState};
    /// assert_eq!(ProtectionState::PlannedFailoverCompleting.phase(), Phase::PlannedFailover);
    /// assert_eq!(ProtectionState::parse("SomethingNew").phase(), Phase::Unknown);
    /// ```
    pub fn phase(&self) -> Phase {
        use ProtectionState as S;
        match self {
            S::UnprotectedStatesBegin
            | S::EnablingProtection
            | S::EnablingFailed
            | S::DisablingProtection
            | S::MarkedForDeletion
            | S::DisablingFailed
            | S::UnprotectedStatesEnd => Phase::Unprotected,
            S::InitialReplicationStatesBegin
            | S::InitialReplicationInProgress
            | S::InitialReplicationCompletedOnPrimary
            | S::InitialReplicationCompletedOnRecovery
            | S::InitialReplicationFailed
            | S::InitialReplicationStatesEnd => Phase::InitialReplication,
            S::ProtectedStatesBegin | S::Protected | S::ProtectedStatesEnd => Phase::Protected,
            S::PlannedFailoverTransitionStatesBegin
            | S::PlannedFailoverInitiated
            | S::PlannedFailoverCompleting
            | S::PlannedFailoverCompleted
            | S::PlannedFailoverFailed
            | S::PlannedFailoverCompletionFailed
            | S::PlannedFailoverTransitionStatesEnd => Phase::PlannedFailover,
            S::UnplannedFailoverTransitionStatesBegin
            | S::UnplannedFailoverInitiated
            | S::UnplannedFailoverCompleting
            | S::UnplannedFailoverCompleted
            | S::UnplannedFailoverFailed
            | S::UnplannedFailoverCompletionFailed
            | S::UnplannedFailoverTransitionStatesEnd => Phase::UnplannedFailover,
            S::CommitFailoverStatesBegin
            | S::CommitFailoverInProgressOnPrimary
            | S::CommitFailoverInProgressOnRecovery
            | S::CommitFailoverCompleted
            | S::CommitFailoverFailedOnPrimary
            | S::CommitFailoverFailedOnRecovery
            | S::CommitFailoverStatesEnd => Phase::CommitFailover,
            S::CancelFailoverStatesBegin
            | S::CancelFailoverInProgressOnPrimary
            | S::CancelFailoverInProgressOnRecovery
            | S::CancelFailoverFailedOnPrimary
            | S::CancelFailoverFailedOnRecovery
            | S::CancelFailoverStatesEnd => Phase::CancelFailover,
            S::ChangeRecoveryPointStatesBegin
            | S::ChangeRecoveryPointInitiated
            | S::ChangeRecoveryPointCompleted
            | S::ChangeRecoveryPointFailed
            | S::ChangeRecoveryPointStatesEnd => Phase::ChangeRecoveryPoint,
            S::ReprotectStatesBegin
            | S::ReprotectInitiated
            | S::ReprotectFailed
            | S::ReprotectStatesEnd => Phase::Reprotect,
            _ => Phase::Unknown,
        }
    }

    /// `true` for the spec's `*StatesBegin` / `*StatesEnd` values: range markers, not states an
    /// item is ever in.
    pub fn is_range_marker(&self) -> bool {
        !self.is_unknown()
            && (self.as_str().ends_with("StatesBegin") || self.as_str().ends_with("StatesEnd"))
    }

    /// `true` while the service is working on the item: an operation is in flight and will end
    /// in another state by itself (`...Initiated`, `...InProgress...`, `...Completing`, the
    /// initial replication steps, `EnablingProtection`, `DisablingProtection`, and
    /// `MarkedForDeletion`, which the spec calls "a transient state before the protected item is
    /// deleted").
    ///
    /// ```
    /// use azs_site_recovery::model::ProtectionState;
    /// assert!(ProtectionState::CommitFailoverInProgressOnRecovery.is_transitional());
    /// assert!(!ProtectionState::Protected.is_transitional());
    /// assert!(!ProtectionState::PlannedFailoverFailed.is_transitional());
    /// ```
    pub fn is_transitional(&self) -> bool {
        use ProtectionState as S;
        matches!(
            self,
            S::EnablingProtection
                | S::DisablingProtection
                | S::MarkedForDeletion
                | S::InitialReplicationInProgress
                | S::InitialReplicationCompletedOnPrimary
                | S::InitialReplicationCompletedOnRecovery
                | S::PlannedFailoverInitiated
                | S::PlannedFailoverCompleting
                | S::UnplannedFailoverInitiated
                | S::UnplannedFailoverCompleting
                | S::CommitFailoverInProgressOnPrimary
                | S::CommitFailoverInProgressOnRecovery
                | S::CancelFailoverInProgressOnPrimary
                | S::CancelFailoverInProgressOnRecovery
                | S::ChangeRecoveryPointInitiated
                | S::ReprotectInitiated
        )
    }

    /// `true` when the last step failed (`EnablingFailed`, `InitialReplicationFailed`,
    /// `PlannedFailoverCompletionFailed`, `CommitFailoverFailedOnPrimary`, ...).
    pub fn is_failed(&self) -> bool {
        use ProtectionState as S;
        matches!(
            self,
            S::EnablingFailed
                | S::DisablingFailed
                | S::InitialReplicationFailed
                | S::PlannedFailoverFailed
                | S::PlannedFailoverCompletionFailed
                | S::UnplannedFailoverFailed
                | S::UnplannedFailoverCompletionFailed
                | S::CommitFailoverFailedOnPrimary
                | S::CommitFailoverFailedOnRecovery
                | S::CancelFailoverFailedOnPrimary
                | S::CancelFailoverFailedOnRecovery
                | S::ChangeRecoveryPointFailed
                | S::ReprotectFailed
        )
    }

    /// `true` for a state the item rests in until a user acts: `Protected`, a completed
    /// failover awaiting commit, a committed failover, a changed recovery point.
    pub fn is_stable(&self) -> bool {
        use ProtectionState as S;
        matches!(
            self,
            S::Protected
                | S::PlannedFailoverCompleted
                | S::UnplannedFailoverCompleted
                | S::CommitFailoverCompleted
                | S::ChangeRecoveryPointCompleted
        )
    }

    /// `true` when a failover has completed and is not committed yet: the workload runs on the
    /// failover target and the failover can still be committed, cancelled or moved to another
    /// recovery point.
    pub fn is_failed_over_uncommitted(&self) -> bool {
        use ProtectionState as S;
        matches!(
            self,
            S::PlannedFailoverCompleted
                | S::UnplannedFailoverCompleted
                | S::ChangeRecoveryPointCompleted
                | S::ChangeRecoveryPointFailed
        )
    }
}

impl TestFailoverState {
    /// `true` when no test failover exists (`None`).
    pub fn is_none(&self) -> bool {
        matches!(self, TestFailoverState::None)
    }

    /// `true` while a test failover or its cleanup is running (`TestFailoverInitiated`,
    /// `TestFailoverCompleting`, `TestFailoverCleanupInitiated`, `TestFailoverCleanupCompleting`,
    /// and `MarkedForDeletion`, "a transient state before the state is moved back to None").
    pub fn is_transitional(&self) -> bool {
        use TestFailoverState as T;
        matches!(
            self,
            T::TestFailoverInitiated
                | T::TestFailoverCompleting
                | T::TestFailoverCleanupInitiated
                | T::TestFailoverCleanupCompleting
                | T::MarkedForDeletion
        )
    }

    /// `true` when the test failover failed (`TestFailoverFailed`,
    /// `TestFailoverCompletionFailed`).
    pub fn is_failed(&self) -> bool {
        matches!(
            self,
            TestFailoverState::TestFailoverFailed | TestFailoverState::TestFailoverCompletionFailed
        )
    }

    /// `true` when a finished test failover (completed or failed) waits for its cleanup.
    ///
    /// ```
    /// use azs_site_recovery::model::TestFailoverState;
    /// assert!(TestFailoverState::TestFailoverCompleted.needs_cleanup());
    /// assert!(TestFailoverState::TestFailoverFailed.needs_cleanup());
    /// assert!(!TestFailoverState::None.needs_cleanup());
    /// ```
    pub fn needs_cleanup(&self) -> bool {
        matches!(self, TestFailoverState::TestFailoverCompleted) || self.is_failed()
    }
}

impl ResynchronizationState {
    /// `true` while a resynchronization runs (`ResynchronizationInitiated`).
    pub fn is_in_progress(&self) -> bool {
        matches!(self, ResynchronizationState::ResynchronizationInitiated)
    }

    /// `true` when the last resynchronization failed.
    pub fn is_failed(&self) -> bool {
        matches!(self, ResynchronizationState::ResynchronizationFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_state_has_a_phase_and_exactly_one_kind() {
        for s in ProtectionState::KNOWN {
            assert_ne!(s.phase(), Phase::Unknown, "{s}");
            let kinds = [
                s.is_range_marker(),
                s.is_transitional(),
                s.is_failed(),
                s.is_stable(),
            ];
            assert_eq!(
                kinds.iter().filter(|k| **k).count(),
                1,
                "{s} must be exactly one of marker/transitional/failed/stable"
            );
        }
    }

    #[test]
    fn range_markers_are_the_eighteen_begin_end_values() {
        let markers: Vec<_> = ProtectionState::KNOWN
            .iter()
            .filter(|s| s.is_range_marker())
            .collect();
        assert_eq!(markers.len(), 18);
        assert!(!ProtectionState::parse("FooStatesEnd").is_range_marker());
    }

    #[test]
    fn test_failover_helpers() {
        let outstanding: Vec<_> = TestFailoverState::KNOWN
            .iter()
            .filter(|t| t.needs_cleanup())
            .collect();
        assert_eq!(outstanding.len(), 3);
        assert!(TestFailoverState::MarkedForDeletion.is_transitional());
        assert!(!TestFailoverState::parse("New").is_transitional());
    }
}
