//! The cache storage account \[PROT\] and the space it needs \[CAP\].

use super::{leaf, same_id, same_location, Ctx};
use crate::capacity::{self, format_bytes};
use crate::preflight::code::Code;
use std::collections::BTreeSet;

pub(super) fn cache_storage(ctx: &mut Ctx<'_>) {
    let mut accounts: BTreeSet<String> = BTreeSet::new();
    for vm in &ctx.snap.vms {
        match vm
            .target
            .cache_storage_account_id
            .as_deref()
            .or(ctx.plan.cache_storage_account_id.as_deref())
        {
            Some(id) => {
                accounts.insert(id.to_owned());
            }
            None => ctx.push(
                Code::CacheStorageNotSet,
                vm.resource(),
                format!("no cache storage account is given for {}", vm.label()),
                "create a storage account in the target location and give it as the cache storage account",
            ),
        }
    }
    let target_location = ctx.snap.target.location.clone();
    let mut seen: Vec<String> = Vec::new();
    for id in accounts {
        if seen.iter().any(|s| same_id(s, &id)) {
            continue;
        }
        seen.push(id.clone());
        match ctx.snap.target.storage_accounts.iter().find(|a| same_id(&a.id, &id)) {
            None => ctx.push(
                Code::CacheStorageMissing,
                id.clone(),
                format!("cache storage account {} does not exist on the target stamp", leaf(&id)),
                "create the storage account in the target subscription and location before enabling protection",
            ),
            Some(acct) => {
                if !target_location.is_empty() && !same_location(&acct.location, &target_location) {
                    ctx.push(
                        Code::CacheStorageWrongLocation,
                        id.clone(),
                        format!(
                            "cache storage account {} is in `{}`, not in the target location `{}`",
                            leaf(&id),
                            acct.location,
                            target_location
                        ),
                        "create a cache storage account in the target location",
                    );
                }
            }
        }
    }
    let disks: u64 = ctx.snap.vms.iter().map(|v| v.disks.len() as u64).sum();
    if disks > 0 {
        let a = &ctx.plan.capacity;
        ctx.push(
            Code::CacheStorageEstimate,
            seen.first().cloned().unwrap_or_else(|| "cache storage account".to_owned()),
            format!(
                "{disks} replicated disk(s) need about {} of cache in normal operation and up to {} in the worst case (a day of change)",
                format_bytes(capacity::cache_normal_bytes(disks, a)),
                format_bytes(capacity::cache_worst_case_bytes(disks, a)),
            ),
            format!(
                "size the account for it; assumes {} MiB/s churn per disk and a {} s RPO window ([CAP]); measure your churn and set PreflightPlan::capacity",
                a.churn_mib_per_sec_per_disk, a.rpo_window_secs
            ),
        );
    }
}
