//! What the listener advertises a client to wait (`Retry-After`, capped in real seconds) versus
//! how far its auto clock moves (the operation's real step), and the vault it starts with: what an
//! unchanged ARM client needs to run a drill in seconds against the documented command.

use crate::send;
use azs_site_recovery::emulator::{ServerOptions, Started};
use azs_site_recovery::http::{Method, Request};
use azs_site_recovery::transport::{ReqwestTransport, Transport};
use serde_json::{json, Value};

fn start(args: &[&str]) -> Started {
    ServerOptions::from_args(args.iter().copied())
        .unwrap()
        .start()
        .unwrap()
}

async fn virtual_now(http: &ReqwestTransport, a: &Value) -> chrono::DateTime<chrono::Utc> {
    let (_, st) = send(
        http,
        Method::Get,
        &format!("{}/state", a["control_endpoint"].as_str().unwrap()),
        None,
    )
    .await;
    st["now"].as_str().unwrap().parse().unwrap()
}

/// Enables protection of `vm` in the announced vault with the announced policy and extension;
/// returns (the `Retry-After` of the 201, the monitor URL).
async fn enable(http: &ReqwestTransport, a: &Value, vm: &str) -> (String, String) {
    let vm_id = a["source_vm_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .find(|id| id.ends_with(&format!("/{vm}")))
        .unwrap();
    let body = json!({ "properties": {
        "policyName": a["policy_name"], "replicationExtensionName": a["extension_name"],
        "customProperties": {
            "instanceType": "AzStackToAzStack",
            "sourceAzStackVirtualMachineId": vm_id,
            "targetResourceGroupId": a["target_resource_group_ids"][1],
            "targetNetworkId": a["target_network_ids"][0],
        } } });
    let url = format!(
        "{}{}/protectedItems/{vm}?api-version=2024-09-01",
        a["endpoint"].as_str().unwrap(),
        a["vault_id"].as_str().unwrap()
    );
    let r = http
        .send(
            &Request::new(Method::Put, url.parse().unwrap())
                .with_json(body.to_string().into_bytes()),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    (
        r.headers.get("Retry-After").unwrap().to_owned(),
        r.headers.get("Azure-AsyncOperation").unwrap().to_owned(),
    )
}

#[tokio::test]
async fn the_documented_command_says_wait_a_second_while_virtual_time_moves_by_the_step() {
    // `--listen 127.0.0.1:0` and nothing else (the issue: a real client slept 300 s per poll).
    let started = start(&["--listen", "127.0.0.1:0"]);
    let a = started.announcement();
    assert_eq!(a["retry_after_cap_seconds"], 1);
    let http = ReqwestTransport::new().unwrap();
    // sql-01: 1663 GiB, about 9.5 hours of initial replication at 50 MiB/s.
    let (first, monitor) = enable(&http, &a, "sql-01").await;
    assert_eq!(first, "1");
    let mut polls = 0;
    let before = virtual_now(&http, &a).await;
    let status = loop {
        polls += 1;
        assert!(polls <= 30, "still running after 30 polls");
        let r = http
            .send(&Request::new(Method::Get, monitor.parse().unwrap()))
            .await
            .unwrap();
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        if v["status"] != "InProgress" {
            break v["status"].as_str().unwrap().to_owned();
        }
        let advertised: u64 = r.headers.get("Retry-After").unwrap().parse().unwrap();
        assert!(advertised <= 1, "advertised {advertised} s");
    };
    assert_eq!(status, "Succeeded");
    let moved = virtual_now(&http, &a).await - before;
    // Each poll moved the clock by the job's next step (up to an hour), not by the 1 s advertised.
    assert!(moved >= chrono::Duration::hours(9), "{moved}");
    assert!(polls <= 16, "{polls} polls for a 9.5-hour replication");
    started.server.shutdown();
}

#[tokio::test]
async fn realistic_waits_and_a_zero_cap_are_options() {
    let http = ReqwestTransport::new().unwrap();
    let realistic = start(&["--realistic-retry-after"]);
    let a = realistic.announcement();
    assert_eq!(a["retry_after_cap_seconds"], Value::Null);
    let (first, monitor) = enable(&http, &a, "web-01").await;
    let first: u64 = first.parse().unwrap();
    assert!((2..=300).contains(&first), "{first}");
    let before = virtual_now(&http, &a).await;
    let r = http
        .send(&Request::new(Method::Get, monitor.parse().unwrap()))
        .await
        .unwrap();
    let said: i64 = r.headers.get("Retry-After").unwrap().parse().unwrap();
    assert!((2..=300).contains(&said), "{said}");
    // As advertised, so moved: the realistic value is the virtual step.
    assert_eq!(
        virtual_now(&http, &a).await - before,
        chrono::Duration::seconds(said)
    );
    realistic.server.shutdown();

    let zero = start(&["--retry-after-cap", "0"]);
    let a = zero.announcement();
    assert_eq!(a["retry_after_cap_seconds"], 0);
    let (first, _) = enable(&http, &a, "web-01").await;
    assert_eq!(first, "0");
    // An injected throttle keeps the Retry-After it was given: it tests the client's retry.
    let (code, _) = send(
        &http,
        Method::Post,
        &format!("{}/faults", a["control_endpoint"].as_str().unwrap()),
        Some(json!({"kind": "throttle", "method": "GET", "times": 1, "retryAfterSeconds": 7})),
    )
    .await;
    assert_eq!(code, 201);
    let r = http
        .send(&Request::new(
            Method::Get,
            format!(
                "{}{}?api-version=2024-09-01",
                a["endpoint"].as_str().unwrap(),
                a["vault_id"].as_str().unwrap()
            )
            .parse()
            .unwrap(),
        ))
        .await
        .unwrap();
    assert_eq!((r.status, r.headers.get("Retry-After")), (429, Some("7")));
    zero.server.shutdown();
}

#[tokio::test]
async fn the_documented_command_starts_with_a_vault_ready_for_a_drill() {
    let http = ReqwestTransport::new().unwrap();
    let started = start(&[]);
    let a = started.announcement();
    let base = a["endpoint"].as_str().unwrap();
    let vault = a["vault_id"].as_str().unwrap();
    assert!(vault.ends_with("/replicationVaults/asrvault"), "{vault}");
    assert_eq!(a["vault_name"], "asrvault");
    for (kind, key) in [
        ("replicationPolicies", "policy_name"),
        ("replicationExtensions", "extension_name"),
        ("replicationPolicies", "failback_policy_name"),
        ("replicationExtensions", "failback_extension_name"),
    ] {
        let name = a[key].as_str().unwrap();
        let (status, body) = send(
            &http,
            Method::Get,
            &format!("{base}{vault}/{kind}/{name}?api-version=2024-09-01"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{key}: {body}");
        assert_eq!(body["properties"]["provisioningState"], "Succeeded");
    }
    started.server.shutdown();

    // `--no-seed-vault`: an empty service, and the announcement says so.
    let empty = start(&["--no-seed-vault"]);
    let a = empty.announcement();
    for key in ["vault_id", "vault_name", "policy_name", "extension_name"] {
        assert_eq!(a[key], Value::Null, "{key}");
    }
    let url = format!(
        "{}/subscriptions/{}/resourceGroups/asr-rg/providers/Microsoft.DataReplication/replicationVaults/asrvault?api-version=2024-09-01",
        a["endpoint"].as_str().unwrap(),
        a["subscription_id"].as_str().unwrap()
    );
    assert_eq!(send(&http, Method::Get, &url, None).await.0, 404);
    empty.server.shutdown();
}
