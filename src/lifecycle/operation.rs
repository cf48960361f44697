//! The operations a user can ask for on a protected item.

use std::fmt;

/// Which recovery point a test failover, unplanned failover or recovery-point change uses.
///
/// Source: \[PROT\] "The recovery point to fail over to": Latest (lowest RPO), Latest processed
/// (lowest RTO), Latest app-consistent, Custom.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum RecoveryPointChoice {
    /// Process all data sent to the service first, then fail over to it (lowest RPO).
    #[default]
    Latest,
    /// The latest recovery point already processed (lowest RTO).
    LatestProcessed,
    /// The latest application-consistent recovery point.
    LatestApplicationConsistent,
    /// A specific recovery point, by its ARM id (or name).
    Custom(String),
}

impl RecoveryPointChoice {
    /// The inferred wire value (`Latest`, `LatestProcessed`, `LatestApplicationConsistent`,
    /// `Custom`); inferred, see the README's table of what is documented and what is inferred.
    pub fn as_str(&self) -> &str {
        match self {
            RecoveryPointChoice::Latest => "Latest",
            RecoveryPointChoice::LatestProcessed => "LatestProcessed",
            RecoveryPointChoice::LatestApplicationConsistent => "LatestApplicationConsistent",
            RecoveryPointChoice::Custom(_) => "Custom",
        }
    }

    /// The recovery point id of a [`RecoveryPointChoice::Custom`] choice.
    pub fn custom_id(&self) -> Option<&str> {
        match self {
            RecoveryPointChoice::Custom(id) => Some(id),
            _ => None,
        }
    }
}

/// An operation on a protected item, with the choices the user makes for it.
///
/// ```
/// use azs_site_recovery::lifecycle::{Operation, OperationKind, RecoveryPointChoice};
/// let op = Operation::UnplannedFailover {
///     recovery_point: RecoveryPointChoice::LatestProcessed,
///     shutdown_source: false,
/// };
/// assert_eq!(op.kind(), OperationKind::UnplannedFailover);
/// assert_eq!(op.to_string(), "unplanned failover");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Enable protection of a VM (`PUT` of the protected item): starts initial replication.
    EnableProtection,
    /// Create a test VM on the target from a recovery point; replication keeps running.
    TestFailover {
        /// The recovery point to use.
        recovery_point: RecoveryPointChoice,
    },
    /// Delete the test failover VM and all test resources ("Clean test failover").
    CleanupTestFailover,
    /// Fail over without data loss, in the current replication direction.
    PlannedFailover {
        /// Shut down the source VM before the failover starts.
        shutdown_source: bool,
    },
    /// Fail over to a recovery point after a disaster.
    UnplannedFailover {
        /// The recovery point to use.
        recovery_point: RecoveryPointChoice,
        /// Try to shut down the source VM first.
        shutdown_source: bool,
    },
    /// Commit a completed failover (required to fully complete it).
    Commit,
    /// Roll back a completed (or failed) failover that was not committed.
    CancelFailover,
    /// Move a failed-over, uncommitted item to another recovery point.
    ChangeRecoveryPoint {
        /// The recovery point to use.
        recovery_point: RecoveryPointChoice,
    },
    /// Start replicating back from the recovery stamp to the primary stamp (first half of a
    /// failback).
    Reprotect,
    /// Copy the disks again to repair replication.
    Resynchronize,
    /// Disable protection (`DELETE` of the protected item).
    DisableProtection {
        /// Delete even when the service cannot clean up (`forceDelete=true`); the only
        /// operation accepted while another one is in flight.
        force: bool,
    },
    /// Move the workload back to the primary stamp: the planned failover of a re-protected item
    /// (second half of a failback). Same wire action as [`Operation::PlannedFailover`]; asking
    /// for it also asserts that the item is re-protected.
    Failback {
        /// Shut down the VM on the recovery stamp before the failback starts.
        shutdown_source: bool,
    },
}

impl Operation {
    /// The kind of operation, without its choices.
    pub fn kind(&self) -> OperationKind {
        match self {
            Operation::EnableProtection => OperationKind::EnableProtection,
            Operation::TestFailover { .. } => OperationKind::TestFailover,
            Operation::CleanupTestFailover => OperationKind::CleanupTestFailover,
            Operation::PlannedFailover { .. } => OperationKind::PlannedFailover,
            Operation::UnplannedFailover { .. } => OperationKind::UnplannedFailover,
            Operation::Commit => OperationKind::Commit,
            Operation::CancelFailover => OperationKind::CancelFailover,
            Operation::ChangeRecoveryPoint { .. } => OperationKind::ChangeRecoveryPoint,
            Operation::Reprotect => OperationKind::Reprotect,
            Operation::Resynchronize => OperationKind::Resynchronize,
            Operation::DisableProtection { .. } => OperationKind::DisableProtection,
            Operation::Failback { .. } => OperationKind::Failback,
        }
    }

