//! The client as a user drives it, over the crate's own test kit (`ReplayTransport`, feature
//! `test-util`) and the full pipeline (request ids, retries, host checks) on a manual clock.
#![cfg(feature = "test-util")]

use azs_site_recovery::client::{PollUpdate, PollingOptions};
use azs_site_recovery::error::RefusalKind;
use azs_site_recovery::id::VaultId;
use azs_site_recovery::lifecycle::RecoveryPointChoice;
use azs_site_recovery::model::{ProtectedItem, ReplicationPolicy, Vault};
use azs_site_recovery::pipeline::clock::ManualClock;
use azs_site_recovery::transport::{Expect, ReplayTransport, Reply, TransportErrorKind};
use azs_site_recovery::{ApiVersion, Error, SiteRecoveryClient};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const ARM: &str = "https://management.local.azurestack.external";
const RG: &str = "/subscriptions/s1/resourceGroups/dr/providers/Microsoft.DataReplication";

fn vault_id() -> VaultId {
    VaultId::new("s1", "dr", "vault1")
}

fn vault_path() -> String {
    format!("{RG}/replicationVaults/vault1")
}

fn client(replay: Arc<ReplayTransport>, api: ApiVersion) -> (SiteRecoveryClient, ManualClock) {
    let clock = ManualClock::default();
    let client = SiteRecoveryClient::builder()
        .endpoint(ARM)
        .unwrap()
        .api_version(api)
        .shared_transport(replay)
        .clock(Arc::new(clock.clone()))
        .sleep(Arc::new(clock.clone()))
        .polling(PollingOptions::default().with_default_interval(Duration::from_secs(30)))
        .build()
        .unwrap();
    (client, clock)
}

fn item(name: &str, protection: &str, test_failover: &str) -> Value {
    json!({
        "id": format!("{}/protectedItems/{name}", vault_path()),
        "name": name,
        "properties": {
            "policyName": "policy1",
            "replicationExtensionName": "ext1",
            "protectionState": protection,
            "testFailoverState": test_failover,
            "customProperties": {"instanceType": "AzStackToAzStack"}
        }
    })
}

fn run<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn create_a_vault_and_a_policy_through_async_operations() {
    let op = format!("{ARM}{RG}/locations/local/operationResults/op1?api-version=2024-09-01");
    let vault_body = json!({"location": "local", "properties": {"vaultType": "DisasterRecovery"}});
    let replay = Arc::new(
        ReplayTransport::new()
            .then(
                Expect::put(vault_path())
                    .query("api-version", "2024-09-01")
                    .json_body(vault_body.clone()),
                Reply::json(201, json!({"name": "vault1", "properties": {"provisioningState": "Creating"}}))
                    .header("Azure-AsyncOperation", &op)
                    .header("Retry-After", "5"),
            )
            .then(
                Expect::get(format!("{RG}/locations/local/operationResults/op1")),
                Reply::json(200, json!({"status": "Succeeded"})),
            )
            .then(
                Expect::get(vault_path()),
                Reply::json(200, json!({"name": "vault1", "location": "local",
                    "properties": {"provisioningState": "Succeeded", "vaultType": "DisasterRecovery"}})),
            )
            .then(
                Expect::put(format!("{}/replicationPolicies/policy1", vault_path())),
                Reply::json(200, json!({"name": "policy1", "properties": {"provisioningState": "Succeeded",
                    "customProperties": {"instanceType": "AzStackToAzStack", "recoveryPointHistoryInMinutes": 1440}}})),
            ),
    );
    let (c, clock) = client(replay.clone(), ApiVersion::V2024_09_01);
    run(async {
        let vault: Vault = serde_json::from_value(vault_body).unwrap();
        let made = c
            .vaults("s1", "dr")
            .create_or_update("vault1", &vault)
            .await?
            .await?;
        assert_eq!(made.name.as_deref(), Some("vault1"));

        let policy: ReplicationPolicy =
            serde_json::from_value(json!({"properties": {"customProperties": {
            "instanceType": "AzStackToAzStack", "recoveryPointHistoryInMinutes": 1440}}}))
            .unwrap();
        let poller = c
            .policies(&vault_id())
            .create_or_update("policy1", &policy)
            .await?;
        assert!(
            poller.is_done(),
            "a 200 with a terminal state needs no polling"
        );
        poller.await?;
        Ok::<_, Error>(())
    })
    .unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(5)]);
    replay.assert_finished();
    // The pipeline stamped every request.
    assert!(replay
        .requests()
        .iter()
        .all(|r| r.headers.contains("x-ms-client-request-id")));
}

