//! Scenario tests of the lifecycle (the exhaustive table lives in tests/lifecycle_table.rs).

use super::conditions::{self, Condition};
use super::*;
use crate::model::{
    Phase, ProtectedItem, ProtectedItemActiveLocation, ProtectedItemJob, ProtectionState,
    ResynchronizationState, TestFailoverState,
};
use chrono::{Duration, TimeZone, Utc};

fn item(json: &str) -> ProtectedItem {
    serde_json::from_str(json).unwrap()
}

fn state(ps: ProtectionState) -> ItemState {
    ItemState::new(ps, TestFailoverState::None)
}

/// Runs `op` from `s`, checks that every state passed through agrees with the direction
/// convention of `ItemState::derive_direction`, and returns the final state.
fn run(s: &ItemState, op: Operation) -> (ItemState, Transition) {
    let t = check(s, &op).unwrap_or_else(|r| panic!("{op} refused: {r}"));
    for st in t.states(s) {
        if st.exists && st.protection_state.phase() != Phase::Unprotected {
            assert_eq!(
                ItemState::derive_direction(&st.protection_state, st.active_location.as_ref()),
                st.direction,
                "{op}: {}",
                st.summary()
            );
        }
    }
    (t.final_state(s), t)
}

#[test]
fn a_whole_dr_drill_forward_and_back_ends_where_protection_cannot_be_re_enabled() {
    let s = ItemState::absent();
    let (s, _) = run(&s, Operation::EnableProtection);
    assert_eq!(s.protection_state, ProtectionState::Protected);
    assert_eq!(
        s.active_location,
        Some(ProtectedItemActiveLocation::Primary)
    );
    assert_eq!(s.direction, Direction::Forward);

    let (s, _) = run(
        &s,
        Operation::TestFailover {
            recovery_point: RecoveryPointChoice::Latest,
        },
    );
    assert_eq!(
        s.test_failover_state,
        TestFailoverState::TestFailoverCompleted
    );
    let (s, _) = run(&s, Operation::CleanupTestFailover);
    assert_eq!(s.test_failover_state, TestFailoverState::None);

    let (s, t) = run(
        &s,
        Operation::PlannedFailover {
            shutdown_source: true,
        },
    );
    assert!(!t.is_failback);
    assert_eq!(
        s.protection_state,
        ProtectionState::PlannedFailoverCompleted
    );
    assert_eq!(
        s.active_location,
        Some(ProtectedItemActiveLocation::Recovery)
    );

    let (s, _) = run(&s, Operation::Commit);
    assert_eq!(s.protection_state, ProtectionState::CommitFailoverCompleted);
    assert!(!s.is_failback_committed());
    assert!(!allowed_operations(&s).contains(&OperationKind::Failback));

    let (s, t) = run(&s, Operation::Reprotect);
    assert!(!t.commits_first);
    assert!(s.is_reprotected());
    assert!(allowed_operations(&s).contains(&OperationKind::Failback));
    assert!(!allowed_operations(&s).contains(&OperationKind::Reprotect));

    let (s, t) = run(
        &s,
        Operation::Failback {
            shutdown_source: true,
        },
    );
    assert!(t.is_failback);
    assert_eq!(
        s.active_location,
        Some(ProtectedItemActiveLocation::Primary)
    );

    let (s, t) = run(&s, Operation::Commit);
    assert!(t.notes.iter().any(|n| n.contains("cannot be re-enabled")));
    assert!(s.is_failback_committed());
    assert_eq!(
        allowed_operations(&s),
        vec![OperationKind::DisableProtection]
    );
    for op in [Operation::Reprotect, Operation::EnableProtection] {
        let r = check(&s, &op).unwrap_err();
        assert_eq!(r.remedy, REENABLE_AFTER_FAILBACK_GUIDANCE);
        assert_eq!(
            r.remedy,
            "disable protection, remove the agent (mobility service) from the VM, and then \
             enable protection again"
        );
        assert!(r.rule.contains("[PROT]"));
    }

    let (s, _) = run(&s, Operation::DisableProtection { force: false });
    assert!(!s.exists);
    assert_eq!(
        allowed_operations(&s),
        vec![OperationKind::EnableProtection]
    );
}

