// Test code: this module is compiled only under #[cfg(test)] (see its parent module).
//! Fixtures: a clean environment that passes every check, mutated per test.

use super::*;
use crate::model::ProtectionState;
use chrono::{Duration, TimeZone};

mod checks_operation;
mod checks_target;
mod environment;
mod report_tests;

pub(super) const SRC_SUB: &str = "11111111-1111-1111-1111-111111111111";
pub(super) const TGT_SUB: &str = "22222222-2222-2222-2222-222222222222";

pub(super) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

pub(super) fn prod_net() -> String {
    format!("/subscriptions/{SRC_SUB}/resourceGroups/prod/providers/Microsoft.Network/virtualNetworks/prod-vnet")
}
pub(super) fn vm_id(name: &str) -> String {
    format!("/subscriptions/{SRC_SUB}/resourceGroups/prod/providers/Microsoft.Compute/virtualMachines/{name}")
}
pub(super) fn dr_net() -> String {
    format!("/subscriptions/{TGT_SUB}/resourceGroups/dr-net/providers/Microsoft.Network/virtualNetworks/dr-vnet")
}
pub(super) fn test_net() -> String {
    format!("/subscriptions/{TGT_SUB}/resourceGroups/dr-net/providers/Microsoft.Network/virtualNetworks/test-vnet")
}
pub(super) fn dr_rg() -> String {
    format!("/subscriptions/{TGT_SUB}/resourceGroups/dr-apps")
}
pub(super) fn cache() -> String {
    format!("/subscriptions/{TGT_SUB}/resourceGroups/dr-apps/providers/Microsoft.Storage/storageAccounts/asrcache")
}
pub(super) fn log_storage() -> String {
    format!("/subscriptions/{SRC_SUB}/resourceGroups/asr/providers/Microsoft.Storage/storageAccounts/asrlog")
}

pub(super) fn vnet(id: String, prefix: &str, subnets: &[&str]) -> VirtualNetwork {
    VirtualNetwork {
        id,
        location: "local".into(),
        address_prefixes: vec![prefix.into()],
        subnets: subnets
            .iter()
            .map(|s| Subnet {
                name: (*s).into(),
                address_prefix: None,
            })
            .collect(),
    }
}

pub(super) fn usage(name: &str, current: u64, limit: u64) -> QuotaUsage {
    QuotaUsage {
        name: name.into(),
        current,
        limit,
    }
}

/// A VM with everything a clean run needs.
pub(super) fn good_vm(name: &str) -> VmToProtect {
    VmToProtect::windows(name)
        .with_id(vm_id(name))
        .sized("Standard_DS2_v2", 2, "standardDSv2Family")
        .disk(128)
        .nic(prod_net(), "app")
        .target_network(dr_net(), "app")
        .test_network(test_net(), "app")
        .target_resource_group(dr_rg())
        .tested_at(now() - Duration::days(30))
        .from_original(OriginalSource {
            subscription_id: SRC_SUB.into(),
            resource_group_id: format!("/subscriptions/{SRC_SUB}/resourceGroups/prod"),
            virtual_network_id: prod_net(),
            subnet_name: "app".into(),
        })
        .power(PowerState::Deallocated)
}

/// An environment in which `good_vm`s pass every check.
pub(super) fn good_env(vms: Vec<VmToProtect>) -> EnvironmentSnapshot {
    let mut tags = std::collections::BTreeMap::new();
    tags.insert("CostCenter".to_owned(), "42".to_owned());
    EnvironmentSnapshot {
        source: StampInventory {
            location: "redmond".into(),
            subscriptions: vec![SRC_SUB.into()],
            resource_groups: vec![ResourceGroup {
                id: format!("/subscriptions/{SRC_SUB}/resourceGroups/prod"),
                location: "redmond".into(),
                tags: Default::default(),
            }],
            virtual_networks: vec![vnet(prod_net(), "10.1.0.0/16", &["app", "db"])],
            storage_accounts: vec![StorageAccount {
                id: log_storage(),
                location: "redmond".into(),
            }],
        },
        target: StampInventory {
            location: "local".into(),
            subscriptions: vec![TGT_SUB.into()],
            resource_groups: vec![ResourceGroup {
                id: dr_rg(),
                location: "local".into(),
                tags,
            }],
            virtual_networks: vec![
                vnet(dr_net(), "10.2.0.0/16", &["app", "db"]),
                vnet(test_net(), "10.1.0.0/16", &["app"]),
            ],
            storage_accounts: vec![StorageAccount {
                id: cache(),
                location: "local".into(),
            }],
        },
        target_quota: Some(ComputeQuota {
            usages: vec![
                usage("cores", 10, 100),
                usage("virtualMachines", 5, 50),
                usage("standardDSv2Family", 10, 100),
            ],
        }),
        role_assignments: vec![
            RoleAssignment {
                role_name: "Owner".into(),
                scope: format!("/subscriptions/{SRC_SUB}"),
            },
            RoleAssignment {
                role_name: "Contributor".into(),
                scope: format!("/subscriptions/{TGT_SUB}"),
            },
        ],
        appliance: Some(ApplianceStatus::healthy(
            "/subscriptions/s/resourceGroups/asr/providers/Microsoft.DataReplication/replicationVaults/v/fabricAgents/appliance1",
            now() - Duration::minutes(2),
        )),
        vms,
    }
}

pub(super) fn plan(intent: Intent) -> PreflightPlan {
    PreflightPlan::new(intent)
        .cache_storage(cache())
        .require_tags(["costcenter"])
        .reprotect_log_storage(log_storage())
}

/// Runs and returns the codes of blockers and warnings (infos that a clean run always produces,
/// like the cache estimate, are left out).
pub(super) fn problems(plan: &PreflightPlan, env: &EnvironmentSnapshot) -> Vec<Code> {
    run(plan, env, now())
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .map(|f| f.code)
        .collect()
}

#[test]
fn the_clean_environment_is_clean_for_every_intent() {
    for intent in [
        Intent::EnableProtection,
        Intent::TestFailover,
        Intent::Failover,
        Intent::Reprotect,
    ] {
        let mut vm = good_vm("web01");
        if intent == Intent::Reprotect {
            vm = vm.protected("web01", ProtectionState::Protected);
        }
        let r = run(&plan(intent), &good_env(vec![vm]), now());
        let bad: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Info || f.code == Code::DataNotGathered)
            .collect();
        assert!(bad.is_empty(), "{intent}: {r}");
        assert!(!r.is_blocked());
    }
}
