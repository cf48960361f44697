//! The generic ARM resource id: parse, validate, print, compare, navigate.

use super::grammar::{is_kw, layout, Layout};
use super::IdError;

/// A parsed Azure Resource Manager resource id.
///
/// Accepted shapes (segment names in any casing):
///
/// - `/subscriptions/{sub}` and `/subscriptions/{sub}/resourceGroups/{rg}` (scopes);
/// - `/subscriptions/{sub}/resourceGroups/{rg}/providers/{Namespace}/{type}/{name}[/{type}/{name}...]`;
/// - subscription-level `/subscriptions/{sub}/providers/{Namespace}/{type}/{name}...`
///   (e.g. `.../providers/Microsoft.DataReplication/locations/{location}`);
/// - tenant-level `/providers/{Namespace}/{type}/{name}...`;
/// - extension resources, where a resource is followed by another
///   `/providers/{Namespace}/{type}/{name}...` section (e.g. a role assignment on a vault).
///
/// **Printing.** `Display` prints the id exactly as it was written or built: the user's casing
/// is kept.
///
/// **Comparing.** ARM treats the whole id as case-insensitive: segment names (`subscriptions`,
/// `resourceGroups`, `providers`, the namespace, the types) and resource names alike. So do
/// `PartialEq`, `Hash` and `Ord` here: two ids that differ only in casing are equal, hash alike and
/// sort together. Case folding is ASCII-only (non-ASCII characters compare exactly); ARM names of
/// this provider are ASCII.
///
/// **What is refused** (with an [`IdError`] naming the segment, its 1-based position and what
/// was expected; never a panic): an empty string, a missing leading `/` (a URL or bare name), a
/// trailing `/`, empty segments (`//`), dot segments (`.` and `..`, which URL handling would
/// collapse into another resource's path), `?`, `#`, `%` (percent escapes, such as an encoded `/`
/// or `..`), `\`, whitespace or control characters (a pasted query string or line break), misspelled fixed segments (`resourcegroup`), a namespace without
/// a `.`, and a type without its name (an odd number of type/name segments).
///
/// **What is not checked.** The id is not percent-decoded (a `%` is refused instead); subscription ids are not required to
/// be GUIDs; names are not checked against a resource kind's naming rules (that is
/// [`validate_name`](crate::id::validate_name)'s job, done before any request).
///
/// ```
/// use azs_site_recovery::ResourceId;
///
/// let id: ResourceId = "/subscriptions/0000/resourceGroups/DR-RG/providers/\
///     Microsoft.DataReplication/replicationVaults/vault1/protectedItems/sqlvm01".parse()?;
/// assert_eq!(id.subscription_id(), Some("0000"));
/// assert_eq!(id.resource_group(), Some("DR-RG"));
/// assert_eq!(id.provider_namespace(), Some("Microsoft.DataReplication"));
/// assert_eq!(
///     id.resource_type().as_deref(),
///     Some("Microsoft.DataReplication/replicationVaults/protectedItems")
/// );
/// assert_eq!(id.name(), "sqlvm01");
///
/// // Casing never makes two ids different, and is kept for printing.
/// let shouted: ResourceId = id.to_string().to_uppercase().parse()?;
/// assert_eq!(id, shouted);
/// assert!(shouted.to_string().starts_with("/SUBSCRIPTIONS/"));
///
/// // Navigation.
/// let vault = id.parent().unwrap();
/// assert_eq!(vault.name(), "vault1");
/// assert_eq!(vault.child("protectedItems", "sqlvm01")?, id);
/// # Ok::<(), azs_site_recovery::id::IdError>(())
/// ```
#[derive(Clone)]
pub struct ResourceId {
    raw: String,
    /// Byte ranges of the segments in `raw` (without the slashes).
    segs: Vec<(usize, usize)>,
    layout: Layout,
}

