//! Before a failover, preflight warns when the VMs have not had a successful test failover in
//! the last 180 days (Microsoft's recommendation). Two VMs: one tested at the start, one never;
//! 200 days later the warning names both, and a fresh test failover clears it.
//!
//! `cargo run --example test_failover_advice`

mod common;

use azs_site_recovery::client::PreflightScope;
use azs_site_recovery::lifecycle::RecoveryPointChoice;
use azs_site_recovery::preflight::{Code, Intent, PreflightPlan, PreflightReport};
use azs_site_recovery::Error;
use common::Drill;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let d = Drill::seeded()?;
    let items = d.client.protected_items(&d.vault);
    for vm in ["web-01", "app-01"] {
        d.protect(vm).await?;
    }
    items
        .test_failover("web-01", RecoveryPointChoice::LatestProcessed)
        .await?
        .await?;
    items.cleanup_test_failover("web-01").await?.await?;
    println!(
        "{} web-01 and app-01 protected; web-01 test-failed-over, app-01 never.",
        d.clock()
    );

    println!("\nToday, before a failover:");
    let report = failover_preflight(&d).await;
    print_advice(&report);

    d.emu.advance(Duration::from_secs(200 * 24 * 3600));
    println!("\n200 days later, before a failover:");
    let report = failover_preflight(&d).await;
    print_advice(&report);

    for vm in ["web-01", "app-01"] {
        items
            .test_failover(vm, RecoveryPointChoice::LatestProcessed)
            .await?
            .await?;
        items.cleanup_test_failover(vm).await?.await?;
    }
    println!("\nAfter a test failover of both:");
    print_advice(&failover_preflight(&d).await);
    Ok(())
}

async fn failover_preflight(d: &Drill) -> PreflightReport {
    let t = d.emu.topology();
    let scope = ["web-01", "app-01"].iter().fold(
        PreflightScope::new(&t.target_subscription, &t.target_location)
            .source(&t.source_subscription, "redmond")
            .vault(d.vault.clone()),
        |s, vm| s.vm(t.source_vm_id(vm).unwrap_or_default()),
    );
    let plan = PreflightPlan::new(Intent::Failover)
        .cache_storage(&t.target_storage_account_ids[0])
        .target_resource_group(&t.target_resource_group_ids[1]);
    d.client.preflight(None, &scope, &plan).await.0
}

fn print_advice(report: &PreflightReport) {
    let overdue: Vec<_> = report.with_code(Code::TestFailoverOverdue).collect();
    if overdue.is_empty() {
        println!("  no {} warning", Code::TestFailoverOverdue);
    }
    for f in overdue {
        println!("  {} {}: {}", f.severity, f.code, f.message);
        println!("    -> {}", f.remedy);
    }
}
