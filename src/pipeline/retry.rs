//! When to send a request again, and after how long.
//!
//! The rules ([`is_safe_to_retry`]): a GET, HEAD, PUT or DELETE is retried on 408, 429, 500,
//! 502, 503, 504 and on any transport failure. A POST (an action such as `plannedFailover`) or a
//! PATCH is retried **only** when it provably was not processed: the transport proves it never
//! reached the service ([`TransportErrorKind::NotSent`]), or the service answered `429` (ARM
//! throttles a request *instead of* processing it, and says when to come back; Azure's own SDKs
//! resend a throttled POST too). A failover that may have started is never started twice: a POST
//! answered 5xx, or whose answer was lost, is not resent.
//! The service's wait (`retry-after-ms`, `x-ms-retry-after-ms`, `Retry-After`) is honoured; else
//! the back-off is exponential with jitter, capped per wait, in attempts and in total time.

use crate::error::is_retryable_status;
use crate::http::{Method, Request, Response};
use crate::transport::{TransportError, TransportErrorKind};
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// How an attempt ended.
#[derive(Debug, Clone, Copy)]
pub enum AttemptOutcome<'a> {
    /// The service answered.
    Response(&'a Response),
    /// The transport failed.
    TransportError(&'a TransportError),
}

/// What a [`RetryPolicy`] is told after each attempt that did not succeed.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RetryContext<'a> {
    /// The request (method, URL; the body is there too).
    pub request: &'a Request,
    /// The attempt that just ended, counting from 1.
    pub attempt: u32,
    /// Time since the first attempt started (on the pipeline's clock).
    pub elapsed: Duration,
    /// How the attempt ended.
    pub outcome: AttemptOutcome<'a>,
    /// The wait the service asked for, if it did.
    pub retry_after: Option<Duration>,
}

/// A retry policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Wait this long, then send again.
    RetryAfter(Duration),
    /// Give the outcome to the caller.
    Stop,
}

/// Decides whether to send a request again. Replace the default ([`ExponentialRetry`]) with
/// `PipelineBuilder::retry_policy`.
///
/// ```
/// use azs_site_recovery::pipeline::retry::{RetryContext, RetryDecision, RetryPolicy, is_safe_to_retry};
/// use std::time::Duration;
///
/// /// Retries safe requests once, after a second.
/// #[derive(Debug)]
/// struct Once;
/// impl RetryPolicy for Once {
///     fn decide(&self, ctx: &RetryContext<'_>) -> RetryDecision {
///         if ctx.attempt == 1 && is_safe_to_retry(ctx.request.method, &ctx.outcome) {
///             RetryDecision::RetryAfter(Duration::from_secs(1))
///         } else {
///             RetryDecision::Stop
///         }
///     }
/// }
/// ```
pub trait RetryPolicy: Send + Sync + fmt::Debug {
    /// Called after an attempt that failed or answered with a non-success status.
    fn decide(&self, ctx: &RetryContext<'_>) -> RetryDecision;
}

/// `true` when sending a `method` request again after `outcome` can neither repeat an action
/// nor be pointless: see the [module documentation](self).
pub fn is_safe_to_retry(method: Method, outcome: &AttemptOutcome<'_>) -> bool {
    match outcome {
        AttemptOutcome::TransportError(e) => {
            e.kind() == TransportErrorKind::NotSent || method.is_idempotent()
        }
        // A throttled request was refused, not processed: resending it repeats nothing.
        AttemptOutcome::Response(r) if r.status == 429 => true,
        AttemptOutcome::Response(r) => method.is_idempotent() && is_retryable_status(r.status),
    }
}

/// Never retries.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRetry;

impl RetryPolicy for NoRetry {
    fn decide(&self, _: &RetryContext<'_>) -> RetryDecision {
        RetryDecision::Stop
    }
}

/// Exponential back-off with jitter: `initial_delay × 2^(attempt-1)`, capped at `max_delay`,
/// spread by ±`jitter`; at most `max_attempts` attempts and `max_total` of waiting and sending.
/// A wait the service asked for replaces the computed one (it is not capped by `max_delay`, but
/// a wait that would pass `max_total` stops the retries instead).
///
/// ```
/// use azs_site_recovery::pipeline::retry::ExponentialRetry;
/// use std::time::Duration;
/// let policy = ExponentialRetry::default()
///     .max_attempts(6)
///     .initial_delay(Duration::from_millis(500))
///     .max_total(Duration::from_secs(120));
/// ```
#[derive(Debug, Clone)]
pub struct ExponentialRetry {
    max_attempts: u32,
    initial_delay: Duration,
    max_delay: Duration,
    max_total: Duration,
    jitter: f64,
}

impl Default for ExponentialRetry {
    /// 4 attempts, 800 ms first wait, 60 s longest wait, 5 minutes in all, ±20 % jitter.
    fn default() -> Self {
        ExponentialRetry {
            max_attempts: 4,
            initial_delay: Duration::from_millis(800),
            max_delay: Duration::from_secs(60),
            max_total: Duration::from_secs(300),
            jitter: 0.2,
        }
    }
}

impl ExponentialRetry {
    /// The most attempts, the first included (1 means never retry).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The first computed wait.
    pub fn initial_delay(mut self, d: Duration) -> Self {
        self.initial_delay = d;
        self
    }

    /// The longest computed wait.
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// The most time from the first attempt to the start of the last.
    pub fn max_total(mut self, d: Duration) -> Self {
        self.max_total = d;
        self
    }

