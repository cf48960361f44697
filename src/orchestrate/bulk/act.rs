//! Acting on one VM: start its operation (paced, never sent twice), follow it to its end, and
//! report each step as an event.

use super::decide::{in_progress, reached};
use super::drive::{yield_now, Ctx, Work};
use super::{
    AgentRemovalRequest, BulkEventKind, BulkOperation, FailureKind, ItemSnapshot, VmFailure,
};
use crate::client::{ActionOptions, PollUpdate, Poller};
use crate::error::Error;
use crate::lifecycle::conditions::{self, Condition};
use crate::lifecycle::{ItemState, Operation};
use crate::model::{Job, ProtectedItem};
use futures_util::StreamExt;

pub(super) async fn run_vm(ctx: &Ctx, w: Work) {
    match &ctx.operation {
        BulkOperation::EnableProtection => enable(ctx, w).await,
        BulkOperation::DisableProtection { force } => disable(ctx, w, *force).await,
        BulkOperation::ReenableAfterFailback => reenable(ctx, w).await,
        _ => action(ctx, w).await,
    }
}

/// Notes the RPO a failover starts from: the age of the item's latest recovery point.
pub(super) fn note_rpo(ctx: &Ctx, w: &Work) {
    if !matches!(
        ctx.operation,
        BulkOperation::TestFailover { .. }
            | BulkOperation::PlannedFailover { .. }
            | BulkOperation::UnplannedFailover { .. }
            | BulkOperation::Failback { .. }
    ) {
        return;
    }
    let last = w
        .current
        .as_ref()
        .and_then(|c| c.custom_properties())
        .and_then(|c| c.as_azstack())
        .and_then(|c| c.last_recovery_point_received.as_ref())
        .and_then(|t| t.to_utc());
    if let Some(last) = last {
        let age = (ctx.now() - last).to_std().unwrap_or_default();
        ctx.annotate(&w.item.name, |r| {
            r.recovery_point_time = Some(last);
            r.rpo_ms = Some(u64::try_from(age.as_millis()).unwrap_or(u64::MAX));
        });
    }
}

/// How a start ended.
pub(super) enum Sent<T> {
    /// The service accepted it: follow the poller.
    Accepted(Box<Poller<T>>),
    /// It may have reached the service (or the service said the operation already runs), and
    /// the item, read once, shows it running or done: follow it, send nothing more.
    Running(Option<Box<ProtectedItem>>),
    /// The VM failed (the event is out).
    Failed,
}

/// Sends `send` (retrying after a 429 at the paced rate), never twice once it may have reached
/// the service. `as_op` is the operation the request starts (what "running" and "done" mean).
pub(super) async fn start<T, F, Fut>(ctx: &Ctx, w: &Work, as_op: &BulkOperation, send: F) -> Sent<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Poller<T>, Error>>,
    T: serde::de::DeserializeOwned + Send + 'static,
{
    let name = &w.item.name;
    let mut throttled = 0u32;
    loop {
        ctx.pace().await;
        ctx.sending(name, true);
        let sent = send().await;
        ctx.sending(name, false);
        match sent {
            Ok(poller) => {
                ctx.accepted();
                let job_id = poller.continuation().poll_url.map(|u| operation_path(&u));
                ctx.emit(
                    name,
                    BulkEventKind::Started {
                        job_id,
                        attached: false,
                    },
                );
                yield_now().await;
                return Sent::Accepted(Box::new(poller));
            }
            Err(e) if e.is_throttled() => {
                throttled += 1;
                if throttled > ctx.runner.options.max_throttled_attempts {
                    let mut f = VmFailure::from_error(&e);
                    f.kind = FailureKind::Throttled;
                    f.message = format!(
                        "the service answered 429 to {throttled} starts in a row: {}",
                        f.message
                    );
                    ctx.fail(name, f);
                    return Sent::Failed;
                }
                let pause = ctx.throttled();
                ctx.emit(
                    name,
                    BulkEventKind::Throttled {
                        retry_in_ms: u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
                    },
                );
                yield_now().await;
            }
            Err(e)
                if matches!(e, Error::MaybeSent(_) | Error::ResponseUnreadable(_))
                    || e.is_conflict() =>
            {
                // MaybeSent / ResponseUnreadable: it may have reached the service. 409: the
                // service refused it, typically because the same operation already runs (sent
                // by a run stopped while the request was on its way, or by someone else).
                // Either way: never send it again. Read the item once; if the operation runs
                // (or is done), follow it.
                let read = ctx.items.get_opt(name).await;
                if let Ok(item) = read {
                    let state = item
                        .as_ref()
                        .map_or_else(ItemState::absent, ItemState::from_item);
                    if in_progress(as_op, &state) || reached(as_op, &state).is_some() {
                        return Sent::Running(item.map(Box::new));
                    }
                }
                ctx.fail(name, VmFailure::from_error(&e));
                return Sent::Failed;
            }
            Err(e) => {
                ctx.fail(name, VmFailure::from_error(&e));
                return Sent::Failed;
            }
        }
    }
}

