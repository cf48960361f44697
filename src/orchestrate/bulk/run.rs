//! The runner: validate once, then act on every VM with at most N operations in flight.

use super::{
    AgentRemoval, AgentRemovalRequest, BulkEvent, BulkEventKind, BulkItem, BulkOperation,
    BulkOptions, BulkRunResult, VmOutcome, VmResult,
};
use crate::client::SiteRecoveryClient;
use crate::id::VaultId;
use chrono::{DateTime, Utc};
use futures_core::Stream;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

/// Runs one protected-item operation over many VMs of one vault.
///
/// ```no_run
/// # async fn run(client: azs_site_recovery::SiteRecoveryClient) {
/// use azs_site_recovery::id::VaultId;
/// use azs_site_recovery::orchestrate::{BulkItem, BulkOperation, BulkOptions, BulkRunner};
/// use futures_util::StreamExt;
///
/// let vault = VaultId::new("00000000-0000-0000-0000-000000000000", "dr-rg", "vault1");
/// let runner = BulkRunner::new(&client, &vault).options(BulkOptions::default().concurrency(10));
/// let names = ["web01", "web02", "db01"].map(BulkItem::named);
/// let mut run = runner.run(BulkOperation::PlannedFailover { shutdown_source: true }, names);
/// while let Some(event) = run.next().await {
///     eprintln!("{} {:?}", event.item, event.kind); // or a progress bar, a log, a chat post
/// }
/// let result = run.result();
/// for vm in result.problems() {
///     eprintln!("{}: {} {}", vm.item, vm.outcome, vm.error.as_deref().unwrap_or(""));
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct BulkRunner {
    pub(super) client: SiteRecoveryClient,
    pub(super) vault: VaultId,
    pub(super) options: BulkOptions,
    pub(super) agent_removal: Option<AgentRemoval>,
}

impl fmt::Debug for BulkRunner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkRunner")
            .field("vault", &self.vault.to_string())
            .field("options", &self.options)
            .field("agent_removal", &self.agent_removal.is_some())
            .finish()
    }
}

impl BulkRunner {
    /// A runner over the protected items of `vault`, with default [`BulkOptions`].
    pub fn new(client: &SiteRecoveryClient, vault: &VaultId) -> Self {
        BulkRunner {
            client: client.clone(),
            vault: vault.clone(),
            options: BulkOptions::default(),
            agent_removal: None,
        }
    }

    /// Sets the options.
    pub fn options(mut self, options: BulkOptions) -> Self {
        self.options = options;
        self
    }

    /// The options.
    pub fn current_options(&self) -> &BulkOptions {
        &self.options
    }

    /// Sets the agent-removal step of [`BulkOperation::ReenableAfterFailback`]: called once per
    /// VM after its item is disabled and before it is enabled again.
    pub fn agent_removal<F, Fut>(mut self, step: F) -> Self
    where
        F: Fn(AgentRemovalRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        self.agent_removal = Some(Arc::new(move |r| Box::pin(step(r))));
        self
    }

    /// Starts `operation` over `items`: nothing is sent until the returned [`BulkRun`] is
    /// polled (it is a [`Stream`] of [`BulkEvent`]s; [`BulkRun::finish`] drives it to the end).
    pub fn run(
        &self,
        operation: BulkOperation,
        items: impl IntoIterator<Item = BulkItem>,
    ) -> BulkRun {
        // One entry per item name (ARM names are case-insensitive): the first one wins.
        let mut seen = std::collections::HashSet::new();
        let items: Vec<BulkItem> = items
            .into_iter()
            .filter(|i| seen.insert(i.name.to_ascii_lowercase()))
            .collect();
        let now = self.client.pipeline().clock().now();
        let ledger = Arc::new(Mutex::new(Ledger::new(
            &operation,
            &self.vault.to_string(),
            &items,
            now,
        )));
        let driver = super::drive::drive(self.clone(), operation, items, ledger.clone());
        BulkRun {
            driver: Some(Box::pin(driver)),
            ledger,
        }
    }
}

