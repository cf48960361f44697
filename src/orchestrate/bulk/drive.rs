//! The run itself: read the vault once, decide per VM (skip, refuse, attach, start), then act
//! with at most N operations in flight, pacing starts down when the service answers 429.

use super::run::{BulkRunner, Ledger};
use super::types::{
    AgentRemovalRequest, BulkEvent, BulkEventKind, BulkItem, BulkOperation, FailureKind,
    ItemSnapshot, RefusalReport, VmFailure,
};
use crate::capacity::{reprotect_batches, CapacityAssumptions, VmDisks};
use crate::client::{ActionOptions, Handle, PollUpdate, Poller};
use crate::error::Error;
use crate::lifecycle::conditions::{self, Condition};
use crate::lifecycle::{ItemState, Operation};
use crate::model::{FabricAgent, Job, Phase, ProtectedItem};
use chrono::{DateTime, Utc};
use futures_util::stream::FuturesUnordered;
use futures_util::{StreamExt, TryStreamExt};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the run decided for one VM after reading the vault.
struct Work {
    item: BulkItem,
    /// The item as the vault list showed it (`None`: no such item).
    current: Option<ProtectedItem>,
    /// An operation of the wanted kind is already running on it: follow it, send nothing.
    attach: bool,
}

enum Decision {
    Skip(String),
    Refuse(RefusalReport),
    Fail(VmFailure),
    Attach,
    Start,
}

/// Spaces starts out after a 429: the pause doubles on each 429 and halves on each accepted
/// start.
struct Pacer {
    interval: Duration,
    next: DateTime<Utc>,
}

struct Ctx {
    runner: BulkRunner,
    operation: BulkOperation,
    items: Handle<ProtectedItem>,
    ledger: Arc<Mutex<Ledger>>,
    pacer: Mutex<Pacer>,
}

impl Ctx {
    fn now(&self) -> DateTime<Utc> {
        self.runner.client.pipeline().clock().now()
    }

    fn emit(&self, item: &str, kind: BulkEventKind) {
        let event = BulkEvent {
            item: item.to_owned(),
            at: self.now(),
            kind,
        };
        match self.ledger.lock() {
            Ok(mut l) => l.push(event),
            Err(poisoned) => poisoned.into_inner().push(event),
        }
    }

    fn annotate(&self, item: &str, f: impl FnOnce(&mut super::types::VmResult)) {
        match self.ledger.lock() {
            Ok(mut l) => l.annotate(item, f),
            Err(poisoned) => poisoned.into_inner().annotate(item, f),
        }
    }

    fn sending(&self, item: &str, on: bool) {
        self.ledger
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .sending(item, on);
    }

    fn fail(&self, item: &str, failure: VmFailure) {
        self.emit(item, BulkEventKind::Failed { failure });
    }

    async fn sleep(&self, d: Duration) {
        if !d.is_zero() {
            self.runner.client.pipeline().sleeper().sleep(d).await;
        }
    }

    /// Waits for this VM's turn to start (no wait unless the service has throttled).
    async fn pace(&self) {
        let wait = {
            let now = self.now();
            let mut p = self.pacer.lock().unwrap_or_else(|e| e.into_inner());
            let at = p.next.max(now);
            p.next = at + chrono::Duration::from_std(p.interval).unwrap_or_default();
            (at - now).to_std().unwrap_or_default()
        };
        self.sleep(wait).await;
    }

    /// A 429: slow every later start down; returns the new pause.
    fn throttled(&self) -> Duration {
        let o = &self.runner.options;
        let now = self.now();
        let mut p = self.pacer.lock().unwrap_or_else(|e| e.into_inner());
        p.interval = (p.interval * 2)
            .max(o.throttle_start_interval)
            .min(o.max_start_interval.max(o.throttle_start_interval));
        let resume = now + chrono::Duration::from_std(p.interval).unwrap_or_default();
        p.next = p.next.max(resume);
        p.interval
    }

    /// An accepted start: speed back up.
    fn accepted(&self) {
        let first = self.runner.options.throttle_start_interval;
        let mut p = self.pacer.lock().unwrap_or_else(|e| e.into_inner());
        p.interval /= 2;
        if p.interval < first / 2 {
            p.interval = Duration::ZERO;
        }
    }
}

/// Returns `Pending` once (waking itself at once): lets the caller take the events emitted
/// so far, and stop the run there, before the run goes on. Without it an in-process service
/// that never makes a request wait would run the whole bulk run inside one poll.
async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}

