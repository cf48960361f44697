//! Vaults, policies, extensions, alert settings across api-versions: LRO headers, polling,
//! paging and validation, driven with raw requests.

#![cfg(feature = "emulator")]

mod emulator_support;

use azs_site_recovery::emulator::{ClockMode, Emulator, Scenario};
use emulator_support::*;
use serde_json::json;

fn auto() -> Emulator {
    Emulator::new(Scenario::builder().clock_mode(ClockMode::Auto).build())
}

fn create_vault_policy_extension(raw: &Raw) {
    let t = raw.emu.topology().clone();
    let vault = t.vault_id("myvault");
    let a = raw.put(
        &vault,
        json!({ "location": t.target_location, "properties": { "vaultType": "DisasterRecovery" } }),
    );
    assert_eq!(a.status, 201, "{a:?}");
    assert_eq!(a.body["properties"]["provisioningState"], "Creating");
    let preview = raw.api == PREVIEW;
    assert!(a.header("Azure-AsyncOperation").is_some());
    assert_eq!(
        a.header("Location").is_some(),
        preview,
        "preview 201s carry Location too"
    );
    assert!(a.header("Retry-After").is_some());
    assert_eq!(raw.wait(&a), "Succeeded");
    let v = raw.get(&vault);
    assert_eq!(v.body["properties"]["provisioningState"], "Succeeded");

    let policy = format!("{vault}/replicationPolicies/pol1");
    let a = raw.put(
        &policy,
        json!({ "properties": { "customProperties": {
        "instanceType": "AzStackToAzStack", "recoveryPointHistoryInMinutes": 1440,
        "crashConsistentFrequencyInMinutes": 5, "appConsistentFrequencyInMinutes": 60 } } }),
    );
    assert_eq!(a.status, 201, "{a:?}");
    assert_eq!(raw.wait(&a), "Succeeded");

    let ext = format!("{vault}/replicationExtensions/ext1");
    let a = raw.put(&ext, json!({ "properties": { "customProperties": {
        "instanceType": "AzStackToAzStack", "sourceFabricArmId": t.source_fabric_id,
        "targetFabricArmId": t.target_fabric_id, "storageAccountId": t.target_storage_account_ids[0] } } }));
    assert_eq!(a.status, 201, "{a:?}");
    assert_eq!(raw.wait(&a), "Succeeded");
    assert_eq!(
        raw.get(&ext).body["properties"]["provisioningState"],
        "Succeeded"
    );

    // Delete: 202 + Location (+ Azure-AsyncOperation on preview), then 404.
    let d = raw.delete(&ext);
    assert_eq!(d.status, 202);
    assert!(d.header("Location").is_some());
    assert_eq!(d.header("Azure-AsyncOperation").is_some(), preview);
    let end = if preview {
        // Preview clients follow Location (final-state-via location).
        let only_location = Answer {
            status: d.status,
            headers: {
                let mut h = d.headers.clone();
                h.remove("Azure-AsyncOperation");
                h
            },
            body: d.body.clone(),
        };
        raw.wait(&only_location)
    } else {
        raw.wait(&d)
    };
    assert_eq!(end, "204");
    assert_eq!(raw.get(&ext).status, 404);
    assert_eq!(raw.get(&ext).code(), "ResourceNotFound");
    assert_eq!(raw.delete(&ext).status, 204, "deleting what is gone is 204");
}

#[test]
fn create_vault_policy_extension_on_every_api_version() {
    for api in [PREVIEW, GA, NEWEST] {
        create_vault_policy_extension(&Raw::new(auto(), api));
    }
}

#[test]
fn shapes_differ_per_api_version() {
    let emu = Emulator::new(Scenario::builder().seed_vault(true).build());
    let vault = emu.topology().vault_id("asrvault");
    let newest = Raw::new(emu.clone(), NEWEST).get(&vault);
    assert_eq!(newest.body["properties"]["publicNetworkAccess"], "Enabled");
    let ga = Raw::new(emu.clone(), GA).get(&vault);
    assert!(ga.body["properties"].get("publicNetworkAccess").is_none());
    let agent = Raw::new(emu.clone(), PREVIEW).get(&emu.topology().appliance_id);
    assert_eq!(agent.status, 200);
    assert_eq!(agent.body["properties"]["isResponsive"], true);
}

