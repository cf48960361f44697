//! Drill reports: what a plan run (or a bulk run) did, per VM and per group, in three forms.
//!
//! * [`RunReport::to_json`]: JSON with a versioned schema (`"schemaVersion": 1`, documented in
//!   `docs/orchestration.md`); the same value deserializes back.
//! * [`RunReport::to_markdown`]: tables for people (auditors ask for DR-test evidence).
//! * [`RunReport::to_junit_xml`]: JUnit XML, each VM × operation a test case, so CI systems that
//!   run scheduled drills show them natively.
//!
//! Durations are shown as operators read them ([`HumanDuration`](crate::human::HumanDuration):
//! `1h 32m`), and kept as seconds in the JSON.
//!
//! ```
//! use azs_site_recovery::orchestrate::report::{RunReport, VmOutcome, VmRecord};
//! let mut report = RunReport::new("plan", "three-tier", "test failover", "2026-01-01T00:00:00Z");
//! let mut vm = VmRecord::new("web-01", "web01", "test failover");
//! vm.outcome = VmOutcome::Succeeded;
//! vm.duration_seconds = Some(425.0);
//! report.vms.push(vm);
//! report.finish("2026-01-01T00:07:05Z", None);
//! assert_eq!(report.totals.succeeded, 1);
//! assert!(report.to_markdown().contains("7m 05s"));
//! let json = report.to_json();
//! assert_eq!(json["schemaVersion"], 1);
//! assert_eq!(RunReport::from_json(&json.to_string()).unwrap(), report);
//! ```

mod bulk;
mod junit;
pub(crate) mod markdown;

use crate::preflight::Finding;
use serde::{Deserialize, Serialize};

/// The version of the JSON schema [`RunReport::to_json`] writes.
pub const SCHEMA_VERSION: u32 = 1;

/// What a run did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `plan` (a recovery plan run) or `bulk` (a bulk run).
    pub kind: String,
    /// The plan's name, or what the bulk run was.
    pub name: String,
    /// The operation, in words (`test failover with cleanup`).
    pub operation: String,
    /// When the run started (RFC 3339, the client's clock).
    pub started: String,
    /// When the run ended, if it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
    /// How the run ended.
    pub outcome: RunOutcome,
    /// Why the run stopped, when it did not succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    /// One record per VM and operation, in the order they ran.
    pub vms: Vec<VmRecord>,
    /// The plan's groups, in plan order (empty for a bulk run).
    #[serde(default)]
    pub groups: Vec<GroupRecord>,
    /// The preflight findings the run was checked with.
    #[serde(default)]
    pub preflight: Vec<Finding>,
    /// The counts.
    pub totals: Totals,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum RunOutcome {
    /// Still running (a report taken from a checkpoint).
    Running,
    /// Every VM and step succeeded.
    Succeeded,
    /// Something failed (and the run went on to its end, or stopped: see `stopReason`).
    Failed,
    /// The caller stopped it (a checkpoint sink said stop); resume to go on.
    Interrupted,
}

impl RunOutcome {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Running => "running",
            RunOutcome::Succeeded => "succeeded",
            RunOutcome::Failed => "failed",
            RunOutcome::Interrupted => "interrupted",
        }
    }
}

/// What happened to one VM in one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum VmOutcome {
    /// Queued or running.
    Pending,
    /// The operation succeeded.
    Succeeded,
    /// The item was already where the operation leads: nothing was sent.
    AlreadyDone,
    /// The operation failed (see `error`).
    Failed,
    /// The lifecycle (or the service) refused the operation; nothing ran.
    Refused,
    /// Not run: the run stopped first, or a step before the group failed.
    NotRun,
}

impl VmOutcome {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            VmOutcome::Pending => "pending",
            VmOutcome::Succeeded => "succeeded",
            VmOutcome::AlreadyDone => "alreadyDone",
            VmOutcome::Failed => "failed",
            VmOutcome::Refused => "refused",
            VmOutcome::NotRun => "notRun",
        }
    }

    /// `true` for a failure or a refusal.
    pub fn is_failure(self) -> bool {
        matches!(self, VmOutcome::Failed | VmOutcome::Refused)
    }
}

