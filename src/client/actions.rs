//! Protected-item actions: their path segments (overridable: most are inferred), their default
//! bodies, and the lifecycle check that runs before any is sent.

use crate::error::{Error, Refusal as CrateRefusal, RefusalKind};
use crate::lifecycle::{ItemState, Lifecycle, Operation, OperationKind, RecoveryPointChoice};
use crate::model::{self, ProtectedItem};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The path segment each protected-item action is sent to, and the `instanceType` of the
/// bodies the client builds.
///
/// Only `plannedFailover` is in Microsoft's public specs and `reprotect` is documented for Azure
/// Stack Hub; the other segments are **inferred, not documented by Microsoft** (see the crate's
/// wire contract). A stamp that differs is driven by overriding them here.
///
/// | operation | default segment |
/// |---|---|
/// | test failover | `testFailover` |
/// | clean up test failover | `testFailoverCleanup` |
/// | planned failover, failback | `plannedFailover` |
/// | unplanned failover | `unplannedFailover` |
/// | commit | `commit` |
/// | cancel failover | `cancelFailover` |
/// | resynchronize | `resynchronize` |
/// | re-protect | `reprotect` |
/// | change recovery point | `changeRecoveryPoint` (the least certain name) |
///
/// ```
/// use azs_site_recovery::client::ActionSegments;
/// use azs_site_recovery::lifecycle::OperationKind;
/// let segments = ActionSegments::default().with(OperationKind::Commit, "commitFailover");
/// assert_eq!(segments.segment(OperationKind::Commit), Some("commitFailover"));
/// assert_eq!(segments.segment(OperationKind::Failback), Some("plannedFailover"));
/// assert_eq!(segments.segment(OperationKind::EnableProtection), None); // a PUT, not an action
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActionSegments {
    overrides: BTreeMap<OperationKind, String>,
    instance_type: Option<String>,
}

impl ActionSegments {
    /// The default segment of `kind` (`None` for enable and disable protection, which are the
    /// item's PUT and DELETE).
    pub fn default_segment(kind: OperationKind) -> Option<&'static str> {
        Some(match kind {
            OperationKind::TestFailover => model::TestFailover::DEFAULT_PATH,
            OperationKind::CleanupTestFailover => model::TestFailoverCleanup::DEFAULT_PATH,
            OperationKind::PlannedFailover | OperationKind::Failback => {
                model::PlannedFailover::DEFAULT_PATH
            }
            OperationKind::UnplannedFailover => model::UnplannedFailover::DEFAULT_PATH,
            OperationKind::Commit => model::Commit::DEFAULT_PATH,
            OperationKind::CancelFailover => model::CancelFailover::DEFAULT_PATH,
            OperationKind::Resynchronize => model::Resynchronize::DEFAULT_PATH,
            OperationKind::Reprotect => model::Reprotect::DEFAULT_PATH,
            OperationKind::ChangeRecoveryPoint => "changeRecoveryPoint",
            _ => return None,
        })
    }

    /// Sends `kind` to `segment` instead of its default.
    pub fn with(mut self, kind: OperationKind, segment: impl Into<String>) -> Self {
        self.overrides.insert(kind, segment.into());
        self
    }

    /// Replaces the `instanceType` of the bodies the client builds (default: the model's,
    /// `AzStackToAzStack`, inferred).
    pub fn with_instance_type(mut self, instance_type: impl Into<String>) -> Self {
        self.instance_type = Some(instance_type.into());
        self
    }

    /// The segment `kind` is sent to (`None`: not a POST action).
    pub fn segment(&self, kind: OperationKind) -> Option<&str> {
        self.overrides
            .get(&kind)
            .map(String::as_str)
            .or_else(|| Self::default_segment(kind))
    }

    /// The `instanceType` override, if any.
    pub fn instance_type(&self) -> Option<&str> {
        self.instance_type.as_deref()
    }
}

/// Per-call options of a protected-item action.
///
/// ```
/// use azs_site_recovery::client::ActionOptions;
/// let expert = ActionOptions::default().unchecked();
/// assert!(!expert.check_lifecycle);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ActionOptions {
    /// GET the item and check the lifecycle before sending (default `true`). The service still
    /// has the final word either way.
    pub check_lifecycle: bool,
    /// The item as the caller last read it (from a list, or the answer of a previous
    /// operation). When set, the lifecycle check uses it instead of sending a GET first, so a
    /// run over many items that listed them once sends no extra read per item. The service
    /// still has the final word: a stale item can only make the check pass an operation the
    /// service then refuses, or refuse one it would have accepted.
    pub current_item: Option<Box<ProtectedItem>>,
}

impl Default for ActionOptions {
    fn default() -> Self {
        ActionOptions {
            check_lifecycle: true,
            current_item: None,
        }
    }
}

impl ActionOptions {
    /// Skips the lifecycle check (for experts who know the service will accept the action).
    pub fn unchecked(mut self) -> Self {
        self.check_lifecycle = false;
        self
    }

