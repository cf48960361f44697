//! Listing 10,000 protected items (100 pages of 100) from a loopback HTTP server: the client
//! (reqwest transport, pipeline, Pager, typed lossless `ProtectedItem`s) against plain reqwest +
//! `serde_json::Value` over the same pages, in the same run. Printed first, as ratios of
//! interleaved runs (both see the same machine load):
//!
//! * the whole list: client / plain (target, DESIGN.md: <= 0.5x), with the items as ARM writes
//!   them (`instanceType` first in `customProperties`), then the same items with `instanceType`
//!   after the other keys (the model must keep the object before it can decode it);
//! * time to the first item (one page): client / plain (target <= 1.1x);
//! * peak memory while streaming 10,000 and then 100,000 items (target: the same).
//!
//! `cargo bench --bench client -- --warm-up-time 1 --measurement-time 3`
#![recursion_limit = "256"]

use azs_site_recovery::id::VaultId;
use azs_site_recovery::model::ProtectedItem;
use azs_site_recovery::{ApiVersion, SiteRecoveryClient};
use criterion::{black_box, Criterion};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const PAGES: usize = 100;
const PER_PAGE: usize = 100;
const SUB: &str = "00000000-0000-0000-0000-000000000000";

fn vault_path() -> String {
    format!("/subscriptions/{SUB}/resourceGroups/dr-rg/providers/Microsoft.DataReplication/replicationVaults/vault1")
}

/// A protected item as an Azure Stack Hub stamp returns it (~3 KB).
fn item(i: usize) -> Value {
    let name = format!("vm{i:05}");
    let id = format!("{}/protectedItems/{name}", vault_path());
    let vm = format!("/subscriptions/{SUB}/resourceGroups/apps/providers/Microsoft.Compute/virtualMachines/{name}");
    json!({
        "id": id, "name": name, "type": "Microsoft.DataReplication/replicationVaults/protectedItems",
        "systemData": {"createdBy": "ops@contoso.com", "createdByType": "User",
            "createdAt": "2026-01-02T03:04:05.1234567Z", "lastModifiedBy": "ops@contoso.com",
            "lastModifiedByType": "User", "lastModifiedAt": "2026-01-03T03:04:05Z"},
        "properties": {
            "policyName": "policy1", "replicationExtensionName": "ext1",
            "correlationId": format!("c0ffee00-0000-0000-0000-{i:012}"),
            "provisioningState": "Succeeded", "protectionState": "Protected",
            "protectionStateDescription": "Protected", "testFailoverState": "None",
            "testFailoverStateDescription": "None", "resynchronizationState": "None",
            "fabricObjectId": vm, "fabricObjectName": name,
            "sourceFabricProviderId": "AzStack", "targetFabricProviderId": "AzStack",
            "fabricId": format!("/subscriptions/{SUB}/resourceGroups/dr-rg/providers/Microsoft.DataReplication/replicationFabrics/source"),
            "targetFabricId": format!("/subscriptions/{SUB}/resourceGroups/dr-rg/providers/Microsoft.DataReplication/replicationFabrics/target"),
            "draId": "appliance1", "targetDraId": "appliance2", "resyncRequired": false,
            "lastSuccessfulTestFailoverTime": "2026-01-10T00:00:00Z",
            "currentJob": {"scenarioName": "EnableProtection", "id": format!("{}/jobs/job{i}", vault_path()),
                "name": format!("job{i}"), "displayName": "Enable protection", "state": "Succeeded",
                "startTime": "2026-01-02T03:04:05Z", "endTime": "2026-01-02T05:04:05Z"},
            "allowedJobs": ["TestFailover", "PlannedFailover", "UnplannedFailover", "DisableProtection"],
            "replicationHealth": "Normal", "healthErrors": [],
            "customProperties": {
                "instanceType": "AzStackToAzStack",
                "sourceAzStackVirtualMachineId": vm,
                "applianceId": "appliance1",
                "targetResourceGroupId": format!("/subscriptions/{SUB}/resourceGroups/recovery"),
                "targetNetworkId": format!("/subscriptions/{SUB}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/recovery"),
                "targetSubnetName": "default",
                "testNetworkId": format!("/subscriptions/{SUB}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/test"),
                "testSubnetName": "default",
                "logStorageAccountId": format!("/subscriptions/{SUB}/resourceGroups/dr-rg/providers/Microsoft.Storage/storageAccounts/cache1"),
                "targetVmName": name, "targetVmSize": "Standard_DS2_v2",
                "activeLocation": "Primary", "sourceVmName": name, "osType": "Windows",
                "initialReplicationProgressPercentage": 100, "resyncProgressPercentage": 0,
                "lastRecoveryPointReceived": "2026-01-11T10:00:00.1234567Z",
                "lastRecoveryPointId": format!("{id}/recoveryPoints/rp1"),
                "protectedDisks": [
                    {"sourceDiskId": format!("{vm}/disks/os"), "sourceDiskName": "os", "isOsDisk": true, "capacityInBytes": 136365211648u64, "seedManagedDiskId": "seed-os"},
                    {"sourceDiskId": format!("{vm}/disks/data0"), "sourceDiskName": "data0", "isOsDisk": false, "capacityInBytes": 1099511627776u64, "seedManagedDiskId": "seed-data0"}
                ],
                "protectedNics": [{"nicId": format!("{vm}/nics/nic0"), "macAddress": "00-15-5D-00-00-01", "networkName": "apps", "targetNetworkId": "recovery", "testNetworkId": "test"}]
            }
        }
    })
}

