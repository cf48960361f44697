//! Target compute quota covers every VM that may fail over \[PROT\]\[CAP\].

use super::Ctx;
use crate::preflight::code::Code;
use crate::preflight::snapshot::QuotaUsage;
use std::collections::BTreeMap;

fn usage<'a>(usages: &'a [QuotaUsage], name: &str) -> Option<&'a QuotaUsage> {
    usages.iter().find(|u| u.name.eq_ignore_ascii_case(name))
}

pub(super) fn compute_quota(ctx: &mut Ctx<'_>) {
    if ctx.snap.vms.is_empty() {
        return;
    }
    let Some(quota) = ctx.snap.target_quota.as_ref() else {
        ctx.not_gathered("target subscription", "the target compute quota (usages)");
        return;
    };
    let mut cores: u64 = 0;
    let mut by_family: BTreeMap<String, (String, u64, usize)> = BTreeMap::new();
    let mut unknown = Vec::new();
    for vm in &ctx.snap.vms {
        match vm.cores {
            Some(c) => {
                cores += u64::from(c);
                if let Some(fam) = vm.size_family.as_deref() {
                    let e = by_family
                        .entry(fam.to_ascii_lowercase())
                        .or_insert_with(|| (fam.to_owned(), 0, 0));
                    e.1 += u64::from(c);
                    e.2 += 1;
                }
            }
            None => unknown.push(vm.label().to_owned()),
        }
    }
    let vms = ctx.snap.vms.len() as u64;
    let usages = quota.usages.clone();
    let what = match ctx.plan.intent {
        crate::preflight::Intent::TestFailover => format!("test failover of {vms} VM(s)"),
        _ => format!("failing over {vms} VM(s)"),
    };
    let check = |ctx: &mut Ctx<'_>, code: Code, name: &str, need: u64, unit: &str| match usage(
        &usages, name,
    ) {
        None => ctx.not_gathered(
            "target subscription",
            &format!("the `{name}` compute usage"),
        ),
        Some(u) => {
            let free = u.limit.saturating_sub(u.current);
            if need > free {
                ctx.push(
                        code,
                        "target subscription",
                        format!(
                            "{what} needs {need} {unit} but the target has {free} free ({} used of {}); short by {}",
                            u.current,
                            u.limit,
                            need - free
                        ),
                        "ask the target stamp's operator to raise the quota of the plan/offer, free capacity, or protect fewer VMs",
                    );
            }
        }
    };
    check(ctx, Code::QuotaCoresInsufficient, "cores", cores, "cores");
    check(
        ctx,
        Code::QuotaVmsInsufficient,
        "virtualMachines",
        vms,
        "VMs",
    );
    for (_, (family, need, n)) in by_family {
        // Per family only where the stamp reports that family.
        if let Some(u) = usage(&quota.usages, &family) {
            let free = u.limit.saturating_sub(u.current);
            if need > free {
                ctx.push(
                    Code::QuotaFamilyInsufficient,
                    "target subscription",
                    format!(
                        "{n} VM(s) of family {family} need {need} cores but {free} are free ({} used of {})",
                        u.current, u.limit
                    ),
                    "raise the family's quota on the target, or choose target sizes from a family with room",
                );
            }
        }
    }
    for name in unknown {
        ctx.push(
            Code::VmSizeUnknown,
            name.clone(),
            format!("the cores of {name}'s size are unknown; the quota check counted it as a VM but not its cores"),
            "give the VM's size details (cores, family) in the snapshot",
        );
    }
}
