//! The emulator as a client's transport **and** time: an [`InProcessService`].
//!
//! A client waits between polls and retries with its pipeline's [`Sleep`]; against the emulator
//! those waits must be virtual, or a 40-minute initial replication would take 40 real minutes
//! (with a real sleep) or never finish (with a manual clock the emulator does not see). So the
//! emulator is also a [`Clock`] (its virtual now) and a [`Sleep`]:
//!
//! * [`ClockMode::Manual`]: a sleep moves the virtual clock forward by the wait, and everything
//!   due by then happens. The client's waits *are* the passage of time.
//! * [`ClockMode::Auto`]: the response that asked for the wait (`Retry-After`) already moved the
//!   clock, so a sleep returns at once without moving it again.
//!
//! Either way a sleep never blocks: a whole DR drill runs in milliseconds of wall time.

use super::{ClockMode, Emulator};
use crate::pipeline::clock::{Clock, Sleep, SleepFuture};
use crate::pipeline::InProcessService;
use crate::transport::Transport;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

impl Clock for Emulator {
    /// The virtual time ([`Emulator::now`]).
    fn now(&self) -> DateTime<Utc> {
        Emulator::now(self)
    }
}

impl Sleep for Emulator {
    /// Moves the virtual clock by `duration` in manual mode (nothing in auto mode, where the
    /// `Retry-After` that asked for the wait already moved it); never blocks.
    fn sleep(&self, duration: Duration) -> SleepFuture {
        if self.clock_mode() == ClockMode::Manual {
            self.advance(duration);
        }
        Box::pin(std::future::ready(()))
    }
}

/// The emulator is transport, clock and sleep at once: give it to
/// [`ClientBuilder::in_process`](crate::client::ClientBuilder::in_process) and the client's polls
/// and retries take virtual time. (The trait lives in the pipeline layer so that the emulator
/// never imports the client, nor the client the emulator.)
impl InProcessService for Emulator {
    fn arm_endpoint(&self) -> String {
        self.topology().arm_endpoint.clone()
    }

    fn split(&self) -> (Arc<dyn Transport>, Arc<dyn Clock>, Arc<dyn Sleep>) {
        (
            Arc::new(self.clone()),
            Arc::new(self.clone()),
            Arc::new(self.clone()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::Scenario;
    use futures_util::FutureExt;

    #[test]
    fn a_sleep_moves_a_manual_clock_and_not_an_auto_one() {
        let emu = Emulator::default();
        let start = emu.now();
        emu.sleep(Duration::from_secs(90)).now_or_never().unwrap();
        assert_eq!((Clock::now(&emu) - start).num_seconds(), 90);
        let auto = Emulator::new(Scenario::builder().clock_mode(ClockMode::Auto).build());
        let start = auto.now();
        auto.sleep(Duration::from_secs(90)).now_or_never().unwrap();
        assert_eq!(auto.now(), start);
    }
}
