//! Test kit (feature `test-util`): transports that answer from a closure or a script, so code
//! built on this crate is tested without a network.

use super::{Transport, TransportError, TransportErrorKind};
use crate::http::{Method, Request, Response};
use std::collections::VecDeque;
use std::fmt;
use std::sync::Mutex;

type Handler = dyn Fn(&Request) -> Result<Response, TransportError> + Send + Sync;

/// A transport that answers every request with a closure, and keeps the requests it got.
///
/// ```
/// # futures_util::FutureExt::now_or_never(async {
/// use azs_site_recovery::http::{Method, Request, Response};
/// use azs_site_recovery::transport::{MockTransport, Transport};
///
/// let mock = MockTransport::new(|req| {
///     let mut r = Response::new(if req.url.path().ends_with("/missing") { 404 } else { 200 });
///     r.body = b"{}".to_vec();
///     Ok(r)
/// });
/// let url = url::Url::parse("https://arm.example/missing").unwrap();
/// let resp = mock.send(&Request::new(Method::Get, url)).await.unwrap();
/// assert_eq!(resp.status, 404);
/// assert_eq!(mock.requests().len(), 1);
/// # }).unwrap();
/// ```
pub struct MockTransport {
    handler: Box<Handler>,
    requests: Mutex<Vec<Request>>,
}

impl MockTransport {
    /// A transport that answers with `handler`.
    pub fn new(
        handler: impl Fn(&Request) -> Result<Response, TransportError> + Send + Sync + 'static,
    ) -> Self {
        MockTransport {
            handler: Box::new(handler),
            requests: Mutex::new(Vec::new()),
        }
    }

    /// The requests sent so far, oldest first.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.requests).clone()
    }
}

impl fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockTransport")
            .field("requests", &lock(&self.requests).len())
            .finish()
    }
}

#[async_trait::async_trait]
impl Transport for MockTransport {
    async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        lock(&self.requests).push(request.clone());
        (self.handler)(request)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic in a test while the lock was held must not hide the requests from the report.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a [`ReplayTransport`] expects one request to be.
#[derive(Debug, Clone)]
pub struct Expect {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    json_body: Option<serde_json::Value>,
    headers: Vec<(String, String)>,
}

impl Expect {
    /// A request with `method` to `path` (compared exactly, without the query).
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Expect {
            method,
            path: path.into(),
            query: Vec::new(),
            json_body: None,
            headers: Vec::new(),
        }
    }

    /// A GET of `path`.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::Get, path)
    }

    /// A PUT to `path`.
    pub fn put(path: impl Into<String>) -> Self {
        Self::new(Method::Put, path)
    }

    /// A POST to `path`.
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::Post, path)
    }

    /// A PATCH to `path`.
    pub fn patch(path: impl Into<String>) -> Self {
        Self::new(Method::Patch, path)
    }

    /// A DELETE of `path`.
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::Delete, path)
    }

    /// The query must contain `name=value` (other parameters are allowed).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// The header `name` must be `value`.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The body must be JSON equal to `body` (key order and whitespace do not matter).
    pub fn json_body(mut self, body: serde_json::Value) -> Self {
        self.json_body = Some(body);
        self
    }

    /// What differs between `request` and this expectation, or `None` when it matches.
    fn mismatch(&self, request: &Request) -> Option<String> {
        let mut why = Vec::new();
        if request.method != self.method {
            why.push(format!(
                "method {} (expected {})",
                request.method, self.method
            ));
        }
        if request.url.path() != self.path {
            why.push(format!(
                "path {} (expected {})",
                request.url.path(),
                self.path
            ));
        }
        for (k, v) in &self.query {
            if !request
                .url
                .query_pairs()
                .any(|(qk, qv)| qk == *k && qv == *v)
            {
                why.push(format!("query lacks {k}={v}"));
            }
        }
        for (k, v) in &self.headers {
            if request.headers.get(k) != Some(v.as_str()) {
                why.push(format!(
                    "header {k} is {:?} (expected {v:?})",
                    request.headers.get(k)
                ));
            }
        }
        if let Some(expected) = &self.json_body {
            match serde_json::from_slice::<serde_json::Value>(&request.body) {
                Ok(got) if &got == expected => {}
                Ok(got) => why.push(format!("body {got} (expected {expected})")),
                Err(e) => why.push(format!("body is not JSON ({e})")),
            }
        }
        (!why.is_empty()).then(|| why.join("; "))
    }
}

/// What a [`ReplayTransport`] answers to one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A response.
    Response(Response),
    /// A transport failure of this kind.
    Fail(TransportErrorKind),
}

impl Reply {
    /// A response with `status`, no headers and no body.
    pub fn status(status: u16) -> Self {
        Reply::Response(Response::new(status))
    }

    /// A response with `status` and a JSON body.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        let mut r = Response::new(status);
        r.headers.insert("content-type", "application/json");
        r.body = body.to_string().into_bytes();
        Reply::Response(r)
    }

    /// Adds a header to a response (ignored on a failure).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        if let Reply::Response(r) = &mut self {
            r.headers.insert(name, value);
        }
        self
    }

    /// A transport failure of `kind`.
    pub fn fail(kind: TransportErrorKind) -> Self {
        Reply::Fail(kind)
    }
}