impl ResourceId {
    /// Parses and validates an ARM id. Same as `str::parse`.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if s.is_empty() {
            return Err(IdError::Empty);
        }
        let Some(rest) = s.strip_prefix('/') else {
            return Err(IdError::MissingLeadingSlash {
                found: s.to_owned(),
            });
        };
        if rest.is_empty() || s.ends_with('/') {
            return Err(IdError::TrailingSlash { id: s.to_owned() });
        }
        let mut segs = Vec::with_capacity(12);
        let mut start = 1;
        for (i, part) in rest.split('/').enumerate() {
            let position = i + 1;
            if part.is_empty() {
                return Err(IdError::EmptySegment { position });
            }
            if part == "." || part == ".." {
                return Err(IdError::DotSegment {
                    position,
                    segment: part.to_owned(),
                });
            }
            if let Some(character) = part.chars().find(|&c| forbidden_in_segment(c)) {
                return Err(IdError::InvalidCharacter {
                    position,
                    segment: part.to_owned(),
                    character,
                });
            }
            segs.push((start, start + part.len()));
            start += part.len() + 1;
        }
        let layout = layout(s, &segs)?;
        Ok(ResourceId {
            raw: s.to_owned(),
            segs,
            layout,
        })
    }

    /// The id of a subscription: `/subscriptions/{subscription_id}`.
    ///
    /// Fails when the value is empty or contains `/`, `?`, `#`, whitespace or control characters.
    pub fn for_subscription(subscription_id: &str) -> Result<Self, IdError> {
        no_slash(subscription_id, 2)?;
        Self::parse(&format!("/subscriptions/{subscription_id}"))
    }

    /// The id of a resource group: `/subscriptions/{subscription_id}/resourceGroups/{resource_group}`.
    pub fn for_resource_group(
        subscription_id: &str,
        resource_group: &str,
    ) -> Result<Self, IdError> {
        no_slash(subscription_id, 2)?;
        no_slash(resource_group, 4)?;
        Self::parse(&format!(
            "/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
        ))
    }

    /// A resource in a resource group, from its parts:
    /// `/subscriptions/{sub}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}/...`.
    ///
    /// ```
    /// use azs_site_recovery::ResourceId;
    /// let id = ResourceId::for_resource(
    ///     "0000",
    ///     "rg1",
    ///     "Microsoft.DataReplication",
    ///     &[("replicationVaults", "vault1"), ("jobs", "job1")],
    /// )?;
    /// assert_eq!(id.resource_type().as_deref(), Some("Microsoft.DataReplication/replicationVaults/jobs"));
    /// # Ok::<(), azs_site_recovery::id::IdError>(())
    /// ```
    pub fn for_resource(
        subscription_id: &str,
        resource_group: &str,
        namespace: &str,
        chain: &[(&str, &str)],
    ) -> Result<Self, IdError> {
        let mut id = Self::for_resource_group(subscription_id, resource_group)?;
        let mut types = chain.iter();
        let Some((first_type, first_name)) = types.next() else {
            return Err(IdError::MissingResourceType {
                position: 6,
                namespace: namespace.to_owned(),
            });
        };
        id = id.child(&format!("{namespace}/{first_type}"), first_name)?;
        for (ty, name) in types {
            id = id.child(ty, name)?;
        }
        Ok(id)
    }

    /// Builds a resource-group-scoped id from parts the caller vouches for; no validation.
    ///
    /// Used by the typed ids, whose type segments are constants. Names containing `/` make an id
    /// that does not parse back; the typed ids document that names are validated separately.
    pub(crate) fn from_parts_unchecked(
        subscription_id: &str,
        resource_group: &str,
        namespace: &str,
        chain: &[(&str, &str)],
    ) -> Self {
        let mut id = ResourceId {
            raw: String::with_capacity(128),
            segs: Vec::with_capacity(6 + 2 * chain.len()),
            layout: Layout {
                sub: Some(1),
                rg: Some(3),
                ns: Some(5),
                sections: 1,
            },
        };
        for seg in [
            "subscriptions",
            subscription_id,
            "resourceGroups",
            resource_group,
            "providers",
            namespace,
        ] {
            id.push_seg(seg);
        }
        for (ty, name) in chain {
            id.push_seg(ty);
            id.push_seg(name);
        }
        id
    }

    fn push_seg(&mut self, seg: &str) {
        self.raw.push('/');
        let start = self.raw.len();
        self.raw.push_str(seg);
        self.segs.push((start, self.raw.len()));
    }

    /// Appends a `{type}/{name}` pair to a resource id, unchecked (the type is a constant of the
    /// caller's; see [`ResourceId::from_parts_unchecked`]).
    pub(crate) fn child_unchecked(&self, resource_type: &str, name: &str) -> Self {
        let mut id = self.clone();
        id.push_seg(resource_type);
        id.push_seg(name);
        id
    }

    /// Keeps the first `pairs` `{type}/{name}` pairs of the last provider section.
    /// `pairs` must be at least 1 and at most the number of pairs.
    pub(crate) fn ancestor_unchecked(&self, pairs: usize) -> Self {
        let keep = match self.layout.ns {
            Some(ns) => (ns + 1 + 2 * pairs.max(1)).min(self.segs.len()),
            None => self.segs.len(),
        };
        // Within the last provider section the layout does not change.
        let end = self.segs[keep - 1].1;
        ResourceId {
            raw: self.raw[..end].to_owned(),
            segs: self.segs[..keep].to_vec(),
            layout: self.layout,
        }
    }

    /// The id as written (or built), with its original casing.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The id as written (or built), by value.
    pub fn into_string(self) -> String {
        self.raw
    }

    /// The segments between the slashes, in order.
    pub fn segments(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator + '_ {
        self.segs.iter().map(|&(a, b)| &self.raw[a..b])
    }

    fn seg(&self, i: usize) -> &str {
        let (a, b) = self.segs[i];
        &self.raw[a..b]
    }

    /// The subscription id, when the id is under a subscription.
    pub fn subscription_id(&self) -> Option<&str> {
        self.layout.sub.map(|i| self.seg(i))
    }

    /// The resource group name, when the id is in (or is) a resource group.
    pub fn resource_group(&self) -> Option<&str> {
        self.layout.rg.map(|i| self.seg(i))
    }

    /// The provider namespace of the resource, e.g. `Microsoft.DataReplication`; for an
    /// extension resource the last one. `None` for a subscription or resource group id.
    pub fn provider_namespace(&self) -> Option<&str> {
        self.layout.ns.map(|i| self.seg(i))
    }

    /// The type segments after the namespace, e.g. `["replicationVaults", "protectedItems"]`.
    pub fn resource_type_segments(&self) -> impl Iterator<Item = &str> + '_ {
        let from = self.layout.ns.map_or(self.segs.len(), |ns| ns + 1);
        self.segs[from..]
            .iter()
            .step_by(2)
            .map(|&(a, b)| &self.raw[a..b])
    }

    /// The names that go with [`resource_type_segments`](Self::resource_type_segments), e.g.
    /// `["vault1", "sqlvm01"]`.
    pub fn resource_names(&self) -> impl Iterator<Item = &str> + '_ {
        let from = self.layout.ns.map_or(self.segs.len(), |ns| ns + 2);
        self.segs[from.min(self.segs.len())..]
            .iter()
            .step_by(2)
            .map(|&(a, b)| &self.raw[a..b])
    }

    /// The full resource type, e.g. `Microsoft.DataReplication/replicationVaults/protectedItems`,
    /// in the id's casing. `None` for a subscription or resource group id.
    pub fn resource_type(&self) -> Option<String> {
        let ns = self.provider_namespace()?;
        let mut out = String::from(ns);
        for ty in self.resource_type_segments() {
            out.push('/');
            out.push_str(ty);
        }
        Some(out)
    }

    /// Whether the resource type is `resource_type` (e.g.
    /// `"Microsoft.DataReplication/replicationVaults"`), compared case-insensitively.
    pub fn is_resource_type(&self, resource_type: &str) -> bool {
        let Some(ns) = self.provider_namespace() else {
            return false;
        };
        let mut expected = resource_type.split('/');
        if !expected.next().is_some_and(|e| is_kw(e, ns)) {
            return false;
        }
        let mut actual = self.resource_type_segments();
        loop {
            match (expected.next(), actual.next()) {
                (None, None) => return true,
                (Some(e), Some(a)) if is_kw(e, a) => {}
                _ => return false,
            }
        }
    }

    /// The name of the resource: the last segment (for a resource group id the group's name, for
    /// a subscription id the subscription id).
    pub fn name(&self) -> &str {
        // Every valid id has at least two segments; the fallback is never taken.
        self.segs.last().map_or("", |&(a, b)| &self.raw[a..b])
    }

    /// Whether this is a resource (it has a provider namespace), not a subscription or resource
    /// group.
    pub fn is_resource(&self) -> bool {
        self.layout.ns.is_some()
    }

    /// Whether the resource lives directly in a resource group under one provider (no extension
    /// section): the shape of every `Microsoft.DataReplication` resource.
    pub(crate) fn is_plain_resource_group_resource(&self) -> bool {
        self.layout.sub.is_some() && self.layout.rg.is_some() && self.layout.sections == 1
    }

    /// The id one level up: a child resource's parent resource, a top-level resource's resource
    /// group (or subscription, for a subscription-level resource), a resource group's
    /// subscription. `None` for a subscription id and a tenant-level top resource.
    ///
    /// ```
    /// use azs_site_recovery::ResourceId;
    /// let id: ResourceId = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults/v".parse()?;
    /// let rg = id.parent().unwrap();
    /// assert_eq!(rg.as_str(), "/subscriptions/s/resourceGroups/rg");
    /// assert_eq!(rg.parent().unwrap().as_str(), "/subscriptions/s");
    /// assert!(rg.parent().unwrap().parent().is_none());
    /// # Ok::<(), azs_site_recovery::id::IdError>(())
    /// ```
    pub fn parent(&self) -> Option<ResourceId> {
        let n = self.segs.len();
        let keep = match self.layout.ns {
            Some(ns) if n - ns - 1 > 2 => n - 2,
            // The only pair of its section: drop `providers/{ns}/{type}/{name}`.
            Some(ns) => ns - 1,
            None if self.layout.rg.is_some() => 2,
            None => 0,
        };
        if keep == 0 {
            return None;
        }
        self.truncated(keep)
    }

    fn truncated(&self, keep: usize) -> Option<ResourceId> {
        let segs = self.segs.get(..keep)?.to_vec();
        let end = segs.last()?.1;
        let raw = self.raw[..end].to_owned();
        let layout = layout(&raw, &segs).ok()?;
        Some(ResourceId { raw, segs, layout })
    }

    /// A child of this id.
    ///
    /// Under a resource, `resource_type` is one type segment (`"protectedItems"`). Under a
    /// subscription or resource group it is namespace-qualified
    /// (`"Microsoft.DataReplication/replicationVaults"`) and `/providers/` is inserted.
    ///
    /// ```
    /// use azs_site_recovery::ResourceId;
    /// let rg = ResourceId::for_resource_group("s", "rg")?;
    /// let vault = rg.child("Microsoft.DataReplication/replicationVaults", "v1")?;
    /// assert_eq!(vault.as_str(), "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults/v1");
    /// let job = vault.child("jobs", "j1")?;
    /// assert_eq!(job.parent(), Some(vault));
    /// # Ok::<(), azs_site_recovery::id::IdError>(())
    /// ```
    pub fn child(&self, resource_type: &str, name: &str) -> Result<ResourceId, IdError> {
        let invalid = |reason| IdError::InvalidChild {
            resource_type: resource_type.to_owned(),
            name: name.to_owned(),
            reason,
        };
        if name.contains('/') {
            return Err(invalid("a name cannot contain \"/\""));
        }
        let slashes = resource_type.matches('/').count();
        let (text, added) = if self.is_resource() {
            if slashes != 0 {
                return Err(invalid(
                    "under a resource, give one type segment such as \"protectedItems\"",
                ));
            }
            if is_kw(resource_type, "providers") {
                return Err(invalid("\"providers\" is not a resource type"));
            }
            (format!("{}/{resource_type}/{name}", self.raw), 2)
        } else {
            if slashes != 1 {
                return Err(invalid(
                    "under a subscription or resource group, give a namespace-qualified type \
                     such as \"Microsoft.DataReplication/replicationVaults\"",
                ));
            }
            (format!("{}/providers/{resource_type}/{name}", self.raw), 4)
        };
        let id = ResourceId::parse(&text)?;
        if id.segs.len() != self.segs.len() + added {
            return Err(invalid("the result is not one more {type}/{name} pair"));
        }
        Ok(id)
    }

    /// Folded bytes for comparing and hashing.
    pub(super) fn folded(&self) -> impl Iterator<Item = u8> + '_ {
        self.raw.bytes().map(|b| b.to_ascii_lowercase())
    }
}

/// Characters no id segment may hold: a query or fragment (`?`, `#`), a percent escape (an
/// encoded `/` or `.` would change the path once a server decodes it), a backslash (a separator to
/// URL parsers), whitespace and control characters.
pub(crate) fn forbidden_in_segment(c: char) -> bool {
    matches!(c, '?' | '#' | '%' | '\\') || c.is_whitespace() || c.is_control()
}

/// A part that must be one segment: a `/` in it is reported at the segment it would start in.
fn no_slash(part: &str, position: usize) -> Result<(), IdError> {
    if part.contains('/') {
        return Err(IdError::InvalidCharacter {
            position,
            segment: part.to_owned(),
            character: '/',
        });
    }
    Ok(())
}