/// Drives one run to its end, pushing every event into `ledger`.
pub(super) async fn drive(
    runner: BulkRunner,
    operation: BulkOperation,
    items: Vec<BulkItem>,
    ledger: Arc<Mutex<Ledger>>,
) {
    let handle = runner.client.protected_items(&runner.vault);
    let now = runner.client.pipeline().clock().now();
    let ctx = Ctx {
        items: handle,
        operation,
        ledger,
        pacer: Mutex::new(Pacer {
            interval: Duration::ZERO,
            next: now,
        }),
        runner,
    };
    run(&ctx, items).await;
    let end = ctx.now();
    let mut l = ctx.ledger.lock().unwrap_or_else(|e| e.into_inner());
    l.finish(end);
}

async fn run(ctx: &Ctx, items: Vec<BulkItem>) {
    // Validation: one list of the vault, not one GET per VM.
    let listed: Result<Vec<ProtectedItem>, Error> = ctx.items.list().try_collect().await;
    let listed = match listed {
        Ok(l) => l,
        Err(e) => {
            let mut failure = VmFailure::from_error(&e);
            failure.message = format!(
                "the vault's protected items could not be listed, so nothing was sent: {}",
                failure.message
            );
            for it in &items {
                ctx.fail(&it.name, failure.clone());
            }
            return;
        }
    };
    let mut by_name: HashMap<String, ProtectedItem> = HashMap::with_capacity(listed.len());
    let mut by_vm: HashMap<String, String> = HashMap::new();
    for item in listed {
        let Some(name) = item.name.clone() else {
            continue;
        };
        if let Some(vm) = item.source_vm_id() {
            by_vm.insert(vm.to_ascii_lowercase(), name.clone());
        }
        by_name.insert(name.to_ascii_lowercase(), item);
    }
    let mut work = Vec::new();
    for mut it in items {
        let current = by_name.remove(&it.name.to_ascii_lowercase());
        if it.source_vm_id.is_none() {
            it.source_vm_id = current
                .as_ref()
                .and_then(|c| c.source_vm_id())
                .map(str::to_owned);
            if let Some(vm) = &it.source_vm_id {
                let vm = vm.clone();
                ctx.annotate(&it.name, |r| r.source_vm_id = Some(vm));
            }
        }
        match decide(ctx, &it, current.as_ref(), &by_vm) {
            Decision::Skip(reason) => ctx.emit(
                &it.name,
                BulkEventKind::Skipped {
                    reason,
                    state: ItemSnapshot::of(current.as_ref()),
                },
            ),
            Decision::Refuse(refusal) => ctx.emit(&it.name, BulkEventKind::Refused { refusal }),
            Decision::Fail(failure) => ctx.fail(&it.name, failure),
            Decision::Attach => work.push(Work {
                item: it,
                current,
                attach: true,
            }),
            Decision::Start => work.push(Work {
                item: it,
                current,
                attach: false,
            }),
        }
    }
    let work = match &ctx.operation {
        BulkOperation::Reprotect { body } => {
            let appliance = body
                .custom_properties()
                .and_then(|c| match c {
                    crate::model::ReprotectCustomProperties::AzStackToAzStackFailback(o) => {
                        o.appliance_id.clone()
                    }
                    _ => None,
                })
                .unwrap_or_default();
            let work = pack_reprotect(ctx, work, &appliance).await;
            for w in &work {
                let batch = (!w.attach).then_some(0);
                ctx.emit(&w.item.name, BulkEventKind::Queued { batch });
            }
            work
        }
        _ => {
            for w in &work {
                ctx.emit(&w.item.name, BulkEventKind::Queued { batch: None });
            }
            work
        }
    };
    let limit = ctx.runner.options.concurrency.max(1);
    let mut pending = work.into_iter();
    let mut in_flight = FuturesUnordered::new();
    loop {
        while in_flight.len() < limit {
            match pending.next() {
                Some(w) => in_flight.push(run_vm(ctx, w)),
                None => break,
            }
        }
        if in_flight.next().await.is_none() {
            break;
        }
        yield_now().await;
    }
}

/// The job scenarios that carry out `op` (normalized: lowercase, letters only).
fn scenarios(op: &BulkOperation) -> &'static [&'static str] {
    match op {
        BulkOperation::EnableProtection => &["enableprotection"],
        BulkOperation::TestFailover { .. } => &["testfailover"],
        BulkOperation::CleanupTestFailover => &["testfailovercleanup"],
        BulkOperation::PlannedFailover { .. } => &["plannedfailover"],
        BulkOperation::UnplannedFailover { .. } => &["unplannedfailover"],
        BulkOperation::Commit => &["commitfailover", "commit"],
        BulkOperation::Reprotect { .. } => &["reprotect"],
        BulkOperation::Failback { .. } => &["plannedfailover", "failback"],
        BulkOperation::DisableProtection { .. } | BulkOperation::ReenableAfterFailback => {
            &["disableprotection"]
        }
    }
}

