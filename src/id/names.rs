//! Names of `Microsoft.DataReplication` resources: validation and the VM-name mapping.
//!
//! The public specs give every name the pattern `^[a-zA-Z0-9]*$` (private link resources
//! `^[a-zA-Z0-9-.]*$`) and no length limit. Azure Stack Hub itself does not keep to that pattern:
//! its documented defaults are `failback-default-replication-policy` and
//! `default-failback-extension`, protected items are named after VMs (which may contain hyphens),
//! and Microsoft's own spec examples show a vault named `pemsi-ecy-rsv2`. So:
//!
//! - [`NameRules::Arm`] (the default) checks ARM's general rules: not empty, at most
//!   [`NameKind::max_len`] characters, none of `/ \ ? # % & < > * : "` nor whitespace or control
//!   characters, no trailing `.`. A name that passes makes an id that parses back to itself.
//! - Resource groups and subscription ids ([`NameKind::ResourceGroup`],
//!   [`NameKind::Subscription`]) are checked against ARM's own patterns under both rule sets:
//!   they go into every URL, so a `..` or `/` there would address another scope.
//! - [`NameRules::Strict`] additionally applies the spec's pattern, for stamps that enforce it;
//!   [`protected_item_name_for_vm`] maps a VM name to a name that passes it.
//!
//! The typed ids ([`VaultId`](super::VaultId) and friends) are built without validating names:
//! validation happens here, before any request (the client calls [`validate_name`] or a typed id's
//! `validate_names`), so one policy decides it in one place.

use std::fmt;

/// The kinds of named `Microsoft.DataReplication` resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NameKind {
    /// `replicationVaults`.
    Vault,
    /// `replicationFabrics`.
    Fabric,
    /// `replicationFabrics/fabricAgents` (the appliance).
    FabricAgent,
    /// `replicationVaults/replicationPolicies`.
    Policy,
    /// `replicationVaults/replicationExtensions`.
    ReplicationExtension,
    /// `replicationVaults/protectedItems`.
    ProtectedItem,
    /// `replicationVaults/protectedItems/recoveryPoints` (named by the service).
    RecoveryPoint,
    /// `replicationVaults/jobs` (named by the service).
    Job,
    /// `replicationVaults/events` (named by the service).
    Event,
    /// `replicationVaults/alertSettings` (email configuration).
    EmailConfiguration,
    /// `replicationVaults/privateEndpointConnections` (2024-09-01+).
    PrivateEndpointConnection,
    /// `replicationVaults/privateLinkResources` (2024-09-01+, named by the service).
    PrivateLinkResource,
    /// A resource group name (ARM: 1-90 letters, digits, `_`, `-`, `.`, `(`, `)`; no trailing
    /// `.`), checked under both rule sets. Not in [`NameKind::ALL`], which lists resources.
    ResourceGroup,
    /// A subscription id: a GUID on every cloud; any single plain segment (ASCII letters,
    /// digits, `-`, `_`, `.`; no trailing `.`) is accepted, under both rule sets, so test stamps
    /// with short ids work. Not in [`NameKind::ALL`].
    Subscription,
}

impl NameKind {
    /// Every kind of `Microsoft.DataReplication` resource, in declaration order (not the scope
    /// kinds [`NameKind::ResourceGroup`] and [`NameKind::Subscription`]).
    pub const ALL: [NameKind; 12] = [
        NameKind::Vault,
        NameKind::Fabric,
        NameKind::FabricAgent,
        NameKind::Policy,
        NameKind::ReplicationExtension,
        NameKind::ProtectedItem,
        NameKind::RecoveryPoint,
        NameKind::Job,
        NameKind::Event,
        NameKind::EmailConfiguration,
        NameKind::PrivateEndpointConnection,
        NameKind::PrivateLinkResource,
    ];

