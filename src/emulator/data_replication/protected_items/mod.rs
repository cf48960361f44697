//! Protected items (`replicationVaults/{v}/protectedItems`): enable protection (PUT), read,
//! update (PATCH), disable (DELETE), and the POST actions of the Azure Stack Hub flow.
//!
//! The item's writable `customProperties` (`AzStackToAzStack`, the README's table of what is documented and what is inferred)
//! are kept as raw JSON, and the read-only ones (`activeLocation`, `sourceVmName`, `osType`,
//! `initialReplicationProgressPercentage`, `resyncProgressPercentage`,
//! `lastRecoveryPointReceived`, `lastRecoveryPointId`, `failoverRecoveryPointId`,
//! `protectedDisks`, `protectedNics`) are added when the item is read.
//!
//! Whether an operation is allowed is decided in one place, [`state_machine::check`]; what an
//! allowed operation does over time is in [`flows`].

pub(crate) mod flows;
mod outcomes;
mod requests;
pub(crate) mod state_machine;
mod steps;

pub(crate) use state_machine::Operation;

use super::super::arm::{self, ArmError};
use super::super::clock::arm_time;
use super::super::router::Ctx;
use super::super::scenario::OsType;
use super::super::store::State;
use super::{Vault, NS};
use crate::http::{Method, Response};
use crate::lifecycle::ItemState;
use crate::model::{ProtectionState, ResynchronizationState};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

/// Recovery points are computed, not stored: one at `origin` (replication done), then one every
/// `crash_min` minutes, every
/// `app_min` minutes app-consistent, the last `retention_min` minutes kept (at most the newest
/// [`MAX_POINTS`]), none after `stop`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RpSeries {
    pub(crate) origin: DateTime<Utc>,
    pub(crate) stop: Option<DateTime<Utc>>,
    pub(crate) crash_min: i64,
    pub(crate) app_min: i64,
    pub(crate) retention_min: i64,
}

/// The most recovery points an item has at once: a policy may keep years of per-minute points,
/// which would otherwise make every read of them build (and render) millions.
pub(crate) const MAX_POINTS: i64 = 50_000;

/// A recovery point: (name, time, app-consistent).
pub(crate) type Rp = (String, DateTime<Utc>, bool);

