//! `Microsoft.DataReplication`: routing and the conventions every resource shares (names, LRO
//! headers per api-version, per-version shapes, create/delete of simple resources).
//!
//! LRO headers (the public specs' operation tables of each api-version):
//! * 2024-09-01 / 2026-05-01: PUT create → `201` + `Azure-AsyncOperation` + `Retry-After`
//!   (final-state-via azure-async-operation); DELETE / POST action / PATCH → `202` + `Location` +
//!   `Retry-After` (final-state-via location).
//! * 2021-02-16-preview: every LRO is final-state-via location; `201` and `202` carry **both**
//!   `Azure-AsyncOperation` and `Location`.
//!
//! URLs (the spec says what they return, not how they are spelled; these spellings are the
//! emulator's choice): `Azure-AsyncOperation` is the preview's per-resource
//! `{resourceId}/operations/{operationId}` or, on 2024-09-01+, the spec's
//! `.../providers/Microsoft.DataReplication/locations/{location}/operationResults/{operationId}`
//! (both answer `200` + `OperationStatus`). `Location` is `{resourceId}/operationResults/{operationId}`,
//! answering ARM-style: `202` while running, then `200` + the resource (PUT), `204` (DELETE) or
//! `200`/`204` (POST), or the operation's ARM error.

pub(crate) mod agents;
pub(crate) mod alerts;
pub(crate) mod events;
pub(crate) mod extensions;
pub(crate) mod fabrics;
pub(crate) mod jobs;
pub(crate) mod operations;
pub(crate) mod policies;
pub(crate) mod protected_items;
pub(crate) mod recovery_points;
pub(crate) mod vaults;

use super::arm::{self, ArmError};
use super::router::{ArmPath, Ctx};
use super::store::{Kind, OpEffect, OpStatus, Res, State};
use crate::http::{Method, Response};
use chrono::Duration;
use serde_json::{json, Value};

pub(crate) const NS: &str = "Microsoft.DataReplication";
/// How long creating or deleting a vault, fabric, agent, policy or extension takes.
pub(crate) const PROVISION_TIME: i64 = 30;

/// The resource-group scope of the request.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    pub(crate) sub: String,
    pub(crate) rg: String,
}

impl Scope {
    pub(crate) fn provider_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/{NS}",
            self.sub, self.rg
        )
    }
}

