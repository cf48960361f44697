//! Layer 4: many VMs at once. Recovery plans and drill reports (this file is merged with the
//! bulk runner's module of the same name).

pub mod plan;
pub mod report;

pub use plan::{RecoveryPlan, PlanGroup, PlanStep, PlanOperation};
pub use report::RunReport;
