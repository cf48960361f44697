//! HTTPS for the emulator's listener: a certificate generated at start (rcgen) served with
//! rustls (ring provider) over the blocking `std::net` stream.

use super::server::{Conn, Timed};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use std::io;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// The names the generated certificate is valid for.
const NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// A self-signed certificate and its key, generated for one run of the emulator's listener.
///
/// The certificate (PEM) is written to a file so that a client outside this process can trust
/// it (e.g. Python's `requests`: `verify=<cert_path>`); the key stays in memory. It is valid for
/// `localhost`, `127.0.0.1` and `::1`.
///
/// ```
/// use azs_site_recovery::emulator::TlsIdentity;
/// let dir = std::env::temp_dir().join(format!("azs-tls-doc-{}", std::process::id()));
/// let id = TlsIdentity::self_signed(&dir).unwrap();
/// let pem = std::fs::read_to_string(id.cert_path()).unwrap();
/// assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
/// # std::fs::remove_dir_all(&dir).ok();
/// ```
pub struct TlsIdentity {
    cert_der: CertificateDer<'static>,
    cert_pem: String,
    key_der: Vec<u8>,
    cert_path: PathBuf,
}

impl std::fmt::Debug for TlsIdentity {
    /// Never prints the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity")
            .field("cert_path", &self.cert_path)
            .finish_non_exhaustive()
    }
}

fn other(what: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("{what}: {e}"))
}

impl TlsIdentity {
    /// Generates a certificate and writes it as `emulator-cert.pem` into `dir` (created if
    /// missing).
    pub fn self_signed(dir: &Path) -> io::Result<TlsIdentity> {
        let names: Vec<String> = NAMES.iter().map(|s| (*s).to_owned()).collect();
        let mut params = rcgen::CertificateParams::new(names)
            .map_err(|e| other("invalid certificate names", e))?;
        params.distinguished_name.push(
            rcgen::DnType::CommonName,
            "azs-site-recovery emulator (localhost)",
        );
        let key = rcgen::KeyPair::generate().map_err(|e| other("cannot generate a key", e))?;
        let cert = params
            .self_signed(&key)
            .map_err(|e| other("cannot sign the certificate", e))?;
        std::fs::create_dir_all(dir)?;
        let cert_path = dir.join("emulator-cert.pem");
        let cert_pem = cert.pem();
        std::fs::write(&cert_path, &cert_pem).map_err(|e| {
            other(
                &format!("cannot write the certificate to {}", cert_path.display()),
                e,
            )
        })?;
        Ok(TlsIdentity {
            cert_der: cert.der().clone(),
            cert_pem,
            key_der: key.serialize_der(),
            cert_path,
        })
    }

    /// Where the certificate (PEM) was written: give it to clients as their trusted CA.
    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    /// The certificate, PEM-encoded.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    pub(crate) fn server_config(&self) -> io::Result<Arc<ServerConfig>> {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()));
        // The crypto provider the application installed, else the one rustls's features name
        // (ring, the only one this crate enables); `ring::default_provider()` is deprecated
        // in newer rustls 0.23 releases. rustls panics when the features name two providers and
        // none is installed: that becomes an error saying what to do.
        let builder = std::panic::catch_unwind(ServerConfig::builder).map_err(|_| {
            io::Error::other(
                "TLS set-up: rustls has several crypto providers and none installed; call \
                 rustls::crypto::CryptoProvider::install_default(..) before starting the server",
            )
        })?;
        let config = builder
            .with_no_client_auth()
            .with_single_cert(vec![self.cert_der.clone()], key)
            .map_err(|e| other("TLS certificate", e))?;
        Ok(Arc::new(config))
    }
}

pub(crate) type TlsStream = StreamOwned<ServerConnection, Timed<TcpStream>>;

/// Wraps an accepted TCP connection; the handshake happens on the first read.
pub(crate) fn accept(config: Arc<ServerConfig>, sock: Timed<TcpStream>) -> Option<TlsStream> {
    ServerConnection::new(config)
        .ok()
        .map(|conn| StreamOwned::new(conn, sock))
}

impl Conn for TlsStream {
    fn abort(&mut self) {
        self.sock.abort();
    }
    fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.sock.set_deadline(deadline);
    }
}