/// Page `page` of the 100 distinct pages, without its closing `}`: the server appends the
/// `nextLink` (or not) per request, so a list can run past 100 pages (`total=` in the query).
///
/// `json!` writes keys sorted; with `arm_order` the discriminator `instanceType` is moved to the
/// front of `customProperties`, where ARM and Microsoft's example payloads put it (the model then
/// decodes the object in one pass; with the key late it must keep the object first).
fn page_body(page: usize, arm_order: bool) -> Vec<u8> {
    let value: Vec<Value> = (page * PER_PAGE..(page + 1) * PER_PAGE).map(item).collect();
    let mut text = serde_json::to_string(&json!({ "value": value })).unwrap();
    if arm_order {
        let tag = "\"instanceType\":\"AzStackToAzStack\",";
        let front = "\"customProperties\":{";
        assert_eq!(text.matches(tag).count(), PER_PAGE);
        text = text
            .replace(tag, "")
            .replace(front, &format!("{front}{tag}"));
    }
    let mut body = text.into_bytes();
    body.pop();
    body
}

/// The value of `key=` in a request target.
fn query_usize(target: &str, key: &str) -> Option<usize> {
    target
        .split(['?', '&'])
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
}

/// A minimal HTTP/1.1 server: keep-alive, GET only, the page chosen by `$skiptoken`.
async fn serve(listener: TcpListener, pages: Arc<Vec<Vec<u8>>>) {
    let port = listener.local_addr().unwrap().port();
    loop {
        let Ok((sock, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(connection(sock, pages.clone(), port));
    }
}

async fn connection(mut sock: TcpStream, pages: Arc<Vec<Vec<u8>>>, port: u16) {
    let _ = sock.set_nodelay(true);
    let mut buf = Vec::with_capacity(8192);
    loop {
        match sock.read_buf(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            buf.drain(..end + 4);
            let target = head.split_whitespace().nth(1).unwrap_or("/");
            let page = query_usize(target, "$skiptoken").unwrap_or(0);
            let total = query_usize(target, "total").unwrap_or(PAGES);
            let body = &pages[page % PAGES];
            let tail = if page + 1 < total {
                format!(
                    ",\"nextLink\":\"http://127.0.0.1:{port}{}/protectedItems?api-version=2024-09-01&total={total}&$skiptoken={}\"}}",
                    vault_path(),
                    page + 1
                )
            } else {
                "}".to_owned()
            };
            let header = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len() + tail.len()
            );
            if sock.write_all(header.as_bytes()).await.is_err()
                || sock.write_all(body).await.is_err()
                || sock.write_all(tail.as_bytes()).await.is_err()
            {
                return;
            }
        }
    }
}

async fn with_client(client: &SiteRecoveryClient, vault: &VaultId) -> usize {
    with_client_total(client, vault, PAGES).await
}

async fn with_client_total(client: &SiteRecoveryClient, vault: &VaultId, pages: usize) -> usize {
    let total = pages.to_string();
    let mut items = client
        .protected_items(vault)
        .list_with(&[("total", total.as_str())])
        .max_pages(pages);
    let mut n = 0;
    while let Some(item) = items.next().await {
        let item: ProtectedItem = item.expect("item");
        black_box(&item);
        n += 1;
    }
    n
}

/// The first item of the list, through the client (one page fetched).
async fn first_with_client(client: &SiteRecoveryClient, vault: &VaultId) -> ProtectedItem {
    let mut items = client.protected_items(vault).list();
    items.next().await.expect("an item").expect("item")
}

/// The first item of the list, plain reqwest + `serde_json::Value`.
async fn first_with_plain_reqwest(http: &reqwest::Client, first: &str) -> Value {
    let bytes = http.get(first).send().await.unwrap().bytes().await.unwrap();
    let mut page: Value = serde_json::from_slice(&bytes).unwrap();
    page["value"][0].take()
}

/// The process's CPU time (user + system, all threads) in ms, from `/proc/self/stat`; None off
/// Linux.
fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // Clock ticks; 100 a second on Linux.
    Some((utime + stime) * 10.0)
}

