//! The actions of protected items: each GETs the item, checks the lifecycle, then POSTs.

use super::Handle;
use crate::client::actions::{self, ActionOptions};
use crate::client::poller::Poller;
use crate::error::Error;
use crate::http::{Method, Request};
use crate::lifecycle::{Operation, RecoveryPointChoice};
use crate::model::ProtectedItem;
use serde::Serialize;

impl Handle<ProtectedItem> {
    /// This handle with the lifecycle check turned off: actions are sent without reading the
    /// item first (for experts; the service still has the final word).
    pub fn unchecked(&self) -> Self {
        let mut h = self.clone();
        h.check_lifecycle = false;
        h
    }

    /// Starts a test failover to `recovery_point` (action `testFailover`, inferred).
    pub async fn test_failover(
        &self,
        name: &str,
        recovery_point: RecoveryPointChoice,
    ) -> Result<Poller<ProtectedItem>, Error> {
        self.perform(name, &Operation::TestFailover { recovery_point }, None)
            .await
    }

    /// Cleans up a test failover: deletes the test VM and test resources (action
    /// `testFailoverCleanup`, inferred).
    pub async fn cleanup_test_failover(&self, name: &str) -> Result<Poller<ProtectedItem>, Error> {
        self.perform(name, &Operation::CleanupTestFailover, None)
            .await
    }

    /// Starts a planned failover (action `plannedFailover`, public spec).
    pub async fn planned_failover(
        &self,
        name: &str,
        shutdown_source: bool,
    ) -> Result<Poller<ProtectedItem>, Error> {
        self.perform(name, &Operation::PlannedFailover { shutdown_source }, None)
            .await
    }

    /// Starts an unplanned failover to `recovery_point` (action `unplannedFailover`, inferred).
    pub async fn unplanned_failover(
        &self,
        name: &str,
        recovery_point: RecoveryPointChoice,
        shutdown_source: bool,
    ) -> Result<Poller<ProtectedItem>, Error> {
        let op = Operation::UnplannedFailover {
            recovery_point,
            shutdown_source,
        };
        self.perform(name, &op, None).await
    }

    /// Commits a completed failover (action `commit`, inferred).
    pub async fn commit(&self, name: &str) -> Result<Poller<ProtectedItem>, Error> {
        self.perform(name, &Operation::Commit, None).await
    }

    /// Cancels an uncommitted failover (action `cancelFailover`, inferred).
    pub async fn cancel_failover(&self, name: &str) -> Result<Poller<ProtectedItem>, Error> {
        self.perform(name, &Operation::CancelFailover, None).await
    }

    /// Resynchronizes the item's disks (action `resynchronize`, inferred).
    pub async fn resynchronize(&self, name: &str) -> Result<Poller<ProtectedItem>, Error> {
        self.perform(name, &Operation::Resynchronize, None).await
    }

    /// Moves a failed-over, uncommitted item to another recovery point (action
    /// `changeRecoveryPoint`, inferred).
    pub async fn change_recovery_point(
        &self,
        name: &str,
        recovery_point: RecoveryPointChoice,
    ) -> Result<Poller<ProtectedItem>, Error> {
        self.perform(
            name,
            &Operation::ChangeRecoveryPoint { recovery_point },
            None,
        )
        .await
    }

    /// Re-protects a failed-over item: replication back to the primary stamp (action
    /// `reprotect`, documented). `body` is the `AzStackToAzStackFailback` body with
    /// `applianceId`, `logStorageAccountId`, `policyName`, `replicationExtensionName`.
    pub async fn reprotect(
        &self,
        name: &str,
        body: &impl Serialize,
    ) -> Result<Poller<ProtectedItem>, Error> {
        let body = to_value(body)?;
        self.perform(name, &Operation::Reprotect, Some(body)).await
    }

    /// Fails a re-protected item back to the primary stamp (the planned failover of a
    /// re-protected item, action `plannedFailover`).
    pub async fn failback(
        &self,
        name: &str,
        shutdown_source: bool,
    ) -> Result<Poller<ProtectedItem>, Error> {
        self.perform(name, &Operation::Failback { shutdown_source }, None)
            .await
    }

