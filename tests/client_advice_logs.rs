//! The lifecycle's advice on a protected-item action is logged at `warn`. In a test binary of
//! its own, because it installs a global `tracing` subscriber (a thread-local one can miss
//! events whose callsite another test's thread registered first).
#![cfg(feature = "emulator")]

use azs_site_recovery::emulator::{Emulator, Scenario};
use azs_site_recovery::id::VaultId;
use azs_site_recovery::model::NewAzStackProtectedItem;
use azs_site_recovery::SiteRecoveryClient;
use std::sync::Arc;

/// Collects the `tracing` events at `warn` (installed for one thread only: the test runs its
/// futures on a current-thread runtime).
#[derive(Clone, Default)]
struct Warnings(Arc<std::sync::Mutex<Vec<String>>>);

impl tracing::Subscriber for Warnings {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct V(String);
        impl tracing::field::Visit for V {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                self.0.push_str(&format!("{}={:?} ", f.name(), v));
            }
        }
        if *event.metadata().level() == tracing::Level::WARN {
            let mut v = V(String::new());
            event.record(&mut v);
            self.0.lock().unwrap().push(v.0);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn the_180_day_advice_of_a_failover_is_logged_at_warn() {
    let warnings = Warnings::default();
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
