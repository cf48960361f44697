//! An in-process emulator of Azure Site Recovery on Azure Stack Hub: the
//! `Microsoft.DataReplication` resource provider and the two stamps around it.
//!
//! [`Emulator`] is a [`Transport`]: give it to the client instead of reqwest and the client talks
//! to it exactly as it talks to ARM (absolute `https://management.../subscriptions/...` URLs,
//! `api-version` query, JSON bodies). It is cheap to clone (the state is shared), so a test keeps
//! a handle to drive the [virtual clock](Emulator::advance), [inject faults](Emulator::inject) and
//! inspect the stamps while the client owns another.
//!
//! What it serves:
//! * `Microsoft.DataReplication` for `2021-02-16-preview`, `2024-09-01` and `2026-05-01`: vaults,
//!   fabrics, fabric agents, policies, replication extensions, protected items and their actions,
//!   recovery points, jobs, events, alert settings, operation status (`.../operations/{id}` per
//!   resource on the preview, `locations/{l}/operationResults/{id}` on GA), `Location` results,
//!   the operations list, name availability and deployment preflight. Shapes and LRO headers
//!   per api-version as in the specs (see [Long-running operations](#long-running-operations)).
//! * The ARM reads a preflight makes of the stamps (Compute usages, VMs, disks, virtual networks,
//!   NICs, storage accounts, resource groups with tags, role assignments and definitions), any
//!   api-version.
//! * `GET /metadata/endpoints?api-version=2015-01-01` and a client-credentials token endpoint.
//! * The [control endpoint](#control-endpoint) under `/_emulator/`, outside the ARM namespace.
//!
//! `SiteRecoveryClient::builder().in_process(&emulator)` wires a client to it: endpoint,
//! transport, and the virtual clock as the client's clock and sleep (so polls and retries take
//! virtual time, not wall time); see [`InProcessService`](crate::pipeline::InProcessService).
//!
//! With the `emulator-server` feature, `EmulatorServer` serves it over loopback HTTP (or HTTPS
//! with a generated certificate, `TlsIdentity`) for any ARM client; `ServerOptions` is the
//! command line of `examples/emulator.rs`, which prints one JSON line with the endpoint and the
//! well-known ids (the ready-made vault, policy and extension included), then serves until
//! stopped. The listener advertises at most 1 s of `Retry-After` by default while the auto clock
//! moves by the operation's real step, so an unchanged client that sleeps what it is told runs a
//! drill in seconds ([`Scenario::advertised_retry_after_cap`]).
//!
//! Everything the service would refuse is refused the ARM way
//! (`{"error":{"code","message","target","details"}}`): unknown api-versions
//! (`InvalidApiVersionParameter` / `NoRegisteredProviderFound`), missing fields
//! (`InvalidRequestContent` with the field as `target`), references to a policy, extension,
//! network, storage account, VM or resource group that does not exist (`LinkedResourceNotFound`),
//! conflicts (`409 Conflict`), operations the protected item's state does not allow (`409
//! OperationNotAllowedInCurrentState`, with the reason and what to do).
//!
//! # Long-running operations
//!
//! * 2024-09-01 / 2026-05-01: PUT → `201` + `Azure-AsyncOperation` + `Retry-After`; DELETE and
//!   POST actions → `202` + `Location` + `Retry-After`.
//! * 2021-02-16-preview: `201`/`202` carry both `Azure-AsyncOperation` and `Location`
//!   (final-state-via location).
//! * `Location` answers `202` while running, then the final result; the status monitor answers
//!   `200` with `status` `InProgress` / `Succeeded` / `Failed` (+ `error`).
//! * Lists page with `nextLink` (absolute, same host as the request, `continuationToken` query);
//!   page size from the scenario or the request's `pageSize`.
//!
//! # Control endpoint
//!
//! For clients that cannot call [`Emulator::advance`] or [`Emulator::inject`] (another language,
//! another process), the same operations answer under `/_emulator/` on the same transport or
//! listener. No `api-version`, no token; never faulted; the clock moves only when asked.
//!
//! | Request | Effect |
//! |---|---|
//! | `GET /_emulator/state` | `{"now","clockMode","requests","applianceFreeSlots","vms":[{"id","powerState"}]}` |
//! | `POST /_emulator/advance?seconds=N` | [`Emulator::advance`] by `N` virtual seconds |
//! | `POST /_emulator/run-until-idle?limitSeconds=N` | [`Emulator::run_until_idle`] (default 30 days); adds `advancedSeconds` |
//! | `POST /_emulator/clock?mode=auto\|manual` | [`Emulator::set_clock_mode`] |
//! | `POST /_emulator/faults` with a JSON fault | [`Emulator::inject`]; `201` |
//! | `DELETE /_emulator/faults` | [`Emulator::clear_faults`] |
//! | `POST /_emulator/appliance?responsive=true\|false` | [`Emulator::set_appliance_responsive`] |
//!
//! Each answers the state. A fault is `{"kind": ...}`: `throttle` (`retryAfterSeconds`),
//! `serverError` (`status`, default 503), `dropConnection` (`stage`: `maybeSent` or
//! `responseUnreadable`), each with optional `method`, `pathContains` and `times` (default 1) or
//! `"always": true`; `failJob` (`scenario`, `step`, `code`, `message`); `unresponsiveAppliance`;
//! `missingTargetNetwork` (`name`). Errors are ARM-shaped: `400 InvalidControlRequest` saying what
//! was wrong, `404 UnknownControlPath`.
//!
//! ```
//! use azs_site_recovery::emulator::Emulator;
//! use azs_site_recovery::http::{Method, Request};
//!
//! let emu = Emulator::default();
//! let base = &emu.topology().arm_endpoint;
//! let fault = Request::new(Method::Post, format!("{base}/_emulator/faults").parse().unwrap())
//!     .with_json(br#"{"kind":"throttle","method":"GET","times":1}"#.to_vec());
//! assert_eq!(emu.handle(&fault).status, 201);
//! let url = format!("{base}{}?api-version=2024-09-01", emu.topology().source_fabric_id);
//! assert_eq!(emu.handle(&Request::new(Method::Get, url.parse().unwrap())).status, 429);
//! let advance = format!("{base}/_emulator/advance?seconds=60");
//! let state = emu.handle(&Request::new(Method::Post, advance.parse().unwrap()));
//! let state: serde_json::Value = serde_json::from_slice(&state.body).unwrap();
//! assert_eq!(state["now"], "2026-01-01T00:01:00Z");
//! ```
//!
//! # Time
//!
//! See [`ClockMode`]: time moves only through [`Emulator::advance`] (manual) or, in auto mode, by
//! the `Retry-After` of each response that carries one (the virtual step, before any advertised
//! cap), so a polling client sees a 40-minute initial replication finish after a few polls.
//!
//! # Protected items
//!
//! Actions are `POST {protectedItemId}/{action}` with the names of the inferred Azure
//! Stack Hub wire contract (only `plannedFailover` is in the public spec and `reprotect`
//! documented by Microsoft): `testFailover`, `testFailoverCleanup`, `plannedFailover`,
//! `unplannedFailover`, `commit`, `cancelFailover`, `resynchronize`, `reprotect`,
//! `changeRecoveryPoint`, each answered `202` + `Location`. Enabling is the PUT
//! (`AzStackToAzStack`), disabling the DELETE (`forceDelete=true` cancels a running job).
//!
//! Whether an operation is allowed, and which states the item passes through, is decided by the
//! crate's [`lifecycle`](crate::lifecycle) (one state machine for client and emulator): a refusal
//! is `409 OperationNotAllowedInCurrentState` with the lifecycle's reason and remedy, and
//! `allowedJobs` is [`lifecycle::allowed_operations`](crate::lifecycle::allowed_operations) of the
//! item's state. Each operation runs as a job whose tasks take virtual time and show the
//! lifecycle transition's steps. What they do (Microsoft's Azure Stack Hub
//! Site Recovery documentation):
//!
//! * **Enable** checks the appliance (it must be responsive) and the target network, then
//!   replicates for total disk size / throughput (50 MiB/s by default: 127 GiB ≈ 43 minutes);
//!   the PUT's operation completes when the item is `Protected`. Recovery points then appear
//!   every `crashConsistentFrequencyInMinutes` (app-consistent every
//!   `appConsistentFrequencyInMinutes`), kept for `recoveryPointHistoryInMinutes`; they are
//!   computed, so a year of virtual time costs nothing.
//! * **Test failover** (recovery point `Latest`, `LatestProcessed`,
//!   `LatestApplicationConsistent` or `Custom` + `recoveryPointId`) creates `{vm}-test` in the
//!   item's `testNetworkId` (per item; it cannot be chosen at test-failover time) while the source
//!   keeps running; **cleanup** deletes it.
//! * **Planned failover** shuts the source VM down first; **unplanned** only with
//!   `shutdownSourceVM`. Both create the target VM (`targetVmName`/`targetVmSize` or the source's)
//!   in `targetNetworkId`/`targetSubnetName` within the target subscription's compute quota.
//!   **Commit** completes the failover; **cancel** deletes the target VM and restarts the source.
//! * **Re-protect** (`AzStackToAzStackFailback` with `applianceId`, `logStorageAccountId`,
//!   `policyName`, `replicationExtensionName`, all required: known issue 4) commits an
//!   uncommitted failover first, shuts the source VM down, swaps in a temporary 1 GB OS disk and
//!   attaches one replica disk per protected disk to the appliance. Beyond the appliance's free
//!   data-disk slots (31 on the default appliance) it fails with "An internal error occurred.",
//!   like the real one (known issue 1); the slot count is in a vault event. Then replication runs
//!   back to the source stamp.
//! * **Failback** (planned failover of a re-protected item) reuses the source VM if it exists
//!   (disks replaced, old ones detached and kept, NICs kept) or recreates it with new NICs, and
//!   frees the appliance's slots; committing it deletes the failed-over VM on the target stamp.
//!   Protection cannot be re-enabled afterwards (disable, remove the agent, enable again).
//! * **Disable** removes the item and its test VM and frees appliance slots.
//!
//! ```
//! use azs_site_recovery::emulator::{ClockMode, Emulator, Scenario};
//! use azs_site_recovery::http::{Method, Request};
//!
//! let emu = Emulator::new(Scenario::builder().seed_vault(true).clock_mode(ClockMode::Auto).build());
//! let t = emu.topology();
//! let url = format!("{}{}?api-version=2024-09-01", t.arm_endpoint, t.vault_id("asrvault"));
//! let resp = emu.handle(&Request::new(Method::Get, url.parse().unwrap()));
//! assert_eq!(resp.status, 200);
//! ```
//!
//! [`Transport`]: crate::transport::Transport

