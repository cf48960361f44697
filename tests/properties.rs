//! Property tests: random sequences of operations and faults on random scenarios, driven through
//! the client on the in-process emulator, in virtual time (the client's clock and sleep are the
//! emulator's clock: a wait moves the emulator's time instead of waiting).
//!
//! After every step:
//! * (a) **the client's verdict and the emulator's answer agree**: the operation is checked with
//!   `lifecycle::check` on the item as the client reads it, then sent with the client's opt-out
//!   (`Handle::unchecked`); an operation the lifecycle refuses must be refused by the emulator
//!   (`409 OperationNotAllowedInCurrentState`) and one it allows must be accepted. A step where
//!   virtual time passed between the read and the answer (a retry waited), or where an injected
//!   fault hit the request itself, says nothing about agreement and is only counted.
//! * (b) **no protected item is lost or duplicated**: the vault is listed through the client's
//!   pager (pages of 1 to 3 items) and compared with a model of what must, may, or must not exist.
//! * (c) **a failure leaves a documented, retryable state**: when an operation fails, the item is
//!   in its prior state or in a state the lifecycle's transition documents for a failure, and
//!   from that state the retry (or, after a failed test failover, its cleanup) is allowed.
//!
//! Scenarios: 1-3 VMs of 1-4 disks, pages of 1-3 items, 2-10 appliance disk slots, each
//! api-version, 0-3 items protected at start. Faults: throttling, 5xx, connections dropped before
//! or after the request was processed, a job failing at a step, an unresponsive appliance, a
//! missing target network (and steps that heal the last two), plus virtual-time advances.
//!
//! 64 cases of up to 12 steps in process, 16 over the emulator's loopback HTTP listener (features
//! `emulator-server` + `reqwest`); `PROPTEST_CASES` overrides the count (`PROPS_LOG=1` prints each
//! case's steps and verdicts).
#![cfg(feature = "emulator")]

use azs_site_recovery::client::PollingOptions;
use azs_site_recovery::emulator::{
    Appliance, Emulator, Fault, RequestMatch, Scenario, SourceVm, VirtualNetwork,
};
use azs_site_recovery::id::VaultId;
use azs_site_recovery::lifecycle::{
    self, ItemState, Operation, OperationKind, RecoveryPointChoice, Transition,
};
use azs_site_recovery::model::{ProtectedItem, Reprotect};
use azs_site_recovery::pipeline::clock::{Clock, Sleep, SleepFuture};
use azs_site_recovery::pipeline::retry::ExponentialRetry;
use azs_site_recovery::transport::TransportErrorKind;
use azs_site_recovery::{ApiVersion, Error, SiteRecoveryClient};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use proptest::prelude::*;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// What is generated (Debug of these is what a shrunk failure prints).

#[derive(Debug, Clone)]
struct Vm {
    os_gb: u64,
    data_gb: Vec<u64>,
}

#[derive(Debug, Clone)]
struct World {
    vms: Vec<Vm>,
    page_size: usize,
    appliance_slots: u32,
    api: ApiVersion,
    /// Items enabled (and replicated) before the steps.
    protected_at_start: usize,
}

#[derive(Debug, Clone, Copy)]
enum Rp {
    Latest,
    LatestProcessed,
    LatestAppConsistent,
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Enable,
    TestFailover(Rp),
    CleanupTestFailover,
    PlannedFailover,
    UnplannedFailover(Rp),
    Commit,
    CancelFailover,
    ChangeRecoveryPoint(Rp),
    Reprotect,
    Resynchronize,
    Failback,
    Disable { force: bool },
}

#[derive(Debug, Clone, Copy)]
enum Inject {
    /// The next `n` requests answer 429 with `Retry-After`.
    Throttle(u32),
    /// The next `n` requests answer 503.
    ServerError(u32),
    /// The next request is lost on the way (not processed).
    DropBeforeProcessing,
    /// The next request is processed, its answer lost.
    DropAfterProcessing,
    /// The next job fails at this task.
    FailJobStep(usize),
    /// The appliance stops answering (until a `HealAppliance` step).
    UnresponsiveAppliance,
    /// The target network `dr-vnet` is deleted (until a `RestoreNetwork` step).
    MissingTargetNetwork,
}

