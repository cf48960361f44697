//! Fleet health: one call that summarises a vault for scheduled checks.
//!
//! Per protected item: its protection state, health errors, RPO (the age of its latest recovery
//! point), the days since its last successful test failover (Site Recovery recommends one at
//! least every 180 days), and whether it needs attention and why; per appliance: its heartbeat.
//! Rendered as versioned JSON ([`FleetHealth::to_json`]), Markdown
//! ([`FleetHealth::to_markdown`]) and JUnit XML ([`FleetHealth::to_junit_xml`], one test case
//! per item and appliance, a failure for each that needs attention) so a CI system that runs
//! the check on a schedule shows it natively.
//!
//! Requests: one list of the vault's protected items (plus one per further page) and one GET per
//! distinct appliance the items name.
//!
//! ```no_run
//! # async fn run(client: azs_site_recovery::SiteRecoveryClient) -> Result<(), azs_site_recovery::Error> {
//! use azs_site_recovery::id::VaultId;
//! use azs_site_recovery::orchestrate::fleet::{fleet_health, FleetOptions};
//!
//! let vault = VaultId::new("00000000-0000-0000-0000-000000000000", "dr-rg", "vault1");
//! let health = fleet_health(&client, &vault, &FleetOptions::default()).await?;
//! std::fs::write("fleet.xml", health.to_junit_xml()).ok();
//! if health.needs_attention > 0 {
//!     eprint!("{}", health.to_markdown());
//! }
//! # Ok(()) }
//! ```

mod render;

use crate::client::SiteRecoveryClient;
use crate::error::Error;
use crate::human::HumanDuration;
use crate::id::VaultId;
use crate::lifecycle::{ItemState, TEST_FAILOVER_RECOMMENDED_WITHIN_DAYS};
use crate::model::{FabricAgent, HealthError, HealthStatus, ProtectedItem};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::time::Duration;

/// The version of the JSON schema of [`FleetHealth`]: raised when a field changes meaning or
/// goes away (added fields do not raise it).
pub const FLEET_SCHEMA_VERSION: u32 = 1;

/// What counts as needing attention.
///
/// ```
/// use azs_site_recovery::orchestrate::fleet::FleetOptions;
/// let o = FleetOptions::default();
/// assert_eq!(o.test_failover_within_days, 180);
/// assert_eq!(o.max_rpo.as_secs(), 30 * 60);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct FleetOptions {
    /// An RPO (age of the latest recovery point) above this needs attention (default 30
    /// minutes).
    #[serde(with = "secs")]
    pub max_rpo: Duration,
    /// An appliance heartbeat older than this needs attention (default 15 minutes).
    #[serde(with = "secs")]
    pub max_heartbeat_age: Duration,
    /// Days without a successful test failover before an item needs one (default 180, Site
    /// Recovery's recommendation).
    pub test_failover_within_days: i64,
    /// The time the check is made at (default: the client's clock: virtual time against the
    /// emulator).
    pub now: Option<DateTime<Utc>>,
}

impl Default for FleetOptions {
    fn default() -> Self {
        FleetOptions {
            max_rpo: Duration::from_secs(30 * 60),
            max_heartbeat_age: Duration::from_secs(15 * 60),
            test_failover_within_days: TEST_FAILOVER_RECOMMENDED_WITHIN_DAYS,
            now: None,
        }
    }
}

impl FleetOptions {
    /// Sets [`FleetOptions::max_rpo`].
    pub fn max_rpo(mut self, d: Duration) -> Self {
        self.max_rpo = d;
        self
    }

    /// Sets [`FleetOptions::now`].
    pub fn at(mut self, now: DateTime<Utc>) -> Self {
        self.now = Some(now);
        self
    }
}

mod secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs(u64::deserialize(d)?))
    }
}

/// The health of one protected item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ItemHealth {
    /// The protected item's name.
    pub item: String,
    /// The source VM's ARM id, if reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_vm_id: Option<String>,
    /// `protectionState`, as the service spells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protection_state: Option<String>,
    /// `testFailoverState`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_failover_state: Option<String>,
    /// `replicationHealth` (`Normal`, `Warning`, `Critical`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication_health: Option<String>,
    /// The health errors, each as `code: message`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub health_errors: Vec<String>,
    /// When the latest recovery point was received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_recovery_point: Option<DateTime<Utc>>,
    /// The RPO: age of the latest recovery point, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpo_secs: Option<u64>,
    /// The last successful test failover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_successful_test_failover: Option<DateTime<Utc>>,
    /// Whole days since then (`None`: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_since_test_failover: Option<i64>,
    /// Why it needs attention (empty: healthy).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attention: Vec<String>,
}

