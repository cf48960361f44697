//! The bulk runner under faults, through the client only: 429 storms, resets on POST both
//! ways, a failing job, an appliance going unresponsive mid-run, a removed target network, and a
//! run stopped with operations in flight then run again. The results name exactly the VMs that
//! failed and why; no VM gets a second failover. In process and over loopback HTTP.
#![cfg(feature = "emulator")]

#[macro_use]
mod orchestrate_support;

use azs_site_recovery::emulator::{Fault, RequestMatch};
use azs_site_recovery::http::Method;
use azs_site_recovery::lifecycle::RecoveryPointChoice;
use azs_site_recovery::model::NewAzStackProtectedItem;
use azs_site_recovery::orchestrate::{
    BulkEventKind, BulkItem, BulkOperation, BulkOptions, FailureKind, VmOutcome,
};
use azs_site_recovery::transport::TransportErrorKind;
use futures_util::{StreamExt, TryStreamExt};
use orchestrate_support::*;

both_transports! {
    throttle_storm_slows_starts_and_fails_no_vm;
    response_lost_after_a_failover_post_is_never_resent;
    request_lost_before_a_failover_post_fails_that_vm_only;
    failing_job_names_the_vm_and_its_task_errors;
    removed_target_network_fails_exactly_the_vms_that_use_it;
}

/// A storm of 429s on the test failover POSTs: the runner slows its starts down and every VM
/// still succeeds; each VM's POST is accepted once.
async fn throttle_storm_slows_starts_and_fails_no_vm(via: Via) {
    let e = protected(via, 8).await;
    e.emu.inject(Fault::throttle(
        RequestMatch::any()
            .method(Method::Post)
            .path_contains("/testFailover"),
        40,
    ));
    e.log.clear();
    let mut run = e.runner().run(
        BulkOperation::TestFailover {
            recovery_point: RecoveryPointChoice::Latest,
        },
        e.named(),
    );
    let mut throttled = 0;
    while let Some(ev) = run.next().await {
        if matches!(ev.kind, BulkEventKind::Throttled { .. }) {
            throttled += 1;
        }
    }
    let r = run.result();
    assert_all(&r, VmOutcome::Succeeded);
    assert!(
        throttled > 0,
        "the storm reached the runner (past the pipeline's retries)"
    );
    // 40 answers were 429 (nothing processed); every VM's own POST went through once.
    assert_eq!(e.log.count(Method::Post, "/testFailover"), 40 + 8);
}

/// The failover POST reaches the service but its answer is lost: the runner never sends it
/// again; it reads the item, finds the failover running and follows it.
async fn response_lost_after_a_failover_post_is_never_resent(via: Via) {
    let e = protected(via, 6).await;
    e.emu.inject(Fault::drop_connection(
        RequestMatch::any()
            .method(Method::Post)
            .path_contains("/plannedFailover"),
        TransportErrorKind::ResponseUnreadable,
        3,
    ));
    e.log.clear();
    let mut run = e.runner().run(
        BulkOperation::PlannedFailover {
            shutdown_source: true,
        },
        e.named(),
    );
    let mut attached = Vec::new();
    while let Some(ev) = run.next().await {
        if let BulkEventKind::Started { attached: true, .. } = ev.kind {
            attached.push(ev.item);
        }
    }
    let r = run.result();
    assert_all(&r, VmOutcome::Succeeded);
    assert_eq!(
        attached.len(),
        3,
        "the three whose answer was lost: {attached:?}"
    );
    for name in e.names() {
        assert_eq!(
            e.log
                .count(Method::Post, &format!("/{name}/plannedFailover")),
            1,
            "{name}: one failover POST"
        );
    }
    for v in &r.results {
        assert_eq!(v.job_ids.len(), 1, "{}: {:?}", v.item, v.job_ids);
        assert!(
            v.job_ids[0].contains("/jobs/"),
            "{}: {:?}",
            v.item,
            v.job_ids
        );
    }
}

