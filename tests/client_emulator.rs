//! End to end through the client on the embedded emulator: vault -> policy -> extension ->
//! protect -> wait until protected -> test failover -> cleanup, on every api-version.
#![cfg(feature = "emulator")]

use azs_site_recovery::emulator::{ClockMode, Emulator, Scenario};
use azs_site_recovery::error::RefusalKind;
use azs_site_recovery::id::VaultId;
use azs_site_recovery::lifecycle::conditions::{self, Condition};
use azs_site_recovery::lifecycle::RecoveryPointChoice;
use azs_site_recovery::model::{ProtectedItem, ReplicationExtension, ReplicationPolicy, Vault};
use azs_site_recovery::pipeline::clock::ManualClock;
use azs_site_recovery::{ApiVersion, Error, SiteRecoveryClient};
use futures_util::TryStreamExt;
use serde_json::json;
use std::sync::Arc;

fn run<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn state(item: &ProtectedItem) -> (String, String) {
    let p = item.properties.as_ref().unwrap();
    (
        p.protection_state.as_ref().unwrap().as_str().to_owned(),
        p.test_failover_state.as_ref().unwrap().as_str().to_owned(),
    )
}

fn drill(api: ApiVersion) -> Result<(), Error> {
    let emu = Emulator::new(Scenario::builder().clock_mode(ClockMode::Auto).build());
    let t = emu.topology().clone();
    let clock = ManualClock::default();
    let client = SiteRecoveryClient::builder()
        .endpoint(&t.arm_endpoint)?
        .api_version(api.clone())
        .transport(emu.clone())
        .clock(Arc::new(clock.clone()))
        .sleep(Arc::new(clock.clone()))
        .build()?;
    let vault_id: VaultId = t.vault_id("drvault").parse().unwrap();
    let (sub, rg) = (vault_id.subscription_id(), vault_id.resource_group());

    run(async {
        // Vault, policy, extension.
        let vault: Vault = serde_json::from_value(json!({
            "location": t.target_location, "properties": {"vaultType": "DisasterRecovery"}
        }))
        .unwrap();
        let vault = client
            .vaults(sub, rg)
            .create_or_update("drvault", &vault)
            .await?
            .await?;
        assert_eq!(vault.name.as_deref(), Some("drvault"));

        let policy: ReplicationPolicy =
            serde_json::from_value(json!({"properties": {"customProperties": {
            "instanceType": "AzStackToAzStack", "recoveryPointHistoryInMinutes": 1440,
            "crashConsistentFrequencyInMinutes": 5, "appConsistentFrequencyInMinutes": 60}}}))
            .unwrap();
        client
            .policies(&vault_id)
            .create_or_update("policy1", &policy)
            .await?
            .await?;

        let extension: ReplicationExtension = serde_json::from_value(json!({"properties": {"customProperties": {
            "instanceType": "AzStackToAzStack", "sourceFabricArmId": t.source_fabric_id,
            "targetFabricArmId": t.target_fabric_id, "storageAccountId": t.target_storage_account_ids[0]}}}))
        .unwrap();
        client
            .extensions(&vault_id)
            .create_or_update("ext1", &extension)
            .await?
            .await?;

        // Protect web-01 and wait until it is protected.
        let rg_id = t
            .target_resource_group_ids
            .iter()
            .find(|g| g.ends_with("/dr-rg"))
            .unwrap();
        let item: ProtectedItem = serde_json::from_value(json!({"properties": {
            "policyName": "policy1", "replicationExtensionName": "ext1",
            "customProperties": {
                "instanceType": "AzStackToAzStack",
                "sourceAzStackVirtualMachineId": t.source_vm_id("web-01").unwrap(),
                "applianceId": t.appliance_id,
                "targetResourceGroupId": rg_id,
                "targetNetworkId": t.target_network_id("dr-vnet").unwrap(), "targetSubnetName": "default",
                "testNetworkId": t.target_network_id("test-vnet").unwrap(), "testSubnetName": "default",
                "logStorageAccountId": t.target_storage_account_ids[0]}}}))
        .unwrap();
        let items = client.protected_items(&vault_id);
        items.create_or_update("web01", &item).await?.await?;

        let ready = conditions::is_protected().or(conditions::has_failed());
        let item = items
            .wait_until("web01", ready)
            .await?
            .expect("the item exists");
        assert_eq!(state(&item).0, "Protected", "{item:?}");

        // There is no failover to commit: refused locally, nothing is sent.
        let refused = items.commit("web01").await.unwrap_err();
        assert!(
            matches!(&refused, Error::Refused(r) if r.kind == RefusalKind::Lifecycle),
            "{refused}"
        );

        // Test failover, then cleanup.
        let item = items
            .test_failover("web01", RecoveryPointChoice::LatestProcessed)
            .await?
            .await?;
        assert_eq!(state(&item).1, "TestFailoverCompleted", "{item:?}");
        let item = items.cleanup_test_failover("web01").await?.await?;
        let item = if state(&item).1 == "None" {
            item
        } else {
            items
                .wait_until("web01", conditions::test_failover_cleaned_up())
                .await?
                .expect("the item exists")
        };
        assert_eq!(state(&item), ("Protected".to_owned(), "None".to_owned()));

        // The list sees it; its jobs are there.
        let all: Vec<ProtectedItem> = items.list().try_collect().await?;
        assert_eq!(all.len(), 1);
        let jobs: Vec<_> = client.jobs(&vault_id).list().try_collect().await?;
        assert!(
            jobs.len() >= 3,
            "enable, test failover, cleanup: {}",
            jobs.len()
        );
        Ok::<_, Error>(())
    })?;
    assert!(
        !clock.sleeps().is_empty(),
        "the client waited (in no real time)"
    );
    Ok(())
}

