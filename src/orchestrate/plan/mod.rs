//! Recovery plans: named, ordered groups of VMs with steps before and after each group, run as
//! one operation (test failover and cleanup, planned or unplanned failover, commit, re-protect,
//! failback).
//!
//! A [`RecoveryPlan`] is plain data (`Serialize`/`Deserialize`, JSON in files): tools keep plans
//! next to their other configuration. [`RecoveryPlan::from_json`] names the line and column of a
//! malformed file and what was expected there; [`RecoveryPlan::check_shape`] and
//! [`validate`](validate::validate) list every problem at once, before anything is sent.
//!
//! ```
//! use azs_site_recovery::orchestrate::plan::{PlanStep, RecoveryPlan};
//!
//! let plan = RecoveryPlan::from_json(r#"{
//!   "name": "three-tier",
//!   "groups": [
//!     { "name": "database", "vms": ["sql-01"],
//!       "after": [ { "kind": "waitFor", "condition": "testFailoverCompleted" } ] },
//!     { "name": "application", "vms": ["app-01", "app-02"],
//!       "before": [ { "kind": "approval", "name": "db-checked" } ] },
//!     { "name": "web", "vms": ["web-01"],
//!       "after": [ { "kind": "hook", "name": "smoke-test" }, { "kind": "wait", "seconds": 60 } ] }
//!   ]
//! }"#).unwrap();
//! assert_eq!(plan.groups.len(), 3);
//! assert!(matches!(plan.groups[1].before[0], PlanStep::Approval { .. }));
//! assert!(plan.check_shape().is_empty());
//!
//! // A malformed file says where and what was expected.
//! let err = RecoveryPlan::from_json("{\"name\": \"x\",\n \"groups\": [ { \"name\": 3 } ] }").unwrap_err();
//! assert_eq!((err.line, err.column), (2, 24));
//! assert!(err.to_string().contains("expected a string"), "{err}");
//! ```

mod hooks;
mod run;
mod steps;
mod validate;

pub use hooks::{Approval, ApprovalRequest, HookContext, HookItem, PlanHooks};
pub use run::{
    FailurePolicy, InFlightItem, PlanCheckpoint, PlanError, PlanRunOptions, PlanRunner, RunStatus,
};
pub use steps::RunStep;
pub use validate::{validate, PlanProblem, ProblemKind, ValidateOptions};

use crate::lifecycle::conditions::{self, Condition};
use crate::lifecycle::{Operation, OperationKind, RecoveryPointChoice};
use crate::model::{ProtectedItem, Reprotect};
use crate::preflight::Intent;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A recovery plan: named, ordered groups of VMs.
///
/// Groups fail over in order (the first group first); cleanup runs in reverse order; for a
/// planned failover the source VMs are shut down in reverse group order first. See the
/// [module docs](self) for the JSON form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct RecoveryPlan {
    /// The plan's name (reports use it).
    pub name: String,
    /// What the plan is for, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The groups, in failover order.
    pub groups: Vec<PlanGroup>,
}

/// One group of a [`RecoveryPlan`]: VMs that fail over together, with steps before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct PlanGroup {
    /// The group's name (`database`, `application`, `web`).
    pub name: String,
    /// The VMs of the group: each a protected item's name, or the name of the source VM it
    /// protects (matched case-insensitively).
    pub vms: Vec<String>,
    /// Steps run before the group's operation, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub before: Vec<PlanStep>,
    /// Steps run after the group's operation, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<PlanStep>,
}

/// A step before or after a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub enum PlanStep {
    /// Wait this long (on the client's clock: virtual against the emulator).
    Wait {
        /// How long, in seconds.
        seconds: u64,
    },
    /// A manual approval gate: the run waits for the approval handler
    /// ([`PlanHooks::approval`]); a refusal stops the group.
    Approval {
        /// The gate's name (reports and the handler see it).
        name: String,
        /// What the approver is asked.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// A hook registered by the caller under `name` ([`PlanHooks::hook`]): run a script,
    /// probe a health endpoint. An error fails the group.
    Hook {
        /// The name the hook was registered under.
        name: String,
    },
    /// Wait until every item of the group meets `condition` (or one has failed).
    #[serde(rename_all = "camelCase")]
    WaitFor {
        /// The condition.
        condition: WaitCondition,
    },
}

