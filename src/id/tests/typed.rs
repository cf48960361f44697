// Test code: this module is compiled only under #[cfg(test)] (see its parent module).
use std::collections::HashSet;

use crate::id::*;

const SUB: &str = "ab5daf5c-38a8-40ff-9d90-4c394a40e094";
const RG: &str = "group1";
const BASE: &str = "/subscriptions/ab5daf5c-38a8-40ff-9d90-4c394a40e094/resourceGroups/group1/providers/Microsoft.DataReplication";

#[test]
fn navigation_builds_the_documented_urls() {
    let vault = VaultId::new(SUB, RG, "vault1");
    let v = format!("{BASE}/replicationVaults/vault1");
    assert_eq!(vault.to_string(), v);
    assert_eq!(vault.name(), "vault1");
    assert_eq!(vault.subscription_id(), SUB);
    assert_eq!(vault.resource_group(), RG);
    assert_eq!(
        vault.parent().to_string(),
        format!("/subscriptions/{SUB}/resourceGroups/{RG}")
    );

    let cases: [(String, String); 6] = [
        (
            vault.protected_item("sqlvm01").to_string(),
            format!("{v}/protectedItems/sqlvm01"),
        ),
        (
            vault.policy("p1").to_string(),
            format!("{v}/replicationPolicies/p1"),
        ),
        (
            vault.replication_extension("e1").to_string(),
            format!("{v}/replicationExtensions/e1"),
        ),
        (vault.job("j1").to_string(), format!("{v}/jobs/j1")),
        (vault.event("ev1").to_string(), format!("{v}/events/ev1")),
        (
            vault.email_configuration("c1").to_string(),
            format!("{v}/alertSettings/c1"),
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
        // Every built id parses back to an equal generic id.
        assert_eq!(got.parse::<ResourceId>().unwrap().as_str(), want);
    }

    let rp = vault.protected_item("sqlvm01").recovery_point("rp1");
    assert_eq!(
        rp.to_string(),
        format!("{v}/protectedItems/sqlvm01/recoveryPoints/rp1")
    );
    assert_eq!(rp.protected_item_name(), "sqlvm01");
    assert_eq!(rp.vault_name(), "vault1");
    assert_eq!(rp.name(), "rp1");
    assert_eq!(rp.parent(), vault.protected_item("sqlvm01"));
    assert_eq!(rp.vault(), vault);
    assert_eq!(
        rp,
        RecoveryPointId::new(SUB, RG, "vault1", "sqlvm01", "rp1")
    );

    let fabric = FabricId::new(SUB, RG, "f1");
    assert_eq!(fabric.to_string(), format!("{BASE}/replicationFabrics/f1"));
    let agent = fabric.fabric_agent("a1");
    assert_eq!(
        agent.to_string(),
        format!("{BASE}/replicationFabrics/f1/fabricAgents/a1")
    );
    assert_eq!(agent.fabric_name(), "f1");
    assert_eq!(agent.parent(), fabric);
    assert_eq!(agent, FabricAgentId::new(SUB, RG, "f1", "a1"));
    assert_eq!(fabric.parent(), vault.parent());
}

#[test]
fn vault_children_go_back_to_their_vault() {
    let vault = VaultId::new(SUB, RG, "vault1");
    assert_eq!(vault.protected_item("x").vault(), vault);
    assert_eq!(vault.policy("x").parent(), vault);
    assert_eq!(vault.replication_extension("x").vault(), vault);
    assert_eq!(vault.job("x").vault(), vault);
    assert_eq!(vault.event("x").vault(), vault);
    assert_eq!(vault.email_configuration("x").vault(), vault);
    assert_eq!(vault.job("x").vault_name(), "vault1");
    assert_eq!(PolicyId::new(SUB, RG, "vault1", "x"), vault.policy("x"));
    assert_eq!(JobId::new(SUB, RG, "vault1", "x"), vault.job("x"));
    assert_eq!(EventId::new(SUB, RG, "vault1", "x"), vault.event("x"));
    assert_eq!(
        EmailConfigurationId::new(SUB, RG, "vault1", "x"),
        vault.email_configuration("x")
    );
    assert_eq!(
        ReplicationExtensionId::new(SUB, RG, "vault1", "x"),
        vault.replication_extension("x")
    );
    assert_eq!(
        ProtectedItemId::new(SUB, RG, "vault1", "x"),
        vault.protected_item("x")
    );
}

#[test]
fn parsing_checks_the_type_ignoring_case() {
    let s = format!("{BASE}/replicationVaults/vault1/protectedItems/web01").to_uppercase();
    let item: ProtectedItemId = s.parse().unwrap();
    assert_eq!(item.to_string(), s, "casing kept");
    assert_eq!(item.vault_name(), "VAULT1");
    assert_eq!(
        item.vault().to_string(),
        format!("{BASE}/replicationVaults/vault1").to_uppercase()
    );
    assert_eq!(
        item,
        VaultId::new(SUB, RG, "vault1").protected_item("web01")
    );

    let e = s.parse::<VaultId>().unwrap_err();
    match &e {
        IdError::WrongResourceType {
            expected, found, ..
        } => {
            assert_eq!(*expected, "Microsoft.DataReplication/replicationVaults");
            assert_eq!(
                found,
                "MICROSOFT.DATAREPLICATION/REPLICATIONVAULTS/PROTECTEDITEMS"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().starts_with(
        "expected an id of Microsoft.DataReplication/replicationVaults, found MICROSOFT."
    ));

    let fabric = format!("{BASE}/replicationFabrics/f1");
    assert!(fabric.parse::<VaultId>().is_err());
    assert!(format!("{BASE}/replicationVaults/v/jobs/j")
        .parse::<EventId>()
        .is_err());
    assert!(format!("{BASE}/replicationVaults/v/jobs/j")
        .parse::<JobId>()
        .is_ok());
    // The spec example's recovery point directly under a vault is not a recovery point id.
    assert!(format!("{BASE}/replicationVaults/v/recoveryPoints/p")
        .parse::<RecoveryPointId>()
        .is_err());
    // Another namespace with the same type names.
    assert!(format!("{BASE}/replicationVaults/v")
        .replace("Microsoft.DataReplication", "Microsoft.RecoveryServices")
        .parse::<VaultId>()
        .is_err());

    let rg = format!("/subscriptions/{SUB}/resourceGroups/{RG}");
    assert!(matches!(
        rg.parse::<VaultId>(),
        Err(IdError::WrongResourceType { found, .. }) if found == "a resource group"
    ));
    let sub_level =
        format!("/subscriptions/{SUB}/providers/Microsoft.DataReplication/replicationVaults/v");
    assert!(matches!(
        sub_level.parse::<VaultId>(),
        Err(IdError::WrongResourceType { found, .. }) if found.ends_with("(not in a resource group)")
    ));
    let extension = format!(
        "{BASE}/replicationVaults/v/providers/Microsoft.DataReplication/replicationVaults/w"
    );
    assert!(matches!(
        extension.parse::<VaultId>(),
        Err(IdError::WrongResourceType { found, .. }) if found.ends_with("(an extension resource)")
    ));
    // Malformed input is a parse error, not a type error.
    assert!(matches!(
        "/subscriptions/s/".parse::<VaultId>(),
        Err(IdError::TrailingSlash { .. })
    ));
}

#[test]
fn conversions_and_serde() {
    let item = VaultId::new(SUB, RG, "vault1").protected_item("web01");
    let generic: ResourceId = item.clone().into();
    assert_eq!(ProtectedItemId::try_from(&generic).unwrap(), item);
    assert_eq!(ProtectedItemId::try_from(generic.clone()).unwrap(), item);
    assert_eq!(item, generic);
    assert_eq!(generic, item);
    assert_eq!(item.as_resource_id(), &generic);
    assert_eq!(item.as_str(), generic.as_str());

    let json = serde_json::to_string(&item).unwrap();
    assert_eq!(json, format!("\"{item}\""));
    let back: ProtectedItemId = serde_json::from_str(&json).unwrap();
    assert_eq!(back, item);
    let e = serde_json::from_str::<VaultId>(&json).unwrap_err();
    assert!(
        e.to_string()
            .contains("expected an id of Microsoft.DataReplication/replicationVaults"),
        "{e}"
    );

    // Usable as map keys, case-insensitively.
    let set: HashSet<ProtectedItemId> = [
        item.clone(),
        item.to_string().to_lowercase().parse().unwrap(),
    ]
    .into_iter()
    .collect();
    assert_eq!(set.len(), 1);
}

#[test]
fn every_typed_id_round_trips_through_its_string() {
    let vault = VaultId::new(SUB, RG, "v");
    let fabric = FabricId::new(SUB, RG, "f");
    fn check<T>(id: T)
    where
        T: std::fmt::Display + std::str::FromStr<Err = IdError> + PartialEq + std::fmt::Debug,
    {
        let s = id.to_string();
        let back: T = s.parse().unwrap();
        assert_eq!(back, id);
        assert_eq!(back.to_string(), s);
    }
    check(vault.clone());
    check(fabric.clone());
    check(fabric.fabric_agent("a"));
    check(vault.policy("p"));
    check(vault.replication_extension("e"));
    check(vault.protected_item("i"));
    check(vault.protected_item("i").recovery_point("r"));
    check(vault.job("j"));
    check(vault.event("e"));
    check(vault.email_configuration("c"));
    assert_eq!(
        VaultId::RESOURCE_TYPE,
        "Microsoft.DataReplication/replicationVaults"
    );
    assert_eq!(
        RecoveryPointId::RESOURCE_TYPE,
        "Microsoft.DataReplication/replicationVaults/protectedItems/recoveryPoints"
    );
}

#[test]
fn names_are_validated_on_request_not_on_construction() {
    let vault = VaultId::new(SUB, RG, "dr-vault");
    let item = vault.protected_item("web-01");
    assert!(item.validate_names(NameRules::Arm).is_ok());
    // Strict: the vault name is checked first and fails first.
    let e = item.validate_names(NameRules::Strict).unwrap_err();
    assert_eq!(e.kind(), NameKind::Vault);
    assert_eq!(e.name(), "dr-vault");
    let ok_vault = VaultId::new(SUB, RG, "drvault");
    let e = ok_vault
        .protected_item("web-01")
        .validate_names(NameRules::Strict)
        .unwrap_err();
    assert_eq!(e.kind(), NameKind::ProtectedItem);
    assert_eq!(
        e.suggestion(),
        Some(protected_item_name_for_vm("web-01").as_str())
    );
    assert!(ok_vault
        .protected_item(e.suggestion().unwrap())
        .validate_names(NameRules::Strict)
        .is_ok());

    // A name with a slash builds an id (no panic) that validation refuses.
    let bad = vault.protected_item("a/b");
    let e = bad.validate_names(NameRules::Arm).unwrap_err();
    assert!(matches!(
        e.problem(),
        NameProblem::ForbiddenCharacter {
            character: '/',
            position: 2
        }
    ));
    assert!(vault.job("").validate_names(NameRules::Arm).is_err());
}