#[test]
fn a_drill_through_the_client_on_the_preview_api() {
    drill(ApiVersion::V2021_02_16_Preview).unwrap();
}

#[test]
fn a_drill_through_the_client_on_2024_09_01() {
    drill(ApiVersion::V2024_09_01).unwrap();
}

#[test]
fn a_drill_through_the_client_on_2026_05_01() {
    drill(ApiVersion::V2026_05_01).unwrap();
}

/// A client on a fresh emulator with a vault, policy and extension seeded, `web01` protected.
fn protected_web01(api: ApiVersion) -> (Emulator, SiteRecoveryClient, VaultId) {
    let emu = Emulator::new(
        Scenario::builder()
            .seed_vault(true)
            .clock_mode(ClockMode::Auto)
            .build(),
    );
    let t = emu.topology().clone();
    let clock = ManualClock::default();
    let client = SiteRecoveryClient::builder()
        .endpoint(&t.arm_endpoint)
        .unwrap()
        .api_version(api)
        .transport(emu.clone())
        .clock(Arc::new(clock.clone()))
        .sleep(Arc::new(clock))
        .build()
        .unwrap();
    let vault_id: VaultId = t.vault_id("asrvault").parse().unwrap();
    let rg_id = t
        .target_resource_group_ids
        .iter()
        .find(|g| g.ends_with("/dr-rg"))
        .unwrap()
        .clone();
    let item: ProtectedItem = serde_json::from_value(json!({"properties": {
        "policyName": "default-replication-policy",
        "replicationExtensionName": "default-replication-extension",
        "customProperties": {
            "instanceType": "AzStackToAzStack",
            "sourceAzStackVirtualMachineId": t.source_vm_id("web-01").unwrap(),
            "applianceId": t.appliance_id,
            "targetResourceGroupId": rg_id,
            "targetNetworkId": t.target_network_id("dr-vnet").unwrap(), "targetSubnetName": "default",
            "testNetworkId": t.target_network_id("test-vnet").unwrap(), "testSubnetName": "default",
            "logStorageAccountId": t.target_storage_account_ids[0]}}}))
    .unwrap();
    run(async {
        let items = client.protected_items(&vault_id);
        items.create_or_update("web01", &item).await?.await?;
        items
            .wait_until("web01", conditions::is_protected())
            .await?;
        Ok::<_, Error>(())
    })
    .unwrap();
    (emu, client, vault_id)
}

