//! The two macros every model type is built with.
//!
//! * [`open_enum!`](crate::open_enum) makes a string enum that never fails to parse: a value the
//!   service adds tomorrow becomes `Unknown(String)` and is written back exactly as it came.
//! * [`model_struct!`](crate::model_struct) makes a struct with typed known fields plus an
//!   `additional_properties` map that keeps every field the crate does not know, with a
//!   hand-rolled `Deserialize` (one pass, no buffering; serde's `flatten` buffers the whole object
//!   and is much slower) and a `Serialize` that writes known fields, then the unknown ones.
//!
//! A known field that arrives as JSON `null` is kept as `null` in `additional_properties`, so a
//! round trip writes it back (no field is lost or invented). A known numeric field whose number
//! does not fit its type (`5000000000` for an `i32`, `1e400` for an `f64`, `1.5` for an `i64`) is an error
//! for that field only: the field stays `None` and the value is kept, exactly as sent, in
//! `additional_properties`; the rest of the resource is read. Numbers in unknown fields are kept
//! exactly as sent (serde_json's `arbitrary_precision`): integers beyond `u64`, long decimals and
//! `1e400` round-trip with their value and digits unchanged (serde_json writes an exponent with
//! its sign: `1e+400`).
//!
//! Enum values keep the casing they came with. An open enum matches ARM's loose casing
//! (`protected` is `Protected`); on that rare path its `Deserialize` leaves the text in a
//! thread-local note and counts it. A struct reading an enum field (decided at compile time by
//! probing the field's type, [`Probe`]: other fields pay nothing) reads the count before the value
//! and takes the note only if the count moved, recording `(field, text)` in its hidden
//! [`WireCasing`]; so a stale note (a bare enum read earlier, the elements of a list of enums)
//! never lands on another field. On serialization (and in request bodies) a recorded text is
//! written instead of the canonical one while the field still holds that value (compared
//! ignoring case); a field set to another value is written canonically. Only single-valued enum
//! fields are covered: a list of enums is written in the canonical casing (the model has no such
//! field today). Equality ignores casing.

