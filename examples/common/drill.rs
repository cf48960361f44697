//! The quickstart's helpers: one bulk run per phase with its progress printed, and the summary
//! table. The runner (`azs_site_recovery::orchestrate`) does the work; these only print.

use super::Drill;
use azs_site_recovery::human::HumanDuration;
use azs_site_recovery::orchestrate::{
    BulkEventKind, BulkItem, BulkOperation, BulkRunResult, BulkRunner, VmOutcome,
};
use azs_site_recovery::Error;
use futures_util::StreamExt;
use std::collections::BTreeMap;
use std::time::Duration;

/// Runs `operation` over `items`, printing when each VM starts and ends; fails when a VM did
/// not end where the run wanted it.
pub async fn phase(
    d: &Drill,
    runner: &BulkRunner,
    operation: BulkOperation,
    items: Vec<BulkItem>,
) -> Result<BulkRunResult, Error> {
    let mut run = runner.run(operation.clone(), items);
    let mut started = 0;
    while let Some(event) = run.next().await {
        match &event.kind {
            BulkEventKind::Started { .. } => started += 1,
            BulkEventKind::Succeeded { final_state } => {
                println!("  {} {:<8} {final_state}", d.clock(), event.item)
            }
            BulkEventKind::Failed { failure } => {
                println!("  {} {:<8} FAILED: {failure}", d.clock(), event.item)
            }
            BulkEventKind::Refused { refusal } => {
                println!("  {} {:<8} refused: {refusal}", d.clock(), event.item)
            }
            BulkEventKind::Throttled { retry_in_ms } => println!(
                "  {} {:<8} throttled: starts slow down to one per {}",
                d.clock(),
                event.item,
                HumanDuration(Duration::from_millis(*retry_in_ms))
            ),
            _ => {}
        }
    }
    let result = run.result();
    println!(
        "  {} {operation}: {} of {} VMs done ({started} started) in {}",
        d.clock(),
        result.count(VmOutcome::Succeeded) + result.count(VmOutcome::Skipped),
        result.results.len(),
        HumanDuration(result.duration())
    );
    if !result.is_success() {
        let names: Vec<&str> = result.problems().map(|r| r.item.as_str()).collect();
        return Err(Error::invalid_input(
            "drill",
            format!("{operation} did not complete for {}", names.join(", ")),
        ));
    }
    Ok(result)
}

/// The per-VM summary: how long each phase took for each VM, its RPO at failover, its jobs.
pub fn print_summary(phases: &[(&str, Vec<&BulkRunResult>)]) {
    let mut vms: BTreeMap<&str, (Option<Duration>, Vec<Duration>, usize)> = BTreeMap::new();
    for (i, (_, runs)) in phases.iter().enumerate() {
        for run in runs {
            for r in &run.results {
                let row = vms
                    .entry(r.item.as_str())
                    .or_insert_with(|| (None, vec![Duration::ZERO; phases.len()], 0));
                row.1[i] += r.duration().unwrap_or_default();
                row.2 += r.job_ids.len();
                if matches!(r.operation, BulkOperation::PlannedFailover { .. }) {
                    row.0 = r.rpo();
                }
            }
        }
    }
    let w = vms.keys().map(|n| n.len()).max().unwrap_or(2).max(2);
    print!("{:<w$} {:>7}", "VM", "RPO");
    for (title, _) in phases {
        print!(" {title:>11}");
    }
    println!(" {:>5}", "JOBS");
    for (name, (rpo, durations, jobs)) in vms {
        let rpo = rpo.map_or("-".to_owned(), |d| HumanDuration(d).to_string());
        print!("{name:<w$} {rpo:>7}");
        for d in durations {
            print!(" {:>11}", HumanDuration(d).to_string());
        }
        println!(" {jobs:>5}");
    }
}