/// One VM × operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VmRecord {
    /// The plan group, for a plan run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The VM as the plan (or the caller) names it.
    pub vm: String,
    /// The protected item's name.
    pub item: String,
    /// The source VM's ARM id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_vm_id: Option<String>,
    /// The operation, in words (`test failover`).
    pub operation: String,
    /// When it started (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    /// When it ended (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
    /// How long it took, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<f64>,
    /// For a failover: the age of the latest recovery point when it started, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpo_seconds: Option<i64>,
    /// The service's job ids.
    #[serde(default)]
    pub job_ids: Vec<String>,
    /// The item's protection state afterwards (and test failover state, if any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_state: Option<String>,
    /// What happened.
    pub outcome: VmOutcome,
    /// The error (or refusal), when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl VmRecord {
    /// A pending record.
    pub fn new(
        vm: impl Into<String>,
        item: impl Into<String>,
        operation: impl Into<String>,
    ) -> Self {
        VmRecord {
            group: None,
            vm: vm.into(),
            item: item.into(),
            source_vm_id: None,
            operation: operation.into(),
            started: None,
            ended: None,
            duration_seconds: None,
            rpo_seconds: None,
            job_ids: Vec::new(),
            final_state: None,
            outcome: VmOutcome::Pending,
            error: None,
        }
    }
}

/// One group of a plan run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GroupRecord {
    /// The group's name.
    pub name: String,
    /// The group's VMs.
    pub vms: Vec<String>,
    /// The steps run for the group (gates, hooks, waits, the operation itself), in order.
    pub steps: Vec<StepRecord>,
}

/// One step of a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StepRecord {
    /// `before`, `after`, `operation`, `cleanup` or `shutdown`.
    pub position: String,
    /// `wait`, `approval`, `hook`, `waitFor`, or the operation (`test failover`).
    pub kind: String,
    /// The step in words (`approval gate db-checked`).
    pub description: String,
    /// When it started (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    /// When it ended (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
    /// How long it took, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<f64>,
    /// `succeeded`, `failed`, `refused` (a gate), `skipped`.
    pub outcome: String,
    /// Who or what approved or refused (gates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// What the hook, gate or wait reported; the error when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl StepRecord {
    /// `true` when the step failed or a gate refused.
    pub fn is_failure(&self) -> bool {
        self.outcome == "failed" || self.outcome == "refused"
    }
}

/// The counts of a report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Totals {
    /// Distinct VMs.
    pub vms: usize,
    /// VM × operation records.
    pub operations: usize,
    /// Records that succeeded.
    pub succeeded: usize,
    /// Records whose item was already done (nothing sent).
    pub already_done: usize,
    /// Records that failed.
    pub failed: usize,
    /// Records refused.
    pub refused: usize,
    /// Records not run.
    pub not_run: usize,
    /// Group steps run (gates, hooks, waits).
    pub steps: usize,
    /// Group steps that failed or were refused.
    pub failed_steps: usize,
    /// Preflight blockers.
    pub preflight_blockers: usize,
    /// The run's wall (client clock) duration in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<f64>,
}

impl RunReport {
    /// An empty, running report.
    pub fn new(
        kind: impl Into<String>,
        name: impl Into<String>,
        operation: impl Into<String>,
        started: impl Into<String>,
    ) -> Self {
        RunReport {
            schema_version: SCHEMA_VERSION,
            kind: kind.into(),
            name: name.into(),
            operation: operation.into(),
            started: started.into(),
            ended: None,
            outcome: RunOutcome::Running,
            stop_reason: None,
            vms: Vec::new(),
            groups: Vec::new(),
            preflight: Vec::new(),
            totals: Totals::default(),
        }
    }

