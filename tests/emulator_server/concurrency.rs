//! Many clients at once: 32 concurrent clients (each its own connection pool) do mixed reads and
//! actions over loopback HTTP while two stalled connections hold half-sent requests; every answer
//! is checked, and the final state is what the 32 of them did.

use azs_site_recovery::emulator::{ClockMode, Emulator, EmulatorServer, Scenario, SourceVm};
use azs_site_recovery::http::{Method, Request};
use azs_site_recovery::transport::{ReqwestTransport, Transport};
use serde_json::{json, Value};
use std::io::Write;

const CLIENTS: usize = 32;

async fn call(
    http: &ReqwestTransport,
    method: Method,
    url: &str,
    body: Option<Value>,
) -> (u16, Value, Option<String>) {
    let mut req = Request::new(method, url.parse().unwrap());
    if let Some(b) = body {
        req = req.with_json(b.to_string().into_bytes());
    }
    let r = http
        .send(&req)
        .await
        .unwrap_or_else(|e| panic!("{method:?} {url}: {e}"));
    let v = if r.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&r.body).unwrap()
    };
    let monitor = r
        .headers
        .get("Azure-AsyncOperation")
        .or_else(|| r.headers.get("Location"))
        .map(str::to_owned);
    (r.status, v, monitor)
}

