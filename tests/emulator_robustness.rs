//! Whatever arrives, the emulator answers (an ARM error, never a panic).

#![cfg(feature = "emulator")]

mod emulator_support;

use azs_site_recovery::emulator::{ClockMode, Emulator, Scenario};
use azs_site_recovery::http::{Method, Request};

#[test]
fn garbage_in_arm_errors_out() {
    let emu = Emulator::new(
        Scenario::builder()
            .seed_vault(true)
            .clock_mode(ClockMode::Auto)
            .build(),
    );
    let t = emu.topology().clone();
    let vault = t.vault_id("asrvault");
    let item = format!("{vault}/protectedItems/x");
    let bases = [
        "/".to_owned(),
        "/subscriptions".to_owned(),
        "/subscriptions/".to_owned(),
        format!("/subscriptions/{}", t.target_subscription),
        format!("/subscriptions/{}/resourceGroups", t.target_subscription),
        format!("/subscriptions/{}/providers", t.target_subscription),
        format!("/subscriptions/{}/providers/Microsoft.DataReplication", t.target_subscription),
        format!("/subscriptions/{}/providers/Microsoft.DataReplication/locations", t.target_subscription),
        format!("{}/providers/Microsoft.DataReplication/locations/x/operationResults", t.asr_resource_group_id),
        format!("{}/providers/Microsoft.DataReplication/operationResults/nope/x", t.asr_resource_group_id),
        vault.clone(),
        format!("{vault}/operations/nope"),
        format!("{vault}/operationResults/nope"),
        format!("{vault}/protectedItems"),
        item.clone(),
        format!("{item}/recoveryPoints/rp1"),
        format!("{item}/testFailover"),
        format!("{item}/x/y/z"),
        format!("{vault}/jobs/%zz%"),
        format!("{vault}/replicationPolicies/a%2Fb"),
        t.appliance_id.clone(),
        format!("{}/fabricAgents", t.target_fabric_id),
        format!("/subscriptions/{}/providers/Microsoft.Compute/locations", t.target_subscription),
        format!("/subscriptions/{}/resourceGroups/dr-rg/providers/Microsoft.Network/virtualNetworks/dr-vnet/subnets/default", t.target_subscription),
        "/providers/Microsoft.Authorization/roleAssignments".to_owned(),
        "/metadata/endpoints".to_owned(),
        "/adfs/oauth2/token".to_owned(),
    ];
    let bodies: [&[u8]; 6] = [
        b"",
        b"{",
        b"[]",
        b"null",
        br#"{"location":5,"properties":"x"}"#,
        br#"{"properties":{"customProperties":{"instanceType":7}}}"#,
    ];
    let methods = [
        Method::Get,
        Method::Put,
        Method::Patch,
        Method::Post,
        Method::Delete,
        Method::Head,
    ];
    let mut n = 0;
    for base in &bases {
        for q in [
            "",
            "?api-version=2024-09-01",
            "?api-version=2021-02-16-preview&pageSize=-1&continuationToken=zz",
            "?api-version=",
        ] {
            for m in methods {
                for b in bodies {
                    let url = format!("https://management.local.azurestack.external{base}{q}");
                    let Ok(url) = url.parse() else { continue };
                    let mut req = Request::new(m, url);
                    req.body = b.to_vec();
                    let r = emu.handle(&req);
                    assert!(
                        (200..600).contains(&r.status),
                        "{m} {base}{q}: {}",
                        r.status
                    );
                    if r.status >= 400 && !r.body.is_empty() {
                        let v: serde_json::Value =
                            serde_json::from_slice(&r.body).expect("JSON error body");
                        assert!(v.get("error").is_some(), "{m} {base}{q}: {v}");
                    }
                    n += 1;
                }
            }
        }
    }
    assert!(n > 3000);
}

/// A throttle fault with an absurd `retryAfterSeconds` (from the control endpoint) in auto
/// mode: the clock saturates instead of the emulator panicking while it holds its lock.
#[test]
fn a_huge_injected_retry_after_saturates_the_auto_clock() {
    let emu = Emulator::new(Scenario::builder().clock_mode(ClockMode::Auto).build());
    let base = emu.topology().arm_endpoint.clone();
    for secs in [i64::MAX as u64 / 1000 + 1, i64::MAX as u64, u64::MAX] {
        let mut fault = Request::new(
            Method::Post,
            format!("{base}/_emulator/faults").parse().unwrap(),
        );
        fault.body = format!(r#"{{"kind":"throttle","retryAfterSeconds":{secs}}}"#).into_bytes();
        assert_eq!(emu.handle(&fault).status, 201);
        let url = format!("{base}/metadata/endpoints?api-version=2022-09-01");
        let r = emu.handle(&Request::new(Method::Get, url.parse().unwrap()));
        assert_eq!(r.status, 429);
        assert_eq!(
            r.headers.get("Retry-After"),
            Some(secs.to_string().as_str())
        );
        // Still serving, and the clock moved (to the end of time).
        let state = Request::new(
            Method::Get,
            format!("{base}/_emulator/state").parse().unwrap(),
        );
        assert_eq!(emu.handle(&state).status, 200);
        assert!(emu.now().timestamp() > 4_000_000_000, "{}", emu.now());
    }
}

/// At the end of virtual time (a client may advance by any amount over the control endpoint)
/// the emulator still answers: reads, recovery points, and a failover whose job runs there.
#[test]
fn the_end_of_time_is_served() {
    let emu = Emulator::new(Scenario::builder().seed_vault(true).build());
    let raw = emulator_support::Raw::new(emu.clone(), emulator_support::GA);
    raw.protect("web-01", "web-01");
    let base = emu.topology().arm_endpoint.clone();
    for _ in 0..300 {
        let url = format!("{base}/_emulator/advance?seconds={}", u64::MAX);
        assert_eq!(
            emu.handle(&Request::new(Method::Post, url.parse().unwrap()))
                .status,
            200
        );
    }
    assert_eq!(emu.now(), chrono::DateTime::<chrono::Utc>::MAX_UTC);
    let item = raw.item_path("web-01");
    for path in [
        item.clone(),
        format!("{item}/recoveryPoints"),
        format!("{}/jobs", raw.vault()),
        format!("{}/events", raw.vault()),
    ] {
        let a = raw.get(&path);
        assert_eq!(a.status, 200, "{path}: {a:?}");
    }
    let a = raw.post(
        &format!("{item}/plannedFailover"),
        serde_json::json!({ "properties": { "customProperties": { "instanceType": "AzStackToAzStack" } } }),
    );
    assert!(a.status < 500, "{a:?}");
    let url = format!("{base}/_emulator/run-until-idle?limitSeconds={}", u64::MAX);
    assert_eq!(
        emu.handle(&Request::new(Method::Post, url.parse().unwrap()))
            .status,
        200
    );
    assert_eq!(raw.get(&item).status, 200);
}
