//! Credentials against a token endpoint and a stamp metadata endpoint served on loopback.

#![cfg(feature = "reqwest")]

mod pipeline_support;

use azs_site_recovery::http::{Method, Request};
use azs_site_recovery::pipeline::auth::{
    AccessToken, Authority, ClientSecretCredential, Secret, StampEndpoints, StaticTokenCredential,
    TokenCredential,
};
use azs_site_recovery::pipeline::clock::ManualClock;
use azs_site_recovery::pipeline::Pipeline;
use azs_site_recovery::transport::{ReqwestTransport, Transport};
use azs_site_recovery::{ApiVersion, Error};
use pipeline_support::{Answer, Server};
use std::sync::Arc;
use std::time::Duration;

const CLIENT_SECRET: &str = "Sup3r-S3cret~Value";
const AUDIENCE: &str =
    "https://management.adfs.azurestack.local/4de154de-f8a8-4017-af41-df619da68155";

fn transport() -> Arc<dyn Transport> {
    Arc::new(ReqwestTransport::new().unwrap())
}

fn form(body: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A stamp: metadata, a token endpoint for `login_path`, and ARM answering 200 to the rest.
async fn stamp(login_path: &'static str) -> Server {
    Server::start(move |s, n| {
        let base = format!("http://127.0.0.1:{}", s.header("host").unwrap().rsplit(':').next().unwrap());
        if s.path() == "/metadata/endpoints" {
            Answer::json(
                200,
                &format!(
                    r#"{{"galleryEndpoint":"{base}/gallery/","graphEndpoint":"https://graph.local.azurestack.external/","portalEndpoint":"{base}/portal/","authentication":{{"loginEndpoint":"{base}{login_path}","audiences":["{AUDIENCE}"]}}}}"#
                ),
            )
        } else if s.path().ends_with("/token") {
            Answer::json(200, &format!(r#"{{"token_type":"Bearer","access_token":"tok-{n}","expires_in":"3600"}}"#))
        } else {
            Answer::status(200)
        }
    })
    .await
}

#[tokio::test]
async fn adfs_is_discovered_and_asked_for_the_audience_as_resource() {
    let server = stamp("/adfs").await;
    let t = transport();
    let endpoints = StampEndpoints::discover(t.as_ref(), &server.url("/"))
        .await
        .unwrap();
    assert!(endpoints.is_adfs());
    assert_eq!(endpoints.audiences, vec![AUDIENCE.to_owned()]);
    assert!(endpoints
        .portal_endpoint
        .as_deref()
        .unwrap()
        .ends_with("/portal/"));
    assert_eq!(
        server.seen()[0].target,
        "/metadata/endpoints?api-version=2015-01-01"
    );

    let cred =
        ClientSecretCredential::for_stamp(&endpoints, "ignored-tenant", "app-1", CLIENT_SECRET, t);
    assert!(matches!(cred.authority(), Authority::Adfs { .. }));
    let token = cred.get_token(&[&endpoints.arm_scope()]).await.unwrap();
    assert_eq!(token.secret.expose(), "tok-1");
    let req = &server.seen()[1];
    assert_eq!(req.method, "POST");
    assert_eq!(req.path(), "/adfs/oauth2/token");
    let f = form(&req.body_text());
    assert_eq!(field(&f, "grant_type"), Some("client_credentials"));
    assert_eq!(field(&f, "client_id"), Some("app-1"));
    assert_eq!(field(&f, "client_secret"), Some(CLIENT_SECRET));
    assert_eq!(field(&f, "resource"), Some(AUDIENCE));
    assert_eq!(field(&f, "scope"), None);
}

#[tokio::test]
async fn entra_id_is_discovered_and_asked_for_the_scope_of_the_tenant() {
    let server = stamp("/").await;
    let t = transport();
    let endpoints = StampEndpoints::discover(t.as_ref(), &server.url("/"))
        .await
        .unwrap();
    assert!(!endpoints.is_adfs());
    let cred = ClientSecretCredential::for_stamp(
        &endpoints,
        "contoso.onmicrosoft.com",
        "app-1",
        CLIENT_SECRET,
        t,
    );
    cred.get_token(&[&endpoints.arm_scope()]).await.unwrap();
    let req = &server.seen()[1];
    assert_eq!(req.path(), "/contoso.onmicrosoft.com/oauth2/v2.0/token");
    let f = form(&req.body_text());
    assert_eq!(
        field(&f, "scope"),
        Some(format!("{AUDIENCE}/.default").as_str())
    );
    assert_eq!(field(&f, "resource"), None);
}

#[tokio::test]
async fn a_token_about_to_expire_is_refreshed_and_others_are_reused() {
    let server = stamp("/").await;
    let clock = ManualClock::new("2026-03-01T12:00:00Z".parse().unwrap());
    let cred = ClientSecretCredential::new(
        Authority::EntraId {
            login_endpoint: server.url("/"),
            tenant_id: "t1".into(),
        },
        "app-1",
        CLIENT_SECRET,
        transport(),
    )
    .with_clock(Arc::new(clock.clone()))
    .with_refresh_margin(Duration::from_secs(300));
    let p = Pipeline::builder(server.url("/"), transport())
        .credential(Arc::new(cred))
        .scopes([format!("{AUDIENCE}/.default")])
        .clock(Arc::new(clock.clone()))
        .sleep(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let vault = || {
        Request::new(
            Method::Get,
            p.url(
                "/subscriptions/s1/resourceGroups/rg",
                &ApiVersion::default(),
            )
            .unwrap(),
        )
    };
    let bearer = |s: &Server| {
        let seen = s.seen();
        let last = seen
            .iter()
            .rev()
            .find(|r| !r.path().ends_with("/token"))
            .unwrap();
        last.header("authorization").unwrap().to_owned()
    };
    let tokens_fetched = |s: &Server| {
        s.seen()
            .iter()
            .filter(|r| r.path().ends_with("/token"))
            .count()
    };

    p.send(vault()).await.unwrap();
    assert_eq!(bearer(&server), "Bearer tok-0");
    clock.advance(Duration::from_secs(3000));
    p.send(vault()).await.unwrap();
    assert_eq!(
        bearer(&server),
        "Bearer tok-0",
        "still 10 minutes left: cached"
    );
    assert_eq!(tokens_fetched(&server), 1);
    clock.advance(Duration::from_secs(400));
    p.send(vault()).await.unwrap();
    assert_eq!(
        bearer(&server),
        "Bearer tok-3",
        "within 5 minutes of expiry: refreshed"
    );
    assert_eq!(tokens_fetched(&server), 2);
}

#[tokio::test]
async fn no_secret_in_any_debug_display_or_error() {
    // A token endpoint that rejects the secret and (badly) echoes it back.
    let server = Server::start(|_, _| {
        Answer::json(
            401,
            &format!(r#"{{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. client_secret={CLIENT_SECRET}\r\nTrace ID: 1"}}"#),
        )
    })
    .await;
    let cred = ClientSecretCredential::new(
        Authority::Adfs {
            login_endpoint: server.url("/adfs/"),
        },
        "app-1",
        CLIENT_SECRET,
        transport(),
    );
    let err = cred.get_token(&[AUDIENCE]).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Authentication {
                status: Some(401),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("invalid_client"), "{err}");

    let static_cred = StaticTokenCredential::new("eyJ-static-token-value");
    let token = AccessToken::new("eyJ-access-token-value", chrono::Utc::now());
    let p = Pipeline::builder(server.url("/"), transport())
        .credential(Arc::new(StaticTokenCredential::new(
            "eyJ-static-token-value",
        )))
        .build()
        .unwrap();
    // A service error whose body carries a token, and a refused request.
    let mut response = azs_site_recovery::http::Response::new(500);
    response.body =
        br#"{"access_token":"eyJ-access-token-value","detail":"Bearer eyJ-static-token-value"}"#
            .to_vec();
    let service = Error::from_response(&response);
    let mut signed = Request::new(Method::Get, server.url("/x"));
    signed
        .headers
        .insert("Authorization", "Bearer eyJ-static-token-value");
    let shown = [
        format!("{err} {err:?}"),
        format!("{cred:?}"),
        format!("{static_cred:?}"),
        format!("{token:?}"),
        format!("{:?}", Secret::new(CLIENT_SECRET)),
        format!("{p:?}"),
        format!("{service} {service:?}"),
        format!("{signed:?}"),
    ];
    for s in shown {
        assert!(!s.contains(CLIENT_SECRET), "client secret leaked: {s}");
        assert!(!s.contains("eyJ-static-token-value"), "token leaked: {s}");
        assert!(!s.contains("eyJ-access-token-value"), "token leaked: {s}");
    }
}

#[tokio::test]
async fn metadata_that_is_not_a_stamp_says_so() {
    let server = Server::start(|_, _| Answer::json(200, r#"{"portalEndpoint":"x"}"#)).await;
    let e = StampEndpoints::discover(transport().as_ref(), &server.url("/"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("authentication"), "{e}");
    let server = Server::start(|_, _| Answer::status(404)).await;
    let e = StampEndpoints::discover(transport().as_ref(), &server.url("/"))
        .await
        .unwrap_err();
    assert!(e.is_not_found());
}

#[tokio::test]
async fn many_requests_at_once_fetch_one_token() {
    let server = stamp("/").await;
    let cred = Arc::new(ClientSecretCredential::new(
        Authority::EntraId {
            login_endpoint: server.url("/"),
            tenant_id: "t1".into(),
        },
        "app-1",
        CLIENT_SECRET,
        transport(),
    ));
    let scope = format!("{AUDIENCE}/.default");
    let asks = (0..16).map(|_| {
        let cred = cred.clone();
        let scope = scope.clone();
        async move { cred.get_token(&[&scope]).await.unwrap() }
    });
    let tokens = futures_util::future::join_all(asks).await;
    assert!(tokens.iter().all(|t| t.secret.expose() == "tok-0"));
    assert_eq!(server.count(), 1);
}
