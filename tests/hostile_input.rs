//! Hostile input, as properties over generated strings: names that validate make ids that parse
//! back to themselves; ids with dot segments or escapes never parse.

use azs_site_recovery::id::{validate_name, NameKind, NameRules, ProtectedItemId, VaultId};
use azs_site_recovery::ResourceId;
use proptest::prelude::*;

/// Names with the characters that have gone wrong before: whitespace of every kind, dots,
/// escapes, separators, non-ASCII.
fn tricky_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9._() -]{1,12}",
        proptest::collection::vec(
            prop_oneof![
                Just("a".to_owned()),
                Just(".".to_owned()),
                Just("..".to_owned()),
                Just(" ".to_owned()),
                Just("\t".to_owned()),
                Just("\u{a0}".to_owned()),
                Just("\u{2028}".to_owned()),
                Just("%2e".to_owned()),
                Just("%2F".to_owned()),
                Just("\\".to_owned()),
                Just("/".to_owned()),
                Just("é".to_owned()),
                Just("-".to_owned()),
                any::<char>().prop_map(|c| c.to_string()),
            ],
            1..8
        )
        .prop_map(|v| v.concat()),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A name that passes `validate_name(Arm)` makes an id that parses back to the same id and
    /// the same name, for every kind.
    #[test]
    fn a_valid_name_round_trips_through_an_id(name in tricky_name(), kind_ix in 0usize..12) {
        let kind = NameKind::ALL[kind_ix];
        if validate_name(kind, &name, NameRules::Arm).is_ok() {
            let vault = VaultId::new("0000", "rg", "v");
            let id = vault.protected_item(&name);
            let parsed: ResourceId = id.as_str().parse()
                .map_err(|e| TestCaseError::fail(format!("{name:?} ({kind}): {e}")))?;
            prop_assert_eq!(parsed.name(), name.as_str());
            prop_assert_eq!(parsed.as_str(), id.as_str());
            let typed: ProtectedItemId = parsed.try_into()
                .map_err(|e| TestCaseError::fail(format!("{e}")))?;
            prop_assert_eq!(typed.name(), name.as_str());
        }
    }

    /// Scope parts that validate make ids that parse back too.
    #[test]
    fn valid_scopes_round_trip(sub in tricky_name(), rg in tricky_name()) {
        let ok = validate_name(NameKind::Subscription, &sub, NameRules::Arm).is_ok()
            && validate_name(NameKind::ResourceGroup, &rg, NameRules::Arm).is_ok();
        let id = VaultId::new(&sub, &rg, "v");
        if ok {
            let parsed: ResourceId = id.as_str().parse()
                .map_err(|e| TestCaseError::fail(format!("{sub:?}/{rg:?}: {e}")))?;
            prop_assert_eq!(parsed.subscription_id(), Some(sub.as_str()));
            prop_assert_eq!(parsed.resource_group(), Some(rg.as_str()));
            prop_assert!(id.validate_names(NameRules::Arm).is_ok());
        } else {
            prop_assert!(id.validate_names(NameRules::Arm).is_err());
        }
    }

    /// Whatever the string, a parsed id has no dot segment and no escape.
    #[test]
    fn parsed_ids_have_no_dot_segments(tail in tricky_name()) {
        let s = format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults/{tail}");
        if let Ok(id) = ResourceId::parse(&s) {
            for seg in id.segments() {
                prop_assert!(seg != "." && seg != "..", "{s:?}");
                prop_assert!(!seg.contains(['%', '\\']), "{s:?}");
            }
        }
    }
}

#[test]
fn inner_whitespace_is_not_a_valid_name() {
    for name in ["web 01", "web\u{a0}01", "web\u{2028}01", "web\t01"] {
        assert!(
            validate_name(NameKind::ProtectedItem, name, NameRules::Arm).is_err(),
            "{name:?}"
        );
    }
    for rg in ["..", "rg/x", "rg%2e", "a b", "rg.", ""] {
        assert!(
            validate_name(NameKind::ResourceGroup, rg, NameRules::Arm).is_err(),
            "{rg:?}"
        );
    }
    assert!(validate_name(NameKind::ResourceGroup, "Réseau_(1).x-y", NameRules::Arm).is_ok());
}

mod numbers {
    use azs_site_recovery::model::{ProtectedItem, ProtectedItemCustomProperties};

    fn item(custom: &str) -> String {
        format!(
            r#"{{"name":"web01","properties":{{"protectionState":"Protected","customProperties":{custom}}},"x-big":18446744073709551616,"x-small":-18446744073709551617,"x-drift":0.1000000000000000055511151231257827,"x-huge":1e400}}"#
        )
    }

    #[test]
    fn unknown_numbers_round_trip_exactly() {
        let text = item(r#"{"instanceType":"AzStackToAzStack"}"#);
        let parsed: ProtectedItem = serde_json::from_str(&text).expect("1e400 does not fail it");
        let back = serde_json::to_string(&parsed).unwrap();
        for n in [
            "18446744073709551616",
            "-18446744073709551617",
            "0.1000000000000000055511151231257827",
            // The same number; serde_json writes the exponent's sign.
            "1e+400",
        ] {
            assert!(back.contains(n), "{n} missing from {back}");
        }
    }

    #[test]
    fn a_known_number_out_of_range_fails_that_field_only() {
        let text = item(
            r#"{"instanceType":"AzStackToAzStack","initialReplicationProgressPercentage":5000000000,"resyncProgressPercentage":1e400,"targetVmName":"ok"}"#,
        );
        let parsed: ProtectedItem = serde_json::from_str(&text).unwrap();
        let props = parsed.properties.as_ref().unwrap();
        assert_eq!(
            props.protection_state.as_ref().unwrap().as_str(),
            "Protected"
        );
        let Some(ProtectedItemCustomProperties::AzStackToAzStack(c)) = &props.custom_properties
        else {
            panic!("{parsed:?}")
        };
        assert_eq!(c.initial_replication_progress_percentage, None);
        assert_eq!(c.target_vm_name.as_deref(), Some("ok"));
        let mut unfit = c.unfit_fields();
        unfit.sort();
        assert_eq!(
            unfit,
            [
                "initialReplicationProgressPercentage",
                "resyncProgressPercentage"
            ]
        );
        let back = serde_json::to_string(&parsed).unwrap();
        assert!(
            back.contains(r#""initialReplicationProgressPercentage":5000000000"#)
                && back.contains(r#""resyncProgressPercentage":1e+400"#),
            "{back}"
        );
    }

    #[test]
    fn a_duplicated_instance_type_is_written_once() {
        let text = item(
            r#"{"instanceType":"AzStackToAzStack","instanceType":"AzStackToAzStack","targetVmName":"x"}"#,
        );
        let parsed: ProtectedItem = serde_json::from_str(&text).unwrap();
        let back = serde_json::to_string(&parsed).unwrap();
        assert_eq!(back.matches("instanceType").count(), 1, "{back}");
        // Not first: buffered, then dispatched.
        let text = item(
            r#"{"targetVmName":"x","instanceType":"AzStackToAzStack","instanceType":"AzStackToAzStack"}"#,
        );
        let parsed: ProtectedItem = serde_json::from_str(&text).unwrap();
        let back = serde_json::to_string(&parsed).unwrap();
        assert_eq!(back.matches("instanceType").count(), 1, "{back}");
    }
}
