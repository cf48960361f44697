//! The emulator over loopback HTTP, driven by the crate's reqwest transport and by raw sockets.
#![cfg(all(feature = "emulator-server", feature = "reqwest"))]

use azs_site_recovery::emulator::{
    ClockMode, Emulator, EmulatorServer, Fault, RequestMatch, Scenario,
};
use azs_site_recovery::http::{Method, Request};
use azs_site_recovery::transport::ReqwestTransport;
use azs_site_recovery::transport::{Transport, TransportErrorKind};
use serde_json::{json, Value};
use std::io::{Read, Write};

fn server() -> (Emulator, EmulatorServer) {
    let emu = Emulator::new(
        Scenario::builder()
            .seed_vault(true)
            .clock_mode(ClockMode::Auto)
            .page_size(5)
            .build(),
    );
    let server = EmulatorServer::start(emu.clone(), "127.0.0.1:0").unwrap();
    (emu, server)
}

#[tokio::test]
async fn a_client_over_http_sees_the_same_service() {
    let (emu, server) = server();
    let t = emu.topology().clone();
    let http = ReqwestTransport::new().unwrap();
    let base = server.base_url();

    // Paging: nextLink points back at the listener.
    let url = format!("{base}/subscriptions/{}/providers/Microsoft.Compute/virtualMachines?api-version=2020-06-01", t.source_subscription);
    let r = http
        .send(&Request::new(Method::Get, url.parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    let page: Value = serde_json::from_slice(&r.body).unwrap();
    let next = page["nextLink"].as_str().unwrap();
    assert!(next.starts_with(&base), "{next}");
    let r = http
        .send(&Request::new(Method::Get, next.parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(r.status, 200);

    // Enable protection and follow the Azure-AsyncOperation header over HTTP.
    let item = format!("{}/protectedItems/web01", t.vault_id("asrvault"));
    let body = json!({ "properties": {
        "policyName": "default-replication-policy",
        "replicationExtensionName": "default-replication-extension",
        "customProperties": {
            "instanceType": "AzStackToAzStack",
            "sourceAzStackVirtualMachineId": t.source_vm_id("web-01").unwrap(),
            "targetResourceGroupId": t.target_resource_group_ids[1],
            "targetNetworkId": t.target_network_id("dr-vnet").unwrap(),
        } } });
    let put = Request::new(
        Method::Put,
        format!("{base}{item}?api-version=2024-09-01")
            .parse()
            .unwrap(),
    )
    .with_json(serde_json::to_vec(&body).unwrap());
    let r = http.send(&put).await.unwrap();
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let monitor = r.headers.get("Azure-AsyncOperation").unwrap().to_owned();
    assert!(monitor.starts_with(&base));
    let mut status = String::new();
    for _ in 0..200 {
        let r = http
            .send(&Request::new(Method::Get, monitor.parse().unwrap()))
            .await
            .unwrap();
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        status = v["status"].as_str().unwrap().to_owned();
        if status != "InProgress" {
            break;
        }
    }
    assert_eq!(status, "Succeeded");

    // The metadata endpoint sends clients back to the listener.
    let r = http
        .send(&Request::new(
            Method::Get,
            format!("{base}/metadata/endpoints?api-version=2015-01-01")
                .parse()
                .unwrap(),
        ))
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        v["authentication"]["loginEndpoint"],
        format!("{base}/adfs/")
    );

    // A dropped connection is a transport error for the client.
    emu.inject(Fault::drop_connection(
        RequestMatch::any(),
        TransportErrorKind::MaybeSent,
        1,
    ));
    let err = http
        .send(&Request::new(Method::Get, url.parse().unwrap()))
        .await
        .unwrap_err();
    assert_ne!(err.kind(), TransportErrorKind::NotSent, "{err}");
    server.shutdown();
}

#[test]
fn raw_http_keep_alive_chunked_bodies_and_malformed_requests() {
    let (emu, server) = server();
    let t = emu.topology().clone();
    let mut s = std::net::TcpStream::connect(server.local_addr()).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let check = format!("/subscriptions/{}/providers/Microsoft.DataReplication/locations/{}/checkNameAvailability?api-version=2024-09-01", t.target_subscription, t.target_location);
    let body = br#"{"name":"asrvault","type":"Microsoft.DataReplication/replicationVaults"}"#;
    let mut req = format!(
        "POST {check} HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    req.extend_from_slice(b"\r\n0\r\n\r\n");
    // Two requests on one connection, the second asking to close.
    req.extend_from_slice(format!("GET {}?api-version=2024-09-01 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", t.vault_id("asrvault")).as_bytes());
    s.write_all(&req).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert_eq!(out.matches("HTTP/1.1 200 OK").count(), 2, "{out}");
    assert!(out.contains("\"nameAvailable\":false"));
    assert!(out.contains("\"name\":\"asrvault\""));

    let mut s = std::net::TcpStream::connect(server.local_addr()).unwrap();
    s.write_all(b"BREW /pot HTTP/1.1\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 400"), "{out}");
}

// ---- The command line of examples/emulator.rs, the control endpoint, TLS, tokens ----

use azs_site_recovery::api_version::ApiVersion;
use azs_site_recovery::emulator::{OptionsError, ServerOptions, TlsIdentity};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

async fn send(
    http: &ReqwestTransport,
    method: Method,
    url: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = Request::new(method, url.parse().unwrap());
    if let Some(b) = body {
        req = req.with_json(serde_json::to_vec(&b).unwrap());
    }
    let r = http.send(&req).await.unwrap();
    let v = if r.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&r.body).unwrap()
    };
    (r.status, v)
}

#[test]
fn the_command_line_is_parsed_by_hand() {
    let o = ServerOptions::from_args([
        "--listen=0.0.0.0:9000",
        "--vms",
        "20",
        "--api-versions",
        "2024-09-01, 2026-05-01",
        "--clock",
        "manual",
        "--page-size",
        "7",
        "--token",
        "t0k",
        "--tls",
        "--seed-vault",
        "--until-stdin-closes",
        "--seed",
        "42",
    ])
    .unwrap();
    assert_eq!(o.listen, "0.0.0.0:9000");
    assert_eq!(
        o.api_versions,
        [ApiVersion::V2024_09_01, ApiVersion::V2026_05_01]
    );
    assert_eq!(o.clock, ClockMode::Manual);
    assert_eq!(
        (o.page_size, o.token.as_deref(), o.tls, o.seed_vault),
        (Some(7), Some("t0k"), true, true)
    );
    assert!(o.until_stdin_closes);
    let sc = o.scenario();
    assert_eq!(sc.source_vms.len(), 20);
    assert_eq!(sc.source_vms[12].name, "vm-0013");
    assert_eq!((sc.page_size, sc.seed, sc.require_auth), (7, 42, true));
    assert_eq!(
        ServerOptions::from_args(["--vms", "2"])
            .unwrap()
            .scenario()
            .source_vms
            .len(),
        2
    );

    // Defaults: any free loopback port, auto clock (an outside client can only poll), no TLS.
    let d = ServerOptions::from_args(Vec::<String>::new()).unwrap();
    assert_eq!(d.listen, "127.0.0.1:0");
    assert_eq!(d.clock, ClockMode::Auto);
    assert!(!d.tls && d.token.is_none());
    assert_eq!(d.scenario().source_vms.len(), 12);

    for (args, says) in [
        (vec!["--bogus"], "unknown option '--bogus'"),
        (vec!["--vms"], "--vms needs a value"),
        (
            vec!["--vms", "many"],
            "--vms needs a whole number, got 'many'",
        ),
        (
            vec!["--clock", "fast"],
            "--clock is auto or manual, got 'fast'",
        ),
        (vec!["--page-size", "0"], "--page-size must be at least 1"),
        (vec!["--tls=yes"], "--tls takes no value"),
        (
            vec!["--api-versions", ","],
            "--api-versions needs a comma-separated list",
        ),
        (vec!["--token", ""], "--token needs a non-empty token"),
    ] {
        match ServerOptions::from_args(args.clone()) {
            Err(OptionsError::Invalid(m)) => assert!(m.contains(says), "{args:?}: {m}"),
            other => panic!("{args:?}: {other:?}"),
        }
    }
    assert_eq!(ServerOptions::from_args(["-h"]), Err(OptionsError::Help));
    assert!(OptionsError::Help.to_string().contains("--listen ADDR"));
}

#[tokio::test]
async fn the_announcement_names_what_a_client_needs() {
    let started = ServerOptions::from_args(["--vms", "3", "--page-size", "2", "--seed-vault"])
        .unwrap()
        .start()
        .unwrap();
    let a = started.announcement();
    let line = a.to_string();
    assert!(!line.contains('\n'), "one line");
    let base = started.server.base_url();
    assert_eq!(a["endpoint"], base.as_str());
    assert_eq!(a["controlEndpoint"], format!("{base}/_emulator"));
    assert_eq!(a["subscriptionId"], "5f0c5d7e-1c1a-4b8e-9a4e-000000000002");
    assert_eq!(a["resourceGroup"], "asr-rg");
    assert_eq!(a["location"], "seattle");
    assert_eq!(a["sourceVmIds"].as_array().unwrap().len(), 3);
    assert_eq!(a["targetNetworkIds"].as_array().unwrap().len(), 2);
    assert!(a["cacheStorageAccountId"]
        .as_str()
        .unwrap()
        .ends_with("/storageAccounts/asrcache01"));
    assert!(a["applianceId"]
        .as_str()
        .unwrap()
        .ends_with("/fabricAgents/asrappliance01"));
    assert_eq!(
        a["apiVersions"],
        json!(["2021-02-16-preview", "2024-09-01", "2026-05-01"])
    );
    assert_eq!(
        (
            a["tls"].clone(),
            a["certPath"].clone(),
            a["pageSize"].clone()
        ),
        (json!(false), Value::Null, json!(2))
    );

    // Every id it names is there, over HTTP.
    let http = ReqwestTransport::new().unwrap();
    for key in [
        "sourceFabricId",
        "targetFabricId",
        "applianceId",
        "cacheStorageAccountId",
        "vaultId",
    ] {
        let id = a[key].as_str().unwrap();
        let (status, body) = send(
            &http,
            Method::Get,
            &format!("{base}{id}?api-version=2024-09-01"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{key}: {body}");
    }
    let vm = a["sourceVmIds"][2].as_str().unwrap();
    let (status, _) = send(
        &http,
        Method::Get,
        &format!("{base}{vm}?api-version=2023-09-01"),
        None,
    )
    .await;
    assert_eq!(status, 200);
}

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

#[tokio::test]
async fn a_static_token_and_a_restricted_api_version_set_are_enforced() {
    let o =
        ServerOptions::from_args(["--token", "s3cret", "--api-versions", "2024-09-01"]).unwrap();
    let started = o.start().unwrap();
    let base = started.server.base_url();
    let t = started.emulator.topology().clone();
    let http = ReqwestTransport::new().unwrap();
    let url = |v: &str| format!("{base}{}?api-version={v}", t.source_fabric_id);
    let get = |u: String, token: Option<&str>| {
        let mut r = Request::new(Method::Get, u.parse().unwrap());
        if let Some(tok) = token {
            r.headers.insert("Authorization", format!("Bearer {tok}"));
        }
        r
    };
    let r = http.send(&get(url("2024-09-01"), None)).await.unwrap();
    assert_eq!(r.status, 401);
    let r = http
        .send(&get(url("2024-09-01"), Some("guess")))
        .await
        .unwrap();
    assert_eq!(r.status, 401);
    let r = http
        .send(&get(url("2024-09-01"), Some("s3cret")))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    let r = http
        .send(&get(url("2026-05-01"), Some("s3cret")))
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["error"]["code"], "NoRegisteredProviderFound");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'2024-09-01'"),
        "{v}"
    );
    // The control endpoint needs no token.
    let r = http
        .send(&get(format!("{base}/_emulator/state"), None))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
}

/// The final answer of a POST action's `Location` is `200` with the action's model
/// (`PlannedFailoverModel`, final-state-via location): Microsoft's Python SDK deserializes it
/// and returned `None` when the emulator answered `204`.
#[tokio::test]
async fn a_planned_failover_location_ends_with_the_model_not_204() {
    let (emu, server) = server();
    let t = emu.topology().clone();
    let http = ReqwestTransport::new().unwrap();
    let base = server.base_url();
    let item = format!(
        "{base}{}/protectedItems/app01?api-version=2024-09-01",
        t.vault_id("asrvault")
    );
    let body = json!({ "properties": {
        "policyName": "default-replication-policy",
        "replicationExtensionName": "default-replication-extension",
        "customProperties": {
            "instanceType": "AzStackToAzStack",
            "sourceAzStackVirtualMachineId": t.source_vm_id("app-01").unwrap(),
            "targetResourceGroupId": t.target_resource_group_ids[1],
            "targetNetworkId": t.target_network_id("dr-vnet").unwrap(),
        } } });
    assert_eq!(send(&http, Method::Put, &item, Some(body)).await.0, 201);
    emu.run_until_idle(std::time::Duration::from_secs(86_400));
    let action = format!(
        "{base}{}/protectedItems/app01/plannedFailover?api-version=2024-09-01",
        t.vault_id("asrvault")
    );
    let custom = json!({ "instanceType": "AzStackToAzStack", "shutdownSourceVM": true });
    let r = http
        .send(
            &Request::new(Method::Post, action.parse().unwrap()).with_json(
                serde_json::to_vec(&json!({ "properties": { "customProperties": custom } }))
                    .unwrap(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 202);
    let location = r.headers.get("Location").unwrap().to_owned();
    assert!(r.headers.get("Retry-After").is_some());
    let mut last = (0, Value::Null);
    for _ in 0..100 {
        last = send(&http, Method::Get, &location, None).await;
        if last.0 != 202 {
            break;
        }
    }
    assert_eq!(last.0, 200, "{}", last.1);
    assert_eq!(last.1["properties"]["customProperties"], custom);
    // A DELETE's Location still ends with 204 (no model).
    let r = http
        .send(&Request::new(
            Method::Delete,
            format!("{item}&forceDelete=true").parse().unwrap(),
        ))
        .await
        .unwrap();
    assert_eq!(r.status, 202);
    let location = r.headers.get("Location").unwrap().to_owned();
    let mut status = 202;
    for _ in 0..100 {
        status = send(&http, Method::Get, &location, None).await.0;
        if status != 202 {
            break;
        }
    }
    assert_eq!(status, 204);
}

#[test]
fn https_with_the_generated_certificate() {
    let dir = std::env::temp_dir().join(format!("azs-emulator-test-tls-{}", std::process::id()));
    let identity = TlsIdentity::self_signed(&dir).unwrap();
    assert!(
        !format!("{identity:?}").contains("PRIVATE"),
        "Debug never shows the key"
    );
    let emu = Emulator::new(Scenario::builder().page_size(5).build());
    let server = EmulatorServer::start_tls(emu.clone(), "127.0.0.1:0", &identity).unwrap();
    assert!(server.base_url().starts_with("https://127.0.0.1:"));

    // A client that trusts only the written PEM file.
    let pem = std::fs::read(identity.cert_path()).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(&pem).unwrap())
        .unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = std::sync::Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    );
    let port = server.local_addr().port();
    let get = |target: &str| {
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let conn = rustls::ClientConnection::new(config.clone(), name).unwrap();
        let sock = std::net::TcpStream::connect(server.local_addr()).unwrap();
        let mut tls = rustls::StreamOwned::new(conn, sock);
        let req =
            format!("GET {target} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n");
        tls.write_all(req.as_bytes()).unwrap();
        let mut out = Vec::new();
        let _ = tls.read_to_end(&mut out); // the server may close without close_notify
        String::from_utf8_lossy(&out).into_owned()
    };
    let t = emu.topology().clone();
    let out = get(&format!("{}?api-version=2024-09-01", t.source_fabric_id));
    assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
    assert!(out.contains("\"name\":\"azshsource\""), "{out}");

    // Links point back at the https listener.
    let out = get(&format!(
        "/subscriptions/{}/providers/Microsoft.Compute/virtualMachines?api-version=2023-09-01",
        t.source_subscription
    ));
    assert!(
        out.contains(&format!("\"nextLink\":\"https://localhost:{port}/")),
        "{out}"
    );
    server.shutdown();
    std::fs::remove_dir_all(&dir).ok();
}
