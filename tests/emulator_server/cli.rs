//! `ServerOptions`: the command line of `examples/emulator.rs`, its announcement, `--token` and
//! `--api-versions`.

use crate::send;
use azs_site_recovery::api_version::ApiVersion;
use azs_site_recovery::emulator::{ClockMode, OptionsError, ServerOptions};
use azs_site_recovery::http::{Method, Request};
use azs_site_recovery::transport::{ReqwestTransport, Transport};
use serde_json::{json, Value};

#[test]
fn the_command_line_is_parsed_by_hand() {
    let o = ServerOptions::from_args([
        "--listen=0.0.0.0:9000",
        "--allow-remote",
        "--vms",
        "20",
        "--api-versions",
        "2024-09-01, 2026-05-01",
        "--clock",
        "manual",
        "--page-size",
        "7",
        "--token",
        "t0k",
        "--tls",
        "--seed-vault",
        "--until-stdin-closes",
        "--seed",
        "42",
    ])
    .unwrap();
    assert_eq!(o.listen, "0.0.0.0:9000");
    assert_eq!(
        o.api_versions,
        [ApiVersion::V2024_09_01, ApiVersion::V2026_05_01]
    );
    assert_eq!(o.clock, ClockMode::Manual);
    assert_eq!(
        (o.page_size, o.token.as_deref(), o.tls, o.seed_vault),
        (Some(7), Some("t0k"), true, true)
    );
    assert!(o.until_stdin_closes);
    let sc = o.scenario();
    assert_eq!(sc.source_vms.len(), 20);
    assert_eq!(sc.source_vms[12].name, "vm-0013");
    assert_eq!((sc.page_size, sc.seed, sc.require_auth), (7, 42, true));
    assert_eq!(
        ServerOptions::from_args(["--vms", "2"])
            .unwrap()
            .scenario()
            .source_vms
            .len(),
        2
    );

    // Defaults: any free loopback port, auto clock (an outside client can only poll), no TLS.
    let d = ServerOptions::from_args(Vec::<String>::new()).unwrap();
    assert_eq!(d.listen, "127.0.0.1:0");
    assert_eq!(d.clock, ClockMode::Auto);
    assert!(!d.tls && d.token.is_none());
    // Ready for a drill: the vault exists, and a client is told to wait at most 1 s.
    assert!(d.seed_vault);
    assert_eq!(d.retry_after_cap, Some(1));
    let d = ServerOptions::from_args(["--no-seed-vault", "--retry-after-cap=0"]).unwrap();
    assert_eq!((d.seed_vault, d.retry_after_cap), (false, Some(0)));
    let d = ServerOptions::from_args(["--target-quota", "1000,500"]).unwrap();
    assert_eq!(d.target_quota, Some((1000, 500)));
    assert_eq!(d.scenario().target.quota.cores, 1000);
    let d = ServerOptions::from_args(["--realistic-retry-after"]).unwrap();
    assert_eq!(d.retry_after_cap, None);
    assert_eq!(d.scenario().source_vms.len(), 12);

    for (args, says) in [
        (vec!["--bogus"], "unknown option '--bogus'"),
        (vec!["--vms"], "--vms needs a value"),
        (
            vec!["--vms", "many"],
            "--vms needs a whole number, got 'many'",
        ),
        (
            vec!["--clock", "fast"],
            "--clock is auto or manual, got 'fast'",
        ),
        (vec!["--page-size", "0"], "--page-size must be at least 1"),
        (vec!["--tls=yes"], "--tls takes no value"),
        (
            vec!["--api-versions", ","],
            "--api-versions needs a comma-separated list",
        ),
        (vec!["--token", ""], "--token needs a non-empty token"),
        (
            vec!["--target-quota", "lots"],
            "--target-quota needs CORES,VMS as two whole numbers, got 'lots'",
        ),
        (
            vec!["--retry-after-cap", "-1"],
            "--retry-after-cap needs a whole number of seconds (0 allowed), got '-1'",
        ),
        (
            vec!["--realistic-retry-after=1"],
            "--realistic-retry-after takes no value",
        ),
    ] {
        match ServerOptions::from_args(args.clone()) {
            Err(OptionsError::Invalid(m)) => assert!(m.contains(says), "{args:?}: {m}"),
            other => panic!("{args:?}: {other:?}"),
        }
    }
    assert_eq!(ServerOptions::from_args(["-h"]), Err(OptionsError::Help));
    assert!(OptionsError::Help.to_string().contains("--listen ADDR"));
}

