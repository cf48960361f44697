//! The ARM reads of stamp resources.

use super::shapes::*;
use super::{key, rg_id, World};
use crate::emulator::arm::{self, ArmError};
use crate::emulator::router::{ArmPath, Ctx};
use crate::emulator::scenario::{ComputeQuota, Role};
use crate::emulator::store::State;
use crate::emulator::table::Table;
use crate::http::{Method, Response};
use serde_json::{json, Value};

fn listed<'a, T: 'a>(
    map: &'a Table<T>,
    prefix: &str,
    infix: &str,
) -> impl Iterator<Item = &'a T> + 'a {
    let prefix = prefix.to_ascii_lowercase();
    let infix = infix.to_ascii_lowercase();
    map.iter()
        .filter(move |(k, _)| k.starts_with(&prefix) && k.contains(&infix))
        .map(|(_, v)| v)
}

/// Handles a read of a stamp resource. `None` when the path is not a stamp path.
pub(crate) fn handle(
    state: &mut State,
    ctx: &Ctx,
    p: &ArmPath,
) -> Option<Result<Response, ArmError>> {
    let ns = p.namespace.as_deref().map(str::to_ascii_lowercase);
    let segs: Vec<String> = p.segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let is_get = ctx.req.method == Method::Get;
    let w = &state.world;
    let page = state.settings.page_size;
    let sub = p.sub.clone().unwrap_or_default();
    // Subscriptions: /subscriptions[/{s}] (no provider).
    if ns.is_none()
        && p.scope_segs.len() <= 2
        && p.scope_segs
            .first()
            .is_some_and(|s| s.eq_ignore_ascii_case("subscriptions"))
    {
        if !is_get {
            return Some(Err(method_not_allowed(ctx)));
        }
        let subs: Vec<Value> = [&w.source_sub, &w.target_sub]
            .into_iter()
            .map(|s| subscription_json(w, s))
            .collect();
        return Some(match &p.sub {
            Some(s) => match known_sub(w, s) {
                Ok(()) => Ok(arm::json_response(200, &subscription_json(w, s))),
                Err(e) => Err(e),
            },
            None => Ok(arm::page(ctx.req, subs, page)),
        });
    }
    // Resource groups: /subscriptions/{s}/resourcegroups[/{rg}] (no provider).
    if ns.is_none() {
        if p.sub.is_some()
            && p.scope_segs.len() <= 4
            && p.scope_segs
                .get(2)
                .is_some_and(|s| s.eq_ignore_ascii_case("resourcegroups"))
        {
            if !is_get {
                return Some(Err(method_not_allowed(ctx)));
            }
            if let Err(e) = known_sub(w, &sub) {
                return Some(Err(e));
            }
            return Some(match &p.rg {
                Some(rg) => w
                    .groups
                    .get(&key(&rg_id(&sub, rg)))
                    .map(|g| arm::json_response(200, &group_json(g)))
                    .ok_or_else(|| {
                        ArmError::new(
                            404,
                            "ResourceGroupNotFound",
                            format!("Resource group '{rg}' could not be found."),
                        )
                    }),
                None => {
                    let items = listed(&w.groups, &format!("/subscriptions/{sub}/"), "")
                        .map(group_json)
                        .collect();
                    Ok(arm::page(ctx.req, items, page))
                }
            });
        }
        return None;
    }
    let ns = ns.unwrap_or_default();
    let scope = p.scope.clone();
    let rg_prefix = match &p.rg {
        Some(rg) => format!("{}/", rg_id(&sub, rg)),
        None => format!("/subscriptions/{sub}/"),
    };
    let result = match (ns.as_str(), segs.as_slice()) {
        ("microsoft.authorization", ["roleassignments"]) => {
            let filter = arm::query(ctx.req, "$filter").unwrap_or_default();
            let principal = filter_principal(&filter);
            let at_scope_only = filter.to_ascii_lowercase().contains("atscope()");
            let s = key(scope.trim_end_matches('/'));
            let items = w
                .roles
                .iter()
                .filter(|(_, r)| {
                    let rs = key(r.scope.trim_end_matches('/'));
                    let above = s.starts_with(&rs);
                    let below = rs.starts_with(&s);
                    (above || (below && !at_scope_only))
                        && principal
                            .as_ref()
                            .is_none_or(|pid| r.principal_id.eq_ignore_ascii_case(pid))
                })
                .map(|(n, r)| role_json(w, n, r))
                .collect();
            Ok(arm::page(ctx.req, items, page))
        }
        ("microsoft.authorization", ["roleassignments", name]) => w
            .roles
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(n, r)| arm::json_response(200, &role_json(w, n, r)))
            .ok_or_else(|| {
                ArmError::new(
                    404,
                    "RoleAssignmentNotFound",
                    format!("The role assignment '{name}' is not found."),
                )
            }),
        ("microsoft.authorization", ["roledefinitions"]) => {
            let items = [Role::Owner, Role::Contributor, Role::Reader]
                .into_iter()
                .map(|r| role_definition_json(&scope, r))
                .collect();
            Ok(arm::page(ctx.req, items, page))
        }
        ("microsoft.authorization", ["roledefinitions", guid]) => {
            [Role::Owner, Role::Contributor, Role::Reader]
                .into_iter()
                .find(|r| r.definition_guid() == *guid)
                .map(|r| arm::json_response(200, &role_definition_json(&scope, r)))
                .ok_or_else(|| {
                    ArmError::new(
                        404,
                        "RoleDefinitionDoesNotExist",
                        format!("The specified role definition with ID '{guid}' does not exist."),
                    )
                })
        }
        ("microsoft.compute", ["locations", loc, "usages"]) => {
            if let Err(e) = known_sub(w, &sub) {
                return Some(Err(e));
            }
            let quota = w
                .quotas
                .get(&key(&sub))
                .copied()
                .unwrap_or(ComputeQuota::new(0, 0));
            let (cores, vms) = w.usage(&sub, loc);
            let usage = |name: &str, local: &str, cur: u64, lim: u64| json!({ "unit": "Count", "currentValue": cur, "limit": lim, "name": { "value": name, "localizedValue": local } });
            let items = vec![
                usage("availabilitySets", "Availability Sets", 0, 2000),
                usage("cores", "Total Regional vCPUs", cores, quota.cores),
                usage(
                    "virtualMachines",
                    "Virtual Machines",
                    vms,
                    quota.virtual_machines,
                ),
                usage(
                    "virtualMachineScaleSets",
                    "Virtual Machine Scale Sets",
                    0,
                    2000,
                ),
                usage(
                    "standardDSv2Family",
                    "Standard DSv2 Family vCPUs",
                    cores,
                    quota.cores,
                ),
            ];
            Ok(arm::page(ctx.req, items, page))
        }
        ("microsoft.compute", ["locations", _, "vmsizes"]) => {
            let items = w
                .vm_sizes()
                .into_iter()
                .map(|(name, cores, mem, disks)| {
                    json!({
                        "name": name,
                        "numberOfCores": cores,
                        "memoryInMB": mem,
                        "maxDataDiskCount": disks,
                        "osDiskSizeInMB": 1_047_552,
                        "resourceDiskSizeInMB": cores * 7168,
                    })
                })
                .collect();
            Ok(arm::page(ctx.req, items, page))
        }
        ("microsoft.compute", ["virtualmachines"]) => {
            let items = listed(&w.vms, &rg_prefix, "/microsoft.compute/virtualmachines/")
                .map(|v| vm_json(w, v))
                .collect();
            Ok(arm::page(ctx.req, items, page))
        }
        ("microsoft.compute", ["virtualmachines", _])
        | ("microsoft.compute", ["virtualmachines", _, "instanceview"]) => {
            let id = format!(
                "{}/providers/Microsoft.Compute/virtualMachines/{}",
                rg_id(&sub, p.rg.as_deref().unwrap_or_default()),
                p.segs[1]
            );
            match w.vm(&id) {
                Some(vm) => {
                    let mut v = vm_json(w, vm);
                    if segs.len() == 3 {
                        v = v["properties"]["instanceView"].clone();
                    }
                    Ok(arm::json_response(200, &v))
                }
                None => Err(not_found_arm(
                    "Microsoft.Compute/virtualMachines",
                    &p.segs[1],
                    p.rg.as_deref(),
                )),
            }
        }
        ("microsoft.compute", ["disks"]) => {
            let items = listed(&w.disks, &rg_prefix, "/microsoft.compute/disks/")
                .map(disk_json)
                .collect();
            Ok(arm::page(ctx.req, items, page))
        }
        ("microsoft.compute", ["disks", _]) => {
            let id = format!(
                "{}/providers/Microsoft.Compute/disks/{}",
                rg_id(&sub, p.rg.as_deref().unwrap_or_default()),
                p.segs[1]
            );
            w.disks
                .get(&key(&id))
                .map(|d| arm::json_response(200, &disk_json(d)))
                .ok_or_else(|| {
                    not_found_arm("Microsoft.Compute/disks", &p.segs[1], p.rg.as_deref())
                })
        }
        ("microsoft.network", ["virtualnetworks"]) => {
            let items = listed(
                &w.networks,
                &rg_prefix,
                "/microsoft.network/virtualnetworks/",
            )
            .map(net_json)
            .collect();
            Ok(arm::page(ctx.req, items, page))
        }
        ("microsoft.network", ["virtualnetworks", _]) => {
            let id = format!(
                "{}/providers/Microsoft.Network/virtualNetworks/{}",
                rg_id(&sub, p.rg.as_deref().unwrap_or_default()),
                p.segs[1]
            );
            w.network(&id)
                .map(|n| arm::json_response(200, &net_json(n)))
                .ok_or_else(|| {
                    not_found_arm(
                        "Microsoft.Network/virtualNetworks",
                        &p.segs[1],
                        p.rg.as_deref(),
                    )
                })
        }
        ("microsoft.network", ["networkinterfaces"]) => {
            let items = listed(&w.nics, &rg_prefix, "/microsoft.network/networkinterfaces/")
                .map(nic_json)
                .collect();
            Ok(arm::page(ctx.req, items, page))
        }
        ("microsoft.network", ["networkinterfaces", _]) => {
            let id = format!(
                "{}/providers/Microsoft.Network/networkInterfaces/{}",
                rg_id(&sub, p.rg.as_deref().unwrap_or_default()),
                p.segs[1]
            );
            w.nics
                .get(&key(&id))
                .map(|n| arm::json_response(200, &nic_json(n)))
                .ok_or_else(|| {
                    not_found_arm(
                        "Microsoft.Network/networkInterfaces",
                        &p.segs[1],
                        p.rg.as_deref(),
                    )
                })
        }
        ("microsoft.storage", ["storageaccounts"]) => {
            let items = listed(
                &w.storage,
                &rg_prefix,
                "/microsoft.storage/storageaccounts/",
            )
            .map(storage_json)
            .collect();
            Ok(arm::page(ctx.req, items, page))
        }
        ("microsoft.storage", ["storageaccounts", _]) => {
            let id = format!(
                "{}/providers/Microsoft.Storage/storageAccounts/{}",
                rg_id(&sub, p.rg.as_deref().unwrap_or_default()),
                p.segs[1]
            );
            w.storage
                .get(&key(&id))
                .map(|s| arm::json_response(200, &storage_json(s)))
                .ok_or_else(|| {
                    not_found_arm(
                        "Microsoft.Storage/storageAccounts",
                        &p.segs[1],
                        p.rg.as_deref(),
                    )
                })
        }
        _ => return None,
    };
    if !is_get {
        return Some(Err(method_not_allowed(ctx)));
    }
    if ns != "microsoft.authorization" {
        if let Err(e) = known_sub(w, &sub) {
            return Some(Err(e));
        }
    }
    Some(result)
}

