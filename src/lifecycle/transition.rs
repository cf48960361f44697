//! What an accepted operation does to an item: the states it passes through, where it ends,
//! and where it lands when the job fails. Data-rich so a server (the emulator) can apply each
//! step in turn.
//!
//! The intermediate states follow the order of the spec's enum values within each range
//! (`...Initiated` → `...Completing` → `...Completed`; `...OnPrimary` → `...OnRecovery`), and the
//! failure of a step lands in the matching `...Failed` value. That order is read from the spec's
//! enums (the specs' enums and protected-item operations); the service does not document it further (inferred).

use super::operation::Operation;
use super::state::{Direction, ItemState};
use crate::model::{
    ProtectedItemActiveLocation, ProtectionState, ResynchronizationState, TestFailoverState,
};

/// A change to some fields of an [`ItemState`]; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct ItemStatePatch {
    /// New `protectionState`.
    pub protection_state: Option<ProtectionState>,
    /// New `testFailoverState`.
    pub test_failover_state: Option<TestFailoverState>,
    /// New `resynchronizationState`.
    pub resynchronization_state: Option<ResynchronizationState>,
    /// New `activeLocation`.
    pub active_location: Option<ProtectedItemActiveLocation>,
    /// New direction.
    pub direction: Option<Direction>,
    /// `true` when the item no longer exists after this step (protection disabled).
    pub deleted: bool,
}

impl ItemStatePatch {
    /// Applies the patch to a state.
    pub fn apply(&self, state: &mut ItemState) {
        if let Some(v) = &self.protection_state {
            state.protection_state = v.clone();
        }
        if let Some(v) = &self.test_failover_state {
            state.test_failover_state = v.clone();
        }
        if let Some(v) = &self.resynchronization_state {
            state.resynchronization_state = v.clone();
        }
        if let Some(v) = &self.active_location {
            state.active_location = Some(v.clone());
        }
        if let Some(v) = self.direction {
            state.direction = v;
        }
        if self.deleted {
            state.exists = false;
        } else if self.protection_state.is_some() {
            state.exists = true;
        }
    }

    /// The patched copy of a state.
    pub fn applied_to(&self, state: &ItemState) -> ItemState {
        let mut s = state.clone();
        self.apply(&mut s);
        s
    }

    fn ps(state: ProtectionState) -> Self {
        ItemStatePatch {
            protection_state: Some(state),
            ..Default::default()
        }
    }

    fn tfo(state: TestFailoverState) -> Self {
        ItemStatePatch {
            test_failover_state: Some(state),
            ..Default::default()
        }
    }

    fn resync(state: ResynchronizationState) -> Self {
        ItemStatePatch {
            resynchronization_state: Some(state),
            ..Default::default()
        }
    }

    fn located(mut self, location: ProtectedItemActiveLocation) -> Self {
        self.active_location = Some(location);
        self
    }

    fn directed(mut self, direction: Direction) -> Self {
        self.direction = Some(direction);
        self
    }
}

/// One intermediate state of an operation, and where the item lands if the job fails there.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Step {
    /// What the step is, in words.
    pub description: &'static str,
    /// The state the item shows during this step.
    pub patch: ItemStatePatch,
    /// Where the item lands if the job fails during this step.
    pub on_failure: ItemStatePatch,
}

/// What an accepted operation does.
///
/// ```
/// use azs_site_recovery::lifecycle::{self, ItemState, Operation};
/// use azs_site_recovery::model::{ProtectionState, TestFailoverState};
///
/// let failed_over = ItemState::new(ProtectionState::PlannedFailoverCompleted, TestFailoverState::None);
/// let t = lifecycle::check(&failed_over, &Operation::Reprotect).unwrap();
/// assert!(t.commits_first); // re-protect of an uncommitted failover commits first
/// assert_eq!(t.final_state(&failed_over).protection_state, ProtectionState::Protected);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Transition {
    /// The operation.
    pub operation: Operation,
    /// The job scenario the service runs for it (inferred names, e.g. `"PlannedFailover"`).
    pub job_name: &'static str,
    /// The intermediate states, in order.
    pub steps: Vec<Step>,
    /// The state the item ends in when the job succeeds.
    pub on_success: ItemStatePatch,
    /// Where the item lands if the job fails before its first step shows (the first step's
    /// failure state; each [`Step`] has its own).
    pub on_failure: ItemStatePatch,
    /// `true` for a re-protect of an uncommitted failover: it commits first, so it takes
    /// longer \[PROT\].
    pub commits_first: bool,
    /// `true` when this planned failover is a failback (the item was re-protected).
    pub is_failback: bool,
    /// Things the user should know (advice from the product document, inferences).
    pub notes: Vec<String>,
}

