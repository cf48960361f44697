//! Parsing 10,000 realistic Azure Stack Hub protected items (~4 KB each): typed and lossless
//! (`Vec<ProtectedItem>`) against untyped (`serde_json::Value`), same bytes, same run.
//!
//! Target: typed ≤ 0.85 × the `Value` time.
//!
//! `cargo bench --bench model -- --warm-up-time 1 --measurement-time 3`

use azs_site_recovery::model::ProtectedItem;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};

const ITEMS: usize = 10_000;

const STATES: [&str; 6] = [
    "Protected",
    "InitialReplicationInProgress",
    "PlannedFailoverCompleted",
    "UnplannedFailoverCompleted",
    "ReprotectInitiated",
    "ProtectedStatesBegin",
];

/// One protected item as an Azure Stack Hub stamp would send it: 2-3 disks, 1-2 NICs, a health
/// error with a nested error, a job, offset-less and 7-digit timestamps, fields the crate does
/// not know, and an enum value it does not know on some items.
fn item(i: usize) -> Value {
    let sub = format!("{:08x}-1111-4222-8333-{:012x}", i * 7919, i);
    let rg = format!("/subscriptions/{sub}/resourceGroups/app-{}", i % 50);
    let vm = format!("{rg}/providers/Microsoft.Compute/virtualMachines/vm{i:05}");
    let vnet = format!("/subscriptions/{sub}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/dr-vnet-{}", i % 8);
    let disks: Vec<Value> = (0..2 + usize::from(i % 4 == 0))
        .map(|d| {
            json!({
                "sourceDiskId": format!("{rg}/providers/Microsoft.Compute/disks/vm{i:05}-disk{d}"),
                "sourceDiskName": format!("vm{i:05}-disk{d}"),
                "diskSizeGB": if d == 0 { 127 } else { 256 << (d % 3) },
                "isOsDisk": d == 0,
                "replicaDiskId": format!("/subscriptions/{sub}/resourceGroups/app-dr/providers/Microsoft.Compute/disks/vm{i:05}-disk{d}-r")
            })
        })
        .collect();
    let nics: Vec<Value> = (0..1 + usize::from(i % 4 == 1))
        .map(|n| {
            json!({
                "nicId": format!("{rg}/providers/Microsoft.Network/networkInterfaces/vm{i:05}-nic{n}"),
                "isPrimaryNic": n == 0,
                "sourceSubnetName": "web",
                "sourceIpAddress": format!("10.{}.{}.{}", n, (i / 250) % 250, i % 250 + 4),
                "targetNetworkId": vnet,
                "targetSubnetName": "default"
            })
        })
        .collect();
    let health_error = |code: &str| {
        json!({
            "affectedResourceCorrelationIds": [format!("corr-{i}")],
            "childErrors": [{
                "code": format!("{code}Inner"),
                "severity": "Warning",
                "creationTime": "2024-03-02T09:59:59.9999999",
                "isCustomerResolvable": true,
                "message": "Protected item health changed to Warning"
            }],
            "code": code,
            "healthCategory": "Replication",
            "category": "Agent",
            "severity": "Warning",
            "source": "appliance1",
            "creationTime": "2024-03-02T09:59:59",
            "isCustomerResolvable": true,
            "message": "Protected item health changed to Warning",
            "causes": "Many VMs replicate through one appliance.",
            "recommendation": "Spread protected VMs across appliances.",
            "stampCorrelationId": i
        })
    };
    let job = |name: &str| {
        json!({
            "scenarioName": name,
            "name": format!("{name}-{i}"),
            "displayName": name,
            "state": "Succeeded",
            "startTime": "2024-03-01T08:00:00.1234567",
            "endTime": "2024-03-01T08:40:00Z"
        })
    };
    let custom = json!({
        "instanceType": "AzStackToAzStack",
        "sourceAzStackVirtualMachineId": vm,
        "applianceId": format!("/subscriptions/{sub}/resourceGroups/dr/providers/Microsoft.DataReplication/replicationVaults/vault1/fabricAgents/appliance1"),
        "targetResourceGroupId": format!("/subscriptions/{sub}/resourceGroups/app-dr"),
        "targetNetworkId": vnet,
        "targetSubnetName": "default",
        "testNetworkId": format!("/subscriptions/{sub}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/test-vnet"),
        "testSubnetName": "test",
        "logStorageAccountId": format!("/subscriptions/{sub}/resourceGroups/dr/providers/Microsoft.Storage/storageAccounts/cache{}", i % 4),
        "targetVmName": format!("vm{i:05}-dr"),
        "targetVmSize": "Standard_DS2_v2",
        "activeLocation": if i % 10 == 0 { "Recovery" } else { "Primary" },
        "sourceVmName": format!("vm{i:05}"),
        "osType": if i % 3 == 0 { "Linux" } else { "Windows" },
        "initialReplicationProgressPercentage": i % 101,
        "resyncProgressPercentage": 0,
        "lastRecoveryPointReceived": "2024-03-02T10:05:00",
        "lastRecoveryPointId": format!("rp-{i}-42"),
        "failoverRecoveryPointId": null,
        "protectedDisks": disks,
        "protectedNics": nics,
        "replicationAgentVersion": "9.56.6879.1"
    });
    json!({
        "id": format!("/subscriptions/{sub}/resourceGroups/dr/providers/Microsoft.DataReplication/replicationVaults/vault1/protectedItems/vm{i:05}"),
        "name": format!("vm{i:05}"),
        "type": "Microsoft.DataReplication/replicationVaults/protectedItems",
        "systemData": {
            "createdBy": "ops@contoso.com", "createdByType": "User", "createdAt": "2024-03-01T08:00:00.1234567",
            "lastModifiedBy": "ops@contoso.com", "lastModifiedByType": "User", "lastModifiedAt": "2024-03-02T10:00:00Z"
        },
        "properties": {
            "policyName": "policy1",
            "replicationExtensionName": "extension1",
            "correlationId": format!("corr-{i}"),
            "provisioningState": "Succeeded",
            "protectionState": STATES[i % STATES.len()],
            "protectionStateDescription": "Protected",
            "testFailoverState": if i % 17 == 0 { "TestFailoverDrillScheduled" } else { "None" },
            "testFailoverStateDescription": "None",
            "resynchronizationState": "None",
            "fabricObjectId": vm,
            "fabricObjectName": format!("vm{i:05}"),
            "draId": "appliance1",
            "targetDraId": "appliance2",
            "resyncRequired": false,
            "lastSuccessfulTestFailoverTime": "2024-03-02T10:00:00",
            "currentJob": job("EnableProtection"),
            "allowedJobs": ["TestFailover", "PlannedFailover", "UnplannedFailover", "DisableProtection"],
            "replicationHealth": "Warning",
            "healthErrors": [health_error("MobilityAgentWarning")],
            "customProperties": custom
        }
    })
}

