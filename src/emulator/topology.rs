//! The world at start: the operator's set-up (fabrics, appliance), optionally the user's vault,
//! and the well-known ids tests and examples build requests with.

use super::scenario::{defaults, Scenario};
use super::store::{Kind, Res, State};
use super::{data_replication, identity, stamps};
use serde_json::json;

/// Well-known ids of the emulated world, to build requests with.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Topology {
    /// The ARM endpoint the emulator pretends to be (any host works).
    pub arm_endpoint: String,
    /// The source stamp's subscription.
    pub source_subscription: String,
    /// The target stamp's subscription.
    pub target_subscription: String,
    /// The target stamp's location.
    pub target_location: String,
    /// The resource group of the fabrics (and of the seeded vault).
    pub asr_resource_group_id: String,
    /// The source fabric.
    pub source_fabric_id: String,
    /// The target fabric.
    pub target_fabric_id: String,
    /// The appliance's fabric agent.
    pub appliance_id: String,
    /// The appliance VM on the source stamp (its data disks are the slots in use).
    pub appliance_vm_id: String,
    /// Source VM ids, in scenario order.
    pub source_vm_ids: Vec<String>,
    /// Target virtual network ids, in scenario order.
    pub target_network_ids: Vec<String>,
    /// Target storage account ids, in scenario order.
    pub target_storage_account_ids: Vec<String>,
    /// Target resource group ids, in scenario order.
    pub target_resource_group_ids: Vec<String>,
}

impl Topology {
    /// The id of vault `name` in the ASR resource group.
    pub fn vault_id(&self, name: &str) -> String {
        format!(
            "{}/providers/Microsoft.DataReplication/replicationVaults/{name}",
            self.asr_resource_group_id
        )
    }

