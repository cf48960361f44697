//! The emulator's state: resources, operations, jobs, events, the scheduler of background work,
//! and the two stamps.

use super::arm::ArmError;
use super::clock::{arm_time, VirtualClock};
use super::data_replication::protected_items::Item;
use super::faults::{Faults, SplitMix};
use super::stamps::World;
use super::table::Table;
use crate::http::Method;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// Settings copied from the scenario.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) page_size: usize,
    pub(crate) throughput_mib_per_s: f64,
    pub(crate) max_retry_after: Duration,
    pub(crate) advertised_retry_after_cap: Option<std::time::Duration>,
    pub(crate) strict_names: bool,
    pub(crate) require_auth: bool,
    pub(crate) static_token: Option<String>,
    pub(crate) api_versions: Vec<crate::api_version::ApiVersion>,
}

/// The kinds of stored (JSON-bodied) Microsoft.DataReplication resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Vault,
    Fabric,
    FabricAgent,
    Policy,
    Extension,
    AlertSetting,
}

/// A stored resource: its kind and its body in the newest (2026-05-01) shape.
#[derive(Debug, Clone)]
pub(crate) struct Res {
    pub(crate) kind: Kind,
    pub(crate) body: Value,
}

/// The status of a long-running operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpStatus {
    InProgress,
    Succeeded,
    Failed,
    Canceled,
}

impl OpStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OpStatus::InProgress => "InProgress",
            OpStatus::Succeeded => "Succeeded",
            OpStatus::Failed => "Failed",
            OpStatus::Canceled => "Canceled",
        }
    }
}

/// What completing a simple (job-less) operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpEffect {
    /// `provisioningState` becomes `Succeeded`.
    Provision,
    /// The resource (and everything under it) is removed.
    Delete,
}

/// A long-running operation.
#[derive(Debug, Clone)]
pub(crate) struct Op {
    pub(crate) id: String,
    pub(crate) method: Method,
    pub(crate) resource_id: String,
    pub(crate) location: String,
    pub(crate) status: OpStatus,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: Option<DateTime<Utc>>,
    pub(crate) error: Option<ArmError>,
    /// When a job-less operation completes.
    pub(crate) due: Option<DateTime<Utc>>,
    pub(crate) effect: Option<OpEffect>,
    /// The job that decides the outcome, for protected-item operations.
    pub(crate) job: Option<String>,
    /// What the `Location` answers (`200`) once a POST action succeeded; `204` when `None`.
    pub(crate) result: Option<serde_json::Value>,
}

/// Background work, in time order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Due {
    Op(String),
    JobStep(String),
}

/// A vault event.
#[derive(Debug, Clone)]
pub(crate) struct EventRec {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) resource_type: String,
    pub(crate) resource_name: String,
    pub(crate) event_type: String,
    pub(crate) severity: String,
    pub(crate) description: String,
    pub(crate) correlation_id: String,
    pub(crate) time: DateTime<Utc>,
}

/// Everything the emulator knows.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) clock: VirtualClock,
    pub(crate) settings: Settings,
    pub(crate) rng: SplitMix,
    pub(crate) faults: Faults,
    pub(crate) world: World,
    /// Stored resources by lower-case id.
    pub(crate) resources: Table<Res>,
    /// Protected items by lower-case id.
    pub(crate) items: Table<Item>,
    /// The protected item of each source VM in a vault: (lower-case vault id, lower-case source
    /// VM id) to the item's key in `items`, so that enabling protection finds a VM that is
    /// already protected in O(1) instead of scanning every item. Kept in step with `items` by
    /// [`State::insert_item`], [`State::remove_item`] and [`State::remove_tree`].
    pub(crate) item_by_vm: HashMap<(String, String), String>,
    /// Jobs by lower-case id.
    pub(crate) jobs: Table<super::data_replication::jobs::Job>,
    /// Events by lower-case id.
    pub(crate) events: Table<EventRec>,
    pub(crate) ops: HashMap<String, Op>,
    queue: BinaryHeap<Reverse<(DateTime<Utc>, u64, Due)>>,
    seq: u64,
    /// Requests handled (for tests and diagnostics).
    pub(crate) request_count: u64,
}

