//! The emulator over loopback HTTP, driven by the crate's reqwest transport and by raw sockets;
//! the command line of `examples/emulator.rs` (`cli`), the `/_emulator` control endpoint
//! (`control`), wire-conformance fixes found by Microsoft's Python SDK (`wire`) and HTTPS
//! (`tls`).
#![cfg(all(feature = "emulator-server", feature = "reqwest"))]

use azs_site_recovery::emulator::{
    ClockMode, Emulator, EmulatorServer, Fault, RequestMatch, Scenario,
};
use azs_site_recovery::http::{Method, Request};
use azs_site_recovery::transport::ReqwestTransport;
use azs_site_recovery::transport::{Transport, TransportErrorKind};
use serde_json::{json, Value};
use std::io::{Read, Write};

mod cli;
mod concurrency;
mod control;
mod hostile;
mod tls;
mod waits;
mod wire;

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

/// Sends one request; the status and the JSON body (`Null` when empty).
pub(crate) async fn send(
    http: &ReqwestTransport,
    method: Method,
    url: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = Request::new(method, url.parse().unwrap());
    if let Some(b) = body {
        req = req.with_json(serde_json::to_vec(&b).unwrap());
    } else if method != Method::Get {
        // The control endpoint takes changes only as JSON (a web page cannot send that).
        req.headers.insert("content-type", "application/json");
    }
    let r = http.send(&req).await.unwrap();
    let v = if r.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&r.body).unwrap()
    };
    (r.status, v)
}
