// Test code: this module is compiled only under #[cfg(test)] (see its parent module).
//! Appliance, re-protect and operation checks fire when they should and stay quiet when they
//! should not.

use super::*;

fn enable() -> PreflightPlan {
    plan(Intent::EnableProtection)
}

#[test]
fn appliance_missing_unregistered_unresponsive_unhealthy() {
    let mut env = good_env(vec![good_vm("a")]);
    env.appliance = None;
    assert_eq!(problems(&enable(), &env), vec![Code::ApplianceNotFound]);

    let mut env = good_env(vec![good_vm("a")]);
    let app = env.appliance.as_mut().unwrap();
    app.registered = false;
    app.responsive = false;
    app.health_errors = vec!["Disk full".into()];
    let p = problems(&enable(), &env);
    assert_eq!(
        p,
        vec![
            Code::ApplianceNotRegistered,
            Code::ApplianceNotResponsive,
            Code::ApplianceHealthErrors
        ]
    );
    // Not needed for test failover or failover (the source may be down).
    assert!(problems(&plan(Intent::Failover), &env).is_empty());
}

#[test]
fn appliance_heartbeat_boundary() {
    let mut env = good_env(vec![good_vm("a")]);
    env.appliance.as_mut().unwrap().last_heartbeat = Some(now() - Duration::minutes(30));
    assert!(
        problems(&enable(), &env).is_empty(),
        "exactly the limit is recent"
    );
    env.appliance.as_mut().unwrap().last_heartbeat =
        Some(now() - Duration::minutes(30) - Duration::seconds(1));
    assert_eq!(
        problems(&enable(), &env),
        vec![Code::ApplianceHeartbeatStale]
    );
    // Durations read as people read them, not `PT1801S` nor whole minutes that hide the excess.
    let report = run(&enable(), &env, now());
    let stale = report
        .with_code(Code::ApplianceHeartbeatStale)
        .next()
        .unwrap();
    assert!(
        stale.message.contains("30m 01s old (limit 30m 00s)"),
        "{}",
        stale.message
    );
    env.appliance.as_mut().unwrap().last_heartbeat = None;
    assert_eq!(
        problems(&enable(), &env),
        vec![Code::ApplianceHeartbeatStale]
    );
}

fn reprotect_vm(name: &str, disks: usize) -> VmToProtect {
    let mut vm = good_vm(name).protected(name, ProtectionState::Protected);
    for _ in 1..disks {
        vm = vm.disk(32);
    }
    vm
}

#[test]
fn exactly_31_disks_fit_the_default_appliance() {
    let vms: Vec<_> = (0..31)
        .map(|i| reprotect_vm(&format!("vm{i}"), 1))
        .collect();
    let r = run(&plan(Intent::Reprotect), &good_env(vms), now());
    assert!(!r.has(Code::ReprotectNeedsBatches), "{r}");
    assert!(r.has(Code::FailbackCachePeak));

    let one: Vec<_> = vec![reprotect_vm("big", 31)];
    assert!(problems(&plan(Intent::Reprotect), &good_env(one)).is_empty());
}

#[test]
fn thirty_two_disks_need_two_batches() {
    let vms: Vec<_> = (0..32)
        .map(|i| reprotect_vm(&format!("vm{i}"), 1))
        .collect();
    let r = run(&plan(Intent::Reprotect), &good_env(vms), now());
    let f = r.with_code(Code::ReprotectNeedsBatches).next().unwrap();
    assert!(
        f.message.contains("32 disks") && f.message.contains("2 batches"),
        "{}",
        f.message
    );
    assert!(f.remedy.contains("batch 2: vm31 (1 disks)"), "{}", f.remedy);
    assert!(!r.is_blocked());
}

#[test]
fn a_vm_with_32_disks_cannot_be_reprotected() {
    let r = run(
        &plan(Intent::Reprotect),
        &good_env(vec![reprotect_vm("huge", 32)]),
        now(),
    );
    assert!(r.is_blocked());
    assert!(r.has(Code::ReprotectVmTooManyDisks));
    // Slots already used by another re-protect count.
    let mut env = good_env(vec![reprotect_vm("mid", 20)]);
    env.appliance.as_mut().unwrap().data_disks_attached = 13;
    assert_eq!(
        problems(&plan(Intent::Reprotect), &env),
        vec![Code::ReprotectVmTooManyDisks]
    );
}

