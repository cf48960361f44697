//! Why a string is not an ARM id, or not the kind of id that was asked for.

/// A malformed ARM resource id, or an id of the wrong resource type.
///
/// Segment positions are 1-based and count the segments between slashes, so in
/// `/subscriptions/{sub}/resourceGroups/{rg}` the segment `resourceGroups` is at position 3.
///
/// ```
/// use azs_site_recovery::ResourceId;
/// let err = "/subscriptions/s1/resourcegroup/rg1".parse::<ResourceId>().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     r#"invalid ARM id: expected "resourceGroups" or "providers" at segment 3, found "resourcegroup""#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The input was empty.
    #[error("invalid ARM id: the id is empty; expected \"/subscriptions/{{subscriptionId}}/...\"")]
    Empty,
    /// The id does not start with `/` (a full URL or a bare name was given).
    #[error(
        "invalid ARM id: {found:?} does not start with \"/\"; expected \"/subscriptions/...\" \
         or \"/providers/...\" (pass the id, not a URL or a bare name)"
    )]
    MissingLeadingSlash {
        /// The input, as given.
        found: String,
    },
    /// The id ends with `/`.
    #[error("invalid ARM id: {id:?} ends with \"/\"; remove the trailing slash")]
    TrailingSlash {
        /// The input, as given.
        id: String,
    },
    /// Two slashes with nothing between them.
    #[error("invalid ARM id: segment {position} is empty (\"//\"); every segment needs a value")]
    EmptySegment {
        /// 1-based segment position.
        position: usize,
    },
    /// A character that cannot appear in an id segment: `?` or `#` (a query or fragment was
    /// pasted along), whitespace or a control character; or `/` in a part given to a builder.
    #[error(
        "invalid ARM id: segment {position} ({segment:?}) contains {character:?}, which cannot \
         appear in an ARM id segment (no query, fragment, percent escape, backslash, whitespace or \
         control characters)"
    )]
    InvalidCharacter {
        /// 1-based segment position.
        position: usize,
        /// The whole segment.
        segment: String,
        /// The offending character.
        character: char,
    },
    /// A `.` or `..` segment: URL handling would collapse it, so the request would reach another
    /// resource than the id names.
    #[error(
        "invalid ARM id: segment {position} is {segment:?}; dot segments are not allowed in an \
         ARM id (they would address another resource)"
    )]
    DotSegment {
        /// 1-based segment position.
        position: usize,
        /// The segment (`.` or `..`).
        segment: String,
    },
    /// A fixed ARM segment name was expected and something else was found.
    #[error("invalid ARM id: expected {expected} at segment {position}, found {found:?}")]
    UnexpectedSegment {
        /// 1-based segment position.
        position: usize,
        /// What would have been valid there, e.g. `"resourceGroups" or "providers"`.
        expected: &'static str,
        /// The segment found.
        found: String,
    },
    /// A segment name (`subscriptions`, `resourceGroups`, a resource type, ...) is not followed by
    /// its value.
    #[error("invalid ARM id: {after:?} at segment {position} is not followed by a name")]
    MissingName {
        /// 1-based position of the segment that lacks its value.
        position: usize,
        /// That segment, e.g. `protectedItems`.
        after: String,
    },
    /// `providers/{namespace}` is not followed by a resource type and name.
    #[error(
        "invalid ARM id: provider namespace {namespace:?} at segment {position} is not followed \
         by a resource type and name"
    )]
    MissingResourceType {
        /// 1-based position of the namespace.
        position: usize,
        /// The namespace, e.g. `Microsoft.DataReplication`.
        namespace: String,
    },
    /// A well-formed id, but of another resource type than the one asked for.
    #[error("expected an id of {expected}, found {found}: {id:?}")]
    WrongResourceType {
        /// What was asked for, e.g. `Microsoft.DataReplication/replicationVaults`.
        expected: &'static str,
        /// What the id is, e.g. `Microsoft.DataReplication/replicationFabrics` or
        /// `a resource group`.
        found: String,
        /// The id, as given.
        id: String,
    },
    /// [`ResourceId::child`](crate::ResourceId::child) was given a type or name that would not make
    /// one more `{type}/{name}` pair.
    #[error("cannot add child {resource_type:?}/{name:?}: {reason}")]
    InvalidChild {
        /// The resource type given.
        resource_type: String,
        /// The name given.
        name: String,
        /// What was wrong and what to do.
        reason: &'static str,
    },
}