/// The path of an operation URL (no query), as the run's record of it.
pub(super) fn operation_path(url: &str) -> String {
    url::Url::parse(url).map_or_else(|_| url.to_owned(), |u| u.path().to_owned())
}

pub(super) fn is_operation_path(p: &str) -> bool {
    let p = p.to_ascii_lowercase();
    p.contains("/operationresults/")
        || p.contains("/operations/")
        || p.contains("/operationstatuses/")
}

/// Follows an accepted operation to its end and reports it.
pub(super) async fn follow<T: serde::de::DeserializeOwned + Send + 'static>(
    ctx: &Ctx,
    name: &str,
    poller: Poller<T>,
    done: impl FnOnce(T) -> Option<ProtectedItem>,
) -> Result<Option<ProtectedItem>, VmFailure> {
    let mut updates = poller.into_stream();
    let mut last = (String::new(), None);
    while let Some(update) = updates.next().await {
        match update {
            Ok(PollUpdate::InProgress { status, percent }) => {
                if status != last.0 || percent != last.1 {
                    last = (status.clone(), percent);
                    ctx.emit(name, BulkEventKind::Progress { status, percent });
                    yield_now().await;
                }
            }
            Ok(PollUpdate::Succeeded(t)) => return Ok(done(t)),
            Err(e) => return Err(VmFailure::from_error(&e)),
        }
    }
    Err(VmFailure::new(
        FailureKind::Decode,
        "the operation's status stream ended without a result",
    ))
}

pub(super) fn succeed(ctx: &Ctx, name: &str, item: Option<&ProtectedItem>) {
    succeed_as(ctx, name, item, ItemSnapshot::of(item));
}

/// The state an item shows once `op` is accepted (the first state of its transition), for a
/// run that does not wait for completion.
pub(super) fn accepted_state(
    ctx: &Ctx,
    before: Option<&ProtectedItem>,
    op: &Operation,
) -> ItemSnapshot {
    let state = before.map_or_else(ItemState::absent, ItemState::from_item);
    match ctx.runner.client.lifecycle().check(&state, op) {
        Ok(t) => t.states(&state).first().map_or_else(
            || ItemSnapshot::from_state(&state),
            ItemSnapshot::from_state,
        ),
        Err(_) => ItemSnapshot::from_state(&state),
    }
}

pub(super) fn succeed_as(
    ctx: &Ctx,
    name: &str,
    item: Option<&ProtectedItem>,
    final_state: ItemSnapshot,
) {
    if let Some(job) = item
        .and_then(|i| i.properties.as_ref())
        .and_then(|p| p.current_job.as_ref())
        .and_then(|j| j.id.clone())
    {
        ctx.annotate(name, |r| {
            // The job is known now: it replaces the operation URL recorded at the start.
            if r.job_ids.last().is_some_and(|j| is_operation_path(j)) {
                r.job_ids.pop();
            }
            if !r.job_ids.contains(&job) {
                r.job_ids.push(job);
            }
        });
    }
    ctx.emit(name, BulkEventKind::Succeeded { final_state });
}

pub(super) async fn finish_action<T: serde::de::DeserializeOwned + Send + 'static>(
    ctx: &Ctx,
    name: &str,
    poller: Poller<T>,
    done: impl FnOnce(T) -> Option<ProtectedItem>,
    before: Option<&ProtectedItem>,
    op: &Operation,
) {
    if !ctx.runner.options.wait_for_completion {
        succeed_as(ctx, name, None, accepted_state(ctx, before, op));
        return;
    }
    match follow(ctx, name, poller, done).await {
        Ok(item) => succeed(ctx, name, item.as_ref()),
        Err(f) => ctx.fail(name, f),
    }
}