#[test]
fn original_source_must_still_exist() {
    let mut env = good_env(vec![reprotect_vm("a", 1)]);
    env.source.virtual_networks[0]
        .subnets
        .retain(|s| s.name != "app");
    env.source.resource_groups.clear();
    let r = run(&plan(Intent::Reprotect), &env, now());
    let f = r
        .with_code(Code::ReprotectOriginalSourceMissing)
        .next()
        .unwrap();
    assert!(
        f.message.contains("resource group prod") && f.message.contains("subnet app"),
        "{}",
        f.message
    );
    assert!(!f.message.contains("subscription"));

    let mut vm = reprotect_vm("a", 1);
    vm.original_source = None;
    let r = run(&plan(Intent::Reprotect), &good_env(vec![vm]), now());
    assert!(r.has(Code::DataNotGathered));
}

#[test]
fn linux_certificate_commands_per_distribution() {
    let ubuntu = VmToProtect {
        os: OsFamily::Linux,
        linux_distribution: Some("Ubuntu 18.04".into()),
        ..reprotect_vm("u", 1)
    };
    let rhel = VmToProtect {
        trusts_service_certificate: Some(false),
        ..VmToProtect {
            os: OsFamily::Linux,
            linux_distribution: Some("RHEL 8.6".into()),
            ..reprotect_vm("r", 1)
        }
    };
    let trusted = VmToProtect {
        trusts_service_certificate: Some(true),
        ..ubuntu.clone()
    };
    let env = good_env(vec![ubuntu, rhel, trusted, reprotect_vm("win", 1)]);
    let r = run(&plan(Intent::Reprotect), &env, now());
    let u = r
        .with_code(Code::LinuxCertificateUnverified)
        .collect::<Vec<_>>();
    assert_eq!(u.len(), 1);
    assert!(u[0].remedy.contains("sudo cp /var/lib/waagent/Certificates.pem /usr/local/share/ca-certificates/Certificates.crt\nsudo update-ca-certificates"));
    assert!(!u[0].remedy.contains("update-ca-trust"));
    let b = r
        .with_code(Code::LinuxCertificateNotTrusted)
        .collect::<Vec<_>>();
    assert_eq!(b.len(), 1);
    assert!(b[0].remedy.contains(TRUST_CERTIFICATE_RED_HAT));
    assert!(r.is_blocked());
}

#[test]
fn uncommitted_failover_is_info_at_reprotect() {
    let vm = good_vm("a").protected("a", ProtectionState::UnplannedFailoverCompleted);
    let r = run(&plan(Intent::Reprotect), &good_env(vec![vm]), now());
    assert!(r.has(Code::UncommittedFailoverWillCommit));
    assert!(!r.is_blocked());
    let vm = good_vm("a").protected("a", ProtectionState::Protected);
    assert!(!run(&plan(Intent::Reprotect), &good_env(vec![vm]), now())
        .has(Code::UncommittedFailoverWillCommit));
}

#[test]
fn reprotect_names_and_log_storage() {
    let mut p = plan(Intent::Reprotect);
    p.reprotect.extension_name = " ".into();
    let env = good_env(vec![reprotect_vm("a", 1)]);
    assert_eq!(problems(&p, &env), vec![Code::ReprotectPolicyNamesEmpty]);
    let mut p = plan(Intent::Reprotect);
    p.reprotect.log_storage_account_id = None;
    assert_eq!(problems(&p, &env), vec![Code::ReprotectLogStorageMissing]);
    let p = plan(Intent::Reprotect).reprotect_log_storage(cache());
    assert!(
        problems(&p, &env).is_empty(),
        "an account on the target stamp is accepted"
    );
    let p = plan(Intent::Reprotect).reprotect_log_storage(cache().replace("asrcache", "x"));
    assert_eq!(problems(&p, &env), vec![Code::ReprotectLogStorageMissing]);
}

fn strict() -> PreflightPlan {
    let mut p = enable();
    p.strict_names = true;
    p
}

