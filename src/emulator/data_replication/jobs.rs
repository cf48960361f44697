//! Jobs (`replicationVaults/{v}/jobs`, preview name `Workflow`): every protected-item operation
//! runs as a job of tasks that take virtual time. A task's effect happens when it completes; a
//! failing task fails the job with an `errors[]` entry, and the operation that started it.
//!
//! Job kinds (`scenarioName` of `currentJob`/`lastTestFailoverJob`...): `EnableProtection`,
//! `TestFailover`, `TestFailoverCleanup`, `PlannedFailover`, `UnplannedFailover`,
//! `CommitFailover`, `CancelFailover`, `Reprotect`, `Resynchronize`, `ChangeRecoveryPoint`,
//! `DisableProtection` (the service's vocabulary is not documented; these follow the state
//! names of the spec's `ProtectionState`).

use super::super::arm::{self, ArmError};
use super::super::clock::arm_time;
use super::super::router::Ctx;
use super::super::store::{Due, State};
use super::protected_items::{flows, Operation};
use super::{Vault, NS};
use crate::http::Response;
use crate::lifecycle::Transition;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

/// One task of a job.
#[derive(Debug, Clone)]
pub(crate) struct Task {
    pub(crate) step: flows::Step,
    /// The index of the lifecycle transition step this task shows.
    pub(crate) shows: usize,
    pub(crate) name: String,
    pub(crate) secs: i64,
    pub(crate) skip: bool,
    pub(crate) state: &'static str,
    pub(crate) start: Option<DateTime<Utc>>,
    pub(crate) end: Option<DateTime<Utc>>,
}

impl Task {
    pub(crate) fn new(step: flows::Step, name: &str, secs: i64) -> Self {
        Task {
            step,
            shows: 0,
            name: name.to_owned(),
            secs: secs.max(1),
            skip: false,
            state: "Pending",
            start: None,
            end: None,
        }
    }

    pub(crate) fn skipped(mut self, skip: bool) -> Self {
        self.skip = skip;
        self
    }
}

/// A job.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) scenario: &'static str,
    pub(crate) display: String,
    pub(crate) object_id: String,
    pub(crate) object_name: String,
    pub(crate) instance_type: &'static str,
    pub(crate) state: &'static str,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: Option<DateTime<Utc>>,
    pub(crate) tasks: Vec<Task>,
    pub(crate) errors: Vec<Value>,
    pub(crate) current: usize,
    pub(crate) next_due: Option<DateTime<Utc>>,
    pub(crate) op: Option<String>,
    /// The protected item (lower-case id).
    pub(crate) item: String,
    pub(crate) operation: Operation,
    pub(crate) params: Value,
    /// What the lifecycle said the operation does to the item's states.
    pub(crate) transition: Transition,
}

impl Job {
    pub(crate) fn running(&self) -> bool {
        self.state == "Started"
    }

    /// `ProtectedItemJobProperties` of this job.
    pub(crate) fn summary(&self) -> Value {
        let mut v = json!({
            "scenarioName": self.scenario,
            "id": self.id,
            "name": self.name,
            "displayName": self.display,
            "state": self.state,
            "startTime": arm_time(self.start),
        });
        if let Some(e) = self.end {
            v["endTime"] = json!(arm_time(e));
        }
        v
    }
}

/// Starts a job (its first task now) and returns its lower-case id.
#[allow(clippy::too_many_arguments)]
pub(crate) fn start(
    state: &mut State,
    vault_id: &str,
    item_key: &str,
    item_name: &str,
    item_id: &str,
    operation: Operation,
    tasks: Vec<Task>,
    params: Value,
    transition: Transition,
    op: Option<String>,
) -> String {
    let name = state.rng.hex_name();
    let id = format!("{vault_id}/jobs/{name}");
    let key = id.to_ascii_lowercase();
    let now = state.now();
    let (scenario, display, instance_type) = operation.job_names();
    let mut job = Job {
        id,
        name,
        scenario,
        display: display.to_owned(),
        object_id: item_id.to_owned(),
        object_name: item_name.to_owned(),
        instance_type,
        state: "Started",
        start: now,
        end: None,
        tasks,
        errors: Vec::new(),
        current: 0,
        next_due: None,
        op: op.clone(),
        item: item_key.to_owned(),
        operation,
        params,
        transition,
    };
    let due = begin_task(&mut job, 0, now);
    state.jobs.insert(key.clone(), job);
    if let Some(op) = op.and_then(|o| state.ops.get_mut(&o)) {
        op.job = Some(key.clone());
    }
    if let Some(at) = due {
        state.schedule(at, Due::JobStep(key.clone()));
    }
    key
}

