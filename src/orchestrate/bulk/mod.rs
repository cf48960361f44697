//! The bulk runner: one protected-item operation over many VMs.

mod drive;
mod run;
mod types;

pub use run::{BulkRun, BulkRunner};
pub use types::{
    AgentRemoval, AgentRemovalRequest, BulkEvent, BulkEventKind, BulkItem, BulkOperation,
    BulkOptions, BulkRunResult, FailureKind, ItemSnapshot, RefusalReport, VmFailure, VmOutcome,
    VmResult,
};