impl ItemHealth {
    /// The RPO as a duration.
    pub fn rpo(&self) -> Option<Duration> {
        self.rpo_secs.map(Duration::from_secs)
    }

    /// `true` when something needs looking at.
    pub fn needs_attention(&self) -> bool {
        !self.attention.is_empty()
    }
}

/// The health of one replication appliance (fabric agent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApplianceHealth {
    /// The fabric agent's ARM id.
    pub id: String,
    /// The appliance machine's name, if reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_name: Option<String>,
    /// `isResponsive`, if reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsive: Option<bool>,
    /// The last heartbeat, if reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_heartbeat: Option<DateTime<Utc>>,
    /// Its age in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat_age_secs: Option<u64>,
    /// The health errors, each as `code: message`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub health_errors: Vec<String>,
    /// Why it needs attention (empty: healthy).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attention: Vec<String>,
}

/// A vault's health at one time: what a scheduled check reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FleetHealth {
    /// [`FLEET_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The vault's ARM id.
    pub vault: String,
    /// When the check was made.
    pub generated_at: DateTime<Utc>,
    /// The thresholds used.
    pub options: FleetOptions,
    /// One entry per protected item, by name.
    pub items: Vec<ItemHealth>,
    /// One entry per appliance the items name.
    pub appliances: Vec<ApplianceHealth>,
    /// How many items and appliances need attention.
    pub needs_attention: usize,
}

impl FleetHealth {
    /// The items that need attention.
    pub fn items_needing_attention(&self) -> impl Iterator<Item = &ItemHealth> {
        self.items.iter().filter(|i| i.needs_attention())
    }
}

/// Summarises the vault: every protected item and the appliances they use.
pub async fn fleet_health(
    client: &SiteRecoveryClient,
    vault: &VaultId,
    options: &FleetOptions,
) -> Result<FleetHealth, Error> {
    let now = options
        .now
        .unwrap_or_else(|| client.pipeline().clock().now());
    let items: Vec<ProtectedItem> = client.protected_items(vault).list().try_collect().await?;
    let mut appliance_ids = BTreeSet::new();
    let mut health: Vec<ItemHealth> = items
        .iter()
        .map(|i| {
            if let Some(a) = appliance_of(i) {
                appliance_ids.insert(a.to_owned());
            }
            item_health(i, now, options)
        })
        .collect();
    health.sort_by(|a, b| a.item.cmp(&b.item));
    let mut appliances = Vec::new();
    for id in appliance_ids {
        let agent = match client.url(&id) {
            Ok(url) => client.get_json::<FabricAgent>(url).await,
            Err(e) => Err(e),
        };
        appliances.push(appliance_health(&id, agent, now, options));
    }
    let needs_attention = health.iter().filter(|i| i.needs_attention()).count()
        + appliances
            .iter()
            .filter(|a| !a.attention.is_empty())
            .count();
    Ok(FleetHealth {
        schema_version: FLEET_SCHEMA_VERSION,
        vault: vault.to_string(),
        generated_at: now,
        options: options.clone(),
        items: health,
        appliances,
        needs_attention,
    })
}

fn appliance_of(item: &ProtectedItem) -> Option<&str> {
    item.custom_properties()
        .and_then(|c| c.as_azstack())
        .and_then(|c| c.appliance_id.as_deref())
        .or_else(|| item.properties.as_ref()?.fabric_agent_id())
        .filter(|s| !s.is_empty())
}

fn health_errors(errors: Option<&Vec<HealthError>>) -> Vec<String> {
    errors
        .into_iter()
        .flatten()
        .map(|h| {
            let code = h.code.as_deref().unwrap_or("HealthError");
            match h.message.as_deref().or(h.summary.as_deref()) {
                Some(m) => format!("{code}: {m}"),
                None => code.to_owned(),
            }
        })
        .collect()
}

fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> Duration {
    (now - then).to_std().unwrap_or_default()
}

