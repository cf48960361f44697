// Test code: this module is compiled only under #[cfg(test)] (see its parent module).
use std::collections::HashMap;

use crate::id::names::{ARM_FORBIDDEN_CHARACTERS, MAPPED_NAME_HASH_LEN};
use crate::id::*;

fn problem(kind: NameKind, name: &str, rules: NameRules) -> NameProblem {
    validate_name(kind, name, rules)
        .unwrap_err()
        .problem()
        .clone()
}

#[test]
fn arm_rules_accept_the_names_azure_stack_hub_uses() {
    for (kind, name) in [
        (NameKind::Policy, "failback-default-replication-policy"),
        (NameKind::ReplicationExtension, "default-failback-extension"),
        (NameKind::ProtectedItem, "web-01"),
        (NameKind::ProtectedItem, "web_01"),
        (NameKind::Vault, "pemsi-ecy-rsv2"),
        (NameKind::Fabric, "src.fabric"),
        (NameKind::Job, "0f3b2c9e-1a2b-4c5d-8e9f-0123456789ab"),
        (NameKind::ProtectedItem, &"a".repeat(64)),
    ] {
        assert_eq!(
            validate_name(kind, name, NameRules::Arm),
            Ok(()),
            "{kind} {name}"
        );
        assert_eq!(validate_name(kind, name, NameRules::default()), Ok(()));
    }
}

#[test]
fn arm_rules_refuse_with_position_and_character() {
    assert_eq!(
        problem(NameKind::Vault, "", NameRules::Arm),
        NameProblem::Empty
    );
    for c in ARM_FORBIDDEN_CHARACTERS
        .iter()
        .copied()
        .chain(['\n', '\u{7f}', '\0'])
    {
        let name = format!("ab{c}d");
        assert_eq!(
            problem(NameKind::ProtectedItem, &name, NameRules::Arm),
            NameProblem::ForbiddenCharacter {
                character: c,
                position: 3
            },
            "{name:?}"
        );
    }
    assert_eq!(
        problem(NameKind::Policy, "policy.", NameRules::Arm),
        NameProblem::TrailingDotOrSpace { character: '.' }
    );
    assert_eq!(
        problem(NameKind::Policy, "policy ", NameRules::Arm),
        NameProblem::TrailingDotOrSpace { character: ' ' }
    );
    assert_eq!(
        problem(NameKind::ProtectedItem, &"a".repeat(65), NameRules::Arm),
        NameProblem::TooLong {
            length: 65,
            max: 64
        }
    );
    // Length counts characters, not bytes.
    assert!(validate_name(NameKind::ProtectedItem, &"é".repeat(64), NameRules::Arm).is_ok());
    assert!(validate_name(NameKind::Job, &"a".repeat(260), NameRules::Arm).is_ok());

    let e = validate_name(NameKind::Vault, "dr:vault", NameRules::Arm).unwrap_err();
    assert_eq!(e.kind(), NameKind::Vault);
    assert_eq!(e.name(), "dr:vault");
    assert_eq!(e.rules(), NameRules::Arm);
    assert_eq!(e.suggestion(), None);
    let msg = e.to_string();
    assert!(
        msg.starts_with("invalid vault name \"dr:vault\" (ARM rules): character ':' at position 3"),
        "{msg}"
    );
}

#[test]
fn strict_rules_apply_the_spec_pattern() {
    assert!(validate_name(NameKind::ProtectedItem, "sqlvm01", NameRules::Strict).is_ok());
    assert!(validate_name(
        NameKind::PrivateLinkResource,
        "vault-1.backup",
        NameRules::Strict
    )
    .is_ok());
    assert_eq!(
        problem(NameKind::Policy, "my_policy", NameRules::Strict),
        NameProblem::NotInPattern {
            character: '_',
            position: 3,
            pattern: "^[a-zA-Z0-9]*$"
        }
    );
    assert_eq!(
        problem(NameKind::PrivateLinkResource, "a_b", NameRules::Strict),
        NameProblem::NotInPattern {
            character: '_',
            position: 2,
            pattern: "^[a-zA-Z0-9-.]*$"
        }
    );
    // ARM rules still apply in strict mode.
    assert_eq!(
        problem(NameKind::Vault, "", NameRules::Strict),
        NameProblem::Empty
    );
    assert!(matches!(
        problem(NameKind::ProtectedItem, "a?", NameRules::Strict),
        NameProblem::ForbiddenCharacter { character: '?', .. }
    ));

    // Strict protected-item errors suggest the mapped name; other kinds do not.
    let e = validate_name(NameKind::ProtectedItem, "web-01", NameRules::Strict).unwrap_err();
    assert_eq!(e.suggestion(), Some("web018b8f603e"));
    assert!(
        e.to_string().contains("use \"web018b8f603e\" instead"),
        "{e}"
    );
    // Under ARM rules a protected item that fails (here: too long) gets the mapping too.
    let long_vm = format!("{}-01", "a".repeat(70));
    let e = validate_name(NameKind::ProtectedItem, &long_vm, NameRules::Arm).unwrap_err();
    let suggested = e.suggestion().unwrap();
    assert_eq!(suggested, protected_item_name_for_vm(&long_vm));
    assert!(validate_name(NameKind::ProtectedItem, suggested, NameRules::Strict).is_ok());
    let e = validate_name(NameKind::Vault, "dr-vault", NameRules::Strict).unwrap_err();
    assert_eq!(e.suggestion(), None);
    assert!(e.to_string().contains("(strict rules)"));
}

