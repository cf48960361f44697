//! The whole DR lifecycle and every fault, driven through `SiteRecoveryClient` against the
//! emulator, each test run twice: in process (the `Emulator` as transport) and over loopback
//! HTTP (`EmulatorServer` + `ReqwestTransport`, feature `emulator-server`). Same test body, same
//! results: what a user sees does not depend on the transport.
#![cfg(feature = "emulator")]

use azs_site_recovery::client::PreflightScope;
use azs_site_recovery::emulator::{
    defaults, Appliance, ComputeQuota, Emulator, Fault, PowerState, RequestMatch, Scenario,
    VirtualNetwork,
};
use azs_site_recovery::error::RefusalKind;
use azs_site_recovery::http::Method;
use azs_site_recovery::id::{FabricAgentId, VaultId};
use azs_site_recovery::lifecycle::conditions::{self, Condition};
use azs_site_recovery::lifecycle::RecoveryPointChoice;
use azs_site_recovery::model::{
    Job, NewAzStackProtectedItem, ProtectedItem, ProtectionState, Reprotect, TestFailoverState,
};
use azs_site_recovery::preflight::{self, Code, Intent, PreflightPlan, TargetSettings};
use azs_site_recovery::transport::TransportErrorKind;
use azs_site_recovery::{Error, SiteRecoveryClient};
use futures_util::TryStreamExt;

/// A client on an emulator, by one transport or the other.
struct Env {
    via: &'static str,
    emu: Emulator,
    client: SiteRecoveryClient,
    vault: VaultId,
    #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
    _server: Option<azs_site_recovery::emulator::EmulatorServer>,
}

#[derive(Clone, Copy)]
enum Via {
    InProcess,
    #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
    Http,
}

/// The default scenario with the vault, policies and extensions already created.
fn seeded() -> Scenario {
    Scenario::builder().seed_vault(true).build()
}

fn env(via: Via, scenario: Scenario) -> Env {
    let emu = Emulator::new(scenario);
    let vault = VaultId::new(&emu.topology().target_subscription, "asr-rg", "asrvault");
    match via {
        Via::InProcess => Env {
            via: "in-process",
            client: emu.client_builder().build().unwrap(),
            emu,
            vault,
            #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
            _server: None,
        },
        #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
        Via::Http => {
            let server =
                azs_site_recovery::emulator::EmulatorServer::start(emu.clone(), "127.0.0.1:0")
                    .unwrap();
            let client = emu
                .client_builder()
                .endpoint(&server.base_url())
                .unwrap()
                .transport(azs_site_recovery::transport::ReqwestTransport::new().unwrap())
                .build()
                .unwrap();
            Env {
                via: "http",
                client,
                emu,
                vault,
                _server: Some(server),
            }
        }
    }
}

/// One `#[tokio::test]` per transport for each scenario function.
macro_rules! both_transports {
    ($($name:ident => $scenario:expr;)*) => {$(
        mod $name {
            #[tokio::test]
            async fn in_process() {
                super::$name(super::env(super::Via::InProcess, $scenario)).await
            }
            #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
            #[tokio::test]
            async fn over_http() {
                super::$name(super::env(super::Via::Http, $scenario)).await
            }
        }
    )*};
}

both_transports! {
    the_whole_lifecycle => super::seeded();
    throttling_and_server_errors_are_retried => super::seeded();
    a_dropped_connection_loses_nothing_and_duplicates_nothing => super::seeded();
    a_job_failing_at_a_step_is_reported_and_retryable => super::seeded();
    an_unresponsive_appliance_fails_enabling_until_it_is_back => super::seeded();
    a_missing_target_network_fails_the_failover_until_it_is_back => super::seeded();
    preflight_finds_what_the_scenario_planted => super::planted();
}

impl Env {
    fn items(&self) -> azs_site_recovery::client::Handle<ProtectedItem> {
        self.client.protected_items(&self.vault)
    }

