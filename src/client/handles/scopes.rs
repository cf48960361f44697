//! Where each kind of resource lives: the client's handle constructors, the model types as
//! [`Resource`]s, and the calls that are not about one resource (operations, name
//! availability).

use super::{Handle, Resource, ResourceHandle};
use crate::api_version::ApiVersion;
use crate::client::pager::Pager;
use crate::client::SiteRecoveryClient;
use crate::error::Error;
use crate::http::{Method, Request};
use crate::id::{FabricAgentId, FabricId, NameKind, ProtectedItemId, VaultId};
use crate::model::{
    CheckNameAvailability, CheckNameAvailabilityResponse, EmailConfiguration, Event, Fabric,
    FabricAgent, Job, ProtectedItem, RecoveryPoint, ReplicationExtension, ReplicationPolicy,
    RequestBody, Vault,
};
use std::fmt;

const PROVIDER: &str = "providers/Microsoft.DataReplication";

fn to_bytes(v: &serde_json::Value, kind: &str) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(v).map_err(|e| Error::invalid_input(format!("{kind} body"), e.to_string()))
}

macro_rules! resource {
    ($t:ty, $kind:literal, $name_kind:expr) => {
        impl Resource for $t {
            const KIND: &'static str = $kind;
            const NAME_KIND: Option<NameKind> = $name_kind;

            fn request_body(&self, _api_version: &ApiVersion) -> Result<Vec<u8>, Error> {
                to_bytes(&self.to_request_body(), $kind)
            }
        }
    };
}

resource!(Vault, "vault", Some(NameKind::Vault));
resource!(Fabric, "fabric", Some(NameKind::Fabric));
resource!(FabricAgent, "fabric agent", Some(NameKind::FabricAgent));
resource!(
    ReplicationPolicy,
    "replication policy",
    Some(NameKind::Policy)
);
resource!(
    ReplicationExtension,
    "replication extension",
    Some(NameKind::ReplicationExtension)
);
resource!(
    RecoveryPoint,
    "recovery point",
    Some(NameKind::RecoveryPoint)
);
resource!(Job, "job", Some(NameKind::Job));
resource!(Event, "event", Some(NameKind::Event));
resource!(
    EmailConfiguration,
    "alert setting",
    Some(NameKind::EmailConfiguration)
);

impl Resource for ProtectedItem {
    const KIND: &'static str = "protected item";
    const NAME_KIND: Option<NameKind> = Some(NameKind::ProtectedItem);

    fn request_body(&self, api_version: &ApiVersion) -> Result<Vec<u8>, Error> {
        to_bytes(&self.to_request_body(api_version), "protected item")
    }
}

/// What is wrong with a subscription id or resource group a caller passed, if anything.
fn check_scope(subscription_id: &str, resource_group: Option<&str>) -> Option<String> {
    use crate::id::{validate_name, NameRules};
    validate_name(NameKind::Subscription, subscription_id, NameRules::Arm)
        .err()
        .or_else(|| {
            resource_group
                .and_then(|rg| validate_name(NameKind::ResourceGroup, rg, NameRules::Arm).err())
        })
        .map(|e| e.to_string())
}

/// The message of a parent id whose names break the naming rules.
fn parent_problem<E: fmt::Display>(check: Result<(), E>) -> Option<String> {
    check.err().map(|e| e.to_string())
}

impl SiteRecoveryClient {
    /// A handle on any collection: `parent` is an ARM id (or path), `collection` the segment
    /// under it, e.g. `client.handle::<serde_json::Value>(&vault_id, "privateEndpointConnections")`.
    pub fn handle<K: Resource>(&self, parent: impl fmt::Display, collection: &str) -> Handle<K> {
        Handle::new(self.clone(), &parent.to_string(), collection)
    }

    fn vault_child<K: Resource>(&self, vault: &VaultId, collection: &str) -> Handle<K> {
        let mut h = self.handle(vault, collection);
        h.parent_problem = parent_problem(vault.validate_names(self.name_rules()));
        h
    }

