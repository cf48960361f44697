//! Prerequisite checks ("preflight") before enabling protection, test failover, failover and
//! re-protect.
//!
//! Pure: [`run`] reads a [`PreflightPlan`] (what the user plans, and their policy), an
//! [`EnvironmentSnapshot`] (what exists, gathered by the client from ARM or planted by the
//! emulator) and the current time, and returns a [`PreflightReport`] of [`Finding`]s. No I/O, no
//! clock of its own.
//!
//! Each finding has a [`Severity`] (blocker / warning / info), a stable [`Code`], a message, a
//! remedy and the resource it is about. Every code, its source in Microsoft's documents and the
//! operations it is checked for are listed in `docs/prerequisites.md`. Sources:
//! `[PROT]` Enable VM protection, `[CAP]` Capacity planning, `[KI]` Known issues, `[DEP]`/`[SRC]`/
//! `[TGT]` the deployment articles (all on learn.microsoft.com, azure-stack/operator).
//!
//! Which checks run depends on [`Intent`]:
//!
//! | check | enable | test failover | failover | re-protect |
//! |---|---|---|---|---|
//! | protected-item names, portal batch size, policy values | x | | | |
//! | target network/subnet exist, address overlap | x | | x | |
//! | test network exists (must be set at test failover) | x | x | | |
//! | compute quota, Linux kernel list | x | x | x | |
//! | cache storage account and estimate | x | | | |
//! | target resource groups and tags | x | | x | |
//! | Owner on source subscriptions, appliance health | x | | | x |
//! | expected roles on the target | x | x | x | |
//! | test VM alongside source | | x | | |
//! | test failover age (180 days), source VM running | | | x | |
//! | disk slots and batches, original source, Linux certificate, uncommitted failover, re-protect settings | | | | x |
//!
//! ```
//! use azs_site_recovery::preflight::{self, Code, EnvironmentSnapshot, Intent, PreflightPlan, VmToProtect};
//! use chrono::{TimeZone, Utc};
//!
//! let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
//! let snapshot = EnvironmentSnapshot {
//!     vms: vec![VmToProtect::windows("web-01").disk(128)],
//!     ..EnvironmentSnapshot::default()
//! };
//! let mut plan = PreflightPlan::new(Intent::EnableProtection);
//! plan.strict_names = true; // the spec's `^[a-zA-Z0-9]*$`, for stamps that enforce it
//! let report = preflight::run(&plan, &snapshot, now);
//! assert!(report.is_blocked());
//! assert!(report.has(Code::ProtectedItemNameInvalid)); // `web-01` -> `web018b8f603e`
//! assert!(report.has(Code::TargetNetworkNotSet));
//! println!("{report}"); // a table; `report.to_json()` for tools
//! ```

use chrono::{DateTime, SecondsFormat, Utc};

mod checks;
mod code;
mod plan;
mod report;
mod snapshot;

#[cfg(test)]
mod tests;

pub use checks::reprotect::{TRUST_CERTIFICATE_RED_HAT, TRUST_CERTIFICATE_UBUNTU_DEBIAN};
/// ARM-id string helpers shared with the client's snapshot gathering (one definition).
pub(crate) use checks::{leaf, same_id};
pub use code::{Code, Severity, UnknownCode};
pub use plan::{
    Intent, MinuteBounds, PolicyBounds, PolicyValues, PreflightPlan, ReprotectSettings,
};
pub use report::{Finding, PreflightReport, SuppressError};
pub use snapshot::{
    ApplianceStatus, ComputeQuota, EnvironmentSnapshot, OriginalSource, OsFamily, PowerState,
    QuotaUsage, ResourceGroup, RoleAssignment, StampInventory, StorageAccount, Subnet,
    TargetSettings, VirtualNetwork, VmDisk, VmNic, VmToProtect,
};

/// Runs the checks that apply to `plan.intent` over `snapshot`, as of `now`.
///
/// Suppressions in `plan.suppress` are applied: warning and info codes are moved to
/// [`PreflightReport::suppressed`]; blocker codes stay active and are listed in
/// [`PreflightReport::refused_suppressions`].
pub fn run(
    plan: &PreflightPlan,
    snapshot: &EnvironmentSnapshot,
    now: DateTime<Utc>,
) -> PreflightReport {
    let mut ctx = checks::Ctx {
        plan,
        snap: snapshot,
        now,
        out: Vec::new(),
    };
    checks::run_all(&mut ctx);
    let mut report = PreflightReport::new(
        plan.intent,
        now.to_rfc3339_opts(SecondsFormat::Secs, true),
        ctx.out,
    );
    for &code in &plan.suppress {
        if report.suppress(code).is_err() && !report.refused_suppressions.contains(&code) {
            report.refused_suppressions.push(code);
        }
    }
    report
}