pub(crate) fn handle(state: &mut State, ctx: &Ctx, p: &ArmPath) -> Result<Response, ArmError> {
    let lower: Vec<String> = p.segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let s: Vec<&str> = p.segs.iter().map(String::as_str).collect();
    let n = l.len();
    let method = ctx.req.method;
    if p.sub.is_none() {
        return match (method, l.as_slice()) {
            (Method::Get, ["operations"]) => Ok(operations::list(state, ctx)),
            _ => Err(unknown_path(ctx)),
        };
    }
    // Status monitors first: they may outlive the resource they watch.
    if n >= 2 && l[0] == "operationresults" {
        return operations::status(state, ctx, s[1]);
    }
    if n == 4 && l[0] == "locations" && l[2] == "operationresults" {
        return operations::status(state, ctx, s[3]);
    }
    if n >= 4 && l[n - 2] == "operations" {
        return operations::status(state, ctx, s[n - 1]);
    }
    if n >= 4 && l[n - 2] == "operationresults" {
        return operations::location_result(state, ctx, s[n - 1]);
    }
    let sub = p.sub.clone().unwrap_or_default();
    if p.rg.is_none() {
        return match (method, l.as_slice()) {
            (Method::Post, ["locations", _, "checknameavailability"]) => {
                operations::check_name(state, ctx, &sub)
            }
            (Method::Get, ["replicationvaults"]) => vaults::list(state, ctx, &sub, None),
            (Method::Get, ["replicationfabrics"]) => fabrics::list(state, ctx, &sub, None),
            _ => Err(unknown_path(ctx)),
        };
    }
    let scope = Scope {
        sub,
        rg: p.rg.clone().unwrap_or_default(),
    };
    match l.as_slice() {
        ["deployments", _, "preflight"] if method == Method::Post => operations::preflight(ctx),
        ["replicationvaults"] if method == Method::Get => {
            vaults::list(state, ctx, &scope.sub, Some(&scope.rg))
        }
        ["replicationvaults", _] => vaults::one(state, ctx, &scope, s[1]),
        ["replicationvaults", _, rest @ ..] => {
            let vault_id = format!("{}/replicationVaults/{}", scope.provider_id(), s[1]);
            if state.get(&vault_id).is_none() {
                return Err(parent_not_found("replicationVaults", s[1]));
            }
            let v = Vault { id: vault_id };
            match (method, rest) {
                (Method::Get, ["alertsettings"]) => alerts::list(state, ctx, &v),
                (_, ["alertsettings", _]) => alerts::one(state, ctx, &v, s[3]),
                (Method::Get, ["events"]) => events::list(state, ctx, &v),
                (Method::Get, ["events", _]) => events::get(state, ctx, &v, s[3]),
                (Method::Get, ["jobs"]) => jobs::list(state, ctx, &v),
                (Method::Get, ["jobs", _]) => jobs::get(state, ctx, &v, s[3]),
                (Method::Get, ["replicationpolicies"]) => policies::list(state, ctx, &v),
                (_, ["replicationpolicies", _]) => policies::one(state, ctx, &v, s[3]),
                (Method::Get, ["replicationextensions"]) => extensions::list(state, ctx, &v),
                (_, ["replicationextensions", _]) => extensions::one(state, ctx, &v, s[3]),
                (Method::Get, ["protecteditems"]) => protected_items::list(state, ctx, &v),
                (_, ["protecteditems", _]) => protected_items::one(state, ctx, &v, s[3]),
                (Method::Get, ["protecteditems", _, "recoverypoints"]) => {
                    recovery_points::list(state, ctx, &v, s[3])
                }
                (Method::Get, ["protecteditems", _, "recoverypoints", _]) => {
                    recovery_points::get(state, ctx, &v, s[3], s[5])
                }
                (Method::Post, ["protecteditems", _, _]) => {
                    protected_items::action(state, ctx, &v, s[3], s[4])
                }
                _ => Err(unknown_path(ctx)),
            }
        }
        ["replicationfabrics"] if method == Method::Get => {
            fabrics::list(state, ctx, &scope.sub, Some(&scope.rg))
        }
        ["replicationfabrics", _] => fabrics::one(state, ctx, &scope, s[1]),
        ["replicationfabrics", _, rest @ ..] => {
            let fabric_id = format!("{}/replicationFabrics/{}", scope.provider_id(), s[1]);
            if state.get(&fabric_id).is_none() {
                return Err(parent_not_found("replicationFabrics", s[1]));
            }
            match (method, rest) {
                (Method::Get, ["fabricagents"]) => agents::list(state, ctx, &fabric_id),
                (_, ["fabricagents", _]) => agents::one(state, ctx, &fabric_id, s[3]),
                _ => Err(unknown_path(ctx)),
            }
        }
        _ => Err(unknown_path(ctx)),
    }
}

/// A vault the request is under.
#[derive(Debug, Clone)]
pub(crate) struct Vault {
    pub(crate) id: String,
}

pub(crate) fn unknown_path(ctx: &Ctx) -> ArmError {
    ArmError::new(
        404,
        "InvalidResourceType",
        format!(
            "No route for '{} {}' in namespace '{NS}' for api version '{}'.",
            ctx.req.method,
            ctx.req.url.path(),
            ctx.api
        ),
    )
}

pub(crate) fn parent_not_found(kind: &str, name: &str) -> ArmError {
    ArmError::new(
        404,
        "ParentResourceNotFound",
        format!("Can not perform requested operation on nested resource. Parent resource '{kind}/{name}' not found."),
    )
}

pub(crate) fn method_not_allowed(ctx: &Ctx) -> ArmError {
    ArmError::new(
        405,
        "MethodNotAllowed",
        format!(
            "The method '{}' is not allowed on '{}'.",
            ctx.req.method,
            ctx.req.url.path()
        ),
    )
}

/// Validates a resource name: ARM's general rules always, the spec's `^[a-zA-Z0-9]*$` when the
/// scenario asks for strict names (Azure Stack Hub's naming).
pub(crate) fn validate_name(state: &State, kind: &str, name: &str) -> Result<(), ArmError> {
    let bad = |why: &str| {
        Err(ArmError::new(
            400,
            "InvalidResourceName",
            format!("The {kind} name '{name}' is invalid: {why}"),
        )
        .with_target("name"))
    };
    if name.is_empty() || name.len() > 260 {
        return bad("it must be 1 to 260 characters long.");
    }
    if name
        .chars()
        .any(|c| c.is_control() || "<>%&:\\?/*#".contains(c))
    {
        return bad("it must not contain < > % & : \\ ? / * # or control characters.");
    }
    if name.ends_with('.') || name.ends_with(' ') {
        return bad("it must not end with a period or a space.");
    }
    if state.settings.strict_names && !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return bad("it must match the pattern '^[a-zA-Z0-9]*$' (letters and digits only).");
    }
    Ok(())
}

