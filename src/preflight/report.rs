//! Findings and the report that collects them.

use super::code::{Code, Severity};
use super::plan::Intent;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One thing a check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// How much it matters (fixed per code).
    pub severity: Severity,
    /// The stable code.
    pub code: Code,
    /// What was found.
    pub message: String,
    /// What to do about it.
    pub remedy: String,
    /// The resource it is about: an ARM id where there is one, else a name.
    pub resource: String,
}

impl Finding {
    /// A finding with the code's severity.
    pub fn new(
        code: Code,
        resource: impl Into<String>,
        message: impl Into<String>,
        remedy: impl Into<String>,
    ) -> Self {
        Finding {
            severity: code.severity(),
            code,
            message: message.into(),
            remedy: remedy.into(),
            resource: resource.into(),
        }
    }
}

/// A blocker code was asked to be suppressed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0} is a blocker and cannot be suppressed: the operation would fail or do harm; fix the cause \
     (see the finding's remedy)"
)]
pub struct SuppressError(pub Code);

/// The result of a preflight run.
///
/// Blockers can never be suppressed: a blocker means the service would refuse the operation or
/// it would do harm (for example a re-protect the appliance cannot hold), so hiding it only moves
/// the failure later. Warnings and infos can be suppressed by code; suppressed findings are kept
/// in [`PreflightReport::suppressed`] (and in the JSON), never dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreflightReport {
    /// The operation checked for.
    pub intent: Intent,
    /// The "now" the checks used (RFC 3339).
    pub checked_at: String,
    /// Active findings, most severe first.
    pub findings: Vec<Finding>,
    /// Findings hidden by a suppression.
    pub suppressed: Vec<Finding>,
    /// Suppressions that were refused because the code is a blocker.
    pub refused_suppressions: Vec<Code>,
}

impl PreflightReport {
    pub(crate) fn new(intent: Intent, checked_at: String, mut findings: Vec<Finding>) -> Self {
        // Stable sort: checks' order is kept within a severity.
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        PreflightReport {
            intent,
            checked_at,
            findings,
            suppressed: Vec::new(),
            refused_suppressions: Vec::new(),
        }
    }

    /// `true` when any active finding is a blocker: do not start the operation.
    pub fn is_blocked(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Blocker)
    }

    /// Active findings of one severity.
    pub fn with_severity(&self, severity: Severity) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.severity == severity)
    }

    /// Active blockers.
    pub fn blockers(&self) -> impl Iterator<Item = &Finding> {
        self.with_severity(Severity::Blocker)
    }

    /// Active warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.with_severity(Severity::Warning)
    }

    /// Active findings with `code`.
    pub fn with_code(&self, code: Code) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.code == code)
    }

    /// `true` when an active finding has `code`.
    pub fn has(&self, code: Code) -> bool {
        self.with_code(code).next().is_some()
    }

    /// Hides the active findings with `code` (moved to [`PreflightReport::suppressed`]); returns
    /// how many. A blocker code is refused with [`SuppressError`] and nothing changes.
    pub fn suppress(&mut self, code: Code) -> Result<usize, SuppressError> {
        if code.severity() == Severity::Blocker {
            return Err(SuppressError(code));
        }
        let (hidden, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.findings)
            .into_iter()
            .partition(|f| f.code == code);
        self.findings = kept;
        let n = hidden.len();
        self.suppressed.extend(hidden);
        Ok(n)
    }

    /// The report as pretty JSON (for tools; the same as `serde_json::to_string_pretty`).
    pub fn to_json(&self) -> String {
        // Serializing plain strings, enums and vectors cannot fail. Re-indented compact text:
        // the same layout as `to_string_pretty`, with one serializer per type instead of two.
        crate::json_text::pretty(&serde_json::to_string(self).unwrap_or_default())
    }
}

impl fmt::Display for PreflightReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = |s| self.with_severity(s).count();
        writeln!(
            f,
            "Preflight for {} at {}: {} ({} blocker(s), {} warning(s), {} info; {} suppressed)",
            self.intent,
            self.checked_at,
            if self.is_blocked() {
                "BLOCKED"
            } else {
                "OK to proceed"
            },
            count(Severity::Blocker),
            count(Severity::Warning),
            count(Severity::Info),
            self.suppressed.len()
        )?;
        if self.findings.is_empty() {
            writeln!(f, "No findings.")?;
        } else {
            let code_w = self
                .findings
                .iter()
                .map(|x| x.code.as_str().len())
                .max()
                .unwrap_or(4)
                .max(4);
            let res_w = self
                .findings
                .iter()
                .map(|x| short_resource(&x.resource).len())
                .max()
                .unwrap_or(8)
                .clamp(8, 40);
            writeln!(
                f,
                "{:<8} {:<code_w$} {:<res_w$} MESSAGE",
                "SEVERITY", "CODE", "RESOURCE"
            )?;
            for x in &self.findings {
                writeln!(
                    f,
                    "{:<8} {:<code_w$} {:<res_w$} {}",
                    x.severity.as_str(),
                    x.code.as_str(),
                    short_resource(&x.resource),
                    x.message
                )?;
                if !x.remedy.is_empty() {
                    let pad = 8 + 1 + code_w + 1 + res_w + 1;
                    for (i, line) in x.remedy.lines().enumerate() {
                        let lead = if i == 0 { "-> " } else { "   " };
                        writeln!(f, "{:pad$}{lead}{line}", "")?;
                    }
                }
            }
        }
        for code in &self.refused_suppressions {
            writeln!(
                f,
                "Suppression of {code} refused: blockers cannot be suppressed."
            )?;
        }
        for x in &self.suppressed {
            writeln!(
                f,
                "(suppressed) {} {}: {}",
                x.code,
                short_resource(&x.resource),
                x.message
            )?;
        }
        Ok(())
    }
}

/// The last segment of an ARM id (the resource's name) for the table; other text unchanged.
fn short_resource(resource: &str) -> &str {
    if resource.starts_with('/') {
        resource
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(resource)
    } else {
        resource
    }
}
