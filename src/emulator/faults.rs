//! Faults on demand, deterministic by seed.
//!
//! A [`Fault`] is injected with [`Emulator::inject`](super::Emulator::inject) or
//! [`ScenarioBuilder::fault`](super::ScenarioBuilder::fault). Request faults (throttling, server
//! errors, dropped connections) match requests by method and path ([`RequestMatch`]), fire a
//! number of times or forever, and optionally only with a probability drawn from a SplitMix64
//! generator seeded by the scenario: the same seed gives the same faults on the same requests.
//! State faults (a job that fails at a step, an unresponsive appliance, a missing target network)
//! change what the emulated service does.

use crate::http::{Method, Request};
use crate::transport::TransportErrorKind;
use std::time::Duration;

/// Which requests a request fault applies to.
///
/// ```
/// use azs_site_recovery::emulator::RequestMatch;
/// use azs_site_recovery::http::Method;
/// let m = RequestMatch::any().method(Method::Post).path_contains("/plannedFailover");
/// # let _ = m;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct RequestMatch {
    /// Only this method (any when `None`).
    pub method: Option<Method>,
    /// Only paths containing this text, compared case-insensitively (any when `None`).
    pub path_contains: Option<String>,
}

impl RequestMatch {
    /// Every request.
    pub fn any() -> Self {
        RequestMatch::default()
    }

    /// Only requests with `method`.
    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    /// Only requests whose path contains `text` (case-insensitive).
    pub fn path_contains(mut self, text: &str) -> Self {
        self.path_contains = Some(text.to_ascii_lowercase());
        self
    }

    pub(crate) fn matches(&self, req: &Request) -> bool {
        if let Some(m) = self.method {
            if m != req.method {
                return false;
            }
        }
        if let Some(p) = &self.path_contains {
            // The field is public: it may have been set without `path_contains()` lowering it.
            let p = p.to_ascii_lowercase();
            if !req.url.path().to_ascii_lowercase().contains(p.as_str()) {
                return false;
            }
        }
        true
    }
}

/// How often a request fault fires.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Trigger {
    /// The next `n` matching requests.
    Times(u32),
    /// Every matching request until the fault is cleared.
    Always,
    /// Each matching request with this probability (0.0-1.0), drawn from the seeded generator.
    Probability(f64),
}

/// A fault the emulator injects.
///
/// ```
/// use azs_site_recovery::emulator::{Emulator, Fault, RequestMatch};
/// use azs_site_recovery::http::{Method, Request};
///
/// let emu = Emulator::default();
/// emu.inject(Fault::throttle(RequestMatch::any().method(Method::Get), 1));
/// emu.inject(Fault::fail_job("TestFailover", 1));
/// emu.inject(Fault::UnresponsiveAppliance);
/// let url = format!("{}{}?api-version=2024-09-01", emu.topology().arm_endpoint, emu.topology().appliance_id);
/// let first = emu.handle(&Request::new(Method::Get, url.parse().unwrap()));
/// assert_eq!(first.status, 429);
/// assert_eq!(first.headers.get("Retry-After"), Some("1"));
/// let second = emu.handle(&Request::new(Method::Get, url.parse().unwrap()));
/// let agent: serde_json::Value = serde_json::from_slice(&second.body).unwrap();
/// assert_eq!(agent["properties"]["isResponsive"], false);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer `429 TooManyRequests` with `Retry-After` (nothing is processed).
    Throttle {
        /// Which requests.
        matching: RequestMatch,
        /// How often.
        trigger: Trigger,
        /// The `Retry-After` sent.
        retry_after: Duration,
    },
    /// Answer a 5xx with an ARM error body (nothing is processed).
    ServerError {
        /// Which requests.
        matching: RequestMatch,
        /// How often.
        trigger: Trigger,
        /// The status (500, 502, 503, 504...).
        status: u16,
    },
    /// Drop the connection. With [`TransportErrorKind::MaybeSent`] the request is **not**
    /// processed (it was lost on the way); with [`TransportErrorKind::ResponseUnreadable`] it
    /// **is** processed and only the answer is lost, so a client that blindly resends a failover
    /// would start it twice.
    DropConnection {
        /// Which requests.
        matching: RequestMatch,
        /// How often.
        trigger: Trigger,
        /// How far the request got.
        kind: TransportErrorKind,
    },
    /// The next job of `scenario` (its `scenarioName`, e.g. `TestFailover`, `EnableProtection`,
    /// `PlannedFailover`, `Reprotect`; any job when `None`) fails at task `step` (0-based) with
    /// `code` and `message`.
    FailJob {
        /// Which job kind.
        scenario: Option<String>,
        /// The 0-based task index that fails.
        step: usize,
        /// The job error's code.
        code: String,
        /// The job error's message.
        message: String,
    },
    /// The appliance stops sending heartbeats: `isResponsive` false, the last heartbeat stays
    /// where it was, the source fabric's health becomes `Critical` with a health error, and jobs
    /// that need the appliance fail.
    UnresponsiveAppliance,
    /// The target virtual network `name` is deleted from the target stamp: preflight reads no
    /// longer find it, enabling protection against it is refused, and a failover into it fails.
    MissingTargetNetwork {
        /// The network's name.
        name: String,
    },
}

impl Fault {
    /// `n` throttled answers (429, `Retry-After: 1`) on requests matching `matching`.
    pub fn throttle(matching: RequestMatch, n: u32) -> Self {
        Fault::Throttle {
            matching,
            trigger: Trigger::Times(n),
            retry_after: Duration::from_secs(1),
        }
    }

