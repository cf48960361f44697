//! The run itself: read the vault once, decide per VM (skip, refuse, attach, start), then act
//! with at most N operations in flight, pacing starts down when the service answers 429.

use super::act::run_vm;
use super::decide::{decide, pack_reprotect};
use super::run::{BulkRunner, Ledger};
use super::{
    BulkEvent, BulkEventKind, BulkItem, BulkOperation, ItemSnapshot, RefusalReport, VmFailure,
};
use crate::client::Handle;
use crate::error::Error;
use crate::model::ProtectedItem;
use chrono::{DateTime, Utc};
use futures_util::stream::FuturesUnordered;
use futures_util::{StreamExt, TryStreamExt};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the run decided for one VM after reading the vault.
pub(super) struct Work {
    pub(super) item: BulkItem,
    /// The item as the vault list showed it (`None`: no such item).
    pub(super) current: Option<ProtectedItem>,
    /// An operation of the wanted kind is already running on it: follow it, send nothing.
    pub(super) attach: bool,
}

pub(super) enum Decision {
    Skip(String),
    Refuse(RefusalReport),
    Fail(VmFailure),
    Attach,
    Start,
}

/// Spaces starts out after a 429: the pause doubles on each 429 and halves on each accepted
/// start.
pub(super) struct Pacer {
    pub(super) interval: Duration,
    pub(super) next: DateTime<Utc>,
}

pub(super) struct Ctx {
    pub(super) runner: BulkRunner,
    pub(super) operation: BulkOperation,
    pub(super) items: Handle<ProtectedItem>,
    pub(super) ledger: Arc<Mutex<Ledger>>,
    pub(super) pacer: Mutex<Pacer>,
}

impl Ctx {
    pub(super) fn now(&self) -> DateTime<Utc> {
        self.runner.client.pipeline().clock().now()
    }

    pub(super) fn emit(&self, item: &str, kind: BulkEventKind) {
        let event = BulkEvent {
            item: item.to_owned(),
            at: self.now(),
            kind,
        };
        match self.ledger.lock() {
            Ok(mut l) => l.push(event),
            Err(poisoned) => poisoned.into_inner().push(event),
        }
    }

    pub(super) fn annotate(&self, item: &str, f: impl FnOnce(&mut super::VmResult)) {
        match self.ledger.lock() {
            Ok(mut l) => l.annotate(item, f),
            Err(poisoned) => poisoned.into_inner().annotate(item, f),
        }
    }

    pub(super) fn sending(&self, item: &str, on: bool) {
        self.ledger
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .sending(item, on);
    }

    pub(super) fn fail(&self, item: &str, failure: VmFailure) {
        self.emit(item, BulkEventKind::Failed { failure });
    }

    pub(super) async fn sleep(&self, d: Duration) {
        if !d.is_zero() {
            self.runner.client.pipeline().sleeper().sleep(d).await;
        }
    }

    /// Waits for this VM's turn to start (no wait unless the service has throttled).
    pub(super) async fn pace(&self) {
        let wait = {
            let now = self.now();
            let mut p = self.pacer.lock().unwrap_or_else(|e| e.into_inner());
            let at = p.next.max(now);
            p.next = at + chrono::Duration::from_std(p.interval).unwrap_or_default();
            (at - now).to_std().unwrap_or_default()
        };
        self.sleep(wait).await;
    }

    /// A 429: slow every later start down; returns the new pause.
    pub(super) fn throttled(&self) -> Duration {
        let o = &self.runner.options;
        let now = self.now();
        let mut p = self.pacer.lock().unwrap_or_else(|e| e.into_inner());
        p.interval = (p.interval * 2)
            .max(o.throttle_start_interval)
            .min(o.max_start_interval.max(o.throttle_start_interval));
        let resume = now + chrono::Duration::from_std(p.interval).unwrap_or_default();
        p.next = p.next.max(resume);
        p.interval
    }

    /// An accepted start: speed back up.
    pub(super) fn accepted(&self) {
        let first = self.runner.options.throttle_start_interval;
        let mut p = self.pacer.lock().unwrap_or_else(|e| e.into_inner());
        p.interval /= 2;
        if p.interval < first / 2 {
            p.interval = Duration::ZERO;
        }
    }
}

