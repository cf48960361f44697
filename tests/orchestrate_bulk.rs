//! The bulk runner against the emulator, through the client only: a whole lifecycle over many
//! VMs, discovery, the requests each VM costs, the concurrency limit, refusals, re-protect
//! packing, re-enabling after failback. (Faults: `orchestrate_faults.rs`.) The tests where the
//! wire matters run over loopback HTTP too.
#![cfg(feature = "emulator")]

#[macro_use]
mod orchestrate_support;

use azs_site_recovery::client::DiscoveryOptions;
use azs_site_recovery::emulator::{Scenario, SourceVm};
use azs_site_recovery::http::Method;
use azs_site_recovery::lifecycle::RecoveryPointChoice;
use azs_site_recovery::orchestrate::{
    BulkEventKind, BulkItem, BulkOperation, BulkOptions, VmOutcome,
};
use futures_util::StreamExt;
use orchestrate_support::*;
use std::sync::{Arc, Mutex};

both_transports! {
    whole_lifecycle;
}

/// Protect, test failover and clean up, fail over and commit, re-protect, fail back and commit:
/// every VM through every phase, each phase one bulk run; a second run of each phase skips all.
async fn whole_lifecycle(via: Via) {
    let e = env(via, vms(12));
    let protect = e
        .run(BulkOperation::EnableProtection, e.enable_items())
        .await;
    assert_all(&protect, VmOutcome::Succeeded);
    assert_eq!(
        protect.results[0]
            .final_state
            .as_ref()
            .and_then(|s| s.protection_state.as_deref()),
        Some("Protected")
    );
    let again = e
        .run(BulkOperation::EnableProtection, e.enable_items())
        .await;
    assert_all(&again, VmOutcome::Skipped);

    let phases = [
        BulkOperation::TestFailover {
            recovery_point: RecoveryPointChoice::LatestProcessed,
        },
        BulkOperation::CleanupTestFailover,
        BulkOperation::PlannedFailover {
            shutdown_source: true,
        },
        BulkOperation::Commit,
        e.reprotect(),
        BulkOperation::Failback {
            shutdown_source: true,
        },
        BulkOperation::Commit,
    ];
    for (i, op) in phases.into_iter().enumerate() {
        let r = e.run(op.clone(), e.named()).await;
        assert_all(&r, VmOutcome::Succeeded);
        assert!(r.is_success());
        if matches!(
            op,
            BulkOperation::TestFailover { .. } | BulkOperation::PlannedFailover { .. }
        ) {
            assert!(
                r.results.iter().all(|v| v.rpo_ms.is_some()),
                "{op}: RPO recorded"
            );
        }
        assert!(
            r.results.iter().all(|v| !v.job_ids.is_empty()),
            "{op}: job ids"
        );
        // Running the phase again sends nothing but the list: every VM is already there.
        // (The second commit follows the failback: the first commit's rerun would be skipped
        // too, but it is the same operation.)
        if i != 3 {
            e.log.clear();
            let again = e.run(op.clone(), e.named()).await;
            assert_all(&again, VmOutcome::Skipped);
            assert_eq!(
                e.log.total(),
                1,
                "{op}: a rerun sends one list: {:?}",
                e.log.requests()
            );
        }
    }
}

both_transports! {
    requests_per_vm_stay_at_the_single_item_minimum;
}

