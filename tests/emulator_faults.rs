//! Each injected fault, and that faults are deterministic by seed.

#![cfg(feature = "emulator")]

mod emulator_support;

use azs_site_recovery::emulator::{ClockMode, Emulator, Fault, RequestMatch, Scenario, Trigger};
use azs_site_recovery::http::{Method, Request};
use azs_site_recovery::transport::{Transport, TransportErrorKind};
use emulator_support::*;
use serde_json::json;
use std::time::Duration;

fn seeded() -> Emulator {
    Emulator::new(
        Scenario::builder()
            .seed_vault(true)
            .clock_mode(ClockMode::Auto)
            .build(),
    )
}

#[test]
fn throttling_answers_429_with_retry_after_then_recovers() {
    let raw = Raw::new(seeded(), GA);
    raw.emu.inject(Fault::Throttle {
        matching: RequestMatch::any()
            .method(Method::Get)
            .path_contains("/replicationVaults/"),
        trigger: Trigger::Times(2),
        retry_after: Duration::from_secs(7),
    });
    for _ in 0..2 {
        let a = raw.get(&raw.vault());
        assert_eq!((a.status, a.code()), (429, "TooManyRequests"));
        assert_eq!(a.header("Retry-After"), Some("7"));
    }
    assert_eq!(raw.get(&raw.vault()).status, 200);
}

#[test]
fn server_errors_do_not_change_state() {
    let raw = Raw::new(seeded(), GA);
    raw.emu.inject(Fault::server_error(
        RequestMatch::any().method(Method::Put),
        1,
    ));
    let a = raw.put(&raw.item_path("web01"), raw.enable_body("web-01"));
    assert_eq!((a.status, a.code()), (503, "ServiceUnavailable"));
    assert_eq!(
        raw.get(&raw.item_path("web01")).status,
        404,
        "nothing was created"
    );
    assert_eq!(
        raw.put(&raw.item_path("web01"), raw.enable_body("web-01"))
            .status,
        201
    );
}

#[tokio::test]
async fn dropped_connections_say_how_far_the_request_got() {
    let emu = seeded();
    let raw = Raw::new(emu.clone(), GA);
    raw.protect("web-01", "web01");
    raw.emu.advance(Duration::from_secs(600));
    let url = raw.url(&format!("{}/plannedFailover", raw.item_path("web01")));
    let req = Request::new(Method::Post, url.parse().unwrap())
        .with_json(serde_json::to_vec(&json!({ "properties": { "customProperties": { "instanceType": "AzStackToAzStack" } } })).unwrap());

    // Lost on the way: nothing happens.
    emu.inject(Fault::drop_connection(
        RequestMatch::any().path_contains("/plannedFailover"),
        TransportErrorKind::MaybeSent,
        1,
    ));
    let err = emu.send(&req).await.unwrap_err();
    assert_eq!(err.kind(), TransportErrorKind::MaybeSent);
    assert_eq!(
        raw.get(&raw.item_path("web01")).body["properties"]["protectionState"],
        "Protected"
    );

    // Answer lost: the failover started anyway, so a blind resend is refused.
    emu.inject(Fault::drop_connection(
        RequestMatch::any().path_contains("/plannedFailover"),
        TransportErrorKind::ResponseUnreadable,
        1,
    ));
    let err = emu.send(&req).await.unwrap_err();
    assert_eq!(err.kind(), TransportErrorKind::ResponseUnreadable);
    let p = raw.get(&raw.item_path("web01")).body["properties"].clone();
    assert_eq!(p["protectionState"], "PlannedFailoverInitiated");
    let again = emu.send(&req).await.unwrap();
    assert_eq!(again.status, 409);

    // `handle` reports a drop as a 502 with a marker header.
    emu.inject(Fault::drop_connection(
        RequestMatch::any(),
        TransportErrorKind::MaybeSent,
        1,
    ));
    let r = emu.handle(&Request::new(
        Method::Get,
        raw.url(&raw.vault()).parse().unwrap(),
    ));
    assert_eq!(r.status, 502);
    assert_eq!(r.headers.get("x-ms-emulator-dropped"), Some("maybe-sent"));
}

#[test]
fn a_job_fails_at_the_requested_step() {
    let raw = Raw::new(seeded(), GA);
    raw.protect("web-01", "web01");
    raw.emu.advance(Duration::from_secs(600));
    raw.emu.inject(Fault::FailJob {
        scenario: Some("TestFailover".into()),
        step: 1,
        code: "TestVmCreationFailed".into(),
        message: "The test VM could not be created.".into(),
    });
    let a = raw.post(
        &format!("{}/testFailover", raw.item_path("web01")),
        json!({}),
    );
    assert_eq!(raw.wait(&a), "400");
    let end = raw.get(a.header("Location").unwrap());
    assert_eq!(end.code(), "TestVmCreationFailed");
    let item = raw.get(&raw.item_path("web01")).body;
    assert_eq!(
        item["properties"]["testFailoverState"],
        "TestFailoverFailed"
    );
    assert_eq!(item["properties"]["replicationHealth"], "Critical");
    assert_eq!(
        item["properties"]["healthErrors"][0]["code"],
        "TestVmCreationFailed"
    );
    assert_eq!(item["properties"]["lastTestFailoverJob"]["state"], "Failed");
    let job = raw
        .get(
            item["properties"]["lastTestFailoverJob"]["id"]
                .as_str()
                .unwrap(),
        )
        .body;
    let tasks = job["properties"]["tasks"].as_array().unwrap();
    assert_eq!(tasks[0]["state"], "Succeeded");
    assert_eq!(tasks[1]["state"], "Failed");
    assert_eq!(tasks[2]["state"], "Cancelled");
    assert_eq!(
        job["properties"]["errors"][0]["code"],
        "TestVmCreationFailed"
    );
    // Only once: the cleanup and a new test failover then work.
    assert_eq!(raw.action("web01", "testFailoverCleanup", json!({})), "200");
    assert_eq!(raw.action("web01", "testFailover", json!({})), "200");
}