fn filter_principal(filter: &str) -> Option<String> {
    let lower = filter.to_ascii_lowercase();
    let start = lower
        .find("principalid eq '")
        .map(|i| i + 16)
        .or_else(|| lower.find("assignedto('").map(|i| i + 12))?;
    let rest = &filter[start..];
    rest.find('\'').map(|end| rest[..end].to_owned())
}

fn known_sub(w: &World, sub: &str) -> Result<(), ArmError> {
    if w.quotas.contains_key(&key(sub)) {
        Ok(())
    } else {
        Err(ArmError::new(
            404,
            "SubscriptionNotFound",
            format!("The subscription '{sub}' could not be found."),
        ))
    }
}

fn not_found_arm(t: &str, name: &str, rg: Option<&str>) -> ArmError {
    ArmError::new(
        404,
        "ResourceNotFound",
        format!(
            "The Resource '{t}/{name}' under resource group '{}' was not found.",
            rg.unwrap_or_default()
        ),
    )
}

fn method_not_allowed(ctx: &Ctx) -> ArmError {
    ArmError::new(
        405,
        "MethodNotAllowed",
        format!(
            "The emulator serves {} of stamp resources read-only; '{}' is not supported.",
            ctx.req.url.path(),
            ctx.req.method
        ),
    )
}

fn subscription_json(w: &World, sub: &str) -> Value {
    let side = if sub.eq_ignore_ascii_case(&w.target_sub) {
        "target"
    } else {
        "source"
    };
    json!({
        "id": format!("/subscriptions/{sub}"),
        "subscriptionId": sub,
        "displayName": format!("Azure Stack Hub {side} stamp user subscription"),
        "state": "Enabled",
        "tenantId": crate::emulator::scenario::defaults::TENANT_ID,
    })
}