/// The failover POST is lost before the service saw it: that VM fails, saying the request may
/// have been sent (and it was not resent); the others fail over.
async fn request_lost_before_a_failover_post_fails_that_vm_only(via: Via) {
    let e = protected(via, 5).await;
    e.emu.inject(Fault::drop_connection(
        RequestMatch::any()
            .method(Method::Post)
            .path_contains("/vm-002/plannedFailover"),
        TransportErrorKind::MaybeSent,
        1,
    ));
    e.log.clear();
    let r = e
        .run(
            BulkOperation::PlannedFailover {
                shutdown_source: false,
            },
            e.named(),
        )
        .await;
    assert_eq!(failed(&r), ["vm-002"]);
    let f = r.get("vm-002").unwrap().failure.clone().unwrap();
    assert_eq!(f.kind, FailureKind::MaybeSent);
    assert!(f.may_have_been_sent);
    assert_eq!(e.log.count(Method::Post, "/vm-002/plannedFailover"), 1);
    assert_eq!(r.count(VmOutcome::Succeeded), 4);
    // Running the same operation again fails the VM over and skips the others.
    let again = e
        .run(
            BulkOperation::PlannedFailover {
                shutdown_source: false,
            },
            e.named(),
        )
        .await;
    assert_eq!(again.count(VmOutcome::Skipped), 4);
    assert_eq!(again.get("vm-002").unwrap().outcome, VmOutcome::Succeeded);
}

/// A test failover job fails at its second task: the result names exactly the VM the
/// emulator shows failed, with the job's error.
async fn failing_job_names_the_vm_and_its_task_errors(via: Via) {
    let e = protected(via, 6).await;
    e.emu.inject(Fault::fail_job("TestFailover", 1));
    let r = e
        .run(
            BulkOperation::TestFailover {
                recovery_point: RecoveryPointChoice::LatestProcessed,
            },
            e.named(),
        )
        .await;
    let failed_names = failed(&r);
    assert_eq!(failed_names.len(), 1);
    assert_eq!(failed_names, failed_in_vault(&e).await);
    let vm = r.get(&failed_names[0]).unwrap();
    let f = vm.failure.as_ref().unwrap();
    assert_eq!(f.kind, FailureKind::OperationFailed);
    assert!(
        vm.error.as_deref().unwrap().contains("InternalError"),
        "{:?}",
        vm.error
    );
    assert_eq!(r.count(VmOutcome::Succeeded), 5);
}

/// Half the VMs fail over into `dr-vnet`, half into `other-vnet`; `dr-vnet` is removed: exactly
/// the first half fails, each saying why.
async fn removed_target_network_fails_exactly_the_vms_that_use_it(via: Via) {
    use azs_site_recovery::emulator::VirtualNetwork;
    let e = env(via, vms(6));
    let other = e.emu.add_target_network(
        VirtualNetwork::new("other-vnet", "network-rg", "10.9.0.0/16")
            .subnet("default", "10.9.0.0/24"),
    );
    let t = e.emu.topology().clone();
    let items: Vec<BulkItem> = t
        .source_vm_ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let net = if i % 2 == 0 {
                t.target_network_id("dr-vnet").unwrap().to_owned()
            } else {
                other.clone()
            };
            let item = NewAzStackProtectedItem::new(
                "default-replication-policy",
                "default-replication-extension",
                id,
            )
            .appliance_id(&t.appliance_id)
            .target_resource_group_id(&t.target_resource_group_ids[1])
            .target_network(net, "default")
            .test_network(t.target_network_id("test-vnet").unwrap(), "default")
            .log_storage_account_id(&t.target_storage_account_ids[0])
            .build()
            .unwrap();
            BulkItem::enable(id.rsplit('/').next().unwrap(), item)
        })
        .collect();
    assert_all(
        &e.run(BulkOperation::EnableProtection, items).await,
        VmOutcome::Succeeded,
    );
    e.emu.inject(Fault::MissingTargetNetwork {
        name: "dr-vnet".to_owned(),
    });
    let r = e
        .run(
            BulkOperation::PlannedFailover {
                shutdown_source: true,
            },
            e.named(),
        )
        .await;
    assert_eq!(failed(&r), ["vm-000", "vm-002", "vm-004"]);
    assert_eq!(failed(&r), failed_in_vault(&e).await);
    for name in failed(&r) {
        let err = r.get(&name).unwrap().error.clone().unwrap();
        assert!(err.to_lowercase().contains("network"), "{name}: {err}");
    }
}

/// The appliance stops answering in the middle of a protect run: the VMs whose enable job ran
/// after that fail, named exactly, and the others are protected.
#[tokio::test]
async fn appliance_unresponsive_mid_run() {
    let e = env(Via::InProcess, vms(12));
    let mut run = e
        .runner()
        .options(BulkOptions::default().concurrency(3))
        .run(BulkOperation::EnableProtection, e.enable_items());
    let mut done = 0;
    while let Some(ev) = run.next().await {
        if matches!(ev.kind, BulkEventKind::Succeeded { .. }) {
            done += 1;
            if done == 4 {
                e.emu.inject(Fault::UnresponsiveAppliance);
            }
        }
    }
    let r = run.result();
    let failed_names = failed(&r);
    assert!(!failed_names.is_empty() && r.count(VmOutcome::Succeeded) >= 4);
    assert_eq!(failed_names.len() + r.count(VmOutcome::Succeeded), 12);
    assert_eq!(failed_names, failed_in_vault(&e).await);
    for name in &failed_names {
        let err = r.get(name).unwrap().error.clone().unwrap();
        assert!(
            err.contains("FabricAgentNotResponsive") || err.contains("not responsive"),
            "{name}: {err}"
        );
    }
}

