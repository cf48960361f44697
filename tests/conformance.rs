//! Conformance against Microsoft's own examples.
//!
//! Every `x-ms-examples` file of every api-version under
//! `$AZS_REFERENCE_DIR/datareplication/*/examples/*.json` is read (`.ci/run` sets the variable;
//! the files are Microsoft's public `Microsoft.DataReplication` specs, not shipped with the
//! crate: without the variable these tests say so and pass, with it set and the files missing
//! they fail); each request body
//! (the parameter named `body`) and each response body is parsed into the typed model of its
//! operation, written back, and must equal the original JSON exactly. A new example file is
//! picked up with no code change; an example whose `operationId` has no mapping fails the test,
//! so a new kind of operation forces a decision about its model.

use azs_site_recovery::model::RequestBody;
use azs_site_recovery::model::{
    CheckNameAvailability, CheckNameAvailabilityResponse, DeploymentPreflight, EmailConfiguration,
    Event, Fabric, FabricAgent, FabricUpdate, Job, Operation, OperationStatus, Page,
    PlannedFailover, PrivateEndpointConnection, PrivateLinkResource, ProtectedItem,
    ProtectedItemModelUpdate, RecoveryPoint, ReplicationExtension, ReplicationPolicy, Vault,
    VaultUpdate,
};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;
use std::fmt::Debug;
use std::path::PathBuf;

/// Parses `v` as `T`, writes it back, and returns the typed value's `Debug` text (used to look
/// for fields the model did not recognise) or what went wrong.
type Check = fn(&Value) -> Result<String, String>;

fn round_trip<T: DeserializeOwned + Serialize + Debug>(v: &Value) -> Result<String, String> {
    let typed: T = serde_json::from_value(v.clone())
        .map_err(|e| format!("does not parse as {}: {e}", std::any::type_name::<T>()))?;
    let back = serde_json::to_value(&typed).map_err(|e| format!("does not serialize back: {e}"))?;
    if &back != v {
        return Err(format!(
            "round trip through {} changed the JSON\n  original: {v}\n  written:  {back}",
            std::any::type_name::<T>()
        ));
    }
    // Parsing from text takes another path (borrowed keys); it must agree.
    let from_text: T = serde_json::from_str(&v.to_string())
        .map_err(|e| format!("does not parse from text: {e}"))?;
    if serde_json::to_value(&from_text).ok().as_ref() != Some(v) {
        return Err("parsing from text disagrees with parsing from a Value".into());
    }
    Ok(format!("{typed:?}"))
}

/// The models of one operation: its request body (if it has one) and its response bodies.
struct Models {
    request: Option<Check>,
    response: Option<Check>,
}

const fn models(request: Option<Check>, response: Option<Check>) -> Option<Models> {
    Some(Models { request, response })
}

