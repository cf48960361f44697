//! Composable wait conditions over a protected item, in the style of kube's `await_condition`.
//!
//! A [`Condition`] looks at the item as last read (`None` when it does not exist: deleted, or
//! not created yet) and says whether the wait is over. Closures are conditions; conditions
//! combine with [`Condition::and`], [`Condition::or`] and [`Condition::not`].
//!
//! ```
//! use azs_site_recovery::lifecycle::conditions::{self, Condition};
//! use azs_site_recovery::model::ProtectedItem;
//!
//! let item: ProtectedItem = serde_json::from_str(
//!     r#"{"properties": {"protectionState": "Protected", "testFailoverState": "TestFailoverCompleted"}}"#,
//! ).unwrap();
//! let ready = conditions::is_protected().and(conditions::test_failover_completed());
//! assert!(ready.matches(Some(&item)));
//! assert!(conditions::is_deleted().not().matches(Some(&item)));
//! // A closure is a condition too.
//! let named = |i: Option<&ProtectedItem>| i.is_some();
//! assert!(named.or(conditions::is_deleted()).matches(None));
//! ```

use super::state::{Direction, ItemState};
use crate::model::{Phase, ProtectedItem, ProtectionState, TestFailoverState};

/// A condition on a protected item (`None`: the item does not exist).
pub trait Condition {
    /// `true` when the condition holds.
    fn matches(&self, item: Option<&ProtectedItem>) -> bool;

    /// Both conditions hold.
    fn and<C: Condition>(self, other: C) -> And<Self, C>
    where
        Self: Sized,
    {
        And(self, other)
    }

    /// Either condition holds.
    fn or<C: Condition>(self, other: C) -> Or<Self, C>
    where
        Self: Sized,
    {
        Or(self, other)
    }

    /// The condition does not hold.
    fn not(self) -> Not<Self>
    where
        Self: Sized,
    {
        Not(self)
    }
}

impl<F: Fn(Option<&ProtectedItem>) -> bool> Condition for F {
    fn matches(&self, item: Option<&ProtectedItem>) -> bool {
        self(item)
    }
}

/// Both conditions hold ([`Condition::and`]).
#[derive(Debug, Clone, Copy)]
pub struct And<A, B>(pub A, pub B);

impl<A: Condition, B: Condition> Condition for And<A, B> {
    fn matches(&self, item: Option<&ProtectedItem>) -> bool {
        self.0.matches(item) && self.1.matches(item)
    }
}

/// Either condition holds ([`Condition::or`]).
#[derive(Debug, Clone, Copy)]
pub struct Or<A, B>(pub A, pub B);

impl<A: Condition, B: Condition> Condition for Or<A, B> {
    fn matches(&self, item: Option<&ProtectedItem>) -> bool {
        self.0.matches(item) || self.1.matches(item)
    }
}

/// The condition does not hold ([`Condition::not`]).
#[derive(Debug, Clone, Copy)]
pub struct Not<A>(pub A);

impl<A: Condition> Condition for Not<A> {
    fn matches(&self, item: Option<&ProtectedItem>) -> bool {
        !self.0.matches(item)
    }
}

/// A condition on the lifecycle's view of an existing item ([`ItemState::from_item`]).
#[derive(Clone, Copy)]
pub struct StateIs(fn(&ItemState) -> bool);

impl std::fmt::Debug for StateIs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StateIs(..)")
    }
}

impl Condition for StateIs {
    fn matches(&self, item: Option<&ProtectedItem>) -> bool {
        item.is_some_and(|i| (self.0)(&ItemState::from_item(i)))
    }
}

/// Wraps a predicate over [`ItemState`] (the item must exist).
pub fn state_is(predicate: fn(&ItemState) -> bool) -> StateIs {
    StateIs(predicate)
}

/// The item is `Protected` (replicating), in either direction.
pub fn is_protected() -> StateIs {
    StateIs(|s| s.protection_state == ProtectionState::Protected)
}

/// Initial replication is over: the item is past the unprotected, initial replication and
/// re-protect phases (and its state is known).
pub fn initial_replication_done() -> StateIs {
    StateIs(|s| {
        !s.protection_state.is_range_marker()
            && !matches!(
                s.protection_state.phase(),
                Phase::Unprotected | Phase::InitialReplication | Phase::Reprotect | Phase::Unknown
            )
    })
}

/// The test failover has completed (`TestFailoverCompleted`).
pub fn test_failover_completed() -> StateIs {
    StateIs(|s| s.test_failover_state == TestFailoverState::TestFailoverCompleted)
}

/// No test failover is outstanding (`testFailoverState` is `None`): a cleanup is done.
pub fn test_failover_cleaned_up() -> StateIs {
    StateIs(|s| s.test_failover_state.is_none())
}

/// A failover (planned or unplanned) has completed and waits for its commit.
pub fn failover_completed() -> StateIs {
    StateIs(|s| {
        matches!(
            s.protection_state,
            ProtectionState::PlannedFailoverCompleted | ProtectionState::UnplannedFailoverCompleted
        )
    })
}

/// The failover is committed (`CommitFailoverCompleted`).
pub fn failover_committed() -> StateIs {
    StateIs(|s| s.protection_state == ProtectionState::CommitFailoverCompleted)
}

/// The item is re-protected: `Protected`, replicating from the recovery stamp back.
///
/// The direction comes from `activeLocation` ([`ItemState::from_item`]); an item that does not
/// report it never matches.
pub fn is_reprotected() -> StateIs {
    StateIs(|s| {
        s.protection_state == ProtectionState::Protected && s.direction == Direction::Failback
    })
}

/// The failback is committed (the end of the documented lifecycle).
pub fn failback_committed() -> StateIs {
    StateIs(ItemState::is_failback_committed)
}

/// The last step failed (a `*Failed` protection state, or a failed test failover).
pub fn has_failed() -> StateIs {
    StateIs(|s| s.protection_state.is_failed() || s.test_failover_state.is_failed())
}

/// Nothing is in flight on the item (no running job, no transitional state).
pub fn is_settled() -> StateIs {
    StateIs(|s| !s.operation_in_flight())
}

/// The item does not exist (deleted, or not created).
pub fn is_deleted() -> fn(Option<&ProtectedItem>) -> bool {
    |item| item.is_none()
}
