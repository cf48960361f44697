//! The bulk runner against the emulator, through the client only: a whole lifecycle over many
//! VMs, faults during runs (429 storms, resets on POST, failing jobs, an unresponsive appliance,
//! a removed target network), resume after a drop, and the requests each VM costs. Every test
//! runs in process; the ones where the wire matters run over loopback HTTP too.
#![cfg(feature = "emulator")]

use async_trait::async_trait;
use azs_site_recovery::client::DiscoveryOptions;
use azs_site_recovery::emulator::{Emulator, Fault, RequestMatch, Scenario, SourceVm};
use azs_site_recovery::http::{Method, Request, Response};
use azs_site_recovery::id::VaultId;
use azs_site_recovery::lifecycle::RecoveryPointChoice;
use azs_site_recovery::model::{NewAzStackProtectedItem, ProtectedItem, Reprotect};
use azs_site_recovery::orchestrate::{
    BulkEventKind, BulkItem, BulkOperation, BulkOptions, BulkRunResult, BulkRunner, FailureKind,
    VmOutcome,
};
use azs_site_recovery::transport::{Transport, TransportError, TransportErrorKind};
use azs_site_recovery::SiteRecoveryClient;
use futures_util::{StreamExt, TryStreamExt};
use std::sync::{Arc, Mutex};

/// Every request the client sent, as `METHOD path`.
#[derive(Debug, Clone, Default)]
struct Log(Arc<Mutex<Vec<(Method, String)>>>);

impl Log {
    fn clear(&self) {
        self.0.lock().unwrap().clear();
    }

    /// How many requests match `method` and end with `suffix` (case-insensitive).
    fn count(&self, method: Method, suffix: &str) -> usize {
        let suffix = suffix.to_ascii_lowercase();
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(m, p)| *m == method && p.to_ascii_lowercase().ends_with(&suffix))
            .count()
    }

    fn total(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    fn requests(&self) -> Vec<(Method, String)> {
        self.0.lock().unwrap().clone()
    }
}

/// A transport that records each request, then hands it on.
#[derive(Debug)]
struct Counting<T> {
    inner: T,
    log: Log,
}

#[async_trait]
impl<T: Transport> Transport for Counting<T> {
    async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        self.log
            .0
            .lock()
            .unwrap()
            .push((request.method, request.url.path().to_owned()));
        self.inner.send(request).await
    }
}

struct Env {
    emu: Emulator,
    client: SiteRecoveryClient,
    vault: VaultId,
    log: Log,
    #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
    _server: Option<azs_site_recovery::emulator::EmulatorServer>,
}

#[derive(Clone, Copy, Debug)]
enum Via {
    InProcess,
    #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
    Http,
}

fn vms(n: usize) -> Scenario {
    Scenario::builder()
        .clear_source_vms()
        .source_vms((0..n).map(|i| SourceVm::linux(&format!("vm-{i:03}")).data_disk(64)))
        .seed_vault(true)
        .build()
}

fn env(via: Via, scenario: Scenario) -> Env {
    let emu = Emulator::new(scenario);
    let vault = VaultId::new(&emu.topology().target_subscription, "asr-rg", "asrvault");
    let log = Log::default();
    let builder = SiteRecoveryClient::builder().in_process(&emu).unwrap();
    match via {
        Via::InProcess => Env {
            client: builder
                .transport(Counting {
                    inner: emu.clone(),
                    log: log.clone(),
                })
                .build()
                .unwrap(),
            emu,
            vault,
            log,
            #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
            _server: None,
        },
        #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
        Via::Http => {
            let server =
                azs_site_recovery::emulator::EmulatorServer::start(emu.clone(), "127.0.0.1:0")
                    .unwrap();
            let client = builder
                .endpoint(&server.base_url())
                .unwrap()
                .transport(Counting {
                    inner: azs_site_recovery::transport::ReqwestTransport::new().unwrap(),
                    log: log.clone(),
                })
                .build()
                .unwrap();
            Env {
                emu,
                client,
                vault,
                log,
                _server: Some(server),
            }
        }
    }
}