both_transports! {
    dropped_run_resumes_without_resending;
}

/// A failover run is dropped with operations in flight; the result so far says which were left
/// running and which never started. Running it again attaches to the first, starts the rest, and
/// no VM ever gets a second failover POST.
async fn dropped_run_resumes_without_resending(via: Via) {
    let e = protected(via, 12).await;
    e.log.clear();
    let op = BulkOperation::PlannedFailover {
        shutdown_source: true,
    };
    let mut run = e
        .runner()
        .options(BulkOptions::default().concurrency(4))
        .run(op.clone(), e.named());
    let mut started = 0;
    while let Some(ev) = run.next().await {
        if matches!(ev.kind, BulkEventKind::Started { .. }) {
            started += 1;
            if started == 6 {
                break;
            }
        }
    }
    let partial = run.result();
    drop(run);
    assert!(partial.stopped);
    let left = partial.count(VmOutcome::LeftRunning);
    assert!((1..=4).contains(&left), "left running: {left}");
    // Every VM whose POST went out is done or left running (over HTTP more POSTs may be on
    // their way when the run stops, within the 4 slots: they count as left running); the
    // others never started.
    let posted = e.log.count(Method::Post, "/plannedFailover");
    assert!((6..=9).contains(&posted), "{posted}");
    assert_eq!(partial.count(VmOutcome::Succeeded) + left, posted);
    assert_eq!(partial.count(VmOutcome::NotStarted), 12 - posted);

    let mut run = e.runner().run(op, e.named());
    let mut attached = Vec::new();
    while let Some(ev) = run.next().await {
        if let BulkEventKind::Started { attached: true, .. } = ev.kind {
            attached.push(ev.item);
        }
    }
    let resumed = run.result();
    // The ones left running are followed, not started again (or found done: over HTTP the
    // answer saying so may have been on its way when the run stopped).
    for v in partial
        .results
        .iter()
        .filter(|v| v.outcome == VmOutcome::LeftRunning)
    {
        // (One whose request was on its way when the run stopped, `error` set, may never have
        // reached the service: then it is started now, once.)
        match resumed.get(&v.item).unwrap().outcome {
            VmOutcome::Succeeded if v.error.is_none() => {
                assert!(
                    attached.contains(&v.item),
                    "{} attached: {attached:?}",
                    v.item
                )
            }
            VmOutcome::Succeeded => {}
            other => assert_eq!(other, VmOutcome::Skipped, "{}", v.item),
        }
    }
    assert!(
        resumed.is_success(),
        "{:?}",
        resumed.problems().collect::<Vec<_>>()
    );
    for v in partial
        .results
        .iter()
        .filter(|v| v.outcome == VmOutcome::Succeeded)
    {
        assert_eq!(
            resumed.get(&v.item).unwrap().outcome,
            VmOutcome::Skipped,
            "{}",
            v.item
        );
    }
    // One failover per VM over both runs. (Over HTTP, the POST on its way when the run stopped
    // may reach the service after the second run listed the items: the second run's POST is
    // then refused with 409 and the run follows the failover already running.)
    let jobs: Vec<azs_site_recovery::model::Job> =
        e.client.jobs(&e.vault).list().try_collect().await.unwrap();
    for name in e.names() {
        let failovers = jobs
            .iter()
            .filter_map(|j| j.properties.as_ref())
            .filter(|p| p.object_name.as_deref() == Some(name.as_str()))
            .filter(|p| p.display_name.as_deref() == Some("Planned failover"))
            .count();
        assert_eq!(failovers, 1, "{name}: one failover over both runs");
        let posts = e
            .log
            .count(Method::Post, &format!("/{name}/plannedFailover"));
        // A VM whose POST the first run saw accepted is never sent another; only one whose
        // request was on its way when the run stopped may be (and the service refuses it).
        let before = partial.get(&name).unwrap();
        let accepted = before.outcome == VmOutcome::Succeeded
            || (before.outcome == VmOutcome::LeftRunning && before.error.is_none());
        if accepted || before.outcome == VmOutcome::NotStarted {
            assert_eq!(posts, 1, "{name}: {:?}", before.outcome);
        } else {
            assert!(posts <= 2 && posted > 6, "{name}: {posts} POSTs");
        }
    }
}
