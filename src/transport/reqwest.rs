//! The default transport: reqwest over rustls (no OpenSSL).

use super::{Transport, TransportError, TransportErrorKind};
use crate::error::Error;
use crate::http::{Headers, Method, Request, Response};
use std::error::Error as _;
use std::time::Duration;

/// Sends requests with [`reqwest`] over rustls.
///
/// Redirects are never followed (ARM does not redirect, and following one could carry a request
/// somewhere the pipeline did not check). Failures say how far the request got:
///
/// | reqwest failure | kind |
/// |---|---|
/// | connect, DNS, TLS handshake, connect timeout, request that could not be built | [`TransportErrorKind::NotSent`] |
/// | any other error while sending or waiting for the status line (reset, read timeout) | [`TransportErrorKind::MaybeSent`] |
/// | the body could not be read whole, or is larger than [`max_body_bytes`](ReqwestTransportBuilder::max_body_bytes) | [`TransportErrorKind::ResponseUnreadable`] |
///
/// Every read is bounded: connect 30 s, each read 300 s, the whole request (connect, send, the
/// whole body) 10 minutes ([`request_timeout`](ReqwestTransportBuilder::request_timeout)), and a
/// body of at most 32 MiB ([`max_body_bytes`](ReqwestTransportBuilder::max_body_bytes); a larger
/// one is a [`BodyTooLarge`](super::BodyTooLarge) error, see
/// [`TransportError::body_too_large`](super::TransportError::body_too_large)).
///
/// ```no_run
/// # fn main() -> Result<(), azs_site_recovery::Error> {
/// use azs_site_recovery::transport::ReqwestTransport;
/// use std::time::Duration;
/// let transport = ReqwestTransport::builder()
///     .connect_timeout(Duration::from_secs(10))
///     .read_timeout(Duration::from_secs(120))
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_body_bytes: usize,
    request_timeout: Option<Duration>,
}

/// The default [`ReqwestTransportBuilder::max_body_bytes`]: 32 MiB, far above any ARM answer
/// (a page of 100 protected items is about 1 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// The default [`ReqwestTransportBuilder::request_timeout`]: 10 minutes for one request, from
/// connecting to the last byte of the body.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(600);

impl ReqwestTransport {
    /// A transport with the default limits (connect 30 s, read 300 s, whole request 10 min,
    /// body 32 MiB).
    pub fn new() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// A builder for timeouts and extra trusted certificates.
    pub fn builder() -> ReqwestTransportBuilder {
        ReqwestTransportBuilder::default()
    }

    /// Wraps a reqwest client configured elsewhere. Configure it with
    /// `redirect(reqwest::redirect::Policy::none())`: the pipeline's host checks assume redirects
    /// are not followed. The default body limit and request timeout apply.
    pub fn from_client(client: reqwest::Client) -> Self {
        ReqwestTransport {
            client,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            request_timeout: Some(DEFAULT_REQUEST_TIMEOUT),
        }
    }
}

/// Builds a [`ReqwestTransport`].
#[derive(Debug, Clone)]
pub struct ReqwestTransportBuilder {
    connect_timeout: Duration,
    read_timeout: Duration,
    request_timeout: Option<Duration>,
    max_body_bytes: usize,
    root_certificates_pem: Vec<Vec<u8>>,
}

impl Default for ReqwestTransportBuilder {
    fn default() -> Self {
        ReqwestTransportBuilder {
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(300),
            request_timeout: Some(DEFAULT_REQUEST_TIMEOUT),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            root_certificates_pem: Vec::new(),
        }
    }
}

impl ReqwestTransportBuilder {
    /// How long to wait for a connection (TCP and TLS). A request that times out here was not
    /// sent.
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// How long to wait for each read from the connection (the status line, each body chunk).
    pub fn read_timeout(mut self, t: Duration) -> Self {
        self.read_timeout = t;
        self
    }

    /// The longest one request may take, from connecting to the last byte of the body
    /// (default [`DEFAULT_REQUEST_TIMEOUT`], 10 minutes); `None` for no overall limit (each read
    /// is still bounded by [`read_timeout`](Self::read_timeout)). A request past it fails as
    /// maybe sent (or, during the body, as unreadable).
    pub fn request_timeout(mut self, t: Option<Duration>) -> Self {
        self.request_timeout = t;
        self
    }

