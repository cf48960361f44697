//! The emulator as the client's transport **and** time: [`Emulator::client_builder`].
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
use crate::client::ClientBuilder;
use crate::pipeline::clock::{Clock, Sleep, SleepFuture};
use crate::SiteRecoveryClient;
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

impl Emulator {
    /// A [`ClientBuilder`] wired to this emulator: its ARM endpoint, the emulator as transport,
    /// and the emulator's virtual clock as the client's [`Clock`] and [`Sleep`] (polls and
    /// retries take virtual time, no wall time). Change what you need before `build()`, e.g. the
    /// api-version, or the endpoint and transport to talk to an
    /// [`EmulatorServer`](super::EmulatorServer) over HTTP while keeping virtual time.
    ///
    /// ```
    /// # async fn run() -> Result<(), azs_site_recovery::Error> {
    /// use azs_site_recovery::emulator::Emulator;
    /// use azs_site_recovery::id::VaultId;
    ///
    /// let emu = Emulator::default();
    /// let client = emu.client_builder().build()?;
    /// let t = emu.topology();
    /// let vault = VaultId::new(&t.target_subscription, "asr-rg", "asrvault");
    /// assert!(client.vault(&vault).get_opt().await?.is_none(), "the user creates the vault");
    /// # Ok(()) }
    /// # futures_util::FutureExt::now_or_never(run()).unwrap().unwrap();
    /// ```
    pub fn client_builder(&self) -> ClientBuilder {
        let builder = SiteRecoveryClient::builder()
            .transport(self.clone())
            .clock(Arc::new(self.clone()))
            .sleep(Arc::new(self.clone()));
        match builder.endpoint(&self.topology().arm_endpoint) {
            Ok(b) => b,
            // The topology's endpoint is a constant absolute URL; keep a builder that says so.
            Err(_) => SiteRecoveryClient::builder(),
        }
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
