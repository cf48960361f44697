//! The lifecycle, checked over EVERY protectionState × testFailoverState × operation × direction.
//!
//! The expected verdicts come from the compact rule table below, written from the documents
//! (docs/lifecycle.md cites each rule), not by calling the code under test.

use azs_site_recovery::lifecycle::{
    self, Direction, ItemState, Lifecycle, Operation, OperationKind, RecoveryPointChoice,
};
use azs_site_recovery::model::{ProtectionState, TestFailoverState};

// ---- The rule table (by wire names) -------------------------------------------------------

/// Protection states during which an operation is in flight.
const PS_IN_FLIGHT: &[&str] = &[
    "EnablingProtection",
    "DisablingProtection",
    "MarkedForDeletion",
    "InitialReplicationInProgress",
    "InitialReplicationCompletedOnPrimary",
    "InitialReplicationCompletedOnRecovery",
    "PlannedFailoverInitiated",
    "PlannedFailoverCompleting",
    "UnplannedFailoverInitiated",
    "UnplannedFailoverCompleting",
    "CommitFailoverInProgressOnPrimary",
    "CommitFailoverInProgressOnRecovery",
    "CancelFailoverInProgressOnPrimary",
    "CancelFailoverInProgressOnRecovery",
    "ChangeRecoveryPointInitiated",
    "ReprotectInitiated",
];
/// Test failover states during which an operation is in flight.
const TFO_IN_FLIGHT: &[&str] = &[
    "TestFailoverInitiated",
    "TestFailoverCompleting",
    "TestFailoverCleanupInitiated",
    "TestFailoverCleanupCompleting",
    "MarkedForDeletion",
];
/// A finished test failover that waits for its cleanup.
const TFO_NEEDS_CLEANUP: &[&str] = &[
    "TestFailoverCompleted",
    "TestFailoverFailed",
    "TestFailoverCompletionFailed",
];
/// A completed failover, not committed.
const FAILED_OVER: &[&str] = &[
    "PlannedFailoverCompleted",
    "UnplannedFailoverCompleted",
    "ChangeRecoveryPointCompleted",
    "ChangeRecoveryPointFailed",
];
const PLANNED_FAILED: &[&str] = &["PlannedFailoverFailed", "PlannedFailoverCompletionFailed"];
const UNPLANNED_FAILED: &[&str] = &[
    "UnplannedFailoverFailed",
    "UnplannedFailoverCompletionFailed",
];
const COMMIT_FAILED: &[&str] = &[
    "CommitFailoverFailedOnPrimary",
    "CommitFailoverFailedOnRecovery",
];
const CANCEL_FAILED: &[&str] = &[
    "CancelFailoverFailedOnPrimary",
    "CancelFailoverFailedOnRecovery",
];

fn is(s: &str, set: &[&str]) -> bool {
    set.contains(&s)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Enable,
    TestFailover,
    Cleanup,
    Planned,
    Unplanned,
    Commit,
    Cancel,
    ChangeRp,
    Reprotect,
    Resync,
    Disable,
    DisableForce,
    Failback,
}

const OPS: &[Op] = &[
    Op::Enable,
    Op::TestFailover,
    Op::Cleanup,
    Op::Planned,
    Op::Unplanned,
    Op::Commit,
    Op::Cancel,
    Op::ChangeRp,
    Op::Reprotect,
    Op::Resync,
    Op::Disable,
    Op::DisableForce,
    Op::Failback,
];

fn operation(op: Op) -> Operation {
    match op {
        Op::Enable => Operation::EnableProtection,
        Op::TestFailover => Operation::TestFailover {
            recovery_point: RecoveryPointChoice::LatestApplicationConsistent,
        },
        Op::Cleanup => Operation::CleanupTestFailover,
        Op::Planned => Operation::PlannedFailover {
            shutdown_source: true,
        },
        Op::Unplanned => Operation::UnplannedFailover {
            recovery_point: RecoveryPointChoice::LatestProcessed,
            shutdown_source: false,
        },
        Op::Commit => Operation::Commit,
        Op::Cancel => Operation::CancelFailover,
        Op::ChangeRp => Operation::ChangeRecoveryPoint {
            recovery_point: RecoveryPointChoice::Custom("rp-1".into()),
        },
        Op::Reprotect => Operation::Reprotect,
        Op::Resync => Operation::Resynchronize,
        Op::Disable => Operation::DisableProtection { force: false },
        Op::DisableForce => Operation::DisableProtection { force: true },
        Op::Failback => Operation::Failback {
            shutdown_source: false,
        },
    }
}

