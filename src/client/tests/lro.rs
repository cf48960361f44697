// Test code: this module is compiled only under #[cfg(test)] (see its parent module).
//! Long-running operations through each header kind, failures, max_wait and resuming.

use super::*;
use crate::client::{PollUpdate, PollerContinuation};
use crate::error::{Error, OperationOutcome};
use crate::model::ProtectedItem;
use futures_util::StreamExt;
use std::time::Duration;

fn op_url(id: &str) -> String {
    format!("{ARM}/subscriptions/s1/providers/Microsoft.DataReplication/locations/l/operationResults/{id}?api-version=2024-09-01")
}

fn new_item() -> ProtectedItem {
    serde_json::from_value(item("web01", "Protected", "None")).unwrap()
}

#[test]
fn put_follows_azure_async_operation_then_reads_the_resource() {
    let t = Scripted::new();
    let (c, timer) = client(t.clone());
    let first = with_header(
        with_header(
            json_response(201, item("web01", "EnablingProtection", "None")),
            "Azure-AsyncOperation",
            &op_url("1"),
        ),
        "Retry-After",
        "7",
    );
    t.expect(Method::Put, "/protectedItems/web01", Ok(first));
    t.ok(
        Method::Get,
        "/operationResults/1",
        200,
        json!({"status": "InProgress"}),
    );
    t.expect(
        Method::Get,
        "/operationResults/1",
        Ok(with_header(
            json_response(200, json!({"status": "Succeeded"})),
            "Retry-After",
            "0",
        )),
    );
    t.ok(
        Method::Get,
        "/protectedItems/web01",
        200,
        item("web01", "InitialReplicationInProgress", "None"),
    );

    let items = c.protected_items(&vault());
    let done =
        block_on(async { items.create_or_update("web01", &new_item()).await?.await }).unwrap();
    assert_eq!(
        done.properties.unwrap().protection_state.unwrap().as_str(),
        "InitialReplicationInProgress"
    );
    // Retry-After: 7 honoured, then the default interval (no header on the in-progress poll).
    assert_eq!(
        timer.sleeps(),
        vec![Duration::from_secs(7), Duration::from_secs(10)]
    );
    // The PUT body holds writable fields only.
    let put: Value = serde_json::from_slice(&t.requests()[0].body).unwrap();
    assert!(put["properties"].get("protectionState").is_none(), "{put}");
    assert_eq!(put["properties"]["policyName"], "policy1");
    t.assert_done();
}

#[test]
fn post_follows_location_then_reads_the_item() {
    let t = Scripted::new();
    let (c, timer) = client(t.clone());
    let loc = op_url("2");
    t.expect(
        Method::Post,
        "/protectedItems/web01/plannedFailover",
        Ok(with_header(
            with_header(Response::new(202), "Location", &loc),
            "Retry-After",
            "0",
        )),
    );
    t.expect(
        Method::Get,
        "/operationResults/2",
        Ok(with_header(Response::new(202), "Retry-After", "3")),
    );
    t.expect(Method::Get, "/operationResults/2", Ok(Response::new(204)));
    t.ok(
        Method::Get,
        "/protectedItems/web01",
        200,
        item("web01", "PlannedFailoverCompleted", "None"),
    );

    let items = c.protected_items(&vault()).unchecked();
    let done = block_on(async { items.planned_failover("web01", true).await?.await }).unwrap();
    assert_eq!(
        done.properties.unwrap().protection_state.unwrap().as_str(),
        "PlannedFailoverCompleted"
    );
    // Retry-After: 0 is raised to the minimum interval (1 s).
    assert_eq!(
        timer.sleeps(),
        vec![Duration::from_secs(1), Duration::from_secs(3)]
    );
    t.assert_done();
}

