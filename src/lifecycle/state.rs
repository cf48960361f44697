//! The input of the state machine: what the lifecycle needs to know about a protected item.

use crate::model::{
    JobState, Phase, ProtectedItem, ProtectedItemActiveLocation, ProtectedItemCustomProperties,
    ProtectedItemJob, ProtectionState, ResynchronizationState, TestFailoverState,
};
use chrono::{DateTime, Utc};
use std::fmt;

/// Which way the item replicates, and so which way its next failover goes.
///
/// * `Forward`: the VM runs on the primary (source) stamp and replicates to the recovery
///   (target) stamp; a failover moves it to the recovery stamp.
/// * `Failback`: the item was re-protected after a committed failover: the VM runs on the
///   recovery stamp and replicates back to the primary stamp; its planned failover is the
///   failback \[PROT: "failback ... Run re-protect ... then run the planned failover"\].
///
/// A direction names a *protection cycle*: it stays `Failback` through the failback's planned
/// failover and commit, which is how a committed failback (after which protection cannot be
/// re-enabled) is told apart from a committed forward failover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// Primary → recovery.
    #[default]
    Forward,
    /// Recovery → primary (re-protected).
    Failback,
}

impl Direction {
    /// Where the workload runs before a failover in this direction.
    pub fn source(&self) -> ProtectedItemActiveLocation {
        match self {
            Direction::Forward => ProtectedItemActiveLocation::Primary,
            Direction::Failback => ProtectedItemActiveLocation::Recovery,
        }
    }

    /// Where the workload runs after a failover in this direction.
    pub fn target(&self) -> ProtectedItemActiveLocation {
        match self {
            Direction::Forward => ProtectedItemActiveLocation::Recovery,
            Direction::Failback => ProtectedItemActiveLocation::Primary,
        }
    }

    /// `"forward"` or `"failback"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Direction::Forward => "forward",
            Direction::Failback => "failback",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the lifecycle knows about one protected item.
///
/// Build it from a resource with [`ItemState::from_item`], or directly (tests, the emulator)
/// with [`ItemState::new`] and the `with_*` methods. [`ItemState::absent`] stands for a VM that
/// has no protected item (yet, or any more): only enabling protection applies to it.
///
/// ```
/// use azs_site_recovery::lifecycle::{Direction, ItemState};
/// use azs_site_recovery::model::{ProtectedItemActiveLocation, ProtectionState, TestFailoverState};
///
/// let reprotected = ItemState::new(ProtectionState::Protected, TestFailoverState::None)
///     .with_direction(Direction::Failback)
///     .with_active_location(ProtectedItemActiveLocation::Recovery);
/// assert!(reprotected.is_reprotected());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ItemState {
    /// `false` when there is no protected item (never enabled, or deleted).
    pub exists: bool,
    /// `protectionState` (an item that does not report one reads as `Unknown("")`).
    pub protection_state: ProtectionState,
    /// `testFailoverState` (missing reads as `None`).
    pub test_failover_state: TestFailoverState,
    /// `resynchronizationState` (missing reads as `None`).
    pub resynchronization_state: ResynchronizationState,
    /// `customProperties.activeLocation`: where the workload runs now, if reported.
    pub active_location: Option<ProtectedItemActiveLocation>,
    /// The replication direction of the current protection cycle; see [`Direction`].
    pub direction: Direction,
    /// `currentJob`, if the service reports one.
    pub current_job: Option<ProtectedItemJob>,
    /// `allowedJobs`, verbatim, if the service reports it.
    pub allowed_jobs: Option<Vec<String>>,
    /// `resyncRequired`, if reported.
    pub resync_required: Option<bool>,
    /// `lastSuccessfulTestFailoverTime`, if reported (for the 180-day test failover advice).
    pub last_successful_test_failover: Option<DateTime<Utc>>,
}

impl ItemState {
    /// An existing item in the given states; replicating forward, no job, no `allowedJobs`.
    pub fn new(protection_state: ProtectionState, test_failover_state: TestFailoverState) -> Self {
        ItemState {
            exists: true,
            protection_state,
            test_failover_state,
            resynchronization_state: ResynchronizationState::None,
            active_location: None,
            direction: Direction::Forward,
            current_job: None,
            allowed_jobs: None,
            resync_required: None,
            last_successful_test_failover: None,
        }
    }

