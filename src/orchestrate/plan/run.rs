//! Running a plan: steps in order, a checkpoint after each, resume from any checkpoint.
//!
//! The service is the truth, the checkpoint only says where the run was (as kube-runtime's
//! controllers reconcile): every group operation reads the vault's items once, then for each
//! item decides from its state — already where the operation leads (nothing sent), an
//! operation of ours in flight (attach to it: the saved poller continuation, or the item's
//! running job), or send the action (lifecycle-checked against the item just read, no extra
//! GET). So a run resumed from any checkpoint never sends an accepted action twice.

use super::hooks::{Approval, ApprovalRequest, HookContext, HookItem, PlanHooks};
use super::steps::RunStep;
use super::validate::{already_done, resolve, validate_against, PlanProblem, Resolved};
use super::{PlanOperation, PlanStep, RecoveryPlan, ValidateOptions};
use crate::client::{ActionOptions, Handle, Poller, PollerContinuation};
use crate::id::VaultId;
use crate::lifecycle::conditions::{self, Condition};
use crate::lifecycle::{ItemState, Operation};
use crate::model::ProtectedItem;
use crate::orchestrate::report::{
    seconds_between, timestamp, GroupRecord, RunOutcome, RunReport, StepRecord, VmOutcome, VmRecord,
};
use crate::{Error, SiteRecoveryClient};
use futures_util::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

/// What a run does when a group fails (a VM failed, a gate refused, a hook failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum FailurePolicy {
    /// Stop at the first failed group (default): later groups do not run.
    #[default]
    StopAtFirstFailedGroup,
    /// Go on with the next groups (a group whose steps before it failed is skipped).
    Continue,
}

/// The settings of a plan run (kept in its checkpoints).
///
/// ```
/// use azs_site_recovery::orchestrate::plan::{FailurePolicy, PlanRunOptions};
/// let o = PlanRunOptions::default().cleanup_on_stop(true).concurrency(20);
/// assert_eq!(o.failure_policy, FailurePolicy::StopAtFirstFailedGroup);
/// assert_eq!(o.concurrency, 20);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PlanRunOptions {
    /// Stop at the first failed group, or go on.
    #[serde(default)]
    pub failure_policy: FailurePolicy,
    /// For a test failover: when the run stops, clean up the test failovers it started
    /// (groups in reverse order).
    #[serde(default)]
    pub cleanup_on_stop: bool,
    /// At most this many operations in flight at once (default 10, as the portal).
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
}

fn default_concurrency() -> usize {
    10
}

impl Default for PlanRunOptions {
    fn default() -> Self {
        PlanRunOptions {
            failure_policy: FailurePolicy::default(),
            cleanup_on_stop: false,
            concurrency: default_concurrency(),
        }
    }
}

impl PlanRunOptions {
    /// Sets the failure policy.
    pub fn failure_policy(mut self, policy: FailurePolicy) -> Self {
        self.failure_policy = policy;
        self
    }

    /// Cleans up what a stopped test failover started.
    pub fn cleanup_on_stop(mut self, yes: bool) -> Self {
        self.cleanup_on_stop = yes;
        self
    }

    /// At most `n` operations in flight (at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum RunStatus {
    /// Walking the plan's steps.
    Running,
    /// Stopped after a failure; cleaning up the test failovers it started.
    Unwinding,
    /// Done (succeeded or not: see the report).
    Finished,
}

/// An operation the run sent and the service accepted, not finished when the checkpoint was
/// taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InFlightItem {
    /// The index of its record in the report's `vms`.
    pub record: usize,
    /// Where to resume polling it.
    pub continuation: PollerContinuation,
}

/// The state of a plan run, emitted after every step (and after each batch of actions the
/// service accepted). Serializable: store it where you like; [`PlanRunner::resume`] continues
/// from it, in this process or another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PlanCheckpoint {
    /// The checkpoint format's version (1).
    pub schema_version: u32,
    /// The vault's ARM id.
    pub vault: String,
    /// The plan.
    pub plan: RecoveryPlan,
    /// The plan operation.
    pub operation: PlanOperation,
    /// The run's options.
    pub options: PlanRunOptions,
    /// The steps of the run, in order (cleanup steps are added when a stopped test failover
    /// unwinds).
    pub steps: Vec<RunStep>,
    /// The index of the next step to run.
    pub next_step: usize,
    /// Where the run is.
    pub status: RunStatus,
    /// Groups whose operation does not run (a step before them failed, policy `continue`).
    #[serde(default)]
    pub skipped_groups: BTreeSet<usize>,
    /// Operations accepted by the service and not finished, by protected item.
    #[serde(default)]
    pub in_flight: BTreeMap<String, InFlightItem>,
    /// The report so far.
    pub report: RunReport,
    #[serde(default)]
    groups: Vec<Vec<Resolved>>,
}