/// A POST action (test failover, cleanup, failovers, commit, re-protect, failback).
pub(super) async fn action(ctx: &Ctx, w: Work) {
    let name = w.item.name.clone();
    if w.attach {
        attach(ctx, &name, w.current, &ctx.operation).await;
        return;
    }
    note_rpo(ctx, &w);
    let op = ctx.operation.lifecycle_operation();
    let body = match &ctx.operation {
        BulkOperation::Reprotect { body } => match serde_json::to_value(body) {
            Ok(v) => Some(v),
            Err(e) => {
                ctx.fail(
                    &name,
                    VmFailure::new(
                        FailureKind::InvalidInput,
                        format!("the re-protect body does not serialize: {e}"),
                    ),
                );
                return;
            }
        },
        _ => None,
    };
    let mut options = ActionOptions::default();
    if let Some(c) = &w.current {
        options = options.with_current_item(c.clone());
    }
    if !ctx.runner.options.check_lifecycle || w.current.is_none() {
        options = options.unchecked();
    }
    let poller = match start(ctx, &w, &ctx.operation, || {
        ctx.items.perform_with(&name, &op, body.clone(), &options)
    })
    .await
    {
        Sent::Accepted(p) => *p,
        Sent::Running(item) => return attach(ctx, &name, item.map(|b| *b), &ctx.operation).await,
        Sent::Failed => return,
    };
    finish_action(ctx, &name, poller, Some, w.current.as_ref(), &op).await;
}

pub(super) async fn enable(ctx: &Ctx, w: Work) {
    let name = w.item.name.clone();
    if w.attach {
        attach(ctx, &name, w.current, &ctx.operation).await;
        return;
    }
    let Some(new_item) = w.item.new_item.as_deref() else {
        ctx.fail(
            &name,
            VmFailure::new(FailureKind::InvalidInput, "no item to create"),
        );
        return;
    };
    let poller = match start(ctx, &w, &ctx.operation, || {
        ctx.items.create_or_update(&name, new_item)
    })
    .await
    {
        Sent::Accepted(p) => *p,
        Sent::Running(item) => return attach(ctx, &name, item.map(|b| *b), &ctx.operation).await,
        Sent::Failed => return,
    };
    finish_action(ctx, &name, poller, Some, None, &Operation::EnableProtection).await;
}

pub(super) async fn disable(ctx: &Ctx, w: Work, force: bool) {
    let name = w.item.name.clone();
    if w.attach {
        attach(ctx, &name, w.current, &ctx.operation).await;
        return;
    }
    let unchecked = ctx.items.unchecked();
    let poller = match start(ctx, &w, &ctx.operation, || unchecked.disable(&name, force)).await {
        Sent::Accepted(p) => *p,
        Sent::Running(item) => return attach(ctx, &name, item.map(|b| *b), &ctx.operation).await,
        Sent::Failed => return,
    };
    finish_action(
        ctx,
        &name,
        poller,
        |()| None,
        w.current.as_ref(),
        &Operation::DisableProtection { force },
    )
    .await;
}