/// The page as the service writes it: `instanceType` first in `customProperties` (the typed
/// model writes it first; a `Value` would sort the keys and put it in the middle).
fn page() -> String {
    let items: Vec<ProtectedItem> = (0..ITEMS)
        .filter_map(|i| serde_json::from_value(item(i)).ok())
        .collect();
    serde_json::to_string(&items).unwrap_or_default()
}

fn parse(c: &mut Criterion) {
    let text = page();
    assert!(!text.is_empty(), "the generated page is empty");
    // The typed model must read every byte back (lossless): check once, outside the timing.
    let typed: Vec<ProtectedItem> = serde_json::from_str(&text).unwrap_or_default();
    assert_eq!(typed.len(), ITEMS, "the typed model did not parse the page");
    let reference: Value = serde_json::from_str(&text).unwrap_or_default();
    assert_eq!(
        serde_json::to_value(&typed).ok(),
        Some(reference),
        "lossy round trip"
    );
    eprintln!(
        "{} items, {} bytes ({} bytes per item)",
        ITEMS,
        text.len(),
        text.len() / ITEMS
    );

    let mut group = c.benchmark_group("parse_10k_protected_items");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("typed_ProtectedItem", |b| {
        b.iter(|| serde_json::from_str::<Vec<ProtectedItem>>(std::hint::black_box(&text)))
    });
    group.bench_function("serde_json_Value", |b| {
        b.iter(|| serde_json::from_str::<Value>(std::hint::black_box(&text)))
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
