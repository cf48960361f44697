//! The report of a bulk run.

use super::{timestamp, RunReport, VmOutcome, VmRecord};
use crate::orchestrate::{BulkRunResult, VmOutcome as BulkOutcome};

impl RunReport {
    /// The report of a bulk run: one record per VM, no groups.
    ///
    /// A VM the run left running (stopped while the service worked on it) or never started
    /// counts as not run; a VM already in the target state as already done.
    pub fn from_bulk(result: &BulkRunResult) -> RunReport {
        let operation = result.operation.to_string();
        let mut report = RunReport::new(
            "bulk",
            format!(
                "{operation} in {}",
                result.vault.rsplit('/').next().unwrap_or("the vault")
            ),
            operation.clone(),
            timestamp(result.started_at),
        );
        for r in &result.results {
            let vm = r
                .source_vm_id
                .as_deref()
                .and_then(|id| id.rsplit('/').next())
                .unwrap_or(&r.item);
            let mut rec = VmRecord::new(vm, &r.item, &operation);
            rec.source_vm_id = r.source_vm_id.clone();
            rec.started = r.started_at.map(timestamp);
            rec.ended = r.ended_at.map(timestamp);
            rec.duration_seconds = r.duration_ms.map(|ms| ms as f64 / 1000.0);
            rec.rpo_seconds = r.rpo_ms.map(|ms| (ms / 1000) as i64);
            rec.job_ids = r.job_ids.clone();
            rec.final_state = r.final_state.as_ref().map(|s| s.to_string());
            rec.outcome = match r.outcome {
                BulkOutcome::Succeeded => VmOutcome::Succeeded,
                BulkOutcome::Skipped => VmOutcome::AlreadyDone,
                BulkOutcome::Refused => VmOutcome::Refused,
                BulkOutcome::Failed => VmOutcome::Failed,
                _ => VmOutcome::NotRun,
            };
            rec.error = r.error.clone().or_else(|| match r.outcome {
                BulkOutcome::LeftRunning => {
                    Some("left running: the run stopped while the service worked on it".to_owned())
                }
                BulkOutcome::NotStarted => Some("not started: the run stopped first".to_owned()),
                _ => None,
            });
            report.vms.push(rec);
        }
        report.finish(
            timestamp(result.ended_at),
            result
                .stopped
                .then(|| "the run was stopped before every VM was done".to_owned()),
        );
        report
    }
}
