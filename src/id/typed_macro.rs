//! The shared half of every typed id: parsing with a type check, conversions, printing, serde.

/// Declares a typed id over [`ResourceId`](crate::ResourceId) for a resource-group-scoped
/// `Microsoft.DataReplication` resource whose type chain is `$( $ty )+` with name kinds
/// `$( $kind )+`.
macro_rules! typed_id {
    (
        $(#[$meta:meta])*
        $name:ident, $rtype:literal, [$( ($ty:literal, $kind:ident) ),+ $(,)?]
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(ResourceId);

        impl $name {
            /// The ARM resource type, as the `type` field of the resource shows it.
            pub const RESOURCE_TYPE: &'static str = $rtype;
            const TYPES: &'static [&'static str] = &[$($ty),+];
            const KINDS: &'static [NameKind] = &[$(NameKind::$kind),+];

            /// Checks that `id` is of this resource type (case-insensitively), in a resource group.
            pub fn from_resource_id(id: ResourceId) -> Result<Self, IdError> {
                if id.is_plain_resource_group_resource() && id.is_resource_type(Self::RESOURCE_TYPE) {
                    Ok($name(id))
                } else {
                    let found = match id.resource_type() {
                        Some(t) if id.is_plain_resource_group_resource() => t,
                        Some(t) if id.resource_group().is_none() => {
                            format!("{t} (not in a resource group)")
                        }
                        Some(t) => format!("{t} (an extension resource)"),
                        None if id.resource_group().is_some() => "a resource group".to_owned(),
                        None => "a subscription".to_owned(),
                    };
                    Err(IdError::WrongResourceType {
                        expected: Self::RESOURCE_TYPE,
                        found,
                        id: id.to_string(),
                    })
                }
            }

            /// The generic id.
            pub fn as_resource_id(&self) -> &ResourceId {
                &self.0
            }

            /// The generic id, by value.
            pub fn into_resource_id(self) -> ResourceId {
                self.0
            }

            /// The id as written, with its original casing.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }

            /// The subscription id.
            pub fn subscription_id(&self) -> &str {
                self.0.subscription_id().unwrap_or_default()
            }

            /// The resource group name.
            pub fn resource_group(&self) -> &str {
                self.0.resource_group().unwrap_or_default()
            }

            /// This resource's name.
            pub fn name(&self) -> &str {
                self.0.name()
            }

            /// Checks the subscription id, the resource group and every name in the id (e.g.
            /// vault and protected item) against their kinds' naming rules. Typed ids are built without this check; the client runs it before
            /// any request.
            pub fn validate_names(&self, rules: NameRules) -> Result<(), NameError> {
                // The scope goes into every URL too: a `..` or `/` there would address
                // another subscription or resource group.
                validate_name(NameKind::Subscription, self.subscription_id(), rules)?;
                validate_name(NameKind::ResourceGroup, self.resource_group(), rules)?;
                for (kind, name) in Self::KINDS.iter().zip(self.0.resource_names()) {
                    validate_name(*kind, name, rules)?;
                }
                Ok(())
            }

            #[allow(dead_code)]
            fn chain_name(&self, level: usize) -> &str {
                self.0.resource_names().nth(level).unwrap_or_default()
            }

            #[allow(dead_code)]
            fn build(subscription_id: &str, resource_group: &str, names: &[&str]) -> Self {
                let chain: Vec<(&str, &str)> =
                    Self::TYPES.iter().copied().zip(names.iter().copied()).collect();
                $name(ResourceId::from_parts_unchecked(
                    subscription_id,
                    resource_group,
                    NAMESPACE,
                    &chain,
                ))
            }
        }

        impl TryFrom<ResourceId> for $name {
            type Error = IdError;
            fn try_from(id: ResourceId) -> Result<Self, IdError> {
                $name::from_resource_id(id)
            }
        }

        impl TryFrom<&ResourceId> for $name {
            type Error = IdError;
            fn try_from(id: &ResourceId) -> Result<Self, IdError> {
                $name::from_resource_id(id.clone())
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                $name::from_resource_id(ResourceId::parse(s)?)
            }
        }

        impl From<$name> for ResourceId {
            fn from(id: $name) -> ResourceId {
                id.0
            }
        }

        impl AsRef<ResourceId> for $name {
            fn as_ref(&self) -> &ResourceId {
                &self.0
            }
        }

        impl PartialEq<ResourceId> for $name {
            fn eq(&self, other: &ResourceId) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<$name> for ResourceId {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                serde::Serialize::serialize(&self.0, s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let id = <ResourceId as serde::Deserialize>::deserialize(d)?;
                $name::from_resource_id(id).map_err(serde::de::Error::custom)
            }
        }
    };
}