impl PlanCheckpoint {
    /// The checkpoint as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a checkpoint saved with [`PlanCheckpoint::to_json`].
    pub fn from_json(text: &str) -> Result<Self, PlanError> {
        serde_json::from_str(text).map_err(|e| {
            PlanError::Checkpoint(format!(
                "not a plan checkpoint (line {} column {}): {e}",
                e.line(),
                e.column()
            ))
        })
    }

    /// `true` when the run has finished.
    pub fn is_finished(&self) -> bool {
        self.status == RunStatus::Finished
    }
}

/// Why a plan run could not start or go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The plan has problems; nothing was sent.
    #[error("the recovery plan has {} problem(s); nothing was sent:\n{}", .0.len(), .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<PlanProblem>),
    /// A request failed in a way the run cannot record against one VM (the vault could not
    /// be listed). Resume from the last checkpoint once it is fixed.
    #[error("the plan run stopped: {0}")]
    Client(#[from] Error),
    /// A checkpoint that cannot be resumed.
    #[error("cannot resume: {0}")]
    Checkpoint(String),
}

/// Runs recovery plans against one vault.
///
/// ```no_run
/// # async fn run(client: azs_site_recovery::SiteRecoveryClient) -> Result<(), Box<dyn std::error::Error>> {
/// use azs_site_recovery::orchestrate::plan::*;
/// use std::ops::ControlFlow;
/// let vault = azs_site_recovery::id::VaultId::new("sub", "asr-rg", "asrvault");
/// let plan = RecoveryPlan::from_file("plans/three-tier.json")?;
/// let runner = PlanRunner::new(client, vault)
///     .hooks(PlanHooks::new().auto_approve("scheduled drill"));
/// let drill = PlanOperation::test_failover(PlanRecoveryPoint::LatestProcessed, true);
/// let report = runner
///     .run(&plan, &drill, |checkpoint| {
///         let _ = std::fs::write("drill.checkpoint.json", checkpoint.to_json());
///         ControlFlow::Continue(())
///     })
///     .await?;
/// std::fs::write("report.xml", report.to_junit_xml())?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PlanRunner {
    client: SiteRecoveryClient,
    vault: VaultId,
    hooks: PlanHooks,
    options: PlanRunOptions,
    validate: ValidateOptions,
}

impl PlanRunner {
    /// A runner on `vault`, with no hooks and default options.
    pub fn new(client: SiteRecoveryClient, vault: VaultId) -> Self {
        PlanRunner {
            client,
            vault,
            hooks: PlanHooks::new(),
            options: PlanRunOptions::default(),
            validate: ValidateOptions::default(),
        }
    }

    /// The hooks and approval handler.
    pub fn hooks(mut self, hooks: PlanHooks) -> Self {
        self.hooks = hooks;
        self
    }

    /// The run options.
    pub fn options(mut self, options: PlanRunOptions) -> Self {
        self.options = options;
        self
    }

    /// What validation checks besides the vault (a preflight report).
    pub fn validate_options(mut self, options: ValidateOptions) -> Self {
        self.validate = options;
        self
    }

    /// Validates `plan` for `operation` (every problem at once, nothing sent:
    /// [`PlanError::Invalid`]), then runs it. `on_checkpoint` gets the run's state after every
    /// step; returning `ControlFlow::Break(())` stops the run there (the report's outcome is
    /// then `interrupted`: resume from that checkpoint).
    ///
    /// Failures of VMs, gates and hooks are in the report, not errors.
    pub async fn run(
        &self,
        plan: &RecoveryPlan,
        operation: &PlanOperation,
        on_checkpoint: impl FnMut(&PlanCheckpoint) -> ControlFlow<()>,
    ) -> Result<RunReport, PlanError> {
        let items: Vec<ProtectedItem> = self
            .client
            .protected_items(&self.vault)
            .list()
            .try_collect()
            .await?;
        let now = self.now();
        let problems = validate_against(
            self.client.lifecycle(),
            plan,
            operation,
            &self.hooks,
            &self.validate,
            &items,
            now,
        );
        if !problems.is_empty() {
            return Err(PlanError::Invalid(problems));
        }
        let (groups, _) = resolve(plan, &items);
        let steps = RunStep::for_plan(plan, operation);
        // The validation's read serves the first phase too.
        let listing = steps.iter().find_map(|s| match s {
            RunStep::Operation { .. } => Some(Listing::new("operation", now, items.clone())),
            RunStep::Cleanup { .. } => Some(Listing::new("cleanup", now, items.clone())),
            _ => None,
        });
        let mut report = RunReport::new("plan", &plan.name, operation.to_string(), timestamp(now));
        report.preflight = self
            .validate
            .preflight
            .as_ref()
            .map(|p| p.findings.clone())
            .unwrap_or_default();
        report.groups = plan
            .groups
            .iter()
            .map(|g| GroupRecord {
                name: g.name.clone(),
                vms: g.vms.clone(),
                steps: Vec::new(),
            })
            .collect();
        let checkpoint = PlanCheckpoint {
            schema_version: 1,
            vault: self.vault.to_string(),
            plan: plan.clone(),
            operation: operation.clone(),
            options: self.options.clone(),
            steps,
            next_step: 0,
            status: RunStatus::Running,
            skipped_groups: BTreeSet::new(),
            in_flight: BTreeMap::new(),
            report,
            groups,
        };
        self.drive(checkpoint, listing, on_checkpoint).await
    }

