// Test code: this module is compiled only under #[cfg(test)] (see its parent module).
//! A realistic environment: twelve VMs, a few planted problems, every intent.

use super::*;

fn estate() -> EnvironmentSnapshot {
    let mut vms = Vec::new();
    for i in 1..=8 {
        vms.push(good_vm(&format!("web{i:02}")).disk(64));
    }
    vms.push(
        VmToProtect {
            kernel: Some("5.4.0-1103-azure".into()),
            ..VmToProtect::linux("db/01", "Ubuntu 18.04")
        }
        .with_id(vm_id("db/01"))
        .sized("Standard_DS4_v2", 8, "standardDSv2Family")
        .disk(128)
        .disk(1024)
        .disk(1024)
        .nic(prod_net(), "db")
        .target_network(dr_net(), "db")
        .test_network(test_net(), "app")
        .target_resource_group(format!("/subscriptions/{TGT_SUB}/resourceGroups/dr-db"))
        .tested_at(now() - Duration::days(200))
        .from_original(OriginalSource {
            subscription_id: SRC_SUB.into(),
            resource_group_id: format!("/subscriptions/{SRC_SUB}/resourceGroups/prod"),
            virtual_network_id: prod_net(),
            subnet_name: "db".into(),
        }),
    );
    vms.push(
        VmToProtect::linux("cache01", "RHEL 8.6")
            .with_id(vm_id("cache01"))
            .sized("Standard_A2", 2, "standardAFamily")
            .disk(64)
            .nic(prod_net(), "app")
            .target_network(dr_net(), "app")
            .target_resource_group(dr_rg())
            .tested_at(now() - Duration::days(10)),
    );
    for i in 1..=2 {
        vms.push(good_vm(&format!("batch{i}")).disk(32).disk(32));
    }
    let mut env = good_env(vms);
    env.target_quota = Some(ComputeQuota {
        usages: vec![
            usage("cores", 80, 100),
            usage("virtualMachines", 10, 50),
            usage("standardDSv2Family", 60, 80),
        ],
    });
    env
}

#[test]
fn enable_protection_of_an_estate() {
    let p = plan(Intent::EnableProtection).unsupported_kernels(["5.4.0-1103-azure"]);
    let r = run(&p, &estate(), now());
    println!("{r}");
    assert!(r.is_blocked());
    let blockers: Vec<_> = r.blockers().map(|f| (f.code, f.resource.clone())).collect();
    // 8x2 + 8 + 2 + 2x2 = 30 cores needed, 20 free; family DSv2 needs 28, 20 free; db/01 invalid.
    assert_eq!(
        blockers.iter().map(|b| b.0).collect::<Vec<_>>(),
        vec![
            Code::ProtectedItemNameInvalid,
            Code::QuotaCoresInsufficient,
            Code::QuotaFamilyInsufficient
        ],
        "{r}"
    );
    assert!(r.has(Code::BatchOverPortalLimit));
    assert!(r.has(Code::LinuxKernelUnsupported));
    assert!(
        r.has(Code::TargetResourceGroupMissing),
        "dr-db is not pre-created"
    );
    assert!(r.has(Code::CacheStorageEstimate));
    assert!(!r.has(Code::TestFailoverOverdue), "not checked at enable");
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(json["findings"].as_array().unwrap().len(), r.findings.len());
}

#[test]
fn failover_of_the_estate_after_fixing_quota() {
    let mut env = estate();
    env.target_quota = Some(ComputeQuota {
        usages: vec![
            usage("cores", 70, 100),
            usage("virtualMachines", 10, 50),
            usage("standardDSv2Family", 52, 80),
        ],
    });
    env.vms[8].protected_item_name = Some("db01".into());
    let r = run(&plan(Intent::Failover), &env, now());
    assert!(!r.is_blocked(), "{r}");
    let overdue: Vec<_> = r.with_code(Code::TestFailoverOverdue).collect();
    assert_eq!(overdue.len(), 1);
    assert!(overdue[0].message.contains("db01") && overdue[0].message.contains("200 days"));
}

#[test]
fn test_failover_of_the_estate_needs_test_networks() {
    let r = run(&plan(Intent::TestFailover), &estate(), now());
    let missing: Vec<_> = r.with_code(Code::TestNetworkNotSet).collect();
    assert_eq!(missing.len(), 1);
    assert!(missing[0].resource.ends_with("/cache01"));
}

#[test]
fn reprotect_of_the_estate() {
    let mut env = estate();
    for vm in &mut env.vms {
        vm.protection_state = Some(ProtectionState::PlannedFailoverCompleted);
    }
    env.vms[9].original_source = None;
    // 8x2 + 3 + 1 + 2x3 = 26 disks; another re-protect holds 10 slots -> 21 free.
    env.appliance.as_mut().unwrap().data_disks_attached = 11;
    let r = run(&plan(Intent::Reprotect), &env, now());
    println!("{r}");
    assert!(r.has(Code::ReprotectNeedsBatches));
    assert_eq!(r.with_code(Code::UncommittedFailoverWillCommit).count(), 12);
    assert_eq!(r.with_code(Code::LinuxCertificateUnverified).count(), 2);
    assert!(r.has(Code::DataNotGathered));
    assert!(!r.is_blocked(), "{r}");
    let peak = r.with_code(Code::FailbackCachePeak).next().unwrap();
    assert!(peak.message.contains("3.7 TiB"), "{}", peak.message);
}