    /// The maximum length in characters.
    ///
    /// The specs set none; these are the crate's choice (inferred, not documented by Microsoft):
    /// 64 for the names a user chooses (the longest VM name on Azure Stack Hub, so a protected
    /// item can carry its VM's name), 260 (ARM's general limit) for names the service chooses.
    pub fn max_len(self) -> usize {
        match self {
            NameKind::RecoveryPoint
            | NameKind::Job
            | NameKind::Event
            | NameKind::PrivateEndpointConnection
            | NameKind::PrivateLinkResource => 260,
            NameKind::ResourceGroup => 90,
            _ => 64,
        }
    }

    /// The spec's pattern for this kind, applied by [`NameRules::Strict`] (for the scope kinds,
    /// ARM's pattern, applied always).
    pub fn strict_pattern(self) -> &'static str {
        match self {
            NameKind::PrivateLinkResource => "^[a-zA-Z0-9-.]*$",
            NameKind::ResourceGroup => "^[-\\w._()]+$",
            NameKind::Subscription => "^[a-zA-Z0-9-_.]+$",
            _ => "^[a-zA-Z0-9]*$",
        }
    }

    fn strict_allows(self, c: char) -> bool {
        match self {
            NameKind::PrivateLinkResource => c.is_ascii_alphanumeric() || matches!(c, '-' | '.'),
            NameKind::ResourceGroup => {
                c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')')
            }
            NameKind::Subscription => c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'),
            _ => c.is_ascii_alphanumeric(),
        }
    }

    /// Whether the kind is a scope (resource group, subscription) whose pattern always applies.
    fn is_scope(self) -> bool {
        matches!(self, NameKind::ResourceGroup | NameKind::Subscription)
    }

    /// How the kind is called in messages, e.g. `protected item`.
    pub fn label(self) -> &'static str {
        match self {
            NameKind::Vault => "vault",
            NameKind::Fabric => "fabric",
            NameKind::FabricAgent => "fabric agent",
            NameKind::Policy => "replication policy",
            NameKind::ReplicationExtension => "replication extension",
            NameKind::ProtectedItem => "protected item",
            NameKind::RecoveryPoint => "recovery point",
            NameKind::Job => "job",
            NameKind::Event => "event",
            NameKind::EmailConfiguration => "email configuration",
            NameKind::PrivateEndpointConnection => "private endpoint connection",
            NameKind::PrivateLinkResource => "private link resource",
            NameKind::ResourceGroup => "resource group",
            NameKind::Subscription => "subscription id",
        }
    }
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Which naming rules to validate against. See the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum NameRules {
    /// ARM's general rules (default): length, forbidden characters, no trailing `.` or space.
    #[default]
    Arm,
    /// ARM's rules plus the spec's pattern (`^[a-zA-Z0-9]*$` for most kinds).
    Strict,
}

/// The characters ARM forbids in resource names (besides control characters).
pub const ARM_FORBIDDEN_CHARACTERS: &[char] =
    &['/', '\\', '?', '#', '%', '&', '<', '>', '*', ':', '"'];

/// What is wrong with a name. Positions are 1-based character positions.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameProblem {
    /// The name is empty.
    Empty,
    /// The name is longer than the kind allows.
    TooLong {
        /// Its length in characters.
        length: usize,
        /// The maximum ([`NameKind::max_len`]).
        max: usize,
    },
    /// A character ARM forbids in any resource name.
    ForbiddenCharacter {
        /// The character.
        character: char,
        /// Its 1-based position.
        position: usize,
    },
    /// The name ends with `.` or a space, which ARM refuses.
    TrailingDotOrSpace {
        /// The last character.
        character: char,
    },
    /// A character outside the spec's pattern ([`NameRules::Strict`] only; for resource groups
    /// and subscription ids, always).
    NotInPattern {
        /// The character.
        character: char,
        /// Its 1-based position.
        position: usize,
        /// The pattern, e.g. `^[a-zA-Z0-9]*$`.
        pattern: &'static str,
    },
}

