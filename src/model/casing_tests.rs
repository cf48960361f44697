//! Enum values keep the casing they came with: a resource read and written back (a PUT of an
//! item read from the service) does not change bytes the caller did not touch.

use super::*;
use crate::lifecycle::{self, ItemState, Operation};
use serde_json::{json, Value};

/// An Azure Stack Hub item whose enum values come in other casings than the spec's, in a direct
/// field (`protectionState`, `testFailoverState`) and inside `customProperties`
/// (`activeLocation`).
fn odd_cased_item(protection: &str) -> Value {
    json!({
        "name": "web01",
        "properties": {
            "policyName": "policy1",
            "protectionState": protection,
            "testFailoverState": "none",
            "replicationHealth": "Normal",
            "customProperties": {
                "instanceType": "AzStackToAzStack",
                "activeLocation": "PRIMARY",
                "sourceVmName": "web01"
            }
        }
    })
}

fn props(item: &ProtectedItem) -> &ProtectedItemProperties {
    item.properties.as_ref().expect("properties")
}

fn active_location(item: &ProtectedItem) -> Option<&ProtectedItemActiveLocation> {
    match props(item).custom_properties.as_ref() {
        Some(ProtectedItemCustomProperties::AzStackToAzStack(cp)) => cp.active_location.as_ref(),
        other => panic!("unexpected custom properties {other:?}"),
    }
}

#[test]
fn odd_casing_round_trips_unchanged_and_still_reads_as_the_known_value() {
    for protection in ["protected", "PROTECTED", "pRoTeCtEd"] {
        let wire = odd_cased_item(protection);
        // From a value (owned strings) and from text (borrowed strings): both paths keep it.
        let from_value: ProtectedItem = serde_json::from_value(wire.clone()).unwrap();
        let from_text: ProtectedItem = serde_json::from_str(&wire.to_string()).unwrap();
        for item in [&from_value, &from_text] {
            assert_eq!(serde_json::to_value(item).unwrap(), wire, "{protection}");
            let p = props(item);
            assert_eq!(p.protection_state, Some(ProtectionState::Protected));
            assert!(matches!(
                p.protection_state,
                Some(ProtectionState::Protected)
            ));
            assert_eq!(p.test_failover_state, Some(TestFailoverState::None));
            assert_eq!(
                active_location(item),
                Some(&ProtectedItemActiveLocation::Primary)
            );
            // And through a second round trip (what the fuzz target `model` checks).
            let text = serde_json::to_string(item).unwrap();
            let again: ProtectedItem = serde_json::from_str(&text).unwrap();
            assert_eq!(serde_json::to_string(&again).unwrap(), text);
        }
    }
}

#[test]
fn the_lifecycle_accepts_an_item_read_in_another_casing() {
    let item: ProtectedItem = serde_json::from_value(odd_cased_item("protected")).unwrap();
    let state = ItemState::from_item(&item);
    assert_eq!(state.protection_state, ProtectionState::Protected);
    lifecycle::check(
        &state,
        &Operation::PlannedFailover {
            shutdown_source: true,
        },
    )
    .expect("a protected item may fail over");
    // The casing is kept all the same.
    let v = serde_json::to_value(&item).unwrap();
    assert_eq!(v["properties"]["protectionState"], "protected");
}

#[test]
fn a_field_set_to_another_value_is_written_in_the_canonical_casing() {
    let mut item: ProtectedItem = serde_json::from_value(odd_cased_item("protected")).unwrap();
    let p = item.properties.as_mut().unwrap();
    p.protection_state = Some(ProtectionState::PlannedFailoverInitiated);
    p.test_failover_state = Some(TestFailoverState::Unknown("none-of-these".into()));
    if let Some(ProtectedItemCustomProperties::AzStackToAzStack(cp)) = p.custom_properties.as_mut()
    {
        cp.active_location = Some(ProtectedItemActiveLocation::Recovery);
    }
    let v = serde_json::to_value(&item).unwrap();
    assert_eq!(
        v["properties"]["protectionState"],
        "PlannedFailoverInitiated"
    );
    assert_eq!(v["properties"]["testFailoverState"], "none-of-these");
    assert_eq!(
        v["properties"]["customProperties"]["activeLocation"],
        "Recovery"
    );

    // Set back to the value it came with: written as it came.
    let p = item.properties.as_mut().unwrap();
    p.protection_state = Some(ProtectionState::Protected);
    let v = serde_json::to_value(&item).unwrap();
    assert_eq!(v["properties"]["protectionState"], "protected");
}

#[test]
fn casing_read_by_a_bare_enum_does_not_leak_into_a_later_struct() {
    // A bare enum read in another casing leaves its text behind on this thread...
    let bare: ProtectionState = serde_json::from_str("\"PROTECTED\"").unwrap();
    assert_eq!(bare, ProtectionState::Protected);
    // ...which must not become the casing of an exactly cased field of the next struct, while
    // that struct's own odd casing is kept.
    let wire = json!({"properties": {"protectionState": "Protected", "testFailoverState": "none"}});
    let item: ProtectedItem = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(serde_json::to_value(&item).unwrap(), wire);

    // Same through a list of enums in an unknown field, and an unknown `instanceType`.
    let wire = json!({
        "futureStates": ["protected"],
        "properties": {
            "customProperties": {"instanceType": "Future", "state": "protected"},
            "protectionState": "Protected",
            "replicationHealth": "warning"
        }
    });
    let item: ProtectedItem = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(serde_json::to_value(&item).unwrap(), wire);
}