pub(crate) fn rp_name(t: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    // Formatted by hand: chrono's `format` parses its pattern on every call, and a list of
    // recovery points names thousands.
    if (0..=9999).contains(&t.year()) {
        format!(
            "rp{:04}{:02}{:02}{:02}{:02}{:02}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    } else {
        format!("rp{}", t.format("%Y%m%d%H%M%S"))
    }
}

impl RpSeries {
    /// The indexes `k` (the point at `origin + k * crash_min` minutes) of the recovery points
    /// that exist at `now`, oldest first; `None` when there are none yet.
    fn range(&self, now: DateTime<Utc>) -> Option<(i64, i64)> {
        let end = self.stop.map_or(now, |s| s.min(now));
        if end < self.origin {
            return None;
        }
        let step = self.step();
        let since_origin = (end - self.origin).num_minutes();
        let k_max = since_origin / step;
        // Kept: end - retention < t <= end. The first point is taken when replication completes.
        let window = since_origin - self.retention_min.max(step);
        let k_min = if window < 0 { 0 } else { window / step + 1 };
        Some((k_min.max(k_max - (MAX_POINTS - 1)), k_max))
    }

    fn step(&self) -> i64 {
        self.crash_min.max(1)
    }

    /// The `k`-th point of the series.
    fn point(&self, k: i64) -> Rp {
        let step = self.step();
        let t = self.origin + Duration::minutes(k * step);
        let app = self.app_min > 0 && (k * step) % self.app_min == 0;
        (rp_name(t), t, app)
    }

    /// How many recovery points exist at `now`.
    pub(crate) fn count(&self, now: DateTime<Utc>) -> usize {
        self.range(now)
            .map_or(0, |(lo, hi)| usize::try_from(hi - lo + 1).unwrap_or(0))
    }

    /// The `i`-th newest recovery point at `now` (0: the newest), built alone: a page of a
    /// list renders only its own points.
    pub(crate) fn newest_nth(&self, now: DateTime<Utc>, i: usize) -> Option<Rp> {
        let (lo, hi) = self.range(now)?;
        let k = hi.checked_sub(i64::try_from(i).ok()?)?;
        (k >= lo).then(|| self.point(k))
    }

    /// The recovery point named `name` (any casing) if it exists at `now`, found in O(1).
    pub(crate) fn find(&self, now: DateTime<Utc>, name: &str) -> Option<Rp> {
        let digits = name.get(..2).filter(|p| p.eq_ignore_ascii_case("rp"))?;
        let stamp = name.get(digits.len()..)?;
        let t = chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d%H%M%S")
            .ok()?
            .and_utc();
        let (lo, hi) = self.range(now)?;
        let step_secs = self.step() * 60;
        let since = (t - self.origin).num_seconds();
        if since < 0 || since % step_secs != 0 {
            return None;
        }
        let k = since / step_secs;
        let p = (lo..=hi).contains(&k).then(|| self.point(k))?;
        p.0.eq_ignore_ascii_case(name).then_some(p)
    }

    /// The recovery points that exist at `now`, oldest first.
    pub(crate) fn points(&self, now: DateTime<Utc>) -> Vec<Rp> {
        self.range(now)
            .map(|(lo, hi)| (lo..=hi).map(|k| self.point(k)).collect())
            .unwrap_or_default()
    }

    /// The newest recovery point at `now` (the newest app-consistent one with `app_only`), in
    /// O(1): rendering an item reads it on every GET, and an item may keep 50,000 points.
    pub(crate) fn latest(&self, now: DateTime<Utc>, app_only: bool) -> Option<Rp> {
        let (lo, hi) = self.range(now)?;
        if !app_only {
            return Some(self.point(hi));
        }
        if self.app_min <= 0 {
            return None;
        }
        // App-consistent points are those with k * step a multiple of app_min, i.e. k a
        // multiple of app_min / gcd(step, app_min).
        let step = self.step();
        let every = self.app_min / gcd(step, self.app_min);
        let k = hi - hi.rem_euclid(every);
        (k >= lo).then(|| self.point(k))
    }
}

fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs().max(1)
}

/// A protected item.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) vault_id: String,
    pub(crate) policy_name: String,
    pub(crate) extension_name: String,
    /// Writable `customProperties` as sent (with `instanceType`).
    pub(crate) custom: Value,
    /// The states the lifecycle decides on (protection, test failover, resynchronization,
    /// active location, direction, last test failover).
    pub(crate) ls: ItemState,
    pub(crate) provisioning: &'static str,
    pub(crate) source_vm_id: String,
    pub(crate) source_vm_name: String,
    pub(crate) os_type: OsType,
    pub(crate) source_size: String,
    pub(crate) disks: Vec<(String, u64)>,
    pub(crate) nics: Vec<Value>,
    pub(crate) fabric_id: String,
    pub(crate) target_fabric_id: String,
    pub(crate) agent_id: String,
    pub(crate) correlation_id: String,
    pub(crate) rp: Option<RpSeries>,
    /// Recovery points made on demand by a failover to `Latest` (which first processes all the
    /// data sent to the service), outside the policy's series.
    pub(crate) processed_points: Vec<DateTime<Utc>>,
    /// The item's last job (lower-case key), running or finished.
    pub(crate) current_job: Option<String>,
    pub(crate) last_failed_enable: Option<Value>,
    pub(crate) last_failed_planned: Option<Value>,
    pub(crate) last_test_failover_job: Option<Value>,
    pub(crate) last_planned: Option<DateTime<Utc>>,
    pub(crate) last_unplanned: Option<DateTime<Utc>>,
    pub(crate) failover_rp: Option<String>,
    pub(crate) test_vm: Option<String>,
    pub(crate) target_vm: Option<String>,
    /// Replica disks attached to the appliance by re-protect.
    pub(crate) replica_disks: Vec<String>,
    pub(crate) health: &'static str,
    pub(crate) health_errors: Vec<Value>,
    pub(crate) system_data: Value,
}