/// Disable, remove the agent (the caller's step), wait until the item is gone, enable again
/// with the item's previous settings.
pub(super) async fn reenable(ctx: &Ctx, w: Work) {
    let name = w.item.name.clone();
    let Some(step) = ctx.runner.agent_removal.clone() else {
        ctx.fail(
            &name,
            VmFailure::new(FailureKind::InvalidInput, "no agent-removal step set"),
        );
        return;
    };
    let previous: ProtectedItem = match (&w.current, &w.item.new_item) {
        (_, Some(given)) => (**given).clone(),
        (Some(current), None) => current.clone(),
        (None, None) => return,
    };
    let source_vm_id = previous.source_vm_id().map(str::to_owned);
    if w.current.is_some() {
        if !w.attach {
            let unchecked = ctx.items.unchecked();
            let disable = BulkOperation::DisableProtection { force: false };
            match start(ctx, &w, &disable, || unchecked.disable(&name, false)).await {
                Sent::Accepted(poller) => {
                    if let Err(f) = follow(ctx, &name, *poller, |()| None).await {
                        ctx.fail(&name, f);
                        return;
                    }
                }
                // Already being disabled (or gone): wait for it below.
                Sent::Running(_) => {}
                Sent::Failed => return,
            }
        } else {
            ctx.emit(
                &name,
                BulkEventKind::Started {
                    job_id: None,
                    attached: true,
                },
            );
        }
        // The disable's own wait may end before the item is gone: wait for that.
        match ctx.items.wait_until(&name, conditions::is_deleted()).await {
            Ok(_) => ctx.emit(
                &name,
                BulkEventKind::StepDone {
                    step: "protection disabled".to_owned(),
                },
            ),
            Err(e) => {
                ctx.fail(&name, VmFailure::from_error(&e));
                return;
            }
        }
    }
    if let Err(why) = step(AgentRemovalRequest {
        item: name.clone(),
        source_vm_id,
    })
    .await
    {
        ctx.fail(
            &name,
            VmFailure::new(
                FailureKind::Step,
                format!("the agent-removal step failed: {why}; protection stays disabled"),
            ),
        );
        return;
    }
    ctx.emit(
        &name,
        BulkEventKind::StepDone {
            step: "agent removed".to_owned(),
        },
    );
    let fresh = Work {
        item: w.item.clone(),
        current: None,
        attach: false,
    };
    let enable = BulkOperation::EnableProtection;
    let poller = match start(ctx, &fresh, &enable, || {
        ctx.items.create_or_update(&name, &previous)
    })
    .await
    {
        Sent::Accepted(p) => *p,
        Sent::Running(item) => return attach(ctx, &name, item.map(|b| *b), &enable).await,
        Sent::Failed => return,
    };
    finish_action(ctx, &name, poller, Some, None, &Operation::EnableProtection).await;
}

/// Follows an operation that was already running: reads its job, waits until the item
/// settles, then reports the item (or the job's errors).
pub(super) async fn attach(
    ctx: &Ctx,
    name: &str,
    current: Option<ProtectedItem>,
    as_op: &BulkOperation,
) {
    let job_ref = current
        .as_ref()
        .and_then(|c| c.properties.as_ref())
        .and_then(|p| p.current_job.as_ref())
        .and_then(|j| j.name.clone().or_else(|| j.id.clone()));
    let jobs = ctx.runner.client.jobs(&ctx.runner.vault);
    let job_name = job_ref.map(|r| r.rsplit('/').next().unwrap_or(&r).to_owned());
    let job: Option<Job> = match &job_name {
        Some(j) => jobs.get_opt(j).await.ok().flatten(),
        None => None,
    };
    ctx.emit(
        name,
        BulkEventKind::Started {
            job_id: job
                .as_ref()
                .and_then(|j| j.id.clone())
                .or_else(|| job_name.clone()),
            attached: true,
        },
    );
    if !ctx.runner.options.wait_for_completion {
        succeed(ctx, name, current.as_ref());
        return;
    }
    let op = as_op.clone();
    let settled = conditions::is_settled().or(conditions::has_failed());
    let done = move |item: Option<&ProtectedItem>| match item {
        None => matches!(
            op,
            BulkOperation::DisableProtection { .. } | BulkOperation::ReenableAfterFailback
        ),
        Some(_) => settled.matches(item),
    };
    let item = match ctx.items.wait_until(name, done).await {
        Ok(item) => item,
        Err(e) => {
            ctx.fail(name, VmFailure::from_error(&e));
            return;
        }
    };
    let state = item
        .as_ref()
        .map_or_else(ItemState::absent, ItemState::from_item);
    if reached(as_op, &state).is_some() {
        succeed(ctx, name, item.as_ref());
        return;
    }
    let mut f = VmFailure::new(
        FailureKind::OperationFailed,
        format!(
            "{} of protected item {name} (found in progress) ended with the item {}",
            as_op,
            ItemSnapshot::from_state(&state)
        ),
    );
    if let Some(j) = &job_name {
        if let Ok(Some(job)) = jobs.get_opt(j).await {
            f.job_errors = job
                .properties
                .as_ref()
                .and_then(|p| p.errors.as_ref())
                .into_iter()
                .flatten()
                .filter_map(|e| serde_json::to_value(e).ok())
                .collect();
        }
    }
    if let Some(h) = item
        .as_ref()
        .and_then(|i| i.properties.as_ref())
        .and_then(|p| p.health_errors.clone())
    {
        f.health_errors = h;
    }
    ctx.fail(name, f);
}
