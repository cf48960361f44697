//! A tiny HTTP/1.1 server on loopback for the pipeline tests: one request per connection
//! (`connection: close`), scripted answers, every request recorded. Optionally over TLS with a
//! certificate generated in the test.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What the server does with a request.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A whole response.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Headers announcing `declared` bytes, then only `sent`, then the connection closes.
    Truncated {
        status: u16,
        declared: usize,
        sent: Vec<u8>,
    },
    /// Read the request, then close the connection without answering.
    Hangup,
}

impl Answer {
    pub fn status(status: u16) -> Answer {
        Answer::Respond {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn json(status: u16, body: &str) -> Answer {
        Answer::Respond {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Answer {
        if let Answer::Respond { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

type Handler = dyn Fn(&Seen, usize) -> Answer + Send + Sync;

/// A running server.
pub struct Server {
    pub port: u16,
    pub tls: bool,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    /// Plain HTTP on 127.0.0.1; `handler` gets each request and its 0-based number.
    pub async fn start(handler: impl Fn(&Seen, usize) -> Answer + Send + Sync + 'static) -> Server {
        Self::start_inner(Arc::new(handler), None).await
    }

    /// HTTPS on 127.0.0.1 with `tls` as the server config.
    pub async fn start_tls(
        handler: impl Fn(&Seen, usize) -> Answer + Send + Sync + 'static,
        tls: Arc<tokio_rustls::rustls::ServerConfig>,
    ) -> Server {
        Self::start_inner(
            Arc::new(handler),
            Some(tokio_rustls::TlsAcceptor::from(tls)),
        )
        .await
    }

    async fn start_inner(handler: Arc<Handler>, tls: Option<tokio_rustls::TlsAcceptor>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let server = Server {
            port,
            tls: tls.is_some(),
            seen: seen.clone(),
        };
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let handler = handler.clone();
                let seen = seen.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    match tls {
                        Some(acceptor) => {
                            if let Ok(s) = acceptor.accept(stream).await {
                                serve_one(s, handler, seen).await;
                            }
                        }
                        None => serve_one(stream, handler, seen).await,
                    }
                });
            }
        });
        server
    }

    /// `http://127.0.0.1:port` (or `https://localhost:port` with TLS).
    pub fn base(&self) -> String {
        if self.tls {
            format!("https://localhost:{}", self.port)
        } else {
            format!("http://127.0.0.1:{}", self.port)
        }
    }

    pub fn url(&self, path_and_query: &str) -> url::Url {
        url::Url::parse(&format!("{}{}", self.base(), path_and_query)).unwrap()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

async fn serve_one<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    handler: Arc<Handler>,
    seen: Arc<Mutex<Vec<Seen>>>,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_owned();
    let target = first.next().unwrap_or("").to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    let req = Seen {
        method,
        target,
        headers,
        body,
    };
    let n = {
        let mut s = seen.lock().unwrap();
        s.push(req.clone());
        s.len() - 1
    };
    match handler(&req, n) {
        Answer::Respond {
            status,
            headers,
            body,
        } => {
            let mut out = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            out.push_str("\r\n");
            let mut bytes = out.into_bytes();
            bytes.extend_from_slice(&body);
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
        Answer::Truncated {
            status,
            declared,
            sent,
        } => {
            let mut bytes = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {declared}\r\nconnection: close\r\n\r\n"
            )
            .into_bytes();
            bytes.extend_from_slice(&sent);
            let _ = stream.write_all(&bytes).await;
            let _ = stream.flush().await;
            let _ = stream.shutdown().await;
        }
        Answer::Hangup => {
            drop(stream);
        }
    }
}

/// A self-signed certificate for `localhost` and 127.0.0.1: (certificate PEM, server config).
pub fn self_signed() -> (String, Arc<tokio_rustls::rustls::ServerConfig>) {
    use tokio_rustls::rustls;
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let pem = certified.cert.pem();
    let cert_der = certified.cert.der().clone();
    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(
        rustls::pki_types::PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()),
    );
    // The provider rustls's features name (ring); `ring::default_provider()` is deprecated
    // from rustls 0.23.48.
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert_der], key_der)
        .unwrap();
    (pem, Arc::new(config))
}