impl Item {
    /// A writable custom property.
    pub(crate) fn custom_str(&self, field: &str) -> Option<&str> {
        self.custom
            .get(field)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    pub(crate) fn total_gb(&self) -> u64 {
        self.disks.iter().map(|d| d.1).sum()
    }

    pub(crate) fn rp_id(&self, name: &str) -> String {
        format!("{}/recoveryPoints/{name}", self.id)
    }

    /// The recovery points that exist at `now`, oldest first: the policy's series and those a
    /// failover to `Latest` processed (crash-consistent, kept as long as the series keeps its
    /// points).
    pub(crate) fn points(&self, now: DateTime<Utc>) -> Vec<Rp> {
        let Some(series) = self.rp else {
            return Vec::new();
        };
        let mut points = series.points(now);
        if self.processed_points.is_empty() {
            return points;
        }
        let oldest = now - Duration::minutes(series.retention_min.max(series.crash_min.max(1)));
        for t in &self.processed_points {
            let name = rp_name(*t);
            if *t <= now && *t > oldest && !points.iter().any(|p| p.0 == name) {
                points.push((name, *t, false));
            }
        }
        points.sort_by_key(|p| p.1);
        points
    }

    /// The newest recovery point at `now`: in O(1) from the series, unless a `Latest` failover
    /// processed points of its own (then the merged list decides).
    pub(crate) fn latest_point(&self, now: DateTime<Utc>) -> Option<Rp> {
        if self.processed_points.is_empty() {
            return self.rp.and_then(|s| s.latest(now, false));
        }
        self.points(now).pop()
    }

    /// The recovery point named `name` (any casing), if it exists at `now`: found in O(1) in the
    /// series; only an item with points a `Latest` failover processed searches its merged list.
    pub(crate) fn find_point(&self, name: &str, now: DateTime<Utc>) -> Option<Rp> {
        match self.rp.and_then(|s| s.find(now, name)) {
            Some(p) => Some(p),
            None if !self.processed_points.is_empty() => self
                .points(now)
                .into_iter()
                .find(|p| p.0.eq_ignore_ascii_case(name)),
            None => None,
        }
    }

    /// The time of recovery point `name`, if it exists at `now`.
    pub(crate) fn point_time(&self, name: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.find_point(name, now).map(|p| p.1)
    }
}

/// (initial replication %, resync %), from the running job's replication task if any.
fn progress(state: &State, item: &Item) -> (i64, i64) {
    let now = state.now();
    let running = item
        .current_job
        .as_ref()
        .and_then(|k| state.jobs.get(k))
        .filter(|j| j.running())
        .and_then(|j| j.tasks.get(j.current));
    if let Some(t) = running {
        let pct = || {
            let start = t.start.unwrap_or(now);
            ((now - start).num_seconds().clamp(0, t.secs) * 100) / t.secs.max(1)
        };
        match t.step {
            flows::Step::InitialReplication => return (pct(), 0),
            flows::Step::Resync => return (100, pct()),
            _ => {}
        }
    }
    let ir = match item.ls.protection_state {
        ProtectionState::EnablingProtection | ProtectionState::EnablingFailed => 0,
        _ => 100,
    };
    let resync = match item.ls.resynchronization_state {
        ResynchronizationState::ResynchronizationCompleted => 100,
        _ => 0,
    };
    (ir, resync)
}

/// The item's entity tag: it changes when its writable settings change (`If-Match` on PUT and
/// PATCH is checked against it).
pub(crate) fn etag(item: &Item) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    item.custom.to_string().hash(&mut h);
    format!("\"{:016x}\"", h.finish())
}

/// `412 PreconditionFailed` when the request's `If-Match` is not the item's ETag (`*` matches
/// any).
pub(crate) fn check_if_match(ctx: &Ctx, item: &Item) -> Result<(), ArmError> {
    match ctx.req.headers.get("if-match") {
        Some(m) if m.trim() != "*" && m.trim() != etag(item) => Err(ArmError::new(
            412,
            "PreconditionFailed",
            format!(
                "The protected item '{}' was changed since it was read (If-Match {m}, ETag {}). \
                 Read it again and reapply the change.",
                item.name,
                etag(item)
            ),
        )),
        _ => Ok(()),
    }
}