/// Which operation a step sends.
#[derive(Debug, Clone, Copy)]
enum Pick {
    /// The n-th (modulo) operation the lifecycle allows on the item as the client reads it
    /// (disable only when nothing else is allowed): drives items deep into the lifecycle.
    Allowed(usize),
    /// This operation, allowed or not.
    Any(Op),
}

#[derive(Debug, Clone)]
enum Step {
    /// An operation on item `item` (taken modulo the VM count), with `fault` injected just
    /// before it is sent; `wait` awaits its poller.
    Do {
        item: usize,
        op: Pick,
        fault: Option<Inject>,
        wait: bool,
    },
    /// Virtual time passes.
    Advance { minutes: u32 },
    /// The appliance answers again.
    HealAppliance,
    /// The target network `dr-vnet` exists again.
    RestoreNetwork,
}

fn rp() -> impl Strategy<Value = Rp> {
    prop_oneof![
        Just(Rp::Latest),
        Just(Rp::LatestProcessed),
        Just(Rp::LatestAppConsistent)
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => Just(Op::Enable),
        3 => rp().prop_map(Op::TestFailover),
        2 => Just(Op::CleanupTestFailover),
        2 => Just(Op::PlannedFailover),
        2 => rp().prop_map(Op::UnplannedFailover),
        3 => Just(Op::Commit),
        1 => Just(Op::CancelFailover),
        1 => rp().prop_map(Op::ChangeRecoveryPoint),
        3 => Just(Op::Reprotect),
        1 => Just(Op::Resynchronize),
        2 => Just(Op::Failback),
        1 => any::<bool>().prop_map(|force| Op::Disable { force }),
    ]
}

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![
        3 => (0usize..8).prop_map(Pick::Allowed),
        2 => op().prop_map(Pick::Any),
    ]
}

fn inject() -> impl Strategy<Value = Option<Inject>> {
    prop_oneof![
        12 => Just(None),
        1 => (1u32..=3).prop_map(|n| Some(Inject::Throttle(n))),
        1 => (1u32..=3).prop_map(|n| Some(Inject::ServerError(n))),
        1 => Just(Some(Inject::DropBeforeProcessing)),
        1 => Just(Some(Inject::DropAfterProcessing)),
        2 => (0usize..4).prop_map(|s| Some(Inject::FailJobStep(s))),
        1 => Just(Some(Inject::UnresponsiveAppliance)),
        1 => Just(Some(Inject::MissingTargetNetwork)),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        10 => (0usize..3, pick(), inject(), prop::bool::weighted(0.85))
            .prop_map(|(item, op, fault, wait)| Step::Do { item, op, fault, wait }),
        2 => (1u32..=120).prop_map(|minutes| Step::Advance { minutes }),
        1 => Just(Step::HealAppliance),
        1 => Just(Step::RestoreNetwork),
    ]
}

fn world() -> impl Strategy<Value = World> {
    let vm = (1u64..=8, prop::collection::vec(1u64..=8, 0..=3))
        .prop_map(|(os_gb, data_gb)| Vm { os_gb, data_gb });
    (
        prop::collection::vec(vm, 1..=3),
        1usize..=3,
        2u32..=10,
        prop::sample::select(ApiVersion::KNOWN.to_vec()),
        0usize..=3,
    )
        .prop_map(
            |(vms, page_size, appliance_slots, api, protected_at_start)| World {
                protected_at_start: protected_at_start.min(vms.len()),
                vms,
                page_size,
                appliance_slots,
                api,
            },
        )
}

// ---------------------------------------------------------------------------------------------
// Virtual time: the client's clock reads the emulator's, its sleeps move it.

#[derive(Debug, Clone)]
struct EmuTime(Emulator);

impl Clock for EmuTime {
    fn now(&self) -> DateTime<Utc> {
        self.0.now()
    }
}

impl Sleep for EmuTime {
    fn sleep(&self, d: Duration) -> SleepFuture {
        self.0.advance(d);
        Box::pin(std::future::ready(()))
    }
}

// ---------------------------------------------------------------------------------------------
// The harness.

/// What must exist in the vault.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Present,
    Absent,
    /// An enable whose outcome the client could not know (the item appears or not, then stays).
    Unknown,
    /// A disable in flight or of unknown outcome (present until it is gone, then gone).
    Leaving,
}

