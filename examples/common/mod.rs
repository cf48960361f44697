//! What the examples share: a client on the emulator's default scenario, the vault the user
//! creates, enabling protection, and printing virtual time.
#![allow(dead_code)]

pub mod drill;

use azs_site_recovery::emulator::{Emulator, Scenario, Topology};
use azs_site_recovery::id::{FabricAgentId, VaultId};
use azs_site_recovery::model::{
    NewAzStackProtectedItem, ProtectedItem, ReplicationExtension, ReplicationPolicy, Reprotect,
    Vault,
};
use azs_site_recovery::orchestrate::{BulkItem, BulkOperation, BulkRunResult, BulkRunner};
use azs_site_recovery::preflight::TargetSettings;
use azs_site_recovery::{Error, SiteRecoveryClient};
use chrono::{DateTime, Utc};
use serde_json::json;

pub const POLICY: &str = "default-replication-policy";
pub const EXTENSION: &str = "default-replication-extension";

/// The emulated world, a client on it, and the vault's ids.
pub struct Drill {
    pub emu: Emulator,
    pub client: SiteRecoveryClient,
    pub vault: VaultId,
    pub started: DateTime<Utc>,
}

impl Drill {
    /// A client on an emulator of `scenario` (the emulator's virtual clock is the client's).
    pub fn new(scenario: Scenario) -> Result<Self, Error> {
        let emu = Emulator::new(scenario);
        let client = SiteRecoveryClient::builder().in_process(&emu)?.build()?;
        let t = emu.topology();
        let vault = VaultId::new(&t.target_subscription, "asr-rg", "asrvault");
        let started = emu.now();
        Ok(Drill {
            emu,
            client,
            vault,
            started,
        })
    }

    /// A drill on the default scenario with the vault, policies and extensions already created
    /// (the quickstart creates them itself).
    pub fn seeded() -> Result<Self, Error> {
        Drill::new(Scenario::builder().seed_vault(true).build())
    }

    /// Enables protection of source VM `vm` (e.g. `web-01`) as item `vm` and waits for its
    /// initial replication.
    pub async fn protect(&self, vm: &str) -> Result<ProtectedItem, Error> {
        let id = self
            .emu
            .topology()
            .source_vm_id(vm)
            .unwrap_or_default()
            .to_owned();
        let items = self.client.protected_items(&self.vault);
        items
            .create_or_update(vm, &self.new_item(&id)?)
            .await?
            .await
    }

    /// Runs `operation` over the items `names` with the bulk runner, to the end; an error when
    /// a VM did not end where the run wanted it.
    pub async fn bulk(
        &self,
        operation: BulkOperation,
        names: &[String],
    ) -> Result<BulkRunResult, Error> {
        let result = BulkRunner::new(&self.client, &self.vault)
            .run(operation.clone(), names.iter().map(BulkItem::named))
            .finish()
            .await;
        let problem = result.problems().next().map(|vm| {
            format!(
                "{operation} of {}: {} {}",
                vm.item,
                vm.outcome,
                vm.error.as_deref().unwrap_or("")
            )
        });
        match problem {
            None => Ok(result),
            Some(p) => Err(Error::invalid_input("bulk run", p)),
        }
    }

