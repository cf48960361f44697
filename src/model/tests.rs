//! Round-trip tests of the lossless machinery itself.

use super::*;
use serde_json::json;

#[test]
fn protected_item_keeps_unknown_fields_and_nulls() {
    let wire = json!({
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults/v/protectedItems/web01",
        "name": "web01",
        "type": "Microsoft.DataReplication/replicationVaults/protectedItems",
        "futureTopLevel": {"a": [1, 2]},
        "properties": {
            "policyName": "p",
            "protectionState": "Protected",
            "testFailoverState": "BrandNewState",
            "draId": "dra1",
            "correlationId": null,
            "lastSuccessfulTestFailoverTime": "2024-01-01T00:00:00.1234567",
            "customProperties": {"instanceType": "SomethingElse", "x": 1}
        }
    });
    let item: ProtectedItem = serde_json::from_value(wire.clone()).unwrap();
    let p = item.properties.as_ref().unwrap();
    assert_eq!(p.protection_state, Some(ProtectionState::Protected));
    assert_eq!(
        p.test_failover_state,
        Some(TestFailoverState::Unknown("BrandNewState".into()))
    );
    assert_eq!(p.fabric_agent_id(), Some("dra1"));
    assert!(p
        .last_successful_test_failover_time
        .as_ref()
        .unwrap()
        .to_utc()
        .is_some());
    assert_eq!(
        p.custom_properties.as_ref().unwrap().instance_type(),
        Some("SomethingElse")
    );
    assert_eq!(serde_json::to_value(&item).unwrap(), wire);
    // From a string too (the borrowed-key path).
    let text = wire.to_string();
    let again: ProtectedItem = serde_json::from_str(&text).unwrap();
    assert_eq!(again, item);
}

#[test]
fn a_field_read_as_null_then_set_is_written_once_with_its_value() {
    // The service sends unset properties as null; they are kept in additional_properties. Setting
    // the field afterwards used to write the key twice (value, then null), and every reader that
    // keeps the last duplicate (serde_json::Value included) saw null: the edit was lost.
    let wire = json!({
        "properties": {
            "policyName": null,
            "customProperties": {
                "instanceType": "AzStackToAzStack",
                "targetNetworkId": null,
                "sourceAzStackVirtualMachineId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web01"
            }
        }
    });
    let mut item: ProtectedItem = serde_json::from_value(wire.clone()).unwrap();
    // Untouched, the nulls still round-trip.
    assert_eq!(serde_json::to_value(&item).unwrap(), wire);

    let p = item.properties.as_mut().unwrap();
    p.policy_name = Some("policy1".into());
    match p.custom_properties.as_mut().unwrap() {
        ProtectedItemCustomProperties::AzStackToAzStack(cp) => {
            cp.target_network_id = Some("/subscriptions/t/net".into());
        }
        other => panic!("unexpected {other:?}"),
    }
    let text = serde_json::to_string(&item).unwrap();
    assert_eq!(text.matches("\"policyName\"").count(), 1, "{text}");
    assert_eq!(text.matches("\"targetNetworkId\"").count(), 1, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["properties"]["policyName"], "policy1");
    assert_eq!(
        v["properties"]["customProperties"]["targetNetworkId"],
        "/subscriptions/t/net"
    );
    let body = item.to_request_body(&crate::ApiVersion::default());
    assert_eq!(body["properties"]["policyName"], "policy1");
    assert_eq!(
        body["properties"]["customProperties"]["targetNetworkId"],
        "/subscriptions/t/net"
    );

    let mut page: Page<ProtectedItem> =
        serde_json::from_value(json!({"value": [], "nextLink": null})).unwrap();
    page.next_link = Some("https://next".into());
    let text = serde_json::to_string(&page).unwrap();
    assert_eq!(text, r#"{"value":[],"nextLink":"https://next"}"#);
}

#[test]
fn protected_item_body_drops_unknown_properties_but_keeps_unknown_custom_fields() {
    // What ProtectedItem::to_request_body's docs promise, pinned.
    let item: ProtectedItem = serde_json::from_value(json!({
        "properties": {
            "policyName": "p",
            "futureProperty": 1,
            "customProperties": {"instanceType": "AzStackToAzStack", "stampSpecific": 2}
        }
    }))
    .unwrap();
    let body = item.to_request_body(&crate::ApiVersion::default());
    assert_eq!(body["properties"].get("futureProperty"), None);
    assert_eq!(body["properties"]["customProperties"]["stampSpecific"], 2);
}
