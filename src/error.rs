//! The crate's error type, split by how far a request got.
//!
//! | variant | what happened | safe to send again? |
//! |---|---|---|
//! | [`Error::NotSent`] | the request never left the client | yes, whatever the method |
//! | [`Error::MaybeSent`] | the request may have reached the service | only if idempotent |
//! | [`Error::ResponseUnreadable`] | the service answered, the answer was lost | only if idempotent |
//! | [`Error::Service`] | the service said no (an HTTP status and ARM error body) | see [`Error::is_retryable`] |
//! | [`Error::OperationFailed`] | a long-running operation ended `Failed` or `Canceled` | no |
//! | [`Error::Refused`] | the crate refused before sending (lifecycle, preflight, security) | after fixing the cause |
//! | [`Error::InvalidInput`] | a bad id, name or option | after fixing the input |
//! | [`Error::Decode`] | a body that does not parse as the expected type | no |
//! | [`Error::WaitTimedOut`] | a wait for a long-running operation went past `max_wait` | resume it |
//! | [`Error::Authentication`] | no token could be had from the token endpoint | after fixing the credential |
//! | [`Error::PageLimit`] | a list went past its page limit (a `nextLink` cycle, an endless list) | resume it |
//!
//! No variant ever carries a token or client secret: messages are built from status codes, error
//! codes, paths and short body excerpts with credential-looking values removed.

use crate::http::Response;
use crate::model::{ErrorDetail, ErrorResponse, HealthError};
pub(crate) use crate::redact::redact;
use crate::redact::{json_error_message, redact_via_json};
use crate::transport::{TransportError, TransportErrorKind};
use std::fmt;
use std::time::Duration;

/// Everything that can go wrong, split by how far a request got.
///
/// ```
/// use azs_site_recovery::http::{Headers, Response};
/// use azs_site_recovery::Error;
///
/// let mut response = Response::new(404);
/// response.headers.insert("x-ms-request-id", "7f1c");
/// response.body = br#"{"error":{"code":"ResourceNotFound","message":"The vault was not found."}}"#.to_vec();
/// let err = Error::from_response(&response);
/// assert!(err.is_not_found());
/// assert_eq!(err.status(), Some(404));
/// assert_eq!(err.arm_error().and_then(|e| e.code.as_deref()), Some("ResourceNotFound"));
/// assert!(err.to_string().contains("ResourceNotFound: The vault was not found."));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request never left the client (connection refused, DNS, TLS handshake). Sending it
    /// again is safe whatever the method. (A redirect is not followed and is not this: it is an
    /// answer, [`Error::Service`] with its 3xx status.)
    #[error("{0}")]
    NotSent(TransportError),
    /// The request may have reached the service (a reset or timeout after sending began). A POST
    /// or PATCH in this state is never sent again by the pipeline: check the resource first.
    #[error("{0}")]
    MaybeSent(TransportError),
    /// The service answered but the answer could not be read whole (dropped mid-body).
    #[error("{0}")]
    ResponseUnreadable(TransportError),
    /// The service answered with a non-success status.
    #[error("{0}")]
    Service(Box<ServiceError>),
    /// A long-running operation reached a terminal `Failed` or `Canceled` state.
    #[error("{0}")]
    OperationFailed(Box<OperationFailure>),
    /// The crate refused to send the request (an invalid lifecycle transition, a failed
    /// prerequisite, an untrusted host or an insecure URL).
    #[error("{0}")]
    Refused(Box<Refusal>),
    /// An input was invalid (a malformed resource id, a name the service would reject, a bad
    /// option). Nothing was sent.
    #[error("invalid {what}: {message}")]
    InvalidInput {
        /// What was invalid (e.g. `resource id`, `protected item name`).
        what: String,
        /// What is wrong and what to do instead.
        message: String,
    },
    /// A body did not parse as the type the crate expected.
    #[error("{0}")]
    Decode(Box<DecodeError>),
    /// A wait for a long-running operation went past its `max_wait`. The operation itself goes
    /// on: resume it with the continuation inside
    /// ([`SiteRecoveryClient::resume_poller`](crate::SiteRecoveryClient::resume_poller)).
    #[error("{0}")]
    WaitTimedOut(Box<crate::client::WaitTimedOut>),
    /// No access token could be obtained.
    #[error("authentication failed: {message}")]
    Authentication {
        /// What went wrong, without any secret.
        message: String,
        /// The token endpoint's HTTP status, if it answered.
        status: Option<u16>,
    },
    /// A list reached its page limit ([`Pager::max_pages`](crate::client::Pager::max_pages))
    /// and the service still sent a `nextLink`. Resume from the continuation inside if the list
    /// really is that long.
    #[error("{0}")]
    PageLimit(Box<crate::client::PageLimitReached>),
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        match e.kind() {
            TransportErrorKind::NotSent => Error::NotSent(e),
            TransportErrorKind::MaybeSent => Error::MaybeSent(e),
            _ => Error::ResponseUnreadable(e),
        }
    }
}

