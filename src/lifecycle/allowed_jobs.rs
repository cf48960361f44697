//! Reading the service's `allowedJobs`.
//!
//! The spec types `allowedJobs` as free-form strings ("the allowed scenarios on the protected
//! item") and its examples only hold placeholder values, so the vocabulary is **not documented**
//! (the specs' `ProtectedItemModelProperties`). The names below are inferred from the state names, the action names and the
//! internal Az.DataReplication module's cmdlets; matching ignores case and any character that is
//! not a letter or digit. Unknown names are kept (see [`AllowedJobs::unknown`]) and never fail.
//! A stamp that uses other names can be taught them with
//! [`Lifecycle::with_job_name`](super::Lifecycle::with_job_name).

use super::operation::OperationKind;

/// The built-in names, normalized (lower case, letters and digits only).
const DEFAULT_NAMES: &[(&str, OperationKind)] = &[
    ("enableprotection", OperationKind::EnableProtection),
    ("enablereplication", OperationKind::EnableProtection),
    ("testfailover", OperationKind::TestFailover),
    ("testfailovercleanup", OperationKind::CleanupTestFailover),
    ("cleanuptestfailover", OperationKind::CleanupTestFailover),
    ("cleantestfailover", OperationKind::CleanupTestFailover),
    ("plannedfailover", OperationKind::PlannedFailover),
    ("failback", OperationKind::Failback),
    ("unplannedfailover", OperationKind::UnplannedFailover),
    ("failover", OperationKind::UnplannedFailover),
    ("commit", OperationKind::Commit),
    ("commitfailover", OperationKind::Commit),
    ("cancelfailover", OperationKind::CancelFailover),
    ("changerecoverypoint", OperationKind::ChangeRecoveryPoint),
    ("applyrecoverypoint", OperationKind::ChangeRecoveryPoint),
    ("reprotect", OperationKind::Reprotect),
    ("reprotection", OperationKind::Reprotect),
    ("resynchronize", OperationKind::Resynchronize),
    ("resynchronization", OperationKind::Resynchronize),
    ("resync", OperationKind::Resynchronize),
    ("disableprotection", OperationKind::DisableProtection),
    ("disablereplication", OperationKind::DisableProtection),
];

pub(crate) fn normalize(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The service's `allowedJobs`, mapped onto operation kinds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AllowedJobs {
    /// The kinds named (a planned failover also allows a failback: same action).
    pub kinds: Vec<OperationKind>,
    /// Names this crate could not map, verbatim.
    pub unknown: Vec<String>,
}

impl AllowedJobs {
    /// Maps names with the built-in vocabulary plus `extra` (normalized name, kind) pairs;
    /// `extra` wins over the built-in names.
    pub(crate) fn map(names: &[String], extra: &[(String, OperationKind)]) -> Self {
        let mut out = AllowedJobs::default();
        for name in names {
            let n = normalize(name);
            let kind = extra
                .iter()
                .find(|(e, _)| *e == n)
                .map(|(_, k)| *k)
                .or_else(|| DEFAULT_NAMES.iter().find(|(d, _)| *d == n).map(|(_, k)| *k));
            match kind {
                Some(k) => {
                    if !out.kinds.contains(&k) {
                        out.kinds.push(k);
                    }
                    if k == OperationKind::PlannedFailover
                        && !out.kinds.contains(&OperationKind::Failback)
                    {
                        out.kinds.push(OperationKind::Failback);
                    }
                }
                None => out.unknown.push(name.clone()),
            }
        }
        out
    }

    /// Maps names with the built-in vocabulary.
    ///
    /// ```
    /// use azs_site_recovery::lifecycle::{AllowedJobs, OperationKind};
    /// let a = AllowedJobs::parse(&["TestFailover".to_owned(), "Frobnicate".to_owned()]);
    /// assert_eq!(a.kinds, vec![OperationKind::TestFailover]);
    /// assert_eq!(a.unknown, vec!["Frobnicate".to_owned()]);
    /// ```
    pub fn parse(names: &[String]) -> Self {
        Self::map(names, &[])
    }

    /// `true` when at least one name was understood: only then does the list decide.
    pub fn is_authoritative(&self) -> bool {
        !self.kinds.is_empty()
    }
}