/// Defines an open string enum: known variants, plus `Unknown(String)` for anything else.
///
/// Parsing is exact first, then ASCII case-insensitive (ARM is loose about the casing of status
/// values); the `Unknown` variant keeps the original text, so serialization round-trips. A known
/// value read in another casing is written back in that casing by the
/// [`model_struct!`](crate::model_struct) holding it (see the module docs); the enum itself
/// (`as_str`, `Display`, `Serialize` of a bare value) always speaks the canonical text.
#[macro_export]
#[doc(hidden)]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the crate does not know; kept verbatim.
            Unknown(::std::string::String),
        }

        impl $name {
            /// Every value this crate knows, in the order of the specification.
            pub const KNOWN: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The value as it is written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(s) => s.as_str(),
                }
            }

            /// `true` for a value this crate does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, $name::Unknown(_))
            }

            /// Parses a wire value; never fails (unknown values become `Unknown`).
            pub fn parse(s: &str) -> Self {
                $name::lookup_known(s, false).unwrap_or_else(|| $name::Unknown(s.to_owned()))
            }

            /// The known value `s` names, exactly or ignoring ASCII case. With `note_casing`, a
            /// match that needed the case to be ignored leaves `s` for the struct being read
            /// (see `WireCasing`), so that it is written back as it came.
            fn lookup_known(s: &str, note_casing: bool) -> ::std::option::Option<Self> {
                match s {
                    $( $wire => return Some($name::$variant), )+
                    _ => {}
                }
                // One shared, non-generic search (less code per enum than a chain of tests).
                let at = $crate::model::macros::position_ignoring_case(s, &[ $( $wire ),+ ])?;
                if note_casing {
                    $crate::model::macros::note_casing(s);
                }
                $name::KNOWN.get(at).cloned()
            }
        }

        impl $crate::model::macros::OpenEnum for $name {
            fn known_wire(&self) -> ::std::option::Option<&str> {
                if self.is_unknown() { None } else { Some(self.as_str()) }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok($name::parse(s))
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(s: &str) -> Self {
                $name::parse(s)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    $name::Unknown(s) => write!(f, "{}::Unknown({:?})", stringify!($name), s),
                    other => write!(f, "{}::{}", stringify!($name), other.as_str()),
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                struct V;
                impl<'de> ::serde::de::Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("a string (", stringify!($name), ")"))
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> ::std::result::Result<$name, E> {
                        Ok($name::lookup_known(v, true).unwrap_or_else(|| $name::Unknown(v.to_owned())))
                    }
                    fn visit_string<E: ::serde::de::Error>(self, v: ::std::string::String) -> ::std::result::Result<$name, E> {
                        Ok($name::lookup_known(&v, true).unwrap_or($name::Unknown(v)))
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

/// Defines a lossless model struct.
///
/// ```ignore
/// model_struct! {
///     /// A thing.
///     pub struct Thing {
///         /// Its name.
///         name: String => "name",
///     }
/// }
/// ```
///
/// Every field is `Option<T>` (the service may omit anything); fields the crate does not know
/// are kept in `additional_properties`. The struct also gets `serialize_fields` (write its fields
/// into a map being serialized, used by tagged `customProperties`) and `read_rest` (continue
/// reading, into `self`, a map whose first keys were consumed by a caller).
#[macro_export]
#[doc(hidden)]
macro_rules! model_struct {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty => $wire:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default)]
        #[non_exhaustive]
        $vis struct $name {
            $( $(#[$fmeta])* pub $field: ::std::option::Option<$ty>, )*
            /// Fields this crate does not know (or known fields sent as `null`), kept verbatim so
            /// that a round trip loses nothing.
            pub additional_properties: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
            /// The text of enum fields that matched a known value only ignoring case
            /// (`protected` for `Protected`), written back while the field keeps that value.
            /// Presentation, not value: it never makes two structs unequal.
            pub(crate) wire_casing: $crate::model::macros::WireCasing,
        }

        impl $name {
            /// Writes this struct's fields (known, then unknown) into a map being serialized.
            #[doc(hidden)]
            pub fn serialize_fields<M: ::serde::ser::SerializeMap>(&self, map: &mut M) -> ::std::result::Result<(), M::Error> {
                #[allow(unused_imports)]
                use $crate::model::macros::{EnumField as _, OtherField as _};
                // An enum value read in another casing is written as it came, as long as the
                // field still holds that value (`EnumField::kept_text`).
                $( if let Some(v) = &self.$field {
                    let kept = (&&$crate::model::macros::Probe::<$ty>::NEW).kept_text(v, &self.wire_casing, $wire);
                    $crate::model::macros::write_entry(map, $wire, v, kept)?;
                } )*
                for (k, v) in &self.additional_properties {
                    if !self.known_field_is_set(k) {
                        map.serialize_entry(k, v)?;
                    }
                }
                Ok(())
            }

            /// The number of entries [`Self::serialize_fields`] writes.
            #[doc(hidden)]
            pub fn field_count(&self) -> usize {
                0 $( + usize::from(self.$field.is_some()) )*
                    + $crate::model::macros::count_unset(&self.additional_properties, &|k| self.known_field_is_set(k))
            }

            /// The wire names of known fields whose number did not fit the field's type (out
            /// of range, a fraction for an integer): the field is `None` and the number is kept
            /// verbatim in `additional_properties`.
            pub fn unfit_fields(&self) -> ::std::vec::Vec<&str> {
                $crate::model::macros::unfit_fields(&self.additional_properties, &|k| match k {
                    $( $wire => Some(self.$field.is_some()), )*
                    _ => None,
                })
            }

            /// Whether `key` is the wire name of a known field that holds a value. Such a key in
            /// `additional_properties` (a `null` read from the service, then the field set) is
            /// not written: a second, later `null` entry would undo the value for most readers.
            fn known_field_is_set(&self, key: &str) -> bool {
                match key {
                    $( $wire => self.$field.is_some(), )*
                    _ => false,
                }
            }

            /// Reads the remaining entries of a map into `self`, in place: a field that is
            /// itself a model type is read into its slot, not built elsewhere and moved there.
            #[doc(hidden)]
            pub fn read_rest<'de, A: ::serde::de::MapAccess<'de>>(&mut self, mut map: A) -> ::std::result::Result<(), A::Error> {
                #[allow(unused_imports)]
                use $crate::model::macros::{EnumField as _, OtherField as _, InPlaceField as _, ValueField as _};
                while let Some(key) = map.next_key::<$crate::model::macros::Key<'de>>()? {
                    match key.as_str() {
                        $( $wire => {
                            // For an enum field only (decided at compile time): a casing note
                            // left while reading this value is this field's.
                            let mark = (&&$crate::model::macros::Probe::<$ty>::NEW).casing_mark();
                            match (&&$crate::model::macros::Probe::<$ty>::NEW).read_field(&mut map, &mut self.$field)? {
                                $crate::model::macros::Field::Set(()) => self.wire_casing.after_field($wire, mark),
                                $crate::model::macros::Field::Null => { self.additional_properties.insert(key.into_string(), ::serde_json::Value::Null); }
                                // A number out of the field's range (or not a number): the
                                // field stays unset, the value is kept verbatim, the rest of
                                // the resource is read.
                                $crate::model::macros::Field::Unfit(v) => { self.additional_properties.insert(key.into_string(), v); }
                            }
                        } )*
                        _ => {
                            let v: ::serde_json::Value = map.next_value()?;
                            self.additional_properties.insert(key.into_string(), v);
                        }
                    }
                }
                Ok(())
            }
        }

        impl $crate::model::macros::ReadInPlace for $name {
            fn empty() -> Self {
                Self::default()
            }
            fn read_in_place<'de, D: ::serde::Deserializer<'de>>(d: D, place: &mut Self) -> ::std::result::Result<(), D::Error> {
                struct V<'p>(&'p mut $name);
                impl<'de> ::serde::de::Visitor<'de> for V<'_> {
                    type Value = ();
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("a JSON object (", stringify!($name), ")"))
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(self, map: A) -> ::std::result::Result<(), A::Error> {
                        self.0.read_rest(map)
                    }
                }
                d.deserialize_map(V(place))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                use ::serde::ser::SerializeMap;
                let mut map = s.serialize_map(Some(self.field_count()))?;
                self.serialize_fields(&mut map)?;
                map.end()
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let mut value = $name::default();
                <$name as $crate::model::macros::ReadInPlace>::read_in_place(d, &mut value)?;
                Ok(value)
            }
        }
    };
}

