//! ARM's response conventions: the error body, JSON responses, long-running-operation headers
//! and list paging.
//!
//! Errors follow the common-types `ErrorResponse`
//! (`{"error":{"code","message","target","details"}}`, the public specs' `ErrorResponse`); LRO headers
//! follow each api-version's spec (§2 for 2024-09-01/2026-05-01, §2b for the preview).

use crate::http::{Method, Request, Response};
use serde_json::{json, Value};

/// An ARM error: an HTTP status plus the `{"error": {...}}` body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ArmError {
    pub(crate) status: u16,
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) target: Option<String>,
    pub(crate) details: Vec<ArmError>,
}

impl ArmError {
    pub(crate) fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        ArmError {
            status,
            code: code.into(),
            message: message.into(),
            target: None,
            details: Vec::new(),
        }
    }

    pub(crate) fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// 404 `ResourceNotFound`, worded like ARM.
    pub(crate) fn not_found(resource_type: &str, name: &str) -> Self {
        ArmError::new(
            404,
            "ResourceNotFound",
            format!("The Resource '{resource_type}/{name}' was not found."),
        )
    }

    /// 400 `InvalidRequestContent` for a malformed or incomplete body.
    pub(crate) fn invalid_content(target: &str, message: impl Into<String>) -> Self {
        ArmError::new(400, "InvalidRequestContent", message).with_target(target)
    }

    /// 400 `MissingRequiredProperty`-style error, reported under `InvalidRequestContent`.
    pub(crate) fn missing(target: &str) -> Self {
        ArmError::invalid_content(
            target,
            format!("The request content is missing the required property '{target}'."),
        )
    }

    /// 400 `LinkedResourceNotFound`: a reference in the body names a resource that does not exist.
    pub(crate) fn linked_not_found(target: &str, id: &str) -> Self {
        ArmError::new(
            400,
            "LinkedResourceNotFound",
            format!("The resource '{id}' referenced by '{target}' was not found. Create it first or correct the reference."),
        )
        .with_target(target)
    }

    /// 409 `Conflict`.
    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        ArmError::new(409, "Conflict", message)
    }

    pub(crate) fn body(&self) -> Value {
        json!({ "error": self.inner() })
    }

    fn inner(&self) -> Value {
        let mut e = json!({ "code": self.code, "message": self.message });
        if let Some(t) = &self.target {
            e["target"] = json!(t);
        }
        if !self.details.is_empty() {
            e["details"] = Value::Array(self.details.iter().map(ArmError::inner).collect());
        }
        e
    }

    pub(crate) fn into_response(self) -> Response {
        let mut r = json_response(self.status, &self.body());
        r.headers.insert("x-ms-failure-cause", "service");
        r
    }
}

/// A JSON response.
pub(crate) fn json_response(status: u16, body: &Value) -> Response {
    let mut r = Response::new(status);
    r.headers
        .insert("content-type", "application/json; charset=utf-8");
    r.body = serde_json::to_vec(body).unwrap_or_default();
    r
}

/// The scheme and host (with port) of the request, to build absolute URLs on the same host.
pub(crate) fn origin(req: &Request) -> String {
    let url = &req.url;
    match url.port() {
        Some(p) => format!(
            "{}://{}:{}",
            url.scheme(),
            url.host_str().unwrap_or("localhost"),
            p
        ),
        None => format!(
            "{}://{}",
            url.scheme(),
            url.host_str().unwrap_or("localhost")
        ),
    }
}

/// The method named `name` as on the wire (`GET`, ...); `None` for one the emulator does not serve.
pub(crate) fn method(name: &str) -> Option<Method> {
    [
        Method::Get,
        Method::Put,
        Method::Patch,
        Method::Post,
        Method::Delete,
        Method::Head,
    ]
    .into_iter()
    .find(|m| m.as_str() == name)
}

/// A query parameter's first value (case-insensitive name).
pub(crate) fn query(req: &Request, name: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.into_owned())
}

/// The request body as JSON; an empty body is `None`.
pub(crate) fn body_json(req: &Request) -> Result<Option<Value>, ArmError> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(&req.body).map(Some).map_err(|e| {
        ArmError::new(
            400,
            "InvalidRequestContent",
            format!("The request content was invalid and could not be deserialized: {e}."),
        )
    })
}

/// Like [`body_json`], but a body is required and must be an object.
pub(crate) fn required_body(req: &Request) -> Result<Value, ArmError> {
    match body_json(req)? {
        Some(v @ Value::Object(_)) => Ok(v),
        Some(_) => Err(ArmError::invalid_content(
            "",
            "The request content must be a JSON object.",
        )),
        None => Err(ArmError::new(
            400,
            "InvalidRequestContent",
            "The request content was empty; a JSON body is required.",
        )),
    }
}

