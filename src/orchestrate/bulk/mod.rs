//! The bulk runner: one protected-item operation over many VMs.

mod act;
mod decide;
mod drive;
mod events;
mod run;
mod types;

pub use events::{
    BulkEvent, BulkEventKind, BulkRunResult, FailureKind, ItemSnapshot, RefusalReport, VmFailure,
    VmOutcome, VmResult,
};
pub use run::{BulkRun, BulkRunner};
pub use types::{AgentRemoval, AgentRemovalRequest, BulkItem, BulkOperation, BulkOptions};
