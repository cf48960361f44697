//! Re-protect has a limit the portal does not show: every disk of every VM being re-protected is
//! attached to the appliance, which has 31 free data-disk slots by default (known issue 1).
//! Beyond that the service fails with nothing more than "An internal error occurred.".
//!
//! Ten database VMs of four disks each (40 disks) were failed over to `seattle`. First they are
//! re-protected all at once, as the portal would; then, on a fresh copy of the same world, in
//! batches from `capacity::reprotect_batches`, each batch failed back (which frees its slots)
//! before the next.
//!
//! `cargo run --example reprotect_batches`

mod common;

use azs_site_recovery::capacity::{reprotect_batches, VmDisks};
use azs_site_recovery::emulator::{Scenario, SourceVm};
use azs_site_recovery::lifecycle::conditions::{self, Condition};
use azs_site_recovery::model::{Event, ProtectedItem};
use azs_site_recovery::orchestrate::BulkOperation;
use azs_site_recovery::Error;
use common::Drill;
use futures_util::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Error> {
    println!("Without batches: re-protect all ten at once");
    let (d, names) = failed_over().await?;
    println!(
        "  {} 10 VMs failed over and committed; appliance slots free: {}",
        d.clock(),
        d.emu.appliance_free_slots()
    );
    let items = d.client.protected_items(&d.vault);
    let body = d.reprotect_body();
    let mut started = Vec::new();
    for n in &names {
        started.push((n, items.reprotect(n, &body).await?));
    }
    for (n, poller) in started {
        match poller.await {
            Ok(_) => println!("  {n}: re-protecting"),
            Err(Error::OperationFailed(f)) => println!(
                "  {n}: FAILED - {}",
                f.error
                    .as_ref()
                    .and_then(|e| e.message.as_deref())
                    .unwrap_or("-")
            ),
            Err(other) => return Err(other),
        }
    }
    // The operation's error says nothing more; the vault's events say why.
    let events: Vec<Event> = d.client.events(&d.vault).list().try_collect().await?;
    if let Some(why) = events
        .iter()
        .filter_map(|e| e.properties.as_ref()?.description.as_deref())
        .find(|text| text.contains("slot"))
    {
        println!("  the vault's event: {why}");
    }

    println!("\nWith capacity::reprotect_batches, on a fresh copy of the same world");
    let (d, names) = failed_over().await?;
    let items = d.client.protected_items(&d.vault);
    let all: Vec<ProtectedItem> = items.list().try_collect().await?;
    let vms: Vec<VmDisks> = all
        .iter()
        .map(|i| VmDisks::new(i.name.clone().unwrap_or_default(), disk_sizes(i)))
        .collect();
    let plan = reprotect_batches(&vms, d.emu.appliance_free_slots());
    for (i, (batch, disks)) in plan.batches.iter().zip(&plan.disks_per_batch).enumerate() {
        println!(
            "  batch {}: {} VMs, {disks} disks of {} free slots: {}",
            i + 1,
            batch.len(),
            plan.free_slots,
            batch.join(", ")
        );
    }
    let body = d.reprotect_body();
    for (i, batch) in plan.batches.iter().enumerate() {
        let reprotect = BulkOperation::Reprotect {
            body: Box::new(body.clone()),
        };
        d.bulk(reprotect, batch).await?;
        for n in batch {
            items
                .wait_until(n, conditions::is_reprotected().or(conditions::has_failed()))
                .await?;
        }
        println!(
            "  {} batch {} re-protected (slots free: {})",
            d.clock(),
            i + 1,
            d.emu.appliance_free_slots()
        );
        d.bulk(
            BulkOperation::Failback {
                shutdown_source: true,
            },
            batch,
        )
        .await?;
        d.bulk(BulkOperation::Commit, batch).await?;
        println!(
            "  {} batch {} failed back and committed (slots free: {})",
            d.clock(),
            i + 1,
            d.emu.appliance_free_slots()
        );
    }
    let home = items
        .list()
        .try_collect::<Vec<ProtectedItem>>()
        .await?
        .iter()
        .filter(|i| conditions::failback_committed().matches(Some(i)))
        .count();
    println!("  {home}/{} VMs back on redmond", names.len());
    Ok(())
}

/// Ten VMs of four disks each, protected, failed over and committed.
async fn failed_over() -> Result<(Drill, Vec<String>), Error> {
    let vms = (1..=10).map(|i| {
        SourceVm::linux(&format!("db-{i:02}"))
            .data_disk(64)
            .data_disk(64)
            .data_disk(128)
    });
    let d = Drill::new(
        Scenario::builder()
            .clear_source_vms()
            .source_vms(vms)
            .seed_vault(true)
            .build(),
    )?;
    let names: Vec<String> = (1..=10).map(|i| format!("db-{i:02}")).collect();
    for n in &names {
        d.protect(n).await?;
    }
    d.bulk(
        BulkOperation::PlannedFailover {
            shutdown_source: true,
        },
        &names,
    )
    .await?;
    d.bulk(BulkOperation::Commit, &names).await?;
    Ok((d, names))
}

fn disk_sizes(item: &ProtectedItem) -> Vec<u64> {
    let disks = item
        .custom_properties()
        .and_then(|c| c.as_azstack())
        .and_then(|c| c.protected_disks.as_ref());
    disks
        .into_iter()
        .flatten()
        .map(|d| d.disk_size_gb.unwrap_or(0).max(0) as u64)
        .collect()
}