#[test]
fn re_protect_of_an_uncommitted_failover_commits_first_and_says_so() {
    let s = state(ProtectionState::UnplannedFailoverCompleted)
        .with_active_location(ProtectedItemActiveLocation::Recovery);
    let t = check(&s, &Operation::Reprotect).unwrap();
    assert!(t.commits_first);
    assert_eq!(
        t.steps[0].patch.protection_state,
        Some(ProtectionState::CommitFailoverInProgressOnPrimary)
    );
    assert!(
        t.notes.iter().any(|n| n.contains("takes longer")),
        "{:?}",
        t.notes
    );
    let states = t.states(&s);
    assert!(states
        .iter()
        .any(|x| x.protection_state == ProtectionState::ReprotectInitiated));
    assert!(t.final_state(&s).is_reprotected());
    // A failure while committing lands in the commit's failure state.
    assert_eq!(
        t.failed_state(&s, 1).protection_state,
        ProtectionState::CommitFailoverFailedOnRecovery
    );
}

#[test]
fn re_protect_of_an_uncommitted_failback_is_refused_with_the_guidance() {
    let s = state(ProtectionState::PlannedFailoverCompleted).with_direction(Direction::Failback);
    let r = check(&s, &Operation::Reprotect).unwrap_err();
    assert_eq!(r.remedy, REENABLE_AFTER_FAILBACK_GUIDANCE);
    assert!(check(&s, &Operation::Commit).is_ok());
}

#[test]
fn failures_land_in_the_matching_failed_state_and_can_be_retried() {
    let s = state(ProtectionState::Protected);
    let t = check(
        &s,
        &Operation::PlannedFailover {
            shutdown_source: false,
        },
    )
    .unwrap();
    assert_eq!(
        t.on_failure.protection_state,
        Some(ProtectionState::PlannedFailoverFailed)
    );
    let failed = t.failed_state(&s, 1);
    assert_eq!(
        failed.protection_state,
        ProtectionState::PlannedFailoverCompletionFailed
    );
    let retry = check(
        &failed,
        &Operation::PlannedFailover {
            shutdown_source: false,
        },
    )
    .unwrap();
    assert!(
        retry.notes.iter().any(|n| n.contains("retries")),
        "{:?}",
        retry.notes
    );

    let enable = check(&ItemState::absent(), &Operation::EnableProtection).unwrap();
    assert_eq!(
        enable
            .failed_state(&ItemState::absent(), 0)
            .protection_state,
        ProtectionState::EnablingFailed
    );
    assert_eq!(
        enable
            .failed_state(&ItemState::absent(), 2)
            .protection_state,
        ProtectionState::InitialReplicationFailed
    );
}