    /// Disables protection (DELETE of the item; `force` adds `forceDelete=true`, which the
    /// service accepts even while another operation runs). Checked against the lifecycle like
    /// the actions.
    pub async fn disable(&self, name: &str, force: bool) -> Result<Poller<()>, Error> {
        let mut url = self.url_of(name)?;
        let op = Operation::DisableProtection { force };
        if self.check_lifecycle {
            let item = self.get(name).await?;
            actions::check(self.client.lifecycle(), &item, &op, name)?;
        }
        if force {
            url.query_pairs_mut().append_pair("forceDelete", "true");
        }
        let item_url = self.url_of(name)?;
        self.delete_url(
            url,
            format!("{op} of protected item {name}"),
            Some(item_url),
        )
        .await
    }

    /// Runs a lifecycle `operation` on the item: GET it, check the lifecycle (unless
    /// unchecked), POST `body` (or the default body built from the operation's choices) to the
    /// action's segment. Await the [`Poller`] for the item as it is afterwards.
    pub async fn perform(
        &self,
        name: &str,
        operation: &Operation,
        body: Option<serde_json::Value>,
    ) -> Result<Poller<ProtectedItem>, Error> {
        let options = ActionOptions {
            check_lifecycle: self.check_lifecycle,
        };
        self.perform_with(name, operation, body, &options).await
    }

    /// [`Handle::perform`] with per-call options.
    pub async fn perform_with(
        &self,
        name: &str,
        operation: &Operation,
        body: Option<serde_json::Value>,
        options: &ActionOptions,
    ) -> Result<Poller<ProtectedItem>, Error> {
        let segments = self.client.action_segments();
        let segment = segments.segment(operation.kind()).ok_or_else(|| {
            Error::invalid_input(
                "action",
                format!(
                    "{operation} is not a protected-item action; use create_or_update (enable) or disable"
                ),
            )
        })?;
        let item_url = self.url_of(name)?;
        let body = match body {
            Some(b) => b,
            None => actions::default_body(operation, segments.instance_type())?,
        };
        if options.check_lifecycle {
            let item = self.get(name).await?;
            actions::check(self.client.lifecycle(), &item, operation, name)?;
        }
        let url = self
            .client
            .url(&format!("{}/{segment}", self.id_of(name)?))?;
        let request = Request::new(Method::Post, url.clone()).with_json(to_bytes(&body)?);
        let response = self.client.send(request).await?;
        Poller::start(
            self.client.clone(),
            format!("{operation} of protected item {name}"),
            Method::Post,
            &url,
            &response,
            Some(item_url.clone()),
            Some(item_url),
        )
    }

    /// The escape hatch: POSTs `body` to the item's `segment` as given, with no lifecycle
    /// check. Await the [`Poller`] for the operation's result body, if any.
    pub async fn action(
        &self,
        name: &str,
        segment: &str,
        body: serde_json::Value,
    ) -> Result<Poller<Option<serde_json::Value>>, Error> {
        super::check_segment("action", segment)?;
        let item_url = self.url_of(name)?;
        let url = self
            .client
            .url(&format!("{}/{segment}", self.id_of(name)?))?;
        let request = Request::new(Method::Post, url.clone()).with_json(to_bytes(&body)?);
        let response = self.client.send(request).await?;
        Poller::start(
            self.client.clone(),
            format!("{segment} of protected item {name}"),
            Method::Post,
            &url,
            &response,
            None,
            Some(item_url),
        )
    }
}

fn to_value(body: &impl Serialize) -> Result<serde_json::Value, Error> {
    serde_json::to_value(body)
        .map_err(|e| Error::invalid_input("action body", format!("cannot serialize it: {e}")))
}

fn to_bytes(body: &serde_json::Value) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(body)
        .map_err(|e| Error::invalid_input("action body", format!("cannot serialize it: {e}")))
}
