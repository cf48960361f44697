//! The quickstart: a whole disaster-recovery drill of twelve VMs between two Azure Stack Hub
//! stamps, against the crate's embedded emulator. No Azure, no set-up, no flags:
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Preflight -> vault, policy, extension -> discover the source VMs -> protect every VM (10 at a
//! time) -> initial replication -> test failover and cleanup -> planned failover and commit ->
//! re-protect -> failback and commit -> a summary per VM. Every phase is one bulk run of
//! `orchestrate::BulkRunner` over all VMs. Hours of virtual time pass in a fraction of a
//! second: the emulator's clock is the client's, so every poll's wait is virtual.

mod common;

use azs_site_recovery::client::{not_yet_protected, DiscoveryOptions, PreflightScope};
use azs_site_recovery::emulator::{defaults, PowerState, Scenario};
use azs_site_recovery::lifecycle::RecoveryPointChoice;
use azs_site_recovery::model::ProtectedItem;
use azs_site_recovery::orchestrate::{BulkItem, BulkOperation, BulkOptions, BulkRunner};
use azs_site_recovery::preflight::{self, Intent, PreflightPlan};
use azs_site_recovery::Error;
use common::drill::{phase, print_summary};
use common::{summarize, vm_name, Drill};
use futures_util::TryStreamExt;

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
        "3. Discover the source VMs and protect them, 10 at a time (the portal's batch size)",
    );
    // Discovery lists every VM the credential sees on the source stamp through ARM and matches
    // it with the vault's items; the appliance VM itself is never offered.
    let appliance_vm = vm_name(&t.appliance_vm_id);
    let found = d
        .client
        .discover_source_vms(
            None,
            &d.vault,
            &DiscoveryOptions::default().skip_vm_named(appliance_vm),
        )
        .await?;
    let to_protect = not_yet_protected(&found);
    println!(
        "  {} {} VMs found, {} not yet protected",
        d.clock(),
        found.len(),
        to_protect.len()
    );
    let runner =
        BulkRunner::new(&d.client, &d.vault).options(BulkOptions::default().concurrency(10));
    let mut enable = Vec::new();
    for vm in &to_protect {
        enable.push(BulkItem::enable(&vm.item_name, d.new_item(&vm.id)?));
    }
    // Each enable ends when its initial replication does; the runner starts the next VM as
    // soon as one of the ten finishes.
    let protected = phase(&d, &runner, BulkOperation::EnableProtection, enable).await?;
    let names: Vec<BulkItem> = protected
        .results
        .iter()
        .map(|r| BulkItem::named(&r.item))
        .collect();

    section(
        &d,
        "4. Test failover to the latest processed recovery point, then clean up",
    );
    let test = phase(
        &d,
        &runner,
        BulkOperation::TestFailover {
            recovery_point: RecoveryPointChoice::LatestProcessed,
        },
        names.clone(),
    )
    .await?;
    let vms = d.emu.vm_ids();
    let test_vms = names
        .iter()
        .filter(|n| {
            vms.iter()
                .any(|id| id.ends_with(&format!("/{}-test", n.name)))
        })
        .count();
    println!(
        "  {} {test_vms}/{} test VMs exist in test-vnet; {} source VMs still running{}",
        d.clock(),
        names.len(),
        running_sources(&d),
        not_running_note(&d)
    );
    let cleanup = phase(
        &d,
        &runner,
        BulkOperation::CleanupTestFailover,
        names.clone(),
    )
    .await?;
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
    let failover = phase(
        &d,
        &runner,
        BulkOperation::PlannedFailover {
            shutdown_source: true,
        },
        names.clone(),
    )
    .await?;
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
    let commit = phase(&d, &runner, BulkOperation::Commit, names.clone()).await?;

    section(&d, "6. Re-protect: replicate back from seattle to redmond");
    // Packed by the appliance's free data-disk slots (read from the appliance VM).
    let reprotect = BulkOperation::Reprotect {
        body: Box::new(d.reprotect_body()),
    };
    let reprotected = phase(&d, &runner, reprotect, names.clone()).await?;

    section(&d, "7. Failback to redmond, then commit");
    let failback = phase(
        &d,
        &runner,
        BulkOperation::Failback {
            shutdown_source: true,
        },
        names.clone(),
    )
    .await?;
    let commit_back = phase(&d, &runner, BulkOperation::Commit, names.clone()).await?;
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
    print_summary(&[
        ("ENABLE", vec![&protected]),
        ("TEST FO", vec![&test, &cleanup]),
        ("FAILOVER", vec![&failover, &commit]),
        ("RE-PROTECT", vec![&reprotected]),
        ("FAILBACK", vec![&failback, &commit_back]),
    ]);
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
