//! Checks about the operation itself: names, batch size, policy, kernels, test failover age.

use super::{saturating_duration, Ctx};
use crate::id::names::{protected_item_name_for_vm, validate_name, NameKind, NameRules};
use crate::preflight::code::Code;
use crate::preflight::plan::MinuteBounds;
use crate::preflight::snapshot::{OsFamily, PowerState};
use std::collections::BTreeMap;

/// Protected-item names are valid (ARM's rules, or the spec's strict pattern when the plan asks
/// for it) and do not collide.
pub(super) fn protected_item_names(ctx: &mut Ctx<'_>) {
    let mut final_names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for vm in &ctx.snap.vms {
        let wanted = vm.protected_item_name.as_deref().unwrap_or(&vm.name);
        let rules = if ctx.plan.strict_names {
            NameRules::Strict
        } else {
            NameRules::Arm
        };
        let name = match validate_name(NameKind::ProtectedItem, wanted, rules) {
            Ok(()) => wanted.to_owned(),
            Err(err) => {
                let mapped = protected_item_name_for_vm(wanted);
                ctx.push(
                    Code::ProtectedItemNameInvalid,
                    vm.resource(),
                    err.to_string(),
                    format!(
                        "name the protected item `{mapped}` (the SDK's documented mapping, \
                         `id::protected_item_name_for_vm`) or give an explicit valid name"
                    ),
                );
                mapped
            }
        };
        if !name.is_empty() {
            final_names
                .entry(name.to_ascii_lowercase())
                .or_default()
                .push(vm.name.clone());
        }
    }
    for (name, vms) in final_names {
        if vms.len() > 1 {
            ctx.push(
                Code::ProtectedItemNameCollision,
                name.clone(),
                format!(
                    "VMs {} all map to protected-item name `{name}` (names are case-insensitive)",
                    vms.join(", ")
                ),
                "give those VMs distinct explicit protected-item names",
            );
        }
    }
}

/// More VMs than the portal's 10 at a time is fine for the SDK \[PROT\].
pub(super) fn portal_batch(ctx: &mut Ctx<'_>) {
    let n = ctx.snap.vms.len();
    if n > ctx.plan.portal_batch_limit {
        ctx.push(
            Code::BatchOverPortalLimit,
            "batch",
            format!(
                "{n} VMs at once: the portal protects up to {} at a time; the SDK handles larger batches",
                ctx.plan.portal_batch_limit
            ),
            "nothing to do; expect \"Protected item health changed to Warning\" job messages when many VMs replicate (non-blocking, [KI] 5)",
        );
    }
}

/// Replication policy values within bounds and consistent.
pub(super) fn policy(ctx: &mut Ctx<'_>) {
    let Some(p) = ctx.plan.policy else { return };
    let b = ctx.plan.policy_bounds;
    let fields: [(&str, i64, MinuteBounds); 3] = [
        (
            "recoveryPointHistoryInMinutes",
            p.recovery_point_history_in_minutes,
            b.recovery_point_history,
        ),
        (
            "crashConsistentFrequencyInMinutes",
            p.crash_consistent_frequency_in_minutes,
            b.crash_consistent_frequency,
        ),
        (
            "appConsistentFrequencyInMinutes",
            p.app_consistent_frequency_in_minutes,
            b.app_consistent_frequency,
        ),
    ];
    for (name, value, bounds) in fields {
        if value < bounds.min || value > bounds.max {
            ctx.push(
                Code::PolicyValueOutOfBounds,
                "replication policy",
                format!(
                    "{name} = {value} is outside {}..={}",
                    bounds.min, bounds.max
                ),
                format!(
                    "set {name} between {} and {} minutes",
                    bounds.min, bounds.max
                ),
            );
        }
    }
    let history = p.recovery_point_history_in_minutes;
    if history > 0 {
        for &(name, value, _) in &fields[1..] {
            if value > history {
                ctx.push(
                    Code::PolicyFrequencyAboveHistory,
                    "replication policy",
                    format!("{name} = {value} is longer than recoveryPointHistoryInMinutes = {history}: points of that kind expire before the next is taken"),
                    format!("lower {name} or raise recoveryPointHistoryInMinutes"),
                );
            }
        }
    }
    let crash = p.crash_consistent_frequency_in_minutes;
    if crash > 24 * 60 {
        ctx.push(
            Code::PolicyFrequencyAboveOneDay,
            "replication policy",
            format!("crashConsistentFrequencyInMinutes = {crash} is more than a day; at most one day of change accumulates before Site Recovery times out"),
            "take crash-consistent points at least daily (1440 minutes or less)",
        );
    }
}

