//! One page of a list response: `{"value": [...], "nextLink": "..."}`.

use crate::model::macros::Key;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};
use std::fmt;
use std::marker::PhantomData;

/// One page of a list (`*ModelListResult`, preview `*ModelCollection`, `OperationListResult`).
///
/// Lossless like every model type: a `null` `value` or `nextLink` and any field the crate does
/// not know are kept in `additional_properties` and written back.
///
/// ```
/// use azs_site_recovery::model::{Page, Vault};
///
/// let page: Page<Vault> = serde_json::from_str(
///     r#"{"value": [{"name": "v1"}, {"name": "v2"}], "nextLink": "https://example/next"}"#,
/// ).unwrap();
/// assert_eq!(page.items().len(), 2);
/// assert_eq!(page.next_link(), Some("https://example/next"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items (`value`; `None` when the service left it out).
    pub value: Option<Vec<T>>,
    /// The URL of the next page (`nextLink`; `None` on the last page).
    pub next_link: Option<String>,
    /// Fields this crate does not know (or known fields sent as `null`), kept verbatim.
    pub additional_properties: Map<String, Value>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            value: None,
            next_link: None,
            additional_properties: Map::new(),
        }
    }
}

impl<T> Page<T> {
    /// A page of `items` with no next link.
    pub fn new(items: Vec<T>) -> Self {
        Page {
            value: Some(items),
            ..Page::default()
        }
    }

    /// The items (empty when `value` was missing).
    pub fn items(&self) -> &[T] {
        self.value.as_deref().unwrap_or(&[])
    }

    /// The items, owned.
    pub fn into_items(self) -> Vec<T> {
        self.value.unwrap_or_default()
    }

    /// The URL of the next page; `None` (or an empty string, which some services send) means
    /// this is the last page.
    pub fn next_link(&self) -> Option<&str> {
        self.next_link.as_deref().filter(|s| !s.is_empty())
    }
}

impl<T: Serialize> Serialize for Page<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // A `null` kept in `additional_properties` for a field that now holds a value is not
        // written: a duplicate, later `null` would undo the value for most readers.
        let shadowed = |k: &str| match k {
            "value" => self.value.is_some(),
            "nextLink" => self.next_link.is_some(),
            _ => false,
        };
        let len = usize::from(self.value.is_some())
            + usize::from(self.next_link.is_some())
            + self
                .additional_properties
                .keys()
                .filter(|k| !shadowed(k))
                .count();
        let mut map = s.serialize_map(Some(len))?;
        if let Some(v) = &self.value {
            map.serialize_entry("value", v)?;
        }
        if let Some(v) = &self.next_link {
            map.serialize_entry("nextLink", v)?;
        }
        for (k, v) in &self.additional_properties {
            if !shadowed(k) {
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Page<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Page<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object with `value` and `nextLink` (a list page)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Page<T>, A::Error> {
                let mut page = Page::default();
                let mut rest = Map::new();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    match key.as_str() {
                        "value" => match map.next_value::<Option<Vec<T>>>()? {
                            Some(v) => page.value = Some(v),
                            None => {
                                rest.insert(key.into_string(), Value::Null);
                            }
                        },
                        "nextLink" => match map.next_value::<Option<String>>()? {
                            Some(v) => page.next_link = Some(v),
                            None => {
                                rest.insert(key.into_string(), Value::Null);
                            }
                        },
                        _ => {
                            let v: Value = map.next_value()?;
                            rest.insert(key.into_string(), v);
                        }
                    }
                }
                page.additional_properties = rest;
                Ok(page)
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}