/// Polls an LRO monitor to its end (bounded); returns the final status text or code.
async fn finish(http: &ReqwestTransport, monitor: &str) -> String {
    for _ in 0..300 {
        let (status, v, _) = call(http, Method::Get, monitor, None).await;
        match (status, v["status"].as_str()) {
            (200, Some("InProgress")) | (202, _) => continue,
            (200, Some(s)) => return s.to_owned(),
            (s, _) => return s.to_string(),
        }
    }
    panic!("{monitor} never finished");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_clients_at_once_none_stalls_the_others() {
    let emu = Emulator::new(
        Scenario::builder()
            .clear_source_vms()
            .source_vms((0..CLIENTS).map(|i| SourceVm::linux(&format!("vm-{i:02}"))))
            .seed_vault(true)
            .clock_mode(ClockMode::Auto)
            .page_size(5)
            .build(),
    );
    let server = EmulatorServer::start(emu.clone(), "127.0.0.1:0").unwrap();
    let base = server.base_url();
    let t = emu.topology().clone();

    // Two clients that stall halfway through their request head and keep the connection open.
    let mut stalled = Vec::new();
    for _ in 0..2 {
        let mut s = std::net::TcpStream::connect(server.local_addr()).unwrap();
        s.write_all(b"GET /subscriptions/x HTTP/1.1\r\nHost: loc")
            .unwrap();
        stalled.push(s);
    }

    let vault = t.vault_id("asrvault");
    let tgt_rg = t
        .target_resource_group_ids
        .iter()
        .find(|g| g.ends_with("/dr-rg"))
        .unwrap()
        .clone();
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for i in 0..CLIENTS {
        let (base, vault, tgt_rg, t) = (base.clone(), vault.clone(), tgt_rg.clone(), t.clone());
        tasks.push(tokio::spawn(async move {
            let http = ReqwestTransport::new().unwrap();
            let api = "api-version=2024-09-01";
            let item = format!("{base}{vault}/protectedItems/item{i:02}");
            // Reads first: the vault, its policies, the fabrics, a page of items.
            let (s, v, _) = call(&http, Method::Get, &format!("{base}{vault}?{api}"), None).await;
            assert_eq!((s, v["name"].as_str()), (200, Some("asrvault")));
            let (s, v, _) = call(&http, Method::Get, &format!("{base}{vault}/replicationPolicies?{api}"), None).await;
            assert_eq!(s, 200);
            assert!(v["value"].as_array().unwrap().len() >= 2, "{v}");
            let (s, _, _) = call(&http, Method::Get, &format!("{base}{}?{api}", t.source_fabric_id), None).await;
            assert_eq!(s, 200);
            // Enable protection of its own VM and follow the monitor.
            let body = json!({ "properties": {
                "policyName": "default-replication-policy",
                "replicationExtensionName": "default-replication-extension",
                "customProperties": {
                    "instanceType": "AzStackToAzStack",
                    "sourceAzStackVirtualMachineId": t.source_vm_id(&format!("vm-{i:02}")).unwrap(),
                    "applianceId": t.appliance_id,
                    "targetResourceGroupId": tgt_rg,
                    "targetNetworkId": t.target_network_id("dr-vnet").unwrap(), "targetSubnetName": "default",
                    "testNetworkId": t.target_network_id("test-vnet").unwrap(), "testSubnetName": "default",
                    "logStorageAccountId": t.target_storage_account_ids[0],
                } } });
            let (s, v, monitor) = call(&http, Method::Put, &format!("{item}?{api}"), Some(body)).await;
            assert_eq!(s, 201, "{v}");
            assert_eq!(finish(&http, &monitor.unwrap()).await, "Succeeded");
            let (s, v, _) = call(&http, Method::Get, &format!("{item}?{api}"), None).await;
            assert_eq!((s, v["properties"]["protectionState"].as_str()), (200, Some("Protected")), "{v}");
            // Half run a test failover and clean it up; the other half rename the target VM.
            if i % 2 == 0 {
                for (action, custom) in [
                    ("testFailover", json!({"instanceType": "AzStackToAzStack", "recoveryPoint": "LatestProcessed"})),
                    ("testFailoverCleanup", json!({"instanceType": "AzStackToAzStack"})),
                ] {
                    let (s, v, monitor) = call(&http, Method::Post, &format!("{item}/{action}?{api}"),
                        Some(json!({"properties": {"customProperties": custom}}))).await;
                    assert_eq!(s, 202, "{action}: {v}");
                    assert_eq!(finish(&http, &monitor.unwrap()).await, "200", "{action}");
                }
            } else {
                let (s, v, _) = call(&http, Method::Patch, &format!("{item}?{api}"),
                    Some(json!({"properties": {"customProperties": {"instanceType": "AzStackToAzStack", "targetVmName": format!("dr-{i:02}")}}}))).await;
                assert_eq!(s, 200, "{v}");
            }
            // A list across pages while the others write.
            let mut next = Some(format!("{base}{vault}/jobs?{api}"));
            let mut pages = 0;
            while let Some(url) = next.take() {
                pages += 1;
                assert!(pages < 200, "paging never ends");
                let (s, v, _) = call(&http, Method::Get, &url, None).await;
                assert_eq!(s, 200, "{v}");
                next = v["nextLink"].as_str().map(str::to_owned);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let took = started.elapsed();

    // The final state is what the 32 clients did.
    let http = ReqwestTransport::new().unwrap();
    let api = "api-version=2024-09-01";
    let mut items = Vec::new();
    let mut next = Some(format!("{base}{vault}/protectedItems?{api}"));
    while let Some(url) = next.take() {
        let (s, v, _) = call(&http, Method::Get, &url, None).await;
        assert_eq!(s, 200);
        items.extend(v["value"].as_array().unwrap().iter().cloned());
        next = v["nextLink"].as_str().map(str::to_owned);
    }
    assert_eq!(items.len(), CLIENTS);
    for it in &items {
        let p = &it["properties"];
        let i: usize = it["name"].as_str().unwrap()[4..].parse().unwrap();
        assert_eq!(p["protectionState"], "Protected", "{it}");
        if i % 2 == 0 {
            assert_eq!(p["testFailoverState"], "None", "{it}");
            assert!(p["lastSuccessfulTestFailoverTime"].is_string(), "{it}");
        } else {
            assert_eq!(
                p["customProperties"]["targetVmName"],
                format!("dr-{i:02}"),
                "{it}"
            );
        }
    }
    assert!(
        emu.vm_ids().iter().all(|v| !v.ends_with("-test")),
        "a test VM was left behind"
    );
    // Nothing waited on the stalled connections: far below their 30 s idle timeout.
    assert!(took < std::time::Duration::from_secs(25), "{took:?}");
    drop(stalled);
    server.shutdown();
}
