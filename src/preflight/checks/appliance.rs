//! The replication appliance is registered, responsive and healthy \[PROT\]\[TGT\]\[SRC\].

use super::{saturating_duration, Ctx};
use crate::preflight::code::Code;

pub(super) fn appliance(ctx: &mut Ctx<'_>) {
    let Some(app) = ctx.snap.appliance.clone() else {
        ctx.push(
            Code::ApplianceNotFound,
            "replication appliance",
            "no replication appliance (fabric agent) was found for the vault",
            "deploy the Site Recovery appliance VM in the source subscription and register it with the vault (Microsoft Azure Appliance Configuration Manager + registration key)",
        );
        return;
    };
    if !app.registered {
        ctx.push(
            Code::ApplianceNotRegistered,
            app.id.clone(),
            "the replication appliance is not registered with the vault",
            "RDP to the appliance, run Microsoft Azure Appliance Configuration Manager and register it with the vault's registration key",
        );
    }
    if !app.responsive {
        ctx.push(
            Code::ApplianceNotResponsive,
            app.id.clone(),
            "the replication appliance does not respond",
            "check that the appliance VM runs and reaches the target stamp (ARM, Blob, rp.asr ports 8478, 8479, 44307 [DEP]); see Event Viewer > Applications and Services Logs > Azure Site Recovery",
        );
    }
    let max = saturating_duration(ctx.plan.heartbeat_max_age_minutes, 60);
    match app.last_heartbeat {
        None => ctx.push(
            Code::ApplianceHeartbeatStale,
            app.id.clone(),
            "the replication appliance has never reported a heartbeat",
            "check the appliance VM and its registration",
        ),
        Some(hb) if ctx.now - hb > max => {
            let age = ctx.now - hb;
            ctx.push(
                Code::ApplianceHeartbeatStale,
                app.id.clone(),
                format!(
                    "the replication appliance's last heartbeat is {} old (limit {})",
                    crate::human::HumanDuration::from_chrono(age),
                    crate::human::HumanDuration(std::time::Duration::from_secs(
                        u64::try_from(ctx.plan.heartbeat_max_age_minutes.max(0))
                            .unwrap_or_default()
                            .saturating_mul(60)
                    ))
                ),
                "check the appliance VM, its network path to the target stamp and its services",
            )
        }
        Some(_) => {}
    }
    if !app.health_errors.is_empty() {
        ctx.push(
            Code::ApplianceHealthErrors,
            app.id.clone(),
            format!("the replication appliance reports: {}", app.health_errors.join("; ")),
            "resolve the health errors (portal: the appliance's health precheck) before protecting more VMs",
        );
    }
}
