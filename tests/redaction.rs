//! Redaction, as a property: a secret planted in a response body in any of the shapes that have
//! leaked before (camelCase and snake_case keys at any depth, a value after a line break, `Bearer`
//! followed by a tab or a quote, a JWT, a secret with a space in it, userinfo in a URL) appears in
//! no `Display`, no `Debug` and no log line of any error the crate makes of it.
//! In a test binary of its own, because it installs a global `tracing` subscriber.

mod log_capture;

use azs_site_recovery::http::{Request, Response};
use azs_site_recovery::model::{ProtectedItem, Vault};
use azs_site_recovery::pipeline::auth::{Authority, ClientSecretCredential, TokenCredential};
use azs_site_recovery::pipeline::clock::ManualClock;
use azs_site_recovery::transport::{Transport, TransportError};
use azs_site_recovery::{Error, SiteRecoveryClient};
use proptest::prelude::*;
use std::sync::{Arc, OnceLock};

use log_capture::Capture;

fn capture() -> &'static Capture {
    static C: OnceLock<Capture> = OnceLock::new();
    C.get_or_init(|| {
        let c = Capture::default();
        tracing::subscriber::set_global_default(c.clone()).unwrap();
        c
    })
}

/// A transport that answers every request with `status` and `body`.
#[derive(Debug)]
struct Fixed(u16, Vec<u8>);

#[async_trait::async_trait]
impl Transport for Fixed {
    async fn send(&self, _: &Request) -> Result<Response, TransportError> {
        let mut r = Response::new(self.0);
        r.headers.insert("content-type", "application/json");
        r.body = self.1.clone();
        Ok(r)
    }
}

const KEYS: &[&str] = &[
    "accessToken",
    "AccessToken",
    "access_token",
    "ACCESS_TOKEN",
    "clientSecret",
    "client_secret",
    "refreshToken",
    "refresh_token",
    "client_assertion",
    "clientAssertion",
    "password",
    "Password",
    "id_token",
];

/// A body carrying `secret` (no spaces) or `spaced` (`secret` after a space) in one shape.
fn body(shape: usize, key: &str, secret: &str, depth: usize) -> String {
    let spaced = format!("xx {secret}");
    let wrap = |inner: String| {
        let mut s = inner;
        for i in 0..depth {
            s = if i % 2 == 0 {
                format!(r#"{{"properties":{s},"note":"n"}}"#)
            } else {
                format!("[{s}]")
            };
        }
        s
    };
    match shape % 12 {
        0 => wrap(format!(r#"{{"{key}":"{secret}"}}"#)),
        1 => wrap(format!(r#"{{"{key}":"{spaced}"}}"#)),
        2 => format!("{{\"{key}\":\n\"{spaced}\""),
        3 => format!("{key}=\r\n{secret}&x=y"),
        4 => format!(
            "{{\"error\":{{\"code\":\"X\",\"message\":\"Authorization: Bearer\\t{secret}\"}}}}"
        ),
        5 => format!("{{\"error\":{{\"code\":\"X\",\"message\":\"bearer \\\"{secret}\\\"\"}}}}"),
        6 => format!("{{\"name\":\"Bearer {secret}\"}}"),
        7 => format!("<html>Bearer\t{secret}</html>"),
        8 => format!("{{\"id\":\"eyJhbGciOiJIUzI1NiJ9.{secret}.c2ln\"}}"),
        9 => format!("{{\"properties\":{{\"provisioningState\":\"eyJ0eXAi.{secret}\"}}}}"),
        10 => format!("see https://admin:{secret}@stamp.test/x"),
        _ => format!("{key}: {spaced}\nnext line"),
    }
}

/// Everything a user could see of the errors the crate makes of one body.
fn surfaces(status: u16, body: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |e: &Error| {
        out.push(e.to_string());
        out.push(format!("{e:?}"));
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            out.push(s.to_string());
            out.push(format!("{s:?}"));
            src = s.source();
        }
    };
    // The error of a response, and the body decoded as models.
    let mut r = Response::new(status);
    r.body = body.to_vec();
    push(&Error::from_response(&r));
    for e in [
        r.json::<Vault>("GET /v").err(),
        r.json::<ProtectedItem>("GET /p").err(),
        r.json::<u32>("GET /n").err(),
    ]
    .into_iter()
    .flatten()
    {
        push(&e);
    }
    // Through the client: a failed GET, and a 200 whose body does not decode.
    for s in [status, 200] {
        // Retries (of 5xx) wait in virtual time.
        let clock = ManualClock::default();
        let client = SiteRecoveryClient::builder()
            .endpoint("https://arm.test")
            .unwrap()
            .clock(Arc::new(clock.clone()))
            .sleep(Arc::new(clock))
            .shared_transport(Arc::new(Fixed(s, body.to_vec())))
            .build()
            .unwrap();
        let vault = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults/v"
            .parse()
            .unwrap();
        if let Err(e) = futures_executor_block_on(client.vault(&vault).get()) {
            push(&e);
        }
    }
    // The token endpoint answering the body.
    let cred = ClientSecretCredential::new(
        Authority::Adfs {
            login_endpoint: "https://adfs.test/adfs/".parse().unwrap(),
        },
        "client",
        "the-client-secret",
        Arc::new(Fixed(status, body.to_vec())),
    );
    if let Err(e) = futures_executor_block_on(cred.get_token(&["https://arm.test/.default"])) {
        push(&e);
    }
    out
}

fn futures_executor_block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_planted_secret_is_never_shown(
        secret in "[A-Za-z0-9]{16,24}",
        shape in 0usize..12,
        key_ix in 0..KEYS.len(),
        depth in 0usize..4,
        status in prop_oneof![Just(400u16), Just(401), Just(500), Just(502)],
    ) {
        let logs = capture();
        let text = body(shape, KEYS[key_ix], &secret, depth);
        let before = logs.0.lock().unwrap().len();
        let shown = surfaces(status, text.as_bytes());
        let lines = logs.0.lock().unwrap()[before..].join("\n");
        for s in shown.iter().chain(std::iter::once(&lines)) {
            prop_assert!(!s.contains(&secret), "body {text:?} leaked in {s:?}");
        }
        prop_assert!(!lines.contains("the-client-secret"));
    }
}
