//! Actions without settings: test failover cleanup, commit, cancel failover, resynchronize
//! (all inferred, not documented by Microsoft).

use super::ProtectedItemAction;
use crate::{model_struct, polymorphic};

model_struct! {
    /// The settings of an action that has none: just the `instanceType` (inferred, not
    /// documented by Microsoft). Unknown fields are still kept.
    pub struct NoActionOptions {}
}

polymorphic! {
    /// The custom properties of an action without settings ([`TestFailoverCleanup`],
    /// [`Commit`], [`CancelFailover`], [`Resynchronize`]).
    pub enum NoActionCustomProperties {
        /// `AzStackToAzStack` (inferred, not documented by Microsoft).
        AzStackToAzStack(NoActionOptions) = "AzStackToAzStack",
    }
}

/// Defines an action without settings and its `azstack()` constructor.
macro_rules! empty_action {
    ($(#[$meta:meta])* $body:ident, $props:ident, $path:literal) => {
        action_body! {
            $(#[$meta])*
            $body, $props, NoActionCustomProperties, $path, false
        }

        impl $body {
            /// The Azure Stack Hub body: `{"properties": {"customProperties": {"instanceType":
            /// "AzStackToAzStack"}}}`.
            pub fn azstack() -> Self {
                Self::new(NoActionCustomProperties::AzStackToAzStack(NoActionOptions::default()))
            }
        }
    };
}

empty_action! {
    /// The `testFailoverCleanup` body (inferred, not documented by Microsoft): delete the test VM
    /// and its resources.
    TestFailoverCleanup, TestFailoverCleanupProperties, "testFailoverCleanup"
}

empty_action! {
    /// The `commit` body (inferred, not documented by Microsoft): make a failover final.
    Commit, CommitProperties, "commit"
}

empty_action! {
    /// The `cancelFailover` body (inferred, not documented by Microsoft).
    CancelFailover, CancelFailoverProperties, "cancelFailover"
}

empty_action! {
    /// The `resynchronize` body (inferred, not documented by Microsoft).
    Resynchronize, ResynchronizeProperties, "resynchronize"
}