impl From<ServiceError> for Error {
    fn from(e: ServiceError) -> Self {
        Error::Service(Box::new(e))
    }
}

impl From<OperationFailure> for Error {
    fn from(e: OperationFailure) -> Self {
        Error::OperationFailed(Box::new(e))
    }
}

impl From<Refusal> for Error {
    fn from(e: Refusal) -> Self {
        Error::Refused(Box::new(e))
    }
}

/// A malformed resource id: nothing was sent.
impl From<crate::id::IdError> for Error {
    fn from(e: crate::id::IdError) -> Self {
        Error::InvalidInput {
            what: "resource id".to_owned(),
            message: e.to_string(),
        }
    }
}

/// A name the service would reject: nothing was sent.
impl From<crate::id::NameError> for Error {
    fn from(e: crate::id::NameError) -> Self {
        Error::InvalidInput {
            what: "resource name".to_owned(),
            message: e.to_string(),
        }
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Decode(Box::new(e))
    }
}

impl Error {
    /// The error for a non-success response: its status, the parsed ARM error body (if any) and
    /// the request ids from its headers.
    pub fn from_response(response: &Response) -> Self {
        Error::Service(Box::new(ServiceError::from_response(response)))
    }

    /// An [`Error::InvalidInput`].
    pub fn invalid_input(what: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            what: what.into(),
            message: message.into(),
        }
    }

    /// An [`Error::Decode`] for `body` that failed to parse as `T` at `context`
    /// (e.g. `"GET /subscriptions/.../vaults/v1 response"`).
    pub fn decode<T>(context: impl Into<String>, body: &[u8], source: serde_json::Error) -> Self {
        Error::Decode(Box::new(DecodeError::new::<T>(context, body, source)))
    }

    /// The HTTP status the service answered with, for [`Error::Service`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Service(e) => Some(e.status),
            _ => None,
        }
    }

    /// The ARM error (`code`, `message`, `target`, `details`) the service or the operation sent.
    pub fn arm_error(&self) -> Option<&ErrorDetail> {
        match self {
            Error::Service(e) => e.error.as_ref(),
            Error::OperationFailed(e) => e.error.as_ref(),
            _ => None,
        }
    }

    /// The transport failure behind [`Error::NotSent`], [`Error::MaybeSent`] or
    /// [`Error::ResponseUnreadable`].
    pub fn transport_error(&self) -> Option<&TransportError> {
        match self {
            Error::NotSent(e) | Error::MaybeSent(e) | Error::ResponseUnreadable(e) => Some(e),
            _ => None,
        }
    }

    /// `true` for a 404 from the service.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// `true` for a 409 from the service (a conflicting operation is in progress, or the
    /// resource is in a state that does not allow the request).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    /// `true` for a 429 from the service.
    pub fn is_throttled(&self) -> bool {
        self.status() == Some(429)
    }

    /// `true` when the same request could succeed if sent again later **and** sending it again
    /// is safe for an idempotent request: a transport failure of any kind, or a status of 408,
    /// 429, 500, 502, 503 or 504. For a POST or PATCH only [`Error::NotSent`] is safe; see
    /// [`Error::is_not_sent`].
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::NotSent(_) | Error::MaybeSent(_) | Error::ResponseUnreadable(_) => true,
            Error::Service(e) => is_retryable_status(e.status),
            _ => false,
        }
    }

    /// `true` when the request provably never reached the service.
    pub fn is_not_sent(&self) -> bool {
        matches!(self, Error::NotSent(_))
    }
}