#[tokio::test]
async fn the_announcement_names_what_a_client_needs() {
    let started = ServerOptions::from_args(["--vms", "3", "--page-size", "2", "--seed-vault"])
        .unwrap()
        .start()
        .unwrap();
    let a = started.announcement();
    let line = a.to_string();
    assert!(!line.contains('\n'), "one line");
    let base = started.server.base_url();
    assert_eq!(a["endpoint"], base.as_str());
    assert_eq!(a["control_endpoint"], format!("{base}/_emulator"));
    assert_eq!(a["subscription_id"], "5f0c5d7e-1c1a-4b8e-9a4e-000000000002");
    assert_eq!(a["resource_group"], "asr-rg");
    assert_eq!(a["location"], "seattle");
    assert_eq!(a["source_vm_ids"].as_array().unwrap().len(), 3);
    assert_eq!(a["target_network_ids"].as_array().unwrap().len(), 2);
    assert!(a["cache_storage_account_id"]
        .as_str()
        .unwrap()
        .ends_with("/storageAccounts/asrcache01"));
    assert!(a["appliance_id"]
        .as_str()
        .unwrap()
        .ends_with("/fabricAgents/asrappliance01"));
    assert_eq!(
        a["api_versions"],
        json!(["2021-02-16-preview", "2024-09-01", "2026-05-01"])
    );
    assert_eq!(
        (
            a["tls"].clone(),
            a["cert_path"].clone(),
            a["page_size"].clone()
        ),
        (json!(false), Value::Null, json!(2))
    );

    assert_eq!(a["client_id"], "9d7b1f2a-0000-4000-8000-00000000a5a5");
    assert_eq!(a["token_endpoint"], format!("{base}/adfs/oauth2/token"));

    // Every id it names is there, over HTTP.
    let http = ReqwestTransport::new().unwrap();
    for key in [
        "source_fabric_id",
        "target_fabric_id",
        "appliance_id",
        "cache_storage_account_id",
        "vault_id",
    ] {
        let id = a[key].as_str().unwrap();
        let (status, body) = send(
            &http,
            Method::Get,
            &format!("{base}{id}?api-version=2024-09-01"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{key}: {body}");
    }
    let vm = a["source_vm_ids"][2].as_str().unwrap();
    let (status, _) = send(
        &http,
        Method::Get,
        &format!("{base}{vm}?api-version=2023-09-01"),
        None,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_static_token_and_a_restricted_api_version_set_are_enforced() {
    let o =
        ServerOptions::from_args(["--token", "s3cret", "--api-versions", "2024-09-01"]).unwrap();
    let started = o.start().unwrap();
    let base = started.server.base_url();
    let t = started.emulator.topology().clone();
    let http = ReqwestTransport::new().unwrap();
    let url = |v: &str| format!("{base}{}?api-version={v}", t.source_fabric_id);
    let get = |u: String, token: Option<&str>| {
        let mut r = Request::new(Method::Get, u.parse().unwrap());
        if let Some(tok) = token {
            r.headers.insert("Authorization", format!("Bearer {tok}"));
        }
        r
    };
    let r = http.send(&get(url("2024-09-01"), None)).await.unwrap();
    assert_eq!(r.status, 401);
    let r = http
        .send(&get(url("2024-09-01"), Some("guess")))
        .await
        .unwrap();
    assert_eq!(r.status, 401);
    let r = http
        .send(&get(url("2024-09-01"), Some("s3cret")))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    let r = http
        .send(&get(url("2026-05-01"), Some("s3cret")))
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["error"]["code"], "NoRegisteredProviderFound");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'2024-09-01'"),
        "{v}"
    );
    // A token from the announced token endpoint (client credentials) works as well, asked for
    // the stamp's audience (`authentication.audiences[0]` of /metadata/endpoints), as a real
    // AD FS requires.
    let a = started.announcement();
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&resource=https%3A%2F%2Fmanagement.adfs.azurestack.local%2Femulator",
        a["client_id"].as_str().unwrap(),
        a["client_secret"].as_str().unwrap()
    );
    let mut req = Request::new(
        Method::Post,
        a["token_endpoint"].as_str().unwrap().parse().unwrap(),
    );
    req.headers
        .insert("content-type", "application/x-www-form-urlencoded");
    req.body = form.into_bytes();
    let r = http.send(&req).await.unwrap();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let issued: Value = serde_json::from_slice(&r.body).unwrap();
    let r = http
        .send(&get(url("2024-09-01"), issued["access_token"].as_str()))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    // The control endpoint needs no token.
    let r = http
        .send(&get(format!("{base}/_emulator/state"), None))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
}
