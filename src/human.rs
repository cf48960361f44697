//! Values as people read them: durations as `1h 32m 05s`, not ISO 8601 `PT5525S`.
//!
//! Every message, report and example of the crate that shows a duration to a person goes
//! through [`HumanDuration`], so operators read the same form everywhere.

use std::fmt;
use std::time::Duration;

/// A duration that displays as operators read it.
///
/// | duration | shown as |
/// |---|---|
/// | under a second | `0.25s` (two decimals at most), `0s` |
/// | under a minute | `42s` |
/// | under an hour | `7m 05s` |
/// | under a day | `1h 32m 05s`, `1h 32m` when the seconds are zero |
/// | a day or more | `3d 04h 10m` |
///
/// ```
/// use azs_site_recovery::human::HumanDuration;
/// use std::time::Duration;
/// assert_eq!(HumanDuration(Duration::from_secs(5525)).to_string(), "1h 32m 05s");
/// assert_eq!(HumanDuration(Duration::from_secs(5520)).to_string(), "1h 32m");
/// assert_eq!(HumanDuration(Duration::from_secs(425)).to_string(), "7m 05s");
/// assert_eq!(HumanDuration(Duration::from_millis(250)).to_string(), "0.25s");
/// assert_eq!(HumanDuration::from_chrono(chrono::TimeDelta::days(200)).to_string(), "200d 00h 00m");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    /// From a chrono time delta; a negative one shows as zero.
    pub fn from_chrono(delta: chrono::TimeDelta) -> Self {
        HumanDuration(delta.to_std().unwrap_or_default())
    }
}

impl From<Duration> for HumanDuration {
    fn from(d: Duration) -> Self {
        HumanDuration(d)
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.0.as_secs();
        let (days, hours) = (total / 86_400, total / 3600 % 24);
        let (minutes, seconds) = (total / 60 % 60, total % 60);
        if days > 0 {
            write!(f, "{days}d {hours:02}h {minutes:02}m")
        } else if hours > 0 && seconds == 0 {
            write!(f, "{hours}h {minutes:02}m")
        } else if hours > 0 {
            write!(f, "{hours}h {minutes:02}m {seconds:02}s")
        } else if minutes > 0 {
            write!(f, "{minutes}m {seconds:02}s")
        } else if total == 0 && self.0.subsec_nanos() > 0 {
            let centis = self.0.subsec_millis().div_ceil(10).max(1);
            if centis >= 100 {
                return write!(f, "1s");
            }
            let text = format!("0.{centis:02}");
            write!(f, "{}s", text.trim_end_matches('0'))
        } else {
            write!(f, "{seconds}s")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HumanDuration;
    use std::time::Duration;

    fn show(secs: u64) -> String {
        HumanDuration(Duration::from_secs(secs)).to_string()
    }

    #[test]
    fn every_range_reads_as_people_write_it() {
        assert_eq!(show(0), "0s");
        assert_eq!(show(59), "59s");
        assert_eq!(show(60), "1m 00s");
        assert_eq!(show(3599), "59m 59s");
        assert_eq!(show(3600), "1h 00m");
        assert_eq!(show(5525), "1h 32m 05s");
        assert_eq!(show(86_399), "23h 59m 59s");
        assert_eq!(show(86_400), "1d 00h 00m");
        assert_eq!(show(180 * 86_400 + 3700), "180d 01h 01m");
        assert_eq!(HumanDuration(Duration::from_millis(1)).to_string(), "0.01s");
        assert_eq!(
            HumanDuration(Duration::from_millis(500)).to_string(),
            "0.5s"
        );
        assert_eq!(HumanDuration(Duration::from_millis(999)).to_string(), "1s");
        assert!(HumanDuration(Duration::MAX).to_string().ends_with('m'));
        assert_eq!(
            HumanDuration::from_chrono(chrono::TimeDelta::seconds(-5)).to_string(),
            "0s"
        );
    }
}