    /// Continues a run from `checkpoint` (saved by `on_checkpoint` of [`PlanRunner::run`] or of
    /// an earlier resume). Operations the service accepted are attached to, never sent again;
    /// the items' state is read again and is the truth. The runner's hooks are used (register
    /// the same ones); the options are the checkpoint's.
    pub async fn resume(
        &self,
        checkpoint: PlanCheckpoint,
        on_checkpoint: impl FnMut(&PlanCheckpoint) -> ControlFlow<()>,
    ) -> Result<RunReport, PlanError> {
        if checkpoint.schema_version != 1 {
            return Err(PlanError::Checkpoint(format!(
                "checkpoint schemaVersion {} is not 1",
                checkpoint.schema_version
            )));
        }
        if !checkpoint
            .vault
            .eq_ignore_ascii_case(&self.vault.to_string())
        {
            return Err(PlanError::Checkpoint(format!(
                "the checkpoint is of vault {}, this runner's is {}",
                checkpoint.vault, self.vault
            )));
        }
        if checkpoint.groups.len() != checkpoint.plan.groups.len() {
            return Err(PlanError::Checkpoint(
                "the checkpoint's groups do not match its plan".to_owned(),
            ));
        }
        self.drive(checkpoint, None, on_checkpoint).await
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.client.pipeline().clock().now()
    }

    fn items(&self) -> Handle<ProtectedItem> {
        self.client.protected_items(&self.vault)
    }

    async fn drive(
        &self,
        mut cp: PlanCheckpoint,
        mut listing: Option<Listing>,
        mut on_checkpoint: impl FnMut(&PlanCheckpoint) -> ControlFlow<()>,
    ) -> Result<RunReport, PlanError> {
        cp.options.concurrency = cp.options.concurrency.max(1);
        while cp.status != RunStatus::Finished {
            let Some(step) = cp.steps.get(cp.next_step).cloned() else {
                self.finish(&mut cp);
                let _ = on_checkpoint(&cp);
                break;
            };
            let ok = match self
                .step(&mut cp, &step, &mut listing, &mut on_checkpoint)
                .await?
            {
                ControlFlow::Continue(ok) => ok,
                ControlFlow::Break(()) => return Ok(interrupted(&cp)),
            };
            cp.next_step += 1;
            if !ok {
                self.on_group_failed(&mut cp, &step);
            }
            if cp.next_step >= cp.steps.len() {
                self.finish(&mut cp);
                let _ = on_checkpoint(&cp);
                break;
            }
            if on_checkpoint(&cp).is_break() {
                return Ok(interrupted(&cp));
            }
        }
        Ok(cp.report)
    }

    /// A group failed at `step`: stop (and unwind a test failover), skip the group, or go on.
    fn on_group_failed(&self, cp: &mut PlanCheckpoint, step: &RunStep) {
        let g = step.group();
        let group = cp.plan.groups[g].name.clone();
        if cp.status == RunStatus::Unwinding {
            return;
        }
        match cp.options.failure_policy {
            FailurePolicy::Continue => {
                if matches!(step, RunStep::Before { .. } | RunStep::Shutdown { .. }) {
                    cp.skipped_groups.insert(g);
                }
            }
            FailurePolicy::StopAtFirstFailedGroup => {
                cp.report.stop_reason = Some(format!(
                    "group `{group}` failed; the run stopped there (failure policy: stop at the first failed group)"
                ));
                cp.steps.truncate(cp.next_step);
                let tfo = matches!(cp.operation, PlanOperation::TestFailover { .. });
                if tfo && cp.options.cleanup_on_stop {
                    let started: BTreeSet<usize> = cp
                        .steps
                        .iter()
                        .filter_map(|s| match s {
                            RunStep::Operation { group } => Some(*group),
                            _ => None,
                        })
                        .collect();
                    cp.steps.extend(
                        started
                            .into_iter()
                            .rev()
                            .map(|group| RunStep::Cleanup { group }),
                    );
                    cp.status = RunStatus::Unwinding;
                }
            }
        }
    }