impl PlanStep {
    /// `wait`, `approval`, `hook` or `waitFor` (the JSON `kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            PlanStep::Wait { .. } => "wait",
            PlanStep::Approval { .. } => "approval",
            PlanStep::Hook { .. } => "hook",
            PlanStep::WaitFor { .. } => "waitFor",
        }
    }

    /// The step in words (`approval gate db-checked`, `wait 1m 00s`).
    pub fn describe(&self) -> String {
        match self {
            PlanStep::Wait { seconds } => format!(
                "wait {}",
                crate::human::HumanDuration(std::time::Duration::from_secs(*seconds))
            ),
            PlanStep::Approval { name, .. } => format!("approval gate {name}"),
            PlanStep::Hook { name } => format!("hook {name}"),
            PlanStep::WaitFor { condition } => format!("wait for {}", condition.as_str()),
        }
    }
}

/// A wait condition over a group's items, by name (the prebuilt
/// [`lifecycle::conditions`](crate::lifecycle::conditions)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum WaitCondition {
    /// [`conditions::is_protected`].
    Protected,
    /// [`conditions::initial_replication_done`].
    InitialReplicationDone,
    /// [`conditions::test_failover_completed`].
    TestFailoverCompleted,
    /// [`conditions::test_failover_cleaned_up`].
    TestFailoverCleanedUp,
    /// [`conditions::failover_completed`].
    FailoverCompleted,
    /// [`conditions::failover_committed`].
    FailoverCommitted,
    /// [`conditions::is_reprotected`].
    Reprotected,
    /// [`conditions::is_settled`]: nothing in flight.
    Settled,
}

impl WaitCondition {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            WaitCondition::Protected => "protected",
            WaitCondition::InitialReplicationDone => "initialReplicationDone",
            WaitCondition::TestFailoverCompleted => "testFailoverCompleted",
            WaitCondition::TestFailoverCleanedUp => "testFailoverCleanedUp",
            WaitCondition::FailoverCompleted => "failoverCompleted",
            WaitCondition::FailoverCommitted => "failoverCommitted",
            WaitCondition::Reprotected => "reprotected",
            WaitCondition::Settled => "settled",
        }
    }

    /// `true` when `item` meets the condition.
    pub fn matches(self, item: Option<&ProtectedItem>) -> bool {
        match self {
            WaitCondition::Protected => conditions::is_protected().matches(item),
            WaitCondition::InitialReplicationDone => {
                conditions::initial_replication_done().matches(item)
            }
            WaitCondition::TestFailoverCompleted => {
                conditions::test_failover_completed().matches(item)
            }
            WaitCondition::TestFailoverCleanedUp => conditions::test_failover_cleaned_up()
                .and(conditions::is_settled())
                .matches(item),
            WaitCondition::FailoverCompleted => conditions::failover_completed().matches(item),
            WaitCondition::FailoverCommitted => conditions::failover_committed().matches(item),
            WaitCondition::Reprotected => conditions::is_reprotected().matches(item),
            WaitCondition::Settled => conditions::is_settled().matches(item),
        }
    }
}

/// The recovery point of a test or unplanned failover, as plans and checkpoints store it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum PlanRecoveryPoint {
    /// Process all data first (lowest RPO).
    #[default]
    Latest,
    /// The latest processed recovery point (lowest RTO).
    LatestProcessed,
    /// The latest application-consistent recovery point.
    LatestApplicationConsistent,
    /// A recovery point by its ARM id (the same for every item: rarely what a plan wants).
    Custom(String),
}

impl From<&PlanRecoveryPoint> for RecoveryPointChoice {
    fn from(rp: &PlanRecoveryPoint) -> Self {
        match rp {
            PlanRecoveryPoint::Latest => RecoveryPointChoice::Latest,
            PlanRecoveryPoint::LatestProcessed => RecoveryPointChoice::LatestProcessed,
            PlanRecoveryPoint::LatestApplicationConsistent => {
                RecoveryPointChoice::LatestApplicationConsistent
            }
            PlanRecoveryPoint::Custom(id) => RecoveryPointChoice::Custom(id.clone()),
        }
    }
}