/// How the emulator answered the operation itself (the texts are read through `Debug`).
#[allow(dead_code)]
#[derive(Debug)]
enum Answer {
    /// `done`: the first answer finished it (e.g. the `204` of a DELETE of nothing).
    Accepted {
        done: bool,
    },
    RefusedByLifecycle(String),
    Rejected(u16, String),
    /// An injected fault (or the retries after one) decided the answer.
    Faulted(String),
}

/// What awaiting the operation gave.
#[allow(dead_code)]
#[derive(Debug)]
enum Outcome {
    NotWaited,
    Succeeded,
    Failed(String),
    Faulted(String),
}

struct Harness {
    emu: Emulator,
    /// The emulator's HTTP listener, when the client talks to it over loopback.
    #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
    _server: Option<azs_site_recovery::emulator::EmulatorServer>,
    client: SiteRecoveryClient,
    vault: VaultId,
    names: Vec<String>,
    vm_ids: Vec<String>,
    model: BTreeMap<String, Expect>,
    log: Vec<String>,
    agreed: usize,
    inconclusive: usize,
    outside_lifecycle: usize,
}

fn rp_choice(rp: Rp) -> RecoveryPointChoice {
    match rp {
        Rp::Latest => RecoveryPointChoice::Latest,
        Rp::LatestProcessed => RecoveryPointChoice::LatestProcessed,
        Rp::LatestAppConsistent => RecoveryPointChoice::LatestApplicationConsistent,
    }
}

fn operation(op: Op) -> Operation {
    match op {
        Op::Enable => Operation::EnableProtection,
        Op::TestFailover(rp) => Operation::TestFailover {
            recovery_point: rp_choice(rp),
        },
        Op::CleanupTestFailover => Operation::CleanupTestFailover,
        Op::PlannedFailover => Operation::PlannedFailover {
            shutdown_source: true,
        },
        Op::UnplannedFailover(rp) => Operation::UnplannedFailover {
            recovery_point: rp_choice(rp),
            shutdown_source: false,
        },
        Op::Commit => Operation::Commit,
        Op::CancelFailover => Operation::CancelFailover,
        Op::ChangeRecoveryPoint(rp) => Operation::ChangeRecoveryPoint {
            recovery_point: rp_choice(rp),
        },
        Op::Reprotect => Operation::Reprotect,
        Op::Resynchronize => Operation::Resynchronize,
        Op::Failback => Operation::Failback {
            shutdown_source: true,
        },
        Op::Disable { force } => Operation::DisableProtection { force },
    }
}

fn classify(e: &Error) -> Answer {
    match e {
        Error::Service(s) => {
            let code = s
                .error
                .as_ref()
                .and_then(|d| d.code.clone())
                .unwrap_or_default();
            if s.status == 409 && code == "OperationNotAllowedInCurrentState" {
                Answer::RefusedByLifecycle(e.to_string())
            } else if s.status == 429 || s.status >= 500 {
                Answer::Faulted(e.to_string())
            } else {
                Answer::Rejected(s.status, format!("{code}: {e}"))
            }
        }
        Error::NotSent(_) | Error::MaybeSent(_) | Error::ResponseUnreadable(_) => {
            Answer::Faulted(e.to_string())
        }
        other => Answer::Rejected(0, format!("unexpected client error: {other}")),
    }
}

fn outcome_of<T>(r: Result<T, Error>) -> Outcome {
    match r {
        Ok(_) => Outcome::Succeeded,
        Err(Error::OperationFailed(f)) => Outcome::Failed(f.to_string()),
        Err(e @ Error::WaitTimedOut(_)) => Outcome::Faulted(e.to_string()),
        Err(e) => match classify(&e) {
            Answer::Faulted(m) => Outcome::Faulted(m),
            other => Outcome::Failed(format!("{other:?}")),
        },
    }
}

/// protection × test failover × resynchronization, the part of a state the properties compare.
fn triple(s: &ItemState) -> (String, String, String) {
    (
        s.protection_state.to_string(),
        s.test_failover_state.to_string(),
        s.resynchronization_state.to_string(),
    )
}