/// Requests each VM costs per operation: the PUT / POST, the polls, the final read; no GET of
/// the item before its action (the run read every item in one list), and never more than the
/// same operation on one item through the plain handle with the item in hand. Per run, on top:
/// one list of the vault (and for re-protect, the appliance's reads: its fabric agent, the
/// subscriptions, their VM lists, the VM sizes).
async fn requests_per_vm_stay_at_the_single_item_minimum(via: Via) {
    use azs_site_recovery::client::ActionOptions;
    const N: usize = 10;
    let one = env(via, vms(1));
    let bulk = env(via, vms(N));
    let phases = [
        BulkOperation::EnableProtection,
        BulkOperation::TestFailover {
            recovery_point: RecoveryPointChoice::LatestProcessed,
        },
        BulkOperation::CleanupTestFailover,
        BulkOperation::PlannedFailover {
            shutdown_source: true,
        },
        BulkOperation::Commit,
        one.reprotect(),
        BulkOperation::Failback {
            shutdown_source: true,
        },
        BulkOperation::Commit,
    ];
    let handle = one.client.protected_items(&one.vault);
    for op in phases {
        // The single-item figure, on a vault of one VM.
        one.log.clear();
        if op == BulkOperation::EnableProtection {
            let item = one.new_item(&one.emu.topology().source_vm_ids[0]);
            handle
                .create_or_update("vm-000", &item)
                .await
                .unwrap()
                .await
                .unwrap();
        } else {
            let current = handle.get("vm-000").await.unwrap();
            one.log.clear();
            let body = match &op {
                BulkOperation::Reprotect { body } => Some(serde_json::to_value(body).unwrap()),
                _ => None,
            };
            handle
                .perform_with(
                    "vm-000",
                    &op.lifecycle_operation(),
                    body,
                    &ActionOptions::default().with_current_item(current),
                )
                .await
                .unwrap()
                .await
                .unwrap();
        }
        let single = one.log.total();

        bulk.log.clear();
        let items = if op == BulkOperation::EnableProtection {
            bulk.enable_items()
        } else {
            bulk.named()
        };
        let r = bulk.run(op.clone(), items).await;
        assert_all(&r, VmOutcome::Succeeded);
        let requests = bulk.log.requests();
        let mut most = 0;
        let mut per_vm_total = 0;
        for name in bulk.names() {
            let item_path = format!("/protecteditems/{name}");
            let mine: Vec<&(Method, String)> = requests
                .iter()
                .filter(|(_, p)| {
                    let p = p.to_ascii_lowercase();
                    p.ends_with(&item_path) || p.contains(&format!("{item_path}/"))
                })
                .collect();
            // The first request about the item is its action, never a read.
            assert_ne!(
                mine[0].0,
                Method::Get,
                "{op}: {name} was read before its action"
            );
            most = most.max(mine.len());
            per_vm_total += mine.len();
        }
        let per_run = requests.len() - per_vm_total;
        assert_eq!(
            bulk.log.count(Method::Get, "/protectedItems"),
            1,
            "{op}: one list"
        );
        assert!(per_run <= 6, "{op}: {per_run} requests per run");
        assert!(
            most <= single,
            "{op}: a VM cost {most} requests, a single item {single}"
        );
        eprintln!(
            "{via:?} {op}: {:.1} requests per VM (most {most}) + {per_run} per run; single item with the item in hand: {single}",
            per_vm_total as f64 / N as f64
        );
    }
}

/// At most `concurrency` operations are in flight at any time.
#[tokio::test]
async fn concurrency_limit_holds() {
    let e = protected(Via::InProcess, 10).await;
    let mut run = e
        .runner()
        .options(BulkOptions::default().concurrency(3))
        .run(
            BulkOperation::TestFailover {
                recovery_point: RecoveryPointChoice::Latest,
            },
            e.named(),
        );
    let mut in_flight = std::collections::HashSet::new();
    let mut most = 0;
    while let Some(ev) = run.next().await {
        match ev.kind {
            BulkEventKind::Started { .. } => {
                in_flight.insert(ev.item);
            }
            BulkEventKind::Succeeded { .. } | BulkEventKind::Failed { .. } => {
                in_flight.remove(&ev.item);
            }
            _ => {}
        }
        most = most.max(in_flight.len());
    }
    assert_eq!(most, 3);
    assert_all(&run.result(), VmOutcome::Succeeded);
}

/// VMs the lifecycle refuses are reported with the refusal and nothing is sent for them; the
/// others run.
#[tokio::test]
async fn refused_vms_are_reported_and_the_rest_run() {
    let e = protected(Via::InProcess, 5).await;
    let two: Vec<BulkItem> = ["vm-000", "vm-003"].map(BulkItem::named).into();
    let r = e
        .run(
            BulkOperation::PlannedFailover {
                shutdown_source: true,
            },
            two,
        )
        .await;
    assert_all(&r, VmOutcome::Succeeded);
    e.log.clear();
    let r = e.run(BulkOperation::Commit, e.named()).await;
    assert_eq!(r.count(VmOutcome::Succeeded), 2);
    assert_eq!(r.count(VmOutcome::Refused), 3);
    let refused = r.get("vm-001").unwrap();
    let refusal = refused.refusal.as_ref().unwrap();
    assert!(
        refusal.reason.contains("no completed failover"),
        "{refusal}"
    );
    assert!(!refusal.remedy.is_empty());
    assert_eq!(e.log.count(Method::Post, "/commit"), 2);
    assert_eq!(e.log.count(Method::Post, "/vm-001/commit"), 0);
}

