//! Time, injectable: a [`Clock`] that says what time it is and a [`Sleep`] that waits. Tests and
//! the emulator pass a [`ManualClock`], which is both and never really waits.

use chrono::{DateTime, Utc};
use std::collections::BinaryHeap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

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

/// The sleep a pipeline uses unless told otherwise.
///
/// * Built with the `reqwest` feature (the default), it is [`TokioSleep`]: the tokio runtime's
///   timer, which reqwest already brings; no thread per wait.
/// * Without it, it is [`ThreadSleep`]: one shared timer thread for every wait of the process.
///
/// Either way a wait is never skipped.
pub fn default_sleep() -> Arc<dyn Sleep> {
    #[cfg(feature = "reqwest")]
    {
        Arc::new(TokioSleep)
    }
    #[cfg(not(feature = "reqwest"))]
    {
        Arc::new(ThreadSleep)
    }
}

/// Waits on the tokio runtime's timer (feature `reqwest`, which brings tokio anyway): 10,000
/// concurrent waits cost 10,000 timer entries, not threads.
///
/// Called from inside a tokio runtime, that runtime must have its timer enabled
/// (`#[tokio::main]` and `Builder::enable_all` do; reqwest needs it too). Called outside any
/// tokio runtime (another executor), it falls back to [`ThreadSleep`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use azs_site_recovery::pipeline::clock::{Sleep, TokioSleep};
/// let start = std::time::Instant::now();
/// TokioSleep.sleep(std::time::Duration::from_millis(20)).await;
/// assert!(start.elapsed() >= std::time::Duration::from_millis(20));
/// # }
/// ```
#[cfg(feature = "reqwest")]
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleep;

#[cfg(feature = "reqwest")]
impl Sleep for TokioSleep {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        match tokio::runtime::Handle::try_current() {
            // `sleep` registers with the runtime's timer when first polled, on that runtime.
            Ok(_) => Box::pin(tokio::time::sleep(duration)),
            Err(_) => ThreadSleep.sleep(duration),
        }
    }
}

/// A sleep that needs no async runtime: every wait of the process is kept by **one** shared
/// timer thread (started on the first wait), which wakes each task when its time is up. It
/// works under tokio, async-std, smol or a hand-written executor alike.
///
/// A wait is never skipped: if the timer thread cannot be started (the process is out of
/// threads), the wait blocks the polling thread for its duration instead.
///
/// ```
/// use azs_site_recovery::pipeline::clock::{Sleep, ThreadSleep};
/// // Any executor: here tokio's, with its own timer turned off.
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let start = std::time::Instant::now();
/// rt.block_on(ThreadSleep.sleep(std::time::Duration::from_millis(20)));
/// assert!(start.elapsed() >= std::time::Duration::from_millis(20));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreadSleep;

impl Sleep for ThreadSleep {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(ThreadSleepFuture {
            deadline: Instant::now().checked_add(duration),
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

/// One wait in the timer thread's queue, ordered by deadline (earliest first in the max-heap).
struct TimerEntry {
    deadline: Instant,
    seq: u64,
    state: Arc<Mutex<SleepState>>,
}

impl PartialEq for TimerEntry {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.seq) == (other.deadline, other.seq)
    }
}
impl Eq for TimerEntry {}
impl PartialOrd for TimerEntry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for TimerEntry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (other.deadline, other.seq).cmp(&(self.deadline, self.seq))
    }
}

#[derive(Default)]
struct TimerQueue {
    heap: BinaryHeap<TimerEntry>,
    seq: u64,
}

/// The process's timer thread: its queue and the condition it sleeps on.
struct Timer {
    queue: Mutex<TimerQueue>,
    changed: Condvar,
}