fn is_failed(s: &ItemState) -> bool {
    s.protection_state.is_failed()
        || s.test_failover_state.is_failed()
        || s.resynchronization_state.is_failed()
}

impl Harness {
    /// `http`: the client talks to the emulator's loopback listener through reqwest instead of
    /// in process.
    fn new(world: &World, http: bool) -> Self {
        let vms = world.vms.iter().enumerate().map(|(i, vm)| {
            let mut v = SourceVm::linux(&format!("vm-{i}")).os_disk(vm.os_gb);
            for d in &vm.data_gb {
                v = v.data_disk(*d);
            }
            v
        });
        let emu = Emulator::new(
            Scenario::builder()
                .clear_source_vms()
                .source_vms(vms)
                .seed_vault(true)
                .page_size(world.page_size)
                .appliance(Appliance::default().data_disk_slots(world.appliance_slots))
                .build(),
        );
        let t = emu.topology().clone();
        let time = Arc::new(EmuTime(emu.clone()));
        #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
        let server = http.then(|| {
            azs_site_recovery::emulator::EmulatorServer::start(emu.clone(), "127.0.0.1:0")
                .expect("listener")
        });
        #[cfg(not(all(feature = "emulator-server", feature = "reqwest")))]
        assert!(
            !http,
            "over HTTP needs features emulator-server and reqwest"
        );
        let builder = SiteRecoveryClient::builder();
        #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
        let builder = match &server {
            Some(server) => builder.endpoint(&server.base_url()).expect("endpoint"),
            None => builder
                .endpoint(&t.arm_endpoint)
                .expect("endpoint")
                .transport(emu.clone()),
        };
        #[cfg(not(all(feature = "emulator-server", feature = "reqwest")))]
        let builder = builder
            .endpoint(&t.arm_endpoint)
            .expect("endpoint")
            .transport(emu.clone());
        let client = builder
            .api_version(world.api.clone())
            .clock(time.clone())
            .sleep(time)
            .retry_policy(Arc::new(ExponentialRetry::default().jitter(0.0)))
            .polling(
                PollingOptions::default()
                    .with_default_interval(Duration::from_secs(30))
                    .with_max_wait(Some(Duration::from_secs(24 * 3600))),
            )
            .build()
            .expect("client");
        let names: Vec<String> = (0..world.vms.len()).map(|i| format!("item{i}")).collect();
        let vm_ids = (0..world.vms.len())
            .map(|i| {
                t.source_vm_id(&format!("vm-{i}"))
                    .expect("source vm")
                    .to_owned()
            })
            .collect();
        Harness {
            #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
            _server: server,
            vault: VaultId::new(&t.target_subscription, "asr-rg", "asrvault"),
            model: names.iter().map(|n| (n.clone(), Expect::Absent)).collect(),
            names,
            vm_ids,
            emu,
            client,
            log: Vec::new(),
            agreed: 0,
            inconclusive: 0,
            outside_lifecycle: 0,
        }
    }

    fn enable_body(&self, i: usize) -> ProtectedItem {
        let t = self.emu.topology();
        let body = json!({
            "properties": {
                "policyName": "default-replication-policy",
                "replicationExtensionName": "default-replication-extension",
                "customProperties": {
                    "instanceType": "AzStackToAzStack",
                    "sourceAzStackVirtualMachineId": self.vm_ids[i],
                    "applianceId": t.appliance_id,
                    "targetResourceGroupId": t.target_resource_group_ids.iter().find(|g| g.ends_with("/dr-rg")).expect("dr-rg"),
                    "targetNetworkId": t.target_network_id("dr-vnet").expect("dr-vnet"),
                    "targetSubnetName": "default",
                    "testNetworkId": t.target_network_id("test-vnet").expect("test-vnet"),
                    "testSubnetName": "default",
                    "logStorageAccountId": t.target_storage_account_ids[0],
                }
            }
        });
        serde_json::from_value(body).expect("an enable body")
    }

