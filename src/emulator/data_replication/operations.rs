//! Operation status monitors, `Location` results, the operations list, name availability and
//! deployment preflight.

use super::super::arm::{self, ArmError};
use super::super::clock::arm_time;
use super::super::router::Ctx;
use super::super::store::{Kind, OpStatus, State};
use super::NS;
use crate::http::{Method, Response};
use serde_json::{json, Value};

fn op_not_found(id: &str) -> ArmError {
    ArmError::new(
        404,
        "OperationNotFound",
        format!("The operation '{id}' was not found. Operation ids come from the Azure-AsyncOperation or Location header of the request that started it."),
    )
}

fn op_due(state: &State, id: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let op = state.ops.get(id)?;
    op.due.or_else(|| {
        op.job
            .as_ref()
            .and_then(|j| state.jobs.get(&j.to_ascii_lowercase()))
            .and_then(|j| j.next_due)
    })
}

/// `OperationStatus`: always `200`; `Retry-After` while running.
pub(crate) fn status(state: &State, ctx: &Ctx, id: &str) -> Result<Response, ArmError> {
    let op = state.ops.get(id).ok_or_else(|| op_not_found(id))?;
    let mut body = json!({
        "id": ctx.req.url.path(),
        "name": op.id,
        "status": op.status.as_str(),
        "startTime": arm_time(op.start),
    });
    if let Some(end) = op.end {
        body["endTime"] = json!(arm_time(end));
    }
    if let Some(e) = &op.error {
        body["error"] = e.body()["error"].clone();
    }
    let mut r = arm::json_response(200, &body);
    if op.status == OpStatus::InProgress {
        r.headers.insert(
            "Retry-After",
            state.retry_after_until(op_due(state, id)).to_string(),
        );
    }
    Ok(r)
}

/// `Location` semantics: `202` while running, then the final answer.
pub(crate) fn location_result(state: &State, ctx: &Ctx, id: &str) -> Result<Response, ArmError> {
    let op = state.ops.get(id).ok_or_else(|| op_not_found(id))?;
    match op.status {
        OpStatus::InProgress => {
            let mut r = Response::new(202);
            r.headers.insert("Location", ctx.req.url.to_string());
            r.headers.insert(
                "Retry-After",
                state.retry_after_until(op_due(state, id)).to_string(),
            );
            Ok(r)
        }
        OpStatus::Failed | OpStatus::Canceled => Err(op
            .error
            .clone()
            .unwrap_or_else(|| ArmError::new(500, "OperationFailed", "The operation failed."))),
        OpStatus::Succeeded => match op.method {
            Method::Delete => Ok(Response::new(204)),
            Method::Put | Method::Patch => {
                let key = op.resource_id.to_ascii_lowercase();
                if let Some(res) = state.resources.get(&key) {
                    Ok(arm::json_response(200, &super::present(state, ctx, res)))
                } else if let Some(item) = state.items.get(&key) {
                    Ok(arm::json_response(
                        200,
                        &super::protected_items::render(state, ctx, item),
                    ))
                } else {
                    Ok(Response::new(204))
                }
            }
            _ => Ok(match &op.result {
                Some(result) => arm::json_response(200, result),
                None => Response::new(204),
            }),
        },
    }
}

/// `GET /providers/Microsoft.DataReplication/operations`.
pub(crate) fn list(state: &State, ctx: &Ctx) -> Response {
    let op = |name: &str, desc: &str| {
        json!({
            "name": format!("{NS}/{name}"),
            "isDataAction": false,
            "display": { "provider": "Microsoft DataReplication", "resource": name.split('/').next().unwrap_or(name), "operation": desc, "description": desc },
            "origin": "user",
            "actionType": "Internal",
        })
    };
    let items = vec![
        op("replicationVaults/read", "Read vaults"),
        op("replicationVaults/write", "Create or update vaults"),
        op("replicationVaults/delete", "Delete vaults"),
        op("replicationFabrics/read", "Read fabrics"),
        op("replicationFabrics/write", "Create or update fabrics"),
        op(
            "replicationVaults/protectedItems/read",
            "Read protected items",
        ),
        op(
            "replicationVaults/protectedItems/write",
            "Enable protection",
        ),
        op(
            "replicationVaults/protectedItems/delete",
            "Disable protection",
        ),
        op(
            "replicationVaults/protectedItems/plannedFailover/action",
            "Planned failover",
        ),
        op("replicationVaults/jobs/read", "Read jobs"),
    ];
    arm::page(ctx.req, items, state.settings.page_size)
}

