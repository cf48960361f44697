//! The transport: one small object-safe trait that sends a [`Request`] and returns a
//! [`Response`]. reqwest is the default implementation; the emulator is another; users can add
//! theirs.
//!
//! With the `reqwest` feature (default) [`ReqwestTransport`] is the implementation; with
//! `--no-default-features` the crate builds without it and any type implementing [`Transport`]
//! plugs in. The `test-util` feature adds `MockTransport` (a closure) and `ReplayTransport` (a
//! scripted conversation that checks the requests it gets).

use crate::http::{Request, Response};
use std::fmt;

#[cfg(feature = "test-util")]
mod mock;
#[cfg(feature = "reqwest")]
mod reqwest;

#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub use self::reqwest::{
    ReqwestTransport, ReqwestTransportBuilder, DEFAULT_MAX_BODY_BYTES, DEFAULT_REQUEST_TIMEOUT,
};
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use mock::{Expect, MockTransport, ReplayTransport, Reply};

/// Sends HTTP requests.
///
/// The request is taken by reference so that a retry can send it again. A transport reports
/// failures as [`TransportError`]s that say how far the request got, which is what makes retries
/// safe: a POST that may have reached the service is never sent twice.
#[async_trait::async_trait]
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends one request and reads the whole response.
    async fn send(&self, request: &Request) -> Result<Response, TransportError>;
}

#[async_trait::async_trait]
impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        (**self).send(request).await
    }
}

/// How far a failed request got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The request never left the client (connection refused, DNS, TLS handshake): it is safe to
    /// send again, whatever the method.
    NotSent,
    /// The request may have reached the service (a reset or timeout after sending began).
    MaybeSent,
    /// The service answered but the response could not be read whole (dropped mid-body).
    ResponseUnreadable,
}

/// A failure of the transport itself (no HTTP response to speak of).
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl TransportError {
    /// A new error of `kind`.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Attaches the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// How far the request got.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// `true` when the request provably never reached the service.
    pub fn is_not_sent(&self) -> bool {
        self.kind == TransportErrorKind::NotSent
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The body limit that was exceeded, when the response was refused for its size.
    pub fn body_too_large(&self) -> Option<&BodyTooLarge> {
        self.source.as_deref().and_then(|s| s.downcast_ref())
    }
}

/// A response body larger than the transport accepts (see
/// [`ReqwestTransportBuilder::max_body_bytes`](crate::transport::ReqwestTransportBuilder::max_body_bytes));
/// the source of a [`TransportErrorKind::ResponseUnreadable`] error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the response body is larger than {limit} bytes{}; raise the transport's max_body_bytes if \
     such answers are expected",
    declared.map(|d| format!(" (it declares {d})")).unwrap_or_default()
)]
#[non_exhaustive]
pub struct BodyTooLarge {
    /// The limit, in bytes.
    pub limit: usize,
    /// The size the response declared in `Content-Length`, if it did.
    pub declared: Option<u64>,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = match self.kind {
            TransportErrorKind::NotSent => "request not sent",
            TransportErrorKind::MaybeSent => "request may have been sent",
            TransportErrorKind::ResponseUnreadable => "response could not be read",
        };
        write!(f, "{how}: {}", self.message)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
