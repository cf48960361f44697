//! The pipeline over the shipped test kit: a scripted conversation, no network.

#![cfg(feature = "test-util")]

use azs_site_recovery::http::{lro, Method, Request};
use azs_site_recovery::pipeline::clock::ManualClock;
use azs_site_recovery::pipeline::Pipeline;
use azs_site_recovery::transport::{Expect, ReplayTransport, Reply};
use azs_site_recovery::ApiVersion;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

const ITEM: &str = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults/v1/protectedItems/web01";

#[tokio::test]
async fn a_failover_is_sent_once_and_followed_by_its_location() {
    let action = format!("{ITEM}/plannedFailover");
    let replay = Arc::new(
        ReplayTransport::new()
            .then(
                Expect::post(action.as_str())
                    .query("api-version", "2024-09-01")
                    .json_body(json!({"properties": {"customProperties": {"instanceType": "AzStackToAzStack", "shutdownSourceVM": true}}})),
                Reply::status(202)
                    .header("Location", "/subscriptions/s1/operationResults/op1?api-version=2024-09-01")
                    .header("Retry-After", "15"),
            )
            .then(Expect::get("/subscriptions/s1/operationResults/op1"), Reply::status(503))
            .then(Expect::get("/subscriptions/s1/operationResults/op1"), Reply::status(202))
            .then(Expect::get("/subscriptions/s1/operationResults/op1"), Reply::json(200, json!({"status": "Succeeded"}))),
    );
    let clock = ManualClock::default();
    let p = Pipeline::builder("https://arm.example/".parse().unwrap(), replay.clone())
        .clock(Arc::new(clock.clone()))
        .sleep(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let url = p.url(&action, &ApiVersion::V2024_09_01).unwrap();
    let body = json!({"properties": {"customProperties": {"instanceType": "AzStackToAzStack", "shutdownSourceVM": true}}});
    let first = p
        .send(Request::new(Method::Post, url.clone()).with_json(body.to_string().into_bytes()))
        .await
        .unwrap();
    let plan = lro::plan(Method::Post, &url, &first, None).unwrap();
    let lro::PollTarget::Location(poll) = plan.poll.clone() else {
        panic!("{plan:?}")
    };
    assert_eq!(plan.final_url.as_ref(), Some(&poll));
    let mut state = lro::LroStatus::InProgress("Accepted".into());
    while !state.is_terminal() {
        let r = p
            .send(Request::new(Method::Get, poll.clone()))
            .await
            .unwrap();
        state = lro::location_status(&r);
    }
    assert_eq!(state, lro::LroStatus::Succeeded);
    replay.assert_finished();
    assert_eq!(
        clock.sleeps().len(),
        1,
        "the 503 poll was retried once: {:?}",
        clock.sleeps()
    );
    assert!(clock.sleeps()[0] < Duration::from_secs(2));
}
