//! The whole DR lifecycle and every fault, driven through `SiteRecoveryClient` against the
//! emulator, each test run twice: in process (the `Emulator` as transport) and over loopback
//! HTTP (`EmulatorServer` + `ReqwestTransport`, feature `emulator-server`). Same test body, same
//! results: what a user sees does not depend on the transport.
#![cfg(feature = "emulator")]

use azs_site_recovery::emulator::{Emulator, Scenario};
use azs_site_recovery::id::VaultId;
use azs_site_recovery::model::{Job, NewAzStackProtectedItem, ProtectedItem, ProtectionState};
use azs_site_recovery::SiteRecoveryClient;
use futures_util::TryStreamExt;
/// A client on an emulator, by one transport or the other.
pub struct Env {
    via: &'static str,
    emu: Emulator,
    client: SiteRecoveryClient,
    vault: VaultId,
    #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
    _server: Option<azs_site_recovery::emulator::EmulatorServer>,
}

#[derive(Clone, Copy)]
pub enum Via {
    InProcess,
    #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
    Http,
}

/// The default scenario with the vault, policies and extensions already created.
pub fn seeded() -> Scenario {
    Scenario::builder().seed_vault(true).build()
}

pub fn env(via: Via, scenario: Scenario) -> Env {
    let emu = Emulator::new(scenario);
    let vault = VaultId::new(&emu.topology().target_subscription, "asr-rg", "asrvault");
    match via {
        Via::InProcess => Env {
            via: "in-process",
            client: SiteRecoveryClient::builder()
                .in_process(&emu)
                .unwrap()
                .build()
                .unwrap(),
            emu,
            vault,
            #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
            _server: None,
        },
        #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
        Via::Http => {
            let server =
                azs_site_recovery::emulator::EmulatorServer::start(emu.clone(), "127.0.0.1:0")
                    .unwrap();
            let client = SiteRecoveryClient::builder()
                .in_process(&emu)
                .unwrap()
                .endpoint(&server.base_url())
                .unwrap()
                .transport(azs_site_recovery::transport::ReqwestTransport::new().unwrap())
                .build()
                .unwrap();
            Env {
                via: "http",
                client,
                emu,
                vault,
                _server: Some(server),
            }
        }
    }
}

/// One `#[tokio::test]` per transport for each scenario function.
macro_rules! both_transports {
    ($($name:ident => $scenario:expr;)*) => {$(
        mod $name {
            #[tokio::test]
            async fn in_process() {
                super::$name(crate::env(crate::Via::InProcess, $scenario)).await
            }
            #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
            #[tokio::test]
            async fn over_http() {
                super::$name(crate::env(crate::Via::Http, $scenario)).await
            }
        }
    )*};
}

mod faults;
mod lifecycle;
mod preflight_planted;

impl Env {
    fn items(&self) -> azs_site_recovery::client::Handle<ProtectedItem> {
        self.client.protected_items(&self.vault)
    }

    fn new_item(&self, vm: &str) -> ProtectedItem {
        let t = self.emu.topology();
        NewAzStackProtectedItem::new(
            "default-replication-policy",
            "default-replication-extension",
            t.source_vm_id(vm).unwrap(),
        )
        .appliance_id(&t.appliance_id)
        .target_resource_group_id(&t.target_resource_group_ids[1])
        .target_network(t.target_network_id("dr-vnet").unwrap(), "default")
        .test_network(t.target_network_id("test-vnet").unwrap(), "default")
        .log_storage_account_id(&t.target_storage_account_ids[0])
        .build()
        .unwrap()
    }

    /// Enables protection of `vm` as item `name` and waits for initial replication.
    async fn protect(&self, vm: &str, name: &str) -> ProtectedItem {
        let poller = self
            .items()
            .create_or_update(name, &self.new_item(vm))
            .await
            .unwrap();
        poller.await.unwrap()
    }

    fn vm(&self, name: &str) -> String {
        self.emu.topology().source_vm_id(name).unwrap().to_owned()
    }

    fn has_vm(&self, name: &str) -> bool {
        let suffix = format!("/{name}");
        self.emu.vm_ids().iter().any(|id| id.ends_with(&suffix))
    }

    async fn item(&self, name: &str) -> ProtectedItem {
        self.items().get(name).await.unwrap()
    }

    async fn all_items(&self) -> Vec<ProtectedItem> {
        self.items().list().try_collect().await.unwrap()
    }

    /// The vault's jobs of `display` ("Planned failover") for item `name`.
    async fn jobs(&self, name: &str, display: &str) -> Vec<Job> {
        let jobs: Vec<Job> = self
            .client
            .jobs(&self.vault)
            .list_with(&[("pageSize", "500")])
            .try_collect()
            .await
            .unwrap();
        jobs.into_iter()
            .filter(|j| {
                let p = j.properties.as_ref().unwrap();
                p.object_name.as_deref() == Some(name) && p.display_name.as_deref() == Some(display)
            })
            .collect()
    }
}

pub fn state(item: &ProtectedItem) -> ProtectionState {
    item.protection_state().cloned().unwrap()
}
