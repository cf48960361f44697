// Test code: this module is compiled only under #[cfg(test)] (see its parent module).
//! Target-side checks (networks, quota, storage, groups, roles) fire when they should and
//! stay quiet when they should not.

use super::*;

fn enable() -> PreflightPlan {
    plan(Intent::EnableProtection)
}

#[test]
fn target_network_not_set_missing_and_subnet_missing() {
    let mut vm = good_vm("a");
    vm.target.network_id = None;
    assert_eq!(
        problems(&enable(), &good_env(vec![vm])),
        vec![Code::TargetNetworkNotSet]
    );

    let vm = good_vm("a").target_network(dr_net().replace("dr-vnet", "gone"), "app");
    assert_eq!(
        problems(&enable(), &good_env(vec![vm])),
        vec![Code::TargetNetworkMissing]
    );

    let vm = good_vm("a").target_network(dr_net(), "web");
    assert_eq!(
        problems(&enable(), &good_env(vec![vm])),
        vec![Code::TargetSubnetMissing]
    );

    // ARM ids are case-insensitive: a differently cased id still finds the network.
    let vm = good_vm("a").target_network(dr_net().to_uppercase(), "APP");
    assert!(problems(&enable(), &good_env(vec![vm])).is_empty());
}

#[test]
fn target_network_checked_at_failover_not_at_test_failover() {
    let mut vm = good_vm("a");
    vm.target.network_id = None;
    let env = good_env(vec![vm]);
    assert!(problems(&plan(Intent::Failover), &env).contains(&Code::TargetNetworkNotSet));
    assert!(!problems(&plan(Intent::TestFailover), &env).contains(&Code::TargetNetworkNotSet));
}

#[test]
fn test_network_must_be_set_only_for_test_failover() {
    let mut vm = good_vm("a");
    vm.target.test_network_id = None;
    let env = good_env(vec![vm]);
    assert!(problems(&enable(), &env).is_empty());
    assert_eq!(
        problems(&plan(Intent::TestFailover), &env),
        vec![Code::TestNetworkNotSet]
    );

    let vm = good_vm("a").test_network(test_net().replace("test-vnet", "gone"), "app");
    assert_eq!(
        problems(&enable(), &good_env(vec![vm.clone()])),
        vec![Code::TestNetworkMissing]
    );
    assert_eq!(
        problems(&plan(Intent::TestFailover), &good_env(vec![vm])),
        vec![Code::TestNetworkMissing]
    );
    let vm = good_vm("a").test_network(test_net(), "nope");
    assert_eq!(
        problems(&enable(), &good_env(vec![vm])),
        vec![Code::TestNetworkMissing]
    );
}

#[test]
fn overlapping_production_and_dr_address_spaces_warn() {
    let mut env = good_env(vec![good_vm("a"), good_vm("b")]);
    env.target.virtual_networks[0].address_prefixes = vec!["10.1.128.0/17".into()];
    let r = run(&enable(), &env, now());
    let f: Vec<_> = r.with_code(Code::AddressSpaceOverlap).collect();
    assert_eq!(f.len(), 1, "deduplicated per network pair: {r}");
    assert_eq!(f[0].severity, Severity::Warning);
    assert!(f[0].message.contains("10.1.0.0/16 overlaps 10.1.128.0/17"));
    assert!(!r.is_blocked());

    // Adjacent blocks do not overlap.
    env.target.virtual_networks[0].address_prefixes = vec!["10.2.0.0/16".into()];
    env.source.virtual_networks[0].address_prefixes =
        vec!["10.1.0.0/16".into(), "10.3.0.0/24".into()];
    assert!(!run(&enable(), &env, now()).has(Code::AddressSpaceOverlap));

    env.target.virtual_networks[0].address_prefixes = vec!["ten-two".into()];
    let r = run(&enable(), &env, now());
    assert!(r.has(Code::AddressPrefixUnreadable));
    assert!(!r.has(Code::AddressSpaceOverlap));
}