    /// A handle on `collection` in a resource group's provider scope. The subscription id and
    /// the resource group go into the URL, so they are checked first: a bad one is reported on
    /// the handle's first use and nothing is sent.
    fn in_resource_group<K: Resource>(
        &self,
        subscription_id: &str,
        resource_group: &str,
        collection: &str,
    ) -> Handle<K> {
        let problem = check_scope(subscription_id, Some(resource_group));
        let scope = if problem.is_some() {
            // Never format the bad values into a path, even one that is not sent.
            format!("/subscriptions/invalid/resourceGroups/invalid/{PROVIDER}")
        } else {
            format!("/subscriptions/{subscription_id}/resourceGroups/{resource_group}/{PROVIDER}")
        };
        let mut h = self.handle(scope, collection);
        h.parent_problem = problem;
        h
    }

    /// A list over a subscription's provider scope, checked like
    /// [`in_resource_group`](Self::in_resource_group).
    fn in_subscription<T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        subscription_id: &str,
        collection: &str,
    ) -> Pager<T> {
        match check_scope(subscription_id, None) {
            Some(problem) => Pager::failed(
                self.clone(),
                Error::invalid_input("subscription id", problem),
            ),
            None => self.list_path(&format!(
                "/subscriptions/{subscription_id}/{PROVIDER}/{collection}"
            )),
        }
    }

    /// The vaults of a resource group (`.../replicationVaults`).
    ///
    /// The subscription id and resource group are checked against ARM's rules (no `/`, `..`,
    /// `%`, ...) before anything is sent:
    ///
    /// ```
    /// # use azs_site_recovery::client::SiteRecoveryClient;
    /// # fn demo(client: &SiteRecoveryClient) {
    /// let vaults = client.vaults("s", "rg/../../../../subscriptions/OTHER/resourceGroups/victim");
    /// assert!(vaults.url_of("v").is_err());
    /// # }
    /// ```
    pub fn vaults(&self, subscription_id: &str, resource_group: &str) -> Handle<Vault> {
        self.in_resource_group(subscription_id, resource_group, "replicationVaults")
    }

    /// Every vault of a subscription.
    pub fn vaults_in_subscription(&self, subscription_id: &str) -> Pager<Vault> {
        self.in_subscription(subscription_id, "replicationVaults")
    }

    /// One vault, by id: `client.vault(&vault_id).get().await`.
    pub fn vault(&self, id: &VaultId) -> ResourceHandle<Vault> {
        let mut h = self.vaults(id.subscription_id(), id.resource_group());
        h.parent_problem = h
            .parent_problem
            .or_else(|| parent_problem(id.validate_names(self.name_rules())));
        ResourceHandle::new(h, id.name())
    }

    /// One fabric, by id.
    pub fn fabric(&self, id: &FabricId) -> ResourceHandle<Fabric> {
        let mut h = self.fabrics(id.subscription_id(), id.resource_group());
        h.parent_problem = h
            .parent_problem
            .or_else(|| parent_problem(id.validate_names(self.name_rules())));
        ResourceHandle::new(h, id.name())
    }

    /// One fabric agent (appliance), by id.
    pub fn fabric_agent(&self, id: &FabricAgentId) -> ResourceHandle<FabricAgent> {
        ResourceHandle::new(self.fabric_agents(&id.fabric()), id.name())
    }

    /// One protected item, by id (its actions are on [`SiteRecoveryClient::protected_items`]).
    pub fn protected_item(&self, id: &ProtectedItemId) -> ResourceHandle<ProtectedItem> {
        ResourceHandle::new(self.protected_items(&id.vault()), id.name())
    }

    /// The fabrics of a resource group (`.../replicationFabrics`).
    pub fn fabrics(&self, subscription_id: &str, resource_group: &str) -> Handle<Fabric> {
        self.in_resource_group(subscription_id, resource_group, "replicationFabrics")
    }

    /// Every fabric of a subscription.
    pub fn fabrics_in_subscription(&self, subscription_id: &str) -> Pager<Fabric> {
        self.in_subscription(subscription_id, "replicationFabrics")
    }

    /// The fabric agents of a fabric (`.../fabricAgents`): the replication appliances.
    pub fn fabric_agents(&self, fabric: &FabricId) -> Handle<FabricAgent> {
        let mut h = self.handle(fabric, "fabricAgents");
        h.parent_problem = parent_problem(fabric.validate_names(self.name_rules()));
        h
    }

    /// The appliances of a fabric: the product's name for [`SiteRecoveryClient::fabric_agents`].
    pub fn appliances(&self, fabric: &FabricId) -> Handle<FabricAgent> {
        self.fabric_agents(fabric)
    }

    /// The replication policies of a vault (`.../replicationPolicies`).
    pub fn policies(&self, vault: &VaultId) -> Handle<ReplicationPolicy> {
        self.vault_child(vault, "replicationPolicies")
    }

    /// The replication extensions of a vault (`.../replicationExtensions`).
    pub fn extensions(&self, vault: &VaultId) -> Handle<ReplicationExtension> {
        self.vault_child(vault, "replicationExtensions")
    }

    /// The protected items of a vault (`.../protectedItems`), with their actions.
    pub fn protected_items(&self, vault: &VaultId) -> Handle<ProtectedItem> {
        self.vault_child(vault, "protectedItems")
    }

    /// The recovery points of a protected item (`.../recoveryPoints`, read-only).
    pub fn recovery_points(&self, item: &ProtectedItemId) -> Handle<RecoveryPoint> {
        let mut h = self.handle(item, "recoveryPoints");
        h.parent_problem = parent_problem(item.validate_names(self.name_rules()));
        h
    }

    /// The jobs of a vault (`.../jobs`, read-only).
    pub fn jobs(&self, vault: &VaultId) -> Handle<Job> {
        self.vault_child(vault, "jobs")
    }

    /// The events of a vault (`.../events`, read-only).
    pub fn events(&self, vault: &VaultId) -> Handle<Event> {
        self.vault_child(vault, "events")
    }

    /// The alert settings (e-mail configurations) of a vault (`.../alertSettings`). Their PUT
    /// is not long-running: the poller returned by `create_or_update` is already done.
    pub fn alert_settings(&self, vault: &VaultId) -> Handle<EmailConfiguration> {
        self.vault_child(vault, "alertSettings")
    }

    /// The operations `Microsoft.DataReplication` offers (`GET /providers/.../operations`).
    pub fn operations(&self) -> Pager<crate::model::Operation> {
        self.list_path(&format!("/{PROVIDER}/operations"))
    }

    fn list_path<T: serde::de::DeserializeOwned + Send + 'static>(&self, path: &str) -> Pager<T> {
        match self.url(path) {
            Ok(url) => Pager::new(self.clone(), url),
            Err(e) => Pager::failed(self.clone(), e),
        }
    }

    /// Asks whether `name` is free for a resource of `resource_type` (e.g.
    /// `Microsoft.DataReplication/replicationVaults`) in `location` of `subscription_id`.
    pub async fn check_name_availability(
        &self,
        subscription_id: &str,
        location: &str,
        name: &str,
        resource_type: &str,
    ) -> Result<CheckNameAvailabilityResponse, Error> {
        if let Some(problem) = check_scope(subscription_id, None) {
            return Err(Error::invalid_input("subscription id", problem));
        }
        super::check_segment("location", location)?;
        let url = self.url(&format!(
            "/subscriptions/{subscription_id}/{PROVIDER}/locations/{location}/checkNameAvailability"
        ))?;
        let body = CheckNameAvailability {
            name: Some(name.to_owned()),
            resource_type: Some(resource_type.to_owned()),
            ..Default::default()
        };
        let body = to_bytes(&body.to_request_body(), "name availability")?;
        let response = self
            .send(Request::new(Method::Post, url.clone()).with_json(body))
            .await?;
        crate::client::decode(&response.body, || format!("POST {} response", url.path()))
    }

    /// Checks a name against this client's naming rules without sending anything.
    pub fn check_name(&self, kind: NameKind, name: &str) -> Result<(), Error> {
        crate::id::validate_name(kind, name, self.name_rules())
            .map_err(|e| Error::invalid_input("name", e.to_string()))
    }
}