/// Defines a polymorphic `customProperties` enum, dispatched on `instanceType`.
///
/// Known `instanceType` values map to a [`model_struct!`](crate::model_struct) type; anything else
/// (or an object without `instanceType`) is kept as raw JSON in `Unknown` and round-trips. When
/// `instanceType` is the first key (as the service writes it) the object is read in one pass;
/// otherwise it is buffered once and then dispatched.
#[macro_export]
#[doc(hidden)]
macro_rules! polymorphic {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident($ty:ty) = $tag:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$vmeta])* $variant($ty), )*
            /// An `instanceType` this crate does not know (or none at all): the whole object,
            /// verbatim, `instanceType` included.
            Unknown(::serde_json::Map<::std::string::String, ::serde_json::Value>),
        }

        impl $name {
            /// The `instanceType` discriminator, if any.
            pub fn instance_type(&self) -> ::std::option::Option<&str> {
                match self {
                    $( $name::$variant(_) => Some($tag), )*
                    $name::Unknown(m) => m.get("instanceType").and_then(|v| v.as_str()),
                }
            }

            /// Reads the rest of an object whose first key was `instanceType`, with the string
            /// value `tag`, into `place`: a known type is read in place.
            fn read_tag_and_rest<'de, A: ::serde::de::MapAccess<'de>>(place: &mut Self, tag: &str, map: A) -> ::std::result::Result<(), A::Error> {
                match tag {
                    $( $tag => {
                        *place = $name::$variant(<$ty>::default());
                        if let $name::$variant(inner) = place {
                            inner.read_rest(map)?;
                        }
                        Ok(())
                    } )*
                    _ => {
                        let mut m = ::serde_json::Map::new();
                        m.insert("instanceType".to_owned(), ::serde_json::Value::String(tag.to_owned()));
                        *place = $name::Unknown($crate::model::macros::collect_map(map, m)?);
                        Ok(())
                    }
                }
            }

            fn from_object(m: ::serde_json::Map<::std::string::String, ::serde_json::Value>) -> ::std::result::Result<Self, ::serde_json::Error> {
                let tag = m.get("instanceType").and_then(|v| v.as_str()).map(str::to_owned);
                match tag.as_deref() {
                    $( Some($tag) => {
                        let mut m = m;
                        m.remove("instanceType");
                        // From the `Value` (a second deserializer of `$ty` to compile): going
                        // through text instead compiles less but made decoding a list whose
                        // `instanceType` comes late about a fifth slower.
                        Ok($name::$variant(<$ty as ::serde::Deserialize>::deserialize(::serde_json::Value::Object(m))?))
                    } )*
                    _ => Ok($name::Unknown(m)),
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                #[allow(unused_imports)]
                use ::serde::ser::SerializeMap;
                match self {
                    $( $name::$variant(inner) => {
                        // An `instanceType` among the inner fields (a duplicate key read from
                        // the service, or set by hand) is not written a second time.
                        let trimmed;
                        let inner = if inner.additional_properties.contains_key("instanceType") {
                            let mut c = inner.clone();
                            c.additional_properties.remove("instanceType");
                            trimmed = c;
                            &trimmed
                        } else {
                            inner
                        };
                        let mut map = s.serialize_map(Some(1 + inner.field_count()))?;
                        map.serialize_entry("instanceType", $tag)?;
                        inner.serialize_fields(&mut map)?;
                        map.end()
                    } )*
                    $name::Unknown(m) => m.serialize(s),
                }
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let mut value = <$name as $crate::model::macros::ReadInPlace>::empty();
                <$name as $crate::model::macros::ReadInPlace>::read_in_place(d, &mut value)?;
                Ok(value)
            }
        }

        impl $crate::model::macros::ReadInPlace for $name {
            fn empty() -> Self {
                $name::Unknown(::serde_json::Map::new())
            }
            fn read_in_place<'de, D: ::serde::Deserializer<'de>>(d: D, place: &mut Self) -> ::std::result::Result<(), D::Error> {
                struct V<'p>(&'p mut $name);
                impl<'de> ::serde::de::Visitor<'de> for V<'_> {
                    type Value = ();
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("a JSON object with an instanceType (", stringify!($name), ")"))
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut map: A) -> ::std::result::Result<(), A::Error> {
                        let first = map.next_key::<$crate::model::macros::Key<'de>>()?;
                        match first {
                            None => *self.0 = $name::Unknown(::serde_json::Map::new()),
                            Some(k) if k.as_str() == "instanceType" => {
                                match map.next_value::<$crate::model::macros::Tag<'de>>()? {
                                    $crate::model::macros::Tag::Text(tag) => return $name::read_tag_and_rest(self.0, &tag, map),
                                    $crate::model::macros::Tag::Other(other) => {
                                        let mut m = ::serde_json::Map::new();
                                        m.insert("instanceType".to_owned(), other);
                                        *self.0 = $name::Unknown($crate::model::macros::collect_map(map, m)?);
                                    }
                                }
                            }
                            Some(k) => {
                                let mut m = ::serde_json::Map::new();
                                let v: ::serde_json::Value = map.next_value()?;
                                m.insert(k.into_string(), v);
                                let m = $crate::model::macros::collect_map(map, m)?;
                                *self.0 = $name::from_object(m).map_err(<A::Error as ::serde::de::Error>::custom)?;
                            }
                        }
                        Ok(())
                    }
                }
                d.deserialize_map(V(place))
            }
        }
    };
}

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// A map key, borrowed from the input where possible (no allocation for known keys).
#[doc(hidden)]
#[derive(Debug)]
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The key text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The key as an owned string.
    pub fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KV;
        impl<'de> Visitor<'de> for KV {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KV)
    }
}