#[test]
fn a_failed_test_failover_carries_the_jobs_error() {
    use azs_site_recovery::emulator::Fault;
    let (emu, client, vault_id) = protected_web01(ApiVersion::V2024_09_01);
    emu.inject(Fault::fail_job("TestFailover", 1));
    let err = run(async {
        client
            .protected_items(&vault_id)
            .test_failover("web01", RecoveryPointChoice::Latest)
            .await?
            .await
    })
    .unwrap_err();
    let Error::OperationFailed(f) = &err else {
        panic!("expected OperationFailed, got {err:?}")
    };
    let shown = format!("{err} {:?}", f.job_errors);
    assert!(
        shown.contains("An internal error occurred."),
        "the job's error is in the failure: {shown}"
    );
}

#[test]
fn throttled_reads_are_retried_by_the_pipeline() {
    use azs_site_recovery::emulator::{Fault, RequestMatch};
    use azs_site_recovery::http::Method;
    let (emu, client, vault_id) = protected_web01(ApiVersion::V2021_02_16_Preview);
    emu.inject(Fault::throttle(
        RequestMatch::any()
            .method(Method::Get)
            .path_contains("/protectedItems/web01"),
        2,
    ));
    let item = run(client.protected_items(&vault_id).get("web01")).unwrap();
    assert_eq!(state(&item).0, "Protected");
}

#[test]
fn preflight_gathers_the_emulated_stamps() {
    use azs_site_recovery::client::PreflightScope;
    use azs_site_recovery::emulator::{defaults, Fault};
    use azs_site_recovery::preflight::{Code, Intent, PreflightPlan};

    let (emu, client, vault_id) = protected_web01(ApiVersion::V2024_09_01);
    let t = emu.topology().clone();
    let mut scope = PreflightScope::new(defaults::TARGET_SUBSCRIPTION, &t.target_location)
        .source(defaults::SOURCE_SUBSCRIPTION, &t.target_location)
        .appliance(t.appliance_id.parse().unwrap())
        .vault(vault_id)
        .principal(defaults::OBJECT_ID);
    for vm in &t.source_vm_ids {
        scope = scope.vm(vm.clone());
    }
    let gathered = run(client.gather_preflight_snapshot(None, &scope));
    assert!(gathered.problems.is_empty(), "{:?}", gathered.problems);
    let s = &gathered.snapshot;
    assert_eq!(s.vms.len(), t.source_vm_ids.len());
    assert!(
        s.vms
            .iter()
            .all(|vm| !vm.disks.is_empty() && !vm.nics.is_empty()),
        "{:?}",
        s.vms
    );
    let web = s.vms.iter().find(|vm| vm.name == "web-01").unwrap();
    assert_eq!(web.protected_item_name.as_deref(), Some("web01"));
    assert!(web.target.network_id.is_some());
    assert!(s
        .target_quota
        .as_ref()
        .is_some_and(|q| !q.usages.is_empty()));
    assert!(s
        .role_assignments
        .iter()
        .any(|r| r.role_name.eq_ignore_ascii_case("Owner")));
    let appliance = s.appliance.as_ref().unwrap();
    assert!(
        appliance.registered && appliance.responsive,
        "{appliance:?}"
    );
    assert!(!s.target.virtual_networks.is_empty() && !s.target.storage_accounts.is_empty());

    // The appliance stops answering: the report blocks on it.
    emu.inject(Fault::UnresponsiveAppliance);
    let plan = PreflightPlan::new(Intent::EnableProtection);
    let (report, problems) = run(client.preflight(None, &scope, &plan));
    assert!(problems.is_empty());
    assert!(report.has(Code::ApplianceNotResponsive), "{report}");
}

