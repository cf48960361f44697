//! Replication vaults (`replicationVaults`): a tracked resource (location, tags, identity on
//! 2024-09-01+), created by PUT (LRO), updated by PATCH, deleted by DELETE (LRO; refused with
//! `409 Conflict` while it holds protected items, as the service does).

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
    Ok(super::list_in_scope(state, ctx, sub, rg, Kind::Vault))
}

pub(crate) fn one(
    state: &mut State,
    ctx: &Ctx,
    scope: &Scope,
    name: &str,
) -> Result<Response, ArmError> {
    let id = format!("{}/replicationVaults/{name}", scope.provider_id());
    match ctx.req.method {
        Method::Get => super::get_one(state, ctx, &id, "replicationVaults", name),
        Method::Put => {
            super::validate_name(state, "vault", name)?;
            let body = arm::required_body(ctx.req)?;
            let location = super::check_location(state, &body)?;
            let vault_type =
                arm::opt_str(&body, "/properties/vaultType").unwrap_or("DisasterRecovery");
            let mut identity = body.get("identity").cloned().unwrap_or(Value::Null);
            if let Some(t) = identity.get("type").and_then(Value::as_str) {
                if t.contains("SystemAssigned") {
                    identity["principalId"] = json!(state.rng.guid());
                    identity["tenantId"] = json!(super::super::scenario::defaults::TENANT_ID);
                }
            }
            let mut stored = json!({
                "id": id,
                "name": name,
                "type": format!("{NS}/replicationVaults"),
                "location": location,
                "tags": body.get("tags").cloned().unwrap_or_else(|| json!({})),
                "properties": {
                    "provisioningState": "Creating",
                    "serviceResourceId": format!("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.RecoveryServices/vaults/{name}-svc", scope.sub, scope.rg),
                    "vaultType": vault_type,
                    "publicNetworkAccess": arm::opt_str(&body, "/properties/publicNetworkAccess").unwrap_or("Enabled"),
                    "privateEndpointState": "None",
                    "privateEndpointConnections": [],
                },
            });
            if !identity.is_null() {
                stored["identity"] = identity;
            }
            Ok(super::put_simple(
                state,
                ctx,
                Kind::Vault,
                &id,
                &location,
                stored,
            ))
        }
        Method::Patch => {
            let body = arm::required_body(ctx.req)?;
            let key = id.to_ascii_lowercase();
            let res = state
                .resources
                .get_mut(&key)
                .ok_or_else(|| ArmError::not_found(&format!("{NS}/replicationVaults"), name))?;
            if let Some(tags) = body.get("tags") {
                res.body["tags"] = tags.clone();
            }
            for field in ["vaultType", "publicNetworkAccess"] {
                if let Some(v) = body.pointer(&format!("/properties/{field}")) {
                    res.body["properties"][field] = v.clone();
                }
            }
            let snapshot = res.clone();
            Ok(arm::json_response(
                200,
                &super::present(state, ctx, &snapshot),
            ))
        }
        Method::Delete => {
            let prefix = format!("{}/protecteditems/", id.to_ascii_lowercase());
            if state.items.keys().any(|k| k.starts_with(&prefix)) {
                return Err(ArmError::conflict(format!(
                    "The vault '{name}' has protected items. Disable protection of every item before deleting the vault."
                )));
            }
            let loc = super::vault_location(state, &id);
            Ok(super::delete_simple(state, ctx, &id, &loc))
        }
        _ => Err(super::method_not_allowed(ctx)),
    }
}
