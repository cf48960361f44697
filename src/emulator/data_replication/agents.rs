//! Fabric agents (`replicationFabrics/{f}/fabricAgents`, preview model name `Dra`): the
//! replication appliance. PUT (LRO), GET, list, DELETE (LRO).
//!
//! The registered appliance's `isResponsive`, `lastHeartbeat` and `healthErrors` are live: the
//! heartbeat follows the virtual clock until [`Fault::UnresponsiveAppliance`] stops it.
//!
//! [`Fault::UnresponsiveAppliance`]: crate::emulator::Fault::UnresponsiveAppliance

use super::super::arm::{self, ArmError};
use super::super::clock::arm_time;
use super::super::router::Ctx;
use super::super::store::{Kind, State};
use super::NS;
use crate::http::{Method, Response};
use serde_json::{json, Value};

pub(crate) fn list(state: &State, ctx: &Ctx, fabric_id: &str) -> Result<Response, ArmError> {
    Ok(super::list_children(state, ctx, fabric_id, "fabricAgents"))
}

/// The health error of an unresponsive appliance.
pub(crate) fn unresponsive_error(state: &State) -> Value {
    let app = &state.world.appliance;
    let since = app.stale_since.unwrap_or_else(|| state.now());
    json!({
        "affectedResourceType": "FabricAgent",
        "affectedResourceCorrelationIds": [app.machine_id],
        "childErrors": [],
        "code": "FabricAgentNotResponsive",
        "healthCategory": "AgentHealth",
        "category": "Configuration",
        "severity": "Error",
        "source": "FabricAgent",
        "creationTime": arm_time(since),
        "isCustomerResolvable": true,
        "summary": "The replication appliance is not responding.",
        "message": format!("The replication appliance '{}' has not sent a heartbeat since {}.", app.machine_name, arm_time(since)),
        "causes": "The appliance VM is stopped, its Azure Site Recovery services are not running, or it cannot reach the target stamp.",
        "recommendation": "Start the appliance VM, check the Azure Site Recovery services on it and its connectivity to the target stamp (ports 443, 8478, 8479, 44307).",
    })
}

/// The stored agent body with live heartbeat and health.
pub(crate) fn live(state: &State, body: &Value) -> Value {
    let mut b = body.clone();
    let id = body.get("id").and_then(Value::as_str).unwrap_or_default();
    let app = &state.world.appliance;
    if id.eq_ignore_ascii_case(&app.agent_id) {
        let beat = app.stale_since.unwrap_or_else(|| state.now());
        b["properties"]["isResponsive"] = json!(app.responsive);
        b["properties"]["lastHeartbeat"] = json!(arm_time(beat));
        b["properties"]["versionNumber"] = json!(app.version);
        b["properties"]["healthErrors"] = if app.responsive {
            json!([])
        } else {
            json!([unresponsive_error(state)])
        };
    } else {
        b["properties"]["lastHeartbeat"] = json!(arm_time(state.now()));
    }
    b
}

/// An agent body.
pub(crate) fn body(id: &str, name: &str, props: &Value, machine_id: &str) -> Value {
    let mut p = props.clone();
    p["correlationId"] = json!(machine_id);
    p["isResponsive"] = json!(true);
    p["versionNumber"] = json!("1.8.7");
    p["provisioningState"] = json!("Creating");
    p["healthErrors"] = json!([]);
    json!({
        "id": id,
        "name": name,
        "type": format!("{NS}/replicationFabrics/fabricAgents"),
        "properties": p,
    })
}

pub(crate) fn one(
    state: &mut State,
    ctx: &Ctx,
    fabric_id: &str,
    name: &str,
) -> Result<Response, ArmError> {
    let id = format!("{fabric_id}/fabricAgents/{name}");
    match ctx.req.method {
        Method::Get => super::get_one(state, ctx, &id, "replicationFabrics/fabricAgents", name),
        Method::Put => {
            super::validate_name(state, "fabric agent", name)?;
            let b = arm::required_body(ctx.req)?;
            arm::required_str(&b, "/properties/machineId")?;
            arm::required_str(&b, "/properties/machineName")?;
            for f in ["authenticationIdentity", "resourceAccessIdentity"] {
                if b.pointer(&format!("/properties/{f}"))
                    .and_then(Value::as_object)
                    .is_none()
                {
                    return Err(ArmError::missing(&format!("properties.{f}")));
                }
            }
            super::instance_type(&b)?;
            let machine_id = state.rng.guid();
            let stored = body(&id, name, &b["properties"], &machine_id);
            let loc = state.world.target_location.clone();
            Ok(super::put_simple(
                state,
                ctx,
                Kind::FabricAgent,
                &id,
                &loc,
                stored,
            ))
        }
        Method::Delete => {
            let loc = state.world.target_location.clone();
            Ok(super::delete_simple(state, ctx, &id, &loc))
        }
        _ => Err(super::method_not_allowed(ctx)),
    }
}
