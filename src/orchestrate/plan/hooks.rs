//! What the caller plugs into a plan run: named hooks and the approval handler.

use crate::SiteRecoveryClient;
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

/// One item of the group a hook or an approval gate is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HookItem {
    /// The VM as the plan names it.
    pub vm: String,
    /// The protected item's name.
    pub item: String,
    /// The source VM's ARM id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_vm_id: Option<String>,
    /// The target VM's name, when the item reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_vm_name: Option<String>,
    /// The item's target resource group, when the item reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_resource_group_id: Option<String>,
}

/// What a hook is told: where in the plan it runs, the group's items, and a client.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HookContext {
    /// The plan's name.
    pub plan: String,
    /// The group's name.
    pub group: String,
    /// The plan operation, in words (`test failover with cleanup`).
    pub operation: String,
    /// `before`, `after` or `shutdown` (the source shutdown of a planned failover).
    pub position: String,
    /// The group's items.
    pub items: Vec<HookItem>,
    /// The run's client, to read what the hook needs.
    pub client: SiteRecoveryClient,
}

/// What an approval gate asks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApprovalRequest {
    /// The plan's name.
    pub plan: String,
    /// The group's name.
    pub group: String,
    /// The gate's name.
    pub gate: String,
    /// The gate's message, if the plan gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The plan operation, in words.
    pub operation: String,
    /// `before` or `after` the group's operation.
    pub position: String,
    /// The VMs of the group.
    pub vms: Vec<String>,
}

/// The approver's answer: who (or what) approved or refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "camelCase")]
#[non_exhaustive]
pub enum Approval {
    /// Go on.
    Approved {
        /// Who or what approved (`alice@contoso`, `--approve flag`, `chat:#dr-ops`).
        by: String,
        /// A note, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Stop: the group's operation does not run.
    Refused {
        /// Who or what refused.
        by: String,
        /// Why.
        reason: String,
    },
}

impl Approval {
    /// Approved by `by`.
    pub fn approved(by: impl Into<String>) -> Self {
        Approval::Approved {
            by: by.into(),
            note: None,
        }
    }

    /// Refused by `by` because `reason`.
    pub fn refused(by: impl Into<String>, reason: impl Into<String>) -> Self {
        Approval::Refused {
            by: by.into(),
            reason: reason.into(),
        }
    }
}

type HookFn = Arc<dyn Fn(HookContext) -> BoxFuture<'static, Result<String, String>> + Send + Sync>;
type ApprovalFn = Arc<dyn Fn(ApprovalRequest) -> BoxFuture<'static, Approval> + Send + Sync>;

/// The hooks and the approval handler a plan run calls.
///
/// A hook is an async closure registered by name: it gets a [`HookContext`] and returns
/// `Ok(what it found)` or `Err(why the group fails)`. The approval handler gets an
/// [`ApprovalRequest`] and answers an [`Approval`]: a program can prompt on a terminal, post to
/// a chat and wait, or approve automatically. Without a handler every gate is refused.
///
/// ```
/// use azs_site_recovery::orchestrate::plan::{Approval, PlanHooks};
/// let hooks = PlanHooks::new()
///     .hook("smoke-test", |ctx| async move {
///         Ok(format!("{} VMs answered", ctx.items.len()))
///     })
///     .approval(|req| async move {
///         if req.group == "web" { Approval::approved("night shift") }
///         else { Approval::refused("night shift", "not tonight") }
///     });
/// assert!(hooks.has_hook("smoke-test"));
/// assert!(hooks.has_approval_handler());
/// ```
#[derive(Clone, Default)]
pub struct PlanHooks {
    hooks: BTreeMap<String, HookFn>,
    approval: Option<ApprovalFn>,
}

impl fmt::Debug for PlanHooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlanHooks")
            .field("hooks", &self.hooks.keys().collect::<Vec<_>>())
            .field("approval", &self.approval.is_some())
            .finish()
    }
}

impl PlanHooks {
    /// The name of the hook a planned failover calls per group, in reverse group order, to
    /// shut the source VMs down before any group fails over (how depends on the stamp: the
    /// service itself has no shutdown action). Without it, each planned failover asks the
    /// service to shut its source VM down (`shutdownSourceVM`).
    pub const SHUTDOWN_SOURCE: &'static str = "shutdownSource";

    /// No hooks, no approval handler (every gate is refused).
    pub fn new() -> Self {
        PlanHooks::default()
    }

    /// Registers `hook` under `name` (replacing any hook of that name).
    pub fn hook<F, Fut>(mut self, name: impl Into<String>, hook: F) -> Self
    where
        F: Fn(HookContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, String>> + Send + 'static,
    {
        let f: HookFn = Arc::new(move |ctx| Box::pin(hook(ctx)));
        self.hooks.insert(name.into(), f);
        self
    }

    /// Sets the approval handler.
    pub fn approval<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(ApprovalRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Approval> + Send + 'static,
    {
        self.approval = Some(Arc::new(move |req| Box::pin(handler(req))));
        self
    }

    /// Approves every gate, recording `by` as the approver (unattended drills).
    pub fn auto_approve(self, by: impl Into<String>) -> Self {
        let by: String = by.into();
        self.approval(move |_| {
            let by = by.clone();
            async move { Approval::approved(by) }
        })
    }

    /// `true` when a hook is registered under `name`.
    pub fn has_hook(&self, name: &str) -> bool {
        self.hooks.contains_key(name)
    }

    /// `true` when an approval handler is set.
    pub fn has_approval_handler(&self) -> bool {
        self.approval.is_some()
    }

    pub(crate) async fn run_hook(&self, name: &str, ctx: HookContext) -> Result<String, String> {
        match self.hooks.get(name) {
            Some(h) => h(ctx).await,
            None => Err(format!(
                "no hook is registered under `{name}`; register it with PlanHooks::hook"
            )),
        }
    }

    pub(crate) async fn ask(&self, req: ApprovalRequest) -> Approval {
        match &self.approval {
            Some(a) => a(req).await,
            None => Approval::refused(
                "no approval handler",
                "the run has no approval handler; set one with PlanHooks::approval",
            ),
        }
    }
}