fn normalize(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// `true` when the item already is where `op` would take it.
fn reached(op: &BulkOperation, s: &ItemState) -> Option<&'static str> {
    use crate::lifecycle::Direction;
    use crate::model::ProtectionState as P;
    let failed_over = matches!(
        s.protection_state,
        P::PlannedFailoverCompleted | P::UnplannedFailoverCompleted | P::CommitFailoverCompleted
    );
    let hit = match op {
        BulkOperation::EnableProtection => s.exists && initial_replication_done(s),
        BulkOperation::TestFailover { .. } => {
            s.test_failover_state == crate::model::TestFailoverState::TestFailoverCompleted
        }
        BulkOperation::CleanupTestFailover => s.exists && s.test_failover_state.is_none(),
        BulkOperation::PlannedFailover { .. } | BulkOperation::UnplannedFailover { .. } => {
            s.exists && s.direction == Direction::Forward && failed_over
        }
        BulkOperation::Commit => s.exists && s.protection_state == P::CommitFailoverCompleted,
        BulkOperation::Reprotect { .. } => s.is_reprotected(),
        BulkOperation::Failback { .. } => {
            s.exists && s.direction == Direction::Failback && failed_over
        }
        BulkOperation::DisableProtection { .. } => !s.exists,
        BulkOperation::ReenableAfterFailback => {
            s.exists
                && s.direction == Direction::Forward
                && initial_replication_done(s)
                && !failed_over
        }
    };
    hit.then_some(match op {
        BulkOperation::EnableProtection => "already protected",
        BulkOperation::TestFailover { .. } => "test failover already completed",
        BulkOperation::CleanupTestFailover => "no test failover to clean up",
        BulkOperation::PlannedFailover { .. } | BulkOperation::UnplannedFailover { .. } => {
            "already failed over"
        }
        BulkOperation::Commit => "failover already committed",
        BulkOperation::Reprotect { .. } => "already re-protected",
        BulkOperation::Failback { .. } => "already failed back",
        BulkOperation::DisableProtection { .. } => "no protected item (already disabled)",
        BulkOperation::ReenableAfterFailback => "already protected again",
    })
}

/// Initial replication is over (as [`conditions::initial_replication_done`]).
fn initial_replication_done(s: &ItemState) -> bool {
    s.exists
        && !s.protection_state.is_range_marker()
        && !matches!(
            s.protection_state.phase(),
            Phase::Unprotected | Phase::InitialReplication | Phase::Reprotect | Phase::Unknown
        )
}

/// `true` when an operation of the kind `op` asks for is running on the item.
fn in_progress(op: &BulkOperation, s: &ItemState) -> bool {
    if !s.exists {
        return false;
    }
    if s.job_in_flight() {
        let scenario = s
            .current_job
            .as_ref()
            .and_then(|j| j.scenario_name.as_deref())
            .map(normalize)
            .unwrap_or_default();
        return scenarios(op).contains(&scenario.as_str());
    }
    // No job reported: a transitional state of the operation's own phase says the same.
    let phase = s.protection_state.phase();
    let transitional = s.protection_state.is_transitional();
    match op {
        BulkOperation::EnableProtection => {
            transitional
                && matches!(phase, Phase::Unprotected | Phase::InitialReplication)
                && s.protection_state != crate::model::ProtectionState::DisablingProtection
        }
        BulkOperation::TestFailover { .. } | BulkOperation::CleanupTestFailover => {
            s.test_failover_state.is_transitional()
        }
        BulkOperation::PlannedFailover { .. } | BulkOperation::Failback { .. } => {
            transitional && phase == Phase::PlannedFailover
        }
        BulkOperation::UnplannedFailover { .. } => {
            transitional && phase == Phase::UnplannedFailover
        }
        BulkOperation::Commit => transitional && phase == Phase::CommitFailover,
        BulkOperation::Reprotect { .. } => transitional && phase == Phase::Reprotect,
        BulkOperation::DisableProtection { .. } | BulkOperation::ReenableAfterFailback => {
            s.protection_state == crate::model::ProtectionState::DisablingProtection
        }
    }
}