#[test]
fn put_without_headers_follows_the_provisioning_state() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    let mut creating = item("web01", "EnablingProtection", "None");
    creating["properties"]["provisioningState"] = json!("Creating");
    t.ok(Method::Put, "/protectedItems/web01", 201, creating.clone());
    t.ok(Method::Get, "/protectedItems/web01", 200, creating);
    t.ok(
        Method::Get,
        "/protectedItems/web01",
        200,
        item("web01", "InitialReplicationInProgress", "None"),
    );
    let items = c.protected_items(&vault());
    let mut updates = block_on(items.create_or_update("web01", &new_item()))
        .unwrap()
        .into_stream();
    let seen: Vec<_> = block_on(async {
        let mut v = Vec::new();
        while let Some(u) = updates.next().await {
            v.push(u.unwrap());
        }
        v
    });
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0],
        PollUpdate::InProgress {
            status: "Creating".into(),
            percent: None,
        }
    );
    assert!(matches!(&seen[1], PollUpdate::Succeeded(i) if i.name.as_deref() == Some("web01")));
    // The last poll was the resource itself: no extra GET.
    assert_eq!(t.requests().len(), 3);
    t.assert_done();
}

#[test]
fn a_finished_write_needs_no_poll() {
    let t = Scripted::new();
    let (c, timer) = client(t.clone());
    t.ok(
        Method::Put,
        "/protectedItems/web01",
        200,
        item("web01", "Protected", "None"),
    );
    let poller = block_on(
        c.protected_items(&vault())
            .create_or_update("web01", &new_item()),
    )
    .unwrap();
    assert!(poller.is_done());
    let done = block_on(poller.wait()).unwrap();
    assert_eq!(done.name.as_deref(), Some("web01"));
    assert!(timer.sleeps().is_empty());
    assert_eq!(t.requests().len(), 1);
}

#[test]
fn preview_reads_the_result_from_location() {
    let t = Scripted::new();
    let (c, _) = client_with(
        t.clone(),
        ApiVersion::V2021_02_16_Preview,
        PollingOptions::default(),
    );
    let loc = op_url("3");
    t.expect(
        Method::Post,
        "/protectedItems/web01/someAction",
        Ok(with_header(
            with_header(Response::new(202), "Azure-AsyncOperation", &op_url("3s")),
            "Location",
            &loc,
        )),
    );
    t.ok(
        Method::Get,
        "/operationResults/3s",
        200,
        json!({"status": "Succeeded"}),
    );
    t.ok(
        Method::Get,
        "/operationResults/3",
        200,
        json!({"properties": {"echo": 1}}),
    );
    let out = block_on(async {
        c.protected_items(&vault())
            .action("web01", "someAction", json!({}))
            .await?
            .await
    })
    .unwrap();
    assert_eq!(out, Some(json!({"properties": {"echo": 1}})));
    t.assert_done();
}

#[test]
fn a_failed_operation_carries_its_error_the_job_errors_and_health_errors() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    t.ok(
        Method::Get,
        "/protectedItems/web01",
        200,
        item("web01", "Protected", "None"),
    );
    t.expect(
        Method::Post,
        "/protectedItems/web01/testFailover",
        Ok(with_header(
            Response::new(202),
            "Azure-AsyncOperation",
            &op_url("4"),
        )),
    );
    t.ok(
        Method::Get,
        "/operationResults/4",
        200,
        json!({"status": "Failed", "error": {"code": "TestFailoverFailed", "message": "the test network is gone"}}),
    );
    let mut failed_item = item("web01", "Protected", "TestFailoverFailed");
    failed_item["properties"]["currentJob"] =
        json!({"id": format!("{VAULT}/jobs/job9"), "state": "Failed"});
    failed_item["properties"]["healthErrors"] =
        json!([{"code": "NetworkNotFound", "message": "vnet-test was deleted"}]);
    t.ok(Method::Get, "/protectedItems/web01", 200, failed_item);
    t.ok(
        Method::Get,
        "/jobs/job9",
        200,
        json!({"properties": {"errors": [{"code": "E1", "message": "could not attach NIC"}]}}),
    );
    let err = block_on(async {
        c.protected_items(&vault())
            .test_failover("web01", Default::default())
            .await?
            .await
    })
    .unwrap_err();
    let Error::OperationFailed(f) = &err else {
        panic!("expected OperationFailed, got {err:?}")
    };
    assert_eq!(f.outcome, OperationOutcome::Failed);
    assert_eq!(
        f.error.as_ref().unwrap().code.as_deref(),
        Some("TestFailoverFailed")
    );
    assert_eq!(f.job_errors[0]["message"], "could not attach NIC");
    assert_eq!(f.health_errors[0].code.as_deref(), Some("NetworkNotFound"));
    let shown = err.to_string();
    assert!(shown.contains("the test network is gone"), "{shown}");
    t.assert_done();
}

