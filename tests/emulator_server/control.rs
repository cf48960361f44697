//! The `/_emulator` control endpoint over HTTP.

use crate::send;
use azs_site_recovery::emulator::{ClockMode, Emulator, EmulatorServer, Scenario};
use azs_site_recovery::http::{Method, Request};
use azs_site_recovery::transport::{ReqwestTransport, Transport};
use serde_json::json;

#[tokio::test]
async fn the_control_endpoint_moves_time_and_injects_faults_over_http() {
    let emu = Emulator::new(Scenario::builder().seed_vault(true).build());
    let server = EmulatorServer::start(emu.clone(), "127.0.0.1:0").unwrap();
    let base = server.base_url();
    let http = ReqwestTransport::new().unwrap();
    let t = emu.topology().clone();

    let (status, s) = send(&http, Method::Get, &format!("{base}/_emulator/state"), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (s["now"].as_str(), s["clockMode"].as_str()),
        (Some("2026-01-01T00:00:00Z"), Some("manual"))
    );
    assert_eq!(s["applianceFreeSlots"], 31);
    assert_eq!(
        s["vms"].as_array().unwrap().len(),
        13,
        "12 source VMs and the appliance"
    );

    let (status, s) = send(
        &http,
        Method::Post,
        &format!("{base}/_emulator/advance?seconds=5400"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(s["now"], "2026-01-01T01:30:00Z");
    assert_eq!(emu.now().to_rfc3339(), "2026-01-01T01:30:00+00:00");

    let (status, s) = send(
        &http,
        Method::Post,
        &format!("{base}/_emulator/clock?mode=auto"),
        None,
    )
    .await;
    assert_eq!((status, s["clockMode"].as_str()), (200, Some("auto")));
    assert_eq!(emu.clock_mode(), ClockMode::Auto);

    // A throttle for GETs of fabrics, twice: ARM answers 429 twice, then serves again.
    let fabric = format!("{base}{}?api-version=2024-09-01", t.source_fabric_id);
    let fault = json!({ "kind": "throttle", "method": "GET", "pathContains": "/replicationFabrics/", "times": 2, "retryAfterSeconds": 7 });
    let (status, _) = send(
        &http,
        Method::Post,
        &format!("{base}/_emulator/faults"),
        Some(fault),
    )
    .await;
    assert_eq!(status, 201);
    let r = http
        .send(&Request::new(Method::Get, fabric.parse().unwrap()))
        .await
        .unwrap();
    assert_eq!((r.status, r.headers.get("Retry-After")), (429, Some("7")));
    // Control requests are never faulted.
    let (status, _) = send(&http, Method::Get, &format!("{base}/_emulator/state"), None).await;
    assert_eq!(status, 200);
    assert_eq!(send(&http, Method::Get, &fabric, None).await.0, 429);
    assert_eq!(send(&http, Method::Get, &fabric, None).await.0, 200);

    // An always-on server error until the faults are cleared.
    let fault = json!({ "kind": "serverError", "status": 500, "always": true, "method": "GET" });
    send(
        &http,
        Method::Post,
        &format!("{base}/_emulator/faults"),
        Some(fault),
    )
    .await;
    assert_eq!(send(&http, Method::Get, &fabric, None).await.0, 500);
    assert_eq!(send(&http, Method::Get, &fabric, None).await.0, 500);
    assert_eq!(
        send(
            &http,
            Method::Delete,
            &format!("{base}/_emulator/faults"),
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(send(&http, Method::Get, &fabric, None).await.0, 200);

    // State faults: the appliance stops answering, then comes back.
    send(
        &http,
        Method::Post,
        &format!("{base}/_emulator/faults"),
        Some(json!({ "kind": "unresponsiveAppliance" })),
    )
    .await;
    let agent = format!("{base}{}?api-version=2024-09-01", t.appliance_id);
    assert_eq!(
        send(&http, Method::Get, &agent, None).await.1["properties"]["isResponsive"],
        false
    );
    send(
        &http,
        Method::Post,
        &format!("{base}/_emulator/appliance?responsive=true"),
        None,
    )
    .await;
    assert_eq!(
        send(&http, Method::Get, &agent, None).await.1["properties"]["isResponsive"],
        true
    );
    send(
        &http,
        Method::Post,
        &format!("{base}/_emulator/faults"),
        Some(json!({ "kind": "missingTargetNetwork", "name": "dr-vnet" })),
    )
    .await;
    let vnet = format!(
        "{base}{}?api-version=2023-09-01",
        t.target_network_id("dr-vnet").unwrap()
    );
    assert_eq!(send(&http, Method::Get, &vnet, None).await.0, 404);

    // Mistakes are ARM-shaped and say what to do.
    for (method, path, body, status, code, says) in [
        (
            Method::Post,
            "advance",
            None,
            400,
            "InvalidControlRequest",
            "?seconds=N",
        ),
        (
            Method::Post,
            "advance?seconds=soon",
            None,
            400,
            "InvalidControlRequest",
            "'soon'",
        ),
        (
            Method::Post,
            "clock?mode=fast",
            None,
            400,
            "InvalidControlRequest",
            "auto or ?mode=manual",
        ),
        (
            Method::Post,
            "faults",
            Some(json!({ "kind": "earthquake" })),
            400,
            "InvalidControlRequest",
            "Unknown fault kind 'earthquake'",
        ),
        (
            Method::Post,
            "faults",
            Some(json!({ "kind": "serverError", "status": 404 })),
            400,
            "InvalidControlRequest",
            "must be 5xx",
        ),
        (
            Method::Post,
            "faults",
            Some(json!({ "kind": "missingTargetNetwork" })),
            400,
            "InvalidControlRequest",
            "needs \"name\"",
        ),
        (
            Method::Get,
            "reboot",
            None,
            404,
            "UnknownControlPath",
            "advance?seconds=N",
        ),
    ] {
        let (st, v) = send(&http, method, &format!("{base}/_emulator/{path}"), body).await;
        assert_eq!(st, status, "{path}: {v}");
        assert_eq!(v["error"]["code"], code, "{path}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(says),
            "{path}: {v}"
        );
    }
    let (st, v) = send(
        &http,
        Method::Post,
        &format!("{base}/_emulator/run-until-idle"),
        None,
    )
    .await;
    assert_eq!(
        (st, v["advancedSeconds"].as_u64()),
        (200, Some(0)),
        "nothing pending: {v}"
    );
    server.shutdown();
}
