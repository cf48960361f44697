// Test code: this module is compiled only under #[cfg(test)] (see its parent module).
//! The report: blocking, suppression, table, JSON, codes.

use super::*;

#[test]
fn warnings_can_be_suppressed_blockers_cannot() {
    let mut vm = good_vm("a");
    vm.last_successful_test_failover = None; // warning
    vm.target.network_id = None; // blocker
    let p = plan(Intent::Failover)
        .suppress(Code::TestFailoverOverdue)
        .suppress(Code::TargetNetworkNotSet);
    let r = run(&p, &good_env(vec![vm]), now());
    assert!(!r.has(Code::TestFailoverOverdue));
    assert_eq!(r.suppressed.len(), 1);
    assert_eq!(r.suppressed[0].code, Code::TestFailoverOverdue);
    assert!(r.has(Code::TargetNetworkNotSet), "blocker stays");
    assert!(r.is_blocked());
    assert_eq!(r.refused_suppressions, vec![Code::TargetNetworkNotSet]);
    assert!(r
        .to_string()
        .contains("Suppression of TARGET_NETWORK_NOT_SET refused"));

    let mut r = r;
    let e = r.suppress(Code::TargetNetworkNotSet).unwrap_err();
    assert!(e.to_string().contains("cannot be suppressed"));
    assert_eq!(r.suppress(Code::SourceVmRunning), Ok(0));
}

#[test]
fn suppressing_the_only_warning_unblocks_nothing_but_clears_it() {
    let mut env = good_env(vec![good_vm("a")]);
    env.appliance.as_mut().unwrap().health_errors = vec!["slow".into()];
    let mut r = run(&plan(Intent::EnableProtection), &env, now());
    assert_eq!(r.warnings().count(), 1);
    assert_eq!(r.suppress(Code::ApplianceHealthErrors), Ok(1));
    assert_eq!(r.warnings().count(), 0);
    assert!(!r.is_blocked());
}

#[test]
fn findings_are_sorted_most_severe_first() {
    let mut vm = good_vm("a").power(PowerState::Running);
    vm.last_successful_test_failover = None;
    vm.target.network_id = None;
    let r = run(&plan(Intent::Failover), &good_env(vec![vm]), now());
    let sev: Vec<_> = r.findings.iter().map(|f| f.severity).collect();
    let mut sorted = sev.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(sev, sorted);
    assert_eq!(sev[0], Severity::Blocker);
}

#[test]
fn display_is_a_table_with_remedies() {
    let r = run(
        &plan(Intent::EnableProtection),
        &good_env(vec![good_vm("web?01")]),
        now(),
    );
    let text = r.to_string();
    assert!(
        text.starts_with(
            "Preflight for enable protection at 2026-06-01T12:00:00Z: BLOCKED (1 blocker(s)"
        ),
        "{text}"
    );
    assert!(text.contains("SEVERITY CODE"), "{text}");
    let row = text.lines().find(|l| l.starts_with("blocker")).unwrap();
    assert!(
        row.contains("PROTECTED_ITEM_NAME_INVALID") && row.contains("web?01"),
        "{row}"
    );
    assert!(
        text.contains("-> name the protected item `web01501a06b4`"),
        "{text}"
    );
    let ok = run(
        &plan(Intent::Failover),
        &good_env(vec![good_vm("a")]),
        now(),
    );
    assert!(ok.to_string().contains("OK to proceed"));
}

#[test]
fn json_for_tools_round_trips() {
    let r = run(
        &plan(Intent::EnableProtection),
        &good_env(vec![good_vm("web?01")]),
        now(),
    );
    let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(r.to_json(), serde_json::to_string_pretty(&r).unwrap());
    assert_eq!(v["intent"], "enableProtection");
    assert_eq!(v["findings"][0]["severity"], "blocker");
    assert_eq!(v["findings"][0]["code"], "PROTECTED_ITEM_NAME_INVALID");
    let back: PreflightReport = serde_json::from_value(v).unwrap();
    assert_eq!(back, r);
}

#[test]
fn codes_parse_and_have_fixed_severity_and_source() {
    for &c in Code::ALL {
        assert_eq!(Code::parse(c.as_str()), Some(c));
        assert_eq!(c.as_str().parse::<Code>(), Ok(c));
        assert!(!c.source().is_empty());
    }
    assert_eq!(
        Code::parse("test_failover_overdue"),
        Some(Code::TestFailoverOverdue)
    );
    assert!("NOPE".parse::<Code>().is_err());
    let e = serde_json::from_str::<Code>("\"NOPE\"").unwrap_err();
    assert!(e.to_string().contains("docs/prerequisites.md"));
}

#[test]
fn every_code_is_documented() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/prerequisites.md"
    ))
    .unwrap();
    for &c in Code::ALL {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", c.as_str())))
            .unwrap_or_else(|| panic!("{c} missing from docs/prerequisites.md"));
        assert!(
            row.contains(&format!("| {} |", c.severity())),
            "{c}: severity in docs differs: {row}"
        );
    }
}

#[test]
fn snapshot_and_plan_round_trip_through_json() {
    let env = good_env(vec![good_vm("a").kernel("5.4.0-1077-azure")]);
    let text = serde_json::to_string(&env).unwrap();
    assert!(
        text.contains("\"last_successful_test_failover\":\"2026-05-02T12:00:00Z\""),
        "{text}"
    );
    let back: EnvironmentSnapshot = serde_json::from_str(&text).unwrap();
    assert_eq!(back, env);
    let p = plan(Intent::Reprotect).suppress(Code::SourceVmRunning);
    let back: PreflightPlan = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);
    // Terse JSON works: everything defaults.
    let env: EnvironmentSnapshot = serde_json::from_str(r#"{"vms":[{"name":"x"}]}"#).unwrap();
    assert_eq!(env.vms[0].name, "x");
    let bad = serde_json::from_str::<EnvironmentSnapshot>(
        r#"{"appliance":{"last_heartbeat":"yesterday"}}"#,
    );
    assert!(bad.unwrap_err().to_string().contains("RFC 3339"));
}