/// Resets the process's peak resident set (`5` to `/proc/self/clear_refs`); false off Linux.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The process's peak resident set since the last reset, in MB (`VmHWM`).
fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

async fn with_plain_reqwest(http: &reqwest::Client, first: &str) -> usize {
    let mut next = Some(first.to_owned());
    let mut n = 0;
    while let Some(url) = next.take() {
        let bytes = http.get(&url).send().await.unwrap().bytes().await.unwrap();
        let page: Value = serde_json::from_slice(&bytes).unwrap();
        if let Some(items) = page["value"].as_array() {
            for item in items {
                black_box(item);
                n += 1;
            }
        }
        next = page["nextLink"].as_str().map(str::to_owned);
    }
    n
}

/// A loopback server of the 100 pages (`arm_order`: see [`page_body`]), its port.
fn start_server(rt: &tokio::runtime::Runtime, arm_order: bool) -> (u16, usize) {
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let pages: Arc<Vec<Vec<u8>>> = Arc::new((0..PAGES).map(|p| page_body(p, arm_order)).collect());
    let total: usize = pages.iter().map(Vec::len).sum();
    rt.spawn(serve(listener, pages));
    (port, total)
}

/// The whole list, client and plain alternating `rounds` times: (client ms, plain ms) per list.
fn ratio_of(
    rt: &tokio::runtime::Runtime,
    client: &SiteRecoveryClient,
    vault: &VaultId,
    http: &reqwest::Client,
    first: &str,
    rounds: u32,
) -> (f64, f64) {
    let (mut t_client, mut t_plain) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..rounds {
        let t = Instant::now();
        rt.block_on(with_client(client, vault));
        t_client += t.elapsed();
        let t = Instant::now();
        rt.block_on(with_plain_reqwest(http, first));
        t_plain += t.elapsed();
    }
    (
        t_client.as_secs_f64() * 1e3 / f64::from(rounds),
        t_plain.as_secs_f64() * 1e3 / f64::from(rounds),
    )
}