/// The source subnet id of a `protectedNics` entry.
pub(crate) fn source_subnet_id(nic: &Value) -> Option<String> {
    let net = nic.get("sourceNetworkId").and_then(Value::as_str)?;
    let subnet = nic.get("sourceSubnetName").and_then(Value::as_str)?;
    Some(format!("{net}/subnets/{subnet}"))
}

fn describe(p: &ProtectionState) -> &'static str {
    match p {
        ProtectionState::EnablingProtection => "Enabling protection",
        ProtectionState::EnablingFailed => "Enabling protection failed",
        ProtectionState::InitialReplicationInProgress => "Initial replication in progress",
        ProtectionState::Protected => "Protected",
        ProtectionState::PlannedFailoverInitiated | ProtectionState::PlannedFailoverCompleting => {
            "Planned failover in progress"
        }
        ProtectionState::PlannedFailoverCompleted => "Planned failover completed",
        ProtectionState::UnplannedFailoverInitiated
        | ProtectionState::UnplannedFailoverCompleting => "Failover in progress",
        ProtectionState::UnplannedFailoverCompleted => "Failover completed",
        ProtectionState::CommitFailoverInProgressOnRecovery => "Committing failover",
        ProtectionState::CommitFailoverCompleted => "Failover committed",
        ProtectionState::ReprotectInitiated => "Re-protect in progress",
        ProtectionState::ReprotectFailed => "Re-protect failed",
        ProtectionState::DisablingProtection => "Disabling protection",
        _ => "",
    }
}

/// The item as this api-version shows it.
pub(crate) fn render(state: &State, ctx: &Ctx, item: &Item) -> Value {
    let now = state.now();
    let mut custom = item.custom.clone();
    let latest = item.latest_point(now);
    let (ir, resync) = progress(state, item);
    let source_group = item
        .source_vm_id
        .rsplit_once("/providers/")
        .map(|p| p.0)
        .unwrap_or_default();
    let disks: Vec<Value> = item
        .disks
        .iter()
        .enumerate()
        .map(|(i, (name, gb))| {
            json!({
                "sourceDiskId": format!("{source_group}/providers/Microsoft.Compute/disks/{name}"),
                "sourceDiskName": name,
                "diskSizeGB": gb,
                "isOsDisk": i == 0,
                "storageAccountId": item.custom_str("logStorageAccountId"),
            })
        })
        .collect();
    let extra = json!({
        "activeLocation": item.ls.active_location.as_ref().map(|l| l.as_str().to_owned()),
        "sourceVmName": item.source_vm_name,
        "osType": item.os_type.as_str(),
        "initialReplicationProgressPercentage": ir,
        "resyncProgressPercentage": resync,
        "lastRecoveryPointReceived": latest.as_ref().map(|r| arm_time(r.1)),
        "lastRecoveryPointId": latest.as_ref().map(|r| item.rp_id(&r.0)),
        "failoverRecoveryPointId": item.failover_rp,
        "protectedDisks": disks,
        "protectedNics": item.nics,
    });
    if let (Some(c), Value::Object(e)) = (custom.as_object_mut(), extra) {
        c.extend(e);
    }
    let current = item
        .current_job
        .as_ref()
        .and_then(|k| state.jobs.get(k))
        .map(|j| j.summary());
    let (agent_key, target_agent_key) = if ctx.preview() {
        ("draId", "targetDraId")
    } else {
        ("fabricAgentId", "targetFabricAgentId")
    };
    let mut props = json!({
        "policyName": item.policy_name,
        "replicationExtensionName": item.extension_name,
        "correlationId": item.correlation_id,
        "provisioningState": item.provisioning,
        "protectionState": item.ls.protection_state.as_str(),
        "protectionStateDescription": describe(&item.ls.protection_state),
        "testFailoverState": item.ls.test_failover_state.as_str(),
        "testFailoverStateDescription": "",
        "resynchronizationState": item.ls.resynchronization_state.as_str(),
        "fabricObjectId": item.source_vm_id,
        "fabricObjectName": item.source_vm_name,
        "sourceFabricProviderId": "AzStackHub",
        "targetFabricProviderId": "AzStackHub",
        "fabricId": item.fabric_id,
        "targetFabricId": item.target_fabric_id,
        agent_key: item.agent_id,
        target_agent_key: item.agent_id,
        "resyncRequired": item.ls.resync_required.unwrap_or(false),
        "lastSuccessfulPlannedFailoverTime": item.last_planned.map(arm_time),
        "lastSuccessfulUnplannedFailoverTime": item.last_unplanned.map(arm_time),
        "lastSuccessfulTestFailoverTime": item.ls.last_successful_test_failover.map(arm_time),
        "currentJob": current,
        "allowedJobs": state_machine::allowed_jobs(&running_state(state, item)),
        "lastFailedEnableProtectionJob": item.last_failed_enable,
        "lastFailedPlannedFailoverJob": item.last_failed_planned,
        "lastTestFailoverJob": item.last_test_failover_job,
        "replicationHealth": item.health,
        "healthErrors": item.health_errors,
        "customProperties": custom,
    });
    if let Some(o) = props.as_object_mut() {
        o.retain(|_, v| !v.is_null());
    }
    json!({
        "id": item.id,
        "name": item.name,
        "type": format!("{NS}/replicationVaults/protectedItems"),
        "systemData": item.system_data,
        "properties": props,
    })
}