#[test]
fn protected_item_names_invalid_mapped_and_colliding() {
    // ARM's general rules (the default) accept hyphens, as Azure Stack Hub's own names use them.
    let r = run(&enable(), &good_env(vec![good_vm("web-01")]), now());
    assert!(!r.has(Code::ProtectedItemNameInvalid), "{r}");
    // ... and refuse what ARM forbids, with the documented mapping as the remedy.
    let r = run(&enable(), &good_env(vec![good_vm("web?01")]), now());
    let f = r.with_code(Code::ProtectedItemNameInvalid).next().unwrap();
    let mapped = crate::id::protected_item_name_for_vm("web?01");
    assert!(
        f.message.contains(&format!("use \"{mapped}\" instead")),
        "{}",
        f.message
    );
    assert!(r.is_blocked());

    // The spec's strict pattern, for stamps that enforce it.
    let r = run(&strict(), &good_env(vec![good_vm("web-01")]), now());
    let f = r.with_code(Code::ProtectedItemNameInvalid).next().unwrap();
    assert!(
        f.message.contains("use \"web018b8f603e\" instead"),
        "{}",
        f.message
    );
    assert!(f.remedy.contains("web018b8f603e"), "{}", f.remedy);
    assert!(r.is_blocked());

    // Names are case-insensitive: two VMs that differ only in case collide.
    let r = run(
        &enable(),
        &good_env(vec![good_vm("web-01"), good_vm("WEB-01")]),
        now(),
    );
    let f = r
        .with_code(Code::ProtectedItemNameCollision)
        .next()
        .unwrap();
    assert!(f.message.contains("web-01, WEB-01"), "{}", f.message);

    // A name with no letters or digits still maps to a valid one.
    let r = run(&strict(), &good_env(vec![good_vm("---")]), now());
    assert!(r
        .with_code(Code::ProtectedItemNameInvalid)
        .next()
        .unwrap()
        .message
        .contains("use \"vm0067f651\" instead"));

    // An explicit valid item name wins over the VM name.
    let mut vm = good_vm("web-01");
    vm.protected_item_name = Some("web01".into());
    assert!(problems(&strict(), &good_env(vec![vm])).is_empty());
}

#[test]
fn test_failover_age_boundary_is_180_days() {
    let p = plan(Intent::Failover);
    let at = |d: Duration| good_env(vec![good_vm("a").tested_at(now() - d)]);
    assert!(
        problems(&p, &at(Duration::days(180))).is_empty(),
        "exactly 180 days is within"
    );
    let r = run(&p, &at(Duration::days(180) + Duration::seconds(1)), now());
    assert!(r.has(Code::TestFailoverOverdue));
    let r = run(&p, &at(Duration::days(400)), now());
    assert!(r.findings[0].message.contains("400 days ago"), "{r}");

    let mut vm = good_vm("a");
    vm.last_successful_test_failover = None;
    let r = run(&p, &good_env(vec![vm]), now());
    let f = r.with_code(Code::TestFailoverOverdue).next().unwrap();
    assert!(f.message.contains("never"));
    assert!(!r.is_blocked(), "a recommendation, not a blocker");
    // Only before a failover.
    assert!(!run(&enable(), &at(Duration::days(400)), now()).has(Code::TestFailoverOverdue));
}

#[test]
fn running_source_vm_is_info_at_failover_and_test_failover() {
    let vm = good_vm("a").power(PowerState::Running);
    let env = good_env(vec![vm]);
    assert!(run(&plan(Intent::Failover), &env, now()).has(Code::SourceVmRunning));
    assert!(run(&plan(Intent::TestFailover), &env, now()).has(Code::TestFailoverAlongsideSource));
    assert!(!run(
        &plan(Intent::Failover),
        &good_env(vec![good_vm("a")]),
        now()
    )
    .has(Code::SourceVmRunning));
}

#[test]
fn portal_batch_limit_boundary() {
    let vms = |n: usize| good_env((0..n).map(|i| good_vm(&format!("vm{i}"))).collect());
    assert!(!run(&enable(), &vms(10), now()).has(Code::BatchOverPortalLimit));
    let r = run(&enable(), &vms(11), now());
    assert!(r.has(Code::BatchOverPortalLimit));
    assert!(!r.is_blocked());
}

fn policy(history: i64, crash: i64, app: i64) -> PreflightPlan {
    enable().policy(PolicyValues {
        recovery_point_history_in_minutes: history,
        crash_consistent_frequency_in_minutes: crash,
        app_consistent_frequency_in_minutes: app,
    })
}

#[test]
fn policy_bounds_and_consistency() {
    let env = good_env(vec![good_vm("a")]);
    assert!(problems(&policy(4320, 60, 240), &env).is_empty());
    assert!(
        problems(&policy(i64::from(i32::MAX), 1440, 0), &env).is_empty(),
        "the bounds are inclusive"
    );
    assert_eq!(
        problems(&policy(-1, 60, 240), &env),
        vec![Code::PolicyValueOutOfBounds]
    );
    assert_eq!(
        problems(&policy(i64::from(i32::MAX) + 1, 60, 240), &env),
        vec![Code::PolicyValueOutOfBounds]
    );
    assert_eq!(
        problems(&policy(120, 60, 240), &env),
        vec![Code::PolicyFrequencyAboveHistory]
    );
    assert_eq!(
        problems(&policy(4320, 1441, 240), &env),
        vec![Code::PolicyFrequencyAboveOneDay]
    );
    // Stricter bounds for a stamp that enforces them.
    let mut p = policy(4320, 60, 240);
    p.policy_bounds.crash_consistent_frequency = MinuteBounds { min: 5, max: 30 };
    let r = run(&p, &env, now());
    let f = r.with_code(Code::PolicyValueOutOfBounds).next().unwrap();
    assert!(f
        .message
        .contains("crashConsistentFrequencyInMinutes = 60 is outside 5..=30"));
}

