//! Nested model fields are read into their slot (no build-then-move): what a caller sees must
//! be exactly what reading by value gave, for repeated keys, `null`s and every kind of
//! `instanceType`.

use super::*;
use serde_json::{json, Value};

fn item(text: &str) -> ProtectedItem {
    serde_json::from_str(text).expect("a protected item")
}

fn custom(item: &ProtectedItem) -> &ProtectedItemCustomProperties {
    item.properties
        .as_ref()
        .and_then(|p| p.custom_properties.as_ref())
        .expect("customProperties")
}

#[test]
fn a_repeated_nested_key_replaces_the_earlier_value_whole() {
    let item = item(
        r#"{"properties":{"policyName":"a","currentJob":{"name":"j1","state":"Failed"}},
            "properties":{"replicationExtensionName":"b","currentJob":{"name":"j2"}}}"#,
    );
    let p = item.properties.as_ref().unwrap();
    assert_eq!(p.policy_name, None, "nothing of the first object is kept");
    assert_eq!(p.replication_extension_name.as_deref(), Some("b"));
    let job = p.current_job.as_ref().unwrap();
    assert_eq!(job.name.as_deref(), Some("j2"));
    assert_eq!(job.state, None);
}

#[test]
fn a_null_nested_object_is_kept_as_null_and_leaves_the_field_as_it_was() {
    let null_only = item(r#"{"name":"n","properties":null}"#);
    assert!(null_only.properties.is_none());
    assert_eq!(
        serde_json::to_value(&null_only).unwrap(),
        json!({"name": "n", "properties": null})
    );

    // A value, then a null for the same key: the value stays, and it is what is written.
    let value_then_null = item(r#"{"properties":{"policyName":"a"},"properties":null}"#);
    assert_eq!(
        value_then_null
            .properties
            .as_ref()
            .unwrap()
            .policy_name
            .as_deref(),
        Some("a")
    );
    assert_eq!(
        serde_json::to_value(&value_then_null).unwrap(),
        json!({"properties": {"policyName": "a"}})
    );
}

#[test]
fn a_nested_value_of_the_wrong_type_is_an_error_naming_the_type() {
    let e = serde_json::from_str::<ProtectedItem>(r#"{"properties":{"currentJob":"busy"}}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("ProtectedItemJob"), "{e}");
}

#[test]
fn every_kind_of_instance_type_reads_as_before() {
    // A known type, its name written with an escape (read as owned text, not borrowed).
    let escaped = item(
        r#"{"properties":{"customProperties":{"instanceType":"AzStack\u0054oAzStack","sourceVmName":"web01"}}}"#,
    );
    let ProtectedItemCustomProperties::AzStackToAzStack(c) = custom(&escaped) else {
        panic!("{:?}", custom(&escaped));
    };
    assert_eq!(c.source_vm_name.as_deref(), Some("web01"));

    // An unknown type: the whole object, kept.
    let unknown = item(r#"{"properties":{"customProperties":{"instanceType":"Tomorrow","x":1}}}"#);
    assert_eq!(
        custom(&unknown),
        &ProtectedItemCustomProperties::Unknown(
            json!({"instanceType": "Tomorrow", "x": 1})
                .as_object()
                .unwrap()
                .clone()
        )
    );

    // Not a string: kept as it came, numbers digit for digit.
    for tag in [
        "123456789012345678901234567890",
        "1e400",
        "-0.10",
        "true",
        "null",
        r#"["AzStackToAzStack"]"#,
        r#"{"a":[1,2.50]}"#,
    ] {
        let text = format!(
            r#"{{"properties":{{"customProperties":{{"instanceType":{tag},"sourceVmName":"web01"}}}}}}"#
        );
        let read = item(&text);
        let ProtectedItemCustomProperties::Unknown(m) = custom(&read) else {
            panic!("{tag}: {:?}", custom(&read));
        };
        assert_eq!(m.len(), 2, "{tag}");
        // The same value (serde_json keeps numbers digit for digit; it writes an exponent
        // with its sign, `1e+400`).
        let written: Value = serde_json::from_str(&serde_json::to_string(&read).unwrap()).unwrap();
        let expected: Value = serde_json::from_str(tag).unwrap();
        assert_eq!(
            written["properties"]["customProperties"]["instanceType"], expected,
            "{tag}"
        );
    }

    // instanceType after other keys: buffered, then read as its type.
    let late = item(
        r#"{"properties":{"customProperties":{"sourceVmName":"web01","instanceType":"AzStackToAzStack"}}}"#,
    );
    assert!(matches!(
        custom(&late),
        ProtectedItemCustomProperties::AzStackToAzStack(_)
    ));
}

#[test]
fn reading_in_place_and_reading_from_a_value_agree() {
    let text = r#"{"id":"x","properties":{"policyName":"p","customProperties":{"instanceType":"AzStackToAzStack","protectedDisks":[{"sourceDiskName":"os","capacityInBytes":136365211648}],"sourceVmName":"vm"},"currentJob":{"name":"j","startTime":"2026-01-02T03:04:05Z"},"healthErrors":[]},"systemData":{"createdBy":"me"}}"#;
    let from_text = item(text);
    let value: Value = serde_json::from_str(text).unwrap();
    let from_value: ProtectedItem = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(from_text, from_value);
    assert_eq!(serde_json::to_value(&from_text).unwrap(), value);
}