    fn new_item(&self, vm: &str) -> ProtectedItem {
        let t = self.emu.topology();
        NewAzStackProtectedItem::new(
            "default-replication-policy",
            "default-replication-extension",
            t.source_vm_id(vm).unwrap(),
        )
        .appliance_id(&t.appliance_id)
        .target_resource_group_id(&t.target_resource_group_ids[1])
        .target_network(t.target_network_id("dr-vnet").unwrap(), "default")
        .test_network(t.target_network_id("test-vnet").unwrap(), "default")
        .log_storage_account_id(&t.target_storage_account_ids[0])
        .build()
        .unwrap()
    }

    /// Enables protection of `vm` as item `name` and waits for initial replication.
    async fn protect(&self, vm: &str, name: &str) -> ProtectedItem {
        let poller = self
            .items()
            .create_or_update(name, &self.new_item(vm))
            .await
            .unwrap();
        poller.await.unwrap()
    }

    fn vm(&self, name: &str) -> String {
        self.emu.topology().source_vm_id(name).unwrap().to_owned()
    }

    fn has_vm(&self, name: &str) -> bool {
        let suffix = format!("/{name}");
        self.emu.vm_ids().iter().any(|id| id.ends_with(&suffix))
    }

    async fn item(&self, name: &str) -> ProtectedItem {
        self.items().get(name).await.unwrap()
    }

    async fn all_items(&self) -> Vec<ProtectedItem> {
        self.items().list().try_collect().await.unwrap()
    }

    /// The vault's jobs of `display` ("Planned failover") for item `name`.
    async fn jobs(&self, name: &str, display: &str) -> Vec<Job> {
        let jobs: Vec<Job> = self
            .client
            .jobs(&self.vault)
            .list_with(&[("pageSize", "500")])
            .try_collect()
            .await
            .unwrap();
        jobs.into_iter()
            .filter(|j| {
                let p = j.properties.as_ref().unwrap();
                p.object_name.as_deref() == Some(name) && p.display_name.as_deref() == Some(display)
            })
            .collect()
    }
}

fn state(item: &ProtectedItem) -> ProtectionState {
    item.protection_state().cloned().unwrap()
}

