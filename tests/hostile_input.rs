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