#[test]
fn status_monitor_and_location_in_manual_clock() {
    let raw = Raw::new(Emulator::default(), GA);
    let t = raw.emu.topology().clone();
    let vault = t.vault_id("v2");
    let a = raw.put(&vault, json!({ "location": t.target_location }));
    let monitor = a.header("Azure-AsyncOperation").unwrap().to_owned();
    assert!(monitor.starts_with("https://management.local.azurestack.external/subscriptions/"));
    assert!(
        monitor.contains("/locations/seattle/operationResults/"),
        "{monitor}"
    );
    let s = raw.get(&monitor);
    assert_eq!(s.body["status"], "InProgress");
    let retry: u64 = s.header("Retry-After").unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    // Time does not move by itself in manual mode.
    assert_eq!(raw.get(&monitor).body["status"], "InProgress");
    // A GET of the resource while it is being created says when to look again.
    let v = raw.get(&vault);
    assert_eq!(v.body["properties"]["provisioningState"], "Creating");
    assert!(v.header("Retry-After").is_some());
    raw.emu.advance(std::time::Duration::from_secs(retry));
    let s = raw.get(&monitor);
    assert_eq!(s.body["status"], "Succeeded");
    assert!(s.body["endTime"].as_str().unwrap().ends_with('Z'));
    assert!(s.header("Retry-After").is_none());
    assert!(raw.get(&vault).header("Retry-After").is_none());
}

#[test]
fn validation_errors_are_arm_shaped() {
    let raw = Raw::new(
        Emulator::new(Scenario::builder().seed_vault(true).build()),
        GA,
    );
    let t = raw.emu.topology().clone();
    // Missing location.
    let a = raw.put(&t.vault_id("x"), json!({ "properties": {} }));
    assert_eq!((a.status, a.code()), (400, "InvalidRequestContent"));
    assert_eq!(a.body["error"]["target"], "location");
    // Wrong location.
    let a = raw.put(&t.vault_id("x"), json!({ "location": "westus" }));
    assert_eq!(
        (a.status, a.code()),
        (400, "LocationNotAvailableForResourceType")
    );
    // Empty body.
    let a = raw.send(azs_site_recovery::http::Method::Put, &t.vault_id("x"), None);
    assert_eq!((a.status, a.code()), (400, "InvalidRequestContent"));
    // Bad JSON.
    let mut req = azs_site_recovery::http::Request::new(
        azs_site_recovery::http::Method::Put,
        raw.url(&t.vault_id("x")).parse().unwrap(),
    );
    req.body = b"{not json".to_vec();
    assert_eq!(raw.emu.handle(&req).status, 400);
    // Policy without its required fields / with inconsistent frequencies.
    let pol = format!("{}/replicationPolicies/p", raw.vault());
    let a = raw.put(
        &pol,
        json!({ "properties": { "customProperties": { "instanceType": "AzStackToAzStack" } } }),
    );
    assert_eq!(a.code(), "InvalidRequestContent");
    assert!(a.body["error"]["target"]
        .as_str()
        .unwrap()
        .contains("recoveryPointHistoryInMinutes"));
    let a = raw.put(&pol, json!({ "properties": { "customProperties": { "instanceType": "AzStackToAzStack",
        "recoveryPointHistoryInMinutes": 60, "crashConsistentFrequencyInMinutes": 10, "appConsistentFrequencyInMinutes": 5 } } }));
    assert_eq!(a.status, 400);
    assert!(a.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("app-consistent"));
    let a = raw.put(&pol, json!({ "properties": {} }));
    assert_eq!(a.body["error"]["target"], "properties.customProperties");
    // Extension referencing a storage account that does not exist.
    let a = raw.put(&format!("{}/replicationExtensions/e", raw.vault()), json!({ "properties": { "customProperties": {
        "instanceType": "AzStackToAzStack", "sourceFabricArmId": t.source_fabric_id, "targetFabricArmId": t.target_fabric_id,
        "storageAccountId": format!("{}/providers/Microsoft.Storage/storageAccounts/nope", t.asr_resource_group_id) } } }));
    assert_eq!((a.status, a.code()), (400, "LinkedResourceNotFound"));
    assert_eq!(
        a.body["error"]["target"],
        "properties.customProperties.storageAccountId"
    );
    // Parent missing.
    let a = raw.get(&format!("{}/replicationPolicies", t.vault_id("ghost")));
    assert_eq!((a.status, a.code()), (404, "ParentResourceNotFound"));
    // Name rules: ARM's general rules by default...
    let a = raw.put(
        &t.vault_id("bad%name"),
        json!({ "location": t.target_location }),
    );
    assert_eq!(a.code(), "InvalidResourceName");
    let a = raw.put(
        &t.vault_id("with-hyphen"),
        json!({ "location": t.target_location }),
    );
    assert_eq!(
        a.status, 201,
        "hyphens are accepted by default, as Azure Stack Hub's own names have them"
    );
    // ... the spec's strict pattern on demand.
    let strict = Raw::new(
        Emulator::new(Scenario::builder().strict_names(true).build()),
        GA,
    );
    let a = strict.put(
        &t.vault_id("with-hyphen"),
        json!({ "location": t.target_location }),
    );
    assert_eq!(a.code(), "InvalidResourceName");
    assert!(a.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("^[a-zA-Z0-9]*$"));
}

