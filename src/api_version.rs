//! The api-versions of `Microsoft.DataReplication` the crate speaks.

use std::fmt;
use std::str::FromStr;

/// An api-version of `Microsoft.DataReplication`, chosen per client and never hard-coded at a
/// call site.
///
/// ```
/// use azs_site_recovery::ApiVersion;
/// assert_eq!(ApiVersion::default(), ApiVersion::V2021_02_16_Preview);
/// assert_eq!("2024-09-01".parse::<ApiVersion>().unwrap(), ApiVersion::V2024_09_01);
/// assert_eq!(ApiVersion::custom("2027-01-01").as_str(), "2027-01-01");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
#[allow(non_camel_case_types)]
pub enum ApiVersion {
    /// `2021-02-16-preview`: what Azure Stack Hub's 2023 resource provider shipped with (default).
    #[default]
    V2021_02_16_Preview,
    /// `2024-09-01`: the first GA version.
    V2024_09_01,
    /// `2026-05-01`: the newest GA version (additive over 2024-09-01).
    V2026_05_01,
    /// Any other version string, sent as given (for a stamp that runs something newer).
    Custom(String),
}

impl ApiVersion {
    /// The versions the crate knows, oldest first.
    pub const KNOWN: [ApiVersion; 3] = [
        ApiVersion::V2021_02_16_Preview,
        ApiVersion::V2024_09_01,
        ApiVersion::V2026_05_01,
    ];

    /// A version string the crate does not know; sent as given.
    pub fn custom(s: impl Into<String>) -> Self {
        let s = s.into();
        match s.parse::<ApiVersion>() {
            Ok(v) => v,
            Err(never) => match never {},
        }
    }

    /// The `api-version` query value.
    pub fn as_str(&self) -> &str {
        match self {
            ApiVersion::V2021_02_16_Preview => "2021-02-16-preview",
            ApiVersion::V2024_09_01 => "2024-09-01",
            ApiVersion::V2026_05_01 => "2026-05-01",
            ApiVersion::Custom(s) => s,
        }
    }

    /// `true` for the preview wire shape (`Dra*`/`Workflow*` names, `draId`, `childrenWorkflows`,
    /// every long-running operation finishing via `Location`). A custom version counts as preview
    /// when it ends in `-preview` and sorts before `2024-09-01`.
    pub fn is_preview_shape(&self) -> bool {
        match self {
            ApiVersion::V2021_02_16_Preview => true,
            ApiVersion::V2024_09_01 | ApiVersion::V2026_05_01 => false,
            ApiVersion::Custom(s) => s.as_str() < "2024-09-01",
        }
    }
}

impl FromStr for ApiVersion {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim() {
            "2021-02-16-preview" => ApiVersion::V2021_02_16_Preview,
            "2024-09-01" => ApiVersion::V2024_09_01,
            "2026-05-01" => ApiVersion::V2026_05_01,
            other => ApiVersion::Custom(other.to_owned()),
        })
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_versions_round_trip() {
        for v in ApiVersion::KNOWN {
            assert_eq!(v.as_str().parse::<ApiVersion>().unwrap(), v);
        }
    }

    #[test]
    fn preview_shape() {
        assert!(ApiVersion::V2021_02_16_Preview.is_preview_shape());
        assert!(!ApiVersion::V2026_05_01.is_preview_shape());
        assert!(ApiVersion::custom("2023-01-01-preview").is_preview_shape());
        assert!(!ApiVersion::custom("2027-01-01").is_preview_shape());
    }
}