    /// The largest response body accepted, in bytes (default [`DEFAULT_MAX_BODY_BYTES`],
    /// 32 MiB). A larger body is not read past the limit: the request fails with
    /// [`TransportErrorKind::ResponseUnreadable`] and a
    /// [`BodyTooLarge`](super::BodyTooLarge) source.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Also trusts the CA certificate(s) in `pem` (an Azure Stack Hub stamp's root CA is often
    /// private).
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates_pem.push(pem.into());
        self
    }

    /// The transport.
    pub fn build(self) -> Result<ReqwestTransport, Error> {
        let mut b = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .use_rustls_tls();
        for pem in &self.root_certificates_pem {
            let cert = reqwest::Certificate::from_pem(pem).map_err(|e| {
                Error::invalid_input(
                    "root certificate",
                    format!(
                        "not a PEM certificate ({e}); pass the stamp's CA certificate in PEM form"
                    ),
                )
            })?;
            b = b.add_root_certificate(cert);
        }
        let client = b.build().map_err(|e| {
            Error::invalid_input(
                "HTTP client configuration",
                format!("reqwest refused it: {e}"),
            )
        })?;
        Ok(ReqwestTransport {
            client,
            max_body_bytes: self.max_body_bytes,
            request_timeout: self.request_timeout,
        })
    }
}

fn method(m: Method) -> reqwest::Method {
    match m {
        Method::Get => reqwest::Method::GET,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Post => reqwest::Method::POST,
        Method::Delete => reqwest::Method::DELETE,
        Method::Head => reqwest::Method::HEAD,
    }
}

/// A description of `e` and its causes without the URL (which may carry a query with a token).
fn describe(e: &reqwest::Error) -> String {
    let mut s = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() {
        "body error"
    } else if e.is_decode() {
        "could not decode the response"
    } else if e.is_request() {
        "request failed"
    } else if e.is_builder() {
        "could not build the request"
    } else {
        "failed"
    }
    .to_owned();
    let mut src = e.source();
    while let Some(cause) = src {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        src = cause.source();
    }
    s
}

fn send_error(e: reqwest::Error, request: &Request) -> TransportError {
    let kind = if e.is_connect() || e.is_builder() {
        TransportErrorKind::NotSent
    } else {
        TransportErrorKind::MaybeSent
    };
    TransportError::new(
        kind,
        format!(
            "{} {}{}: {}",
            request.method,
            request.url.host_str().unwrap_or(""),
            request.url.path(),
            describe(&e)
        ),
    )
    .with_source(e.without_url())
}

#[async_trait::async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let mut rb = self
            .client
            .request(method(request.method), request.url.clone());
        for (k, v) in request.headers.iter() {
            rb = rb.header(k, v);
        }
        if !request.body.is_empty() {
            rb = rb.body(request.body.clone());
        }
        if let Some(t) = self.request_timeout {
            rb = rb.timeout(t);
        }
        let mut resp = rb.send().await.map_err(|e| send_error(e, request))?;
        let status = resp.status().as_u16();
        let mut headers = Headers::new();
        for (k, v) in resp.headers() {
            headers.append(
                k.as_str(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            );
        }
        let unreadable = |why: String| {
            TransportError::new(
                TransportErrorKind::ResponseUnreadable,
                format!(
                    "{} {}{} answered {status} but its body could not be read: {why}",
                    request.method,
                    request.url.host_str().unwrap_or(""),
                    request.url.path(),
                ),
            )
        };
        let limit = self.max_body_bytes;
        let too_large = |declared: Option<u64>| {
            let e = super::BodyTooLarge { limit, declared };
            unreadable(e.to_string()).with_source(e)
        };
        let declared = resp.content_length();
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large(declared));
        }
        // One buffer, sized once when the length is known; the chunks are copied into it as
        // they arrive (no second copy of the whole body), and reading stops at the limit.
        let mut body = Vec::with_capacity(declared.map_or(0, |n| n as usize));
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > limit {
                        return Err(too_large(declared));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(unreadable(describe(&e)).with_source(e.without_url())),
            }
        }
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}
