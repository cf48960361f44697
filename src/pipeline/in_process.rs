//! A service that runs in process on a clock of its own (the crate's emulator, a simulator of
//! yours): at once the transport, the clock and the sleep a client should use.

use super::clock::{Clock, Sleep};
use crate::transport::Transport;
use std::sync::Arc;

/// A service that answers requests in process and keeps its own (virtual) time.
///
/// A client waits between polls and retries with its pipeline's [`Sleep`]; against such a service
/// those waits must be the service's time, not wall time, or a 40-minute initial replication would
/// take 40 real minutes. Give the service to
/// [`ClientBuilder::in_process`](crate::client::ClientBuilder::in_process) and the client uses it
/// as transport, clock and sleep, and its endpoint as the ARM endpoint.
///
/// The crate's [`Emulator`](crate::emulator::Emulator) implements it; so can any test double.
/// Defined here, below both the client and the emulator, so neither imports the other.
pub trait InProcessService: Transport + Clock + Sleep + 'static {
    /// The ARM endpoint the service answers as, e.g.
    /// `https://management.local.azurestack.external`.
    fn arm_endpoint(&self) -> String;

    /// The service as a transport, a clock and a sleep, sharing one state.
    fn split(&self) -> (Arc<dyn Transport>, Arc<dyn Clock>, Arc<dyn Sleep>);
}