/// `true` for the statuses that say "try again later": 408, 429, 500, 502, 503, 504.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// The service answered with a non-success status.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServiceError {
    /// The HTTP status.
    pub status: u16,
    /// The ARM error from the body (`{"error": {...}}` or a bare `{code, message}`), if it parsed.
    pub error: Option<ErrorDetail>,
    /// `x-ms-request-id`, to quote to support.
    pub request_id: Option<String>,
    /// `x-ms-correlation-request-id`, to quote to support.
    pub correlation_id: Option<String>,
    /// How long the service asked to wait before trying again (`Retry-After` and friends).
    pub retry_after: Option<Duration>,
    /// The start of the body when it was not an ARM error (for diagnosis; credentials removed).
    pub body_excerpt: Option<String>,
}

impl ServiceError {
    /// Reads the status, ARM error body and request ids of `response`.
    pub fn from_response(response: &Response) -> Self {
        // The service's own message may quote a header or a body: token-shaped parts and
        // secret-looking keys go before anything can print it.
        let error = crate::http::parse_arm_error(&response.body).and_then(|e| redact_via_json(&e));
        let body_excerpt = if error.is_none() && !response.body.is_empty() {
            Some(excerpt(&response.body))
        } else {
            None
        };
        ServiceError {
            status: response.status,
            error,
            request_id: response.headers.get("x-ms-request-id").map(str::to_owned),
            correlation_id: response
                .headers
                .get("x-ms-correlation-request-id")
                .map(str::to_owned),
            retry_after: crate::http::retry_after(&response.headers, chrono::Utc::now()),
            body_excerpt,
        }
    }

    /// The ARM error code, if the body had one.
    pub fn code(&self) -> Option<&str> {
        self.error.as_ref().and_then(|e| e.code.as_deref())
    }

    /// The ARM error message, if the body had one.
    pub fn message(&self) -> Option<&str> {
        self.error.as_ref().and_then(|e| e.message.as_deref())
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the service answered {}", self.status)?;
        match (self.code(), self.message()) {
            (Some(c), Some(m)) => write!(f, ": {c}: {m}")?,
            (Some(c), None) => write!(f, ": {c}")?,
            (None, Some(m)) => write!(f, ": {m}")?,
            (None, None) => {
                if let Some(x) = &self.body_excerpt {
                    write!(f, ": {x}")?;
                }
            }
        }
        if let Some(t) = self.error.as_ref().and_then(|e| e.target.as_deref()) {
            write!(f, " (target {t})")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [x-ms-request-id {id}]")?;
        }
        if let Some(id) = &self.correlation_id {
            write!(f, " [x-ms-correlation-request-id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ServiceError {}

/// How a long-running operation ended when it did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OperationOutcome {
    /// `Failed`.
    Failed,
    /// `Canceled` (or `Cancelled`).
    Canceled,
    /// Another terminal state the service reported, as sent.
    Other(String),
}

impl fmt::Display for OperationOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OperationOutcome::Failed => f.write_str("Failed"),
            OperationOutcome::Canceled => f.write_str("Canceled"),
            OperationOutcome::Other(s) => f.write_str(s),
        }
    }
}

/// A long-running operation that ended `Failed` or `Canceled`, with everything the service said
/// about why: the operation's error, the job's errors and the item's health errors. `Debug`
/// prints them with credentials removed.
#[derive(Clone)]
#[non_exhaustive]
pub struct OperationFailure {
    /// How it ended.
    pub outcome: OperationOutcome,
    /// What the operation was (e.g. `testFailover of protected item web01`).
    pub operation: String,
    /// The operation's own error (`error` of the operation status body).
    pub error: Option<ErrorDetail>,
    /// The errors of the job that ran the operation, as sent (typed once the job model is wired).
    pub job_errors: Vec<serde_json::Value>,
    /// The health errors of the item the operation was about.
    pub health_errors: Vec<HealthError>,
}

impl OperationFailure {
    /// A failure with no details yet.
    pub fn new(outcome: OperationOutcome, operation: impl Into<String>) -> Self {
        OperationFailure {
            outcome,
            operation: operation.into(),
            error: None,
            job_errors: Vec::new(),
            health_errors: Vec::new(),
        }
    }

    /// Sets the operation's error.
    /// Token-shaped parts and secret-looking keys of `error` are removed.
    pub fn with_error(mut self, error: Option<ErrorDetail>) -> Self {
        self.error = error.and_then(|e| redact_via_json(&e));
        self
    }
}

