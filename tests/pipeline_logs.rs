//! The pipeline's log lines: what happened, with request ids, and never a token or a query.
//! In a test binary of its own, because it installs a global `tracing` subscriber.

#![cfg(feature = "reqwest")]

mod log_capture;
mod pipeline_support;

use azs_site_recovery::http::{Method, Request};
use azs_site_recovery::pipeline::auth::StaticTokenCredential;
use azs_site_recovery::pipeline::clock::ManualClock;
use azs_site_recovery::pipeline::Pipeline;
use azs_site_recovery::transport::ReqwestTransport;
use azs_site_recovery::ApiVersion;
use pipeline_support::{Answer, Server};
use std::sync::Arc;

const VAULT: &str =
    "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults/v1";

fn clock() -> ManualClock {
    ManualClock::new("2026-03-01T12:00:00Z".parse().unwrap())
}

fn pipeline_for(server: &Server, clock: &ManualClock) -> Pipeline {
    Pipeline::builder(server.url("/"), Arc::new(ReqwestTransport::new().unwrap()))
        .credential(Arc::new(StaticTokenCredential::new("static-token-1234")))
        .clock(Arc::new(clock.clone()))
        .sleep(Arc::new(clock.clone()))
        .build()
        .unwrap()
}

fn get(p: &Pipeline, path: &str) -> Request {
    Request::new(Method::Get, p.url(path, &ApiVersion::V2024_09_01).unwrap())
}

use log_capture::Capture;

#[tokio::test(flavor = "current_thread")]
async fn logs_say_what_happened_and_never_the_token() {
    let capture = Capture::default();
    // A global subscriber in a binary of its own: a thread-local one races with tests on other
    // threads over tracing's per-callsite interest cache, and loses events.
    tracing::subscriber::set_global_default(capture.clone()).unwrap();
    let server = Server::start(|_, n| {
        if n == 0 {
            Answer::status(503).header("x-ms-request-id", "rid-503")
        } else {
            Answer::status(200)
                .header("x-ms-request-id", "rid-200")
                .header("x-ms-correlation-request-id", "corr-200")
        }
    })
    .await;
    let c = clock();
    let p = pipeline_for(&server, &c);
    let mut req = get(&p, VAULT);
    req.url
        .query_pairs_mut()
        .append_pair("$skiptoken", "continuation-secret");
    p.send(req).await.unwrap();
    let lines = capture.0.lock().unwrap().clone();
    let all = lines.join("\n");
    assert!(!all.contains("static-token-1234"), "{all}");
    assert!(
        !all.contains("continuation-secret"),
        "queries are not logged: {all}"
    );
    let last = lines
        .iter()
        .rev()
        .find(|l| l.contains("status=200"))
        .expect(&all);
    for needle in ["method=GET", VAULT, "rid-200", "corr-200", "attempt=2"] {
        assert!(last.contains(needle), "{needle} missing from {last}");
    }
    assert!(
        all.contains("retrying ARM request") && all.contains("rid-503"),
        "{all}"
    );
}