/// Protects source VM `vm` as item `name` and waits for its initial replication.
async fn protect(
    client: &SiteRecoveryClient,
    emu: &Emulator,
    vault: &VaultId,
    vm: &str,
    name: &str,
) {
    let t = emu.topology();
    let network = |n: &str| t.target_network_id(n).unwrap().to_owned();
    let item = azs_site_recovery::model::NewAzStackProtectedItem::new(
        "default-replication-policy",
        "default-replication-extension",
        t.source_vm_id(vm).unwrap(),
    )
    .appliance_id(&t.appliance_id)
    .target_resource_group_id(&t.target_resource_group_ids[1])
    .target_network(network("dr-vnet"), "default")
    .test_network(network("test-vnet"), "default")
    .log_storage_account_id(&t.target_storage_account_ids[0])
    .build()
    .unwrap();
    let items = client.protected_items(vault);
    items
        .create_or_update(name, &item)
        .await
        .unwrap()
        .await
        .unwrap();
}

const ADVICE_180: &str = "no successful test failover in the past 180 days";

#[test]
fn a_failover_carries_the_180_day_advice_on_the_clients_virtual_clock() {
    let emu = Emulator::new(Scenario::builder().seed_vault(true).build());
    // The emulator's virtual clock is the client's: it starts on 2026-01-01, so a check on the
    // wall clock (or on none) would not give the answers below.
    let client = SiteRecoveryClient::builder()
        .in_process(&emu)
        .unwrap()
        .build()
        .unwrap();
    let vault: VaultId = emu.topology().vault_id("asrvault").parse().unwrap();
    run(async {
        for (vm, name) in [
            ("web-01", "web01"),
            ("app-01", "app01"),
            ("sql-01", "sql01"),
        ] {
            protect(&client, &emu, &vault, vm, name).await;
        }
        let items = client.protected_items(&vault);
        for name in ["app01", "sql01"] {
            items
                .test_failover(name, RecoveryPointChoice::LatestProcessed)
                .await
                .unwrap()
                .await
                .unwrap();
            items
                .cleanup_test_failover(name)
                .await
                .unwrap()
                .await
                .unwrap();
        }

        // Never tested: the advice is on the returned value before it is awaited, and logged.
        let never = items.planned_failover("web01", true).await.unwrap();
        assert!(
            never.advice().iter().any(|a| a.contains(ADVICE_180)),
            "{:?}",
            never.advice()
        );
        assert!(
            never.advice().iter().all(|a| !a.starts_with("rule: ")),
            "the rule citation is not advice: {:?}",
            never.advice()
        );
        never.await.unwrap();

        // Tested a moment ago on the virtual clock: no advice.
        let fresh = items.planned_failover("app01", true).await.unwrap();
        assert!(
            fresh.advice().iter().all(|a| !a.contains(ADVICE_180)),
            "{:?}",
            fresh.advice()
        );
        fresh.await.unwrap();

        // 181 virtual days later, with the item the caller holds (no GET first): advice again.
        emu.advance(std::time::Duration::from_secs(181 * 24 * 3600));
        let held = items.get("sql01").await.unwrap();
        let op = azs_site_recovery::lifecycle::Operation::UnplannedFailover {
            recovery_point: RecoveryPointChoice::LatestProcessed,
            shutdown_source: false,
        };
        let options = azs_site_recovery::client::ActionOptions::default().with_current_item(held);
        let stale = items
            .perform_with("sql01", &op, None, &options)
            .await
            .unwrap();
        assert!(
            stale.advice().iter().any(|a| a.contains(ADVICE_180)),
            "{:?}",
            stale.advice()
        );
        // Unchecked: no check, so no advice.
        let unchecked = items.unchecked().commit("web01").await.unwrap();
        assert!(unchecked.advice().is_empty());
    });
}

/// Lists the vaults of the target subscription's `asr-rg` (a call that needs a token when the
/// emulator requires auth).
async fn list_vaults(client: &SiteRecoveryClient, emu: &Emulator) -> Result<usize, Error> {
    let sub = emu.topology().target_subscription.clone();
    let vaults: Vec<Vault> = client.vaults(&sub, "asr-rg").list().try_collect().await?;
    Ok(vaults.len())
}

