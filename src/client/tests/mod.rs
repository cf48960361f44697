// Test code: this module is compiled only under #[cfg(test)] (see its parent module).
//! Client tests over a scripted transport: every request must match the next scripted
//! (method, path) and gets the scripted answer, so a test fails on any unexpected request.

mod hostile;
mod lists_and_actions;
mod lro;

use crate::client::PollingOptions;
use crate::http::{Method, Request, Response};
use crate::id::VaultId;
use crate::pipeline::clock::ManualClock;
use crate::transport::{Transport, TransportError};
use crate::{ApiVersion, SiteRecoveryClient};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

pub(super) const ARM: &str = "https://arm.test";
pub(super) const VAULT: &str =
    "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults/v1";

type Answer = Result<Response, TransportError>;

#[derive(Debug, Default)]
pub(super) struct Scripted {
    script: Mutex<VecDeque<(Method, String, Answer)>>,
    log: Mutex<Vec<Request>>,
}

impl Scripted {
    pub(super) fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Expects `method` on a URL whose path ends with `path_suffix`, answers `answer`.
    pub(super) fn expect(&self, method: Method, path_suffix: &str, answer: Answer) {
        self.script
            .lock()
            .unwrap()
            .push_back((method, path_suffix.to_owned(), answer));
    }

    pub(super) fn ok(&self, method: Method, path_suffix: &str, status: u16, body: Value) {
        self.expect(method, path_suffix, Ok(json_response(status, body)));
    }

    /// Like [`Scripted::ok`], with the body as raw text (for bodies a `Value` cannot hold,
    /// such as a repeated key).
    pub(super) fn respond(&self, method: Method, path_suffix: &str, status: u16, body: &str) {
        let mut r = Response::new(status);
        r.headers.insert("content-type", "application/json");
        r.body = body.as_bytes().to_vec();
        self.expect(method, path_suffix, Ok(r));
    }

    pub(super) fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    pub(super) fn sent(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.url))
            .collect()
    }

    pub(super) fn assert_done(&self) {
        let left = self.script.lock().unwrap();
        assert!(left.is_empty(), "scripted requests never sent: {left:?}");
    }
}

#[async_trait::async_trait]
impl Transport for Scripted {
    async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        self.log.lock().unwrap().push(request.clone());
        let (method, suffix, answer) = self
            .script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| panic!("unexpected request {} {}", request.method, request.url));
        assert_eq!(request.method, method, "method of {}", request.url);
        assert!(
            request.url.path().ends_with(&suffix),
            "expected a path ending {suffix}, got {}",
            request.url
        );
        answer
    }
}

pub(super) fn json_response(status: u16, body: Value) -> Response {
    let mut r = Response::new(status);
    if !body.is_null() {
        r.headers.insert("content-type", "application/json");
        r.body = serde_json::to_vec(&body).unwrap();
    }
    r
}

pub(super) fn with_header(mut r: Response, name: &str, value: &str) -> Response {
    r.headers.insert(name, value);
    r
}

pub(super) fn vault() -> VaultId {
    VAULT.parse().unwrap()
}

pub(super) fn client_with(
    transport: Arc<Scripted>,
    api: ApiVersion,
    polling: PollingOptions,
) -> (SiteRecoveryClient, ManualClock) {
    let clock = ManualClock::default();
    let client = SiteRecoveryClient::builder()
        .endpoint(ARM)
        .unwrap()
        .api_version(api)
        .shared_transport(transport)
        .clock(Arc::new(clock.clone()))
        .sleep(Arc::new(clock.clone()))
        .polling(polling)
        .build()
        .unwrap();
    (client, clock)
}

pub(super) fn client(transport: Arc<Scripted>) -> (SiteRecoveryClient, ManualClock) {
    client_with(
        transport,
        ApiVersion::V2024_09_01,
        PollingOptions::default(),
    )
}

pub(super) fn item(name: &str, protection: &str, test_failover: &str) -> Value {
    json!({
        "id": format!("{VAULT}/protectedItems/{name}"),
        "name": name,
        "type": "Microsoft.DataReplication/replicationVaults/protectedItems",
        "properties": {
            "policyName": "policy1",
            "replicationExtensionName": "ext1",
            "protectionState": protection,
            "testFailoverState": test_failover,
            "provisioningState": "Succeeded",
            "customProperties": {"instanceType": "AzStackToAzStack", "sourceAzStackVirtualMachineId": "/subscriptions/s1/vm"}
        }
    })
}

pub(super) fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}