    /// No protected item exists for the VM.
    pub fn absent() -> Self {
        ItemState {
            exists: false,
            ..ItemState::new(
                ProtectionState::Unknown(String::new()),
                TestFailoverState::None,
            )
        }
    }

    /// Sets the replication direction.
    pub fn with_direction(mut self, direction: Direction) -> Self {
        self.direction = direction;
        self
    }

    /// Sets the active location.
    pub fn with_active_location(mut self, location: ProtectedItemActiveLocation) -> Self {
        self.active_location = Some(location);
        self
    }

    /// Sets the resynchronization state.
    pub fn with_resynchronization_state(mut self, state: ResynchronizationState) -> Self {
        self.resynchronization_state = state;
        self
    }

    /// Sets the current job.
    pub fn with_current_job(mut self, job: ProtectedItemJob) -> Self {
        self.current_job = Some(job);
        self
    }

    /// Sets `allowedJobs`.
    pub fn with_allowed_jobs<I, S>(mut self, jobs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_jobs = Some(jobs.into_iter().map(Into::into).collect());
        self
    }

    /// Sets `resyncRequired`.
    pub fn with_resync_required(mut self, required: bool) -> Self {
        self.resync_required = Some(required);
        self
    }

    /// Sets the time of the last successful test failover.
    pub fn with_last_successful_test_failover(mut self, at: DateTime<Utc>) -> Self {
        self.last_successful_test_failover = Some(at);
        self
    }

    /// Reads the lifecycle's view of a protected item resource.
    ///
    /// `activeLocation` is read from `customProperties` when it is present there (any
    /// `instanceType`); the [`direction`](ItemState::direction) is derived from it with
    /// [`ItemState::derive_direction`]. Without `activeLocation` the direction is `Forward`:
    /// set it yourself if you know better.
    pub fn from_item(item: &ProtectedItem) -> Self {
        let Some(p) = item.properties.as_ref() else {
            return ItemState::new(
                ProtectionState::Unknown(String::new()),
                TestFailoverState::None,
            );
        };
        let active_location = p.custom_properties.as_ref().and_then(active_location_of);
        let mut state = ItemState {
            exists: true,
            protection_state: p
                .protection_state
                .clone()
                .unwrap_or_else(|| ProtectionState::Unknown(String::new())),
            test_failover_state: p
                .test_failover_state
                .clone()
                .unwrap_or(TestFailoverState::None),
            resynchronization_state: p
                .resynchronization_state
                .clone()
                .unwrap_or(ResynchronizationState::None),
            active_location,
            direction: Direction::Forward,
            current_job: p.current_job.clone(),
            allowed_jobs: p.allowed_jobs.clone(),
            resync_required: p.resync_required,
            last_successful_test_failover: p
                .last_successful_test_failover_time
                .as_ref()
                .and_then(|t| t.to_utc()),
        };
        state.direction =
            Self::derive_direction(&state.protection_state, state.active_location.as_ref());
        state
    }

    /// The direction implied by a state and the active location, under this crate's convention
    /// (inferred, not documented by Microsoft): `activeLocation` flips when a failover
    /// *completes* (`PlannedFailoverCompleted` / `UnplannedFailoverCompleted`) and flips back
    /// when a cancel completes.
    ///
    /// * before a failover completes (unprotected, initial replication, protected, a failover
    ///   initiated, completing or failed): the workload is on the direction's source, so
    ///   `Primary` means forward and `Recovery` failback;
    /// * after it completed (completed, commit, cancel, change recovery point): the workload is
    ///   on the target, so `Recovery` means forward and `Primary` failback;
    /// * re-protect: it sets up the failback cycle from the recovery stamp, so `Recovery`
    ///   means failback.
    ///
    /// Unknown location, or enabling/disabling protection: forward.
    pub fn derive_direction(
        state: &ProtectionState,
        active_location: Option<&ProtectedItemActiveLocation>,
    ) -> Direction {
        use ProtectedItemActiveLocation as L;
        use ProtectionState as S;
        if state.phase() == Phase::Unprotected {
            // Enabling or disabling: no failover can follow, the direction does not matter.
            return Direction::Forward;
        }
        let on_recovery = match active_location {
            Some(L::Recovery) => true,
            Some(L::Primary) => false,
            _ => return Direction::Forward,
        };
        let after_failover = matches!(
            state,
            S::PlannedFailoverCompleted | S::UnplannedFailoverCompleted
        ) || matches!(
            state.phase(),
            Phase::CommitFailover | Phase::CancelFailover | Phase::ChangeRecoveryPoint
        );
        let failback = if after_failover {
            !on_recovery
        } else {
            on_recovery
        };
        if failback {
            Direction::Failback
        } else {
            Direction::Forward
        }
    }

