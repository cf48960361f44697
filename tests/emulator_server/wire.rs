//! Wire-conformance fixes found by driving the emulator with Microsoft's Python SDK
//! (tests/arm_client), each pinned here.

use crate::{send, server};
use azs_site_recovery::http::{Method, Request};
use azs_site_recovery::transport::{ReqwestTransport, Transport};
use serde_json::{json, Value};

/// The final answer of a POST action's `Location` is `200` with the action's model
/// (`PlannedFailoverModel`, final-state-via location): Microsoft's Python SDK deserializes it
/// and returned `None` when the emulator answered `204`.
#[tokio::test]
async fn a_planned_failover_location_ends_with_the_model_not_204() {
    let (emu, server) = server();
    let t = emu.topology().clone();
    let http = ReqwestTransport::new().unwrap();
    let base = server.base_url();
    let item = format!(
        "{base}{}/protectedItems/app01?api-version=2024-09-01",
        t.vault_id("asrvault")
    );
    let body = json!({ "properties": {
        "policyName": "default-replication-policy",
        "replicationExtensionName": "default-replication-extension",
        "customProperties": {
            "instanceType": "AzStackToAzStack",
            "sourceAzStackVirtualMachineId": t.source_vm_id("app-01").unwrap(),
            "targetResourceGroupId": t.target_resource_group_ids[1],
            "targetNetworkId": t.target_network_id("dr-vnet").unwrap(),
        } } });
    assert_eq!(send(&http, Method::Put, &item, Some(body)).await.0, 201);
    emu.run_until_idle(std::time::Duration::from_secs(86_400));
    let action = format!(
        "{base}{}/protectedItems/app01/plannedFailover?api-version=2024-09-01",
        t.vault_id("asrvault")
    );
    let custom = json!({ "instanceType": "AzStackToAzStack", "shutdownSourceVM": true });
    let r = http
        .send(
            &Request::new(Method::Post, action.parse().unwrap()).with_json(
                serde_json::to_vec(&json!({ "properties": { "customProperties": custom } }))
                    .unwrap(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 202);
    let location = r.headers.get("Location").unwrap().to_owned();
    assert!(r.headers.get("Retry-After").is_some());
    let mut last = (0, Value::Null);
    for _ in 0..100 {
        last = send(&http, Method::Get, &location, None).await;
        if last.0 != 202 {
            break;
        }
    }
    assert_eq!(last.0, 200, "{}", last.1);
    assert_eq!(last.1["properties"]["customProperties"], custom);
    // A DELETE's Location still ends with 204 (no model).
    let r = http
        .send(&Request::new(
            Method::Delete,
            format!("{item}&forceDelete=true").parse().unwrap(),
        ))
        .await
        .unwrap();
    assert_eq!(r.status, 202);
    let location = r.headers.get("Location").unwrap().to_owned();
    let mut status = 202;
    for _ in 0..100 {
        status = send(&http, Method::Get, &location, None).await.0;
        if status != 202 {
            break;
        }
    }
    assert_eq!(status, 204);
}