#[test]
fn a_canceled_delete_is_an_error() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    t.expect(
        Method::Delete,
        "/replicationPolicies/p1",
        Ok(with_header(
            Response::new(202),
            "Azure-AsyncOperation",
            &op_url("5"),
        )),
    );
    t.ok(
        Method::Get,
        "/operationResults/5",
        200,
        json!({"status": "Canceled"}),
    );
    let policies = c.handle::<Value>(VAULT, "replicationPolicies");
    let err = block_on(async { policies.delete("p1").await?.await }).unwrap_err();
    assert!(
        matches!(&err, Error::OperationFailed(f) if f.outcome == OperationOutcome::Canceled),
        "{err:?}"
    );
}

#[test]
fn max_wait_gives_up_with_a_continuation_that_resumes() {
    let t = Scripted::new();
    let (c, _) = client_with(
        t.clone(),
        ApiVersion::V2024_09_01,
        PollingOptions::default().with_max_wait(Some(Duration::from_secs(25))),
    );
    t.expect(
        Method::Delete,
        "/protectedItems/web01",
        Ok(with_header(Response::new(202), "Location", &op_url("6"))),
    );
    t.expect(Method::Get, "/operationResults/6", Ok(Response::new(202)));
    t.expect(Method::Get, "/operationResults/6", Ok(Response::new(202)));
    let err =
        block_on(async { c.protected_items(&vault()).delete("web01").await?.await }).unwrap_err();
    let Error::WaitTimedOut(w) = err else {
        panic!("expected WaitTimedOut, got {err:?}")
    };
    assert_eq!(w.waited, Duration::from_secs(20));
    assert!(w.to_string().contains("resume"), "{w}");

    // Saved as JSON, loaded by a restarted tool, resumed to the end.
    let saved = serde_json::to_string(w.continuation.as_ref().unwrap()).unwrap();
    let loaded: PollerContinuation = serde_json::from_str(&saved).unwrap();
    t.expect(Method::Get, "/operationResults/6", Ok(Response::new(204)));
    block_on(c.resume_poller::<()>(loaded).wait()).unwrap();
    t.assert_done();
}

#[test]
fn wait_until_reads_the_item_until_the_condition_holds() {
    use crate::lifecycle::conditions::{self, Condition};
    let t = Scripted::new();
    let (c, clock) = client(t.clone());
    t.expect(
        Method::Get,
        "/protectedItems/web01",
        Ok(with_header(
            json_response(200, item("web01", "InitialReplicationInProgress", "None")),
            "Retry-After",
            "60",
        )),
    );
    t.ok(
        Method::Get,
        "/protectedItems/web01",
        200,
        item("web01", "InitialReplicationInProgress", "None"),
    );
    t.ok(
        Method::Get,
        "/protectedItems/web01",
        200,
        item("web01", "Protected", "None"),
    );
    let items = c.protected_items(&vault());
    let ready = conditions::is_protected().or(conditions::has_failed());
    let got = block_on(items.wait_until("web01", ready)).unwrap().unwrap();
    assert_eq!(
        got.properties.unwrap().protection_state.unwrap().as_str(),
        "Protected"
    );
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_secs(60), Duration::from_secs(10)]
    );

    // Deleted: a 404 is `None`, which is_deleted accepts.
    t.ok(
        Method::Get,
        "/protectedItems/web01",
        404,
        json!({"error": {"code": "NotFound"}}),
    );
    assert!(
        block_on(items.wait_until("web01", conditions::is_deleted()))
            .unwrap()
            .is_none()
    );
    t.assert_done();
}