    /// Recounts the totals from the records.
    pub fn recount(&mut self) {
        let mut t = Totals {
            duration_seconds: self.totals.duration_seconds,
            ..Totals::default()
        };
        let mut distinct: Vec<&str> = self.vms.iter().map(|v| v.item.as_str()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        t.vms = distinct.len();
        t.operations = self.vms.len();
        for v in &self.vms {
            match v.outcome {
                VmOutcome::Succeeded => t.succeeded += 1,
                VmOutcome::AlreadyDone => t.already_done += 1,
                VmOutcome::Failed => t.failed += 1,
                VmOutcome::Refused => t.refused += 1,
                VmOutcome::NotRun | VmOutcome::Pending => t.not_run += 1,
            }
        }
        for s in self.groups.iter().flat_map(|g| &g.steps) {
            if s.position != "operation" && s.position != "cleanup" {
                t.steps += 1;
                if s.is_failure() {
                    t.failed_steps += 1;
                }
            }
        }
        t.preflight_blockers = self
            .preflight
            .iter()
            .filter(|f| f.severity == crate::preflight::Severity::Blocker)
            .count();
        self.totals = t;
    }

    /// Ends the report at `ended`: recounts, sets the duration and the outcome (failed when a
    /// VM or a step failed, or `stop_reason` is given).
    pub fn finish(&mut self, ended: impl Into<String>, stop_reason: Option<String>) {
        let ended = ended.into();
        self.totals.duration_seconds = seconds_between(&self.started, &ended);
        self.ended = Some(ended);
        self.recount();
        let failed = self.totals.failed + self.totals.refused + self.totals.failed_steps > 0
            || self.totals.preflight_blockers > 0;
        self.outcome = if failed || stop_reason.is_some() {
            RunOutcome::Failed
        } else {
            RunOutcome::Succeeded
        };
        self.stop_reason = stop_reason;
    }

    /// `true` when the run succeeded.
    pub fn succeeded(&self) -> bool {
        self.outcome == RunOutcome::Succeeded
    }

    /// The report as JSON (schema version [`SCHEMA_VERSION`]).
    pub fn to_json(&self) -> serde_json::Value {
        // The report is strings, numbers and enums: it always serializes. Through the compact
        // text (which a plan checkpoint writes anyway) rather than `to_value`, so the compiler
        // builds one serializer per report type, not three; the `Value` is the same.
        serde_json::to_string(self)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    /// The report as pretty-printed JSON text.
    pub fn to_json_pretty(&self) -> String {
        crate::json_text::pretty(&serde_json::to_string(self).unwrap_or_default())
    }

    /// Reads a report written by [`RunReport::to_json`]; a newer schema version is refused
    /// with a message saying so.
    pub fn from_json(text: &str) -> Result<Self, crate::Error> {
        let v: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| crate::Error::invalid_input("run report", format!("not JSON: {e}")))?;
        let version = v.get("schemaVersion").and_then(|v| v.as_u64());
        if version != Some(u64::from(SCHEMA_VERSION)) {
            return Err(crate::Error::invalid_input(
                "run report",
                format!(
                    "schemaVersion {} is not {SCHEMA_VERSION}, the version this crate reads; use the crate version that wrote it",
                    version.map_or("(missing)".to_owned(), |v| v.to_string())
                ),
            ));
        }
        // Read from the text again rather than from `v`: a plan's checkpoint already reads its
        // report from text, and a second way in (from a `Value`) would make the compiler build
        // every report type's deserializer twice. A report is read once; the cost is small.
        serde_json::from_str(text)
            .map_err(|e| crate::Error::invalid_input("run report", e.to_string()))
    }

    /// The report as Markdown: a summary, the preflight findings, a table per group's steps
    /// and a table of every VM × operation.
    pub fn to_markdown(&self) -> String {
        markdown::render(self)
    }

    /// The report as JUnit XML: a test suite per group (or one for a bulk run), a test case per
    /// VM × operation and per group step, failures with their messages.
    pub fn to_junit_xml(&self) -> String {
        junit::render(self)
    }
}

/// Seconds from `a` to `b` (both RFC 3339); `None` when either does not parse.
pub(crate) fn seconds_between(a: &str, b: &str) -> Option<f64> {
    let a = chrono::DateTime::parse_from_rfc3339(a).ok()?;
    let b = chrono::DateTime::parse_from_rfc3339(b).ok()?;
    let ms = (b - a).num_milliseconds();
    Some((ms.max(0) as f64) / 1000.0)
}

/// Escapes text for XML (the JUnit files of drill reports and fleet health).
pub(crate) fn junit_escape(text: &str) -> String {
    junit::escape(text)
}

/// An RFC 3339 timestamp as reports write it.
pub(crate) fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A duration in seconds as people read it.
pub(crate) fn human_seconds(secs: f64) -> String {
    crate::human::HumanDuration(std::time::Duration::from_secs_f64(secs.max(0.0))).to_string()
}