    fn finish(&self, cp: &mut PlanCheckpoint) {
        // VMs of groups the run never reached: recorded as not run, so the report lists
        // every VM of the plan.
        let op = cp.operation.item_operation().to_string();
        let recorded: std::collections::HashSet<(&str, &str)> = cp
            .report
            .vms
            .iter()
            .filter(|v| v.operation == op)
            .filter_map(|v| Some((v.group.as_deref()?, v.item.as_str())))
            .collect();
        let mut missing = Vec::new();
        for (g, group) in cp.groups.iter().enumerate() {
            let name = &cp.plan.groups[g].name;
            for r in group {
                if !recorded.contains(&(name.as_str(), r.item.as_str())) {
                    missing.push((g, r.clone()));
                }
            }
        }
        let why = cp
            .report
            .stop_reason
            .clone()
            .unwrap_or_else(|| "not run".to_owned());
        for (g, r) in missing {
            let mut rec = record(&cp.plan.groups[g].name, &r, &op);
            rec.outcome = VmOutcome::NotRun;
            rec.error = Some(why.clone());
            cp.report.vms.push(rec);
        }
        let stop = cp.report.stop_reason.take();
        cp.report.finish(timestamp(self.now()), stop);
        cp.status = RunStatus::Finished;
        cp.in_flight.clear();
    }

    /// Runs one step; `Continue(false)` when the group failed at it.
    async fn step(
        &self,
        cp: &mut PlanCheckpoint,
        step: &RunStep,
        listing: &mut Option<Listing>,
        on_checkpoint: &mut impl FnMut(&PlanCheckpoint) -> ControlFlow<()>,
    ) -> Result<ControlFlow<(), bool>, PlanError> {
        let g = step.group();
        let skipped = cp.skipped_groups.contains(&g);
        match step {
            RunStep::Operation { group } => {
                let op = cp.operation.item_operation();
                if skipped {
                    self.skip_operation(cp, *group, &op);
                    return Ok(ControlFlow::Continue(true));
                }
                self.group_operation(cp, *group, op, "operation", listing, on_checkpoint)
                    .await
            }
            RunStep::Cleanup { group } => {
                self.group_operation(
                    cp,
                    *group,
                    Operation::CleanupTestFailover,
                    "cleanup",
                    listing,
                    on_checkpoint,
                )
                .await
            }
            RunStep::Before { group, index } | RunStep::After { group, index } => {
                let position = if matches!(step, RunStep::Before { .. }) {
                    "before"
                } else {
                    "after"
                };
                let plan_step = {
                    let pg = &cp.plan.groups[*group];
                    let list = if position == "before" {
                        &pg.before
                    } else {
                        &pg.after
                    };
                    list.get(*index).cloned()
                };
                let Some(plan_step) = plan_step else {
                    return Err(PlanError::Checkpoint(format!(
                        "the checkpoint's plan has no step {position}[{index}] in group {group}"
                    )));
                };
                if skipped {
                    let mut rec =
                        step_record(position, plan_step.kind(), plan_step.describe(), None);
                    rec.outcome = "skipped".to_owned();
                    rec.detail = Some("the group was skipped: a step before it failed".to_owned());
                    cp.report.groups[*group].steps.push(rec);
                    return Ok(ControlFlow::Continue(true));
                }
                let rec = self.plan_step(cp, *group, position, &plan_step).await;
                let ok = !rec.is_failure();
                cp.report.groups[*group].steps.push(rec);
                Ok(ControlFlow::Continue(ok))
            }
            RunStep::Shutdown { group } => {
                let started = self.now();
                let mut rec = step_record(
                    "shutdown",
                    "shutdown",
                    format!(
                        "shut down the source VMs of `{}`",
                        cp.plan.groups[*group].name
                    ),
                    Some(started),
                );
                if self.hooks.has_hook(PlanHooks::SHUTDOWN_SOURCE) {
                    let ctx = self.hook_context(cp, *group, "shutdown").await;
                    match self.hooks.run_hook(PlanHooks::SHUTDOWN_SOURCE, ctx).await {
                        Ok(d) => {
                            rec.outcome = "succeeded".to_owned();
                            rec.detail = Some(d);
                        }
                        Err(e) => {
                            rec.outcome = "failed".to_owned();
                            rec.detail = Some(e);
                        }
                    }
                } else {
                    rec.outcome = "skipped".to_owned();
                    rec.detail = Some(format!(
                        "no `{}` hook: each planned failover asks the service to shut its source VM down (shutdownSourceVM)",
                        PlanHooks::SHUTDOWN_SOURCE
                    ));
                }
                self.end_step(&mut rec, started);
                let ok = !rec.is_failure();
                cp.report.groups[*group].steps.push(rec);
                Ok(ControlFlow::Continue(ok))
            }
        }
    }

    fn end_step(&self, rec: &mut StepRecord, started: chrono::DateTime<chrono::Utc>) {
        let ended = self.now();
        rec.ended = Some(timestamp(ended));
        rec.duration_seconds = Some((ended - started).num_milliseconds().max(0) as f64 / 1000.0);
    }