#[test]
fn unsupported_kernel_exact_and_prefix() {
    let vm = |k: &str| good_vm("l").kernel(k);
    let linux = |k: &str| VmToProtect {
        os: OsFamily::Linux,
        linux_distribution: Some("Ubuntu".into()),
        ..vm(k)
    };
    let p = plan(Intent::Failover).unsupported_kernels(["5.4.0-1103-azure", "6.2.*"]);
    let r = run(&p, &good_env(vec![linux("5.4.0-1103-azure")]), now());
    let f = r.with_code(Code::LinuxKernelUnsupported).next().unwrap();
    assert!(f
        .remedy
        .contains("sudo apt-mark hold linux-image-azure linux-headers-azure"));
    assert!(f.remedy.contains("GRUB_DEFAULT"));
    assert!(run(&p, &good_env(vec![linux("6.2.0-1019-azure")]), now())
        .has(Code::LinuxKernelUnsupported));
    assert!(!run(&p, &good_env(vec![linux("5.4.0-1077-azure")]), now())
        .has(Code::LinuxKernelUnsupported));
    assert!(!run(&p, &good_env(vec![linux("5.4.0-1103-azure2")]), now())
        .has(Code::LinuxKernelUnsupported));
    // Windows VMs and empty lists are not checked.
    assert!(
        !run(&p, &good_env(vec![vm("5.4.0-1103-azure")]), now()).has(Code::LinuxKernelUnsupported)
    );
    let r = run(
        &plan(Intent::Failover),
        &good_env(vec![linux("5.4.0-1103-azure")]),
        now(),
    );
    assert!(!r.has(Code::LinuxKernelUnsupported));
    // Unknown kernel on a listed plan: reported as not gathered.
    let mut l = linux("x");
    l.kernel = None;
    assert!(run(&p, &good_env(vec![l]), now()).has(Code::DataNotGathered));
}

#[test]
fn a_default_appliance_is_not_taken_for_healthy() {
    let mut env = good_env(vec![good_vm("a")]);
    env.appliance = Some(ApplianceStatus::default());
    let p = problems(&enable(), &env);
    assert!(p.contains(&Code::ApplianceNotRegistered) && p.contains(&Code::ApplianceNotResponsive));
    let parsed: EnvironmentSnapshot = serde_json::from_str(r#"{"appliance":{"id":"x"}}"#).unwrap();
    assert!(!parsed.appliance.unwrap().registered);
}

#[test]
fn ungathered_source_subscriptions_are_not_reported_missing() {
    let mut env = good_env(vec![good_vm("a").protected("a", ProtectionState::Protected)]);
    env.source.subscriptions.clear();
    let p = problems(&plan(Intent::Reprotect), &env);
    assert!(p.is_empty(), "{p:?}");
    env.source.subscriptions = vec!["other".into()];
    assert_eq!(
        problems(&plan(Intent::Reprotect), &env),
        vec![Code::ReprotectOriginalSourceMissing]
    );
}

#[test]
fn out_of_range_age_limits_from_a_plan_do_not_panic() {
    // A plan read from JSON can carry any i64; `Duration::days(i64::MAX)` used to panic.
    let mut p: PreflightPlan = serde_json::from_value(serde_json::json!({
        "intent": "failover",
        "test_failover_max_age_days": i64::MAX,
        "heartbeat_max_age_minutes": i64::MAX
    }))
    .unwrap();
    let env = good_env(vec![good_vm("a").tested_at(now() - Duration::days(400))]);
    assert!(
        !run(&p, &env, now()).has(Code::TestFailoverOverdue),
        "an unbounded limit is never exceeded"
    );
    p.test_failover_max_age_days = i64::MIN;
    assert!(
        run(&p, &env, now()).has(Code::TestFailoverOverdue),
        "a limit below zero is always exceeded"
    );

    let mut p = enable();
    p.heartbeat_max_age_minutes = i64::MAX;
    let mut env = good_env(vec![good_vm("a")]);
    env.appliance.as_mut().unwrap().last_heartbeat = Some(now() - Duration::days(365));
    assert!(!run(&p, &env, now()).has(Code::ApplianceHeartbeatStale));
    p.heartbeat_max_age_minutes = i64::MIN;
    assert!(run(&p, &env, now()).has(Code::ApplianceHeartbeatStale));
}