    /// `true` when a job runs on the item: `currentJob` is present and neither its state is
    /// terminal nor does it have an end time.
    pub fn job_in_flight(&self) -> bool {
        let Some(job) = &self.current_job else {
            return false;
        };
        if job.end_time.is_some() {
            return false;
        }
        !matches!(
            job.state.as_deref().map(JobState::parse),
            Some(
                JobState::Succeeded
                    | JobState::Failed
                    | JobState::Cancelled
                    | JobState::CompletedWithInformation
                    | JobState::CompletedWithWarnings
                    | JobState::CompletedWithErrors,
            )
        )
    }

    /// `true` while any operation is in flight: a running job, a transitional protection or
    /// test failover state, or a resynchronization in progress.
    pub fn operation_in_flight(&self) -> bool {
        self.job_in_flight()
            || self.protection_state.is_transitional()
            || self.test_failover_state.is_transitional()
            || self.resynchronization_state.is_in_progress()
    }

    /// `true` when the item is `Protected` and replicates back (recovery → primary).
    pub fn is_reprotected(&self) -> bool {
        self.exists
            && self.protection_state == ProtectionState::Protected
            && self.direction == Direction::Failback
    }

    /// `true` when a failback has been committed: the end of the documented lifecycle, after
    /// which protection cannot be re-enabled \[PROT\].
    pub fn is_failback_committed(&self) -> bool {
        self.exists
            && self.protection_state == ProtectionState::CommitFailoverCompleted
            && self.direction == Direction::Failback
    }

    /// A compact description of the state, for refusals and logs.
    pub fn summary(&self) -> StateSummary {
        StateSummary {
            exists: self.exists,
            protection_state: self.protection_state.clone(),
            test_failover_state: self.test_failover_state.clone(),
            resynchronization_state: self.resynchronization_state.clone(),
            active_location: self.active_location.clone(),
            direction: self.direction,
            current_job: self.current_job.as_ref().and_then(|j| {
                j.scenario_name
                    .clone()
                    .or_else(|| j.display_name.clone())
                    .or_else(|| j.name.clone())
            }),
        }
    }
}

fn active_location_of(
    custom: &ProtectedItemCustomProperties,
) -> Option<ProtectedItemActiveLocation> {
    custom.active_location().cloned()
}

/// The state of an item as a refusal reports it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StateSummary {
    /// Whether the protected item exists.
    pub exists: bool,
    /// `protectionState`.
    pub protection_state: ProtectionState,
    /// `testFailoverState`.
    pub test_failover_state: TestFailoverState,
    /// `resynchronizationState`.
    pub resynchronization_state: ResynchronizationState,
    /// `activeLocation`, if known.
    pub active_location: Option<ProtectedItemActiveLocation>,
    /// The replication direction.
    pub direction: Direction,
    /// The scenario (or name) of the current job, if any.
    pub current_job: Option<String>,
}

impl fmt::Display for StateSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.exists {
            return f.write_str("no protected item");
        }
        let ps = self.protection_state.as_str();
        write!(
            f,
            "protectionState={}, testFailoverState={}",
            if ps.is_empty() { "(not reported)" } else { ps },
            self.test_failover_state
        )?;
        if self.resynchronization_state != ResynchronizationState::None {
            write!(
                f,
                ", resynchronizationState={}",
                self.resynchronization_state
            )?;
        }
        write!(f, ", direction={}", self.direction)?;
        if let Some(l) = &self.active_location {
            write!(f, ", activeLocation={l}")?;
        }
        if let Some(j) = &self.current_job {
            write!(f, ", currentJob={j}")?;
        }
        Ok(())
    }
}
