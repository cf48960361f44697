//! HTTPS with the generated certificate.

use azs_site_recovery::emulator::{Emulator, EmulatorServer, Scenario, TlsIdentity};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use std::io::{Read, Write};

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
    let config = std::sync::Arc::new(
        rustls::ClientConfig::builder()
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

    // Links point back at the https listener: its own address, whatever `Host` said.
    let out = get(&format!(
        "/subscriptions/{}/providers/Microsoft.Compute/virtualMachines?api-version=2023-09-01",
        t.source_subscription
    ));
    assert!(
        out.contains(&format!("\"nextLink\":\"https://127.0.0.1:{port}/")),
        "{out}"
    );
    server.shutdown();
    std::fs::remove_dir_all(&dir).ok();
}
