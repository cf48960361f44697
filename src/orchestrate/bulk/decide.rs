//! What to do with each VM, decided from the item as the vault list showed it: skip it (already
//! there), follow it (the operation runs), refuse it (the lifecycle says no), or start it; and
//! how many VMs a re-protect can take (the appliance's free data-disk slots).

use super::drive::{Ctx, Decision, Work};
use super::{BulkEventKind, BulkItem, BulkOperation, FailureKind, RefusalReport, VmFailure};
use crate::capacity::{reprotect_batches, CapacityAssumptions, VmDisks};
use crate::lifecycle::{ItemState, Operation};
use crate::model::{FabricAgent, Phase, ProtectedItem, TestFailoverState};
use serde_json::Value;
use std::collections::HashMap;

/// The job scenarios that carry out `op` (normalized: lowercase, letters only).
pub(super) fn scenarios(op: &BulkOperation) -> &'static [&'static str] {
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

pub(super) fn normalize(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// `true` when the item already is where `op` would take it.
pub(super) fn reached(op: &BulkOperation, s: &ItemState) -> Option<&'static str> {
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
pub(super) fn initial_replication_done(s: &ItemState) -> bool {
    s.exists
        && !s.protection_state.is_range_marker()
        && !matches!(
            s.protection_state.phase(),
            Phase::Unprotected | Phase::InitialReplication | Phase::Reprotect | Phase::Unknown
        )
}

/// `true` when an operation of the kind `op` asks for is running on the item.
pub(super) fn in_progress(op: &BulkOperation, s: &ItemState) -> bool {
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
        BulkOperation::TestFailover { .. } => matches!(
            s.test_failover_state,
            TestFailoverState::TestFailoverInitiated | TestFailoverState::TestFailoverCompleting
        ),
        BulkOperation::CleanupTestFailover => matches!(
            s.test_failover_state,
            TestFailoverState::TestFailoverCleanupInitiated
                | TestFailoverState::TestFailoverCleanupCompleting
                | TestFailoverState::MarkedForDeletion
        ),
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

pub(super) fn decide(
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
pub(super) async fn pack_reprotect(ctx: &Ctx, work: Vec<Work>, appliance_id: &str) -> Vec<Work> {
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

pub(super) fn disk_sizes(item: Option<&ProtectedItem>) -> Vec<u64> {
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
pub(super) async fn appliance_free_slots(ctx: &Ctx, appliance_id: &str) -> u32 {
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
pub(super) async fn max_data_disks(
    ctx: &Ctx,
    sub: &str,
    location: &str,
    size: &str,
) -> Option<u32> {
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