fn begin_task(job: &mut Job, idx: usize, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    job.current = idx;
    let task = job.tasks.get_mut(idx)?;
    task.start = Some(at);
    let due = if task.skip {
        at
    } else {
        task.state = "Started";
        super::super::clock::later(at, Duration::seconds(task.secs))
    };
    job.next_due = Some(due);
    Some(due)
}

/// Completes the current task of a job at `at` (scheduled work).
pub(crate) fn run_step(state: &mut State, key: &str, at: DateTime<Utc>) {
    let Some(job) = state.jobs.get(key) else {
        return;
    };
    if !job.running() {
        return;
    }
    let idx = job.current;
    let scenario = job.scenario;
    let skip = job.tasks.get(idx).is_some_and(|t| t.skip);
    let outcome = if skip {
        Ok(())
    } else {
        match state.faults.take_job_failure(scenario, idx) {
            Some(f) => Err(f),
            None => flows::on_step(state, key, idx, at),
        }
    };
    let Some(job) = state.jobs.get_mut(key) else {
        return;
    };
    if let Some(t) = job.tasks.get_mut(idx) {
        t.end = Some(at);
        t.state = match (&outcome, skip) {
            (_, true) => "Skipped",
            (Ok(()), false) => "Succeeded",
            (Err(_), false) => "Failed",
        };
    }
    match outcome {
        Ok(()) if idx + 1 < job.tasks.len() => {
            if let Some(due) = begin_task(job, idx + 1, at) {
                state.schedule(due, Due::JobStep(key.to_owned()));
            }
            flows::show_step(state, key);
        }
        Ok(()) => {
            job.state = "Succeeded";
            job.end = Some(at);
            job.next_due = None;
            let op = job.op.clone();
            flows::on_success(state, key, at);
            if let Some(op) = op {
                state.finish_op(&op, at, None);
            }
        }
        Err((code, message)) => {
            job.state = "Failed";
            job.end = Some(at);
            job.next_due = None;
            for t in job.tasks.iter_mut().skip(idx + 1) {
                t.state = "Cancelled";
            }
            job.errors.push(json!({
                "code": code,
                "type": "ServiceError",
                "severity": "Error",
                "creationTime": arm_time(at),
                "message": message,
                "causes": format!("Task '{}' failed.", job.tasks.get(idx).map(|t| t.name.as_str()).unwrap_or_default()),
                "recommendation": "Resolve the cause, then retry the operation.",
            }));
            let op = job.op.clone();
            flows::on_failure(state, key, at, &code, &message);
            if let Some(op) = op {
                // The poll succeeded; the operation failed: a client error with the job's error, so
                // a poller reports the failure instead of retrying a 5xx.
                state.finish_op(&op, at, Some(ArmError::new(400, code, message)));
            }
        }
    }
}

fn preview_type(t: &str) -> String {
    match t {
        "JobModelCustomProperties" => "WorkflowModelCustomProperties".to_owned(),
        other => other.replace("JobDetails", "WorkflowDetails"),
    }
}

