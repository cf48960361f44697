//! Replication policies (`replicationVaults/{v}/replicationPolicies`). PUT (LRO), GET, list,
//! DELETE (LRO; `409 Conflict` while a protected item uses the policy).
//!
//! For `AzStackToAzStack` (inferred, the README's table of what is documented and what is inferred) and the public HCI types,
//! `recoveryPointHistoryInMinutes`, `crashConsistentFrequencyInMinutes` and
//! `appConsistentFrequencyInMinutes` are required non-negative integers, the crash-consistent
//! frequency positive, and the app-consistent frequency 0 (off) or at least the crash-consistent
//! one, as the HCI policy validation does.

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
        "replicationPolicies",
    ))
}

/// The recovery-point settings of a policy: (retention, crash frequency, app frequency) minutes.
pub(crate) fn settings(body: &Value) -> (i64, i64, i64) {
    let get = |f: &str, d: i64| {
        body.pointer(&format!("/properties/customProperties/{f}"))
            .and_then(Value::as_i64)
            .unwrap_or(d)
    };
    (
        get("recoveryPointHistoryInMinutes", 1440),
        get("crashConsistentFrequencyInMinutes", 5).max(1),
        get("appConsistentFrequencyInMinutes", 60),
    )
}

fn validate(body: &Value, instance_type: &str) -> Result<(), ArmError> {
    let needs =
        instance_type.starts_with("AzStackToAzStack") || instance_type.ends_with("ToAzStackHCI");
    if !needs {
        return Ok(());
    }
    let mut vals = [0i64; 3];
    for (i, f) in [
        "recoveryPointHistoryInMinutes",
        "crashConsistentFrequencyInMinutes",
        "appConsistentFrequencyInMinutes",
    ]
    .iter()
    .enumerate()
    {
        let target = format!("properties.customProperties.{f}");
        match body.pointer(&format!("/properties/customProperties/{f}")) {
            None | Some(Value::Null) => return Err(ArmError::missing(&target)),
            Some(v) => match v.as_i64() {
                Some(n) if n >= 0 => vals[i] = n,
                _ => {
                    return Err(ArmError::invalid_content(
                        &target,
                        format!(
                        "The property '{target}' must be a non-negative integer number of minutes."
                    ),
                    ))
                }
            },
        }
    }
    let [history, crash, app] = vals;
    if crash == 0 {
        return Err(ArmError::invalid_content(
            "properties.customProperties.crashConsistentFrequencyInMinutes",
            "The crash-consistent frequency must be at least 1 minute.",
        ));
    }
    if app != 0 && app < crash {
        return Err(ArmError::invalid_content(
            "properties.customProperties.appConsistentFrequencyInMinutes",
            format!("The app-consistent frequency ({app} min) must be 0 (off) or at least the crash-consistent frequency ({crash} min)."),
        ));
    }
    if history < crash {
        return Err(ArmError::invalid_content(
            "properties.customProperties.recoveryPointHistoryInMinutes",
            format!("The recovery point history ({history} min) must be at least the crash-consistent frequency ({crash} min)."),
        ));
    }
    Ok(())
}

/// A policy body.
pub(crate) fn body(id: &str, name: &str, custom: Value) -> Value {
    json!({
        "id": id,
        "name": name,
        "type": format!("{NS}/replicationVaults/replicationPolicies"),
        "properties": { "provisioningState": "Creating", "customProperties": custom },
    })
}

pub(crate) fn one(
    state: &mut State,
    ctx: &Ctx,
    v: &Vault,
    name: &str,
) -> Result<Response, ArmError> {
    let id = format!("{}/replicationPolicies/{name}", v.id);
    match ctx.req.method {
        Method::Get => super::get_one(
            state,
            ctx,
            &id,
            "replicationVaults/replicationPolicies",
            name,
        ),
        Method::Put => {
            super::validate_name(state, "policy", name)?;
            let b = arm::required_body(ctx.req)?;
            let it = super::instance_type(&b)?;
            validate(&b, &it)?;
            let stored = body(&id, name, b["properties"]["customProperties"].clone());
            let loc = super::vault_location(state, &v.id);
            Ok(super::put_simple(
                state,
                ctx,
                Kind::Policy,
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
                .any(|(k, i)| k.starts_with(&prefix) && i.policy_name.eq_ignore_ascii_case(name))
            {
                return Err(ArmError::conflict(format!(
                    "The policy '{name}' is used by protected items. Disable their protection first."
                )));
            }
            let loc = super::vault_location(state, &v.id);
            Ok(super::delete_simple(state, ctx, &id, &loc))
        }
        _ => Err(super::method_not_allowed(ctx)),
    }
}
