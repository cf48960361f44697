//! Request-time validation of protected-item PUT, PATCH and actions.

use super::super::super::arm::{self, ArmError};
use super::super::super::router::Ctx;
use super::super::super::store::State;
use super::super::Vault;
use super::state_machine::{check, to_lifecycle, Operation};
use super::{not_found, render, running_state, Item};
use crate::http::{Method, Response};
use crate::lifecycle::ItemState;
use crate::model::ProtectionState as P;
use serde_json::{json, Value};

use super::flows::start;

pub(super) fn matches_appliance(state: &State, v: &str) -> bool {
    let a = &state.world.appliance;
    let agent_name = a.agent_id.rsplit('/').next().unwrap_or_default();
    [
        a.agent_id.as_str(),
        agent_name,
        a.machine_id.as_str(),
        a.machine_name.as_str(),
    ]
    .iter()
    .any(|x| x.eq_ignore_ascii_case(v))
}

/// Validates the writable `AzStackToAzStack` properties; returns the source VM id.
pub(super) fn validate_custom(
    state: &State,
    custom: &Value,
    creating: bool,
) -> Result<(), ArmError> {
    let root = Value::Object(Default::default());
    let c = if custom.is_object() { custom } else { &root };
    let field = |f: &str| {
        c.get(f)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
    };
    let target = |f: &str| format!("properties.customProperties.{f}");
    if creating {
        for f in [
            "sourceAzStackVirtualMachineId",
            "targetResourceGroupId",
            "targetNetworkId",
        ] {
            if field(f).is_none() {
                return Err(ArmError::missing(&target(f)));
            }
        }
    }
    if let Some(vm) = field("sourceAzStackVirtualMachineId") {
        if state.world.vm(vm).is_none() {
            return Err(ArmError::linked_not_found(
                &target("sourceAzStackVirtualMachineId"),
                vm,
            ));
        }
    }
    if let Some(rg) = field("targetResourceGroupId") {
        if !state.world.group_exists(rg) {
            return Err(ArmError::linked_not_found(
                &target("targetResourceGroupId"),
                rg,
            ));
        }
    }
    for (net, sub) in [
        ("targetNetworkId", "targetSubnetName"),
        ("testNetworkId", "testSubnetName"),
    ] {
        if let Some(n) = field(net) {
            if state.world.network(n).is_none() {
                return Err(ArmError::linked_not_found(&target(net), n));
            }
            if let Some(s) = field(sub) {
                if !state.world.has_subnet(n, s) {
                    return Err(ArmError::linked_not_found(
                        &target(sub),
                        &format!("{n}/subnets/{s}"),
                    ));
                }
            }
        }
    }
    if let Some(acc) = field("logStorageAccountId") {
        if !state.world.storage_exists(acc) {
            return Err(ArmError::linked_not_found(
                &target("logStorageAccountId"),
                acc,
            ));
        }
    }
    if let Some(app) = field("applianceId") {
        if !matches_appliance(state, app) {
            return Err(ArmError::linked_not_found(&target("applianceId"), app));
        }
    }
    Ok(())
}

pub(super) fn vault_child_ok(
    state: &State,
    vault_id: &str,
    collection: &str,
    name: &str,
    target: &str,
) -> Result<(), ArmError> {
    let id = format!("{vault_id}/{collection}/{name}");
    let res = state
        .get(&id)
        .ok_or_else(|| ArmError::linked_not_found(target, &id))?;
    if !super::super::provisioned(res) {
        return Err(ArmError::conflict(format!(
            "'{id}' is still being provisioned; retry once its provisioningState is Succeeded."
        )));
    }
    Ok(())
}