    /// The virtual time since the drill started, as `+hh:mm:ss`.
    pub fn clock(&self) -> String {
        let s = (self.emu.now() - self.started).num_seconds();
        format!("+{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    }

    /// The appliance (fabric agent) registered by the operator.
    pub fn appliance(&self) -> Result<FabricAgentId, Error> {
        self.emu
            .topology()
            .appliance_id
            .parse::<FabricAgentId>()
            .map_err(|e| Error::invalid_input("appliance id", e.to_string()))
    }

    /// Creates the vault, the replication policy and extension (both directions).
    pub async fn create_vault(&self) -> Result<(), Error> {
        let t = self.emu.topology();
        let c = &self.client;
        let vault: Vault = from_json(json!({
            "location": t.target_location,
            "properties": { "vaultType": "DisasterRecovery" },
        }))?;
        c.vault(&self.vault).create_or_update(&vault).await?.await?;
        let cache = &t.target_storage_account_ids[0];
        let policy: ReplicationPolicy = from_json(json!({ "properties": { "customProperties": {
            "instanceType": "AzStackToAzStack",
            "recoveryPointHistoryInMinutes": 1440,
            "crashConsistentFrequencyInMinutes": 5,
            "appConsistentFrequencyInMinutes": 60,
        } } }))?;
        let policies = c.policies(&self.vault);
        for name in [POLICY, Reprotect::DEFAULT_FAILBACK_POLICY_NAME] {
            policies.create_or_update(name, &policy).await?.await?;
        }
        let extensions = c.extensions(&self.vault);
        for (name, kind, from, to) in [
            (
                EXTENSION,
                "AzStackToAzStack",
                &t.source_fabric_id,
                &t.target_fabric_id,
            ),
            (
                Reprotect::DEFAULT_FAILBACK_EXTENSION_NAME,
                "AzStackToAzStackFailback",
                &t.target_fabric_id,
                &t.source_fabric_id,
            ),
        ] {
            let ext: ReplicationExtension =
                from_json(json!({ "properties": { "customProperties": {
                "instanceType": kind, "sourceFabricArmId": from, "targetFabricArmId": to,
                "storageAccountId": cache,
            } } }))?;
            extensions.create_or_update(name, &ext).await?.await?;
        }
        Ok(())
    }

    /// The protected item enabling `vm_id`: failed-over VMs in `dr-rg` on `dr-vnet`, test
    /// failovers on `test-vnet`.
    pub fn new_item(&self, vm_id: &str) -> Result<ProtectedItem, Error> {
        let t = self.emu.topology();
        let network = |name: &str| t.target_network_id(name).unwrap_or_default().to_owned();
        NewAzStackProtectedItem::new(POLICY, EXTENSION, vm_id)
            .appliance_id(&t.appliance_id)
            .target_resource_group_id(&t.target_resource_group_ids[1])
            .target_network(network("dr-vnet"), "default")
            .test_network(network("test-vnet"), "default")
            .log_storage_account_id(&t.target_storage_account_ids[0])
            .build()
            .map_err(|e| Error::invalid_input("protected item", e.to_string()))
    }

    /// The re-protect body with Microsoft's default failback policy and extension names.
    pub fn reprotect_body(&self) -> Reprotect {
        let t = self.emu.topology();
        Reprotect::azstack_failback_defaults(&t.appliance_id, &t.target_storage_account_ids[0])
    }
}

/// `web-01` from `/subscriptions/.../virtualMachines/web-01`.
pub fn vm_name(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

pub fn from_json<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, Error> {
    serde_json::from_value(v).map_err(|e| Error::invalid_input("example body", e.to_string()))
}

/// `3 x Protected, 1 x Failed`.
pub fn summarize(states: &[String]) -> String {
    let mut count: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for s in states {
        *count.entry(s).or_default() += 1;
    }
    count
        .iter()
        .map(|(s, n)| format!("{n} x {s}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A state as the service spells it (`Protected`), or `-`.
pub fn state(item: &ProtectedItem) -> String {
    item.protection_state()
        .map_or("-".to_owned(), |s| s.as_str().to_owned())
}

/// Where the drill's VMs go on the target stamp, as the preflight checks read it.
pub fn target_settings(t: &Topology) -> TargetSettings {
    TargetSettings {
        resource_group_id: Some(t.target_resource_group_ids[1].clone()),
        network_id: t.target_network_id("dr-vnet").map(str::to_owned),
        subnet_name: Some("default".to_owned()),
        test_network_id: t.target_network_id("test-vnet").map(str::to_owned),
        test_subnet_name: Some("default".to_owned()),
        cache_storage_account_id: Some(t.target_storage_account_ids[0].clone()),
    }
}
