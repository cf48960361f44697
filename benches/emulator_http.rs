//! The emulator over loopback HTTP (`EmulatorServer`) through the client (reqwest transport,
//! pipeline, Pager, typed `ProtectedItem`s):
//! * listing 10,000 protected items (100 pages of 100) served by the emulator's listener;
//! * requests per long-running operation (enable protection, unplanned failover) against the
//!   fewest the `Retry-After` values allow (printed; asserted in `tests/lro_requests.rs`, which
//!   derives the minimum). The client's clock is the emulator's virtual clock here, so the
//!   waits cost no real time.
//!
//! `cargo bench --bench emulator_http --features emulator-server -- --warm-up-time 1 --measurement-time 3`

use azs_site_recovery::emulator::{Emulator, EmulatorServer, Scenario, SourceVm};
use azs_site_recovery::http::{Method, Request};
use azs_site_recovery::id::VaultId;
use azs_site_recovery::lifecycle::RecoveryPointChoice;
use azs_site_recovery::model::ProtectedItem;
use azs_site_recovery::pipeline::clock::{Clock, Sleep, SleepFuture};
use azs_site_recovery::{ApiVersion, SiteRecoveryClient};
use chrono::{DateTime, Utc};
use criterion::{black_box, Criterion};
use futures_util::StreamExt;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ITEMS: usize = 10_000;
const API: &str = "2024-09-01";

/// An emulator with `n` protected items (initial replication done), pages of 100.
fn protected(n: usize) -> Emulator {
    let vms = (0..n).map(|i| SourceVm::linux(&format!("vm{i:05}")));
    let emu = Emulator::new(
        Scenario::builder()
            .clear_source_vms()
            .source_vms(vms)
            .seed_vault(true)
            .page_size(100)
            .build(),
    );
    let t = emu.topology().clone();
    let vault = t.vault_id("asrvault");
    for (i, vm) in t.source_vm_ids.iter().enumerate() {
        let body = json!({ "properties": {
            "policyName": "default-replication-policy",
            "replicationExtensionName": "default-replication-extension",
            "customProperties": {
                "instanceType": "AzStackToAzStack",
                "sourceAzStackVirtualMachineId": vm,
                "targetResourceGroupId": t.target_resource_group_ids[1],
                "targetNetworkId": t.target_network_id("dr-vnet").expect("dr-vnet"),
                "testNetworkId": t.target_network_id("test-vnet").expect("test-vnet"),
            } } });
        let url = format!(
            "{}{vault}/protectedItems/vm{i:05}?api-version={API}",
            t.arm_endpoint
        );
        let req = Request::new(Method::Put, url.parse().expect("url"))
            .with_json(serde_json::to_vec(&body).expect("json"));
        assert_eq!(emu.handle(&req).status, 201);
    }
    emu.run_until_idle(Duration::from_secs(86_400));
    emu
}

#[derive(Debug, Clone)]
struct EmuTime(Emulator);

impl Clock for EmuTime {
    fn now(&self) -> DateTime<Utc> {
        self.0.now()
    }
}

impl Sleep for EmuTime {
    fn sleep(&self, d: Duration) -> SleepFuture {
        self.0.advance(d);
        Box::pin(std::future::ready(()))
    }
}

fn client(server: &EmulatorServer, emu: &Emulator) -> SiteRecoveryClient {
    let time = Arc::new(EmuTime(emu.clone()));
    SiteRecoveryClient::builder()
        .endpoint(&server.base_url())
        .expect("endpoint")
        .api_version(ApiVersion::V2024_09_01)
        .clock(time.clone())
        .sleep(time)
        .build()
        .expect("client")
}

fn vault(emu: &Emulator) -> VaultId {
    VaultId::new(&emu.topology().target_subscription, "asr-rg", "asrvault")
}