/// A bulk run in progress: a [`Stream`] of per-VM [`BulkEvent`]s, then [`BulkRun::result`].
///
/// Dropping it stops the run: no new operation starts; operations the service already
/// accepted go on without it (a later run over the same VMs attaches to them).
/// [`BulkRun::result`] at any time reports them as [`VmOutcome::LeftRunning`].
#[must_use = "a bulk run does nothing until it is polled"]
pub struct BulkRun {
    driver: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    pub(super) ledger: Arc<Mutex<Ledger>>,
}

impl fmt::Debug for BulkRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkRun")
            .field("finished", &self.driver.is_none())
            .finish_non_exhaustive()
    }
}

impl BulkRun {
    /// Runs to the end, discarding the events, and returns the result.
    pub async fn finish(mut self) -> BulkRunResult {
        while futures_util::StreamExt::next(&mut self).await.is_some() {}
        self.result()
    }

    /// The result so far: VMs done have their outcome; VMs whose operation the service accepted
    /// and that are not done are [`VmOutcome::LeftRunning`]; VMs not started are
    /// [`VmOutcome::NotStarted`]. After the stream ended, the final result.
    pub fn result(&self) -> BulkRunResult {
        let finished = self.driver.is_none();
        match self.ledger.lock() {
            Ok(l) => l.result(!finished),
            Err(poisoned) => poisoned.into_inner().result(!finished),
        }
    }

    /// Stops the run (no new starts) and returns [`BulkRun::result`].
    pub fn stop(self) -> BulkRunResult {
        self.result()
    }
}

