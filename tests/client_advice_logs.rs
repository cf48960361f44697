//! The lifecycle's advice on a protected-item action is logged at `warn`. In a test binary of
//! its own, because it installs a global `tracing` subscriber (a thread-local one can miss
//! events whose callsite another test's thread registered first).
#![cfg(feature = "emulator")]

mod log_capture;

use azs_site_recovery::emulator::{Emulator, Scenario};
use azs_site_recovery::id::VaultId;
use azs_site_recovery::model::NewAzStackProtectedItem;
use azs_site_recovery::SiteRecoveryClient;

use log_capture::Capture;

#[test]
fn the_180_day_advice_of_a_failover_is_logged_at_warn() {
    let warnings = Capture::only(tracing::Level::WARN);
    tracing::subscriber::set_global_default(warnings.clone()).unwrap();
    let emu = Emulator::new(Scenario::builder().seed_vault(true).build());
    let client = SiteRecoveryClient::builder()
        .in_process(&emu)
        .unwrap()
        .build()
        .unwrap();
    let t = emu.topology().clone();
    let vault: VaultId = t.vault_id("asrvault").parse().unwrap();
    let item = NewAzStackProtectedItem::new(
        "default-replication-policy",
        "default-replication-extension",
        t.source_vm_id("web-01").unwrap(),
    )
    .appliance_id(&t.appliance_id)
    .target_resource_group_id(&t.target_resource_group_ids[1])
    .target_network(t.target_network_id("dr-vnet").unwrap(), "default")
    .log_storage_account_id(&t.target_storage_account_ids[0])
    .build()
    .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let items = client.protected_items(&vault);
        items
            .create_or_update("web01", &item)
            .await
            .unwrap()
            .await
            .unwrap();
        warnings.0.lock().unwrap().clear();
        let poller = items.planned_failover("web01", true).await.unwrap();
        let logged = warnings.0.lock().unwrap().clone();
        assert!(
            logged.iter().any(
                |l| l.contains("no successful test failover in the past 180 days")
                    && l.contains("web01")
            ),
            "{logged:?}"
        );
        // What is logged is what the returned value carries.
        for advice in poller.advice() {
            assert!(
                logged.iter().any(|l| l.contains(advice.as_str())),
                "{advice}"
            );
        }
        poller.await.unwrap();
    });
}