    /// The recovery point chosen, for the operations that take one.
    pub fn recovery_point(&self) -> Option<&RecoveryPointChoice> {
        match self {
            Operation::TestFailover { recovery_point }
            | Operation::UnplannedFailover { recovery_point, .. }
            | Operation::ChangeRecoveryPoint { recovery_point } => Some(recovery_point),
            _ => None,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operation::DisableProtection { force: true } => {
                f.write_str("disable protection (force)")
            }
            other => f.write_str(other.kind().as_str()),
        }
    }
}

/// The kind of an [`Operation`], without its choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum OperationKind {
    /// [`Operation::EnableProtection`].
    EnableProtection,
    /// [`Operation::TestFailover`].
    TestFailover,
    /// [`Operation::CleanupTestFailover`].
    CleanupTestFailover,
    /// [`Operation::PlannedFailover`].
    PlannedFailover,
    /// [`Operation::UnplannedFailover`].
    UnplannedFailover,
    /// [`Operation::Commit`].
    Commit,
    /// [`Operation::CancelFailover`].
    CancelFailover,
    /// [`Operation::ChangeRecoveryPoint`].
    ChangeRecoveryPoint,
    /// [`Operation::Reprotect`].
    Reprotect,
    /// [`Operation::Resynchronize`].
    Resynchronize,
    /// [`Operation::DisableProtection`].
    DisableProtection,
    /// [`Operation::Failback`].
    Failback,
}

impl OperationKind {
    /// Every kind, in lifecycle order.
    pub const ALL: &'static [OperationKind] = &[
        OperationKind::EnableProtection,
        OperationKind::TestFailover,
        OperationKind::CleanupTestFailover,
        OperationKind::PlannedFailover,
        OperationKind::UnplannedFailover,
        OperationKind::Commit,
        OperationKind::CancelFailover,
        OperationKind::ChangeRecoveryPoint,
        OperationKind::Reprotect,
        OperationKind::Resynchronize,
        OperationKind::DisableProtection,
        OperationKind::Failback,
    ];

    /// The kind in words, e.g. `"test failover"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            OperationKind::EnableProtection => "enable protection",
            OperationKind::TestFailover => "test failover",
            OperationKind::CleanupTestFailover => "clean up test failover",
            OperationKind::PlannedFailover => "planned failover",
            OperationKind::UnplannedFailover => "unplanned failover",
            OperationKind::Commit => "commit",
            OperationKind::CancelFailover => "cancel failover",
            OperationKind::ChangeRecoveryPoint => "change recovery point",
            OperationKind::Reprotect => "re-protect",
            OperationKind::Resynchronize => "resynchronize",
            OperationKind::DisableProtection => "disable protection",
            OperationKind::Failback => "failback",
        }
    }

    /// The operation with default choices (latest recovery point, shut down the source, no
    /// force): handy for asking "is this kind allowed" and for tables.
    pub fn with_defaults(self) -> Operation {
        match self {
            OperationKind::EnableProtection => Operation::EnableProtection,
            OperationKind::TestFailover => Operation::TestFailover {
                recovery_point: RecoveryPointChoice::Latest,
            },
            OperationKind::CleanupTestFailover => Operation::CleanupTestFailover,
            OperationKind::PlannedFailover => Operation::PlannedFailover {
                shutdown_source: true,
            },
            OperationKind::UnplannedFailover => Operation::UnplannedFailover {
                recovery_point: RecoveryPointChoice::Latest,
                shutdown_source: true,
            },
            OperationKind::Commit => Operation::Commit,
            OperationKind::CancelFailover => Operation::CancelFailover,
            OperationKind::ChangeRecoveryPoint => Operation::ChangeRecoveryPoint {
                recovery_point: RecoveryPointChoice::Latest,
            },
            OperationKind::Reprotect => Operation::Reprotect,
            OperationKind::Resynchronize => Operation::Resynchronize,
            OperationKind::DisableProtection => Operation::DisableProtection { force: false },
            OperationKind::Failback => Operation::Failback {
                shutdown_source: true,
            },
        }
    }
}

impl fmt::Display for OperationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