    fn skip_operation(&self, cp: &mut PlanCheckpoint, g: usize, op: &Operation) {
        let name = cp.plan.groups[g].name.clone();
        let op = op.to_string();
        for r in &cp.groups[g] {
            let mut rec = record(&name, r, &op);
            rec.outcome = VmOutcome::NotRun;
            rec.error = Some("skipped: a step before the group failed".to_owned());
            cp.report.vms.push(rec);
        }
        let mut s = step_record(
            "operation",
            &op,
            format!("{op} of {} VMs", cp.groups[g].len()),
            None,
        );
        s.outcome = "skipped".to_owned();
        cp.report.groups[g].steps.push(s);
    }

    async fn hook_context(&self, cp: &PlanCheckpoint, g: usize, position: &str) -> HookContext {
        // One list for the hook's view of the items; a failed read leaves the details out.
        let listed: BTreeMap<String, ProtectedItem> = self
            .items()
            .list()
            .try_collect::<Vec<ProtectedItem>>()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter_map(|i| Some((i.name.clone()?, i)))
            .collect();
        let items = cp.groups[g]
            .iter()
            .map(|r| {
                let item = listed.get(&r.item);
                let az = item
                    .and_then(|i| i.custom_properties())
                    .and_then(|c| c.as_azstack());
                HookItem {
                    vm: r.vm.clone(),
                    item: r.item.clone(),
                    source_vm_id: r.source_vm_id.clone(),
                    target_vm_name: item
                        .and_then(|i| i.custom_properties())
                        .and_then(|c| c.target_vm_name())
                        .map(str::to_owned),
                    target_resource_group_id: az.and_then(|c| c.target_resource_group_id.clone()),
                }
            })
            .collect();
        HookContext {
            plan: cp.plan.name.clone(),
            group: cp.plan.groups[g].name.clone(),
            operation: cp.operation.to_string(),
            position: position.to_owned(),
            items,
            client: self.client.clone(),
        }
    }

    async fn plan_step(
        &self,
        cp: &PlanCheckpoint,
        g: usize,
        position: &str,
        step: &PlanStep,
    ) -> StepRecord {
        let started = self.now();
        let mut rec = step_record(position, step.kind(), step.describe(), Some(started));
        let (outcome, detail) = match step {
            PlanStep::Wait { seconds } => {
                self.client
                    .pipeline()
                    .sleeper()
                    .sleep(std::time::Duration::from_secs(*seconds))
                    .await;
                ("succeeded", None)
            }
            PlanStep::Approval { name, message } => {
                let req = ApprovalRequest {
                    plan: cp.plan.name.clone(),
                    group: cp.plan.groups[g].name.clone(),
                    gate: name.clone(),
                    message: message.clone(),
                    operation: cp.operation.to_string(),
                    position: position.to_owned(),
                    vms: cp.plan.groups[g].vms.clone(),
                };
                match self.hooks.ask(req).await {
                    Approval::Approved { by, note } => {
                        rec.approved_by = Some(by);
                        ("succeeded", note)
                    }
                    Approval::Refused { by, reason } => {
                        rec.approved_by = Some(by);
                        ("refused", Some(reason))
                    }
                }
            }
            PlanStep::Hook { name } => {
                let ctx = self.hook_context(cp, g, position).await;
                match self.hooks.run_hook(name, ctx).await {
                    Ok(d) => ("succeeded", Some(d)),
                    Err(e) => ("failed", Some(e)),
                }
            }
            PlanStep::WaitFor { condition } => {
                let items = self.items();
                let cond = *condition;
                let waits = cp.groups[g].iter().map(|r| {
                    let items = items.clone();
                    async move {
                        let done = move |i: Option<&ProtectedItem>| {
                            cond.matches(i) || conditions::has_failed().matches(i)
                        };
                        match items.wait_until(&r.item, done).await {
                            Ok(i) if cond.matches(i.as_ref()) => None,
                            Ok(i) => Some(format!(
                                "{} ended in {}",
                                r.vm,
                                i.as_ref().map_or("(deleted)".to_owned(), final_state)
                            )),
                            Err(e) => Some(format!("{}: {e}", r.vm)),
                        }
                    }
                });
                let failures: Vec<String> = futures_util::stream::iter(waits)
                    .buffered(cp.options.concurrency.max(1))
                    .filter_map(|f| async move { f })
                    .collect()
                    .await;
                if failures.is_empty() {
                    ("succeeded", None)
                } else {
                    ("failed", Some(failures.join("; ")))
                }
            }
        };
        rec.outcome = outcome.to_owned();
        rec.detail = detail;
        self.end_step(&mut rec, started);
        rec
    }

