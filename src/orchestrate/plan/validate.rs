//! Checking a plan against the vault before anything is sent.

use super::{PlanHooks, PlanOperation, PlanStep, RecoveryPlan};
use crate::id::VaultId;
use crate::lifecycle::{ItemState, Lifecycle, Operation};
use crate::model::ProtectedItem;
use crate::preflight::{PreflightReport, Severity};
use crate::{Error, SiteRecoveryClient};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// What kind of problem a plan has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ProblemKind {
    /// A field is empty or wrong (no name, ...).
    Malformed,
    /// The plan has no groups.
    EmptyPlan,
    /// A group has no VMs.
    EmptyGroup,
    /// Two groups have one name.
    DuplicateGroup,
    /// A VM is in two groups (or twice in one).
    DuplicateVm,
    /// No protected item in the vault protects the VM.
    UnknownVm,
    /// A hook step names a hook nobody registered.
    UnregisteredHook,
    /// An approval gate, and no approval handler.
    NoApprovalHandler,
    /// The lifecycle refuses the plan's operation for an item.
    LifecycleRefusal,
    /// A preflight blocker for the plan's intent.
    PreflightBlocker,
    /// The preflight report given was made for another intent.
    PreflightIntent,
}

/// One problem of a plan: where (a path into the plan: `groups[1].vms[0]`), what kind, and a
/// message saying what is wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PlanProblem {
    /// Where in the plan (`groups[1].vms[0]`; `preflight` for preflight findings).
    pub path: String,
    /// What kind of problem.
    pub kind: ProblemKind,
    /// What is wrong and what to do.
    pub message: String,
}