    fn inject(&self, fault: Inject) {
        let any = RequestMatch::any();
        self.emu.inject(match fault {
            Inject::Throttle(n) => Fault::throttle(any, n),
            Inject::ServerError(n) => Fault::server_error(any, n),
            Inject::DropBeforeProcessing => {
                Fault::drop_connection(any, TransportErrorKind::MaybeSent, 1)
            }
            Inject::DropAfterProcessing => {
                Fault::drop_connection(any, TransportErrorKind::ResponseUnreadable, 1)
            }
            Inject::FailJobStep(step) => Fault::FailJob {
                scenario: None,
                step,
                code: "InjectedStepFailure".into(),
                message: "A job step failed (injected fault).".into(),
            },
            Inject::UnresponsiveAppliance => Fault::UnresponsiveAppliance,
            Inject::MissingTargetNetwork => Fault::MissingTargetNetwork {
                name: "dr-vnet".into(),
            },
        });
    }

    /// Sends `op` with the client's opt-out and, when `wait`, awaits it.
    /// Also returns the virtual time the emulator answered at (before any wait).
    async fn send(&self, i: usize, op: Op, wait: bool) -> (Answer, Outcome, DateTime<Utc>) {
        let items = self.client.protected_items(&self.vault).unchecked();
        let name = &self.names[i];
        macro_rules! settle {
            ($started:expr) => {{
                let started = $started;
                let at = self.emu.now();
                match started {
                    Err(e) => (classify(&e), Outcome::NotWaited, at),
                    Ok(poller) => {
                        let answer = Answer::Accepted {
                            done: poller.is_done(),
                        };
                        if wait {
                            (answer, outcome_of(poller.await), at)
                        } else {
                            (answer, Outcome::NotWaited, at)
                        }
                    }
                }
            }};
        }
        match op {
            Op::Enable => settle!(items.create_or_update(name, &self.enable_body(i)).await),
            Op::Disable { force } => settle!(items.disable(name, force).await),
            Op::Reprotect => {
                let t = self.emu.topology();
                let body = Reprotect::azstack_failback_defaults(
                    t.appliance_id.clone(),
                    t.target_storage_account_ids[0].clone(),
                );
                settle!(items.reprotect(name, &body).await)
            }
            other => settle!(items.perform(name, &operation(other), None).await),
        }
    }

    async fn read(&self, i: usize) -> Result<Option<ProtectedItem>, Error> {
        self.client
            .protected_items(&self.vault)
            .get_opt(&self.names[i])
            .await
    }

    /// Enables the first `n` items and waits for their initial replication, then lets 30
    /// minutes pass (recovery points).
    async fn protect_first(&mut self, n: usize) -> Result<(), TestCaseError> {
        let items = self.client.protected_items(&self.vault);
        for i in 0..n {
            items
                .create_or_update(&self.names[i], &self.enable_body(i))
                .await
                .map_err(|e| TestCaseError::fail(format!("enabling item{i}: {e}")))?
                .await
                .map_err(|e| TestCaseError::fail(format!("enabling item{i}: {e}")))?;
            self.model.insert(self.names[i].clone(), Expect::Present);
        }
        self.emu.advance(Duration::from_secs(1800));
        self.log.push(format!("{n} item(s) protected at start"));
        self.check_vault().await
    }

    async fn run(&mut self, steps: &[Step]) -> Result<(), TestCaseError> {
        for (n, step) in steps.iter().enumerate() {
            self.log.push(format!("#{n} {step:?}"));
            match step {
                Step::Advance { minutes } => {
                    self.emu
                        .advance(Duration::from_secs(u64::from(*minutes) * 60));
                }
                Step::HealAppliance => self.emu.set_appliance_responsive(true),
                Step::RestoreNetwork => {
                    self.emu.add_target_network(
                        VirtualNetwork::new("dr-vnet", "dr-rg", "10.20.0.0/16")
                            .subnet("default", "10.20.0.0/24"),
                    );
                }
                Step::Do {
                    item,
                    op,
                    fault,
                    wait,
                } => {
                    let i = item % self.names.len();
                    self.step(i, *op, *fault, *wait).await?;
                    self.log.push(String::new());
                }
            }
            // Faults last one step; the checks below read through a clean line.
            self.emu.clear_faults();
            self.check_vault().await?;
        }
        Ok(())
    }

