//! Layer 4 at scale: 1,000 VMs through `SiteRecoveryClient` and the in-process emulator.
//! Discover the source VMs, protect them all with the bulk runner, run a recovery plan of four
//! groups (250 VMs each) as a test-failover drill, then its cleanup in reverse group order.
//!
//! Target (DESIGN.md): < 3 s wall, < 150 MB peak (2 vCPU). Printed first, from one run alone in
//! the process (peak from `VmHWM` in `/proc/self/status`), with the requests per VM; then
//! criterion measures the plan drill alone.
//!
//! `cargo bench --bench orchestrate -- --warm-up-time 1 --measurement-time 5`

use azs_site_recovery::client::DiscoveryOptions;
use azs_site_recovery::emulator::{ComputeQuota, Emulator, Scenario, SourceVm};
use azs_site_recovery::http::{Request, Response};
use azs_site_recovery::id::VaultId;
use azs_site_recovery::model::NewAzStackProtectedItem;
use azs_site_recovery::orchestrate::plan::{
    PlanHooks, PlanOperation, PlanRecoveryPoint, PlanRunOptions, PlanRunner, RecoveryPlan,
};
use azs_site_recovery::orchestrate::{BulkItem, BulkOperation, BulkOptions, BulkRunner};
use azs_site_recovery::transport::{Transport, TransportError};
use azs_site_recovery::SiteRecoveryClient;
use criterion::Criterion;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const VMS: usize = 1_000;
const GROUPS: usize = 4;

/// The emulator, counting requests.
#[derive(Debug, Clone)]
struct Counting {
    emu: Emulator,
    requests: Arc<AtomicU64>,
}

#[async_trait::async_trait]
impl Transport for Counting {
    async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        Transport::send(&self.emu, request).await
    }
}

struct World {
    emu: Emulator,
    client: SiteRecoveryClient,
    vault: VaultId,
    requests: Arc<AtomicU64>,
}

fn world() -> World {
    let vms = (0..VMS).map(|i| SourceVm::linux(&format!("vm{i:04}")).data_disk(32));
    let emu = Emulator::new(
        Scenario::builder()
            .clear_source_vms()
            .source_vms(vms)
            .seed_vault(true)
            .compute_quota(ComputeQuota::new(100_000, 50_000))
            .page_size(1_000)
            .build(),
    );
    let requests = Arc::new(AtomicU64::new(0));
    let client = SiteRecoveryClient::builder()
        .in_process(&emu)
        .expect("in-process client")
        .transport(Counting {
            emu: emu.clone(),
            requests: requests.clone(),
        })
        .build()
        .expect("client");
    let vault: VaultId = emu
        .topology()
        .vault_id("asrvault")
        .parse()
        .expect("vault id");
    World {
        emu,
        client,
        vault,
        requests,
    }
}

/// Discover and protect every VM; returns the item names.
async fn protect(w: &World) -> Vec<String> {
    let t = w.emu.topology();
    // Every VM of the source stamp but the appliance itself.
    let appliance = t.appliance_vm_id.rsplit('/').next().unwrap_or_default();
    let skip = DiscoveryOptions::default().skip_vm_named(appliance);
    let vms = w
        .client
        .discover_source_vms(None, &w.vault, &skip)
        .await
        .expect("discovery");
    assert_eq!(vms.len(), VMS);
    let net = t.target_network_id("dr-vnet").expect("dr-vnet");
    let test = t.target_network_id("test-vnet").expect("test-vnet");
    let items = vms.iter().map(|vm| {
        let item = NewAzStackProtectedItem::new(
            "default-replication-policy",
            "default-replication-extension",
            &vm.id,
        )
        .appliance_id(&t.appliance_id)
        .target_resource_group_id(&t.target_resource_group_ids[1])
        .target_network(net, "default")
        .test_network(test, "default")
        .log_storage_account_id(&t.target_storage_account_ids[0])
        .build()
        .expect("item");
        BulkItem::enable(&vm.item_name, item)
    });
    let result = BulkRunner::new(&w.client, &w.vault)
        .options(BulkOptions::default().concurrency(100))
        .run(BulkOperation::EnableProtection, items)
        .finish()
        .await;
    assert!(result.is_success(), "bulk protect failed");
    result.results.iter().map(|r| r.item.clone()).collect()
}

async fn drill(w: &World, names: &[String]) {
    let per = names.len() / GROUPS;
    let plan = (0..GROUPS).fold(RecoveryPlan::new("scale"), |p, g| {
        p.group(
            format!("tier{g}"),
            names[g * per..(g + 1) * per].iter().cloned(),
        )
    });
    let report = PlanRunner::new(w.client.clone(), w.vault.clone())
        .hooks(PlanHooks::new())
        .options(PlanRunOptions::default().concurrency(10))
        .run(
            &plan,
            &PlanOperation::test_failover(PlanRecoveryPoint::LatestProcessed, true),
            |_| ControlFlow::Continue(()),
        )
        .await
        .expect("plan run");
    assert!(report.succeeded(), "drill failed");
    assert_eq!(report.totals.succeeded, 2 * VMS);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The process's peak resident set (`VmHWM` in `/proc/self/status`), in KiB; `None` off Linux.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let rt = runtime();
    // One whole run first, alone in the process, so the peak resident set is this run's.
    let start = Instant::now();
    let w = world();
    let setup = start.elapsed();
    let names = rt.block_on(protect(&w));
    let protected = start.elapsed();
    let protect_requests = w.requests.swap(0, Ordering::Relaxed);
    rt.block_on(drill(&w, &names));
    let wall = start.elapsed();
    let drill_requests = w.requests.load(Ordering::Relaxed);
    let peak = peak_rss_kib().map_or("n/a".to_owned(), |k| format!("{:.1} MB", k as f64 / 1024.0));
    println!(
        "{VMS} VMs: {:.0} ms wall (world {:.0} ms, discover + protect {:.0} ms, plan drill {:.0} ms), peak (VmHWM) {peak}; targets < 3 s, < 150 MB",
        wall.as_secs_f64() * 1e3,
        setup.as_secs_f64() * 1e3,
        (protected - setup).as_secs_f64() * 1e3,
        (wall - protected).as_secs_f64() * 1e3,
    );
    println!(
        "requests per VM: discover + protect {:.2}, plan test failover + cleanup {:.2} (two operations)",
        protect_requests as f64 / VMS as f64,
        drill_requests as f64 / VMS as f64
    );
    drop(w);

    let mut c = Criterion::default().configure_from_args();
    let mut g = c.benchmark_group("orchestrate");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("discover_protect_plan_drill_1000_vms", |b| {
        b.iter(|| {
            let w = world();
            let names = rt.block_on(protect(&w));
            rt.block_on(drill(&w, &names));
        })
    });
    g.finish();
    c.final_summary();
}