/// Re-protect is packed by the appliance's free data-disk slots, read from the appliance
/// itself: 4 VMs of 3 disks each and 7 free slots make 2 batches of 2. The first runs; the
/// second is refused (the disks stay attached until failback) with what to do, and runs after
/// the first batch failed back. The service never runs out of slots.
#[tokio::test]
async fn reprotect_is_packed_by_free_appliance_slots() {
    use azs_site_recovery::emulator::Appliance;
    let scenario = Scenario::builder()
        .clear_source_vms()
        .source_vms((0..4).map(|i| {
            SourceVm::linux(&format!("db-{i:02}"))
                .data_disk(32)
                .data_disk(32)
        }))
        .appliance(Appliance::default().data_disk_slots(8))
        .seed_vault(true)
        .build();
    let e = env(Via::InProcess, scenario);
    assert_all(
        &e.run(BulkOperation::EnableProtection, e.enable_items())
            .await,
        VmOutcome::Succeeded,
    );
    for op in [
        BulkOperation::PlannedFailover {
            shutdown_source: true,
        },
        BulkOperation::Commit,
    ] {
        assert_all(&e.run(op, e.named()).await, VmOutcome::Succeeded);
    }
    assert_eq!(e.emu.appliance_free_slots(), 7);
    let r = e.run(e.reprotect(), e.named()).await;
    let batches: Vec<usize> = r.results.iter().map(|v| v.batch.unwrap()).collect();
    assert_eq!(batches, [0, 0, 1, 1]);
    assert_eq!(
        r.count(VmOutcome::Succeeded),
        2,
        "{:?}",
        r.problems().collect::<Vec<_>>()
    );
    let later = r.get("db-02").unwrap();
    assert_eq!(later.outcome, VmOutcome::Refused);
    assert!(later.refusal.as_ref().unwrap().remedy.contains("fail back"));
    assert_eq!(e.emu.appliance_free_slots(), 1);
    let first: Vec<BulkItem> = ["db-00", "db-01"].map(BulkItem::named).into();
    for op in [
        BulkOperation::Failback {
            shutdown_source: true,
        },
        BulkOperation::Commit,
    ] {
        assert_all(&e.run(op, first.clone()).await, VmOutcome::Succeeded);
    }
    let rest: Vec<BulkItem> = ["db-02", "db-03"].map(BulkItem::named).into();
    let r = e.run(e.reprotect(), rest).await;
    assert_all(&r, VmOutcome::Succeeded);
}

/// Back to protection after a committed failback: disable, the caller's agent removal, wait
/// until the item is gone, enable with the previous settings.
#[tokio::test]
async fn reenable_after_failback() {
    let e = protected(Via::InProcess, 3).await;
    // A protected item is where re-enabling would take it.
    assert_all(
        &e.run(BulkOperation::ReenableAfterFailback, e.named()).await,
        VmOutcome::Skipped,
    );
    for op in [
        BulkOperation::PlannedFailover {
            shutdown_source: true,
        },
        BulkOperation::Commit,
        e.reprotect(),
        BulkOperation::Failback {
            shutdown_source: true,
        },
        BulkOperation::Commit,
    ] {
        assert_all(&e.run(op, e.named()).await, VmOutcome::Succeeded);
    }
    // Without the agent-removal step nothing is sent.
    e.log.clear();
    let r = e.run(BulkOperation::ReenableAfterFailback, e.named()).await;
    assert_all(&r, VmOutcome::Failed);
    assert_eq!(e.log.total(), 1);
    let removed = Arc::new(Mutex::new(Vec::new()));
    let seen = removed.clone();
    let runner = e.runner().agent_removal(move |req| {
        let seen = seen.clone();
        async move {
            seen.lock().unwrap().push(req.item);
            Ok(())
        }
    });
    // After failback the item holds its failback settings: the settings to protect with again
    // must be given (nothing is sent without them).
    e.log.clear();
    let r = runner
        .run(BulkOperation::ReenableAfterFailback, e.named())
        .finish()
        .await;
    assert_all(&r, VmOutcome::Failed);
    assert!(r.results[0]
        .error
        .as_deref()
        .unwrap()
        .contains("BulkItem::enable"));
    assert_eq!(e.log.total(), 1);
    let r = runner
        .run(BulkOperation::ReenableAfterFailback, e.enable_items())
        .finish()
        .await;
    assert_all(&r, VmOutcome::Succeeded);
    assert_eq!(removed.lock().unwrap().len(), 3);
    for v in &r.results {
        let s = v.final_state.as_ref().unwrap();
        assert_eq!(
            s.protection_state.as_deref(),
            Some("Protected"),
            "{}",
            v.item
        );
        assert_eq!(s.direction, "forward");
    }
    // Done: a second run skips them all.
    let again = runner
        .run(BulkOperation::ReenableAfterFailback, e.enable_items())
        .finish()
        .await;
    assert_all(&again, VmOutcome::Skipped);
}