    async fn step(
        &mut self,
        i: usize,
        pick: Pick,
        fault: Option<Inject>,
        wait: bool,
    ) -> Result<(), TestCaseError> {
        let before = self
            .read(i)
            .await
            .map_err(|e| TestCaseError::fail(format!("reading item{i}: {e}")))?;
        let state = before
            .as_ref()
            .map(ItemState::from_item)
            .unwrap_or_else(ItemState::absent);
        let op = match pick {
            Pick::Any(op) => op,
            Pick::Allowed(n) => {
                let allowed = lifecycle::allowed_operations(&state);
                let mut choices: Vec<OperationKind> = allowed
                    .iter()
                    .copied()
                    .filter(|k| *k != OperationKind::DisableProtection)
                    .collect();
                if choices.is_empty() {
                    choices = allowed;
                }
                match choices.get(n % choices.len().max(1)) {
                    Some(k) => op_of(*k, &state),
                    None => {
                        self.log.push("  nothing is allowed".into());
                        return Ok(());
                    }
                }
            }
        };
        self.log.push(format!("  sends {op:?}"));
        let operation = operation(op);
        let verdict = lifecycle::check(&state, &operation);
        // A failback of an item that is not re-protected is a client-side assertion only: on
        // the wire it is the same `plannedFailover` as a planned failover, so the service
        // cannot refuse it as a failback.
        if op_is_failback_of_forward(&operation, &state) {
            prop_assert!(verdict.is_err(), "failback allowed on a forward item");
            self.log
                .push("  client refuses a failback of a forward item (not sent)".into());
            return Ok(());
        }
        if let Some(f) = fault {
            self.inject(f);
        }
        let t0 = self.emu.now();
        let (answer, outcome, answered_at) = self.send(i, op, wait).await;
        // Request faults decide the answer themselves; job and appliance faults act later.
        let request_fault = !matches!(
            fault,
            None | Some(
                Inject::FailJobStep(_)
                    | Inject::UnresponsiveAppliance
                    | Inject::MissingTargetNetwork
            )
        );
        self.log.push(format!(
            "  state {:?}, client {}, emulator {answer:?}, outcome {outcome:?}",
            triple(&state),
            match &verdict {
                Ok(_) => "allows".to_owned(),
                Err(r) => format!("refuses ({})", r.reason),
            }
        ));

        // (a) agreement, when nothing but the lifecycle decided the answer.
        let time_moved = answered_at != t0;
        let conclusive = !request_fault && !time_moved && !matches!(answer, Answer::Faulted(_));
        if conclusive {
            match (&verdict, &answer) {
                (Ok(_), Answer::Accepted { .. }) | (Err(_), Answer::RefusedByLifecycle(_)) => {
                    self.agreed += 1
                }
                // A PUT on an item that exists is an update of its writable properties, not an
                // enable: answered at once, or 409 while an operation is in flight.
                (Err(_), Answer::Accepted { done: true })
                    if op_is_update(&operation, &state) && !state.operation_in_flight() =>
                {
                    self.agreed += 1
                }
                (Err(_), Answer::Rejected(409, _))
                    if op_is_update(&operation, &state) && state.operation_in_flight() =>
                {
                    self.agreed += 1
                }
                // Data, not state: a test failover or failover needs a recovery point, which the
                // lifecycle cannot see (documented: wait for replication to create one).
                (Ok(_), Answer::Rejected(400, why)) if why.starts_with("NoRecoveryPointAvailable") => {
                    self.outside_lifecycle += 1
                }
                // A reference to a resource that does not exist (the target network a fault
                // removed) is checked by the service, not by the lifecycle (an enable, or the
                // update a PUT on an existing item is).
                (v, Answer::Rejected(400, why))
                    if why.starts_with("LinkedResourceNotFound")
                        && (v.is_ok() || op_is_update(&operation, &state)) => {
                    self.outside_lifecycle += 1
                }
                // ARM deletes are idempotent: deleting nothing is a finished no-op (204).
                (Err(_), Answer::Accepted { done: true })
                    if !state.exists && operation.kind() == OperationKind::DisableProtection =>
                {
                    self.agreed += 1
                }
                // Nothing to act on: the service's refusal is the 404 of the item.
                (Err(_), Answer::Rejected(404, _)) if !state.exists => self.agreed += 1,
                (Ok(_), other) => {
                    return Err(TestCaseError::fail(format!(
                        "the client allows {operation} in {:?} but the emulator answered {other:?}",
                        triple(&state)
                    )))
                }
                (Err(r), other) => {
                    return Err(TestCaseError::fail(format!(
                        "the client refuses {operation} in {:?} ({}) but the emulator answered {other:?}",
                        triple(&state),
                        r.reason
                    )))
                }
            }
        } else {
            self.inconclusive += 1;
        }

        // The model of what exists.
        let name = self.names[i].clone();
        let prior = self.model[&name];
        // A request fault may have let the first attempt through and then decided the answer
        // (a PUT retried after its answer was lost meets its own operation: 409).
        let unsure = request_fault || matches!(answer, Answer::Faulted(_));
        let next = match (op, &answer, &outcome) {
            (Op::Enable, Answer::Accepted { .. }, _) => Expect::Present,
            (Op::Enable, _, _) if unsure && prior == Expect::Absent => Expect::Unknown,
            (Op::Disable { .. }, Answer::Accepted { .. }, Outcome::Succeeded) => Expect::Absent,
            (Op::Disable { .. }, Answer::Accepted { .. }, _) => Expect::Leaving,
            (Op::Disable { .. }, _, _) if unsure && prior != Expect::Absent => Expect::Leaving,
            _ => prior,
        };
        self.model.insert(name, next);

        // (c) a failure leaves a documented, retryable state.
        if let (Outcome::Failed(why), Ok(t)) = (&outcome, &verdict) {
            self.check_failure(i, &operation, &state, t, why).await?;
        }
        Ok(())
    }

