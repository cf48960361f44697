//! The checks, one file per area. Each takes the context and pushes findings.

use super::code::Code;
use super::plan::{Intent, PreflightPlan};
use super::report::Finding;
use super::snapshot::EnvironmentSnapshot;
use chrono::{DateTime, Duration, Utc};

mod access;
mod appliance;
pub(crate) mod network;
mod operation;
mod quota;
pub(crate) mod reprotect;
mod storage;

/// What every check reads.
pub(crate) struct Ctx<'a> {
    pub plan: &'a PreflightPlan,
    pub snap: &'a EnvironmentSnapshot,
    pub now: DateTime<Utc>,
    pub out: Vec<Finding>,
}

impl Ctx<'_> {
    pub fn push(
        &mut self,
        code: Code,
        resource: impl Into<String>,
        message: impl Into<String>,
        remedy: impl Into<String>,
    ) {
        self.out.push(Finding::new(code, resource, message, remedy));
    }

    /// Reports that `what` was not in the snapshot, so a check was skipped.
    pub fn not_gathered(&mut self, resource: impl Into<String>, what: &str) {
        self.push(
            Code::DataNotGathered,
            resource,
            format!("{what} was not in the snapshot; that check was skipped"),
            "gather it (ARM data: the client; guest data such as the kernel: from inside the VM) and run the preflight again",
        );
    }
}

/// Runs every check that applies to the plan's intent, in documentation order.
pub(crate) fn run_all(ctx: &mut Ctx<'_>) {
    use Intent::*;
    let intent = ctx.plan.intent;
    if intent == EnableProtection {
        operation::protected_item_names(ctx);
        operation::portal_batch(ctx);
        operation::policy(ctx);
    }
    if matches!(intent, EnableProtection | Failover) {
        network::target_networks(ctx);
        network::overlap(ctx);
    }
    if matches!(intent, EnableProtection | TestFailover) {
        network::test_networks(ctx);
    }
    if matches!(intent, EnableProtection | TestFailover | Failover) {
        quota::compute_quota(ctx);
        operation::kernels(ctx);
    }
    if intent == EnableProtection {
        storage::cache_storage(ctx);
    }
    if matches!(intent, EnableProtection | Failover) {
        access::resource_groups(ctx);
    }
    if matches!(intent, EnableProtection | Reprotect) {
        access::source_owner(ctx);
        appliance::appliance(ctx);
    }
    if matches!(intent, EnableProtection | TestFailover | Failover) {
        access::target_roles(ctx);
    }
    if intent == TestFailover {
        operation::alongside_source(ctx);
    }
    if intent == Failover {
        operation::test_failover_age(ctx);
        operation::source_running(ctx);
    }
    if intent == Reprotect {
        reprotect::disk_slots(ctx);
        reprotect::original_source(ctx);
        reprotect::certificates(ctx);
        reprotect::uncommitted(ctx);
        reprotect::settings(ctx);
    }
}

/// `n` units of `unit` seconds as a duration, saturating: a limit from a user's plan (any `i64`,
/// e.g. a deserialized `test_failover_max_age_days`) must not panic as `Duration::days` does
/// out of range. A huge limit means "never stale", a hugely negative one "always stale".
pub(crate) fn saturating_duration(n: i64, unit_secs: i64) -> Duration {
    n.checked_mul(unit_secs)
        .and_then(Duration::try_seconds)
        .unwrap_or(if n < 0 { Duration::MIN } else { Duration::MAX })
}

/// Normalizes an ARM id or scope for comparison: lower case, no trailing `/`.
pub(crate) fn norm_id(id: &str) -> String {
    let t = id.trim().trim_end_matches('/');
    t.to_ascii_lowercase()
}

/// ARM ids are case-insensitive.
pub(crate) fn same_id(a: &str, b: &str) -> bool {
    norm_id(a) == norm_id(b)
}

/// Locations compare case-insensitively and ignoring spaces (`West US` = `westus`).
pub(crate) fn same_location(a: &str, b: &str) -> bool {
    let n = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase()
    };
    n(a) == n(b)
}

/// `true` when a role at `scope` covers `target` (same scope or an ancestor). `/` (the root)
/// covers everything; an empty scope (not known, e.g. missing from a snapshot) covers nothing.
pub(crate) fn scope_covers(scope: &str, target: &str) -> bool {
    if scope.trim().is_empty() {
        return false;
    }
    let s = norm_id(scope);
    let t = norm_id(target);
    s.is_empty() || t == s || t.starts_with(&format!("{s}/"))
}

/// The last segment of an ARM id.
pub(crate) fn leaf(id: &str) -> &str {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or(id)
}
