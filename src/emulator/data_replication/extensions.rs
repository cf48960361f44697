//! Replication extensions (`replicationVaults/{v}/replicationExtensions`). PUT (LRO), GET, list,
//! DELETE (LRO; `409 Conflict` while a protected item uses it).
//!
//! For `AzStackToAzStack*` (inferred; see the README's table of what is documented) the
//! references must exist:
//! `sourceFabricArmId` and `targetFabricArmId` name fabrics, `storageAccountId` the cache storage
//! account on the target stamp ("the cache storage account is created and available",
//! Microsoft's "enable VM protection" page for Azure Stack Hub).

use super::super::arm::{self, ArmError};
use super::super::router::Ctx;
use super::super::store::{Kind, State};
use super::{Vault, NS};
use crate::http::{Method, Response};
use serde_json::{json, Value};

pub(crate) fn list(state: &State, ctx: &Ctx, v: &Vault) -> Result<Response, ArmError> {
    Ok(super::list_children(
        state,
        ctx,
        &v.id,
        "replicationExtensions",
    ))
}

fn validate(state: &State, body: &Value, instance_type: &str) -> Result<(), ArmError> {
    if !instance_type.starts_with("AzStackToAzStack") {
        return Ok(());
    }
    for f in ["sourceFabricArmId", "targetFabricArmId"] {
        let fabric = arm::required_str(body, &format!("/properties/customProperties/{f}"))?;
        if state.get(fabric).is_none() {
            return Err(ArmError::linked_not_found(
                &format!("properties.customProperties.{f}"),
                fabric,
            ));
        }
    }
    let account = arm::required_str(body, "/properties/customProperties/storageAccountId")?;
    if !state.world.storage_exists(account) {
        return Err(ArmError::linked_not_found(
            "properties.customProperties.storageAccountId",
            account,
        ));
    }
    Ok(())
}

/// An extension body.
pub(crate) fn body(id: &str, name: &str, custom: Value) -> Value {
    json!({
        "id": id,
        "name": name,
        "type": format!("{NS}/replicationVaults/replicationExtensions"),
        "properties": { "provisioningState": "Creating", "customProperties": custom },
    })
}

pub(crate) fn one(
    state: &mut State,
    ctx: &Ctx,
    v: &Vault,
    name: &str,
) -> Result<Response, ArmError> {
    let id = format!("{}/replicationExtensions/{name}", v.id);
    match ctx.req.method {
        Method::Get => super::get_one(
            state,
            ctx,
            &id,
            "replicationVaults/replicationExtensions",
            name,
        ),
        Method::Put => {
            super::validate_name(state, "replication extension", name)?;
            let b = arm::required_body(ctx.req)?;
            let it = super::instance_type(&b)?;
            validate(state, &b, &it)?;
            let stored = body(&id, name, b["properties"]["customProperties"].clone());
            let loc = super::vault_location(state, &v.id);
            Ok(super::put_simple(
                state,
                ctx,
                Kind::Extension,
                &id,
                &loc,
                stored,
            ))
        }
        Method::Delete => {
            let prefix = format!("{}/protecteditems/", v.id.to_ascii_lowercase());
            if state
                .items
                .iter()
                .any(|(k, i)| k.starts_with(&prefix) && i.extension_name.eq_ignore_ascii_case(name))
            {
                return Err(ArmError::conflict(format!(
                    "The replication extension '{name}' is used by protected items. Disable their protection first."
                )));
            }
            let loc = super::vault_location(state, &v.id);
            Ok(super::delete_simple(state, ctx, &id, &loc))
        }
        _ => Err(super::method_not_allowed(ctx)),
    }
}
