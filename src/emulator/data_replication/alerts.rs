//! Alert settings (`replicationVaults/{v}/alertSettings`, the `EmailConfiguration` model):
//! PUT is synchronous (200/201, not an LRO: the public specs' operation table), GET, list.
//! `properties.sendToOwners` (boolean) is required.

use super::super::arm::{self, ArmError};
use super::super::router::Ctx;
use super::super::store::{Kind, Res, State};
use super::{Vault, NS};
use crate::http::{Method, Response};
use serde_json::{json, Value};

pub(crate) fn list(state: &State, ctx: &Ctx, v: &Vault) -> Result<Response, ArmError> {
    Ok(super::list_children(state, ctx, &v.id, "alertSettings"))
}

pub(crate) fn one(
    state: &mut State,
    ctx: &Ctx,
    v: &Vault,
    name: &str,
) -> Result<Response, ArmError> {
    let id = format!("{}/alertSettings/{name}", v.id);
    match ctx.req.method {
        Method::Get => super::get_one(state, ctx, &id, "replicationVaults/alertSettings", name),
        Method::Put => {
            super::validate_name(state, "alert setting", name)?;
            let b = arm::required_body(ctx.req)?;
            let send = b
                .pointer("/properties/sendToOwners")
                .and_then(Value::as_bool)
                .ok_or_else(|| ArmError::missing("properties.sendToOwners"))?;
            let emails = b
                .pointer("/properties/customEmailAddresses")
                .cloned()
                .unwrap_or_else(|| json!([]));
            if !emails.is_array() {
                return Err(ArmError::invalid_content(
                    "properties.customEmailAddresses",
                    "The property 'properties.customEmailAddresses' must be an array of e-mail addresses.",
                ));
            }
            let key = id.to_ascii_lowercase();
            let existed = state.resources.contains_key(&key);
            let mut body = json!({
                "id": id,
                "name": name,
                "type": format!("{NS}/replicationVaults/alertSettings"),
                "properties": {
                    "sendToOwners": send,
                    "customEmailAddresses": emails,
                    "locale": b.pointer("/properties/locale").cloned().unwrap_or_else(|| json!("en-US")),
                    "provisioningState": "Succeeded",
                },
            });
            body["systemData"] = state.system_data();
            let res = Res {
                kind: Kind::AlertSetting,
                body,
            };
            let shown = super::present(state, ctx, &res);
            state.resources.insert(key, res);
            Ok(arm::json_response(if existed { 200 } else { 201 }, &shown))
        }
        _ => Err(super::method_not_allowed(ctx)),
    }
}