async fn the_whole_lifecycle(e: Env) {
    let via = e.via;
    let items = e.items();
    let web01 = e.vm("web-01");

    // Enable: the PUT's operation ends when initial replication does.
    let item = e.protect("web-01", "web01").await;
    assert_eq!(state(&item), ProtectionState::Protected, "{via}");
    assert!(item.properties.as_ref().unwrap().current_job.is_some());

    // Test failover: a test VM in the test network, the source keeps running.
    let item = items
        .test_failover("web01", RecoveryPointChoice::LatestProcessed)
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(
        item.test_failover_state(),
        Some(&TestFailoverState::TestFailoverCompleted),
        "{via}"
    );
    assert_eq!(state(&item), ProtectionState::Protected);
    assert!(e.has_vm("web-01-test"), "{via}: the test VM exists");
    assert_eq!(e.emu.vm_power_state(&web01), Some(PowerState::Running));

    let item = items
        .cleanup_test_failover("web01")
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(conditions::test_failover_cleaned_up().matches(Some(&item)));
    assert!(!e.has_vm("web-01-test"), "{via}: the test VM is gone");

    // Planned failover shuts the source down and starts the VM on the target stamp.
    let item = items
        .planned_failover("web01", true)
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(
        state(&item),
        ProtectionState::PlannedFailoverCompleted,
        "{via}"
    );
    assert_ne!(e.emu.vm_power_state(&web01), Some(PowerState::Running));
    let item = items.commit("web01").await.unwrap().await.unwrap();
    assert_eq!(state(&item), ProtectionState::CommitFailoverCompleted);

    // Re-protect: replication back to the source stamp, with the failback defaults.
    let t = e.emu.topology();
    let body =
        Reprotect::azstack_failback_defaults(&t.appliance_id, &t.target_storage_account_ids[0]);
    items
        .reprotect("web01", &body)
        .await
        .unwrap()
        .await
        .unwrap();
    let item = items
        .wait_until(
            "web01",
            conditions::is_reprotected().or(conditions::has_failed()),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(
        conditions::is_reprotected().matches(Some(&item)),
        "{via}: {:?}",
        state(&item)
    );
    assert_eq!(item.instance_type(), Some("AzStackToAzStackFailback"));

    // Failback and commit: home again, the failed-over VM deleted from the target stamp.
    items.failback("web01", true).await.unwrap().await.unwrap();
    assert_eq!(e.emu.vm_power_state(&web01), Some(PowerState::Running));
    let item = items.commit("web01").await.unwrap().await.unwrap();
    assert!(
        conditions::failback_committed().matches(Some(&item)),
        "{via}"
    );

    // Re-protecting again is refused by the lifecycle before anything is sent.
    let before = e.emu.request_count();
    let err = items.reprotect("web01", &body).await.unwrap_err();
    match &err {
        Error::Refused(r) => {
            assert_eq!(r.kind, RefusalKind::Lifecycle);
            assert!(r.remedy.contains("disable"), "{}", r.remedy);
            assert!(r.message.contains("web01"), "{}", r.message);
            assert!(
                !r.message.contains("What to do"),
                "said once, in the remedy: {}",
                r.message
            );
        }
        other => panic!("{via}: expected a refusal, got {other}"),
    }
    assert_eq!(
        e.emu.request_count(),
        before + 1,
        "{via}: only the item was read"
    );

    // Enabling it again (the enable PUT) is refused by the service: disable first.
    let err = match items.create_or_update("web01", &e.new_item("web-01")).await {
        Ok(poller) => poller.await.map(|i| state(&i)).unwrap_err(),
        Err(err) => err,
    };
    assert!(err.is_conflict(), "{via}: {err}");
    assert!(err.to_string().contains("isable"), "{via}: {err}");
    let item = e.item("web01").await;
    assert_eq!(
        item.instance_type(),
        Some("AzStackToAzStackFailback"),
        "{via}: unchanged"
    );

    // Disable: the item is gone.
    items.disable("web01", false).await.unwrap().await.unwrap();
    assert!(items.get_opt("web01").await.unwrap().is_none(), "{via}");
    let jobs: Vec<Job> = e.client.jobs(&e.vault).list().try_collect().await.unwrap();
    assert!(jobs.len() >= 9, "{via}: {} jobs", jobs.len());
}

async fn throttling_and_server_errors_are_retried(e: Env) {
    let via = e.via;
    // Reads, the enable PUT and an action POST are throttled or fail with 503 first.
    e.emu
        .inject(Fault::throttle(RequestMatch::any().method(Method::Get), 3));
    e.emu.inject(Fault::server_error(
        RequestMatch::any()
            .method(Method::Put)
            .path_contains("/protectedItems/"),
        2,
    ));
    let item = e.protect("web-01", "web01").await;
    assert_eq!(state(&item), ProtectionState::Protected, "{via}");
    e.emu.inject(Fault::throttle(
        RequestMatch::any()
            .method(Method::Post)
            .path_contains("/testFailover"),
        2,
    ));
    let item = e
        .items()
        .test_failover("web01", RecoveryPointChoice::Latest)
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(
        conditions::test_failover_completed().matches(Some(&item)),
        "{via}"
    );
    // Nothing lost, nothing duplicated.
    assert_eq!(e.all_items().await.len(), 1, "{via}");
    assert_eq!(e.jobs("web01", "Enable protection").await.len(), 1, "{via}");
    assert_eq!(e.jobs("web01", "Test failover").await.len(), 1, "{via}");
}

async fn a_dropped_connection_loses_nothing_and_duplicates_nothing(e: Env) {
    let via = e.via;
    // A PUT lost on the way is resent (idempotent) and protects once.
    e.emu.inject(Fault::drop_connection(
        RequestMatch::any().method(Method::Put),
        TransportErrorKind::MaybeSent,
        1,
    ));
    e.protect("web-01", "web01").await;
    assert_eq!(e.all_items().await.len(), 1, "{via}");

    // Reads lost on the way (the lifecycle check's GET, the polls) are simply read again.
    e.emu.inject(Fault::drop_connection(
        RequestMatch::any().method(Method::Get),
        TransportErrorKind::MaybeSent,
        2,
    ));
    let item = e
        .items()
        .test_failover("web01", RecoveryPointChoice::Latest)
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(
        conditions::test_failover_completed().matches(Some(&item)),
        "{via}"
    );
    e.items()
        .cleanup_test_failover("web01")
        .await
        .unwrap()
        .await
        .unwrap();

    // A failover whose answer is lost was started: the client does not resend it, says it may
    // have been sent, and the item tells what happened. Trying again is refused by the
    // lifecycle (the failover is done): one failover job, not two.
    e.emu.inject(Fault::drop_connection(
        RequestMatch::any()
            .method(Method::Post)
            .path_contains("/plannedFailover"),
        TransportErrorKind::ResponseUnreadable,
        1,
    ));
    let items = e.items();
    let err = items.planned_failover("web01", true).await.unwrap_err();
    assert!(
        err.transport_error().is_some() && !err.is_not_sent(),
        "{via}: {err:?}"
    );
    let item = items
        .wait_until("web01", conditions::is_settled())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        state(&item),
        ProtectionState::PlannedFailoverCompleted,
        "{via}"
    );
    let again = items.planned_failover("web01", true).await.unwrap_err();
    assert!(matches!(again, Error::Refused(_)), "{via}: {again}");
    assert_eq!(e.jobs("web01", "Planned failover").await.len(), 1, "{via}");
    items.commit("web01").await.unwrap().await.unwrap();
}