#[test]
fn nested_structs_keep_their_own_casing_only() {
    // `currentJob` is a nested struct without enum fields; `replicationHealth` an enum field of
    // the outer one: each casing stays with its own field.
    let wire = json!({
        "properties": {
            "currentJob": {"scenarioName": "Protected", "state": "x"},
            "replicationHealth": "CRITICAL",
            "healthErrors": [{"severity": "warning", "code": "X"}],
            "resynchronizationState": "Protected"
        }
    });
    let item: ProtectedItem = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(
        props(&item).replication_health,
        Some(HealthStatus::Critical)
    );
    assert_eq!(serde_json::to_value(&item).unwrap(), wire);
}

#[test]
fn items_that_differ_only_in_casing_are_equal_but_written_as_they_came() {
    let lower: ProtectedItem = serde_json::from_value(odd_cased_item("protected")).unwrap();
    let upper: ProtectedItem = serde_json::from_value(odd_cased_item("PROTECTED")).unwrap();
    let canonical: ProtectedItem = serde_json::from_value(odd_cased_item("Protected")).unwrap();
    assert_eq!(lower, upper);
    assert_eq!(lower, canonical);
    let written = |item: &ProtectedItem| {
        serde_json::to_value(item).unwrap()["properties"]["protectionState"].clone()
    };
    assert_eq!(written(&lower), "protected");
    assert_eq!(written(&upper), "PROTECTED");
    assert_eq!(written(&canonical), "Protected");
}

#[test]
fn a_repeated_key_is_written_with_the_casing_of_its_last_value() {
    let text = r#"{"properties": {"protectionState": "protected", "protectionState": "Protected",
        "testFailoverState": "None", "testFailoverState": "NONE"}}"#;
    let item: ProtectedItem = serde_json::from_str(text).unwrap();
    let v = serde_json::to_value(&item).unwrap();
    assert_eq!(v["properties"]["protectionState"], "Protected");
    assert_eq!(v["properties"]["testFailoverState"], "NONE");
}

#[test]
fn debug_shows_the_kept_casing_per_field() {
    let odd: ProtectedItem = serde_json::from_value(odd_cased_item("protected")).unwrap();
    let plain: ProtectedItem = serde_json::from_value(json!({
        "properties": {"protectionState": "Protected", "customProperties": {
            "instanceType": "AzStackToAzStack", "activeLocation": "Primary"}}
    }))
    .unwrap();
    let odd_debug = format!("{odd:?}");
    assert!(
        odd_debug.contains(r#"wire_casing: {"protectionState": "protected""#),
        "{odd_debug}"
    );
    assert!(odd_debug.contains(r#"wire_casing: {"activeLocation": "PRIMARY"}"#));
    let plain_debug = format!("{plain:?}");
    assert!(!plain_debug.contains("wire_casing: {\""), "{plain_debug}");
    assert!(plain_debug.contains("wire_casing: {}"), "{plain_debug}");
}

#[test]
fn a_request_body_sends_an_untouched_enum_as_it_came() {
    let mut vault: Vault = serde_json::from_value(json!({
        "location": "local",
        "properties": {"vaultType": "disasterRecovery", "provisioningState": "succeeded"}
    }))
    .unwrap();
    assert_eq!(
        vault.properties.as_ref().unwrap().vault_type,
        Some(ReplicationVaultType::DisasterRecovery)
    );
    assert_eq!(
        vault.to_request_body(),
        json!({"location": "local", "properties": {"vaultType": "disasterRecovery"}})
    );
    vault.properties.as_mut().unwrap().vault_type = Some(ReplicationVaultType::Migrate);
    assert_eq!(
        vault.to_request_body()["properties"]["vaultType"],
        "Migrate"
    );
}

#[test]
fn parse_and_from_str_are_unchanged_and_leave_no_casing_behind() {
    let mark = super::macros::casing_mark();
    assert_eq!(
        ProtectionState::parse("protected"),
        ProtectionState::Protected
    );
    assert_eq!(
        "PROTECTED".parse::<ProtectionState>().unwrap(),
        ProtectionState::Protected
    );
    assert_eq!(ProtectionState::Protected.to_string(), "Protected");
    assert_eq!(
        serde_json::to_value(ProtectionState::parse("protected")).unwrap(),
        "Protected"
    );
    assert_eq!(super::macros::casing_since(mark), None);
}

#[test]
fn casing_is_kept_when_instance_type_comes_late_and_in_a_page() {
    // `instanceType` after other keys: the object is buffered as JSON, then read again.
    let late = json!({
        "properties": {
            "customProperties": {"activeLocation": "recovery", "instanceType": "AzStackToAzStack"},
            "protectionState": "unplannedfailovercompleted"
        }
    });
    let item: ProtectedItem = serde_json::from_value(late.clone()).unwrap();
    assert_eq!(
        active_location(&item),
        Some(&ProtectedItemActiveLocation::Recovery)
    );
    assert_eq!(
        props(&item).protection_state,
        Some(ProtectionState::UnplannedFailoverCompleted)
    );
    let v = serde_json::to_value(&item).unwrap();
    assert_eq!(
        v["properties"]["customProperties"]["activeLocation"],
        "recovery"
    );
    assert_eq!(
        v["properties"]["protectionState"],
        "unplannedfailovercompleted"
    );

    // A list page: each item keeps its own casing.
    let page = json!({"value": [odd_cased_item("protected"), odd_cased_item("Protected")]});
    let read: Page<ProtectedItem> = serde_json::from_str(&page.to_string()).unwrap();
    assert_eq!(serde_json::to_value(&read).unwrap(), page);
}