/// A transport that plays a scripted conversation: each request must match the next
/// [`Expect`]ation and gets its [`Reply`]. A request that does not match, or comes after the
/// script ends, fails with a [`TransportErrorKind::NotSent`] error that says why, and is
/// reported by [`ReplayTransport::assert_finished`].
///
/// ```
/// # futures_util::FutureExt::now_or_never(async {
/// use azs_site_recovery::http::{Method, Request};
/// use azs_site_recovery::transport::{Expect, Reply, ReplayTransport, Transport};
/// use serde_json::json;
///
/// let replay = ReplayTransport::new()
///     .then(Expect::get("/vaults/v1").query("api-version", "2024-09-01"), Reply::status(503))
///     .then(Expect::get("/vaults/v1"), Reply::json(200, json!({"name": "v1"})));
/// let url = url::Url::parse("https://arm.example/vaults/v1?api-version=2024-09-01").unwrap();
/// let req = Request::new(Method::Get, url);
/// assert_eq!(replay.send(&req).await.unwrap().status, 503);
/// assert_eq!(replay.send(&req).await.unwrap().status, 200);
/// replay.assert_finished();
/// # }).unwrap();
/// ```
pub struct ReplayTransport {
    script: Mutex<VecDeque<(Expect, Reply)>>,
    requests: Mutex<Vec<Request>>,
    problems: Mutex<Vec<String>>,
}

impl Default for ReplayTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl ReplayTransport {
    /// An empty script.
    pub fn new() -> Self {
        ReplayTransport {
            script: Mutex::new(VecDeque::new()),
            requests: Mutex::new(Vec::new()),
            problems: Mutex::new(Vec::new()),
        }
    }

    /// Adds a step: the next request must match `expect` and gets `reply`.
    pub fn then(self, expect: Expect, reply: Reply) -> Self {
        lock(&self.script).push_back((expect, reply));
        self
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.requests).clone()
    }

    /// The number of steps not yet played.
    pub fn remaining(&self) -> usize {
        lock(&self.script).len()
    }

    /// Panics (this is a test assertion) if a request did not match its step, came after the
    /// script ended, or a step was never played.
    pub fn assert_finished(&self) {
        let problems = lock(&self.problems).clone();
        let remaining = self.remaining();
        assert!(
            problems.is_empty() && remaining == 0,
            "replay did not go as scripted: {} problem(s): [{}]; {} step(s) not played",
            problems.len(),
            problems.join(" | "),
            remaining
        );
    }
}

impl fmt::Debug for ReplayTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayTransport")
            .field("remaining", &self.remaining())
            .field("requests", &lock(&self.requests).len())
            .finish()
    }
}

#[async_trait::async_trait]
impl Transport for ReplayTransport {
    async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let n = {
            let mut reqs = lock(&self.requests);
            reqs.push(request.clone());
            reqs.len()
        };
        let step = lock(&self.script).pop_front();
        let problem = match step {
            None => format!(
                "request {n} ({} {}) came after the script ended",
                request.method,
                request.url.path()
            ),
            Some((expect, reply)) => match expect.mismatch(request) {
                None => {
                    return match reply {
                        Reply::Response(r) => Ok(r),
                        Reply::Fail(kind) => Err(TransportError::new(
                            kind,
                            format!("scripted failure for request {n}"),
                        )),
                    }
                }
                Some(why) => format!("request {n} does not match its step: {why}"),
            },
        };
        lock(&self.problems).push(problem.clone());
        Err(TransportError::new(TransportErrorKind::NotSent, problem))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn block<F: std::future::Future>(f: F) -> F::Output {
        futures_util::FutureExt::now_or_never(f).expect("mock futures are ready at once")
    }

    fn put() -> Request {
        let url =
            url::Url::parse("https://arm.example/vaults/v1?api-version=2024-09-01&x=1").unwrap();
        Request::new(Method::Put, url).with_json(br#"{"location":"local","tags":{}}"#.to_vec())
    }

    #[test]
    fn replay_checks_method_path_query_subset_and_json_body() {
        let replay = ReplayTransport::new().then(
            Expect::put("/vaults/v1")
                .query("api-version", "2024-09-01")
                .header("content-type", "application/json")
                .json_body(json!({"tags": {}, "location": "local"})),
            Reply::json(201, json!({"name": "v1"}))
                .header("Azure-AsyncOperation", "https://arm.example/op"),
        );
        let r = block(replay.send(&put())).unwrap();
        assert_eq!(r.status, 201);
        assert_eq!(
            r.headers.get("azure-asyncoperation"),
            Some("https://arm.example/op")
        );
        replay.assert_finished();
    }

    #[test]
    fn replay_reports_a_wrong_body_and_an_extra_request() {
        let replay = ReplayTransport::new().then(
            Expect::put("/vaults/v1").json_body(json!({"location": "other"})),
            Reply::status(200),
        );
        let e = block(replay.send(&put())).unwrap_err();
        assert!(e.message().contains("body"), "{e}");
        let e = block(replay.send(&put())).unwrap_err();
        assert!(e.message().contains("after the script ended"), "{e}");
        let result = std::panic::catch_unwind(|| replay.assert_finished());
        assert!(result.is_err());
    }

    #[test]
    fn replay_plays_transport_failures_and_mock_records_requests() {
        let replay = ReplayTransport::new().then(
            Expect::put("/vaults/v1"),
            Reply::fail(TransportErrorKind::MaybeSent),
        );
        let e = block(replay.send(&put())).unwrap_err();
        assert_eq!(e.kind(), TransportErrorKind::MaybeSent);
        assert_eq!(replay.requests().len(), 1);

        let mock = MockTransport::new(|r| {
            Ok(Response::new(if r.method == Method::Put {
                201
            } else {
                405
            }))
        });
        assert_eq!(block(mock.send(&put())).unwrap().status, 201);
        assert_eq!(mock.requests()[0].url.path(), "/vaults/v1");
    }
}