impl PlanProblem {
    pub(crate) fn new(
        path: impl Into<String>,
        kind: ProblemKind,
        message: impl Into<String>,
    ) -> Self {
        PlanProblem {
            path: path.into(),
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for PlanProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// What [`validate`] checks besides the plan and the vault.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ValidateOptions {
    /// A preflight report for the plan's intent ([`PlanOperation::intent`]); its blockers are
    /// problems of the plan. Gather it with
    /// [`SiteRecoveryClient::gather_preflight_snapshot`] and
    /// [`preflight::run`](crate::preflight::run).
    pub preflight: Option<PreflightReport>,
}

impl ValidateOptions {
    /// With a preflight report.
    pub fn preflight(mut self, report: PreflightReport) -> Self {
        self.preflight = Some(report);
        self
    }
}

/// A VM of the plan, matched to its protected item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Resolved {
    pub vm: String,
    pub item: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_vm_id: Option<String>,
}

/// The source VM's name of an item (the last segment of its source VM id, or the name the
/// service reports).
fn source_vm_name(item: &ProtectedItem) -> Option<&str> {
    item.source_vm_id()
        .and_then(|id| id.rsplit('/').next())
        .or_else(|| item.custom_properties()?.source_vm_name())
}

/// Matches every VM of `plan` to an item of `items`; the VMs that match none are problems.
pub(crate) fn resolve(
    plan: &RecoveryPlan,
    items: &[ProtectedItem],
) -> (Vec<Vec<Resolved>>, Vec<PlanProblem>) {
    let mut by_name: BTreeMap<String, &ProtectedItem> = BTreeMap::new();
    let mut by_vm: BTreeMap<String, &ProtectedItem> = BTreeMap::new();
    for item in items {
        if let Some(n) = item.name.as_deref() {
            by_name.insert(n.to_lowercase(), item);
        }
        if let Some(vm) = source_vm_name(item) {
            by_vm.entry(vm.to_lowercase()).or_insert(item);
        }
    }
    let mut problems = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let groups = plan
        .groups
        .iter()
        .enumerate()
        .map(|(g, group)| {
            let mut out = Vec::new();
            for (v, vm) in group.vms.iter().enumerate() {
                let key = vm.to_lowercase();
                let Some(item) = by_name.get(&key).or_else(|| by_vm.get(&key)) else {
                    problems.push(PlanProblem::new(
                        format!("groups[{g}].vms[{v}]"),
                        ProblemKind::UnknownVm,
                        format!(
                            "VM `{vm}` of group `{}` is not protected in this vault (no protected item has that name or protects a VM of that name); enable protection first or fix the name",
                            group.name
                        ),
                    ));
                    continue;
                };
                let name = item.name.clone().unwrap_or_default();
                if let Some(first) = seen.get(&name.to_lowercase()) {
                    // The plain duplicate (same spelling) is check_shape's; this is two
                    // spellings of one item.
                    if first.to_lowercase() != key {
                        problems.push(PlanProblem::new(
                            format!("groups[{g}].vms[{v}]"),
                            ProblemKind::DuplicateVm,
                            format!("VM `{vm}` is protected item `{name}`, which the plan already lists as `{first}`; a VM belongs to one group"),
                        ));
                    }
                    continue;
                }
                seen.insert(name.to_lowercase(), vm.clone());
                out.push(Resolved {
                    vm: vm.clone(),
                    item: name,
                    source_vm_id: item.source_vm_id().map(str::to_owned),
                });
            }
            out
        })
        .collect();
    (groups, problems)
}

/// Whether `item` is already where `operation` leads (a run skips it, sending nothing).
pub(crate) fn already_done(operation: &Operation, item: &ProtectedItem) -> bool {
    use super::WaitCondition as W;
    let state = ItemState::from_item(item);
    if state.operation_in_flight() {
        return false;
    }
    let some = Some(item);
    match operation {
        Operation::TestFailover { .. } => W::TestFailoverCompleted.matches(some),
        Operation::CleanupTestFailover => W::TestFailoverCleanedUp.matches(some),
        Operation::PlannedFailover { .. } | Operation::UnplannedFailover { .. } => {
            state.direction == crate::lifecycle::Direction::Forward
                && (W::FailoverCompleted.matches(some) || W::FailoverCommitted.matches(some))
        }
        Operation::Failback { .. } => {
            state.direction == crate::lifecycle::Direction::Failback
                && (W::FailoverCompleted.matches(some) || W::FailoverCommitted.matches(some))
        }
        Operation::Commit => W::FailoverCommitted.matches(some) || state.is_failback_committed(),
        Operation::Reprotect => W::Reprotected.matches(some),
        _ => false,
    }
}

/// The problems of `plan` for `operation` in `vault`, all at once; an empty list means the
/// plan can run. Nothing is sent but reads: one list of the vault's protected items.
///
/// Checks: the plan's shape ([`RecoveryPlan::check_shape`]), every VM protected in the vault,
/// no VM twice, every hook registered and an approval handler if there are gates, the lifecycle
/// allowing the operation for every item not already done, and the blockers of
/// `options.preflight`.
///
/// ```no_run
/// # async fn run(client: azs_site_recovery::SiteRecoveryClient) -> Result<(), azs_site_recovery::Error> {
/// use azs_site_recovery::orchestrate::plan::{self, PlanHooks, PlanOperation, PlanRecoveryPoint, RecoveryPlan, ValidateOptions};
/// let vault = azs_site_recovery::id::VaultId::new("sub", "asr-rg", "asrvault");
/// let plan = RecoveryPlan::new("tier").group("web", ["web-01", "web-02"]);
/// let drill = PlanOperation::test_failover(PlanRecoveryPoint::LatestProcessed, true);
/// let problems = plan::validate(&client, &vault, &plan, &drill, &PlanHooks::new(), &ValidateOptions::default()).await?;
/// for p in &problems { eprintln!("{p}"); }
/// # Ok(()) }
/// ```
pub async fn validate(
    client: &SiteRecoveryClient,
    vault: &VaultId,
    plan: &RecoveryPlan,
    operation: &PlanOperation,
    hooks: &PlanHooks,
    options: &ValidateOptions,
) -> Result<Vec<PlanProblem>, Error> {
    let items: Vec<ProtectedItem> = client.protected_items(vault).list().try_collect().await?;
    Ok(validate_against(
        client.lifecycle(),
        plan,
        operation,
        hooks,
        options,
        &items,
        client.pipeline().clock().now(),
    ))
}

/// [`validate`] over items already read.
pub(crate) fn validate_against(
    lifecycle: &Lifecycle,
    plan: &RecoveryPlan,
    operation: &PlanOperation,
    hooks: &PlanHooks,
    options: &ValidateOptions,
    items: &[ProtectedItem],
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<PlanProblem> {
    let mut problems = plan.check_shape();
    let (groups, unresolved) = resolve(plan, items);
    problems.extend(unresolved);
    let mut gates = false;
    for (g, group) in plan.groups.iter().enumerate() {
        for (position, steps) in [("before", &group.before), ("after", &group.after)] {
            for (s, step) in steps.iter().enumerate() {
                match step {
                    PlanStep::Hook { name } if !name.trim().is_empty() && !hooks.has_hook(name) => {
                        problems.push(PlanProblem::new(
                            format!("groups[{g}].{position}[{s}]"),
                            ProblemKind::UnregisteredHook,
                            format!("hook `{name}` is not registered; register it with PlanHooks::hook(\"{name}\", ...) or remove the step"),
                        ));
                    }
                    PlanStep::Approval { .. } => gates = true,
                    _ => {}
                }
            }
        }
    }
    if gates && !hooks.has_approval_handler() {
        problems.push(PlanProblem::new(
            "groups",
            ProblemKind::NoApprovalHandler,
            "the plan has approval gates and the run has no approval handler; set one with PlanHooks::approval (or auto_approve for unattended drills)",
        ));
    }
    let lifecycle = lifecycle.clone().at(now);
    let op = operation.item_operation();
    let by_name: BTreeMap<&str, &ProtectedItem> = items
        .iter()
        .filter_map(|i| Some((i.name.as_deref()?, i)))
        .collect();
    for (g, group) in groups.iter().enumerate() {
        for r in group {
            let Some(item) = by_name.get(r.item.as_str()) else {
                continue;
            };
            if already_done(&op, item) {
                continue;
            }
            if let Err(refusal) = lifecycle.check(&ItemState::from_item(item), &op) {
                let v = plan.groups[g]
                    .vms
                    .iter()
                    .position(|v| v == &r.vm)
                    .unwrap_or(0);
                problems.push(PlanProblem::new(
                    format!("groups[{g}].vms[{v}]"),
                    ProblemKind::LifecycleRefusal,
                    format!("{} (protected item {}): {refusal}", r.vm, r.item),
                ));
            }
        }
    }
    if let Some(report) = &options.preflight {
        if let Some(intent) = operation.intent() {
            if report.intent != intent {
                problems.push(PlanProblem::new(
                    "preflight",
                    ProblemKind::PreflightIntent,
                    format!(
                        "the preflight report checks for {}, the plan runs a {operation}; gather one for {intent}",
                        report.intent
                    ),
                ));
            }
        }
        for f in report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Blocker)
        {
            problems.push(PlanProblem::new(
                "preflight",
                ProblemKind::PreflightBlocker,
                format!(
                    "{} on {}: {} What to do: {}",
                    f.code, f.resource, f.message, f.remedy
                ),
            ));
        }
    }
    problems
}
