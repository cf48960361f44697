//! Request bodies built from writable fields only.
//!
//! A resource read from the service carries read-only fields (`id`, `name`, `type`, `systemData`,
//! `provisioningState`, health, timestamps, ...). ARM rejects or ignores them on a `PUT`, and
//! echoing them back is how stale state gets written. [`RequestBody::to_request_body`] builds the
//! JSON body of a `PUT`/`PATCH` from the fields the specification marks writable (in any of the
//! three api-versions), so a resource read, edited and sent back is a valid request.
//!
//! Fields this crate does not know:
//! * at the ARM envelope (`id`, `name`, `type`, `systemData`, `location`, `tags`, `identity`,
//!   `properties`) they are dropped: everything ARM adds there on its own (`etag`, ...) is
//!   server-generated;
//! * below it (in `properties` and, above all, in `customProperties`) they are kept: that is the
//!   escape hatch for stamp-specific writable fields the public specs do not describe;
//! * a `customProperties` object with an `instanceType` this crate does not know is sent back
//!   whole, as it is (the crate cannot tell its read-only fields from its writable ones).

use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;

/// Builds the JSON body of a create (`PUT`) or update (`PATCH`) request from writable fields only.
///
/// ```
/// use azs_site_recovery::model::{RequestBody, Vault};
///
/// let read: Vault = serde_json::from_value(serde_json::json!({
///     "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults/v1",
///     "name": "v1",
///     "type": "Microsoft.DataReplication/replicationVaults",
///     "location": "local",
///     "tags": {"env": "dr"},
///     "properties": {"provisioningState": "Succeeded", "vaultType": "DisasterRecovery"}
/// })).unwrap();
/// assert_eq!(
///     read.to_request_body(),
///     serde_json::json!({
///         "location": "local",
///         "tags": {"env": "dr"},
///         "properties": {"vaultType": "DisasterRecovery"}
///     })
/// );
/// ```
pub trait RequestBody {
    /// The writable part of `self`, as the JSON a request sends.
    fn to_request_body(&self) -> Value;
}

macro_rules! leaf_request_body {
    ($($t:ty),* $(,)?) => {
        $(
            impl RequestBody for $t {
                fn to_request_body(&self) -> Value {
                    serde_json::to_value(self).unwrap_or(Value::Null)
                }
            }
        )*
    };
}

// Plain values serialize infallibly (strings, numbers, booleans, raw JSON, open enums).
leaf_request_body!(
    String,
    bool,
    i32,
    i64,
    f64,
    Number,
    crate::model::Timestamp,
    crate::model::ReplicationVaultType,
    crate::model::PublicNetworkAccess,
    crate::model::VaultIdentityType,
    crate::model::PrivateEndpointConnectionStatus,
    crate::model::RecoveryPointType,
    crate::model::ManagedServiceIdentityType,
);

impl RequestBody for Value {
    fn to_request_body(&self) -> Value {
        self.clone()
    }
}

impl<T: RequestBody> RequestBody for Vec<T> {
    fn to_request_body(&self) -> Value {
        Value::Array(self.iter().map(RequestBody::to_request_body).collect())
    }
}

impl<T: RequestBody> RequestBody for BTreeMap<String, T> {
    fn to_request_body(&self) -> Value {
        Value::Object(
            self.iter()
                .map(|(k, v)| (k.clone(), v.to_request_body()))
                .collect(),
        )
    }
}

impl<T: RequestBody> RequestBody for Box<T> {
    fn to_request_body(&self) -> Value {
        (**self).to_request_body()
    }
}

/// Copies the unknown fields of a struct into a request body, skipping the known read-only ones
/// (a known field sent as `null` lands in `additional_properties` too).
#[doc(hidden)]
pub fn keep_unknown(
    into: &mut Map<String, Value>,
    unknown: &Map<String, Value>,
    fields: &[(&str, &str)],
) {
    for (k, v) in unknown {
        let read_only = fields
            .iter()
            .any(|(wire, access)| *access == "ro" && wire == k);
        if !read_only && !into.contains_key(k) {
            into.insert(k.clone(), v.clone());
        }
    }
}

/// A [`model_struct!`](crate::model_struct) whose fields are each marked `rw` (writable: sent in
/// request bodies) or `ro` (read-only: never sent), plus `[keep]` (unknown fields are sent) or
/// `[drop]` (unknown fields are not sent: the ARM envelope).
macro_rules! writable_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident [$unknown:ident] {
            $( $(#[$fmeta:meta])* $access:ident $field:ident : $ty:ty => $wire:literal ),* $(,)?
        }
    ) => {
        $crate::model_struct! {
            $(#[$meta])*
            pub struct $name {
                $( $(#[$fmeta])* $field : $ty => $wire ),*
            }
        }

        impl $crate::model::RequestBody for $name {
            fn to_request_body(&self) -> ::serde_json::Value {
                #[allow(unused_mut)]
                let mut m = ::serde_json::Map::new();
                $( $crate::model::request_body::writable_field!($access, m, $wire, self.$field, self.wire_casing, $ty); )*
                $crate::model::request_body::unknown_fields!(
                    $unknown, m, self.additional_properties, [$( ($wire, stringify!($access)) ),*]
                );
                ::serde_json::Value::Object(m)
            }
        }
    };
}

macro_rules! writable_field {
    (rw, $m:ident, $wire:literal, $v:expr, $casing:expr, $ty:ty) => {
        if let Some(v) = &$v {
            #[allow(unused_imports)]
            use $crate::model::macros::{EnumField as _, OtherField as _};
            // An enum value read in another casing is sent back as it came (as `Serialize`
            // writes it), as long as the field still holds that value.
            let kept = (&&$crate::model::macros::Probe::<$ty>::NEW).kept_text(v, &$casing, $wire);
            let value = $crate::model::macros::request_value(v, kept);
            $m.insert(::std::string::String::from($wire), value);
        }
    };
    (ro, $m:ident, $wire:literal, $v:expr, $casing:expr, $ty:ty) => {};
}

macro_rules! unknown_fields {
    (keep, $m:ident, $extra:expr, [$($pair:expr),*]) => {
        $crate::model::request_body::keep_unknown(&mut $m, &$extra, &[$($pair),*]);
    };
    (drop, $m:ident, $extra:expr, [$($pair:expr),*]) => {};
}

/// A [`polymorphic!`](crate::polymorphic) `customProperties` enum whose request body is
/// `instanceType` plus the writable fields of the known variant, or the whole raw object for an
/// unknown `instanceType`.
macro_rules! writable_polymorphic {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident($ty:ty) = $tag:literal ),* $(,)?
        }
    ) => {
        $crate::polymorphic! {
            $(#[$meta])*
            pub enum $name {
                $( $(#[$vmeta])* $variant($ty) = $tag ),*
            }
        }

        impl $crate::model::RequestBody for $name {
            fn to_request_body(&self) -> ::serde_json::Value {
                match self {
                    $( $name::$variant(inner) => {
                        let mut m = ::serde_json::Map::new();
                        m.insert(
                            ::std::string::String::from("instanceType"),
                            ::serde_json::Value::String(::std::string::String::from($tag)),
                        );
                        if let ::serde_json::Value::Object(rest) =
                            $crate::model::RequestBody::to_request_body(inner)
                        {
                            m.extend(rest);
                        }
                        ::serde_json::Value::Object(m)
                    } )*
                    $name::Unknown(m) => ::serde_json::Value::Object(m.clone()),
                }
            }
        }
    };
}

pub(crate) use {unknown_fields, writable_field, writable_polymorphic, writable_struct};