#[test]
fn a_client_built_from_the_discovered_stamp_gets_tokens_for_the_stamps_audience() {
    use azs_site_recovery::emulator::defaults;
    use azs_site_recovery::pipeline::auth::{ClientSecretCredential, StampEndpoints};
    let emu = Emulator::new(
        Scenario::builder()
            .require_auth(true)
            .seed_vault(true)
            .build(),
    );
    let arm = emu.topology().arm_endpoint.clone();
    run(async {
        // One step: discovery gives the endpoint, the credential kind (AD FS) and the scope.
        let client = SiteRecoveryClient::builder()
            .in_process(&emu)
            .unwrap()
            .discover(&arm)
            .await
            .unwrap()
            .client_secret("adfs", defaults::CLIENT_ID, defaults::CLIENT_SECRET)
            .build()
            .unwrap();
        let stamp = StampEndpoints::discover(&emu, &arm.parse().unwrap())
            .await
            .unwrap();
        assert_eq!(client.pipeline().scopes(), [stamp.arm_scope()]);
        assert!(!stamp
            .arm_scope()
            .contains("management.local.azurestack.external"));
        assert_eq!(list_vaults(&client, &emu).await.unwrap(), 1);

        // The README's old way: endpoint and credential, no scope. The token is asked for the
        // ARM endpoint's host, which is not the stamp's audience: the token endpoint refuses.
        let cred = ClientSecretCredential::for_stamp(
            &stamp,
            "adfs",
            defaults::CLIENT_ID,
            defaults::CLIENT_SECRET,
            Arc::new(emu.clone()),
        );
        let wrong = SiteRecoveryClient::builder()
            .in_process(&emu)
            .unwrap()
            .credential(Arc::new(cred))
            .build()
            .unwrap();
        let err = list_vaults(&wrong, &emu).await.unwrap_err();
        assert!(
            matches!(err, Error::Authentication { .. })
                && err.to_string().contains("invalid_resource"),
            "{err}"
        );

        // The explicit scope wins over the stamp's, whatever the order: a wrong one fails.
        let explicit = SiteRecoveryClient::builder()
            .in_process(&emu)
            .unwrap()
            .scope("https://management.local.azurestack.external/.default")
            .stamp(&stamp)
            .unwrap()
            .client_secret("adfs", defaults::CLIENT_ID, defaults::CLIENT_SECRET)
            .build()
            .unwrap();
        assert!(list_vaults(&explicit, &emu).await.is_err());
    });
}

#[test]
fn builder_settings_beside_a_custom_pipeline_are_refused_not_dropped() {
    use azs_site_recovery::pipeline::Pipeline;
    let emu = Emulator::default();
    let arm: url::Url = emu.topology().arm_endpoint.parse().unwrap();
    let pipeline = || {
        Pipeline::builder(arm.clone(), Arc::new(emu.clone()))
            .build()
            .unwrap()
    };
    let err = SiteRecoveryClient::builder()
        .pipeline(pipeline())
        .scope("https://example/.default")
        .user_agent_suffix("mytool/1.0")
        .build()
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("scope") && msg.contains("user_agent_suffix"),
        "{msg}"
    );
    // Alone it is fine.
    assert!(SiteRecoveryClient::builder()
        .pipeline(pipeline())
        .build()
        .is_ok());
    // A client secret needs a stamp to know its identity provider.
    let err = SiteRecoveryClient::builder()
        .in_process(&emu)
        .unwrap()
        .client_secret("t", "id", "secret")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains(".discover("), "{err}");
    assert!(!format!("{err:?}").contains("secret\""), "{err:?}");
}