/// What a plan run does to every group.
///
/// ```
/// use azs_site_recovery::orchestrate::plan::{PlanOperation, PlanRecoveryPoint};
/// let drill: PlanOperation = serde_json::from_str(
///     r#"{"kind": "testFailover", "recoveryPoint": "latestProcessed", "cleanup": true}"#,
/// ).unwrap();
/// assert_eq!(drill, PlanOperation::test_failover(PlanRecoveryPoint::LatestProcessed, true));
/// assert_eq!(drill.to_string(), "test failover with cleanup");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[non_exhaustive]
pub enum PlanOperation {
    /// Test failover of every group in order; with `cleanup`, then cleanup in reverse order.
    #[serde(rename_all = "camelCase")]
    TestFailover {
        /// The recovery point.
        #[serde(default)]
        recovery_point: PlanRecoveryPoint,
        /// Clean up after the last group (in reverse group order).
        #[serde(default)]
        cleanup: bool,
    },
    /// Cleanup of a test failover, in reverse group order.
    TestFailoverCleanup,
    /// Planned failover: source VMs shut down in reverse group order, then groups fail over in
    /// order (each with `shutdownSourceVM`).
    PlannedFailover,
    /// Unplanned failover of every group in order.
    #[serde(rename_all = "camelCase")]
    UnplannedFailover {
        /// The recovery point.
        #[serde(default)]
        recovery_point: PlanRecoveryPoint,
        /// Try to shut the source VMs down first.
        #[serde(default)]
        shutdown_source: bool,
    },
    /// Commit of every group's failover, in order.
    Commit,
    /// Re-protect every group in order, with this body (appliance, log storage account,
    /// failback policy and extension).
    Reprotect {
        /// The `AzStackToAzStackFailback` body.
        body: Box<Reprotect>,
    },
    /// Failback (the planned failover of re-protected items), in order.
    Failback,
}

impl PlanOperation {
    /// A test failover drill.
    pub fn test_failover(recovery_point: PlanRecoveryPoint, cleanup: bool) -> Self {
        PlanOperation::TestFailover {
            recovery_point,
            cleanup,
        }
    }

    /// The preflight intent the plan is checked for.
    pub fn intent(&self) -> Option<Intent> {
        match self {
            PlanOperation::TestFailover { .. } => Some(Intent::TestFailover),
            PlanOperation::PlannedFailover | PlanOperation::UnplannedFailover { .. } => {
                Some(Intent::Failover)
            }
            PlanOperation::Reprotect { .. } => Some(Intent::Reprotect),
            _ => None,
        }
    }

    /// The lifecycle operation each group's items go through (the first phase's, for a test
    /// failover with cleanup).
    pub fn item_operation(&self) -> Operation {
        match self {
            PlanOperation::TestFailover { recovery_point, .. } => Operation::TestFailover {
                recovery_point: recovery_point.into(),
            },
            PlanOperation::TestFailoverCleanup => Operation::CleanupTestFailover,
            PlanOperation::PlannedFailover => Operation::PlannedFailover {
                shutdown_source: true,
            },
            PlanOperation::UnplannedFailover {
                recovery_point,
                shutdown_source,
            } => Operation::UnplannedFailover {
                recovery_point: recovery_point.into(),
                shutdown_source: *shutdown_source,
            },
            PlanOperation::Commit => Operation::Commit,
            PlanOperation::Reprotect { .. } => Operation::Reprotect,
            PlanOperation::Failback => Operation::Failback {
                shutdown_source: true,
            },
        }
    }

    /// `true` for the operations that choose a recovery point (their reports carry the RPO).
    pub fn uses_recovery_point(&self) -> bool {
        matches!(
            self.item_operation().kind(),
            OperationKind::TestFailover
                | OperationKind::UnplannedFailover
                | OperationKind::PlannedFailover
                | OperationKind::Failback
        )
    }
}

impl fmt::Display for PlanOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanOperation::TestFailover { cleanup: true, .. } => {
                f.write_str("test failover with cleanup")
            }
            PlanOperation::Failback => f.write_str("failback"),
            other => write!(f, "{}", other.item_operation()),
        }
    }
}

/// A plan file that is not a valid plan: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("recovery plan{}, line {line} column {column}: {message}", source_name.as_ref().map(|s| format!(" {s}")).unwrap_or_default())]
#[non_exhaustive]
pub struct PlanFileError {
    /// The file (or other source) name, when known.
    pub source_name: Option<String>,
    /// The line (1-based) of the problem.
    pub line: usize,
    /// The column (1-based) of the problem.
    pub column: usize,
    /// What was wrong and what was expected (serde's words: `missing field \`groups\``,
    /// `unknown variant \`aproval\`, expected one of ...`).
    pub message: String,
}

impl RecoveryPlan {
    /// A plan with no groups yet.
    pub fn new(name: impl Into<String>) -> Self {
        RecoveryPlan {
            name: name.into(),
            description: None,
            groups: Vec::new(),
        }
    }

    /// Adds a group of VMs (by item or source VM name), with no steps.
    pub fn group<I, S>(mut self, name: impl Into<String>, vms: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.groups.push(PlanGroup {
            name: name.into(),
            vms: vms.into_iter().map(Into::into).collect(),
            before: Vec::new(),
            after: Vec::new(),
        });
        self
    }

