//! The protection lifecycle of a protected item, as a pure state machine.
//!
//! enable protection → initial replication → protected → test failover → clean up → failover
//! (planned or unplanned) → commit → re-protect → failback (planned failover back) → commit →
//! disable. Layer 0: no I/O, no async, no clock of its own (time is passed in with
//! [`Lifecycle::at`]). The client uses it to refuse an invalid operation before sending it; the
//! emulator uses the same [`Transition`]s to decide what the service does, so they cannot drift
//! apart.
//!
//! Given an [`ItemState`] (`protectionState` × `testFailoverState` × `resynchronizationState`,
//! the active location and [`Direction`], the current job and the service's `allowedJobs`):
//! * [`allowed_operations`] lists what can be done now;
//! * [`check`] answers for one [`Operation`]: a [`Transition`] (the states it passes through,
//!   where it ends, where it lands on failure) or a [`Refusal`] (the state, why, what to do).
//!
//! Where the service's `allowedJobs` is present and understood it has the final word; the local
//! rules (from the product document, each citing its source; see `docs/lifecycle.md`) decide
//! otherwise. [`conditions`] holds composable wait conditions.
//!
//! ```
//! use azs_site_recovery::lifecycle::{self, ItemState, Operation, OperationKind, RecoveryPointChoice};
//! use azs_site_recovery::model::{ProtectionState, TestFailoverState};
//!
//! let protected = ItemState::new(ProtectionState::Protected, TestFailoverState::None);
//! assert!(lifecycle::allowed_operations(&protected).contains(&OperationKind::TestFailover));
//!
//! let t = lifecycle::check(
//!     &protected,
//!     &Operation::TestFailover { recovery_point: RecoveryPointChoice::LatestProcessed },
//! )
//! .unwrap();
//! let done = t.final_state(&protected);
//! assert_eq!(done.test_failover_state, TestFailoverState::TestFailoverCompleted);
//!
//! // A new test failover needs the previous one cleaned up.
//! let refusal = lifecycle::check(&done, &Operation::TestFailover {
//!     recovery_point: RecoveryPointChoice::Latest,
//! })
//! .unwrap_err();
//! assert!(refusal.remedy.contains("clean up the test failover"));
//! ```

mod allowed_jobs;
pub mod conditions;
mod operation;
mod refusal;
mod rules;
mod state;
mod transition;

pub use allowed_jobs::AllowedJobs;
pub use conditions::Condition;
pub use operation::{Operation, OperationKind, RecoveryPointChoice};
pub use refusal::Refusal;
pub use state::{Direction, ItemState, StateSummary};
pub use transition::{ItemStatePatch, Step, Transition};

use crate::model::ProtectionState;
use chrono::{DateTime, Duration, Utc};

/// \[PROT\] "If no test failover was done in the past 180 days, Site Recovery recommends that
/// you perform one before an actual failover."
pub const TEST_FAILOVER_RECOMMENDED_WITHIN_DAYS: i64 = 180;

/// The exact guidance given when protection would be re-enabled after a committed failback
/// \[PROT\].
pub const REENABLE_AFTER_FAILBACK_GUIDANCE: &str = rules::REENABLE_GUIDANCE;

/// The state machine with its settings: extra `allowedJobs` names, the current time.
///
/// [`check`] and [`allowed_operations`] use `Lifecycle::default()`.
///
/// ```
/// use azs_site_recovery::lifecycle::{Lifecycle, ItemState, OperationKind};
/// use azs_site_recovery::model::{ProtectionState, TestFailoverState};
///
/// // A stamp that calls the test failover scenario "DrDrill".
/// let lc = Lifecycle::new().with_job_name("DrDrill", OperationKind::TestFailover);
/// let s = ItemState::new(ProtectionState::Protected, TestFailoverState::None)
///     .with_allowed_jobs(["DrDrill"]);
/// assert_eq!(lc.allowed_operations(&s), vec![OperationKind::TestFailover, OperationKind::DisableProtection]);
/// ```
#[derive(Debug, Clone)]
pub struct Lifecycle {
    job_names: Vec<(String, OperationKind)>,
    now: Option<DateTime<Utc>>,
    use_allowed_jobs: bool,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle {
            job_names: Vec::new(),
            now: None,
            use_allowed_jobs: true,
        }
    }
}