/// The value of an `instanceType` key: its text (borrowed from the input where possible, so
/// reading a known type allocates nothing for it), or any other JSON value, kept.
#[doc(hidden)]
#[derive(Debug)]
pub enum Tag<'de> {
    /// A string.
    Text(Cow<'de, str>),
    /// Anything else (the object is then kept whole as unknown).
    Other(Value),
}

impl<'de> Deserialize<'de> for Tag<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TV;
        impl<'de> Visitor<'de> for TV {
            type Value = Tag<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Tag<'de>, E> {
                Ok(Tag::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Tag<'de>, E> {
                Ok(Tag::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Tag<'de>, E> {
                Ok(Tag::Text(Cow::Owned(v)))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Tag<'de>, E> {
                Ok(Tag::Other(Value::Bool(v)))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Tag<'de>, E> {
                Ok(Tag::Other(Value::from(v)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Tag<'de>, E> {
                Ok(Tag::Other(Value::from(v)))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Tag<'de>, E> {
                Ok(Tag::Other(Value::from(v)))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Tag<'de>, E> {
                Ok(Tag::Other(Value::Null))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Tag<'de>, E> {
                Ok(Tag::Other(Value::Null))
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Tag<'de>, D2::Error> {
                Value::deserialize(d).map(Tag::Other)
            }
            fn visit_seq<S: serde::de::SeqAccess<'de>>(self, seq: S) -> Result<Tag<'de>, S::Error> {
                Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(Tag::Other)
            }
            // Numbers arrive here too (serde_json's `arbitrary_precision` hands them over as a
            // one-entry map), and `Value` turns them back into the number as written.
            fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Tag<'de>, M::Error> {
                Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Tag::Other)
            }
        }
        d.deserialize_any(TV)
    }
}

