//! Recovery points (`protectedItems/{pi}/recoveryPoints`, read-only). They are computed from the
//! item's replication history and the policy (see [`RpSeries`]), so a year of virtual time costs
//! nothing: only the points within `recoveryPointHistoryInMinutes` exist (at most the newest
//! 50,000).
//!
//! [`RpSeries`]: super::protected_items::RpSeries

use super::super::arm::{self, ArmError};
use super::super::clock::arm_time;
use super::super::router::Ctx;
use super::super::store::State;
use super::protected_items::{not_found, Item, Rp};
use super::{Vault, NS};
use crate::http::Response;
use serde_json::{json, Value};

fn render(ctx: &Ctx, item: &Item, rp: &Rp) -> Value {
    let mut props = json!({
        "recoveryPointTime": arm_time(rp.1),
        "recoveryPointType": if rp.2 { "ApplicationConsistent" } else { "CrashConsistent" },
        "customProperties": { "instanceType": item.custom.get("instanceType").cloned().unwrap_or_else(|| json!("AzStackToAzStack")) },
    });
    if !ctx.preview() {
        props["provisioningState"] = json!("Succeeded");
    }
    json!({
        "id": item.rp_id(&rp.0),
        "name": rp.0,
        "type": format!("{NS}/replicationVaults/protectedItems/recoveryPoints"),
        "properties": props,
    })
}

fn item<'a>(state: &'a State, v: &Vault, name: &str) -> Result<&'a Item, ArmError> {
    let key = format!("{}/protectedItems/{name}", v.id).to_ascii_lowercase();
    state.items.get(&key).ok_or_else(|| not_found(name))
}

pub(crate) fn list(state: &State, ctx: &Ctx, v: &Vault, pi: &str) -> Result<Response, ArmError> {
    let item = item(state, v, pi)?;
    let now = state.now();
    if !item.processed_points.is_empty() {
        // Points processed for a `Latest` failover sit between the series' points: the few
        // items that have them list the merged points.
        let mut points = item.points(now);
        points.reverse();
        return Ok(arm::page_with(
            ctx.req,
            points,
            state.settings.page_size,
            |p| render(ctx, item, &p),
        ));
    }
    // Newest first; only the page asked for is built (an item may keep 50,000 points).
    let total = item.rp.map_or(0, |s| s.count(now));
    Ok(arm::page_indexed(
        ctx.req,
        total,
        state.settings.page_size,
        |i| {
            let p = item.rp.and_then(|s| s.newest_nth(now, i))?;
            Some(render(ctx, item, &p))
        },
    ))
}

pub(crate) fn get(
    state: &State,
    ctx: &Ctx,
    v: &Vault,
    pi: &str,
    name: &str,
) -> Result<Response, ArmError> {
    let item = item(state, v, pi)?;
    let now = state.now();
    item.find_point(name, now)
        .map(|p| arm::json_response(200, &render(ctx, item, &p)))
        .ok_or_else(|| {
            ArmError::not_found(
                &format!("{NS}/replicationVaults/protectedItems/recoveryPoints"),
                name,
            )
        })
}
