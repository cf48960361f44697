//! Preflight gathered from the emulator finds what the scenario planted.

use crate::Env;
use azs_site_recovery::client::PreflightScope;
use azs_site_recovery::emulator::{defaults, Appliance, ComputeQuota, Fault, Scenario};
use azs_site_recovery::id::FabricAgentId;
use azs_site_recovery::preflight::{self, Code, Intent, PreflightPlan, TargetSettings};

both_transports! {
    preflight_finds_what_the_scenario_planted => super::planted();
}

/// A world with problems planted: no test network, a short quota, a silent appliance.
fn planted() -> Scenario {
    Scenario::builder()
        .seed_vault(true)
        .compute_quota(ComputeQuota::new(4, 100))
        .appliance(Appliance::default().unresponsive())
        .fault(Fault::MissingTargetNetwork {
            name: "test-vnet".into(),
        })
        .build()
}

async fn preflight_finds_what_the_scenario_planted(e: Env) {
    let via = e.via;
    let t = e.emu.topology().clone();
    let scope = PreflightScope::new(&t.target_subscription, &t.target_location)
        .source(&t.source_subscription, "redmond")
        .vm(e.vm("sql-01"))
        .vm(e.vm("web-01"))
        .appliance(t.appliance_id.parse::<FabricAgentId>().unwrap())
        .vault(e.vault.clone())
        .principal(defaults::OBJECT_ID);
    let mut gathered = e.client.gather_preflight_snapshot(None, &scope).await;
    assert!(
        gathered.problems.is_empty(),
        "{via}: {:?}",
        gathered.problems
    );
    let test_vnet = t
        .target_network_id("dr-vnet")
        .unwrap()
        .replace("dr-vnet", "test-vnet");
    for vm in &mut gathered.snapshot.vms {
        vm.target = TargetSettings {
            network_id: t.target_network_id("dr-vnet").map(str::to_owned),
            subnet_name: Some("default".into()),
            test_network_id: Some(test_vnet.clone()),
            test_subnet_name: Some("default".into()),
            ..TargetSettings::default()
        };
    }
    assert_eq!(gathered.snapshot.vms.len(), 2, "{via}");
    assert_eq!(
        gathered.snapshot.vms[0].disks.len(),
        3,
        "{via}: sql-01's disks"
    );
    let plan = PreflightPlan::new(Intent::TestFailover)
        .cache_storage(&t.target_storage_account_ids[0])
        .target_resource_group(&t.target_resource_group_ids[1]);
    let report = preflight::run(&plan, &gathered.snapshot, e.emu.now());
    for code in [Code::TestNetworkMissing, Code::QuotaCoresInsufficient] {
        assert!(report.has(code), "{via}: {code} in\n{report}");
    }
    assert!(report.is_blocked());
    assert!(
        !report.has(Code::TargetNetworkMissing),
        "{via}: dr-vnet is there\n{report}"
    );
    // Enabling more VMs would need the appliance: the client's one-call preflight says it is
    // silent (and, the VMs having no target settings yet, that they need them).
    let plan = PreflightPlan::new(Intent::EnableProtection)
        .cache_storage(&t.target_storage_account_ids[0])
        .target_resource_group(&t.target_resource_group_ids[1]);
    let (report, problems) = e.client.preflight(None, &scope, &plan).await;
    assert!(problems.is_empty(), "{via}: {problems:?}");
    assert!(report.has(Code::ApplianceNotResponsive), "{via}\n{report}");
    assert!(report.has(Code::TargetNetworkNotSet), "{via}\n{report}");
}