/// Reads the remaining entries of a map into `into`.
#[doc(hidden)]
pub fn collect_map<'de, A: MapAccess<'de>>(
    mut map: A,
    mut into: Map<String, Value>,
) -> Result<Map<String, Value>, A::Error> {
    while let Some(k) = map.next_key::<Key<'de>>()? {
        let v: Value = map.next_value()?;
        into.insert(k.into_string(), v);
    }
    Ok(into)
}

/// The text of a struct's enum fields that matched a known value only ignoring ASCII case:
/// `(wire name of the field, text as it came)`. Empty (no allocation) in the common case.
///
/// Equality ignores it (casing is presentation, not value); `Debug` shows it as a map of field to
/// text (`{}` when empty).
#[doc(hidden)]
#[derive(Clone, Default)]
// Boxed so that every model struct pays one pointer: the list is almost always absent.
#[allow(clippy::box_collection)]
pub struct WireCasing(Option<Box<Vec<KeptText>>>);

/// One entry of [`WireCasing`]: the field's wire name, the text its value came with.
type KeptText = (&'static str, Box<str>);

impl WireCasing {
    /// Whether nothing was read in another casing.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The text the field `wire` came with, if it came in another casing.
    pub fn get(&self, wire: &str) -> Option<&str> {
        self.0
            .as_deref()?
            .iter()
            .find(|(w, _)| *w == wire)
            .map(|(_, text)| &**text)
    }

    /// After reading the field `wire` with the mark [`EnumField::casing_mark`] gave (`None`:
    /// not an enum field), records the text it came with if that was not the canonical one.
    #[inline]
    pub fn after_field(&mut self, wire: &'static str, mark: Option<u32>) {
        if let Some(mark) = mark {
            self.record(wire, casing_since(mark));
        }
    }

    /// Records the text the field `wire` came with (`None`: it came in the canonical casing,
    /// which undoes an earlier record for a repeated key).
    pub fn record(&mut self, wire: &'static str, text: Option<Box<str>>) {
        match (text, &mut self.0) {
            (None, None) => {}
            (None, Some(list)) => {
                list.retain(|(w, _)| *w != wire);
                if list.is_empty() {
                    self.0 = None;
                }
            }
            (Some(text), Some(list)) => match list.iter_mut().find(|(w, _)| *w == wire) {
                Some(entry) => entry.1 = text,
                None => list.push((wire, text)),
            },
            (Some(text), None) => self.0 = Some(Box::new(vec![(wire, text)])),
        }
    }
}

impl PartialEq for WireCasing {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for WireCasing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries = self.0.as_deref().map(Vec::as_slice).unwrap_or_default();
        f.debug_map()
            .entries(entries.iter().map(|(w, t)| (w, t)))
            .finish()
    }
}