    /// `operation` over group `g`'s items, `options.concurrency` at a time.
    async fn group_operation(
        &self,
        cp: &mut PlanCheckpoint,
        g: usize,
        operation: Operation,
        position: &'static str,
        listing: &mut Option<Listing>,
        on_checkpoint: &mut impl FnMut(&PlanCheckpoint) -> ControlFlow<()>,
    ) -> Result<ControlFlow<(), bool>, PlanError> {
        let started = self.now();
        let group_name = cp.plan.groups[g].name.clone();
        let op_name = operation.to_string();
        // One list of the vault per phase: every decision below is made on it.
        if listing.as_ref().is_none_or(|l| l.position != position) {
            let at = self.now();
            let items = self
                .items()
                .list()
                .try_collect::<Vec<ProtectedItem>>()
                .await?;
            *listing = Some(Listing::new(position, at, items));
        }
        let Some(listed) = listing.as_ref() else {
            return Err(PlanError::Checkpoint("no listing of the vault".to_owned()));
        };
        let listed_at = listed.at;
        let listed = &listed.items;
        let run_started = cp.report.started.clone();
        let with_rpo = operation.recovery_point().is_some()
            || matches!(
                operation,
                Operation::PlannedFailover { .. } | Operation::Failback { .. }
            );
        // Re-protect needs its body (appliance, log storage, failback policy and extension).
        let body = match (&cp.operation, &operation) {
            (PlanOperation::Reprotect { body }, Operation::Reprotect) => {
                Some(serde_json::to_value(body).map_err(|e| {
                    Error::invalid_input("re-protect body", format!("cannot serialize it: {e}"))
                })?)
            }
            _ => None,
        };
        let concurrency = cp.options.concurrency.max(1);
        let members = cp.groups[g].clone();
        // This group's records of this operation (a resumed step has some), by item.
        let records: std::collections::HashMap<String, usize> = cp
            .report
            .vms
            .iter()
            .enumerate()
            .filter(|(_, v)| {
                v.group.as_deref() == Some(group_name.as_str()) && v.operation == op_name
            })
            .map(|(i, v)| (v.item.clone(), i))
            .collect();
        for chunk in members.chunks(concurrency) {
            // Phase 1: decide and start, each item on its own.
            let mut todo = Vec::new();
            for r in chunk {
                let existing = records.get(r.item.as_str()).copied();
                let index = match existing {
                    Some(i) if cp.report.vms[i].outcome != VmOutcome::Pending => continue,
                    Some(i) => i,
                    None => {
                        let mut rec = record(&group_name, r, &op_name);
                        rec.started = Some(timestamp(self.now()));
                        cp.report.vms.push(rec);
                        cp.report.vms.len() - 1
                    }
                };
                let item = listed.get(&r.item.to_lowercase()).cloned();
                if with_rpo {
                    cp.report.vms[index].rpo_seconds =
                        item.as_ref().and_then(|i| rpo(i, listed_at));
                }
                let cont = cp.in_flight.get(&r.item).map(|f| f.continuation.clone());
                todo.push((index, r.clone(), item, cont));
            }
            let starts = todo.into_iter().map(|(index, r, item, cont)| {
                let operation = operation.clone();
                let run_started = run_started.clone();
                let body = body.clone();
                async move {
                    let start = self
                        .start(&r, &operation, item, cont, &run_started, body)
                        .await;
                    (index, r, start)
                }
            });
            let started_now: Vec<(usize, Resolved, Start)> = futures_util::stream::iter(starts)
                .buffer_unordered(concurrency)
                .collect()
                .await;
            let mut sent = false;
            for (index, r, s) in &started_now {
                if let Start::Sent(p) = s {
                    sent = true;
                    cp.in_flight.insert(
                        r.item.clone(),
                        InFlightItem {
                            record: *index,
                            continuation: p.continuation(),
                        },
                    );
                }
            }
            // The service accepted these: a checkpoint now lets a resume attach to them.
            if sent && on_checkpoint(cp).is_break() {
                return Ok(ControlFlow::Break(()));
            }
            // Phase 2: wait for each.
            let waits = started_now.into_iter().map(|(index, r, s)| {
                let operation = &operation;
                async move {
                    let outcome = self.finish_one(&r, operation, s).await;
                    (index, r, outcome)
                }
            });
            let done: Vec<(usize, Resolved, Finished)> = futures_util::stream::iter(waits)
                .buffer_unordered(concurrency)
                .collect()
                .await;
            let now = timestamp(self.now());
            for (index, r, f) in done {
                cp.in_flight.remove(&r.item);
                let rec = &mut cp.report.vms[index];
                rec.ended = Some(now.clone());
                rec.duration_seconds = rec
                    .started
                    .as_deref()
                    .and_then(|s| seconds_between(s, &now));
                rec.outcome = f.outcome;
                rec.error = f.error;
                rec.final_state = f.final_state;
                if let Some(j) = f.job_id {
                    if !rec.job_ids.contains(&j) {
                        rec.job_ids.push(j);
                    }
                }
            }
        }
        let records: Vec<&VmRecord> = cp
            .report
            .vms
            .iter()
            .filter(|v| v.group.as_deref() == Some(group_name.as_str()) && v.operation == op_name)
            .collect();
        let failed = records.iter().filter(|v| v.outcome.is_failure()).count();
        let mut s = step_record(
            position,
            &op_name,
            format!("{op_name} of {} VMs", records.len()),
            Some(started),
        );
        s.outcome = if failed == 0 { "succeeded" } else { "failed" }.to_owned();
        if failed > 0 {
            s.detail = Some(format!("{failed} of {} VMs failed", records.len()));
        }
        self.end_step(&mut s, started);
        cp.report.groups[g].steps.push(s);
        Ok(ControlFlow::Continue(failed == 0))
    }