#[test]
fn cidr_parsing_and_overlap() {
    use crate::preflight::checks::network::{overlaps, parse_cidr};
    let b = |s| parse_cidr(s).unwrap();
    assert!(overlaps(b("10.0.0.0/8"), b("10.200.0.0/16")));
    assert!(!overlaps(b("10.0.0.0/24"), b("10.0.1.0/24")));
    assert!(overlaps(b("10.0.0.255/32"), b("10.0.0.0/24")));
    assert!(overlaps(b("0.0.0.0/0"), b("192.168.1.1")));
    assert!(overlaps(b("fd00::/8"), b("fd12::/64")));
    assert!(
        !overlaps(b("fd00::/8"), b("10.0.0.0/8")),
        "IPv4 and IPv6 never overlap"
    );
    assert!(parse_cidr("10.0.0.0/33").is_none());
    assert!(parse_cidr("10.0.0/8").is_none());
    assert!(parse_cidr("::/0").is_some());
}

#[test]
fn quota_exactly_enough_passes_one_short_blocks() {
    // Two VMs x 2 cores = 4 cores, 2 VMs.
    let vms = vec![good_vm("a"), good_vm("b")];
    let mut env = good_env(vms);
    env.target_quota = Some(ComputeQuota {
        usages: vec![
            usage("cores", 96, 100),
            usage("virtualMachines", 48, 50),
            usage("standardDSv2Family", 6, 10),
        ],
    });
    assert!(
        problems(&enable(), &env).is_empty(),
        "exactly enough is enough"
    );

    env.target_quota = Some(ComputeQuota {
        usages: vec![
            usage("cores", 97, 100),
            usage("virtualMachines", 49, 50),
            usage("standardDSv2Family", 7, 10),
        ],
    });
    let r = run(&plan(Intent::Failover), &env, now());
    assert!(r.is_blocked());
    for code in [
        Code::QuotaCoresInsufficient,
        Code::QuotaVmsInsufficient,
        Code::QuotaFamilyInsufficient,
    ] {
        assert!(r.has(code), "{code}: {r}");
    }
    let cores = r.with_code(Code::QuotaCoresInsufficient).next().unwrap();
    assert!(
        cores
            .message
            .contains("failing over 2 VM(s) needs 4 cores but the target has 3 free"),
        "{}",
        cores.message
    );
    assert!(cores.message.contains("short by 1"));
}

#[test]
fn quota_over_limit_usage_counts_as_zero_free_and_unknown_family_is_skipped() {
    let mut env = good_env(vec![good_vm("a")]);
    env.target_quota = Some(ComputeQuota {
        usages: vec![usage("cores", 120, 100), usage("virtualMachines", 0, 50)],
    });
    let p = problems(&enable(), &env);
    assert_eq!(
        p,
        vec![Code::QuotaCoresInsufficient],
        "no family usage reported: not checked"
    );
}

#[test]
fn quota_missing_or_vm_size_unknown_is_info() {
    let mut env = good_env(vec![good_vm("a")]);
    env.target_quota = None;
    let r = run(&enable(), &env, now());
    assert!(r.has(Code::DataNotGathered));
    assert!(!r.is_blocked());

    let mut vm = good_vm("b");
    vm.cores = None;
    let r = run(&enable(), &good_env(vec![vm]), now());
    assert!(r.has(Code::VmSizeUnknown));
    assert!(!r.is_blocked());
}

#[test]
fn cache_storage_not_set_missing_wrong_location() {
    let mut p = enable();
    p.cache_storage_account_id = None;
    assert_eq!(
        problems(&p, &good_env(vec![good_vm("a")])),
        vec![Code::CacheStorageNotSet]
    );

    let p = enable().cache_storage(cache().replace("asrcache", "nope"));
    assert_eq!(
        problems(&p, &good_env(vec![good_vm("a")])),
        vec![Code::CacheStorageMissing]
    );

    let mut env = good_env(vec![good_vm("a")]);
    env.target.storage_accounts[0].location = "elsewhere".into();
    assert_eq!(
        problems(&enable(), &env),
        vec![Code::CacheStorageWrongLocation]
    );

    // A per-VM account overrides the plan's.
    let mut vm = good_vm("a");
    vm.target.cache_storage_account_id = Some(cache());
    let mut p = enable();
    p.cache_storage_account_id = None;
    assert!(problems(&p, &good_env(vec![vm])).is_empty());
}