thread_local! {
    /// How many enum values this thread read in another casing than the canonical one. Plain
    /// data (no destructor), so reading it is a single load: what every enum field pays.
    static CASING_NOTES: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    /// The text of the last of them, for the struct reading that field (see [`WireCasing`]).
    static CASING_NOTE: std::cell::Cell<Option<Box<str>>> = const { std::cell::Cell::new(None) };
}

/// Leaves `text` (an enum value that matched a known value only ignoring case) for the struct
/// whose field is being read.
#[doc(hidden)]
pub fn note_casing(text: &str) {
    // `try_with` fails only while the thread is being torn down: the casing is then not kept.
    if CASING_NOTE
        .try_with(|note| note.set(Some(text.into())))
        .is_ok()
    {
        CASING_NOTES.with(|n| n.set(n.get().wrapping_add(1)));
    }
}

/// A mark to pass to [`casing_since`] after reading one value.
#[doc(hidden)]
pub fn casing_mark() -> u32 {
    CASING_NOTES.with(std::cell::Cell::get)
}

/// The text noted while the value was read since `mark` was taken, if any: a note left earlier
/// (a bare enum, the elements of a list of enums) is never taken for this value.
#[doc(hidden)]
pub fn casing_since(mark: u32) -> Option<Box<str>> {
    if casing_mark() == mark {
        return None;
    }
    CASING_NOTE.try_with(|note| note.take()).ok().flatten()
}

/// Where `s` is in `wires`, ignoring ASCII case.
#[doc(hidden)]
pub fn position_ignoring_case(s: &str, wires: &[&str]) -> Option<usize> {
    wires.iter().position(|w| s.eq_ignore_ascii_case(w))
}

/// Implemented by every [`open_enum!`](crate::open_enum) type: the canonical wire text of a
/// known value (`None` for `Unknown`).
#[doc(hidden)]
pub trait OpenEnum {
    /// The canonical wire text of a known value; `None` for an unknown one.
    fn known_wire(&self) -> Option<&str>;
}

/// A field type, probed at compile time (autoref specialization): `(&&Probe::<T>::NEW).method()`
/// resolves to [`EnumField`] when `T` is an [`OpenEnum`] and to [`OtherField`] otherwise, so
/// fields of other types pay nothing for enum casing.
#[doc(hidden)]
pub struct Probe<T>(std::marker::PhantomData<fn() -> T>);

impl<T> Probe<T> {
    /// The probe.
    pub const NEW: Self = Probe(std::marker::PhantomData);
}

/// Casing handling of an enum field: see [`Probe`].
#[doc(hidden)]
pub trait EnumField<T> {
    /// A [`casing_mark`] to take the field's note with after reading it.
    fn casing_mark(&self) -> Option<u32>;
    /// The text to write instead of `value`'s canonical text.
    fn kept_text<'c>(&self, value: &T, casing: &'c WireCasing, wire: &str) -> Option<&'c str>;
}

impl<T: OpenEnum> EnumField<T> for &Probe<T> {
    fn casing_mark(&self) -> Option<u32> {
        Some(casing_mark())
    }
    fn kept_text<'c>(&self, value: &T, casing: &'c WireCasing, wire: &str) -> Option<&'c str> {
        if casing.is_empty() {
            return None;
        }
        let canonical = value.known_wire()?;
        casing
            .get(wire)
            .filter(|text| text.eq_ignore_ascii_case(canonical))
    }
}

/// Casing handling of any other field: nothing. See [`Probe`].
#[doc(hidden)]
pub trait OtherField<T> {
    /// `None`: nothing to watch.
    fn casing_mark(&self) -> Option<u32> {
        None
    }
    /// `None`: the value is written as it is.
    fn kept_text<'c>(&self, _: &T, _: &'c WireCasing, _: &str) -> Option<&'c str> {
        None
    }
}