    /// Decides what to do for one item from its state as listed, and sends the action if
    /// that is what is needed.
    async fn start(
        &self,
        r: &Resolved,
        operation: &Operation,
        item: Option<ProtectedItem>,
        continuation: Option<PollerContinuation>,
        run_started: &str,
        body: Option<serde_json::Value>,
    ) -> Start {
        if let Some(c) = continuation {
            return Start::Sent(Box::new(self.client.resume_poller(c)));
        }
        let Some(item) = item else {
            return Start::Failed(
                VmOutcome::Failed,
                format!("protected item {} no longer exists in the vault", r.item),
            );
        };
        if already_done(operation, &item) {
            // Done by this run's own job (its start is after the run's) counts as this run's
            // success: a resume after a lost checkpoint reports what an uninterrupted run does.
            let ours = item
                .current_job()
                .and_then(|j| j.start_time.as_ref())
                .and_then(|t| t.to_utc())
                .zip(chrono::DateTime::parse_from_rfc3339(run_started).ok())
                .is_some_and(|(job, run)| job >= run);
            return Start::Done(Box::new(item), ours);
        }
        let state = ItemState::from_item(&item);
        if state.job_in_flight() {
            // Accepted before a crash that lost the checkpoint: wait on the item, send nothing.
            return Start::Attached;
        }
        let options = ActionOptions::default().with_current_item(item);
        // A 429 the pipeline's retries did not outlast slows this item down instead of failing
        // it: the service refused the request, so sending it again is safe.
        let mut backoff = std::time::Duration::from_secs(5);
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .items()
                .perform_with(&r.item, operation, body.clone(), &options)
                .await
            {
                Ok(p) => return Start::Sent(Box::new(p)),
                Err(e) if e.is_throttled() && attempt < THROTTLED_ATTEMPTS => {
                    self.client.pipeline().sleeper().sleep(backoff).await;
                    backoff = (backoff * 2).min(std::time::Duration::from_secs(120));
                }
                // The POST may have reached the service: never send it again; read the item
                // and follow whatever it is doing.
                Err(e @ (Error::MaybeSent(_) | Error::ResponseUnreadable(_))) => {
                    return Start::Uncertain(e.to_string())
                }
                Err(e) => {
                    let outcome = if matches!(e, Error::Refused(_)) {
                        VmOutcome::Refused
                    } else {
                        VmOutcome::Failed
                    };
                    return Start::Failed(outcome, e.to_string());
                }
            }
        }
    }

    async fn finish_one(&self, r: &Resolved, operation: &Operation, start: Start) -> Finished {
        let items = self.items();
        match start {
            Start::Uncertain(error) => {
                // Wait until nothing runs on the item, then judge by where it is.
                let settled = |i: Option<&ProtectedItem>| {
                    i.is_none_or(|i| !ItemState::from_item(i).operation_in_flight())
                };
                match items.wait_until(&r.item, settled).await {
                    Ok(Some(item)) if already_done(operation, &item) => {
                        Finished::from_item(VmOutcome::Succeeded, &item, None)
                    }
                    Ok(Some(item)) => Finished {
                        // No job of this operation ran: the item's job is an older one's.
                        job_id: None,
                        ..Finished::from_item(
                            VmOutcome::Failed,
                            &item,
                            Some(format!(
                                "{error}; the item did not reach the operation's end state (now {}), so the action was not resent: run the plan again to retry",
                                final_state(&item)
                            )),
                        )
                    },
                    Ok(None) => Finished {
                        error: Some(format!("{error}; protected item {} disappeared", r.item)),
                        ..Finished::empty(VmOutcome::Failed)
                    },
                    Err(e) => Finished {
                        error: Some(format!("{error}; then: {e}")),
                        ..Finished::empty(VmOutcome::Failed)
                    },
                }
            }
            Start::Sent(p) => match (*p).await {
                Ok(item) => Finished::from_item(VmOutcome::Succeeded, &item, None),
                Err(e) => {
                    let item = items.get_opt(&r.item).await.ok().flatten();
                    let mut f = match &item {
                        Some(i) => Finished::from_item(VmOutcome::Failed, i, None),
                        None => Finished::empty(VmOutcome::Failed),
                    };
                    f.error = Some(e.to_string());
                    f
                }
            },
            Start::Attached => {
                let done = |i: Option<&ProtectedItem>| {
                    i.is_none_or(|i| !ItemState::from_item(i).job_in_flight())
                };
                match items.wait_until(&r.item, done).await {
                    Ok(Some(item)) => {
                        let failed = conditions::has_failed().matches(Some(&item));
                        let outcome = if failed {
                            VmOutcome::Failed
                        } else {
                            VmOutcome::Succeeded
                        };
                        let error = failed.then(|| {
                            format!(
                                "the operation in flight on {} failed: {}",
                                r.item,
                                final_state(&item)
                            )
                        });
                        Finished::from_item(outcome, &item, error)
                    }
                    Ok(None) => Finished {
                        error: Some(format!("protected item {} disappeared", r.item)),
                        ..Finished::empty(VmOutcome::Failed)
                    },
                    Err(e) => Finished {
                        error: Some(e.to_string()),
                        ..Finished::empty(VmOutcome::Failed)
                    },
                }
            }
            Start::Done(item, true) => Finished::from_item(VmOutcome::Succeeded, &item, None),
            Start::Done(item, false) => {
                // Nothing ran for it: the item's job, if any, is an older operation's.
                let mut f = Finished::from_item(VmOutcome::AlreadyDone, &item, None);
                f.job_id = None;
                f
            }
            Start::Failed(outcome, error) => Finished {
                error: Some(error),
                ..Finished::empty(outcome)
            },
        }
    }
}