/// The typed model of each operation, under every api-version's operationId.
fn models_of(operation_id: &str) -> Option<Models> {
    use round_trip as rt;
    match operation_id {
        "Operations_List" => models(None, Some(rt::<Page<Operation>>)),
        "CheckNameAvailability" | "CheckNameAvailability_Post" => models(
            Some(rt::<CheckNameAvailability>),
            Some(rt::<CheckNameAvailabilityResponse>),
        ),
        "DeploymentPreflight" | "DeploymentPreflight_Post" => models(
            Some(rt::<DeploymentPreflight>),
            Some(rt::<DeploymentPreflight>),
        ),
        "LocationBasedOperationResults_Get"
        | "OperationResults_Get"
        | "VaultOperationStatus_Get"
        | "FabricOperationsStatus_Get"
        | "DraOperationStatus_Get"
        | "PolicyOperationStatus_Get"
        | "ProtectedItemOperationStatus_Get"
        | "ReplicationExtensionOperationStatus_Get"
        | "WorkflowOperationStatus_Get" => models(None, Some(rt::<OperationStatus>)),

        "Vault_Get" => models(None, Some(rt::<Vault>)),
        "Vault_Create" => models(Some(rt::<Vault>), Some(rt::<Vault>)),
        "Vault_Update" => models(Some(rt::<VaultUpdate>), Some(rt::<Vault>)),
        "Vault_Delete" => models(None, None),
        "Vault_List" | "Vault_ListBySubscription" => models(None, Some(rt::<Page<Vault>>)),

        "Fabric_Get" => models(None, Some(rt::<Fabric>)),
        "Fabric_Create" => models(Some(rt::<Fabric>), Some(rt::<Fabric>)),
        "Fabric_Update" => models(Some(rt::<FabricUpdate>), Some(rt::<Fabric>)),
        "Fabric_Delete" => models(None, None),
        "Fabric_List" | "Fabric_ListBySubscription" => models(None, Some(rt::<Page<Fabric>>)),

        "FabricAgent_Get" | "Dra_Get" => models(None, Some(rt::<FabricAgent>)),
        "FabricAgent_Create" | "Dra_Create" => {
            models(Some(rt::<FabricAgent>), Some(rt::<FabricAgent>))
        }
        "FabricAgent_Delete" | "Dra_Delete" => models(None, None),
        "FabricAgent_List" | "Dra_List" => models(None, Some(rt::<Page<FabricAgent>>)),

        "Policy_Get" => models(None, Some(rt::<ReplicationPolicy>)),
        "Policy_Create" => models(Some(rt::<ReplicationPolicy>), Some(rt::<ReplicationPolicy>)),
        "Policy_Delete" => models(None, None),
        "Policy_List" => models(None, Some(rt::<Page<ReplicationPolicy>>)),

        "ReplicationExtension_Get" => models(None, Some(rt::<ReplicationExtension>)),
        "ReplicationExtension_Create" => models(
            Some(rt::<ReplicationExtension>),
            Some(rt::<ReplicationExtension>),
        ),
        "ReplicationExtension_Delete" => models(None, None),
        "ReplicationExtension_List" => models(None, Some(rt::<Page<ReplicationExtension>>)),

        "EmailConfiguration_Get" => models(None, Some(rt::<EmailConfiguration>)),
        "EmailConfiguration_Create" => models(
            Some(rt::<EmailConfiguration>),
            Some(rt::<EmailConfiguration>),
        ),
        "EmailConfiguration_List" => models(None, Some(rt::<Page<EmailConfiguration>>)),

        "Event_Get" => models(None, Some(rt::<Event>)),
        "Event_List" => models(None, Some(rt::<Page<Event>>)),

        "Job_Get" | "Workflow_Get" => models(None, Some(rt::<Job>)),
        "Job_List" | "Workflow_List" => models(None, Some(rt::<Page<Job>>)),

        "RecoveryPoint_Get" | "RecoveryPoints_Get" => models(None, Some(rt::<RecoveryPoint>)),
        "RecoveryPoint_List" | "RecoveryPoints_List" => {
            models(None, Some(rt::<Page<RecoveryPoint>>))
        }

        "PrivateEndpointConnections_Get" => models(None, Some(rt::<PrivateEndpointConnection>)),
        "PrivateEndpointConnections_Update" => models(
            Some(rt::<PrivateEndpointConnection>),
            Some(rt::<PrivateEndpointConnection>),
        ),
        "PrivateEndpointConnections_Delete" => models(None, None),
        "PrivateEndpointConnections_List" => {
            models(None, Some(rt::<Page<PrivateEndpointConnection>>))
        }
        "PrivateLinkResources_Get" => models(None, Some(rt::<PrivateLinkResource>)),
        "PrivateLinkResources_List" => models(None, Some(rt::<Page<PrivateLinkResource>>)),

        "ProtectedItem_Get" => models(None, Some(rt::<ProtectedItem>)),
        "ProtectedItem_Create" => models(Some(rt::<ProtectedItem>), Some(rt::<ProtectedItem>)),
        "ProtectedItem_Update" => models(
            Some(rt::<ProtectedItemModelUpdate>),
            Some(rt::<ProtectedItem>),
        ),
        "ProtectedItem_Delete" => models(None, None),
        "ProtectedItem_List" => models(None, Some(rt::<Page<ProtectedItem>>)),
        "ProtectedItem_PlannedFailover" => {
            models(Some(rt::<PlannedFailover>), Some(rt::<PlannedFailover>))
        }

        _ => None,
    }
}