fn decide(
    ctx: &Ctx,
    it: &BulkItem,
    current: Option<&ProtectedItem>,
    by_vm: &HashMap<String, String>,
) -> Decision {
    let op = &ctx.operation;
    let state = current.map_or_else(ItemState::absent, ItemState::from_item);
    if let Some(why) = reached(op, &state) {
        return Decision::Skip(why.to_owned());
    }
    if in_progress(op, &state) {
        return Decision::Attach;
    }
    match op {
        BulkOperation::EnableProtection => {
            if it.new_item.is_none() && current.is_none() {
                return Decision::Fail(VmFailure::new(
                    FailureKind::InvalidInput,
                    format!(
                        "no item to create for {}: build the run's items with BulkItem::enable",
                        it.name
                    ),
                ));
            }
            let vm = it
                .new_item
                .as_deref()
                .and_then(|n| n.source_vm_id())
                .or(it.source_vm_id.as_deref());
            if let Some(other) = vm.and_then(|v| by_vm.get(&v.to_ascii_lowercase())) {
                if !other.eq_ignore_ascii_case(&it.name) {
                    return Decision::Skip(format!("the VM is already protected by item {other}"));
                }
            }
        }
        BulkOperation::ReenableAfterFailback => {
            if ctx.runner.agent_removal.is_none() {
                return Decision::Fail(VmFailure::new(
                    FailureKind::InvalidInput,
                    "re-enable after failback needs the agent-removal step: set it with \
                     BulkRunner::agent_removal; nothing was sent",
                ));
            }
            if current.is_none() {
                return if it.new_item.is_some() {
                    // Disabled by an earlier run: go on from the agent removal.
                    Decision::Start
                } else {
                    Decision::Fail(VmFailure::new(
                        FailureKind::InvalidInput,
                        format!(
                            "item {} is gone and its previous settings with it: pass them with \
                             BulkItem::enable to finish re-enabling it",
                            it.name
                        ),
                    ))
                };
            }
            let forward = current.and_then(|c| c.instance_type()) == Some("AzStackToAzStack");
            if it.new_item.is_none() && !forward {
                return Decision::Fail(VmFailure::new(
                    FailureKind::InvalidInput,
                    format!(
                        "item {} holds its failback settings now (instanceType {}), not the ones \
                         to protect it with again: pass them with BulkItem::enable (the item as \
                         first enabled, e.g. from NewAzStackProtectedItem); nothing was sent",
                        it.name,
                        current
                            .and_then(|c| c.instance_type())
                            .unwrap_or("not reported")
                    ),
                ));
            }
            if !state.is_failback_committed() {
                return Decision::Refuse(RefusalReport {
                    operation: op.as_str().to_owned(),
                    reason: "the item's failback is not committed; re-enabling is the way back \
                             to protection after a committed failback only"
                        .to_owned(),
                    remedy: "fail back and commit first, or disable protection if that is the \
                             aim"
                    .to_owned(),
                    current_state: state.summary().to_string(),
                    rule: "[PROT] after failback: disable protection, remove the agent, enable \
                           protection again"
                        .to_owned(),
                    by_service: false,
                });
            }
        }
        _ => {}
    }
    if ctx.runner.options.check_lifecycle {
        let checked = match op {
            BulkOperation::EnableProtection if current.is_none() => Operation::EnableProtection,
            other => other.lifecycle_operation(),
        };
        if let Err(r) = ctx.runner.client.lifecycle().check(&state, &checked) {
            return Decision::Refuse(RefusalReport::from(&r));
        }
    }
    Decision::Start
}

/// Packs the VMs of a re-protect by the appliance's free data-disk slots
/// ([`reprotect_batches`]): the first batch runs now. A re-protected VM's disks stay attached to
/// the appliance until its failback, so the later batches are refused with what to do (fail
/// back the first batch, then run re-protect again); VMs too large for the appliance fail.
/// Re-protects already running hold their slots already: they are followed, not packed.
async fn pack_reprotect(ctx: &Ctx, work: Vec<Work>, appliance_id: &str) -> Vec<Work> {
    let (mut run, fresh): (Vec<Work>, Vec<Work>) = work.into_iter().partition(|w| w.attach);
    if fresh.is_empty() {
        return run;
    }
    let free = match ctx.runner.options.reprotect_free_slots {
        Some(n) => n,
        None => appliance_free_slots(ctx, appliance_id).await,
    };
    let disks: Vec<VmDisks> = fresh
        .iter()
        .map(|w| VmDisks::new(w.item.name.clone(), disk_sizes(w.current.as_ref())))
        .collect();
    let plan = reprotect_batches(&disks, free);
    let mut by_name: HashMap<String, Work> = fresh
        .into_iter()
        .map(|w| (w.item.name.clone(), w))
        .collect();
    for (name, count) in &plan.too_large {
        ctx.fail(
            name,
            VmFailure::new(
                FailureKind::InvalidInput,
                format!(
                    "{count} disks do not fit the appliance's {free} free data-disk slots: \
                     re-protect it through a larger appliance; nothing was sent"
                ),
            ),
        );
        by_name.remove(name);
    }
    let total = plan.batches.len();
    for (i, batch) in plan.batches.iter().enumerate() {
        for name in batch {
            let Some(w) = by_name.remove(name) else {
                continue;
            };
            ctx.annotate(name, |r| r.batch = Some(i));
            if i == 0 {
                run.push(w);
                continue;
            }
            let state = w
                .current
                .as_ref()
                .map_or_else(ItemState::absent, ItemState::from_item);
            ctx.emit(
                name,
                BulkEventKind::Refused {
                    refusal: RefusalReport {
                        operation: ctx.operation.as_str().to_owned(),
                        reason: format!(
                            "the appliance has {free} free data-disk slots and batch 1 of \
                             {total} takes {}; this VM is in batch {} (re-protected disks stay \
                             attached to the appliance until failback)",
                            plan.disks_per_batch.first().copied().unwrap_or(0),
                            i + 1
                        ),
                        remedy: "fail back and commit the re-protected VMs, then run re-protect \
                                 again for the rest; or use a larger appliance"
                            .to_owned(),
                        current_state: state.summary().to_string(),
                        rule: "[KI] 1: re-protect needs a free appliance data-disk slot per disk"
                            .to_owned(),
                        by_service: false,
                    },
                },
            );
        }
    }
    run
}