#[test]
fn mapping_is_pinned() {
    // Computed independently from the documented algorithm (FNV-1a 64 over the ASCII-lowercased
    // name, folded to 32 bits); a change here orphans users' protected items.
    for (vm, mapped) in [
        ("web01", "web01"),
        ("SqlVm01", "SqlVm01"),
        ("web-01", "web018b8f603e"),
        ("Web-01", "Web018b8f603e"),
        ("web_01", "web01d85a1214"),
        ("---", "vm0067f651"),
        ("", "vm4fd0bfc1"),
        ("a.b", "abe27bcb35"),
        ("café-01", "caf01909b7f53"),
        ("DR-VM 7", "DRVM756e5faa6"),
        (
            &"x".repeat(70),
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxc07d9e28",
        ),
    ] {
        assert_eq!(protected_item_name_for_vm(vm), mapped, "{vm:?}");
    }
}

#[test]
fn mapped_names_are_always_strictly_valid() {
    for vm in [
        "",
        "-",
        "..",
        "名前",
        "web-01",
        &"a-".repeat(100),
        &"A".repeat(64),
        &"A".repeat(65),
        "vm\u{0}",
    ] {
        let mapped = protected_item_name_for_vm(vm);
        assert_eq!(
            validate_name(NameKind::ProtectedItem, &mapped, NameRules::Strict),
            Ok(()),
            "{vm:?} -> {mapped:?}"
        );
        assert!(mapped.len() <= NameKind::ProtectedItem.max_len());
        assert!(mapped.len() >= MAPPED_NAME_HASH_LEN.min(vm.len().max(1)));
    }
    assert_eq!(protected_item_name_for_vm(&"A".repeat(64)), "A".repeat(64));
    assert_eq!(protected_item_name_for_vm(&"A".repeat(65)).len(), 64);
}

#[test]
fn mapping_is_injective_up_to_case_over_generated_names() {
    // Names in the shapes VMs get: stems, separators, numbers, case variants, long names.
    let stems = [
        "web",
        "Web",
        "sql",
        "dc",
        "app-srv",
        "db_node",
        "file.share",
        "x",
    ];
    let seps = ["", "-", "_", ".", "--", " "];
    let mut names = Vec::new();
    for stem in stems {
        for sep in seps {
            for n in 0..60 {
                names.push(format!("{stem}{sep}{n:02}"));
                names.push(format!("{stem}{sep}{n}"));
            }
        }
    }
    let long = "replica-of-the-production-database-server-in-the-primary-stamp";
    for n in 0..300 {
        names.push(format!("{long}-{n}"));
        names.push(format!("{long}_{n}"));
        // Longer than 64: all cut to the same 56 characters, told apart by the hash alone.
        names.push(format!("{long}-{long}-{n}"));
    }
    let mut by_mapped: HashMap<String, String> = HashMap::new();
    let mut distinct = 0;
    for vm in &names {
        let mapped = protected_item_name_for_vm(vm);
        assert_eq!(protected_item_name_for_vm(vm), mapped, "deterministic");
        assert!(validate_name(NameKind::ProtectedItem, &mapped, NameRules::Strict).is_ok());
        // ARM compares names case-insensitively: so do we.
        match by_mapped.insert(mapped.to_ascii_lowercase(), vm.clone()) {
            Some(prev) => assert!(
                prev.eq_ignore_ascii_case(vm),
                "{prev:?} and {vm:?} both map to {mapped:?}"
            ),
            None => distinct += 1,
        }
    }
    assert!(names.len() > 5000, "{}", names.len());
    // `web01` / `Web01` are one name to ARM; everything else must stay apart.
    let mut folded: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    folded.sort();
    folded.dedup();
    assert_eq!(distinct, folded.len());
}