fn kernel_listed(kernel: &str, list: &[String]) -> bool {
    let k = kernel.trim();
    list.iter().any(|entry| {
        let e = entry.trim();
        match e.strip_suffix('*') {
            Some(prefix) => k.starts_with(prefix),
            None => k == e,
        }
    })
}

/// Linux kernels on the user's unsupported list \[KI\] 2.
pub(super) fn kernels(ctx: &mut Ctx<'_>) {
    if ctx.plan.unsupported_kernels.is_empty() {
        return;
    }
    for vm in &ctx.snap.vms {
        if vm.os != OsFamily::Linux {
            continue;
        }
        let Some(kernel) = vm.kernel.as_deref() else {
            ctx.not_gathered(
                vm.resource(),
                &format!("the kernel (`uname -r`) of {}", vm.label()),
            );
            continue;
        };
        if kernel_listed(kernel, &ctx.plan.unsupported_kernels) {
            ctx.push(
                Code::LinuxKernelUnsupported,
                vm.resource(),
                format!("{} runs kernel {kernel}, which is on the unsupported list (check the Azure-to-Azure support matrix)", vm.label()),
                "roll back to a supported kernel (set GRUB_DEFAULT to it, e.g. 5.4.0-1077-azure instead of 5.4.0-1103-azure, update-grub, reboot) and hold it so a failover reboot does not upgrade it (Ubuntu: sudo apt-mark hold linux-image-azure linux-headers-azure), or wait for the automatic mobility-agent update",
            );
        }
    }
}

/// The test VM runs alongside the source VM \[PROT\].
pub(super) fn alongside_source(ctx: &mut Ctx<'_>) {
    for vm in &ctx.snap.vms {
        if vm.power_state == PowerState::Running {
            ctx.push(
                Code::TestFailoverAlongsideSource,
                vm.resource(),
                format!("{} keeps running on the source while its test copy runs on the target", vm.label()),
                "isolate the test network so both copies cannot talk to the same services; clean up the test failover when done",
            );
        }
    }
}

/// No successful test failover within the limit (180 days) before a failover \[PROT\].
pub(super) fn test_failover_age(ctx: &mut Ctx<'_>) {
    let days = ctx.plan.test_failover_max_age_days;
    let limit = saturating_duration(days, 86_400);
    for vm in &ctx.snap.vms {
        let message = match vm.last_successful_test_failover {
            None => format!("{} has never had a successful test failover", vm.label()),
            Some(t) if ctx.now - t > limit => format!(
                "{}'s last successful test failover was {} days ago (more than {days})",
                vm.label(),
                (ctx.now - t).num_days()
            ),
            Some(_) => continue,
        };
        ctx.push(
            Code::TestFailoverOverdue,
            vm.resource(),
            message,
            "run a test failover (and clean it up) before the failover: skipping validation can lead to data loss or unpredictable downtime",
        );
    }
}

/// The source VM still runs at failover \[PROT\].
pub(super) fn source_running(ctx: &mut Ctx<'_>) {
    for vm in &ctx.snap.vms {
        if vm.power_state == PowerState::Running {
            ctx.push(
                Code::SourceVmRunning,
                vm.resource(),
                format!("{} is running on the source stamp", vm.label()),
                "choose \"Shut down machine before beginning failover\" (shutdownSourceVM) if the source is reachable",
            );
        }
    }
}