fn disk_sizes(item: Option<&ProtectedItem>) -> Vec<u64> {
    let disks = item
        .and_then(|i| i.custom_properties())
        .and_then(|c| c.as_azstack())
        .and_then(|c| c.protected_disks.as_ref());
    let sizes: Vec<u64> = disks
        .into_iter()
        .flatten()
        .map(|d| d.disk_size_gb.unwrap_or(0).max(0) as u64)
        .collect();
    if sizes.is_empty() {
        // An item that does not list its disks takes at least its OS disk's slot.
        vec![0]
    } else {
        sizes
    }
}

/// The appliance's free data-disk slots, read through ARM: the fabric agent's machine, that
/// VM's data disks, the appliance size's slots. Falls back to the capacity default (31) when
/// the appliance cannot be read; the service still refuses a re-protect that does not fit.
async fn appliance_free_slots(ctx: &Ctx, appliance_id: &str) -> u32 {
    let a = CapacityAssumptions::default();
    let fallback = a
        .appliance_data_disk_slots
        .saturating_sub(a.appliance_disks_in_use);
    let client = &ctx.runner.client;
    let Ok(url) = client.url(appliance_id) else {
        return fallback;
    };
    let Ok(agent) = client.get_json::<FabricAgent>(url).await else {
        return fallback;
    };
    let Some(machine) = agent
        .properties
        .as_ref()
        .and_then(|p| p.machine_name.clone())
    else {
        return fallback;
    };
    let options = crate::client::DiscoveryOptions::default();
    let Ok(vms) = client.list_vms(&options).await else {
        return fallback;
    };
    let Some((sub, vm)) = vms.iter().find(|(_, v)| {
        v.get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| n.eq_ignore_ascii_case(&machine))
    }) else {
        return fallback;
    };
    let attached = vm
        .pointer("/properties/storageProfile/dataDisks")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let attached = u32::try_from(attached).unwrap_or(u32::MAX);
    // The size's maxDataDiskCount is the appliance's slots (32 for the default DS4_v2).
    let size = vm
        .pointer("/properties/hardwareProfile/vmSize")
        .and_then(Value::as_str);
    let location = vm.get("location").and_then(Value::as_str);
    let slots = match (size, location) {
        (Some(size), Some(location)) => max_data_disks(ctx, sub, location, size).await,
        _ => None,
    }
    .unwrap_or(a.appliance_data_disk_slots);
    slots.saturating_sub(attached)
}

/// `maxDataDiskCount` of VM size `size` in `location` (Compute's `vmSizes` list).
async fn max_data_disks(ctx: &Ctx, sub: &str, location: &str, size: &str) -> Option<u32> {
    let client = &ctx.runner.client;
    let version = crate::api_version::ApiVersion::custom(&client.arm_api_versions().compute);
    crate::id::ResourceId::for_subscription(sub).ok()?;
    if location.contains(['/', '?', '#', '%']) {
        return None;
    }
    let url = client
        .pipeline()
        .url(
            &format!(
                "/subscriptions/{sub}/providers/Microsoft.Compute/locations/{location}/vmSizes"
            ),
            &version,
        )
        .ok()?;
    let sizes: Vec<Value> = client.list_values(url).await.ok()?;
    sizes
        .iter()
        .find(|s| {
            s.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(size))
        })
        .and_then(|s| s.get("maxDataDiskCount").and_then(Value::as_u64))
        .and_then(|n| u32::try_from(n).ok())
}

async fn run_vm(ctx: &Ctx, w: Work) {
    match &ctx.operation {
        BulkOperation::EnableProtection => enable(ctx, w).await,
        BulkOperation::DisableProtection { force } => disable(ctx, w, *force).await,
        BulkOperation::ReenableAfterFailback => reenable(ctx, w).await,
        _ => action(ctx, w).await,
    }
}