#[test]
fn live_reprotect_preflight_reads_the_appliance_slots_the_original_source_and_attestations() {
    use azs_site_recovery::client::PreflightScope;
    use azs_site_recovery::emulator::Appliance;
    use azs_site_recovery::model::Reprotect;
    use azs_site_recovery::preflight::{Code, Intent, PreflightPlan};

    // An appliance VM with 6 data-disk slots (a size with maxDataDiskCount 6), 1 attached.
    let emu = Emulator::new(
        Scenario::builder()
            .seed_vault(true)
            .appliance(Appliance::default().data_disk_slots(6))
            .build(),
    );
    let client = SiteRecoveryClient::builder()
        .in_process(&emu)
        .unwrap()
        .build()
        .unwrap();
    let t = emu.topology().clone();
    let vault: VaultId = t.vault_id("asrvault").parse().unwrap();
    let scope = PreflightScope::new(&t.target_subscription, &t.target_location)
        .source(&t.source_subscription, &t.target_location)
        .appliance(t.appliance_id.parse().unwrap())
        .vault(vault.clone())
        .vm(t.source_vm_id("web-01").unwrap())
        .vm(t.source_vm_id("app-01").unwrap());
    run(async {
        let items = client.protected_items(&vault);
        for (vm, name) in [
            ("web-01", "web01"),
            ("app-01", "app01"),
            ("sql-01", "sql01"),
        ] {
            protect(&client, &emu, &vault, vm, name).await;
            items
                .planned_failover(name, true)
                .await
                .unwrap()
                .await
                .unwrap();
            items.commit(name).await.unwrap().await.unwrap();
        }
        // sql-01 (three disks) starts re-protecting: its disks are not on the appliance yet.
        let body =
            Reprotect::azstack_failback_defaults(&t.appliance_id, &t.target_storage_account_ids[0]);
        let sql = items.reprotect("sql01", &body).await.unwrap();
        let now = items.get("sql01").await.unwrap();
        assert_eq!(state(&now).0, "ReprotectInitiated");

        let gathered = client.gather_preflight_snapshot(None, &scope).await;
        assert!(gathered.problems.is_empty(), "{:?}", gathered.problems);
        let app = gathered.snapshot.appliance.clone().unwrap();
        assert_eq!(
            (
                app.data_disk_slots,
                app.data_disks_attached,
                app.data_disks_reserved
            ),
            (6, 1, 3),
            "{app:?}"
        );
        let web = gathered
            .snapshot
            .vms
            .iter()
            .find(|v| v.name == "web-01")
            .unwrap();
        let orig = web
            .original_source
            .as_ref()
            .expect("the original source is gathered");
        assert!(orig.resource_group_id.starts_with(&format!(
            "/subscriptions/{}/resourceGroups/",
            t.source_subscription
        )));
        assert!(
            !orig.virtual_network_id.is_empty() && !orig.subnet_name.is_empty(),
            "{orig:?}"
        );

        let plan = PreflightPlan::new(Intent::Reprotect)
            .reprotect_log_storage(&t.target_storage_account_ids[0]);
        let (report, problems) = client.preflight(None, &scope, &plan).await;
        assert!(problems.is_empty(), "{problems:?}");
        // 6 slots - 1 attached - 3 reserved = 2 free for web-01 (1 disk) + app-01 (2 disks).
        assert!(report.has(Code::ReprotectNeedsBatches), "{report}");
        // The original source was read, and it exists.
        assert!(
            !report.has(Code::ReprotectOriginalSourceMissing),
            "{report}"
        );
        assert!(
            report
                .with_code(Code::DataNotGathered)
                .all(|f| !f.message.contains("original source")),
            "{report}"
        );
        // Linux app-01: not verifiable through ARM; the finding says how to attest.
        let cert = report
            .with_code(Code::LinuxCertificateUnverified)
            .next()
            .unwrap();
        assert!(
            cert.remedy
                .contains("attest_certificate_trusted(\"app-01\")"),
            "{}",
            cert.remedy
        );
        let attested = plan.clone().attest_certificate_trusted("app-01");
        let (report, _) = client.preflight(None, &scope, &attested).await;
        assert!(!report.has(Code::LinuxCertificateUnverified), "{report}");
        let all = plan.clone().attest_certificate_trusted_on_all();
        let (report, _) = client.preflight(None, &scope, &all).await;
        assert!(!report.has(Code::LinuxCertificateUnverified), "{report}");

        // Once sql-01's re-protect is done its disks are attached, no longer reserved.
        sql.await.unwrap();
        let gathered = client.gather_preflight_snapshot(None, &scope).await;
        let app = gathered.snapshot.appliance.unwrap();
        assert_eq!((app.data_disks_attached, app.data_disks_reserved), (4, 0));
        assert_eq!(
            app.data_disk_slots - app.data_disks_attached,
            emu.appliance_free_slots()
        );
    });
}