fn item_health(item: &ProtectedItem, now: DateTime<Utc>, o: &FleetOptions) -> ItemHealth {
    let state = ItemState::from_item(item);
    let props = item.properties.as_ref();
    let custom = item.custom_properties().and_then(|c| c.as_azstack());
    let last_rp = custom
        .and_then(|c| c.last_recovery_point_received.as_ref())
        .and_then(|t| t.to_utc());
    let rpo = last_rp.map(|t| age(now, t));
    let last_test = state.last_successful_test_failover;
    let days = last_test.map(|t| (now - t).num_days());
    let replication_health = props.and_then(|p| p.replication_health.as_ref());
    let errors = health_errors(props.and_then(|p| p.health_errors.as_ref()));
    let mut attention = Vec::new();
    if state.protection_state.is_failed() || state.test_failover_state.is_failed() {
        attention.push(format!(
            "the last operation failed ({}); read its job's errors and retry",
            state.summary()
        ));
    }
    if matches!(
        replication_health,
        Some(HealthStatus::Critical | HealthStatus::Warning)
    ) {
        attention.push(format!(
            "replication health is {}",
            replication_health.map_or("", |h| h.as_str())
        ));
    }
    if !errors.is_empty() {
        attention.push(format!("{} health error(s)", errors.len()));
    }
    let replicating = state.protection_state == crate::model::ProtectionState::Protected;
    if replicating {
        match rpo {
            Some(r) if r > o.max_rpo => attention.push(format!(
                "RPO {} is above {}: check the appliance and the source VM's churn",
                HumanDuration(r),
                HumanDuration(o.max_rpo)
            )),
            None => attention.push("no recovery point received yet".to_owned()),
            _ => {}
        }
        match days {
            Some(d) if d > o.test_failover_within_days => attention.push(format!(
                "last successful test failover {d} days ago: Site Recovery recommends one at \
                 least every {} days",
                o.test_failover_within_days
            )),
            None => attention.push(format!(
                "never test-failed-over: Site Recovery recommends a test failover at least every \
                 {} days, and before any real failover",
                o.test_failover_within_days
            )),
            _ => {}
        }
    }
    ItemHealth {
        item: item.name.clone().unwrap_or_default(),
        source_vm_id: item.source_vm_id().map(str::to_owned),
        protection_state: props
            .and_then(|p| p.protection_state.as_ref())
            .map(|s| s.as_str().to_owned()),
        test_failover_state: props
            .and_then(|p| p.test_failover_state.as_ref())
            .map(|s| s.as_str().to_owned()),
        replication_health: replication_health.map(|h| h.as_str().to_owned()),
        health_errors: errors,
        last_recovery_point: last_rp,
        rpo_secs: rpo.map(|r| r.as_secs()),
        last_successful_test_failover: last_test,
        days_since_test_failover: days,
        attention,
    }
}

fn appliance_health(
    id: &str,
    agent: Result<FabricAgent, Error>,
    now: DateTime<Utc>,
    o: &FleetOptions,
) -> ApplianceHealth {
    let agent = match agent {
        Ok(a) => a,
        Err(e) => {
            return ApplianceHealth {
                id: id.to_owned(),
                machine_name: None,
                responsive: None,
                last_heartbeat: None,
                heartbeat_age_secs: None,
                health_errors: Vec::new(),
                attention: vec![format!("the appliance could not be read: {e}")],
            }
        }
    };
    let p = agent.properties.as_ref();
    let responsive = p.and_then(|p| p.is_responsive);
    let heartbeat = p
        .and_then(|p| p.last_heartbeat.as_ref())
        .and_then(|t| t.to_utc());
    let heartbeat_age = heartbeat.map(|t| age(now, t));
    let errors = health_errors(p.and_then(|p| p.health_errors.as_ref()));
    let mut attention = Vec::new();
    if responsive == Some(false) {
        attention.push(
            "not responsive: check the appliance VM and its Site Recovery services".to_owned(),
        );
    }
    if let Some(a) = heartbeat_age.filter(|a| *a > o.max_heartbeat_age) {
        attention.push(format!(
            "last heartbeat {} ago (more than {})",
            HumanDuration(a),
            HumanDuration(o.max_heartbeat_age)
        ));
    }
    if !errors.is_empty() {
        attention.push(format!("{} health error(s)", errors.len()));
    }
    ApplianceHealth {
        id: id.to_owned(),
        machine_name: p.and_then(|p| p.machine_name.clone()),
        responsive,
        last_heartbeat: heartbeat,
        heartbeat_age_secs: heartbeat_age.map(|a| a.as_secs()),
        health_errors: errors,
        attention,
    }
}