impl Transition {
    /// Every state the item passes through, from `from`, ending with the final one.
    pub fn states(&self, from: &ItemState) -> Vec<ItemState> {
        let mut cur = from.clone();
        let mut out = Vec::with_capacity(self.steps.len() + 1);
        for step in &self.steps {
            step.patch.apply(&mut cur);
            out.push(cur.clone());
        }
        self.on_success.apply(&mut cur);
        out.push(cur);
        out
    }

    /// The state the item ends in when the operation succeeds.
    pub fn final_state(&self, from: &ItemState) -> ItemState {
        let mut cur = from.clone();
        for step in &self.steps {
            step.patch.apply(&mut cur);
        }
        self.on_success.apply(&mut cur);
        cur
    }

    /// The state the item lands in when the job fails during step `step` (0-based; past the
    /// last step means "while completing").
    pub fn failed_state(&self, from: &ItemState, step: usize) -> ItemState {
        let mut cur = from.clone();
        for s in self.steps.iter().take(step) {
            s.patch.apply(&mut cur);
        }
        let failure = self
            .steps
            .get(step)
            .or(self.steps.last())
            .map(|s| &s.on_failure)
            .unwrap_or(&self.on_failure);
        failure.apply(&mut cur);
        cur
    }
}

fn step(description: &'static str, patch: ItemStatePatch, on_failure: ItemStatePatch) -> Step {
    Step {
        description,
        patch,
        on_failure,
    }
}

fn initial_replication_steps() -> Vec<Step> {
    use ProtectionState as S;
    let fail = || ItemStatePatch::ps(S::InitialReplicationFailed);
    vec![
        step(
            "initial replication: copying the disks",
            ItemStatePatch::ps(S::InitialReplicationInProgress),
            fail(),
        ),
        step(
            "initial replication completed on the primary side",
            ItemStatePatch::ps(S::InitialReplicationCompletedOnPrimary),
            fail(),
        ),
        step(
            "initial replication completed on the recovery side",
            ItemStatePatch::ps(S::InitialReplicationCompletedOnRecovery),
            fail(),
        ),
    ]
}

fn commit_steps() -> Vec<Step> {
    use ProtectionState as S;
    vec![
        step(
            "committing the failover on the primary side",
            ItemStatePatch::ps(S::CommitFailoverInProgressOnPrimary),
            ItemStatePatch::ps(S::CommitFailoverFailedOnPrimary),
        ),
        step(
            "committing the failover on the recovery side",
            ItemStatePatch::ps(S::CommitFailoverInProgressOnRecovery),
            ItemStatePatch::ps(S::CommitFailoverFailedOnRecovery),
        ),
    ]
}