/// The vault's items as read once for a phase (the forward pass over the groups, or the
/// cleanup pass): later groups are decided on it, since the run's own operations on earlier
/// groups never change their items. Held in memory only: a resumed run reads again.
struct Listing {
    position: &'static str,
    at: chrono::DateTime<chrono::Utc>,
    items: BTreeMap<String, ProtectedItem>,
}

impl Listing {
    fn new(
        position: &'static str,
        at: chrono::DateTime<chrono::Utc>,
        items: Vec<ProtectedItem>,
    ) -> Self {
        Listing {
            position,
            at,
            items: items
                .into_iter()
                .filter_map(|i| Some((i.name.clone()?.to_lowercase(), i)))
                .collect(),
        }
    }
}

/// How many times an action answered 429 (after the pipeline's own retries) is tried.
const THROTTLED_ATTEMPTS: u32 = 6;

enum Start {
    Sent(Box<Poller<ProtectedItem>>),
    Attached,
    /// The action may or may not have reached the service (the error says why).
    Uncertain(String),
    Done(Box<ProtectedItem>, bool),
    Failed(VmOutcome, String),
}

struct Finished {
    outcome: VmOutcome,
    error: Option<String>,
    final_state: Option<String>,
    job_id: Option<String>,
}

impl Finished {
    fn empty(outcome: VmOutcome) -> Self {
        Finished {
            outcome,
            error: None,
            final_state: None,
            job_id: None,
        }
    }

    fn from_item(outcome: VmOutcome, item: &ProtectedItem, error: Option<String>) -> Self {
        Finished {
            outcome,
            error,
            final_state: Some(final_state(item)),
            job_id: item.current_job().and_then(|j| j.id.clone()),
        }
    }
}

fn interrupted(cp: &PlanCheckpoint) -> RunReport {
    let mut r = cp.report.clone();
    r.recount();
    r.outcome = RunOutcome::Interrupted;
    r
}

fn record(group: &str, r: &Resolved, op: &str) -> VmRecord {
    let mut rec = VmRecord::new(&r.vm, &r.item, op);
    rec.group = Some(group.to_owned());
    rec.source_vm_id = r.source_vm_id.clone();
    rec
}

fn step_record(
    position: &str,
    kind: &str,
    description: String,
    started: Option<chrono::DateTime<chrono::Utc>>,
) -> StepRecord {
    StepRecord {
        position: position.to_owned(),
        kind: kind.to_owned(),
        description,
        started: started.map(timestamp),
        ended: None,
        duration_seconds: None,
        outcome: "running".to_owned(),
        approved_by: None,
        detail: None,
    }
}

/// `Protected`, or `Protected (TestFailoverCompleted)` while a test failover is out.
pub(crate) fn final_state(item: &ProtectedItem) -> String {
    let p = item
        .protection_state()
        .map_or("(unknown)".to_owned(), |s| s.as_str().to_owned());
    match item.test_failover_state().map(|t| t.as_str()) {
        Some(t) if !t.is_empty() && t != "None" => format!("{p} ({t})"),
        _ => p,
    }
}

/// The age of the item's latest recovery point when it was read (`read_at`), in seconds: the
/// replication lag the operation started from.
fn rpo(item: &ProtectedItem, read_at: chrono::DateTime<chrono::Utc>) -> Option<i64> {
    let last = item
        .custom_properties()?
        .last_recovery_point_received()?
        .to_utc()?;
    Some((read_at - last).num_seconds().max(0))
}