/// Notes the RPO a failover starts from: the age of the item's latest recovery point.
fn note_rpo(ctx: &Ctx, w: &Work) {
    if !matches!(
        ctx.operation,
        BulkOperation::TestFailover { .. }
            | BulkOperation::PlannedFailover { .. }
            | BulkOperation::UnplannedFailover { .. }
            | BulkOperation::Failback { .. }
    ) {
        return;
    }
    let last = w
        .current
        .as_ref()
        .and_then(|c| c.custom_properties())
        .and_then(|c| c.as_azstack())
        .and_then(|c| c.last_recovery_point_received.as_ref())
        .and_then(|t| t.to_utc());
    if let Some(last) = last {
        let age = (ctx.now() - last).to_std().unwrap_or_default();
        ctx.annotate(&w.item.name, |r| {
            r.recovery_point_time = Some(last);
            r.rpo_ms = Some(u64::try_from(age.as_millis()).unwrap_or(u64::MAX));
        });
    }
}

/// Sends `send` (retrying after a 429 at the paced rate), never twice once it may have reached
/// the service. `Ok(None)`: the VM failed or was attached to (events already out).
async fn start<T, F, Fut>(ctx: &Ctx, w: &Work, send: F) -> Option<Poller<T>>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Poller<T>, Error>>,
    T: serde::de::DeserializeOwned + Send + 'static,
{
    let name = &w.item.name;
    let mut throttled = 0u32;
    loop {
        ctx.pace().await;
        ctx.sending(name, true);
        let sent = send().await;
        ctx.sending(name, false);
        match sent {
            Ok(poller) => {
                ctx.accepted();
                let job_id = poller.continuation().poll_url.map(|u| operation_path(&u));
                ctx.emit(
                    name,
                    BulkEventKind::Started {
                        job_id,
                        attached: false,
                    },
                );
                yield_now().await;
                return Some(poller);
            }
            Err(e) if e.is_throttled() => {
                throttled += 1;
                if throttled > ctx.runner.options.max_throttled_attempts {
                    let mut f = VmFailure::from_error(&e);
                    f.kind = FailureKind::Throttled;
                    f.message = format!(
                        "the service answered 429 to {throttled} starts in a row: {}",
                        f.message
                    );
                    ctx.fail(name, f);
                    return None;
                }
                let pause = ctx.throttled();
                ctx.emit(
                    name,
                    BulkEventKind::Throttled {
                        retry_in_ms: u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
                    },
                );
                yield_now().await;
            }
            Err(e)
                if matches!(e, Error::MaybeSent(_) | Error::ResponseUnreadable(_))
                    || e.is_conflict() =>
            {
                // MaybeSent / ResponseUnreadable: it may have reached the service. 409: the
                // service refused it, typically because the same operation already runs (sent
                // by a run stopped while the request was on its way, or by someone else).
                // Either way: never send it again. Read the item once; if the operation runs
                // (or is done), follow it.
                match ctx.items.get_opt(name).await {
                    Ok(Some(item))
                        if in_progress(&ctx.operation, &ItemState::from_item(&item))
                            || reached(&ctx.operation, &ItemState::from_item(&item)).is_some() =>
                    {
                        attach(ctx, name, Some(item)).await;
                    }
                    _ => ctx.fail(name, VmFailure::from_error(&e)),
                }
                return None;
            }
            Err(e) => {
                ctx.fail(name, VmFailure::from_error(&e));
                return None;
            }
        }
    }
}

/// The path of an operation URL (no query), as the run's record of it.
fn operation_path(url: &str) -> String {
    url::Url::parse(url).map_or_else(|_| url.to_owned(), |u| u.path().to_owned())
}

fn is_operation_path(p: &str) -> bool {
    let p = p.to_ascii_lowercase();
    p.contains("/operationresults/")
        || p.contains("/operations/")
        || p.contains("/operationstatuses/")
}

/// Follows an accepted operation to its end and reports it.
async fn follow<T: serde::de::DeserializeOwned + Send + 'static>(
    ctx: &Ctx,
    name: &str,
    poller: Poller<T>,
    done: impl FnOnce(T) -> Option<ProtectedItem>,
) -> Result<Option<ProtectedItem>, VmFailure> {
    let mut updates = poller.into_stream();
    let mut last = String::new();
    while let Some(update) = updates.next().await {
        match update {
            Ok(PollUpdate::InProgress { status }) => {
                if status != last {
                    last.clone_from(&status);
                    ctx.emit(
                        name,
                        BulkEventKind::Progress {
                            status,
                            percent: None,
                        },
                    );
                    yield_now().await;
                }
            }
            Ok(PollUpdate::Succeeded(t)) => return Ok(done(t)),
            Err(e) => return Err(VmFailure::from_error(&e)),
        }
    }
    Err(VmFailure::new(
        FailureKind::Decode,
        "the operation's status stream ended without a result",
    ))
}

fn succeed(ctx: &Ctx, name: &str, item: Option<&ProtectedItem>) {
    succeed_as(ctx, name, item, ItemSnapshot::of(item));
}

