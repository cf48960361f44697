//! Replication fabrics (`replicationFabrics`): the source and target Azure Stack Hub stamps as
//! the service knows them. A tracked resource; PUT (LRO), PATCH, DELETE (LRO).
//!
//! The fabric `customProperties.instanceType` for Azure Stack Hub is not in any public spec; the
//! emulator seeds `AzStackHub` (inferred) and accepts any value a user sends.
//! The source fabric's `health` is live: `Critical` with a health error while the appliance
//! registered under it is unresponsive.

use super::super::arm::{self, ArmError};
use super::super::router::Ctx;
use super::super::store::{Kind, State};
use super::{Scope, NS};
use crate::http::{Method, Response};
use serde_json::{json, Value};

pub(crate) fn list(
    state: &State,
    ctx: &Ctx,
    sub: &str,
    rg: Option<&str>,
) -> Result<Response, ArmError> {
    Ok(super::list_in_scope(state, ctx, sub, rg, Kind::Fabric))
}

/// The stored fabric body with its live health.
pub(crate) fn live(state: &State, body: &Value) -> Value {
    let mut b = body.clone();
    let id = body.get("id").and_then(Value::as_str).unwrap_or_default();
    let agent_prefix = format!("{}/fabricagents/", id.to_ascii_lowercase());
    let app = &state.world.appliance;
    if !app.responsive && app.agent_id.to_ascii_lowercase().starts_with(&agent_prefix) {
        b["properties"]["health"] = json!("Critical");
        b["properties"]["healthErrors"] = json!([super::agents::unresponsive_error(state)]);
    }
    b
}

/// A fabric body.
pub(crate) fn body(id: &str, name: &str, location: &str, custom: Value, tags: Value) -> Value {
    json!({
        "id": id,
        "name": name,
        "type": format!("{NS}/replicationFabrics"),
        "location": location,
        "tags": tags,
        "properties": {
            "provisioningState": "Creating",
            "serviceEndpoint": format!("https://rp.asr.{location}.azurestack.external:8478"),
            "serviceResourceId": format!("{id}/service"),
            "health": "Normal",
            "healthErrors": [],
            "customProperties": custom,
        }
    })
}

pub(crate) fn one(
    state: &mut State,
    ctx: &Ctx,
    scope: &Scope,
    name: &str,
) -> Result<Response, ArmError> {
    let id = format!("{}/replicationFabrics/{name}", scope.provider_id());
    match ctx.req.method {
        Method::Get => super::get_one(state, ctx, &id, "replicationFabrics", name),
        Method::Put => {
            super::validate_name(state, "fabric", name)?;
            let b = arm::required_body(ctx.req)?;
            let location = super::check_location(state, &b)?;
            super::instance_type(&b)?;
            let custom = b
                .pointer("/properties/customProperties")
                .cloned()
                .unwrap_or(Value::Null);
            let stored = body(
                &id,
                name,
                &location,
                custom,
                b.get("tags").cloned().unwrap_or_else(|| json!({})),
            );
            Ok(super::put_simple(
                state,
                ctx,
                Kind::Fabric,
                &id,
                &location,
                stored,
            ))
        }
        Method::Patch => {
            let b = arm::required_body(ctx.req)?;
            let res = state
                .resources
                .get_mut(&id.to_ascii_lowercase())
                .ok_or_else(|| ArmError::not_found(&format!("{NS}/replicationFabrics"), name))?;
            if let Some(tags) = b.get("tags") {
                res.body["tags"] = tags.clone();
            }
            if let Some(c) = b.pointer("/properties/customProperties") {
                res.body["properties"]["customProperties"] = c.clone();
            }
            let snapshot = res.clone();
            Ok(arm::json_response(
                200,
                &super::present(state, ctx, &snapshot),
            ))
        }
        Method::Delete => {
            let key = id.to_ascii_lowercase();
            let used = state.resources.values().any(|r| {
                r.kind == Kind::Extension
                    && ["sourceFabricArmId", "targetFabricArmId"].iter().any(|f| {
                        r.body
                            .pointer(&format!("/properties/customProperties/{f}"))
                            .and_then(Value::as_str)
                            .is_some_and(|v| v.eq_ignore_ascii_case(&key))
                    })
            });
            if used {
                return Err(ArmError::conflict(format!(
                    "The fabric '{name}' is used by a replication extension. Delete the extension first."
                )));
            }
            let loc = state.world.target_location.clone();
            Ok(super::delete_simple(state, ctx, &id, &loc))
        }
        _ => Err(super::method_not_allowed(ctx)),
    }
}
