//! What the orchestrate tests share: an emulator with a client that records every request it
//! sends (in process or over loopback HTTP), a vault of protected VMs, and result checks.
#![allow(dead_code, unused_imports)]

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
pub struct Log(pub Arc<Mutex<Vec<(Method, String)>>>);

impl Log {
    pub fn clear(&self) {
        self.0.lock().unwrap().clear();
    }

    /// How many requests match `method` and end with `suffix` (case-insensitive).
    pub fn count(&self, method: Method, suffix: &str) -> usize {
        let suffix = suffix.to_ascii_lowercase();
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(m, p)| *m == method && p.to_ascii_lowercase().ends_with(&suffix))
            .count()
    }

    pub fn total(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    pub fn requests(&self) -> Vec<(Method, String)> {
        self.0.lock().unwrap().clone()
    }
}

/// A transport that records each request, then hands it on.
#[derive(Debug)]
pub struct Counting<T> {
    pub inner: T,
    pub log: Log,
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

pub struct Env {
    pub emu: Emulator,
    pub client: SiteRecoveryClient,
    pub vault: VaultId,
    pub log: Log,
    #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
    pub _server: Option<azs_site_recovery::emulator::EmulatorServer>,
}

#[derive(Clone, Copy, Debug)]
pub enum Via {
    InProcess,
    #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
    Http,
}

pub fn vms(n: usize) -> Scenario {
    Scenario::builder()
        .clear_source_vms()
        .source_vms((0..n).map(|i| SourceVm::linux(&format!("vm-{i:03}")).data_disk(64)))
        .seed_vault(true)
        .build()
}

pub fn env(via: Via, scenario: Scenario) -> Env {
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
    pub fn runner(&self) -> BulkRunner {
        BulkRunner::new(&self.client, &self.vault)
    }

    pub fn names(&self) -> Vec<String> {
        self.emu
            .topology()
            .source_vm_ids
            .iter()
            .map(|id| id.rsplit('/').next().unwrap().to_owned())
            .collect()
    }

    pub fn new_item(&self, vm_id: &str) -> ProtectedItem {
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

    pub fn enable_items(&self) -> Vec<BulkItem> {
        self.emu
            .topology()
            .source_vm_ids
            .iter()
            .map(|id| BulkItem::enable(id.rsplit('/').next().unwrap(), self.new_item(id)))
            .collect()
    }

    pub fn named(&self) -> Vec<BulkItem> {
        self.names().into_iter().map(BulkItem::named).collect()
    }

    pub fn reprotect(&self) -> BulkOperation {
        let t = self.emu.topology();
        BulkOperation::Reprotect {
            body: Box::new(Reprotect::azstack_failback_defaults(
                &t.appliance_id,
                &t.target_storage_account_ids[0],
            )),
        }
    }

    pub async fn run(&self, op: BulkOperation, items: Vec<BulkItem>) -> BulkRunResult {
        self.runner().run(op, items).finish().await
    }
}

pub fn assert_all(result: &BulkRunResult, outcome: VmOutcome) {
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

pub fn failed(result: &BulkRunResult) -> Vec<String> {
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

/// A protected vault of `n` VMs, ready for failovers.
pub async fn protected(via: Via, n: usize) -> Env {
    let e = env(via, vms(n));
    let r = e
        .run(BulkOperation::EnableProtection, e.enable_items())
        .await;
    assert_all(&r, VmOutcome::Succeeded);
    e
}

/// The names of the items the emulator shows in a failed state.
pub async fn failed_in_vault(e: &Env) -> Vec<String> {
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