/// The expected verdict, from the documents' rules.
fn expected(ps: &str, tfo: &str, op: Op, failback: bool) -> bool {
    let known_ps = ProtectionState::KNOWN.iter().any(|k| k.as_str() == ps);
    let marker = ps.ends_with("StatesBegin") || ps.ends_with("StatesEnd");
    let in_flight = is(ps, PS_IN_FLIGHT) || is(tfo, TFO_IN_FLIGHT);
    // Disable: always with force; without force unless something is in flight.
    match op {
        Op::DisableForce => return true,
        Op::Disable => return !in_flight,
        _ => {}
    }
    // Nothing else while an operation is in flight, on a range marker or an unknown state.
    if in_flight || marker || !known_ps {
        return false;
    }
    // After a committed failback only disable remains [PROT].
    if ps == "CommitFailoverCompleted" && failback {
        return false;
    }
    let tfo_none = tfo == "None";
    match op {
        Op::Enable => ps == "EnablingFailed",
        Op::TestFailover => tfo_none && ps == "Protected",
        Op::Cleanup => is(tfo, TFO_NEEDS_CLEANUP),
        Op::Planned => tfo_none && (ps == "Protected" || is(ps, PLANNED_FAILED)),
        Op::Failback => failback && tfo_none && (ps == "Protected" || is(ps, PLANNED_FAILED)),
        Op::Unplanned => ps == "Protected" || is(ps, PLANNED_FAILED) || is(ps, UNPLANNED_FAILED),
        Op::Commit => is(ps, FAILED_OVER) || is(ps, COMMIT_FAILED),
        Op::Cancel => {
            is(ps, FAILED_OVER)
                || is(ps, PLANNED_FAILED)
                || is(ps, UNPLANNED_FAILED)
                || is(ps, CANCEL_FAILED)
        }
        Op::ChangeRp => is(ps, FAILED_OVER),
        Op::Reprotect => {
            ps == "ReprotectFailed"
                || (!failback && (is(ps, FAILED_OVER) || ps == "CommitFailoverCompleted"))
        }
        Op::Resync => !failback && (ps == "Protected" || ps == "InitialReplicationFailed"),
        Op::Disable | Op::DisableForce => unreachable!(),
    }
}

fn all_protection_states() -> Vec<ProtectionState> {
    let mut v = ProtectionState::KNOWN.to_vec();
    v.push(ProtectionState::parse("SomeFutureState"));
    v
}

fn all_test_failover_states() -> Vec<TestFailoverState> {
    let mut v = TestFailoverState::KNOWN.to_vec();
    v.push(TestFailoverState::parse("SomeFutureTestState"));
    v
}