/// When the item next changes, if it is changing.
fn next_change(state: &State, item: &Item) -> Option<DateTime<Utc>> {
    item.current_job
        .as_ref()
        .and_then(|k| state.jobs.get(k))
        .and_then(|j| j.next_due)
}

/// The lifecycle's view of the item, with its running job.
pub(crate) fn running_state(state: &State, item: &Item) -> ItemState {
    let job = item
        .current_job
        .as_ref()
        .and_then(|k| state.jobs.get(k))
        .filter(|j| j.running())
        .map(|j| (j.scenario, j.name.as_str()));
    state_machine::item_state(item, job)
}

pub(crate) fn list(state: &State, ctx: &Ctx, v: &Vault) -> Result<Response, ArmError> {
    let prefix = format!("{}/protecteditems/", v.id.to_ascii_lowercase());
    // Walked lazily: a page renders its own items only.
    let items = state
        .items
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(_, i)| i);
    Ok(arm::page_with(
        ctx.req,
        items,
        state.settings.page_size,
        |i| render(state, ctx, i),
    ))
}

pub(crate) fn not_found(name: &str) -> ArmError {
    ArmError::not_found(&format!("{NS}/replicationVaults/protectedItems"), name)
}

pub(crate) fn one(
    state: &mut State,
    ctx: &Ctx,
    v: &Vault,
    name: &str,
) -> Result<Response, ArmError> {
    let id = format!("{}/protectedItems/{name}", v.id);
    let key = id.to_ascii_lowercase();
    match ctx.req.method {
        Method::Get => {
            let item = state.items.get(&key).ok_or_else(|| not_found(name))?;
            let mut r = arm::json_response(200, &render(state, ctx, item));
            r.headers.insert("ETag", etag(item));
            if let Some(due) = next_change(state, item) {
                r.headers.insert(
                    "Retry-After",
                    state.retry_after_until(Some(due)).to_string(),
                );
            }
            Ok(r)
        }
        Method::Put => flows::enable(state, ctx, v, &id, name),
        // `ProtectedItem_Update` exists from 2024-09-01: the preview changes settings by PUT.
        Method::Patch if ctx.preview() => Err(ArmError::new(
            405,
            "MethodNotAllowed",
            format!(
                "The api-version '{}' has no PATCH of protected items: PUT the item with its \
                 changed settings (read it first; send If-Match with its ETag).",
                ctx.api.as_str()
            ),
        )),
        Method::Patch => flows::update(state, ctx, &key, name),
        Method::Delete => {
            let Some(item) = state.items.get(&key) else {
                return Ok(Response::new(204));
            };
            let force =
                arm::query(ctx.req, "forceDelete").is_some_and(|f| f.eq_ignore_ascii_case("true"));
            let lop = state_machine::to_lifecycle(
                Some(item),
                Operation::DisableProtection,
                &json!({}),
                force,
            )?;
            let transition = state_machine::check(&running_state(state, item), &lop)?;
            let op = flows::start(
                state,
                &key,
                Operation::DisableProtection,
                Method::Delete,
                json!({}),
                transition,
                force,
            )?;
            Ok(super::accepted(state, ctx, &op))
        }
        _ => Err(super::method_not_allowed(ctx)),
    }
}

