//! Typed ids of the `Microsoft.DataReplication` resources.
//!
//! Each wraps a [`ResourceId`] known to be of its resource type (checked case-insensitively when
//! parsed), and navigates to its children and back to its parents without re-parsing.
//!
//! **Names are not validated here.** `new(...)` and the navigation methods take names as given
//! and never fail, so a name containing `/` yields an id that does not parse back. Validation is
//! one step, before any request: [`validate_names`](VaultId::validate_names) /
//! [`validate_name`](super::validate_name) under the chosen [`NameRules`].

use super::{validate_name, IdError, NameError, NameKind, NameRules, ResourceId};

/// The provider namespace of every typed id here.
pub const NAMESPACE: &str = "Microsoft.DataReplication";

typed_id! {
    /// A replication vault: `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.DataReplication/replicationVaults/{vault}`.
    ///
    /// ```
    /// use azs_site_recovery::id::{ProtectedItemId, VaultId};
    /// let vault = VaultId::new("0000", "dr-rg", "vault1");
    /// let item = vault.protected_item("sqlvm01");
    /// assert_eq!(
    ///     item.to_string(),
    ///     "/subscriptions/0000/resourceGroups/dr-rg/providers/Microsoft.DataReplication/replicationVaults/vault1/protectedItems/sqlvm01"
    /// );
    /// assert_eq!(item.vault(), vault);
    ///
    /// // Parsing checks the type, ignoring case.
    /// let parsed: ProtectedItemId = item.to_string().to_lowercase().parse()?;
    /// assert_eq!(parsed, item);
    /// assert!(item.to_string().parse::<VaultId>().is_err());
    /// # Ok::<(), azs_site_recovery::id::IdError>(())
    /// ```
    VaultId, "Microsoft.DataReplication/replicationVaults", [("replicationVaults", Vault)]
}

impl VaultId {
    /// A vault id from its parts (names not validated, see the [module docs](crate::id)).
    pub fn new(subscription_id: &str, resource_group: &str, vault: &str) -> Self {
        Self::build(subscription_id, resource_group, &[vault])
    }

    /// The resource group the vault is in.
    pub fn parent(&self) -> ResourceId {
        self.0.parent().unwrap_or_else(|| self.0.clone())
    }

    /// A protected item of this vault.
    pub fn protected_item(&self, name: &str) -> ProtectedItemId {
        ProtectedItemId(self.0.child_unchecked("protectedItems", name))
    }

    /// A replication policy of this vault.
    pub fn policy(&self, name: &str) -> PolicyId {
        PolicyId(self.0.child_unchecked("replicationPolicies", name))
    }

    /// A replication extension of this vault.
    pub fn replication_extension(&self, name: &str) -> ReplicationExtensionId {
        ReplicationExtensionId(self.0.child_unchecked("replicationExtensions", name))
    }

    /// A job of this vault.
    pub fn job(&self, name: &str) -> JobId {
        JobId(self.0.child_unchecked("jobs", name))
    }

    /// An event of this vault.
    pub fn event(&self, name: &str) -> EventId {
        EventId(self.0.child_unchecked("events", name))
    }

    /// An email configuration (`alertSettings`) of this vault.
    pub fn email_configuration(&self, name: &str) -> EmailConfigurationId {
        EmailConfigurationId(self.0.child_unchecked("alertSettings", name))
    }
}

typed_id! {
    /// A replication fabric: `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.DataReplication/replicationFabrics/{fabric}`.
    ///
    /// ```
    /// use azs_site_recovery::id::FabricId;
    /// let fabric = FabricId::new("0000", "dr-rg", "sourcefabric");
    /// let agent = fabric.fabric_agent("appliance1");
    /// assert_eq!(agent.fabric(), fabric);
    /// assert_eq!(agent.name(), "appliance1");
    /// ```
    FabricId, "Microsoft.DataReplication/replicationFabrics", [("replicationFabrics", Fabric)]
}

impl FabricId {
    /// A fabric id from its parts (names not validated, see the [module docs](crate::id)).
    pub fn new(subscription_id: &str, resource_group: &str, fabric: &str) -> Self {
        Self::build(subscription_id, resource_group, &[fabric])
    }

    /// The resource group the fabric is in.
    pub fn parent(&self) -> ResourceId {
        self.0.parent().unwrap_or_else(|| self.0.clone())
    }

    /// A fabric agent (appliance) of this fabric.
    pub fn fabric_agent(&self, name: &str) -> FabricAgentId {
        FabricAgentId(self.0.child_unchecked("fabricAgents", name))
    }
}

typed_id! {
    /// A fabric agent (the appliance): `.../replicationFabrics/{fabric}/fabricAgents/{agent}`.
    FabricAgentId, "Microsoft.DataReplication/replicationFabrics/fabricAgents",
    [("replicationFabrics", Fabric), ("fabricAgents", FabricAgent)]
}

impl FabricAgentId {
    /// A fabric agent id from its parts (names not validated, see the [module docs](crate::id)).
    pub fn new(subscription_id: &str, resource_group: &str, fabric: &str, agent: &str) -> Self {
        Self::build(subscription_id, resource_group, &[fabric, agent])
    }

    /// The fabric name.
    pub fn fabric_name(&self) -> &str {
        self.chain_name(0)
    }

