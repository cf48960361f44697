//! Many VMs at once (layer 4): source discovery, bulk runs over many protected items, and
//! fleet health.
//!
//! Layer 4 sits on the [client](crate::client) only: it never reaches into the emulator, so
//! what it does against the embedded emulator it does against a real stamp.
//!
//! * [`SourceVm`]: a VM of the source stamp as discovery sees it
//!   ([`SiteRecoveryClient::discover_source_vms`](crate::SiteRecoveryClient::discover_source_vms)).
//! * [`BulkRunner`]: one runner for every protected-item operation over many VMs: at most
//!   [`BulkOptions::concurrency`] operations in flight, validated first (one list per vault,
//!   then the lifecycle per VM), a 429 slows the start rate instead of failing VMs, re-protect
//!   packed into batches by the appliance's free data-disk slots, and safe to run again after
//!   a crash (VMs already in the target state are skipped, operations in progress are
//!   attached to, a failover is never sent twice). Progress is a
//!   [`Stream`](futures_core::Stream) of [`BulkEvent`]s, the outcome a [`BulkRunResult`] with
//!   one [`VmResult`] per VM.
//! * [`fleet`]: one call that summarises a vault for scheduled checks (RPO, health errors,
//!   appliance heartbeat, the 180-day test failover advice), as JSON, Markdown or JUnit XML.
//! * [`RecoveryPlan`]: named, ordered groups of VMs with waits, approval
//!   gates, named hooks and wait conditions before and after each group, run as one operation
//!   by a [`PlanRunner`] that checkpoints after every step and resumes
//!   without sending anything twice ([`plan`]).
//! * [`RunReport`]: what a plan run or a bulk run did, per VM and per group,
//!   as JSON (versioned schema), Markdown and JUnit XML ([`report`]).
//!
//! The library prints nothing: events and results are values (all `Serialize`), for a
//! terminal, a log, a chat post or a report.

mod bulk;
pub mod fleet;
pub mod plan;
pub mod report;

pub use crate::client::{not_yet_protected, DiscoveryOptions, DiskInfo, Protectability, SourceVm};
pub use bulk::{
    AgentRemoval, AgentRemovalRequest, BulkEvent, BulkEventKind, BulkItem, BulkOperation,
    BulkOptions, BulkRun, BulkRunResult, BulkRunner, FailureKind, ItemSnapshot, RefusalReport,
    VmFailure, VmOutcome, VmResult,
};
pub use plan::{PlanOperation, PlanRunner, RecoveryPlan};
pub use report::RunReport;