async fn a_job_failing_at_a_step_is_reported_and_retryable(e: Env) {
    let via = e.via;
    e.protect("web-01", "web01").await;
    e.emu.inject(Fault::FailJob {
        scenario: Some("TestFailover".into()),
        step: 1,
        code: "TestVmCreationFailed".into(),
        message: "The test VM could not be created.".into(),
    });
    let items = e.items();
    let err = items
        .test_failover("web01", RecoveryPointChoice::LatestProcessed)
        .await
        .unwrap()
        .await
        .unwrap_err();
    let Error::OperationFailed(f) = &err else {
        panic!("{via}: expected an operation failure, got {err}")
    };
    assert_eq!(
        f.error.as_ref().and_then(|e| e.code.as_deref()),
        Some("TestVmCreationFailed"),
        "{via}: {f}"
    );
    assert!(!f.job_errors.is_empty(), "{via}: the job's errors: {f}");
    assert!(
        f.health_errors
            .iter()
            .any(|h| h.code.as_deref() == Some("TestVmCreationFailed")),
        "{via}: {f:?}"
    );
    let item = e.item("web01").await;
    assert!(conditions::has_failed().matches(Some(&item)), "{via}");
    // Clean up the failed attempt, then it works: nothing is stuck.
    items
        .cleanup_test_failover("web01")
        .await
        .unwrap()
        .await
        .unwrap();
    let item = items
        .test_failover("web01", RecoveryPointChoice::LatestProcessed)
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(
        conditions::test_failover_completed().matches(Some(&item)),
        "{via}"
    );
    assert_eq!(e.jobs("web01", "Test failover").await.len(), 2, "{via}");
}

async fn an_unresponsive_appliance_fails_enabling_until_it_is_back(e: Env) {
    let via = e.via;
    e.emu.inject(Fault::UnresponsiveAppliance);
    let items = e.items();
    let started = items.create_or_update("web01", &e.new_item("web-01")).await;
    let err = match started {
        Ok(poller) => poller.await.unwrap_err(),
        Err(err) => err,
    };
    assert!(
        err.to_string().to_ascii_lowercase().contains("appliance"),
        "{via}: {err}"
    );
    // The appliance comes back: enabling again (the same PUT) protects the VM, once.
    e.emu.set_appliance_responsive(true);
    let item = e.protect("web-01", "web01").await;
    assert_eq!(state(&item), ProtectionState::Protected, "{via}");
    assert_eq!(e.all_items().await.len(), 1, "{via}");
}