/// The state an item shows once `op` is accepted (the first state of its transition), for a
/// run that does not wait for completion.
fn accepted_state(ctx: &Ctx, before: Option<&ProtectedItem>, op: &Operation) -> ItemSnapshot {
    let state = before.map_or_else(ItemState::absent, ItemState::from_item);
    match ctx.runner.client.lifecycle().check(&state, op) {
        Ok(t) => t.states(&state).first().map_or_else(
            || ItemSnapshot::from_state(&state),
            ItemSnapshot::from_state,
        ),
        Err(_) => ItemSnapshot::from_state(&state),
    }
}

fn succeed_as(ctx: &Ctx, name: &str, item: Option<&ProtectedItem>, final_state: ItemSnapshot) {
    if let Some(job) = item
        .and_then(|i| i.properties.as_ref())
        .and_then(|p| p.current_job.as_ref())
        .and_then(|j| j.id.clone())
    {
        ctx.annotate(name, |r| {
            // The job is known now: it replaces the operation URL recorded at the start.
            if r.job_ids.last().is_some_and(|j| is_operation_path(j)) {
                r.job_ids.pop();
            }
            if !r.job_ids.contains(&job) {
                r.job_ids.push(job);
            }
        });
    }
    ctx.emit(name, BulkEventKind::Succeeded { final_state });
}

async fn finish_action<T: serde::de::DeserializeOwned + Send + 'static>(
    ctx: &Ctx,
    name: &str,
    poller: Poller<T>,
    done: impl FnOnce(T) -> Option<ProtectedItem>,
    before: Option<&ProtectedItem>,
    op: &Operation,
) {
    if !ctx.runner.options.wait_for_completion {
        succeed_as(ctx, name, None, accepted_state(ctx, before, op));
        return;
    }
    match follow(ctx, name, poller, done).await {
        Ok(item) => succeed(ctx, name, item.as_ref()),
        Err(f) => ctx.fail(name, f),
    }
}

/// A POST action (test failover, cleanup, failovers, commit, re-protect, failback).
async fn action(ctx: &Ctx, w: Work) {
    let name = w.item.name.clone();
    if w.attach {
        attach(ctx, &name, w.current).await;
        return;
    }
    note_rpo(ctx, &w);
    let op = ctx.operation.lifecycle_operation();
    let body = match &ctx.operation {
        BulkOperation::Reprotect { body } => match serde_json::to_value(body) {
            Ok(v) => Some(v),
            Err(e) => {
                ctx.fail(
                    &name,
                    VmFailure::new(
                        FailureKind::InvalidInput,
                        format!("the re-protect body does not serialize: {e}"),
                    ),
                );
                return;
            }
        },
        _ => None,
    };
    let mut options = ActionOptions::default();
    if let Some(c) = &w.current {
        options = options.with_current_item(c.clone());
    }
    if !ctx.runner.options.check_lifecycle || w.current.is_none() {
        options = options.unchecked();
    }
    let Some(poller) = start(ctx, &w, || {
        ctx.items.perform_with(&name, &op, body.clone(), &options)
    })
    .await
    else {
        return;
    };
    finish_action(ctx, &name, poller, Some, w.current.as_ref(), &op).await;
}

async fn enable(ctx: &Ctx, w: Work) {
    let name = w.item.name.clone();
    if w.attach {
        attach(ctx, &name, w.current).await;
        return;
    }
    let Some(new_item) = w.item.new_item.as_deref() else {
        ctx.fail(
            &name,
            VmFailure::new(FailureKind::InvalidInput, "no item to create"),
        );
        return;
    };
    let Some(poller) = start(ctx, &w, || ctx.items.create_or_update(&name, new_item)).await else {
        return;
    };
    finish_action(ctx, &name, poller, Some, None, &Operation::EnableProtection).await;
}

async fn disable(ctx: &Ctx, w: Work, force: bool) {
    let name = w.item.name.clone();
    if w.attach {
        attach(ctx, &name, w.current).await;
        return;
    }
    let unchecked = ctx.items.unchecked();
    let Some(poller) = start(ctx, &w, || unchecked.disable(&name, force)).await else {
        return;
    };
    finish_action(
        ctx,
        &name,
        poller,
        |()| None,
        w.current.as_ref(),
        &Operation::DisableProtection { force },
    )
    .await;
}

