//! Re-protect preconditions \[PROT\] Re-protect, \[KI\] 1 and 4.

use super::{leaf, same_id, Ctx};
use crate::capacity::{self, format_bytes};
use crate::model::ProtectionState;
use crate::preflight::code::Code;
use crate::preflight::snapshot::OsFamily;

/// Commands to trust the Site Recovery certificate on Ubuntu/Debian \[PROT\].
pub const TRUST_CERTIFICATE_UBUNTU_DEBIAN: &str = "sudo cp /var/lib/waagent/Certificates.pem /usr/local/share/ca-certificates/Certificates.crt\nsudo update-ca-certificates";
/// Commands to trust the Site Recovery certificate on Red Hat \[PROT\].
pub const TRUST_CERTIFICATE_RED_HAT: &str = "sudo update-ca-trust force-enable\nsudo cp /var/lib/waagent/Certificates.pem /etc/pki/ca-trust/source/anchors/\nsudo update-ca-trust extract";

/// Free appliance data-disk slots cover the replica disks; else batches \[KI\] 1.
pub(super) fn disk_slots(ctx: &mut Ctx<'_>) {
    let Some(app) = ctx.snap.appliance.clone() else {
        return; // APPLIANCE_NOT_FOUND is reported by the appliance check
    };
    // Disks that re-protects in progress will attach take slots too.
    let taken = app
        .data_disks_attached
        .saturating_add(app.data_disks_reserved);
    let free = app.data_disk_slots.saturating_sub(taken);
    let vms: Vec<_> = ctx.snap.vms.iter().map(|v| v.capacity_disks()).collect();
    let plan = capacity::reprotect_batches(&vms, free);
    for (vm, disks) in &plan.too_large {
        ctx.push(
            Code::ReprotectVmTooManyDisks,
            vm.clone(),
            format!(
                "{vm} has {disks} disks but the appliance has {free} free data-disk slots ({} slots, {} attached, {} reserved by re-protects in progress): it cannot be re-protected (\"An internal error occurred\")",
                app.data_disk_slots, app.data_disks_attached, app.data_disks_reserved
            ),
            "resize the appliance VM to a size with more data disks (larger sizes are not validated by Microsoft), or wait until other re-protects finish",
        );
    }
    if plan.batches.len() > 1 {
        let listing: Vec<String> = plan
            .batches
            .iter()
            .zip(&plan.disks_per_batch)
            .enumerate()
            .map(|(i, (b, d))| format!("batch {}: {} ({d} disks)", i + 1, b.join(", ")))
            .collect();
        let total: u32 = plan.disks_per_batch.iter().sum();
        ctx.push(
            Code::ReprotectNeedsBatches,
            app.id.clone(),
            format!(
                "{total} disks to re-protect but only {free} free appliance data-disk slots: {} batches needed",
                plan.batches.len()
            ),
            format!("re-protect in batches, each after the previous finished: {}", listing.join("; ")),
        );
    }
    if plan.failback_peak_bytes > 0 {
        ctx.push(
            Code::FailbackCachePeak,
            "cache storage account",
            format!(
                "failback copies whole disks to the cache storage account: expect a peak of {} (largest batch)",
                format_bytes(plan.failback_peak_bytes)
            ),
            "make sure the storage account has room for the peak; the copies are deleted after apply",
        );
    }
}

/// The original source subscription, resource group and vnet/subnet still exist \[PROT\].
pub(super) fn original_source(ctx: &mut Ctx<'_>) {
    for vm in &ctx.snap.vms {
        let Some(orig) = vm.original_source.as_ref() else {
            ctx.not_gathered(
                vm.resource(),
                &format!("the original source of {}", vm.label()),
            );
            continue;
        };
        let src = &ctx.snap.source;
        let mut gone = Vec::new();
        // An empty list means "not gathered" (a principal that can act sees at least one).
        if !src.subscriptions.is_empty()
            && !src
                .subscriptions
                .iter()
                .any(|s| s.eq_ignore_ascii_case(&orig.subscription_id))
        {
            gone.push(format!("subscription {}", orig.subscription_id));
        }
        if !src
            .resource_groups
            .iter()
            .any(|g| same_id(&g.id, &orig.resource_group_id))
        {
            gone.push(format!("resource group {}", leaf(&orig.resource_group_id)));
        }
        match src
            .virtual_networks
            .iter()
            .find(|n| same_id(&n.id, &orig.virtual_network_id))
        {
            None => gone.push(format!(
                "virtual network {}",
                leaf(&orig.virtual_network_id)
            )),
            Some(net) => {
                if !net
                    .subnets
                    .iter()
                    .any(|s| s.name.eq_ignore_ascii_case(&orig.subnet_name))
                {
                    gone.push(format!("subnet {}", orig.subnet_name));
                }
            }
        }
        if !gone.is_empty() {
            let message = format!(
                "{}'s original {} no longer exist(s) on the primary stamp",
                vm.label(),
                gone.join(", ")
            );
            ctx.push(
                Code::ReprotectOriginalSourceMissing,
                vm.resource(),
                message,
                "re-create them with the same names on the primary stamp (see the protected item: Get-AzResource -ResourceID <protectedItemId>) before re-protect",
            );
        }
    }
}

