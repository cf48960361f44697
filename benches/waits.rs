//! 10,000 concurrent waits on the default sleep (`pipeline::clock::default_sleep`: tokio's timer
//! with the `reqwest` feature) and on `ThreadSleep` (one shared timer thread): how many threads
//! the process has while they wait (`Threads:` in `/proc/self/status`), against how many it had
//! before. Target (DESIGN.md): no thread per wait.
//!
//! `cargo bench --bench waits`

use azs_site_recovery::pipeline::clock::{default_sleep, Sleep, ThreadSleep};
use std::sync::Arc;
use std::time::{Duration, Instant};

const WAITS: usize = 10_000;

/// The process's thread count (`None` off Linux).
fn threads() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Threads:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Starts `WAITS` waits of 200 ms on `sleep`, counts threads while they are pending, and
/// returns (threads before, threads during, wall time of the whole batch).
fn run(
    rt: &tokio::runtime::Runtime,
    sleep: Arc<dyn Sleep>,
) -> (Option<usize>, Option<usize>, Duration) {
    rt.block_on(async move {
        let before = threads();
        let start = Instant::now();
        let mut tasks = Vec::with_capacity(WAITS);
        for _ in 0..WAITS {
            let s = Arc::clone(&sleep);
            tasks.push(tokio::spawn(async move {
                s.sleep(Duration::from_millis(200)).await
            }));
        }
        // Let every task start its wait, then look.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let during = threads();
        for t in tasks {
            t.await.expect("wait task");
        }
        (before, during, start.elapsed())
    })
}

fn show(n: Option<usize>) -> String {
    n.map_or("?".to_owned(), |n| n.to_string())
}

fn main() {
    // A current-thread runtime: the only threads are main and whatever the sleep starts.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for (name, sleep) in [
        ("default sleep (tokio timer)", default_sleep()),
        (
            "ThreadSleep (shared timer thread)",
            Arc::new(ThreadSleep) as Arc<dyn Sleep>,
        ),
    ] {
        let (before, during, wall) = run(&rt, sleep);
        let extra = before.zip(during).map(|(b, d)| d.saturating_sub(b));
        println!(
            "{WAITS} concurrent waits of 200 ms, {name}: threads {} before, {} during ({} extra; target 0 for the default, 1 for ThreadSleep), all done in {:.0} ms",
            show(before),
            show(during),
            show(extra),
            wall.as_secs_f64() * 1e3
        );
    }
}
