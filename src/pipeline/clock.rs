//! Time, injectable: a [`Clock`] that says what time it is and a [`Sleep`] that waits. Tests and
//! the emulator pass a [`ManualClock`], which is both and never really waits.

use chrono::{DateTime, Utc};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// What time it is.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// A future that completes after a delay.
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Waits.
pub trait Sleep: Send + Sync + fmt::Debug {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> SleepFuture;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A sleep that needs no async runtime: each wait parks a short-lived helper thread that wakes
/// the task when the time is up. Waits only happen between retries and polls, so the thread is
/// rare; it works under tokio, async-std, smol or a hand-written executor alike.
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreadSleep;

impl Sleep for ThreadSleep {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(ThreadSleepFuture {
            duration,
            state: None,
        })
    }
}

#[derive(Default)]
struct SleepState {
    done: bool,
    waker: Option<Waker>,
}

struct ThreadSleepFuture {
    duration: Duration,
    state: Option<Arc<Mutex<SleepState>>>,
}

impl Future for ThreadSleepFuture {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.duration.is_zero() {
            return Poll::Ready(());
        }
        let state = match &self.state {
            Some(s) => Arc::clone(s),
            None => {
                let s = Arc::new(Mutex::new(SleepState {
                    done: false,
                    waker: Some(cx.waker().clone()),
                }));
                let shared = Arc::clone(&s);
                let duration = self.duration;
                let spawned =
                    std::thread::Builder::new()
                        .name("azs-sleep".into())
                        .spawn(move || {
                            std::thread::sleep(duration);
                            let waker = {
                                let mut st = shared.lock().unwrap_or_else(|p| p.into_inner());
                                st.done = true;
                                st.waker.take()
                            };
                            if let Some(w) = waker {
                                w.wake();
                            }
                        });
                if spawned.is_err() {
                    // No thread to wait with: go on at once rather than hang forever.
                    return Poll::Ready(());
                }
                self.state = Some(Arc::clone(&s));
                s
            }
        };
        let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
        if st.done {
            Poll::Ready(())
        } else {
            st.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// A clock that only moves when told to, and a [`Sleep`] that moves it instead of waiting: a
/// retry sequence with minutes of back-off runs in no real time, and the waits are recorded.
///
/// ```
/// use azs_site_recovery::pipeline::clock::{Clock, ManualClock, Sleep};
/// use std::time::Duration;
/// let clock = ManualClock::new("2026-01-01T00:00:00Z".parse().unwrap());
/// futures_util::FutureExt::now_or_never(clock.sleep(Duration::from_secs(90))).unwrap();
/// assert_eq!(clock.now().to_rfc3339(), "2026-01-01T00:01:30+00:00");
/// assert_eq!(clock.sleeps(), vec![Duration::from_secs(90)]);
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    inner: Arc<Mutex<ManualState>>,
}

#[derive(Debug)]
struct ManualState {
    now: DateTime<Utc>,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock {
            inner: Arc::new(Mutex::new(ManualState {
                now: start,
                sleeps: Vec::new(),
            })),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut st = self.lock();
        // A wait past the end of time (a `Retry-After` of `u64::MAX` seconds handed on by a
        // custom policy) stops the clock at its last instant instead of panicking.
        let by = chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
        st.now = st
            .now
            .checked_add_signed(by)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
    }

    /// Sets the time.
    pub fn set(&self, now: DateTime<Utc>) {
        self.lock().now = now;
    }

    /// Every wait asked of this clock's [`Sleep`], oldest first.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ManualState> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new(DateTime::<Utc>::UNIX_EPOCH)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.lock().now
    }
}

impl Sleep for ManualClock {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        {
            let mut st = self.lock();
            st.sleeps.push(duration);
        }
        self.advance(duration);
        Box::pin(std::future::ready(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn thread_sleep_waits_roughly_as_long_as_asked() {
        let start = std::time::Instant::now();
        ThreadSleep.sleep(Duration::from_millis(30)).await;
        assert!(start.elapsed() >= Duration::from_millis(30));
        ThreadSleep.sleep(Duration::ZERO).await;
    }

    #[test]
    fn a_huge_wait_saturates_the_manual_clock() {
        let clock = ManualClock::default();
        futures_util::FutureExt::now_or_never(clock.sleep(Duration::from_secs(u64::MAX))).unwrap();
        assert_eq!(clock.now(), DateTime::<Utc>::MAX_UTC);
        clock.advance(Duration::from_secs(1));
        assert_eq!(clock.now(), DateTime::<Utc>::MAX_UTC);
    }
}