/// Disable, remove the agent (the caller's step), wait until the item is gone, enable again
/// with the item's previous settings.
async fn reenable(ctx: &Ctx, w: Work) {
    let name = w.item.name.clone();
    let Some(step) = ctx.runner.agent_removal.clone() else {
        ctx.fail(
            &name,
            VmFailure::new(FailureKind::InvalidInput, "no agent-removal step set"),
        );
        return;
    };
    let previous: ProtectedItem = match (&w.current, &w.item.new_item) {
        (_, Some(given)) => (**given).clone(),
        (Some(current), None) => current.clone(),
        (None, None) => return,
    };
    let source_vm_id = previous.source_vm_id().map(str::to_owned);
    if w.current.is_some() {
        if !w.attach {
            let unchecked = ctx.items.unchecked();
            let Some(poller) = start(ctx, &w, || unchecked.disable(&name, false)).await else {
                return;
            };
            if let Err(f) = follow(ctx, &name, poller, |()| None).await {
                ctx.fail(&name, f);
                return;
            }
        } else {
            ctx.emit(
                &name,
                BulkEventKind::Started {
                    job_id: None,
                    attached: true,
                },
            );
        }
        // The disable's own wait may end before the item is gone: wait for that.
        match ctx.items.wait_until(&name, conditions::is_deleted()).await {
            Ok(_) => ctx.emit(
                &name,
                BulkEventKind::StepDone {
                    step: "protection disabled".to_owned(),
                },
            ),
            Err(e) => {
                ctx.fail(&name, VmFailure::from_error(&e));
                return;
            }
        }
    }
    if let Err(why) = step(AgentRemovalRequest {
        item: name.clone(),
        source_vm_id,
    })
    .await
    {
        ctx.fail(
            &name,
            VmFailure::new(
                FailureKind::Step,
                format!("the agent-removal step failed: {why}; protection stays disabled"),
            ),
        );
        return;
    }
    ctx.emit(
        &name,
        BulkEventKind::StepDone {
            step: "agent removed".to_owned(),
        },
    );
    let fresh = Work {
        item: w.item.clone(),
        current: None,
        attach: false,
    };
    let Some(poller) = start(ctx, &fresh, || ctx.items.create_or_update(&name, &previous)).await
    else {
        return;
    };
    finish_action(ctx, &name, poller, Some, None, &Operation::EnableProtection).await;
}

/// Follows an operation that was already running: reads its job, waits until the item
/// settles, then reports the item (or the job's errors).
async fn attach(ctx: &Ctx, name: &str, current: Option<ProtectedItem>) {
    let job_ref = current
        .as_ref()
        .and_then(|c| c.properties.as_ref())
        .and_then(|p| p.current_job.as_ref())
        .and_then(|j| j.name.clone().or_else(|| j.id.clone()));
    let jobs = ctx.runner.client.jobs(&ctx.runner.vault);
    let job_name = job_ref.map(|r| r.rsplit('/').next().unwrap_or(&r).to_owned());
    let job: Option<Job> = match &job_name {
        Some(j) => jobs.get_opt(j).await.ok().flatten(),
        None => None,
    };
    ctx.emit(
        name,
        BulkEventKind::Started {
            job_id: job
                .as_ref()
                .and_then(|j| j.id.clone())
                .or_else(|| job_name.clone()),
            attached: true,
        },
    );
    if !ctx.runner.options.wait_for_completion {
        succeed(ctx, name, current.as_ref());
        return;
    }
    let op = ctx.operation.clone();
    let settled = conditions::is_settled().or(conditions::has_failed());
    let done = move |item: Option<&ProtectedItem>| match item {
        None => matches!(
            op,
            BulkOperation::DisableProtection { .. } | BulkOperation::ReenableAfterFailback
        ),
        Some(_) => settled.matches(item),
    };
    let item = match ctx.items.wait_until(name, done).await {
        Ok(item) => item,
        Err(e) => {
            ctx.fail(name, VmFailure::from_error(&e));
            return;
        }
    };
    let state = item
        .as_ref()
        .map_or_else(ItemState::absent, ItemState::from_item);
    if reached(&ctx.operation, &state).is_some() {
        succeed(ctx, name, item.as_ref());
        return;
    }
    if matches!(ctx.operation, BulkOperation::ReenableAfterFailback) {
        // The disable finished; the rest of the re-enable is left to the next run.
        succeed(ctx, name, item.as_ref());
        return;
    }
    let mut f = VmFailure::new(
        FailureKind::OperationFailed,
        format!(
            "{} of protected item {name} (found in progress) ended with the item {}",
            ctx.operation,
            ItemSnapshot::from_state(&state)
        ),
    );
    if let Some(j) = &job_name {
        if let Ok(Some(job)) = jobs.get_opt(j).await {
            f.job_errors = job
                .properties
                .as_ref()
                .and_then(|p| p.errors.as_ref())
                .into_iter()
                .flatten()
                .filter_map(|e| serde_json::to_value(e).ok())
                .collect();
        }
    }
    if let Some(h) = item
        .as_ref()
        .and_then(|i| i.properties.as_ref())
        .and_then(|p| p.health_errors.clone())
    {
        f.health_errors = h;
    }
    ctx.fail(name, f);
}
