//! The bodies of the actions on a protected item: `POST {protectedItemId}/{action}` with
//! `{"properties": {"customProperties": {"instanceType": ..., ...}}}`.
//!
//! What Microsoft documents and what this crate infers:
//!
//! | action | path | documented by Microsoft |
//! |---|---|---|
//! | [`PlannedFailover`] | `plannedFailover` | yes (public spec; HCI types). Its `AzStackToAzStack` type is inferred |
//! | [`Reprotect`] | `reprotect` | yes (Azure Stack Hub docs; `AzStackToAzStackFailback`) |
//! | [`TestFailover`] | `testFailover` | no, inferred |
//! | [`TestFailoverCleanup`] | `testFailoverCleanup` | no, inferred |
//! | [`UnplannedFailover`] | `unplannedFailover` | no, inferred |
//! | [`Commit`] | `commit` | no, inferred |
//! | [`CancelFailover`] | `cancelFailover` | no, inferred |
//! | [`Resynchronize`] | `resynchronize` | no, inferred |
//!
//! Every body is lossless (unknown fields and unknown `instanceType`s round-trip), so a stamp
//! whose contract differs can be driven with a hand-made custom-properties object (the `Unknown`
//! variant) and its own path segment; [`ProtectedItemAction::DEFAULT_PATH`] is only the default.
//!
//! ```
//! use azs_site_recovery::model::{ProtectedItemAction, RecoveryPointChoice, TestFailover};
//! let body = TestFailover::azstack(RecoveryPointChoice::LatestProcessed);
//! assert_eq!(TestFailover::DEFAULT_PATH, "testFailover");
//! assert_eq!(
//!     serde_json::to_value(&body).unwrap(),
//!     serde_json::json!({"properties": {"customProperties": {
//!         "instanceType": "AzStackToAzStack", "recoveryPoint": "LatestProcessed"}}}),
//! );
//! ```

use crate::open_enum;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt;

/// A protected-item action body: its default path segment, whether Microsoft documents it, and a
/// check of the mistakes the service would only report after the POST.
pub trait ProtectedItemAction: Serialize + DeserializeOwned {
    /// The default path segment after the protected item's id, e.g. `testFailover`.
    const DEFAULT_PATH: &'static str;
    /// `true` when Microsoft documents the action (public spec or Azure Stack Hub docs);
    /// `false` when the action name and body are this crate's inference.
    const DOCUMENTED_BY_MICROSOFT: bool;

    /// Refuses a body the service is known to reject (a `Custom` recovery point without its id;
    /// a re-protect without policy or extension name). Bodies with an unknown `instanceType`
    /// pass: the caller knows their stamp.
    ///
    /// # Errors
    /// [`InvalidActionBody`] saying what is wrong and what to do.
    fn check(&self) -> Result<(), InvalidActionBody> {
        Ok(())
    }
}

/// Why [`ProtectedItemAction::check`] refused an action body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidActionBody {
    /// The action's default path segment, e.g. `reprotect`.
    pub action: &'static str,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for InvalidActionBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} body: {}", self.action, self.message)
    }
}

impl std::error::Error for InvalidActionBody {}

fn custom_needs_id(
    action: &'static str,
    recovery_point: Option<&RecoveryPointChoice>,
    recovery_point_id: Option<&str>,
) -> Result<(), InvalidActionBody> {
    if recovery_point == Some(&RecoveryPointChoice::Custom)
        && recovery_point_id.is_none_or(|id| id.trim().is_empty())
    {
        return Err(InvalidActionBody {
            action,
            message: "recoveryPoint is Custom but recoveryPointId is missing: pass the recovery \
                      point's id (the `azstack_custom` constructor), or choose Latest, \
                      LatestProcessed or LatestApplicationConsistent"
                .to_owned(),
        });
    }
    Ok(())
}

/// Defines an action body (`{"properties": {"customProperties": ...}}`) and its properties.
macro_rules! action_body {
    (
        $(#[$meta:meta])*
        $body:ident, $props:ident, $custom:ty, $path:literal, $documented:literal
        $(, check = $check:path)?
    ) => {
        $crate::model_struct! {
            $(#[$meta])*
            pub struct $body {
                /// The properties (`customProperties` inside).
                properties: $props => "properties",
            }
        }

        $crate::model_struct! {
            #[doc = concat!("The properties of a [`", stringify!($body), "`] body.")]
            pub struct $props {
                /// The scenario-specific settings, by `instanceType`.
                custom_properties: $custom => "customProperties",
            }
        }

        impl $body {
            /// The default path segment (also [`ProtectedItemAction::DEFAULT_PATH`]).
            pub const DEFAULT_PATH: &'static str = $path;

            /// A body with the given custom properties (any variant, `Unknown` included).
            pub fn new(custom_properties: $custom) -> Self {
                $body {
                    properties: Some($props {
                        custom_properties: Some(custom_properties),
                        ..Default::default()
                    }),
                    ..Default::default()
                }
            }

            /// The custom properties, if the body has them.
            pub fn custom_properties(&self) -> Option<&$custom> {
                self.properties.as_ref()?.custom_properties.as_ref()
            }
        }

        impl ProtectedItemAction for $body {
            const DEFAULT_PATH: &'static str = $path;
            const DOCUMENTED_BY_MICROSOFT: bool = $documented;
            $(
                fn check(&self) -> Result<(), InvalidActionBody> {
                    $check(self)
                }
            )?
        }
    };
}

open_enum! {
    /// Which recovery point a (test or unplanned) failover uses (inferred wire values, named after
    /// the portal's choices).
    pub enum RecoveryPointChoice {
        /// Process all data sent so far, then fail over to it (lowest RPO).
        Latest = "Latest",
        /// The latest recovery point already processed (lowest RTO).
        LatestProcessed = "LatestProcessed",
        /// The latest application-consistent recovery point.
        LatestApplicationConsistent = "LatestApplicationConsistent",
        /// A specific recovery point, named by `recoveryPointId`.
        Custom = "Custom",
    }
}

// After the macros, so that the submodules see them.
mod failover;
mod no_options;
mod reprotect;

#[cfg(test)]
mod tests;

pub use failover::*;
pub use no_options::*;
pub use reprotect::*;