#[test]
fn a_delete_accepted_without_headers_is_followed_until_the_resource_is_gone() {
    let t = Scripted::new();
    let (c, clock) = client(t.clone());
    t.ok(Method::Delete, "/replicationPolicies/p1", 202, Value::Null);
    t.ok(
        Method::Get,
        "/replicationPolicies/p1",
        200,
        json!({"properties": {"provisioningState": "Deleting"}}),
    );
    t.ok(
        Method::Get,
        "/replicationPolicies/p1",
        404,
        json!({"error": {"code": "NotFound"}}),
    );
    let policies = c.handle::<Value>(VAULT, "replicationPolicies");
    let mut updates = block_on(policies.delete("p1")).unwrap().into_stream();
    let first = block_on(updates.next()).unwrap().unwrap();
    assert_eq!(
        first,
        PollUpdate::InProgress {
            status: "Deleting".into(),
            percent: None,
        }
    );
    let last = block_on(updates.next()).unwrap().unwrap();
    assert_eq!(last, PollUpdate::Succeeded(()));
    assert_eq!(clock.sleeps().len(), 2);
    t.assert_done();
}

#[test]
fn a_huge_min_interval_with_max_wait_times_out_instead_of_overflowing() {
    let t = Scripted::new();
    let (c, _) = client_with(
        t.clone(),
        ApiVersion::V2024_09_01,
        PollingOptions::default()
            .with_min_interval(Duration::MAX)
            .with_max_interval(Duration::MAX)
            .with_max_wait(Some(Duration::from_secs(25))),
    );
    t.expect(
        Method::Delete,
        "/protectedItems/web01",
        Ok(with_header(Response::new(202), "Location", &op_url("7"))),
    );
    let err =
        block_on(async { c.protected_items(&vault()).delete("web01").await?.await }).unwrap_err();
    assert!(matches!(err, Error::WaitTimedOut(_)), "{err:?}");
    t.assert_done();
}

#[test]
fn in_progress_updates_carry_the_progress_the_service_reports() {
    let t = Scripted::new();
    let (c, _timer) = client(t.clone());
    let first = with_header(
        json_response(201, item("web01", "EnablingProtection", "None")),
        "Azure-AsyncOperation",
        &op_url("p"),
    );
    t.expect(Method::Put, "/protectedItems/web01", Ok(first));
    t.ok(
        Method::Get,
        "/operationResults/p",
        200,
        json!({"status": "InProgress"}),
    );
    t.ok(
        Method::Get,
        "/operationResults/p",
        200,
        json!({"status": "InProgress", "percentComplete": 42.7}),
    );
    t.ok(
        Method::Get,
        "/operationResults/p",
        200,
        json!({"status": "Succeeded", "percentComplete": 100}),
    );
    t.ok(
        Method::Get,
        "/protectedItems/web01",
        200,
        item("web01", "Protected", "None"),
    );
    let items = c.protected_items(&vault());
    let mut updates = block_on(items.create_or_update("web01", &new_item()))
        .unwrap()
        .into_stream();
    let percents: Vec<Option<u8>> = block_on(async {
        let mut v = Vec::new();
        while let Some(u) = updates.next().await {
            if let PollUpdate::InProgress { percent, .. } = u.unwrap() {
                v.push(percent);
            }
        }
        v
    });
    // No figure in the first answer, 42 % in the second.
    assert_eq!(percents, vec![None, Some(42)]);
    t.assert_done();
}

#[test]
fn progress_is_read_from_status_bodies_and_items_and_clamped() {
    use crate::client::poller::progress_percent;
    let read = |v: Value| progress_percent(&serde_json::to_vec(&v).unwrap());
    assert_eq!(
        read(json!({"status": "InProgress", "percentComplete": 5})),
        Some(5)
    );
    assert_eq!(
        read(json!({"properties": {"customProperties": {
            "instanceType": "AzStackToAzStack",
            "initialReplicationProgressPercentage": 37
        }}})),
        Some(37)
    );
    assert_eq!(
        read(json!({"properties": {"customProperties": {"resyncProgressPercentage": 80}}})),
        Some(80)
    );
    assert_eq!(read(json!({"percentComplete": 250})), Some(100));
    assert_eq!(read(json!({"percentComplete": -3})), None);
    assert_eq!(read(json!({"percentComplete": "half"})), None);
    assert_eq!(read(json!({"status": "InProgress"})), None);
    assert_eq!(progress_percent(b"not json"), None);
    assert_eq!(progress_percent(b""), None);
}