mod arm;
mod client;
mod clock;
mod control;
mod data_replication;
mod faults;
mod identity;
#[cfg(feature = "emulator-server")]
mod options;
mod router;
mod scenario;
#[cfg(feature = "emulator-server")]
mod server;
mod stamps;
mod store;
mod table;
#[cfg(feature = "emulator-server")]
mod tls;
mod topology;

pub use clock::ClockMode;
pub use faults::{Fault, RequestMatch, Trigger};
#[cfg(feature = "emulator-server")]
#[cfg_attr(docsrs, doc(cfg(feature = "emulator-server")))]
pub use options::{OptionsError, ServerOptions, Started, USAGE, VIRTUAL_STEP_WITH_CAP};
pub use scenario::{
    defaults, Appliance, ComputeQuota, Disk, Identity, Nic, OsType, PowerState, ResourceGroup,
    Role, RoleAssignment, Scenario, ScenarioBuilder, SourceVm, Stamp, StorageAccount, Subnet,
    VirtualNetwork,
};
#[cfg(feature = "emulator-server")]
#[cfg_attr(docsrs, doc(cfg(feature = "emulator-server")))]
pub use server::EmulatorServer;
#[cfg(feature = "emulator-server")]
#[cfg_attr(docsrs, doc(cfg(feature = "emulator-server")))]
pub use tls::TlsIdentity;
pub use topology::Topology;

