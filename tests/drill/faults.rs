//! Each fault survived by the client's retries and polls: nothing lost, nothing duplicated,
//! failed operations retryable.

use crate::{state, Env};
use azs_site_recovery::emulator::{Fault, RequestMatch, VirtualNetwork};
use azs_site_recovery::http::Method;
use azs_site_recovery::lifecycle::conditions::{self, Condition};
use azs_site_recovery::lifecycle::RecoveryPointChoice;
use azs_site_recovery::model::ProtectionState;
use azs_site_recovery::transport::TransportErrorKind;
use azs_site_recovery::Error;

both_transports! {
    throttling_and_server_errors_are_retried => crate::seeded();
    a_dropped_connection_loses_nothing_and_duplicates_nothing => crate::seeded();
    a_job_failing_at_a_step_is_reported_and_retryable => crate::seeded();
    an_unresponsive_appliance_fails_enabling_until_it_is_back => crate::seeded();
    a_missing_target_network_fails_the_failover_until_it_is_back => crate::seeded();
}

async fn throttling_and_server_errors_are_retried(e: Env) {
    let via = e.via;
    // Reads, the enable PUT and an action POST are throttled or fail with 503 first.
    e.emu
        .inject(Fault::throttle(RequestMatch::any().method(Method::Get), 3));
    e.emu.inject(Fault::server_error(
        RequestMatch::any()
            .method(Method::Put)
            .path_contains("/protectedItems/"),
        2,
    ));
    let item = e.protect("web-01", "web01").await;
    assert_eq!(state(&item), ProtectionState::Protected, "{via}");
    e.emu.inject(Fault::throttle(
        RequestMatch::any()
            .method(Method::Post)
            .path_contains("/testFailover"),
        2,
    ));
    let item = e
        .items()
        .test_failover("web01", RecoveryPointChoice::Latest)
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(
        conditions::test_failover_completed().matches(Some(&item)),
        "{via}"
    );
    // Nothing lost, nothing duplicated.
    assert_eq!(e.all_items().await.len(), 1, "{via}");
    assert_eq!(e.jobs("web01", "Enable protection").await.len(), 1, "{via}");
    assert_eq!(e.jobs("web01", "Test failover").await.len(), 1, "{via}");
}

async fn a_dropped_connection_loses_nothing_and_duplicates_nothing(e: Env) {
    let via = e.via;
    // A PUT lost on the way is resent (idempotent) and protects once.
    e.emu.inject(Fault::drop_connection(
        RequestMatch::any().method(Method::Put),
        TransportErrorKind::MaybeSent,
        1,
    ));
    e.protect("web-01", "web01").await;
    assert_eq!(e.all_items().await.len(), 1, "{via}");

    // Reads lost on the way (the lifecycle check's GET, the polls) are simply read again.
    e.emu.inject(Fault::drop_connection(
        RequestMatch::any().method(Method::Get),
        TransportErrorKind::MaybeSent,
        2,
    ));
    let item = e
        .items()
        .test_failover("web01", RecoveryPointChoice::Latest)
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(
        conditions::test_failover_completed().matches(Some(&item)),
        "{via}"
    );
    e.items()
        .cleanup_test_failover("web01")
        .await
        .unwrap()
        .await
        .unwrap();

    // A failover whose answer is lost was started: the client does not resend it, says it may
    // have been sent, and the item tells what happened. Trying again is refused by the
    // lifecycle (the failover is done): one failover job, not two.
    e.emu.inject(Fault::drop_connection(
        RequestMatch::any()
            .method(Method::Post)
            .path_contains("/plannedFailover"),
        TransportErrorKind::ResponseUnreadable,
        1,
    ));
    let items = e.items();
    let err = items.planned_failover("web01", true).await.unwrap_err();
    assert!(
        err.transport_error().is_some() && !err.is_not_sent(),
        "{via}: {err:?}"
    );
    let item = items
        .wait_until("web01", conditions::is_settled())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        state(&item),
        ProtectionState::PlannedFailoverCompleted,
        "{via}"
    );
    let again = items.planned_failover("web01", true).await.unwrap_err();
    assert!(matches!(again, Error::Refused(_)), "{via}: {again}");
    assert_eq!(e.jobs("web01", "Planned failover").await.len(), 1, "{via}");
    items.commit("web01").await.unwrap().await.unwrap();
}