impl Stream for BulkRun {
    type Item = BulkEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<BulkEvent>> {
        if let Some(e) = self.pop() {
            return Poll::Ready(Some(e));
        }
        let Some(driver) = self.driver.as_mut() else {
            return Poll::Ready(None);
        };
        let done = driver.as_mut().poll(cx).is_ready();
        if done {
            self.driver = None;
        }
        // Events are only pushed while the driver is polled, so nothing is missed here.
        match self.pop() {
            Some(e) => {
                if !done {
                    // More may be queued: ask to be polled again rather than wait for a wake.
                    cx.waker().wake_by_ref();
                }
                Poll::Ready(Some(e))
            }
            None if done => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}

impl BulkRun {
    fn pop(&self) -> Option<BulkEvent> {
        match self.ledger.lock() {
            Ok(mut l) => l.events.pop_front(),
            Err(poisoned) => poisoned.into_inner().events.pop_front(),
        }
    }
}

/// The run's bookkeeping: events not yet taken, and the per-VM results folded from every event.
#[derive(Debug)]
pub(super) struct Ledger {
    pub(super) events: VecDeque<BulkEvent>,
    results: Vec<VmResult>,
    index: HashMap<String, usize>,
    accepted: Vec<bool>,
    /// A request that may start the operation is on its way (cleared when it is answered).
    sending: Vec<bool>,
    operation: BulkOperation,
    vault: String,
    started_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
}

impl Ledger {
    fn new(operation: &BulkOperation, vault: &str, items: &[BulkItem], now: DateTime<Utc>) -> Self {
        let mut index = HashMap::new();
        let results = items
            .iter()
            .enumerate()
            .map(|(i, it)| {
                index.entry(it.name.to_ascii_lowercase()).or_insert(i);
                let mut r = VmResult::new(&it.name, operation.clone(), VmOutcome::NotStarted);
                r.source_vm_id = it.source_vm_id.clone();
                r
            })
            .collect::<Vec<_>>();
        Ledger {
            events: VecDeque::new(),
            accepted: vec![false; results.len()],
            sending: vec![false; results.len()],
            results,
            index,
            operation: operation.clone(),
            vault: vault.to_owned(),
            started_at: now,
            ended_at: None,
        }
    }

    /// Records `event` for the caller and folds it into the VM's result.
    pub(super) fn push(&mut self, event: BulkEvent) {
        if let Some(&i) = self.index.get(&event.item.to_ascii_lowercase()) {
            let r = &mut self.results[i];
            match &event.kind {
                BulkEventKind::Queued { batch: Some(b) } => r.batch = Some(*b),
                BulkEventKind::Refused { refusal } => {
                    r.outcome = VmOutcome::Refused;
                    r.error = Some(refusal.to_string());
                    r.refusal = Some(refusal.clone());
                    r.ended_at = Some(event.at);
                }
                BulkEventKind::Skipped { state, .. } => {
                    r.outcome = VmOutcome::Skipped;
                    r.final_state = Some(state.clone());
                    r.ended_at = Some(event.at);
                }
                BulkEventKind::Started { job_id, .. } => {
                    self.accepted[i] = true;
                    if r.started_at.is_none() {
                        r.started_at = Some(event.at);
                    }
                    if let Some(j) = job_id {
                        if !r.job_ids.contains(j) {
                            r.job_ids.push(j.clone());
                        }
                    }
                }
                BulkEventKind::Succeeded { final_state } => {
                    self.accepted[i] = false;
                    r.outcome = VmOutcome::Succeeded;
                    r.final_state = Some(final_state.clone());
                    r.ended_at = Some(event.at);
                }
                BulkEventKind::Failed { failure } => {
                    self.accepted[i] = false;
                    r.outcome = VmOutcome::Failed;
                    r.error = Some(failure.to_string());
                    r.failure = Some(failure.clone());
                    r.ended_at = Some(event.at);
                }
                BulkEventKind::LeftRunning { job_id } => {
                    r.outcome = VmOutcome::LeftRunning;
                    if let Some(j) = job_id {
                        if !r.job_ids.contains(j) {
                            r.job_ids.push(j.clone());
                        }
                    }
                    r.ended_at = Some(event.at);
                }
                _ => {}
            }
            if let (Some(s), Some(e)) = (r.started_at, r.ended_at) {
                r.duration_ms = (e - s).to_std().ok().map(|d| d.as_millis() as u64);
            }
        }
        self.events.push_back(event);
    }

    /// Records what the run learnt about a VM outside the events (RPO, source VM).
    pub(super) fn annotate(&mut self, item: &str, f: impl FnOnce(&mut VmResult)) {
        if let Some(&i) = self.index.get(&item.to_ascii_lowercase()) {
            f(&mut self.results[i]);
        }
    }

    /// Notes that the request starting `item`'s operation is (or is no longer) on its way.
    pub(super) fn sending(&mut self, item: &str, on: bool) {
        if let Some(&i) = self.index.get(&item.to_ascii_lowercase()) {
            self.sending[i] = on;
        }
    }

    pub(super) fn finish(&mut self, now: DateTime<Utc>) {
        self.ended_at = Some(now);
    }

    fn result(&self, stopped: bool) -> BulkRunResult {
        let mut results = self.results.clone();
        let mut was_stopped = false;
        for (i, r) in results.iter_mut().enumerate() {
            if r.outcome == VmOutcome::NotStarted && self.accepted[i] {
                r.outcome = VmOutcome::LeftRunning;
            } else if r.outcome == VmOutcome::NotStarted && self.sending[i] {
                r.outcome = VmOutcome::LeftRunning;
                r.error = Some(
                    "the run stopped while the request starting the operation was on its way: \
                     the service may have accepted it; running the same operation again finds \
                     out (it follows the operation if it runs, and never sends it twice)"
                        .to_owned(),
                );
            }
            if stopped && matches!(r.outcome, VmOutcome::NotStarted | VmOutcome::LeftRunning) {
                was_stopped = true;
            }
        }
        let last = results
            .iter()
            .filter_map(|r| r.ended_at)
            .max()
            .unwrap_or(self.started_at);
        BulkRunResult {
            operation: self.operation.clone(),
            vault: self.vault.clone(),
            started_at: self.started_at,
            ended_at: self.ended_at.unwrap_or(last),
            results,
            stopped: was_stopped,
        }
    }
}
