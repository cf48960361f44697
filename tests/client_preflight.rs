//! Preflight gathering over a mock ARM: what is read, with which api-versions, and the report.
#![cfg(feature = "test-util")]

use azs_site_recovery::client::PreflightScope;
use azs_site_recovery::http::{Request, Response};
use azs_site_recovery::id::{FabricAgentId, VaultId};
use azs_site_recovery::pipeline::clock::ManualClock;
use azs_site_recovery::preflight::{Code, Intent, OsFamily, PowerState, PreflightPlan};
use azs_site_recovery::transport::MockTransport;
use azs_site_recovery::SiteRecoveryClient;
use serde_json::{json, Value};
use std::sync::Arc;

const ARM: &str = "https://management.local.azurestack.external";
const T: &str = "/subscriptions/t1";
const VM: &str =
    "/subscriptions/t1/resourceGroups/apps/providers/Microsoft.Compute/virtualMachines/web01";
const NIC: &str =
    "/subscriptions/t1/resourceGroups/apps/providers/Microsoft.Network/networkInterfaces/web01-nic";
const NET: &str =
    "/subscriptions/t1/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/dr";

fn list(items: Vec<Value>) -> Value {
    json!({ "value": items })
}

/// The mock ARM: answers by path; `storage_forbidden` makes the storage list a 403.
fn arm(req: &Request, storage_forbidden: bool) -> Response {
    let path = req.url.path().to_owned();
    let api = req
        .url
        .query_pairs()
        .find(|(k, _)| k == "api-version")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let expect_api = |want: &str| assert_eq!(api, want, "api-version of {path}");
    let body = match path.as_str() {
        "/subscriptions" => {
            expect_api("2019-10-01");
            list(vec![json!({"subscriptionId": "t1"})])
        }
        p if p == format!("{T}/resourcegroups") => {
            expect_api("2019-10-01");
            list(vec![
                json!({"id": format!("{T}/resourceGroups/recovery"), "location": "local", "tags": {"owner": "dr"}}),
            ])
        }
        p if p.ends_with("/Microsoft.Network/virtualNetworks") => {
            expect_api("2018-11-01");
            list(vec![json!({"id": NET, "location": "local", "properties": {
                "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                "subnets": [{"name": "default", "properties": {"addressPrefix": "10.1.0.0/24"}}]}})])
        }
        p if p.ends_with("/Microsoft.Storage/storageAccounts") => {
            expect_api("2019-06-01");
            if storage_forbidden {
                let mut r = Response::new(403);
                r.body =
                    br#"{"error":{"code":"AuthorizationFailed","message":"no read on storage"}}"#
                        .to_vec();
                return r;
            }
            list(vec![
                json!({"id": format!("{T}/resourceGroups/dr/providers/Microsoft.Storage/storageAccounts/cache1"), "location": "local"}),
            ])
        }
        p if p.ends_with("/locations/local/usages") => {
            expect_api("2020-06-01");
            list(vec![
                json!({"name": {"value": "cores"}, "currentValue": 9, "limit": 10}),
                json!({"name": {"value": "virtualMachines"}, "currentValue": 1, "limit": 100}),
            ])
        }
        p if p.ends_with("/locations/local/vmSizes") => {
            expect_api("2020-06-01");
            list(vec![
                json!({"name": "Standard_DS2_v2", "numberOfCores": 2, "maxDataDiskCount": 8}),
                json!({"name": "Standard_DS3_v2", "numberOfCores": 4, "maxDataDiskCount": 16}),
            ])
        }
        p if p == format!("{T}/providers/Microsoft.Compute/virtualMachines") => {
            expect_api("2020-06-01");
            // The appliance VM (the fabric agent's machineName), with two data disks.
            let disk = |n: &str| {
                json!({"lun": 0, "name": n, "diskSizeGB": 610,
                "managedDisk": {"id": format!("{T}/resourceGroups/dr/providers/Microsoft.Compute/disks/{n}")}})
            };
            list(vec![
                json!({"name": "web01", "id": VM}),
                json!({"name": "APPL01", "location": "local",
                    "id": format!("{T}/resourceGroups/dr/providers/Microsoft.Compute/virtualMachines/appl01"),
                    "properties": {"hardwareProfile": {"vmSize": "standard_ds3_v2"},
                        "storageProfile": {"dataDisks": [disk("appl01-data0"), disk("appl01-data1")]}}}),
            ])
        }
        p if p.ends_with("/roleDefinitions") => {
            expect_api("2015-07-01");
            list(vec![
                json!({"id": format!("{T}/providers/Microsoft.Authorization/roleDefinitions/8e3af657"),
                "properties": {"roleName": "Owner"}}),
            ])
        }
        p if p.ends_with("/roleAssignments") => {
            expect_api("2015-07-01");
            assert!(
                req.url.query().unwrap().contains("assignedTo"),
                "{}",
                req.url
            );
            list(vec![json!({"properties": {"scope": T,
                "roleDefinitionId": format!("{T}/providers/Microsoft.Authorization/roleDefinitions/8e3af657")}})])
        }
        p if p.ends_with("/fabricAgents/appliance1") => json!({
            "name": "appliance1",
            "properties": {"provisioningState": "Succeeded", "isResponsive": false,
                "machineName": "appl01",
                "lastHeartbeat": "2026-01-01T00:00:00Z",
                "healthErrors": [{"code": "E1", "message": "agent stopped"}]}
        }),
        p if p.ends_with("/replicationVaults/vault1/protectedItems") => list(vec![json!({
            "name": "web01",
            "properties": {"protectionState": "Protected",
                "customProperties": {"instanceType": "AzStackToAzStack",
                    "sourceAzStackVirtualMachineId": VM.to_ascii_uppercase(),
                    "targetNetworkId": NET, "targetSubnetName": "default",
                    "targetResourceGroupId": format!("{T}/resourceGroups/recovery")}}
        })]),
        p if p == format!("{VM}/instanceView") => {
            expect_api("2020-06-01");
            json!({"statuses": [{"code": "ProvisioningState/succeeded"}, {"code": "PowerState/running"}]})
        }
        VM => {
            expect_api("2020-06-01");
            json!({"name": "web01", "id": VM, "properties": {
                "hardwareProfile": {"vmSize": "Standard_DS2_v2"},
                "storageProfile": {"osDisk": {"name": "os", "osType": "Windows", "diskSizeGB": 128},
                    "dataDisks": [{"name": "data0", "diskSizeGB": 256}]},
                "networkProfile": {"networkInterfaces": [{"id": NIC}]}}})
        }
        NIC => {
            expect_api("2018-11-01");
            json!({"properties": {"ipConfigurations": [{"properties": {"subnet": {"id": format!("{NET}/subnets/default")}}}]}})
        }
        other => panic!("unexpected request {other}"),
    };
    let mut r = Response::new(200);
    r.body = serde_json::to_vec(&body).unwrap();
    r
}

fn client(storage_forbidden: bool) -> (SiteRecoveryClient, Arc<MockTransport>) {
    let mock = Arc::new(MockTransport::new(move |req| {
        Ok(arm(req, storage_forbidden))
    }));
    let clock = ManualClock::new("2026-01-02T00:00:00Z".parse().unwrap());
    let client = SiteRecoveryClient::builder()
        .endpoint(ARM)
        .unwrap()
        .shared_transport(mock.clone())
        .clock(Arc::new(clock.clone()))
        .sleep(Arc::new(clock))
        .build()
        .unwrap();
    (client, mock)
}

fn scope() -> PreflightScope {
    PreflightScope::new("t1", "local")
        .source("t1", "local")
        .vm(VM)
        .appliance(FabricAgentId::new("t1", "dr", "source", "appliance1"))
        .vault(VaultId::new("t1", "dr", "vault1"))
        .principal("11111111-2222-3333-4444-555555555555")
}

fn run<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn the_snapshot_is_read_from_each_provider_with_the_hybrid_profile() {
    let (c, _) = client(false);
    let gathered = run(c.gather_preflight_snapshot(None, &scope()));
    assert!(gathered.problems.is_empty(), "{:?}", gathered.problems);
    let s = &gathered.snapshot;
    assert_eq!(s.target.subscriptions, ["t1"]);
    assert_eq!(s.target.resource_groups[0].tags["owner"], "dr");
    assert_eq!(s.target.virtual_networks[0].subnets[0].name, "default");
    assert_eq!(s.target.storage_accounts.len(), 1);
    assert_eq!(s.target_quota.as_ref().unwrap().usages[0].limit, 10);
    assert_eq!(
        s.role_assignments.len(),
        2,
        "target and source subscription"
    );
    assert_eq!(s.role_assignments[0].role_name, "Owner");
    let appliance = s.appliance.as_ref().unwrap();
    assert!(appliance.registered && !appliance.responsive);
    assert_eq!(appliance.health_errors, ["agent stopped"]);
    // Its VM (found by the fabric agent's machineName): DS3_v2's 16 slots, 2 attached.
    assert_eq!(
        (
            appliance.data_disk_slots,
            appliance.data_disks_attached,
            appliance.data_disks_reserved
        ),
        (16, 2, 0)
    );
    let vm = &s.vms[0];
    assert_eq!(
        (vm.os, vm.power_state),
        (OsFamily::Windows, PowerState::Running)
    );
    assert_eq!(vm.cores, Some(2));
    assert_eq!(vm.disks.len(), 2);
    assert!(vm.disks[0].is_os_disk && vm.disks[1].size_gib == 256);
    assert_eq!(vm.nics[0].virtual_network_id, NET);
    assert_eq!(vm.nics[0].subnet_name, "default");
    assert_eq!(vm.protected_item_name.as_deref(), Some("web01"));
    assert_eq!(vm.target.network_id.as_deref(), Some(NET));
    // The original source, for re-protect: the item's source VM id and the VM's primary NIC.
    let orig = vm.original_source.as_ref().unwrap();
    assert_eq!(orig.subscription_id, "T1");
    assert_eq!(
        orig.resource_group_id,
        "/subscriptions/T1/resourceGroups/APPS"
    );
    assert_eq!(
        (orig.virtual_network_id.as_str(), orig.subnet_name.as_str()),
        (NET, "default")
    );
}

#[test]
fn the_report_finds_the_quota_and_the_appliance() {
    let (c, _) = client(false);
    let plan = PreflightPlan::new(Intent::TestFailover);
    let (report, problems) = run(c.preflight(None, &scope(), &plan));
    assert!(problems.is_empty());
    assert!(report.has(Code::QuotaCoresInsufficient), "{report}");
    let (report, _) = run(c.preflight(
        None,
        &scope(),
        &PreflightPlan::new(Intent::EnableProtection),
    ));
    assert!(report.has(Code::ApplianceNotResponsive), "{report}");
    assert!(report.is_blocked());
}

#[test]
fn a_forbidden_read_is_listed_and_the_rest_is_gathered() {
    let (c, mock) = client(true);
    let gathered = run(c.gather_preflight_snapshot(None, &scope()));
    assert_eq!(
        gathered.problems.len(),
        2,
        "storage on both sides: {:?}",
        gathered.problems
    );
    assert!(gathered.problems[0]
        .to_string()
        .contains("storage accounts"));
    assert_eq!(gathered.problems[0].error.status(), Some(403));
    assert!(gathered.snapshot.target.storage_accounts.is_empty());
    assert_eq!(gathered.snapshot.vms.len(), 1, "the VM was still read");
    let storage_reads = mock
        .requests()
        .iter()
        .filter(|r| r.url.path().ends_with("storageAccounts"))
        .count();
    assert_eq!(storage_reads, 2, "a 403 is not retried");
}
