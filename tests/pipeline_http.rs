//! The pipeline against a real HTTP server on loopback: retries, Retry-After, dropped
//! connections, POST safety, host checks, https with a generated certificate.

#![cfg(feature = "reqwest")]

mod pipeline_support;

use azs_site_recovery::error::RefusalKind;
use azs_site_recovery::http::{Method, Request};
use azs_site_recovery::pipeline::auth::StaticTokenCredential;
use azs_site_recovery::pipeline::clock::ManualClock;
use azs_site_recovery::pipeline::Pipeline;
use azs_site_recovery::transport::ReqwestTransport;
use azs_site_recovery::{ApiVersion, Error};
use pipeline_support::{self_signed, Answer, Server};
use std::sync::Arc;
use std::time::Duration;

const VAULT: &str =
    "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults/v1";
const FAILOVER: &str = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults/v1/protectedItems/web01/plannedFailover";

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

fn post(p: &Pipeline, path: &str) -> Request {
    Request::new(Method::Post, p.url(path, &ApiVersion::V2024_09_01).unwrap()).with_json(
        br#"{"properties":{"customProperties":{"instanceType":"AzStackToAzStack"}}}"#.to_vec(),
    )
}

#[tokio::test]
async fn get_is_retried_through_503_503_to_200_with_the_same_request_id() {
    let server = Server::start(|_, n| {
        if n < 2 {
            Answer::status(503)
        } else {
            Answer::json(200, r#"{"name":"v1"}"#)
        }
    })
    .await;
    let c = clock();
    let p = pipeline_for(&server, &c);
    let r = p.send(get(&p, VAULT)).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body, br#"{"name":"v1"}"#);
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    let ids: Vec<_> = seen
        .iter()
        .map(|s| s.header("x-ms-client-request-id").unwrap().to_owned())
        .collect();
    assert!(ids.iter().all(|i| *i == ids[0] && i.len() == 36), "{ids:?}");
    for s in &seen {
        assert_eq!(s.header("authorization"), Some("Bearer static-token-1234"));
        assert!(s
            .header("user-agent")
            .unwrap()
            .starts_with("azs-site-recovery/"));
        assert_eq!(s.target, format!("{VAULT}?api-version=2024-09-01"));
    }
    let sleeps = c.sleeps();
    assert_eq!(sleeps.len(), 2);
    assert!(sleeps[1] > sleeps[0], "back-off grows: {sleeps:?}");
}

#[tokio::test]
async fn throttling_waits_as_long_as_each_retry_after_form_says() {
    // The pipeline's clock reads 2026-03-01T12:00:00Z.
    let in_7s = "Sun, 01 Mar 2026 12:00:07 GMT";
    let cases = [
        ("Retry-After", "3", Duration::from_secs(3)),
        ("Retry-After", in_7s, Duration::from_secs(7)),
        ("retry-after-ms", "1250", Duration::from_millis(1250)),
        ("x-ms-retry-after-ms", "40", Duration::from_millis(40)),
    ];
    for (name, value, expected) in cases {
        let server = Server::start(move |_, n| {
            if n == 0 {
                Answer::json(
                    429,
                    r#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#,
                )
                .header(name, value)
            } else {
                Answer::status(200)
            }
        })
        .await;
        let c = clock();
        let p = pipeline_for(&server, &c);
        p.send(get(&p, VAULT)).await.unwrap();
        assert_eq!(c.sleeps(), vec![expected], "{name}: {value}");
        assert_eq!(server.count(), 2);
    }
}

#[tokio::test]
async fn throttled_post_is_resent_after_retry_after_and_says_so_when_it_stays_throttled() {
    // A 429 means the request was refused, not processed: it is resent after Retry-After.
    let server = Server::start(|_, n| {
        if n == 0 {
            Answer::json(
                429,
                r#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#,
            )
            .header("Retry-After", "2")
        } else {
            Answer::status(202)
        }
    })
    .await;
    let c = clock();
    let p = pipeline_for(&server, &c);
    p.send(post(&p, FAILOVER)).await.unwrap();
    assert_eq!(server.count(), 2);
    assert_eq!(c.sleeps(), vec![Duration::from_secs(2)]);

    // Throttled every time: the attempts are capped and the error says when to try again.
    let server = Server::start(|_, _| {
        Answer::json(
            429,
            r#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#,
        )
        .header("Retry-After", "1")
    })
    .await;
    let c = clock();
    let p = pipeline_for(&server, &c);
    let e = p.send(post(&p, FAILOVER)).await.unwrap_err();
    assert!(e.is_throttled() && e.is_retryable(), "{e}");
    assert_eq!(server.count(), 4, "the default policy's four attempts");
    match &e {
        Error::Service(s) => assert_eq!(s.retry_after, Some(Duration::from_secs(1))),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn body_dropped_mid_way_is_unreadable_and_retried_only_for_get() {
    let server = Server::start(|s, n| {
        if n == 0 || s.method == "POST" {
            Answer::Truncated {
                status: 200,
                declared: 500,
                sent: br#"{"name":"v1","prop"#.to_vec(),
            }
        } else {
            Answer::json(200, r#"{"name":"v1"}"#)
        }
    })
    .await;
    let c = clock();
    let p = pipeline_for(&server, &c);
    let r = p.send(get(&p, VAULT)).await.unwrap();
    assert_eq!(r.body, br#"{"name":"v1"}"#);
    assert_eq!(server.count(), 2);

    let e = p.send(post(&p, FAILOVER)).await.unwrap_err();
    assert!(matches!(e, Error::ResponseUnreadable(_)), "{e:?}");
    assert_eq!(server.count(), 3, "the failover POST was sent once");
}

#[tokio::test]
async fn failover_post_is_never_sent_twice_after_a_reset() {
    let server = Server::start(|_, _| Answer::Hangup).await;
    let c = clock();
    let p = pipeline_for(&server, &c);
    let e = p.send(post(&p, FAILOVER)).await.unwrap_err();
    assert!(matches!(e, Error::MaybeSent(_)), "{e:?}");
    assert!(!e.is_not_sent());
    assert_eq!(
        server.count(),
        1,
        "a POST that may have reached the service is not resent"
    );
    assert!(c.sleeps().is_empty());

    // The same reset on a GET is retried (up to the attempt cap).
    let e = p.send(get(&p, VAULT)).await.unwrap_err();
    assert!(matches!(e, Error::MaybeSent(_)), "{e:?}");
    assert_eq!(server.count(), 1 + 4);
}

#[tokio::test]
async fn post_that_never_connected_is_retried_and_reported_not_sent() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = clock();
    let p = Pipeline::builder(
        format!("http://127.0.0.1:{port}/").parse().unwrap(),
        Arc::new(ReqwestTransport::new().unwrap()),
    )
    .clock(Arc::new(c.clone()))
    .sleep(Arc::new(c.clone()))
    .build()
    .unwrap();
    let e = p.send(post(&p, FAILOVER)).await.unwrap_err();
    assert!(e.is_not_sent(), "{e:?}");
    assert_eq!(
        c.sleeps().len(),
        3,
        "a POST that never left is safe to resend"
    );
}

#[tokio::test]
async fn arm_errors_are_parsed_with_request_ids() {
    let server = Server::start(|_, _| {
        Answer::json(
            404,
            r#"{"error":{"code":"ResourceNotFound","message":"Vault v1 was not found."}}"#,
        )
        .header("x-ms-request-id", "req-42")
        .header("x-ms-correlation-request-id", "corr-7")
    })
    .await;
    let c = clock();
    let p = pipeline_for(&server, &c);
    let e = p.send(get(&p, VAULT)).await.unwrap_err();
    assert!(e.is_not_found() && !e.is_retryable());
    assert_eq!(
        e.arm_error().unwrap().code.as_deref(),
        Some("ResourceNotFound")
    );
    let shown = e.to_string();
    assert!(
        shown.contains("ResourceNotFound: Vault v1 was not found."),
        "{shown}"
    );
    assert!(
        shown.contains("req-42") && shown.contains("corr-7"),
        "{shown}"
    );
    assert_eq!(server.count(), 1);
    // send_raw hands the 404 back for a caller (get_opt, a poller) to read.
    assert_eq!(p.send_raw(get(&p, VAULT)).await.unwrap().status, 404);
}

#[tokio::test]
async fn token_goes_only_to_the_arm_host_unless_another_is_allowed() {
    let arm = Server::start(|_, _| Answer::status(200)).await;
    let other = Server::start(|_, _| Answer::status(200)).await;
    let c = clock();
    let p = pipeline_for(&arm, &c);
    let next_link = other.url("/subscriptions/s1/page2?api-version=2024-09-01");
    let e = p
        .send(Request::new(Method::Get, next_link.clone()))
        .await
        .unwrap_err();
    match &e {
        Error::Refused(r) => {
            assert_eq!(r.kind, RefusalKind::Security);
            assert!(r.remedy.contains("allow_host"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(other.count(), 0, "nothing reached the foreign host");

    let p = Pipeline::builder(arm.url("/"), Arc::new(ReqwestTransport::new().unwrap()))
        .credential(Arc::new(StaticTokenCredential::new("static-token-1234")))
        .allow_host(format!("127.0.0.1:{}", other.port))
        .build()
        .unwrap();
    p.send(Request::new(Method::Get, next_link)).await.unwrap();
    assert_eq!(
        other.seen()[0].header("authorization"),
        Some("Bearer static-token-1234")
    );
}

#[tokio::test]
async fn plain_http_is_refused_except_to_loopback() {
    let transport = Arc::new(ReqwestTransport::new().unwrap());
    let e = Pipeline::builder(
        "http://management.example/".parse().unwrap(),
        transport.clone(),
    )
    .build()
    .unwrap_err();
    assert!(matches!(e, Error::Refused(_)), "{e}");
    let p = Pipeline::builder("https://management.example/".parse().unwrap(), transport)
        .allow_host("management.example")
        .build()
        .unwrap();
    let e = p
        .check_url(&"http://management.example/x".parse().unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("not https"), "{e}");
    assert!(p
        .check_url(&"https://MANAGEMENT.example:443/x".parse().unwrap())
        .is_ok());
}

#[tokio::test]
async fn https_with_a_certificate_generated_here() {
    let (pem, config) = self_signed();
    let server = Server::start_tls(|_, _| Answer::json(200, r#"{"name":"v1"}"#), config).await;
    let c = clock();
    let transport = ReqwestTransport::builder()
        .add_root_certificate_pem(pem.into_bytes())
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let p = Pipeline::builder(server.url("/"), Arc::new(transport))
        .credential(Arc::new(StaticTokenCredential::new("static-token-1234")))
        .clock(Arc::new(c.clone()))
        .sleep(Arc::new(c.clone()))
        .build()
        .unwrap();
    let r = p.send(get(&p, VAULT)).await.unwrap();
    assert_eq!(r.body, br#"{"name":"v1"}"#);
    assert_eq!(
        server.seen()[0].header("authorization"),
        Some("Bearer static-token-1234")
    );

    // A transport that does not trust the certificate never sends the request.
    let untrusting = Pipeline::builder(server.url("/"), Arc::new(ReqwestTransport::new().unwrap()))
        .clock(Arc::new(c.clone()))
        .sleep(Arc::new(c.clone()))
        .retry_policy(Arc::new(azs_site_recovery::pipeline::retry::NoRetry))
        .build()
        .unwrap();
    let e = untrusting
        .send(post(&untrusting, FAILOVER))
        .await
        .unwrap_err();
    assert!(e.is_not_sent(), "{e:?}");
    assert_eq!(server.count(), 1);
}