#[test]
fn a_running_job_allows_only_a_forced_disable() {
    let mut job: ProtectedItemJob =
        serde_json::from_str(r#"{"scenarioName": "TestFailover", "state": "Started"}"#).unwrap();
    let s = state(ProtectionState::Protected).with_current_job(job.clone());
    assert_eq!(
        allowed_operations(&s),
        vec![OperationKind::DisableProtection]
    );
    let r = check(&s, &Operation::DisableProtection { force: false }).unwrap_err();
    assert!(r.reason.contains("TestFailover"), "{r}");
    assert!(r.remedy.contains("force"), "{r}");
    assert!(check(&s, &Operation::DisableProtection { force: true }).is_ok());

    // The service listing `DisableProtection` (as it does when a forced one is allowed) does
    // not make a plain disable allowed while the job runs.
    let listed = s.clone().with_allowed_jobs(["DisableProtection"]);
    let r = check(&listed, &Operation::DisableProtection { force: false }).unwrap_err();
    assert!(r.remedy.contains("force"), "{r}");
    assert!(check(&listed, &Operation::DisableProtection { force: true }).is_ok());

    job.state = Some("Succeeded".into());
    let done = state(ProtectionState::Protected).with_current_job(job);
    assert!(check(&done, &Operation::Resynchronize).is_ok());
}

#[test]
fn allowed_jobs_has_the_final_word() {
    let s = state(ProtectionState::Protected).with_allowed_jobs(["PlannedFailover", "Mystery"]);
    // Locally allowed but not listed: refused by the service.
    let r = check(
        &s,
        &Operation::TestFailover {
            recovery_point: RecoveryPointChoice::Latest,
        },
    )
    .unwrap_err();
    assert!(r.by_service);
    assert!(r.reason.contains("PlannedFailover, Mystery"), "{r}");
    // Listed: allowed, and the unknown name is reported, not fatal.
    let t = check(
        &s,
        &Operation::PlannedFailover {
            shutdown_source: true,
        },
    )
    .unwrap();
    assert!(
        t.notes.iter().any(|n| n.contains("Mystery")),
        "{:?}",
        t.notes
    );
    // Failback still asserts the direction.
    assert!(
        !check(
            &s,
            &Operation::Failback {
                shutdown_source: true
            }
        )
        .unwrap_err()
        .by_service
    );

    // Locally refused but listed: allowed, with a note saying so.
    let s = state(ProtectionState::Protected).with_allowed_jobs(["commit-failover"]);
    let t = check(&s, &Operation::Commit).unwrap();
    assert!(t.notes[0].contains("local rules refuse"), "{:?}", t.notes);

    // Only unknown names: the local rules decide.
    let s = state(ProtectionState::Protected).with_allowed_jobs(["Frobnicate"]);
    assert!(allowed_operations(&s).contains(&OperationKind::TestFailover));
    assert!(check(&s, &Operation::Commit).is_err());

    // Ignoring allowedJobs.
    let s = state(ProtectionState::Protected).with_allowed_jobs(["Commit"]);
    assert!(Lifecycle::new()
        .ignoring_allowed_jobs()
        .check(&s, &Operation::Commit)
        .is_err());
}

#[test]
fn unplanned_failover_is_not_blocked_by_an_outstanding_test_failover() {
    let s = ItemState::new(
        ProtectionState::Protected,
        TestFailoverState::TestFailoverCompleted,
    );
    let t = check(
        &s,
        &Operation::UnplannedFailover {
            recovery_point: RecoveryPointChoice::LatestProcessed,
            shutdown_source: false,
        },
    )
    .unwrap();
    assert!(t.notes.iter().any(|n| n.contains("clean it up")));
    let r = check(
        &s,
        &Operation::PlannedFailover {
            shutdown_source: true,
        },
    )
    .unwrap_err();
    assert!(r.remedy.contains("clean up the test failover"), "{r}");
}

#[test]
fn resynchronizing_a_reprotected_item_is_refused_per_known_issues() {
    let s = state(ProtectionState::Protected).with_direction(Direction::Failback);
    let r = check(&s, &Operation::Resynchronize).unwrap_err();
    assert!(r.rule.contains("[KI]"));
    let fwd = state(ProtectionState::InitialReplicationFailed);
    let t = check(&fwd, &Operation::Resynchronize).unwrap();
    let end = t.final_state(&fwd);
    assert_eq!(end.protection_state, ProtectionState::Protected);
    assert_eq!(
        end.resynchronization_state,
        ResynchronizationState::ResynchronizationCompleted
    );
}

#[test]
fn an_empty_custom_recovery_point_is_refused() {
    let s = state(ProtectionState::Protected);
    let r = check(
        &s,
        &Operation::TestFailover {
            recovery_point: RecoveryPointChoice::Custom(" ".into()),
        },
    )
    .unwrap_err();
    assert!(r.reason.contains("custom recovery point"));
}

#[test]
fn the_180_day_test_failover_advice_uses_the_time_passed_in() {
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let op = Operation::PlannedFailover {
        shutdown_source: true,
    };
    let advice = |t: &Transition| t.notes.iter().any(|n| n.contains("180 days"));
    let old = state(ProtectionState::Protected)
        .with_last_successful_test_failover(now - Duration::days(200));
    let recent = state(ProtectionState::Protected)
        .with_last_successful_test_failover(now - Duration::days(10));
    assert!(advice(&Lifecycle::new().at(now).check(&old, &op).unwrap()));
    assert!(!advice(
        &Lifecycle::new().at(now).check(&recent, &op).unwrap()
    ));
    assert!(advice(
        &Lifecycle::new()
            .at(now)
            .check(&state(ProtectionState::Protected), &op)
            .unwrap()
    ));
    // No clock, no time-based advice.
    assert!(!advice(&check(&old, &op).unwrap()));
}

#[test]
fn refusals_read_well() {
    let s = ItemState::new(ProtectionState::Protected, TestFailoverState::None)
        .with_active_location(ProtectedItemActiveLocation::Primary);
    let r = check(&s, &Operation::Commit).unwrap_err();
    assert_eq!(
        r.to_string(),
        "commit refused: there is no completed failover to commit; the item is Protected \
         (protected phase) (current state: protectionState=Protected, testFailoverState=None, \
         direction=forward, activeLocation=Primary). What to do: allowed now: test failover, \
         planned failover, unplanned failover, resynchronize, disable protection"
    );
}

#[test]
fn from_item_reads_states_location_and_direction() {
    let i = item(
        r#"{"name": "vm1", "properties": {
            "protectionState": "Protected", "testFailoverState": "None",
            "resynchronizationState": "None", "allowedJobs": ["PlannedFailover"],
            "resyncRequired": false,
            "lastSuccessfulTestFailoverTime": "2026-01-01T00:00:00Z",
            "currentJob": {"scenarioName": "Reprotect", "state": "Succeeded"},
            "customProperties": {"instanceType": "AzStackToAzStack", "activeLocation": "Recovery"}
        }}"#,
    );
    let s = ItemState::from_item(&i);
    assert_eq!(
        s.active_location,
        Some(ProtectedItemActiveLocation::Recovery)
    );
    assert_eq!(s.direction, Direction::Failback);
    assert!(s.is_reprotected());
    assert!(!s.job_in_flight());
    assert_eq!(s.resync_required, Some(false));
    assert_eq!(
        s.allowed_jobs.as_deref(),
        Some(&["PlannedFailover".to_owned()][..])
    );
    assert!(s.last_successful_test_failover.is_some());
    assert!(check(
        &s,
        &Operation::Failback {
            shutdown_source: true
        }
    )
    .is_ok());

    let committed = item(
        r#"{"properties": {"protectionState": "CommitFailoverCompleted",
            "customProperties": {"instanceType": "AzStackToAzStack", "activeLocation": "Primary"}}}"#,
    );
    assert!(ItemState::from_item(&committed).is_failback_committed());
    let forward = item(
        r#"{"properties": {"protectionState": "CommitFailoverCompleted",
            "customProperties": {"instanceType": "AzStackToAzStack", "activeLocation": "Recovery"}}}"#,
    );
    assert!(!ItemState::from_item(&forward).is_failback_committed());
    assert!(check(&ItemState::from_item(&forward), &Operation::Reprotect).is_ok());

    let bare = ItemState::from_item(&item("{}"));
    assert!(bare.exists);
    assert_eq!(
        allowed_operations(&bare),
        vec![OperationKind::DisableProtection]
    );
    let r = check(&bare, &Operation::Commit).unwrap_err();
    assert!(
        r.reason.contains("does not report a protectionState"),
        "{r}"
    );
}