both_transports! {
    discovery_matches_items_and_filters_unprotected;
    unplanned_failover_and_disable;
}

/// Discovery lists the source stamp's VMs through ARM (two per page: every `nextLink` is
/// followed), matches the vault's items, and filters the ones not yet protected.
async fn discovery_matches_items_and_filters_unprotected(via: Via) {
    use azs_site_recovery::client::not_yet_protected;
    let scenario = Scenario::builder()
        .clear_source_vms()
        .source_vms((0..5).map(|i| SourceVm::linux(&format!("vm-{i:03}")).data_disk(64)))
        .seed_vault(true)
        .page_size(2)
        .build();
    let e = env(via, scenario);
    // The appliance VM is on the source stamp too: never offer it.
    let appliance = e
        .emu
        .topology()
        .appliance_vm_id
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let options = DiscoveryOptions::default().skip_vm_named(appliance);
    let found = e
        .client
        .discover_source_vms(None, &e.vault, &options)
        .await
        .unwrap();
    let mut names: Vec<&str> = found.iter().map(|v| v.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["vm-000", "vm-001", "vm-002", "vm-003", "vm-004"]);
    let vm0 = found.iter().find(|v| v.name == "vm-000").unwrap();
    assert_eq!(vm0.disk_count(), 2);
    // ARM's general naming rules (the default) accept the VM's own name.
    assert_eq!(vm0.item_name, "vm-000");
    assert!(vm0.protectability.can_protect);
    assert_eq!(vm0.power_state.as_deref(), Some("running"));
    // Protect two of them; discovery now names their items (matched ignoring case).
    let two: Vec<BulkItem> = e.enable_items().into_iter().take(2).collect();
    assert_all(
        &e.run(BulkOperation::EnableProtection, two).await,
        VmOutcome::Succeeded,
    );
    let found = e
        .client
        .discover_source_vms(None, &e.vault, &options)
        .await
        .unwrap();
    let left: Vec<&str> = not_yet_protected(&found)
        .iter()
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(left, ["vm-002", "vm-003", "vm-004"]);
    let vm1 = found.iter().find(|v| v.name == "vm-001").unwrap();
    assert_eq!(vm1.protected_item.as_deref(), Some("vm-001"));
    assert!(!vm1.protectability.can_protect);
}

/// Unplanned failover to the latest processed point, then disable: each a bulk run; a second
/// disable finds nothing left and sends nothing but the list.
async fn unplanned_failover_and_disable(via: Via) {
    let e = protected(via, 4).await;
    let r = e
        .run(
            BulkOperation::UnplannedFailover {
                recovery_point: RecoveryPointChoice::LatestProcessed,
                shutdown_source: false,
            },
            e.named(),
        )
        .await;
    assert_all(&r, VmOutcome::Succeeded);
    assert!(r.results.iter().all(|v| v.rpo_ms.is_some()));
    assert_eq!(
        r.results[0]
            .final_state
            .as_ref()
            .and_then(|s| s.protection_state.as_deref()),
        Some("UnplannedFailoverCompleted")
    );
    let r = e
        .run(BulkOperation::DisableProtection { force: false }, e.named())
        .await;
    assert_all(&r, VmOutcome::Succeeded);
    assert!(r
        .results
        .iter()
        .all(|v| !v.final_state.as_ref().unwrap().exists));
    e.log.clear();
    let again = e
        .run(BulkOperation::DisableProtection { force: false }, e.named())
        .await;
    assert_all(&again, VmOutcome::Skipped);
    assert_eq!(e.log.total(), 1);
}

/// Without waiting, a VM succeeds once the service accepted its operation; its state is the
/// one the operation starts in, and the jobs go on (a later run skips the VMs they finished).
#[tokio::test]
async fn without_waiting_a_vm_succeeds_when_accepted() {
    let e = protected(Via::InProcess, 3).await;
    let op = BulkOperation::TestFailover {
        recovery_point: RecoveryPointChoice::Latest,
    };
    let r = e
        .runner()
        .options(BulkOptions::default().wait_for_completion(false))
        .run(op.clone(), e.named())
        .finish()
        .await;
    assert_all(&r, VmOutcome::Succeeded);
    for v in &r.results {
        let s = v.final_state.as_ref().unwrap();
        assert_ne!(
            s.test_failover_state.as_deref(),
            Some("TestFailoverCompleted"),
            "{s}"
        );
        assert_ne!(s.test_failover_state.as_deref(), Some("None"), "{s}");
    }
    e.emu.advance(std::time::Duration::from_secs(3600));
    let again = e.run(op, e.named()).await;
    assert_all(&again, VmOutcome::Skipped);
}