#[test]
fn arm_id_fields_are_checked_before_anything_is_sent() {
    use azs_site_recovery::model::{NewAzStackProtectedItem, NewProtectedItemError, Reprotect};
    let t = Emulator::default().topology().clone();
    let base = || {
        NewAzStackProtectedItem::new("p", "e", t.source_vm_id("web-01").unwrap())
            .appliance_id(&t.appliance_id)
            .target_resource_group_id(&t.target_resource_group_ids[1])
            .target_network(t.target_network_id("dr-vnet").unwrap(), "default")
            .log_storage_account_id(&t.target_storage_account_ids[0])
    };
    assert!(base().build().is_ok());
    for (item, field, shape) in [
        (
            base().appliance_id("appliance"),
            "applianceId",
            "/fabricAgents/{appliance}",
        ),
        (
            base().target_network("dr-vnet", "default"),
            "targetNetworkId",
            "/virtualNetworks/{vnet}",
        ),
        (
            base().target_resource_group_id(t.target_network_id("dr-vnet").unwrap()),
            "targetResourceGroupId",
            "/resourceGroups/{resourceGroup}",
        ),
        (
            base().test_network(&t.target_storage_account_ids[0], "default"),
            "testNetworkId",
            "Microsoft.Network",
        ),
        (
            base().log_storage_account_id("cache1"),
            "logStorageAccountId",
            "/storageAccounts/{account}",
        ),
    ] {
        let err = item.build().unwrap_err();
        let NewProtectedItemError::InvalidId(bad) = &err else {
            panic!("{err}")
        };
        assert_eq!(bad.field, field);
        assert!(err.to_string().contains(shape), "{err}");
    }

    // The re-protect body: refused by the client, nothing sent.
    let emu = Emulator::new(Scenario::builder().seed_vault(true).build());
    let client = SiteRecoveryClient::builder()
        .in_process(&emu)
        .unwrap()
        .build()
        .unwrap();
    let vault: VaultId = t.vault_id("asrvault").parse().unwrap();
    run(async {
        protect(&client, &emu, &vault, "web-01", "web01").await;
        let sent = emu.request_count();
        let body = Reprotect::azstack_failback_defaults(
            "asrappliance01",
            &t.target_storage_account_ids[0],
        );
        assert_eq!(body.check_ids().unwrap_err().field, "applianceId");
        let err = client
            .protected_items(&vault)
            .unchecked()
            .reprotect("web01", &body)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
        assert!(err.to_string().contains("applianceId"), "{err}");
        assert_eq!(emu.request_count(), sent, "nothing was sent");
    });
}