#[test]
fn wait_conditions_compose() {
    let protected =
        item(r#"{"properties": {"protectionState": "Protected", "testFailoverState": "None"}}"#);
    let ir = item(r#"{"properties": {"protectionState": "InitialReplicationInProgress"}}"#);
    let tfo = item(
        r#"{"properties": {"protectionState": "Protected", "testFailoverState": "TestFailoverCompleted"}}"#,
    );
    let failed_over = item(r#"{"properties": {"protectionState": "PlannedFailoverCompleted"}}"#);
    let committed = item(r#"{"properties": {"protectionState": "CommitFailoverCompleted"}}"#);
    let reprotected = item(
        r#"{"properties": {"protectionState": "Protected",
            "customProperties": {"instanceType": "AzStackToAzStack", "activeLocation": "Recovery"}}}"#,
    );
    let failed = item(r#"{"properties": {"protectionState": "ReprotectFailed"}}"#);

    assert!(conditions::is_protected().matches(Some(&protected)));
    assert!(!conditions::is_protected().matches(Some(&ir)));
    assert!(!conditions::is_protected().matches(None));
    assert!(conditions::initial_replication_done().matches(Some(&protected)));
    assert!(conditions::initial_replication_done().matches(Some(&committed)));
    assert!(!conditions::initial_replication_done().matches(Some(&ir)));
    assert!(conditions::test_failover_completed().matches(Some(&tfo)));
    assert!(!conditions::test_failover_cleaned_up().matches(Some(&tfo)));
    assert!(conditions::failover_completed().matches(Some(&failed_over)));
    assert!(conditions::failover_committed().matches(Some(&committed)));
    assert!(conditions::is_reprotected().matches(Some(&reprotected)));
    assert!(!conditions::is_reprotected().matches(Some(&protected)));
    assert!(conditions::has_failed().matches(Some(&failed)));
    assert!(!conditions::is_settled().matches(Some(&ir)));
    assert!(conditions::is_deleted().matches(None));
    assert!(!conditions::is_deleted().matches(Some(&protected)));

    // Combinators and closures.
    let done_or_gone = conditions::failover_committed().or(conditions::is_deleted());
    assert!(done_or_gone.matches(None));
    assert!(done_or_gone.matches(Some(&committed)));
    assert!(!done_or_gone.matches(Some(&protected)));
    let ready = conditions::is_protected()
        .and(conditions::has_failed().not())
        .and(|i: Option<&ProtectedItem>| i.and_then(|i| i.name.as_deref()).is_none());
    assert!(ready.matches(Some(&protected)));
    type Predicate = Box<dyn Fn(Option<&ProtectedItem>) -> bool>;
    let boxed: Predicate = Box::new(|i| i.is_none());
    assert!(boxed.matches(None));
    assert!(conditions::state_is(|s| s.protection_state.is_failed()).matches(Some(&failed)));
}