#[test]
fn a_transient_503_on_a_read_is_retried_but_a_failover_post_is_sent_once() {
    let item_path = format!("{}/protectedItems/web01", vault_path());
    let replay = Arc::new(
        ReplayTransport::new()
            .then(
                Expect::get(&item_path),
                Reply::status(503).header("Retry-After", "2"),
            )
            .then(
                Expect::get(&item_path),
                Reply::json(200, item("web01", "Protected", "None")),
            )
            .then(
                Expect::post(format!("{item_path}/plannedFailover")),
                Reply::fail(TransportErrorKind::MaybeSent),
            ),
    );
    let (c, _) = client(replay.clone(), ApiVersion::V2024_09_01);
    let err = run(c
        .protected_items(&vault_id())
        .planned_failover("web01", true))
    .unwrap_err();
    assert!(matches!(err, Error::MaybeSent(_)), "{err:?}");
    replay.assert_finished();
    let posts = replay
        .requests()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(posts, 1);
}

#[test]
fn a_refused_commit_sends_only_the_read() {
    let item_path = format!("{}/protectedItems/web01", vault_path());
    let replay = Arc::new(ReplayTransport::new().then(
        Expect::get(&item_path),
        Reply::json(200, item("web01", "Protected", "None")),
    ));
    let (c, _) = client(replay.clone(), ApiVersion::V2024_09_01);
    let err = run(c.protected_items(&vault_id()).commit("web01")).unwrap_err();
    match err {
        Error::Refused(r) => {
            assert_eq!(r.kind, RefusalKind::Lifecycle);
            assert!(r.to_string().contains("commit"), "{r}");
        }
        other => panic!("expected a lifecycle refusal, got {other:?}"),
    }
    replay.assert_finished();
}

#[test]
fn a_test_failover_streams_its_progress_on_the_preview_api() {
    let item_path = format!("{}/protectedItems/web01", vault_path());
    let loc = format!("{ARM}{item_path}/operations/op7?api-version=2021-02-16-preview");
    let replay = Arc::new(
        ReplayTransport::new()
            .then(Expect::get(&item_path), Reply::json(200, item("web01", "Protected", "None")))
            .then(
                Expect::post(format!("{item_path}/testFailover")).json_body(json!({"properties": {
                    "customProperties": {"instanceType": "AzStackToAzStack", "recoveryPoint": "LatestProcessed"}}})),
                Reply::status(202).header("Location", &loc),
            )
            .then(Expect::get(format!("{item_path}/operations/op7")), Reply::status(202))
            .then(Expect::get(format!("{item_path}/operations/op7")), Reply::status(202))
            .then(Expect::get(format!("{item_path}/operations/op7")), Reply::status(200))
            .then(
                Expect::get(&item_path).query("api-version", "2021-02-16-preview"),
                Reply::json(200, item("web01", "Protected", "TestFailoverCompleted")),
            ),
    );
    let (c, clock) = client(replay.clone(), ApiVersion::V2021_02_16_Preview);
    let updates: Vec<PollUpdate<ProtectedItem>> = run(async {
        c.protected_items(&vault_id())
            .test_failover("web01", RecoveryPointChoice::LatestProcessed)
            .await?
            .into_stream()
            .try_collect()
            .await
    })
    .unwrap();
    assert_eq!(updates.len(), 3);
    match updates.last() {
        Some(PollUpdate::Succeeded(i)) => assert_eq!(
            i.properties
                .as_ref()
                .unwrap()
                .test_failover_state
                .as_ref()
                .unwrap()
                .as_str(),
            "TestFailoverCompleted"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(30); 3]);
    replay.assert_finished();
}

#[test]
fn a_hundred_items_over_three_pages_one_page_at_a_time() {
    let list = format!("{}/protectedItems", vault_path());
    let page = |from: usize, to: usize, next: Option<String>| {
        let value: Vec<Value> = (from..to)
            .map(|i| item(&format!("vm{i}"), "Protected", "None"))
            .collect();
        let mut body = json!({"value": value});
        if let Some(n) = next {
            body["nextLink"] = json!(n);
        }
        Reply::json(200, body)
    };
    let replay = Arc::new(
        ReplayTransport::new()
            .then(
                Expect::get(&list),
                page(0, 40, Some(format!("{ARM}{list}?$skiptoken=40"))),
            )
            .then(
                Expect::get(&list)
                    .query("$skiptoken", "40")
                    .query("api-version", "2024-09-01"),
                page(
                    40,
                    80,
                    Some(format!("{list}?$skiptoken=80&api-version=2024-09-01")),
                ),
            )
            .then(
                Expect::get(&list).query("$skiptoken", "80"),
                page(80, 100, None),
            ),
    );
    let (c, _) = client(replay.clone(), ApiVersion::V2024_09_01);
    let mut pages = c.protected_items(&vault_id()).list().into_pages();
    let sizes: Vec<usize> = run(async {
        let mut sizes = Vec::new();
        while let Some(p) = pages.next().await {
            sizes.push(p.unwrap().items().len());
        }
        sizes
    });
    assert_eq!(sizes, [40, 40, 20]);
    assert_eq!(pages.continuation(), None);
    replay.assert_finished();
}