    /// `n` `503 ServiceUnavailable` answers on requests matching `matching`.
    pub fn server_error(matching: RequestMatch, n: u32) -> Self {
        Fault::ServerError {
            matching,
            trigger: Trigger::Times(n),
            status: 503,
        }
    }

    /// `n` dropped connections of `kind` on requests matching `matching`.
    pub fn drop_connection(matching: RequestMatch, kind: TransportErrorKind, n: u32) -> Self {
        Fault::DropConnection {
            matching,
            trigger: Trigger::Times(n),
            kind,
        }
    }

    /// The next job of `scenario` fails at task `step` with a generic internal error.
    pub fn fail_job(scenario: &str, step: usize) -> Self {
        Fault::FailJob {
            scenario: Some(scenario.to_owned()),
            step,
            code: "InternalError".to_owned(),
            message: "An internal error occurred.".to_owned(),
        }
    }
}

/// What the request-fault stage decided.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RequestFault {
    Throttle(Duration),
    ServerError(u16),
    Drop(TransportErrorKind),
}

/// SplitMix64: tiny, fast, good enough for deterministic faults and ids.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix(u64);

impl SplitMix {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float in [0, 1).
    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A GUID-shaped id (lower-case hex, hyphenated).
    pub(crate) fn guid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            (a >> 32) as u32,
            (a >> 16) as u16,
            (a & 0x0fff) as u16,
            ((b >> 48) as u16 & 0x3fff) | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }

    /// 32 hex digits (a GUID without hyphens: valid under `^[a-zA-Z0-9]*$`).
    pub(crate) fn hex_name(&mut self) -> String {
        format!("{:016x}{:016x}", self.next_u64(), self.next_u64())
    }
}

/// The active faults.
#[derive(Debug, Clone, Default)]
pub(crate) struct Faults {
    pub(crate) active: Vec<Fault>,
}

impl Faults {
    /// The request fault that fires for `req`, if any (consuming one use of it).
    pub(crate) fn on_request(&mut self, req: &Request, rng: &mut SplitMix) -> Option<RequestFault> {
        let mut fired = None;
        let mut exhausted = None;
        for (i, f) in self.active.iter_mut().enumerate() {
            let (matching, trigger, outcome) = match f {
                Fault::Throttle {
                    matching,
                    trigger,
                    retry_after,
                } => (&*matching, trigger, RequestFault::Throttle(*retry_after)),
                Fault::ServerError {
                    matching,
                    trigger,
                    status,
                } => (&*matching, trigger, RequestFault::ServerError(*status)),
                Fault::DropConnection {
                    matching,
                    trigger,
                    kind,
                } => (&*matching, trigger, RequestFault::Drop(*kind)),
                _ => continue,
            };
            if !matching.matches(req) {
                continue;
            }
            let fires = match trigger {
                Trigger::Times(0) => false,
                Trigger::Times(n) => {
                    *n -= 1;
                    if *n == 0 {
                        exhausted = Some(i);
                    }
                    true
                }
                Trigger::Always => true,
                Trigger::Probability(p) => rng.next_f64() < *p,
            };
            if fires {
                fired = Some(outcome);
                break;
            }
        }
        if let Some(i) = exhausted {
            self.active.remove(i);
        }
        fired
    }

    /// Takes the job fault for a job of `scenario` at `step`, if one is armed.
    pub(crate) fn take_job_failure(
        &mut self,
        scenario: &str,
        step: usize,
    ) -> Option<(String, String)> {
        let pos = self.active.iter().position(|f| match f {
            Fault::FailJob {
                scenario: s,
                step: at,
                ..
            } => {
                *at == step
                    && s.as_deref()
                        .is_none_or(|s| s.eq_ignore_ascii_case(scenario))
            }
            _ => false,
        })?;
        match self.active.remove(pos) {
            Fault::FailJob { code, message, .. } => Some((code, message)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_deterministic() {
        let mut a = SplitMix::new(7);
        let mut b = SplitMix::new(7);
        assert_eq!(a.guid(), b.guid());
        assert_eq!(a.hex_name().len(), 32);
        let g = SplitMix::new(1).guid();
        assert_eq!(g.len(), 36);
        assert_eq!(&g[14..15], "4");
    }

    #[test]
    fn times_trigger_runs_out() {
        let mut f = Faults::default();
        f.active
            .push(Fault::throttle(RequestMatch::any().method(Method::Get), 2));
        let mut rng = SplitMix::new(1);
        let get = Request::new(Method::Get, url::Url::parse("https://h/x").unwrap());
        let put = Request::new(Method::Put, url::Url::parse("https://h/x").unwrap());
        assert!(f.on_request(&put, &mut rng).is_none());
        assert!(f.on_request(&get, &mut rng).is_some());
        assert!(f.on_request(&get, &mut rng).is_some());
        assert!(f.on_request(&get, &mut rng).is_none());
        assert!(f.active.is_empty());
    }

    #[test]
    fn a_path_set_through_the_public_field_still_matches_any_case() {
        let mut m = RequestMatch::any();
        m.path_contains = Some("/ProtectedItems/".to_owned());
        let url = url::Url::parse("https://h/vaults/v/protectedItems/web-01").unwrap();
        assert!(m.matches(&Request::new(Method::Get, url)));
        assert!(RequestMatch::any()
            .path_contains("/PROTECTEDITEMS/")
            .matches(&Request::new(
                Method::Get,
                url::Url::parse("https://h/vaults/v/protectedItems/x").unwrap()
            )));
    }
}