    async fn check_failure(
        &self,
        i: usize,
        op: &Operation,
        before: &ItemState,
        t: &Transition,
        why: &str,
    ) -> Result<(), TestCaseError> {
        let after = self
            .read(i)
            .await
            .map_err(|e| TestCaseError::fail(format!("reading item{i}: {e}")))?;
        let Some(after) = after.as_ref().map(ItemState::from_item) else {
            // Only a disable may take the item away, failed or not.
            prop_assert!(
                op.kind() == OperationKind::DisableProtection,
                "{op} failed ({why}) and item{i} is gone"
            );
            return Ok(());
        };
        let documented = triple(&after) == triple(before)
            || (0..=t.steps.len()).any(|s| triple(&t.failed_state(before, s)) == triple(&after));
        prop_assert!(
            documented,
            "{op} failed ({why}) and left item{i} in {:?}, which the lifecycle does not document \
             for a failure from {:?}",
            triple(&after),
            triple(before)
        );
        if is_failed(&after) {
            let allowed = lifecycle::allowed_operations(&after);
            let retry = retries(op.kind()).iter().any(|k| allowed.contains(k));
            prop_assert!(
                retry,
                "{op} failed ({why}) and left item{i} in {:?} from which only {allowed:?} is allowed",
                triple(&after)
            );
        }
        Ok(())
    }

    /// (b) the vault lists each item that must exist once, and nothing that must not.
    async fn check_vault(&mut self) -> Result<(), TestCaseError> {
        let listed: Vec<ProtectedItem> = self
            .client
            .protected_items(&self.vault)
            .list()
            .try_collect()
            .await
            .map_err(|e| TestCaseError::fail(format!("listing the vault: {e}")))?;
        let mut seen = BTreeSet::new();
        let mut vms = BTreeSet::new();
        for item in &listed {
            let name = item.name.clone().unwrap_or_default();
            prop_assert!(seen.insert(name.clone()), "{name} listed twice");
            let vm = serde_json::to_value(item).expect("item")["properties"]["customProperties"]
                ["sourceAzStackVirtualMachineId"]
                .as_str()
                .unwrap_or_default()
                .to_ascii_lowercase();
            prop_assert!(vms.insert(vm.clone()), "{vm} protected twice");
            // Every listed item is a failed-or-not state from which something can be done.
            let state = ItemState::from_item(item);
            // (An item with a job running is busy, not stuck.)
            if is_failed(&state) && !state.job_in_flight() && !state.operation_in_flight() {
                let allowed = lifecycle::allowed_operations(&state);
                // A failed disable is retried by disabling again; anything else must offer more.
                let disabling = state.protection_state
                    == azs_site_recovery::model::ProtectionState::DisablingFailed;
                prop_assert!(
                    (disabling && allowed.contains(&OperationKind::DisableProtection))
                        || allowed
                            .iter()
                            .any(|k| *k != OperationKind::DisableProtection),
                    "{name} is stuck in {:?}: only {allowed:?}",
                    triple(&state)
                );
            }
        }
        for (name, expect) in self.model.iter_mut() {
            let present = seen.contains(name);
            match (*expect, present) {
                (Expect::Present, false) => {
                    return Err(TestCaseError::fail(format!("{name} was lost")))
                }
                (Expect::Absent, true) => {
                    return Err(TestCaseError::fail(format!(
                        "{name} exists but was never created or was deleted"
                    )))
                }
                (Expect::Unknown, p) => *expect = if p { Expect::Present } else { Expect::Absent },
                (Expect::Leaving, false) => *expect = Expect::Absent,
                _ => {}
            }
        }
        for name in &seen {
            prop_assert!(self.model.contains_key(name), "unexpected item {name}");
        }
        Ok(())
    }
}

