//! A plan run as a flat list of steps: what runs, in which order, for one plan operation.

use super::{PlanOperation, RecoveryPlan};
use serde::{Deserialize, Serialize};

/// One step of a plan run. A run is the list [`RunStep::for_plan`] returns, walked in order; a
/// checkpoint records how far it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "camelCase")]
#[non_exhaustive]
pub enum RunStep {
    /// Shut the source VMs of a group down (planned failover; groups in reverse order).
    Shutdown {
        /// The group's index.
        group: usize,
    },
    /// The `index`-th step before a group's operation.
    Before {
        /// The group's index.
        group: usize,
        /// The step's index in the group's `before`.
        index: usize,
    },
    /// The plan operation over a group's items.
    Operation {
        /// The group's index.
        group: usize,
    },
    /// The `index`-th step after a group's operation.
    After {
        /// The group's index.
        group: usize,
        /// The step's index in the group's `after`.
        index: usize,
    },
    /// The cleanup of a group's test failover (groups in reverse order).
    Cleanup {
        /// The group's index.
        group: usize,
    },
}

impl RunStep {
    /// The group the step is about.
    pub fn group(&self) -> usize {
        match self {
            RunStep::Shutdown { group }
            | RunStep::Before { group, .. }
            | RunStep::Operation { group }
            | RunStep::After { group, .. }
            | RunStep::Cleanup { group } => *group,
        }
    }

    /// The steps of `operation` over `plan`, in order.
    ///
    /// ```
    /// use azs_site_recovery::orchestrate::plan::{PlanOperation, RecoveryPlan, RunStep};
    /// let plan = RecoveryPlan::new("p").group("db", ["sql-01"]).group("web", ["web-01"]);
    /// let steps = RunStep::for_plan(&plan, &PlanOperation::PlannedFailover);
    /// assert_eq!(steps, [
    ///     RunStep::Shutdown { group: 1 }, RunStep::Shutdown { group: 0 },
    ///     RunStep::Operation { group: 0 }, RunStep::Operation { group: 1 },
    /// ]);
    /// ```
    pub fn for_plan(plan: &RecoveryPlan, operation: &PlanOperation) -> Vec<RunStep> {
        let n = plan.groups.len();
        let mut steps = Vec::new();
        if matches!(operation, PlanOperation::TestFailoverCleanup) {
            steps.extend((0..n).rev().map(|group| RunStep::Cleanup { group }));
            return steps;
        }
        if matches!(operation, PlanOperation::PlannedFailover) {
            steps.extend((0..n).rev().map(|group| RunStep::Shutdown { group }));
        }
        for (group, g) in plan.groups.iter().enumerate() {
            steps.extend((0..g.before.len()).map(|index| RunStep::Before { group, index }));
            steps.push(RunStep::Operation { group });
            steps.extend((0..g.after.len()).map(|index| RunStep::After { group, index }));
        }
        if matches!(operation, PlanOperation::TestFailover { cleanup: true, .. }) {
            steps.extend((0..n).rev().map(|group| RunStep::Cleanup { group }));
        }
        steps
    }
}
