//! The actions of protected items: each GETs the item, checks the lifecycle, then POSTs.

use super::Handle;
use crate::client::actions::{self, ActionOptions};
use crate::client::poller::{Poller, WaitTimedOut};
use crate::error::Error;
use crate::http::{retry_after, Method, Request};
use crate::lifecycle::conditions::Condition;
use crate::lifecycle::{Operation, RecoveryPointChoice};
use crate::model::{ProtectedItem, ProtectedItemSettings};
use serde::Serialize;
use serde_json::Value;

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
        let mut advice = Vec::new();
        if self.check_lifecycle {
            let item = self.get(name).await?;
            let now = self.client.pipeline().clock().now();
            advice = actions::check(self.client.lifecycle(), &item, &op, name, now)?;
        }
        if force {
            url.query_pairs_mut().append_pair("forceDelete", "true");
        }
        let item_url = self.url_of(name)?;
        let poller = self
            .delete_url(
                url,
                format!("{op} of protected item {name}"),
                Some(item_url),
            )
            .await?;
        Ok(poller.with_advice(advice))
    }

    /// Changes the item's settings (test network, target network, target VM size and name).
    ///
    /// On an api-version with `ProtectedItem_Update` (2024-09-01 and later) this is a PATCH of
    /// only what `settings` sets. The preview api-version (what Azure Stack Hub ships) has no
    /// PATCH: the item is read, changed and PUT back, with `If-Match` set to the `ETag` the read
    /// answered with (when the service sends one), so a change made meanwhile by someone else
    /// fails with 412 instead of being overwritten. Network ids are checked as ARM ids first.
    /// Await the [`Poller`] for the item as it is afterwards.
    ///
    /// ```no_run
    /// # async fn run(
    /// #     client: &azs_site_recovery::SiteRecoveryClient,
    /// #     vault: &azs_site_recovery::id::VaultId,
    /// # ) -> Result<(), azs_site_recovery::Error> {
    /// use azs_site_recovery::model::ProtectedItemSettings;
    /// let items = client.protected_items(vault);
    /// let item = items
    ///     .update_settings("web01", &ProtectedItemSettings::new().target_vm_size("Standard_DS3_v2"))
    ///     .await?
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_settings(
        &self,
        name: &str,
        settings: &ProtectedItemSettings,
    ) -> Result<Poller<ProtectedItem>, Error> {
        settings
            .check_ids()
            .map_err(|e| Error::invalid_input("protected item settings", e.to_string()))?;
        let url = self.url_of(name)?;
        let operation = format!("update of protected item {name}");
        if !self.client.api_version().is_preview_shape() {
            let body = serde_json::to_vec(&settings.patch_body()).map_err(|e| {
                Error::invalid_input("protected item settings", format!("cannot serialize: {e}"))
            })?;
            let request = Request::new(Method::Patch, url.clone()).with_json(body);
            let response = self.client.send(request).await?;
            return Poller::start(
                self.client.clone(),
                operation,
                Method::Patch,
                &url,
                &response,
                None,
                Some(url.clone()),
            );
        }
        let read = self
            .client
            .send(Request::new(Method::Get, url.clone()))
            .await?;
        let item: ProtectedItem =
            crate::client::decode(&read.body, || format!("GET {} response", url.path()))?;
        let changed = settings.apply_to(&item).ok_or_else(|| {
            Error::invalid_input(
                "protected item settings",
                format!(
                    "protected item {name} is not an AzStackToAzStack item; change its settings \
                     with create_or_update"
                ),
            )
        })?;
        let body = serde_json::to_vec(&changed.to_request_body(self.client.api_version()))
            .map_err(|e| {
                Error::invalid_input("protected item settings", format!("cannot serialize: {e}"))
            })?;
        let mut request = Request::new(Method::Put, url.clone()).with_json(body);
        if let Some(etag) = read.headers.get("etag") {
            request.headers.insert("if-match", etag.to_owned());
        }
        let response = self.client.send(request).await?;
        Poller::start(
            self.client.clone(),
            operation,
            Method::Put,
            &url,
            &response,
            None,
            Some(url.clone()),
        )
    }

    /// Runs a lifecycle `operation` on the item: GET it, check the lifecycle (unless
    /// unchecked), POST `body` (or the default body built from the operation's choices) to the
    /// action's segment. Await the [`Poller`] for the item as it is afterwards; before that,
    /// [`Poller::advice`] says what the lifecycle advised (also logged at `warn`), e.g. that no
    /// test failover succeeded in the past 180 days before a failover. The 180 days are counted
    /// on the client's clock.
    pub async fn perform(
        &self,
        name: &str,
        operation: &Operation,
        body: Option<serde_json::Value>,
    ) -> Result<Poller<ProtectedItem>, Error> {
        let options = ActionOptions {
            check_lifecycle: self.check_lifecycle,
            ..ActionOptions::default()
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
            None => {
                let mut b = actions::default_body(operation, segments.instance_type())?;
                // `RecoveryPointChoice::Custom` takes an id or a name: a name is the item's.
                if let Some(Value::String(rp)) =
                    b.pointer_mut("/properties/customProperties/recoveryPointId")
                {
                    if !rp.contains('/') {
                        *rp = format!("{}/recoveryPoints/{rp}", self.id_of(name)?);
                    }
                }
                b
            }
        };
        // An ARM-id field holding a name (`applianceId: "appliance"`) is refused here, naming
        // the field and its shape, rather than by the service with a 400.
        crate::model::check_custom_properties(&body)
            .map_err(|e| Error::invalid_input(format!("{operation} body"), e.to_string()))?;
        let mut advice = Vec::new();
        if options.check_lifecycle {
            let fetched;
            let item = match options.current_item.as_deref() {
                Some(item) => item,
                None => {
                    fetched = self.get(name).await?;
                    &fetched
                }
            };
            let now = self.client.pipeline().clock().now();
            advice = actions::check(self.client.lifecycle(), item, operation, name, now)?;
        }
        let url = self
            .client
            .url(&format!("{}/{segment}", self.id_of(name)?))?;
        let request = Request::new(Method::Post, url.clone()).with_json(to_bytes(&body)?);
        let response = self.client.send(request).await?;
        Ok(Poller::start(
            self.client.clone(),
            format!("{operation} of protected item {name}"),
            Method::Post,
            &url,
            &response,
            Some(item_url.clone()),
            Some(item_url),
        )?
        .with_advice(advice))
    }

    /// Reads the item until `condition` holds, waiting between reads as the service asks
    /// (`Retry-After`) or the polling interval, within `max_wait`. Returns the item as last
    /// read (`None`: it does not exist, e.g. [`conditions::is_deleted`]).
    ///
    /// Combine with [`conditions::has_failed`] to stop on a failure rather than wait it out:
    /// `conditions::is_protected().or(conditions::has_failed())`.
    ///
    /// [`conditions::is_deleted`]: crate::lifecycle::conditions::is_deleted
    /// [`conditions::has_failed`]: crate::lifecycle::conditions::has_failed
    pub async fn wait_until(
        &self,
        name: &str,
        condition: impl Condition,
    ) -> Result<Option<ProtectedItem>, Error> {
        let url = self.url_of(name)?;
        let pipeline = self.client.pipeline();
        let opts = self.client.polling();
        let started = pipeline.clock().now();
        loop {
            let (item, retry_after) = match self
                .client
                .send(Request::new(Method::Get, url.clone()))
                .await
            {
                Ok(r) => {
                    let item: ProtectedItem =
                        crate::client::decode(&r.body, || format!("GET {} response", url.path()))?;
                    (Some(item), retry_after(&r.headers, pipeline.clock().now()))
                }
                Err(e) if e.is_not_found() => (None, None),
                Err(e) => return Err(e),
            };
            if condition.matches(item.as_ref()) {
                return Ok(item);
            }
            let interval = opts.interval(retry_after);
            if let Some(max) = opts.max_wait {
                let waited = (pipeline.clock().now() - started)
                    .to_std()
                    .unwrap_or_default();
                if waited.saturating_add(interval) > max {
                    return Err(Error::WaitTimedOut(Box::new(WaitTimedOut {
                        operation: format!("the wait on protected item {name}"),
                        waited,
                        max_wait: max,
                        continuation: None,
                    })));
                }
            }
            pipeline.sleeper().sleep(interval).await;
        }
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
