//! Tests of the action bodies: wire shapes, default paths, checks, lossless parsing.

use super::*;
use serde_json::{json, Value};

#[test]
fn action_bodies_have_the_wire_shape_and_round_trip() {
    let cases: Vec<(Value, Value, &str)> = vec![
        (
            serde_json::to_value(PlannedFailover::azstack(true)).unwrap(),
            json!({"instanceType": "AzStackToAzStack", "shutdownSourceVM": true}),
            PlannedFailover::DEFAULT_PATH,
        ),
        (
            serde_json::to_value(PlannedFailover::hyperv_to_hci(false)).unwrap(),
            json!({"instanceType": "HyperVToAzStackHCI", "shutdownSourceVM": false}),
            "plannedFailover",
        ),
        (
            serde_json::to_value(TestFailover::azstack_custom("rp-7")).unwrap(),
            json!({"instanceType": "AzStackToAzStack", "recoveryPoint": "Custom", "recoveryPointId": "rp-7"}),
            TestFailover::DEFAULT_PATH,
        ),
        (
            serde_json::to_value(UnplannedFailover::azstack(
                false,
                RecoveryPointChoice::LatestApplicationConsistent,
            ))
            .unwrap(),
            json!({"instanceType": "AzStackToAzStack", "shutdownSourceVM": false, "recoveryPoint": "LatestApplicationConsistent"}),
            UnplannedFailover::DEFAULT_PATH,
        ),
        (
            serde_json::to_value(Reprotect::azstack_failback("a", "s", "p", "e")).unwrap(),
            json!({"instanceType": "AzStackToAzStackFailback", "applianceId": "a", "logStorageAccountId": "s",
                   "policyName": "p", "replicationExtensionName": "e"}),
            Reprotect::DEFAULT_PATH,
        ),
        (
            serde_json::to_value(TestFailoverCleanup::azstack()).unwrap(),
            json!({"instanceType": "AzStackToAzStack"}),
            TestFailoverCleanup::DEFAULT_PATH,
        ),
        (
            serde_json::to_value(Commit::azstack()).unwrap(),
            json!({"instanceType": "AzStackToAzStack"}),
            Commit::DEFAULT_PATH,
        ),
        (
            serde_json::to_value(CancelFailover::azstack()).unwrap(),
            json!({"instanceType": "AzStackToAzStack"}),
            CancelFailover::DEFAULT_PATH,
        ),
        (
            serde_json::to_value(Resynchronize::azstack()).unwrap(),
            json!({"instanceType": "AzStackToAzStack"}),
            Resynchronize::DEFAULT_PATH,
        ),
    ];
    let paths: Vec<&str> = cases.iter().map(|c| c.2).collect();
    assert_eq!(
        paths,
        [
            "plannedFailover",
            "plannedFailover",
            "testFailover",
            "unplannedFailover",
            "reprotect",
            "testFailoverCleanup",
            "commit",
            "cancelFailover",
            "resynchronize"
        ]
    );
    for (body, custom, path) in cases {
        assert_eq!(
            body,
            json!({"properties": {"customProperties": custom}}),
            "{path}"
        );
    }
    let documented = [
        <PlannedFailover as ProtectedItemAction>::DOCUMENTED_BY_MICROSOFT,
        <Reprotect as ProtectedItemAction>::DOCUMENTED_BY_MICROSOFT,
        <TestFailover as ProtectedItemAction>::DOCUMENTED_BY_MICROSOFT,
        <UnplannedFailover as ProtectedItemAction>::DOCUMENTED_BY_MICROSOFT,
        <Commit as ProtectedItemAction>::DOCUMENTED_BY_MICROSOFT,
    ];
    assert_eq!(documented, [true, true, false, false, false]);
}

#[test]
fn action_bodies_are_checked_before_sending() {
    assert!(TestFailover::azstack(RecoveryPointChoice::Latest)
        .check()
        .is_ok());
    assert!(TestFailover::azstack_custom("rp-1").check().is_ok());
    let err = TestFailover::azstack(RecoveryPointChoice::Custom)
        .check()
        .unwrap_err();
    assert_eq!(err.action, "testFailover");
    assert!(err.to_string().contains("recoveryPointId"));
    assert!(
        UnplannedFailover::azstack(true, RecoveryPointChoice::Custom)
            .check()
            .is_err()
    );
    assert!(UnplannedFailover::azstack_custom(true, "rp-1")
        .check()
        .is_ok());

    assert!(Reprotect::azstack_failback_defaults("a", "s")
        .check()
        .is_ok());
    let err = Reprotect::azstack_failback("a", "s", "", " ")
        .check()
        .unwrap_err();
    assert!(err
        .message
        .starts_with("policyName, replicationExtensionName missing"));
    // An unknown instanceType is the caller's business.
    let raw: Reprotect = serde_json::from_value(
        json!({"properties": {"customProperties": {"instanceType": "VMwareToAvsFailback"}}}),
    )
    .unwrap();
    assert!(raw.check().is_ok());
    assert!(Commit::azstack().check().is_ok());
}

#[test]
fn action_bodies_parse_back_losslessly() {
    let wire = json!({"properties": {"customProperties": {"instanceType": "AzStackToAzStack",
        "recoveryPoint": "LatestCrashConsistent", "recoveryPointId": null, "stampFlag": true},
        "extra": 1}});
    let tfo: TestFailover = serde_json::from_value(wire.clone()).unwrap();
    let Some(TestFailoverCustomProperties::AzStackToAzStack(o)) = tfo.custom_properties() else {
        panic!("not AzStackToAzStack");
    };
    assert_eq!(
        o.recovery_point,
        Some(RecoveryPointChoice::Unknown("LatestCrashConsistent".into()))
    );
    assert_eq!(serde_json::to_value(&tfo).unwrap(), wire);

    let wire = json!({"properties": {"customProperties": {"instanceType": "VMwareToAvsFailback", "x": 1}}});
    let rp: Reprotect = serde_json::from_value(wire.clone()).unwrap();
    assert!(matches!(
        rp.custom_properties(),
        Some(ReprotectCustomProperties::Unknown(_))
    ));
    assert_eq!(serde_json::to_value(&rp).unwrap(), wire);

    let text = serde_json::to_string(&Commit::azstack()).unwrap();
    assert_eq!(
        serde_json::from_str::<Commit>(&text).unwrap(),
        Commit::azstack()
    );
    let text = serde_json::to_string(&TestFailoverCleanup::azstack()).unwrap();
    assert_eq!(
        serde_json::from_str::<TestFailoverCleanup>(&text).unwrap(),
        TestFailoverCleanup::azstack()
    );
    let pf: PlannedFailover = serde_json::from_str(
        r#"{"properties":{"customProperties":{"instanceType":"VMwareToAzStackHCI","shutdownSourceVM":true}}}"#,
    )
    .unwrap();
    assert!(matches!(
        pf.custom_properties(),
        Some(PlannedFailoverCustomProperties::VMwareToAzStackHCI(o)) if o.shutdown_source_vm == Some(true)
    ));
}