#[test]
fn an_unresponsive_appliance_shows_and_blocks_enabling() {
    let raw = Raw::new(seeded(), PREVIEW);
    let t = raw.emu.topology().clone();
    raw.emu.advance(Duration::from_secs(3600));
    raw.emu.inject(Fault::UnresponsiveAppliance);
    raw.emu.set_clock_mode(ClockMode::Manual);
    raw.emu.advance(Duration::from_secs(3600));
    let agent = raw.get(&t.appliance_id).body;
    assert_eq!(agent["properties"]["isResponsive"], false);
    assert_eq!(
        agent["properties"]["lastHeartbeat"], "2026-01-01T01:00:00.0000000Z",
        "the heartbeat stopped"
    );
    assert_eq!(
        agent["properties"]["healthErrors"][0]["code"],
        "FabricAgentNotResponsive"
    );
    let fabric = raw.get(&t.source_fabric_id).body;
    assert_eq!(fabric["properties"]["health"], "Critical");
    assert_eq!(
        raw.get(&t.target_fabric_id).body["properties"]["health"],
        "Normal"
    );
    raw.emu.set_clock_mode(ClockMode::Auto);
    let a = raw.put(&raw.item_path("web01"), raw.enable_body("web-01"));
    assert_eq!(a.status, 201);
    assert_eq!(raw.wait(&a), "Failed");
    let item = raw.get(&raw.item_path("web01")).body;
    assert_eq!(item["properties"]["protectionState"], "EnablingFailed");
    assert_eq!(
        item["properties"]["lastFailedEnableProtectionJob"]["state"],
        "Failed"
    );
    // The appliance comes back: enabling again (PUT) works.
    raw.emu.set_appliance_responsive(true);
    assert_eq!(
        raw.get(&t.appliance_id).body["properties"]["isResponsive"],
        true
    );
    let a = raw.put(&raw.item_path("web01"), raw.enable_body("web-01"));
    assert_eq!(
        a.status, 201,
        "re-enable after EnablingFailed starts an operation: {a:?}"
    );
    assert_eq!(raw.wait(&a), "Succeeded");
}

#[test]
fn a_missing_target_network_is_seen_everywhere() {
    let raw = Raw::new(seeded(), GA);
    let t = raw.emu.topology().clone();
    let dr = t.target_network_id("dr-vnet").unwrap().to_owned();
    raw.protect("web-01", "web01");
    raw.emu.advance(Duration::from_secs(600));
    raw.emu.inject(Fault::MissingTargetNetwork {
        name: "dr-vnet".into(),
    });
    assert_eq!(raw.get(&dr).status, 404);
    let list = raw
        .get(&format!(
            "/subscriptions/{}/providers/Microsoft.Network/virtualNetworks",
            t.target_subscription
        ))
        .body;
    assert_eq!(list["value"].as_array().unwrap().len(), 1);
    let a = raw.put(&raw.item_path("web02"), raw.enable_body("web-02"));
    assert_eq!((a.status, a.code()), (400, "LinkedResourceNotFound"));
    let a = raw.post(
        &format!("{}/unplannedFailover", raw.item_path("web01")),
        json!({}),
    );
    assert_eq!(raw.wait(&a), "400");
    assert_eq!(
        raw.get(a.header("Location").unwrap()).code(),
        "TargetNetworkNotFound"
    );
    assert_eq!(
        raw.get(&raw.item_path("web01")).body["properties"]["protectionState"],
        "UnplannedFailoverFailed"
    );
    // The network comes back: the failover can be retried.
    let restored = raw.emu.add_target_network(
        azs_site_recovery::emulator::VirtualNetwork::new("dr-vnet", "dr-rg", "10.20.0.0/16")
            .subnet("default", "10.20.0.0/24"),
    );
    assert_eq!(restored, dr);
    assert_eq!(raw.action("web01", "unplannedFailover", json!({})), "200");
    assert_eq!(
        raw.get(&raw.item_path("web01")).body["properties"]["protectionState"],
        "UnplannedFailoverCompleted"
    );
}

#[test]
fn probabilistic_faults_are_deterministic_by_seed() {
    let run = |seed: u64| -> Vec<u16> {
        let emu = Emulator::new(Scenario::builder().seed(seed).build());
        emu.inject(Fault::ServerError {
            matching: RequestMatch::any(),
            trigger: Trigger::Probability(0.5),
            status: 500,
        });
        let raw = Raw::new(emu, GA);
        (0..40)
            .map(|_| raw.get(&raw.emu.topology().source_fabric_id).status)
            .collect()
    };
    let a = run(1);
    assert_eq!(a, run(1));
    assert_ne!(a, run(2));
    let failures = a.iter().filter(|s| **s == 500).count();
    assert!((8..=32).contains(&failures), "{failures}");
}

#[test]
fn scenario_faults_apply_from_the_start() {
    let emu = Emulator::new(
        Scenario::builder()
            .fault(Fault::throttle(RequestMatch::any(), 1))
            .build(),
    );
    let raw = Raw::new(emu, GA);
    assert_eq!(raw.get(&raw.emu.topology().source_fabric_id).status, 429);
    assert_eq!(raw.get(&raw.emu.topology().source_fabric_id).status, 200);
}
