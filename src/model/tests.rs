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