impl State {
    pub(crate) fn new(clock: VirtualClock, settings: Settings, seed: u64, world: World) -> Self {
        State {
            clock,
            settings,
            rng: SplitMix::new(seed),
            faults: Faults::default(),
            world,
            resources: Table::new(),
            items: Table::new(),
            item_by_vm: HashMap::new(),
            jobs: Table::new(),
            events: Table::new(),
            ops: HashMap::new(),
            queue: BinaryHeap::new(),
            seq: 0,
            request_count: 0,
        }
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Schedules background work at `at`.
    pub(crate) fn schedule(&mut self, at: DateTime<Utc>, due: Due) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, due)));
    }

    /// Runs everything that was due by now, in time order (each at its own due time).
    pub(crate) fn settle(&mut self) {
        let now = self.now();
        loop {
            let ready = matches!(self.queue.peek(), Some(Reverse((at, _, _))) if *at <= now);
            if !ready {
                break;
            }
            let Some(Reverse((at, _, due))) = self.queue.pop() else {
                break;
            };
            match due {
                Due::Op(id) => self.complete_simple_op(&id, at),
                Due::JobStep(id) => super::data_replication::jobs::run_step(self, &id, at),
            }
        }
    }

    /// When the next background work is due, if any.
    pub(crate) fn next_due(&self) -> Option<DateTime<Utc>> {
        self.queue.peek().map(|Reverse((at, _, _))| *at)
    }

    /// Starts an operation; a job-less one completes after `duration` with `effect`.
    pub(crate) fn start_op(
        &mut self,
        method: Method,
        resource_id: &str,
        location: &str,
        simple: Option<(Duration, OpEffect)>,
    ) -> String {
        let id = self.rng.guid();
        let now = self.now();
        let (due, effect) = match simple {
            Some((d, e)) => (Some(super::clock::later(now, d)), Some(e)),
            None => (None, None),
        };
        self.ops.insert(
            id.clone(),
            Op {
                id: id.clone(),
                method,
                resource_id: resource_id.to_owned(),
                location: location.to_owned(),
                status: OpStatus::InProgress,
                start: now,
                end: None,
                error: None,
                due,
                effect,
                job: None,
                result: None,
            },
        );
        if let Some(at) = due {
            self.schedule(at, Due::Op(id.clone()));
        }
        id
    }

    /// Finishes an operation (job-backed ones are finished by their job).
    pub(crate) fn finish_op(&mut self, id: &str, at: DateTime<Utc>, error: Option<ArmError>) {
        if let Some(op) = self.ops.get_mut(id) {
            if op.status == OpStatus::InProgress {
                op.status = if error.is_some() {
                    OpStatus::Failed
                } else {
                    OpStatus::Succeeded
                };
                op.end = Some(at);
                op.error = error;
            }
        }
    }

    fn complete_simple_op(&mut self, id: &str, at: DateTime<Utc>) {
        let Some(op) = self.ops.get(id) else { return };
        if op.status != OpStatus::InProgress {
            return;
        }
        let key = op.resource_id.to_ascii_lowercase();
        match op.effect {
            Some(OpEffect::Provision) => {
                if let Some(r) = self.resources.get_mut(&key) {
                    r.body["properties"]["provisioningState"] = json!("Succeeded");
                    r.body["systemData"]["lastModifiedAt"] = json!(arm_time(at));
                }
            }
            Some(OpEffect::Delete) => self.remove_tree(&key),
            None => {}
        }
        self.finish_op(id, at, None);
    }

    /// The key of the protected item of source VM `vm_id` (any casing) in vault `vault_id`.
    pub(crate) fn item_of_vm(&self, vault_id: &str, vm_id: &str) -> Option<&str> {
        let k = (vault_id.to_ascii_lowercase(), vm_id.to_ascii_lowercase());
        let key = self.item_by_vm.get(&k)?;
        // Checked against the item itself, so a stale entry can never refuse a VM.
        self.items
            .get(key)
            .filter(|i| i.source_vm_id.eq_ignore_ascii_case(vm_id))
            .map(|_| key.as_str())
    }

    /// Stores protected item `item` under `key` (its lower-case id) and indexes its source VM.
    pub(crate) fn insert_item(&mut self, key: String, item: Item) {
        self.unindex_item(&key);
        let k = (
            item.vault_id.to_ascii_lowercase(),
            item.source_vm_id.to_ascii_lowercase(),
        );
        self.item_by_vm.insert(k, key.clone());
        self.items.insert(key, item);
    }

    /// Removes protected item `key` and its source VM's index entry.
    pub(crate) fn remove_item(&mut self, key: &str) -> Option<Item> {
        self.unindex_item(key);
        self.items.remove(key)
    }

    fn unindex_item(&mut self, key: &str) {
        if let Some(old) = self.items.get(key) {
            let k = (
                old.vault_id.to_ascii_lowercase(),
                old.source_vm_id.to_ascii_lowercase(),
            );
            if self.item_by_vm.get(&k).is_some_and(|v| v == key) {
                self.item_by_vm.remove(&k);
            }
        }
    }

    /// Removes a stored resource and everything under it.
    pub(crate) fn remove_tree(&mut self, key: &str) {
        let prefix = format!("{key}/");
        self.resources
            .retain(|k, _| k != key && !k.starts_with(&prefix));
        self.items.retain(|k, _| !k.starts_with(&prefix));
        self.item_by_vm.retain(|_, k| !k.starts_with(&prefix));
        self.jobs.retain(|k, _| !k.starts_with(&prefix));
        self.events.retain(|k, _| !k.starts_with(&prefix));
    }

    /// Direct children of `parent` (lower-case id) in collection `collection` (lower-case).
    pub(crate) fn children<'a>(
        &'a self,
        parent: &str,
        collection: &str,
    ) -> impl Iterator<Item = &'a Res> + 'a {
        let prefix = format!("{parent}/{collection}/");
        let skip = prefix.len();
        self.resources
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .filter(move |(k, _)| !k[skip..].contains('/'))
            .map(|(_, r)| r)
    }

    /// A stored resource by id (any casing).
    pub(crate) fn get(&self, id: &str) -> Option<&Res> {
        self.resources.get(&id.to_ascii_lowercase())
    }

    /// A `systemData` block for something created now.
    pub(crate) fn system_data(&self) -> Value {
        let t = arm_time(self.now());
        json!({
            "createdBy": "emulator-user",
            "createdByType": "User",
            "createdAt": t,
            "lastModifiedBy": "emulator-user",
            "lastModifiedByType": "User",
            "lastModifiedAt": t,
        })
    }

    /// Records a vault event.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn event(
        &mut self,
        vault_id: &str,
        at: DateTime<Utc>,
        resource_type: &str,
        resource_name: &str,
        event_type: &str,
        severity: &str,
        description: String,
        correlation_id: &str,
    ) {
        let name = self.rng.hex_name();
        let id = format!("{vault_id}/events/{name}");
        self.events.insert(
            id.to_ascii_lowercase(),
            EventRec {
                id,
                name,
                resource_type: resource_type.to_owned(),
                resource_name: resource_name.to_owned(),
                event_type: event_type.to_owned(),
                severity: severity.to_owned(),
                description,
                correlation_id: correlation_id.to_owned(),
                time: at,
            },
        );
    }

    /// The clamped `Retry-After` for something due at `due`.
    pub(crate) fn retry_after_until(&self, due: Option<DateTime<Utc>>) -> u64 {
        let cap = self.settings.max_retry_after.num_seconds().max(1);
        let secs = match due {
            Some(d) => (d - self.now()).num_seconds().max(1),
            None => cap,
        };
        secs.clamp(1, cap) as u64
    }
}