/// A required string at a JSON pointer (e.g. `/properties/policyName`), non-empty.
pub(crate) fn required_str<'a>(body: &'a Value, pointer: &str) -> Result<&'a str, ArmError> {
    let target = pointer.trim_start_matches('/').replace('/', ".");
    match body.pointer(pointer) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) | None | Some(Value::Null) => Err(ArmError::missing(&target)),
        Some(_) => Err(ArmError::invalid_content(
            &target,
            format!("The property '{target}' must be a string."),
        )),
    }
}

/// An optional string at a JSON pointer; empty strings count as absent.
pub(crate) fn opt_str<'a>(body: &'a Value, pointer: &str) -> Option<&'a str> {
    body.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// One page of a list: `{"value": [...], "nextLink": "..."}`.
///
/// The continuation token is the offset of the next item; `nextLink` is absolute, on the same
/// host as the request, and keeps the request's other query parameters.
pub(crate) fn page(req: &Request, items: Vec<Value>, default_page_size: usize) -> Response {
    page_with(req, items, default_page_size, |v| v)
}

/// Like [`page`], rendering only the items of the page asked for (a list of 10,000 protected
/// items renders 100, not 10,000, per page). `items` is walked lazily up to the end of the page
/// (plus one, to know whether a next page exists): nothing is collected or counted, so a page
/// costs its own items, not the whole list's.
pub(crate) fn page_with<T>(
    req: &Request,
    items: impl IntoIterator<Item = T>,
    default_page_size: usize,
    render: impl FnMut(T) -> Value,
) -> Response {
    let (start, size) = page_bounds(req, default_page_size);
    let mut rest = items.into_iter().skip(start);
    let value: Vec<Value> = rest.by_ref().take(size).map(render).collect();
    let more = rest.next().is_some();
    page_response(req, value, more.then(|| start.saturating_add(size)))
}

/// A page of a list whose `i`-th item (0-based, of `total`) `render` builds on demand: only the
/// page's items are built.
pub(crate) fn page_indexed(
    req: &Request,
    total: usize,
    default_page_size: usize,
    render: impl FnMut(usize) -> Option<Value>,
) -> Response {
    let (start, size) = page_bounds(req, default_page_size);
    let end = start.saturating_add(size).min(total);
    let value: Vec<Value> = (start.min(end)..end).filter_map(render).collect();
    page_response(req, value, (end < total).then_some(end))
}

/// (first item, page size) asked for by the request's `continuationToken`/`$skiptoken` and
/// `pageSize`/`$top`.
fn page_bounds(req: &Request, default_page_size: usize) -> (usize, usize) {
    let start = query(req, "continuationToken")
        .or_else(|| query(req, "$skiptoken"))
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or(0);
    let size = query(req, "pageSize")
        .or_else(|| query(req, "$top"))
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default_page_size.max(1));
    (start, size)
}

/// `{"value": [...], "nextLink": ...}` with a `nextLink` continuing at `next` when given.
fn page_response(req: &Request, value: Vec<Value>, next: Option<usize>) -> Response {
    let mut body = serde_json::Map::with_capacity(2);
    body.insert("value".to_owned(), Value::Array(value));
    if let Some(end) = next {
        let mut next = req.url.clone();
        let kept: Vec<(String, String)> = req
            .url
            .query_pairs()
            .filter(|(k, _)| {
                !k.eq_ignore_ascii_case("continuationToken")
                    && !k.eq_ignore_ascii_case("$skiptoken")
            })
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        next.query_pairs_mut()
            .clear()
            .extend_pairs(kept)
            .append_pair("continuationToken", &end.to_string());
        body.insert("nextLink".to_owned(), Value::String(next.into()));
    }
    json_response(200, &Value::Object(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;

    fn req(url: &str) -> Request {
        Request::new(Method::Get, url::Url::parse(url).unwrap())
    }

    #[test]
    fn error_body_is_arm_shaped() {
        let e = ArmError::missing("properties.policyName");
        let b = e.body();
        assert_eq!(b["error"]["code"], "InvalidRequestContent");
        assert_eq!(b["error"]["target"], "properties.policyName");
        assert!(b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("policyName"));
    }

    #[test]
    fn paging_links_are_absolute_on_the_request_host() {
        let r = req("https://management.local.azurestack.external/x?api-version=2024-09-01");
        let items: Vec<Value> = (0..5).map(|i| json!(i)).collect();
        let resp = page(&r, items.clone(), 2);
        let b: Value = serde_json::from_slice(&resp.body).unwrap();
        assert_eq!(b["value"], json!([0, 1]));
        let next = b["nextLink"].as_str().unwrap();
        assert!(next.starts_with("https://management.local.azurestack.external/x?"));
        assert!(next.contains("api-version=2024-09-01"));
        let resp = page(&req(next), items.clone(), 2);
        let b: Value = serde_json::from_slice(&resp.body).unwrap();
        assert_eq!(b["value"], json!([2, 3]));
        let resp = page(&req(b["nextLink"].as_str().unwrap()), items, 2);
        let b: Value = serde_json::from_slice(&resp.body).unwrap();
        assert_eq!(b["value"], json!([4]));
        assert!(b.get("nextLink").is_none());
    }
}
