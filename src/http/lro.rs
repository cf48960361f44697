//! The ARM long-running-operation rules, as pure functions a poller drives.
//!
//! An ARM write (PUT, PATCH, DELETE, or a POST action such as `plannedFailover`) may answer
//! before the work is done. Which URL tells the progress is decided from the first response
//! ([`plan`]):
//!
//! 1. `Azure-AsyncOperation`: poll it; its body is `{"status": ..., "error": ...}`
//!    ([`parse_operation_status`]).
//! 2. else `Location`: poll it; `202` means still running, `200`/`201`/`204` means done
//!    ([`location_status`]).
//! 3. else, for PUT/PATCH, the resource itself: poll the request URL and read
//!    `properties.provisioningState` ([`provisioning_state`]); a resource without one has
//!    succeeded.
//!
//! When the operation has succeeded, the result is fetched from [`LroPlan::final_url`], chosen by
//! `final-state-via` ([`FinalStateVia`]; the default is the original URL for PUT/PATCH and
//! `Location` for POST). Status words compare case-insensitively (`Succeeded`, `succeeded`).

use crate::error::{Error, OperationFailure, OperationOutcome};
use crate::http::{Method, Response};
use crate::model::ErrorDetail;
use url::Url;

/// The state of a long-running operation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LroStatus {
    /// Not finished; the word the service used (`InProgress`, `Accepted`, `Creating`, ...).
    InProgress(String),
    /// Finished successfully.
    Succeeded,
    /// Finished with an error.
    Failed,
    /// Canceled (`Canceled` or `Cancelled`).
    Canceled,
}

impl LroStatus {
    /// Reads a status or provisioning-state word, case-insensitively. Anything other than
    /// `Succeeded`, `Failed`, `Canceled`/`Cancelled` is still in progress.
    ///
    /// ```
    /// use azs_site_recovery::http::lro::LroStatus;
    /// assert_eq!(LroStatus::parse("succeeded"), LroStatus::Succeeded);
    /// assert_eq!(LroStatus::parse("CANCELLED"), LroStatus::Canceled);
    /// assert!(!LroStatus::parse("Updating").is_terminal());
    /// ```
    pub fn parse(word: &str) -> LroStatus {
        let w = word.trim();
        if w.eq_ignore_ascii_case("succeeded") {
            LroStatus::Succeeded
        } else if w.eq_ignore_ascii_case("failed") {
            LroStatus::Failed
        } else if w.eq_ignore_ascii_case("canceled") || w.eq_ignore_ascii_case("cancelled") {
            LroStatus::Canceled
        } else {
            LroStatus::InProgress(w.to_owned())
        }
    }

    /// `true` for `Succeeded`, `Failed` and `Canceled`.
    pub fn is_terminal(&self) -> bool {
        !matches!(self, LroStatus::InProgress(_))
    }
}

/// Where the final result of a successful operation is read (the OpenAPI
/// `x-ms-long-running-operation-options.final-state-via`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FinalStateVia {
    /// GET the URL of the original request.
    OriginalUri,
    /// GET the `Location` header's URL.
    Location,
    /// The `Azure-AsyncOperation` URL's body is the result.
    AzureAsyncOperation,
}

impl FinalStateVia {
    /// ARM's default for `method`: the original URL for PUT and PATCH, `Location` otherwise.
    pub fn default_for(method: Method) -> FinalStateVia {
        match method {
            Method::Put | Method::Patch => FinalStateVia::OriginalUri,
            _ => FinalStateVia::Location,
        }
    }
}

/// What to poll next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PollTarget {
    /// The `Azure-AsyncOperation` URL; read it with [`parse_operation_status`].
    AzureAsyncOperation(Url),
    /// The `Location` URL; read it with [`location_status`].
    Location(Url),
    /// The resource itself; read it with [`provisioning_state`].
    ProvisioningState(Url),
    /// Nothing: the first response was already final.
    Done,
}

/// How to follow one long-running operation, decided from its first response.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LroPlan {
    /// What to poll.
    pub poll: PollTarget,
    /// Where to GET the result once the operation has succeeded (`None`: there is no result to
    /// fetch, e.g. a DELETE, or the last poll response is the result).
    pub final_url: Option<Url>,
    /// The status of the first response, when it tells one (a PUT answering `200` with a
    /// terminal `provisioningState`).
    pub initial_status: Option<LroStatus>,
}

