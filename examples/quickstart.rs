//! The quickstart: a whole disaster-recovery drill of twelve VMs between two Azure Stack Hub
//! stamps, against the crate's embedded emulator. No Azure, no set-up, no flags:
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Preflight -> vault, policy, extension -> protect every VM (10 at a time) -> initial
//! replication -> test failover and cleanup -> planned failover and commit -> re-protect ->
//! failback and commit -> a summary per VM. Hours of virtual time pass in a fraction of a
//! second: the emulator's clock is the client's, so every poll's wait is virtual.

mod common;

use azs_site_recovery::client::PreflightScope;
use azs_site_recovery::emulator::{defaults, PowerState, Scenario};
use azs_site_recovery::lifecycle::conditions::{self, Condition};
use azs_site_recovery::lifecycle::RecoveryPointChoice;
use azs_site_recovery::model::{Job, ProtectedItem};
use azs_site_recovery::preflight::{self, Intent, PreflightPlan};
use azs_site_recovery::Error;
use common::drill::{print_summary, run_all, summarize};
use common::{vm_name, Drill};
use futures_util::TryStreamExt;
use std::collections::BTreeMap;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let d = Drill::new(Scenario::default())?;
    let t = d.emu.topology().clone();
    let items = d.client.protected_items(&d.vault);
    let names: Vec<String> = t
        .source_vm_ids
        .iter()
        .map(|id| vm_name(id).to_owned())
        .collect();
    println!(
        "Azure Site Recovery on Azure Stack Hub - a DR drill against the embedded emulator \
         (all times are virtual: the emulator's clock, hours of it in under a second)"
    );
    println!(
        "{} VMs on stamp `redmond` are protected to stamp `seattle`.\n",
        names.len()
    );

    section(
        &d,
        "1. Preflight: is everything in place to enable protection?",
    );
    let scope = t.source_vm_ids.iter().fold(
        PreflightScope::new(&t.target_subscription, &t.target_location)
            .source(&t.source_subscription, "redmond")
            .appliance(d.appliance()?)
            .principal(defaults::OBJECT_ID),
        |scope, vm| scope.vm(vm),
    );
    let plan = PreflightPlan::new(Intent::EnableProtection)
        .cache_storage(&t.target_storage_account_ids[0])
        .target_resource_group(&t.target_resource_group_ids[1]);
    // The VMs are not protected yet: tell the checks where each one will go (what step 3 sends).
    let mut gathered = d.client.gather_preflight_snapshot(None, &scope).await;
    for vm in &mut gathered.snapshot.vms {
        vm.target = common::target_settings(&t);
    }
    let report = preflight::run(&plan, &gathered.snapshot, d.emu.now());
    print!("{report}");
    for p in &gathered.problems {
        println!("  (not gathered) {p}");
    }
    if report.is_blocked() {
        return Err(Error::invalid_input(
            "preflight",
            "blocked; see the report above",
        ));
    }

    section(
        &d,
        "2. Create the vault, the replication policy and extension",
    );
    d.create_vault().await?;
    println!(
        "  vault {} with policy `{}` and extension `{}` (and their failback twins)",
        d.vault.name(),
        common::POLICY,
        common::EXTENSION
    );

    section(
        &d,
        "3. Protect every VM, 10 at a time (the portal's batch size)",
    );
    for batch in t.source_vm_ids.chunks(10) {
        let mut pollers = Vec::new();
        for vm in batch {
            let name = vm_name(vm);
            pollers.push(items.create_or_update(name, &d.new_item(vm)?).await?);
        }
        let batch_names: Vec<&str> = batch.iter().map(|v| vm_name(v)).collect();
        println!(
            "  {} enable protection: {}",
            d.clock(),
            batch_names.join(", ")
        );
        // The enable operations end when initial replication does; show its progress meanwhile.
        loop {
            let all: Vec<ProtectedItem> = items.list().try_collect().await?;
            let batch_items: Vec<&ProtectedItem> = all
                .iter()
                .filter(|i| batch_names.contains(&i.name.as_deref().unwrap_or("")))
                .collect();
            let pct: i64 = batch_items.iter().map(|i| progress(i)).sum::<i64>()
                / batch_items.len().max(1) as i64;
            let done = batch_items
                .iter()
                .filter(|i| {
                    i.protection_state()
                        .is_some_and(|s| s.as_str() == "Protected")
                })
                .count();
            println!(
                "  {} initial replication {pct:>3}%  ({done}/{} protected)",
                d.clock(),
                batch.len()
            );
            if done == batch.len() {
                break;
            }
            // Let an hour and a half of (virtual) time pass.
            d.emu.advance(Duration::from_secs(90 * 60));
        }
        for p in pollers {
            p.await?;
        }
    }

    section(
        &d,
        "4. Test failover to the latest processed recovery point, then clean up",
    );
    run_all(&names, |n| {
        items.test_failover(n, RecoveryPointChoice::LatestProcessed)
    })
    .await?;
    let vms = d.emu.vm_ids();
    let test_vms = names
        .iter()
        .filter(|n| vms.iter().any(|id| id.ends_with(&format!("/{n}-test"))))
        .count();
    println!(
        "  {} {test_vms}/{} test VMs exist in test-vnet; {} source VMs still running{}",
        d.clock(),
        names.len(),
        running_sources(&d),
        not_running_note(&d)
    );
    run_all(&names, |n| items.cleanup_test_failover(n)).await?;
    let left = d
        .emu
        .vm_ids()
        .iter()
        .filter(|id| id.ends_with("-test"))
        .count();
    println!("  {} cleaned up ({left} test VMs left)", d.clock());

    section(
        &d,
        "5. Planned failover (source VMs shut down first), then commit",
    );
    let mut rpo = BTreeMap::new();
    for item in items.list().try_collect::<Vec<ProtectedItem>>().await? {
        let last = item
            .custom_properties()
            .and_then(|c| c.as_azstack())
            .and_then(|c| c.last_recovery_point_received.as_ref())
            .and_then(|t| t.to_utc());
        if let (Some(name), Some(last)) = (item.name.clone(), last) {
            rpo.insert(name, d.emu.now() - last);
        }
    }
    run_all(&names, |n| items.planned_failover(n, true)).await?;
    let on_target = d
        .emu
        .vm_ids()
        .iter()
        .filter(|id| id.contains(&t.target_subscription) && !id.contains("appliance"))
        .count();
    println!(
        "  {} failed over: {on_target} VMs on seattle, {} source VMs still running",
        d.clock(),
        running_sources(&d)
    );
    run_all(&names, |n| items.commit(n)).await?;
    println!("  {} committed", d.clock());

    section(&d, "6. Re-protect: replicate back from seattle to redmond");
    let body = d.reprotect_body();
    run_all(&names, |n| items.reprotect(n, &body)).await?;
    for n in &names {
        let done = conditions::is_protected().or(conditions::has_failed());
        let item = items.wait_until(n, done).await?;
        if item
            .as_ref()
            .is_none_or(|i| conditions::has_failed().matches(Some(i)))
        {
            return Err(Error::invalid_input(
                "re-protect",
                format!("{n} failed to re-protect"),
            ));
        }
    }
    println!(
        "  {} re-protected: {} VMs replicating to redmond",
        d.clock(),
        names.len()
    );

    section(&d, "7. Failback to redmond, then commit");
    run_all(&names, |n| items.failback(n, true)).await?;
    run_all(&names, |n| items.commit(n)).await?;
    let states: Vec<String> = items
        .list()
        .try_collect::<Vec<ProtectedItem>>()
        .await?
        .iter()
        .map(common::state)
        .collect();
    println!(
        "  {} back home; item states: {}",
        d.clock(),
        summarize(&states)
    );

    section(
        &d,
        "Summary (virtual time; RPO = age of the latest recovery point as the failover began)",
    );
    let jobs: Vec<Job> = d
        .client
        .jobs(&d.vault)
        .list_with(&[("pageSize", "500")])
        .try_collect()
        .await?;
    print_summary(&names, &jobs, &rpo);
    println!(
        "\n{} requests served by the emulator; {} of virtual time.",
        d.emu.request_count(),
        d.clock()
    );
    Ok(())
}

fn section(d: &Drill, title: &str) {
    println!("\n{} {title}", d.clock());
}

/// Why fewer source VMs run than there are: the ones that were not running to begin with.
fn not_running_note(d: &Drill) -> String {
    let idle: Vec<&str> = d
        .emu
        .topology()
        .source_vm_ids
        .iter()
        .filter(|id| d.emu.vm_power_state(id) != Some(PowerState::Running))
        .map(|id| vm_name(id))
        .collect();
    if idle.is_empty() {
        String::new()
    } else {
        format!(" (not {}: deallocated)", idle.join(", "))
    }
}

fn running_sources(d: &Drill) -> usize {
    let ids = &d.emu.topology().source_vm_ids;
    ids.iter()
        .filter(|id| d.emu.vm_power_state(id) == Some(PowerState::Running))
        .count()
}

fn progress(item: &ProtectedItem) -> i64 {
    if item
        .protection_state()
        .is_some_and(|s| s.as_str() == "Protected")
    {
        return 100;
    }
    let c = item.custom_properties().and_then(|c| c.as_azstack());
    c.and_then(|c| c.initial_replication_progress_percentage)
        .map_or(0, i64::from)
}
