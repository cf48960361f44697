//! A hostile client of the listener: dot segments, a foreign `Host`, a web page driving the
//! control endpoint.

use crate::server;
use azs_site_recovery::emulator::ServerOptions;
use std::io::{Read, Write};

/// Sends one raw HTTP/1.1 request (with `Connection: close`) and returns the whole answer.
fn raw(addr: std::net::SocketAddr, head: &str, body: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let req = format!(
        "{head}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn status(answer: &str) -> u16 {
    answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[test]
fn an_encoded_dot_segment_is_refused_not_resolved_to_the_vault() {
    let (emu, server) = server();
    let vault = emu.topology().vault_id("asrvault");
    let own = server.local_addr();
    for seg in ["%2e%2e", "%2E%2e", "..", ".%2e", "x%2f..%2f.."] {
        let a = raw(
            own,
            &format!("DELETE {vault}/protectedItems/{seg}?api-version=2024-09-01 HTTP/1.1\r\nHost: {own}"),
            "",
        );
        assert_eq!(status(&a), 400, "{seg}: {a}");
    }
    let a = raw(
        own,
        &format!("GET {vault}?api-version=2024-09-01 HTTP/1.1\r\nHost: {own}"),
        "",
    );
    assert_eq!(status(&a), 200, "the vault is still there: {a}");
}

#[test]
fn answers_name_the_listener_never_the_clients_host() {
    let (_emu, server) = server();
    let own = server.local_addr();
    let a = raw(
        own,
        "GET /metadata/endpoints?api-version=2015-01-01 HTTP/1.1\r\nHost: evil.test:1",
        "",
    );
    assert_eq!(status(&a), 200, "{a}");
    assert!(!a.contains("evil.test"), "{a}");
    assert!(a.contains(&own.to_string()), "{a}");
}

#[test]
fn a_public_name_is_what_answers_carry() {
    let emu = azs_site_recovery::emulator::Emulator::default();
    let server = azs_site_recovery::emulator::EmulatorServer::start_with_public_name(
        emu,
        "127.0.0.1:0",
        None,
        "emulator.test:8443",
    )
    .unwrap();
    assert_eq!(server.base_url(), "http://emulator.test:8443");
    let a = raw(
        server.local_addr(),
        "GET /metadata/endpoints?api-version=2015-01-01 HTTP/1.1\r\nHost: evil.test",
        "",
    );
    assert!(
        a.contains("emulator.test:8443") && !a.contains("evil.test"),
        "{a}"
    );
    assert!(
        azs_site_recovery::emulator::EmulatorServer::start_with_public_name(
            azs_site_recovery::emulator::Emulator::default(),
            "127.0.0.1:0",
            None,
            "evil/x",
        )
        .is_err()
    );
}

#[test]
fn the_control_endpoint_refuses_foreign_hosts_and_non_json_changes() {
    let (_emu, server) = server();
    let own = server.local_addr();
    let post = |host: &str, content_type: &str| {
        raw(
            own,
            &format!(
                "POST /_emulator/advance?seconds=60 HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}"
            ),
            "",
        )
    };
    // A cross-site form (text/plain) to the right host; DNS rebinding (JSON, foreign host).
    assert_eq!(status(&post(&own.to_string(), "text/plain")), 403);
    assert_eq!(
        status(&post("rebind.evil.test:80", "application/json")),
        403
    );
    let get = raw(
        own,
        "GET /_emulator/state HTTP/1.1\r\nHost: rebind.evil.test",
        "",
    );
    assert_eq!(status(&get), 403, "{get}");
    // The listener's own names, with JSON.
    assert_eq!(status(&post(&own.to_string(), "application/json")), 200);
    let localhost = format!("localhost:{}", own.port());
    assert_eq!(
        status(&post(&localhost, "application/json; charset=utf-8")),
        200
    );
}

#[test]
fn listening_beyond_loopback_needs_allow_remote() {
    for listen in ["0.0.0.0:0", "192.0.2.1:80", "[::]:0", "example.test:80"] {
        assert!(
            ServerOptions::from_args(["--listen", listen]).is_err(),
            "{listen}"
        );
        let o = ServerOptions::from_args(["--listen", listen, "--allow-remote"]).unwrap();
        assert!(o.is_remote());
    }
    for listen in ["127.0.0.1:0", "[::1]:0", "localhost:0"] {
        assert!(!ServerOptions::from_args(["--listen", listen])
            .unwrap()
            .is_remote());
    }
}