impl Timer {
    /// The shared timer, started on first use; `None` if its thread could not be started.
    fn shared() -> Option<&'static Timer> {
        static TIMER: OnceLock<Option<&'static Timer>> = OnceLock::new();
        *TIMER.get_or_init(|| {
            let timer: &'static Timer = Box::leak(Box::new(Timer {
                queue: Mutex::new(TimerQueue::default()),
                changed: Condvar::new(),
            }));
            std::thread::Builder::new()
                .name("azs-timer".into())
                .spawn(move || timer.run())
                .ok()
                .map(|_| timer)
        })
    }

    fn add(&self, deadline: Instant, state: Arc<Mutex<SleepState>>) {
        let mut q = lock(&self.queue);
        q.seq += 1;
        let seq = q.seq;
        q.heap.push(TimerEntry {
            deadline,
            seq,
            state,
        });
        drop(q);
        self.changed.notify_one();
    }

    fn run(&self) {
        let mut q = lock(&self.queue);
        loop {
            let now = Instant::now();
            while q.heap.peek().is_some_and(|e| e.deadline <= now) {
                if let Some(e) = q.heap.pop() {
                    let waker = {
                        let mut st = lock(&e.state);
                        st.done = true;
                        st.waker.take()
                    };
                    if let Some(w) = waker {
                        w.wake();
                    }
                }
            }
            q = match q.heap.peek().map(|e| e.deadline) {
                Some(next) => {
                    let wait = next.saturating_duration_since(now);
                    self.changed
                        .wait_timeout(q, wait)
                        .map(|(g, _)| g)
                        .unwrap_or_else(|p| p.into_inner().0)
                }
                None => self.changed.wait(q).unwrap_or_else(|p| p.into_inner()),
            };
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

struct ThreadSleepFuture {
    /// `None`: a wait past the end of `Instant` (never ends).
    deadline: Option<Instant>,
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
                match (Timer::shared(), self.deadline) {
                    (Some(timer), Some(deadline)) => timer.add(deadline, Arc::clone(&s)),
                    // A wait too long for `Instant` never ends: stay pending (no waker call).
                    (Some(_), None) => {}
                    (None, deadline) => {
                        // No timer thread (the process is out of threads): never skip the
                        // wait; block this thread for it instead.
                        let left = deadline.map_or(self.duration, |d| {
                            d.saturating_duration_since(Instant::now())
                        });
                        std::thread::sleep(left);
                        return Poll::Ready(());
                    }
                }
                self.state = Some(Arc::clone(&s));
                s
            }
        };
        let mut st = lock(&state);
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

    /// Many waits at once share the one timer thread, and each ends at its own time, in order.
    #[test]
    fn concurrent_thread_sleeps_share_one_timer_and_end_in_order() {
        let order = Arc::new(Mutex::new(Vec::new()));
        let start = Instant::now();
        let waits = (0..200u64).rev().map(|i| {
            let order = Arc::clone(&order);
            async move {
                ThreadSleep
                    .sleep(Duration::from_millis(5 + i % 4 * 10))
                    .await;
                order.lock().unwrap().push(i % 4);
            }
        });
        // An executor without tokio's timer: only the shared timer thread can end the waits.
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(futures_util::future::join_all(waits));
        assert!(start.elapsed() >= Duration::from_millis(35));
        let order = order.lock().unwrap();
        assert_eq!(order.len(), 200);
        assert!(order.windows(2).all(|w| w[0] <= w[1]), "{order:?}");
    }

    #[cfg(feature = "reqwest")]
    #[tokio::test]
    async fn the_default_sleep_waits_on_tokio_and_outside_tokio_too() {
        let start = Instant::now();
        default_sleep().sleep(Duration::from_millis(30)).await;
        assert!(start.elapsed() >= Duration::from_millis(30));
        let start = Instant::now();
        // Outside any tokio runtime (polled by hand on a plain thread): the shared timer thread.
        std::thread::spawn(|| block_on(TokioSleep.sleep(Duration::from_millis(30))))
            .join()
            .unwrap();
        assert!(start.elapsed() >= Duration::from_millis(30));
    }

    /// Polls `fut` to completion on this thread, parking between wakes (no runtime at all).
    #[cfg(feature = "reqwest")]
    fn block_on<F: Future>(fut: F) -> F::Output {
        struct Unpark(std::thread::Thread);
        impl std::task::Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut fut = std::pin::pin!(fut);
        loop {
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return v;
            }
            std::thread::park();
        }
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