#[test]
fn cache_estimate_is_info_with_documented_numbers() {
    let vms = vec![good_vm("a").disk(256), good_vm("b")]; // 3 disks
    let r = run(&enable(), &good_env(vms), now());
    let f = r.with_code(Code::CacheStorageEstimate).next().unwrap();
    assert_eq!(f.severity, Severity::Info);
    assert!(
        f.message
            .starts_with("3 replicated disk(s) need about 1.5 GiB"),
        "{}",
        f.message
    );
    assert!(f.remedy.contains("[CAP]"));
}

#[test]
fn resource_groups_and_tags() {
    let vm =
        good_vm("a").target_resource_group(format!("/subscriptions/{TGT_SUB}/resourceGroups/new"));
    let r = run(&enable(), &good_env(vec![vm]), now());
    assert_eq!(problems(&enable(), &good_env(vec![good_vm("x")])), vec![]);
    let f = r
        .with_code(Code::TargetResourceGroupMissing)
        .next()
        .unwrap();
    assert_eq!(f.severity, Severity::Warning, "can be created on the fly");
    assert!(!r.is_blocked());

    let p = enable().require_tags(["owner", "CostCenter"]);
    let r = run(&p, &good_env(vec![good_vm("a"), good_vm("b")]), now());
    let tags: Vec<_> = r.with_code(Code::RequiredTagMissing).collect();
    assert_eq!(tags.len(), 1, "one finding per group");
    assert!(tags[0].message.ends_with("owner"), "{}", tags[0].message);

    let mut vm = good_vm("a");
    vm.target.resource_group_id = None;
    assert_eq!(
        problems(&enable(), &good_env(vec![vm.clone()])),
        vec![Code::TargetResourceGroupNotSet]
    );
    assert!(problems(
        &enable().target_resource_group(dr_rg()),
        &good_env(vec![vm])
    )
    .is_empty());
}

#[test]
fn source_owner_and_target_roles() {
    let mut env = good_env(vec![good_vm("a")]);
    env.role_assignments[0].role_name = "Contributor".into();
    assert_eq!(problems(&enable(), &env), vec![Code::SourceOwnerMissing]);

    // Owner at the root scope covers everything; Owner satisfies Contributor.
    env.role_assignments = vec![RoleAssignment {
        role_name: "owner".into(),
        scope: "/".into(),
    }];
    assert!(problems(&enable(), &env).is_empty());

    // A role whose scope is not known (missing from a snapshot: serde's default "") grants
    // nothing; it used to normalize like "/" and cover every subscription.
    let parsed: EnvironmentSnapshot =
        serde_json::from_str(r#"{"role_assignments":[{"role_name":"Owner"}]}"#).unwrap();
    assert_eq!(parsed.role_assignments[0].scope, "");
    env.role_assignments = parsed.role_assignments;
    let p = problems(&enable(), &env);
    assert!(p.contains(&Code::SourceOwnerMissing), "{p:?}");
    assert!(p.contains(&Code::TargetRoleMissing), "{p:?}");

    // Owner on a resource group does not cover the subscription.
    env.role_assignments = vec![
        RoleAssignment {
            role_name: "Owner".into(),
            scope: format!("/subscriptions/{SRC_SUB}/resourceGroups/prod"),
        },
        RoleAssignment {
            role_name: "Contributor".into(),
            scope: dr_rg(),
        },
    ];
    assert_eq!(problems(&enable(), &env), vec![Code::SourceOwnerMissing]);

    // A look-alike subscription id is not a parent scope.
    env.role_assignments = vec![RoleAssignment {
        role_name: "Owner".into(),
        scope: format!("/subscriptions/{SRC_SUB}0"),
    }];
    let p = problems(&enable(), &env);
    assert!(p.contains(&Code::SourceOwnerMissing) && p.contains(&Code::TargetRoleMissing));
    assert_eq!(Code::TargetRoleMissing.severity(), Severity::Warning);
}