/// Builds the transition of `op` from `state`, whatever the rules say (the rules decide
/// whether it is allowed; this decides what it does).
pub(crate) fn plan(state: &ItemState, op: &Operation) -> Transition {
    use ProtectionState as S;
    use TestFailoverState as T;
    let dir = state.direction;
    let mut t = Transition {
        operation: op.clone(),
        job_name: "",
        steps: Vec::new(),
        on_success: ItemStatePatch::default(),
        on_failure: ItemStatePatch::default(),
        commits_first: false,
        is_failback: false,
        notes: Vec::new(),
    };
    match op {
        Operation::EnableProtection => {
            t.job_name = "EnableProtection";
            t.steps.push(step(
                "enabling protection",
                ItemStatePatch {
                    protection_state: Some(S::EnablingProtection),
                    test_failover_state: Some(T::None),
                    resynchronization_state: Some(ResynchronizationState::None),
                    active_location: Some(ProtectedItemActiveLocation::Primary),
                    direction: Some(Direction::Forward),
                    deleted: false,
                },
                ItemStatePatch::ps(S::EnablingFailed),
            ));
            t.steps.extend(initial_replication_steps());
            t.on_success = ItemStatePatch::ps(S::Protected);
        }
        Operation::TestFailover { .. } => {
            t.job_name = "TestFailover";
            t.steps.push(step(
                "creating the test failover VM",
                ItemStatePatch::tfo(T::TestFailoverInitiated),
                ItemStatePatch::tfo(T::TestFailoverFailed),
            ));
            t.steps.push(step(
                "completing the test failover",
                ItemStatePatch::tfo(T::TestFailoverCompleting),
                ItemStatePatch::tfo(T::TestFailoverCompletionFailed),
            ));
            t.on_success = ItemStatePatch::tfo(T::TestFailoverCompleted);
            t.notes.push(
                "replication keeps running during a test failover; the test VM runs beside the \
                 source VM, which may affect your application [PROT]"
                    .into(),
            );
        }
        Operation::CleanupTestFailover => {
            t.job_name = "TestFailoverCleanup";
            // There is no "cleanup failed" value: a failed cleanup returns to the state before
            // it (inferred), so the cleanup can be retried.
            let back = ItemStatePatch::tfo(state.test_failover_state.clone());
            t.steps.push(step(
                "deleting the test failover VM and test resources",
                ItemStatePatch::tfo(T::TestFailoverCleanupInitiated),
                back.clone(),
            ));
            t.steps.push(step(
                "completing the cleanup",
                ItemStatePatch::tfo(T::TestFailoverCleanupCompleting),
                back.clone(),
            ));
            t.steps.push(step(
                "cleanup done (transient state before None)",
                ItemStatePatch::tfo(T::MarkedForDeletion),
                back,
            ));
            t.on_success = ItemStatePatch::tfo(T::None);
        }
        Operation::PlannedFailover { .. } | Operation::Failback { .. } => {
            t.job_name = "PlannedFailover";
            t.is_failback = dir == Direction::Failback;
            t.steps.push(step(
                "failover initiated",
                ItemStatePatch::ps(S::PlannedFailoverInitiated),
                ItemStatePatch::ps(S::PlannedFailoverFailed),
            ));
            t.steps.push(step(
                "failover completing",
                ItemStatePatch::ps(S::PlannedFailoverCompleting),
                ItemStatePatch::ps(S::PlannedFailoverCompletionFailed),
            ));
            t.on_success = ItemStatePatch::ps(S::PlannedFailoverCompleted).located(dir.target());
            if t.is_failback {
                t.notes.push(
                    "this planned failover is a failback: the VM on the primary stamp is \
                     recreated from the replica disks (or its disks are replaced); commit it \
                     afterwards, which deletes the failed-over VM on the recovery stamp [PROT]"
                        .into(),
                );
            }
        }
        Operation::UnplannedFailover { .. } => {
            t.job_name = "UnplannedFailover";
            t.is_failback = dir == Direction::Failback;
            t.steps.push(step(
                "failover initiated",
                ItemStatePatch::ps(S::UnplannedFailoverInitiated),
                ItemStatePatch::ps(S::UnplannedFailoverFailed),
            ));
            t.steps.push(step(
                "failover completing",
                ItemStatePatch::ps(S::UnplannedFailoverCompleting),
                ItemStatePatch::ps(S::UnplannedFailoverCompletionFailed),
            ));
            t.on_success = ItemStatePatch::ps(S::UnplannedFailoverCompleted).located(dir.target());
        }
        Operation::Commit => {
            t.job_name = "CommitFailover";
            t.steps = commit_steps();
            t.on_success = ItemStatePatch::ps(S::CommitFailoverCompleted);
            if dir == Direction::Failback {
                t.notes.push(
                    "committing a failback deletes the failed-over VM on the recovery stamp; \
                     afterwards protection cannot be re-enabled for this VM [PROT]"
                        .into(),
                );
            }
        }
        Operation::CancelFailover => {
            t.job_name = "CancelFailover";
            t.steps.push(step(
                "cancelling the failover on the primary side",
                ItemStatePatch::ps(S::CancelFailoverInProgressOnPrimary),
                ItemStatePatch::ps(S::CancelFailoverFailedOnPrimary),
            ));
            t.steps.push(step(
                "cancelling the failover on the recovery side",
                ItemStatePatch::ps(S::CancelFailoverInProgressOnRecovery),
                ItemStatePatch::ps(S::CancelFailoverFailedOnRecovery),
            ));
            t.on_success = ItemStatePatch::ps(S::Protected).located(dir.source());
        }
        Operation::ChangeRecoveryPoint { .. } => {
            t.job_name = "ChangeRecoveryPoint";
            t.steps.push(step(
                "applying the recovery point",
                ItemStatePatch::ps(S::ChangeRecoveryPointInitiated),
                ItemStatePatch::ps(S::ChangeRecoveryPointFailed),
            ));
            t.on_success = ItemStatePatch::ps(S::ChangeRecoveryPointCompleted);
        }
        Operation::Reprotect => {
            t.job_name = "Reprotect";
            t.commits_first = state.protection_state.is_failed_over_uncommitted();
            if t.commits_first {
                t.steps = commit_steps();
                t.notes.push(
                    "the failover is not committed: re-protect commits it first and then \
                     re-protects, so it takes longer [PROT]"
                        .into(),
                );
            }
            t.steps.push(step(
                "re-protect initiated: source VM shut down, its disks attached to the appliance \
                 as replicas",
                ItemStatePatch::ps(S::ReprotectInitiated)
                    .located(ProtectedItemActiveLocation::Recovery)
                    .directed(Direction::Failback),
                ItemStatePatch::ps(S::ReprotectFailed),
            ));
            t.steps.extend(initial_replication_steps());
            t.on_success = ItemStatePatch::ps(S::Protected);
            t.notes.push(
                "re-protect needs the original source subscription, resource group and \
                 virtual network/subnet of the primary NIC on the primary stamp, free appliance \
                 data-disk slots (at most 31 disks at a time on the default appliance) and, for \
                 Linux VMs, the Site Recovery certificate trusted [PROT][KI]"
                    .into(),
            );
        }
        Operation::Resynchronize => {
            t.job_name = "Resynchronize";
            let from_failed_ir = state.protection_state == S::InitialReplicationFailed;
            let mut first =
                ItemStatePatch::resync(ResynchronizationState::ResynchronizationInitiated);
            let mut fail = ItemStatePatch::resync(ResynchronizationState::ResynchronizationFailed);
            if from_failed_ir {
                first.protection_state = Some(S::InitialReplicationInProgress);
                fail.protection_state = Some(S::InitialReplicationFailed);
            }
            t.steps.push(step("copying the disks again", first, fail));
            t.on_success =
                ItemStatePatch::resync(ResynchronizationState::ResynchronizationCompleted);
            if from_failed_ir {
                t.on_success.protection_state = Some(S::Protected);
            }
            if state.resync_required == Some(false) {
                t.notes.push(
                    "the service reports resyncRequired=false: a resynchronization copies the \
                     disks again although the service does not ask for it"
                        .into(),
                );
            }
        }
        Operation::DisableProtection { force } => {
            t.job_name = "DisableProtection";
            t.steps.push(step(
                "disabling protection",
                ItemStatePatch::ps(S::DisablingProtection),
                ItemStatePatch::ps(S::DisablingFailed),
            ));
            t.steps.push(step(
                "disabled; the item is about to be deleted",
                ItemStatePatch::ps(S::MarkedForDeletion),
                ItemStatePatch::ps(S::DisablingFailed),
            ));
            t.on_success = ItemStatePatch {
                deleted: true,
                ..Default::default()
            };
            if *force {
                t.notes.push(
                    "force deletes the protected item even if the service cannot clean up; \
                     remove leftovers (the agent, replica disks) yourself"
                        .into(),
                );
            }
        }
    }
    t.on_failure = t
        .steps
        .first()
        .map(|s| s.on_failure.clone())
        .unwrap_or_default();
    t
}