/// `PUT protectedItems/{name}`: enable protection (201 + LRO) or update (200).
pub(crate) fn enable(
    state: &mut State,
    ctx: &Ctx,
    v: &Vault,
    id: &str,
    name: &str,
) -> Result<Response, ArmError> {
    super::super::validate_name(state, "protected item", name)?;
    let body = arm::required_body(ctx.req)?;
    let policy = arm::required_str(&body, "/properties/policyName")?.to_owned();
    let extension = arm::required_str(&body, "/properties/replicationExtensionName")?.to_owned();
    let it = super::super::instance_type(&body)?;
    if !it.eq_ignore_ascii_case("AzStackToAzStack") {
        return Err(ArmError::invalid_content(
            "properties.customProperties.instanceType",
            format!("The emulator serves Azure Stack Hub to Azure Stack Hub replication: instanceType must be 'AzStackToAzStack' (an inferred name, see the crate docs); got '{it}'."),
        ));
    }
    vault_child_ok(
        state,
        &v.id,
        "replicationPolicies",
        &policy,
        "properties.policyName",
    )?;
    vault_child_ok(
        state,
        &v.id,
        "replicationExtensions",
        &extension,
        "properties.replicationExtensionName",
    )?;
    let custom = body["properties"]["customProperties"].clone();
    let key = id.to_ascii_lowercase();
    let mut current = ItemState::absent();
    if let Some(existing) = state.items.get(&key) {
        current = running_state(state, existing);
        // A PUT of another kind (an `AzStackToAzStack` enable on an item that has been
        // re-protected and failed back) is an attempt to enable again: the lifecycle decides
        // (after failback it refuses: disable first), rather than merging foreign fields in.
        let same_kind = custom["instanceType"]
            .as_str()
            .zip(existing.custom["instanceType"].as_str())
            .is_none_or(|(new, old)| new.eq_ignore_ascii_case(old));
        if current.protection_state != P::EnablingFailed && same_kind {
            // A PUT on an existing item updates its writable properties.
            if current.operation_in_flight() {
                return Err(ArmError::conflict(format!(
                    "Protected item '{name}' has an operation in flight ({}); retry once it finishes.",
                    current.protection_state
                )));
            }
            validate_custom(state, &custom, false)?;
            if let Some(item) = state.items.get(&key) {
                super::check_if_match(ctx, item)?;
            }
            let Some(item) = state.items.get_mut(&key) else {
                return Err(not_found(name));
            };
            if let (Some(old), Some(new)) = (item.custom.as_object_mut(), custom.as_object()) {
                for (k, val) in new {
                    if k != "instanceType" && k != "sourceAzStackVirtualMachineId" {
                        old.insert(k.clone(), val.clone());
                    }
                }
            }
            let item = item.clone();
            let mut r = arm::json_response(200, &render(state, ctx, &item));
            r.headers.insert("ETag", super::etag(&item));
            return Ok(r);
        }
    }
    let lop = to_lifecycle(None, Operation::EnableProtection, &custom, false)?;
    let transition = check(&current, &lop)?;
    validate_custom(state, &custom, true)?;
    let vm_id = custom["sourceAzStackVirtualMachineId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // An index lookup, not a scan of every item: a scan made enabling N VMs O(N²).
    let other = state
        .item_of_vm(&v.id, &vm_id)
        .filter(|k| **k != key)
        .and_then(|k| state.items.get(k));
    if let Some(other) = other {
        return Err(ArmError::conflict(format!(
            "The virtual machine '{vm_id}' is already protected by protected item '{}'.",
            other.name
        )));
    }
    let vm = state.world.vm(&vm_id).cloned().ok_or_else(|| {
        ArmError::linked_not_found(
            "properties.customProperties.sourceAzStackVirtualMachineId",
            &vm_id,
        )
    })?;
    let disks: Vec<(String, u64)> = vm
        .disks
        .iter()
        .filter_map(|d| state.world.disks.get(&d.to_ascii_lowercase()))
        .map(|d| (d.name.clone(), d.size_gb))
        .collect();
    let nics: Vec<Value> = vm
        .nics
        .iter()
        .filter_map(|n| state.world.nics.get(&n.to_ascii_lowercase()))
        .enumerate()
        .map(|(i, n)| {
            let (net, subnet) = n
                .subnet_id
                .split_once("/subnets/")
                .unwrap_or((&n.subnet_id, ""));
            json!({
                "nicId": n.id,
                "isPrimaryNic": i == 0,
                "sourceNetworkId": net,
                "sourceSubnetName": subnet,
                "sourceIpAddress": n.ip,
                "targetNetworkId": custom.get("targetNetworkId"),
                "targetSubnetName": custom.get("targetSubnetName"),
                "testNetworkId": custom.get("testNetworkId"),
                "testSubnetName": custom.get("testSubnetName"),
            })
        })
        .collect();
    let ext = state.get(&format!("{}/replicationExtensions/{extension}", v.id));
    let fabric = |f: &str| {
        ext.and_then(|e| e.body.pointer(&format!("/properties/customProperties/{f}")))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let item = Item {
        id: id.to_owned(),
        name: name.to_owned(),
        vault_id: v.id.clone(),
        policy_name: policy,
        extension_name: extension,
        custom,
        ls: ItemState::absent(),
        provisioning: "Creating",
        source_vm_id: vm.id.clone(),
        source_vm_name: vm.name.clone(),
        os_type: vm.os_type,
        source_size: vm.size.clone(),
        disks,
        nics,
        fabric_id: fabric("sourceFabricArmId"),
        target_fabric_id: fabric("targetFabricArmId"),
        agent_id: state.world.appliance.agent_id.clone(),
        correlation_id: state.rng.guid(),
        rp: None,
        current_job: None,
        last_failed_enable: None,
        last_failed_planned: None,
        last_test_failover_job: None,
        last_planned: None,
        last_unplanned: None,
        failover_rp: None,
        test_vm: None,
        target_vm: None,
        replica_disks: Vec::new(),
        processed_points: Vec::new(),
        health: "Normal",
        health_errors: Vec::new(),
        system_data: state.system_data(),
    };
    // 201 also for a re-enable after EnablingFailed: an operation starts either way.
    state.insert_item(key.clone(), item);
    let op = start(
        state,
        &key,
        Operation::EnableProtection,
        Method::Put,
        json!({}),
        transition,
        false,
    )?;
    let item = state
        .items
        .get(&key)
        .cloned()
        .ok_or_else(|| not_found(name))?;
    let mut r = arm::json_response(201, &render(state, ctx, &item));
    super::super::lro_headers(state, ctx, &mut r, &op);
    Ok(r)
}

/// `PATCH protectedItems/{name}`: updates writable custom properties (200).
pub(crate) fn update(
    state: &mut State,
    ctx: &Ctx,
    key: &str,
    name: &str,
) -> Result<Response, ArmError> {
    let body = arm::required_body(ctx.req)?;
    let custom = body
        .pointer("/properties/customProperties")
        .cloned()
        .unwrap_or_else(|| json!({}));
    validate_custom(state, &custom, false)?;
    if let Some(item) = state.items.get(key) {
        super::check_if_match(ctx, item)?;
    }
    let item = state.items.get_mut(key).ok_or_else(|| not_found(name))?;
    if let (Some(old), Some(new)) = (item.custom.as_object_mut(), custom.as_object()) {
        for (k, v) in new {
            if k != "instanceType" && k != "sourceAzStackVirtualMachineId" {
                old.insert(k.clone(), v.clone());
            }
        }
    }
    let item = item.clone();
    let mut r = arm::json_response(200, &render(state, ctx, &item));
    r.headers.insert("ETag", super::etag(&item));
    Ok(r)
}

pub(super) fn pick_recovery_point(
    state: &State,
    item: &Item,
    c: &Value,
) -> Result<Option<String>, ArmError> {
    let kind = c
        .get("recoveryPoint")
        .and_then(Value::as_str)
        .unwrap_or("Latest");
    let now = state.now();
    let series = item.rp;
    let none = || {
        ArmError::new(
            400,
            "NoRecoveryPointAvailable",
            format!("Protected item '{}' has no recovery point of the requested kind yet. Wait for replication to create one.", item.name),
        )
    };
    match kind.to_ascii_lowercase().as_str() {
        // `Latest` first processes what reached the service (a task of the job, which then names
        // the new point); a point must exist all the same, as replication must have started.
        "latest" | "latestprocessed" => Ok(Some(item.latest_point(now).ok_or_else(none)?.0)),
        "latestapplicationconsistent" => Ok(Some(series.and_then(|s| s.latest(now, true)).ok_or_else(none)?.0)),
        "custom" => {
            let id = c
                .get("recoveryPointId")
                .and_then(Value::as_str)
                .ok_or_else(|| ArmError::missing("properties.customProperties.recoveryPointId"))?;
            let name = id.rsplit('/').next().unwrap_or(id);
            let exists = item.point_time(name, now).is_some();
            if exists {
                Ok(Some(name.to_owned()))
            } else {
                Err(ArmError::linked_not_found("properties.customProperties.recoveryPointId", id))
            }
        }
        other => Err(ArmError::invalid_content(
            "properties.customProperties.recoveryPoint",
            format!("The recovery point option '{other}' is not valid. Use Latest, LatestProcessed, LatestApplicationConsistent or Custom."),
        )),
    }
}

/// `recoveryPoint: Latest` (the default): "this option first processes all the data that has
/// been sent to the Site Recovery service, to create a recovery point for each VM before failing
/// over to it" (enable-vm-protection.txt), unlike `LatestProcessed`.
fn processes_latest(c: &Value) -> bool {
    c.get("recoveryPoint")
        .and_then(Value::as_str)
        .unwrap_or("Latest")
        .eq_ignore_ascii_case("Latest")
}

/// Validates an action's body; returns the job's parameters.
pub(crate) fn validate_action(
    state: &State,
    item: &Item,
    op: Operation,
    body: &Value,
) -> Result<Value, ArmError> {
    let c = body
        .pointer("/properties/customProperties")
        .cloned()
        .unwrap_or(Value::Null);
    let empty = c.as_object().is_some_and(|o| o.is_empty());
    if !c.is_null() && !empty {
        if !c.is_object() {
            return Err(ArmError::invalid_content(
                "properties.customProperties",
                "customProperties must be an object.",
            ));
        }
        arm::required_str(body, "/properties/customProperties/instanceType")?;
    }
    let c = if c.is_null() { json!({}) } else { c };
    match op {
        Operation::TestFailover => {
            if item.custom_str("testNetworkId").is_none() {
                return Err(ArmError::new(
                    400,
                    "TestNetworkNotConfigured",
                    format!("Protected item '{}' has no test network (customProperties.testNetworkId). Set it on the protected item first: the test failover network cannot be chosen at test-failover time.", item.name),
                ));
            }
            let rp = pick_recovery_point(state, item, &c)?;
            Ok(json!({ "recoveryPointName": rp, "processLatest": processes_latest(&c) }))
        }
        Operation::UnplannedFailover => {
            let rp = pick_recovery_point(state, item, &c)?;
            Ok(json!({
                "recoveryPointName": rp,
                "processLatest": processes_latest(&c),
                "shutdownSourceVM": c.get("shutdownSourceVM").and_then(Value::as_bool).unwrap_or(false),
            }))
        }
        // "Shut down machine before beginning failover" is the user's choice; unsaid, the
        // emulator shuts the source down (a planned failover's purpose).
        Operation::PlannedFailover => Ok(json!({
            "shutdownSourceVM": c.get("shutdownSourceVM").and_then(Value::as_bool).unwrap_or(true),
        })),
        Operation::ChangeRecoveryPoint => {
            let rp = pick_recovery_point(state, item, &c)?;
            Ok(json!({ "recoveryPointName": rp }))
        }
        Operation::Reprotect => {
            let it = arm::required_str(body, "/properties/customProperties/instanceType")?;
            if !it.eq_ignore_ascii_case("AzStackToAzStackFailback") {
                return Err(ArmError::invalid_content(
                    "properties.customProperties.instanceType",
                    format!(
                        "Re-protect takes instanceType 'AzStackToAzStackFailback'; got '{it}'."
                    ),
                ));
            }
            let mut params = json!({});
            for f in [
                "applianceId",
                "logStorageAccountId",
                "policyName",
                "replicationExtensionName",
            ] {
                let v = arm::required_str(body, &format!("/properties/customProperties/{f}")).map_err(|e| {
                    ArmError::new(
                        400,
                        e.code,
                        format!("{} Re-protect fails when '{f}' is empty or null (known issue: always pass the failback policy and extension names, e.g. 'failback-default-replication-policy' and 'default-failback-extension').", e.message),
                    )
                    .with_target(format!("properties.customProperties.{f}"))
                })?;
                params[f] = json!(v);
            }
            let app = params["applianceId"].as_str().unwrap_or_default();
            if !matches_appliance(state, app) {
                return Err(ArmError::linked_not_found(
                    "properties.customProperties.applianceId",
                    app,
                ));
            }
            let log = params["logStorageAccountId"].as_str().unwrap_or_default();
            if !state.world.storage_exists(log) {
                return Err(ArmError::linked_not_found(
                    "properties.customProperties.logStorageAccountId",
                    log,
                ));
            }
            let pol = params["policyName"].as_str().unwrap_or_default().to_owned();
            vault_child_ok(
                state,
                &item.vault_id,
                "replicationPolicies",
                &pol,
                "properties.customProperties.policyName",
            )?;
            let ext = params["replicationExtensionName"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            vault_child_ok(
                state,
                &item.vault_id,
                "replicationExtensions",
                &ext,
                "properties.customProperties.replicationExtensionName",
            )?;
            Ok(params)
        }
        _ => Ok(json!({})),
    }
}