/// Writes the field `wire`: `kept` (the text it came with, from `kept_text`) when there is one,
/// else `value`.
#[doc(hidden)]
pub fn write_entry<M: SerializeMap, T: Serialize>(
    map: &mut M,
    wire: &'static str,
    value: &T,
    kept: Option<&str>,
) -> Result<(), M::Error> {
    match kept {
        Some(text) => map.serialize_entry(wire, text),
        None => map.serialize_entry(wire, value),
    }
}

/// The request-body value of a field: `kept` (the text it came with, from `kept_text`) when
/// there is one, else `value`'s own.
#[doc(hidden)]
pub fn request_value<T: crate::model::RequestBody>(value: &T, kept: Option<&str>) -> Value {
    match kept {
        Some(text) => Value::String(text.to_owned()),
        None => value.to_request_body(),
    }
}

impl<T> OtherField<T> for Probe<T> {}

/// The number of keys of `extra` for which `is_set` is false (one copy for every model type).
#[doc(hidden)]
pub fn count_unset(extra: &Map<String, Value>, is_set: &dyn Fn(&str) -> bool) -> usize {
    extra.keys().filter(|k| !is_set(k)).count()
}

/// The keys of `extra` that name a known field (`known` answers `Some(is_set)`) left unset
/// while holding a non-null value (one copy for every model type).
#[doc(hidden)]
pub fn unfit_fields<'a>(
    extra: &'a Map<String, Value>,
    known: &dyn Fn(&str) -> Option<bool>,
) -> Vec<&'a str> {
    extra
        .iter()
        .filter(|(k, v)| known(k) == Some(false) && !v.is_null())
        .map(|(k, _)| k.as_str())
        .collect()
}

/// A model type that can be read into an existing value ([`model_struct!`](crate::model_struct)
/// and [`polymorphic!`](crate::polymorphic) types): a struct holding it reads the field straight
/// into its slot, so a large value (a protected item's properties are about 2.7 KB) is not
/// built on the stack and then moved, level by level, into place.
#[doc(hidden)]
pub trait ReadInPlace: Sized {
    /// The value a slot holds before it is read into (an empty struct).
    fn empty() -> Self;
    /// Reads a value into `place`, which holds [`ReadInPlace::empty`].
    fn read_in_place<'de, D: Deserializer<'de>>(d: D, place: &mut Self) -> Result<(), D::Error>;
}

/// Reading a field of a [`ReadInPlace`] type: into its slot. See [`Probe`].
#[doc(hidden)]
pub trait InPlaceField<T> {
    /// Reads the next value of `map` into `place` (`Field::Set(())`), or tells it was `null`
    /// (`place` untouched).
    fn read_field<'de, A: MapAccess<'de>>(
        &self,
        map: &mut A,
        place: &mut Option<T>,
    ) -> Result<Field<()>, A::Error>
    where
        T: Deserialize<'de>;
}

impl<T: ReadInPlace> InPlaceField<T> for &Probe<T> {
    fn read_field<'de, A: MapAccess<'de>>(
        &self,
        map: &mut A,
        place: &mut Option<T>,
    ) -> Result<Field<()>, A::Error>
    where
        T: Deserialize<'de>,
    {
        map.next_value_seed(InPlaceSeed(place))
    }
}

/// A text field: read straight as an optional string (no number to catch). See [`Probe`].
impl InPlaceField<String> for &Probe<String> {
    fn read_field<'de, A: MapAccess<'de>>(
        &self,
        map: &mut A,
        place: &mut Option<String>,
    ) -> Result<Field<()>, A::Error>
    where
        String: Deserialize<'de>,
    {
        Ok(match map.next_value::<Option<String>>()? {
            Some(text) => {
                *place = Some(text);
                Field::Set(())
            }
            None => Field::Null,
        })
    }
}

/// Reading a field of any other type: by value, catching a number that does not fit. See
/// [`Probe`].
#[doc(hidden)]
pub trait ValueField<T> {
    /// Reads the next value of `map` into `place`.
    fn read_field<'de, A: MapAccess<'de>>(
        &self,
        map: &mut A,
        place: &mut Option<T>,
    ) -> Result<Field<()>, A::Error>
    where
        T: Deserialize<'de>,
    {
        Ok(match map.next_value_seed(FieldSeed::<T>::new())? {
            Field::Set(v) => {
                *place = Some(v);
                Field::Set(())
            }
            Field::Null => Field::Null,
            Field::Unfit(v) => Field::Unfit(v),
        })
    }
}

