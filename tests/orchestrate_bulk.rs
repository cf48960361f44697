//! The bulk runner against the emulator, through the client only: a whole lifecycle over many
//! VMs, faults during runs (429 storms, resets on POST, failing jobs, an unresponsive appliance,
//! a removed target network), resume after a drop, and the requests each VM costs. Every test
//! runs in process; the ones where the wire matters run over loopback HTTP too.
#![cfg(feature = "emulator")]

use async_trait::async_trait;
use azs_site_recovery::client::{DiscoveryOptions, PollingOptions};
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
            r.outcome, outcome,
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
    let protect = e.run(BulkOperation::EnableProtection, e.enable_items()).await;
    assert_all(&protect, VmOutcome::Succeeded);
    assert_eq!(
        protect.results[0]
            .final_state
            .as_ref()
            .and_then(|s| s.protection_state.as_deref()),
        Some("Protected")
    );
    let again = e.run(BulkOperation::EnableProtection, e.enable_items()).await;
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
        if matches!(op, BulkOperation::TestFailover { .. } | BulkOperation::PlannedFailover { .. }) {
            assert!(r.results.iter().all(|v| v.rpo_ms.is_some()), "{op}: RPO recorded");
        }
        assert!(r.results.iter().all(|v| !v.job_ids.is_empty()), "{op}: job ids");
        // Running the phase again sends nothing but the list: every VM is already there.
        // (The second commit follows the failback: the first commit's rerun would be skipped
        // too, but it is the same operation.)
        if i != 3 {
            e.log.clear();
            let again = e.run(op.clone(), e.named()).await;
            assert_all(&again, VmOutcome::Skipped);
            assert_eq!(e.log.total(), 1, "{op}: a rerun sends one list: {:?}", e.log.requests());
        }
    }
}

/// A protected vault of `n` VMs, ready for failovers.
async fn protected(via: Via, n: usize) -> Env {
    let e = env(via, vms(n));
    let r = e.run(BulkOperation::EnableProtection, e.enable_items()).await;
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
    assert!(throttled > 0, "the storm reached the runner (past the pipeline's retries)");
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
    assert_eq!(attached.len(), 3, "the three whose answer was lost: {attached:?}");
    for name in e.names() {
        assert_eq!(
            e.log.count(Method::Post, &format!("/{name}/plannedFailover")),
            1,
            "{name}: one failover POST"
        );
    }
    for v in &r.results {
        assert_eq!(v.job_ids.len(), 1, "{}: {:?}", v.item, v.job_ids);
        assert!(v.job_ids[0].contains("/jobs/"), "{}: {:?}", v.item, v.job_ids);
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
    let other = e
        .emu
        .add_target_network(VirtualNetwork::new("other-vnet", "network-rg", "10.9.0.0/16").subnet("default", "10.9.0.0/24"));
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
        assert!(err.contains("FabricAgentNotResponsive") || err.contains("not responsive"), "{name}: {err}");
    }
}
