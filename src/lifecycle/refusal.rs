//! A refused operation: the current state, why, and what to do instead.

use super::operation::OperationKind;
use super::state::StateSummary;
use std::fmt;

/// Why an operation cannot run on an item now, and what to do instead.
///
/// ```
/// use azs_site_recovery::lifecycle::{self, ItemState, Operation};
/// use azs_site_recovery::model::{ProtectionState, TestFailoverState};
///
/// let s = ItemState::new(ProtectionState::Protected, TestFailoverState::None);
/// let r = lifecycle::check(&s, &Operation::Commit).unwrap_err();
/// assert!(r.to_string().starts_with("commit refused: there is no completed failover to commit"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Refusal {
    /// The operation refused.
    pub operation: OperationKind,
    /// The state of the item when it was refused.
    pub current: Box<StateSummary>,
    /// Why, in words.
    pub reason: String,
    /// What to do instead.
    pub remedy: String,
    /// Where the rule comes from (a document, the spec, or "inferred").
    pub rule: &'static str,
    /// `true` when the refusal comes from the service's `allowedJobs` rather than the local
    /// rules.
    pub by_service: bool,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} refused: {} (current state: {}). What to do: {}",
            self.operation, self.reason, self.current, self.remedy
        )
    }
}

impl std::error::Error for Refusal {}
