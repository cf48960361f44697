//! Target resource groups and tags, and the acting principal's roles \[PROT\]\[DEP\]\[SRC\].

use super::{leaf, norm_id, same_id, scope_covers, Ctx};
use crate::preflight::code::Code;
use std::collections::BTreeMap;

/// Target resource group of every VM, deduplicated (normalized id -> id as given).
fn target_groups(ctx: &mut Ctx<'_>) -> BTreeMap<String, String> {
    let mut groups = BTreeMap::new();
    for vm in &ctx.snap.vms {
        match vm
            .target
            .resource_group_id
            .as_deref()
            .or(ctx.plan.default_target_resource_group_id.as_deref())
        {
            Some(id) => {
                groups.entry(norm_id(id)).or_insert_with(|| id.to_owned());
            }
            None => ctx.push(
                Code::TargetResourceGroupNotSet,
                vm.resource(),
                format!("no target resource group is given for {}", vm.label()),
                "set the VM's target resource group, or a default one in the plan",
            ),
        }
    }
    groups
}

pub(super) fn resource_groups(ctx: &mut Ctx<'_>) {
    for id in target_groups(ctx).into_values() {
        match ctx.snap.target.resource_groups.iter().find(|g| same_id(&g.id, &id)) {
            None => ctx.push(
                Code::TargetResourceGroupMissing,
                id.clone(),
                format!("target resource group {} does not exist yet; it would be created on the fly", leaf(&id)),
                "pre-create it according to your naming policy, with your tags and RBAC, as recommended for production",
            ),
            Some(group) => {
                let missing: Vec<&str> = ctx
                    .plan
                    .required_tags
                    .iter()
                    .filter(|t| !group.tags.keys().any(|k| k.eq_ignore_ascii_case(t)))
                    .map(String::as_str)
                    .collect();
                if !missing.is_empty() {
                    ctx.push(
                        Code::RequiredTagMissing,
                        id.clone(),
                        format!("resource group {} lacks required tag(s): {}", leaf(&id), missing.join(", ")),
                        "add the tags your enterprise policy requires to the resource group",
                    );
                }
            }
        }
    }
}

fn holds(ctx: &Ctx<'_>, role: &str, scope: &str) -> bool {
    ctx.snap.role_assignments.iter().any(|a| {
        (a.role_name.eq_ignore_ascii_case(role) || a.role_name.eq_ignore_ascii_case("Owner"))
            && scope_covers(&a.scope, scope)
    })
}

/// The acting principal is Owner on every source subscription holding the VMs \[DEP\]\[SRC\].
pub(super) fn source_owner(ctx: &mut Ctx<'_>) {
    let mut subs: Vec<String> = ctx
        .snap
        .vms
        .iter()
        .map(|v| v.subscription_id.clone())
        .filter(|s| !s.is_empty())
        .collect();
    subs.sort_by_key(|s| s.to_ascii_lowercase());
    subs.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    for sub in subs {
        let scope = format!("/subscriptions/{sub}");
        if !holds(ctx, "Owner", &scope) {
            ctx.push(
                Code::SourceOwnerMissing,
                scope,
                format!("the acting principal is not Owner on source subscription {sub}"),
                "assign the Owner role on the source subscription to the user or service principal (the appliance's discovery identity needs it too)",
            );
        }
    }
}

/// The acting principal holds the expected roles on every target resource group (or above).
pub(super) fn target_roles(ctx: &mut Ctx<'_>) {
    let groups = target_groups_quiet(ctx);
    for id in groups {
        let missing: Vec<String> = ctx
            .plan
            .target_roles
            .iter()
            .filter(|r| !holds(ctx, r, &id))
            .cloned()
            .collect();
        if !missing.is_empty() {
            ctx.push(
                Code::TargetRoleMissing,
                id.clone(),
                format!("the acting principal lacks {} on target resource group {} (or above)", missing.join(", "), leaf(&id)),
                "assign the role(s) per your enterprise policy (on the target subscription or resource group)",
            );
        }
    }
}

/// Target resource groups without reporting unset ones (another check does that).
fn target_groups_quiet(ctx: &Ctx<'_>) -> Vec<String> {
    let mut groups: BTreeMap<String, String> = BTreeMap::new();
    for vm in &ctx.snap.vms {
        if let Some(id) = vm
            .target
            .resource_group_id
            .as_deref()
            .or(ctx.plan.default_target_resource_group_id.as_deref())
        {
            groups.entry(norm_id(id)).or_insert_with(|| id.to_owned());
        }
    }
    groups.into_values().collect()
}