async fn a_missing_target_network_fails_the_failover_until_it_is_back(e: Env) {
    let via = e.via;
    e.protect("app-01", "app01").await;
    e.emu.inject(Fault::MissingTargetNetwork {
        name: "dr-vnet".into(),
    });
    let items = e.items();
    let err = items
        .planned_failover("app01", true)
        .await
        .unwrap()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::OperationFailed(_)), "{via}: {err}");
    assert!(
        err.to_string().contains("dr-vnet") || format!("{err:?}").contains("dr-vnet"),
        "{via}: {err:?}"
    );
    e.emu.add_target_network(
        VirtualNetwork::new("dr-vnet", "dr-rg", "10.20.0.0/16").subnet("default", "10.20.0.0/24"),
    );
    let item = items
        .planned_failover("app01", true)
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(
        state(&item),
        ProtectionState::PlannedFailoverCompleted,
        "{via}"
    );
    assert!(e.has_vm("app-01"), "{via}");
}

/// A world with problems planted: no test network, a short quota, a silent appliance.
fn planted() -> Scenario {
    Scenario::builder()
        .seed_vault(true)
        .compute_quota(ComputeQuota::new(4, 100))
        .appliance(Appliance::default().unresponsive())
        .fault(Fault::MissingTargetNetwork {
            name: "test-vnet".into(),
        })
        .build()
}

async fn preflight_finds_what_the_scenario_planted(e: Env) {
    let via = e.via;
    let t = e.emu.topology().clone();
    let scope = PreflightScope::new(&t.target_subscription, &t.target_location)
        .source(&t.source_subscription, "redmond")
        .vm(e.vm("sql-01"))
        .vm(e.vm("web-01"))
        .appliance(t.appliance_id.parse::<FabricAgentId>().unwrap())
        .vault(e.vault.clone())
        .principal(defaults::OBJECT_ID);
    let mut gathered = e.client.gather_preflight_snapshot(None, &scope).await;
    assert!(
        gathered.problems.is_empty(),
        "{via}: {:?}",
        gathered.problems
    );
    let test_vnet = t
        .target_network_id("dr-vnet")
        .unwrap()
        .replace("dr-vnet", "test-vnet");
    for vm in &mut gathered.snapshot.vms {
        vm.target = TargetSettings {
            network_id: t.target_network_id("dr-vnet").map(str::to_owned),
            subnet_name: Some("default".into()),
            test_network_id: Some(test_vnet.clone()),
            test_subnet_name: Some("default".into()),
            ..TargetSettings::default()
        };
    }
    assert_eq!(gathered.snapshot.vms.len(), 2, "{via}");
    assert_eq!(
        gathered.snapshot.vms[0].disks.len(),
        3,
        "{via}: sql-01's disks"
    );
    let plan = PreflightPlan::new(Intent::TestFailover)
        .cache_storage(&t.target_storage_account_ids[0])
        .target_resource_group(&t.target_resource_group_ids[1]);
    let report = preflight::run(&plan, &gathered.snapshot, e.emu.now());
    for code in [Code::TestNetworkMissing, Code::QuotaCoresInsufficient] {
        assert!(report.has(code), "{via}: {code} in\n{report}");
    }
    assert!(report.is_blocked());
    assert!(
        !report.has(Code::TargetNetworkMissing),
        "{via}: dr-vnet is there\n{report}"
    );
    // Enabling more VMs would need the appliance: the client's one-call preflight says it is
    // silent (and, the VMs having no target settings yet, that they need them).
    let plan = PreflightPlan::new(Intent::EnableProtection)
        .cache_storage(&t.target_storage_account_ids[0])
        .target_resource_group(&t.target_resource_group_ids[1]);
    let (report, problems) = e.client.preflight(None, &scope, &plan).await;
    assert!(problems.is_empty(), "{via}: {problems:?}");
    assert!(report.has(Code::ApplianceNotResponsive), "{via}\n{report}");
    assert!(report.has(Code::TargetNetworkNotSet), "{via}\n{report}");
}
