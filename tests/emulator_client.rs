//! The crate's client drives the emulator exactly as it drives ARM: a whole DR drill with
//! failback on every api-version, refusals from both sides, retries over injected faults.
#![cfg(feature = "emulator")]

use azs_site_recovery::emulator::{ClockMode, Emulator, Fault, RequestMatch, Scenario};
use azs_site_recovery::http::Method;
use azs_site_recovery::id::VaultId;
use azs_site_recovery::lifecycle::{conditions, RecoveryPointChoice};
use azs_site_recovery::model::{
    ProtectedItem, ProtectionState, ReplicationExtension, ReplicationPolicy, TestFailoverState,
    Vault,
};
use azs_site_recovery::pipeline::clock::ManualClock;
use azs_site_recovery::transport::TransportErrorKind;
use azs_site_recovery::{ApiVersion, Error, SiteRecoveryClient};
use futures_util::TryStreamExt;
use serde_json::json;
use std::sync::Arc;

/// A client on the emulator; the client's clock is manual so its waits cost nothing, and the
/// emulator's clock is auto so every `Retry-After` it sends moves time on.
fn client(emu: &Emulator, api: ApiVersion) -> (SiteRecoveryClient, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(emu.now()));
    let c = SiteRecoveryClient::builder()
        .endpoint(&emu.topology().arm_endpoint)
        .unwrap()
        .api_version(api)
        .transport(emu.clone())
        .clock(clock.clone())
        .sleep(clock.clone())
        .build()
        .unwrap();
    (c, clock)
}

fn state(item: &ProtectedItem) -> Option<ProtectionState> {
    item.properties
        .as_ref()
        .and_then(|p| p.protection_state.clone())
}

fn from<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).unwrap()
}

async fn drill(api: ApiVersion) {
    let emu = Emulator::new(Scenario::builder().clock_mode(ClockMode::Auto).build());
    let t = emu.topology().clone();
    let (client, _) = client(&emu, api.clone());

    // The quickstart's set-up: vault, policy, extension.
    let vault: Vault = from(
        json!({"location": t.target_location, "properties": {"vaultType": "DisasterRecovery"}}),
    );
    let created = client
        .vaults(&t.target_subscription, "asr-rg")
        .create_or_update("vault1", &vault)
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(
        created
            .properties
            .and_then(|p| p.provisioning_state)
            .map(|s| s.as_str().to_owned()),
        Some("Succeeded".to_owned()),
        "{api}"
    );
    let vault_id = VaultId::new(&t.target_subscription, "asr-rg", "vault1");
    let policy: ReplicationPolicy = from(json!({"properties": {"customProperties": {
        "instanceType": "AzStackToAzStack", "recoveryPointHistoryInMinutes": 1440,
        "crashConsistentFrequencyInMinutes": 5, "appConsistentFrequencyInMinutes": 60}}}));
    client
        .policies(&vault_id)
        .create_or_update("pol", &policy)
        .await
        .unwrap()
        .await
        .unwrap();
    for (name, from_fabric, to_fabric) in [
        ("ext", &t.source_fabric_id, &t.target_fabric_id),
        ("failbackext", &t.target_fabric_id, &t.source_fabric_id),
    ] {
        let ext: ReplicationExtension = from(json!({"properties": {"customProperties": {
            "instanceType": "AzStackToAzStack", "sourceFabricArmId": from_fabric,
            "targetFabricArmId": to_fabric, "storageAccountId": t.target_storage_account_ids[0]}}}));
        client
            .extensions(&vault_id)
            .create_or_update(name, &ext)
            .await
            .unwrap()
            .await
            .unwrap();
    }

    // Enable protection: the PUT's poller resolves once initial replication is done.
    let items = client.protected_items(&vault_id);
    let item: ProtectedItem = from(
        json!({"properties": {"policyName": "pol", "replicationExtensionName": "ext", "customProperties": {
            "instanceType": "AzStackToAzStack",
            "sourceAzStackVirtualMachineId": t.source_vm_id("sql-01").unwrap(),
            "targetResourceGroupId": t.target_resource_group_ids[1],
            "targetNetworkId": t.target_network_id("dr-vnet").unwrap(),
            "testNetworkId": t.target_network_id("test-vnet").unwrap(),
        }}}),
    );
    let enabled = items
        .create_or_update("sql01", &item)
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(state(&enabled), Some(ProtectionState::Protected), "{api}");

    let r = items
        .test_failover("sql01", RecoveryPointChoice::LatestProcessed)
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(
        r.properties.and_then(|p| p.test_failover_state),
        Some(TestFailoverState::TestFailoverCompleted)
    );
    let r = items
        .cleanup_test_failover("sql01")
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(
        r.properties.and_then(|p| p.test_failover_state),
        Some(TestFailoverState::None)
    );
    let r = items
        .planned_failover("sql01", true)
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(state(&r), Some(ProtectionState::PlannedFailoverCompleted));
    let r = items.commit("sql01").await.unwrap().await.unwrap();
    assert_eq!(state(&r), Some(ProtectionState::CommitFailoverCompleted));

    // Refused by the client's lifecycle (nothing sent), then by the emulator's (same machine).
    let before = emu.request_count();
    let local = items.commit("sql01").await.unwrap_err();
    assert!(
        local.to_string().contains("no completed failover"),
        "{local}"
    );
    assert_eq!(emu.request_count() - before, 1, "only the GET of the item");
    let remote = items.unchecked().commit("sql01").await.unwrap_err();
    let Error::Service(e) = &remote else {
        panic!("{remote:?}")
    };
    assert_eq!(e.status, 409);
    assert!(
        remote.to_string().contains("no completed failover"),
        "{remote}"
    );

    // Re-protect, wait for replication back, fail back, commit.
    let body = json!({"properties": {"customProperties": {
        "instanceType": "AzStackToAzStackFailback", "applianceId": t.appliance_id,
        "logStorageAccountId": t.target_storage_account_ids[0],
        "policyName": "pol", "replicationExtensionName": "failbackext"}}});
    items
        .reprotect("sql01", &body)
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(
        emu.appliance_free_slots(),
        28,
        "three replica disks on the appliance"
    );
    let protected = items
        .wait_until("sql01", conditions::is_reprotected())
        .await
        .unwrap();
    assert!(protected.is_some());
    let r = items.failback("sql01", true).await.unwrap().await.unwrap();
    assert_eq!(state(&r), Some(ProtectionState::PlannedFailoverCompleted));
    assert_eq!(emu.appliance_free_slots(), 31);
    let r = items.commit("sql01").await.unwrap().await.unwrap();
    assert_eq!(state(&r), Some(ProtectionState::CommitFailoverCompleted));
    assert!(
        items.reprotect("sql01", &body).await.is_err(),
        "no re-protection after failback"
    );

    let all: Vec<ProtectedItem> = items.list().try_collect().await.unwrap();
    assert_eq!(all.len(), 1);
    items.disable("sql01", false).await.unwrap().await.unwrap();
    assert!(items.get_opt("sql01").await.unwrap().is_none());
}