    /// The spread of computed waits, a fraction in `0.0..=1.0` (0 for none).
    pub fn jitter(mut self, fraction: f64) -> Self {
        self.jitter = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self
    }

    /// The computed wait after `attempt` (without the service's wait).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let base = self
            .initial_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        if self.jitter == 0.0 {
            return base;
        }
        let factor = 1.0 + self.jitter * (2.0 * random_unit() - 1.0);
        Duration::from_secs_f64((base.as_secs_f64() * factor).max(0.0))
    }
}

impl RetryPolicy for ExponentialRetry {
    fn decide(&self, ctx: &RetryContext<'_>) -> RetryDecision {
        if ctx.attempt >= self.max_attempts || !is_safe_to_retry(ctx.request.method, &ctx.outcome) {
            return RetryDecision::Stop;
        }
        let wait = ctx.retry_after.unwrap_or_else(|| self.backoff(ctx.attempt));
        if ctx.elapsed.saturating_add(wait) > self.max_total {
            return RetryDecision::Stop;
        }
        RetryDecision::RetryAfter(wait)
    }
}

/// A number in `0.0..1.0`, random enough for jitter, without a random-number crate: std's
/// `RandomState` is seeded from the OS, and a counter makes successive calls differ.
fn random_unit() -> f64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// 128 random bits formatted as a UUID (version 4), for `x-ms-client-request-id`.
pub(crate) fn random_uuid() -> String {
    let mut bytes = [0u8; 16];
    for chunk in bytes.chunks_mut(8) {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(random_unit().to_bits());
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(m: Method) -> Request {
        Request::new(m, url::Url::parse("https://arm.example/x").unwrap())
    }

    fn ctx<'a>(r: &'a Request, attempt: u32, o: AttemptOutcome<'a>) -> RetryContext<'a> {
        RetryContext {
            request: r,
            attempt,
            elapsed: Duration::ZERO,
            outcome: o,
            retry_after: None,
        }
    }

    #[test]
    fn a_throttled_post_is_retried_as_the_service_asks() {
        let p = ExponentialRetry::default().jitter(0.0);
        for method in [Method::Post, Method::Patch] {
            let r = req(method);
            let throttled = Response::new(429);
            let mut c = ctx(&r, 1, AttemptOutcome::Response(&throttled));
            c.retry_after = Some(Duration::from_secs(7));
            assert_eq!(
                p.decide(&c),
                RetryDecision::RetryAfter(Duration::from_secs(7))
            );
            c.attempt = 4;
            assert_eq!(p.decide(&c), RetryDecision::Stop, "attempts stay capped");
        }
    }

    #[test]
    fn post_is_retried_only_when_not_sent() {
        let p = ExponentialRetry::default().jitter(0.0);
        let post = req(Method::Post);
        let busy = Response::new(503);
        let reset = TransportError::new(TransportErrorKind::MaybeSent, "reset");
        let refused = TransportError::new(TransportErrorKind::NotSent, "refused");
        assert_eq!(
            p.decide(&ctx(&post, 1, AttemptOutcome::Response(&busy))),
            RetryDecision::Stop
        );
        assert_eq!(
            p.decide(&ctx(&post, 1, AttemptOutcome::TransportError(&reset))),
            RetryDecision::Stop
        );
        assert_eq!(
            p.decide(&ctx(&post, 1, AttemptOutcome::TransportError(&refused))),
            RetryDecision::RetryAfter(Duration::from_millis(800))
        );
        let patch = req(Method::Patch);
        assert_eq!(
            p.decide(&ctx(&patch, 1, AttemptOutcome::TransportError(&reset))),
            RetryDecision::Stop
        );
        let get = req(Method::Get);
        assert!(matches!(
            p.decide(&ctx(&get, 1, AttemptOutcome::TransportError(&reset))),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(
            p.decide(&ctx(&get, 1, AttemptOutcome::Response(&Response::new(404)))),
            RetryDecision::Stop
        );
    }

    #[test]
    fn caps_attempts_total_time_and_grows() {
        let p = ExponentialRetry::default()
            .jitter(0.0)
            .max_attempts(3)
            .max_total(Duration::from_secs(10));
        let get = req(Method::Get);
        let busy = Response::new(503);
        assert_eq!(p.backoff(2), Duration::from_millis(1600));
        assert_eq!(p.backoff(20), Duration::from_secs(60));
        assert_eq!(
            p.decide(&ctx(&get, 3, AttemptOutcome::Response(&busy))),
            RetryDecision::Stop
        );
        let mut c = ctx(&get, 1, AttemptOutcome::Response(&busy));
        c.retry_after = Some(Duration::from_secs(11));
        assert_eq!(p.decide(&c), RetryDecision::Stop);
        c.retry_after = Some(Duration::from_secs(9));
        assert_eq!(
            p.decide(&c),
            RetryDecision::RetryAfter(Duration::from_secs(9))
        );
    }

    #[test]
    fn jitter_stays_in_bounds_and_varies() {
        let p = ExponentialRetry::default().jitter(0.5);
        let waits: Vec<Duration> = (0..50).map(|_| p.backoff(1)).collect();
        assert!(waits
            .iter()
            .all(|w| *w >= Duration::from_millis(400) && *w <= Duration::from_millis(1200)));
        assert!(waits.iter().any(|w| *w != waits[0]));
    }

    #[test]
    fn request_ids_look_like_uuids_and_differ() {
        let a = random_uuid();
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert_ne!(a, random_uuid());
    }
}