impl Lifecycle {
    /// The default state machine: built-in `allowedJobs` names, no clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// Teaches an `allowedJobs` name (matched ignoring case and punctuation).
    pub fn with_job_name(mut self, name: &str, kind: OperationKind) -> Self {
        self.job_names.push((allowed_jobs::normalize(name), kind));
        self
    }

    /// Sets the current time, enabling time-based advice (the 180-day test failover
    /// recommendation).
    pub fn at(mut self, now: DateTime<Utc>) -> Self {
        self.now = Some(now);
        self
    }

    /// Ignores the service's `allowedJobs` (local rules only); for tests and diagnosis.
    pub fn ignoring_allowed_jobs(mut self) -> Self {
        self.use_allowed_jobs = false;
        self
    }

    /// The service's `allowedJobs` of `state`, mapped with this lifecycle's names.
    pub fn allowed_jobs(&self, state: &ItemState) -> Option<AllowedJobs> {
        state
            .allowed_jobs
            .as_ref()
            .map(|names| AllowedJobs::map(names, &self.job_names))
    }

    /// `Some(allowed)` when the service's `allowedJobs` decides for `op`.
    fn service_verdict(&self, state: &ItemState, op: &Operation) -> Option<(bool, AllowedJobs)> {
        if !self.use_allowed_jobs {
            return None;
        }
        let jobs = self.allowed_jobs(state)?;
        if !jobs.is_authoritative() {
            return None;
        }
        let listed = jobs.kinds.contains(&op.kind());
        match op {
            // Create and delete are not jobs on an existing item: the list can allow them but
            // not refuse them by leaving them out.
            Operation::EnableProtection | Operation::DisableProtection { .. } if !listed => None,
            // A listed delete does not say whether it needs force (`allowed_operations`, which
            // the emulator renders as `allowedJobs`, lists it when only a forced delete is
            // allowed): the local rules decide whether a plain one is.
            Operation::DisableProtection { force: false } => None,
            _ => Some((listed, jobs)),
        }
    }

    /// Checks one operation: its transition, or why not and what to do instead.
    pub fn check(&self, state: &ItemState, op: &Operation) -> Result<Transition, Refusal> {
        self.check_at(state, op, self.now)
    }