impl fmt::Display for NameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameProblem::Empty => f.write_str("it is empty"),
            NameProblem::TooLong { length, max } => {
                write!(f, "it is {length} characters long, at most {max} are allowed")
            }
            NameProblem::ForbiddenCharacter {
                character,
                position,
            } => write!(
                f,
                "character {character:?} at position {position} is not allowed in ARM names \
                 (none of / \\ ? # % & < > * : \" nor whitespace or control characters)"
            ),
            NameProblem::TrailingDotOrSpace { character } => {
                write!(f, "it ends with {character:?}, which ARM does not allow")
            }
            NameProblem::NotInPattern {
                character,
                position,
                pattern,
            } => write!(
                f,
                "character {character:?} at position {position} does not match the pattern {pattern}"
            ),
        }
    }
}

/// A name that does not pass the naming rules of its kind.
///
/// ```
/// use azs_site_recovery::id::{validate_name, NameKind, NameRules};
/// assert!(validate_name(NameKind::ProtectedItem, "web-01", NameRules::Arm).is_ok());
/// let err = validate_name(NameKind::ProtectedItem, "web-01", NameRules::Strict).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "invalid protected item name \"web-01\" (strict rules): character '-' at position 4 \
///      does not match the pattern ^[a-zA-Z0-9]*$; use \"web018b8f603e\" instead \
///      (see protected_item_name_for_vm)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError {
    kind: NameKind,
    name: String,
    rules: NameRules,
    problem: NameProblem,
    suggestion: Option<String>,
}

impl NameError {
    /// The kind of resource the name was for.
    pub fn kind(&self) -> NameKind {
        self.kind
    }
    /// The name, as given.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The rules it was checked against.
    pub fn rules(&self) -> NameRules {
        self.rules
    }
    /// What is wrong.
    pub fn problem(&self) -> &NameProblem {
        &self.problem
    }
    /// A valid name to use instead, where the crate has a mapping: protected-item names get
    /// [`protected_item_name_for_vm`]'s result, which passes both rule sets.
    pub fn suggestion(&self) -> Option<&str> {
        self.suggestion.as_deref()
    }
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rules = match self.rules {
            NameRules::Arm => "ARM rules",
            NameRules::Strict => "strict rules",
        };
        write!(
            f,
            "invalid {} name {:?} ({rules}): {}",
            self.kind, self.name, self.problem
        )?;
        if let Some(s) = &self.suggestion {
            write!(f, "; use {s:?} instead (see protected_item_name_for_vm)")?;
        }
        Ok(())
    }
}

impl std::error::Error for NameError {}

/// Checks `name` against the naming rules of `kind`. Pure; reports the first problem found.
///
/// ```
/// use azs_site_recovery::id::{validate_name, NameKind, NameRules};
/// assert!(validate_name(NameKind::Policy, "failback-default-replication-policy", NameRules::Arm).is_ok());
/// assert!(validate_name(NameKind::Vault, "vault:1", NameRules::Arm).is_err());
/// ```
pub fn validate_name(kind: NameKind, name: &str, rules: NameRules) -> Result<(), NameError> {
    let problem = find_problem(kind, name, rules);
    match problem {
        None => Ok(()),
        Some(problem) => {
            // Protected items are named after VMs, so the mapping is the fix in either mode.
            let suggestion =
                (kind == NameKind::ProtectedItem).then(|| protected_item_name_for_vm(name));
            Err(NameError {
                kind,
                name: name.to_owned(),
                rules,
                problem,
                suggestion,
            })
        }
    }
}

