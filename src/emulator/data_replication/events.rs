//! Vault events (`replicationVaults/{v}/events`, read-only): what happened to protected items
//! (protection enabled, initial replication completed, failovers, health changes), newest last.

use super::super::arm::{self, ArmError};
use super::super::clock::arm_time;
use super::super::router::Ctx;
use super::super::store::{EventRec, State};
use super::{Vault, NS};
use crate::http::Response;
use serde_json::{json, Value};

fn render(ctx: &Ctx, e: &EventRec) -> Value {
    let mut props = json!({
        "resourceType": e.resource_type,
        "resourceName": e.resource_name,
        "eventType": e.event_type,
        "eventName": e.event_type,
        "timeOfOccurrence": arm_time(e.time),
        "severity": e.severity,
        "description": e.description,
        "correlationId": e.correlation_id,
        "healthErrors": [],
        "customProperties": { "instanceType": "EventModelCustomProperties" },
    });
    if !ctx.preview() {
        props["provisioningState"] = json!("Succeeded");
    }
    json!({
        "id": e.id,
        "name": e.name,
        "type": format!("{NS}/replicationVaults/events"),
        "properties": props,
    })
}

pub(crate) fn list(state: &State, ctx: &Ctx, v: &Vault) -> Result<Response, ArmError> {
    let prefix = format!("{}/events/", v.id.to_ascii_lowercase());
    let mut evs: Vec<&EventRec> = state
        .events
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(_, e)| e)
        .collect();
    evs.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.name.cmp(&b.name)));
    Ok(arm::page_with(
        ctx.req,
        evs,
        state.settings.page_size,
        |e| render(ctx, e),
    ))
}

pub(crate) fn get(state: &State, ctx: &Ctx, v: &Vault, name: &str) -> Result<Response, ArmError> {
    let id = format!("{}/events/{name}", v.id).to_ascii_lowercase();
    state
        .events
        .get(&id)
        .map(|e| arm::json_response(200, &render(ctx, e)))
        .ok_or_else(|| ArmError::not_found(&format!("{NS}/replicationVaults/events"), name))
}