impl Env {
    fn runner(&self) -> BulkRunner {
        BulkRunner::new(&self.client, &self.vault)
    }

    fn names(&self) -> Vec<String> {
        self.emu
            .topology()
            .source_vm_ids
            .iter()
            .map(|id| id.rsplit('/').next().unwrap().to_owned())
            .collect()
    }

    fn new_item(&self, vm_id: &str) -> ProtectedItem {
        let t = self.emu.topology();
        NewAzStackProtectedItem::new(
            "default-replication-policy",
            "default-replication-extension",
            vm_id,
        )
        .appliance_id(&t.appliance_id)
        .target_resource_group_id(&t.target_resource_group_ids[1])
        .target_network(t.target_network_id("dr-vnet").unwrap(), "default")
        .test_network(t.target_network_id("test-vnet").unwrap(), "default")
        .log_storage_account_id(&t.target_storage_account_ids[0])
        .build()
        .unwrap()
    }

    fn enable_items(&self) -> Vec<BulkItem> {
        self.emu
            .topology()
            .source_vm_ids
            .iter()
            .map(|id| BulkItem::enable(id.rsplit('/').next().unwrap(), self.new_item(id)))
            .collect()
    }

    fn named(&self) -> Vec<BulkItem> {
        self.names().into_iter().map(BulkItem::named).collect()
    }

    fn reprotect(&self) -> BulkOperation {
        let t = self.emu.topology();
        BulkOperation::Reprotect {
            body: Box::new(Reprotect::azstack_failback_defaults(
                &t.appliance_id,
                &t.target_storage_account_ids[0],
            )),
        }
    }

    async fn run(&self, op: BulkOperation, items: Vec<BulkItem>) -> BulkRunResult {
        self.runner().run(op, items).finish().await
    }
}

fn assert_all(result: &BulkRunResult, outcome: VmOutcome) {
    for r in &result.results {
        assert_eq!(
            r.outcome,
            outcome,
            "{}: {:?} {}",
            r.item,
            r.outcome,
            r.error.as_deref().unwrap_or("")
        );
    }
}

fn failed(result: &BulkRunResult) -> Vec<String> {
    let mut v: Vec<String> = result
        .results
        .iter()
        .filter(|r| r.outcome == VmOutcome::Failed)
        .map(|r| r.item.clone())
        .collect();
    v.sort();
    v
}

/// One `#[tokio::test]` per transport for each test function.
macro_rules! both_transports {
    ($($name:ident;)*) => {$(
        mod $name {
            #[tokio::test]
            async fn in_process() {
                super::$name(crate::Via::InProcess).await
            }
            #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
            #[tokio::test]
            async fn over_http() {
                super::$name(crate::Via::Http).await
            }
        }
    )*};
}

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

/// A protected vault of `n` VMs, ready for failovers.
async fn protected(via: Via, n: usize) -> Env {
    let e = env(via, vms(n));
    let r = e
        .run(BulkOperation::EnableProtection, e.enable_items())
        .await;
    assert_all(&r, VmOutcome::Succeeded);
    e
}

/// The names of the items the emulator shows in a failed state.
async fn failed_in_vault(e: &Env) -> Vec<String> {
    use azs_site_recovery::lifecycle::conditions::{self, Condition};
    let items: Vec<ProtectedItem> = e
        .client
        .protected_items(&e.vault)
        .list()
        .try_collect()
        .await
        .unwrap();
    let mut v: Vec<String> = items
        .iter()
        .filter(|i| conditions::has_failed().matches(Some(i)))
        .filter_map(|i| i.name.clone())
        .collect();
    v.sort();
    v
}

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
    requests_per_vm_stay_at_the_single_item_minimum;
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