impl fmt::Debug for OperationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |v: serde_json::Value| {
            let mut v = v;
            crate::redact::redact_json(&mut v);
            v.to_string()
        };
        let to = |x: &dyn erased::Ser| shown(x.value());
        f.debug_struct("OperationFailure")
            .field("outcome", &self.outcome)
            .field("operation", &self.operation)
            .field("error", &self.error.as_ref().map(|e| to(e)))
            .field(
                "job_errors",
                &self
                    .job_errors
                    .iter()
                    .map(|e| shown(e.clone()))
                    .collect::<Vec<_>>(),
            )
            .field(
                "health_errors",
                &self.health_errors.iter().map(|e| to(e)).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Serialization to a JSON value behind a trait object, for redacted `Debug` output.
mod erased {
    pub(super) trait Ser {
        fn value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn value(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or_default()
        }
    }
}

impl fmt::Display for OperationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ended {}", self.operation, self.outcome)?;
        if let Some(e) = &self.error {
            match (&e.code, &e.message) {
                (Some(c), Some(m)) => write!(f, ": {c}: {m}")?,
                (Some(c), None) => write!(f, ": {c}")?,
                (None, Some(m)) => write!(f, ": {m}")?,
                (None, None) => {}
            }
        }
        if !self.job_errors.is_empty() {
            write!(f, " ({} job error(s))", self.job_errors.len())?;
        }
        if !self.health_errors.is_empty() {
            write!(f, " ({} health error(s))", self.health_errors.len())?;
        }
        Ok(())
    }
}

impl std::error::Error for OperationFailure {}

/// Why the crate refused to send a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefusalKind {
    /// The protection lifecycle does not allow the operation in the current state.
    Lifecycle,
    /// A prerequisite is not met.
    Preflight,
    /// Sending would leak a credential or go over plain HTTP.
    Security,
}