#[test]
fn settings_are_updated_by_patch_or_by_read_modify_put_with_if_match() {
    use azs_site_recovery::http::{Method, Request};
    use azs_site_recovery::model::ProtectedItemSettings;
    for api in [
        ApiVersion::V2021_02_16_Preview,
        ApiVersion::V2024_09_01,
        ApiVersion::V2026_05_01,
    ] {
        let emu = Emulator::new(Scenario::builder().seed_vault(true).build());
        let client = SiteRecoveryClient::builder()
            .in_process(&emu)
            .unwrap()
            .api_version(api.clone())
            .build()
            .unwrap();
        let t = emu.topology().clone();
        let vault: VaultId = t.vault_id("asrvault").parse().unwrap();
        let items = client.protected_items(&vault);
        run(async {
            protect(&client, &emu, &vault, "web-01", "web01").await;
            let change = ProtectedItemSettings::new()
                .test_network(t.target_network_id("dr-vnet").unwrap(), "default")
                .target_vm_size("Standard_DS3_v2")
                .target_vm_name("web-01-dr");
            let item = items
                .update_settings("web01", &change)
                .await
                .unwrap()
                .await
                .unwrap();
            let custom =
                serde_json::to_value(&item).unwrap()["properties"]["customProperties"].clone();
            assert_eq!(custom["targetVmSize"], "Standard_DS3_v2", "{api}");
            assert_eq!(custom["targetVmName"], "web-01-dr", "{api}");
            assert_eq!(
                custom["testNetworkId"],
                t.target_network_id("dr-vnet").unwrap(),
                "{api}"
            );
            // What was not set is kept.
            assert_eq!(
                custom["logStorageAccountId"],
                t.target_storage_account_ids[0].as_str(),
                "{api}"
            );
            // A bad network id is refused before sending.
            let bad = ProtectedItemSettings::new().test_network("test-vnet", "default");
            let err = items.update_settings("web01", &bad).await.unwrap_err();
            assert!(err.to_string().contains("testNetworkId"), "{err}");
        });
        // The emulator: PATCH only where the api-version has it; If-Match is honoured.
        let url = format!(
            "{}{}/protectedItems/web01?api-version={}",
            t.arm_endpoint,
            t.vault_id("asrvault"),
            api.as_str()
        );
        let get = emu.handle(&Request::new(Method::Get, url.parse().unwrap()));
        let etag = get.headers.get("etag").unwrap().to_owned();
        let patch = emu.handle(
            &Request::new(Method::Patch, url.parse().unwrap())
                .with_json(br#"{"properties":{"customProperties":{"instanceType":"AzStackToAzStack","targetVmName":"x"}}}"#.to_vec()),
        );
        assert_eq!(
            patch.status,
            if api.is_preview_shape() { 405 } else { 200 },
            "{api}"
        );
        let item: ProtectedItem = serde_json::from_slice(&get.body).unwrap();
        let body = serde_json::to_vec(&item.to_request_body(&api)).unwrap();
        let mut stale = Request::new(Method::Put, url.parse().unwrap()).with_json(body);
        stale.headers.insert("if-match", "\"0000000000000000\"");
        let r = emu.handle(&stale);
        assert_eq!(r.status, 412, "{api}: {}", String::from_utf8_lossy(&r.body));
        if api.is_preview_shape() {
            stale.headers.insert("if-match", etag);
            assert_eq!(emu.handle(&stale).status, 200, "{api}");
        }
    }
}

/// The emulator as a transport that remembers each request's method and `If-Match`.
#[derive(Debug)]
struct Recorder {
    emu: Emulator,
    seen: std::sync::Mutex<Vec<(String, Option<String>)>>,
}

#[async_trait::async_trait]
impl azs_site_recovery::transport::Transport for Recorder {
    async fn send(
        &self,
        request: &azs_site_recovery::http::Request,
    ) -> Result<azs_site_recovery::http::Response, azs_site_recovery::transport::TransportError>
    {
        self.seen.lock().unwrap().push((
            request.method.as_str().to_owned(),
            request.headers.get("if-match").map(str::to_owned),
        ));
        self.emu.send(request).await
    }
}

#[test]
fn the_preview_update_puts_back_with_the_etag_it_read() {
    use azs_site_recovery::model::ProtectedItemSettings;
    let emu = Emulator::new(Scenario::builder().seed_vault(true).build());
    let recorder = Arc::new(Recorder {
        emu: emu.clone(),
        seen: Default::default(),
    });
    let client = SiteRecoveryClient::builder()
        .in_process(&emu)
        .unwrap()
        .shared_transport(recorder.clone())
        .build()
        .unwrap();
    let t = emu.topology().clone();
    let vault: VaultId = t.vault_id("asrvault").parse().unwrap();
    run(async {
        protect(&client, &emu, &vault, "web-01", "web01").await;
        recorder.seen.lock().unwrap().clear();
        let change = ProtectedItemSettings::new().target_vm_size("Standard_DS3_v2");
        client
            .protected_items(&vault)
            .update_settings("web01", &change)
            .await
            .unwrap()
            .await
            .unwrap();
    });
    let seen = recorder.seen.lock().unwrap().clone();
    let put = seen.iter().find(|(m, _)| m == "PUT").expect("a PUT");
    assert!(
        put.1.as_deref().is_some_and(|e| e.starts_with('"')),
        "{seen:?}"
    );
    assert!(!seen.iter().any(|(m, _)| m == "PATCH"), "{seen:?}");
}