/// The reference folder from `AZS_REFERENCE_DIR`: `None` (with a note) when it is unset, a
/// failure when it is set and holds no `datareplication/` examples.
fn reference_dir() -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("AZS_REFERENCE_DIR") else {
        eprintln!(
            "note: skipped: set AZS_REFERENCE_DIR to the folder holding Microsoft's \
             `datareplication/` specs (.ci/run does) to run the conformance tests"
        );
        return None;
    };
    let dir = PathBuf::from(dir);
    assert!(
        dir.join("datareplication").is_dir(),
        "AZS_REFERENCE_DIR is {}, which has no `datareplication/` folder: point it at the \
         reference folder holding Microsoft's Microsoft.DataReplication specs, or unset it",
        dir.display()
    );
    Some(dir)
}

/// Every example file, sorted (`None`: the reference is not configured).
fn example_files() -> Option<Vec<PathBuf>> {
    let root = reference_dir()?.join("datareplication");
    let versions = std::fs::read_dir(&root).unwrap_or_else(|e| {
        panic!(
            "the reference specs are missing: cannot read {} ({e}); AZS_REFERENCE_DIR must \
             be the folder holding `datareplication/`",
            root.display()
        )
    });
    let mut files = Vec::new();
    for version in versions {
        let examples = version
            .expect("readable directory entry")
            .path()
            .join("examples");
        let Ok(entries) = std::fs::read_dir(&examples) else {
            continue; // a version without examples (2024-09-01)
        };
        for entry in entries {
            let path = entry.expect("readable directory entry").path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    Some(files)
}

/// Fields a typed model kept in `additional_properties` (i.e. did not recognise), read from its
/// `Debug` text: every non-empty `additional_properties: {...}`.
fn unrecognised_fields(debug: &str) -> Vec<String> {
    let marker = "additional_properties: {";
    let mut found = Vec::new();
    let mut rest = debug;
    while let Some(at) = rest.find(marker) {
        rest = &rest[at + marker.len()..];
        if !rest.starts_with('}') {
            found.push(rest.chars().take(80).collect());
        }
    }
    found
}

#[test]
fn every_example_round_trips_through_its_typed_model() {
    let Some(files) = example_files() else {
        return;
    };
    assert!(
        files.len() >= 98,
        "expected the 48 preview and 50 stable examples, found {} under AZS_REFERENCE_DIR",
        files.len(),
    );
    let mut failures = Vec::new();
    let mut bodies = 0;
    for path in &files {
        let name = path.display();
        let text = std::fs::read_to_string(path).expect("readable example file");
        let example: Value = serde_json::from_str(&text).expect("example files are JSON");
        let Some(op) = example["operationId"].as_str() else {
            failures.push(format!("{name}: no operationId"));
            continue;
        };
        let Some(models) = models_of(op) else {
            failures.push(format!(
                "{name}: operationId `{op}` has no typed model: add it to `models_of`"
            ));
            continue;
        };
        match (example["parameters"].get("body"), models.request) {
            (Some(body), Some(check)) => {
                bodies += 1;
                if let Err(e) = check(body) {
                    failures.push(format!("{name}: request body {e}"));
                }
            }
            (Some(_), None) => failures.push(format!(
                "{name}: `{op}` has a request body but no request model"
            )),
            (None, _) => {}
        }
        let responses = example["responses"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (code, response) in responses {
            let Some(body) = response.get("body") else {
                continue;
            };
            match models.response {
                Some(check) => {
                    bodies += 1;
                    if let Err(e) = check(body) {
                        failures.push(format!("{name}: response {code} {e}"));
                    }
                }
                None => failures.push(format!(
                    "{name}: `{op}` answers {code} with a body but has no response model"
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(bodies > 100, "only {bodies} bodies checked");
}

/// The models know every field Microsoft's examples use: nothing lands in
/// `additional_properties` except under a `customProperties` whose `instanceType` the spec's
/// examples fill with a base-type name (kept whole, as `Unknown`).
#[test]
fn examples_use_no_field_the_models_do_not_know() {
    let Some(files) = example_files() else {
        return;
    };
    let mut failures = Vec::new();
    for path in files {
        let example: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("readable")).expect("JSON");
        let op = example["operationId"].as_str().unwrap_or_default();
        if op.starts_with("ProtectedItem") {
            continue; // the protected item's model is checked by its own tests
        }
        let Some(models) = models_of(op) else {
            continue; // reported by the round-trip test
        };
        let mut bodies = Vec::new();
        if let (Some(body), Some(check)) = (example["parameters"].get("body"), models.request) {
            bodies.push((body.clone(), check));
        }
        if let Some(check) = models.response {
            for response in example["responses"].as_object().into_iter().flatten() {
                if let Some(body) = response.1.get("body") {
                    bodies.push((body.clone(), check));
                }
            }
        }
        for (body, check) in bodies {
            if let Ok(debug) = check(&body) {
                for field in unrecognised_fields(&debug) {
                    failures.push(format!("{}: unknown field {field}", path.display()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `true` when every value of `part` is in `whole` at the same place (objects may have fewer
/// keys; arrays must have the same length).
fn is_subset(part: &Value, whole: &Value) -> bool {
    match (part, whole) {
        (Value::Object(p), Value::Object(w)) => p
            .iter()
            .all(|(k, v)| w.get(k).is_some_and(|wv| is_subset(v, wv))),
        (Value::Array(p), Value::Array(w)) => {
            p.len() == w.len() && p.iter().zip(w).all(|(a, b)| is_subset(a, b))
        }
        (p, w) => p == w,
    }
}

/// Checks the request body built from a resource: a subset of what was read, free of the
/// envelope's and the properties' read-only fields, parseable as the same type, and stable when
/// built again from itself.
fn request_body_check<T: DeserializeOwned + RequestBody>(v: &Value) -> Result<(), String> {
    let typed: T = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
    let body = typed.to_request_body();
    if !is_subset(&body, v) {
        return Err(format!(
            "request body is not a subset of the resource: {body}"
        ));
    }
    for field in ["id", "name", "type", "systemData"] {
        if body.get(field).is_some() {
            return Err(format!("request body keeps read-only `{field}`: {body}"));
        }
    }
    if body["properties"].get("provisioningState").is_some() {
        return Err(format!("request body keeps `provisioningState`: {body}"));
    }
    let again: T = serde_json::from_value(body.clone()).map_err(|e| e.to_string())?;
    if again.to_request_body() != body {
        return Err(format!("request body is not stable: {body}"));
    }
    Ok(())
}

type BodyCheck = fn(&Value) -> Result<(), String>;

/// The writable resources, by the operations that return or take one, and whether the
/// operation's response is a list page.
fn writable_model_of(operation_id: &str) -> Option<(BodyCheck, bool)> {
    let op = operation_id;
    let kind = |prefixes: &[&str]| prefixes.iter().any(|p| op.starts_with(p));
    let list = op.ends_with("_List") || op.ends_with("_ListBySubscription");
    let check: BodyCheck = if kind(&["Vault_"]) {
        request_body_check::<Vault>
    } else if kind(&["Fabric_"]) {
        request_body_check::<Fabric>
    } else if kind(&["FabricAgent_", "Dra_"]) {
        request_body_check::<FabricAgent>
    } else if kind(&["Policy_"]) {
        request_body_check::<ReplicationPolicy>
    } else if kind(&["ReplicationExtension_"]) {
        request_body_check::<ReplicationExtension>
    } else if kind(&["EmailConfiguration_"]) {
        request_body_check::<EmailConfiguration>
    } else if kind(&["PrivateEndpointConnections_"]) {
        request_body_check::<PrivateEndpointConnection>
    } else {
        return None;
    };
    Some((check, list))
}

#[test]
fn request_bodies_built_from_examples_drop_read_only_fields() {
    let Some(files) = example_files() else {
        return;
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in files {
        let example: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("readable")).expect("JSON");
        let op = example["operationId"].as_str().unwrap_or_default();
        let Some((check, list)) = writable_model_of(op) else {
            continue;
        };
        let mut resources = Vec::new();
        // Vault_Update / Fabric_Update take an update body, not a resource.
        if op.ends_with("_Create") || op == "PrivateEndpointConnections_Update" {
            resources.extend(example["parameters"].get("body").cloned());
        }
        for response in example["responses"].as_object().into_iter().flatten() {
            match (response.1.get("body"), list) {
                (Some(Value::Object(page)), true) => resources.extend(
                    page.get("value")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .cloned(),
                ),
                (Some(body), false) => resources.push(body.clone()),
                _ => {}
            }
        }
        for resource in resources {
            checked += 1;
            if let Err(e) = check(&resource) {
                failures.push(format!("{}: {e}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 50, "only {checked} resources checked");
}