    /// The fabric the agent belongs to.
    pub fn fabric(&self) -> FabricId {
        FabricId(self.0.ancestor_unchecked(1))
    }

    /// Same as [`fabric`](Self::fabric).
    pub fn parent(&self) -> FabricId {
        self.fabric()
    }
}

/// The methods every direct child of a vault shares.
macro_rules! vault_child {
    ($name:ident, $what:literal) => {
        impl $name {
            #[doc = concat!("A ", $what, " id from its parts (names not validated, see the [module docs](crate::id)).")]
            pub fn new(subscription_id: &str, resource_group: &str, vault: &str, name: &str) -> Self {
                Self::build(subscription_id, resource_group, &[vault, name])
            }

            /// The vault name.
            pub fn vault_name(&self) -> &str {
                self.chain_name(0)
            }

            /// The vault this belongs to.
            pub fn vault(&self) -> VaultId {
                VaultId(self.0.ancestor_unchecked(1))
            }

            /// Same as [`vault`](Self::vault).
            pub fn parent(&self) -> VaultId {
                self.vault()
            }
        }
    };
}

typed_id! {
    /// A replication policy: `.../replicationVaults/{vault}/replicationPolicies/{policy}`.
    PolicyId, "Microsoft.DataReplication/replicationVaults/replicationPolicies",
    [("replicationVaults", Vault), ("replicationPolicies", Policy)]
}
vault_child!(PolicyId, "replication policy");

typed_id! {
    /// A replication extension: `.../replicationVaults/{vault}/replicationExtensions/{extension}`.
    ReplicationExtensionId, "Microsoft.DataReplication/replicationVaults/replicationExtensions",
    [("replicationVaults", Vault), ("replicationExtensions", ReplicationExtension)]
}
vault_child!(ReplicationExtensionId, "replication extension");

typed_id! {
    /// A protected item (a protected VM): `.../replicationVaults/{vault}/protectedItems/{item}`.
    ///
    /// ```
    /// use azs_site_recovery::id::{NameRules, VaultId};
    /// let item = VaultId::new("0000", "dr-rg", "vault1").protected_item("web-01");
    /// assert!(item.validate_names(NameRules::Arm).is_ok());
    /// assert!(item.validate_names(NameRules::Strict).is_err());
    /// let point = item.recovery_point("rp1");
    /// assert_eq!(point.protected_item(), item);
    /// assert_eq!(point.vault_name(), "vault1");
    /// ```
    ProtectedItemId, "Microsoft.DataReplication/replicationVaults/protectedItems",
    [("replicationVaults", Vault), ("protectedItems", ProtectedItem)]
}
vault_child!(ProtectedItemId, "protected item");

impl ProtectedItemId {
    /// A recovery point of this protected item.
    pub fn recovery_point(&self, name: &str) -> RecoveryPointId {
        RecoveryPointId(self.0.child_unchecked("recoveryPoints", name))
    }
}

typed_id! {
    /// A recovery point: `.../replicationVaults/{vault}/protectedItems/{item}/recoveryPoints/{point}`.
    RecoveryPointId, "Microsoft.DataReplication/replicationVaults/protectedItems/recoveryPoints",
    [("replicationVaults", Vault), ("protectedItems", ProtectedItem), ("recoveryPoints", RecoveryPoint)]
}

impl RecoveryPointId {
    /// A recovery point id from its parts (names not validated, see the [module docs](crate::id)).
    pub fn new(
        subscription_id: &str,
        resource_group: &str,
        vault: &str,
        protected_item: &str,
        recovery_point: &str,
    ) -> Self {
        Self::build(
            subscription_id,
            resource_group,
            &[vault, protected_item, recovery_point],
        )
    }

    /// The vault name.
    pub fn vault_name(&self) -> &str {
        self.chain_name(0)
    }

    /// The protected item name.
    pub fn protected_item_name(&self) -> &str {
        self.chain_name(1)
    }

    /// The vault.
    pub fn vault(&self) -> VaultId {
        VaultId(self.0.ancestor_unchecked(1))
    }

    /// The protected item this recovery point belongs to.
    pub fn protected_item(&self) -> ProtectedItemId {
        ProtectedItemId(self.0.ancestor_unchecked(2))
    }

    /// Same as [`protected_item`](Self::protected_item).
    pub fn parent(&self) -> ProtectedItemId {
        self.protected_item()
    }
}

typed_id! {
    /// A job: `.../replicationVaults/{vault}/jobs/{job}` (named by the service; the preview
    /// api-version calls it a workflow, same URL).
    JobId, "Microsoft.DataReplication/replicationVaults/jobs",
    [("replicationVaults", Vault), ("jobs", Job)]
}
vault_child!(JobId, "job");

typed_id! {
    /// An event: `.../replicationVaults/{vault}/events/{event}` (named by the service).
    EventId, "Microsoft.DataReplication/replicationVaults/events",
    [("replicationVaults", Vault), ("events", Event)]
}
vault_child!(EventId, "event");

typed_id! {
    /// An email configuration (alert settings): `.../replicationVaults/{vault}/alertSettings/{name}`.
    EmailConfigurationId, "Microsoft.DataReplication/replicationVaults/alertSettings",
    [("replicationVaults", Vault), ("alertSettings", EmailConfiguration)]
}
vault_child!(EmailConfigurationId, "email configuration");