/// Adds the LRO headers of this api-version to a `201` (PUT) or `202` (DELETE/POST/PATCH).
pub(crate) fn lro_headers(state: &State, ctx: &Ctx, resp: &mut Response, op_id: &str) {
    let Some(op) = state.ops.get(op_id) else {
        return;
    };
    let v = ctx.api.as_str();
    let location = format!(
        "{}{}/operationResults/{op_id}?api-version={v}",
        ctx.origin, op.resource_id
    );
    let async_op = if ctx.preview() {
        format!(
            "{}{}/operations/{op_id}?api-version={v}",
            ctx.origin, op.resource_id
        )
    } else {
        let (sub, rg) = super::stamps::split_rg(&op.resource_id);
        format!(
            "{}/subscriptions/{sub}/resourceGroups/{rg}/providers/{NS}/locations/{}/operationResults/{op_id}?api-version={v}",
            ctx.origin, op.location
        )
    };
    let is_put = resp.status == 201 || resp.status == 200;
    if ctx.preview() {
        resp.headers.insert("Azure-AsyncOperation", async_op);
        resp.headers.insert("Location", location);
    } else if is_put {
        resp.headers.insert("Azure-AsyncOperation", async_op);
    } else {
        resp.headers.insert("Location", location);
    }
    let due = op.due.or_else(|| {
        op.job
            .as_ref()
            .and_then(|j| state.jobs.get(&j.to_ascii_lowercase()))
            .and_then(|j| j.next_due)
    });
    resp.headers
        .insert("Retry-After", state.retry_after_until(due).to_string());
}

/// A `202 Accepted` for an operation, with its headers.
pub(crate) fn accepted(state: &State, ctx: &Ctx, op_id: &str) -> Response {
    let mut r = Response::new(202);
    lro_headers(state, ctx, &mut r, op_id);
    r
}

/// Removes what an api-version does not have from a stored (newest-shape) body.
pub(crate) fn render(ctx: &Ctx, kind: Kind, body: &Value) -> Value {
    let mut v = body.clone();
    let newest = ctx.api == crate::api_version::ApiVersion::V2026_05_01;
    if let Some(props) = v.get_mut("properties").and_then(Value::as_object_mut) {
        if kind == Kind::Vault && !newest {
            props.remove("publicNetworkAccess");
            props.remove("privateEndpointState");
            props.remove("privateEndpointConnections");
        }
        if kind == Kind::AlertSetting && ctx.preview() {
            props.remove("provisioningState");
        }
    }
    if kind == Kind::Vault && ctx.preview() {
        if let Some(o) = v.as_object_mut() {
            o.remove("identity");
        }
    }
    v
}

/// GET of one stored resource.
pub(crate) fn get_one(
    state: &State,
    ctx: &Ctx,
    id: &str,
    kind_name: &str,
    name: &str,
) -> Result<Response, ArmError> {
    let res = state
        .get(id)
        .ok_or_else(|| ArmError::not_found(&format!("{NS}/{kind_name}"), name))?;
    let mut r = arm::json_response(200, &present(state, ctx, res));
    // Still being created or deleted: say when to look again (and move an auto clock).
    let pending = state
        .ops
        .values()
        .filter(|o| o.status == OpStatus::InProgress && o.resource_id.eq_ignore_ascii_case(id))
        .filter_map(|o| o.due)
        .min();
    if pending.is_some() {
        r.headers
            .insert("Retry-After", state.retry_after_until(pending).to_string());
    }
    Ok(r)
}

/// A stored resource as this api-version shows it, with live fields filled in.
pub(crate) fn present(state: &State, ctx: &Ctx, res: &Res) -> Value {
    let body = match res.kind {
        Kind::Fabric => fabrics::live(state, &res.body),
        Kind::FabricAgent => agents::live(state, &res.body),
        _ => res.body.clone(),
    };
    render(ctx, res.kind, &body)
}

/// Lists the direct children of `parent` in `collection`.
pub(crate) fn list_children(state: &State, ctx: &Ctx, parent: &str, collection: &str) -> Response {
    let items: Vec<&Res> = state
        .children(
            &parent.to_ascii_lowercase(),
            &collection.to_ascii_lowercase(),
        )
        .collect();
    arm::page_with(ctx.req, items, state.settings.page_size, |r| {
        present(state, ctx, r)
    })
}