    /// Checks the lifecycle against `item` (as last read) instead of a fresh GET.
    ///
    /// ```
    /// use azs_site_recovery::client::ActionOptions;
    /// use azs_site_recovery::model::ProtectedItem;
    /// let item: ProtectedItem = serde_json::from_str(r#"{"name": "web01", "properties": {}}"#).unwrap();
    /// let options = ActionOptions::default().with_current_item(item);
    /// assert!(options.current_item.is_some());
    /// ```
    pub fn with_current_item(mut self, item: ProtectedItem) -> Self {
        self.current_item = Some(Box::new(item));
        self
    }
}

fn model_choice(rp: &RecoveryPointChoice) -> model::RecoveryPointChoice {
    model::RecoveryPointChoice::parse(rp.as_str())
}

fn to_value(body: &impl Serialize) -> Result<Value, Error> {
    serde_json::to_value(body)
        .map_err(|e| Error::invalid_input("action body", format!("cannot serialize it: {e}")))
}

/// The body the client sends for `operation` when the caller gives none, built with the
/// model's action bodies (`AzStackToAzStack`, inferred), `instanceType` replaced when the
/// client overrides it.
pub(crate) fn default_body(
    operation: &Operation,
    instance_type: Option<&str>,
) -> Result<Value, Error> {
    let mut body = match operation {
        Operation::TestFailover { recovery_point } => match recovery_point.custom_id() {
            Some(id) => to_value(&model::TestFailover::azstack_custom(id))?,
            None => to_value(&model::TestFailover::azstack(model_choice(recovery_point)))?,
        },
        Operation::CleanupTestFailover => to_value(&model::TestFailoverCleanup::azstack())?,
        Operation::PlannedFailover { shutdown_source }
        | Operation::Failback { shutdown_source } => {
            to_value(&model::PlannedFailover::azstack(*shutdown_source))?
        }
        Operation::UnplannedFailover {
            recovery_point,
            shutdown_source,
        } => match recovery_point.custom_id() {
            Some(id) => to_value(&model::UnplannedFailover::azstack_custom(
                *shutdown_source,
                id,
            ))?,
            None => to_value(&model::UnplannedFailover::azstack(
                *shutdown_source,
                model_choice(recovery_point),
            ))?,
        },
        Operation::Commit => to_value(&model::Commit::azstack())?,
        Operation::CancelFailover => to_value(&model::CancelFailover::azstack())?,
        Operation::Resynchronize => to_value(&model::Resynchronize::azstack())?,
        Operation::ChangeRecoveryPoint { recovery_point } => {
            // No model body: inferred like the test failover's.
            let mut custom = json!({
                "instanceType": "AzStackToAzStack",
                "recoveryPoint": recovery_point.as_str(),
            });
            if let Some(id) = recovery_point.custom_id() {
                custom["recoveryPointId"] = Value::String(id.to_owned());
            }
            json!({ "properties": { "customProperties": custom } })
        }
        Operation::Reprotect => {
            return Err(Error::invalid_input(
                "re-protect body",
                "re-protect needs applianceId, logStorageAccountId, policyName and \
                 replicationExtensionName; pass model::Reprotect::azstack_failback(...) to \
                 reprotect(name, body)",
            ))
        }
        other => {
            return Err(Error::invalid_input(
                "action",
                format!(
                "{other} is not a protected-item action; use create_or_update (enable) or disable"
            ),
            ))
        }
    };
    if let Some(t) = instance_type {
        if let Some(custom) = body.pointer_mut("/properties/customProperties") {
            custom["instanceType"] = Value::String(t.to_owned());
        }
    }
    Ok(body)
}

/// Checks `operation` against the lifecycle for `item` at `now` (the client's clock, so an
/// emulator's virtual time counts); a refusal becomes [`Error::Refused`] (kind
/// [`RefusalKind::Lifecycle`]) carrying the lifecycle's refusal. Returns the lifecycle's advice
/// (its notes but the rule citation), each also logged at `warn`.
pub(crate) fn check(
    lifecycle: &Lifecycle,
    item: &ProtectedItem,
    operation: &Operation,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, Error> {
    let state = ItemState::from_item(item);
    match lifecycle.check_at(&state, operation, Some(now)) {
        Ok(t) => {
            let advice: Vec<String> = t
                .notes
                .into_iter()
                .filter(|n| !n.starts_with(RULE_NOTE))
                .collect();
            for a in &advice {
                tracing::warn!(item = name, operation = %operation, "{a}");
            }
            Ok(advice)
        }
        Err(refusal) => Err(CrateRefusal::new(
            RefusalKind::Lifecycle,
            // The remedy has its own field: the message says what and why, once.
            format!(
                "{operation} of protected item {name}: {} (current state: {})",
                refusal.reason, refusal.current
            ),
            format!(
                "{} (to send it anyway: Handle::unchecked() or ClientBuilder::unchecked_actions())",
                refusal.remedy
            ),
        )
        .with_reason(refusal)
        .into()),
    }
}

/// How the lifecycle's note citing the rule begins: a citation, not advice.
const RULE_NOTE: &str = "rule: ";