async fn list_all(client: &SiteRecoveryClient, vault: &VaultId) -> usize {
    let mut items = client.protected_items(vault).list();
    let mut n = 0;
    while let Some(item) = items.next().await {
        let item: ProtectedItem = item.expect("item");
        black_box(&item);
        n += 1;
    }
    n
}

/// Requests the client makes for an enable protection and an unplanned failover of `vm00000`
/// on a fresh emulator, over HTTP.
fn lro_requests(rt: &tokio::runtime::Runtime) {
    let emu = Emulator::new(
        Scenario::builder()
            .clear_source_vms()
            .source_vm(SourceVm::windows("vm00000").data_disk(200))
            .seed_vault(true)
            .build(),
    );
    let server = EmulatorServer::start(emu.clone(), "127.0.0.1:0").expect("listener");
    let c = client(&server, &emu);
    let items = c.protected_items(&vault(&emu));
    let t = emu.topology().clone();
    let body: ProtectedItem = serde_json::from_value(json!({ "properties": {
        "policyName": "default-replication-policy",
        "replicationExtensionName": "default-replication-extension",
        "customProperties": {
            "instanceType": "AzStackToAzStack",
            "sourceAzStackVirtualMachineId": t.source_vm_ids[0],
            "targetResourceGroupId": t.target_resource_group_ids[1],
            "targetNetworkId": t.target_network_id("dr-vnet").expect("dr-vnet"),
            "testNetworkId": t.target_network_id("test-vnet").expect("test-vnet"),
        } } }))
    .expect("body");
    rt.block_on(async {
        let (n0, t0) = (emu.request_count(), emu.now());
        items
            .create_or_update("vm00000", &body)
            .await
            .expect("enable")
            .await
            .expect("enabled");
        let (n1, t1) = (emu.request_count(), emu.now());
        println!(
            "enable protection ({} s virtual, Retry-After cap 300 s): {} requests; minimum 1 + ceil per task + 1 (tests/lro_requests.rs asserts equality)",
            (t1 - t0).num_seconds(),
            n1 - n0
        );
        emu.advance(Duration::from_secs(1800));
        for (label, h) in [("checked", items.clone()), ("unchecked", items.unchecked())] {
            let (n0, t0) = (emu.request_count(), emu.now());
            h.unplanned_failover("vm00000", RecoveryPointChoice::LatestProcessed, false)
                .await
                .expect("failover")
                .await
                .expect("failed over");
            let (n1, t1) = (emu.request_count(), emu.now());
            println!(
                "unplanned failover, {label} ({} s virtual): {} requests (a checked action adds the one GET the lifecycle check reads)",
                (t1 - t0).num_seconds(),
                n1 - n0
            );
            items
                .cancel_failover("vm00000")
                .await
                .expect("cancel")
                .await
                .expect("cancelled");
            emu.advance(Duration::from_secs(1800));
        }
    });
    server.shutdown();
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    lro_requests(&rt);

    let t = Instant::now();
    let emu = protected(ITEMS);
    println!(
        "set-up: {ITEMS} protected items in the emulator in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let server = EmulatorServer::start(emu.clone(), "127.0.0.1:0").expect("listener");
    let c = client(&server, &emu);
    let v = vault(&emu);
    assert_eq!(rt.block_on(list_all(&c, &v)), ITEMS);
    let rounds = 3;
    let t = Instant::now();
    for _ in 0..rounds {
        rt.block_on(list_all(&c, &v));
    }
    println!(
        "list {ITEMS} items in 100 pages from the emulator's HTTP listener through the client: {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3 / rounds as f64
    );

    let mut crit = Criterion::default().sample_size(10).configure_from_args();
    let mut group = crit.benchmark_group("emulator_http");
    group.bench_function("list_10000_protected_items", |b| {
        b.iter(|| assert_eq!(rt.block_on(list_all(&c, &v)), ITEMS))
    });
    group.finish();
    crit.final_summary();
    server.shutdown();
}