/// `POST /subscriptions/{s}/providers/Microsoft.DataReplication/locations/{l}/checkNameAvailability`.
pub(crate) fn check_name(state: &State, ctx: &Ctx, sub: &str) -> Result<Response, ArmError> {
    let body = arm::required_body(ctx.req)?;
    let name = arm::required_str(&body, "/name")?;
    let kind =
        arm::opt_str(&body, "/type").unwrap_or("Microsoft.DataReplication/replicationVaults");
    if super::validate_name(state, "resource", name).is_err() {
        return Ok(arm::json_response(
            200,
            &json!({ "nameAvailable": false, "reason": "Invalid", "message": format!("The name '{name}' is not a valid resource name.") }),
        ));
    }
    let want = if kind.to_ascii_lowercase().ends_with("replicationfabrics") {
        Kind::Fabric
    } else {
        Kind::Vault
    };
    let prefix = format!("/subscriptions/{sub}/").to_ascii_lowercase();
    let taken = state.resources.iter().any(|(k, r)| {
        k.starts_with(&prefix)
            && r.kind == want
            && r.body
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
    });
    let body = if taken {
        json!({ "nameAvailable": false, "reason": "AlreadyExists", "message": format!("The name '{name}' is already in use in this subscription.") })
    } else {
        json!({ "nameAvailable": true })
    };
    Ok(arm::json_response(200, &body))
}

/// `POST .../deployments/{id}/preflight`: checks that the body is a `DeploymentPreflightModel`
/// (`resources`: an array of objects whose `name`, `type`, `location` and `apiVersion` are
/// strings; `properties` anything) and echoes the resources (the service validates their content
/// later, at PUT time). A malformed body is refused like every other handler does: `400
/// InvalidRequestContent` with the offending field as `target`.
pub(crate) fn preflight(ctx: &Ctx) -> Result<Response, ArmError> {
    let body = arm::body_json(ctx.req)?.unwrap_or_else(|| json!({}));
    if !body.is_object() {
        return Err(ArmError::invalid_content(
            "body",
            "The request body must be a JSON object with a 'resources' array.",
        ));
    }
    let resources = match body.get("resources") {
        None | Some(Value::Null) => json!([]),
        Some(Value::Array(items)) => {
            for (i, r) in items.iter().enumerate() {
                let Some(fields) = r.as_object() else {
                    return Err(ArmError::invalid_content(
                        &format!("resources[{i}]"),
                        format!("resources[{i}] must be an object (name, type, location, apiVersion, properties)."),
                    ));
                };
                for f in ["name", "type", "location", "apiVersion"] {
                    match fields.get(f) {
                        None | Some(Value::Null) | Some(Value::String(_)) => {}
                        Some(other) => {
                            return Err(ArmError::invalid_content(
                                &format!("resources[{i}].{f}"),
                                format!(
                                    "resources[{i}].{f} must be a string, got {}.",
                                    kind(other)
                                ),
                            ))
                        }
                    }
                }
            }
            // Echoed as the api-version's DeploymentPreflightResource: `properties` is not in
            // the preview's.
            let keep: &[&str] = if ctx.preview() {
                &["name", "type", "location", "apiVersion"]
            } else {
                &["name", "type", "location", "apiVersion", "properties"]
            };
            Value::Array(
                items
                    .iter()
                    .filter_map(Value::as_object)
                    .map(|r| {
                        Value::Object(
                            r.iter()
                                .filter(|(k, _)| keep.contains(&k.as_str()))
                                .map(|(k, v)| (k.clone(), v.clone()))
                                .collect(),
                        )
                    })
                    .collect(),
            )
        }
        Some(other) => {
            return Err(ArmError::invalid_content(
                "resources",
                format!(
                    "'resources' must be an array of resources, got {}.",
                    kind(other)
                ),
            ))
        }
    };
    Ok(arm::json_response(200, &json!({ "resources": resources })))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
