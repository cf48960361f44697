//! The re-protect body (documented by Microsoft for Azure Stack Hub).

use super::{InvalidActionBody, ProtectedItemAction};
use crate::{model_struct, polymorphic};

model_struct! {
    /// The `AzStackToAzStackFailback` re-protect settings (documented by Microsoft). Leaving
    /// `policyName` or `replicationExtensionName` empty makes re-protect fail (a known issue).
    pub struct ReprotectOptions {
        /// The ARM id of the appliance that replicates back.
        appliance_id: String => "applianceId",
        /// The ARM id of the cache (log) storage account for failback.
        log_storage_account_id: String => "logStorageAccountId",
        /// The failback replication policy's name.
        policy_name: String => "policyName",
        /// The failback replication extension's name.
        replication_extension_name: String => "replicationExtensionName",
    }
}

polymorphic! {
    /// The custom properties of a [`Reprotect`] body.
    pub enum ReprotectCustomProperties {
        /// `AzStackToAzStackFailback` (documented by Microsoft).
        AzStackToAzStackFailback(ReprotectOptions) = "AzStackToAzStackFailback",
    }
}

action_body! {
    /// The `reprotect` body (documented by Microsoft for Azure Stack Hub): replicate a
    /// failed-over VM back towards its original stamp.
    ///
    /// ```
    /// use azs_site_recovery::model::Reprotect;
    /// let body = Reprotect::azstack_failback_defaults("appliance-id", "storage-id");
    /// let json = serde_json::to_value(&body).unwrap();
    /// let cp = &json["properties"]["customProperties"];
    /// assert_eq!(cp["instanceType"], "AzStackToAzStackFailback");
    /// assert_eq!(cp["policyName"], "failback-default-replication-policy");
    /// assert_eq!(cp["replicationExtensionName"], "default-failback-extension");
    /// ```
    Reprotect, ReprotectProperties, ReprotectCustomProperties, "reprotect", true,
    check = check_reprotect
}

fn check_reprotect(body: &Reprotect) -> Result<(), InvalidActionBody> {
    let Some(ReprotectCustomProperties::AzStackToAzStackFailback(o)) = body.custom_properties()
    else {
        return Ok(());
    };
    let missing: Vec<&str> = [
        ("applianceId", &o.appliance_id),
        ("logStorageAccountId", &o.log_storage_account_id),
        ("policyName", &o.policy_name),
        ("replicationExtensionName", &o.replication_extension_name),
    ]
    .into_iter()
    .filter(|(_, v)| v.as_deref().is_none_or(|v| v.trim().is_empty()))
    .map(|(name, _)| name)
    .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(InvalidActionBody {
        action: Reprotect::DEFAULT_PATH,
        message: format!(
            "{} missing or empty (re-protect fails without them, a known issue on Azure Stack \
             Hub): pass them, e.g. Reprotect::azstack_failback_defaults(appliance_id, \
             log_storage_account_id) for Microsoft's default failback policy and extension",
            missing.join(", ")
        ),
    })
}

impl Reprotect {
    /// Microsoft's default failback replication policy name on Azure Stack Hub.
    pub const DEFAULT_FAILBACK_POLICY_NAME: &'static str = "failback-default-replication-policy";
    /// Microsoft's default failback replication extension name on Azure Stack Hub.
    pub const DEFAULT_FAILBACK_EXTENSION_NAME: &'static str = "default-failback-extension";

    /// An Azure Stack Hub re-protect (`AzStackToAzStackFailback`).
    pub fn azstack_failback(
        appliance_id: impl Into<String>,
        log_storage_account_id: impl Into<String>,
        policy_name: impl Into<String>,
        replication_extension_name: impl Into<String>,
    ) -> Self {
        let o = ReprotectOptions {
            appliance_id: Some(appliance_id.into()),
            log_storage_account_id: Some(log_storage_account_id.into()),
            policy_name: Some(policy_name.into()),
            replication_extension_name: Some(replication_extension_name.into()),
            ..Default::default()
        };
        Self::new(ReprotectCustomProperties::AzStackToAzStackFailback(o))
    }

    /// An Azure Stack Hub re-protect with Microsoft's default failback policy and extension
    /// names.
    pub fn azstack_failback_defaults(
        appliance_id: impl Into<String>,
        log_storage_account_id: impl Into<String>,
    ) -> Self {
        Self::azstack_failback(
            appliance_id,
            log_storage_account_id,
            Self::DEFAULT_FAILBACK_POLICY_NAME,
            Self::DEFAULT_FAILBACK_EXTENSION_NAME,
        )
    }
}