/// Linux VMs trust the Site Recovery certificate \[PROT\].
pub(super) fn certificates(ctx: &mut Ctx<'_>) {
    for vm in &ctx.snap.vms {
        if vm.os != OsFamily::Linux || vm.trusts_service_certificate == Some(true) {
            continue;
        }
        let aliases = [
            vm.id.as_str(),
            vm.protected_item_name.as_deref().unwrap_or(""),
        ];
        let aliases: Vec<&str> = aliases.into_iter().filter(|a| !a.is_empty()).collect();
        // What the VM reports wins over an attestation; an unknown state takes the operator's.
        if vm.trusts_service_certificate.is_none()
            && ctx.plan.certificate_attested(&vm.name, &aliases)
        {
            continue;
        }
        let distro = vm
            .linux_distribution
            .as_deref()
            .unwrap_or("")
            .to_ascii_lowercase();
        let remedy = if ["ubuntu", "debian"].iter().any(|d| distro.contains(d)) {
            format!("on the VM run:\n{TRUST_CERTIFICATE_UBUNTU_DEBIAN}")
        } else if ["red hat", "redhat", "rhel", "centos", "oracle"]
            .iter()
            .any(|d| distro.contains(d))
        {
            format!("on the VM run:\n{TRUST_CERTIFICATE_RED_HAT}")
        } else {
            format!("on the VM run, for Ubuntu/Debian:\n{TRUST_CERTIFICATE_UBUNTU_DEBIAN}\nfor Red Hat:\n{TRUST_CERTIFICATE_RED_HAT}")
        };
        let (code, message) = match vm.trusts_service_certificate {
            Some(false) => (
                Code::LinuxCertificateNotTrusted,
                format!("Linux VM {} does not trust the Site Recovery service certificate: registration for re-protect would fail", vm.label()),
            ),
            _ => (
                Code::LinuxCertificateUnverified,
                format!("not verified that Linux VM {} trusts the Site Recovery service certificate (re-protect needs it; ARM cannot show it)", vm.label()),
            ),
        };
        let remedy = if code == Code::LinuxCertificateUnverified {
            format!(
                "{remedy}\nthen attest it in the plan: PreflightPlan::attest_certificate_trusted(\"{}\") \
                 (or attest_certificate_trusted_on_all() for every Linux VM)",
                vm.name
            )
        } else {
            remedy
        };
        ctx.push(code, vm.resource(), message, remedy);
    }
}

/// An uncommitted failover is committed first by re-protect \[PROT\].
pub(super) fn uncommitted(ctx: &mut Ctx<'_>) {
    for vm in &ctx.snap.vms {
        if matches!(
            vm.protection_state,
            Some(
                ProtectionState::PlannedFailoverCompleted
                    | ProtectionState::UnplannedFailoverCompleted
            )
        ) {
            ctx.push(
                Code::UncommittedFailoverWillCommit,
                vm.resource(),
                format!("{}'s failover is not committed: re-protect will commit it first and take longer", vm.label()),
                "commit the failover first if you want the two steps separately",
            );
        }
    }
}

/// The re-protect body's names and log storage account \[KI\] 4.
pub(super) fn settings(ctx: &mut Ctx<'_>) {
    let r = ctx.plan.reprotect.clone();
    let empty: Vec<&str> = [
        ("policyName", &r.policy_name),
        ("replicationExtensionName", &r.extension_name),
    ]
    .into_iter()
    .filter(|(_, v)| v.trim().is_empty())
    .map(|(k, _)| k)
    .collect();
    if !empty.is_empty() {
        ctx.push(
            Code::ReprotectPolicyNamesEmpty,
            "re-protect settings",
            format!("re-protect {} empty: re-protect fails", empty.join(" and ")),
            "pass the failback policy and extension names (defaults: failback-default-replication-policy, default-failback-extension)",
        );
    }
    let found = r.log_storage_account_id.as_deref().map(|id| {
        let snap = ctx.snap;
        snap.source
            .storage_accounts
            .iter()
            .chain(&snap.target.storage_accounts)
            .any(|a| same_id(&a.id, id))
    });
    match (r.log_storage_account_id.as_deref(), found) {
        (None, _) => ctx.push(
            Code::ReprotectLogStorageMissing,
            "re-protect settings",
            "no log storage account is given for re-protect (logStorageAccountId)",
            "create a storage account and give its id as the re-protect log storage account",
        ),
        (Some(id), Some(false)) => ctx.push(
            Code::ReprotectLogStorageMissing,
            id,
            format!(
                "re-protect log storage account {} does not exist on either stamp",
                leaf(id)
            ),
            "create the storage account or give the id of an existing one",
        ),
        _ => {}
    }
}