    /// The id of source VM `name`, if the scenario has it.
    pub fn source_vm_id(&self, name: &str) -> Option<&str> {
        self.source_vm_ids
            .iter()
            .find(|id| {
                id.rsplit('/')
                    .next()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .map(String::as_str)
    }

    /// The id of target network `name`, if the scenario has it.
    pub fn target_network_id(&self, name: &str) -> Option<&str> {
        self.target_network_ids
            .iter()
            .find(|id| {
                id.rsplit('/')
                    .next()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .map(String::as_str)
    }
}

pub(crate) const SEED_VAULT: &str = "asrvault";
pub(crate) const SEED_POLICY: &str = "default-replication-policy";
pub(crate) const SEED_EXTENSION: &str = "default-replication-extension";
pub(crate) const SEED_FAILBACK_POLICY: &str = "failback-default-replication-policy";
pub(crate) const SEED_FAILBACK_EXTENSION: &str = "default-failback-extension";

fn insert(state: &mut State, kind: Kind, mut body: serde_json::Value) {
    body["properties"]["provisioningState"] = json!("Succeeded");
    body["systemData"] = state.system_data();
    let key = body["id"].as_str().unwrap_or_default().to_ascii_lowercase();
    state.resources.insert(key, Res { kind, body });
}

/// The operator's set-up (fabrics, appliance) and, optionally, the user's vault.
pub(crate) fn seed(state: &mut State, sc: &Scenario) -> Topology {
    let sub = sc.target.subscription_id.clone();
    let loc = sc.target.location.clone();
    let asr_rg = stamps::rg_id(&sub, &sc.asr_resource_group);
    let provider = format!("{asr_rg}/providers/Microsoft.DataReplication");
    let src_fabric = format!("{provider}/replicationFabrics/{}", sc.source_fabric);
    let tgt_fabric = format!("{provider}/replicationFabrics/{}", sc.target_fabric);
    for (id, name) in [
        (&src_fabric, &sc.source_fabric),
        (&tgt_fabric, &sc.target_fabric),
    ] {
        let b = data_replication::fabrics::body(
            id,
            name,
            &loc,
            json!({ "instanceType": "AzStackHub" }),
            json!({}),
        );
        insert(state, Kind::Fabric, b);
    }
    let agent_id = state.world.appliance.agent_id.clone();
    let machine_id = state.world.appliance.machine_id.clone();
    let identity = json!({
        "tenantId": defaults::TENANT_ID,
        "applicationId": sc.identities.first().map(|i| i.client_id.clone()).unwrap_or_default(),
        "objectId": sc.identities.first().map(|i| i.object_id.clone()).unwrap_or_default(),
        "audience": identity::AUDIENCE,
        "aadAuthority": "https://adfs.local.azurestack.external/adfs",
    });
    let props = json!({
        "machineId": machine_id,
        "machineName": sc.appliance.machine_name,
        "authenticationIdentity": identity,
        "resourceAccessIdentity": identity,
        "customProperties": { "instanceType": "AzStackHub" },
    });
    let agent =
        data_replication::agents::body(&agent_id, &sc.appliance.agent_name, &props, &machine_id);
    insert(state, Kind::FabricAgent, agent);
    let cache = sc
        .target
        .storage_accounts
        .first()
        .map(|a| {
            format!(
                "{}/providers/Microsoft.Storage/storageAccounts/{}",
                stamps::rg_id(&sub, &a.resource_group),
                a.name
            )
        })
        .unwrap_or_default();
    if sc.seed_vault {
        let vault = format!("{provider}/replicationVaults/{SEED_VAULT}");
        insert(
            state,
            Kind::Vault,
            json!({
                "id": vault, "name": SEED_VAULT, "type": "Microsoft.DataReplication/replicationVaults",
                "location": loc, "tags": {},
                "properties": {
                    "serviceResourceId": format!("{vault}/service"), "vaultType": "DisasterRecovery",
                    "publicNetworkAccess": "Enabled", "privateEndpointState": "None", "privateEndpointConnections": [],
                },
            }),
        );
        let policy_custom = json!({
            "instanceType": "AzStackToAzStack",
            "recoveryPointHistoryInMinutes": 1440,
            "crashConsistentFrequencyInMinutes": 5,
            "appConsistentFrequencyInMinutes": 60,
        });
        for p in [SEED_POLICY, SEED_FAILBACK_POLICY] {
            let id = format!("{vault}/replicationPolicies/{p}");
            insert(
                state,
                Kind::Policy,
                data_replication::policies::body(&id, p, policy_custom.clone()),
            );
        }
        for (e, it, from, to) in [
            (SEED_EXTENSION, "AzStackToAzStack", &src_fabric, &tgt_fabric),
            (
                SEED_FAILBACK_EXTENSION,
                "AzStackToAzStackFailback",
                &tgt_fabric,
                &src_fabric,
            ),
        ] {
            let id = format!("{vault}/replicationExtensions/{e}");
            let custom = json!({ "instanceType": it, "sourceFabricArmId": from, "targetFabricArmId": to, "storageAccountId": cache });
            insert(
                state,
                Kind::Extension,
                data_replication::extensions::body(&id, e, custom),
            );
        }
    }
    let w = &state.world;
    let tsub = format!("/subscriptions/{}/", sub.to_ascii_lowercase());
    Topology {
        arm_endpoint: "https://management.local.azurestack.external".to_owned(),
        source_subscription: sc.source.subscription_id.clone(),
        target_subscription: sub.clone(),
        target_location: loc.clone(),
        asr_resource_group_id: asr_rg,
        source_fabric_id: src_fabric,
        target_fabric_id: tgt_fabric,
        appliance_id: agent_id,
        appliance_vm_id: w.appliance.vm_id.clone(),
        source_vm_ids: sc
            .source_vms
            .iter()
            .map(|vm| {
                format!(
                    "{}/providers/Microsoft.Compute/virtualMachines/{}",
                    stamps::rg_id(&sc.source.subscription_id, sc.vm_group(vm)),
                    vm.name
                )
            })
            .collect(),
        target_network_ids: sc
            .target
            .networks
            .iter()
            .map(|n| {
                format!(
                    "{}/providers/Microsoft.Network/virtualNetworks/{}",
                    stamps::rg_id(&sub, &n.resource_group),
                    n.name
                )
            })
            .filter(|id| {
                w.networks.contains_key(&id.to_ascii_lowercase())
                    && id.to_ascii_lowercase().starts_with(&tsub)
            })
            .collect(),
        target_storage_account_ids: sc
            .target
            .storage_accounts
            .iter()
            .map(|a| {
                format!(
                    "{}/providers/Microsoft.Storage/storageAccounts/{}",
                    stamps::rg_id(&sub, &a.resource_group),
                    a.name
                )
            })
            .collect(),
        target_resource_group_ids: sc
            .target
            .resource_groups
            .iter()
            .map(|g| stamps::rg_id(&sub, &g.name))
            .collect(),
    }
}