#[test]
fn every_state_times_every_operation_matches_the_rule_table() {
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for ps in all_protection_states() {
        for tfo in all_test_failover_states() {
            for direction in [Direction::Forward, Direction::Failback] {
                let state = ItemState::new(ps.clone(), tfo.clone()).with_direction(direction);
                for &op in OPS {
                    let want = expected(
                        ps.as_str(),
                        tfo.as_str(),
                        op,
                        direction == Direction::Failback,
                    );
                    let got = lifecycle::check(&state, &operation(op));
                    checked += 1;
                    if got.is_ok() != want {
                        mismatches.push(format!(
                            "{ps} × {tfo} × {direction} × {op:?}: expected {}, got {}",
                            if want { "allowed" } else { "refused" },
                            match &got {
                                Ok(_) => "allowed".to_owned(),
                                Err(r) => format!("refused ({r})"),
                            }
                        ));
                    }
                    if let Err(r) = &got {
                        assert!(!r.reason.is_empty() && !r.remedy.is_empty(), "{r:?}");
                        assert!(!r.by_service);
                        assert_eq!(r.operation, operation(op).kind());
                        assert!(r.to_string().contains(ps.as_str()), "{r}");
                    }
                }
            }
        }
    }
    assert_eq!(checked, 53 * 10 * 2 * OPS.len());
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn allowed_operations_agrees_with_the_rule_table() {
    for ps in all_protection_states() {
        for tfo in all_test_failover_states() {
            for direction in [Direction::Forward, Direction::Failback] {
                let fb = direction == Direction::Failback;
                let state = ItemState::new(ps.clone(), tfo.clone()).with_direction(direction);
                let want: Vec<OperationKind> = OPS
                    .iter()
                    .filter(|op| **op != Op::Disable)
                    .filter(|op| expected(ps.as_str(), tfo.as_str(), **op, fb))
                    .map(|op| operation(*op).kind())
                    .collect();
                let mut want = want;
                want.sort();
                let mut got = lifecycle::allowed_operations(&state);
                got.sort();
                assert_eq!(got, want, "{ps} × {tfo} × {direction}");
            }
        }
    }
}

#[test]
fn an_absent_item_can_only_be_enabled() {
    let absent = ItemState::absent();
    assert_eq!(
        lifecycle::allowed_operations(&absent),
        vec![OperationKind::EnableProtection]
    );
    let r = lifecycle::check(&absent, &Operation::Commit).unwrap_err();
    assert!(r.remedy.contains("enable protection first"), "{r}");
}

#[test]
fn every_refusal_names_its_source() {
    for ps in all_protection_states() {
        let state = ItemState::new(ps, TestFailoverState::None);
        for &op in OPS {
            if let Err(r) = lifecycle::check(&state, &operation(op)) {
                assert!(
                    ["[PROT]", "[KI]", "[SPEC]", "[INFERRED]"]
                        .iter()
                        .any(|tag| r.rule.contains(tag)),
                    "{}",
                    r.rule
                );
            }
        }
    }
}

#[test]
fn the_table_does_not_depend_on_the_clock_or_the_choices() {
    // Recovery-point and shutdown choices do not change verdicts (except an empty custom id).
    let lc = Lifecycle::new().at(chrono::Utc::now());
    for ps in all_protection_states() {
        let s = ItemState::new(ps.clone(), TestFailoverState::None);
        for &op in OPS {
            assert_eq!(
                lc.check(&s, &operation(op)).is_ok(),
                lifecycle::check(&s, &operation(op)).is_ok(),
                "{ps} {op:?}"
            );
        }
    }
}

#[test]
fn docs_table_matches_the_state_machine() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/lifecycle.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let cell = |f: bool, b: bool| match (f, b) {
        (true, true) => "FB",
        (true, false) => "F",
        (false, true) => "B",
        (false, false) => "-",
    };
    let mut table = "";
    let mut rows = 0;
    for line in doc.lines() {
        if line.starts_with("| protectionState |") {
            table = "ps";
            continue;
        }
        if line.starts_with("| testFailoverState |") {
            table = "tfo";
            continue;
        }
        if !line.starts_with("| ") || table.is_empty() {
            if !line.starts_with('|') {
                table = "";
            }
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let (ps, tfo) = if table == "ps" {
            (ProtectionState::parse(cells[0]), TestFailoverState::None)
        } else {
            (
                ProtectionState::Protected,
                TestFailoverState::parse(cells[0]),
            )
        };
        assert!(!ps.is_unknown() && !tfo.is_unknown(), "{line}");
        let fwd = ItemState::new(ps.clone(), tfo.clone());
        let back = fwd.clone().with_direction(Direction::Failback);
        let f = lifecycle::allowed_operations(&fwd);
        let b = lifecycle::allowed_operations(&back);
        let want: Vec<&str> = OperationKind::ALL
            .iter()
            .map(|k| cell(f.contains(k), b.contains(k)))
            .collect();
        assert_eq!(cells[1..], want[..], "docs/lifecycle.md row: {line}");
        rows += 1;
    }
    // 34 real protection states (52 minus 18 range markers) + 9 test failover states.
    assert_eq!(rows, 34 + 9);
}