use crate::http::{Request, Response};
use crate::transport::{Transport, TransportError, TransportErrorKind};
use chrono::{DateTime, Utc};
use faults::RequestFault;
use std::sync::{Arc, Mutex, MutexGuard};
use store::{Settings, State};

/// The emulator. Cheap to clone: clones share one state.
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Mutex<State>>,
    topology: Arc<Topology>,
}

impl Default for Emulator {
    /// The emulator of the [default scenario](Scenario::default).
    fn default() -> Self {
        Emulator::new(Scenario::default())
    }
}

impl Emulator {
    /// An emulator of `scenario`.
    pub fn new(scenario: Scenario) -> Self {
        let mut ids = faults::SplitMix::new(scenario.seed ^ 0xA5A5_5A5A);
        let world = stamps::World::from_scenario(&scenario, &mut ids);
        let settings = Settings {
            page_size: scenario.page_size.max(1),
            throughput_mib_per_s: scenario.throughput_mib_per_s,
            max_retry_after: clock::to_chrono(scenario.max_retry_after),
            advertised_retry_after_cap: scenario.advertised_retry_after_cap,
            strict_names: scenario.strict_names,
            require_auth: scenario.require_auth,
            static_token: scenario.static_token.clone(),
            api_versions: scenario.api_versions.clone(),
        };
        let clock = clock::VirtualClock::new(scenario.start_time, scenario.clock_mode);
        let mut state = State::new(clock, settings, scenario.seed, world);
        let topology = topology::seed(&mut state, &scenario);
        for f in scenario.faults {
            apply_fault(&mut state, f);
        }
        Emulator {
            inner: Arc::new(Mutex::new(state)),
            topology: Arc::new(topology),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock would be a bug in the emulator; keep serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Well-known ids of the world.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// Answers one request. A dropped-connection fault shows up here as a `502` with header
    /// `x-ms-emulator-dropped` (its kind); use [`Emulator::handle_or_drop`] (or the
    /// [`Transport`] impl) to get it as a [`TransportError`].
    pub fn handle(&self, request: &Request) -> Response {
        match self.handle_or_drop(request) {
            Ok(r) => r,
            Err(e) => {
                let mut r = Response::new(502);
                r.headers.insert(
                    "x-ms-emulator-dropped",
                    match e.kind() {
                        TransportErrorKind::ResponseUnreadable => "response-unreadable",
                        TransportErrorKind::NotSent => "not-sent",
                        _ => "maybe-sent",
                    },
                );
                r
            }
        }
    }

    /// Answers one request, or fails it the way a dropped connection does.
    pub fn handle_or_drop(&self, request: &Request) -> Result<Response, TransportError> {
        if let Some(resp) = control::handle(self, request) {
            return Ok(resp);
        }
        let mut state = self.lock();
        state.request_count += 1;
        state.settle();
        let fault = {
            let State { faults, rng, .. } = &mut *state;
            faults.on_request(request, rng)
        };
        let mut dropped_after = None;
        let injected = matches!(
            fault,
            Some(RequestFault::Throttle(_) | RequestFault::ServerError(_))
        );
        let mut resp = match fault {
            Some(RequestFault::Throttle(after)) => {
                let secs = after.as_secs().max(1);
                let mut r = arm::ArmError::new(
                    429,
                    "TooManyRequests",
                    format!("The request was throttled. Retry after {secs} seconds."),
                )
                .into_response();
                r.headers.insert("Retry-After", secs.to_string());
                r
            }
            Some(RequestFault::ServerError(status)) => arm::ArmError::new(
                status,
                if status == 503 {
                    "ServiceUnavailable"
                } else {
                    "InternalServerError"
                },
                "The service is temporarily unavailable (injected fault). Retry the request.",
            )
            .into_response(),
            Some(RequestFault::Drop(TransportErrorKind::ResponseUnreadable)) => {
                dropped_after = Some(TransportErrorKind::ResponseUnreadable);
                router::dispatch(&mut state, request)
            }
            Some(RequestFault::Drop(kind)) => {
                return Err(TransportError::new(
                    kind,
                    format!(
                        "connection dropped before the emulator read {} {} (injected fault)",
                        request.method,
                        request.url.path()
                    ),
                ));
            }
            None => router::dispatch(&mut state, request),
        };
        let request_id = state.rng.guid();
        resp.headers.insert("x-ms-request-id", request_id.clone());
        resp.headers.insert(
            "x-ms-correlation-request-id",
            request
                .headers
                .get("x-ms-correlation-request-id")
                .map(str::to_owned)
                .unwrap_or(request_id),
        );
        if let Some(id) = request.headers.get("x-ms-client-request-id") {
            resp.headers.insert("x-ms-client-request-id", id.to_owned());
        }
        if state.clock.mode == ClockMode::Auto {
            if let Some(secs) = resp
                .headers
                .get("Retry-After")
                .and_then(|s| s.trim().parse::<u64>().ok())
            {
                // An injected throttle may ask for any number of seconds: saturate, never panic.
                let by = clock::to_chrono(std::time::Duration::from_secs(secs));
                state.clock.advance(by);
                state.settle();
            }
        }
        if let (Some(cap), false) = (state.settings.advertised_retry_after_cap, injected) {
            cap_retry_after(&mut resp, cap);
        }
        match dropped_after {
            Some(kind) => Err(TransportError::new(
                kind,
                format!("connection dropped while reading the response to {} {} (injected fault; the request was processed)", request.method, request.url.path()),
            )),
            None => Ok(resp),
        }
    }

    /// The virtual time.
    pub fn now(&self) -> DateTime<Utc> {
        self.lock().now()
    }

    /// Moves the virtual clock forward; everything due by then happens, in time order.
    pub fn advance(&self, by: std::time::Duration) {
        let mut s = self.lock();
        s.clock.advance(clock::to_chrono(by));
        s.settle();
    }

    /// Advances the clock to each next piece of background work until nothing is pending
    /// (recovery points are computed, not pending) or `limit` of virtual time has passed.
    /// Returns the virtual time that passed.
    pub fn run_until_idle(&self, limit: std::time::Duration) -> std::time::Duration {
        let mut s = self.lock();
        let start = s.now();
        let end = start
            .checked_add_signed(clock::to_chrono(limit))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        while let Some(next) = s.next_due() {
            if next > end {
                break;
            }
            let by = next - s.now();
            s.clock.advance(by);
            s.settle();
        }
        (s.now() - start).to_std().unwrap_or_default()
    }

    /// The clock mode.
    pub fn clock_mode(&self) -> ClockMode {
        self.lock().clock.mode
    }

    /// Switches between manual and auto clock.
    pub fn set_clock_mode(&self, mode: ClockMode) {
        self.lock().clock.mode = mode;
    }

    /// Injects a fault (see [`Fault`]).
    pub fn inject(&self, fault: Fault) {
        apply_fault(&mut self.lock(), fault);
    }

    /// Removes every pending request and job fault (state faults stay; see
    /// [`Emulator::set_appliance_responsive`]).
    pub fn clear_faults(&self) {
        self.lock().faults.active.clear();
    }

    /// Makes the appliance responsive again (or not).
    pub fn set_appliance_responsive(&self, responsive: bool) {
        let mut s = self.lock();
        let now = s.now();
        let app = &mut s.world.appliance;
        app.responsive = responsive;
        app.stale_since = if responsive {
            None
        } else {
            Some(app.stale_since.unwrap_or(now))
        };
    }

    /// Free data-disk slots on the appliance.
    pub fn appliance_free_slots(&self) -> u32 {
        let s = self.lock();
        s.world
            .appliance
            .slots
            .saturating_sub(s.world.appliance.used_slots)
    }

    /// The power state of a VM on either stamp (`None` if it does not exist).
    pub fn vm_power_state(&self, vm_id: &str) -> Option<PowerState> {
        self.lock().world.vm(vm_id).map(|v| v.power)
    }

    /// Deletes a VM with its disks and NICs from either stamp, as a disaster (or an operator)
    /// would. Returns `false` if it did not exist.
    ///
    /// ```
    /// use azs_site_recovery::emulator::Emulator;
    /// let emu = Emulator::default();
    /// let web01 = emu.topology().source_vm_id("web-01").unwrap().to_owned();
    /// assert!(emu.remove_vm(&web01));
    /// assert!(emu.vm_power_state(&web01).is_none());
    /// ```
    pub fn remove_vm(&self, vm_id: &str) -> bool {
        let mut s = self.lock();
        let existed = s.world.vm(vm_id).is_some();
        s.world.delete_vm(vm_id);
        existed
    }

    /// Adds (or replaces) a virtual network on the target stamp, e.g. to restore one a
    /// [`Fault::MissingTargetNetwork`] removed. Returns its id.
    pub fn add_target_network(&self, network: VirtualNetwork) -> String {
        let mut s = self.lock();
        let (sub, loc) = (s.world.target_sub.clone(), s.world.target_location.clone());
        s.world.add_network(&sub, &loc, &network)
    }

    /// Ids of the VMs on either stamp, sorted.
    pub fn vm_ids(&self) -> Vec<String> {
        self.lock()
            .world
            .vms
            .values()
            .map(|v| v.id.clone())
            .collect()
    }

    /// Requests handled so far.
    pub fn request_count(&self) -> u64 {
        self.lock().request_count
    }
}

/// A summary (the whole state would be too much to print).
impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never wait for the lock here: Debug may run while a request is being handled.
        let Ok(s) = self.inner.try_lock() else {
            return f.write_str("Emulator { <busy> }");
        };
        f.debug_struct("Emulator")
            .field("now", &s.now())
            .field("clock_mode", &s.clock.mode)
            .field("resources", &s.resources.len())
            .field("protected_items", &s.items.len())
            .field("jobs", &s.jobs.len())
            .field("vms", &s.world.vms.len())
            .field("requests", &s.request_count)
            .finish()
    }
}