    /// Adds a step before the last group added (does nothing if there is none).
    pub fn before(mut self, step: PlanStep) -> Self {
        if let Some(g) = self.groups.last_mut() {
            g.before.push(step);
        }
        self
    }

    /// Adds a step after the last group added (does nothing if there is none).
    pub fn after(mut self, step: PlanStep) -> Self {
        if let Some(g) = self.groups.last_mut() {
            g.after.push(step);
        }
        self
    }

    /// Parses a plan from JSON. A malformed plan is an error naming the line and column and
    /// what was expected there.
    pub fn from_json(text: &str) -> Result<Self, PlanFileError> {
        serde_json::from_str(text).map_err(|e| PlanFileError {
            source_name: None,
            line: e.line(),
            column: e.column(),
            // serde_json appends " at line L column C"; the error says it once, up front.
            message: strip_position(&e.to_string()),
        })
    }

    /// Reads and parses a plan file ([`RecoveryPlan::from_json`], the error naming the file).
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Self, PlanFileError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PlanFileError {
            source_name: Some(shown.clone()),
            line: 0,
            column: 0,
            message: format!("cannot read it: {e}"),
        })?;
        RecoveryPlan::from_json(&text).map_err(|mut e| {
            e.source_name = Some(shown);
            e
        })
    }

    /// The problems visible in the plan alone (no vault needed): no groups, an empty group,
    /// two groups with one name, a VM in two groups, a step with an empty name. Every problem
    /// is listed, each with its path (`groups[1].vms[0]`).
    pub fn check_shape(&self) -> Vec<PlanProblem> {
        let mut problems = Vec::new();
        if self.name.trim().is_empty() {
            problems.push(PlanProblem::new(
                "name",
                ProblemKind::Malformed,
                "the plan has no name; give it one (reports use it)",
            ));
        }
        if self.groups.is_empty() {
            problems.push(PlanProblem::new(
                "groups",
                ProblemKind::EmptyPlan,
                "the plan has no groups; add at least one group of VMs",
            ));
        }
        let mut group_names: BTreeMap<String, usize> = BTreeMap::new();
        let mut seen_vms: BTreeMap<String, (usize, String)> = BTreeMap::new();
        for (g, group) in self.groups.iter().enumerate() {
            if group.name.trim().is_empty() {
                problems.push(PlanProblem::new(
                    format!("groups[{g}].name"),
                    ProblemKind::Malformed,
                    "the group has no name",
                ));
            } else if let Some(first) = group_names.insert(group.name.to_lowercase(), g) {
                problems.push(PlanProblem::new(
                    format!("groups[{g}].name"),
                    ProblemKind::DuplicateGroup,
                    format!(
                        "group `{}` has the name of groups[{first}]; group names must differ",
                        group.name
                    ),
                ));
            }
            if group.vms.is_empty() {
                problems.push(PlanProblem::new(
                    format!("groups[{g}].vms"),
                    ProblemKind::EmptyGroup,
                    format!(
                        "group `{}` has no VMs; add some or remove the group",
                        group.name
                    ),
                ));
            }
            for (v, vm) in group.vms.iter().enumerate() {
                let key = vm.to_lowercase();
                if let Some((first_g, first_name)) = seen_vms.get(&key) {
                    problems.push(PlanProblem::new(
                        format!("groups[{g}].vms[{v}]"),
                        ProblemKind::DuplicateVm,
                        format!(
                            "VM `{vm}` is in group `{}` and already in group `{first_name}` (groups[{first_g}]); a VM belongs to one group",
                            group.name
                        ),
                    ));
                } else {
                    seen_vms.insert(key, (g, group.name.clone()));
                }
            }
            for (position, steps) in [("before", &group.before), ("after", &group.after)] {
                for (s, step) in steps.iter().enumerate() {
                    let empty = match step {
                        PlanStep::Approval { name, .. } | PlanStep::Hook { name } => {
                            name.trim().is_empty()
                        }
                        _ => false,
                    };
                    if empty {
                        problems.push(PlanProblem::new(
                            format!("groups[{g}].{position}[{s}].name"),
                            ProblemKind::Malformed,
                            format!("the {} step has no name", step.kind()),
                        ));
                    }
                }
            }
        }
        problems
    }

    /// The JSON of the plan, pretty-printed.
    pub fn to_json_pretty(&self) -> String {
        // A plan is strings, numbers and enums: serializing it cannot fail. Re-indented compact
        // text: the layout of `to_string_pretty`, with one serializer per plan type, not two.
        crate::json_text::pretty(&serde_json::to_string(self).unwrap_or_default())
    }
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests;