/// `POST {protectedItemId}/{action}`: 202 + `Location`.
pub(crate) fn action(
    state: &mut State,
    ctx: &Ctx,
    v: &Vault,
    name: &str,
    action: &str,
) -> Result<Response, ArmError> {
    let key = format!("{}/protectedItems/{name}", v.id).to_ascii_lowercase();
    let op = Operation::from_action(action).ok_or_else(|| {
        let known: Vec<&str> = Operation::ACTIONS.iter().map(|o| o.action_name()).collect();
        ArmError::new(
            404,
            "UnsupportedAction",
            format!(
                "The action '{action}' is not supported on protected items. Supported actions: {}.",
                known.join(", ")
            ),
        )
    })?;
    let item = state.items.get(&key).ok_or_else(|| not_found(name))?;
    let body = arm::body_json(ctx.req)?.unwrap_or_else(|| json!({}));
    let custom = body
        .pointer("/properties/customProperties")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let lop = state_machine::to_lifecycle(Some(item), op, &custom, false)?;
    let transition = state_machine::check(&running_state(state, item), &lop)?;
    let params = flows::validate_action(state, item, op, &body)?;
    let op_id = flows::start(state, &key, op, Method::Post, params, transition, false)?;
    // The action's model (e.g. `PlannedFailoverModel`) is the final result the `Location`
    // answers with `200` (final-state-via location): the request's properties, echoed.
    if let Some(o) = state.ops.get_mut(&op_id) {
        o.result = Some(json!({ "properties": { "customProperties": custom } }));
    }
    Ok(super::accepted(state, ctx, &op_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_keeping_centuries_of_points_keeps_only_the_newest() {
        let origin = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let series = RpSeries {
            origin,
            stop: None,
            crash_min: 1,
            app_min: 60,
            retention_min: i64::MAX,
        };
        let now = origin + Duration::days(365 * 1000);
        let points = series.points(now);
        assert_eq!(points.len() as i64, MAX_POINTS);
        assert_eq!(points.last().map(|p| p.1), Some(now));
        assert_eq!(series.latest(now, true).map(|p| p.1), Some(now));
        // A short history is untouched by the cap.
        let early = origin + Duration::minutes(90);
        assert_eq!(series.points(early).len(), 91);
    }

    /// `latest` is computed without building the list; it must agree with the list for any
    /// policy: crash/app frequencies that divide each other or not, retention shorter than the
    /// app frequency, a stopped series, a series not started yet.
    #[test]
    fn the_newest_point_computed_alone_agrees_with_the_whole_list() {
        let origin = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        for (crash_min, app_min, retention_min) in [
            (5, 60, 1440),
            (7, 60, 1440),
            (4, 6, 100),
            (5, 60, 30),
            (0, 0, 60),
            (15, 0, 600),
            (60, 45, 10_000),
        ] {
            for stop in [None, Some(origin + Duration::minutes(500))] {
                let series = RpSeries {
                    origin,
                    stop,
                    crash_min,
                    app_min,
                    retention_min,
                };
                for minutes in [-5, 0, 1, 59, 60, 61, 299, 1000, 5000] {
                    let now = origin + Duration::minutes(minutes);
                    let all = series.points(now);
                    for app_only in [false, true] {
                        let want = all.iter().rev().find(|p| !app_only || p.2).cloned();
                        assert_eq!(
                            series.latest(now, app_only),
                            want,
                            "crash {crash_min} app {app_min} keep {retention_min} stop {stop:?} at +{minutes}m app_only {app_only}"
                        );
                    }
                    assert_eq!(series.count(now), all.len());
                    for p in &all {
                        assert_eq!(series.find(now, &p.0).as_ref(), Some(p));
                        assert_eq!(series.find(now, &p.0.to_uppercase()).as_ref(), Some(p));
                    }
                    for gone in ["rp20251231235900", "rp20260101000030", "rp2026", "x", ""] {
                        assert_eq!(series.find(now, gone), None, "{gone}");
                    }
                    for i in [0, 1, all.len().saturating_sub(1), all.len()] {
                        assert_eq!(series.newest_nth(now, i), all.iter().rev().nth(i).cloned());
                    }
                }
            }
        }
    }
}
