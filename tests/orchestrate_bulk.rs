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