#[async_trait::async_trait]
impl Transport for Emulator {
    async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        self.handle_or_drop(request)
    }
}

/// Advertises at most `cap` in the response's `Retry-After` (the virtual step it stood for has
/// already moved the auto clock).
fn cap_retry_after(resp: &mut Response, cap: std::time::Duration) {
    let secs = resp
        .headers
        .get("Retry-After")
        .and_then(|s| s.trim().parse::<u64>().ok());
    if let Some(secs) = secs {
        let capped = secs.min(cap.as_secs());
        if capped != secs {
            resp.headers.insert("Retry-After", capped.to_string());
        }
    }
}

fn apply_fault(state: &mut State, fault: Fault) {
    match fault {
        Fault::UnresponsiveAppliance => {
            let now = state.now();
            let app = &mut state.world.appliance;
            app.responsive = false;
            app.stale_since.get_or_insert(now);
        }
        Fault::MissingTargetNetwork { name } => {
            let target = format!(
                "/subscriptions/{}/",
                state.world.target_sub.to_ascii_lowercase()
            );
            state
                .world
                .networks
                .retain(|k, n| !(k.starts_with(&target) && n.name.eq_ignore_ascii_case(&name)));
        }
        other => state.faults.active.push(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_a_summary() {
        let shown = format!("{:?}", Emulator::default());
        assert!(shown.starts_with("Emulator {"), "{shown}");
        assert!(shown.contains("vms: 13"), "{shown}");
        assert!(shown.len() < 300, "{shown}");
    }
}