pub(crate) fn render(state: &State, ctx: &Ctx, job: &Job) -> Value {
    let preview = ctx.preview();
    let children = if preview {
        "childrenWorkflows"
    } else {
        "childrenJobs"
    };
    let tasks: Vec<Value> = job
        .tasks
        .iter()
        .map(|t| {
            let mut v = json!({
                "taskName": t.name,
                "state": t.state,
                "customProperties": { "instanceType": "TaskModelCustomProperties" },
                children: [],
            });
            if let Some(s) = t.start {
                v["startTime"] = json!(arm_time(s));
            }
            if let Some(e) = t.end {
                v["endTime"] = json!(arm_time(e));
            }
            v
        })
        .collect();
    let instance = if preview {
        preview_type(job.instance_type)
    } else {
        job.instance_type.to_owned()
    };
    let item = state.items.get(&job.item);
    let mut props = json!({
        "displayName": job.display,
        "state": job.state,
        "startTime": arm_time(job.start),
        "objectId": job.object_id,
        "objectName": job.object_name,
        "objectInternalId": item.map(|i| i.correlation_id.clone()).unwrap_or_default(),
        "objectInternalName": job.object_name,
        "objectType": "ProtectedItem",
        "replicationProviderId": "AzStackToAzStack",
        "sourceFabricProviderId": "AzStackHub",
        "targetFabricProviderId": "AzStackHub",
        "allowedActions": if job.running() { json!(["Cancel"]) } else { json!([]) },
        "activityId": job.name,
        "tasks": tasks,
        "errors": job.errors,
        "customProperties": {
            "instanceType": instance,
            "affectedObjectDetails": { "type": "object", "description": job.object_name },
        },
    });
    if !preview {
        // The preview's WorkflowModelProperties has no provisioningState.
        props["provisioningState"] = json!("Succeeded");
    }
    if let Some(e) = job.end {
        props["endTime"] = json!(arm_time(e));
    }
    if let (Some(item), true) = (item, job.instance_type.ends_with("FailoverJobDetails")) {
        props["customProperties"]["protectedItemDetails"] =
            json!([failover_details(state, job, item)]);
    }
    json!({
        "id": job.id,
        "name": job.name,
        "type": format!("{NS}/replicationVaults/jobs"),
        "properties": props,
    })
}

/// A failover or test failover job's `FailoverProtectedItemProperties`: the recovery point it
/// used (and its time: with the job's start, the RPO it reached) and where the VM went.
fn failover_details(state: &State, job: &Job, item: &super::protected_items::Item) -> Value {
    let test = job.instance_type.starts_with("Test");
    let (net, subnet) = if test {
        ("testNetworkId", "testSubnetName")
    } else {
        ("targetNetworkId", "targetSubnetName")
    };
    let mut d = json!({
        "protectedItemName": item.name,
        "vmName": item.custom_str("targetVmName").unwrap_or(&item.source_vm_name),
    });
    if test {
        d["testVmName"] = json!(format!("{}-test", item.source_vm_name));
    }
    if let Some(n) = item.custom_str(net) {
        d["networkName"] = json!(n.rsplit('/').next().unwrap_or(n));
    }
    if let Some(s) = item.custom_str(subnet) {
        d["subnet"] = json!(s);
    }
    if let Some(rp) = job.params.get("recoveryPointName").and_then(Value::as_str) {
        d["recoveryPointId"] = json!(item.rp_id(rp));
        if let Some(t) = item.point_time(rp, state.now()) {
            d["recoveryPointTime"] = json!(arm_time(t));
        }
    }
    d
}

pub(crate) fn list(state: &State, ctx: &Ctx, v: &Vault) -> Result<Response, ArmError> {
    let prefix = format!("{}/jobs/", v.id.to_ascii_lowercase());
    let mut jobs: Vec<&Job> = state
        .jobs
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(_, j)| j)
        .collect();
    jobs.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.name.cmp(&b.name)));
    Ok(arm::page_with(
        ctx.req,
        jobs,
        state.settings.page_size,
        |j| render(state, ctx, j),
    ))
}

pub(crate) fn get(state: &State, ctx: &Ctx, v: &Vault, name: &str) -> Result<Response, ArmError> {
    let key = format!("{}/jobs/{name}", v.id).to_ascii_lowercase();
    let job = state
        .jobs
        .get(&key)
        .ok_or_else(|| ArmError::not_found(&format!("{NS}/replicationVaults/jobs"), name))?;
    let mut r = arm::json_response(200, &render(state, ctx, job));
    if job.running() {
        r.headers.insert(
            "Retry-After",
            state.retry_after_until(job.next_due).to_string(),
        );
    }
    Ok(r)
}