    /// [`Lifecycle::check`] at the time `now` (the time-based advice, such as the 180-day test
    /// failover recommendation, needs one), without building a new `Lifecycle` for each call:
    /// a caller with a clock of its own (the client's, which may be an emulator's virtual time)
    /// passes its time here. The time set with [`Lifecycle::at`], if any, wins over `now`.
    ///
    /// ```
    /// use azs_site_recovery::lifecycle::{ItemState, Lifecycle, Operation};
    /// use azs_site_recovery::model::{ProtectionState, TestFailoverState};
    /// let s = ItemState::new(ProtectionState::Protected, TestFailoverState::None);
    /// let op = Operation::PlannedFailover { shutdown_source: true };
    /// let t = Lifecycle::new().check_at(&s, &op, Some(chrono::Utc::now())).unwrap();
    /// assert!(t.notes.iter().any(|n| n.contains("no successful test failover in the past 180 days")));
    /// ```
    pub fn check_at(
        &self,
        state: &ItemState,
        op: &Operation,
        now: Option<DateTime<Utc>>,
    ) -> Result<Transition, Refusal> {
        let now = self.now.or(now);
        let local = rules::local(state, op);
        // Asking for a failback asserts the item is re-protected; no list overrides that, and
        // a missing item has nothing to act on.
        let hard = !state.exists
            || (op.kind() == OperationKind::Failback
                && state.direction != state::Direction::Failback);
        let service = if hard {
            None
        } else {
            self.service_verdict(state, op)
        };
        let mut notes = Vec::new();
        match (local, service) {
            (Ok(()), None) | (Ok(()), Some((true, _))) => {}
            (Ok(()), Some((false, jobs))) => return Err(Refusal {
                operation: op.kind(),
                current: Box::new(state.summary()),
                reason: format!(
                    "the service does not allow it now (allowedJobs: {})",
                    list(state.allowed_jobs.as_deref().unwrap_or_default())
                ),
                remedy: format!(
                    "read the item again later; the service allows: {}",
                    jobs.kinds
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                rule:
                    "[SPEC] protected-item operations: the service's allowedJobs has the final word",
                by_service: true,
            }),
            (Err(v), Some((true, _))) => notes.push(format!(
                "allowed by the service's allowedJobs although the local rules refuse it: {} \
                 ({})",
                v.reason, v.rule
            )),
            (Err(v), _) => {
                return Err(Refusal {
                    operation: op.kind(),
                    current: Box::new(state.summary()),
                    reason: v.reason,
                    remedy: v.remedy,
                    rule: v.rule,
                    by_service: false,
                })
            }
        }
        let mut t = transition::plan(state, op);
        notes.push(format!("rule: {}", rules::rule_for(op.kind())));
        if state.protection_state.is_failed() || state.resynchronization_state.is_failed() {
            notes.push(format!(
                "the item is in {} after a failed step; this retries or recovers from it ({})",
                if state.protection_state.is_failed() {
                    state.protection_state.as_str()
                } else {
                    state.resynchronization_state.as_str()
                },
                rules::retry_rule()
            ));
        }
        if op.kind() == OperationKind::UnplannedFailover && !state.test_failover_state.is_none() {
            notes.push(format!(
                "a test failover is outstanding ({}): its test VM keeps running; clean it up \
                 afterwards",
                state.test_failover_state
            ));
        }
        if matches!(
            op.kind(),
            OperationKind::PlannedFailover
                | OperationKind::UnplannedFailover
                | OperationKind::Failback
        ) {
            if let Some(now) = now {
                let recent = state.last_successful_test_failover.is_some_and(|t| {
                    now - t <= Duration::days(TEST_FAILOVER_RECOMMENDED_WITHIN_DAYS)
                });
                if !recent {
                    notes.push(format!(
                        "no successful test failover in the past {TEST_FAILOVER_RECOMMENDED_WITHIN_DAYS} \
                         days: Site Recovery recommends one before an actual failover; skipping \
                         it can lead to data loss or unpredictable downtime [PROT]"
                    ));
                }
            }
        }
        if let Some(jobs) = self.allowed_jobs(state) {
            if !jobs.unknown.is_empty() {
                notes.push(format!(
                    "allowedJobs names not understood (kept, ignored): {}",
                    list(&jobs.unknown)
                ));
            }
        }
        if state.protection_state == ProtectionState::Protected
            && op.kind() == OperationKind::UnplannedFailover
            && state.direction == state::Direction::Failback
        {
            notes.push(
                "the product document describes failback as a planned failover; an unplanned \
                 failover of a re-protected item is inferred to be possible"
                    .into(),
            );
        }
        notes.append(&mut t.notes);
        t.notes = notes;
        Ok(t)
    }

    /// The kinds of operation allowed now, in lifecycle order. `DisableProtection` is listed
    /// when it is allowed at least with force; `Failback` only for a re-protected item.
    pub fn allowed_operations(&self, state: &ItemState) -> Vec<OperationKind> {
        OperationKind::ALL
            .iter()
            .copied()
            .filter(|k| {
                let op = match k {
                    OperationKind::DisableProtection => {
                        Operation::DisableProtection { force: true }
                    }
                    other => other.with_defaults(),
                };
                self.check(state, &op).is_ok()
            })
            .collect()
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// Checks one operation with the default [`Lifecycle`].
pub fn check(state: &ItemState, op: &Operation) -> Result<Transition, Refusal> {
    Lifecycle::default().check(state, op)
}

/// The operations allowed now, with the default [`Lifecycle`].
pub fn allowed_operations(state: &ItemState) -> Vec<OperationKind> {
    Lifecycle::default().allowed_operations(state)
}

#[cfg(test)]
mod tests;