async fn a_job_failing_at_a_step_is_reported_and_retryable(e: Env) {
    let via = e.via;
    e.protect("web-01", "web01").await;
    e.emu.inject(Fault::FailJob {
        scenario: Some("TestFailover".into()),
        step: 1,
        code: "TestVmCreationFailed".into(),
        message: "The test VM could not be created.".into(),
    });
    let items = e.items();
    let err = items
        .test_failover("web01", RecoveryPointChoice::LatestProcessed)
        .await
        .unwrap()
        .await
        .unwrap_err();
    let Error::OperationFailed(f) = &err else {
        panic!("{via}: expected an operation failure, got {err}")
    };
    assert_eq!(
        f.error.as_ref().and_then(|e| e.code.as_deref()),
        Some("TestVmCreationFailed"),
        "{via}: {f}"
    );
    assert!(!f.job_errors.is_empty(), "{via}: the job's errors: {f}");
    assert!(
        f.health_errors
            .iter()
            .any(|h| h.code.as_deref() == Some("TestVmCreationFailed")),
        "{via}: {f:?}"
    );
    let item = e.item("web01").await;
    assert!(conditions::has_failed().matches(Some(&item)), "{via}");
    // Clean up the failed attempt, then it works: nothing is stuck.
    items
        .cleanup_test_failover("web01")
        .await
        .unwrap()
        .await
        .unwrap();
    let item = items
        .test_failover("web01", RecoveryPointChoice::LatestProcessed)
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(
        conditions::test_failover_completed().matches(Some(&item)),
        "{via}"
    );
    assert_eq!(e.jobs("web01", "Test failover").await.len(), 2, "{via}");
}

async fn an_unresponsive_appliance_fails_enabling_until_it_is_back(e: Env) {
    let via = e.via;
    e.emu.inject(Fault::UnresponsiveAppliance);
    let items = e.items();
    let started = items.create_or_update("web01", &e.new_item("web-01")).await;
    let err = match started {
        Ok(poller) => poller.await.unwrap_err(),
        Err(err) => err,
    };
    assert!(
        err.to_string().to_ascii_lowercase().contains("appliance"),
        "{via}: {err}"
    );
    // The appliance comes back: enabling again (the same PUT) protects the VM, once.
    e.emu.set_appliance_responsive(true);
    let item = e.protect("web-01", "web01").await;
    assert_eq!(state(&item), ProtectionState::Protected, "{via}");
    assert_eq!(e.all_items().await.len(), 1, "{via}");
}

async fn a_missing_target_network_fails_the_failover_until_it_is_back(e: Env) {
    let via = e.via;
    e.protect("app-01", "app01").await;
    e.emu.inject(Fault::MissingTargetNetwork {
        name: "dr-vnet".into(),
    });
    let items = e.items();
    let err = items
        .planned_failover("app01", true)
        .await
        .unwrap()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::OperationFailed(_)), "{via}: {err}");
    assert!(
        err.to_string().contains("dr-vnet") || format!("{err:?}").contains("dr-vnet"),
        "{via}: {err:?}"
    );
    e.emu.add_target_network(
        VirtualNetwork::new("dr-vnet", "dr-rg", "10.20.0.0/16").subnet("default", "10.20.0.0/24"),
    );
    let item = items
        .planned_failover("app01", true)
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(
        state(&item),
        ProtectionState::PlannedFailoverCompleted,
        "{via}"
    );
    assert!(e.has_vm("app-01"), "{via}");
}