/// Returns `Pending` once (waking itself at once): lets the caller take the events emitted
/// so far, and stop the run there, before the run goes on. Without it an in-process service
/// that never makes a request wait would run the whole bulk run inside one poll.
pub(super) async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}

/// Drives one run to its end, pushing every event into `ledger`.
pub(super) async fn drive(
    runner: BulkRunner,
    operation: BulkOperation,
    items: Vec<BulkItem>,
    ledger: Arc<Mutex<Ledger>>,
) {
    let handle = runner.client.protected_items(&runner.vault);
    let now = runner.client.pipeline().clock().now();
    let ctx = Ctx {
        items: handle,
        operation,
        ledger,
        pacer: Mutex::new(Pacer {
            interval: Duration::ZERO,
            next: now,
        }),
        runner,
    };
    run(&ctx, items).await;
    let end = ctx.now();
    let mut l = ctx.ledger.lock().unwrap_or_else(|e| e.into_inner());
    l.finish(end);
}

pub(super) async fn run(ctx: &Ctx, items: Vec<BulkItem>) {
    // Validation: one list of the vault, not one GET per VM.
    let listed: Result<Vec<ProtectedItem>, Error> = ctx.items.list().try_collect().await;
    let listed = match listed {
        Ok(l) => l,
        Err(e) => {
            let mut failure = VmFailure::from_error(&e);
            failure.message = format!(
                "the vault's protected items could not be listed, so nothing was sent: {}",
                failure.message
            );
            for it in &items {
                ctx.fail(&it.name, failure.clone());
            }
            return;
        }
    };
    let mut by_name: HashMap<String, ProtectedItem> = HashMap::with_capacity(listed.len());
    let mut by_vm: HashMap<String, String> = HashMap::new();
    for item in listed {
        let Some(name) = item.name.clone() else {
            continue;
        };
        if let Some(vm) = item.source_vm_id() {
            by_vm.insert(vm.to_ascii_lowercase(), name.clone());
        }
        by_name.insert(name.to_ascii_lowercase(), item);
    }
    let mut work = Vec::new();
    for mut it in items {
        let current = by_name.remove(&it.name.to_ascii_lowercase());
        if it.source_vm_id.is_none() {
            it.source_vm_id = current
                .as_ref()
                .and_then(|c| c.source_vm_id())
                .map(str::to_owned);
            if let Some(vm) = &it.source_vm_id {
                let vm = vm.clone();
                ctx.annotate(&it.name, |r| r.source_vm_id = Some(vm));
            }
        }
        match decide(ctx, &it, current.as_ref(), &by_vm) {
            Decision::Skip(reason) => ctx.emit(
                &it.name,
                BulkEventKind::Skipped {
                    reason,
                    state: ItemSnapshot::of(current.as_ref()),
                },
            ),
            Decision::Refuse(refusal) => ctx.emit(&it.name, BulkEventKind::Refused { refusal }),
            Decision::Fail(failure) => ctx.fail(&it.name, failure),
            Decision::Attach => work.push(Work {
                item: it,
                current,
                attach: true,
            }),
            Decision::Start => work.push(Work {
                item: it,
                current,
                attach: false,
            }),
        }
    }
    let work = match &ctx.operation {
        BulkOperation::Reprotect { body } => {
            let appliance = body
                .custom_properties()
                .and_then(|c| match c {
                    crate::model::ReprotectCustomProperties::AzStackToAzStackFailback(o) => {
                        o.appliance_id.clone()
                    }
                    _ => None,
                })
                .unwrap_or_default();
            let work = pack_reprotect(ctx, work, &appliance).await;
            for w in &work {
                let batch = (!w.attach).then_some(0);
                ctx.emit(&w.item.name, BulkEventKind::Queued { batch });
            }
            work
        }
        _ => {
            for w in &work {
                ctx.emit(&w.item.name, BulkEventKind::Queued { batch: None });
            }
            work
        }
    };
    let limit = ctx.runner.options.concurrency.max(1);
    let mut pending = work.into_iter();
    let mut in_flight = FuturesUnordered::new();
    loop {
        while in_flight.len() < limit {
            match pending.next() {
                Some(w) => in_flight.push(run_vm(ctx, w)),
                None => break,
            }
        }
        if in_flight.next().await.is_none() {
            break;
        }
        yield_now().await;
    }
}