/// Decides how to follow an operation from the request's method and URL and its first
/// (successful) response. Relative header URLs are resolved against the request URL.
///
/// ```
/// use azs_site_recovery::http::{lro::{plan, PollTarget}, Method, Response};
/// let item = url::Url::parse("https://arm.example/subscriptions/s/x/protectedItems/web01/plannedFailover?api-version=2024-09-01").unwrap();
/// let mut first = Response::new(202);
/// first.headers.insert("Location", "https://arm.example/subscriptions/s/operationResults/op1?api-version=2024-09-01");
/// let p = plan(Method::Post, &item, &first, None).unwrap();
/// assert!(matches!(p.poll, PollTarget::Location(_)));
/// assert_eq!(p.final_url.unwrap().path(), "/subscriptions/s/operationResults/op1");
/// ```
pub fn plan(
    method: Method,
    request_url: &Url,
    first: &Response,
    final_state_via: Option<FinalStateVia>,
) -> Result<LroPlan, Error> {
    let header_url = |name: &str| -> Result<Option<Url>, Error> {
        match first.headers.get(name) {
            None => Ok(None),
            Some(v) if v.trim().is_empty() => Ok(None),
            Some(v) => request_url.join(v.trim()).map(Some).map_err(|e| {
                Error::invalid_input(
                    format!("`{name}` header"),
                    format!("the service sent `{v}`, which is not a URL ({e})"),
                )
            }),
        }
    };
    let async_op = header_url("azure-asyncoperation")?;
    let location = header_url("location")?;
    let via = final_state_via.unwrap_or_else(|| FinalStateVia::default_for(method));
    let writes_resource = matches!(method, Method::Put | Method::Patch);

    let final_url = match via {
        FinalStateVia::OriginalUri if writes_resource => Some(request_url.clone()),
        FinalStateVia::OriginalUri => None,
        FinalStateVia::Location => location
            .clone()
            .or_else(|| writes_resource.then(|| request_url.clone())),
        FinalStateVia::AzureAsyncOperation => None,
    };
    let final_url = if method == Method::Delete && via != FinalStateVia::Location {
        None
    } else {
        final_url
    };

    let initial_status = if writes_resource && matches!(first.status, 200 | 201) {
        provisioning_state(&first.body)
    } else {
        None
    };

    let poll = if let Some(u) = async_op {
        PollTarget::AzureAsyncOperation(u)
    } else if let Some(u) = location {
        PollTarget::Location(u)
    } else if writes_resource {
        match &initial_status {
            Some(s) if s.is_terminal() => PollTarget::Done,
            // 200/201 without a provisioning state: the write is done.
            None if first.status != 202 => PollTarget::Done,
            _ => PollTarget::ProvisioningState(request_url.clone()),
        }
    } else {
        PollTarget::Done
    };
    Ok(LroPlan {
        poll,
        final_url,
        initial_status,
    })
}

/// The state a `Location` poll response tells: `202` still running, any other success done.
pub fn location_status(poll: &Response) -> LroStatus {
    if poll.status == 202 {
        LroStatus::InProgress("Accepted".to_owned())
    } else {
        LroStatus::Succeeded
    }
}

/// `properties.provisioningState` of a resource body (`None` when the body has none, which for a
/// resource that exists means the write succeeded).
///
/// ```
/// use azs_site_recovery::http::lro::{provisioning_state, LroStatus};
/// let body = br#"{"name":"v1","properties":{"provisioningState":"Creating"}}"#;
/// assert_eq!(provisioning_state(body), Some(LroStatus::InProgress("Creating".into())));
/// ```
pub fn provisioning_state(body: &[u8]) -> Option<LroStatus> {
    #[derive(serde::Deserialize)]
    struct Envelope {
        properties: Option<Props>,
    }
    #[derive(serde::Deserialize)]
    struct Props {
        #[serde(rename = "provisioningState")]
        provisioning_state: Option<String>,
    }
    let e: Envelope = serde_json::from_slice(body).ok()?;
    e.properties?
        .provisioning_state
        .map(|s| LroStatus::parse(&s))
}

/// The body of an `Azure-AsyncOperation` poll: its status and, when it failed, its error.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OperationStatusBody {
    /// The status.
    pub status: LroStatus,
    /// The operation's error, when the service sent one.
    pub error: Option<ErrorDetail>,
}