/// What retries a failed `kind`: the operation itself or the documented way back.
fn retries(kind: OperationKind) -> Vec<OperationKind> {
    use OperationKind as K;
    match kind {
        // A failed initial replication is repaired by a resynchronization [PROT].
        K::EnableProtection => vec![K::EnableProtection, K::Resynchronize],
        // A failed test failover is cleaned up, then tried again.
        K::TestFailover => vec![K::TestFailover, K::CleanupTestFailover],
        K::Failback => vec![K::Failback, K::PlannedFailover],
        // Re-protecting an uncommitted failover commits it first; a failed commit step is
        // retried by committing, then re-protecting.
        K::Reprotect => vec![K::Reprotect, K::Commit],
        other => vec![other],
    }
}

fn op_of(kind: OperationKind, state: &ItemState) -> Op {
    use OperationKind as K;
    match kind {
        K::EnableProtection => Op::Enable,
        K::TestFailover => Op::TestFailover(Rp::Latest),
        K::CleanupTestFailover => Op::CleanupTestFailover,
        K::PlannedFailover => Op::PlannedFailover,
        K::UnplannedFailover => Op::UnplannedFailover(Rp::LatestProcessed),
        K::Commit => Op::Commit,
        K::CancelFailover => Op::CancelFailover,
        K::ChangeRecoveryPoint => Op::ChangeRecoveryPoint(Rp::Latest),
        K::Reprotect => Op::Reprotect,
        K::Resynchronize => Op::Resynchronize,
        K::Failback => Op::Failback,
        _ => Op::Disable {
            force: lifecycle::check(state, &Operation::DisableProtection { force: false }).is_err(),
        },
    }
}

fn op_is_update(op: &Operation, state: &ItemState) -> bool {
    op.kind() == OperationKind::EnableProtection && state.exists
}

fn op_is_failback_of_forward(op: &Operation, state: &ItemState) -> bool {
    op.kind() == OperationKind::Failback
        && state.exists
        && state.direction != lifecycle::Direction::Failback
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        max_shrink_iters: 2_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn client_and_emulator_agree_and_nothing_is_lost(
        world in world(),
        steps in prop::collection::vec(step(), 1..=12),
    ) {
        run_case(&world, &steps, false)?;
    }
}

#[cfg(all(feature = "emulator-server", feature = "reqwest"))]
proptest! {
    // Over loopback HTTP each case costs a listener and real sockets: fewer cases.
    #![proptest_config(ProptestConfig { cases: config().cases / 4, ..config() })]

    #[test]
    fn over_http_too(
        world in world(),
        steps in prop::collection::vec(step(), 1..=12),
    ) {
        run_case(&world, &steps, true)?;
    }
}

fn run_case(world: &World, steps: &[Step], http: bool) -> Result<(), TestCaseError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut h = Harness::new(world, http);
    let result = rt.block_on(async {
        h.protect_first(world.protected_at_start).await?;
        h.run(steps).await
    });
    if std::env::var_os("PROPS_LOG").is_some() {
        eprintln!(
            "case: {} agreed, {} inconclusive, {} refused for data\n{}",
            h.agreed,
            h.inconclusive,
            h.outside_lifecycle,
            h.log.join("\n")
        );
    }
    result.map_err(|e| TestCaseError::fail(format!("{e}\nlog:\n{}", h.log.join("\n"))))
}