/// Lists the resources of `kind` (vaults, fabrics) in a subscription, or in one of its resource
/// groups.
pub(crate) fn list_in_scope(
    state: &State,
    ctx: &Ctx,
    sub: &str,
    rg: Option<&str>,
    kind: Kind,
) -> Response {
    let prefix = match rg {
        Some(rg) => format!("/subscriptions/{sub}/resourcegroups/{rg}/").to_ascii_lowercase(),
        None => format!("/subscriptions/{sub}/").to_ascii_lowercase(),
    };
    let items: Vec<&Res> = state
        .resources
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .filter(|(_, r)| r.kind == kind)
        .map(|(_, r)| r)
        .collect();
    arm::page_with(ctx.req, items, state.settings.page_size, |r| {
        present(state, ctx, r)
    })
}

/// Creates (201 + LRO, provisioning for a while) or updates (200) a simple resource.
/// `update` merges the new body into the old one.
pub(crate) fn put_simple(
    state: &mut State,
    ctx: &Ctx,
    kind: Kind,
    id: &str,
    location: &str,
    mut body: Value,
) -> Response {
    let key = id.to_ascii_lowercase();
    if let Some(existing) = state.resources.get_mut(&key) {
        if let (Some(old), Some(new)) = (
            existing
                .body
                .get_mut("properties")
                .and_then(Value::as_object_mut),
            body.get("properties").and_then(Value::as_object),
        ) {
            for (k, v) in new {
                if k != "provisioningState" {
                    old.insert(k.clone(), v.clone());
                }
            }
        }
        if let Some(tags) = body.get("tags") {
            existing.body["tags"] = tags.clone();
        }
        let snapshot = existing.clone();
        return arm::json_response(200, &present(state, ctx, &snapshot));
    }
    body["systemData"] = state.system_data();
    body["properties"]["provisioningState"] = json!("Creating");
    let res = Res { kind, body };
    let shown = present(state, ctx, &res);
    state.resources.insert(key, res);
    let op = state.start_op(
        Method::Put,
        id,
        location,
        Some((Duration::seconds(PROVISION_TIME), OpEffect::Provision)),
    );
    let mut r = arm::json_response(201, &shown);
    lro_headers(state, ctx, &mut r, &op);
    r
}

/// Deletes a simple resource: 204 when absent, else 202 + LRO.
pub(crate) fn delete_simple(state: &mut State, ctx: &Ctx, id: &str, location: &str) -> Response {
    let key = id.to_ascii_lowercase();
    match state.resources.get_mut(&key) {
        None => Response::new(204),
        Some(r) => {
            r.body["properties"]["provisioningState"] = json!("Deleting");
            let op = state.start_op(
                Method::Delete,
                id,
                location,
                Some((Duration::seconds(PROVISION_TIME), OpEffect::Delete)),
            );
            accepted(state, ctx, &op)
        }
    }
}

/// The `location` of a vault (its children's operations use it).
pub(crate) fn vault_location(state: &State, vault_id: &str) -> String {
    state
        .get(vault_id)
        .and_then(|r| r.body.get("location"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| state.world.target_location.clone())
}

/// `true` when `provisioningState` is `Succeeded`.
pub(crate) fn provisioned(res: &Res) -> bool {
    res.body
        .pointer("/properties/provisioningState")
        .and_then(Value::as_str)
        == Some("Succeeded")
}

/// Checks the `location` of a tracked resource against the target stamp.
pub(crate) fn check_location(state: &State, body: &Value) -> Result<String, ArmError> {
    let loc = arm::required_str(body, "/location")?;
    let norm = |s: &str| s.replace(' ', "").to_ascii_lowercase();
    if norm(loc) != norm(&state.world.target_location) {
        return Err(ArmError::new(
            400,
            "LocationNotAvailableForResourceType",
            format!(
                "The provided location '{loc}' is not available for resource type '{NS}'. List of available regions for the resource type is '{}'.",
                state.world.target_location
            ),
        )
        .with_target("location"));
    }
    Ok(loc.to_owned())
}

/// The required `properties.customProperties.instanceType`.
pub(crate) fn instance_type(body: &Value) -> Result<String, ArmError> {
    if body.get("properties").and_then(Value::as_object).is_none() {
        return Err(ArmError::missing("properties"));
    }
    if body
        .pointer("/properties/customProperties")
        .and_then(Value::as_object)
        .is_none()
    {
        return Err(ArmError::missing("properties.customProperties"));
    }
    Ok(arm::required_str(body, "/properties/customProperties/instanceType")?.to_owned())
}