/// Parses an `Azure-AsyncOperation` status body `{"status": ..., "error": {...}}`. A body
/// without `status` is a [`Error::Decode`].
///
/// ```
/// use azs_site_recovery::http::lro::{parse_operation_status, LroStatus};
/// let s = parse_operation_status(br#"{"status":"failed","error":{"code":"JobFailed","message":"disk busy"}}"#).unwrap();
/// assert_eq!(s.status, LroStatus::Failed);
/// assert_eq!(s.error.unwrap().code.as_deref(), Some("JobFailed"));
/// ```
pub fn parse_operation_status(body: &[u8]) -> Result<OperationStatusBody, Error> {
    #[derive(serde::Deserialize)]
    struct Body {
        status: String,
        error: Option<ErrorDetail>,
    }
    let b: Body = serde_json::from_slice(body).map_err(|e| {
        Error::decode::<OperationStatusBody>("the Azure-AsyncOperation status body", body, e)
    })?;
    Ok(OperationStatusBody {
        status: LroStatus::parse(&b.status),
        error: b.error,
    })
}

/// The error for an operation that ended `Failed` or `Canceled` (`None` for any other status),
/// carrying the operation's own error; a poller adds the job's and the item's errors.
///
/// ```
/// use azs_site_recovery::http::lro::{failure, parse_operation_status};
/// let s = parse_operation_status(br#"{"status":"Canceled"}"#).unwrap();
/// let err = failure(&s, "testFailover of web01").unwrap();
/// assert_eq!(err.to_string(), "testFailover of web01 ended Canceled");
/// ```
pub fn failure(status: &OperationStatusBody, operation: &str) -> Option<OperationFailure> {
    let outcome = match status.status {
        LroStatus::Failed => OperationOutcome::Failed,
        LroStatus::Canceled => OperationOutcome::Canceled,
        _ => return None,
    };
    Some(OperationFailure::new(outcome, operation).with_error(status.error.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://arm.example/subscriptions/s/vaults/v1?api-version=2024-09-01").unwrap()
    }

    #[test]
    fn async_operation_wins_over_location() {
        let mut r = Response::new(201);
        r.headers
            .insert("Azure-AsyncOperation", "/ops/1?api-version=x");
        r.headers.insert("Location", "/results/1");
        let p = plan(Method::Put, &url(), &r, None).unwrap();
        assert_eq!(
            p.poll,
            PollTarget::AzureAsyncOperation(
                Url::parse("https://arm.example/ops/1?api-version=x").unwrap()
            )
        );
        assert_eq!(p.final_url, Some(url()));
        let p = plan(Method::Put, &url(), &r, Some(FinalStateVia::Location)).unwrap();
        assert_eq!(p.final_url.unwrap().path(), "/results/1");
    }

    #[test]
    fn put_without_headers_polls_provisioning_state() {
        let mut r = Response::new(201);
        r.body = br#"{"properties":{"provisioningState":"Creating"}}"#.to_vec();
        let p = plan(Method::Put, &url(), &r, None).unwrap();
        assert_eq!(p.poll, PollTarget::ProvisioningState(url()));
        r.body = br#"{"properties":{"provisioningState":"SUCCEEDED"}}"#.to_vec();
        let p = plan(Method::Put, &url(), &r, None).unwrap();
        assert_eq!(p.poll, PollTarget::Done);
        assert_eq!(p.initial_status, Some(LroStatus::Succeeded));
    }

    #[test]
    fn delete_has_no_result_and_204_is_done() {
        let p = plan(Method::Delete, &url(), &Response::new(204), None).unwrap();
        assert_eq!(p.poll, PollTarget::Done);
        assert_eq!(p.final_url, None);
        let mut r = Response::new(202);
        r.headers.insert("Location", "https://arm.example/ops/9");
        let p = plan(Method::Delete, &url(), &r, None).unwrap();
        assert!(matches!(p.poll, PollTarget::Location(_)));
    }

    #[test]
    fn bad_header_url_is_an_error() {
        let mut r = Response::new(202);
        r.headers.insert("Location", "http://[::1");
        assert!(plan(Method::Post, &url(), &r, None).is_err());
    }

    #[test]
    fn location_and_status_bodies() {
        assert!(!location_status(&Response::new(202)).is_terminal());
        assert_eq!(location_status(&Response::new(204)), LroStatus::Succeeded);
        assert!(parse_operation_status(b"{}").is_err());
        let s = parse_operation_status(br#"{"status":"InProgress"}"#).unwrap();
        assert_eq!(s.status, LroStatus::InProgress("InProgress".into()));
        assert_eq!(provisioning_state(b"{}"), None);
    }
}
