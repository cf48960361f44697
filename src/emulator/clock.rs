//! The emulator's virtual clock.
//!
//! Time in the emulator moves only when it is told to, so a test or a DR drill that spans a year
//! of virtual time runs in a second of wall time, and every run is the same:
//!
//! * **manual** (the default): [`Emulator::advance`](super::Emulator::advance) moves the clock;
//!   nothing else does.
//! * **auto**: every response that carries a `Retry-After` header (an operation-status poll, a
//!   `Location` poll, a GET of a resource or job that is still changing) makes the clock jump by
//!   that `Retry-After` once the response is built. A client that honours `Retry-After` therefore
//!   sees a 40-minute initial replication finish in a few polls, without waiting.
//!
//! Background work (jobs, initial replication, recovery points) is settled lazily: whenever the
//! clock moves or a request arrives, everything that was due by "now" happens, in time order.

use chrono::{DateTime, Duration, SecondsFormat, Utc};

/// How the virtual clock moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClockMode {
    /// Time moves only through [`Emulator::advance`](super::Emulator::advance).
    #[default]
    Manual,
    /// Additionally, each response with a `Retry-After` header advances the clock by that much.
    Auto,
}

/// A clock that only moves when told.
#[derive(Debug, Clone)]
pub(crate) struct VirtualClock {
    now: DateTime<Utc>,
    pub(crate) mode: ClockMode,
}

impl VirtualClock {
    pub(crate) fn new(start: DateTime<Utc>, mode: ClockMode) -> Self {
        VirtualClock { now: start, mode }
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Moves forward; a negative duration is ignored (the clock never goes back).
    pub(crate) fn advance(&mut self, by: Duration) {
        if by > Duration::zero() {
            self.now = self
                .now
                .checked_add_signed(by)
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
        }
    }
}

/// `t + d`, saturating at the end of time instead of overflowing.
pub(crate) fn later(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    t.checked_add_signed(d).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// ARM's timestamp form: RFC 3339, UTC, seven fractional digits.
pub(crate) fn arm_time(t: DateTime<Utc>) -> String {
    let s = t.to_rfc3339_opts(SecondsFormat::Micros, true);
    // `...:00.123456Z` -> `...:00.1234560Z`: ARM writes 100 ns ticks.
    match s.strip_suffix('Z') {
        Some(head) => format!("{head}0Z"),
        None => s,
    }
}

/// Converts a `std` duration into a `chrono` one, saturating at a thousand years (so that
/// adding it to a date cannot overflow).
pub(crate) fn to_chrono(d: std::time::Duration) -> Duration {
    let cap = Duration::days(365_000);
    Duration::from_std(d).map_or(cap, |c| c.min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_time_has_seven_fraction_digits() {
        let t = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(arm_time(t), "2026-01-01T00:00:00.0000000Z");
    }

    #[test]
    fn huge_advances_saturate() {
        let mut c = VirtualClock::new(Utc::now(), ClockMode::Manual);
        c.advance(to_chrono(std::time::Duration::MAX));
        c.advance(Duration::MAX);
        assert_eq!(c.now(), DateTime::<Utc>::MAX_UTC);
    }

    #[test]
    fn clock_never_goes_back() {
        let t = Utc::now();
        let mut c = VirtualClock::new(t, ClockMode::Manual);
        c.advance(Duration::seconds(-5));
        assert_eq!(c.now(), t);
        c.advance(Duration::seconds(5));
        assert_eq!(c.now(), t + Duration::seconds(5));
    }
}