#[test]
fn unknown_and_missing_api_versions() {
    let emu = Emulator::new(Scenario::builder().seed_vault(true).build());
    let vault = emu.topology().vault_id("asrvault");
    let a = Raw::new(emu.clone(), "2019-01-01").get(&vault);
    assert_eq!((a.status, a.code()), (400, "NoRegisteredProviderFound"));
    assert!(a.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("2024-09-01"));
    let a = Raw::new(emu.clone(), "banana").get(&vault);
    assert_eq!((a.status, a.code()), (400, "InvalidApiVersionParameter"));
    let url = format!("{}{}", emu.topology().arm_endpoint, vault);
    let r = emu.handle(&azs_site_recovery::http::Request::new(
        azs_site_recovery::http::Method::Get,
        url.parse().unwrap(),
    ));
    assert_eq!(r.status, 400);
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["error"]["code"], "MissingApiVersionParameter");
}

#[test]
fn lists_page_with_next_link_on_the_request_host() {
    let emu = Emulator::new(Scenario::builder().page_size(2).build());
    let raw = Raw::new(emu.clone(), GA);
    let t = emu.topology().clone();
    for i in 0..5 {
        let a = raw.put(
            &t.vault_id(&format!("vault{i}")),
            json!({ "location": t.target_location }),
        );
        assert_eq!(a.status, 201);
    }
    let list = format!(
        "{}/providers/Microsoft.DataReplication/replicationVaults",
        t.asr_resource_group_id
    );
    let mut seen = Vec::new();
    let mut next = raw.url(&list);
    let mut pages = 0;
    loop {
        let a = raw.get(&next);
        assert_eq!(a.status, 200);
        pages += 1;
        for v in a.body["value"].as_array().unwrap() {
            seen.push(v["name"].as_str().unwrap().to_owned());
        }
        match a.body["nextLink"].as_str() {
            Some(n) => {
                assert!(
                    n.starts_with("https://management.local.azurestack.external/"),
                    "{n}"
                );
                assert!(n.contains("continuationToken="));
                next = n.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 5);
    // A different host gets links on that host.
    let other = format!("http://127.0.0.1:8080{list}?api-version={GA}");
    let a = raw.get(&other);
    assert!(a.body["nextLink"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:8080/"));
    // pageSize query overrides.
    let a = raw.get(&format!("{list}?pageSize=10"));
    assert_eq!(a.body["value"].as_array().unwrap().len(), 5);
    assert!(a.body.get("nextLink").is_none());
}

#[test]
fn alert_settings_are_synchronous_and_name_availability_works() {
    let raw = Raw::new(
        Emulator::new(Scenario::builder().seed_vault(true).build()),
        PREVIEW,
    );
    let path = format!("{}/alertSettings/default", raw.vault());
    let a = raw.put(&path, json!({ "properties": { "sendToOwners": true, "customEmailAddresses": ["ops@contoso.com"] } }));
    assert_eq!(a.status, 201);
    assert!(a.header("Azure-AsyncOperation").is_none());
    assert!(
        a.body["properties"].get("provisioningState").is_none(),
        "preview has no provisioningState here"
    );
    assert_eq!(
        raw.put(&path, json!({ "properties": { "sendToOwners": false } }))
            .status,
        200
    );
    assert_eq!(
        raw.put(&path, json!({ "properties": {} })).code(),
        "InvalidRequestContent"
    );
    let t = raw.emu.topology().clone();
    let check = format!(
        "/subscriptions/{}/providers/Microsoft.DataReplication/locations/{}/checkNameAvailability",
        t.target_subscription, t.target_location
    );
    let a = raw.post(
        &check,
        json!({ "name": "asrvault", "type": "Microsoft.DataReplication/replicationVaults" }),
    );
    assert_eq!(a.body["nameAvailable"], false);
    assert_eq!(a.body["reason"], "AlreadyExists");
    let a = raw.post(
        &check,
        json!({ "name": "freshname", "type": "Microsoft.DataReplication/replicationVaults" }),
    );
    assert_eq!(a.body["nameAvailable"], true);
    let ops = raw.get("/providers/Microsoft.DataReplication/operations");
    assert!(!ops.body["value"].as_array().unwrap().is_empty());
}

#[test]
fn vault_with_protected_items_cannot_be_deleted() {
    let raw = Raw::new(
        Emulator::new(
            Scenario::builder()
                .seed_vault(true)
                .clock_mode(ClockMode::Auto)
                .build(),
        ),
        GA,
    );
    raw.protect("web-01", "web01");
    let a = raw.delete(&raw.vault());
    assert_eq!((a.status, a.code()), (409, "Conflict"));
    let a = raw.delete(&format!(
        "{}/replicationPolicies/default-replication-policy",
        raw.vault()
    ));
    assert_eq!(a.status, 409);
}

#[test]
fn every_status_monitor_spelling_answers() {
    let raw = Raw::new(Emulator::default(), PREVIEW);
    let t = raw.emu.topology().clone();
    let vault = t.vault_id("v3");
    let a = raw.put(&vault, json!({ "location": t.target_location }));
    let monitor = a.header("Azure-AsyncOperation").unwrap().to_owned();
    assert!(
        monitor.contains("/replicationVaults/v3/operations/"),
        "preview: per-resource monitor: {monitor}"
    );
    let op = monitor
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let (sub, rg) = (t.target_subscription.clone(), "asr-rg");
    for path in [
        format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.DataReplication/locations/{}/operationResults/{op}", t.target_location),
        format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.DataReplication/operationResults/{op}/subscriptions/{sub}/resourceGroups/{rg}/{op}"),
        format!("{vault}/operations/{op}"),
    ] {
        let s = raw.get(&path);
        assert_eq!(s.status, 200, "{path}");
        assert_eq!(s.body["name"], op.as_str());
    }
    // The Location spelling answers ARM-style.
    let loc = a.header("Location").unwrap().to_owned();
    assert_eq!(raw.get(&loc).status, 202);
    let unknown = raw.get(&format!(
        "{vault}/operations/00000000-0000-0000-0000-000000000000"
    ));
    assert_eq!((unknown.status, unknown.code()), (404, "OperationNotFound"));
}