fn find_problem(kind: NameKind, name: &str, rules: NameRules) -> Option<NameProblem> {
    if name.is_empty() {
        return Some(NameProblem::Empty);
    }
    let last = name.chars().count() - 1;
    for (i, c) in name.chars().enumerate() {
        // Whitespace inside a name (a space, a tab, a no-break space) makes an id that does not
        // parse; a trailing space gets its own message below.
        let whitespace = c.is_whitespace() && !(c == ' ' && i == last);
        if c.is_control() || whitespace || ARM_FORBIDDEN_CHARACTERS.contains(&c) {
            return Some(NameProblem::ForbiddenCharacter {
                character: c,
                position: i + 1,
            });
        }
    }
    let length = name.chars().count();
    if length > kind.max_len() {
        return Some(NameProblem::TooLong {
            length,
            max: kind.max_len(),
        });
    }
    if let Some(c @ ('.' | ' ')) = name.chars().last() {
        // Private link resource names may end in `.` under their own pattern, but ARM's rule wins.
        return Some(NameProblem::TrailingDotOrSpace { character: c });
    }
    if rules == NameRules::Strict || kind.is_scope() {
        if let Some((i, c)) = name
            .chars()
            .enumerate()
            .find(|&(_, c)| !kind.strict_allows(c))
        {
            return Some(NameProblem::NotInPattern {
                character: c,
                position: i + 1,
                pattern: kind.strict_pattern(),
            });
        }
    }
    None
}

/// Length of the hash suffix [`protected_item_name_for_vm`] appends.
pub const MAPPED_NAME_HASH_LEN: usize = 8;

/// Maps a VM name to a protected-item name that passes [`NameRules::Strict`]
/// (`^[a-zA-Z0-9]*$`, 1 to 64 characters). Deterministic and stable across releases.
///
/// The algorithm (a compatibility promise: changing it would orphan existing protected items):
///
/// 1. A name that already passes (non-empty, ASCII letters and digits only, at most 64
///    characters) maps to itself.
/// 2. Otherwise keep the ASCII letters and digits of the name, in order and casing; if none
///    remain, use `vm`.
/// 3. Hash the name with every ASCII letter lowercased (ARM names are case-insensitive, so
///    `Web-01` and `web-01`, the same VM to ARM, get the same suffix): 64-bit FNV-1a over the
///    UTF-8 bytes, folded to 32 bits as `(h >> 32) ^ (h & 0xffff_ffff)`, written as 8 lowercase
///    hex digits.
/// 4. The result is the kept part, cut to 56 characters, followed by the 8 hex digits.
///
/// So `web-01`, `web_01` and `web01` map to three different names: the first two get different
/// suffixes, the third is already valid. A mapped name could in theory equal another VM's
/// unmapped valid name (e.g. a VM literally named `web018b8f603e`); that takes a 32-bit
/// coincidence and is not guarded against.
///
/// ```
/// use azs_site_recovery::id::{protected_item_name_for_vm, validate_name, NameKind, NameRules};
/// assert_eq!(protected_item_name_for_vm("sqlvm01"), "sqlvm01");
/// assert_eq!(protected_item_name_for_vm("web-01"), "web018b8f603e");
/// assert_eq!(protected_item_name_for_vm("web_01"), "web01d85a1214");
/// let mapped = protected_item_name_for_vm("---");
/// assert!(validate_name(NameKind::ProtectedItem, &mapped, NameRules::Strict).is_ok());
/// ```
pub fn protected_item_name_for_vm(vm_name: &str) -> String {
    let max = NameKind::ProtectedItem.max_len();
    let valid = !vm_name.is_empty()
        && vm_name.len() <= max
        && vm_name.bytes().all(|b| b.is_ascii_alphanumeric());
    if valid {
        return vm_name.to_owned();
    }
    let keep = max - MAPPED_NAME_HASH_LEN;
    let mut out: String = vm_name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(keep)
        .collect();
    if out.is_empty() {
        out.push_str("vm");
    }
    let h = fnv1a64(vm_name.bytes().map(|b| b.to_ascii_lowercase()));
    let folded = ((h >> 32) ^ (h & 0xffff_ffff)) as u32;
    out.push_str(&format!("{folded:08x}"));
    out
}

/// 64-bit FNV-1a: simple, specified, and the same on every platform and release.
fn fnv1a64(bytes: impl Iterator<Item = u8>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