impl<T> ValueField<T> for Probe<T> {}

/// Reads a [`ReadInPlace`] value into an `Option` slot; `null` leaves the slot as it was.
struct InPlaceSeed<'p, T>(&'p mut Option<T>);

impl<'de, T: ReadInPlace> serde::de::DeserializeSeed<'de> for InPlaceSeed<'_, T> {
    type Value = Field<()>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Field<()>, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, T: ReadInPlace> Visitor<'de> for InPlaceSeed<'_, T> {
    type Value = Field<()>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object or null")
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Field<()>, E> {
        Ok(Field::Null)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Field<()>, E> {
        Ok(Field::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Field<()>, D::Error> {
        // A repeated key replaces the earlier value, as reading by value does.
        let slot = self.0.insert(T::empty());
        T::read_in_place(d, slot)?;
        Ok(Field::Set(()))
    }
}

/// How a known field was read: a value, JSON `null`, or a value that does not fit its type.
#[doc(hidden)]
#[derive(Debug)]
pub enum Field<T> {
    /// A value of the field's type.
    Set(T),
    /// JSON `null`.
    Null,
    /// A number out of the field's range (or a fraction for an integer field): kept verbatim.
    Unfit(Value),
}

/// Reads one known field, catching a number that does not fit it.
#[doc(hidden)]
pub struct FieldSeed<T>(std::marker::PhantomData<fn() -> T>);

impl<T> FieldSeed<T> {
    /// A seed for a field of type `T`.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        FieldSeed(std::marker::PhantomData)
    }
}

impl<'de, T: Deserialize<'de>> serde::de::DeserializeSeed<'de> for FieldSeed<T> {
    type Value = Field<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Field<T>, D::Error> {
        let unfit = std::cell::RefCell::new(None);
        match Option::<T>::deserialize(Catch {
            inner: d,
            unfit: &unfit,
        }) {
            Ok(Some(v)) => Ok(Field::Set(v)),
            Ok(None) => Ok(Field::Null),
            Err(e) => match unfit.into_inner() {
                Some(v) => Ok(Field::Unfit(v)),
                None => Err(e),
            },
        }
    }
}

/// A deserializer that reads numbers (as asked for by a numeric field) as a JSON number first,
/// so that one that does not fit can be kept instead of failing the whole resource.
struct Catch<'s, D> {
    inner: D,
    unfit: &'s std::cell::RefCell<Option<Value>>,
}

macro_rules! catch_number {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
                let n = serde_json::Number::deserialize(self.inner)?;
                let read: Result<V::Value, serde_json::Error> = if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else {
                    match n.as_f64() {
                        Some(f) if f.is_finite() => visitor.visit_f64(f),
                        _ => Err(serde::de::Error::custom("not a finite number")),
                    }
                };
                read.map_err(|e| {
                    *self.unfit.borrow_mut() = Some(Value::Number(n));
                    serde::de::Error::custom(e)
                })
            }
        )*
    };
}

macro_rules! forward {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
                self.inner.$method(visitor)
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Catch<'_, D> {
    type Error = D::Error;

    catch_number! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    }

    forward! {
        deserialize_any deserialize_bool deserialize_char deserialize_str deserialize_string
        deserialize_bytes deserialize_byte_buf deserialize_unit deserialize_seq deserialize_map
        deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.inner.deserialize_option(CatchSome {
            visitor,
            unfit: self.unfit,
        })
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.inner.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.inner.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.inner.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.inner.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.inner.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.inner.deserialize_enum(name, variants, visitor)
    }
}

/// The `Option` visitor of a known field, re-wrapping the value's deserializer in [`Catch`].
struct CatchSome<'s, V> {
    visitor: V,
    unfit: &'s std::cell::RefCell<Option<Value>>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for CatchSome<'_, V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }
    fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
        self.visitor.visit_some(Catch {
            inner: d,
            unfit: self.unfit,
        })
    }
}
