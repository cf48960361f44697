//! Plain HTTP values: the request the pipeline builds and the response a transport returns.
//!
//! Nothing here does I/O: these are values that the client builds, a [`Transport`] sends and the
//! emulator answers.
//!
//! Beside the values live the pure ARM rules the client and the emulator share: URL building
//! ([`arm_url`]), error bodies ([`parse_arm_error`]), `Retry-After` ([`retry_after`]) and the
//! long-running-operation header rules ([`lro`]).
//!
//! [`Transport`]: crate::transport::Transport

use std::fmt;
use url::Url;

mod arm_error;
pub mod lro;
mod retry_after;
mod url_rules;

pub use arm_error::parse_arm_error;
pub use retry_after::{parse_retry_after_value, retry_after};
pub use url_rules::{arm_url, is_loopback, path_for_log, same_origin, with_api_version};

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`.
    Get,
    /// `PUT`.
    Put,
    /// `PATCH`.
    Patch,
    /// `POST`.
    Post,
    /// `DELETE`.
    Delete,
    /// `HEAD`.
    Head,
}

impl Method {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
        }
    }

    /// `true` where repeating the request has the same effect as sending it once
    /// (GET, HEAD, PUT, DELETE). PATCH and POST are not.
    pub fn is_idempotent(self) -> bool {
        matches!(
            self,
            Method::Get | Method::Head | Method::Put | Method::Delete
        )
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// HTTP headers: names compared ASCII case-insensitively, order and repeats kept.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Headers(Vec::new())
    }

    /// The first value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Sets `name` to `value`, replacing any earlier values.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        self.0.retain(|(k, _)| !k.eq_ignore_ascii_case(&name));
        self.0.push((name, value.into()));
    }

    /// Adds a value for `name`, keeping earlier ones.
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }

    /// Removes every value of `name`.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    }

    /// `true` if `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// All headers, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The number of header lines.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// `true` when there are no headers.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Header values that carry credentials are printed as `<redacted>`.
impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.0 {
            if is_sensitive_header(k) {
                m.entry(k, &"<redacted>");
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}

/// `true` for headers whose values must never be logged or printed.
pub fn is_sensitive_header(name: &str) -> bool {
    [
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-ms-authorization-auxiliary",
    ]
    .iter()
    .any(|s| s.eq_ignore_ascii_case(name))
}

/// An HTTP request, built by the client and sent (by reference) by a transport.
///
/// Its `Debug` shows the body's length, not the body (a token request's body holds a client
/// secret), and redacts credential headers.
#[derive(Clone)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The absolute URL, query included.
    pub url: Url,
    /// The headers.
    pub headers: Headers,
    /// The body (empty for none).
    pub body: Vec<u8>,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("headers", &self.headers)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

impl Request {
    /// A request with no headers and no body.
    pub fn new(method: Method, url: Url) -> Self {
        Request {
            method,
            url,
            headers: Headers::new(),
            body: Vec::new(),
        }
    }

    /// Sets a JSON body and its content type.
    pub fn with_json(mut self, body: Vec<u8>) -> Self {
        self.headers.insert("content-type", "application/json");
        self.body = body;
        self
    }
}

/// An HTTP response as a transport returns it: status, headers and the whole body.
#[derive(Clone, Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: Headers,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with no headers and no body.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Headers::new(),
            body: Vec::new(),
        }
    }

    /// `true` for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body parsed as JSON into `T`; a body that does not parse is an
    /// [`Error::Decode`](crate::Error::Decode) naming `T`, `context` (e.g. `GET /vaults/v1`) and
    /// the start of the body.
    ///
    /// ```
    /// use azs_site_recovery::http::Response;
    /// let mut r = Response::new(200);
    /// r.body = br#"{"error":{"code":"x"}}"#.to_vec();
    /// let e: azs_site_recovery::model::ErrorResponse = r.json("GET /x").unwrap();
    /// r.body = b"<html>".to_vec();
    /// let err = r.json::<azs_site_recovery::model::ErrorResponse>("GET /x").unwrap_err();
    /// assert!(err.to_string().contains("ErrorResponse") && err.to_string().contains("<html>"));
    /// ```
    pub fn json<T: serde::de::DeserializeOwned>(&self, context: &str) -> Result<T, crate::Error> {
        serde_json::from_slice(&self.body).map_err(|e| {
            crate::Error::decode::<T>(
                format!("{context} response ({})", self.status),
                &self.body,
                e,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_case_insensitive_and_redacted() {
        let mut h = Headers::new();
        h.insert("Authorization", "Bearer secret-token");
        h.insert("x-ms-request-id", "abc");
        assert_eq!(h.get("authorization"), Some("Bearer secret-token"));
        let dbg = format!("{h:?}");
        assert!(!dbg.contains("secret-token"), "{dbg}");
        assert!(dbg.contains("abc"));
    }
}