/// The crate refused to send a request: what, why, and what to do instead.
#[derive(Debug)]
#[non_exhaustive]
pub struct Refusal {
    /// Which check refused.
    pub kind: RefusalKind,
    /// What was refused and why.
    pub message: String,
    /// What to do instead.
    pub remedy: String,
    /// A structured reason (a lifecycle refusal, a preflight report), when there is one.
    pub reason: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Refusal {
    /// A refusal with a message and a remedy.
    pub fn new(kind: RefusalKind, message: impl Into<String>, remedy: impl Into<String>) -> Self {
        Refusal {
            kind,
            message: message.into(),
            remedy: remedy.into(),
            reason: None,
        }
    }

    /// Attaches a structured reason.
    pub fn with_reason(mut self, reason: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.reason = Some(Box::new(reason));
        self
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused: {}; {}", self.message, self.remedy)
    }
}

impl std::error::Error for Refusal {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.reason
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// A body that did not parse: which type, where, and a short excerpt.
///
/// The parser's message is kept without the input it quotes (serde's `invalid type: string
/// "..."` would repeat a token verbatim), so the error has no `source`.
#[derive(Debug)]
#[non_exhaustive]
pub struct DecodeError {
    /// The Rust type the body should have parsed as.
    pub type_name: &'static str,
    /// Where the body came from (e.g. `GET /subscriptions/.../vaults/v1 response`).
    pub context: String,
    /// The start of the body, credential-looking values removed.
    pub excerpt: String,
    /// The parser's message, with any quoted input replaced (`invalid type: string
    /// "<redacted>", expected u32 at line 1 column 9`).
    pub message: String,
    /// The 1-based line of the error in the body (0 when unknown).
    pub line: usize,
    /// The 1-based column of the error in the body (0 when unknown).
    pub column: usize,
}

impl DecodeError {
    /// A decode error for `body` that failed to parse as `T`.
    pub fn new<T>(context: impl Into<String>, body: &[u8], source: serde_json::Error) -> Self {
        DecodeError {
            type_name: std::any::type_name::<T>(),
            context: context.into(),
            excerpt: excerpt(body),
            message: json_error_message(&source),
            line: source.line(),
            column: source.column(),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not decode {} as {}: {} (body starts: {})",
            self.context, self.type_name, self.message, self.excerpt
        )
    }
}

impl std::error::Error for DecodeError {}

/// The number of characters of a body kept in an error.
const EXCERPT_CHARS: usize = 160;

/// The start of `body`, as text, with values of credential-looking JSON keys and bearer tokens
/// removed, at most [`EXCERPT_CHARS`] characters.
pub(crate) fn excerpt(body: &[u8]) -> String {
    // A JSON body is redacted structurally (a secret key at any depth, in any casing), as a
    // whole, so a cut cannot split a key from its value; beyond 1 MiB only the start is read.
    let structural = (body.len() <= 1024 * 1024)
        .then(|| serde_json::from_slice::<serde_json::Value>(body).ok())
        .flatten()
        .filter(|v| v.is_object() || v.is_array())
        .map(|mut v| {
            crate::redact::redact_json(&mut v);
            v.to_string()
        });
    let (redacted, cut) = match structural {
        Some(r) => (r, false),
        None => {
            let head = &body[..body.len().min(4 * EXCERPT_CHARS)];
            let text = String::from_utf8_lossy(head);
            (
                crate::redact::redact_tokens(&text).unwrap_or_else(|| text.into_owned()),
                head.len() < body.len(),
            )
        }
    };
    let mut out: String = redacted.chars().take(EXCERPT_CHARS).collect();
    if cut || redacted.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

/// The ARM error envelope, for callers that hold a whole [`ErrorResponse`].
impl From<ErrorResponse> for ServiceError {
    fn from(e: ErrorResponse) -> Self {
        ServiceError {
            status: 0,
            error: e.error,
            request_id: None,
            correlation_id: None,
            retry_after: None,
            body_excerpt: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_errors_split_by_kind() {
        let e: Error = TransportError::new(TransportErrorKind::NotSent, "refused").into();
        assert!(e.is_not_sent() && e.is_retryable());
        let e: Error = TransportError::new(TransportErrorKind::MaybeSent, "reset").into();
        assert!(matches!(e, Error::MaybeSent(_)));
        let e: Error = TransportError::new(TransportErrorKind::ResponseUnreadable, "eof").into();
        assert!(matches!(e, Error::ResponseUnreadable(_)));
    }

    #[test]
    fn bad_ids_and_names_are_invalid_input() {
        let e: Error = crate::ResourceId::parse("subscriptions/x")
            .unwrap_err()
            .into();
        assert!(
            matches!(&e, Error::InvalidInput { what, .. } if what == "resource id"),
            "{e}"
        );
        let e: Error = crate::id::validate_name(
            crate::id::NameKind::ProtectedItem,
            "web?01",
            crate::id::NameRules::Arm,
        )
        .unwrap_err()
        .into();
        assert!(e.to_string().contains("web?01"), "{e}");
        assert!(!e.is_retryable());
    }

    #[test]
    fn service_error_shows_code_message_and_ids() {
        let mut r = Response::new(409);
        r.headers.insert("x-ms-request-id", "rid-1");
        r.headers.insert("x-ms-correlation-request-id", "cid-2");
        r.body = br#"{"error":{"code":"Conflict","message":"A failover is in progress.","target":"web01"}}"#.to_vec();
        let e = Error::from_response(&r);
        assert!(e.is_conflict() && !e.is_retryable());
        let s = e.to_string();
        assert!(
            s.contains("409") && s.contains("Conflict: A failover is in progress."),
            "{s}"
        );
        assert!(
            s.contains("rid-1") && s.contains("cid-2") && s.contains("web01"),
            "{s}"
        );
    }

    #[test]
    fn non_arm_body_is_excerpted_and_redacted() {
        let mut r = Response::new(502);
        r.body = br#"{"access_token":"eyJ0eXAiOiJKV1Qi.secretpart","note":"gateway"}"#.to_vec();
        let e = Error::from_response(&r);
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("eyJ0eXAiOiJKV1Qi"), "{shown}");
        assert!(shown.contains("gateway"), "{shown}");
        assert!(e.is_retryable());
    }

    #[test]
    fn decode_error_names_type_and_place() {
        let body = b"{\"name\": 12, \"authorization\": \"Bearer abc.def.ghi\"}";
        let src = serde_json::from_slice::<serde_json::Value>(b"{").unwrap_err();
        let e = Error::decode::<crate::model::ErrorResponse>("GET /vaults/v1 response", body, src);
        let s = e.to_string();
        assert!(
            s.contains("ErrorResponse") && s.contains("GET /vaults/v1"),
            "{s}"
        );
        assert!(!s.contains("abc.def.ghi"), "{s}");
    }

    #[test]
    fn redact_handles_form_bodies() {
        let s = redact("grant_type=client_credentials&client_secret=s3cr3t&client_id=x");
        assert!(!s.contains("s3cr3t"), "{s}");
        assert!(s.contains("client_id=x"), "{s}");
    }
}