fn main() {
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (port, total) = start_server(&server_rt, true);
    let (late_port, _) = start_server(&server_rt, false);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let endpoint = format!("http://127.0.0.1:{port}");
    let client = SiteRecoveryClient::builder()
        .endpoint(&endpoint)
        .unwrap()
        .api_version(ApiVersion::V2024_09_01)
        .build()
        .unwrap();
    let late_endpoint = format!("http://127.0.0.1:{late_port}");
    let late_client = SiteRecoveryClient::builder()
        .endpoint(&late_endpoint)
        .unwrap()
        .api_version(ApiVersion::V2024_09_01)
        .build()
        .unwrap();
    let vault = VaultId::new(SUB, "dr-rg", "vault1");
    let http = reqwest::Client::new();
    let first = format!(
        "{endpoint}{}/protectedItems?api-version=2024-09-01",
        vault_path()
    );
    let late_first = format!(
        "{late_endpoint}{}/protectedItems?api-version=2024-09-01",
        vault_path()
    );

    assert_eq!(rt.block_on(with_client(&client, &vault)), PAGES * PER_PAGE);
    assert_eq!(
        rt.block_on(with_plain_reqwest(&http, &first)),
        PAGES * PER_PAGE
    );
    assert_eq!(
        rt.block_on(with_client(&late_client, &vault)),
        PAGES * PER_PAGE
    );

    // `AZS_BENCH_ONLY=client|client-late|plain [AZS_BENCH_ROUNDS=N]`: only that list, N times,
    // with the process's CPU time: for `perf record` and `perf stat` of one side.
    if let Ok(only) = std::env::var("AZS_BENCH_ONLY") {
        let rounds: u32 = std::env::var("AZS_BENCH_ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(50);
        let (cpu0, t) = (cpu_ms(), Instant::now());
        for _ in 0..rounds {
            let n = match only.as_str() {
                "client" => rt.block_on(with_client(&client, &vault)),
                "client-late" => rt.block_on(with_client(&late_client, &vault)),
                "plain" => rt.block_on(with_plain_reqwest(&http, &first)),
                other => panic!("AZS_BENCH_ONLY={other}: client, client-late or plain"),
            };
            assert_eq!(n, PAGES * PER_PAGE);
        }
        let wall = t.elapsed().as_secs_f64() * 1e3 / f64::from(rounds);
        let cpu = cpu_ms().zip(cpu0).map(|(b, a)| (b - a) / f64::from(rounds));
        println!(
            "{only}: {wall:.1} ms wall, {} CPU (all threads, the server's included) per list",
            cpu.map_or("?".to_owned(), |c| format!("{c:.1} ms"))
        );
        return;
    }

    // The ratios, measured interleaved so both see the same machine load.
    let rounds = 10;
    let (c, p) = ratio_of(&rt, &client, &vault, &http, &first, rounds);
    println!(
        "list {} items in {PAGES} pages ({:.1} MB): client {c:.1} ms, plain reqwest + serde_json::Value {p:.1} ms, ratio {:.2}x (target <= 0.50x)",
        PAGES * PER_PAGE,
        total as f64 / 1e6,
        c / p
    );
    let (c, p) = ratio_of(&rt, &late_client, &vault, &http, &late_first, rounds);
    println!(
        "same list with instanceType after the other keys of customProperties: client {c:.1} ms, plain {p:.1} ms, ratio {:.2}x",
        c / p
    );

    // Time to the first item: the median of interleaved single-item reads.
    let rounds = 41;
    let (mut c_first, mut p_first) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        black_box(rt.block_on(first_with_client(&client, &vault)));
        c_first.push(t.elapsed());
        let t = Instant::now();
        black_box(rt.block_on(first_with_plain_reqwest(&http, &first)));
        p_first.push(t.elapsed());
    }
    c_first.sort();
    p_first.sort();
    let (c_med, p_med) = (c_first[rounds / 2], p_first[rounds / 2]);
    println!(
        "time to first item (one page of {PER_PAGE}): client {:.2} ms, plain {:.2} ms, ratio {:.2}x (target <= 1.10x; medians of {rounds} interleaved runs)",
        c_med.as_secs_f64() * 1e3,
        p_med.as_secs_f64() * 1e3,
        c_med.as_secs_f64() / p_med.as_secs_f64()
    );

    // Memory: the peak while streaming 10,000 items, then 100,000 (the server's 30 MB of pages
    // are resident before both).
    let mut peaks = Vec::new();
    for pages in [PAGES, PAGES * 10] {
        let reset = reset_peak();
        let n = rt.block_on(with_client_total(&client, &vault, pages));
        assert_eq!(n, pages * PER_PAGE);
        peaks.push((n, peak_mb().filter(|_| reset)));
    }
    let show = |p: Option<f64>| p.map_or("?".to_owned(), |p| format!("{p:.1} MB"));
    println!(
        "peak memory (VmHWM) streaming {} items: {}; streaming {} items: {} (target: the same)",
        peaks[0].0,
        show(peaks[0].1),
        peaks[1].0,
        show(peaks[1].1)
    );

    let mut c = Criterion::default().sample_size(10).configure_from_args();
    let mut group = c.benchmark_group("list_10000_protected_items");
    group.bench_function("client", |b| {
        b.iter(|| rt.block_on(with_client(&client, &vault)))
    });
    group.bench_function("plain_reqwest_serde_json", |b| {
        b.iter(|| rt.block_on(with_plain_reqwest(&http, &first)))
    });
    group.finish();
    c.final_summary();
}