#[tokio::test]
async fn a_whole_drill_through_the_client_on_every_api_version() {
    for api in ApiVersion::KNOWN {
        drill(api).await;
    }
}

#[tokio::test]
async fn the_client_rides_out_faults_and_never_resends_a_failover() {
    let emu = Emulator::new(
        Scenario::builder()
            .seed_vault(true)
            .clock_mode(ClockMode::Auto)
            .build(),
    );
    let t = emu.topology().clone();
    let (client, clock) = client(&emu, ApiVersion::default());
    let vault_id = VaultId::new(&t.target_subscription, "asr-rg", "asrvault");

    // Two throttles and a 503: retried, with the service's Retry-After honoured.
    emu.inject(Fault::throttle(RequestMatch::any().method(Method::Get), 2));
    emu.inject(Fault::server_error(
        RequestMatch::any().method(Method::Get),
        1,
    ));
    let before = emu.request_count();
    client.vault(&vault_id).get().await.unwrap();
    assert_eq!(emu.request_count() - before, 4);
    assert!(clock.sleeps().len() >= 3);

    let items = client.protected_items(&vault_id);
    let item: ProtectedItem = from(json!({"properties": {
        "policyName": "default-replication-policy", "replicationExtensionName": "default-replication-extension",
        "customProperties": {
            "instanceType": "AzStackToAzStack",
            "sourceAzStackVirtualMachineId": t.source_vm_id("web-01").unwrap(),
            "targetResourceGroupId": t.target_resource_group_ids[1],
            "targetNetworkId": t.target_network_id("dr-vnet").unwrap(),
    }}}));
    items
        .create_or_update("web01", &item)
        .await
        .unwrap()
        .await
        .unwrap();

    // The answer to the failover POST is lost after the emulator processed it: the client
    // reports it and does not send the POST again.
    emu.inject(Fault::drop_connection(
        RequestMatch::any().method(Method::Post),
        TransportErrorKind::ResponseUnreadable,
        1,
    ));
    let before = emu.request_count();
    let err = items.planned_failover("web01", true).await.unwrap_err();
    assert!(err.to_string().contains("could not be read"), "{err}");
    assert_eq!(
        emu.request_count() - before,
        2,
        "the lifecycle GET and one POST"
    );
    let now = items.get("web01").await.unwrap();
    assert_eq!(state(&now), Some(ProtectionState::PlannedFailoverInitiated));

    // A job that fails: the poller's error carries the job's error.
    let done = items
        .wait_until("web01", conditions::failover_completed())
        .await
        .unwrap();
    assert!(done.is_some());
    items.commit("web01").await.unwrap().await.unwrap();
    emu.inject(Fault::fail_job("Reprotect", 2));
    let body = json!({"properties": {"customProperties": {
        "instanceType": "AzStackToAzStackFailback", "applianceId": t.appliance_id,
        "logStorageAccountId": t.target_storage_account_ids[0],
        "policyName": "failback-default-replication-policy",
        "replicationExtensionName": "default-failback-extension"}}});
    let err = items
        .reprotect("web01", &body)
        .await
        .unwrap()
        .await
        .unwrap_err();
    let Error::OperationFailed(f) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(f.job_errors[0]["message"], "An internal error occurred.");
    assert!(!f.health_errors.is_empty());
}
